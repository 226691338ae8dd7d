//! helmd's server library: configuration, the gRPC services, storage and health.
//! `main.rs` only wires this together, so tests run the same code.

pub mod api;
pub mod app;
pub mod cluster;
pub mod config;
pub mod convert;
pub mod crypto;
pub mod error;
pub mod health;
pub mod limits;
pub mod ops;
pub mod sources;
pub mod status;
pub mod storage;

/// helmd's version, as reported by `ServerService.GetServerInfo`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
