//! One JSON value off the front of a `--set-json` value, as Go's
//! `json.Decoder.Decode` reads it: where the value ends, or Go's error.

use helmd_yaml::{Value, parse_json};

use super::go::go_quote_rune;

/// Go's `maxNestingDepth` for JSON.
const MAX_DEPTH: usize = 10_000;

#[derive(Clone, Copy)]
enum Frame {
    Object,
    Array,
}

/// Decodes the JSON value at the start of `text` (no leading whitespace is
/// expected but JSON whitespace is skipped like Go does); returns the value and
/// the number of bytes consumed, or Go's error text.
pub(super) fn decode_prefix(text: &str) -> Result<(Value, usize), String> {
    let end = value_end(text.as_bytes())?;
    let value = parse_json(&text[..end]).map_err(|e| match e {
        helmd_yaml::Error::Json(m) => m,
        other => other.to_string(),
    })?;
    Ok((value, end))
}

/// Go's `quoteChar`: the offending byte as the scanner names it.
fn quote_byte(c: u8) -> String {
    match c {
        b'\'' => "'\\''".to_string(),
        b'"' => "'\"'".to_string(),
        c => go_quote_rune(char::from(c)),
    }
}

fn syntax(c: u8, context: &str) -> String {
    format!("invalid character {} {context}", quote_byte(c))
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// Scans one value like Go's JSON scanner and returns the offset just after it.
fn value_end(b: &[u8]) -> Result<usize, String> {
    let eof = || "unexpected EOF".to_string();
    let mut i = 0;
    let mut stack: Vec<Frame> = Vec::new();
    // `true` while a value is expected next, `false` after one ended.
    loop {
        // Begin a value.
        while i < b.len() && is_ws(b[i]) {
            i += 1;
        }
        let Some(&c) = b.get(i) else {
            return Err(eof());
        };
        match c {
            b'{' | b'[' => {
                if stack.len() >= MAX_DEPTH {
                    return Err("exceeded max depth".into());
                }
                i += 1;
                while i < b.len() && is_ws(b[i]) {
                    i += 1;
                }
                let Some(&n) = b.get(i) else {
                    return Err(eof());
                };
                if c == b'{' {
                    stack.push(Frame::Object);
                    if n == b'}' {
                        i += 1;
                    } else {
                        i = object_key(b, i)?;
                        continue;
                    }
                } else {
                    stack.push(Frame::Array);
                    if n == b']' {
                        i += 1;
                    } else {
                        continue;
                    }
                }
                stack.pop();
            }
            b'"' => i = string_end(b, i)?,
            b'-' | b'0'..=b'9' => i = number_end(b, i)?,
            b't' => i = literal_end(b, i, "true")?,
            b'f' => i = literal_end(b, i, "false")?,
            b'n' => i = literal_end(b, i, "null")?,
            c => return Err(syntax(c, "looking for beginning of value")),
        }
        // A value ended: close containers or move to the next element.
        loop {
            let Some(&top) = stack.last() else {
                return Ok(i);
            };
            while i < b.len() && is_ws(b[i]) {
                i += 1;
            }
            let Some(&c) = b.get(i) else {
                return Err(eof());
            };
            match (top, c) {
                (Frame::Object, b',') => {
                    i = object_key(b, i + 1)?;
                    break;
                }
                (Frame::Array, b',') => {
                    i += 1;
                    break;
                }
                (Frame::Object, b'}') | (Frame::Array, b']') => {
                    i += 1;
                    stack.pop();
                }
                (Frame::Object, c) => return Err(syntax(c, "after object key:value pair")),
                (Frame::Array, c) => return Err(syntax(c, "after array element")),
            }
        }
    }
}

/// Reads `"key" :` starting at `i` (whitespace allowed); returns the offset after the colon.
fn object_key(b: &[u8], mut i: usize) -> Result<usize, String> {
    while i < b.len() && is_ws(b[i]) {
        i += 1;
    }
    match b.get(i) {
        None => return Err("unexpected EOF".into()),
        Some(b'"') => i = string_end(b, i)?,
        Some(&c) => return Err(syntax(c, "looking for beginning of object key string")),
    }
    while i < b.len() && is_ws(b[i]) {
        i += 1;
    }
    match b.get(i) {
        None => Err("unexpected EOF".into()),
        Some(b':') => Ok(i + 1),
        Some(&c) => Err(syntax(c, "after object key")),
    }
}

fn string_end(b: &[u8], mut i: usize) -> Result<usize, String> {
    i += 1;
    loop {
        let Some(&c) = b.get(i) else {
            return Err("unexpected EOF".into());
        };
        i += 1;
        match c {
            b'"' => return Ok(i),
            b'\\' => {
                let Some(&e) = b.get(i) else {
                    return Err("unexpected EOF".into());
                };
                i += 1;
                match e {
                    b'b' | b'f' | b'n' | b'r' | b't' | b'\\' | b'/' | b'"' => {}
                    b'u' => {
                        for _ in 0..4 {
                            let Some(&h) = b.get(i) else {
                                return Err("unexpected EOF".into());
                            };
                            if !h.is_ascii_hexdigit() {
                                return Err(syntax(h, "in \\u hexadecimal character escape"));
                            }
                            i += 1;
                        }
                    }
                    e => return Err(syntax(e, "in string escape code")),
                }
            }
            c if c < 0x20 => return Err(syntax(c, "in string literal")),
            _ => {}
        }
    }
}

fn digits(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    i
}

fn number_end(b: &[u8], mut i: usize) -> Result<usize, String> {
    let eof = || "unexpected EOF".to_string();
    if b[i] == b'-' {
        i += 1;
        match b.get(i) {
            None => return Err(eof()),
            Some(c) if c.is_ascii_digit() => {}
            Some(&c) => return Err(syntax(c, "in numeric literal")),
        }
    }
    i = if b[i] == b'0' { i + 1 } else { digits(b, i) };
    if b.get(i) == Some(&b'.') {
        i += 1;
        match b.get(i) {
            None => return Err(eof()),
            Some(c) if c.is_ascii_digit() => i = digits(b, i),
            Some(&c) => return Err(syntax(c, "after decimal point in numeric literal")),
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        match b.get(i) {
            None => return Err(eof()),
            Some(c) if c.is_ascii_digit() => i = digits(b, i),
            Some(&c) => return Err(syntax(c, "in exponent of numeric literal")),
        }
    }
    Ok(i)
}

fn literal_end(b: &[u8], mut i: usize, word: &str) -> Result<usize, String> {
    for (n, expected) in word.bytes().enumerate() {
        let Some(&c) = b.get(i) else {
            return Err("unexpected EOF".into());
        };
        if n > 0 && c != expected {
            return Err(syntax(
                c,
                &format!("in literal {word} (expecting {})", quote_byte(expected)),
            ));
        }
        i += 1;
    }
    Ok(i)
}
