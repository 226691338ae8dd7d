//! Go encoding/json: `toJson` (sorted keys, HTML escaping, Go float forms)
//! and `fromJson` parsing (numbers become float64) with Go's error texts.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::number::format_json_float;
use crate::value::{Object, Str, Value};

/// The JSON form of a host object, or encoding/json's error calling its
/// `MarshalJSON`.
pub(crate) fn object_data(o: &dyn Object) -> Result<Value> {
    if let Some(e) = o.marshal_error() {
        return Err(Error::Json(format!(
            "json: error calling MarshalJSON for type {}: {e}",
            o.type_name()
        )));
    }
    Ok(o.to_data())
}

/// Go's `json.Marshal` text of `v`.
pub fn to_json(v: &Value) -> Result<String> {
    let mut out = String::new();
    write_json(&mut out, v, None, 0)?;
    Ok(out)
}

/// Go's `json.MarshalIndent(v, "", "  ")` text of `v`.
pub fn to_json_pretty(v: &Value) -> Result<String> {
    let mut out = String::new();
    write_json(&mut out, v, Some("  "), 0)?;
    Ok(out)
}

fn newline(out: &mut String, indent: Option<&str>, depth: usize) {
    if let Some(ind) = indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(ind);
        }
    }
}

fn write_json(out: &mut String, v: &Value, indent: Option<&str>, depth: usize) -> Result<()> {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
        write_json_inner(out, v, indent, depth)
    })
}

fn write_json_inner(out: &mut String, v: &Value, indent: Option<&str>, depth: usize) -> Result<()> {
    if depth > 10_000 {
        return Err(Error::Unsupported("value nested too deeply".into()));
    }
    match v {
        Value::Nil => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i, _) => out.push_str(&i.to_string()),
        Value::Uint(u, _) => out.push_str(&u.to_string()),
        Value::Float(f) if !f.is_finite() => {
            return Err(Error::Unsupported(crate::number::format_float(*f, 'g', -1)));
        }
        Value::Float(f) => out.push_str(&format_json_float(*f)),
        Value::String(s) => write_string(out, s),
        Value::Bytes(b) => {
            out.push('"');
            out.push_str(&base64(b));
            out.push('"');
        }
        Value::List(l) if l.nil => out.push_str("null"),
        Value::List(l) => {
            out.push('[');
            for (i, item) in l.items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent, depth + 1);
                write_json(out, item, indent, depth + 1)?;
            }
            if !l.items.is_empty() {
                newline(out, indent, depth);
            }
            out.push(']');
        }
        Value::Map(m) if m.is_nil_map() => out.push_str("null"),
        Value::Map(m) if m.has_raw_key() => {
            let entries = m.go_entries();
            write_object(out, entries.iter().map(|(k, v)| (k, v)), indent, depth)?;
        }
        Value::Map(m) => write_object(out, m.read().iter(), indent, depth)?,
        Value::Object(o) if o.type_name().starts_with("complex") => {
            return Err(Error::UnsupportedType(o.type_name().to_string()));
        }
        Value::Object(o) => match o.json_fields() {
            Some(fields) => write_object(out, fields.iter().map(|(k, v)| (k, v)), indent, depth)?,
            None => write_json(out, &object_data(o.as_ref())?, indent, depth + 1)?,
        },
    }
    Ok(())
}

/// Go's JSON string encoding with HTML escaping.
/// A JSON object in the given key order (maps: sorted; structs: field order).
fn write_object<'a>(
    out: &mut String,
    entries: impl Iterator<Item = (&'a Str, &'a Value)>,
    indent: Option<&str>,
    depth: usize,
) -> Result<()> {
    out.push('{');
    let mut empty = true;
    for (i, (k, item)) in entries.enumerate() {
        if i > 0 {
            out.push(',');
        }
        empty = false;
        newline(out, indent, depth + 1);
        write_string(out, k);
        out.push(':');
        if indent.is_some() {
            out.push(' ');
        }
        write_json(out, item, indent, depth + 1)?;
    }
    if !empty {
        newline(out, indent, depth);
    }
    out.push('}');
    Ok(())
}

fn write_string(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let safe = |b: u8| (0x20..0x80).contains(&b) && !matches!(b, b'"' | b'\\' | b'<' | b'>' | b'&');
    if s.bytes().all(safe) {
        out.push_str(s);
        out.push('"');
        return;
    }
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' | '\0'..='\u{1f}' => {
                let u = c as u32;
                out.push_str("\\u");
                for shift in [12, 8, 4, 0] {
                    out.push(HEX[((u >> shift) & 0xF) as usize] as char);
                }
            }
            // A byte that is not UTF-8: encoding/json writes U+FFFD escaped.
            c if crate::gostr::raw_byte(c).is_some() => out.push_str("\\ufffd"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Standard base64 with padding, as encoding/json writes `[]byte`.
pub(crate) fn base64(b: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for chunk in b.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        out.push(T[(n >> 18) as usize & 63] as char);
        out.push(T[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            T[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            T[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

/// Parses JSON text into a [`Value`] as Go's `json.Unmarshal` into
/// `interface{}` does (numbers float64, later duplicate keys win).
pub fn parse_json(text: &str) -> Result<Value> {
    // encoding/json reads each byte that is not UTF-8 as U+FFFD.
    let text = crate::gostr::replace_raw(text);
    let text = text.as_ref();
    let mut p = JsonParser {
        b: text.as_bytes(),
        i: 0,
        depth: 0,
    };
    p.ws();
    if p.i == p.b.len() {
        return Err(Error::Json("unexpected end of JSON input".into()));
    }
    let v = p.value()?;
    p.ws();
    if p.i < p.b.len() {
        return Err(p.invalid("after top-level value"));
    }
    Ok(v)
}

struct JsonParser<'a> {
    b: &'a [u8],
    i: usize,
    depth: usize,
}

impl JsonParser<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn invalid(&self, context: &str) -> Error {
        match self.b.get(self.i) {
            None => Error::Json("unexpected end of JSON input".into()),
            Some(c) => {
                let shown = match *c {
                    b'\'' => "'\\''".to_string(),
                    c if c.is_ascii_graphic() || c == b' ' => format!("'{}'", c as char),
                    c => format!("'\\x{c:02x}'"),
                };
                Error::Json(format!("invalid character {shown} {context}"))
            }
        }
    }

    fn value(&mut self) -> Result<Value> {
        self.depth += 1;
        if self.depth > 10_000 {
            return Err(Error::Json("exceeded max depth".into()));
        }
        let v = match self.b.get(self.i) {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => Ok(Value::String(Str::from(self.string()?))),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Nil),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.invalid("looking for beginning of value")),
        };
        self.depth -= 1;
        v
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value> {
        for expected in word.bytes() {
            if self.b.get(self.i) != Some(&expected) {
                return Err(self.invalid(&format!(
                    "in literal {word} (expecting '{}')",
                    expected as char
                )));
            }
            self.i += 1;
        }
        Ok(v)
    }

    fn number(&mut self) -> Result<Value> {
        let start = self.i;
        if self.b[self.i] == b'-' {
            self.i += 1;
        }
        let digits = |p: &mut Self| {
            let s = p.i;
            while p.i < p.b.len() && p.b[p.i].is_ascii_digit() {
                p.i += 1;
            }
            p.i - s
        };
        if self.b.get(self.i) == Some(&b'0') {
            self.i += 1;
        } else if digits(self) == 0 {
            return Err(self.invalid("in numeric literal"));
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            if digits(self) == 0 {
                return Err(self.invalid("after decimal point in numeric literal"));
            }
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return Err(self.invalid("in exponent of numeric literal"));
            }
        }
        let text = std::str::from_utf8(&self.b[start..self.i]).unwrap_or("0");
        match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(Value::Float(f)),
            _ => Err(Error::Json(format!(
                "json: cannot unmarshal number {text} into Go value of type float64"
            ))),
        }
    }

    fn string(&mut self) -> Result<String> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            let Some(&c) = self.b.get(self.i) else {
                return Err(Error::Json("unexpected end of JSON input".into()));
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                b'\\' => {
                    self.i += 1;
                    self.escape(&mut out)?;
                }
                c if c < 0x20 => return Err(self.invalid("in string literal")),
                c => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn escape(&mut self, out: &mut Vec<u8>) -> Result<()> {
        let Some(&c) = self.b.get(self.i) else {
            return Err(Error::Json("unexpected end of JSON input".into()));
        };
        self.i += 1;
        let simple = match c {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(8),
            b'f' => Some(12),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            _ => None,
        };
        if let Some(s) = simple {
            out.push(s);
            return Ok(());
        }
        if c != b'u' {
            self.i -= 1;
            return Err(self.invalid("in string escape code"));
        }
        let mut cp = self.hex4()?;
        if (0xD800..0xDC00).contains(&cp)
            && self.b.get(self.i) == Some(&b'\\')
            && self.b.get(self.i + 1) == Some(&b'u')
        {
            let save = self.i;
            self.i += 2;
            let lo = self.hex4()?;
            if (0xDC00..0xE000).contains(&lo) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
                self.i = save;
            }
        }
        let ch = char::from_u32(cp).unwrap_or('\u{fffd}');
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            let Some(d) = self.b.get(self.i).and_then(|c| (*c as char).to_digit(16)) else {
                return Err(self.invalid("in \\u hexadecimal character escape"));
            };
            v = v * 16 + d;
            self.i += 1;
        }
        Ok(v)
    }

    fn array(&mut self) -> Result<Value> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.b.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(Value::list(items));
        }
        loop {
            self.ws();
            items.push(self.value()?);
            self.ws();
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Value::list(items));
                }
                _ => return Err(self.invalid("after array element")),
            }
        }
    }

    fn object(&mut self) -> Result<Value> {
        self.i += 1;
        let mut map = BTreeMap::new();
        self.ws();
        if self.b.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(Value::map(map));
        }
        loop {
            self.ws();
            if self.b.get(self.i) != Some(&b'"') {
                return Err(self.invalid("looking for beginning of object key string"));
            }
            let key = self.string()?;
            self.ws();
            if self.b.get(self.i) != Some(&b':') {
                return Err(self.invalid("after object key"));
            }
            self.i += 1;
            self.ws();
            let v = self.value()?;
            map.insert(Str::from(key), v);
            self.ws();
            match self.b.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Value::map(map));
                }
                _ => return Err(self.invalid("after object key:value pair")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(json: &str, want: &str) {
        let v = parse_json(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(to_json(&v).unwrap_or_default(), want);
    }

    #[test]
    fn json_round_trips_like_go() {
        roundtrip(
            r#"{"b":1,"a":[1.5,1e21,1e20,"<&>"],"c":null}"#,
            r#"{"a":[1.5,1e+21,100000000000000000000,"\u003c\u0026\u003e"],"b":1,"c":null}"#,
        );
        roundtrip(r#""\u00e9\ud83d\ude00\t""#, "\"é😀\\t\"");
    }

    #[test]
    fn json_errors_use_go_texts() {
        let err = |s: &str| {
            parse_json(s)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert_eq!(
            err("{x"),
            "invalid character 'x' looking for beginning of object key string"
        );
        assert_eq!(err(""), "unexpected end of JSON input");
        assert_eq!(err("[1,"), "unexpected end of JSON input");
        assert_eq!(err("[1 2]"), "invalid character '2' after array element");
        assert_eq!(err("1 2"), "invalid character '2' after top-level value");
    }

    #[test]
    fn pretty_json_indents_two_spaces() {
        let v = parse_json(r#"{"a":[1,{}],"b":{}}"#).unwrap_or(Value::Nil);
        assert_eq!(
            to_json_pretty(&v).unwrap_or_default(),
            "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": {}\n}"
        );
    }
}
