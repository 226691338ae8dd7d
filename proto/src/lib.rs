//! Generated helmd.v1 gRPC code (messages, tonic clients and servers) and the
//! file descriptor set that gRPC reflection serves.
//!
//! The API is defined in `proto/helmd/v1/*.proto`; this crate only compiles
//! it. `google.rpc` messages map to `tonic-types`' generated types
//! (re-exported in [`google::rpc`]), the well-known types to `prost_types`,
//! and `bytes` fields to `bytes::Bytes`. Clients are generic over the
//! transport: `ReleaseServiceClient::new(channel)`.

/// The `helmd` protobuf package family.
pub mod helmd {
    /// The `helmd.v1` package: every message, enum, client and server.
    pub mod v1 {
        // prost copies proto comments verbatim; their bullet lists indent
        // continuation lines the proto way, not the rustdoc way.
        #![allow(clippy::doc_lazy_continuation)]
        tonic::include_proto!("helmd.v1");
    }
}

/// The `google.rpc` error model types the API uses, from `tonic-types`.
pub mod google {
    /// The `google.rpc` package: `Status` and the error details helmd sends.
    pub mod rpc {
        pub use tonic_types::pb::{BadRequest, ErrorInfo, Status, bad_request};
    }
}

pub use helmd::v1;

/// The `google.rpc.ErrorInfo.domain` of every helmd error.
pub const ERROR_DOMAIN: &str = "helmd.v1";

/// The encoded `google.protobuf.FileDescriptorSet` of every helmd.v1 file and
/// its imports (the well-known types, `google/rpc/status.proto`) plus
/// `google/rpc/error_details.proto`, with comments, for gRPC reflection.
///
/// It is self-contained: register it (and `tonic_health`'s) with the
/// reflection service, but not `tonic_types::pb::FILE_DESCRIPTOR_SET`, which
/// defines the same `google.rpc` symbols under other file names.
pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("helmd_v1_descriptor");

#[cfg(test)]
mod tests;
