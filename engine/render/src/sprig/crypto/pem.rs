//! Go's standard base64 decoding (with its error offsets) and PEM blocks
//! as encoding/pem reads and writes them.

use base64::Engine as _;

/// Go's `base64.StdEncoding.DecodeString`: padding required, CR and LF
/// skipped, errors name the offset Go names ("illegal base64 data at input byte N").
pub(crate) fn go_b64_decode(s: &str) -> Result<Vec<u8>, String> {
    let src = s.as_bytes();
    let err = |at: usize| format!("illegal base64 data at input byte {at}");
    let skip_newlines = |mut i: usize| {
        while i < src.len() && matches!(src[i], b'\n' | b'\r') {
            i += 1;
        }
        i
    };
    let mut out = Vec::with_capacity(src.len() / 4 * 3);
    let mut si = 0;
    loop {
        let mut quantum = [0u8; 4];
        let mut got = 0;
        let mut done = false;
        while got < 4 {
            if si == src.len() {
                if got == 0 {
                    return Ok(out);
                }
                return Err(err(si - got));
            }
            let c = src[si];
            si += 1;
            if matches!(c, b'\n' | b'\r') {
                continue;
            }
            if let Some(v) = sextet(c) {
                quantum[got] = v;
                got += 1;
                continue;
            }
            if c != b'=' || got < 2 {
                return Err(err(si - 1));
            }
            if got == 2 {
                si = skip_newlines(si);
                if si == src.len() {
                    return Err(err(src.len()));
                }
                if src[si] != b'=' {
                    return Err(err(si - 1));
                }
                si += 1;
            }
            si = skip_newlines(si);
            if si < src.len() {
                return Err(err(si));
            }
            done = true;
            break;
        }
        let bits = quantum
            .iter()
            .fold(0u32, |acc, &v| (acc << 6) | u32::from(v));
        let bytes = bits.to_be_bytes();
        out.extend_from_slice(&bytes[1..got.max(2)]);
        if done {
            return Ok(out);
        }
    }
}

fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Go's `base64.StdEncoding.EncodeToString`.
pub(crate) fn b64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A PEM block: its type and decoded body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    pub(crate) kind: String,
    pub(crate) der: Vec<u8>,
}

/// The first well-formed PEM block of `text` (Go's `pem.Decode`), or `None`.
pub(crate) fn decode(text: &str) -> Option<Block> {
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + "-----BEGIN ".len()..];
        rest = after;
        let line_end = after.find('\n')?;
        let Some(kind) = after[..line_end].trim_end().strip_suffix("-----") else {
            continue;
        };
        let body = &after[line_end + 1..];
        let end_marker = format!("-----END {kind}-----");
        let Some(end) = body.find(&end_marker) else {
            continue;
        };
        let b64: String = body[..end]
            .lines()
            .filter(|l| !l.contains(':'))
            .flat_map(|l| l.chars().filter(|c| !c.is_whitespace()))
            .collect();
        if let Ok(der) = go_b64_decode(&b64) {
            return Some(Block {
                kind: kind.to_string(),
                der,
            });
        }
    }
    None
}

/// Go's `pem.EncodeToMemory`: 64-character lines, trailing newline.
pub(crate) fn encode(kind: &str, der: &[u8]) -> String {
    let b64 = b64_encode(der);
    let mut out = format!("-----BEGIN {kind}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {kind}-----\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_base64_decodes_padded_text_and_names_go_error_offsets() {
        assert_eq!(go_b64_decode("aGVsbG8=").as_deref(), Ok(&b"hello"[..]));
        assert_eq!(go_b64_decode("aGVs\nbG8=").as_deref(), Ok(&b"hello"[..]));
        assert_eq!(go_b64_decode("").as_deref(), Ok(&b""[..]));
        assert_eq!(go_b64_decode("YQ==").as_deref(), Ok(&b"a"[..]));
        let e = |s: &str| go_b64_decode(s).err().unwrap_or_default();
        assert_eq!(e("!!"), "illegal base64 data at input byte 0");
        assert_eq!(e(&"A".repeat(43)), "illegal base64 data at input byte 40");
        assert_eq!(e(" AAA"), "illegal base64 data at input byte 0");
        assert_eq!(e("YQ="), "illegal base64 data at input byte 3");
        assert_eq!(e("YQ==YQ=="), "illegal base64 data at input byte 4");
        assert_eq!(e("Y==="), "illegal base64 data at input byte 1");
    }

    #[test]
    fn pem_blocks_round_trip() {
        let der: Vec<u8> = (0..=200u8).collect();
        let text = encode("TEST BLOCK", &der);
        assert!(text.lines().all(|l| l.len() <= 64));
        let block = decode(&format!("junk\n{text}more")).expect("block");
        assert_eq!(block.kind, "TEST BLOCK");
        assert_eq!(block.der, der);
        assert_eq!(decode("no pem here"), None);
    }
}
