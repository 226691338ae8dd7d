//! What a release stores and refuses, compared with Helm 4 on the same cluster: the
//! manifest, hooks and notes of a chart with CRDs, a subchart, hooks and NOTES equal
//! what Helm stores byte for byte; a record too large for a Secret is refused with
//! nothing written; an object the server rejects fails the install naming it;
//! `hide_secret` hides Secrets of a dry run as Helm does.

use helmd_client::proto::{DryRun, InstallReleaseRequest, UninstallReleaseRequest};
use tonic::Code;

use crate::chart_validate::pack;
use crate::releases::{Setup, failed, install, released, setup, uploaded};

/// An install of `chart` as `name` in the test's namespace, other fields default.
fn request(s: &Setup, name: &str, chart: Vec<u8>) -> InstallReleaseRequest {
    InstallReleaseRequest {
        namespace: s.namespace.clone(),
        name: name.into(),
        chart: uploaded(chart),
        ..InstallReleaseRequest::default()
    }
}

/// A chart with a CRD in `crds/`, a vendored subchart with its own template and
/// NOTES, two weighted hooks, a Secret and NOTES.txt. `group` keeps the CRD apart
/// from other tests' (CRDs are cluster-wide).
fn full_chart(group: &str) -> Vec<u8> {
    let crd = format!(
        concat!(
            "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n",
            "metadata:\n  name: gadgets.{g}\nspec:\n  group: {g}\n  scope: Namespaced\n",
            "  names:\n    plural: gadgets\n    singular: gadget\n    kind: Gadget\n",
            "  versions:\n    - name: v1\n      served: true\n      storage: true\n",
            "      schema:\n        openAPIV3Schema:\n          type: object\n",
            "          x-kubernetes-preserve-unknown-fields: true\n",
        ),
        g = group
    );
    let gadget = format!(
        "apiVersion: {group}/v1\nkind: Gadget\nmetadata:\n  name: {{{{ .Release.Name }}}}-g\nspec:\n  size: {{{{ .Values.size }}}}\n"
    );
    pack(
        "full",
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: full\nversion: 0.3.0\nappVersion: \"2.1\"\ndependencies:\n  - name: side\n    version: 0.1.0\n",
            ),
            ("values.yaml", "size: 3\nside:\n  word: hi\n"),
            ("crds/gadget.yaml", crd.as_str()),
            ("templates/gadget.yaml", gadget.as_str()),
            (
                "templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\n  labels:\n    chart: {{ .Chart.Name }}-{{ .Chart.Version }}\ndata:\n  size: {{ .Values.size | quote }}\n  list: |\n    {{- range $i, $e := until 3 }}\n    item-{{ $e }}\n    {{- end }}\n",
            ),
            (
                "templates/secret.yaml",
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-s\nstringData:\n  token: not-really\n",
            ),
            (
                "templates/hooks.yaml",
                concat!(
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-late\n",
                    "  annotations:\n    helm.sh/hook: post-install\n    helm.sh/hook-weight: \"5\"\n",
                    "data: {when: late}\n---\n",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-early\n",
                    "  annotations:\n    helm.sh/hook: pre-install,post-delete\n    helm.sh/hook-weight: \"-2\"\n",
                    "    helm.sh/hook-delete-policy: before-hook-creation\n",
                    "data: {when: early}\n",
                ),
            ),
            (
                "templates/NOTES.txt",
                "Installed {{ .Release.Name }} ({{ .Chart.Name }} {{ .Chart.AppVersion }}).\n",
            ),
            (
                "charts/side/Chart.yaml",
                "apiVersion: v2\nname: side\nversion: 0.1.0\n",
            ),
            ("charts/side/values.yaml", "word: unset\n"),
            (
                "charts/side/templates/cm.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-side\ndata:\n  word: {{ .Values.word | quote }}\n",
            ),
            (
                "charts/side/templates/NOTES.txt",
                "The side chart says {{ .Values.word }}.\n",
            ),
        ],
    )
}

#[tokio::test]
async fn the_stored_manifest_hooks_and_notes_equal_helms_for_crds_subcharts_and_hooks() {
    let s = setup("secrets", "fidelity").await;
    let group = format!("{}.helmd.test", s.namespace);
    let chart = full_chart(&group);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("full-0.3.0.tgz");
    std::fs::write(&path, &chart).expect("write chart");

    // Helm installs it in a namespace of its own; helmd installs the same chart,
    // same name, in the test's namespace.
    let helm_ns = s
        .cluster
        .create_namespace("fidelity-helm")
        .await
        .expect("namespace");
    let path = path.display().to_string();
    s.helm_in_ok(
        &helm_ns,
        &["install", "rel", &path, "--render-subchart-notes"],
    );
    let (_, result) = install(
        &s,
        InstallReleaseRequest {
            render_subchart_notes: true,
            ..request(&s, "rel", chart)
        },
    )
    .await;
    let release = released(result);
    assert_eq!(release.revision, 1);

    // Helm reads both records; every part must be the same bytes.
    for what in ["manifest", "hooks", "values"] {
        let helm = s.helm_in_ok(&helm_ns, &["get", what, "rel"]);
        let helmd = s.helm_ok(&["get", what, "rel"]);
        assert_eq!(helmd, helm, "helm get {what}");
    }
    // Helm joins subcharts' notes in Go's random map order: the same notes, in
    // some order (helmd: the chart's first, then its subcharts').
    let helm = s.helm_in_ok(&helm_ns, &["get", "notes", "rel"]);
    let helmd = s.helm_ok(&["get", "notes", "rel"]);
    assert_eq!(sorted_lines(&helmd), sorted_lines(&helm));
    let all = s.helm_ok(&["get", "values", "rel", "--all", "-o", "json"]);
    assert_eq!(
        all,
        s.helm_in_ok(&helm_ns, &["get", "values", "rel", "--all", "-o", "json"])
    );
    // The records themselves, field by field: the chart's metadata and values as
    // Helm stores them after processing its dependencies, the config, manifest,
    // hooks (but their run times), notes, status and description. (Helm 4.3 also
    // records files' modification times and keeps the archive's file order;
    // helmd stores neither, and Helm reads both forms.)
    let raw =
        crate::release_store_helm::Raw::Secret(s.cluster.admin_client().await.expect("admin"));
    let fields = |mut record: serde_json::Value| {
        for hook in record["hooks"].as_array_mut().expect("hooks") {
            hook["last_run"] = serde_json::Value::Null;
        }
        serde_json::json!({
            "chart.metadata": record["chart"]["metadata"],
            "chart.values": record["chart"]["values"],
            "chart.schema": record["chart"]["schema"],
            "config": record["config"],
            "manifest": record["manifest"],
            "hooks": record["hooks"],
            "info.notes": sorted_lines(record["info"]["notes"].as_str().unwrap_or_default()),
            "info.status": record["info"]["status"],
            "info.description": record["info"]["description"],
            "version": record["version"],
            "apply_method": record["apply_method"],
        })
    };
    assert_eq!(
        fields(raw.record(&s.namespace, "rel", 1).await),
        fields(raw.record(&helm_ns, "rel", 1).await)
    );
    let notes = s.helm_ok(&["get", "notes", "rel"]);
    assert!(notes.contains("The side chart says hi."), "{notes}");
    // The CRD went first and its custom object was applied.
    let client = s.cluster.admin_client().await.expect("admin");
    let gadgets: kube::Api<kube::api::DynamicObject> = kube::Api::namespaced_with(
        client,
        &s.namespace,
        &kube::api::ApiResource {
            group: group.clone(),
            version: "v1".into(),
            api_version: format!("{group}/v1"),
            kind: "Gadget".into(),
            plural: "gadgets".into(),
        },
    );
    let g = gadgets.get("rel-g").await.expect("the Gadget exists");
    assert_eq!(g.data["spec"]["size"], 3);
    // The post-delete hook runs on helmd's uninstall too; both uninstall cleanly.
    let stream = s
        .client
        .releases()
        .uninstall_release(UninstallReleaseRequest {
            namespace: s.namespace.clone(),
            name: "rel".into(),
            ..Default::default()
        })
        .await
        .expect("uninstall accepted")
        .into_inner();
    let (_, result) = crate::releases::drain(stream).await;
    released(result);
    // Hooks are not the release's objects: both stay, the post-delete one re-made.
    assert_eq!(
        s.config_maps().await,
        vec!["rel-early".to_owned(), "rel-late".to_owned()]
    );
    s.helm_in_ok(&helm_ns, &["uninstall", "rel"]);
}

fn sorted_lines(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable();
    lines
}

/// A deterministic, incompressible run of base64 text `len` bytes long.
fn noise(len: usize, seed: u64) -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            // xorshift64*
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            let r = x.wrapping_mul(0x2545_F491_4F6C_DD1D);
            char::from(B64[(r >> 58) as usize])
        })
        .collect()
}

#[tokio::test]
async fn a_record_too_large_for_a_secret_is_refused_and_nothing_is_written() {
    let s = setup("secrets", "oversized").await;
    // Two ConfigMaps of 600 KB of noise each: every object fits the server, but the
    // record (chart files + manifest, gzipped) is over a Secret's 1 MiB.
    let a = noise(600_000, 7);
    let b = noise(600_000, 11);
    let chart = pack(
        "big",
        &[
            ("Chart.yaml", "apiVersion: v2\nname: big\nversion: 1.0.0\n"),
            ("files/a.txt", a.as_str()),
            ("files/b.txt", b.as_str()),
            (
                "templates/cms.yaml",
                "{{- range $f := list \"a\" \"b\" }}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big-{{ $f }}\ndata:\n  blob: {{ $.Files.Get (printf \"files/%s.txt\" $f) | quote }}\n{{- end }}\n",
            ),
        ],
    );
    let (_, result) = install(&s, request(&s, "big", chart)).await;
    let (code, reason, message) = failed(result);
    assert_eq!(
        (code, reason.as_str()),
        (Code::FailedPrecondition, "LIMIT_EXCEEDED"),
        "{message}"
    );
    assert!(
        message.contains("1048576") || message.contains("1 MiB"),
        "{message}"
    );
    // Nothing half-written: no record, no object.
    assert!(s.config_maps().await.is_empty());
    let (_, out, _) = s.helm(&["list", "--all", "-o", "json"]);
    assert!(matches!(out.trim(), "" | "[]"), "no record: {out}");
}

#[tokio::test]
async fn an_object_the_server_rejects_fails_the_install_naming_it() {
    let s = setup("sql", "rejected").await;
    let chart = pack(
        "bad",
        &[
            ("Chart.yaml", "apiVersion: v2\nname: bad\nversion: 1.0.0\n"),
            (
                "templates/ok.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fine\ndata: {a: b}\n",
            ),
            (
                "templates/svc.yaml",
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: broken\nspec:\n  ports:\n    - port: 99999\n",
            ),
        ],
    );
    let (_, result) = install(&s, request(&s, "bad", chart)).await;
    let (code, reason, message) = failed(result);
    assert_eq!(
        (code, reason.as_str()),
        (Code::InvalidArgument, "KUBERNETES_REJECTED"),
        "{message}"
    );
    assert!(message.contains("Service \"broken\""), "{message}");
    assert!(message.contains("99999"), "the server's words: {message}");
    let history = s.helm_ok(&["history", "bad", "-o", "json"]);
    assert!(history.contains("\"status\":\"failed\""), "{history}");
}

#[tokio::test]
async fn hide_secret_hides_a_dry_runs_secrets_as_helm_does_and_needs_a_dry_run() {
    let s = setup("sql", "hide-secret").await;
    let chart = full_chart("hide.helmd.test");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("full.tgz");
    std::fs::write(&path, &chart).expect("write chart");
    let path = path.display().to_string();

    let (_, result) = install(
        &s,
        InstallReleaseRequest {
            dry_run: DryRun::Client as i32,
            hide_secret: true,
            ..request(&s, "rel", chart.clone())
        },
    )
    .await;
    let release = released(result);
    assert!(
        release
            .manifest
            .contains("# Source: full/templates/secret.yaml\n# HIDDEN: The Secret output has been suppressed\n"),
        "{}",
        release.manifest
    );
    assert!(!release.manifest.contains("not-really"));
    // Helm prints the same manifest for the same dry run.
    let helm = s.helm_ok(&["install", "rel", &path, "--dry-run", "--hide-secret"]);
    assert!(helm.contains(&release.manifest), "helm printed:\n{helm}");

    // Without a dry run the request is refused before anything runs.
    let err = s
        .client
        .releases()
        .install_release(InstallReleaseRequest {
            hide_secret: true,
            ..request(&s, "rel", chart)
        })
        .await
        .expect_err("refused");
    crate::common::assert_error(&err, Code::InvalidArgument, "REQUEST_INVALID");
    assert!(err.message().contains("requires a dry-run mode"), "{err:?}");
    let (_, out, _) = s.helm(&["list", "--all", "-o", "json"]);
    assert!(matches!(out.trim(), "" | "[]"), "no record: {out}");
}

#[tokio::test]
async fn an_object_of_another_release_is_refused_in_helms_words() {
    let s = setup("secrets", "other-release").await;
    let chart = |name: &str| {
        pack(
            name,
            &[
                (
                    "Chart.yaml",
                    format!("apiVersion: v2\nname: {name}\nversion: 1.0.0\n").as_str(),
                ),
                (
                    "templates/cm.yaml",
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: shared\ndata: {owner: \"{{ .Release.Name }}\"}\n",
                ),
            ],
        )
    };
    let (_, result) = install(&s, request(&s, "one", chart("one"))).await;
    released(result);
    let (_, result) = install(&s, request(&s, "two", chart("two"))).await;
    let (code, reason, message) = failed(result);
    assert_eq!(
        (code, reason.as_str()),
        (Code::FailedPrecondition, "RESOURCE_NOT_OWNED"),
        "{message}"
    );
    // Helm refuses the same install with the same words.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("two.tgz");
    std::fs::write(&path, chart("two")).expect("write chart");
    let (ok, _, err) = s.helm(&["install", "two", &path.display().to_string()]);
    assert!(!ok);
    assert!(
        err.contains(&message),
        "helm said {err:?}, helmd said {message:?}"
    );
    assert!(message.contains("current value is \"one\""), "{message}");
    let (_, out, _) = s.helm(&["list", "-o", "json"]);
    assert!(!out.contains("\"two\""), "no record of two: {out}");
}
