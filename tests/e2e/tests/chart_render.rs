//! ChartService.RenderChart and ShowChart against the real helmd binary: an uploaded
//! chart with a subchart renders exactly like `helmctl template` and Helm v4 (the
//! oracle), errors carry Helm's message and field violations, charts by OCI reference
//! come from the real TLS registry; `helmctl template oci://…` renders from it too.

use std::collections::BTreeMap;
use std::path::Path;

use helmd_client::Client;
use helmd_client::proto::*;
use helmd_oracle::{Case, helm_render_batch};
use sha2::Digest;
use tonic::Code;
use tonic_types::StatusExt;

use crate::common::{assert_error, client};
use crate::fixtures::{self, basic, chart_archive, chart_archive_sized, oci_repository};

const SHOP: &[(&str, &str)] = &[
    (
        "Chart.yaml",
        "apiVersion: v2\nname: shop\nversion: 1.2.3\nappVersion: \"2.0\"\ndependencies:\n  \
         - name: cache\n    version: 0.4.0\n    condition: cache.enabled\n  \
         - name: audit\n    version: 1.0.0\n    condition: audit.enabled\n",
    ),
    (
        "values.yaml",
        "replicas: 2\nimage: {repo: shop, tag: latest}\ncache: {enabled: true, size: 64}\naudit: {enabled: false}\n",
    ),
    ("README.md", "# shop\nSells things.\n"),
    (
        "templates/_helpers.tpl",
        "{{- define \"shop.name\" -}}{{ .Release.Name }}-shop{{- end }}\n",
    ),
    (
        "templates/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include \"shop.name\" . }}\n  \
         namespace: {{ .Release.Namespace }}\nspec:\n  replicas: {{ .Values.replicas }}\n  \
         template:\n    spec:\n      containers:\n        - image: \"{{ .Values.image.repo }}:{{ .Values.image.tag }}\"\n",
    ),
    (
        "templates/hook.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}-migrate\n  \
         annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-weight: \"-5\"\n    \
         helm.sh/hook-delete-policy: hook-succeeded\n",
    ),
    (
        "templates/NOTES.txt",
        "{{ .Release.Name }} runs {{ .Values.replicas }} replicas\n",
    ),
    (
        "crds/widget.yaml",
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\n",
    ),
    (
        "charts/cache/Chart.yaml",
        "apiVersion: v2\nname: cache\nversion: 0.4.0\n",
    ),
    ("charts/cache/values.yaml", "size: 8\nmode: lru\n"),
    (
        "charts/cache/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cache\n\
         data:\n  size: {{ .Values.size | quote }}\n  mode: {{ .Values.mode }}\n",
    ),
    (
        "charts/audit/Chart.yaml",
        "apiVersion: v2\nname: audit\nversion: 1.0.0\n",
    ),
    (
        "charts/audit/templates/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: audit\n",
    ),
];

use crate::fixtures::write_files as write;

/// `files` packed as `helm package` lays them out, under `name/`.
fn pack(name: &str, files: &[(&str, &str)]) -> Vec<u8> {
    crate::fixtures::pack(name, files.iter().copied())
}

fn helmctl(args: &[&str], home: &Path) -> (bool, String, String) {
    let (code, stdout, stderr) = crate::fixtures::helmctl_in(home, args, None);
    (code == 0, stdout, stderr)
}

fn uploaded(archive: Vec<u8>) -> Option<ChartReference> {
    Some(ChartReference {
        source: Some(chart_reference::Source::Uploaded(UploadedChart {
            archive: archive.into(),
        })),
    })
}

async fn render(c: &Client, req: RenderChartRequest) -> Result<RenderChartResponse, tonic::Status> {
    c.charts()
        .render_chart(req)
        .await
        .map(tonic::Response::into_inner)
}

const PROD: &str = "replicas: 3\nimage: {tag: \"1.4\"}\n";

#[tokio::test]
async fn render_chart_of_an_upload_equals_helmctl_template_and_helm_v4() {
    let dir = tempfile::tempdir().expect("dir");
    let chart = dir.path().join("shop");
    write(&chart, SHOP);
    let values = dir.path().join("prod.yaml");
    std::fs::write(&values, PROD).expect("values");
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    let request = RenderChartRequest {
        chart: uploaded(pack("shop", SHOP)),
        values: Some(Values {
            yaml_documents: vec![PROD.into()],
            set: vec!["cache.size=128,audit.enabled=true".into()],
            set_string: vec!["image.tag=007".into()],
            ..Default::default()
        }),
        release_name: "web".into(),
        namespace: "shop-prod".into(),
        include_crds: true,
        ..Default::default()
    };
    let got = render(&c, request).await.expect("render");
    let files: BTreeMap<String, String> = got
        .files
        .iter()
        .map(|f| (f.path.clone(), f.content.clone()))
        .collect();

    let args = |output: &str| {
        vec![
            "template".to_owned(),
            "web".to_owned(),
            chart.display().to_string(),
            "-f".to_owned(),
            values.display().to_string(),
            "--set".to_owned(),
            "cache.size=128,audit.enabled=true".to_owned(),
            "--set-string".to_owned(),
            "image.tag=007".to_owned(),
            "-n".to_owned(),
            "shop-prod".to_owned(),
            "--include-crds".to_owned(),
            "-o".to_owned(),
            output.to_owned(),
        ]
    };
    let run = |output: &str| {
        let args = args(output);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (ok, stdout, stderr) = helmctl(&args, dir.path());
        assert!(ok, "{stderr}");
        stdout
    };
    let ours: BTreeMap<String, String> = serde_json::from_str(&run("json")).expect("json");
    assert_eq!(files, ours);
    assert_eq!(got.manifest, run("yaml"));

    // The same values as YAML documents, for the oracle (which takes -f documents).
    let mut case = Case::new("render-chart", &chart);
    case.values_yaml = vec![
        PROD.into(),
        "cache: {size: 128}\naudit: {enabled: true}\nimage: {tag: \"007\"}\n".into(),
    ];
    case.release_name = "web".into();
    case.namespace = "shop-prod".into();
    let helm = helm_render_batch(&[case]).remove(0).expect("Helm renders");
    assert_eq!(files, helm);

    assert!(files["shop/charts/cache/templates/cm.yaml"].contains("size: \"128\""));
    assert!(files.contains_key("shop/charts/audit/templates/cm.yaml"));
    assert!(!files.keys().any(|k| k.contains("_helpers")));
    assert!(
        got.manifest
            .starts_with("---\n# Source: shop/crds/widget.yaml\n")
    );
    assert!(got.notes.contains("web runs 3 replicas"), "{:?}", got.notes);
    assert_eq!(got.chart.expect("metadata").version, "1.2.3");
    assert_eq!(got.hooks.len(), 1);
    let hook = &got.hooks[0];
    assert_eq!(
        (hook.name.as_str(), hook.kind.as_str()),
        ("web-migrate", "Job")
    );
    assert_eq!(hook.path, "shop/templates/hook.yaml");
    assert_eq!(
        hook.events,
        vec![HookEvent::PreInstall as i32, HookEvent::PreUpgrade as i32]
    );
    assert_eq!(hook.weight, -5);
    assert_eq!(
        hook.delete_policies,
        vec![HookDeletePolicy::HookSucceeded as i32]
    );
}

#[tokio::test]
async fn render_chart_errors_are_invalid_argument_with_helms_message_and_the_field() {
    let dir = tempfile::tempdir().expect("dir");
    let broken: &[(&str, &str)] = &[
        (
            "Chart.yaml",
            "apiVersion: v2\nname: broken\nversion: 0.1.0\n",
        ),
        (
            "templates/cm.yaml",
            "a: {{ required \"db.host is required\" .Values.db }}\n",
        ),
    ];
    let chart = dir.path().join("broken");
    write(&chart, broken);
    let helm = helm_render_batch(&[Case::new("broken", &chart)])
        .remove(0)
        .expect_err("Helm fails too");
    let (helmd, _key) = fixtures::helmd_with_key(None, &["--max-chart-bytes", "4096"]).await;
    let c = client(&helmd).await.expect("client");

    let status = render(
        &c,
        RenderChartRequest {
            chart: uploaded(pack("broken", broken)),
            ..Default::default()
        },
    )
    .await
    .expect_err("template error");
    assert_error(&status, Code::InvalidArgument, "TEMPLATE_ERROR");
    assert!(
        status.message().contains(&helm),
        "helmd said {:?}, Helm said {helm:?}",
        status.message()
    );

    let status = render(
        &c,
        RenderChartRequest {
            chart: uploaded(b"not a gzip archive".to_vec()),
            ..Default::default()
        },
    )
    .await
    .expect_err("malformed archive");
    assert_error(&status, Code::InvalidArgument, "CHART_INVALID");
    let bad = status.get_details_bad_request().expect("field violation");
    assert_eq!(bad.field_violations[0].field, "chart.uploaded.archive");
    assert!(!bad.field_violations[0].description.is_empty());

    let status = render(
        &c,
        RenderChartRequest {
            chart: uploaded(pack("shop", SHOP)),
            values: Some(Values {
                yaml_documents: vec!["replicas: [unclosed\n".into()],
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .await
    .expect_err("malformed values");
    assert_error(&status, Code::InvalidArgument, "VALUES_INVALID");
    let bad = status.get_details_bad_request().expect("field violation");
    assert_eq!(bad.field_violations[0].field, "values");
    assert!(
        bad.field_violations[0]
            .description
            .contains("values.yaml_documents[0]"),
        "{bad:?}"
    );

    let status = render(
        &c,
        RenderChartRequest {
            chart: uploaded(chart_archive_sized("big", "1.0.0", 64 * 1024)),
            ..Default::default()
        },
    )
    .await
    .expect_err("too large");
    assert_error(&status, Code::InvalidArgument, "CHART_TOO_LARGE");
}

#[tokio::test]
async fn render_chart_and_helmctl_template_fetch_charts_from_the_registry() {
    let registry = fixtures::registry().await;
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    c.repositories()
        .create_repository(CreateRepositoryRequest {
            repository: Some(oci_repository(
                "registry",
                &registry,
                basic(registry.username(), registry.password()),
            )),
            verify: false,
        })
        .await
        .expect("create repository");
    c.charts()
        .push_chart(PushChartRequest {
            archive: chart_archive("demo", "1.0.0").into(),
            destination: format!("oci://{}/charts", registry.host()),
            repository: "registry".into(),
            provenance: Default::default(),
        })
        .await
        .expect("push");
    let reference = format!("oci://{}/charts/demo", registry.host());
    let got = render(
        &c,
        RenderChartRequest {
            chart: Some(ChartReference {
                source: Some(chart_reference::Source::Oci(OciChart {
                    reference: reference.clone(),
                    pin: Some(oci_chart::Pin::Version("1.0.0".into())),
                    repository: "registry".into(),
                })),
            }),
            release_name: "web".into(),
            ..Default::default()
        },
    )
    .await
    .expect("render by reference");
    assert_eq!(
        got.manifest,
        "---\n# Source: demo/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n"
    );

    let home = tempfile::tempdir().expect("home");
    let ca = registry.ca_file().expect("ca file").display().to_string();
    let (ok, stdout, stderr) = helmctl(
        &[
            "template",
            "web",
            &reference,
            "--version",
            "1.0.0",
            "--ca-file",
            &ca,
            "--username",
            registry.username(),
            "--password",
            registry.password(),
        ],
        home.path(),
    );
    assert!(ok, "{stderr}");
    assert_eq!(stdout, got.manifest);
}

#[tokio::test]
async fn show_chart_returns_metadata_values_readme_crds_and_dependency_states() {
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    let archive = pack("shop", SHOP);
    let shown = c
        .charts()
        .show_chart(ShowChartRequest {
            chart: uploaded(archive.clone()),
            values: Some(Values {
                set: vec!["audit.enabled=true,cache.enabled=false".into()],
                ..Default::default()
            }),
        })
        .await
        .expect("show")
        .into_inner();
    let meta = shown.metadata.expect("metadata");
    assert_eq!(
        (meta.name.as_str(), meta.version.as_str()),
        ("shop", "1.2.3")
    );
    assert_eq!(meta.app_version, "2.0");
    assert_eq!(shown.values, SHOP[1].1);
    assert_eq!(shown.readme, "# shop\nSells things.\n");
    assert_eq!(shown.schema, "");
    assert_eq!(shown.crds.len(), 1);
    assert_eq!(shown.crds[0].path, "shop/crds/widget.yaml");
    let deps: Vec<(String, bool, String)> = shown
        .dependencies
        .iter()
        .map(|d| {
            (
                d.dependency.as_ref().expect("dependency").name.clone(),
                d.enabled,
                d.packaged_version.clone(),
            )
        })
        .collect();
    assert_eq!(
        deps,
        vec![
            ("cache".to_owned(), false, "0.4.0".to_owned()),
            ("audit".to_owned(), true, "1.0.0".to_owned()),
        ]
    );
    assert_eq!(
        shown.archive_digest,
        format!("sha256:{}", hex::encode(sha2::Sha256::digest(&archive)))
    );
}

#[tokio::test]
async fn render_chart_takes_set_file_content_from_the_request_and_renders_upgrades() {
    let (helmd, _key) = fixtures::helmd_with_key(None, &[]).await;
    let c = client(&helmd).await.expect("client");
    let got = render(
        &c,
        RenderChartRequest {
            chart: uploaded(pack("shop", SHOP)),
            values: Some(Values {
                set_file: vec![SetFileValue {
                    key: "cache.mode".into(),
                    content: "fifo".into(),
                }],
                ..Default::default()
            }),
            is_upgrade: true,
            disable_hooks: true,
            show_only: vec!["charts/cache/templates/cm.yaml".into()],
            ..Default::default()
        },
    )
    .await
    .expect("render");
    assert!(got.manifest.contains("mode: fifo"), "{}", got.manifest);
    assert!(!got.manifest.contains("Deployment"), "{}", got.manifest);
    let status = render(
        &c,
        RenderChartRequest {
            chart: uploaded(pack("shop", SHOP)),
            show_only: vec!["templates/nothing.yaml".into()],
            ..Default::default()
        },
    )
    .await
    .expect_err("show_only names nothing");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status
            .message()
            .contains("could not find template templates/nothing.yaml in chart"),
        "{status:?}"
    );
}
