//! The end-to-end test binary: the real `helmd` process over real gRPC, real Postgres,
//! third-party clients, and repository-wide tidy checks.

mod chart_arguments;
mod chart_render;
mod chart_service;
mod chart_validate;
mod common;
mod config_errors;
mod database;
mod fixtures;
mod go_client;
mod hardening;
mod helm_cli;
mod helmctl;
mod helmctl_charts;
mod helmctl_dependency;
mod helmctl_show;
mod hooks_helm;
mod lint;
mod reflection;
mod registry_auth;
mod release_list;
mod release_store_helm;
mod releases;
mod releases_cli;
mod render_limits;
mod repositories;
mod serve;
mod source_access;
mod source_limits;
mod template;
mod template_manifest;
mod template_names;
mod template_values;
mod tidy;
