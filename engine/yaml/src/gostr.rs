//! Go strings are bytes; helmd's are UTF-8. Bytes that are not UTF-8 (a
//! binary file read with `.Files.Get`, later `b64dec`) travel inside a `str`
//! as one "raw byte" character each, U+10FF00 + byte, from the last 256 code
//! points of plane 16 (private use), so nothing is lost on the way.
//!
//! Invariant: a raw-byte character stands for exactly one Go byte. Code that
//! counts or emits Go bytes (`len`, `index`, `%x`, `%q`, `b64enc`, comparison)
//! goes through [`go_bytes`]; code that sees Go runes (`range` over text,
//! JSON, printed output) sees U+FFFD for it, as Go's `utf8.DecodeRune` does
//! ([`replace_raw`]). A real U+10FFxx character in a chart reads as a raw
//! byte — the price of the encoding, for code points nothing assigns.

use std::borrow::Cow;

/// The first raw-byte code point (raw byte 0x00; 0xFF is U+10FFFF).
const RAW_BASE: u32 = 0x10_FF00;

/// The raw byte a character stands for, if it is a raw-byte character.
pub fn raw_byte(c: char) -> Option<u8> {
    u32::from(c)
        .checked_sub(RAW_BASE)
        .and_then(|b| u8::try_from(b).ok())
}

/// The character that carries `b` (any byte; only invalid ones are used).
pub fn raw_char(b: u8) -> char {
    char::from_u32(RAW_BASE + u32::from(b)).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// Whether `s` holds any raw-byte character (a cheap scan: they all start
/// with the UTF-8 bytes F4 8F BC..BF).
pub fn has_raw(s: &str) -> bool {
    if s.is_ascii() {
        return false;
    }
    let b = s.as_bytes();
    b.windows(3)
        .any(|w| w[0] == 0xF4 && w[1] == 0x8F && (0xBC..=0xBF).contains(&w[2]))
}

/// A Go string of `bytes`: valid UTF-8 stays as it is, every byte that
/// `utf8.DecodeRune` rejects becomes its raw-byte character.
pub fn from_go_bytes(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(bytes)
        && !has_raw(s)
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        out.extend(chunk.invalid().iter().map(|&b| raw_char(b)));
    }
    Cow::Owned(out)
}

/// Go's comparison of two strings: by their bytes (raw-byte characters count as
/// the byte they stand for, not as their UTF-8 encoding).
pub fn go_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    if !has_raw(a) && !has_raw(b) {
        return a.cmp(b);
    }
    go_bytes(a).cmp(&go_bytes(b))
}

/// The Go bytes of `s`: raw-byte characters back to their bytes.
pub fn go_bytes(s: &str) -> Cow<'_, [u8]> {
    if !has_raw(s) {
        return Cow::Borrowed(s.as_bytes());
    }
    let mut out = Vec::with_capacity(s.len());
    let mut buf = [0u8; 4];
    for c in s.chars() {
        match raw_byte(c) {
            Some(b) => out.push(b),
            None => out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes()),
        }
    }
    Cow::Owned(out)
}

/// Go's `len` of `s`: its length in Go bytes.
pub fn go_len(s: &str) -> usize {
    if !has_raw(s) {
        return s.len();
    }
    s.chars()
        .map(|c| {
            if raw_byte(c).is_some() {
                1
            } else {
                c.len_utf8()
            }
        })
        .sum()
}

/// `s` as Go's rune-wise readers see it: each raw byte is U+FFFD.
pub fn replace_raw(s: &str) -> Cow<'_, str> {
    if !has_raw(s) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if raw_byte(c).is_some() {
                    char::REPLACEMENT_CHARACTER
                } else {
                    c
                }
            })
            .collect(),
    )
}

/// go-yaml's UTF-16 reader (after the byte-order mark): the text, or the
/// problem it reports for the first bad code unit.
pub fn decode_utf16_like_go_yaml(b: &[u8], little_endian: bool) -> Result<String, &'static str> {
    let unit = |i: usize| -> Option<u32> {
        let pair = b.get(i..i + 2)?;
        let (lo, hi) = if little_endian {
            (pair[0], pair[1])
        } else {
            (pair[1], pair[0])
        };
        Some(u32::from(lo) | (u32::from(hi) << 8))
    };
    let mut out = String::with_capacity(b.len() / 2);
    let mut i = 0;
    while i < b.len() {
        let value = unit(i).ok_or("incomplete UTF-16 character")?;
        if value & 0xFC00 == 0xDC00 {
            return Err("unexpected low surrogate area");
        }
        let c = if value & 0xFC00 == 0xD800 {
            let low = unit(i + 2).ok_or("incomplete UTF-16 surrogate pair")?;
            if low & 0xFC00 != 0xDC00 {
                return Err("expected low surrogate area");
            }
            i += 4;
            0x10000 + ((value & 0x3FF) << 10) + (low & 0x3FF)
        } else {
            i += 2;
            value
        };
        out.push(char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER));
    }
    Ok(out)
}

/// go-yaml's reader check of its input (it decodes UTF-8 before scanning):
/// the problem it reports for the first bad sequence, if any.
pub fn go_yaml_utf8_problem(b: &[u8]) -> Option<&'static str> {
    let mut i = 0;
    while i < b.len() {
        let lead = b[i];
        let width = match lead {
            _ if lead & 0x80 == 0 => 1,
            _ if lead & 0xE0 == 0xC0 => 2,
            _ if lead & 0xF0 == 0xE0 => 3,
            _ if lead & 0xF8 == 0xF0 => 4,
            _ => return Some("invalid leading UTF-8 octet"),
        };
        if i + width > b.len() {
            return Some("incomplete UTF-8 octet sequence");
        }
        let mut value = u32::from(match width {
            1 => lead & 0x7F,
            2 => lead & 0x1F,
            3 => lead & 0x0F,
            _ => lead & 0x07,
        });
        for &octet in &b[i + 1..i + width] {
            if octet & 0xC0 != 0x80 {
                return Some("invalid trailing UTF-8 octet");
            }
            value = (value << 6) + u32::from(octet & 0x3F);
        }
        let shortest = match width {
            1 => true,
            2 => value >= 0x80,
            3 => value >= 0x800,
            _ => value >= 0x10000,
        };
        if !shortest {
            return Some("invalid length of a UTF-8 sequence");
        }
        if (0xD800..=0xDFFF).contains(&value) || value > 0x10_FFFF {
            return Some("invalid Unicode character");
        }
        i += width;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_bytes_survive_a_round_trip() {
        let bytes = b"A\xc3B\xe2\x82C\xff\xe2\x82\xac";
        let s = from_go_bytes(bytes);
        assert_eq!(s.chars().count(), 8);
        assert_eq!(go_bytes(&s).as_ref(), bytes);
        assert_eq!(go_len(&s), bytes.len());
        assert_eq!(replace_raw(&s), "A\u{fffd}B\u{fffd}\u{fffd}C\u{fffd}€");
    }

    #[test]
    fn valid_text_is_borrowed_untouched() {
        let s = from_go_bytes("héllo €".as_bytes());
        assert!(matches!(s, Cow::Borrowed("héllo €")));
        assert!(matches!(go_bytes("héllo €"), Cow::Borrowed(_)));
        assert_eq!(go_len("héllo €"), "héllo €".len());
    }

    #[test]
    fn go_yaml_names_the_first_bad_sequence() {
        assert_eq!(go_yaml_utf8_problem("a: é€😀".as_bytes()), None);
        assert_eq!(
            go_yaml_utf8_problem(b"a\x80"),
            Some("invalid leading UTF-8 octet")
        );
        assert_eq!(
            go_yaml_utf8_problem(b"A\xc3B"),
            Some("invalid trailing UTF-8 octet")
        );
        assert_eq!(
            go_yaml_utf8_problem(b"A\xe2\x82"),
            Some("incomplete UTF-8 octet sequence")
        );
        assert_eq!(
            go_yaml_utf8_problem(b"\xc0\x80"),
            Some("invalid length of a UTF-8 sequence")
        );
        assert_eq!(
            go_yaml_utf8_problem(b"\xed\xa0\x80"),
            Some("invalid Unicode character")
        );
    }

    #[test]
    fn only_the_last_256_code_points_are_raw() {
        assert_eq!(raw_byte('\u{10FF00}'), Some(0));
        assert_eq!(raw_byte('\u{10FFFF}'), Some(0xFF));
        assert_eq!(raw_byte('\u{10FEFF}'), None);
        assert!(!has_raw("\u{10FEFF}"));
        assert!(has_raw("x\u{10FF41}"));
    }
}
