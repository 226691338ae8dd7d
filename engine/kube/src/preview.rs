//! What applying (or replacing) an object would make of it, changing nothing: a
//! server-side dry run that returns the object as the API server would store it
//! (PlanUpgrade, GetReleaseDrift). A change the API server refuses because a field
//! is immutable is previewed as the object re-created: a dry-run create under a
//! generated name, the name put back.

use kube::api::{DynamicObject, PostParams};

use crate::apply::ApplyOptions;
use crate::cluster::Kube;
use crate::error::{Error, Result};
use crate::replace::immutable;
use crate::resource::Resource;

/// The longest name prefix a dry-run create generates from (the API server adds five
/// characters and allows 63 for many kinds).
const GENERATED_PREFIX: usize = 52;

/// What a change would make of an object.
#[derive(Debug, Clone)]
pub enum Preview {
    /// The object as the API server would store it after the apply (created when it
    /// did not exist) or the replace.
    Changed(DynamicObject),
    /// A field cannot change in place: the object as it would be created again.
    Recreated(DynamicObject),
}

impl Kube {
    /// Previews applying `r` (server-side apply, a dry run whatever `opts` says) or,
    /// with `replace` and a `live` object, replacing it with a PUT.
    pub async fn preview(
        &self,
        r: &Resource,
        opts: &ApplyOptions,
        replace: bool,
        live: Option<&DynamicObject>,
    ) -> Result<Preview> {
        let opts = ApplyOptions {
            dry_run: true,
            ..opts.clone()
        };
        let refused = match (replace, live) {
            (true, Some(live)) => match self.put(r, &opts, live).await {
                Ok(object) => return Ok(Preview::Changed(object)),
                Err(kube::Error::Api(s)) if s.code == 422 && immutable(&s.message) => s.message,
                Err(e) => return Err(Error::from_api(e, &r.template, &r.describe())),
            },
            _ => match self.apply(r, &opts).await {
                Ok(object) => return Ok(Preview::Changed(object)),
                Err(Error::Rejected { message, .. }) if live.is_some() && immutable(&message) => {
                    message
                }
                Err(e) => return Err(e),
            },
        };
        tracing::debug!(object = %r.describe(), %refused, "previewing a re-creation");
        Ok(Preview::Recreated(self.preview_create(r, &opts).await?))
    }

    /// A dry-run create of `r` under a generated name (the real one exists), with
    /// every string equal to the generated name (labels derived from it) given the
    /// real name back.
    async fn preview_create(&self, r: &Resource, opts: &ApplyOptions) -> Result<DynamicObject> {
        let mut object = r.object.clone();
        if let Some(owner) = &opts.owner {
            owner.stamp(&mut object);
        }
        object.metadata.managed_fields = None;
        object.metadata.resource_version = None;
        if crate::protocol::needs_port_protocols(&self.version()) {
            crate::protocol::default_port_protocols(r.kind(), &mut object.data);
        }
        let prefix: String = r.name.chars().take(GENERATED_PREFIX).collect();
        object.metadata.name = None;
        object.metadata.generate_name = Some(format!("{prefix}-"));
        let params = PostParams {
            dry_run: true,
            field_manager: Some(self.field_manager().to_owned()),
        };
        let created = r
            .api(self.client())
            .create(&params, &object)
            .await
            .map_err(|e| Error::from_api(e, &r.template, &r.describe()))?;
        let generated = created.metadata.name.clone().unwrap_or_default();
        let invalid = |e: serde_json::Error| Error::Rejected {
            template: r.template.clone(),
            resource: r.describe(),
            message: format!("reading the previewed object: {e}"),
        };
        let mut json = serde_json::to_value(&created).map_err(invalid)?;
        if !generated.is_empty() {
            rename(&mut json, &generated, &r.name);
        }
        let mut created: DynamicObject = serde_json::from_value(json).map_err(invalid)?;
        created.metadata.generate_name = r.object.metadata.generate_name.clone();
        Ok(created)
    }
}

/// Every string in `value` equal to `from` becomes `to`.
fn rename(value: &mut serde_json::Value, from: &str, to: &str) {
    match value {
        serde_json::Value::String(s) if s == from => *s = to.to_owned(),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| rename(v, from, to)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| rename(v, from, to)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_name_is_given_back_everywhere_it_appears_as_a_value() {
        let mut v = serde_json::json!({
            "metadata": {"name": "job-x7k2p", "labels": {"job-name": "job-x7k2p", "other": "job"}},
            "spec": {"items": ["job-x7k2p", "keep"]}
        });
        rename(&mut v, "job-x7k2p", "job");
        assert_eq!(
            v,
            serde_json::json!({
                "metadata": {"name": "job", "labels": {"job-name": "job", "other": "job"}},
                "spec": {"items": ["job", "keep"]}
            })
        );
    }
}
