//! `ReleaseStore`: Helm's storage driver interface over namespaces, and an in-memory store for tests.

use std::collections::BTreeMap;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::error::{Error, Result};
use crate::history::prune_before_create;
use crate::listing::{Head, ListPlan, Listing, NameFilter, Revisions, latest_revisions};
use crate::model::{Release, Status};
use crate::secret::{SecretRecord, Write};

/// Which records a query selects (Helm's `Query(labels)` / `List(filter)`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Only this namespace; `None` for all namespaces.
    pub namespace: Option<String>,
    /// Only this release name.
    pub name: Option<String>,
    /// Only this status.
    pub status: Option<Status>,
    /// Only records carrying every one of these custom labels.
    pub labels: BTreeMap<String, String>,
}

/// Where release records live: Secrets in the release's namespace, or Helm's
/// SQL tables. Each call is one driver call of Helm's (`Get`, `Query`,
/// `Create`, `Update`, `Delete`); the helpers compose them as Helm's
/// `storage.Storage` does. `get` returns the custom labels; `query` returns
/// the custom labels, and with Helm's Secrets driver every label of the Secret
/// (`name`, `owner`, `status`, `version`, `createdAt`, ...) as Helm's `List` and
/// `Query` do: filter with [`crate::custom_labels`] before showing them.
#[async_trait]
pub trait ReleaseStore: Send + Sync {
    /// One revision (Helm's `Get`), [`Error::NotFound`] when absent.
    async fn get(&self, namespace: &str, name: &str, version: i64) -> Result<Release>;

    /// Every record the query selects, in no particular order (Helm's
    /// `Query`/`List`; empty when none, where Helm's `Query` says not found).
    async fn query(&self, query: &Query) -> Result<Vec<Release>>;

    /// Stores a new revision (Helm's `Create`), [`Error::Exists`] when its key is taken.
    async fn create(&self, release: &Release) -> Result<()>;

    /// Replaces a stored revision (Helm's `Update`), [`Error::NotFound`] when absent.
    async fn update(&self, release: &Release) -> Result<()>;

    /// Removes one revision and returns it (Helm's `Delete`).
    async fn delete(&self, namespace: &str, name: &str, version: i64) -> Result<Release>;

    /// Helm's `List` over one namespace (`None`: every namespace): the records whose
    /// name `names` admits, labelled as `query` labels them. A record that does not
    /// decode is skipped and reported in [`Listing::skipped`], never an error (Helm's
    /// drivers log and skip it). With [`Revisions::Latest`] only each release's
    /// highest revision that decodes is needed, and a store may decode no other.
    ///
    /// The default reads through `query`, so it fails on a record that does not
    /// decode; the stores helmd serves from override it.
    async fn list(
        &self,
        namespace: Option<&str>,
        revisions: Revisions,
        names: &NameFilter<'_>,
    ) -> Result<Listing> {
        let all: Vec<Release> = self
            .query(&Query {
                namespace: namespace.map(str::to_owned),
                ..Query::default()
            })
            .await?
            .into_iter()
            .filter(|r| names(&r.name))
            .collect();
        Ok(Listing {
            releases: match revisions {
                Revisions::All => all,
                Revisions::Latest => latest_revisions(all),
            },
            skipped: Vec::new(),
        })
    }

    /// Every revision of a release, oldest first (Helm's `History`).
    async fn history(&self, namespace: &str, name: &str) -> Result<Vec<Release>> {
        let mut all = self
            .query(&Query {
                namespace: Some(namespace.into()),
                name: Some(name.into()),
                ..Query::default()
            })
            .await?;
        all.sort_by_key(|r| r.version);
        Ok(all)
    }

    /// The highest revision (Helm's `Last`), [`Error::NotFound`] without one.
    async fn last(&self, namespace: &str, name: &str) -> Result<Release> {
        self.history(namespace, name)
            .await?
            .pop()
            .ok_or(Error::NotFound)
    }

    /// The highest `deployed` revision (Helm's `Deployed`), `None` without one.
    async fn deployed(&self, namespace: &str, name: &str) -> Result<Option<Release>> {
        let mut deployed = self
            .query(&Query {
                namespace: Some(namespace.into()),
                name: Some(name.into()),
                status: Some(Status::Deployed),
                ..Query::default()
            })
            .await?;
        deployed.sort_by_key(|r| r.version);
        Ok(deployed.pop())
    }

    /// Helm's `Storage.Create` with `MaxHistory`: prunes with Helm's rule
    /// ([`prune_before_create`]) to make room, then stores `release`.
    /// Returns the pruned revisions.
    async fn create_pruned(&self, release: &Release, max_history: i64) -> Result<Vec<i64>> {
        let history = self.history(&release.namespace, &release.name).await?;
        let revisions: Vec<(i64, Status)> =
            history.iter().map(|r| (r.version, r.status())).collect();
        let pruned = prune_before_create(&revisions, max_history);
        for version in &pruned {
            self.delete(&release.namespace, &release.name, *version)
                .await?;
        }
        self.create(release).await?;
        Ok(pruned)
    }
}

/// An in-memory store keeping each revision as the Secret Helm would write
/// (so every write goes through the codecs and the size limit). For tests.
#[derive(Debug, Default)]
pub struct MemoryStore {
    records: Mutex<BTreeMap<(String, String, i64), SecretRecord>>,
    clock: Mutex<i64>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// The stored Secret of one revision, as Helm would find it.
    pub fn secret(&self, namespace: &str, name: &str, version: i64) -> Option<SecretRecord> {
        self.lock()
            .get(&(namespace.into(), name.into(), version))
            .cloned()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<(String, String, i64), SecretRecord>> {
        self.records.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A logical clock for the time labels (deterministic in tests).
    fn tick(&self) -> i64 {
        let mut clock = self.clock.lock().unwrap_or_else(|e| e.into_inner());
        *clock += 1;
        *clock
    }
}

fn key(r: &Release) -> (String, String, i64) {
    (r.namespace.clone(), r.name.clone(), r.version)
}

#[async_trait]
impl ReleaseStore for MemoryStore {
    async fn get(&self, namespace: &str, name: &str, version: i64) -> Result<Release> {
        self.secret(namespace, name, version)
            .ok_or(Error::NotFound)?
            .release()
    }

    async fn query(&self, query: &Query) -> Result<Vec<Release>> {
        let records: Vec<SecretRecord> = self
            .lock()
            .iter()
            .filter(|((ns, name, _), s)| {
                query.namespace.as_deref().is_none_or(|q| q == ns)
                    && query.name.as_deref().is_none_or(|q| q == name)
                    && query.status.as_ref().is_none_or(|q| {
                        s.labels.get("status").map(String::as_str) == Some(q.as_str())
                    })
                    && query.labels.iter().all(|(k, v)| s.labels.get(k) == Some(v))
            })
            .map(|(_, s)| s.clone())
            .collect();
        records.iter().map(SecretRecord::release).collect()
    }

    async fn list(
        &self,
        namespace: Option<&str>,
        revisions: Revisions,
        names: &NameFilter<'_>,
    ) -> Result<Listing> {
        let records: Vec<SecretRecord> = self
            .lock()
            .iter()
            .filter(|((ns, _, _), _)| namespace.is_none_or(|q| q == ns))
            .map(|(_, s)| s.clone())
            .collect();
        let heads: Vec<Head> = records.iter().map(SecretRecord::head).collect();
        let plan = ListPlan::new(&heads, revisions, names);
        Ok(plan.run(
            |i| {
                let mut release = records[i].release()?;
                release.labels = records[i].labels.clone();
                Ok(release)
            },
            |i| (records[i].namespace.clone(), records[i].name.clone()),
        ))
    }

    async fn create(&self, release: &Release) -> Result<()> {
        let record = SecretRecord::new(release, Write::Create, self.tick())?;
        let mut records = self.lock();
        if records.contains_key(&key(release)) {
            return Err(Error::Exists);
        }
        records.insert(key(release), record);
        Ok(())
    }

    async fn update(&self, release: &Release) -> Result<()> {
        let record = SecretRecord::new(release, Write::Update, self.tick())?;
        let mut records = self.lock();
        let slot = records.get_mut(&key(release)).ok_or(Error::NotFound)?;
        *slot = record;
        Ok(())
    }

    async fn delete(&self, namespace: &str, name: &str, version: i64) -> Result<Release> {
        let record = self
            .lock()
            .remove(&(namespace.into(), name.into(), version))
            .ok_or(Error::NotFound)?;
        record.release()
    }
}
