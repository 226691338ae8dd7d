//! go-yaml v2's plain scalar resolution (YAML 1.1 booleans, octal, `0x`,
//! `0b`, underscores, timestamps), used by the parser and the emitter's quoting.

/// What a plain scalar resolves to.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    /// `~`, `null`, empty.
    Null,
    /// YAML 1.1 booleans (`yes`, `on`, `y`...).
    Bool(bool),
    /// Integer that fits int64.
    Int(i64),
    /// Integer that only fits uint64.
    Uint(u64),
    /// Float, including `.inf` and `.nan`.
    Float(f64),
    /// Looks like a timestamp (kept as a string by v2 when decoding).
    Timestamp,
    /// `<<`
    Merge,
    /// A plain string.
    Str,
}

fn lookup(s: &str) -> Option<Resolved> {
    Some(match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "true" | "True" | "TRUE" | "on" | "On" | "ON" => {
            Resolved::Bool(true)
        }
        "n" | "N" | "no" | "No" | "NO" | "false" | "False" | "FALSE" | "off" | "Off" | "OFF" => {
            Resolved::Bool(false)
        }
        "" | "~" | "null" | "Null" | "NULL" => Resolved::Null,
        ".nan" | ".NaN" | ".NAN" => Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Resolved::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Resolved::Float(f64::NEG_INFINITY),
        "<<" => Resolved::Merge,
        _ => return None,
    })
}

/// Resolves a plain (untagged, unquoted) scalar as go-yaml v2 does.
pub fn resolve_plain(s: &str) -> Resolved {
    let Some(&first) = s.as_bytes().first() else {
        return Resolved::Null;
    };
    let hint = match first {
        b'+' | b'-' => b'S',
        b'0'..=b'9' => b'D',
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' | b'<' => b'M',
        b'.' => b'.',
        _ => return Resolved::Str,
    };
    if let Some(r) = lookup(s) {
        return r;
    }
    match hint {
        b'.' => match go_parse_float(s) {
            Some(f) => Resolved::Float(f),
            None => Resolved::Str,
        },
        b'D' | b'S' => resolve_number(s),
        _ => Resolved::Str,
    }
}

fn resolve_number(s: &str) -> Resolved {
    if is_timestamp(s) {
        return Resolved::Timestamp;
    }
    let plain: String = s.chars().filter(|c| *c != '_').collect();
    if let Some(i) = go_parse_int(&plain) {
        return Resolved::Int(i);
    }
    if let Some(u) = go_parse_uint(&plain) {
        return Resolved::Uint(u);
    }
    if is_yaml_style_float(&plain)
        && let Some(f) = go_parse_float(&plain)
    {
        return Resolved::Float(f);
    }
    if let Some(rest) = plain.strip_prefix("-0b") {
        if let Ok(i) = i64::from_str_radix(&format!("-{rest}"), 2) {
            return Resolved::Int(i);
        }
    } else if let Some(rest) = plain.strip_prefix("0b")
        && let Ok(i) = i64::from_str_radix(rest, 2)
    {
        return Resolved::Int(i);
    }
    Resolved::Str
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Splits Go's base-0 integer syntax into sign, radix and digits.
fn split_radix(s: &str) -> Option<(bool, u32, &str)> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = body.get(..2).map(str::to_ascii_lowercase);
    let (radix, digits) = match lower.as_deref() {
        Some("0x") => (16, &body[2..]),
        Some("0b") => (2, &body[2..]),
        Some("0o") => (8, &body[2..]),
        _ if body.len() > 1 && body.starts_with('0') => (8, &body[1..]),
        _ => (10, body),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    Some((neg, radix, digits))
}

/// Go's `strconv.ParseInt(s, 0, 64)`.
pub fn go_parse_int(s: &str) -> Option<i64> {
    let (neg, radix, digits) = split_radix(s)?;
    let mag = u64::from_str_radix(digits, radix).ok()?;
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

/// Go's `strconv.ParseUint(s, 0, 64)` (no sign allowed).
pub fn go_parse_uint(s: &str) -> Option<u64> {
    if s.starts_with(['+', '-']) {
        return None;
    }
    let (_, radix, digits) = split_radix(s)?;
    u64::from_str_radix(digits, radix).ok()
}

/// Go's `strconv.ParseFloat(s, 64)` for decimal forms (Inf/NaN spellings included).
pub fn go_parse_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = body.to_ascii_lowercase();
    if matches!(lower.as_str(), "inf" | "infinity" | "nan") {
        return s.parse::<f64>().ok();
    }
    if body.is_empty()
        || !body
            .bytes()
            .all(|c| c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-'))
    {
        return None;
    }
    // Go's ParseFloat fails with ErrRange on overflow (Rust gives infinity),
    // so `1e310` is no number to YAML resolvers or the template lexer.
    s.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// go-yaml v2's timestamp test: `YYYY-M-D`, optionally followed by a time.
pub fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 8 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    let mut p = Cursor { b, i: 5 };
    let Some(month) = p.num(1, 2) else {
        return false;
    };
    if !p.eat(b'-') {
        return false;
    }
    let Some(day) = p.num(1, 2) else { return false };
    let year: u32 = s[..4].parse().unwrap_or(0);
    if !(1..=12).contains(&month) || day < 1 || day > days_in(month, year) {
        return false;
    }
    if p.i == b.len() {
        return true;
    }
    let sep = b[p.i];
    p.i += 1;
    if !matches!(sep, b'T' | b't' | b' ') || !p.clock() {
        return false;
    }
    if sep == b' ' {
        return p.i == b.len();
    }
    if p.eat(b'Z') {
        return p.i == b.len();
    }
    if !(p.eat(b'+') || p.eat(b'-')) {
        return false;
    }
    p.num(2, 2).is_some_and(|h| h <= 24)
        && p.eat(b':')
        && p.num(2, 2).is_some_and(|m| m < 60)
        && p.i == b.len()
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn num(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        while self.i < self.b.len() && self.i - start < max && self.b[self.i].is_ascii_digit() {
            self.i += 1;
        }
        if self.i - start < min {
            return None;
        }
        std::str::from_utf8(&self.b[start..self.i])
            .ok()?
            .parse()
            .ok()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// `15:4:5` with an optional `.fraction`.
    fn clock(&mut self) -> bool {
        let ok = self.num(1, 2).is_some_and(|h| h < 24)
            && self.eat(b':')
            && self.num(1, 2).is_some_and(|m| m < 60)
            && self.eat(b':')
            && self.num(1, 2).is_some_and(|s| s < 60);
        if ok && self.eat(b'.') {
            return self.num(1, 9).is_some();
        }
        ok
    }
}

fn days_in(month: u32, year: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(s: &str, want: Resolved) {
        assert_eq!(resolve_plain(s), want, "{s:?}");
    }

    #[test]
    fn yaml_1_1_scalars_resolve_like_go_yaml_v2() {
        check("yes", Resolved::Bool(true));
        check("Off", Resolved::Bool(false));
        check("n", Resolved::Bool(false));
        check("~", Resolved::Null);
        check("017", Resolved::Int(15));
        check("0o17", Resolved::Int(15));
        check("0x1F", Resolved::Int(31));
        check("1_000", Resolved::Int(1000));
        check("+12", Resolved::Int(12));
        check("08", Resolved::Float(8.0));
        check("1e3", Resolved::Float(1000.0));
        check("3.", Resolved::Float(3.0));
        check(".5", Resolved::Float(0.5));
        check("12345678901234567890", Resolved::Uint(12345678901234567890));
        check("0b101", Resolved::Int(5));
        check("2001-12-14", Resolved::Timestamp);
        check("2001-12-14T10:00:00Z", Resolved::Timestamp);
        check("2001-12-14 21:59:43.10 -5", Resolved::Str);
        check("2001-02-30", Resolved::Str);
        check("1.2.3", Resolved::Str);
        check("-", Resolved::Str);
        check("0x", Resolved::Str);
        check("hello", Resolved::Str);
    }
}
