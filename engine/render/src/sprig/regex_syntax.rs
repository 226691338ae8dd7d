//! Go RE2 pattern syntax on top of the `regex` crate: rewriting Go's ASCII
//! classes, `\Q…\E` and octal escapes, and Go's texts for the syntax errors
//! charts run into.

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

/// The `regex` crate's name for a Go capture group: Go accepts a name twice and
/// names that start with a digit, the crate neither, so those become
/// `_.<occurrence>.<name>` (a `.` never occurs in a Go name).
fn group_name(name: &str, seen: &mut std::collections::HashMap<String, usize>) -> String {
    let count = seen.entry(name.to_owned()).or_insert(0);
    let occurrence = *count;
    *count += 1;
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if occurrence == 0 && plain {
        name.to_owned()
    } else {
        format!("_.{occurrence}.{name}")
    }
}

/// The Go name of a capture group of a translated pattern (see [`group_name`]).
pub(super) fn go_group_name(internal: &str) -> &str {
    internal
        .strip_prefix("_.")
        .and_then(|rest| rest.split_once('.'))
        .map_or(internal, |(_, name)| name)
}

/// Rewrites a Go pattern into the `regex` crate's dialect.
pub(super) fn translate(p: &str) -> String {
    let mut out = String::with_capacity(p.len() + 8);
    let mut names = std::collections::HashMap::new();
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
                    (None, true) if matches!(n, 'p' | 'P') => {
                        // a Unicode class: its one-letter name or `{Name}`
                        out.push('\\');
                        out.push(n);
                        if chars.peek() == Some(&'{') {
                            for x in chars.by_ref() {
                                out.push(x);
                                if x == '}' {
                                    break;
                                }
                            }
                        } else {
                            out.extend(chars.next());
                        }
                        literal_dash_after_class(&mut chars, &mut out);
                        class_start = false;
                        continue;
                    }
                    (None, _) => {
                        out.push('\\');
                        out.push(n);
                    }
                }
                if in_class && perl_class(n).is_some() {
                    literal_dash_after_class(&mut chars, &mut out);
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
            '(' if !in_class && chars.peek() == Some(&'?') => {
                let mut ahead = chars.clone();
                ahead.next();
                let named = match ahead.next() {
                    Some('<') => true,
                    Some('P') => ahead.next() == Some('<'),
                    _ => false,
                };
                if named {
                    let name: String = ahead.by_ref().take_while(|c| *c != '>').collect();
                    chars = ahead;
                    out.push_str("(?P<");
                    out.push_str(&group_name(&name, &mut names));
                    out.push('>');
                } else {
                    out.push(c);
                }
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
                literal_dash_after_class(&mut chars, &mut out);
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
            // Go reads a byte that is not UTF-8 as U+FFFD: the pattern's
            // U+FFFD also matches helmd's raw-byte characters.
            '\u{FFFD}' if in_class => {
                out.push(c);
                if chars.peek() != Some(&'-') && !out[..out.len() - c.len_utf8()].ends_with('-') {
                    out.push_str("\u{10FF00}-\u{10FFFF}");
                }
            }
            '\u{FFFD}' => out.push_str("(?:\u{FFFD}|[\u{10FF00}-\u{10FFFF}])"),
            _ => out.push(c),
        }
        class_start = false;
    }
    out
}

/// Inside brackets, a `-` right after a class (`[\\w-.]`, `[[:alpha:]-]`,
/// `[\\pL-]`) cannot start a range: Go reads it as a literal `-`.
fn literal_dash_after_class(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    out: &mut String,
) {
    if chars.peek() == Some(&'-') {
        chars.next();
        out.push_str("\\-");
    }
}

/// Go's syntax error for the common mistakes, `error parsing regexp: …`.
pub(super) fn go_syntax_error(p: &str) -> Option<String> {
    let chars: Vec<char> = p.chars().collect();
    let text = |a: usize, b: usize| -> String { chars[a..b.min(chars.len())].iter().collect() };
    let mut depth = 0i32;
    let mut i = 0;
    let mut prev_operand = false;
    // where the previous token's repetition operator started, if it was one
    let mut last_repeat: Option<usize> = None;
    while i < chars.len() {
        let c = chars[i];
        if !matches!(c, '*' | '+' | '?' | '{') {
            // (a `{` that is no repetition resets it below)
            last_repeat = None;
        }
        match c {
            '\\' if chars.get(i + 1) == Some(&'Q') => {
                // \Q…\E is literal text; an empty one is no operand
                let mut k = i + 2;
                while k < chars.len() && !(chars[k] == '\\' && chars.get(k + 1) == Some(&'E')) {
                    k += 1;
                }
                if k > i + 2 {
                    prev_operand = true;
                    last_repeat = None;
                }
                i = (k + 2).min(chars.len().max(k));
                continue;
            }
            '\\' => {
                if let Some(e) = check_escape(&chars, i) {
                    return Some(e);
                }
                i += escape_len(&chars, i);
                prev_operand = true;
                last_repeat = None;
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
                            let name = tail[2..end].trim_start_matches('^');
                            if !POSIX_CLASSES.contains(&name) {
                                return Some(format!(
                                    "invalid character class range: `{}`",
                                    &tail[..end + 2]
                                ));
                            }
                            i += tail[..end].chars().count() + 2;
                            prev_lit = None;
                            continue;
                        }
                    }
                    if prev_lit.is_some()
                        && ch == '-'
                        && chars.get(i + 1) == Some(&'\\')
                        && let Some(&e) = chars.get(i + 2)
                        && "dDsSwWpP".contains(e)
                    {
                        // a range's end is one character: Go's class escapes stop there
                        return Some(format!("invalid escape sequence: `\\{e}`"));
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
                    if named {
                        let open = if chars[k] == '<' { k } else { k + 1 };
                        let Some(close) = (open..chars.len()).find(|&j| chars[j] == '>') else {
                            return Some(format!(
                                "invalid named capture: `{}`",
                                text(i, chars.len())
                            ));
                        };
                        let name = &chars[open + 1..close];
                        if name.is_empty()
                            || !name.iter().all(|c| c.is_ascii_alphanumeric() || *c == '_')
                        {
                            return Some(format!(
                                "invalid named capture: `{}`",
                                text(i, close + 1)
                            ));
                        }
                    }
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
                        if k >= chars.len() {
                            return Some(format!(
                                "invalid or unsupported Perl syntax: `{}`",
                                text(i, k)
                            ));
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
                let end = if chars.get(i + 1) == Some(&'?') {
                    i + 1
                } else {
                    i
                };
                if let Some(start) = last_repeat {
                    return Some(format!(
                        "invalid nested repetition operator: `{}`",
                        text(start, end + 1)
                    ));
                }
                if !prev_operand {
                    return Some(format!("missing argument to repetition operator: `{c}`"));
                }
                last_repeat = Some(i);
                i = end;
            }
            '{' => {
                if let Some((end, lo, hi)) = repeat_at(&chars, i) {
                    let end = if chars.get(end + 1) == Some(&'?') {
                        end + 1
                    } else {
                        end
                    };
                    if let Some(start) = last_repeat {
                        return Some(format!(
                            "invalid nested repetition operator: `{}`",
                            text(start, end + 1)
                        ));
                    }
                    if !prev_operand {
                        return Some(format!(
                            "missing argument to repetition operator: `{}`",
                            text(i, end + 1)
                        ));
                    }
                    if lo > 1000 || hi.is_some_and(|h| h > 1000 || h < lo) {
                        return Some(format!("invalid repeat count: `{}`", text(i, end + 1)));
                    }
                    last_repeat = Some(i);
                    i = end;
                } else {
                    prev_operand = true;
                    last_repeat = None;
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

/// Go's POSIX class names (`[:alpha:]`, also negated `[:^alpha:]`).
const POSIX_CLASSES: [&str; 14] = [
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "word", "xdigit",
];

/// How many characters the escape at `i` spans (`\x{…}` and `\xHH` included).
fn escape_len(chars: &[char], i: usize) -> usize {
    if chars.get(i + 1) != Some(&'x') {
        return 2;
    }
    if chars.get(i + 2) == Some(&'{') {
        return (i + 3..chars.len())
            .find(|&j| chars[j] == '}')
            .map_or(chars.len() - i, |j| j + 1 - i);
    }
    4.min(chars.len() - i)
}

/// Go's `\x` check: `\xHH` or `\x{H…}` up to U+10FFFF; the error text is
/// the escape up to the character that broke it.
fn check_hex_escape(chars: &[char], i: usize) -> Option<String> {
    let bad = |end: usize| {
        Some(format!(
            "invalid escape sequence: `{}`",
            chars[i..end.min(chars.len())].iter().collect::<String>()
        ))
    };
    if chars.get(i + 2) == Some(&'{') {
        let mut value: u32 = 0;
        let mut k = i + 3;
        loop {
            let Some(&c) = chars.get(k) else {
                return bad(k);
            };
            if c == '}' {
                return if k == i + 3 { bad(k + 1) } else { None };
            }
            let Some(v) = c.to_digit(16) else {
                return bad(k + 1);
            };
            value = value.saturating_mul(16).saturating_add(v);
            if value > 0x10_FFFF {
                return bad(k + 1);
            }
            k += 1;
        }
    }
    match (chars.get(i + 2), chars.get(i + 3)) {
        (Some(a), Some(b)) if a.is_ascii_hexdigit() && b.is_ascii_hexdigit() => None,
        (Some(a), _) if !a.is_ascii_hexdigit() => bad(i + 4),
        _ => bad(i + 4),
    }
}

/// Go's escape check: `invalid escape sequence: \`\\8\``.
fn check_escape(chars: &[char], i: usize) -> Option<String> {
    let Some(&n) = chars.get(i + 1) else {
        return Some("trailing backslash at end of expression: ``".into());
    };
    if n == 'x' {
        return check_hex_escape(chars, i);
    }
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
