//! Replacing an object (`force_replace`: Helm 4's `--force-replace`, Helm 3's
//! `--force`): the whole object goes to the API server with a PUT — no merge, so
//! fields other managers set are overwritten, or dropped when the chart does not set
//! them — with this release's ownership metadata stamped and strict field validation,
//! as Helm's `replaceResource` does.
//!
//! Two steps Helm does not take:
//! - An object the API server refuses to change because a field is immutable (a Job's
//!   template, a Service's clusterIP, a Deployment's selector) is deleted and created
//!   again, as Helm 2's `--force` did and as helmd's API documents `force_replace`;
//!   Helm 3 and 4 fail there.
//! - A PUT leaves an `Update` entry of our field manager in `managedFields`; it is
//!   folded into our server-side-apply (`Apply`) entry, so the next upgrade applies
//!   over what the replace set without conflicting with itself. (Helm 4 instead
//!   records a client-side-apply release and upgrades the entry on its next
//!   server-side apply; `managed_fields.rs` folds the same way for that switch.)

use std::time::Duration;

use kube::api::{DynamicObject, PostParams};

use crate::apply::ApplyOptions;
use crate::cluster::Kube;
use crate::error::{Error, Result};
use crate::managed_fields::Folded;
use crate::resource::Resource;

/// How many times a replace is retried when the object changed between reading its
/// resourceVersion and writing it.
const ATTEMPTS: usize = 3;

/// What a replace did to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replaced {
    /// It did not exist and was created (server-side apply).
    Created,
    /// It was replaced in place (PUT).
    Replaced,
    /// A field could not change in place, so it was deleted and created again (or, on a
    /// dry run, would be).
    Recreated,
}

impl Kube {
    /// Replaces one object with `r` (see the module docs); an object that does not
    /// exist is created by server-side apply like any other. `timeout` bounds the wait
    /// for a deleted object to go before it is created again.
    pub async fn replace(
        &self,
        r: &Resource,
        opts: &ApplyOptions,
        timeout: Duration,
    ) -> Result<Replaced> {
        for _ in 0..ATTEMPTS {
            let Some(live) = self.get(r).await? else {
                self.apply(r, opts).await?;
                return Ok(Replaced::Created);
            };
            match self.put(r, opts, &live).await {
                Ok(replaced) => {
                    if !opts.dry_run
                        && self.fold_managed_fields(r, &replaced).await? == Folded::Conflict
                    {
                        tracing::warn!(object = %r.describe(), "managed fields not folded: the object changed meanwhile");
                    }
                    return Ok(Replaced::Replaced);
                }
                Err(kube::Error::Api(s)) if s.code == 409 && s.reason == "Conflict" => continue,
                Err(kube::Error::Api(s)) if s.code == 422 && immutable(&s.message) => {
                    if !opts.dry_run {
                        self.recreate(r, opts, timeout).await?;
                    }
                    return Ok(Replaced::Recreated);
                }
                Err(e) => return Err(Error::from_api(e, &r.template, &r.describe())),
            }
        }
        Err(Error::Rejected {
            template: r.template.clone(),
            resource: r.describe(),
            message: format!(
                "failed to replace object: it changed on the server during {ATTEMPTS} attempts"
            ),
        })
    }

    /// The PUT (`fieldValidation=Strict`), at the live object's resourceVersion.
    pub(crate) async fn put(
        &self,
        r: &Resource,
        opts: &ApplyOptions,
        live: &DynamicObject,
    ) -> kube::Result<DynamicObject> {
        let mut object = r.object.clone();
        if let Some(owner) = &opts.owner {
            owner.stamp(&mut object);
        }
        object.metadata.managed_fields = None;
        object.metadata.resource_version = live.metadata.resource_version.clone();
        if crate::protocol::needs_port_protocols(&self.version()) {
            crate::protocol::default_port_protocols(r.kind(), &mut object.data);
        }
        let params = PostParams {
            dry_run: opts.dry_run,
            field_manager: Some(self.field_manager().to_owned()),
        };
        let body = serde_json::to_vec(&object).map_err(kube::Error::SerdeError)?;
        let api = r.api(self.client());
        let mut request = kube::core::Request::new(api.resource_url())
            .replace(&r.name, &params, body)
            .map_err(kube::Error::BuildRequest)?;
        // kube's PostParams has no field validation: Helm replaces with Strict.
        let uri = format!("{}&fieldValidation=Strict", request.uri());
        *request.uri_mut() = uri
            .parse()
            .map_err(|e| kube::Error::Service(format!("{uri}: {e}").into()))?;
        self.client().request::<DynamicObject>(request).await
    }

    /// Deletes the object, waits until it is gone, and creates it again.
    async fn recreate(&self, r: &Resource, opts: &ApplyOptions, timeout: Duration) -> Result<()> {
        self.delete_one(r, true, timeout).await?;
        self.apply(r, opts).await?;
        Ok(())
    }
}

/// Whether an API server's 422 says a field cannot change in place.
pub(crate) fn immutable(message: &str) -> bool {
    message.contains("immutable")
        || message.contains("may not change once set")
        || message.contains("may not change fields other than")
        || (message.contains("updates to") && message.contains("are forbidden"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immutable_field_refusals_are_recognised() {
        assert!(immutable(
            "Job.batch \"x\" is invalid: spec.template: Invalid value: core.PodTemplateSpec{}: field is immutable"
        ));
        assert!(immutable(
            "StatefulSet.apps \"db\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas' are forbidden"
        ));
        assert!(!immutable(
            "ConfigMap \"x\" is invalid: metadata.name: Invalid value: \"X\": a lowercase RFC 1123 subdomain"
        ));
    }
}
