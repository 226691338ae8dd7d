//! Listing releases as Helm's `List` reads them: which records to decode (a plan made
//! from what a store knows without decoding: names and revisions from labels or
//! columns), and the records skipped because they do not decode.
//!
//! Helm's drivers log and skip a record whose body does not decode, so one corrupt
//! record never fails `helm list`; a [`Listing`] carries those records beside the
//! releases so the caller can report them.

use std::collections::HashMap;

use crate::error::Error;
use crate::model::Release;

/// A predicate on release names, applied before a record is decoded (`helm list --filter`).
pub type NameFilter<'a> = dyn Fn(&str) -> bool + Send + Sync + 'a;

/// Which revisions a listing needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Revisions {
    /// Every revision (`helm list --superseded`).
    All,
    /// Each release's highest revision that decodes (what `helm list` keeps of
    /// Helm's `List`); a store need not decode the others.
    Latest,
}

/// A record a listing skipped because it does not decode.
#[derive(Debug)]
pub struct Skipped {
    /// The namespace it is stored in.
    pub namespace: String,
    /// Its key (`sh.helm.release.v1.<name>.v<revision>`).
    pub key: String,
    /// Why it does not decode.
    pub error: Error,
}

/// What a listing read: the decoded releases and the skipped records.
#[derive(Debug, Default)]
pub struct Listing {
    /// The decoded records, labelled as the store's `query` labels them.
    pub releases: Vec<Release>,
    /// The records that did not decode.
    pub skipped: Vec<Skipped>,
}

impl Listing {
    /// Adds another listing's releases and skipped records to this one.
    pub fn extend(&mut self, other: Listing) {
        self.releases.extend(other.releases);
        self.skipped.extend(other.skipped);
    }
}

/// What a store knows about a record before decoding it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The namespace it is stored in.
    pub namespace: String,
    /// The release name (Helm's `name` label or column); `None` when unknown.
    pub name: Option<String>,
    /// The revision (Helm's `version` label or column); `None` when unknown.
    pub version: Option<i64>,
}

/// Which records of a listing to decode, and in which order to fall back when one
/// does not decode. Records whose name or revision is unknown are always decoded.
#[derive(Debug)]
pub struct ListPlan {
    /// Records to decode in the first round.
    first: Vec<usize>,
    /// For [`Revisions::Latest`]: a record's next lower revision of the same release.
    fallback: HashMap<usize, usize>,
}

impl ListPlan {
    /// Plans a listing of `heads` (indices into the store's own records).
    pub fn new(heads: &[Head], revisions: Revisions, names: &NameFilter<'_>) -> ListPlan {
        let mut first = Vec::new();
        let mut fallback = HashMap::new();
        let mut groups: HashMap<(&str, &str), Vec<(i64, usize)>> = HashMap::new();
        for (index, head) in heads.iter().enumerate() {
            match (&head.name, head.version) {
                (Some(name), _) if !names(name) => {}
                (Some(name), Some(version)) if revisions == Revisions::Latest => groups
                    .entry((head.namespace.as_str(), name.as_str()))
                    .or_default()
                    .push((version, index)),
                _ => first.push(index),
            }
        }
        for mut group in groups.into_values() {
            group.sort_unstable_by(|a, b| b.cmp(a));
            first.push(group[0].1);
            for pair in group.windows(2) {
                fallback.insert(pair[0].1, pair[1].1);
            }
        }
        first.sort_unstable();
        ListPlan { first, fallback }
    }

    /// The records to decode first.
    pub fn first(&self) -> &[usize] {
        &self.first
    }

    /// The record to decode in place of `index`, which did not decode: its release's
    /// next lower revision (Helm's latest is the highest revision that decodes).
    pub fn next_after(&self, index: usize) -> Option<usize> {
        self.fallback.get(&index).copied()
    }

    /// Decodes the planned records with `decode` (synchronous stores): every failure
    /// is skipped, with `key` naming the record, and its fallback decoded instead.
    pub fn run(
        &self,
        mut decode: impl FnMut(usize) -> Result<Release, Error>,
        key: impl Fn(usize) -> (String, String),
    ) -> Listing {
        let mut listing = Listing::default();
        let mut queue: Vec<usize> = self.first.iter().rev().copied().collect();
        while let Some(index) = queue.pop() {
            match decode(index) {
                Ok(release) => listing.releases.push(release),
                Err(error) => {
                    let (namespace, key) = key(index);
                    listing.skipped.push(Skipped {
                        namespace,
                        key,
                        error,
                    });
                    queue.extend(self.next_after(index));
                }
            }
        }
        listing
    }
}

/// Helm's `filterLatestReleases`: the highest revision of each release (by namespace
/// and name), in no particular order.
pub fn latest_revisions(releases: Vec<Release>) -> Vec<Release> {
    let mut latest: HashMap<(String, String), Release> = HashMap::new();
    for release in releases {
        let key = (release.namespace.clone(), release.name.clone());
        match latest.get(&key) {
            Some(kept) if kept.version > release.version => {}
            _ => {
                latest.insert(key, release);
            }
        }
    }
    latest.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(ns: &str, name: &str, version: i64) -> Head {
        Head {
            namespace: ns.into(),
            name: Some(name.into()),
            version: Some(version),
        }
    }

    fn release(ns: &str, name: &str, version: i64) -> Release {
        Release {
            namespace: ns.into(),
            name: name.into(),
            version,
            ..Release::default()
        }
    }

    #[test]
    fn latest_plans_decode_each_releases_highest_revision_and_fall_back_in_order() {
        let heads = [
            head("a", "web", 1),
            head("a", "web", 3),
            head("a", "web", 2),
            head("b", "web", 1),
            Head {
                namespace: "a".into(),
                name: None,
                version: None,
            },
            head("a", "skip", 9),
        ];
        let plan = ListPlan::new(&heads, Revisions::Latest, &|n: &str| n != "skip");
        assert_eq!(plan.first(), [1, 3, 4]);
        assert_eq!(plan.next_after(1), Some(2));
        assert_eq!(plan.next_after(2), Some(0));
        assert_eq!(plan.next_after(0), None);

        let listing = plan.run(
            |i| {
                if i == 1 || i == 4 {
                    Err(Error::NotARecord(format!("record {i}")))
                } else {
                    Ok(release(
                        &heads[i].namespace,
                        "web",
                        heads[i].version.unwrap_or(0),
                    ))
                }
            },
            |i| (heads[i].namespace.clone(), format!("key{i}")),
        );
        let mut got: Vec<(String, i64)> = listing
            .releases
            .iter()
            .map(|r| (r.namespace.clone(), r.version))
            .collect();
        got.sort();
        assert_eq!(got, [("a".to_owned(), 2), ("b".to_owned(), 1)]);
        let skipped: Vec<&str> = listing.skipped.iter().map(|s| s.key.as_str()).collect();
        assert_eq!(skipped, ["key1", "key4"]);
    }

    #[test]
    fn all_plans_decode_every_admitted_record() {
        let heads = [head("a", "web", 1), head("a", "web", 2), head("a", "db", 1)];
        let plan = ListPlan::new(&heads, Revisions::All, &|n: &str| n == "web");
        assert_eq!(plan.first(), [0, 1]);
        assert_eq!(plan.next_after(1), None);
    }

    #[test]
    fn latest_revisions_keep_the_highest_of_each_release() {
        let mut kept = latest_revisions(vec![
            release("a", "web", 1),
            release("a", "web", 4),
            release("b", "web", 2),
            release("a", "web", 3),
        ]);
        kept.sort_by(|x, y| x.namespace.cmp(&y.namespace));
        let got: Vec<(&str, i64)> = kept
            .iter()
            .map(|r| (r.namespace.as_str(), r.version))
            .collect();
        assert_eq!(got, [("a", 4), ("b", 2)]);
    }
}
