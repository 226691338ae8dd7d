//! What `helm template` prints: the manifest, then the hooks, optionally
//! filtered by `--show-only` with Helm's glob matching and error text.

use super::{ReleaseManifest, split_manifests};
use crate::error::{Error, Result};

/// `helm template`'s output switches.
#[derive(Debug, Clone, Default)]
pub struct TemplateOptions {
    /// `--show-only` patterns (template paths below the chart, globs allowed).
    pub show_only: Vec<String>,
    /// `--no-hooks`: leave hooks out.
    pub no_hooks: bool,
    /// `--skip-tests`: leave test hooks out.
    pub skip_tests: bool,
}

/// The text `helm template` writes to stdout for a release manifest.
pub fn template_output(rel: &ReleaseManifest, opts: &TemplateOptions) -> Result<String> {
    let mut out = format!("{}\n", rel.manifest.trim());
    if !opts.no_hooks {
        for h in &rel.hooks {
            if opts.skip_tests && h.is_test() {
                continue;
            }
            out.push_str(&format!("---\n# Source: {}\n{}\n", h.path, h.manifest));
        }
    }
    if opts.show_only.is_empty() {
        return Ok(out);
    }
    let docs = split_manifests(&out);
    let mut shown = Vec::new();
    for pattern in &opts.show_only {
        let mut missing = true;
        for doc in &docs {
            let Some(path) = source_path(doc) else {
                continue;
            };
            if glob_match(pattern, path) {
                shown.push(doc.as_str());
                missing = false;
            }
        }
        if missing {
            return Err(Error::Manifest(format!(
                "could not find template {pattern} in chart"
            )));
        }
    }
    Ok(shown.iter().map(|d| format!("---\n{d}\n")).collect())
}

/// The path after the chart name in the first `# Source: CHART/PATH` of a
/// document (Helm's regex `# Source: [^/]+/(.+)`).
fn source_path(doc: &str) -> Option<&str> {
    let mut from = 0;
    while let Some(at) = doc[from..].find("# Source: ") {
        let start = from + at + "# Source: ".len();
        let rest = &doc[start..];
        if let Some(slash) = rest.find('/')
            && slash > 0
        {
            let path = &rest[slash + 1..];
            let path = &path[..path.find('\n').unwrap_or(path.len())];
            if !path.is_empty() {
                return Some(path);
            }
        }
        from = start;
    }
    None
}

/// Go's `filepath.Match` with `/` as separator; a malformed pattern matches nothing.
pub fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    matches!(match_from(&p, &n), Some(true))
}

/// `Some(matched)`, or `None` for a malformed pattern.
fn match_from(p: &[char], n: &[char]) -> Option<bool> {
    if p.is_empty() {
        return Some(n.is_empty());
    }
    match p[0] {
        '*' => {
            let rest = &p[1..];
            for i in 0..=n.len() {
                if i > 0 && n[i - 1] == '/' {
                    break;
                }
                if match_from(rest, &n[i..])? {
                    return Some(true);
                }
            }
            // Validate the rest of the pattern like Go does before failing.
            match_from(rest, &[]).map(|_| false)
        }
        '?' => match n.first() {
            Some(c) if *c != '/' => match_from(&p[1..], &n[1..]),
            _ => check_rest(&p[1..]),
        },
        '[' => {
            let (matched, used) = class(&p[1..], n.first().copied())?;
            if matched {
                match_from(&p[1 + used..], &n[1..])
            } else {
                check_rest(&p[1 + used..])
            }
        }
        '\\' => {
            let c = *p.get(1)?;
            if n.first() == Some(&c) {
                match_from(&p[2..], &n[1..])
            } else {
                check_rest(&p[2..])
            }
        }
        c => {
            if n.first() == Some(&c) {
                match_from(&p[1..], &n[1..])
            } else {
                check_rest(&p[1..])
            }
        }
    }
}

/// A failed match still reports a malformed pattern as malformed.
fn check_rest(p: &[char]) -> Option<bool> {
    match_from(p, &[]).map(|_| false)
}

/// A character class after `[`: whether `c` is in it, and how many pattern
/// characters it used (through `]`).
fn class(p: &[char], c: Option<char>) -> Option<(bool, usize)> {
    let mut i = 0;
    let negated = p.first() == Some(&'^');
    if negated {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let ch = *p.get(i)?;
        if ch == ']' && !first {
            i += 1;
            break;
        }
        first = false;
        let (lo, next) = class_char(p, i)?;
        i = next;
        let mut hi = lo;
        if p.get(i) == Some(&'-') {
            let (h, next) = class_char(p, i + 1)?;
            hi = h;
            i = next;
        }
        if let Some(c) = c
            && lo <= c
            && c <= hi
        {
            matched = true;
        }
    }
    let hit = c.is_some() && matched != negated;
    Some((hit, i))
}

fn class_char(p: &[char], i: usize) -> Option<(char, usize)> {
    match *p.get(i)? {
        '-' | ']' => None,
        '\\' => Some((*p.get(i + 1)?, i + 2)),
        c => Some((c, i + 1)),
    }
}
