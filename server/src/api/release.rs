//! ReleaseService: Helm's release actions. Not built yet: every RPC answers UNIMPLEMENTED.

use std::sync::Arc;

use helmd_proto::v1::release_service_server::ReleaseService;
use helmd_proto::v1::*;
use tonic::{Request, Response, Status};

use super::{EventStream, not_implemented};
use crate::app::AppState;

/// The ReleaseService implementation.
#[derive(Debug)]
pub struct ReleaseApi {
    _state: Arc<AppState>,
}

impl ReleaseApi {
    /// A ReleaseService over the shared state.
    pub fn new(state: Arc<AppState>) -> Self {
        ReleaseApi { _state: state }
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
        _: Request<GetReleaseRequest>,
    ) -> Result<Response<GetReleaseResponse>, Status> {
        not_implemented("helmd.v1.ReleaseService/GetRelease")
    }

    async fn list_releases(
        &self,
        _: Request<ListReleasesRequest>,
    ) -> Result<Response<ListReleasesResponse>, Status> {
        not_implemented("helmd.v1.ReleaseService/ListReleases")
    }

    async fn get_release_history(
        &self,
        _: Request<GetReleaseHistoryRequest>,
    ) -> Result<Response<GetReleaseHistoryResponse>, Status> {
        not_implemented("helmd.v1.ReleaseService/GetReleaseHistory")
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
