//! Chart arguments that are no chart, for `template`, `show`, `dependency list` and `lint`:
//! helmctl fails with the words of the real Helm v4.3.2 CLI (a path that does not
//! exist, a name that is no `repo/chart`, a YAML or other file given as a packaged
//! chart, a chart directory holding a dangling symbolic link).

use crate::fixtures::{helm_and_helmctl, write_files};

#[test]
fn arguments_that_are_no_chart_fail_with_helms_words() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    write_files(
        &root.join("c"),
        &[
            ("Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n"),
            ("templates/t.yaml", "a: 1\n"),
        ],
    );
    write_files(
        &root.join("linked"),
        &[
            (
                "Chart.yaml",
                "apiVersion: v2\nname: linked\nversion: 0.1.0\n",
            ),
            ("templates/t.yaml", "a: 1\n"),
            (".helmignore", "templates/gone.yaml\n"),
        ],
    );
    std::os::unix::fs::symlink("/nonexistent/x", root.join("linked/templates/gone.yaml"))
        .expect("symlink");
    std::fs::write(root.join("values.yaml"), "a: 1\n").expect("write");
    std::fs::write(root.join("notes.txt"), "text\n").expect("write");
    std::fs::write(root.join("doc.pdf"), "%PDF-1.7\n").expect("write");
    let absent = root.join("absent").display().to_string();
    let runs: Vec<Vec<&str>> = vec![
        vec!["template", "x", "values.yaml"],
        vec!["template", "x", "notes.txt"],
        vec!["template", "x", "doc.pdf"],
        vec!["template", "x", "./missing"],
        vec!["template", "x", &absent],
        vec!["template", "x", "missing"],
        vec!["template", "x", "file:///tmp/c"],
        vec!["template", "x", "norepo/c"],
        vec!["template", "x", "linked"],
        vec!["template", "x", "./linked/../linked"],
        vec!["show", "chart", "values.yaml"],
        vec!["show", "values", "./missing"],
        vec!["show", "values", "linked"],
        vec!["dependency", "list", "./missing"],
        vec!["dependency", "list", "./values.yaml"],
        vec!["dependency", "list", "notes.txt"],
        vec!["lint", "linked"],
        vec!["lint", "values.yaml"],
        vec!["lint", "./missing"],
    ];
    for args in &runs {
        let (helm, ours) = helm_and_helmctl(root, args, None);
        assert!(!helm.0, "Helm accepted {args:?}");
        assert_eq!(ours, helm, "{args:?}");
    }
}
