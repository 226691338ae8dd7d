//! Compiled `values.schema.json` documents, cached process-wide by the
//! SHA-256 of their bytes (compile errors too), so a schema is compiled once
//! however many renders use it. Bounded by count and by schema bytes; the
//! least recently used entry goes first.

use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::schema::Compiled;

/// Most schemas kept.
const MAX_ENTRIES: usize = 256;
/// Most schema bytes kept (the compiled form is a small multiple of this).
const MAX_BYTES: usize = 32 << 20;

type Entry = Result<Arc<Compiled>, String>;

#[derive(Default)]
struct Cache {
    /// Most recently used last.
    entries: Vec<([u8; 32], usize, Entry)>,
    bytes: usize,
}

static CACHE: Mutex<Cache> = Mutex::new(Cache {
    entries: Vec::new(),
    bytes: 0,
});

/// The compiled form of `schema`, from the cache or compiled by `compile`
/// (outside the lock) and kept.
pub(crate) fn compiled(
    schema: &[u8],
    compile: fn(&[u8]) -> Result<Compiled, String>,
) -> Result<Arc<Compiled>, String> {
    let digest: [u8; 32] = Sha256::digest(schema).into();
    if let Some(hit) = lookup(&digest) {
        return hit;
    }
    let entry: Entry = compile(schema).map(Arc::new);
    if schema.len() <= MAX_BYTES {
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        if !cache.entries.iter().any(|(d, _, _)| *d == digest) {
            while cache.entries.len() >= MAX_ENTRIES || cache.bytes + schema.len() > MAX_BYTES {
                let (_, len, _) = cache.entries.remove(0);
                cache.bytes -= len;
            }
            cache.bytes += schema.len();
            cache.entries.push((digest, schema.len(), entry.clone()));
        }
    }
    entry
}

fn lookup(digest: &[u8; 32]) -> Option<Entry> {
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    let at = cache.entries.iter().position(|(d, _, _)| d == digest)?;
    let hit = cache.entries.remove(at);
    let entry = hit.2.clone();
    cache.entries.push(hit);
    Some(entry)
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    static COMPILES: AtomicUsize = AtomicUsize::new(0);

    fn counting(schema: &[u8]) -> Result<Compiled, String> {
        COMPILES.fetch_add(1, Ordering::SeqCst);
        crate::schema::compile_for_tests(schema)
    }

    #[test]
    fn a_schema_compiles_once_however_often_it_is_used() {
        let a = br#"{"type": "object", "properties": {"cache-test-a": {"type": "integer"}}}"#;
        let b = br#"{"type": "object", "properties": {"cache-test-b": {"type": "string"}}}"#;
        let bad = br#"{"type": "object""#;
        for _ in 0..3 {
            assert!(compiled(a, counting).is_ok());
            assert!(compiled(b, counting).is_ok());
            assert_eq!(
                compiled(bad, counting).err().as_deref(),
                Some("unexpected EOF")
            );
        }
        assert_eq!(COMPILES.load(Ordering::SeqCst), 3);
    }
}
