//! Server-side apply of a release's objects with Helm's ownership metadata, and
//! the ownership check that comes first (Helm's `existingResourceConflict`).

use kube::api::{DynamicObject, Patch, PatchParams, PostParams};

use crate::cluster::Kube;
use crate::error::{Error, Result};
use crate::ownership::Owner;
use crate::resource::Resource;

/// The field manager of every apply unless configured otherwise: the name the `helm`
/// command line applies with (Helm names its manager after its program), so a
/// release moves between helmd and `helm` without field-manager conflicts.
pub const FIELD_MANAGER: &str = "helm";

/// How objects are applied.
#[derive(Debug, Clone, Default)]
pub struct ApplyOptions {
    /// Stamp the objects with this release's ownership metadata.
    pub owner: Option<Owner>,
    /// Take fields other managers own (`--force-conflicts`).
    pub force_conflicts: bool,
    /// Ask the server to validate only (`--dry-run=server`).
    pub dry_run: bool,
}

impl Kube {
    /// The object as the cluster has it, `None` when absent.
    pub async fn get(&self, r: &Resource) -> Result<Option<DynamicObject>> {
        r.api(self.client())
            .get_opt(&r.name)
            .await
            .map_err(|e| Error::from_api(e, &r.template, &r.describe()))
    }

    /// Which of `resources` exist, after checking each existing one belongs to
    /// `owner` (unless `take_ownership`): an object of nobody or of another release
    /// is [`Error::NotOwned`], its message starting with `prefix` (Helm's `Unable to
    /// continue with install` or `... update`).
    pub async fn check_ownership(
        &self,
        resources: &[Resource],
        owner: &Owner,
        take_ownership: bool,
        prefix: &str,
    ) -> Result<Vec<bool>> {
        let live: Vec<Result<Option<DynamicObject>>> =
            crate::concurrently(resources.iter().map(|r| self.get(r)).collect()).await;
        let mut exists = Vec::with_capacity(resources.len());
        for (r, live) in resources.iter().zip(live) {
            let Some(live) = live? else {
                exists.push(false);
                continue;
            };
            let problems = owner.problems(&live);
            if !take_ownership && !problems.is_empty() {
                return Err(Error::NotOwned {
                    prefix: prefix.to_owned(),
                    kind: r.kind().to_owned(),
                    name: r.name.clone(),
                    namespace: r.namespace.clone().unwrap_or_default(),
                    problems: problems.join("; "),
                });
            }
            exists.push(true);
        }
        Ok(exists)
    }

    /// Applies one object (server-side apply with this client's field manager).
    pub async fn apply(&self, r: &Resource, opts: &ApplyOptions) -> Result<DynamicObject> {
        let mut object = r.object.clone();
        if let Some(owner) = &opts.owner {
            owner.stamp(&mut object);
        }
        // Server-side apply refuses managedFields and a resourceVersion is a precondition
        // the chart cannot mean.
        object.metadata.managed_fields = None;
        object.metadata.resource_version = None;
        if crate::protocol::needs_port_protocols(&self.version()) {
            crate::protocol::default_port_protocols(r.kind(), &mut object.data);
        }
        let mut params = PatchParams::apply(self.field_manager());
        params.force = opts.force_conflicts;
        if opts.dry_run {
            params = params.dry_run();
        }
        r.api(self.client())
            .patch(&r.name, &params, &Patch::Apply(&object))
            .await
            .map_err(|e| Error::from_api(e, &r.template, &r.describe()))
    }

    /// Creates one object as written (hooks, CRDs); `Ok(false)` when it exists already.
    pub async fn create(&self, r: &Resource) -> Result<bool> {
        match r
            .api(self.client())
            .create(
                &PostParams {
                    field_manager: Some(self.field_manager().to_owned()),
                    ..PostParams::default()
                },
                &r.object,
            )
            .await
        {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(s)) if s.code == 409 && s.reason == "AlreadyExists" => Ok(false),
            Err(e) => Err(Error::from_api(e, &r.template, &r.describe())),
        }
    }
}
