//! ReleaseService: reading releases (GetRelease, GetReleaseHistory) from the release
//! store `--release-storage` selected. The actions and the other reads are not built
//! yet: those RPCs answer UNIMPLEMENTED.

use std::sync::Arc;

use helmd_proto::v1::release_service_server::ReleaseService;
use helmd_proto::v1::*;
use tonic::{Request, Response, Status};

use super::{EventStream, not_implemented};
use crate::app::AppState;
use crate::convert::{page, release as conv};
use crate::error::{Error, Result};

/// The ReleaseService implementation.
#[derive(Debug)]
pub struct ReleaseApi {
    state: Arc<AppState>,
}

/// A request's release: its namespace (`default` when empty) and its checked name.
fn target(namespace: &str, name: &str) -> Result<(String, String)> {
    if name.is_empty() {
        return Err(Error::invalid("name", "required"));
    }
    helmd_render::validate_release_name(name).map_err(|reason| Error::invalid("name", reason))?;
    let namespace = if namespace.is_empty() {
        "default"
    } else {
        namespace
    };
    Ok((namespace.to_owned(), name.to_owned()))
}

impl ReleaseApi {
    /// A ReleaseService over the shared state.
    pub fn new(state: Arc<AppState>) -> Self {
        ReleaseApi { state }
    }

    async fn get(&self, req: GetReleaseRequest) -> Result<GetReleaseResponse> {
        let (namespace, name) = target(&req.namespace, &req.name)?;
        let store = &self.state.releases.store;
        let record = match req.revision {
            0 => store.last(&namespace, &name).await?,
            n if n < 0 => return Err(Error::invalid("revision", "must not be negative")),
            n => store
                .get(&namespace, &name, i64::from(n))
                .await
                .map_err(|e| Error::from_revision_get(e, &name, i64::from(n)))?,
        };
        let full = req.view() == ReleaseView::Full;
        Ok(GetReleaseResponse {
            release: Some(conv::release(&record, full)?),
        })
    }

    async fn history(&self, req: GetReleaseHistoryRequest) -> Result<GetReleaseHistoryResponse> {
        let (namespace, name) = target(&req.namespace, &req.name)?;
        let size = page::page_size(req.page_size)?;
        let after = page::decode("history", &req.page_token)?.map_or(0, |(rev, _)| rev);
        let all = self.state.releases.store.history(&namespace, &name).await?;
        if all.is_empty() {
            return Err(helmd_release::Error::NotFound.into());
        }
        let full = req.view() == ReleaseView::Full;
        let page: Vec<_> = all
            .iter()
            .filter(|r| r.version > after)
            .take(size)
            .collect();
        let next_page_token = match page.last() {
            Some(last) if all.iter().any(|r| r.version > last.version) => {
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
        _: Request<InstallReleaseRequest>,
    ) -> Result<Response<EventStream>, Status> {
        not_implemented("helmd.v1.ReleaseService/InstallRelease")
    }

    async fn upgrade_release(
        &self,
        _: Request<UpgradeReleaseRequest>,
    ) -> Result<Response<EventStream>, Status> {
        not_implemented("helmd.v1.ReleaseService/UpgradeRelease")
    }

    async fn rollback_release(
        &self,
        _: Request<RollbackReleaseRequest>,
    ) -> Result<Response<EventStream>, Status> {
        not_implemented("helmd.v1.ReleaseService/RollbackRelease")
    }

    async fn uninstall_release(
        &self,
        _: Request<UninstallReleaseRequest>,
    ) -> Result<Response<EventStream>, Status> {
        not_implemented("helmd.v1.ReleaseService/UninstallRelease")
    }

    async fn test_release(
        &self,
        _: Request<TestReleaseRequest>,
    ) -> Result<Response<EventStream>, Status> {
        not_implemented("helmd.v1.ReleaseService/TestRelease")
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
        _: Request<GetReleaseResourcesRequest>,
    ) -> Result<Response<GetReleaseResourcesResponse>, Status> {
        not_implemented("helmd.v1.ReleaseService/GetReleaseResources")
    }

    async fn plan_upgrade(
        &self,
        _: Request<PlanUpgradeRequest>,
    ) -> Result<Response<PlanUpgradeResponse>, Status> {
        not_implemented("helmd.v1.ReleaseService/PlanUpgrade")
    }
}
