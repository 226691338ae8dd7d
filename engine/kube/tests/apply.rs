//! Applying and deleting a release's objects on the real cluster: a repeated
//! apply changes nothing, Helm's ownership check and `take_ownership`, and a
//! delete that keeps `resource-policy: keep` and other owners' objects.

mod common;

use anyhow::{Result, bail, ensure};
use common::setup;
use helmd_kube::{ApplyOptions, DeleteOptions, Error, Resource};

fn config_map(name: &str, annotations: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  annotations: {annotations}\ndata:\n  a: b\n"
    )
}

fn names(resources: &[Resource]) -> Vec<&str> {
    resources.iter().map(|r| r.name.as_str()).collect()
}

#[tokio::test]
async fn applying_the_same_object_twice_changes_nothing() -> Result<()> {
    let ctx = setup("kube-apply-twice").await?;
    let r = ctx.one(&config_map("settings", "{}"))?;
    let opts = ApplyOptions {
        owner: Some(ctx.owner()),
        ..ApplyOptions::default()
    };
    let first = ctx.kube.apply(&r, &opts).await?;
    let second = ctx.kube.apply(&r, &opts).await?;
    ensure!(first.metadata.resource_version.is_some());
    ensure!(
        first.metadata.resource_version == second.metadata.resource_version,
        "{:?} then {:?}",
        first.metadata.resource_version,
        second.metadata.resource_version
    );
    ensure!(ctx.owner().owns(&second));
    Ok(())
}

#[tokio::test]
async fn an_unmanaged_object_is_refused_in_helm_s_words_unless_ownership_is_taken() -> Result<()> {
    let ctx = setup("kube-ownership").await?;
    let r = ctx.one(&config_map("settings", "{}"))?;
    ctx.kube.apply(&r, &ApplyOptions::default()).await?;
    let owner = ctx.owner();
    let refused = ctx
        .kube
        .check_ownership(
            std::slice::from_ref(&r),
            &owner,
            false,
            "unable to continue with install",
        )
        .await;
    let Err(e @ Error::NotOwned { .. }) = refused else {
        bail!("expected NotOwned, got {refused:?}");
    };
    let ns = &ctx.ns;
    ensure!(
        e.to_string()
            == format!(
                "unable to continue with install: ConfigMap \"settings\" in namespace \"{ns}\" exists and \
                 cannot be imported into the current release: invalid ownership metadata; \
                 label validation error: missing key \"app.kubernetes.io/managed-by\": must be set to \"Helm\"; \
                 annotation validation error: missing key \"meta.helm.sh/release-name\": must be set to \"web\"; \
                 annotation validation error: missing key \"meta.helm.sh/release-namespace\": must be set to \"{ns}\""
            ),
        "{e}"
    );
    let exists = ctx
        .kube
        .check_ownership(
            std::slice::from_ref(&r),
            &owner,
            true,
            "unable to continue with install",
        )
        .await?;
    ensure!(exists == [true]);
    let opts = ApplyOptions {
        owner: Some(owner.clone()),
        ..ApplyOptions::default()
    };
    ctx.kube.apply(&r, &opts).await?;
    ensure!(
        ctx.kube
            .check_ownership(&[r], &owner, false, "unable to continue with update")
            .await?
            == [true]
    );
    Ok(())
}

#[tokio::test]
async fn delete_keeps_objects_marked_keep_and_leaves_other_owners_objects_alone() -> Result<()> {
    let ctx = setup("kube-delete").await?;
    let resources = ctx.build(
        &[
            config_map("owned", "{}"),
            config_map("kept", "{helm.sh/resource-policy: keep}"),
            config_map("foreign", "{}"),
            config_map("gone", "{}"),
        ]
        .join("\n---\n"),
    )?;
    let owned = ApplyOptions {
        owner: Some(ctx.owner()),
        ..ApplyOptions::default()
    };
    ctx.kube.apply(&resources[0], &owned).await?;
    ctx.kube.apply(&resources[1], &owned).await?;
    ctx.kube
        .apply(&resources[2], &ApplyOptions::default())
        .await?;
    let opts = DeleteOptions {
        owner: Some(ctx.owner()),
        ..DeleteOptions::default()
    };
    let report = ctx.kube.delete(&resources, &opts).await?;
    ensure!(names(&report.deleted) == ["owned"], "{report:?}");
    ensure!(names(&report.kept) == ["kept"], "{report:?}");
    ensure!(names(&report.not_owned) == ["foreign"], "{report:?}");
    ensure!(names(&report.missing) == ["gone"], "{report:?}");
    ensure!(ctx.kube.get(&resources[0]).await?.is_none());
    ensure!(ctx.kube.get(&resources[1]).await?.is_some());
    ensure!(ctx.kube.get(&resources[2]).await?.is_some());
    Ok(())
}
