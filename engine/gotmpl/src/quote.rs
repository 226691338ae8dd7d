//! Go's quoting of strings and runes (`strconv.Quote`, `%#U`) and its idea
//! of a printable character.

/// Go's `%q` of a string (strconv.Quote).
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    if s.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
    {
        out.push('"');
        out.push_str(s);
        out.push('"');
        return out;
    }
    out.push('"');
    // Copy runs of characters that need no escape in one go.
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let plain = if helmd_yaml::gostr::raw_byte(c).is_some() {
            false
        } else if c.is_ascii() {
            (' '..='~').contains(&c) && c != '"' && c != '\\'
        } else {
            is_go_printable(c)
        };
        if !plain {
            out.push_str(&s[start..i]);
            push_quoted_char(&mut out, c, '"');
            start = i + c.len_utf8();
        }
    }
    out.push_str(&s[start..]);
    out.push('"');
    out
}

/// Go's `%q` of a rune (strconv.QuoteRune): `'a'`, `'\n'`, `'\x00'`.
pub fn go_quote_rune(c: char) -> String {
    let mut out = String::from("'");
    push_quoted_char(&mut out, c, '\'');
    out.push('\'');
    out
}

/// Appends `c` escaped as strconv.Quote does inside `quote` delimiters.
pub fn push_quoted_char(out: &mut String, c: char, quote: char) {
    if let Some(b) = helmd_yaml::gostr::raw_byte(c) {
        // A byte that is not UTF-8 (see helmd_yaml::gostr).
        out.push_str(&format!("\\x{b:02x}"));
        return;
    }
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        '\\' => out.push_str("\\\\"),
        c if c == quote => {
            out.push('\\');
            out.push(c);
        }
        '\u{fffd}' => out.push(c),
        c if is_go_printable(c) => out.push(c),
        c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if (c as u32) <= 0xFFFF => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// An approximation of Go's `strconv.IsPrint`.
pub fn is_go_printable(c: char) -> bool {
    let u = c as u32;
    if u < 0x20 || u == 0x7f || (0x80..0xa0).contains(&u) || u == 0xad {
        return false;
    }
    !matches!(u, 0x2028 | 0x2029 | 0xfeff | 0xfff9..=0xfffb | 0xe000..=0xf8ff) && !c.is_whitespace()
        || c == ' '
}

/// Go's `%#U` of a rune: `U+0023 '#'`.
pub fn go_unicode(c: char) -> String {
    if is_go_printable(c) {
        format!("U+{:04X} '{}'", c as u32, c)
    } else {
        format!("U+{:04X}", c as u32)
    }
}
