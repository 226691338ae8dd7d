//! Generates the helmd.v1 messages, tonic clients and servers, and the file
//! descriptor set served by gRPC reflection, with the vendored protoc.

use std::path::PathBuf;

/// The .proto files compiled into the crate, relative to this directory.
/// The google/rpc files generate no Rust (see `extern_path` below); they are
/// here for the descriptor set, so reflection clients can decode error
/// details.
const PROTOS: &[&str] = &[
    "google/rpc/error_details.proto",
    "google/rpc/status.proto",
    "helmd/v1/chart.proto",
    "helmd/v1/common.proto",
    "helmd/v1/errors.proto",
    "helmd/v1/operation.proto",
    "helmd/v1/release.proto",
    "helmd/v1/release_service.proto",
    "helmd/v1/repository.proto",
    "helmd/v1/server.proto",
];

fn main() {
    let protoc = protoc_bin_vendored::protoc_bin_path().expect("vendored protoc for this platform");
    let well_known = protoc_bin_vendored::include_path().expect("vendored protoc include path");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));

    let mut config = tonic_prost_build::Config::new();
    // No system protoc needed, and no environment variable to set.
    config.protoc_executable(protoc);

    let protos: Vec<PathBuf> = PROTOS.iter().map(PathBuf::from).collect();
    let includes = [PathBuf::from("."), well_known];
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        // No `connect` helpers: the crate stays free of tonic's transport;
        // callers build a Channel and use `XServiceClient::new(channel)`.
        .build_transport(false)
        // google.rpc.Status is tonic-types' generated type, so statuses flow
        // between tonic-types' error helpers and our messages unconverted.
        .extern_path(".google.rpc", "::tonic_types::pb")
        // Chart archives can be megabytes: share the received buffer.
        .bytes(".")
        // Written with imports included (prost-build always passes
        // --include_imports), so reflection is self-contained.
        .file_descriptor_set_path(out_dir.join("helmd_v1_descriptor.bin"))
        .compile_with_config(config, &protos, &includes)
        .expect("compile helmd.v1 protos");

    println!("cargo:rerun-if-changed=google");
    println!("cargo:rerun-if-changed=helmd");
}
