//! The gRPC services (one file each), reflection, and the router that serves them.
//! Handlers stay thin: validate, convert, call storage or the engine, convert back.

mod chart;
mod chart_dependencies;
mod chart_lint;
mod chart_render;
mod engine_work;
mod operation;
mod release;
mod release_actions;
mod release_list;
mod release_plan;
mod repository;
mod server;

use std::pin::Pin;
use std::sync::Arc;

use futures::Stream;
use helmd_proto::v1::OperationEvent;
use helmd_proto::v1::chart_service_server::ChartServiceServer;
use helmd_proto::v1::operation_service_server::OperationServiceServer;
use helmd_proto::v1::release_service_server::ReleaseServiceServer;
use helmd_proto::v1::repository_service_server::RepositoryServiceServer;
use helmd_proto::v1::server_service_server::ServerServiceServer;
use tonic::Status;
use tonic::service::Routes;

use crate::app::AppState;
use crate::error::Error;

/// The stream type of every RPC that streams operation events.
pub type EventStream = Pin<Box<dyn Stream<Item = Result<OperationEvent, Status>> + Send + 'static>>;

/// Answers UNIMPLEMENTED (reason NOT_IMPLEMENTED) for an RPC whose behaviour is not built yet.
fn not_implemented<T>(method: &'static str) -> Result<T, Status> {
    Err(Error::NotImplemented(method).into())
}

/// The five helmd.v1 services over one shared state.
#[derive(Debug, Clone)]
pub struct Services {
    state: Arc<AppState>,
}

impl Services {
    /// Services sharing `state`.
    pub fn new(state: Arc<AppState>) -> Self {
        Services { state }
    }

    /// The helmd.v1 services as routes.
    pub fn routes(self) -> Routes {
        let limit = self.state.config.max_message_bytes;
        let state = self.state;
        let mut routes = Routes::builder();
        routes
            .add_service(
                ReleaseServiceServer::new(release::ReleaseApi::new(state.clone()))
                    .max_decoding_message_size(limit)
                    .max_encoding_message_size(limit),
            )
            .add_service(
                ChartServiceServer::new(chart::ChartApi::new(state.clone()))
                    .max_decoding_message_size(limit)
                    .max_encoding_message_size(limit),
            )
            .add_service(
                RepositoryServiceServer::new(repository::RepositoryApi::new(state.clone()))
                    .max_decoding_message_size(limit)
                    .max_encoding_message_size(limit),
            )
            .add_service(
                OperationServiceServer::new(operation::OperationApi::new(state.clone()))
                    .max_decoding_message_size(limit)
                    .max_encoding_message_size(limit),
            )
            .add_service(ServerServiceServer::new(server::ServerApi::new(state)));
        routes.routes()
    }
}

/// gRPC reflection v1 over helmd.v1 and grpc.health.v1.
pub fn reflection_v1() -> Result<
    tonic_reflection::server::v1::ServerReflectionServer<
        impl tonic_reflection::server::v1::ServerReflection,
    >,
    Error,
> {
    reflection_builder()
        .build_v1()
        .map_err(|e| Error::Corrupt(format!("reflection descriptors: {e}")))
}

/// gRPC reflection v1alpha (what grpcio-reflection and older grpcurl speak).
pub fn reflection_v1alpha() -> Result<
    tonic_reflection::server::v1alpha::ServerReflectionServer<
        impl tonic_reflection::server::v1alpha::ServerReflection,
    >,
    Error,
> {
    reflection_builder()
        .build_v1alpha()
        .map_err(|e| Error::Corrupt(format!("reflection descriptors: {e}")))
}

fn reflection_builder() -> tonic_reflection::server::Builder<'static> {
    tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(helmd_proto::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
}
