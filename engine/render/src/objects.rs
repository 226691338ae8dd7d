//! Helm's built-in objects that are Go structs with methods:
//! `.Capabilities` (KubeVersion, APIVersions.Has, HelmVersion) and `.Files`.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use helmd_gotmpl::fmt::format_v;
use helmd_yaml::{ElemType, Object, ObjectError, Str, Value};

/// Kubernetes API versions Helm v4.2 assumes when no cluster is asked.
pub const DEFAULT_API_VERSIONS: &[&str] = &[
    "v1",
    "admissionregistration.k8s.io/v1",
    "admissionregistration.k8s.io/v1alpha1",
    "admissionregistration.k8s.io/v1beta1",
    "internal.apiserver.k8s.io/v1alpha1",
    "apps/v1",
    "apps/v1beta1",
    "apps/v1beta2",
    "authentication.k8s.io/v1",
    "authentication.k8s.io/v1alpha1",
    "authentication.k8s.io/v1beta1",
    "authorization.k8s.io/v1",
    "authorization.k8s.io/v1beta1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "batch/v1beta1",
    "certificates.k8s.io/v1",
    "certificates.k8s.io/v1beta1",
    "certificates.k8s.io/v1alpha1",
    "coordination.k8s.io/v1alpha2",
    "coordination.k8s.io/v1beta1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "discovery.k8s.io/v1beta1",
    "events.k8s.io/v1",
    "events.k8s.io/v1beta1",
    "extensions/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1beta1",
    "flowcontrol.apiserver.k8s.io/v1beta2",
    "flowcontrol.apiserver.k8s.io/v1beta3",
    "networking.k8s.io/v1",
    "networking.k8s.io/v1beta1",
    "node.k8s.io/v1",
    "node.k8s.io/v1alpha1",
    "node.k8s.io/v1beta1",
    "policy/v1",
    "policy/v1beta1",
    "rbac.authorization.k8s.io/v1",
    "rbac.authorization.k8s.io/v1beta1",
    "rbac.authorization.k8s.io/v1alpha1",
    "resource.k8s.io/v1",
    "resource.k8s.io/v1beta2",
    "resource.k8s.io/v1beta1",
    "resource.k8s.io/v1alpha3",
    "scheduling.k8s.io/v1alpha2",
    "scheduling.k8s.io/v1beta1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1beta1",
    "storage.k8s.io/v1",
    "storage.k8s.io/v1alpha1",
    "storagemigration.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1beta1",
    "apiextensions.k8s.io/v1",
];

/// Helm's `common.KubeVersion`: the version as given, its normalized form
/// (no pre-release or build suffix, which `String()` returns), major, minor.
#[derive(Debug)]
pub struct KubeVersion {
    version: String,
    normalized: String,
    major: String,
    minor: String,
}

impl KubeVersion {
    /// Parses `v1.36.0`, `1.28` or `v1.29.1-rc.1+abc` (a `v` is added);
    /// `None` for what Helm calls an illegal version string.
    pub fn parse(v: &str) -> Option<KubeVersion> {
        let bare = v.strip_prefix('v').unwrap_or(v);
        let core = bare.split(['-', '+']).next().unwrap_or_default();
        let parts: Vec<&str> = core.split('.').collect();
        let numeric = |s: &&str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        if !(2..=3).contains(&parts.len()) || !parts.iter().all(numeric) {
            return None;
        }
        Some(KubeVersion {
            version: format!("v{bare}"),
            normalized: format!("v{core}"),
            major: parts[0].to_string(),
            minor: parts[1].to_string(),
        })
    }
}

impl KubeVersion {
    /// The version without pre-release or build suffix (`String()` in Go).
    pub fn normalized(&self) -> String {
        self.normalized.clone()
    }

    /// The major and minor numbers (what Helm's deprecation check compares).
    pub fn major_minor(&self) -> (u32, u32) {
        (
            self.major.parse().unwrap_or_default(),
            self.minor.parse().unwrap_or_default(),
        )
    }
}

impl Object for KubeVersion {
    fn type_name(&self) -> &str {
        "common.KubeVersion"
    }
    fn kind(&self) -> &str {
        "struct"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "Version" => Some(Value::str(&self.version)),
            "Major" => Some(Value::str(&self.major)),
            "Minor" => Some(Value::str(&self.minor)),
            _ => None,
        }
    }
    fn has_method(&self, name: &str) -> bool {
        matches!(name, "String" | "GitVersion")
    }
    fn method_arity(&self, name: &str) -> Option<usize> {
        self.has_method(name).then_some(0)
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ObjectError>> {
        if !self.has_method(name) {
            return None;
        }
        if !args.is_empty() {
            return Some(Err(ObjectError(format!(
                "wrong number of args for {name}: want 0 got {}",
                args.len()
            ))));
        }
        Some(Ok(Value::str(if name == "String" {
            &self.normalized
        } else {
            &self.version
        })))
    }
    fn format(&self, plus: bool) -> String {
        if plus {
            format!(
                "{{Version:{} normalizedVersion:{} Major:{} Minor:{}}}",
                self.version, self.normalized, self.major, self.minor
            )
        } else {
            format!(
                "{{{} {} {} {}}}",
                self.version, self.normalized, self.major, self.minor
            )
        }
    }
    fn print(&self) -> String {
        self.normalized.clone()
    }
    fn json_fields(&self) -> Option<Vec<(Str, Value)>> {
        Some(vec![
            (Str::from("Version"), Value::str(&self.version)),
            (Str::from("Major"), Value::str(&self.major)),
            (Str::from("Minor"), Value::str(&self.minor)),
        ])
    }
    fn to_data(&self) -> Value {
        let mut m = BTreeMap::new();
        m.insert(Str::from("Version"), Value::str(&self.version));
        m.insert(Str::from("Major"), Value::str(&self.major));
        m.insert(Str::from("Minor"), Value::str(&self.minor));
        Value::map(m)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Helm's `common.VersionSet` (`[]string` with `Has`).
#[derive(Debug)]
pub struct VersionSet(pub Vec<String>);

impl VersionSet {
    fn as_list(&self) -> Value {
        Value::typed_list(
            ElemType::String,
            self.0.iter().map(|s| Value::str(s)).collect(),
        )
    }
}

impl Object for VersionSet {
    fn type_name(&self) -> &str {
        "common.VersionSet"
    }
    fn kind(&self) -> &str {
        "slice"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn has_method(&self, name: &str) -> bool {
        name == "Has"
    }
    fn method_arity(&self, name: &str) -> Option<usize> {
        self.has_method(name).then_some(1)
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ObjectError>> {
        if name != "Has" {
            return None;
        }
        Some(match args {
            [Value::String(s)] => Ok(Value::Bool(self.0.iter().any(|v| v == &**s))),
            [other] => Err(ObjectError(format!(
                "wrong type for value; expected string; got {}",
                other.type_name()
            ))),
            _ => Err(ObjectError(format!(
                "wrong number of args for Has: want 1 got {}",
                args.len()
            ))),
        })
    }
    fn format(&self, _plus: bool) -> String {
        format_v(&self.as_list(), false)
    }
    fn to_data(&self) -> Value {
        self.as_list()
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Helm's `version.BuildInfo`.
#[derive(Debug)]
pub struct BuildInfo;

const BUILD_FIELDS: [(&str, &str); 5] = [
    ("Version", "v4.2"),
    ("GitCommit", ""),
    ("GitTreeState", ""),
    ("GoVersion", "go1.26.6"),
    ("KubeClientVersion", "v1.36"),
];

impl Object for BuildInfo {
    fn type_name(&self) -> &str {
        "version.BuildInfo"
    }
    fn kind(&self) -> &str {
        "struct"
    }
    fn field(&self, name: &str) -> Option<Value> {
        BUILD_FIELDS
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| Value::str(v))
    }
    fn format(&self, plus: bool) -> String {
        let parts: Vec<String> = BUILD_FIELDS
            .iter()
            .map(|(k, v)| {
                if plus {
                    format!("{k}:{v}")
                } else {
                    v.to_string()
                }
            })
            .collect();
        format!("{{{}}}", parts.join(" "))
    }
    fn to_data(&self) -> Value {
        let mut m = BTreeMap::new();
        m.insert(Str::from("version"), Value::str("v4.2"));
        m.insert(Str::from("go_version"), Value::str("go1.26.6"));
        m.insert(Str::from("kube_client_version"), Value::str("v1.36"));
        Value::map(m)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Helm's `*common.Capabilities`.
#[derive(Debug)]
pub struct Capabilities {
    kube: Arc<KubeVersion>,
    apis: Arc<VersionSet>,
}

impl Capabilities {
    /// Capabilities for a Kubernetes version and extra API versions.
    pub fn new(kube: KubeVersion, extra_apis: &[String]) -> Capabilities {
        let mut apis: Vec<String> = DEFAULT_API_VERSIONS.iter().map(|s| s.to_string()).collect();
        apis.extend(extra_apis.iter().cloned());
        Capabilities {
            kube: Arc::new(kube),
            apis: Arc::new(VersionSet(apis)),
        }
    }
}

impl Capabilities {
    /// Capabilities read from a cluster: its version and exactly its API versions.
    pub fn of_cluster(kube: KubeVersion, apis: &[String]) -> Capabilities {
        Capabilities {
            kube: Arc::new(kube),
            apis: Arc::new(VersionSet(apis.to_vec())),
        }
    }
}

impl Object for Capabilities {
    fn type_name(&self) -> &str {
        "*common.Capabilities"
    }
    fn field(&self, name: &str) -> Option<Value> {
        match name {
            "KubeVersion" => Some(Value::Object(self.kube.clone())),
            "APIVersions" => Some(Value::Object(self.apis.clone())),
            "HelmVersion" => Some(Value::Object(Arc::new(BuildInfo))),
            _ => None,
        }
    }
    fn format(&self, plus: bool) -> String {
        if plus {
            format!(
                "&{{KubeVersion:{} APIVersions:{} HelmVersion:{}}}",
                self.kube.format(true),
                self.apis.format(true),
                BuildInfo.format(true)
            )
        } else {
            format!(
                "&{{{} {} {}}}",
                self.kube.format(false),
                self.apis.format(false),
                BuildInfo.format(false)
            )
        }
    }
    fn json_fields(&self) -> Option<Vec<(Str, Value)>> {
        Some(vec![
            (Str::from("KubeVersion"), Value::Object(self.kube.clone())),
            (Str::from("APIVersions"), self.apis.to_data()),
            (Str::from("HelmVersion"), Value::Object(Arc::new(BuildInfo))),
        ])
    }
    fn to_data(&self) -> Value {
        let mut m = BTreeMap::new();
        m.insert(Str::from("KubeVersion"), self.kube.to_data());
        m.insert(Str::from("APIVersions"), self.apis.to_data());
        m.insert(Str::from("HelmVersion"), BuildInfo.to_data());
        Value::map(m)
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}
