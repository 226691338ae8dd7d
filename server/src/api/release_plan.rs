//! PlanUpgrade and GetReleaseDrift: what an upgrade would change (prepared as
//! UpgradeRelease prepares it, with the same checks; nothing recorded, applied or
//! run) and how the cluster differs from the deployed revision. Neither starts an
//! operation or takes the release's lock.

use helmd_action::DriftCheck;
use helmd_proto::v1::*;
use tokio::sync::mpsc;

use super::release_actions::{Actions, target};
use crate::convert::action as conv;
use crate::convert::plan as conv_plan;
use crate::error::{Error, Result};

impl Actions {
    /// PlanUpgrade.
    pub async fn plan(
        &self,
        metadata: &tonic::metadata::MetadataMap,
        req: PlanUpgradeRequest,
    ) -> Result<PlanUpgradeResponse> {
        let Some(req) = req.upgrade else {
            return Err(Error::invalid("upgrade", "required"));
        };
        let (namespace, name) = target(&req.namespace, &req.name)?;
        // Waiting and timeouts only matter while running: left at their defaults.
        let mut settings = conv::settings(
            "upgrade.timeout",
            None,
            WaitStrategy::Unspecified,
            false,
            req.disable_hooks,
            req.force_conflicts,
            &req.description,
        )?;
        settings.force_replace =
            conv::force_replace(req.force_replace, req.force_conflicts, req.apply_method())?;
        settings.apply_method = conv::apply_method(req.apply_method(), req.force_conflicts)?;
        let history = self.history(&namespace, &name).await?;
        let upgrade = self
            .upgrade_of(metadata, req, (namespace, name), &history, settings)
            .await?;
        let (tx, _) = mpsc::unbounded_channel();
        let ctx = self.context(tx, true).await?;
        conv_plan::plan(&upgrade.plan(&ctx).await?)
    }

    /// GetReleaseDrift.
    pub async fn drift(&self, req: GetReleaseDriftRequest) -> Result<GetReleaseDriftResponse> {
        let (namespace, name) = target(&req.namespace, &req.name)?;
        let (tx, _) = mpsc::unbounded_channel();
        let ctx = self.context(tx, false).await?;
        let drift = DriftCheck { name, namespace }.run(&ctx).await?;
        Ok(conv_plan::drift(&drift))
    }
}
