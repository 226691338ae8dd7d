//! ServerService: what this helmd is — version, storage, database, limits.

use std::sync::Arc;

use helmd_proto::v1::server_service_server::ServerService;
use helmd_proto::v1::*;
use tonic::{Request, Response, Status};

use crate::app::AppState;
use crate::config;
use crate::convert::page;
use crate::storage::Backend;

/// The ServerService implementation.
#[derive(Debug)]
pub struct ServerApi {
    state: Arc<AppState>,
}

impl ServerApi {
    /// A ServerService over the shared state.
    pub fn new(state: Arc<AppState>) -> Self {
        ServerApi { state }
    }

    fn info(&self) -> GetServerInfoResponse {
        let config = &self.state.config;
        GetServerInfoResponse {
            version: crate::VERSION.to_owned(),
            git_commit: option_env!("HELMD_GIT_COMMIT")
                .unwrap_or_default()
                .to_owned(),
            release_storage: match config.release_storage {
                config::ReleaseStorage::Sql => ReleaseStorage::Sql,
                config::ReleaseStorage::Secrets => ReleaseStorage::Secrets,
            }
            .into(),
            database: match self.state.db.backend() {
                Backend::Postgres => DatabaseBackend::Postgres,
                Backend::Sqlite => DatabaseBackend::Sqlite,
            }
            .into(),
            kubernetes: Some(KubernetesInfo {
                configured: config.kubeconfig.is_some(),
                server_version: String::new(),
            }),
            authentication: None,
            limits: Some(ServerLimits {
                max_chart_archive_bytes: i64::try_from(config.max_chart_bytes).unwrap_or(i64::MAX),
                max_message_bytes: i64::try_from(config.max_message_bytes).unwrap_or(i64::MAX),
                default_page_size: i32::try_from(page::DEFAULT_PAGE_SIZE).unwrap_or(i32::MAX),
                max_page_size: i32::try_from(page::MAX_PAGE_SIZE).unwrap_or(i32::MAX),
            }),
        }
    }
}

#[tonic::async_trait]
impl ServerService for ServerApi {
    async fn get_server_info(
        &self,
        _: Request<GetServerInfoRequest>,
    ) -> Result<Response<GetServerInfoResponse>, Status> {
        Ok(Response::new(self.info()))
    }
}
