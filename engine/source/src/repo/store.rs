//! Where repository indexes are kept between requests, bounded on both sides: the raw
//! `index.yaml` bytes are blobs of the chart cache (counted in, and evicted with, its
//! byte limit), a small record per repository URL remembers the ETag and digest, and
//! parsed indexes are shared by digest in an in-memory LRU bounded in index bytes.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::index::IndexFile;
use crate::cache::ChartCache;
use crate::digest::Digest;

/// What the last download of one repository's index returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexRecord {
    /// The ETag it came with.
    pub etag: String,
    /// sha256 of its bytes (the cache blob).
    pub digest: String,
}

#[derive(Debug, Default)]
struct Parsed {
    /// digest → (index, weight in source bytes, last use tick).
    entries: HashMap<String, (Arc<IndexFile>, u64, u64)>,
    total: u64,
    tick: u64,
}

/// Index storage shared by every repository of one [`crate::ChartSource`].
#[derive(Debug)]
pub struct IndexStore {
    cache: ChartCache,
    records: PathBuf,
    max_parsed_bytes: u64,
    parsed: Mutex<Parsed>,
    /// Parses running at once: parsing takes transient memory many times the index's
    /// size, so concurrent refreshes of large indexes queue here.
    parses: tokio::sync::Semaphore,
}

/// Index parses one [`IndexStore`] runs at once.
pub const CONCURRENT_PARSES: usize = 2;

impl IndexStore {
    /// Records under `records`, bytes in `cache`, at most `max_parsed_bytes` of source
    /// bytes' worth of parsed indexes in memory.
    pub fn new(cache: ChartCache, records: PathBuf, max_parsed_bytes: u64) -> Self {
        IndexStore {
            cache,
            records,
            max_parsed_bytes,
            parsed: Mutex::default(),
            parses: tokio::sync::Semaphore::new(CONCURRENT_PARSES),
        }
    }

    /// Waits for a turn to parse an index.
    pub async fn parse_turn(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.parses.acquire().await.ok()
    }

    fn record_path(&self, url: &str) -> PathBuf {
        self.records
            .join(format!("{}.json", Digest::of(url.as_bytes()).hex()))
    }

    /// The record of `url`'s last index, if its bytes are still cached.
    pub fn record(&self, url: &str) -> Option<IndexRecord> {
        let text = std::fs::read(self.record_path(url)).ok()?;
        let record: IndexRecord = serde_json::from_slice(&text).ok()?;
        let digest = Digest::parse(&record.digest).ok()?;
        self.cache.contains(&digest).then_some(record)
    }

    /// The parsed index with `digest`, from memory (marks it recently used).
    pub fn parsed(&self, digest: &str) -> Option<Arc<IndexFile>> {
        let mut parsed = self.lock();
        parsed.tick += 1;
        let tick = parsed.tick;
        let entry = parsed.entries.get_mut(digest)?;
        entry.2 = tick;
        Some(entry.0.clone())
    }

    /// The cached bytes of an index.
    pub fn bytes(&self, digest: &str) -> Option<bytes::Bytes> {
        let digest = Digest::parse(digest).ok()?;
        self.cache.get(&digest).ok().flatten()
    }

    /// Keeps a downloaded index with an ETag (without one it cannot be revalidated, so
    /// nothing is kept): its bytes in the chart cache, `url`'s record, the parse in memory.
    pub fn put(&self, url: &str, bytes: &[u8], etag: Option<&str>, index: Arc<IndexFile>) {
        let Some(etag) = etag else { return };
        let digest = Digest::of(bytes);
        if self.cache.put(&digest, bytes).is_ok() {
            let record = IndexRecord {
                etag: etag.to_owned(),
                digest: digest.to_string(),
            };
            let json = serde_json::to_vec(&record).unwrap_or_default();
            if let Err(e) = std::fs::write(self.record_path(url), json) {
                tracing::debug!(error = %e, "could not record the index");
            }
        }
        self.remember(&digest.to_string(), bytes.len() as u64, index);
    }

    /// Keeps a parsed index in memory, evicting the least recently used beyond the limit
    /// (an index larger than the whole limit is not kept).
    pub fn remember(&self, digest: &str, weight: u64, index: Arc<IndexFile>) {
        if weight > self.max_parsed_bytes {
            return;
        }
        let mut parsed = self.lock();
        parsed.tick += 1;
        let tick = parsed.tick;
        if let Some(old) = parsed
            .entries
            .insert(digest.to_owned(), (index, weight, tick))
        {
            parsed.total -= old.1;
        }
        parsed.total += weight;
        while parsed.total > self.max_parsed_bytes {
            let victim = parsed
                .entries
                .iter()
                .min_by_key(|(_, e)| e.2)
                .map(|(d, _)| d.clone());
            let Some(victim) = victim else { break };
            if let Some(old) = parsed.entries.remove(&victim) {
                parsed.total -= old.1;
            }
        }
    }

    /// Source bytes of the parsed indexes held in memory.
    pub fn parsed_bytes(&self) -> u64 {
        self.lock().total
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Parsed> {
        self.parsed.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parsed_indexes_are_evicted_least_recently_used_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = ChartCache::open(dir.path().join("c"), 1 << 20).expect("cache");
        let store = IndexStore::new(cache, dir.path().to_owned(), 25);
        let index = Arc::new(IndexFile::default());
        store.remember("a", 10, index.clone());
        store.remember("b", 10, index.clone());
        assert!(store.parsed("a").is_some());
        store.remember("c", 10, index.clone());
        assert!(store.parsed("a").is_some());
        assert!(store.parsed("b").is_none(), "least recently used goes");
        assert_eq!(store.parsed_bytes(), 20);
        store.remember("huge", 26, index);
        assert!(
            store.parsed("huge").is_none(),
            "larger than the limit: not kept"
        );
    }

    #[test]
    fn an_index_with_an_etag_is_recorded_and_its_bytes_cached() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = ChartCache::open(dir.path().join("c"), 1 << 20).expect("cache");
        let store = IndexStore::new(cache.clone(), dir.path().to_owned(), 1 << 20);
        let bytes = b"apiVersion: v1\n";
        store.put("https://r/", bytes, Some("\"e\""), Arc::default());
        let record = store.record("https://r/").expect("record");
        assert_eq!(record.etag, "\"e\"");
        assert_eq!(cache.size(), bytes.len() as u64, "counted in the cache");
        assert_eq!(store.bytes(&record.digest).as_deref(), Some(&bytes[..]));
        assert!(store.record("https://other/").is_none());
    }
}
