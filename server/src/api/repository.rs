//! RepositoryService: registered HTTP and OCI chart repositories. Not built yet: every
//! RPC answers UNIMPLEMENTED.

use std::sync::Arc;

use helmd_proto::v1::repository_service_server::RepositoryService;
use helmd_proto::v1::*;
use tonic::{Request, Response, Status};

use super::not_implemented;
use crate::app::AppState;

/// The RepositoryService implementation.
#[derive(Debug)]
pub struct RepositoryApi {
    _state: Arc<AppState>,
}

impl RepositoryApi {
    /// A RepositoryService over the shared state.
    pub fn new(state: Arc<AppState>) -> Self {
        RepositoryApi { _state: state }
    }
}

#[tonic::async_trait]
impl RepositoryService for RepositoryApi {
    async fn create_repository(
        &self,
        _: Request<CreateRepositoryRequest>,
    ) -> Result<Response<CreateRepositoryResponse>, Status> {
        not_implemented("helmd.v1.RepositoryService/CreateRepository")
    }

    async fn get_repository(
        &self,
        _: Request<GetRepositoryRequest>,
    ) -> Result<Response<GetRepositoryResponse>, Status> {
        not_implemented("helmd.v1.RepositoryService/GetRepository")
    }

    async fn list_repositories(
        &self,
        _: Request<ListRepositoriesRequest>,
    ) -> Result<Response<ListRepositoriesResponse>, Status> {
        not_implemented("helmd.v1.RepositoryService/ListRepositories")
    }

    async fn update_repository(
        &self,
        _: Request<UpdateRepositoryRequest>,
    ) -> Result<Response<UpdateRepositoryResponse>, Status> {
        not_implemented("helmd.v1.RepositoryService/UpdateRepository")
    }

    async fn delete_repository(
        &self,
        _: Request<DeleteRepositoryRequest>,
    ) -> Result<Response<DeleteRepositoryResponse>, Status> {
        not_implemented("helmd.v1.RepositoryService/DeleteRepository")
    }

    async fn refresh_repository(
        &self,
        _: Request<RefreshRepositoryRequest>,
    ) -> Result<Response<RefreshRepositoryResponse>, Status> {
        not_implemented("helmd.v1.RepositoryService/RefreshRepository")
    }

    async fn search_charts(
        &self,
        _: Request<SearchChartsRequest>,
    ) -> Result<Response<SearchChartsResponse>, Status> {
        not_implemented("helmd.v1.RepositoryService/SearchCharts")
    }
}
