//! Hooks as helmd extracts and prints them equal what Helm v4 stores and prints: the
//! real Helm CLI (4.3.2) installs a chart with many hooks on the real local cluster
//! (a client-only install carries no hooks) and its release's hooks are compared with RenderChart's (path,
//! kind, name, events, weight, delete and output-log policies, manifest text, order)
//! and with the `helm template` text RenderChart prints.

use helmd_client::proto::*;
use helmd_test_cluster::Cluster;
use helmd_test_support::{Helmd, HelmdOptions};
use serde::Deserialize;

use crate::chart_validate::pack;
use crate::common::client;

/// Hooks of many kinds and events, odd weights and policies, a subchart's hook, test
/// hooks (one with the legacy `test-success` event) and a hook with an unknown event.
const HOOKS: &[(&str, &str)] = &[
    (
        "Chart.yaml",
        "apiVersion: v2\nname: hooks\nversion: 0.1.0\ndependencies:\n  - name: side\n    version: 0.1.0\n",
    ),
    (
        "charts/side/Chart.yaml",
        "apiVersion: v2\nname: side\nversion: 0.1.0\n",
    ),
    (
        "charts/side/templates/sa.yaml",
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {{ .Release.Name }}-side\n  annotations:\n    helm.sh/hook: pre-install\n    helm.sh/hook-weight: \"1\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-side-plain\n",
    ),
    (
        "templates/config.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-plain\ndata:\n  greeting: {{ .Values.greeting }}\n",
    ),
    (
        "templates/hooks/job.yaml",
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}-migrate\n  annotations:\n    helm.sh/hook: post-install,post-upgrade,pre-delete\n    helm.sh/hook-weight: \"10\"\n    helm.sh/hook-delete-policy: hook-succeeded\n    helm.sh/hook-output-log-policy: hook-failed,hook-succeeded\nspec:\n  backoffLimit: 0\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n        - name: migrate\n          image: busybox\n          command: [\"true\"]\n",
    ),
    (
        "templates/hooks/odd-weights.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-spaced\n  annotations:\n    helm.sh/hook: post-install\n    helm.sh/hook-weight: \" 4\"\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-wordy\n  annotations:\n    helm.sh/hook: post-install\n    helm.sh/hook-weight: five\n    helm.sh/hook-delete-policy: hook-failed\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-unknown\n  annotations:\n    helm.sh/hook: post-install,never-ever\n",
    ),
    (
        "templates/hooks/setup.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-setup\n  annotations:\n    helm.sh/hook: pre-install,pre-upgrade\n    helm.sh/hook-weight: \"-3\"\n    helm.sh/hook-delete-policy: before-hook-creation\ndata:\n  step: setup\n---\n# a second hook in the same file, weight with a plus sign\napiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ .Release.Name }}-token\n  annotations:\n    \"helm.sh/hook\": \" PRE-INSTALL , post-upgrade\"\n    helm.sh/hook-weight: \"+2\"\n    helm.sh/hook-delete-policy: \" Hook-Succeeded,before-hook-creation \"\nstringData:\n  token: abc\n",
    ),
    (
        "templates/tests/check.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}-check\n  annotations:\n    helm.sh/hook: test\n    helm.sh/hook-weight: \"-1\"\nspec:\n  restartPolicy: Never\n  containers:\n    - name: check\n      image: busybox\n",
    ),
    (
        "templates/tests/legacy.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-legacy-test\n  annotations:\n    helm.sh/hook: test-success\n",
    ),
    ("values.yaml", "greeting: hi\n"),
];

/// A hook as both sides describe it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct HookView {
    name: String,
    kind: String,
    path: String,
    manifest: String,
    events: Vec<String>,
    #[serde(default)]
    weight: Option<i64>,
    #[serde(default)]
    delete_policies: Option<Vec<String>>,
    #[serde(default)]
    output_log_policies: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
struct HelmInstall {
    manifest: String,
    hooks: Vec<HookView>,
}

/// `HOOK_EVENT_PRE_INSTALL` → `pre-install`.
fn helm_word(enum_name: &str, prefix: &str) -> String {
    enum_name
        .strip_prefix(prefix)
        .unwrap_or(enum_name)
        .to_lowercase()
        .replace('_', "-")
}

/// RenderChart's hook in Helm's JSON terms (absent weight and policies as Helm omits them).
fn view(h: &Hook) -> HookView {
    let events = h
        .events
        .iter()
        .map(|e| {
            let name = HookEvent::try_from(*e).expect("event").as_str_name();
            helm_word(name, "HOOK_EVENT_")
        })
        .collect();
    let deletes: Vec<String> = h
        .delete_policies
        .iter()
        .map(|p| {
            let name = HookDeletePolicy::try_from(*p)
                .expect("policy")
                .as_str_name();
            helm_word(name, "HOOK_DELETE_POLICY_")
        })
        .collect();
    let logs: Vec<String> = h
        .output_log_policies
        .iter()
        .map(|p| {
            let name = HookOutputLogPolicy::try_from(*p)
                .expect("policy")
                .as_str_name();
            helm_word(name, "HOOK_OUTPUT_LOG_POLICY_")
        })
        .collect();
    HookView {
        name: h.name.clone(),
        kind: h.kind.clone(),
        path: h.path.clone(),
        manifest: h.manifest.clone(),
        events,
        weight: (h.weight != 0).then_some(i64::from(h.weight)),
        delete_policies: (!deletes.is_empty()).then_some(deletes),
        output_log_policies: (!logs.is_empty()).then_some(logs),
    }
}

/// What Helm's install adds to a hook it runs: a hook without delete policies gets
/// `before-hook-creation` when it executes (pre-install and post-install hooks here).
fn as_stored_after_install(mut h: HookView) -> HookView {
    let ran = h
        .events
        .iter()
        .any(|e| e == "pre-install" || e == "post-install");
    if ran && h.delete_policies.is_none() {
        h.delete_policies = Some(vec!["before-hook-creation".to_owned()]);
    }
    h
}

/// Installs the chart with the real Helm v4 CLI (4.3.2) on the cluster; its JSON
/// output is the stored release.
fn helm_install(cluster: &Cluster, namespace: &str, chart: &std::path::Path) -> HelmInstall {
    let home = tempfile::tempdir().expect("helm home");
    let out = crate::fixtures::helm_cli("helm4", home.path())
        .arg("install")
        .arg("rel")
        .arg(chart)
        .args(["--namespace", namespace, "--timeout", "120s", "-o", "json"])
        .arg("--kubeconfig")
        .arg(cluster.kubeconfig_path())
        .output()
        .expect("run helm");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("helm install -o json")
}

#[tokio::test]
async fn hooks_equal_the_hooks_helm_stores_after_installing_on_a_real_cluster() {
    let cluster = Cluster::shared().await.expect("cluster");
    let namespace = cluster.create_namespace("hooks").await.expect("namespace");
    let dir = tempfile::tempdir().expect("dir");
    let chart = dir.path().join("hooks");
    for (path, text) in HOOKS {
        let path = chart.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    let helm = helm_install(cluster, &namespace, &chart);
    assert_eq!(helm.hooks.len(), 8, "{:#?}", helm.hooks);

    let helmd = Helmd::start(HelmdOptions::default()).await.expect("helmd");
    let c = client(&helmd).await.expect("client");
    let render = |skip_tests: bool| {
        let c = c.clone();
        let namespace = namespace.clone();
        async move {
            c.charts()
                .render_chart(RenderChartRequest {
                    chart: Some(ChartReference {
                        source: Some(chart_reference::Source::Uploaded(UploadedChart {
                            archive: pack("hooks", HOOKS).into(),
                        })),
                    }),
                    release_name: "rel".into(),
                    namespace,
                    skip_tests,
                    ..Default::default()
                })
                .await
                .expect("render")
                .into_inner()
        }
    };
    let rendered = render(false).await;
    let ours: Vec<HookView> = rendered
        .hooks
        .iter()
        .map(view)
        .map(as_stored_after_install)
        .collect();
    assert_eq!(ours, helm.hooks);

    // `helm template` prints the manifest, then every hook in the release's order.
    let printed = |skip_tests: bool| -> String {
        let mut text = format!("{}\n", helm.manifest.trim());
        for h in &helm.hooks {
            if skip_tests && h.events.iter().any(|e| e == "test") {
                continue;
            }
            text.push_str(&format!("---\n# Source: {}\n{}\n", h.path, h.manifest));
        }
        text
    };
    assert_eq!(rendered.manifest, printed(false));
    assert_eq!(render(true).await.manifest, printed(true));
}
