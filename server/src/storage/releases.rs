//! `SqlReleaseStore`: release records in Helm's SQL driver tables (`releases_v1`,
//! `custom_labels_v1`) of helmd's database, readable and writable by `helm` with
//! `HELM_DRIVER=sql` on Postgres.

use async_trait::async_trait;
use helmd_release::{
    CustomLabelRow, DEFAULT_NAMESPACE, Error as ReleaseError, Head, ListPlan, Listing, NameFilter,
    OWNER, Query, Release, ReleaseRow, ReleaseStore, Result, Revisions, Skipped, record_key,
};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::Database;
use super::filter::{Arg, Where};
use crate::error::Error;

/// The `releases_v1` columns read back (mixed-case columns aliased: Postgres folds them).
const RELEASE_COLUMNS: &str = "key, type, body, name, namespace, CAST(version AS BIGINT) AS version, \
     status, owner, CAST(createdAt AS BIGINT) AS created_at, \
     CAST(modifiedAt AS BIGINT) AS modified_at";

/// The `custom_labels_v1` columns read back.
const LABEL_COLUMNS: &str =
    "releaseKey AS release_key, releaseNamespace AS release_namespace, key, value";

/// Helm's SQL storage driver over helmd's [`Database`] (Postgres or SQLite).
///
/// As Helm's driver: a release without a namespace is stored under `default`;
/// `create` inserts the row and its custom labels in one transaction; `update`
/// sets only `body`, `name`, `version`, `status`, `owner` and `modifiedAt`
/// (labels stay as created); `delete` removes the row and its labels. Unlike
/// Helm's driver, `update` of a missing row is [`ReleaseError::NotFound`].
/// Records come back with their custom labels (Helm's `Get` and `Query`).
#[derive(Debug, Clone)]
pub struct SqlReleaseStore {
    db: Database,
    clock: fn() -> i64,
}

impl SqlReleaseStore {
    /// A store over `db`, stamping rows with the Unix time.
    pub fn new(db: Database) -> SqlReleaseStore {
        SqlReleaseStore {
            db,
            clock: unix_now,
        }
    }

    /// A store whose `createdAt`/`modifiedAt` come from `clock` (tests).
    pub fn with_clock(db: Database, clock: fn() -> i64) -> SqlReleaseStore {
        SqlReleaseStore { db, clock }
    }

    /// The custom labels of the releases `filter` selects.
    async fn labels_of(&self, filter: &Where) -> Result<Vec<CustomLabelRow>> {
        let sql = format!(
            "SELECT {LABEL_COLUMNS} FROM custom_labels_v1 WHERE (releaseKey, releaseNamespace) IN \
             (SELECT key, namespace FROM releases_v1{})",
            filter.clause()
        );
        let rows = filter
            .query(sql)
            .fetch_all(self.db.pool())
            .await
            .map_err(db_error)?;
        rows.iter().map(decode_label).collect()
    }

    /// The rows `filter` selects with their custom labels, decoded.
    async fn select(&self, filter: &Where) -> Result<Vec<Release>> {
        let sql = format!(
            "SELECT {RELEASE_COLUMNS} FROM releases_v1{}",
            filter.clause()
        );
        let rows = filter
            .query(sql)
            .fetch_all(self.db.pool())
            .await
            .map_err(db_error)?;
        let rows: Vec<ReleaseRow> = rows.iter().map(decode_release).collect::<Result<_>>()?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let labels = self.labels_of(filter).await?;
        rows.iter().map(|row| row.release(&labels)).collect()
    }
}

/// How many records one listing query fetches (two bound values each).
const LIST_BATCH: usize = 200;

impl SqlReleaseStore {
    /// Every record's key, namespace, name and revision (no bodies).
    async fn heads(&self, namespace: Option<&str>) -> Result<Vec<(String, Head)>> {
        let mut w = Where::default();
        w.eq("owner", Some(OWNER))
            .eq("namespace", namespace.map(namespace_of));
        let sql = format!(
            "SELECT key, namespace, name, CAST(version AS BIGINT) AS version FROM releases_v1{}",
            w.clause()
        );
        let rows = w
            .query(sql)
            .fetch_all(self.db.pool())
            .await
            .map_err(db_error)?;
        rows.iter()
            .map(|row| {
                let get =
                    |e: sqlx::Error| ReleaseError::NotARecord(format!("releases_v1 row: {e}"));
                Ok((
                    row.try_get("key").map_err(get)?,
                    Head {
                        namespace: row.try_get("namespace").map_err(get)?,
                        name: Some(row.try_get("name").map_err(get)?),
                        version: Some(row.try_get("version").map_err(get)?),
                    },
                ))
            })
            .collect()
    }

    /// The rows of the records `keys` names (key, namespace), each with its custom labels.
    async fn fetch(&self, keys: &[(&str, &str)]) -> Result<Fetched> {
        let mut fetched = Fetched::new();
        for batch in keys.chunks(LIST_BATCH) {
            let args: Vec<Arg> = batch
                .iter()
                .flat_map(|(key, ns)| [Arg::Text((*key).to_owned()), Arg::Text((*ns).to_owned())])
                .collect();
            let any = |key: &str, ns: &str| {
                let one = format!("({key} = {{}} AND {ns} = {{}})");
                format!("({})", vec![one; batch.len()].join(" OR "))
            };
            let mut w = Where::default();
            w.condition(&any("key", "namespace"), &args);
            let sql = format!("SELECT {RELEASE_COLUMNS} FROM releases_v1{}", w.clause());
            for row in w
                .query(sql)
                .fetch_all(self.db.pool())
                .await
                .map_err(db_error)?
            {
                let row = decode_release(&row)?;
                fetched.insert((row.key.clone(), row.namespace.clone()), (row, Vec::new()));
            }
            let mut w = Where::default();
            w.condition(&any("releaseKey", "releaseNamespace"), &args);
            let sql = format!("SELECT {LABEL_COLUMNS} FROM custom_labels_v1{}", w.clause());
            for row in w
                .query(sql)
                .fetch_all(self.db.pool())
                .await
                .map_err(db_error)?
            {
                let label = decode_label(&row)?;
                let key = (label.release_key.clone(), label.release_namespace.clone());
                if let Some((_, labels)) = fetched.get_mut(&key) {
                    labels.push(label);
                }
            }
        }
        Ok(fetched)
    }
}

/// Rows fetched for a listing by (key, namespace), with their custom labels.
type Fetched = std::collections::HashMap<(String, String), (ReleaseRow, Vec<CustomLabelRow>)>;

/// The namespace column value of a release namespace (Helm: empty is `default`).
fn namespace_of(namespace: &str) -> &str {
    if namespace.is_empty() {
        DEFAULT_NAMESPACE
    } else {
        namespace
    }
}

fn one_record(namespace: &str, name: &str, version: i64) -> Where {
    let mut w = Where::default();
    w.eq("key", Some(&record_key(name, version)))
        .eq("namespace", Some(namespace_of(namespace)));
    w
}

#[async_trait]
impl ReleaseStore for SqlReleaseStore {
    async fn get(&self, namespace: &str, name: &str, version: i64) -> Result<Release> {
        self.select(&one_record(namespace, name, version))
            .await?
            .pop()
            .ok_or(ReleaseError::NotFound)
    }

    async fn query(&self, query: &Query) -> Result<Vec<Release>> {
        let mut w = Where::default();
        w.eq("owner", Some(OWNER))
            .eq("namespace", query.namespace.as_deref().map(namespace_of))
            .eq("name", query.name.as_deref())
            .eq("status", query.status.as_ref().map(|s| s.as_str()));
        for (key, value) in &query.labels {
            w.condition(
                "EXISTS (SELECT 1 FROM custom_labels_v1 WHERE \
                 custom_labels_v1.releaseKey = releases_v1.key AND \
                 custom_labels_v1.releaseNamespace = releases_v1.namespace AND \
                 custom_labels_v1.key = {} AND custom_labels_v1.value = {})",
                &[Arg::Text(key.clone()), Arg::Text(value.clone())],
            );
        }
        self.select(&w).await
    }

    /// Helm's `List`: the `name` and `version` columns choose what to decode; bodies
    /// are fetched in batches, and a body that does not decode is skipped.
    async fn list(
        &self,
        namespace: Option<&str>,
        revisions: Revisions,
        names: &NameFilter<'_>,
    ) -> Result<Listing> {
        let heads = self.heads(namespace).await?;
        let plan = ListPlan::new(
            &heads.iter().map(|(_, h)| h.clone()).collect::<Vec<_>>(),
            revisions,
            names,
        );
        let mut listing = Listing::default();
        let mut round: Vec<usize> = plan.first().to_vec();
        while !round.is_empty() {
            let keys: Vec<(&str, &str)> = round
                .iter()
                .map(|&i| (heads[i].0.as_str(), heads[i].1.namespace.as_str()))
                .collect();
            let fetched = self.fetch(&keys).await?;
            let mut next = Vec::new();
            for &i in &round {
                let (key, head) = &heads[i];
                let Some((row, labels)) = fetched.get(&(key.clone(), head.namespace.clone()))
                else {
                    continue; // deleted since the heads were read
                };
                match row.release(labels) {
                    Ok(release) => listing.releases.push(release),
                    Err(error) => {
                        listing.skipped.push(Skipped {
                            namespace: head.namespace.clone(),
                            key: key.clone(),
                            error,
                        });
                        next.extend(plan.next_after(i));
                    }
                }
            }
            round = next;
        }
        Ok(listing)
    }

    async fn create(&self, release: &Release) -> Result<()> {
        let (row, labels) = ReleaseRow::new(release, (self.clock)())?;
        let mut tx = self.db.pool().begin().await.map_err(db_error)?;
        let inserted = sqlx::query(
            "INSERT INTO releases_v1 (key, type, body, name, namespace, version, status, owner, \
             createdAt) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (key, namespace) DO NOTHING",
        )
        .bind(&row.key)
        .bind(&row.record_type)
        .bind(&row.body)
        .bind(&row.name)
        .bind(&row.namespace)
        .bind(row.version)
        .bind(&row.status)
        .bind(&row.owner)
        .bind(row.created_at)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        if inserted.rows_affected() == 0 {
            return Err(ReleaseError::Exists);
        }
        for label in &labels {
            sqlx::query(
                "INSERT INTO custom_labels_v1 (releaseKey, releaseNamespace, key, value) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&label.release_key)
            .bind(&label.release_namespace)
            .bind(&label.key)
            .bind(&label.value)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)
    }

    async fn update(&self, release: &Release) -> Result<()> {
        let (row, _) = ReleaseRow::new(release, 0)?;
        let done = sqlx::query(
            "UPDATE releases_v1 SET body = $1, name = $2, version = $3, status = $4, owner = $5, \
             modifiedAt = $6 WHERE key = $7 AND namespace = $8",
        )
        .bind(&row.body)
        .bind(&row.name)
        .bind(row.version)
        .bind(&row.status)
        .bind(&row.owner)
        .bind((self.clock)())
        .bind(&row.key)
        .bind(&row.namespace)
        .execute(self.db.pool())
        .await
        .map_err(db_error)?;
        if done.rows_affected() == 0 {
            return Err(ReleaseError::NotFound);
        }
        Ok(())
    }

    async fn delete(&self, namespace: &str, name: &str, version: i64) -> Result<Release> {
        let key = record_key(name, version);
        let namespace = namespace_of(namespace);
        let mut tx = self.db.pool().begin().await.map_err(db_error)?;
        let sql =
            format!("SELECT {RELEASE_COLUMNS} FROM releases_v1 WHERE key = $1 AND namespace = $2");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&key)
            .bind(namespace)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?
            .ok_or(ReleaseError::NotFound)?;
        let row = decode_release(&row)?;
        let sql = format!(
            "SELECT {LABEL_COLUMNS} FROM custom_labels_v1 WHERE releaseKey = $1 AND releaseNamespace = $2"
        );
        let labels = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(&key)
            .bind(namespace)
            .fetch_all(&mut *tx)
            .await
            .map_err(db_error)?;
        let labels: Vec<CustomLabelRow> = labels.iter().map(decode_label).collect::<Result<_>>()?;
        let release = row.release(&labels)?;
        sqlx::query("DELETE FROM releases_v1 WHERE key = $1 AND namespace = $2")
            .bind(&key)
            .bind(namespace)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        sqlx::query("DELETE FROM custom_labels_v1 WHERE releaseKey = $1 AND releaseNamespace = $2")
            .bind(&key)
            .bind(namespace)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        Ok(release)
    }
}

/// A database failure as the release crate's storage error (the server error inside
/// keeps its UNAVAILABLE/INTERNAL classification).
fn db_error(err: sqlx::Error) -> ReleaseError {
    ReleaseError::Storage(Box::new(Error::from_db(err)))
}

fn decode_release(row: &AnyRow) -> Result<ReleaseRow> {
    let get = |e: sqlx::Error| ReleaseError::NotARecord(format!("releases_v1 row: {e}"));
    Ok(ReleaseRow {
        key: row.try_get("key").map_err(get)?,
        record_type: row.try_get("type").map_err(get)?,
        body: row.try_get("body").map_err(get)?,
        name: row.try_get("name").map_err(get)?,
        namespace: row.try_get("namespace").map_err(get)?,
        version: row.try_get("version").map_err(get)?,
        status: row.try_get("status").map_err(get)?,
        owner: row.try_get("owner").map_err(get)?,
        created_at: row.try_get("created_at").map_err(get)?,
        modified_at: row.try_get("modified_at").map_err(get)?,
    })
}

fn decode_label(row: &AnyRow) -> Result<CustomLabelRow> {
    let get = |e: sqlx::Error| ReleaseError::NotARecord(format!("custom_labels_v1 row: {e}"));
    Ok(CustomLabelRow {
        release_key: row.try_get("release_key").map_err(get)?,
        release_namespace: row.try_get("release_namespace").map_err(get)?,
        key: row.try_get("key").map_err(get)?,
        value: row.try_get("value").map_err(get)?,
    })
}

/// Seconds since the Unix epoch (Helm's `time.Now().Unix()`).
pub fn unix_now() -> i64 {
    super::now_us() / 1_000_000
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use helmd_release::{Info, Status};

    use super::*;
    use crate::storage::ConnectOptions;

    async fn store() -> (tempfile::TempDir, SqlReleaseStore) {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("h.db").display());
        let options = ConnectOptions {
            max_connections: 2,
            connect_timeout: std::time::Duration::from_secs(5),
            acquire_timeout: std::time::Duration::from_secs(5),
        };
        let db = Database::connect(&url, &options).await.expect("connect");
        db.migrate().await.expect("migrate");
        (dir, SqlReleaseStore::with_clock(db, || 1_700_000_000))
    }

    fn release(name: &str, namespace: &str, version: i64, status: Status) -> Release {
        Release {
            name: name.into(),
            namespace: namespace.into(),
            version,
            info: Some(Info {
                status,
                description: format!("revision {version}"),
                ..Info::default()
            }),
            manifest: "kind: ConfigMap\n".into(),
            ..Release::default()
        }
    }

    #[tokio::test]
    async fn sql_records_round_trip_with_their_custom_labels() {
        let (_dir, store) = store().await;
        let mut r1 = release("web", "apps", 1, Status::Deployed);
        r1.labels = BTreeMap::from([("team".into(), "blue".into())]);
        store.create(&r1).await.expect("create");
        let got = store.get("apps", "web", 1).await.expect("get");
        assert_eq!(got, r1);
        assert!(matches!(store.create(&r1).await, Err(ReleaseError::Exists)));

        let mut r2 = release("web", "apps", 2, Status::Deployed);
        r2.labels = BTreeMap::from([("team".into(), "red".into())]);
        store.create(&r2).await.expect("create 2");
        let mut superseded = r1.clone();
        if let Some(info) = superseded.info.as_mut() {
            info.status = Status::Superseded;
        }
        store.update(&superseded).await.expect("update");

        let history = store.history("apps", "web").await.expect("history");
        assert_eq!(history.len(), 2);
        assert_eq!(history[0], superseded);
        assert_eq!(store.last("apps", "web").await.expect("last"), r2);
        assert_eq!(
            store.deployed("apps", "web").await.expect("deployed"),
            Some(r2.clone())
        );

        let blue = store
            .query(&Query {
                labels: BTreeMap::from([("team".into(), "blue".into())]),
                ..Query::default()
            })
            .await
            .expect("query");
        assert_eq!(blue, [superseded.clone()]);

        let deleted = store.delete("apps", "web", 1).await.expect("delete");
        assert_eq!(deleted, superseded);
        assert!(matches!(
            store.get("apps", "web", 1).await,
            Err(ReleaseError::NotFound)
        ));
        assert!(matches!(
            store.update(&superseded).await,
            Err(ReleaseError::NotFound)
        ));
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM custom_labels_v1")
            .fetch_one(store.db.pool())
            .await
            .expect("count");
        assert_eq!(rows, 1, "the deleted revision's labels go with it");
    }

    #[tokio::test]
    async fn a_release_without_namespace_is_stored_under_default() {
        let (_dir, store) = store().await;
        store
            .create(&release("bare", "", 1, Status::Deployed))
            .await
            .expect("create");
        let got = store.get("default", "bare", 1).await.expect("get");
        assert_eq!(got.name, "bare");
        let namespace: String = sqlx::query_scalar("SELECT namespace FROM releases_v1")
            .fetch_one(store.db.pool())
            .await
            .expect("namespace");
        assert_eq!(namespace, "default");
    }

    #[tokio::test]
    async fn updates_touch_the_body_and_modified_at_but_not_created_at() {
        let (_dir, store) = store().await;
        let r = release("web", "apps", 1, Status::PendingInstall);
        store.create(&r).await.expect("create");
        let later = SqlReleaseStore::with_clock(store.db.clone(), || 1_800_000_000);
        let mut done = r.clone();
        done.labels = BTreeMap::from([("ignored".into(), "on-update".into())]);
        if let Some(info) = done.info.as_mut() {
            info.status = Status::Deployed;
        }
        later.update(&done).await.expect("update");
        let row = sqlx::query(
            "SELECT status, CAST(createdAt AS BIGINT) AS c, CAST(modifiedAt AS BIGINT) AS m \
             FROM releases_v1",
        )
        .fetch_one(store.db.pool())
        .await
        .expect("row");
        let status: String = row.get("status");
        let (c, m): (i64, i64) = (row.get("c"), row.get("m"));
        assert_eq!(
            (status.as_str(), c, m),
            ("deployed", 1_700_000_000, 1_800_000_000)
        );
        let got = store.get("apps", "web", 1).await.expect("get");
        assert!(
            got.labels.is_empty(),
            "labels stay as created: {:?}",
            got.labels
        );
    }

    #[tokio::test]
    async fn listing_skips_bodies_that_do_not_decode_and_falls_back_to_the_previous_revision() {
        let (_dir, store) = store().await;
        for (name, ns, version, status) in [
            ("web", "apps", 1, Status::Superseded),
            ("web", "apps", 2, Status::Deployed),
            ("web", "other", 1, Status::Deployed),
            ("db", "apps", 1, Status::Failed),
        ] {
            let mut r = release(name, ns, version, status);
            r.labels = BTreeMap::from([("team".into(), format!("{name}-{version}"))]);
            store.create(&r).await.expect("create");
        }
        sqlx::query("UPDATE releases_v1 SET body = 'not base64!' WHERE key = $1")
            .bind("sh.helm.release.v1.web.v2")
            .execute(store.db.pool())
            .await
            .expect("corrupt");
        let all = |_: &str| true;
        let mut latest = store
            .list(None, Revisions::Latest, &all)
            .await
            .expect("list");
        latest
            .releases
            .sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        let got: Vec<(&str, &str, i64, Option<&String>)> = latest
            .releases
            .iter()
            .map(|r| {
                (
                    r.namespace.as_str(),
                    r.name.as_str(),
                    r.version,
                    r.labels.get("team"),
                )
            })
            .collect();
        let (db, web1, other) = ("db-1".to_owned(), "web-1".to_owned(), "web-1".to_owned());
        assert_eq!(
            got,
            [
                ("apps", "db", 1, Some(&db)),
                ("apps", "web", 1, Some(&web1)),
                ("other", "web", 1, Some(&other)),
            ]
        );
        let skipped: Vec<&str> = latest.skipped.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(skipped, ["sh.helm.release.v1.web.v2"]);

        let only_web = |name: &str| name == "web";
        let every = store
            .list(Some("apps"), Revisions::All, &only_web)
            .await
            .expect("list all");
        let mut versions: Vec<i64> = every.releases.iter().map(|r| r.version).collect();
        versions.sort_unstable();
        assert_eq!(versions, [1]);
        assert_eq!(every.skipped.len(), 1);
    }

    #[tokio::test]
    async fn a_corrupt_body_is_reported_as_such() {
        let (_dir, store) = store().await;
        store
            .create(&release("web", "apps", 1, Status::Deployed))
            .await
            .expect("create");
        sqlx::query("UPDATE releases_v1 SET body = 'not base64!'")
            .execute(store.db.pool())
            .await
            .expect("corrupt");
        assert!(matches!(
            store.get("apps", "web", 1).await,
            Err(ReleaseError::Base64(_))
        ));
    }
}
