//! Helm 4's `--server-side=auto|true|false`: how an action applies objects, decided
//! from the request and the release's records before anything changes.
//!
//! Install applies server-side unless asked otherwise. Upgrade and rollback with `auto`
//! keep the method the record they build on used (upgrade: the last revision; rollback:
//! the revision rolled back to, as Helm's `getUpgradeServerSideValue` reads it); a
//! record without `apply_method`, as Helm 3 wrote them, means client-side apply. When
//! the objects were last applied client-side (the deployed revision's record) and are
//! now applied server-side, our field manager's client-side ownership is folded into its
//! server-side entry first (always on rollback, as Helm does), so fields the new
//! manifest drops are removed rather than left behind.

use crate::error::{Error, Result};

/// How objects are applied, as the request asks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ApplyMethod {
    /// `auto`: server-side on install; on upgrade and rollback, what the record used.
    #[default]
    Auto,
    /// Server-side apply (`--server-side=true`).
    ServerSide,
    /// Client-side three-way merge patches (`--server-side=false`).
    ClientSide,
}

/// How one action applies objects, decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Applying {
    /// Server-side apply, else client-side patches.
    pub(crate) server_side: bool,
    /// Fold our client-side field ownership into the server-side entry first.
    pub(crate) upgrade_client_side: bool,
}

/// Helm's `isReleaseApplyMethodClientSideApply`: no method (Helm 3) or `csa`.
fn client_side(recorded: &str) -> bool {
    recorded.is_empty() || recorded == helmd_release::APPLY_METHOD_CSA
}

impl ApplyMethod {
    /// Install.
    pub(crate) fn for_install(self) -> Applying {
        Applying {
            server_side: self != ApplyMethod::ClientSide,
            upgrade_client_side: false,
        }
    }

    /// Upgrade: `last` is the last revision's record (`auto` follows it), `current` the
    /// deployed one's (whose method the objects carry).
    pub(crate) fn for_upgrade(self, last: &str, current: &str) -> Applying {
        let server_side = self.server_side(last);
        Applying {
            server_side,
            upgrade_client_side: server_side && client_side(current),
        }
    }

    /// Rollback: `target` is the record of the revision rolled back to.
    pub(crate) fn for_rollback(self, target: &str) -> Applying {
        let server_side = self.server_side(target);
        Applying {
            server_side,
            upgrade_client_side: server_side,
        }
    }

    /// Helm's `getUpgradeServerSideValue`.
    fn server_side(self, recorded: &str) -> bool {
        match self {
            ApplyMethod::Auto => recorded == helmd_release::APPLY_METHOD_SSA,
            ApplyMethod::ServerSide => true,
            ApplyMethod::ClientSide => false,
        }
    }
}

impl Applying {
    /// The record's `apply_method`.
    pub(crate) fn record(self) -> &'static str {
        if self.server_side {
            helmd_release::APPLY_METHOD_SSA
        } else {
            helmd_release::APPLY_METHOD_CSA
        }
    }

    /// `force_conflicts` means something only to server-side apply (Helm refuses it
    /// with client-side apply before applying anything).
    pub(crate) fn check_force_conflicts(self, force_conflicts: bool) -> Result<()> {
        if force_conflicts && !self.server_side {
            return Err(Error::InvalidRequest {
                field: "force_conflicts".into(),
                message: FORCE_CONFLICTS_NEEDS_SERVER_SIDE.into(),
            });
        }
        Ok(())
    }
}

/// Helm's words for `--force-conflicts` without server-side apply (its kube client's
/// option check, after `invalid client create option(s): ` or `... update ...`).
pub const FORCE_CONFLICTS_NEEDS_SERVER_SIDE: &str =
    "forceConflicts enabled when serverSideApply disabled";

#[cfg(test)]
mod tests {
    use super::*;

    const SSA: &str = "ssa";
    const CSA: &str = "csa";
    const HELM3: &str = "";

    #[test]
    fn install_applies_server_side_unless_asked_for_client_side() {
        let check = |m: ApplyMethod| m.for_install().record();
        assert_eq!(check(ApplyMethod::Auto), SSA);
        assert_eq!(check(ApplyMethod::ServerSide), SSA);
        assert_eq!(check(ApplyMethod::ClientSide), CSA);
    }

    #[test]
    fn upgrade_auto_keeps_the_last_record_s_method_and_helm_3_records_mean_client_side() {
        // (request, last record, deployed record) → (method, fold client-side ownership)
        let table = [
            (ApplyMethod::Auto, SSA, SSA, (SSA, false)),
            (ApplyMethod::Auto, CSA, CSA, (CSA, false)),
            (ApplyMethod::Auto, HELM3, HELM3, (CSA, false)),
            (ApplyMethod::ServerSide, CSA, CSA, (SSA, true)),
            (ApplyMethod::ServerSide, HELM3, HELM3, (SSA, true)),
            (ApplyMethod::ServerSide, SSA, SSA, (SSA, false)),
            (ApplyMethod::ClientSide, SSA, SSA, (CSA, false)),
            // A failed server-side revision after a client-side deployed one.
            (ApplyMethod::Auto, SSA, CSA, (SSA, true)),
        ];
        for (request, last, current, (method, fold)) in table {
            let applying = request.for_upgrade(last, current);
            assert_eq!(
                (applying.record(), applying.upgrade_client_side),
                (method, fold),
                "{request:?} over {last:?}/{current:?}"
            );
        }
    }

    #[test]
    fn rollback_auto_follows_the_target_revision_and_server_side_always_folds() {
        assert_eq!(ApplyMethod::Auto.for_rollback(HELM3).record(), CSA);
        assert_eq!(ApplyMethod::Auto.for_rollback(CSA).record(), CSA);
        let ssa = ApplyMethod::Auto.for_rollback(SSA);
        assert_eq!((ssa.record(), ssa.upgrade_client_side), (SSA, true));
        assert_eq!(ApplyMethod::ClientSide.for_rollback(SSA).record(), CSA);
    }

    #[test]
    fn force_conflicts_needs_server_side_apply() {
        let csa = ApplyMethod::ClientSide.for_install();
        let err = csa.check_force_conflicts(true).expect_err("refused");
        assert!(err.to_string().contains("forceConflicts"), "{err}");
        assert!(csa.check_force_conflicts(false).is_ok());
        assert!(
            ApplyMethod::Auto
                .for_install()
                .check_force_conflicts(true)
                .is_ok()
        );
    }
}
