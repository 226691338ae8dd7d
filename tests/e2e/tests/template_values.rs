//! Values files and `--set-file` read as bytes, as `helm template` (the real Helm v4.3.2
//! CLI) reads them: invalid UTF-8 is Helm's YAML error, a UTF-8 byte-order mark
//! starts each document harmlessly, UTF-16 with a mark is decoded (with Helm's error
//! when the reader leaves an odd byte), and binary `--set-file` content keeps its bytes.

use std::path::Path;

use crate::fixtures::{HelmOutcome, helm_and_helmctl, write_files};

const CHART: &[(&str, &str)] = &[
    ("Chart.yaml", "apiVersion: v2\nname: c\nversion: 0.1.0\n"),
    (
        "templates/t.yaml",
        "values: {{ toJson .Values }}\nfile: {{ .Values.f | default \"\" | b64enc }}\n",
    ),
];

/// `template x c ARGS…` by Helm v4 and by helmctl, from `dir`.
fn both(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> (HelmOutcome, HelmOutcome) {
    let mut all = vec!["template", "x", "c"];
    all.extend_from_slice(args);
    helm_and_helmctl(dir, &all, stdin)
}

fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
    let mut out = if little_endian {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for unit in text.encode_utf16() {
        let bytes = if little_endian {
            unit.to_le_bytes()
        } else {
            unit.to_be_bytes()
        };
        out.extend_from_slice(&bytes);
    }
    out
}

#[test]
fn values_files_are_read_as_bytes_like_helm_template_reads_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_files(&dir.path().join("c"), CHART);
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("latin1.yaml", b"a: 1\nb: caf\xe9s\n".to_vec()),
        ("lead.yaml", b"a: \xff\n".to_vec()),
        ("short.yaml", b"a: 1\nb: caf\xe9\n".to_vec()),
        ("truncated.yaml", b"a: \"\xe2\x82\"\n".to_vec()),
        ("bom.yaml", b"\xef\xbb\xbfa: 1\nb: 2\n".to_vec()),
        ("bom-docs.yaml", b"a: 1\n---\n\xef\xbb\xbfb: 2\n".to_vec()),
        ("bom-key.yaml", b"a: 1\n\xef\xbb\xbfb: 2\n".to_vec()),
        ("utf16le.yaml", utf16("a: 1\nb: x\n", true)),
        ("utf16be.yaml", utf16("a: 1\nb: é\n", false)),
        ("utf16-odd.yaml", utf16("a: 1", true)[..7].to_vec()),
    ];
    for (name, bytes) in &files {
        std::fs::write(dir.path().join(name), bytes).expect("write");
        let (helm, ours) = both(dir.path(), &["-f", name], None);
        assert_eq!(ours, helm, "{name}");
    }
    // Helm's own words for the kinds of failure
    for (name, words) in [
        ("latin1.yaml", "invalid trailing UTF-8 octet"),
        ("lead.yaml", "invalid leading UTF-8 octet"),
        ("short.yaml", "incomplete UTF-8 octet sequence"),
    ] {
        let (helm, _) = both(dir.path(), &["-f", name], None);
        let expected = format!(
            "failed to parse {name}: cannot unmarshal yaml document: \
             error converting YAML to JSON: yaml: {words}"
        );
        assert_eq!(helm.2, expected);
    }
    let (helm, _) = both(dir.path(), &["-f", "utf16le.yaml"], None);
    assert!(
        helm.2.ends_with("yaml: incomplete UTF-16 character"),
        "{helm:?}"
    );
    let (helm, _) = both(dir.path(), &["-f", "bom.yaml"], None);
    assert!(helm.1.contains(r#"values: {"a":1,"b":2}"#), "{helm:?}");
}

#[test]
fn set_file_keeps_binary_bytes_like_helm() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_files(&dir.path().join("c"), CHART);
    let binary = b"bin\xff\xfe\x00x\xc3".to_vec();
    std::fs::write(dir.path().join("bin.dat"), &binary).expect("write");
    let (helm, ours) = both(dir.path(), &["--set-file", "f=bin.dat"], None);
    assert_eq!(ours, helm);
    assert!(helm.1.contains("file: Ymlu//4AeMM=\n"), "{helm:?}");
    let (helm, ours) = both(dir.path(), &["--set-file", "f=-"], Some(&binary));
    assert_eq!(ours, helm);
    let (helm, ours) = both(dir.path(), &["-f", "-"], Some(b"a: caf\xe9\n"));
    assert_eq!(ours, helm);
    assert!(!helm.0);
}
