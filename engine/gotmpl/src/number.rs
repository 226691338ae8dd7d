//! Go constants in templates: number nodes (`parse.NumberNode` plus the
//! executor's ideal-constant rule) and `strconv.Unquote`.

use helmd_yaml::{IntKind, Value};

/// Parses a number or character constant. The outer error is a parse error;
/// the inner result is the value an operand evaluates to (or its exec error).
pub fn parse_number(text: &str, is_char: bool) -> Result<Result<Value, String>, String> {
    if is_char {
        return unquote_char(text).map(|c| Ok(Value::Int(i64::from(u32::from(c)), IntKind::Int)));
    }
    if text.ends_with('i') {
        return parse_complex(text);
    }
    let as_int = go_parse_int(text);
    let as_uint = go_parse_uint(text);
    let looks_float = text.contains(['.', 'e', 'E', 'p', 'P']);
    let is_hex_int = text.len() > 2
        && (text.starts_with("0x") || text.starts_with("0X"))
        && !text.contains(['p', 'P']);
    if as_int.is_none() && as_uint.is_none() {
        let f = go_parse_float(text).ok_or_else(|| format!("illegal number syntax: {text:?}"))?;
        if !looks_float {
            return Err(format!("integer overflow: {text:?}"));
        }
        if !is_hex_int {
            return Ok(Ok(Value::Float(f)));
        }
    }
    if looks_float
        && !is_hex_int
        && let Some(f) = go_parse_float(text)
    {
        return Ok(Ok(Value::Float(f)));
    }
    match as_int {
        Some(i) => Ok(Ok(Value::Int(i, IntKind::Int))),
        None => Ok(Err(format!("{text} overflows int"))),
    }
}

/// Go's `underscoreOK`: underscores only between digits or after a base prefix.
fn underscore_ok(s: &str) -> bool {
    let b = s.strip_prefix(['+', '-']).unwrap_or(s).as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1].eq_ignore_ascii_case(&b'x');
    }
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// Imaginary (`2.5i`) and complex (`1+2i`) constants; a zero imaginary part
/// simplifies to a real number as Go's parser does.
fn parse_complex(text: &str) -> Result<Result<Value, String>, String> {
    let body = &text[..text.len() - 1];
    let split = body.char_indices().skip(1).filter(|(i, c)| {
        matches!(c, '+' | '-')
            && !matches!(body.as_bytes().get(i - 1), Some(b'e' | b'E' | b'p' | b'P'))
    });
    let (re, im) = match split.last() {
        Some((i, _)) => (go_parse_float(&body[..i]), go_parse_float(&body[i..])),
        None => (Some(0.0), go_parse_float(body)),
    };
    let (Some(re), Some(im)) = (re, im) else {
        return Err(format!("illegal number syntax: {text:?}"));
    };
    if im == 0.0 {
        if re.fract() == 0.0 && re.abs() < 9.2e18 {
            return Ok(Ok(Value::Int(re as i64, IntKind::Int)));
        }
        return Ok(Ok(Value::Float(re)));
    }
    Ok(Ok(Value::Object(std::sync::Arc::new(Complex(re, im)))))
}

/// A Go `complex128` value (template constants like `1i`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Complex(pub f64, pub f64);

impl helmd_yaml::Object for Complex {
    fn type_name(&self) -> &str {
        "complex128"
    }
    fn kind(&self) -> &str {
        "complex128"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn format(&self, _plus: bool) -> String {
        crate::fmt::sprintf("%v", &[Value::Object(std::sync::Arc::new(*self))])
    }
    fn truth(&self) -> bool {
        self.0 != 0.0 || self.1 != 0.0
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn strip_underscores(s: &str) -> Option<String> {
    Some(s.replace('_', ""))
}

fn split_base(s: &str) -> (bool, u32, &str) {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.get(..2).map(str::to_ascii_lowercase);
    match lower.as_deref() {
        Some("0x") => (neg, 16, &body[2..]),
        Some("0b") => (neg, 2, &body[2..]),
        Some("0o") => (neg, 8, &body[2..]),
        _ if body.len() > 1 && body.starts_with('0') => (neg, 8, &body[1..]),
        _ => (neg, 10, body),
    }
}

/// `strconv.ParseInt(s, 0, 64)`.
fn go_parse_int(s: &str) -> Option<i64> {
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let (neg, radix, digits) = split_base(s);
    let digits = strip_underscores(digits)?;
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let mag = u64::from_str_radix(&digits, radix).ok()?;
    if neg {
        if mag <= i64::MAX as u64 + 1 {
            Some((mag as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(mag).ok()
    }
}

/// `strconv.ParseUint(s, 0, 64)`.
fn go_parse_uint(s: &str) -> Option<u64> {
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    if s.starts_with(['+', '-']) {
        return None;
    }
    let (_, radix, digits) = split_base(s);
    let digits = strip_underscores(digits)?;
    if digits.is_empty() || digits.starts_with('+') {
        return None;
    }
    u64::from_str_radix(&digits, radix).ok()
}

/// `strconv.ParseFloat(s, 64)` for decimal and hex forms.
fn go_parse_float(s: &str) -> Option<f64> {
    if s.contains('_') && !underscore_ok(s) {
        return None;
    }
    let clean = strip_underscores(s)?;
    let body = clean.strip_prefix(['+', '-']).unwrap_or(&clean);
    if body.len() > 2 && (body.starts_with("0x") || body.starts_with("0X")) {
        return parse_hex_float(&clean);
    }
    if body.is_empty()
        || !body
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    clean.parse::<f64>().ok().filter(|f| f.is_finite())
}

fn parse_hex_float(s: &str) -> Option<f64> {
    let (neg, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let rest = &rest[2..];
    let (mant, exp) = match rest.find(['p', 'P']) {
        Some(i) => (&rest[..i], rest[i + 1..].parse::<i32>().ok()?),
        None if rest.contains('.') => return None,
        None => (rest, 0),
    };
    let (int_part, frac_part) = mant.split_once('.').unwrap_or((mant, ""));
    let mut v = 0f64;
    for c in int_part.chars() {
        v = v * 16.0 + f64::from(c.to_digit(16)?);
    }
    let mut scale = 1.0 / 16.0;
    for c in frac_part.chars() {
        v += f64::from(c.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    let v = v * 2f64.powi(exp);
    Some(if neg { -v } else { v })
}

/// Go's `strconv.UnquoteChar` on a character constant: "invalid syntax"
/// when the character does not decode, "malformed" when more follows.
fn unquote_char(text: &str) -> Result<char, String> {
    let body = text.strip_prefix('\'').unwrap_or(text);
    let Some((Some(c), rest)) = unescape_one(body, '\'') else {
        return Err("invalid syntax".into());
    };
    if rest != "'" {
        return Err(format!("malformed character constant: {text}"));
    }
    Ok(c)
}

/// Decodes one possibly escaped character; `None` inside means a byte escape
/// that is not a full character (only valid in strings).
fn unescape_one(s: &str, quote: char) -> Option<(Option<char>, &str)> {
    let mut chars = s.chars();
    let c = chars.next()?;
    if c != '\\' {
        if c == quote && quote == '\'' {
            return None;
        }
        return Some((Some(c), chars.as_str()));
    }
    let e = chars.next()?;
    let rest = chars.as_str();
    let simple = match e {
        'a' => Some('\u{7}'),
        'b' => Some('\u{8}'),
        'f' => Some('\u{c}'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\u{b}'),
        '\\' => Some('\\'),
        '\'' | '"' if e == quote => Some(e),
        _ => None,
    };
    if let Some(c) = simple {
        return Some((Some(c), rest));
    }
    let hex = |n: usize| -> Option<(u32, &str)> {
        let digits = rest.get(..n)?;
        Some((u32::from_str_radix(digits, 16).ok()?, &rest[n..]))
    };
    match e {
        'x' => {
            let (v, r) = hex(2)?;
            Some((char::from_u32(v), r))
        }
        'u' => {
            let (v, r) = hex(4)?;
            Some((Some(char::from_u32(v)?), r))
        }
        'U' => {
            let (v, r) = hex(8)?;
            Some((Some(char::from_u32(v)?), r))
        }
        '0'..='7' => {
            let digits = s.get(1..4)?;
            let v = u32::from_str_radix(digits, 8).ok().filter(|v| *v <= 255)?;
            Some((char::from_u32(v), &s[4..]))
        }
        _ => None,
    }
}

/// Go's `strconv.Unquote` for `"..."` and `` `...` `` literals.
pub fn go_unquote(s: &str) -> Option<String> {
    if let Some(inner) = s.strip_prefix('`').and_then(|r| r.strip_suffix('`')) {
        if inner.contains('`') {
            return None;
        }
        return Some(inner.replace('\r', ""));
    }
    let mut inner = s.strip_prefix('"')?.strip_suffix('"')?;
    // Go strings are bytes: `\xff` and `\377` are one byte each, which may
    // not be UTF-8 on their own (see helmd_yaml::gostr).
    let mut out: Vec<u8> = Vec::with_capacity(inner.len());
    let mut buf = [0u8; 4];
    while !inner.is_empty() {
        if inner.starts_with('"') || inner.starts_with('\n') {
            return None;
        }
        let byte_escape = inner.starts_with("\\x")
            || inner
                .as_bytes()
                .get(1)
                .is_some_and(|b| inner.starts_with('\\') && (b'0'..=b'7').contains(b));
        let (c, rest) = unescape_one(inner, '"')?;
        let c = c?;
        match (byte_escape, u8::try_from(u32::from(c))) {
            (true, Ok(b)) => out.push(b),
            // A byte of the source that is not UTF-8 reads as U+FFFD.
            _ if helmd_yaml::gostr::raw_byte(c).is_some() => {
                out.extend_from_slice("\u{fffd}".as_bytes());
            }
            _ => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
        }
        inner = rest;
    }
    Some(helmd_yaml::gostr::from_go_bytes(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_become_go_ideal_constants() {
        assert_eq!(parse_number("42", false), Ok(Ok(Value::int(42))));
        assert_eq!(parse_number("0x1F", false), Ok(Ok(Value::int(31))));
        assert_eq!(parse_number("1_000", false), Ok(Ok(Value::int(1000))));
        assert_eq!(parse_number("1.5", false), Ok(Ok(Value::Float(1.5))));
        assert_eq!(parse_number("1e3", false), Ok(Ok(Value::Float(1000.0))));
        assert_eq!(parse_number("0x1p-2", false), Ok(Ok(Value::Float(0.25))));
        assert_eq!(parse_number("'a'", true), Ok(Ok(Value::int(97))));
        assert_eq!(parse_number("'\\n'", true), Ok(Ok(Value::int(10))));
        assert_eq!(
            parse_number("18446744073709551615", false),
            Ok(Err("18446744073709551615 overflows int".into()))
        );
        assert_eq!(
            parse_number("99999999999999999999", false),
            Err("integer overflow: \"99999999999999999999\"".into())
        );
        assert_eq!(
            parse_number(".", false),
            Err("illegal number syntax: \".\"".into())
        );
    }

    #[test]
    fn strings_unquote_like_strconv() {
        assert_eq!(go_unquote(r#""a\tb\u00e9\x41""#).as_deref(), Some("a\tbéA"));
        assert_eq!(go_unquote("`a\\n`").as_deref(), Some("a\\n"));
        assert_eq!(go_unquote(r#""\q""#), None);
    }
}
