//! The chart loader's own limits: nested archives share one budget, subcharts nest
//! a bounded number of levels, and subcharts keep their files.

use std::collections::BTreeMap;

use helmd_chart::{ArchiveLimits, load_chart_archive, load_chart_files};

fn chart_yaml(name: &str) -> Vec<u8> {
    format!("apiVersion: v2\nname: {name}\nversion: 0.1.0\n").into_bytes()
}

/// A gzipped tar of `files` under the top directory `top`.
fn archive(top: &str, files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    for (path, data) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, format!("{top}/{path}"), data.as_slice())
            .expect("append");
    }
    tar.into_inner().expect("tar").finish().expect("gzip")
}

#[test]
fn nested_archives_share_the_decompression_budget() {
    let inner = archive(
        "inner",
        &[
            ("Chart.yaml", chart_yaml("inner")),
            ("big.txt", vec![b'a'; 600_000]),
        ],
    );
    let outer = archive(
        "outer",
        &[
            ("Chart.yaml", chart_yaml("outer")),
            ("charts/inner-0.1.0.tgz", inner),
        ],
    );
    let limits = ArchiveLimits {
        max_decompressed_bytes: 500_000,
        max_files: 100,
        ..ArchiveLimits::default()
    };
    let err = load_chart_archive(&outer, limits)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.starts_with("error unpacking subchart inner-0.1.0.tgz in outer: decompressed chart is larger than the maximum size"),
        "{err}"
    );
    let roomy = ArchiveLimits {
        max_decompressed_bytes: 2_000_000,
        max_files: 100,
        ..ArchiveLimits::default()
    };
    let chart = load_chart_archive(&outer, roomy).expect("loads within budget");
    assert_eq!(chart.dependencies[0].name(), "inner");
    assert_eq!(chart.dependencies[0].files["big.txt"].len(), 600_000);
}

#[test]
fn subcharts_nest_a_bounded_number_of_levels() {
    let mut files = BTreeMap::new();
    let mut prefix = String::new();
    for level in 0..40 {
        files.insert(
            format!("{prefix}Chart.yaml"),
            chart_yaml(&format!("c{level}")),
        );
        prefix.push_str(&format!("charts/c{}/", level + 1));
    }
    let err = load_chart_files(files)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(
        err.ends_with("subcharts nest deeper than 32 levels"),
        "{err}"
    );
}

#[test]
fn requirements_yaml_gives_v1_charts_their_dependencies() {
    let mut files = BTreeMap::new();
    files.insert(
        "Chart.yaml".to_string(),
        b"name: old\nversion: 1.0.0\n".to_vec(),
    );
    files.insert(
        "requirements.yaml".to_string(),
        b"dependencies:\n- name: dep\n  version: 0.1.0\n  alias: other\n".to_vec(),
    );
    files.insert("charts/dep/Chart.yaml".to_string(), chart_yaml("dep"));
    files.insert("charts/dep/crds/a.yaml".to_string(), b"kind: X\n".to_vec());
    let chart = load_chart_files(files).expect("loads");
    assert_eq!(chart.metadata.api_version, "v1");
    let deps = chart.metadata.dependencies.clone().unwrap_or_default();
    assert_eq!(deps[0].alias, "other");
    assert!(chart.files.contains_key("requirements.yaml"));
    let crds: Vec<String> = chart
        .crd_objects()
        .into_iter()
        .map(|c| c.filename)
        .collect();
    assert_eq!(crds, ["old/charts/dep/crds/a.yaml"]);
}

#[test]
fn a_symbolic_link_loop_in_a_chart_directory_is_an_error_not_a_crash() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("c");
    std::fs::create_dir_all(root.join("files")).expect("mkdir");
    std::fs::write(root.join("Chart.yaml"), chart_yaml("c")).expect("write");
    std::os::unix::fs::symlink(&root, root.join("files/loop")).expect("symlink");
    let err = helmd_chart::load_chart_dir(&root)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    // Linux refuses the path after 40 links; the depth guard covers the rest.
    assert!(
        err.contains("symbolic link"),
        "{}",
        err.chars().take(300).collect::<String>()
    );
}

#[test]
fn files_loaded_within_limits_count_like_one_archive() {
    let sub = archive(
        "sub",
        &[
            ("Chart.yaml", chart_yaml("sub")),
            ("big.txt", vec![b'a'; 300_000]),
        ],
    );
    let files = |sub: &[u8]| {
        BTreeMap::from([
            (
                "Chart.yaml".to_owned(),
                b"apiVersion: v2\nname: top\nversion: 0.1.0\ndependencies:\n- name: sub\n  version: 0.1.0\n"
                    .to_vec(),
            ),
            ("charts/sub-0.1.0.tgz".to_owned(), sub.to_vec()),
        ])
    };
    let limits = |bytes: u64, file: u64| ArchiveLimits {
        max_decompressed_bytes: bytes,
        max_files: 100,
        max_file_bytes: file,
    };
    let chart = helmd_chart::load_chart_files_within(files(&sub), limits(1_000_000, 500_000))
        .expect("within limits");
    assert_eq!(chart.dependencies[0].name(), "sub");
    assert!(helmd_chart::missing_dependencies(&chart).is_empty());
    // The subchart's expanded files count against what the outer files left.
    let err = helmd_chart::load_chart_files_within(files(&sub), limits(300_000, 500_000))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("larger than the maximum size"), "{err}");
    let err = helmd_chart::load_chart_files_within(files(&sub), limits(1_000_000, 100))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(
        err,
        "decompressed chart file \"charts/sub-0.1.0.tgz\" is larger than the maximum file size 100"
    );
}

#[test]
fn missing_dependencies_are_named_in_helms_words() {
    let files = BTreeMap::from([(
        "Chart.yaml".to_owned(),
        b"apiVersion: v2\nname: top\nversion: 0.1.0\ndependencies:\n- name: a\n  version: 1.0.0\n- name: b\n  version: 1.0.0\n  alias: c\n"
            .to_vec(),
    )]);
    let chart = load_chart_files(files).expect("load");
    assert_eq!(helmd_chart::missing_dependencies(&chart), ["a", "b"]);
    let err = helmd_chart::check_dependencies(&chart).expect_err("missing");
    assert_eq!(
        err.to_string(),
        "an error occurred while checking for chart dependencies. You may need to run 'helm \
         dependency build' to fetch missing dependencies: found in Chart.yaml, but missing in \
         charts/ directory: a, b"
    );
}
