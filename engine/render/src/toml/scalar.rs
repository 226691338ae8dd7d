//! TOML scalars as BurntSushi/toml v1.6.0 reads them: integers through Go's
//! `ParseInt(s, 0, 64)`, floats through `ParseFloat`, datetimes through its
//! list of `time` layouts, and string escapes, each with its error text.

use helmd_gotmpl::go_quote;
use helmd_yaml::Value;

/// Why a scalar did not decode.
pub(super) enum ScalarError {
    /// BurntSushi refuses it with this message.
    Invalid(String),
    /// The lexer should never have let it through (Go panics with this text).
    Bug(String),
}

impl From<String> for ScalarError {
    fn from(message: String) -> ScalarError {
        ScalarError::Invalid(message)
    }
}

/// An integer item: `1_000`, `-5`, `0xff`, `0o17`, `0b101`.
pub(super) fn integer(s: &str) -> Result<i64, ScalarError> {
    if !underscores_ok(s) {
        return Err(ScalarError::Invalid(format!(
            "Invalid integer {}: underscores must be surrounded by digits",
            go_quote(s)
        )));
    }
    if has_leading_zero(s) {
        return Err(ScalarError::Invalid(format!(
            "Invalid integer {}: cannot have leading zeroes",
            go_quote(s)
        )));
    }
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) = match body.get(..2) {
        Some("0x") => (16, &body[2..]),
        Some("0o") => (8, &body[2..]),
        Some("0b") => (2, &body[2..]),
        _ => (10, body),
    };
    let digits = digits.replace('_', "");
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(ScalarError::Bug(format!(
            "BUG: Expected integer value, but got '{s}'.\n\n"
        )));
    }
    let magnitude = u64::from_str_radix(&digits, radix).ok();
    let value = magnitude.and_then(|m| {
        if neg {
            0i64.checked_sub_unsigned(m)
        } else {
            i64::try_from(m).ok()
        }
    });
    value.ok_or_else(|| ScalarError::Invalid(format!("{s} is out of range for int64")))
}

/// A float item: `1.5`, `-1e10`, `1_000.5`, `inf`, `-nan`.
pub(super) fn float(s: &str) -> Result<f64, ScalarError> {
    let parts = s.split(['.', 'e', 'E']).filter(|p| !p.is_empty());
    for part in parts.clone() {
        if !underscores_ok(part) {
            return Err(format!(
                "Invalid float {}: underscores must be surrounded by digits",
                go_quote(s)
            )
            .into());
        }
    }
    if parts.clone().next().is_some_and(has_leading_zero) {
        return Err(format!("Invalid float {}: cannot have leading zeroes", go_quote(s)).into());
    }
    if !periods_ok(s) {
        return Err(format!(
            "Invalid float {}: '.' must be followed by one or more digits",
            go_quote(s)
        )
        .into());
    }
    let clean = s.replace('_', "");
    let (clean, negative_nan) = match clean.as_str() {
        "+nan" => ("nan".to_owned(), false),
        "-nan" => ("nan".to_owned(), true),
        _ => (clean, false),
    };
    let is_inf = matches!(clean.as_str(), "inf" | "+inf" | "-inf");
    let parses = clean == "nan"
        || is_inf
        || clean
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'));
    match clean.parse::<f64>() {
        Ok(f) if parses && f.is_infinite() && !is_inf => {
            Err(format!("{s} is out of range for float64").into())
        }
        Ok(f) if parses => Ok(if negative_nan { -f64::NAN } else { f }),
        _ => Err(format!("Invalid float value: {}", go_quote(s)).into()),
    }
}

/// The layouts BurntSushi tries, in order, each with where Go places the
/// time: `None` is `time.Local`, a name a fixed zone at Local's offset now.
const DATETIME_LAYOUTS: [(&str, Option<&str>); 7] = [
    ("2006-01-02T15:04:05.999999999Z07:00", None),
    ("2006-01-02T15:04:05.999999999", Some("datetime-local")),
    ("2006-01-02", Some("date-local")),
    ("15:04:05.999999999", Some("time-local")),
    ("2006-01-02T15:04Z07:00", None),
    ("2006-01-02T15:04", Some("datetime-local")),
    ("15:04", Some("time-local")),
];

/// A datetime item: the first layout Go's time parser accepts, unless the
/// text drops a leading zero Go's parser tolerates.
pub(super) fn datetime(s: &str) -> Result<Value, ScalarError> {
    let text: String = s
        .chars()
        .map(|c| match c {
            'z' => 'Z',
            't' | ' ' => 'T',
            c => c,
        })
        .collect();
    for (layout, zone) in DATETIME_LAYOUTS {
        if let Some(v) = crate::sprig::toml_time(layout, &text, zone) {
            if missing_leading_zero(&text, layout) {
                break;
            }
            return Ok(v);
        }
    }
    Err(format!("invalid datetime: {}", go_quote(&text)).into())
}

/// Go's time parser reads `7:05` for `15:04`; TOML wants two digits. The
/// separators of the text must sit where the layout has them (up to a
/// fraction or zone).
fn missing_leading_zero(text: &str, layout: &str) -> bool {
    let t = text.as_bytes();
    for (i, c) in layout.bytes().enumerate() {
        if c == b'.' || c == b'Z' {
            return false;
        }
        if !c.is_ascii_digit() && t.get(i) != Some(&c) {
            return true;
        }
    }
    false
}

/// Replaces the escapes of a basic string (`\n`, `\u00e9`, `\x41`, ...).
pub(super) fn replace_escapes(s: &str) -> Result<String, ScalarError> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let esc = &rest[at + 1..];
        let Some(code) = esc.chars().next() else {
            return Err(ScalarError::Bug(
                "BUG: Escape sequence at end of string.\n\n".into(),
            ));
        };
        let digits = match code {
            ' ' | '\t' => {
                return Err(ScalarError::Invalid(format!("invalid escape: '\\{code}'")));
            }
            'b' => Some('\u{8}'),
            't' => Some('\t'),
            'n' => Some('\n'),
            'f' => Some('\u{c}'),
            'r' => Some('\r'),
            'e' => Some('\u{1b}'),
            '"' => Some('"'),
            '\\' => Some('\\'),
            _ => None,
        };
        if let Some(c) = digits {
            out.push(c);
            rest = &esc[1..];
            continue;
        }
        let n = match code {
            'x' => 2,
            'u' => 4,
            'U' => 8,
            other => {
                return Err(ScalarError::Bug(format!(
                    "BUG: Expected valid escape code after \\, but got {}.\n\n",
                    helmd_gotmpl::go_quote_rune(other)
                )));
            }
        };
        let hex = esc.get(1..1 + n).unwrap_or_default();
        let c = u32::from_str_radix(hex, 16)
            .ok()
            .filter(|_| hex.len() == n)
            .ok_or_else(|| {
                ScalarError::Bug(format!(
                    "BUG: Could not parse '{hex}' as a hexadecimal number, but the lexer claims it's OK\n\n"
                ))
            })?;
        match char::from_u32(c) {
            Some(c) => out.push(c),
            None => {
                return Err(ScalarError::Invalid(format!(
                    "Escaped character '\\u{hex}' is not valid UTF-8."
                )));
            }
        }
        rest = &esc[1 + n..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A `"""` or `'''` string's first newline belongs to the delimiter.
pub(super) fn strip_first_newline(s: &str) -> &str {
    s.strip_prefix('\n')
        .or_else(|| s.strip_prefix("\r\n"))
        .unwrap_or(s)
}

/// Drops each line-ending backslash with the whitespace after it (up to the
/// next character that is not whitespace) in a `"""` string.
pub(super) fn strip_escaped_newlines(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    let mut i = 0;
    while let Some(off) = s[i..].find('\\') {
        i += off;
        if b.get(i + 1) == Some(&b'\\') {
            i += 2;
            continue;
        }
        let j = i
            + 1
            + b[i + 1..]
                .iter()
                .take_while(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
                .count();
        if j == i + 1 || !b[i..j].contains(&b'\n') {
            i += 1;
            continue;
        }
        out.push_str(&s[copied..i]);
        copied = j;
        i = j;
    }
    out.push_str(&s[copied..]);
    out
}

/// Every `_` follows a digit (or hex letter), and the text ends in one.
fn underscores_ok(s: &str) -> bool {
    if matches!(s, "nan" | "+nan" | "-nan" | "inf" | "-inf" | "+inf") {
        return true;
    }
    let mut accept = false;
    for c in s.chars() {
        if c == '_' && !accept {
            return false;
        }
        accept = c.is_ascii_hexdigit();
    }
    accept
}

/// A `0` before more digits (base prefixes allowed), after a sign too.
fn has_leading_zero(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() > 1 && b[0] == b'0' && !matches!(b[1], b'b' | b'o' | b'x') {
        return true;
    }
    b.len() > 2 && matches!(b[0], b'-' | b'+') && b[1] == b'0'
}

/// Every `.` is followed by a digit.
fn periods_ok(s: &str) -> bool {
    let mut period = false;
    for c in s.chars() {
        if period && !c.is_ascii_digit() {
            return false;
        }
        period = c == '.';
    }
    !period
}
