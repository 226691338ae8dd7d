//! Checks the descriptor set against the API's shape: the five services,
//! their RPCs, and the naming rule buf lint waives for the streaming RPCs.

use prost::Message;
use prost_types::{FileDescriptorSet, MethodDescriptorProto, ServiceDescriptorProto};

use crate::FILE_DESCRIPTOR_SET;

fn descriptor_set() -> FileDescriptorSet {
    FileDescriptorSet::decode(FILE_DESCRIPTOR_SET).expect("FILE_DESCRIPTOR_SET decodes")
}

fn services(set: &FileDescriptorSet) -> Vec<(String, &ServiceDescriptorProto)> {
    set.file
        .iter()
        .flat_map(|file| {
            file.service
                .iter()
                .map(move |service| (format!("{}.{}", file.package(), service.name()), service))
        })
        .collect()
}

/// The only place that looks services up: asserts `service` exists with
/// exactly these RPCs, in declaration order.
fn check(service: &str, expected_rpcs: &[&str]) {
    let set = descriptor_set();
    let services = services(&set);
    let Some((_, found)) = services.iter().find(|(name, _)| name == service) else {
        panic!("service {service} missing from FILE_DESCRIPTOR_SET");
    };
    let rpcs: Vec<&str> = found
        .method
        .iter()
        .map(MethodDescriptorProto::name)
        .collect();
    assert_eq!(rpcs, expected_rpcs, "RPCs of {service}");
}

#[test]
fn release_service_has_its_rpcs() {
    check(
        "helmd.v1.ReleaseService",
        &[
            "InstallRelease",
            "UpgradeRelease",
            "RollbackRelease",
            "UninstallRelease",
            "TestRelease",
            "GetRelease",
            "ListReleases",
            "GetReleaseHistory",
            "GetReleaseResources",
            "PlanUpgrade",
            "GetReleaseDrift",
        ],
    );
}

#[test]
fn chart_service_has_its_rpcs() {
    check(
        "helmd.v1.ChartService",
        &[
            "RenderChart",
            "ShowChart",
            "LintChart",
            "ListChartVersions",
            "PullChart",
            "PushChart",
        ],
    );
}

#[test]
fn repository_service_has_its_rpcs() {
    check(
        "helmd.v1.RepositoryService",
        &[
            "CreateRepository",
            "GetRepository",
            "ListRepositories",
            "UpdateRepository",
            "DeleteRepository",
            "RefreshRepository",
            "SearchCharts",
        ],
    );
}

#[test]
fn operation_service_has_its_rpcs() {
    check(
        "helmd.v1.OperationService",
        &[
            "GetOperation",
            "ListOperations",
            "WatchOperation",
            "CancelOperation",
            "ListAuditEvents",
        ],
    );
}

#[test]
fn server_service_has_its_rpcs() {
    check("helmd.v1.ServerService", &["GetServerInfo"]);
}

#[test]
fn only_the_five_helmd_services_exist() {
    let set = descriptor_set();
    let mut names: Vec<String> = services(&set).into_iter().map(|(name, _)| name).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "helmd.v1.ChartService",
            "helmd.v1.OperationService",
            "helmd.v1.ReleaseService",
            "helmd.v1.RepositoryService",
            "helmd.v1.ServerService",
        ]
    );
}

/// buf lint's RPC_RESPONSE_STANDARD_NAME and RPC_REQUEST_RESPONSE_UNIQUE are
/// waived, by comment, for the streaming RPCs only; this holds the rest of
/// the convention for every RPC.
#[test]
fn unary_rpcs_own_their_messages_and_streams_carry_operation_events() {
    let set = descriptor_set();
    for (service, descriptor) in services(&set) {
        for rpc in &descriptor.method {
            let name = rpc.name();
            assert_eq!(
                rpc.input_type(),
                format!(".helmd.v1.{name}Request"),
                "{service}.{name}"
            );
            assert!(!rpc.client_streaming(), "{service}.{name} streams requests");
            if rpc.server_streaming() {
                assert_eq!(
                    rpc.output_type(),
                    ".helmd.v1.OperationEvent",
                    "{service}.{name}"
                );
            } else {
                assert_eq!(
                    rpc.output_type(),
                    format!(".helmd.v1.{name}Response"),
                    "{service}.{name}"
                );
            }
        }
    }
}

#[test]
fn descriptor_set_is_self_contained_with_comments() {
    let set = descriptor_set();
    let files: Vec<&str> = set.file.iter().map(|file| file.name()).collect();
    for needed in [
        "google/rpc/status.proto",
        "google/rpc/error_details.proto",
        "google/protobuf/timestamp.proto",
        "helmd/v1/errors.proto",
    ] {
        assert!(files.contains(&needed), "{needed} missing from {files:?}");
    }
    let release = set
        .file
        .iter()
        .find(|file| file.name() == "helmd/v1/release.proto")
        .expect("release.proto present");
    let commented = release.source_code_info.as_ref().is_some_and(|info| {
        info.location
            .iter()
            .any(|l| !l.leading_comments().is_empty())
    });
    assert!(
        commented,
        "source info with comments is kept for reflection"
    );
}

#[test]
fn error_reason_names_strip_to_error_info_reasons() {
    use crate::v1::ErrorReason;
    assert_eq!(
        ErrorReason::ReleaseLocked.as_str_name(),
        "ERROR_REASON_RELEASE_LOCKED"
    );
    assert_eq!(
        ErrorReason::from_str_name("ERROR_REASON_REQUEST_INVALID"),
        Some(ErrorReason::RequestInvalid)
    );
}

/// A field as the wire sees it: name, number, type, label, message type.
type WireField = (String, i32, i32, i32, String);

/// The fields of message `path` (like `BadRequest.FieldViolation`) in package
/// google.rpc of an encoded descriptor set, whichever file holds it.
fn google_rpc_fields(encoded: &[u8], path: &str) -> Vec<WireField> {
    let set = FileDescriptorSet::decode(encoded).expect("descriptor set decodes");
    let mut names = path.split('.');
    let first = names.next().expect("non-empty path");
    let mut message = set
        .file
        .iter()
        .filter(|file| file.package() == "google.rpc")
        .flat_map(|file| &file.message_type)
        .find(|message| message.name() == first)
        .unwrap_or_else(|| panic!("google.rpc.{first} missing"));
    for nested in names {
        message = message
            .nested_type
            .iter()
            .find(|message| message.name() == nested)
            .unwrap_or_else(|| panic!("google.rpc.{path} missing"));
    }
    message
        .field
        .iter()
        .map(|f| {
            let (kind, label) = (f.r#type.unwrap_or_default(), f.label.unwrap_or_default());
            (
                f.name().to_owned(),
                f.number(),
                kind,
                label,
                f.type_name().to_owned(),
            )
        })
        .collect()
}

/// Our google.rpc messages are ours, not copies: each must still match
/// tonic-types' (Google's) definition field for field, as a prefix.
#[test]
fn our_google_rpc_messages_are_wire_compatible_with_tonic_types() {
    for path in [
        "Status",
        "ErrorInfo",
        "BadRequest",
        "BadRequest.FieldViolation",
    ] {
        let ours = google_rpc_fields(FILE_DESCRIPTOR_SET, path);
        let theirs = google_rpc_fields(tonic_types::pb::FILE_DESCRIPTOR_SET, path);
        assert!(!ours.is_empty(), "google.rpc.{path} has fields");
        assert_eq!(ours, theirs[..ours.len()], "google.rpc.{path}");
    }
}
