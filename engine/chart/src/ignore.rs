//! `.helmignore`: Helm's own gitignore-like rules (not gitignore's). A rule
//! without `/` matches a path's last element, one with `/` the whole path
//! (a leading `/` anchors nothing more), a trailing `/` only directories, `!`
//! negates (and, as in Helm, ignores everything the rule does not match),
//! `**` is refused. Patterns use Go's `filepath.Match`.

use crate::error::{Error, Result};

#[derive(Debug, Clone)]
struct Rule {
    pattern: String,
    negate: bool,
    must_dir: bool,
    /// Match the base name only (no `/` in the rule).
    base_only: bool,
}

/// Parsed `.helmignore` rules plus Helm's default `templates/.?*`.
#[derive(Debug, Clone, Default)]
pub struct IgnoreRules {
    rules: Vec<Rule>,
}

impl IgnoreRules {
    /// Helm's defaults only.
    pub fn defaults() -> IgnoreRules {
        let mut r = IgnoreRules::default();
        // The default rule is known to parse.
        let _ = r.add("templates/.?*");
        r
    }

    /// The defaults plus every line of a `.helmignore` file.
    pub fn parse(text: &str) -> Result<IgnoreRules> {
        let mut r = IgnoreRules::default();
        for line in text.lines() {
            r.add(line)?;
        }
        r.add("templates/.?*")?;
        Ok(r)
    }

    fn add(&mut self, line: &str) -> Result<()> {
        let rule = line.trim();
        if rule.is_empty() || rule.starts_with('#') {
            return Ok(());
        }
        if rule.contains("**") {
            return Err(Error::Chart(
                "double-star (**) syntax is not supported".into(),
            ));
        }
        if !pattern_is_valid(rule) {
            return Err(Error::Chart("syntax error in pattern".into()));
        }
        let (negate, rest) = match rule.strip_prefix('!') {
            Some(r) => (true, r),
            None => (false, rule),
        };
        let (must_dir, rest) = match rest.strip_suffix('/') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let (base_only, pattern) = if let Some(r) = rest.strip_prefix('/') {
            (false, r.to_string())
        } else {
            (!rest.contains('/'), rest.to_string())
        };
        self.rules.push(Rule {
            pattern,
            negate,
            must_dir,
            base_only,
        });
        Ok(())
    }

    /// Whether `path` (relative, `/`-separated) is ignored.
    pub fn ignore(&self, path: &str, is_dir: bool) -> bool {
        if path.is_empty() || path == "." || path == "./" {
            return false;
        }
        for rule in &self.rules {
            let name = if rule.base_only {
                path.rsplit('/').next().unwrap_or(path)
            } else {
                path
            };
            if rule.negate {
                if rule.must_dir && !is_dir {
                    return true;
                }
                if !go_match(&rule.pattern, name) {
                    return true;
                }
                continue;
            }
            if rule.must_dir && !is_dir {
                continue;
            }
            if go_match(&rule.pattern, name) {
                return true;
            }
        }
        false
    }
}

/// Whether Go's `filepath.Match` accepts the pattern (balanced classes, no dangling `\`).
fn pattern_is_valid(p: &str) -> bool {
    let c: Vec<char> = p.chars().collect();
    let mut i = 0;
    while i < c.len() {
        match c[i] {
            '\\' => {
                if i + 1 >= c.len() {
                    return false;
                }
                i += 2;
            }
            '[' => match class_end(&c, i + 1) {
                Some(end) => i = end + 1,
                None => return false,
            },
            _ => i += 1,
        }
    }
    true
}

/// Index of the `]` closing a class that starts at `i` (after `[`), if well formed.
fn class_end(c: &[char], mut i: usize) -> Option<usize> {
    if c.get(i) == Some(&'^') {
        i += 1;
    }
    let mut first = true;
    loop {
        let ch = *c.get(i)?;
        if ch == ']' && !first {
            return Some(i);
        }
        first = false;
        let lo = if ch == '\\' {
            i += 1;
            *c.get(i)?
        } else {
            ch
        };
        if lo == '/' || (ch == '-' && lo == '-') {
            return None;
        }
        i += 1;
        if c.get(i) == Some(&'-') && c.get(i + 1).is_some_and(|&n| n != ']') {
            i += 1;
            let hi = if c[i] == '\\' {
                i += 1;
                *c.get(i)?
            } else {
                c[i]
            };
            if hi == '/' {
                return None;
            }
            i += 1;
        }
    }
}

/// Go's `filepath.Match` on `/`-separated names: `*` and `?` never match `/`.
pub(crate) fn go_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    match_at(&p, &n)
}

fn match_at(p: &[char], n: &[char]) -> bool {
    if p.is_empty() {
        return n.is_empty();
    }
    match p[0] {
        '*' => {
            for k in 0..=n.len() {
                if match_at(&p[1..], &n[k..]) {
                    return true;
                }
                if k < n.len() && n[k] == '/' {
                    break;
                }
            }
            false
        }
        '?' => !n.is_empty() && n[0] != '/' && match_at(&p[1..], &n[1..]),
        '[' => {
            let Some(end) = class_end(p, 1) else {
                return false;
            };
            let Some(&ch) = n.first() else {
                return false;
            };
            ch != '/' && class_matches(&p[1..end], ch) && match_at(&p[end + 1..], &n[1..])
        }
        '\\' if p.len() > 1 => !n.is_empty() && n[0] == p[1] && match_at(&p[2..], &n[1..]),
        c => !n.is_empty() && n[0] == c && match_at(&p[1..], &n[1..]),
    }
}

fn class_matches(class: &[char], ch: char) -> bool {
    let (negated, body) = match class.first() {
        Some('^') => (true, &class[1..]),
        _ => (false, class),
    };
    let mut i = 0;
    let mut found = false;
    while i < body.len() {
        let mut lo = body[i];
        if lo == '\\' && i + 1 < body.len() {
            i += 1;
            lo = body[i];
        }
        i += 1;
        let mut hi = lo;
        if i + 1 < body.len() && body[i] == '-' {
            hi = body[i + 1];
            if hi == '\\' && i + 2 < body.len() {
                hi = body[i + 2];
                i += 1;
            }
            i += 2;
        }
        if lo <= ch && ch <= hi {
            found = true;
        }
    }
    found != negated
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(rules: &str, path: &str, is_dir: bool, expected: bool) {
        let r = IgnoreRules::parse(rules).expect("rules parse");
        assert_eq!(r.ignore(path, is_dir), expected, "{rules:?} on {path}");
    }

    #[test]
    fn helmignore_rules_match_like_helms() {
        check("*.txt", "d/a.txt", false, true);
        check("/a.txt", "d/a.txt", false, false);
        check("/a.txt", "a.txt", false, true);
        check("d/*.txt", "d/e/f.txt", false, false);
        check("*/a.txt", "d/a.txt", false, true);
        check("d/", "d", true, true);
        check("d/", "d", false, false);
        check("a.txt/", "a.txt", false, false);
        check("", "templates/.h.yaml", false, true);
        check("", "templates/sub/.y", false, false);
        check("!a.txt", "Chart.yaml", false, true);
        check("!a.txt", "a.txt", false, false);
        check("[ab].txt", "b.txt", false, true);
        check("[^ab].txt", "b.txt", false, false);
        check("\\#a", "#a", false, true);
    }

    #[test]
    fn bad_rules_fail_with_helms_messages() {
        let err = |t: &str| IgnoreRules::parse(t).err().map(|e| e.to_string());
        assert_eq!(
            err("**/a.txt").as_deref(),
            Some("double-star (**) syntax is not supported")
        );
        assert_eq!(err("[").as_deref(), Some("syntax error in pattern"));
    }
}
