//! Sprig's regular-expression functions with Go RE2 semantics on top of the
//! `regex` crate: Go's ASCII-only `\d \w \s \b`, `\Q…\E`, Go's match loops
//! (empty matches, `n` limits), `$name`/`${name}` expansion and error texts.

use helmd_gotmpl::{ArgType, Arity, FuncError, FuncMap, FuncResult};
use helmd_yaml::{ElemType, Value};
use regex::Regex;

use super::{int_arg, str_arg, string_list};

const S: ArgType = ArgType::String;

/// Go's `\d \w \s` and their negations, as class bodies.
fn perl_class(c: char) -> Option<(&'static str, bool)> {
    match c {
        'd' => Some(("0-9", false)),
        'D' => Some(("0-9", true)),
        'w' => Some(("0-9A-Za-z_", false)),
        'W' => Some(("0-9A-Za-z_", true)),
        's' => Some(("\\t\\n\\f\\r ", false)),
        'S' => Some(("\\t\\n\\f\\r ", true)),
        _ => None,
    }
}

/// Rewrites a Go pattern into the `regex` crate's dialect.
fn translate(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 8);
    let mut chars = p.chars().peekable();
    let mut in_class = false;
    let mut class_start = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(n) = chars.next() else {
                    out.push('\\');
                    break;
                };
                if n.is_ascii_digit() && n != '8' && n != '9' {
                    // Go's octal escape: the digit and up to two more
                    let mut digits = String::from(n);
                    while digits.len() < 3 && chars.peek().is_some_and(|c| ('0'..='7').contains(c))
                    {
                        digits.extend(chars.next());
                    }
                    let v = u32::from_str_radix(&digits, 8).unwrap_or(0);
                    out.push_str(&format!("\\x{{{v:x}}}"));
                    class_start = false;
                    continue;
                }
                if n == 'Q' {
                    let mut lit = String::new();
                    while let Some(x) = chars.next() {
                        if x == '\\' && chars.peek() == Some(&'E') {
                            chars.next();
                            break;
                        }
                        lit.push(x);
                    }
                    out.push_str(&regex::escape(&lit));
                    continue;
                }
                match (perl_class(n), in_class) {
                    (Some((body, false)), false) => out.push_str(&format!("[{body}]")),
                    (Some((body, true)), false) => out.push_str(&format!("[^{body}]")),
                    (Some((body, false)), true) => out.push_str(body),
                    (Some((body, true)), true) => out.push_str(&format!("[^{body}]")),
                    (None, _) if matches!(n, 'b' | 'B') && !in_class => {
                        out.push_str(&format!("(?-u:\\{n})"));
                    }
                    (None, _) => {
                        out.push('\\');
                        out.push(n);
                    }
                }
                class_start = false;
                continue;
            }
            '[' if !in_class => {
                in_class = true;
                class_start = true;
                out.push(c);
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                continue;
            }
            '[' if in_class && chars.peek() == Some(&':') => {
                // a POSIX class such as [:alpha:]
                out.push(c);
                for x in chars.by_ref() {
                    out.push(x);
                    if x == ']' {
                        break;
                    }
                }
            }
            '[' if in_class => out.push_str("\\["),
            ']' if in_class && !class_start => {
                in_class = false;
                out.push(c);
            }
            '&' | '~' | '-' if in_class && chars.peek() == Some(&c) => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
        class_start = false;
    }
    out
}

/// Go's syntax error for the common mistakes, `error parsing regexp: …`.
fn go_syntax_error(p: &str) -> Option<String> {
    let chars: Vec<char> = p.chars().collect();
    let text = |a: usize, b: usize| -> String { chars[a..b.min(chars.len())].iter().collect() };
    let mut depth = 0i32;
    let mut i = 0;
    let mut prev_operand = false;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => {
                if let Some(e) = check_escape(&chars, i) {
                    return Some(e);
                }
                i += 2;
                prev_operand = true;
                continue;
            }
            '[' => {
                let start = i;
                i += 1;
                if chars.get(i) == Some(&'^') {
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    i += 1;
                }
                let mut prev_lit: Option<char> = None;
                while i < chars.len() && chars[i] != ']' {
                    let ch = chars[i];
                    if ch == '\\' {
                        if let Some(e) = check_escape(&chars, i) {
                            return Some(e);
                        }
                        prev_lit = None;
                        i += 2;
                        continue;
                    }
                    if ch == '[' && chars.get(i + 1) == Some(&':') {
                        let tail = text(i, chars.len());
                        if let Some(end) = tail.find(":]") {
                            i += tail[..end].chars().count() + 2;
                            prev_lit = None;
                            continue;
                        }
                    }
                    let range_hi = chars.get(i + 1).filter(|h| **h != ']' && **h != '\\');
                    if let (Some(lo), '-', Some(&hi)) = (prev_lit, ch, range_hi) {
                        if hi < lo {
                            return Some(format!(
                                "invalid character class range: `{}`",
                                text(i - 1, i + 2)
                            ));
                        }
                        i += 2;
                        prev_lit = None;
                        continue;
                    }
                    prev_lit = Some(ch);
                    i += 1;
                }
                if i >= chars.len() {
                    return Some(format!("missing closing ]: `{}`", text(start, chars.len())));
                }
                prev_operand = true;
            }
            '(' => {
                depth += 1;
                prev_operand = false;
                if chars.get(i + 1) == Some(&'?') {
                    let mut k = i + 2;
                    let named = chars.get(k) == Some(&'<')
                        || (chars.get(k) == Some(&'P') && chars.get(k + 1) == Some(&'<'));
                    if !named {
                        while k < chars.len() && !matches!(chars[k], ')' | ':') {
                            if !matches!(chars[k], 'i' | 'm' | 's' | 'U' | '-') {
                                return Some(format!(
                                    "invalid or unsupported Perl syntax: `{}`",
                                    text(i, k + 1)
                                ));
                            }
                            k += 1;
                        }
                        if chars.get(k) == Some(&')') {
                            depth -= 1;
                            i = k + 1;
                            continue;
                        }
                    }
                    i += 1;
                }
            }
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Some(format!("unexpected ): `{p}`"));
                }
                prev_operand = true;
            }
            '|' => prev_operand = false,
            '*' | '+' | '?' => {
                if !prev_operand {
                    return Some(format!("missing argument to repetition operator: `{c}`"));
                }
                if let Some(n @ ('*' | '+')) = chars.get(i + 1) {
                    return Some(format!("invalid nested repetition operator: `{c}{n}`"));
                }
                if chars.get(i + 1) == Some(&'?') {
                    i += 1;
                }
            }
            '{' => {
                if let Some((end, lo, hi)) = repeat_at(&chars, i) {
                    if !prev_operand {
                        return Some(format!(
                            "missing argument to repetition operator: `{}`",
                            text(i, end + 1)
                        ));
                    }
                    if lo > 1000 || hi.is_some_and(|h| h > 1000 || h < lo) {
                        return Some(format!("invalid repeat count: `{}`", text(i, end + 1)));
                    }
                    i = end;
                } else {
                    prev_operand = true;
                }
            }
            _ => prev_operand = true,
        }
        i += 1;
    }
    if depth > 0 {
        return Some(format!("missing closing ): `{p}`"));
    }
    None
}

/// A `{n}`, `{n,}` or `{n,m}` repetition at `i`: (index of `}`, n, m).
fn repeat_at(chars: &[char], i: usize) -> Option<(usize, u64, Option<u64>)> {
    let mut k = i + 1;
    let num = |k: &mut usize| -> Option<u64> {
        let start = *k;
        while chars.get(*k).is_some_and(char::is_ascii_digit) {
            *k += 1;
        }
        let digits: String = chars[start..*k].iter().collect();
        if digits.is_empty() {
            return None;
        }
        Some(digits.parse().unwrap_or(u64::MAX))
    };
    let lo = num(&mut k)?;
    let hi = if chars.get(k) == Some(&',') {
        k += 1;
        if chars.get(k) == Some(&'}') {
            None
        } else {
            Some(num(&mut k)?)
        }
    } else {
        Some(lo)
    };
    (chars.get(k) == Some(&'}')).then_some((k, lo, hi))
}

/// Go's escape check: `invalid escape sequence: \`\\8\``.
fn check_escape(chars: &[char], i: usize) -> Option<String> {
    let Some(&n) = chars.get(i + 1) else {
        return Some("trailing backslash at end of expression: ``".into());
    };
    let ok = (n.is_ascii_punctuation()) || "afnrtvxdDsSwWbBAzpPQE0".contains(n);
    // `\1`–`\7` followed by another octal digit is an octal escape; alone it
    // would be a backreference, which Go rejects
    let octal =
        ('1'..='7').contains(&n) && chars.get(i + 2).is_some_and(|c| ('0'..='7').contains(c));
    if ok || octal {
        return None;
    }
    Some(format!("invalid escape sequence: `\\{n}`"))
}

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
        let quoted = if p.contains('`') || p.chars().any(|c| c.is_control() && c != '\t') {
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
            re.capture_names()
                .position(|n| n == Some(name))
                .and_then(|i| caps.get(i))
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
        f.insert_typed(name, Arity::Exact(3), &[S, S, ArgType::Int], move |_, a| {
            let re = c(str_arg(&a[0]))?;
            Ok(find_all_strings(&re, str_arg(&a[1]), int_arg(&a[2])))
        });
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
        f.insert_typed(name, Arity::Exact(3), &[S, S, S], move |_, a| {
            let re = c(str_arg(&a[0]))?;
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
            move |_, a| -> FuncResult {
                let re = c(str_arg(&a[0]))?;
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
