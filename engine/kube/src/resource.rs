//! A manifest's documents as objects of served kinds: `Resource` knows its
//! template, its kind's REST endpoint and scope, and where it lives.

use kube::api::{Api, ApiResource, DynamicObject};
use kube::discovery::Scope;

use crate::error::{Error, Result};

/// The annotation listing the resource groups an object's group depends on (Helm's
/// HIP-0025 proposal; see `helmd_action`'s resource groups). Kubernetes refuses the
/// key — an annotation key has at most one `/` — so it is read from the manifest
/// only: [`Resource`]'s object never carries it, and no apply, replace or dry run
/// sends it.
pub const DEPENDS_ON_RESOURCE_GROUPS_ANNOTATION: &str = "helm.sh/depends-on/resource-groups";

/// One manifest document and the template it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doc {
    /// The template path (`chart/templates/x.yaml`).
    pub template: String,
    /// The YAML document.
    pub content: String,
}

/// An object of a served kind, ready to apply, read or delete.
#[derive(Debug, Clone)]
pub struct Resource {
    /// The template the object came from (for messages).
    pub template: String,
    /// Its kind's endpoint (group, version, kind, plural).
    pub api: ApiResource,
    /// Whether the kind is namespaced.
    pub namespaced: bool,
    /// Its namespace: the document's own, else the release's; `None` when cluster-scoped.
    pub namespace: Option<String>,
    /// Its name.
    pub name: String,
    /// The document as an object (what is applied; without
    /// [`DEPENDS_ON_RESOURCE_GROUPS_ANNOTATION`], which only the manifest keeps).
    pub object: DynamicObject,
}

/// What identifies an object across revisions (Helm compares group, kind,
/// namespace and name; the version may change between revisions).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceKey {
    /// API group (`""` for core).
    pub group: String,
    /// Kind.
    pub kind: String,
    /// Namespace (`""` when cluster-scoped).
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl Resource {
    /// The object's endpoint on `client`.
    pub fn api(&self, client: &kube::Client) -> Api<DynamicObject> {
        match &self.namespace {
            Some(ns) => Api::namespaced_with(client.clone(), ns, &self.api),
            None => Api::all_with(client.clone(), &self.api),
        }
    }

    /// Its identity across revisions.
    pub fn key(&self) -> ResourceKey {
        ResourceKey {
            group: self.api.group.clone(),
            kind: self.api.kind.clone(),
            namespace: self.namespace.clone().unwrap_or_default(),
            name: self.name.clone(),
        }
    }

    /// The kind (`Deployment`).
    pub fn kind(&self) -> &str {
        &self.api.kind
    }

    /// The apiVersion (`apps/v1`).
    pub fn api_version(&self) -> &str {
        &self.api.api_version
    }

    /// Helm's way of naming it: `Deployment "web" in namespace "ns"`, or
    /// `ClusterRole "x"` when cluster-scoped.
    pub fn describe(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} {:?} in namespace {:?}", self.api.kind, self.name, ns),
            None => format!("{} {:?}", self.api.kind, self.name),
        }
    }
}

/// A manifest document as JSON, read the way Helm reads YAML (sigs.k8s.io/yaml).
pub(crate) fn yaml_to_json(doc: &str) -> std::result::Result<serde_json::Value, String> {
    let value = helmd_yaml::parse_yaml(doc).map_err(|e| e.to_string())?;
    let json = helmd_yaml::to_json(&value).map_err(|e| e.to_string())?;
    serde_json::from_str(&json).map_err(|e| e.to_string())
}

/// Reads a document into an object and resolves its kind with `resolve`
/// (discovery): `namespace` is the release's, used for namespaced objects that
/// name none.
pub(crate) fn build(
    doc: &Doc,
    namespace: &str,
    resolve: impl Fn(&str, &str, &str) -> Option<(ApiResource, Scope)>,
) -> Result<Resource> {
    let invalid = |message: String| Error::Invalid {
        template: doc.template.clone(),
        message,
    };
    let json = yaml_to_json(&doc.content)
        .map_err(|e| invalid(format!("error parsing {}: {e}", doc.template)))?;
    let object: DynamicObject = serde_json::from_value(json)
        .map_err(|e| invalid(format!("error decoding {}: {e}", doc.template)))?;
    let types = object
        .types
        .clone()
        .ok_or_else(|| invalid(format!("{}: Object 'Kind' is missing", doc.template)))?;
    let name = object.metadata.name.clone().unwrap_or_default();
    if name.is_empty() {
        return Err(invalid(format!(
            "{}: {} has no metadata.name",
            doc.template, types.kind
        )));
    }
    let own_namespace = object.metadata.namespace.clone().unwrap_or_default();
    let (group, version) = types
        .api_version
        .rsplit_once('/')
        .unwrap_or(("", types.api_version.as_str()));
    let Some((api, scope)) = resolve(group, version, &types.kind) else {
        return Err(Error::TypeNotFound {
            template: doc.template.clone(),
            api_version: types.api_version,
            kind: types.kind,
            name,
            namespace: own_namespace,
        });
    };
    let namespaced = matches!(scope, Scope::Namespaced);
    let namespace = namespaced.then(|| {
        if own_namespace.is_empty() {
            namespace.to_owned()
        } else {
            own_namespace
        }
    });
    let mut object = object;
    object.metadata.namespace = namespace.clone();
    if let Some(annotations) = object.metadata.annotations.as_mut() {
        annotations.remove(DEPENDS_ON_RESOURCE_GROUPS_ANNOTATION);
    }
    Ok(Resource {
        template: doc.template.clone(),
        api,
        namespaced,
        namespace,
        name,
        object,
    })
}
