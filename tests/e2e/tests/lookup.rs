//! Templates that read the live cluster: `lookup` during InstallRelease and
//! UpgradeRelease (and a server-side dry run) stores the manifest the real
//! Helm 4.3 stores for the same chart, values and cluster objects; a
//! client-side dry run renders Helm's empty lookups; a lookup the cluster
//! cannot serve fails with Helm's words; `enable_dns` resolves like Helm.

use helmd_client::proto::{DryRun, InstallReleaseRequest, UpgradeReleaseRequest};
use k8s_openapi::api::core::v1::{ConfigMap, Service};
use kube::Api;
use kube::api::{Patch, PatchParams, PostParams};
use tonic::Code;

use crate::chart_validate::pack;
use crate::releases::{Setup, failed, install, released, set, setup, upgrade, uploaded};

/// A template reading a source namespace's objects every way `lookup` can:
/// one object (printed whole), a missing one, a kind the version does not
/// serve, a cluster-scoped kind with a namespace given, a list in the
/// namespace and one over all namespaces, an integer field's Go type.
const PROBE: &str = r#"{{- $src := .Values.source }}
{{- $cm := lookup "v1" "ConfigMap" $src "settings" }}
{{- $svc := lookup "v1" "Service" $src "svc" }}
{{- $ns := lookup "v1" "Namespace" "ignored" $src }}
{{- $names := list }}
{{- range (lookup "v1" "ConfigMap" $src "").items }}
{{- if ne .metadata.name "kube-root-ca.crt" }}{{ $names = append $names (printf "%s/%s/%s" .apiVersion .kind .metadata.name) }}{{ end }}
{{- end }}
{{- $everywhere := list }}
{{- range (lookup "v1" "ConfigMap" "" "").items }}
{{- if and (eq .metadata.namespace $src) (ne .metadata.name "kube-root-ca.crt") }}{{ $everywhere = append $everywhere .metadata.name }}{{ end }}
{{- end }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-probe
data:
  note: {{ .Values.note | quote }}
  port: {{ dig "data" "port" "none" $cm | quote }}
  servicePort: "{{ with $svc.spec }}{{ with index .ports 0 }}{{ printf "%T %v" .port .port }}{{ end }}{{ end }}"
  namespace: {{ printf "%v %v" $ns.kind (dig "metadata" "name" "" $ns) | quote }}
  missing: {{ lookup "v1" "ConfigMap" $src "absent" | toJson | quote }}
  unservedKind: {{ lookup "v1" "NoSuchKind" $src "x" | toJson | quote }}
  listed: {{ $names | join " " | quote }}
  listKind: {{ (lookup "v1" "ConfigMap" $src "").kind | quote }}
  everywhere: {{ $everywhere | join " " | quote }}
  object: |
    {{- toYaml $cm | nindent 4 }}
{{- with .Values.unserved }}
  fails: {{ lookup . "Thing" "" "" | toJson | quote }}
{{- end }}
"#;

fn probe_chart() -> Vec<u8> {
    pack(
        "probe",
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: probe\nversion: 0.1.0\n",
            ),
            ("values.yaml", "source: \"\"\nnote: one\nunserved: \"\"\n"),
            ("templates/probe.yaml", PROBE),
        ],
    )
}

/// A namespace holding what the probe reads: ConfigMaps `settings` and
/// `other`, Service `svc`.
async fn source_namespace(s: &Setup) -> String {
    let src = s
        .cluster
        .create_namespace("lookup-src")
        .await
        .expect("namespace");
    let client = s.cluster.admin_client().await.expect("admin");
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), &src);
    for (name, port) in [("settings", "8080"), ("other", "1")] {
        let cm: ConfigMap = serde_json::from_value(serde_json::json!({
            "metadata": {"name": name, "labels": {"helmd.test/lookup": "yes"}},
            "data": {"port": port}
        }))
        .expect("configmap");
        maps.create(&PostParams::default(), &cm)
            .await
            .expect("create configmap");
    }
    let services: Api<Service> = Api::namespaced(client, &src);
    let svc: Service = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "svc"},
        "spec": {"selector": {"app": "x"}, "ports": [{"port": 80, "protocol": "TCP"}]}
    }))
    .expect("service");
    services
        .create(&PostParams::default(), &svc)
        .await
        .expect("create service");
    src
}

/// Writes the probe chart where Helm can read it.
fn chart_file(s: &Setup) -> String {
    let path = s.home.path().join("probe-0.1.0.tgz");
    std::fs::write(&path, probe_chart()).expect("write chart");
    path.display().to_string()
}

/// The manifest of `helm <args> -o json` (a dry run's release).
fn helm_dry_run_manifest(s: &Setup, namespace: &str, args: &[&str]) -> String {
    let (ok, out, err) = s.helm_in(namespace, args);
    assert!(ok, "helm {args:?} failed: {err}");
    let release: serde_json::Value = serde_json::from_str(&out).expect("release json");
    release["manifest"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn install_and_upgrade_store_the_manifest_helm_stores_from_lookups() {
    let s = setup("sql", "lookup").await;
    let src = source_namespace(&s).await;
    let theirs = s
        .cluster
        .create_namespace("lookup-helm")
        .await
        .expect("namespace");
    let chart = chart_file(&s);
    let source = format!("source={src}");

    let (_, result) = install(
        &s,
        InstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "probe".into(),
            chart: uploaded(probe_chart()),
            values: set(&[source.as_str()]),
            ..InstallReleaseRequest::default()
        },
    )
    .await;
    let ours = released(result);
    let (ok, _, err) = s.helm_in(&theirs, &["install", "probe", &chart, "--set", &source]);
    assert!(ok, "helm install: {err}");
    let (_, helm_manifest, _) = s.helm_in(&theirs, &["get", "manifest", "probe"]);
    assert_eq!(format!("{}\n", ours.manifest), helm_manifest);
    let namespace_line = format!("namespace: \"Namespace {src}\"");
    for expected in [
        "port: \"8080\"",
        "servicePort: \"int64 80\"",
        namespace_line.as_str(),
        "missing: \"{}\"",
        "listed: \"v1/ConfigMap/other v1/ConfigMap/settings\"",
        "listKind: \"ConfigMapList\"",
        "everywhere: \"other settings\"",
        "      helmd.test/lookup: \"yes\"",
    ] {
        assert!(
            ours.manifest.contains(expected),
            "{expected} in {}",
            ours.manifest
        );
    }

    // An upgrade reads the cluster as it is now.
    let client = s.cluster.admin_client().await.expect("admin");
    let maps: Api<ConfigMap> = Api::namespaced(client, &src);
    maps.patch(
        "settings",
        &PatchParams::default(),
        &Patch::Merge(serde_json::json!({"data": {"port": "9090"}})),
    )
    .await
    .expect("patch");
    let (_, result) = upgrade(
        &s,
        UpgradeReleaseRequest {
            namespace: s.namespace.clone(),
            name: "probe".into(),
            chart: uploaded(probe_chart()),
            values: set(&[source.as_str(), "note=two"]),
            ..UpgradeReleaseRequest::default()
        },
    )
    .await;
    let ours = released(result);
    let (ok, _, err) = s.helm_in(
        &theirs,
        &[
            "upgrade", "probe", &chart, "--set", &source, "--set", "note=two",
        ],
    );
    assert!(ok, "helm upgrade: {err}");
    let (_, helm_manifest, _) = s.helm_in(&theirs, &["get", "manifest", "probe"]);
    assert_eq!(format!("{}\n", ours.manifest), helm_manifest);
    assert!(
        ours.manifest.contains("port: \"9090\""),
        "{}",
        ours.manifest
    );
}

#[tokio::test]
async fn a_server_dry_run_looks_up_and_a_client_dry_run_does_not_like_helm() {
    let s = setup("secrets", "lookup-dry").await;
    let src = source_namespace(&s).await;
    let chart = chart_file(&s);
    let source = format!("source={src}");
    for (mode, flag) in [
        (DryRun::Server, "--dry-run=server"),
        (DryRun::Client, "--dry-run=client"),
    ] {
        let (_, result) = install(
            &s,
            InstallReleaseRequest {
                namespace: s.namespace.clone(),
                name: "probe".into(),
                chart: uploaded(probe_chart()),
                values: set(&[source.as_str()]),
                dry_run: mode as i32,
                ..InstallReleaseRequest::default()
            },
        )
        .await;
        let ours = released(result);
        let helm = helm_dry_run_manifest(
            &s,
            &s.namespace,
            &[
                "install", "probe", &chart, "--set", &source, flag, "-o", "json",
            ],
        );
        assert_eq!(ours.manifest, helm.as_str(), "{flag}");
        let looked_up = ours.manifest.contains("port: \"8080\"");
        assert_eq!(
            looked_up,
            mode == DryRun::Server,
            "{flag}: {}",
            ours.manifest
        );
    }
}

#[tokio::test]
async fn a_lookup_of_an_api_the_cluster_does_not_serve_fails_with_helms_words() {
    let s = setup("secrets", "lookup-bad").await;
    let chart = chart_file(&s);
    let (_, result) = install(
        &s,
        InstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "probe".into(),
            chart: uploaded(probe_chart()),
            values: set(&["unserved=nothing.example/v1"]),
            ..InstallReleaseRequest::default()
        },
    )
    .await;
    let (code, reason, message) = failed(result);
    assert_eq!(
        (code, reason.as_str()),
        (Code::InvalidArgument, "TEMPLATE_ERROR")
    );
    let (ok, _, err) = s.helm(&[
        "install",
        "probe",
        &chart,
        "--set",
        "unserved=nothing.example/v1",
    ]);
    assert!(!ok, "helm must fail too");
    let cause = |text: &str| {
        text.find("error calling lookup: ")
            .map(|i| text[i..].lines().next().unwrap_or_default().to_owned())
    };
    assert_eq!(cause(&message), cause(&err), "ours: {message}\nhelm: {err}");
    assert!(cause(&message).is_some(), "{message}");
    // Nothing was recorded.
    let (ok, out, err) = s.helm(&["list", "-q"]);
    assert!(ok && out.trim().is_empty(), "{out}{err}");
}

#[tokio::test]
async fn enable_dns_lets_get_host_by_name_resolve_like_helm() {
    let s = setup("secrets", "dns").await;
    let files = [
        ("Chart.yaml", "apiVersion: v2\nname: dns\nversion: 0.1.0\n"),
        (
            "templates/cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dns\ndata:\n  localhost: {{ getHostByName \"localhost\" | quote }}\n  literal: {{ getHostByName \"10.1.2.3\" | quote }}\n",
        ),
    ];
    let path = s.home.path().join("dns-0.1.0.tgz");
    std::fs::write(&path, pack("dns", &files)).expect("write chart");
    let chart = path.display().to_string();
    for enable in [true, false] {
        let (_, result) = install(
            &s,
            InstallReleaseRequest {
                namespace: s.namespace.clone(),
                name: "dns".into(),
                chart: uploaded(pack("dns", &files)),
                dry_run: DryRun::Client as i32,
                enable_dns: enable,
                ..InstallReleaseRequest::default()
            },
        )
        .await;
        let ours = released(result);
        let mut args = vec!["install", "dns", &chart, "--dry-run=client", "-o", "json"];
        if enable {
            args.push("--enable-dns");
        }
        let helm = helm_dry_run_manifest(&s, &s.namespace, &args);
        // Sprig picks one of the name's addresses at random: where the hosts file
        // gives localhost both, either loopback address is Helm's answer.
        let loopback = |s: &str| s.replace("localhost: \"::1\"", "localhost: \"127.0.0.1\"");
        let ours = loopback(&ours.manifest);
        assert_eq!(ours, loopback(helm.as_str()), "enable_dns={enable}");
        let resolved = ours.contains("localhost: \"127.0.0.1\"");
        assert_eq!(resolved, enable, "{ours}");
    }
}
