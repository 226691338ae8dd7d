//! The cluster as RenderChart's `validate` sees it, like `helm template --validate`:
//! the server's version and API versions (discovery) become `.Capabilities`, and every
//! rendered object must map to a served kind and pass a server-side dry-run apply.

use helmd_render::manifest::Manifest;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::discovery::Scope;

use crate::error::{Error, Result};

/// The field manager of helmd's dry runs (nothing is stored).
const FIELD_MANAGER: &str = "helmd";

/// A cluster's discovery, read once per validating render.
pub struct Cluster {
    kube: helmd_kube::Kube,
    /// The server's `gitVersion` (`v1.37.2`), for `.Capabilities.KubeVersion`.
    pub version: String,
    /// Helm's `GetVersionSet`: every `group/version` and `group/version/Kind` served.
    pub api_versions: Vec<String>,
}

impl Cluster {
    /// Reads the server's version and runs discovery.
    pub async fn discover(client: kube::Client) -> Result<Cluster> {
        let kube = helmd_kube::Kube::connect(client, FIELD_MANAGER).await?;
        Ok(Cluster {
            version: kube.version().to_owned(),
            api_versions: kube.api_versions(),
            kube,
        })
    }

    /// What templates' `lookup` reads when rendering against this cluster
    /// (`helm template --validate` renders with a live `lookup`).
    pub fn lookup(&self) -> std::sync::Arc<dyn helmd_render::ClusterAccess> {
        std::sync::Arc::new(helmd_action::LiveLookup::new(self.kube.clone()))
    }

    /// Validates the manifest's objects in order; the first one the cluster does
    /// not accept is the error. Objects go to `namespace` unless they name one.
    pub async fn validate(&self, manifests: &[Manifest], namespace: &str) -> Result<()> {
        for m in manifests {
            self.validate_one(m, namespace).await?;
        }
        Ok(())
    }

    async fn validate_one(&self, m: &Manifest, namespace: &str) -> Result<()> {
        let head = &m.head;
        let name = head.name();
        let parsed: std::result::Result<DynamicObject, String> = yaml_to_json(&m.content)
            .and_then(|json| serde_json::from_value(json).map_err(|e| e.to_string()));
        let own_namespace = parsed
            .as_ref()
            .ok()
            .and_then(|o| o.metadata.namespace.clone())
            .unwrap_or_default();
        let resource = format!("{}/{}/{own_namespace}/{name}", head.version, head.kind);
        let rejected = |message: String| Error::ManifestRejected {
            template: m.name.clone(),
            resource: resource.clone(),
            message: format!("unable to build kubernetes objects from release manifest: {message}"),
        };
        let (group, version) = head
            .version
            .rsplit_once('/')
            .unwrap_or(("", head.version.as_str()));
        let Some((api_resource, scope)) = self.kube.resolve(group, version, &head.kind) else {
            // Helm's REST-mapper error, word for word.
            return Err(rejected(format!(
                "resource mapping not found for name: {name:?} namespace: {own_namespace:?} from \"\": no matches for kind {:?} in version {:?}\nensure CRDs are installed first",
                head.kind, head.version
            )));
        };
        let object = parsed.map_err(|e| rejected(format!("error validating {:?}: {e}", m.name)))?;
        let client = self.kube.client();
        let api: Api<DynamicObject> = match scope {
            Scope::Namespaced => {
                let ns = if own_namespace.is_empty() {
                    namespace
                } else {
                    &own_namespace
                };
                Api::namespaced_with(client.clone(), ns, &api_resource)
            }
            Scope::Cluster => Api::all_with(client.clone(), &api_resource),
        };
        let params = PatchParams::apply(FIELD_MANAGER).dry_run().force();
        match api.patch(name, &params, &Patch::Apply(&object)).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(status)) => match status.code {
                401 | 403 => Err(Error::KubernetesForbidden(format!(
                    "validating {resource}: {}",
                    status.message
                ))),
                // A namespace the chart itself would create does not exist yet: the
                // object cannot be checked (Helm's validation does not need it).
                404 if status.message.starts_with("namespaces ") => Ok(()),
                400 | 404 | 409 | 422 => Err(rejected(format!(
                    "error validating {:?}: {}",
                    m.name, status.message
                ))),
                // Server-side apply reports schema errors (a string for an integer, an
                // unknown field) as 500 "failed to create typed patch object": 1.20 and
                // 1.37 alike.
                500 if status.message.contains("typed patch object") => Err(rejected(format!(
                    "error validating {:?}: {}",
                    m.name, status.message
                ))),
                _ => Err(Error::KubernetesUnavailable(status.message)),
            },
            Err(e) => Err(unavailable(e)),
        }
    }
}

fn unavailable(e: kube::Error) -> Error {
    Error::KubernetesUnavailable(e.to_string())
}

/// A manifest document as JSON, read the way Helm reads YAML (sigs.k8s.io/yaml).
fn yaml_to_json(doc: &str) -> std::result::Result<serde_json::Value, String> {
    let value = helmd_yaml::parse_yaml(doc).map_err(|e| e.to_string())?;
    let json = helmd_yaml::to_json(&value).map_err(|e| e.to_string())?;
    serde_json::from_str(&json).map_err(|e| e.to_string())
}
