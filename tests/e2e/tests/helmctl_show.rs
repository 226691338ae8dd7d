//! `helmctl show chart|values|readme|crds|all` prints exactly what Helm v4's `helm show`
//! prints (helm_python's `show`), for charts covering every field Helm marshals.

use std::path::Path;
use std::process::Command;

/// Writes `files` (path → text) under `root/name`.
fn write_chart(root: &Path, name: &str, files: &[(&str, &str)]) {
    crate::fixtures::write_files(&root.join(name), files);
}

const HELM_SHOW: &str = r#"
import sys
import helm_python.registry as r
sys.stdout.write(r.show(sys.argv[1], output_format=sys.argv[2]))
"#;

fn helm_show(chart: &Path, part: &str) -> String {
    let python = helmd_oracle::oracle::python().expect("venv python");
    let out = Command::new(python)
        .args(["-c", HELM_SHOW])
        .arg(chart)
        .arg(part)
        .output()
        .expect("run helm_python");
    assert!(
        out.status.success(),
        "helm show {part} {}: {}",
        chart.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn helmctl_show(chart: &Path, part: &str) -> String {
    let chart = chart.display().to_string();
    let (ok, stdout, stderr) = crate::fixtures::helmctl(&["show", part, &chart]);
    assert!(ok, "helmctl show {part} {chart}: {stderr}");
    stdout
}

#[test]
fn helmctl_show_prints_what_helm_show_prints_for_every_part() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write_chart(
        root,
        "full",
        &[
            (
                "Chart.yaml",
                "# a comment Helm drops\nname: full\nversion: 1.2.3-rc.1+build.5\napiVersion: v2\n\
                 description: \"Everything: set\"\nappVersion: 1.10\nkubeVersion: '>=1.19.0-0'\n\
                 type: application\nhome: https://example.com\nicon: https://example.com/i.png\n\
                 deprecated: true\nsources: [https://example.com/src, git@example.com:x.git]\n\
                 keywords: [zeta, alpha, \"with space\"]\n\
                 maintainers:\n  - name: Zed\n    email: z@example.com\n    url: https://z.example.com\n  - name: Amy\n\
                 annotations:\n  zz: \"yes\"\n  aa: \"multi\\nline\"\n  category: Database\n\
                 dependencies:\n  - name: sub\n    version: ~0.1.0\n    repository: file://charts/sub\n    condition: sub.enabled,global.sub\n    tags: [back, front]\n    alias: child\n    import-values:\n      - data\n      - child: a.b\n        parent: c\n  - name: other\n    repository: \"\"\n",
            ),
            (
                "values.yaml",
                "# keep me\nreplicas: 3   # trailing\nlist: [1, 2]\n\n\n",
            ),
            ("README.md", "# Full\n\nSome *text*.\n"),
            ("crds/b.yaml", "---\napiVersion: v1\nkind: B\n"),
            ("crds/a.json", "{\"kind\": \"A\"}"),
            ("crds/notes.txt", "not a CRD\n"),
            ("templates/cm.yaml", "kind: ConfigMap\n"),
            (
                "charts/sub/Chart.yaml",
                "apiVersion: v2\nname: sub\nversion: 0.1.0\n",
            ),
            ("charts/sub/crds/s.yml", "kind: S\n"),
            (
                "charts/other/Chart.yaml",
                "apiVersion: v2\nname: other\nversion: 2.0.0\n",
            ),
        ],
    );
    write_chart(
        root,
        "bare",
        &[
            ("Chart.yaml", "apiVersion: v2\nname: bare\nversion: 0.0.1\n"),
            ("readme.txt", "lower-case readme\n"),
            ("docs/README.md", "not the README: not at the top\n"),
        ],
    );
    write_chart(
        root,
        "legacy",
        &[
            (
                "Chart.yaml",
                "name: legacy\nversion: 3.0.0\ndescription: apiVersion v1, no apiVersion line\nappVersion: \"007\"\n",
            ),
            (
                "requirements.yaml",
                "dependencies:\n- name: dep\n  version: 1.x\n  repository: https://charts.example.com\n",
            ),
            ("values.yaml", ""),
            ("README", "plain README\n"),
            ("charts/dep/Chart.yaml", "name: dep\nversion: 1.4.0\n"),
        ],
    );
    write_chart(
        root,
        "library",
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: library\nversion: 1.0.0\ntype: library\nannotations: {}\nkeywords: []\n",
            ),
            ("values.yaml", "{}\n"),
            ("ReadMe.MD", "Mixed case README\n"),
            ("templates/_h.tpl", "{{ define \"x\" }}{{ end }}\n"),
        ],
    );

    let mut checked = 0;
    for chart in ["full", "bare", "legacy", "library"] {
        for part in ["chart", "values", "readme", "crds", "all"] {
            let path = root.join(chart);
            let helm = helm_show(&path, part);
            let ours = helmctl_show(&path, part);
            assert_eq!(
                ours,
                helm,
                "helmctl show {part} {chart} differs from Helm:\n{}",
                helmd_oracle::unified_diff(&helm, &ours, part)
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 20);
}
