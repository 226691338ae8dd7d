//! Helm's max-history rule: which revisions `removeLeastRecent` deletes before a new one is stored.

use crate::model::Status;

/// The revisions Helm prunes, in deletion order (oldest first), before storing
/// one more revision of a release whose history is `history` (revision, status)
/// under `--history-max` = `max_history`.
///
/// Helm's storage calls `removeLeastRecent(name, max_history - 1)` when
/// `max_history > 0` (0 or less: no limit): oldest first, it deletes revisions
/// until `max_history - 1` remain, never the last deployed one (the highest
/// revision whose status is `deployed`); when only that one is left to
/// delete, more than `max_history - 1` remain.
pub fn prune_before_create(history: &[(i64, Status)], max_history: i64) -> Vec<i64> {
    if max_history <= 0 {
        return Vec::new();
    }
    remove_least_recent(history, max_history - 1)
}

/// Helm's `removeLeastRecent(name, maximum)` over `history`.
pub fn remove_least_recent(history: &[(i64, Status)], maximum: i64) -> Vec<i64> {
    let Ok(maximum) = usize::try_from(maximum) else {
        return Vec::new();
    };
    if history.len() <= maximum {
        return Vec::new();
    }
    let mut revisions: Vec<&(i64, Status)> = history.iter().collect();
    revisions.sort_by_key(|(version, _)| *version);
    let last_deployed = revisions
        .iter()
        .rev()
        .find(|(_, status)| *status == Status::Deployed)
        .map(|(version, _)| *version);
    let mut delete = Vec::new();
    for (version, _) in &revisions {
        if revisions.len() - delete.len() == maximum {
            break;
        }
        if Some(*version) != last_deployed {
            delete.push(*version);
        }
    }
    delete
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::{Deployed as D, Failed as F, Superseded as S};

    fn check(history: &[(i64, Status)], max_history: i64, expected: &[i64]) {
        assert_eq!(
            prune_before_create(history, max_history),
            expected,
            "history {history:?}, max {max_history}"
        );
    }

    #[test]
    fn no_limit_prunes_nothing() {
        check(&[(1, S), (2, S), (3, D)], 0, &[]);
        check(&[(1, S), (2, S), (3, D)], -1, &[]);
    }

    #[test]
    fn history_under_the_limit_is_kept() {
        check(&[(1, S), (2, D)], 3, &[]);
    }

    #[test]
    fn oldest_revisions_go_first_to_make_room_for_one_more() {
        check(&[(1, S), (2, S), (3, S), (4, D)], 3, &[1, 2]);
        check(&[(1, S), (2, S), (3, S), (4, D)], 1, &[1, 2, 3]);
    }

    #[test]
    fn the_last_deployed_revision_is_never_pruned() {
        // Revision 1 is deployed, later upgrades failed: 1 stays, the failures go.
        check(&[(1, D), (2, F), (3, F), (4, F)], 2, &[2, 3, 4]);
        check(&[(1, D), (2, F), (3, F)], 1, &[2, 3]);
    }

    #[test]
    fn only_the_newest_deployed_revision_counts_as_last_deployed() {
        check(&[(1, D), (2, D), (3, F)], 2, &[1, 3]);
    }

    #[test]
    fn without_a_deployed_revision_the_oldest_go() {
        check(&[(1, F), (2, F), (3, F)], 2, &[1, 2]);
    }

    #[test]
    fn unsorted_history_is_pruned_by_revision() {
        check(&[(3, D), (1, S), (2, S)], 2, &[1, 2]);
    }
}
