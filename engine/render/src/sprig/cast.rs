//! spf13/cast's `ToInt64`/`ToInt`/`ToFloat64` as Sprig calls them: errors become 0.

use helmd_yaml::Value;

/// cast's `trimZeroDecimal`: `"1.00"` → `"1"`, anything else unchanged.
fn trim_zero_decimal(s: &str) -> &str {
    let mut found_zero = false;
    for (i, b) in s.bytes().enumerate().rev() {
        match b {
            b'.' if found_zero => return &s[..i],
            b'.' => return s,
            b'0' => found_zero = true,
            _ => return s,
        }
    }
    s
}

/// Whether underscores in `s` only separate digits (a base prefix counts as a digit).
fn underscore_ok(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s).to_ascii_lowercase();
    let (mut prev_digit, digits) = match body.get(..2) {
        Some("0x" | "0b" | "0o") => (true, &body[2..]),
        _ => (false, body.as_str()),
    };
    let mut last_underscore = false;
    for c in digits.chars() {
        if c == '_' {
            if !prev_digit {
                return false;
            }
            prev_digit = false;
            last_underscore = true;
        } else {
            prev_digit = c.is_ascii_alphanumeric();
            last_underscore = false;
        }
    }
    !last_underscore
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
pub(crate) fn parse_int_base0(s: &str) -> Option<i64> {
    if s.is_empty() {
        return None;
    }
    let (neg, body) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.contains('_') && !underscore_ok(body) {
        return None;
    }
    let clean = body.replace('_', "");
    let lower = clean.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || digits.starts_with(['+', '-']) {
        return None;
    }
    let mag = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        if mag <= 1 << 63 {
            Some((mag as i64).wrapping_neg())
        } else {
            None
        }
    } else {
        i64::try_from(mag).ok()
    }
}

/// cast's `ToInt64`.
pub(crate) fn to_i64(v: &Value) -> i64 {
    match v {
        Value::Int(i, _) => *i,
        Value::Uint(u, _) => *u as i64,
        Value::Float(f) => go_f64_to_i64(*f),
        Value::Bool(b) => i64::from(*b),
        Value::String(s) => parse_int_base0(trim_zero_decimal(s)).unwrap_or(0),
        // named integer types (`time.Month`) convert through their kind
        Value::Object(o) if o.kind() == "int" => match o.to_data() {
            Value::Int(i, _) => i,
            _ => 0,
        },
        _ => 0,
    }
}

/// Go's `int64(f)` on amd64 (out-of-range and NaN give the minimum).
pub(crate) fn go_f64_to_i64(f: f64) -> i64 {
    if f.is_nan() || !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
        i64::MIN
    } else {
        f as i64
    }
}

/// Go's `underscoreOK` for a float: `_` only between digits (or after a base
/// prefix), never next to a point, an exponent or a sign.
fn float_underscore_ok(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let b = body.as_bytes();
    let mut saw = b'^';
    let mut i = 0;
    let mut hex = false;
    if b.len() >= 2 && b[0] == b'0' && matches!(b[1] | 0x20, b'b' | b'o' | b'x') {
        i = 2;
        saw = b'0';
        hex = b[1] | 0x20 == b'x';
    }
    for &c in &b[i..] {
        if c.is_ascii_digit() || hex && (c | 0x20).is_ascii_hexdigit() {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else if saw == b'_' {
            return false;
        } else {
            saw = b'!';
        }
    }
    saw != b'_'
}

/// Go's `strconv.ParseFloat(s, 64)`: decimal and `0x…p…` hexadecimal forms,
/// `_` separators, `inf`/`infinity`/`nan`; None for what Go refuses (a hex
/// mantissa without its `p` exponent, out-of-range values).
pub(crate) fn parse_float(s: &str) -> Option<f64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.to_ascii_lowercase();
    match lower.as_str() {
        "inf" | "infinity" => {
            return Some(if neg {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            });
        }
        "nan" if body.len() == s.len() => return Some(f64::NAN),
        _ => {}
    }
    if lower.contains('_') && !float_underscore_ok(&lower) {
        return None;
    }
    let clean = lower.replace('_', "");
    let v = if let Some(hex) = clean.strip_prefix("0x") {
        parse_hex_float(hex)?
    } else {
        if !clean
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'+' | b'-'))
        {
            return None;
        }
        clean.parse::<f64>().ok()?
    };
    if v.is_infinite() {
        // strconv's ErrRange: cast turns the error into 0
        return None;
    }
    Some(if neg { -v } else { v })
}

/// A hexadecimal float body after `0x` (`1.8p3`): the `p` exponent is required.
fn parse_hex_float(s: &str) -> Option<f64> {
    let (mant, exp) = s.split_once('p')?;
    let exp_digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
    if exp_digits.is_empty() || !exp_digits.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let exp = exp.parse::<i32>().unwrap_or(if exp.starts_with('-') {
        i32::MIN / 2
    } else {
        i32::MAX / 2
    });
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let mut v = 0f64;
    for c in int.chars().chain(frac.chars()) {
        v = v * 16.0 + f64::from(c.to_digit(16)?);
    }
    let shift = exp.saturating_sub(4 * frac.len() as i32);
    Some(v * 2f64.powi(shift))
}

/// cast's `ToFloat64`.
pub(crate) fn to_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i, _) => *i as f64,
        Value::Uint(u, _) => *u as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::String(s) => parse_float(s).unwrap_or(0.0),
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_parse_with_go_base_prefixes_and_zero_decimals() {
        assert_eq!(to_i64(&Value::str("0x10")), 16);
        assert_eq!(to_i64(&Value::str("010")), 8);
        assert_eq!(to_i64(&Value::str("1.00")), 1);
        assert_eq!(to_i64(&Value::str("1.")), 0);
        assert_eq!(to_i64(&Value::str("1_000")), 1000);
        assert_eq!(to_i64(&Value::str("1.5")), 0);
    }
}
