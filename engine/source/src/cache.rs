//! The on-disk chart cache: blobs addressed by sha256 digest, bounded in size (least
//! recently used go first), resolution records for pinned references, and per-key locks
//! so concurrent fetches of one chart make one download.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use crate::digest::Digest;
use crate::error::{Error, Result};

/// What a pinned reference resolved to, remembered so the next pull asks no one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedRef {
    /// Chart name.
    pub name: String,
    /// Chart version.
    pub version: String,
    /// Digest of the chart archive.
    pub chart: String,
    /// Digest of the provenance file, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<String>,
    /// Digest of the OCI manifest (OCI sources only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifest: Option<String>,
}

#[derive(Debug, Default)]
struct Usage {
    /// hex digest → (size, last use tick).
    blobs: HashMap<String, (u64, u64)>,
    total: u64,
    tick: u64,
}

/// A content-addressed chart cache in a directory, shared by everything that pulls.
#[derive(Debug, Clone)]
pub struct ChartCache {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    root: PathBuf,
    max_bytes: u64,
    usage: Mutex<Usage>,
    flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl ChartCache {
    /// Opens (creating) the cache in `root`, holding at most `max_bytes` of blobs.
    pub fn open(root: impl Into<PathBuf>, max_bytes: u64) -> Result<ChartCache> {
        let root = root.into();
        for dir in ["blobs/sha256", "refs", "tmp"] {
            let path = root.join(dir);
            std::fs::create_dir_all(&path).map_err(|e| Error::cache(&path, e))?;
        }
        let usage = scan(&root.join("blobs/sha256"))?;
        let cache = ChartCache {
            inner: Arc::new(Inner {
                root,
                max_bytes,
                usage: Mutex::new(usage),
                flights: Mutex::new(HashMap::new()),
            }),
        };
        cache.evict(None)?;
        Ok(cache)
    }

    fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.inner.root.join("blobs/sha256").join(digest.hex())
    }

    fn ref_path(&self, key: &str) -> PathBuf {
        self.inner
            .root
            .join("refs")
            .join(Digest::of(key.as_bytes()).hex())
    }

    /// The blob with `digest`, if cached (marks it recently used). A blob whose content no
    /// longer matches its name is removed and reported as absent.
    pub fn get(&self, digest: &Digest) -> Result<Option<Bytes>> {
        let path = self.blob_path(digest);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::cache(&path, e)),
        };
        if digest.verify("cached blob", &bytes).is_err() {
            self.remove(digest);
            return Ok(None);
        }
        let mut usage = self.usage();
        usage.tick += 1;
        let tick = usage.tick;
        if let Some(entry) = usage.blobs.get_mut(digest.hex()) {
            entry.1 = tick;
        }
        Ok(Some(Bytes::from(bytes)))
    }

    /// Stores `bytes` under `expected` after checking the digest; on a mismatch nothing is
    /// stored. Blobs larger than the whole cache are not stored.
    pub fn put(&self, expected: &Digest, bytes: &[u8]) -> Result<()> {
        expected.verify("downloaded blob", bytes)?;
        let size = bytes.len() as u64;
        if size > self.inner.max_bytes {
            return Ok(());
        }
        let tmp_dir = self.inner.root.join("tmp");
        let mut tmp =
            tempfile::NamedTempFile::new_in(&tmp_dir).map_err(|e| Error::cache(&tmp_dir, e))?;
        tmp.write_all(bytes)
            .map_err(|e| Error::cache(tmp.path(), e))?;
        let path = self.blob_path(expected);
        tmp.persist(&path)
            .map_err(|e| Error::cache(&path, e.error))?;
        {
            let mut usage = self.usage();
            usage.tick += 1;
            let tick = usage.tick;
            if usage
                .blobs
                .insert(expected.hex().to_owned(), (size, tick))
                .is_none()
            {
                usage.total += size;
            }
        }
        self.evict(Some(expected))
    }

    /// Removes the least recently used blobs until the total fits, sparing `keep`.
    fn evict(&self, keep: Option<&Digest>) -> Result<()> {
        let mut usage = self.usage();
        while usage.total > self.inner.max_bytes {
            let victim = usage
                .blobs
                .iter()
                .filter(|(hex, _)| keep.is_none_or(|k| k.hex() != hex.as_str()))
                .min_by_key(|(_, (_, tick))| *tick)
                .map(|(hex, _)| hex.clone());
            let Some(hex) = victim else { break };
            if let Some((size, _)) = usage.blobs.remove(&hex) {
                usage.total -= size;
            }
            let path = self.inner.root.join("blobs/sha256").join(&hex);
            if let Err(e) = std::fs::remove_file(&path)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                return Err(Error::cache(&path, e));
            }
        }
        Ok(())
    }

    fn remove(&self, digest: &Digest) {
        let _ = std::fs::remove_file(self.blob_path(digest));
        let mut usage = self.usage();
        if let Some((size, _)) = usage.blobs.remove(digest.hex()) {
            usage.total -= size;
        }
    }

    /// Total bytes of cached blobs.
    pub fn size(&self) -> u64 {
        self.usage().total
    }

    /// Whether a blob is cached (without touching its recency).
    pub fn contains(&self, digest: &Digest) -> bool {
        self.usage().blobs.contains_key(digest.hex())
    }

    /// What the pinned reference `key` resolved to before, if its blobs are still cached.
    pub fn lookup_ref(&self, key: &str) -> Option<CachedRef> {
        let text = std::fs::read(self.ref_path(key)).ok()?;
        let record: CachedRef = serde_json::from_slice(&text).ok()?;
        let chart = Digest::parse(&record.chart).ok()?;
        self.contains(&chart).then_some(record)
    }

    /// Remembers what the pinned reference `key` resolved to.
    pub fn record_ref(&self, key: &str, record: &CachedRef) -> Result<()> {
        let path = self.ref_path(key);
        let json = serde_json::to_vec(record).unwrap_or_default();
        let tmp_dir = self.inner.root.join("tmp");
        let mut tmp =
            tempfile::NamedTempFile::new_in(&tmp_dir).map_err(|e| Error::cache(&tmp_dir, e))?;
        tmp.write_all(&json)
            .map_err(|e| Error::cache(tmp.path(), e))?;
        tmp.persist(&path)
            .map_err(|e| Error::cache(&path, e.error))?;
        Ok(())
    }

    /// Waits for exclusive use of `key`: callers fetching the same chart queue here, and
    /// each re-checks the cache once it holds the guard.
    pub async fn lock(&self, key: &str) -> tokio::sync::OwnedMutexGuard<()> {
        let lock = {
            let mut flights = self.inner.flights.lock().unwrap_or_else(|p| p.into_inner());
            flights.retain(|_, lock| Arc::strong_count(lock) > 1);
            flights.entry(key.to_owned()).or_default().clone()
        };
        lock.lock_owned().await
    }

    fn usage(&self) -> std::sync::MutexGuard<'_, Usage> {
        self.inner.usage.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Rebuilds usage from the blob directory; older files count as less recently used.
fn scan(dir: &Path) -> Result<Usage> {
    let mut found: Vec<(SystemTime, String, u64)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::cache(dir, e))? {
        let entry = entry.map_err(|e| Error::cache(dir, e))?;
        let Ok(meta) = entry.metadata() else { continue };
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        found.push((modified, name, meta.len()));
    }
    found.sort();
    let mut usage = Usage::default();
    for (_, name, size) in found {
        usage.tick += 1;
        usage.total += size;
        usage.blobs.insert(name, (size, usage.tick));
    }
    Ok(usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_recently_used_blobs_are_evicted_first() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = ChartCache::open(dir.path(), 25).expect("open");
        let blobs: Vec<(Digest, Vec<u8>)> = (0..3u8)
            .map(|i| {
                let bytes = vec![i; 10];
                (Digest::of(&bytes), bytes)
            })
            .collect();
        cache.put(&blobs[0].0, &blobs[0].1).expect("put 0");
        cache.put(&blobs[1].0, &blobs[1].1).expect("put 1");
        assert!(cache.get(&blobs[0].0).expect("get").is_some());
        cache.put(&blobs[2].0, &blobs[2].1).expect("put 2");
        assert!(cache.contains(&blobs[0].0), "recently used survives");
        assert!(!cache.contains(&blobs[1].0), "least recently used goes");
        assert!(cache.contains(&blobs[2].0));
        assert_eq!(cache.size(), 20);
        let reopened = ChartCache::open(dir.path(), 25).expect("reopen");
        assert_eq!(reopened.size(), 20);
    }

    #[test]
    fn a_digest_mismatch_stores_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = ChartCache::open(dir.path(), 1000).expect("open");
        let wrong = Digest::of(b"other");
        assert!(matches!(
            cache.put(&wrong, b"content"),
            Err(Error::DigestMismatch { .. })
        ));
        assert_eq!(cache.size(), 0);
        assert!(cache.get(&wrong).expect("get").is_none());
    }
}
