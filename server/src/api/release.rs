//! ReleaseService: the actions (`release_actions.rs`: install, upgrade, rollback,
//! uninstall, test) and reading releases (GetRelease, GetReleaseHistory) from the release
//! store `--release-storage` selected (ListReleases in `release_list.rs`), and each
//! object's live state (GetReleaseResources); PlanUpgrade and GetReleaseDrift in
//! `release_plan.rs`.

use std::sync::Arc;

use helmd_proto::v1::release_service_server::ReleaseService;
use helmd_proto::v1::*;
use tonic::{Request, Response, Status};

use super::EventStream;
use super::release_actions::{Actions, revision, target};
use crate::app::AppState;
use crate::convert::{page, release as conv};
use crate::error::Result;

/// The ReleaseService implementation.
#[derive(Debug)]
pub struct ReleaseApi {
    state: Arc<AppState>,
    actions: Actions,
}

impl ReleaseApi {
    /// A ReleaseService over the shared state.
    pub fn new(state: Arc<AppState>) -> Self {
        ReleaseApi {
            actions: Actions::new(state.clone()),
            state,
        }
    }

    async fn get(&self, req: GetReleaseRequest) -> Result<GetReleaseResponse> {
        let (namespace, name) = target(&req.namespace, &req.name)?;
        let record = revision(&self.state, &namespace, &name, req.revision).await?;
        let full = req.view() == ReleaseView::Full;
        Ok(GetReleaseResponse {
            release: Some(conv::release(&record, full)?),
        })
    }

    async fn history(&self, req: GetReleaseHistoryRequest) -> Result<GetReleaseHistoryResponse> {
        let (namespace, name) = target(&req.namespace, &req.name)?;
        let size = page::page_size(req.page_size)?;
        // Newest first: a page token is the lowest revision already returned.
        let before = page::decode("history", &req.page_token)?.map_or(i64::MAX, |(rev, _)| rev);
        let mut all = self.state.releases.store.history(&namespace, &name).await?;
        if all.is_empty() {
            return Err(helmd_release::Error::NotFound.into());
        }
        all.sort_by_key(|r| std::cmp::Reverse(r.version));
        let full = req.view() == ReleaseView::Full;
        let page: Vec<_> = all
            .iter()
            .filter(|r| r.version < before)
            .take(size)
            .collect();
        let next_page_token = match page.last() {
            Some(last) if all.iter().any(|r| r.version < last.version) => {
                page::encode("history", last.version, "")
            }
            _ => String::new(),
        };
        Ok(GetReleaseHistoryResponse {
            releases: page
                .into_iter()
                .map(|r| conv::release(r, full))
                .collect::<Result<_>>()?,
            next_page_token,
        })
    }
}

#[tonic::async_trait]
impl ReleaseService for ReleaseApi {
    type InstallReleaseStream = EventStream;
    type UpgradeReleaseStream = EventStream;
    type RollbackReleaseStream = EventStream;
    type UninstallReleaseStream = EventStream;
    type TestReleaseStream = EventStream;

    async fn install_release(
        &self,
        request: Request<InstallReleaseRequest>,
    ) -> Result<Response<EventStream>, Status> {
        let metadata = request.metadata().clone();
        Ok(Response::new(
            self.actions
                .install(&metadata, request.into_inner())
                .await?,
        ))
    }

    async fn upgrade_release(
        &self,
        request: Request<UpgradeReleaseRequest>,
    ) -> Result<Response<EventStream>, Status> {
        let metadata = request.metadata().clone();
        Ok(Response::new(
            self.actions
                .upgrade(&metadata, request.into_inner())
                .await?,
        ))
    }

    async fn rollback_release(
        &self,
        request: Request<RollbackReleaseRequest>,
    ) -> Result<Response<EventStream>, Status> {
        Ok(Response::new(
            self.actions.rollback(request.into_inner()).await?,
        ))
    }

    async fn uninstall_release(
        &self,
        request: Request<UninstallReleaseRequest>,
    ) -> Result<Response<EventStream>, Status> {
        Ok(Response::new(
            self.actions.uninstall(request.into_inner()).await?,
        ))
    }

    async fn test_release(
        &self,
        request: Request<TestReleaseRequest>,
    ) -> Result<Response<EventStream>, Status> {
        Ok(Response::new(
            self.actions.test(request.into_inner()).await?,
        ))
    }

    async fn get_release(
        &self,
        request: Request<GetReleaseRequest>,
    ) -> Result<Response<GetReleaseResponse>, Status> {
        Ok(Response::new(self.get(request.into_inner()).await?))
    }

    async fn list_releases(
        &self,
        request: Request<ListReleasesRequest>,
    ) -> Result<Response<ListReleasesResponse>, Status> {
        let listed = super::release_list::list(&self.state, request.into_inner()).await?;
        Ok(Response::new(listed))
    }

    async fn get_release_history(
        &self,
        request: Request<GetReleaseHistoryRequest>,
    ) -> Result<Response<GetReleaseHistoryResponse>, Status> {
        Ok(Response::new(self.history(request.into_inner()).await?))
    }

    async fn get_release_resources(
        &self,
        request: Request<GetReleaseResourcesRequest>,
    ) -> Result<Response<GetReleaseResourcesResponse>, Status> {
        Ok(Response::new(
            self.actions.resources(request.into_inner()).await?,
        ))
    }

    async fn plan_upgrade(
        &self,
        request: Request<PlanUpgradeRequest>,
    ) -> Result<Response<PlanUpgradeResponse>, Status> {
        let metadata = request.metadata().clone();
        Ok(Response::new(
            self.actions.plan(&metadata, request.into_inner()).await?,
        ))
    }

    async fn get_release_drift(
        &self,
        request: Request<GetReleaseDriftRequest>,
    ) -> Result<Response<GetReleaseDriftResponse>, Status> {
        Ok(Response::new(
            self.actions.drift(request.into_inner()).await?,
        ))
    }
}
