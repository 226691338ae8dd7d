//! Kubernetes API versions that are deprecated, as Helm's linter warns about
//! them (its deprecation table, learned from Helm v4.2.3 with the oracle).

/// `(apiVersion, kind, deprecated in 1.x, unavailable in 1.x, replacement)`.
type Entry = (
    &'static str,
    &'static str,
    u32,
    Option<u32>,
    Option<&'static str>,
);

#[rustfmt::skip]
const TABLE: &[Entry] = &[
    (
        "admissionregistration.k8s.io/v1alpha1",
        "MutatingAdmissionPolicy",
        35,
        Some(38),
        None,
    ),
    (
        "admissionregistration.k8s.io/v1alpha1",
        "MutatingAdmissionPolicyBinding",
        35,
        Some(38),
        None,
    ),
    (
        "admissionregistration.k8s.io/v1alpha1",
        "ValidatingAdmissionPolicy",
        29,
        Some(32),
        None,
    ),
    (
        "admissionregistration.k8s.io/v1alpha1",
        "ValidatingAdmissionPolicyBinding",
        29,
        Some(32),
        None,
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "MutatingAdmissionPolicy",
        37,
        Some(40),
        Some("admissionregistration.k8s.io/v1 MutatingAdmissionPolicy"),
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "MutatingAdmissionPolicyBinding",
        37,
        Some(40),
        Some("admissionregistration.k8s.io/v1 MutatingAdmissionPolicyBinding"),
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
        16,
        Some(22),
        Some("admissionregistration.k8s.io/v1 MutatingWebhookConfiguration"),
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingAdmissionPolicy",
        31,
        Some(34),
        None,
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingAdmissionPolicyBinding",
        31,
        Some(34),
        None,
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
        16,
        Some(22),
        Some("admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration"),
    ),
    (
        "apps/v1beta1",
        "ControllerRevision",
        8,
        Some(16),
        Some("apps/v1 ControllerRevision"),
    ),
    (
        "apps/v1beta1",
        "Deployment",
        8,
        Some(16),
        Some("apps/v1 Deployment"),
    ),
    (
        "apps/v1beta1",
        "StatefulSet",
        8,
        Some(16),
        Some("apps/v1 StatefulSet"),
    ),
    (
        "apps/v1beta2",
        "ControllerRevision",
        9,
        Some(16),
        Some("apps/v1 ControllerRevision"),
    ),
    (
        "apps/v1beta2",
        "DaemonSet",
        9,
        Some(16),
        Some("apps/v1 DaemonSet"),
    ),
    (
        "apps/v1beta2",
        "Deployment",
        9,
        Some(16),
        Some("apps/v1 Deployment"),
    ),
    (
        "apps/v1beta2",
        "ReplicaSet",
        9,
        Some(16),
        Some("apps/v1 ReplicaSet"),
    ),
    (
        "apps/v1beta2",
        "StatefulSet",
        9,
        Some(16),
        Some("apps/v1 StatefulSet"),
    ),
    (
        "authentication.k8s.io/v1alpha1",
        "SelfSubjectReview",
        29,
        Some(32),
        None,
    ),
    (
        "authentication.k8s.io/v1beta1",
        "SelfSubjectReview",
        30,
        Some(33),
        None,
    ),
    (
        "authentication.k8s.io/v1beta1",
        "TokenReview",
        19,
        Some(22),
        Some("authentication.k8s.io/v1 TokenReview"),
    ),
    (
        "authorization.k8s.io/v1beta1",
        "LocalSubjectAccessReview",
        19,
        Some(22),
        Some("authorization.k8s.io/v1 LocalSubjectAccessReview"),
    ),
    (
        "authorization.k8s.io/v1beta1",
        "SelfSubjectAccessReview",
        19,
        Some(22),
        Some("authorization.k8s.io/v1 SelfSubjectAccessReview"),
    ),
    (
        "authorization.k8s.io/v1beta1",
        "SelfSubjectRulesReview",
        19,
        Some(22),
        Some("authorization.k8s.io/v1 SelfSubjectRulesReview"),
    ),
    (
        "authorization.k8s.io/v1beta1",
        "SubjectAccessReview",
        19,
        Some(22),
        Some("authorization.k8s.io/v1 SubjectAccessReview"),
    ),
    (
        "batch/v1beta1",
        "CronJob",
        21,
        Some(25),
        Some("batch/v1 CronJob"),
    ),
    (
        "certificates.k8s.io/v1alpha1",
        "ClusterTrustBundle",
        34,
        Some(37),
        None,
    ),
    (
        "certificates.k8s.io/v1beta1",
        "CertificateSigningRequest",
        19,
        Some(22),
        Some("certificates.k8s.io/v1 CertificateSigningRequest"),
    ),
    (
        "certificates.k8s.io/v1beta1",
        "ClusterTrustBundle",
        37,
        Some(40),
        None,
    ),
    (
        "coordination.k8s.io/v1alpha2",
        "LeaseCandidate",
        35,
        Some(38),
        None,
    ),
    (
        "coordination.k8s.io/v1beta1",
        "Lease",
        19,
        Some(22),
        Some("coordination.k8s.io/v1 Lease"),
    ),
    (
        "coordination.k8s.io/v1beta1",
        "LeaseCandidate",
        36,
        Some(39),
        None,
    ),
    (
        "discovery.k8s.io/v1beta1",
        "EndpointSlice",
        21,
        Some(25),
        Some("discovery.k8s.io/v1 EndpointSlice"),
    ),
    ("events.k8s.io/v1beta1", "Event", 22, Some(25), None),
    (
        "extensions/v1beta1",
        "DaemonSet",
        8,
        Some(16),
        Some("apps/v1 DaemonSet"),
    ),
    (
        "extensions/v1beta1",
        "Deployment",
        8,
        Some(16),
        Some("apps/v1 Deployment"),
    ),
    (
        "extensions/v1beta1",
        "Ingress",
        14,
        Some(22),
        Some("networking.k8s.io/v1 Ingress"),
    ),
    (
        "extensions/v1beta1",
        "NetworkPolicy",
        9,
        Some(16),
        Some("networking.k8s.io/v1 NetworkPolicy"),
    ),
    (
        "extensions/v1beta1",
        "ReplicaSet",
        8,
        Some(16),
        Some("apps/v1 ReplicaSet"),
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "FlowSchema",
        23,
        Some(26),
        Some("flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema"),
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
        23,
        Some(26),
        Some("flowcontrol.apiserver.k8s.io/v1beta3 PriorityLevelConfiguration"),
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "FlowSchema",
        26,
        Some(29),
        Some("flowcontrol.apiserver.k8s.io/v1beta3 FlowSchema"),
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta2",
        "PriorityLevelConfiguration",
        26,
        Some(29),
        Some("flowcontrol.apiserver.k8s.io/v1beta3 PriorityLevelConfiguration"),
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "FlowSchema",
        29,
        Some(32),
        Some("flowcontrol.apiserver.k8s.io/v1 FlowSchema"),
    ),
    (
        "flowcontrol.apiserver.k8s.io/v1beta3",
        "PriorityLevelConfiguration",
        29,
        Some(32),
        Some("flowcontrol.apiserver.k8s.io/v1 PriorityLevelConfiguration"),
    ),
    ("networking.k8s.io/v1beta1", "IPAddress", 34, Some(37), None),
    (
        "networking.k8s.io/v1beta1",
        "Ingress",
        19,
        Some(22),
        Some("networking.k8s.io/v1 Ingress"),
    ),
    (
        "networking.k8s.io/v1beta1",
        "IngressClass",
        19,
        Some(22),
        Some("networking.k8s.io/v1 IngressClassList"),
    ),
    (
        "networking.k8s.io/v1beta1",
        "ServiceCIDR",
        34,
        Some(37),
        None,
    ),
    ("node.k8s.io/v1beta1", "RuntimeClass", 22, Some(25), None),
    ("policy/v1beta1", "Eviction", 22, Some(25), None),
    (
        "policy/v1beta1",
        "PodDisruptionBudget",
        21,
        Some(25),
        Some("policy/v1 PodDisruptionBudget"),
    ),
    (
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRole",
        17,
        Some(22),
        Some("rbac.authorization.k8s.io/v1 ClusterRole"),
    ),
    (
        "rbac.authorization.k8s.io/v1beta1",
        "ClusterRoleBinding",
        17,
        Some(22),
        Some("rbac.authorization.k8s.io/v1 ClusterRoleBinding"),
    ),
    (
        "rbac.authorization.k8s.io/v1beta1",
        "Role",
        17,
        Some(22),
        Some("rbac.authorization.k8s.io/v1 Role"),
    ),
    (
        "rbac.authorization.k8s.io/v1beta1",
        "RoleBinding",
        17,
        Some(22),
        Some("rbac.authorization.k8s.io/v1 RoleBinding"),
    ),
    (
        "resource.k8s.io/v1alpha3",
        "DeviceTaintRule",
        36,
        Some(39),
        None,
    ),
    ("resource.k8s.io/v1beta1", "DeviceClass", 35, Some(38), None),
    (
        "resource.k8s.io/v1beta1",
        "ResourceClaim",
        35,
        Some(38),
        None,
    ),
    (
        "resource.k8s.io/v1beta1",
        "ResourceClaimTemplate",
        35,
        Some(38),
        None,
    ),
    (
        "resource.k8s.io/v1beta1",
        "ResourceSlice",
        35,
        Some(38),
        None,
    ),
    ("resource.k8s.io/v1beta2", "DeviceClass", 36, Some(39), None),
    (
        "resource.k8s.io/v1beta2",
        "ResourceClaim",
        36,
        Some(39),
        None,
    ),
    (
        "resource.k8s.io/v1beta2",
        "ResourceClaimTemplate",
        36,
        Some(39),
        None,
    ),
    (
        "resource.k8s.io/v1beta2",
        "ResourceSlice",
        36,
        Some(39),
        None,
    ),
    (
        "scheduling.k8s.io/v1beta1",
        "PriorityClass",
        14,
        Some(22),
        Some("scheduling.k8s.io/v1 PriorityClass"),
    ),
    (
        "storage.k8s.io/v1alpha1",
        "CSIStorageCapacity",
        21,
        Some(24),
        Some("storage.k8s.io/v1beta1 CSIStorageCapacity"),
    ),
    (
        "storage.k8s.io/v1alpha1",
        "VolumeAttachment",
        21,
        Some(24),
        Some("storage.k8s.io/v1 VolumeAttachment"),
    ),
    (
        "storage.k8s.io/v1alpha1",
        "VolumeAttributesClass",
        32,
        Some(35),
        Some("storage.k8s.io/v1 VolumeAttributesClass"),
    ),
    (
        "storage.k8s.io/v1beta1",
        "CSIDriver",
        19,
        Some(22),
        Some("storage.k8s.io/v1 CSIDriver"),
    ),
    (
        "storage.k8s.io/v1beta1",
        "CSINode",
        17,
        Some(22),
        Some("storage.k8s.io/v1 CSINode"),
    ),
    (
        "storage.k8s.io/v1beta1",
        "CSIStorageCapacity",
        24,
        Some(27),
        Some("storage.k8s.io/v1 CSIStorageCapacity"),
    ),
    (
        "storage.k8s.io/v1beta1",
        "StorageClass",
        19,
        Some(22),
        Some("storage.k8s.io/v1 StorageClass"),
    ),
    (
        "storage.k8s.io/v1beta1",
        "VolumeAttachment",
        19,
        Some(22),
        Some("storage.k8s.io/v1 VolumeAttachment"),
    ),
    (
        "storage.k8s.io/v1beta1",
        "VolumeAttributesClass",
        34,
        Some(37),
        Some("storage.k8s.io/v1 VolumeAttributesClass"),
    ),
    ("v1", "ComponentStatus", 19, None, None),
    (
        "v1",
        "Endpoints",
        33,
        None,
        Some("discovery.k8s.io/v1 EndpointSlice"),
    ),
];

/// Helm's warning for `apiVersion`/`kind` when deprecated at Kubernetes `major.minor`.
pub fn check(api_version: &str, kind: &str, major: u32, minor: u32) -> Result<(), String> {
    if api_version.is_empty() || kind.is_empty() {
        return Ok(());
    }
    let Some(&(_, _, since, removed, replacement)) = TABLE
        .iter()
        .find(|(gv, k, ..)| *gv == api_version && *k == kind)
    else {
        return Ok(());
    };
    if major < 1 || (major == 1 && minor < since) {
        return Ok(());
    }
    let mut msg = format!("{api_version} {kind} is deprecated in v1.{since}+");
    if let Some(r) = removed {
        msg.push_str(&format!(", unavailable in v1.{r}+"));
    }
    if let Some(r) = replacement {
        msg.push_str(&format!("; use {r}"));
    }
    Err(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deprecated_apis_warn_from_their_version_on() {
        assert_eq!(
            check("batch/v1beta1", "CronJob", 1, 21),
            Err("batch/v1beta1 CronJob is deprecated in v1.21+, unavailable in v1.25+; use batch/v1 CronJob".into())
        );
        assert_eq!(check("batch/v1beta1", "CronJob", 1, 20), Ok(()));
        assert_eq!(
            check("v1", "Endpoints", 1, 36),
            Err(
                "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"
                    .into()
            )
        );
        assert_eq!(check("v1", "ConfigMap", 1, 36), Ok(()));
    }
}
