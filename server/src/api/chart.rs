//! ChartService: render, show, lint, list versions, pull and push charts. Not built yet:
//! every RPC answers UNIMPLEMENTED.

use std::sync::Arc;

use helmd_proto::v1::chart_service_server::ChartService;
use helmd_proto::v1::*;
use tonic::{Request, Response, Status};

use super::not_implemented;
use crate::app::AppState;

/// The ChartService implementation.
#[derive(Debug)]
pub struct ChartApi {
    _state: Arc<AppState>,
}

impl ChartApi {
    /// A ChartService over the shared state.
    pub fn new(state: Arc<AppState>) -> Self {
        ChartApi { _state: state }
    }
}

#[tonic::async_trait]
impl ChartService for ChartApi {
    async fn render_chart(
        &self,
        _: Request<RenderChartRequest>,
    ) -> Result<Response<RenderChartResponse>, Status> {
        not_implemented("helmd.v1.ChartService/RenderChart")
    }

    async fn show_chart(
        &self,
        _: Request<ShowChartRequest>,
    ) -> Result<Response<ShowChartResponse>, Status> {
        not_implemented("helmd.v1.ChartService/ShowChart")
    }

    async fn lint_chart(
        &self,
        _: Request<LintChartRequest>,
    ) -> Result<Response<LintChartResponse>, Status> {
        not_implemented("helmd.v1.ChartService/LintChart")
    }

    async fn list_chart_versions(
        &self,
        _: Request<ListChartVersionsRequest>,
    ) -> Result<Response<ListChartVersionsResponse>, Status> {
        not_implemented("helmd.v1.ChartService/ListChartVersions")
    }

    async fn pull_chart(
        &self,
        _: Request<PullChartRequest>,
    ) -> Result<Response<PullChartResponse>, Status> {
        not_implemented("helmd.v1.ChartService/PullChart")
    }

    async fn push_chart(
        &self,
        _: Request<PushChartRequest>,
    ) -> Result<Response<PushChartResponse>, Status> {
        not_implemented("helmd.v1.ChartService/PushChart")
    }
}
