//! The one place errors become `tonic::Status`: the gRPC code, a safe message, and
//! `google.rpc.ErrorInfo` (reason from `helmd.v1.ErrorReason`) plus `BadRequest` details.

use std::collections::HashMap;

use helmd_proto::v1::ErrorReason;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, FieldViolation as PbFieldViolation, StatusExt};

use crate::error::Error;

/// `google.rpc.ErrorInfo.domain` of every helmd error.
pub const ERROR_DOMAIN: &str = "helmd.v1";

/// The `ErrorInfo.reason` string of a reason: its enum name without `ERROR_REASON_`.
pub fn reason_name(reason: ErrorReason) -> &'static str {
    let name = reason.as_str_name();
    name.strip_prefix("ERROR_REASON_").unwrap_or(name)
}

impl From<Error> for Status {
    fn from(err: Error) -> Status {
        let (code, reason) = classify(&err);
        let mut details = ErrorDetails::new();
        let metadata: HashMap<String, String> = match &err {
            Error::OperationNotFound(id) => {
                HashMap::from([("operation_id".to_owned(), id.clone())])
            }
            Error::NotImplemented(method) => {
                HashMap::from([("method".to_owned(), (*method).to_owned())])
            }
            Error::RepositoryNotFound(name)
            | Error::RepositoryAlreadyExists(name)
            | Error::EtagMismatch(name) => HashMap::from([("repository".to_owned(), name.clone())]),
            Error::ManifestRejected {
                template, resource, ..
            } => HashMap::from([
                ("template".to_owned(), template.clone()),
                ("resource".to_owned(), resource.clone()),
            ]),
            Error::Source(source) => source_metadata(source),
            Error::DependencyFetch { dependency, source } => {
                let mut metadata = source_metadata(source);
                metadata.insert(
                    "dependency".to_owned(),
                    bound_text(dependency, MAX_DETAIL_BYTES).into_owned(),
                );
                metadata
            }
            Error::LimitExceeded { limit, .. } => {
                HashMap::from([("limit".to_owned(), (*limit).to_owned())])
            }
            Error::Release(helmd_release::Error::RecordTooLarge { key, limit, .. }) => {
                HashMap::from([
                    ("limit".to_owned(), format!("release record: {limit} bytes")),
                    ("record".to_owned(), key.clone()),
                ])
            }
            Error::RevisionNotFound { name, version } => HashMap::from([
                ("release".to_owned(), name.clone()),
                ("revision".to_owned(), version.to_string()),
            ]),
            Error::Render(helmd_render::Error::Stopped(helmd_render::Stopped::TimedOut(_))) => {
                HashMap::from([("limit".to_owned(), "render-timeout".to_owned())])
            }
            Error::ReleaseLocked { operation_id, .. } => {
                HashMap::from([("operation_id".to_owned(), operation_id.clone())])
            }
            Error::Unsupported { field, .. } => {
                HashMap::from([("field".to_owned(), (*field).to_owned())])
            }
            Error::Action(e) => {
                let mut metadata = action_metadata(e.root());
                if let helmd_action::Error::LeftFailed {
                    rollback_revision: Some(revision),
                    ..
                } = e
                {
                    metadata.insert("rollback_revision".to_owned(), revision.to_string());
                }
                metadata
            }
            _ => HashMap::new(),
        };
        details.set_error_info(reason_name(reason), ERROR_DOMAIN, metadata);
        if let Error::LimitExceeded {
            retry_after: Some(after),
            ..
        } = &err
        {
            details.set_retry_info(Some(*after));
        }
        match &err {
            Error::InvalidArgument(violations) => {
                let violations: Vec<PbFieldViolation> = violations
                    .iter()
                    .map(|v| violation(&v.field, &v.description))
                    .collect();
                details.set_bad_request(violations);
            }
            Error::ChartInput { field, source } => {
                details.set_bad_request(vec![violation(field, &source.to_string())]);
            }
            Error::Action(e) => {
                if let helmd_action::Error::InvalidName { reason, .. } = e.root() {
                    details.set_bad_request(vec![violation("name", reason)]);
                }
                if let helmd_action::Error::InvalidRequest { field, message }
                | helmd_action::Error::InvalidTarget { field, message, .. } = e.root()
                {
                    details.set_bad_request(vec![violation(field, message)]);
                }
                if let helmd_action::Error::ResourceGroups { message, .. } = e.root() {
                    details.set_bad_request(vec![violation("chart", message)]);
                }
            }
            Error::Render(source) => {
                if let Some(field) = render_field(source) {
                    details.set_bad_request(vec![violation(field, &source.to_string())]);
                }
            }
            _ => {}
        }
        let message = match code {
            // The cause is logged here, once; the caller gets a generic message.
            Code::Internal | Code::Unavailable => {
                let cause = std::error::Error::source(&err).map(ToString::to_string);
                tracing::error!(error = %err, ?cause, "request failed");
                match code {
                    Code::Internal => "internal error; the server logged the cause".to_owned(),
                    _ => err.to_string(),
                }
            }
            _ => err.to_string(),
        };
        let message = bound_text(&message, MAX_MESSAGE_BYTES).into_owned();
        Status::with_error_details(code, message, details)
    }
}

/// ErrorInfo metadata of a chart-source error: the versions there are, or the limit hit.
fn source_metadata(err: &helmd_source::Error) -> HashMap<String, String> {
    use helmd_source::Error as S;
    match err {
        S::VersionNotFound { available, .. } => HashMap::from([(
            "available_versions".to_owned(),
            bound_text(&available.join(","), MAX_DETAIL_BYTES).into_owned(),
        )]),
        S::TooLarge { what, limit, .. } => {
            HashMap::from([("limit".to_owned(), format!("{what}: {limit} bytes"))])
        }
        S::DeadlineExceeded { limit, what, .. } => {
            HashMap::from([("limit".to_owned(), format!("{what}: {limit:?}"))])
        }
        _ => HashMap::new(),
    }
}

/// Longest status message sent, in bytes. The message travels twice in the response
/// headers (`grpc-message`, percent-encoded, and inside `grpc-status-details-bin`), and
/// clients refuse headers over 16 KiB (grpc-go's and tonic's default), so a longer
/// text would reach the caller as RESOURCE_EXHAUSTED instead of the error.
pub const MAX_MESSAGE_BYTES: usize = 2048;

/// Longest text of one detail (a field violation's description, a metadata value).
pub const MAX_DETAIL_BYTES: usize = 1024;

/// A field violation with its description bounded.
fn violation(field: &str, description: &str) -> PbFieldViolation {
    PbFieldViolation::new(
        bound_text(field, MAX_DETAIL_BYTES / 4).into_owned(),
        bound_text(description, MAX_DETAIL_BYTES).into_owned(),
    )
}

/// `text` if it fits in `max` bytes; otherwise its first and last lines (cut inside a
/// line when one line alone is too long) around a line saying how many bytes were cut.
pub fn bound_text(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= max {
        return text.into();
    }
    // The marker's length is bounded by the digits of usize.
    let budget = max.saturating_sub(48);
    let head = floor_boundary(text, budget / 2);
    let head = text[..head].rfind('\n').filter(|i| *i > 0).unwrap_or(head);
    let tail_len = budget - head;
    let tail = ceil_boundary(text, text.len() - tail_len);
    let tail = match text[tail..].find('\n') {
        Some(i) if tail + i + 1 < text.len() => tail + i + 1,
        _ => tail,
    };
    let cut = tail - head;
    format!(
        "{}\n[... {cut} bytes cut ...]\n{}",
        &text[..head],
        &text[tail..]
    )
    .into()
}

/// The largest char boundary of `s` at or below `i`.
fn floor_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The smallest char boundary of `s` at or above `i`.
fn ceil_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// The gRPC code and reason of each error.
fn classify(err: &Error) -> (Code, ErrorReason) {
    match err {
        Error::DatabaseUnavailable(_) => (Code::Unavailable, ErrorReason::DatabaseUnavailable),
        Error::InvalidArgument(_) => (Code::InvalidArgument, ErrorReason::RequestInvalid),
        Error::OperationNotFound(_) => (Code::NotFound, ErrorReason::OperationNotFound),
        Error::NotImplemented(_) => (Code::Unimplemented, ErrorReason::NotImplemented),
        Error::CredentialsKeyNotConfigured => (
            Code::FailedPrecondition,
            ErrorReason::CredentialsKeyNotConfigured,
        ),
        Error::CredentialsSecret { .. } => (
            Code::FailedPrecondition,
            ErrorReason::CredentialsSecretInvalid,
        ),
        Error::KubernetesUnavailable(_) => (Code::Unavailable, ErrorReason::KubernetesUnavailable),
        Error::KubernetesForbidden(_) => (Code::PermissionDenied, ErrorReason::KubernetesForbidden),
        Error::KubernetesNotConfigured(_) => (
            Code::FailedPrecondition,
            ErrorReason::KubernetesNotConfigured,
        ),
        Error::ManifestRejected { .. } => (Code::InvalidArgument, ErrorReason::ManifestRejected),
        Error::RepositoryNotFound(_) => (Code::NotFound, ErrorReason::RepositoryNotFound),
        Error::RepositoryAlreadyExists(_) => {
            (Code::AlreadyExists, ErrorReason::RepositoryAlreadyExists)
        }
        Error::EtagMismatch(_) => (Code::Aborted, ErrorReason::EtagMismatch),
        Error::RepositoryTypeUnsupported(_) => (
            Code::FailedPrecondition,
            ErrorReason::RepositoryTypeUnsupported,
        ),
        Error::Source(e) | Error::DependencyFetch { source: e, .. } => classify_source(e),
        Error::ChartDependencies(_) => (
            Code::FailedPrecondition,
            ErrorReason::ChartDependenciesMissing,
        ),
        Error::Release(e) => classify_release(e),
        Error::RevisionNotFound { .. } => (Code::NotFound, ErrorReason::RevisionNotFound),
        Error::Render(helmd_render::Error::Stopped(stopped)) => match stopped {
            helmd_render::Stopped::TimedOut(_) => {
                (Code::DeadlineExceeded, ErrorReason::LimitExceeded)
            }
            helmd_render::Stopped::Cancelled => (Code::Cancelled, ErrorReason::Internal),
        },
        Error::ChartInput { source, .. } | Error::Render(source) => render_status(source),
        Error::Task(_) => (Code::Internal, ErrorReason::Internal),
        Error::Action(e) => classify_action(e.root()),
        Error::ReleaseLocked { .. } => (Code::Aborted, ErrorReason::ReleaseLocked),
        Error::Unsupported { .. } => (Code::Unimplemented, ErrorReason::NotImplemented),
        Error::LimitExceeded { .. } => (Code::ResourceExhausted, ErrorReason::LimitExceeded),
        Error::CredentialsKey { .. } => (Code::Internal, ErrorReason::Internal),
        Error::DataDir { .. }
        | Error::DatabaseUrl { .. }
        | Error::DatabaseConnect { .. }
        | Error::Migrate(_)
        | Error::Kubeconfig { .. }
        | Error::Listen { .. }
        | Error::Serve(_)
        | Error::Database(_)
        | Error::Corrupt(_) => (Code::Internal, ErrorReason::Internal),
    }
}

/// The code and reason of an engine error: INVALID_ARGUMENT (the chart or the request
/// is at fault), but FAILED_PRECONDITION for dependencies missing from `charts/`
/// (`dependency_update` or `helm dependency build` fixes them).
fn render_status(err: &helmd_render::Error) -> (Code, ErrorReason) {
    match err {
        helmd_render::Error::Chart(helmd_chart::Error::MissingDependencies(_)) => (
            Code::FailedPrecondition,
            ErrorReason::ChartDependenciesMissing,
        ),
        other => (Code::InvalidArgument, render_reason(other)),
    }
}

/// The reason of an engine error that is the chart's or the request's fault.
fn render_reason(err: &helmd_render::Error) -> ErrorReason {
    use helmd_chart::Error as C;
    use helmd_render::Error as R;
    match err {
        R::Chart(C::Values(_)) => ErrorReason::ValuesInvalid,
        R::Chart(C::Schema(_)) => ErrorReason::ValuesSchemaViolation,
        R::Chart(_) => ErrorReason::ChartInvalid,
        R::KubeVersion(_) => ErrorReason::RequestInvalid,
        R::Parse(_) | R::Execute(_) => ErrorReason::TemplateError,
        R::Manifest(_) => ErrorReason::ManifestInvalid,
        R::Stopped(_) => ErrorReason::LimitExceeded,
    }
}

/// The request field a render-time engine error is about, when one is.
fn render_field(err: &helmd_render::Error) -> Option<&'static str> {
    use helmd_chart::Error as C;
    use helmd_render::Error as R;
    match err {
        R::Chart(C::Values(_) | C::Schema(_)) => Some("values"),
        R::KubeVersion(_) => Some("kube_version"),
        _ => None,
    }
}

/// The gRPC code and reason of each release-record error (helmd-release's every variant).
fn classify_release(err: &helmd_release::Error) -> (Code, ErrorReason) {
    use helmd_release::Error as R;
    match err {
        R::NotFound => (Code::NotFound, ErrorReason::ReleaseNotFound),
        R::Exists => (Code::AlreadyExists, ErrorReason::ReleaseAlreadyExists),
        // The release is too big for its storage: retrying the same release fails
        // the same way, so FAILED_PRECONDITION rather than RESOURCE_EXHAUSTED.
        R::RecordTooLarge { .. } => (Code::FailedPrecondition, ErrorReason::LimitExceeded),
        R::SystemLabel => (Code::InvalidArgument, ErrorReason::RequestInvalid),
        R::Base64(_) | R::Gzip(_) | R::Json(_) | R::Time(_) | R::NotARecord(_) => {
            (Code::DataLoss, ErrorReason::ReleaseRecordCorrupt)
        }
        R::Storage(_) => (Code::Internal, ErrorReason::Internal),
    }
}

/// The gRPC code and reason of each release-action error (helmd-action's every variant).
fn classify_action(err: &helmd_action::Error) -> (Code, ErrorReason) {
    use helmd_action::Error as A;
    match err {
        A::InvalidName { .. } | A::InvalidRequest { .. } => {
            (Code::InvalidArgument, ErrorReason::RequestInvalid)
        }
        A::LibraryChart => (Code::InvalidArgument, ErrorReason::ChartInvalid),
        A::ResourceGroups { .. } => (Code::InvalidArgument, ErrorReason::ResourceGroupsInvalid),
        A::CrdUpgradeUnsafe { .. } => (Code::FailedPrecondition, ErrorReason::CrdUpgradeUnsafe),
        A::KubeVersion { .. } => (
            Code::FailedPrecondition,
            ErrorReason::KubeVersionIncompatible,
        ),
        A::NameInUse => (Code::AlreadyExists, ErrorReason::ReleaseAlreadyExists),
        A::NotFound => (Code::NotFound, ErrorReason::ReleaseNotFound),
        A::RevisionNotFound(_) => (Code::NotFound, ErrorReason::RevisionNotFound),
        A::Pending { .. } => (Code::FailedPrecondition, ErrorReason::ReleasePending),
        A::NotDeployed(_) => (Code::FailedPrecondition, ErrorReason::ReleaseNotDeployed),
        A::Render(helmd_render::Error::KubeVersion(_)) => (
            Code::FailedPrecondition,
            ErrorReason::KubeVersionIncompatible,
        ),
        A::Render(helmd_render::Error::Stopped(_)) => {
            (Code::DeadlineExceeded, ErrorReason::LimitExceeded)
        }
        A::Render(e) => render_status(e),
        A::Store(e) => classify_release(e),
        A::Kube { source, .. } => classify_kube(source),
        A::TestFailed { .. } => (Code::FailedPrecondition, ErrorReason::TestFailed),
        A::InvalidTarget { .. } => (Code::InvalidArgument, ErrorReason::RollbackTargetInvalid),
        A::RolledBack { cause, .. } | A::LeftFailed { cause, .. } => classify_action(cause),
    }
}

/// The gRPC code and reason of each cluster error (helmd-kube's every variant).
fn classify_kube(err: &helmd_kube::Error) -> (Code, ErrorReason) {
    use helmd_kube::Error as K;
    match err {
        K::Unavailable(_) => (Code::Unavailable, ErrorReason::KubernetesUnavailable),
        K::Forbidden { .. } => (Code::PermissionDenied, ErrorReason::KubernetesForbidden),
        K::Rejected { .. } => (Code::InvalidArgument, ErrorReason::KubernetesRejected),
        K::Invalid { .. } => (Code::InvalidArgument, ErrorReason::ManifestInvalid),
        K::TypeNotFound { .. } => (Code::FailedPrecondition, ErrorReason::ResourceTypeNotFound),
        K::NamespaceNotFound(_) => (Code::NotFound, ErrorReason::NamespaceNotFound),
        K::Conflict { .. } => (Code::FailedPrecondition, ErrorReason::ResourceConflict),
        K::NotOwned { .. } => (Code::FailedPrecondition, ErrorReason::ResourceNotOwned),
        K::WaitTimeout { .. } => (Code::DeadlineExceeded, ErrorReason::WaitTimeout),
        K::HookFailed { .. } | K::AlreadyExists { .. } => {
            (Code::FailedPrecondition, ErrorReason::HookFailed)
        }
        K::ResourceFailed { .. } => (Code::FailedPrecondition, ErrorReason::ResourceFailed),
        K::Stopped(_) => (Code::Cancelled, ErrorReason::Internal),
        // Template `lookup`s fail inside a render (a template error); these
        // arms are for completeness.
        K::LookupFailed(_) => (Code::InvalidArgument, ErrorReason::TemplateError),
        K::ResponseTooLarge { .. } => (Code::ResourceExhausted, ErrorReason::LimitExceeded),
    }
}

/// ErrorInfo metadata of a release-action error: the objects, hooks and revisions
/// it is about.
fn action_metadata(err: &helmd_action::Error) -> HashMap<String, String> {
    use helmd_action::Error as A;
    use helmd_kube::Error as K;
    let pair = |k: &str, v: &str| (k.to_owned(), bound_text(v, MAX_DETAIL_BYTES).into_owned());
    match err {
        A::RevisionNotFound(v) | A::InvalidTarget { revision: v, .. } => {
            HashMap::from([pair("revision", &v.to_string())])
        }
        A::ResourceGroups {
            group: Some(group), ..
        } => HashMap::from([pair("group", group)]),
        A::CrdUpgradeUnsafe { crd, .. } => HashMap::from([pair("crd", crd)]),
        A::Pending { revision, status } => HashMap::from([
            pair("revision", &revision.to_string()),
            pair("status", status.as_str()),
        ]),
        A::Kube { source, .. } | A::TestFailed { source, .. } => match source.as_ref() {
            K::Rejected {
                template, resource, ..
            } => HashMap::from([pair("template", template), pair("resource", resource)]),
            K::TypeNotFound {
                template,
                kind,
                name,
                api_version,
                ..
            } => HashMap::from([
                pair("template", template),
                pair("resource", &format!("{api_version}/{kind}/{name}")),
            ]),
            K::Forbidden { resource, .. }
            | K::Conflict { resource, .. }
            | K::ResourceFailed { resource, .. }
            | K::AlreadyExists { resource } => HashMap::from([pair("resource", resource)]),
            K::NotOwned {
                kind,
                name,
                namespace,
                ..
            } => HashMap::from([pair("resource", &format!("{kind}/{namespace}/{name}"))]),
            K::Invalid { template, .. } => HashMap::from([pair("template", template)]),
            K::HookFailed { hook, .. } => HashMap::from([pair("hook", hook)]),
            _ => HashMap::new(),
        },
        _ => HashMap::new(),
    }
}

/// The gRPC code and reason of each chart-source error (helmd-source's every variant).
fn classify_source(err: &helmd_source::Error) -> (Code, ErrorReason) {
    use helmd_source::Error as S;
    match err {
        S::InvalidReference { .. }
        | S::InvalidConstraint { .. }
        | S::InvalidConfig { .. }
        | S::DependencyLock { .. } => (Code::InvalidArgument, ErrorReason::RequestInvalid),
        S::InvalidArchive { .. } => (Code::InvalidArgument, ErrorReason::ChartInvalid),
        S::TooLarge {
            what: "chart archive",
            ..
        } => (Code::InvalidArgument, ErrorReason::ChartTooLarge),
        S::TooLarge { .. } => (
            Code::FailedPrecondition,
            ErrorReason::SourceResponseTooLarge,
        ),
        S::AddressDenied { .. } => (Code::FailedPrecondition, ErrorReason::SourceAddressDenied),
        S::CredentialsWithheld { .. } => {
            (Code::FailedPrecondition, ErrorReason::CredentialsWithheld)
        }
        S::DeadlineExceeded { .. } => (Code::DeadlineExceeded, ErrorReason::SourceTimeout),
        S::ChartNotFound { .. } => (Code::NotFound, ErrorReason::ChartNotFound),
        S::VersionNotFound { .. } => (Code::NotFound, ErrorReason::ChartVersionNotFound),
        // The registry or repository refused the configured credentials: the caller's
        // own authentication to helmd is fine, so this is not UNAUTHENTICATED (errors.proto).
        S::Unauthenticated { .. } => (
            Code::FailedPrecondition,
            ErrorReason::RegistryAuthenticationFailed,
        ),
        S::PermissionDenied { .. } => (Code::PermissionDenied, ErrorReason::PermissionDenied),
        S::Unavailable { .. } => (Code::Unavailable, ErrorReason::RegistryUnavailable),
        // An untrusted certificate does not heal by retrying: fix the repository's TLS.
        S::Tls { .. } => (Code::FailedPrecondition, ErrorReason::RegistryUnavailable),
        // The source served content that is not what it promised: corrupt upstream data.
        S::DigestMismatch { .. } => (Code::DataLoss, ErrorReason::DigestMismatch),
        S::Protocol { .. } => (
            Code::FailedPrecondition,
            ErrorReason::RepositoryIndexInvalid,
        ),
        S::Cache { .. } => (Code::Internal, ErrorReason::Internal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(err: Error, code: Code, reason: &str) -> Status {
        let status = Status::from(err);
        assert_eq!(status.code(), code);
        let info = status.get_details_error_info().expect("error info");
        assert_eq!(info.reason, reason);
        assert_eq!(info.domain, ERROR_DOMAIN);
        status
    }

    #[test]
    fn unavailable_database_is_unavailable() {
        check(
            Error::DatabaseUnavailable(sqlx::Error::PoolTimedOut),
            Code::Unavailable,
            "DATABASE_UNAVAILABLE",
        );
    }

    #[test]
    fn invalid_arguments_carry_field_violations() {
        let status = check(
            Error::invalid("page_token", "malformed"),
            Code::InvalidArgument,
            "REQUEST_INVALID",
        );
        let bad = status.get_details_bad_request().expect("bad request");
        assert_eq!(bad.field_violations[0].field, "page_token");
    }

    #[test]
    fn unbuilt_rpcs_are_unimplemented() {
        let status = check(
            Error::NotImplemented("helmd.v1.ReleaseService/InstallRelease"),
            Code::Unimplemented,
            "NOT_IMPLEMENTED",
        );
        assert!(status.message().contains("InstallRelease"));
    }

    #[test]
    fn source_hardening_errors_name_their_limits() {
        use helmd_source::Error as S;
        let status = check(
            Error::Source(S::TooLarge {
                what: "tag list page",
                size: 5,
                limit: 4,
            }),
            Code::FailedPrecondition,
            "SOURCE_RESPONSE_TOO_LARGE",
        );
        let info = status.get_details_error_info().expect("error info");
        assert_eq!(info.metadata["limit"], "tag list page: 4 bytes");
        check(
            Error::Source(S::DeadlineExceeded {
                host: "r".into(),
                limit: std::time::Duration::from_secs(2),
                what: "--source-timeout",
            }),
            Code::DeadlineExceeded,
            "SOURCE_TIMEOUT",
        );
        check(
            Error::Source(S::AddressDenied {
                host: "metadata".into(),
                address: std::net::Ipv4Addr::new(169, 254, 169, 254).into(),
                rule: "169.254.0.0/16".into(),
            }),
            Code::FailedPrecondition,
            "SOURCE_ADDRESS_DENIED",
        );
        check(
            Error::Source(S::CredentialsWithheld {
                host: "r".into(),
                target: "https://auth/".into(),
                reason: "the token realm is on another host",
            }),
            Code::FailedPrecondition,
            "CREDENTIALS_WITHHELD",
        );
    }

    #[test]
    fn chart_source_errors_map_to_their_codes() {
        use helmd_source::Error as S;
        let status = check(
            Error::Source(S::VersionNotFound {
                chart: "demo".into(),
                constraint: "^9".into(),
                available: vec!["1.1.0".into(), "1.0.0".into()],
            }),
            Code::NotFound,
            "CHART_VERSION_NOT_FOUND",
        );
        assert!(status.message().contains("1.1.0, 1.0.0"), "{status:?}");
        check(
            Error::Source(S::Unauthenticated {
                host: "r".into(),
                reason: "401".into(),
            }),
            Code::FailedPrecondition,
            "REGISTRY_AUTHENTICATION_FAILED",
        );
        check(
            Error::Source(S::TooLarge {
                what: "chart archive",
                size: 2,
                limit: 1,
            }),
            Code::InvalidArgument,
            "CHART_TOO_LARGE",
        );
        check(
            Error::Source(S::DigestMismatch {
                what: "x".into(),
                expected: "a".into(),
                actual: "b".into(),
            }),
            Code::DataLoss,
            "DIGEST_MISMATCH",
        );
    }

    #[test]
    fn engine_errors_are_invalid_argument_with_their_reason_and_field() {
        let status = check(
            Error::Render(helmd_render::Error::Execute(
                "template: x/templates/a.yaml:1:3: executing ...".into(),
            )),
            Code::InvalidArgument,
            "TEMPLATE_ERROR",
        );
        assert!(status.message().contains("x/templates/a.yaml:1:3"));
        assert!(status.get_details_bad_request().is_none());
        let status = check(
            Error::ChartInput {
                field: "chart.uploaded.archive".into(),
                source: helmd_render::Error::Chart(helmd_chart::Error::Archive(
                    "not a gzip archive".into(),
                )),
            },
            Code::InvalidArgument,
            "CHART_INVALID",
        );
        let bad = status.get_details_bad_request().expect("bad request");
        assert_eq!(bad.field_violations[0].field, "chart.uploaded.archive");
        check(
            Error::Render(helmd_render::Error::Chart(helmd_chart::Error::Schema(
                "values don't meet the specifications of the schema(s)".into(),
            ))),
            Code::InvalidArgument,
            "VALUES_SCHEMA_VIOLATION",
        );
    }

    #[test]
    fn long_texts_keep_their_first_and_last_lines_and_say_what_was_cut() {
        let text: String = (0..1000).map(|i| format!("line {i}\n")).collect();
        let cut = bound_text(&text, 200);
        assert!(cut.len() <= 200, "{} bytes", cut.len());
        assert!(cut.starts_with("line 0\nline 1\n"), "{cut}");
        assert!(cut.ends_with("line 998\nline 999\n"), "{cut}");
        assert!(cut.contains(" bytes cut ...]"), "{cut}");
        assert_eq!(bound_text("short", 200), "short");
    }

    #[test]
    fn one_huge_line_is_cut_inside_it_on_char_boundaries() {
        let text = "é".repeat(10_000);
        let cut = bound_text(&text, 300);
        assert!(cut.len() <= 300, "{} bytes", cut.len());
        assert!(cut.starts_with("éé") && cut.ends_with("éé"), "{cut}");
    }

    #[test]
    fn huge_render_errors_become_statuses_that_fit_in_headers() {
        let status = check(
            Error::Render(helmd_render::Error::Execute("x".repeat(20_000_000))),
            Code::InvalidArgument,
            "TEMPLATE_ERROR",
        );
        assert!(status.message().len() <= MAX_MESSAGE_BYTES);
        let status = check(
            Error::ChartInput {
                field: "values".into(),
                source: helmd_render::Error::Chart(helmd_chart::Error::Values("y".repeat(100_000))),
            },
            Code::InvalidArgument,
            "VALUES_INVALID",
        );
        let bad = status.get_details_bad_request().expect("bad request");
        assert!(bad.field_violations[0].description.len() <= MAX_DETAIL_BYTES);
        assert!(status.message().len() <= MAX_MESSAGE_BYTES);
    }

    #[test]
    fn limits_name_themselves_and_say_when_to_retry() {
        let status = check(
            Error::LimitExceeded {
                limit: "max-concurrent-requests",
                message: "full".into(),
                retry_after: Some(std::time::Duration::from_secs(1)),
            },
            Code::ResourceExhausted,
            "LIMIT_EXCEEDED",
        );
        let info = status.get_details_error_info().expect("error info");
        assert_eq!(info.metadata["limit"], "max-concurrent-requests");
        let retry = status.get_details_retry_info().expect("retry info");
        assert_eq!(retry.retry_delay, Some(std::time::Duration::from_secs(1)));
        check(
            Error::Render(helmd_render::Error::Stopped(
                helmd_render::Stopped::TimedOut(std::time::Duration::from_secs(30)),
            )),
            Code::DeadlineExceeded,
            "LIMIT_EXCEEDED",
        );
    }

    #[test]
    fn internal_errors_hide_their_cause() {
        let status = check(
            Error::Database(sqlx::Error::RowNotFound),
            Code::Internal,
            "INTERNAL",
        );
        assert_eq!(
            status.message(),
            "internal error; the server logged the cause"
        );
    }

    #[test]
    fn release_record_errors_map_to_their_codes() {
        use helmd_release::Error as R;
        check(
            Error::from(R::NotFound),
            Code::NotFound,
            "RELEASE_NOT_FOUND",
        );
        let status = check(
            Error::from_revision_get(R::NotFound, "web", 3),
            Code::NotFound,
            "REVISION_NOT_FOUND",
        );
        let info = status.get_details_error_info().expect("info");
        assert_eq!(info.metadata["revision"], "3");
        check(
            Error::from_revision_get(R::Exists, "web", 3),
            Code::AlreadyExists,
            "RELEASE_ALREADY_EXISTS",
        );
        check(
            Error::from(R::SystemLabel),
            Code::InvalidArgument,
            "REQUEST_INVALID",
        );
        for corrupt in [
            R::Json("bad".into()),
            R::Time("x".into()),
            R::NotARecord("Secret web".into()),
            helmd_release::decode_release("!!").expect_err("not base64"),
        ] {
            check(
                Error::from(corrupt),
                Code::DataLoss,
                "RELEASE_RECORD_CORRUPT",
            );
        }
    }

    #[test]
    fn a_release_too_large_for_a_secret_names_the_limit() {
        let status = check(
            Error::from(helmd_release::Error::RecordTooLarge {
                key: "sh.helm.release.v1.web.v1".into(),
                size: 2_000_000,
                limit: helmd_release::MAX_SECRET_BYTES,
            }),
            Code::FailedPrecondition,
            "LIMIT_EXCEEDED",
        );
        let info = status.get_details_error_info().expect("info");
        assert_eq!(info.metadata["limit"], "release record: 1048576 bytes");
        assert!(status.message().contains("1048576"), "{}", status.message());
    }

    #[test]
    fn storage_failures_keep_their_own_classification() {
        let boxed = |e: Error| helmd_release::Error::Storage(Box::new(e));
        check(
            Error::from(boxed(Error::KubernetesNotConfigured(
                "no kubeconfig".into(),
            ))),
            Code::FailedPrecondition,
            "KUBERNETES_NOT_CONFIGURED",
        );
        check(
            Error::from(boxed(Error::from_db(sqlx::Error::PoolTimedOut))),
            Code::Unavailable,
            "DATABASE_UNAVAILABLE",
        );
        check(
            Error::from(helmd_release::Error::Storage("other".into())),
            Code::Internal,
            "INTERNAL",
        );
    }
}
