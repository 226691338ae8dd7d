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
    /// Parses a Kubernetes version as Helm does (`k8s.io/apimachinery`'s
    /// `ParseGeneric`): leading blanks and one `v` are allowed, then at least two
    /// dot-separated numbers (the first without a leading zero); whatever follows them
    /// is kept in `.Version` but not in `String`. The error is the apimachinery text.
    pub fn parse(v: &str) -> Result<KubeVersion, String> {
        let trimmed = v.trim_start();
        let bare = trimmed.strip_prefix('v').unwrap_or(trimmed);
        if !bare.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!("could not parse {v:?} as version"));
        }
        let numbers_len = bare
            .char_indices()
            .scan(false, |after_dot, (i, c)| {
                let keep = c.is_ascii_digit() || (c == '.' && !*after_dot);
                *after_dot = c == '.';
                keep.then_some(i + c.len_utf8())
            })
            .last()
            .unwrap_or(0);
        // A trailing dot belongs to the rest (`1.25.x` is 1.25 and `.x`).
        let numbers = bare[..numbers_len].trim_end_matches('.');
        let parts: Vec<&str> = numbers.split('.').collect();
        if parts.len() < 2 {
            return Err(format!("illegal version string {v:?}"));
        }
        let mut components = Vec::with_capacity(parts.len());
        for (i, part) in parts.iter().enumerate() {
            if i == 0 && part.starts_with('0') && *part != "0" {
                return Err(format!(
                    "illegal zero-prefixed version component {part:?} in {v:?}"
                ));
            }
            let n: u64 = part.parse().map_err(|e| {
                format!("illegal non-numeric version component {part:?} in {v:?}: {e}")
            })?;
            components.push(n.to_string());
        }
        Ok(KubeVersion {
            version: format!("v{}", v.strip_prefix('v').unwrap_or(v)),
            normalized: format!("v{}", components.join(".")),
            major: components[0].clone(),
            minor: components[1].clone(),
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
    fn truth(&self) -> bool {
        !self.0.is_empty()
    }
    fn to_data(&self) -> Value {
        self.as_list()
    }
    fn slice_items(&self) -> Option<Vec<Value>> {
        Some(self.0.iter().map(|s| Value::str(s)).collect())
    }
    fn reslice(&self, items: Vec<Value>) -> Value {
        let versions = items
            .iter()
            .map(|v| v.as_str().unwrap_or_default().to_owned())
            .collect();
        Value::Object(Arc::new(VersionSet(versions)))
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
        Value::map(self.json_fields().unwrap_or_default().into_iter().collect())
    }
    /// encoding/json's order: declaration order, empty `omitempty` fields left out.
    fn json_fields(&self) -> Option<Vec<(Str, Value)>> {
        Some(vec![
            (Str::from("version"), Value::str("v4.2")),
            (Str::from("go_version"), Value::str("go1.26.6")),
            (Str::from("kube_client_version"), Value::str("v1.36")),
        ])
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `(input, .Version, String, Major, Minor)` as Helm 4.3 prints them.
    fn check(input: &str, version: &str, string: &str, major: &str, minor: &str) {
        let k = KubeVersion::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
        assert_eq!(
            (
                k.version.as_str(),
                k.normalized.as_str(),
                k.major.as_str(),
                k.minor.as_str()
            ),
            (version, string, major, minor),
            "{input:?}"
        );
    }

    #[test]
    fn kube_versions_parse_like_helms_generic_parser() {
        check("v1.36.0", "v1.36.0", "v1.36.0", "1", "36");
        check("1.28", "v1.28", "v1.28", "1", "28");
        check("1.2.3.4", "v1.2.3.4", "v1.2.3.4", "1", "2");
        check(" 1.25", "v 1.25", "v1.25", "1", "25");
        check("1.25.x", "v1.25.x", "v1.25", "1", "25");
        check("v1.29.1-rc.1+abc", "v1.29.1-rc.1+abc", "v1.29.1", "1", "29");
        check("1.02.3", "v1.02.3", "v1.2.3", "1", "2");
        check("v1.30 ", "v1.30 ", "v1.30", "1", "30");
    }

    #[test]
    fn kube_versions_helm_refuses_give_its_words() {
        for (input, err) in [
            ("1", "illegal version string \"1\""),
            (
                "01.2",
                "illegal zero-prefixed version component \"01\" in \"01.2\"",
            ),
            ("x1.2", "could not parse \"x1.2\" as version"),
            ("1..2", "illegal version string \"1..2\""),
        ] {
            assert_eq!(
                KubeVersion::parse(input).err().as_deref(),
                Some(err),
                "{input:?}"
            );
        }
    }
}
