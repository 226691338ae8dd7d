//! ListReleases: Helm's `helm list` over the release store. Helm's order of steps:
//! read the records whose name passes `name_filter` (a record that does not decode is
//! skipped and logged, as Helm's drivers do), keep each release's latest revision
//! (highest revision number; every revision when only SUPERSEDED is asked for), keep
//! those whose status and custom labels pass, sort, then cut one page after the page
//! token's position.

use helmd_proto::v1::{ListReleasesRequest, ListReleasesResponse};
use helmd_release::{Listing, Release, Revisions, Skipped, latest_revisions};

use crate::app::AppState;
use crate::convert::release as conv;
use crate::convert::release_list::{ListSpec, SortKey};
use crate::error::Result;

/// How many skipped records one log line names.
const LOGGED_SKIPS: usize = 10;

/// Serves one ListReleases request.
pub async fn list(state: &AppState, req: ListReleasesRequest) -> Result<ListReleasesResponse> {
    let spec = ListSpec::from_request(&req)?;
    let revisions = if spec.superseded_only {
        Revisions::All
    } else {
        Revisions::Latest
    };
    let names = |name: &str| spec.admits_name(name);
    let store = &state.releases.store;
    let mut listing = Listing::default();
    if spec.namespaces.is_empty() {
        listing = store.list(None, revisions, &names).await?;
    } else {
        for namespace in &spec.namespaces {
            listing.extend(store.list(Some(namespace), revisions, &names).await?);
        }
    }
    log_skipped(&listing.skipped);
    let (page, next) = select(listing.releases, &spec);
    Ok(ListReleasesResponse {
        releases: page
            .iter()
            .map(|r| conv::release(r, spec.full))
            .collect::<Result<_>>()?,
        next_page_token: next.map(|key| spec.token_after(&key)).unwrap_or_default(),
    })
}

/// The page `spec` asks for among `releases` (every record the store listed), and the
/// position to continue after when more follow.
fn select(releases: Vec<Release>, spec: &ListSpec) -> (Vec<Release>, Option<SortKey>) {
    let named = releases.into_iter().filter(|r| spec.admits_name(&r.name));
    let latest = if spec.superseded_only {
        named.collect()
    } else {
        latest_revisions(named.collect())
    };
    let mut kept: Vec<(SortKey, Release)> = latest
        .into_iter()
        .filter(|r| spec.admits(r))
        .map(|r| (SortKey::of(&r, spec.order), r))
        .filter(|(key, _)| {
            spec.after
                .as_ref()
                .is_none_or(|after| spec.compare(key, after).is_gt())
        })
        .collect();
    kept.sort_by(|a, b| spec.compare(&a.0, &b.0));
    let more = kept.len() > spec.page_size;
    kept.truncate(spec.page_size);
    let next = if more {
        kept.last().map(|(key, _)| key.clone())
    } else {
        None
    };
    (kept.into_iter().map(|(_, r)| r).collect(), next)
}

/// One warning per listing that skipped records, naming the first few.
fn log_skipped(skipped: &[Skipped]) {
    let Some(first) = skipped.first() else {
        return;
    };
    let records: Vec<String> = skipped
        .iter()
        .take(LOGGED_SKIPS)
        .map(|s| format!("{}/{}", s.namespace, s.key))
        .collect();
    tracing::warn!(
        skipped = skipped.len(),
        records = %records.join(", "),
        error = %first.error,
        "ListReleases skipped release records that do not decode"
    );
}

#[cfg(test)]
mod tests {
    use helmd_proto::v1 as pb;
    use helmd_release::{Info, Status};

    use super::*;

    fn release(ns: &str, name: &str, version: i64, status: Status, at: i64) -> Release {
        Release {
            name: name.into(),
            namespace: ns.into(),
            version,
            info: Some(Info {
                status,
                last_deployed: Some(
                    time::OffsetDateTime::from_unix_timestamp(1_700_000_000 + at).expect("time"),
                ),
                ..Info::default()
            }),
            labels: [("team".to_owned(), format!("t{}", at % 2))].into(),
            ..Release::default()
        }
    }

    fn records() -> Vec<Release> {
        vec![
            release("a", "web", 1, Status::Superseded, 1),
            release("a", "web", 2, Status::Deployed, 5),
            release("a", "db", 1, Status::Failed, 3),
            release("b", "web", 1, Status::Deployed, 2),
            release("b", "cache", 1, Status::Superseded, 0),
            release("b", "cache", 2, Status::Uninstalled, 4),
            release("b", "old", 1, Status::Superseded, 6),
            release("b", "old", 2, Status::Superseded, 7),
        ]
    }

    /// The one place the selection is called: every page of `req`, as (ns, name, rev).
    fn check(req: pb::ListReleasesRequest, expected: &[(&str, &str, i64)]) {
        let mut got = Vec::new();
        let mut token = String::new();
        loop {
            let spec = ListSpec::from_request(&pb::ListReleasesRequest {
                page_token: token.clone(),
                ..req.clone()
            })
            .expect("valid request");
            let (page, next) = select(records(), &spec);
            assert!(page.len() <= spec.page_size);
            got.extend(page.into_iter().map(|r| (r.namespace, r.name, r.version)));
            match next {
                Some(key) => token = spec.token_after(&key),
                None => break,
            }
        }
        let expected: Vec<(String, String, i64)> = expected
            .iter()
            .map(|(ns, n, v)| ((*ns).to_owned(), (*n).to_owned(), *v))
            .collect();
        assert_eq!(got, expected, "{req:?}");
    }

    fn statuses(list: &[pb::ReleaseStatus]) -> Vec<i32> {
        list.iter().map(|s| *s as i32).collect()
    }

    #[test]
    fn latest_deployed_and_failed_revisions_are_listed_by_name_then_namespace() {
        check(
            pb::ListReleasesRequest::default(),
            &[("a", "db", 1), ("a", "web", 2), ("b", "web", 1)],
        );
        check(
            pb::ListReleasesRequest {
                page_size: 1,
                descending: true,
                ..Default::default()
            },
            &[("b", "web", 1), ("a", "web", 2), ("a", "db", 1)],
        );
    }

    #[test]
    fn statuses_filter_the_latest_revision_and_superseded_alone_lists_every_superseded_one() {
        check(
            pb::ListReleasesRequest {
                statuses: statuses(&[
                    pb::ReleaseStatus::Uninstalled,
                    pb::ReleaseStatus::Superseded,
                ]),
                ..Default::default()
            },
            &[("b", "cache", 2), ("b", "old", 2)],
        );
        check(
            pb::ListReleasesRequest {
                statuses: statuses(&[pb::ReleaseStatus::Superseded]),
                page_size: 2,
                ..Default::default()
            },
            &[
                ("b", "cache", 1),
                ("b", "old", 1),
                ("b", "old", 2),
                ("a", "web", 1),
            ],
        );
    }

    #[test]
    fn name_filters_label_selectors_and_namespaces_narrow_the_list() {
        check(
            pb::ListReleasesRequest {
                name_filter: "[eo]".into(),
                label_selector: "team=t1".into(),
                statuses: statuses(&[
                    pb::ReleaseStatus::Deployed,
                    pb::ReleaseStatus::Superseded,
                    pb::ReleaseStatus::Failed,
                ]),
                ..Default::default()
            },
            &[("b", "old", 2), ("a", "web", 2)],
        );
    }

    #[test]
    fn date_order_is_oldest_first_and_pages_keep_their_place() {
        check(
            pb::ListReleasesRequest {
                order_by: pb::ReleaseOrderBy::LastDeployTime as i32,
                page_size: 1,
                ..Default::default()
            },
            &[("b", "web", 1), ("a", "db", 1), ("a", "web", 2)],
        );
        check(
            pb::ListReleasesRequest {
                order_by: pb::ReleaseOrderBy::LastDeployTime as i32,
                descending: true,
                page_size: 2,
                ..Default::default()
            },
            &[("a", "web", 2), ("a", "db", 1), ("b", "web", 1)],
        );
    }
}
