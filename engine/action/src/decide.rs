//! Deciding, apart from doing: from a release's history (versions and statuses,
//! oldest first) and a request, what an action does next. Pure, table-tested.

use helmd_release::Status;
use helmd_render::Values;
use helmd_yaml::Value;

use crate::error::{Error, Result};

/// What an install does with the history it finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallStep {
    /// The new revision's number.
    pub version: i64,
    /// A previous revision to mark superseded first (`--replace` over a
    /// non-failed one).
    pub supersede: Option<i64>,
}

/// Helm's `availableName` and `replaceRelease`: a fresh name installs revision
/// 1; a name in use is refused unless `replace` and its latest revision is
/// uninstalled or failed, then the next revision is installed.
pub fn install_step(history: &[(i64, Status)], replace: bool) -> Result<InstallStep> {
    let Some((version, status)) = history.last() else {
        return Ok(InstallStep {
            version: 1,
            supersede: None,
        });
    };
    if !(replace && matches!(status, Status::Uninstalled | Status::Failed)) {
        return Err(Error::NameInUse);
    }
    Ok(InstallStep {
        version: version + 1,
        supersede: (*status != Status::Failed).then_some(*version),
    })
}

/// What an upgrade builds on: the latest revision and the one whose objects are
/// live (Helm's `prepareUpgrade`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeBase {
    /// The latest revision.
    pub last: i64,
    /// The revision the new one replaces: the latest deployed one, else a failed
    /// or superseded latest one.
    pub current: i64,
}

/// Helm's rules: a pending latest revision is refused; the current revision is
/// the latest if deployed, else the highest deployed, else the latest when it
/// failed or was superseded; otherwise the release "has no deployed releases".
pub fn upgrade_base(name: &str, history: &[(i64, Status)]) -> Result<UpgradeBase> {
    let Some((last, status)) = history.last() else {
        return Err(Error::NotFound);
    };
    if status.is_pending() {
        return Err(Error::Pending {
            revision: *last,
            status: status.clone(),
        });
    }
    if *status == Status::Deployed {
        return Ok(UpgradeBase {
            last: *last,
            current: *last,
        });
    }
    if let Some((deployed, _)) = history.iter().rev().find(|(_, s)| *s == Status::Deployed) {
        return Ok(UpgradeBase {
            last: *last,
            current: *deployed,
        });
    }
    if matches!(status, Status::Failed | Status::Superseded) {
        return Ok(UpgradeBase {
            last: *last,
            current: *last,
        });
    }
    Err(Error::NotDeployed(format!(
        "{name:?} has no deployed releases"
    )))
}

/// Helm's rollback target: 0 means the revision before the latest. The target
/// must be in the history and must not be the latest revision (there is nothing
/// to restore); either is [`Error::InvalidTarget`] on `revision`. A pending
/// latest revision is refused.
pub fn rollback_target(history: &[(i64, Status)], requested: i64) -> Result<(i64, i64)> {
    let Some((last, status)) = history.last() else {
        return Err(Error::NotFound);
    };
    if status.is_pending() {
        return Err(Error::Pending {
            revision: *last,
            status: status.clone(),
        });
    }
    let target = if requested == 0 { last - 1 } else { requested };
    let invalid = |message: String| Error::InvalidTarget {
        field: "revision".into(),
        revision: target,
        message,
    };
    if target < 1 || !history.iter().any(|(v, _)| *v == target) {
        return Err(invalid(format!("release has no {target} version")));
    }
    if target == *last {
        return Err(invalid(format!(
            "revision {target} is the latest revision: there is nothing to roll back to"
        )));
    }
    Ok((*last, target))
}

/// The revision a rollback after a failed `failed` revision restores: the newest
/// deployed or superseded one before it (Helm's rollback-on-failure target).
pub fn last_successful(history: &[(i64, Status)], failed: i64) -> Option<i64> {
    history
        .iter()
        .rev()
        .filter(|(v, _)| *v != failed)
        .find(|(_, s)| matches!(s, Status::Deployed | Status::Superseded))
        .map(|(v, _)| *v)
}

/// The history as a recovery leaves it: a pending latest revision counts as
/// failed (`recover`). Whether it changed anything is the second value.
pub fn recovered(history: &[(i64, Status)]) -> (Vec<(i64, Status)>, bool) {
    let mut history = history.to_vec();
    let changed = match history.last_mut() {
        Some((_, status)) if status.is_pending() => {
            *status = Status::Failed;
            true
        }
        _ => false,
    };
    (history, changed)
}

/// The earlier revision a version-based upgrade rolls back to: the newest one,
/// other than the latest, whose chart has `name` and `version`. `charts` holds
/// each revision's chart name and version, oldest first.
pub fn version_target(charts: &[(i64, String, String)], name: &str, version: &str) -> Option<i64> {
    let (latest, ..) = charts.last()?;
    charts
        .iter()
        .rev()
        .find(|(v, n, ver)| v != latest && n == name && ver == version)
        .map(|(v, ..)| *v)
}

/// How an upgrade treats the values of the revision it replaces.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PreviousValues {
    /// Helm's default: reuse them only when the request gives no values.
    #[default]
    Default,
    /// `--reset-values`: the chart's values and the request's only.
    Reset,
    /// `--reuse-values`: the request's values over the previous ones, and the
    /// previous chart's default values.
    Reuse,
    /// `--reset-then-reuse-values`: the request's over the previous ones, the new
    /// chart's defaults.
    ResetThenReuse,
}

/// Helm's `reuseValues`: the user values of the new revision, and whether the
/// previous revision's chart values replace the new chart's.
pub fn upgrade_values(mode: PreviousValues, new: Values, previous: &Value) -> (Values, bool) {
    let coalesce = |new: Values| -> Values {
        let Some(previous) = deep_copy(previous) else {
            return new;
        };
        let dst = Value::map(new);
        if let (Some(d), Some(s)) = (dst.as_map(), previous.as_map()) {
            helmd_chart::merge_tables(d, s, false);
            return d.entries().into_iter().collect();
        }
        Values::new()
    };
    match mode {
        PreviousValues::Reset => (new, false),
        PreviousValues::Reuse => (coalesce(new), true),
        PreviousValues::ResetThenReuse => (coalesce(new), false),
        PreviousValues::Default => {
            let previous_empty = previous.as_map().is_none_or(|m| m.is_empty());
            if new.is_empty() && !previous_empty {
                (coalesce(new), false)
            } else {
                (new, false)
            }
        }
    }
}

/// A value copied deeply (maps are shared references), through JSON.
fn deep_copy(v: &Value) -> Option<Value> {
    v.as_map()?;
    let json = helmd_yaml::to_json(v).ok()?;
    helmd_yaml::parse_json(&json).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn install_takes_a_fresh_name_and_refuses_one_in_use() {
        assert_eq!(
            install_step(&[], false).ok(),
            Some(InstallStep {
                version: 1,
                supersede: None
            })
        );
        assert!(matches!(
            install_step(&[(1, Deployed)], true),
            Err(Error::NameInUse)
        ));
        assert!(matches!(
            install_step(&[(1, Uninstalled)], false),
            Err(Error::NameInUse)
        ));
    }

    #[test]
    fn replace_reuses_an_uninstalled_or_failed_name() {
        assert_eq!(
            install_step(&[(1, Deployed), (2, Uninstalled)], true).ok(),
            Some(InstallStep {
                version: 3,
                supersede: Some(2)
            })
        );
        assert_eq!(
            install_step(&[(1, Failed)], true).ok(),
            Some(InstallStep {
                version: 2,
                supersede: None
            })
        );
    }

    #[test]
    fn upgrade_builds_on_the_deployed_revision() {
        let base = |h: &[(i64, Status)]| upgrade_base("web", h).map(|b| (b.last, b.current)).ok();
        assert_eq!(base(&[(1, Deployed)]), Some((1, 1)));
        assert_eq!(base(&[(1, Deployed), (2, Failed)]), Some((2, 1)));
        assert_eq!(base(&[(1, Failed)]), Some((1, 1)));
        assert_eq!(base(&[(1, Superseded), (2, Superseded)]), Some((2, 2)));
        assert!(matches!(upgrade_base("web", &[]), Err(Error::NotFound)));
        assert!(matches!(
            upgrade_base("web", &[(1, Deployed), (2, PendingUpgrade)]),
            Err(Error::Pending { revision: 2, .. })
        ));
        assert!(matches!(
            upgrade_base("web", &[(1, Uninstalled)]),
            Err(Error::NotDeployed(m)) if m == "\"web\" has no deployed releases"
        ));
    }

    #[test]
    fn rollback_defaults_to_the_previous_revision_and_checks_history() {
        let h = [(1, Superseded), (2, Superseded), (3, Deployed)];
        assert_eq!(rollback_target(&h, 0).ok(), Some((3, 2)));
        assert_eq!(rollback_target(&h, 1).ok(), Some((3, 1)));
        let invalid = |h: &[(i64, Status)], r| match rollback_target(h, r) {
            Err(Error::InvalidTarget {
                field,
                revision,
                message,
            }) => {
                assert_eq!(field, "revision");
                (revision, message)
            }
            other => panic!("expected an invalid target, got {other:?}"),
        };
        assert_eq!(invalid(&h, 7), (7, "release has no 7 version".to_owned()));
        assert_eq!(
            invalid(&[(1, Deployed)], 0),
            (0, "release has no 0 version".to_owned())
        );
        assert_eq!(invalid(&h, 3).0, 3, "the latest revision restores nothing");
        assert!(matches!(rollback_target(&[], 0), Err(Error::NotFound)));
    }

    #[test]
    fn a_failed_revision_is_undone_by_the_newest_successful_one_before_it() {
        let h = [(1, Superseded), (2, Deployed), (3, Failed), (4, Failed)];
        assert_eq!(last_successful(&h, 4), Some(2));
        assert_eq!(last_successful(&[(1, Failed)], 1), None);
        assert_eq!(
            last_successful(&[(1, Superseded), (2, Uninstalled), (3, Failed)], 3),
            Some(1)
        );
    }

    #[test]
    fn recovery_marks_only_a_pending_latest_revision_failed() {
        let (h, changed) = recovered(&[(1, Deployed), (2, PendingUpgrade)]);
        assert!(changed);
        assert_eq!(h, vec![(1, Deployed), (2, Failed)]);
        let (h, changed) = recovered(&[(1, Deployed)]);
        assert!(!changed);
        assert_eq!(h, vec![(1, Deployed)]);
        assert!(!recovered(&[]).1);
    }

    #[test]
    fn a_version_based_upgrade_picks_the_newest_earlier_revision_of_that_version() {
        let c = |v: i64, ver: &str| (v, "web".to_owned(), ver.to_owned());
        let charts = [c(1, "1.0.0"), c(2, "2.0.0"), c(3, "1.0.0"), c(4, "3.0.0")];
        assert_eq!(version_target(&charts, "web", "1.0.0"), Some(3));
        assert_eq!(version_target(&charts, "web", "3.0.0"), None, "the latest");
        assert_eq!(version_target(&charts, "api", "1.0.0"), None);
        assert_eq!(version_target(&[], "web", "1.0.0"), None);
    }

    fn values(yaml: &str) -> Values {
        match helmd_yaml::parse_yaml(yaml).expect("yaml") {
            Value::Map(m) => m.entries().into_iter().collect(),
            _ => Values::new(),
        }
    }

    fn yaml(v: Values) -> String {
        helmd_yaml::to_json(&Value::map(v)).expect("json")
    }

    #[test]
    fn values_follow_helm_s_reuse_rules() {
        let previous = Value::map(values("a: 1\nb: {c: 2}\n"));
        let (v, _) = upgrade_values(PreviousValues::Default, Values::new(), &previous);
        assert_eq!(yaml(v), r#"{"a":1,"b":{"c":2}}"#);
        let (v, _) = upgrade_values(PreviousValues::Default, values("a: 5"), &previous);
        assert_eq!(yaml(v), r#"{"a":5}"#);
        let (v, chart) = upgrade_values(PreviousValues::Reuse, values("b: {d: 3}"), &previous);
        assert_eq!(yaml(v), r#"{"a":1,"b":{"c":2,"d":3}}"#);
        assert!(chart);
        let (v, chart) = upgrade_values(PreviousValues::ResetThenReuse, values("a: 9"), &previous);
        assert_eq!(yaml(v), r#"{"a":9,"b":{"c":2}}"#);
        assert!(!chart);
        let (v, _) = upgrade_values(PreviousValues::Reset, Values::new(), &previous);
        assert_eq!(yaml(v), "{}");
    }
}
