//! The end-to-end test binary: the real `helmd` process over real gRPC, real Postgres,
//! third-party clients, and repository-wide tidy checks.

mod common;
mod config_errors;
mod database;
mod helmctl;
mod reflection;
mod serve;
mod template;
mod template_manifest;
mod tidy;
