//! Templates' `lookup` reads on the real cluster: an object, a list with its
//! items' kind filled in, NotFound as `None`, the byte limit, Helm's error for
//! an unserved group version and client-go's refusal of a name with `/`.

mod common;

use anyhow::{Context, Result, bail, ensure};
use common::setup;
use helmd_kube::{ApplyOptions, Error, Lookup};
use helmd_yaml::{IntKind, Value};

fn lookup<'a>(
    api_version: &'a str,
    kind: &'a str,
    namespace: &'a str,
    name: &'a str,
) -> Lookup<'a> {
    Lookup {
        api_version,
        kind,
        namespace,
        name,
    }
}

fn field(v: &Value, path: &[&str]) -> Option<Value> {
    let mut cur = v.clone();
    for p in path {
        cur = cur.as_map()?.get(p)?;
    }
    Some(cur)
}

fn text(v: &Value, path: &[&str]) -> Option<String> {
    field(v, path).and_then(|s| s.as_str().map(str::to_owned))
}

#[tokio::test]
async fn lookups_read_objects_and_lists_as_helm_sees_them() -> Result<()> {
    let ctx = setup("kube-lookup").await?;
    let svc = ctx.one(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc\nspec:\n  selector: {app: x}\n  ports:\n    - port: 80\n      protocol: TCP\n",
    )?;
    ctx.kube.apply(&svc, &ApplyOptions::default()).await?;

    let found = ctx
        .kube
        .lookup(&lookup("v1", "Service", &ctx.ns, "svc"), 1 << 20)
        .await?
        .context("the Service")?;
    let port = field(&found, &["spec", "ports"])
        .and_then(|p| p.as_list().and_then(|l| l.items.first().cloned()))
        .and_then(|p| field(&p, &["port"]));
    ensure!(
        matches!(port, Some(Value::Int(80, IntKind::Int64))),
        "{port:?}"
    );

    let list = ctx
        .kube
        .lookup(&lookup("v1", "Service", &ctx.ns, ""), 1 << 20)
        .await?
        .context("the list")?;
    ensure!(text(&list, &["kind"]).as_deref() == Some("ServiceList"));
    let items = field(&list, &["items"]).context("items")?;
    let first = items
        .as_list()
        .and_then(|l| l.items.first().cloned())
        .context("one item")?;
    ensure!(text(&first, &["kind"]).as_deref() == Some("Service"));
    ensure!(text(&first, &["apiVersion"]).as_deref() == Some("v1"));

    let missing = ctx
        .kube
        .lookup(&lookup("v1", "Service", &ctx.ns, "absent"), 1 << 20)
        .await?;
    ensure!(missing.is_none(), "{missing:?}");

    let small = ctx
        .kube
        .lookup(&lookup("v1", "Service", &ctx.ns, "svc"), 100)
        .await;
    let Err(Error::ResponseTooLarge { limit: 100 }) = small else {
        bail!("expected ResponseTooLarge, got {small:?}");
    };
    Ok(())
}

#[tokio::test]
async fn failed_lookups_carry_helms_words() -> Result<()> {
    let ctx = setup("kube-lookup-errors").await?;
    let cases = [
        (
            lookup("nothing.example/v1", "Thing", "", ""),
            "unable to get apiresource from unstructured: nothing.example/v1, Kind=Thing: the server could not find the requested resource",
        ),
        (
            lookup("", "Thing", "", ""),
            "unable to get apiresource from unstructured: /, Kind=Thing: groupVersion shouldn't be empty",
        ),
        (
            lookup("apps/", "Thing", "", ""),
            "unable to get apiresource from unstructured: apps/, Kind=Thing: converting (v1.APIGroup) to (v1.APIResourceList): unknown conversion",
        ),
        (
            lookup("v1", "ConfigMap", &ctx.ns, "a/b"),
            "invalid resource name \"a/b\": [may not contain '/']",
        ),
        (
            lookup("v1", "ConfigMap", "..", ""),
            "invalid namespace \"..\": [may not be '..']",
        ),
    ];
    for (q, want) in cases {
        let got = ctx.kube.lookup(&q, 1 << 20).await;
        let Err(Error::LookupFailed(message)) = &got else {
            bail!("{q:?}: expected a failure, got {got:?}");
        };
        ensure!(message == want, "{q:?}: {message}");
    }
    Ok(())
}
