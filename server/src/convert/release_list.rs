//! ListReleases' request checked into a [`ListSpec`] (namespaces, statuses, name and
//! label filters, order, page) and its page tokens: keyset positions in the sort order,
//! bound to the request's other fields so a changed request is refused, not misread.

use std::cmp::Ordering;
use std::collections::BTreeSet;

use helmd_proto::v1 as pb;
use helmd_release::{Release, Status};
use regex::Regex;

use super::label_selector::LabelSelector;
use super::page;
use crate::error::{Error, FieldViolation, Result};

/// The list name in page tokens.
const LIST: &str = "releases";
/// The longest `name_filter` accepted.
const MAX_FILTER_LEN: usize = 1024;
/// The compiled size a `name_filter` may take.
const MAX_FILTER_PROGRAM: usize = 1 << 20;

/// How releases are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// By name, then namespace (`helm list`).
    Name,
    /// By the last deploy time at Helm's one-second resolution, then namespace and
    /// name (`helm list --date`).
    LastDeployTime,
}

/// A release's place in the order: compared field by field; the revision last, so
/// superseded revisions of one release have distinct places.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SortKey {
    seconds: i64,
    first: String,
    second: String,
    revision: i64,
}

/// Go's zero time in Unix seconds: what Helm sorts a release without a deploy time as.
const GO_ZERO_TIME_UNIX: i64 = -62_135_596_800;

impl SortKey {
    /// The key of `release` in `order`.
    pub fn of(release: &Release, order: Order) -> SortKey {
        let (namespace, name) = (release.namespace.clone(), release.name.clone());
        match order {
            Order::Name => SortKey {
                seconds: 0,
                first: name,
                second: namespace,
                revision: release.version,
            },
            Order::LastDeployTime => SortKey {
                seconds: release
                    .info
                    .as_ref()
                    .and_then(|i| i.last_deployed)
                    .map_or(GO_ZERO_TIME_UNIX, |t| t.unix_timestamp()),
                first: namespace,
                second: name,
                revision: release.version,
            },
        }
    }
}

/// A checked ListReleases request.
#[derive(Debug)]
pub struct ListSpec {
    /// The namespaces to read, without repeats; empty means every namespace.
    pub namespaces: Vec<String>,
    /// The statuses a latest revision may have.
    pub statuses: BTreeSet<i32>,
    /// Only RELEASE_STATUS_SUPERSEDED was asked for: every superseded revision is listed.
    pub superseded_only: bool,
    /// `name_filter`, compiled.
    pub name_filter: Option<Regex>,
    /// `label_selector`, parsed.
    pub selector: LabelSelector,
    /// The order.
    pub order: Order,
    /// Whether the order is reversed.
    pub descending: bool,
    /// Whether each release is returned in the full view.
    pub full: bool,
    /// The page size.
    pub page_size: usize,
    /// Where the previous page ended.
    pub after: Option<SortKey>,
    /// The request's fields other than the page's, digested.
    fingerprint: String,
}

impl ListSpec {
    /// Checks `req`; every invalid field is reported at once.
    pub fn from_request(req: &pb::ListReleasesRequest) -> Result<ListSpec> {
        let mut violations = Vec::new();
        let mut bad = |field: &str, description: String| {
            violations.push(FieldViolation {
                field: field.to_owned(),
                description,
            })
        };
        let mut namespaces: Vec<String> = Vec::new();
        for namespace in &req.namespaces {
            if !is_dns_label(namespace) {
                bad(
                    "namespaces",
                    format!("{namespace:?} is not a namespace name (a DNS-1123 label)"),
                );
            } else if !namespaces.contains(namespace) {
                namespaces.push(namespace.clone());
            }
        }
        let mut statuses = BTreeSet::new();
        for &status in &req.statuses {
            match pb::ReleaseStatus::try_from(status) {
                Ok(pb::ReleaseStatus::Unspecified) | Err(_) => {
                    bad("statuses", format!("{status} is not a release status"))
                }
                Ok(s) => {
                    statuses.insert(s as i32);
                }
            }
        }
        let superseded_only =
            statuses.len() == 1 && statuses.contains(&(pb::ReleaseStatus::Superseded as i32));
        if statuses.is_empty() {
            statuses.insert(pb::ReleaseStatus::Deployed as i32);
            statuses.insert(pb::ReleaseStatus::Failed as i32);
        }
        let name_filter = match compile_filter(&req.name_filter) {
            Ok(filter) => filter,
            Err(e) => {
                bad("name_filter", e);
                None
            }
        };
        let selector = LabelSelector::parse(&req.label_selector).unwrap_or_else(|e| {
            bad("label_selector", e);
            LabelSelector::default()
        });
        let order = match pb::ReleaseOrderBy::try_from(req.order_by) {
            Ok(pb::ReleaseOrderBy::Unspecified | pb::ReleaseOrderBy::Name) => Order::Name,
            Ok(pb::ReleaseOrderBy::LastDeployTime) => Order::LastDeployTime,
            Err(_) => {
                bad(
                    "order_by",
                    format!("{} is not a release order", req.order_by),
                );
                Order::Name
            }
        };
        if !violations.is_empty() {
            return Err(Error::InvalidArgument(violations));
        }
        let page_size = page::page_size(req.page_size)?;
        let fingerprint = fingerprint(req);
        let after = decode_token(&req.page_token, &fingerprint)?;
        Ok(ListSpec {
            namespaces,
            statuses,
            superseded_only,
            name_filter,
            selector,
            order,
            descending: req.descending,
            full: req.view() == pb::ReleaseView::Full,
            page_size,
            after,
            fingerprint,
        })
    }

    /// Whether the release's name passes `name_filter`.
    pub fn admits_name(&self, name: &str) -> bool {
        self.name_filter.as_ref().is_none_or(|re| re.is_match(name))
    }

    /// Whether a (latest) revision passes the status and label filters.
    pub fn admits(&self, release: &Release) -> bool {
        let status = release
            .info
            .as_ref()
            .map_or(pb::ReleaseStatus::Unknown, |i| status(&i.status));
        self.statuses.contains(&(status as i32))
            && self
                .selector
                .matches(&helmd_release::custom_labels(&release.labels))
    }

    /// How two releases compare in the requested order (descending included).
    pub fn compare(&self, a: &SortKey, b: &SortKey) -> Ordering {
        if self.descending { b.cmp(a) } else { a.cmp(b) }
    }

    /// The token of the page after the one ending at `last`.
    pub fn token_after(&self, last: &SortKey) -> String {
        page::encode(
            LIST,
            last.seconds,
            &format!(
                "{}\n{}\n{}\n{}",
                self.fingerprint, last.revision, last.first, last.second
            ),
        )
    }
}

/// A stored status as the API's enum; Helm's statuses it does not know are UNKNOWN,
/// as Helm's list counts them.
pub fn status(status: &Status) -> pb::ReleaseStatus {
    let name = format!(
        "RELEASE_STATUS_{}",
        status.as_str().to_uppercase().replace('-', "_")
    );
    match pb::ReleaseStatus::from_str_name(&name) {
        Some(pb::ReleaseStatus::Unspecified) | None => pb::ReleaseStatus::Unknown,
        Some(s) => s,
    }
}

/// `name_filter` compiled (Go's RE2 syntax is the regex crate's, unanchored).
fn compile_filter(text: &str) -> std::result::Result<Option<Regex>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() > MAX_FILTER_LEN {
        return Err(format!("longer than {MAX_FILTER_LEN} bytes"));
    }
    regex::RegexBuilder::new(text)
        .size_limit(MAX_FILTER_PROGRAM)
        .build()
        .map(Some)
        .map_err(|e| format!("not a regular expression: {e}"))
}

/// A namespace name: a DNS-1123 label.
fn is_dns_label(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// A digest of every request field but the page's: tokens are only valid for it.
fn fingerprint(req: &pb::ListReleasesRequest) -> String {
    let statuses: Vec<String> = req.statuses.iter().map(i32::to_string).collect();
    let text = format!(
        "{}\u{0}{}\u{0}{}\u{0}{}\u{0}{}\u{0}{}\u{0}{}",
        req.namespaces.join(","),
        statuses.join(","),
        req.name_filter,
        req.label_selector,
        req.order_by,
        req.descending,
        req.view,
    );
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    hex::encode(&digest.as_ref()[..8])
}

/// The position a page token holds, checked against the request's fingerprint.
fn decode_token(token: &str, fingerprint: &str) -> Result<Option<SortKey>> {
    let Some((seconds, id)) = page::decode(LIST, token)? else {
        return Ok(None);
    };
    let malformed = || Error::invalid("page_token", "malformed");
    let mut parts = id.splitn(4, '\n');
    let (Some(fp), Some(revision), Some(first), Some(second)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed());
    };
    if fp != fingerprint {
        return Err(Error::invalid(
            "page_token",
            "the request changed while paging: send the fields of the first request unchanged",
        ));
    }
    Ok(Some(SortKey {
        seconds,
        first: first.to_owned(),
        second: second.to_owned(),
        revision: revision.parse().map_err(|_| malformed())?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> pb::ListReleasesRequest {
        pb::ListReleasesRequest {
            namespaces: vec!["apps".into(), "apps".into(), "web".into()],
            name_filter: "we".into(),
            label_selector: "team=blue".into(),
            ..Default::default()
        }
    }

    fn fields(err: Error) -> Vec<String> {
        match err {
            Error::InvalidArgument(v) => v.into_iter().map(|f| f.field).collect(),
            other => panic!("not invalid argument: {other:?}"),
        }
    }

    #[test]
    fn requests_default_to_deployed_and_failed_by_name() {
        let spec = ListSpec::from_request(&request()).expect("valid");
        assert_eq!(spec.namespaces, ["apps", "web"]);
        assert_eq!(
            spec.statuses,
            BTreeSet::from([
                pb::ReleaseStatus::Deployed as i32,
                pb::ReleaseStatus::Failed as i32
            ])
        );
        assert!(!spec.superseded_only);
        assert_eq!(spec.order, Order::Name);
        assert!(spec.admits_name("web") && spec.admits_name("new-web") && !spec.admits_name("db"));
        let only = pb::ListReleasesRequest {
            statuses: vec![pb::ReleaseStatus::Superseded as i32],
            ..Default::default()
        };
        assert!(
            ListSpec::from_request(&only)
                .expect("valid")
                .superseded_only
        );
    }

    #[test]
    fn every_invalid_field_is_named() {
        let req = pb::ListReleasesRequest {
            namespaces: vec!["Bad_NS".into()],
            statuses: vec![0, 42],
            name_filter: "a(".into(),
            label_selector: "team=,=".into(),
            order_by: 9,
            ..Default::default()
        };
        let err = ListSpec::from_request(&req).expect_err("invalid");
        assert_eq!(
            fields(err),
            [
                "namespaces",
                "statuses",
                "statuses",
                "name_filter",
                "label_selector",
                "order_by"
            ]
        );
    }

    #[test]
    fn page_tokens_hold_the_position_and_refuse_a_changed_request() {
        let spec = ListSpec::from_request(&request()).expect("valid");
        let release = Release {
            name: "web".into(),
            namespace: "apps".into(),
            version: 3,
            ..Release::default()
        };
        let key = SortKey::of(&release, Order::Name);
        let token = spec.token_after(&key);
        let next = ListSpec::from_request(&pb::ListReleasesRequest {
            page_token: token.clone(),
            page_size: 7,
            ..request()
        })
        .expect("same request, next page");
        assert_eq!(next.after, Some(key));
        let changed = ListSpec::from_request(&pb::ListReleasesRequest {
            page_token: token,
            descending: true,
            ..request()
        })
        .expect_err("changed request");
        assert_eq!(fields(changed), ["page_token"]);
    }

    #[test]
    fn dates_sort_at_helms_one_second_resolution_then_namespace_and_name() {
        let at = |ns: &str, name: &str, nanos: i64| Release {
            name: name.into(),
            namespace: ns.into(),
            version: 1,
            info: Some(helmd_release::Info {
                last_deployed: Some(
                    time::OffsetDateTime::from_unix_timestamp_nanos(
                        1_700_000_000_000_000_000 + i128::from(nanos),
                    )
                    .expect("time"),
                ),
                ..helmd_release::Info::default()
            }),
            ..Release::default()
        };
        let late_a = SortKey::of(&at("x", "a", 900_000_000), Order::LastDeployTime);
        let early_b = SortKey::of(&at("x", "b", 100), Order::LastDeployTime);
        assert!(late_a < early_b, "same second: by name");
        let never = SortKey::of(&Release::default(), Order::LastDeployTime);
        assert!(never < early_b);
    }

    #[test]
    fn unknown_statuses_count_as_unknown() {
        assert_eq!(status(&Status::Deployed), pb::ReleaseStatus::Deployed);
        assert_eq!(
            status(&Status::PendingRollback),
            pb::ReleaseStatus::PendingRollback
        );
        assert_eq!(
            status(&Status::Other("weird".into())),
            pb::ReleaseStatus::Unknown
        );
        assert_eq!(status(&Status::default()), pb::ReleaseStatus::Unknown);
    }
}
