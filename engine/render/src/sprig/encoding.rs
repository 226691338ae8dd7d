//! Sprig's base64 and base32 functions (standard alphabets with padding);
//! a decoding error becomes the result text, as in Sprig.

use helmd_gotmpl::{ArgType, Arity, FuncMap};
use helmd_yaml::Value;
use helmd_yaml::gostr::{from_go_bytes, go_bytes};

use super::str_arg;

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Encodes `data` in groups of `bits` per symbol with `=` padding to `block` symbols.
fn encode(data: &[u8], alphabet: &[u8], bits: u32, block: usize) -> String {
    let mut out = String::new();
    let (mut acc, mut n) = (0u64, 0u32);
    for b in data {
        acc = (acc << 8) | u64::from(*b);
        n += 8;
        while n >= bits {
            n -= bits;
            out.push(char::from(
                alphabet[((acc >> n) & ((1 << bits) - 1)) as usize],
            ));
        }
    }
    if n > 0 {
        out.push(char::from(
            alphabet[((acc << (bits - n)) & ((1 << bits) - 1)) as usize],
        ));
    }
    while !out.len().is_multiple_of(block) {
        out.push('=');
    }
    out
}

/// Go's `Encoding.DecodeString` for a padded standard encoding; the error is
/// Go's `illegal base64 data at input byte N` (or base32).
fn decode(
    s: &str,
    alphabet: &[u8],
    bits: u32,
    block: usize,
    name: &str,
) -> Result<Vec<u8>, String> {
    let err = |i: usize| format!("illegal {name} data at input byte {i}");
    let bytes = go_bytes(s);
    let symbols: Vec<(usize, u8)> = bytes
        .iter()
        .copied()
        .enumerate()
        .filter(|(_, b)| *b != b'\r' && *b != b'\n')
        .collect();
    let mut out = Vec::new();
    let (mut acc, mut n) = (0u64, 0u32);
    let mut pad_at = None;
    for (k, (i, b)) in symbols.iter().enumerate() {
        if *b == b'=' {
            if pad_at.is_none() {
                // padding may only start where a partial group ends
                let in_block = k % block;
                let ok = match bits {
                    6 => in_block >= 2,
                    _ => matches!(in_block, 2 | 4 | 5 | 7),
                };
                if !ok {
                    return Err(err(*i));
                }
                pad_at = Some(k);
            }
            continue;
        }
        if pad_at.is_some() {
            return Err(err(*i));
        }
        let Some(v) = alphabet.iter().position(|a| a == b) else {
            return Err(err(*i));
        };
        acc = (acc << bits) | v as u64;
        n += bits;
        if n >= 8 {
            n -= 8;
            out.push(((acc >> n) & 0xff) as u8);
        }
    }
    if !symbols.len().is_multiple_of(block) {
        let start = symbols.len() / block * block;
        if bits == 5 && pad_at.is_some() {
            // base32: a short padded tail fails at the end of the input
            return Err(err(bytes.len()));
        }
        return Err(err(symbols.get(start).map_or(bytes.len(), |(i, _)| *i)));
    }
    Ok(out)
}

/// `b64enc`.
pub(crate) fn b64enc(s: &str) -> String {
    encode(&go_bytes(s), B64, 6, 4)
}

/// `b64dec`.
pub(crate) fn b64dec(s: &str) -> String {
    match decode(s, B64, 6, 4, "base64") {
        Ok(b) => from_go_bytes(&b).into_owned(),
        Err(e) => e,
    }
}

pub(crate) fn register(f: &mut FuncMap) {
    f.insert_typed("b32enc", Arity::Exact(1), &[ArgType::String], |_, a| {
        Ok(Value::from(encode(&go_bytes(str_arg(&a[0])), B32, 5, 8)))
    });
    f.insert_typed("b32dec", Arity::Exact(1), &[ArgType::String], |_, a| {
        Ok(Value::from(
            match decode(str_arg(&a[0]), B32, 5, 8, "base32") {
                Ok(b) => from_go_bytes(&b).into_owned(),
                Err(e) => e,
            },
        ))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_padding() {
        assert_eq!(b64enc("hello"), "aGVsbG8=");
        assert_eq!(b64dec("aGVsbG8="), "hello");
        assert_eq!(encode(b"hi", B32, 5, 8), "NBUQ====");
        assert_eq!(b64dec("a"), "illegal base64 data at input byte 0");
    }
}
