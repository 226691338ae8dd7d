//! Sprig's regular-expression functions with Go RE2 semantics on top of the
//! `regex` crate: Go's ASCII-only `\d \w \s \b`, `\Q…\E`, Go's match loops
//! (empty matches, `n` limits), `$name`/`${name}` expansion (names may repeat)
//! and error texts.

use helmd_gotmpl::{ArgType, Arity, CallContext, FuncError, FuncMap, FuncResult};
use helmd_yaml::gostr::raw_byte;
use helmd_yaml::{ElemType, Value};
use regex::Regex;

use super::regex_syntax::{go_group_name, go_syntax_error, translate};
use super::{int_arg, str_arg, string_list};

const S: ArgType = ArgType::String;

thread_local! {
    /// Compiled patterns: charts call the regex functions with the same few
    /// patterns over and over (bounded; cleared when full).
    static CACHE: std::cell::RefCell<std::collections::HashMap<String, Result<Regex, String>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

const CACHE_MAX: usize = 512;

/// Go's `regexp.Compile` (cached).
fn compile(p: &str) -> Result<Regex, String> {
    if let Some(hit) = CACHE.with(|c| c.borrow().get(p).cloned()) {
        return hit;
    }
    let r = compile_uncached(p);
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= CACHE_MAX {
            c.clear();
        }
        c.insert(p.to_string(), r.clone());
    });
    r
}

fn compile_uncached(p: &str) -> Result<Regex, String> {
    if let Some(at) = p.char_indices().find(|(_, c)| raw_byte(*c).is_some()) {
        // Go's parser checks UTF-8 first; the text is the rest from the bad byte
        return Err(format!(
            "error parsing regexp: invalid UTF-8: `{}`",
            &p[at.0..]
        ));
    }
    if let Some(e) = go_syntax_error(p) {
        return Err(format!("error parsing regexp: {e}"));
    }
    Regex::new(&translate(p)).map_err(|e| {
        let first = e.to_string();
        let line = first
            .lines()
            .rev()
            .find(|l| l.starts_with("error:"))
            .unwrap_or("error: invalid syntax")
            .trim_start_matches("error: ")
            .to_string();
        if line.starts_with("Unicode property") {
            // Go: an unknown \p{Name} is a bad class range
            let at = p.find("\\p").or_else(|| p.find("\\P")).unwrap_or(0);
            let end = p[at..].find('}').map_or(p.len(), |e| at + e + 1);
            return format!(
                "error parsing regexp: invalid character class range: `{}`",
                &p[at..end]
            );
        }
        format!("error parsing regexp: {line}: `{p}`")
    })
}

/// Go's `regexp.MustCompile` panic text.
fn must_compile(p: &str) -> Result<Regex, FuncError> {
    compile(p).map_err(|e| {
        // Go's strconv.CanBackquote decides between `…` and "…"
        let quoted = if p.contains('`')
            || p.chars()
                .any(|c| c.is_control() && c != '\t' || c == '\u{FEFF}' || raw_byte(c).is_some())
        {
            helmd_gotmpl::go_quote(p)
        } else {
            format!("`{p}`")
        };
        FuncError::Message(format!("regexp: Compile({quoted}): {e}"))
    })
}

fn next_pos(s: &str, pos: usize) -> usize {
    pos + s[pos..].chars().next().map_or(1, char::len_utf8)
}

/// Go's `FindAllStringIndex` loop.
fn find_all(re: &Regex, s: &str, n: i64) -> Vec<(usize, usize)> {
    let limit = if n < 0 { usize::MAX } else { n as usize };
    let mut out = Vec::new();
    let (mut pos, mut prev_end) = (0usize, None);
    while out.len() < limit && pos <= s.len() {
        let Some(m) = re.find_at(s, pos) else {
            break;
        };
        let mut accept = true;
        if m.end() == m.start() {
            if Some(m.start()) == prev_end {
                accept = false;
            }
            pos = next_pos(s, pos.max(m.start()));
        } else {
            pos = m.end();
        }
        prev_end = Some(m.end());
        if accept {
            out.push((m.start(), m.end()));
        }
    }
    out
}

/// Go's `Regexp.Split`.
fn split(re: &Regex, s: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if !re.as_str().is_empty() && s.is_empty() {
        return vec![String::new()];
    }
    let matches = find_all(re, s, n);
    let mut out = Vec::new();
    let (mut beg, mut end) = (0, 0);
    for (a, b) in matches {
        if n > 0 && out.len() as i64 == n - 1 {
            break;
        }
        end = a;
        if b != 0 {
            out.push(s[beg..end].to_string());
        }
        beg = b;
    }
    if end != s.len() {
        out.push(s[beg..].to_string());
    }
    out
}

/// Go's template expansion of `$1`, `${1}`, `$name`, `${name}`, `$$`.
fn expand(re: &Regex, caps: &regex::Captures<'_>, tmpl: &str, out: &mut String) {
    let mut rest = tmpl;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix('$') {
            out.push('$');
            rest = r;
            continue;
        }
        let (brace, body) = match rest.strip_prefix('{') {
            Some(b) => (true, b),
            None => (false, rest),
        };
        let len = body
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map_or(body.len(), |(i, _)| i);
        let name = &body[..len];
        let ok = len > 0 && (!brace || body[len..].starts_with('}'));
        if !ok {
            out.push('$');
            continue;
        }
        rest = if brace {
            &body[len + 1..]
        } else {
            &body[len..]
        };
        let m = if name.bytes().all(|b| b.is_ascii_digit()) {
            name.parse::<usize>().ok().and_then(|n| caps.get(n))
        } else {
            // Go takes the first group of that name that took part in the match.
            re.capture_names()
                .enumerate()
                .filter(|(_, n)| n.is_some_and(|n| go_group_name(n) == name))
                .find_map(|(i, _)| caps.get(i))
        };
        if let Some(m) = m {
            out.push_str(m.as_str());
        }
    }
    out.push_str(rest);
}

/// Go's `ReplaceAllString` / `ReplaceAllLiteralString` loop.
fn replace_all(re: &Regex, s: &str, repl: &str, literal: bool) -> String {
    let mut out = String::new();
    let (mut last_end, mut search) = (0usize, 0usize);
    while search <= s.len() {
        let Some(caps) = re.captures_at(s, search) else {
            break;
        };
        let Some(m) = caps.get(0) else {
            break;
        };
        out.push_str(&s[last_end..m.start()]);
        if m.end() > last_end || m.start() == 0 {
            if literal {
                out.push_str(repl);
            } else {
                expand(re, &caps, repl, &mut out);
            }
        }
        last_end = m.end();
        let width = s[search..].chars().next().map_or(1, char::len_utf8);
        search = if search + width > m.end() {
            search + width
        } else if search + 1 > m.end() {
            search + 1
        } else {
            m.end()
        };
    }
    if last_end <= s.len() {
        out.push_str(&s[last_end..]);
    }
    out
}

/// Go's `FindAllString`: no match (or `n == 0`) is a nil `[]string`.
fn find_all_strings(re: &Regex, s: &str, n: i64) -> Value {
    let found: Vec<String> = if n == 0 {
        Vec::new()
    } else {
        find_all(re, s, n)
            .into_iter()
            .map(|(a, b)| s[a..b].to_string())
            .collect()
    };
    if found.is_empty() {
        return Value::nil_list(ElemType::String);
    }
    string_list(found)
}

type Compiler = fn(&str) -> Result<Regex, FuncError>;

/// The budget check for a result of `fixed` bytes plus `per_match` for each
/// match of `re` in `s`: a bound from the length first, matches counted only
/// when that bound does not fit.
fn ensure_matches(
    cx: &CallContext<'_>,
    re: &Regex,
    s: &str,
    per_match: usize,
    fixed: usize,
) -> Result<(), FuncError> {
    let rough = (s.len() + 1)
        .saturating_mul(per_match)
        .saturating_add(fixed);
    if cx.ensure_room(rough).is_ok() {
        return Ok(());
    }
    let n = re.find_iter(s).count() + 1;
    cx.ensure_room(n.saturating_mul(per_match).saturating_add(fixed))
}

fn plain_compile(p: &str) -> Result<Regex, FuncError> {
    compile(p).map_err(FuncError::Message)
}

pub(crate) fn register(f: &mut FuncMap) {
    f.insert_typed("regexMatch", Arity::Exact(2), &[S, S], |_, a| {
        Ok(Value::Bool(
            compile(str_arg(&a[0])).is_ok_and(|re| re.is_match(str_arg(&a[1]))),
        ))
    });
    f.insert_typed("mustRegexMatch", Arity::Exact(2), &[S, S], |_, a| {
        let re = plain_compile(str_arg(&a[0]))?;
        Ok(Value::Bool(re.is_match(str_arg(&a[1]))))
    });
    for (name, c) in [
        ("regexFindAll", must_compile as Compiler),
        ("mustRegexFindAll", plain_compile),
    ] {
        f.insert_typed(
            name,
            Arity::Exact(3),
            &[S, S, ArgType::Int],
            move |cx, a| {
                let re = c(str_arg(&a[0]))?;
                ensure_matches(cx, &re, str_arg(&a[1]), 64, str_arg(&a[1]).len())?;
                Ok(find_all_strings(&re, str_arg(&a[1]), int_arg(&a[2])))
            },
        );
    }
    for (name, c) in [
        ("regexFind", must_compile as Compiler),
        ("mustRegexFind", plain_compile),
    ] {
        f.insert_typed(name, Arity::Exact(2), &[S, S], move |_, a| {
            let re = c(str_arg(&a[0]))?;
            let s = str_arg(&a[1]);
            Ok(Value::str(re.find(s).map_or("", |m| m.as_str())))
        });
    }
    for (name, c, literal) in [
        ("regexReplaceAll", must_compile as Compiler, false),
        ("mustRegexReplaceAll", plain_compile, false),
        ("regexReplaceAllLiteral", must_compile, true),
        ("mustRegexReplaceAllLiteral", plain_compile, true),
    ] {
        f.insert_typed(name, Arity::Exact(3), &[S, S, S], move |cx, a| {
            let re = c(str_arg(&a[0]))?;
            let (s, repl) = (str_arg(&a[1]), str_arg(&a[2]));
            // Each `$` reference expands to at most its match, and the matches
            // together are at most the input.
            let refs = if literal {
                0
            } else {
                repl.matches('$').count()
            };
            let fixed = s.len().saturating_mul(refs + 1);
            ensure_matches(cx, &re, s, repl.len(), fixed)?;
            Ok(Value::from(replace_all(
                &re,
                str_arg(&a[1]),
                str_arg(&a[2]),
                literal,
            )))
        });
    }
    for (name, c) in [
        ("regexSplit", must_compile as Compiler),
        ("mustRegexSplit", plain_compile),
    ] {
        f.insert_typed(
            name,
            Arity::Exact(3),
            &[S, S, ArgType::Int],
            move |cx, a| -> FuncResult {
                let re = c(str_arg(&a[0]))?;
                ensure_matches(cx, &re, str_arg(&a[1]), 64, str_arg(&a[1]).len())?;
                let n = int_arg(&a[2]);
                if n == 0 {
                    return Ok(Value::nil_list(ElemType::String));
                }
                Ok(string_list(split(&re, str_arg(&a[1]), n)))
            },
        );
    }
    f.insert_typed("regexQuoteMeta", Arity::Exact(1), &[S], |_, a| {
        let mut out = String::new();
        for c in str_arg(&a[0]).chars() {
            if "\\.+*?()|[]{}^$".contains(c) {
                out.push('\\');
            }
            out.push(c);
        }
        Ok(Value::from(out))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_match_loops() {
        let re = compile("a*").expect("compiles");
        let all: Vec<_> = find_all(&re, "baaac", -1);
        assert_eq!(all, vec![(0, 0), (1, 4), (5, 5)]);
        assert_eq!(replace_all(&re, "baaac", "-", false), "-b-c-");
        let re = compile("a(x*)b").expect("compiles");
        assert_eq!(replace_all(&re, "-ab-axxb-", "$1W", false), "---");
        assert_eq!(replace_all(&re, "-ab-axxb-", "${1}W", false), "-W-xxW-");
    }

    #[test]
    fn go_ascii_classes() {
        let re = compile(r"\d").expect("compiles");
        assert_eq!(replace_all(&re, "a1٣", "#", false), "a#٣");
        assert!(compile("(").is_err());
    }
}
