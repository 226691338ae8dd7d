//! Helm's record body: base64(gzip(JSON)) as storage/driver's `encodeRelease` and `decodeRelease`.

use std::io::{Read, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;

use crate::error::{Error, Result};
use crate::model::Release;

/// gzip's magic header as Helm tests it (ID1, ID2, CM = deflate).
const GZIP_MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];

/// The most a decompressed record may hold (a Secret holds 1 MiB compressed;
/// this bounds a gzip bomb far above any real release).
pub const MAX_DECODED_BYTES: u64 = 256 * 1024 * 1024;

/// Helm's `encodeRelease`: the JSON, gzipped at best compression, base64 (standard).
pub fn encode_release(release: &Release) -> Result<String> {
    let json = crate::encode::release_json(release)?;
    let mut gz = GzEncoder::new(Vec::new(), Compression::best());
    gz.write_all(json.as_bytes()).map_err(Error::Gzip)?;
    let compressed = gz.finish().map_err(Error::Gzip)?;
    Ok(STANDARD.encode(compressed))
}

/// Helm's `decodeRelease`: base64, then gunzip when the gzip magic is there
/// (records from before Helm compressed them are plain JSON), then the JSON.
/// Custom labels are not in the body: the caller sets `labels`.
pub fn decode_release(body: &str) -> Result<Release> {
    let json = decode_body(body)?;
    let text = String::from_utf8_lossy(&json);
    crate::decode::release_from_json(&text)
}

/// The JSON bytes inside a record body.
pub fn decode_body(body: &str) -> Result<Vec<u8>> {
    let raw = STANDARD.decode(body.trim_end()).map_err(Error::Base64)?;
    if raw.len() > 3 && raw[..3] == GZIP_MAGIC {
        let mut out = Vec::new();
        let mut reader = GzDecoder::new(raw.as_slice()).take(MAX_DECODED_BYTES + 1);
        reader.read_to_end(&mut out).map_err(Error::Gzip)?;
        if out.len() as u64 > MAX_DECODED_BYTES {
            return Err(Error::Json(format!(
                "decompressed release record exceeds the limit of {MAX_DECODED_BYTES} bytes"
            )));
        }
        return Ok(out);
    }
    Ok(raw)
}

/// The JSON Helm writes for `release` (Go's `json.Marshal`).
pub fn release_json(release: &Release) -> Result<String> {
    crate::encode::release_json(release)
}

/// A release read from Helm's JSON.
pub fn release_from_json(text: &str) -> Result<Release> {
    crate::decode::release_from_json(text)
}
