//! Tests of the manifest stage; the texts were observed from Helm v4.2.3
//! (helm_python's client-side dry-run install).

use std::collections::BTreeMap;

use super::*;

fn files(entries: &[(&str, &str)]) -> BTreeMap<String, String> {
    entries
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn build(entries: &[(&str, &str)]) -> Result<ReleaseManifest> {
    build_release_manifest("c", &files(entries), &[], &ManifestOptions::default())
}

fn error_of(doc: &str) -> String {
    match build(&[("c/templates/a.yaml", doc)]) {
        Ok(rel) => format!("no error: {}", rel.manifest),
        Err(e) => e.to_string(),
    }
}

#[test]
fn documents_sort_by_kind_across_files_keeping_file_order_among_equals() {
    let rel = build(&[
        ("c/templates/a.yaml", "kind: Service\n"),
        (
            "c/templates/b.yaml",
            "kind: Service\n---\nkind: Namespace\n",
        ),
        ("c/templates/_p.yaml", "kind: Namespace\n"),
        ("c/templates/blank.yaml", " \n\n"),
    ])
    .expect("builds");
    assert_eq!(
        rel.manifest,
        // Helm 4.3: a document keeps the newline before the next `---`.
        "---\n# Source: c/templates/b.yaml\nkind: Namespace\n\n---\n# Source: c/templates/a.yaml\nkind: Service\n\n---\n# Source: c/templates/b.yaml\nkind: Service\n\n"
    );
}

#[test]
fn unknown_kinds_go_last_by_name_and_comment_only_documents_stay() {
    let rel = build(&[(
        "c/templates/b.yaml",
        "kind: Foo\n---\n# just a comment\n---\nkind: Deployment\n---\nkind: Bar\n",
    )])
    .expect("builds");
    let kinds: Vec<&str> = rel.manifests.iter().map(|m| m.head.kind.as_str()).collect();
    assert_eq!(kinds, ["Deployment", "", "Bar", "Foo"]);
}

#[test]
fn hooks_leave_the_manifest_and_unknown_hooks_vanish() {
    let rel = build(&[(
        "c/templates/a.yaml",
        "kind: Secret\n---\nkind: Pod\nmetadata: {name: t, annotations: {helm.sh/hook: nope}}\n---\nkind: ConfigMap\nmetadata:\n  name: h\n  annotations:\n    helm.sh/hook: \" Pre-Install ,post-install\"\n    helm.sh/hook-weight: \"-5\"\n    helm.sh/hook-delete-policy: before-hook-creation,Hook-Succeeded\n",
    )])
    .expect("builds");
    assert_eq!(
        rel.manifest,
        "---\n# Source: c/templates/a.yaml\nkind: Secret\n\n"
    );
    assert_eq!(rel.hooks.len(), 1);
    let hook = &rel.hooks[0];
    assert_eq!(hook.name, "h");
    assert_eq!(hook.events, [HookEvent::PreInstall, HookEvent::PostInstall]);
    assert_eq!(hook.weight, -5);
    assert_eq!(
        hook.delete_policies,
        ["before-hook-creation", "hook-succeeded"]
    );
}

#[test]
fn head_errors_read_like_helms() {
    let prefix = "YAML parse error on c/templates/a.yaml: ";
    let json = "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal";
    assert_eq!(
        error_of("kind: [x]\n"),
        format!("{prefix}{json} array into Go struct field SimpleHead.kind of type string")
    );
    assert_eq!(
        error_of("metadata: x\n"),
        format!(
            "{prefix}{json} string into Go struct field SimpleHead.metadata of type struct {{ Name string \"json:\\\"name\\\"\"; Annotations map[string]string \"json:\\\"annotations\\\"\" }}"
        )
    );
    assert_eq!(
        error_of("metadata: {annotations: x}\n"),
        format!(
            "{prefix}{json} string into Go struct field .metadata.annotations of type map[string]string"
        )
    );
    assert_eq!(
        error_of("- a\n"),
        format!("{prefix}{json} array into Go value of type util.SimpleHead")
    );
    assert_eq!(
        error_of("a: [\n"),
        format!(
            "{prefix}error converting YAML to JSON: yaml: line 1: did not find expected node content"
        )
    );
    // Scalars bound for strings are quoted on the way, as sigs.k8s.io/yaml does.
    assert!(
        error_of("kind: 1\nmetadata: {name: 2, annotations: {a: 1}}\n").starts_with("no error")
    );
}

#[test]
fn notes_are_the_root_charts_unless_subchart_notes_are_asked_for() {
    let rendered = files(&[
        ("c/templates/NOTES.txt", "root\n"),
        ("c/charts/s/templates/NOTES.txt", "sub\n"),
        ("c/charts/a/charts/d/templates/NOTES.txt", "deep\n"),
        ("c/templates/cm.yaml", "kind: ConfigMap\n"),
    ]);
    let rel =
        build_release_manifest("c", &rendered, &[], &ManifestOptions::default()).expect("builds");
    assert_eq!(rel.notes, "root\n");
    assert_eq!(rel.manifests.len(), 1);
    let opts = ManifestOptions {
        render_subchart_notes: true,
        ..ManifestOptions::default()
    };
    let rel = build_release_manifest("c", &rendered, &[], &opts).expect("builds");
    assert_eq!(rel.notes, "root\n\nsub\n\ndeep\n");
}

#[test]
fn hide_secret_leaves_v1_secrets_content_out_of_the_text_only() {
    let rendered = files(&[
        (
            "c/templates/s.yaml",
            "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {k: dg==}\n",
        ),
        (
            "c/templates/x.yaml",
            "apiVersion: example.com/v1\nkind: Secret\nmetadata: {name: x}\n",
        ),
    ]);
    let opts = ManifestOptions {
        hide_secret: true,
        ..ManifestOptions::default()
    };
    let rel = build_release_manifest("c", &rendered, &[], &opts).expect("builds");
    assert_eq!(
        rel.manifest,
        "---\n# Source: c/templates/s.yaml\n# HIDDEN: The Secret output has been suppressed\n\
         ---\n# Source: c/templates/x.yaml\napiVersion: example.com/v1\nkind: Secret\nmetadata: {name: x}\n\n"
    );
    assert_eq!(rel.manifests.len(), 2);
}

#[test]
fn template_output_puts_crds_first_and_hooks_last() {
    let rendered = files(&[
        (
            "c/templates/a.yaml",
            "kind: Job\nmetadata: {name: t, annotations: {helm.sh/hook: test}}\n---\nkind: Service\n",
        ),
        (
            "c/templates/b.yaml",
            "kind: Pod\nmetadata: {name: p, annotations: {helm.sh/hook: pre-install}}\n",
        ),
    ]);
    let crds = [(
        "c/crds/x.yaml".to_string(),
        "kind: CustomResourceDefinition\n".to_string(),
    )];
    let opts = ManifestOptions {
        include_crds: true,
        ..ManifestOptions::default()
    };
    let rel = build_release_manifest("c", &rendered, &crds, &opts).expect("builds");
    let all = template_output(&rel, &TemplateOptions::default()).expect("prints");
    assert_eq!(
        all,
        "---\n# Source: c/crds/x.yaml\nkind: CustomResourceDefinition\n\n---\n# Source: c/templates/a.yaml\nkind: Service\n---\n# Source: c/templates/b.yaml\nkind: Pod\nmetadata: {name: p, annotations: {helm.sh/hook: pre-install}}\n\n---\n# Source: c/templates/a.yaml\nkind: Job\nmetadata: {name: t, annotations: {helm.sh/hook: test}}\n\n"
    );
    let skip = TemplateOptions {
        skip_tests: true,
        show_only: vec!["templates/a.yaml".into()],
        ..TemplateOptions::default()
    };
    assert_eq!(
        template_output(&rel, &skip).expect("prints"),
        "---\n# Source: c/templates/a.yaml\nkind: Service\n\n"
    );
    let missing = TemplateOptions {
        show_only: vec!["templates/nope.yaml".into()],
        ..TemplateOptions::default()
    };
    assert_eq!(
        template_output(&rel, &missing).map_err(|e| e.to_string()),
        Err("could not find template templates/nope.yaml in chart".to_string())
    );
}

#[test]
fn show_only_globs_match_like_go_filepath_match() {
    assert!(glob_match("templates/*.yaml", "templates/a.yaml"));
    assert!(!glob_match("templates/*", "templates/sub/a.yaml"));
    assert!(glob_match("templates/?.yaml", "templates/a.yaml"));
    assert!(glob_match("templates/[a-c].yaml", "templates/b.yaml"));
    assert!(!glob_match("templates/[^a-c].yaml", "templates/b.yaml"));
    assert!(!glob_match("templates/[a-", "templates/a"));
    assert!(glob_match("templates/\\*.yaml", "templates/*.yaml"));
}
