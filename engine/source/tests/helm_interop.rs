//! Interop with Helm v4 (helm_python) through a real TLS registry: what Helm pushes
//! helmd-source pulls byte for byte; what helmd-source pushes Helm pulls and renders.

mod common;

use common::{helm, registry, setup, source, transport};
use helmd_source::{ChartRequest, Digest, docker_config};

fn s(value: &serde_json::Value, key: &str) -> String {
    value[key].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_chart_helm_pushes_pulls_with_the_same_bytes_and_digest() {
    setup();
    let registry = registry(true).await;
    let ca = registry.ca_file();
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path().to_str().expect("utf8 path");
    let packaged = helm(&["package", work, "webapp", "0.3.0+meta.1"], None).expect("helm package");
    let archive_path = s(&packaged, "archive");
    let archive = std::fs::read(&archive_path).expect("read archive");
    let (host, user, pass) = (registry.host(), registry.username(), registry.password());
    let remote = format!("oci://{host}/team");
    helm(
        &["push", &archive_path, &remote, &host, user, pass],
        ca.as_ref(),
    )
    .expect("helm push");
    let resolved = helm(
        &[
            "resolve",
            &format!("{remote}/webapp:0.3.0_meta.1"),
            &host,
            user,
            pass,
        ],
        ca.as_ref(),
    )
    .expect("helm resolve");

    let src = source(dir.path());
    let t = transport(&registry);
    let pulled = src
        .pull(&ChartRequest::Oci {
            reference: format!("{remote}/webapp"),
            version: Some("0.3.0+meta.1".into()),
            transport: t.clone(),
        })
        .await
        .expect("pull what Helm pushed");
    assert_eq!(pulled.archive.as_ref(), archive.as_slice());
    assert_eq!(pulled.digest, Digest::of(&archive));
    assert_eq!(
        pulled.origin,
        format!("{remote}/webapp@{}", s(&resolved, "digest"))
    );
    assert_eq!(
        (pulled.name.as_str(), pulled.version.as_str()),
        ("webapp", "0.3.0+meta.1")
    );
}

#[tokio::test]
async fn a_chart_helmd_pushes_is_pulled_and_rendered_by_helm() {
    setup();
    let registry = registry(true).await;
    let ca = registry.ca_file();
    let dir = tempfile::tempdir().expect("tempdir");
    let work = dir.path().to_str().expect("utf8 path");
    let packaged = helm(&["package", work, "api", "1.2.3"], None).expect("helm package");
    let archive = std::fs::read(s(&packaged, "archive")).expect("read archive");
    let src = source(dir.path());
    let remote = format!("oci://{}/charts", registry.host());
    let pushed = src
        .push(&remote, &archive, None, &transport(&registry))
        .await
        .expect("push");

    let (host, user, pass) = (registry.host(), registry.username(), registry.password());
    let dest = dir.path().join("pulled");
    std::fs::create_dir_all(&dest).expect("mkdir");
    let reference = format!("{remote}/api");
    let dest_str = dest.to_str().expect("utf8");
    let pulled = helm(
        &["pull", &reference, "1.2.3", dest_str, &host, user, pass],
        ca.as_ref(),
    )
    .expect("helm pull");
    let helm_bytes = std::fs::read(s(&pulled, "archive")).expect("read Helm's pull");
    assert_eq!(helm_bytes, archive, "Helm pulls the very bytes we pushed");

    let resolved = helm(
        &["resolve", &format!("{reference}:1.2.3"), &host, user, pass],
        ca.as_ref(),
    )
    .expect("helm resolve");
    assert_eq!(s(&resolved, "digest"), pushed.manifest_digest.to_string());
    let tags = helm(&["tags", &reference, &host, user, pass], ca.as_ref()).expect("helm tags");
    assert_eq!(tags["tags"], serde_json::json!(["1.2.3"]));

    let rendered = helm(&["render", &s(&pulled, "archive")], None).expect("helm render");
    assert_eq!(s(&rendered, "name"), "api");
    let templates = rendered["templates"].as_array().map(Vec::len).unwrap_or(0);
    assert!(templates >= 3, "Helm renders the chart: {rendered}");
}

#[tokio::test]
async fn credentials_from_helms_registry_login_file_reach_the_registry() {
    setup();
    let registry = registry(true).await;
    let ca = registry.ca_file();
    let dir = tempfile::tempdir().expect("tempdir");
    let (host, user, pass) = (registry.host(), registry.username(), registry.password());
    let config = dir.path().join("config.json");
    let config_str = config.to_str().expect("utf8");
    helm(&["login-file", config_str, &host, user, pass], ca.as_ref()).expect("helm registry login");

    let credentials = docker_config::credentials_for(&config, &host).expect("read config.json");
    let mut t = transport(&registry);
    t.credentials = credentials;
    let src = source(dir.path());
    let remote = format!("oci://{host}/charts");
    src.push(
        &remote,
        &common::chart_archive("viaconfig", "0.0.1"),
        None,
        &t,
    )
    .await
    .expect("push with config.json credentials");
}
