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

/// Rewrites a Go pattern into the `regex` crate's dialect.
pub(super) fn translate(p: &str) -> String {
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

/// Go's syntax error for the common mistakes, `error parsing regexp: …`.
pub(super) fn go_syntax_error(p: &str) -> Option<String> {
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
