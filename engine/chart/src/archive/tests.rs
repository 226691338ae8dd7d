//! Archive reading: Helm's path checks, our link and size limits, and good archives.

use super::*;

type Entry<'a> = (&'a str, &'a [u8], tar::EntryType);

/// Builds a .tgz with raw entry names (so malicious names survive) and entry types.
fn archive(entries: &[Entry<'_>]) -> Vec<u8> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(encoder);
    for (name, data, kind) in entries {
        let mut header = tar::Header::new_gnu();
        let raw = &mut header.as_old_mut().name;
        raw[..name.len()].copy_from_slice(name.as_bytes());
        header.set_entry_type(*kind);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        if kind.is_symlink() || kind.is_hard_link() {
            header.set_link_name("etc/passwd").expect("link name");
        }
        header.set_cksum();
        builder.append(&header, *data).expect("append");
    }
    builder.into_inner().expect("tar").finish().expect("gzip")
}

fn check(entries: &[Entry<'_>], expected: &str) {
    let err = read_chart_archive(&archive(entries), ArchiveLimits::default())
        .expect_err("must be refused");
    assert!(
        err.to_string().contains(expected),
        "{err} does not contain {expected:?}"
    );
}

const FILE: tar::EntryType = tar::EntryType::Regular;

#[test]
fn a_good_archive_loses_its_top_directory() {
    let files = read_chart_archive(
        &archive(&[
            ("demo/Chart.yaml", b"name: demo\nversion: 1.0.0\n", FILE),
            ("demo/templates/", b"", tar::EntryType::Directory),
            ("demo/templates/a.yaml", b"a: 1\n", FILE),
        ]),
        ArchiveLimits::default(),
    )
    .expect("valid");
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(names, ["Chart.yaml", "templates/a.yaml"]);
}

#[test]
fn parent_references_are_refused() {
    check(
        &[("demo/../../etc/passwd", b"x", FILE)],
        "chart illegally references parent directory",
    );
}

#[test]
fn absolute_paths_are_refused() {
    check(
        &[("demo//etc/passwd", b"x", FILE)],
        "chart illegally contains absolute paths",
    );
}

#[test]
fn drive_letters_are_refused() {
    check(
        &[("demo\\c:\\windows\\x", b"x", FILE)],
        "chart contains illegally named files",
    );
}

#[test]
fn a_chart_yaml_outside_the_chart_directory_is_refused() {
    check(
        &[("Chart.yaml", b"name: x", FILE)],
        "chart yaml not in base directory",
    );
}

#[test]
fn symlinks_and_hard_links_are_refused() {
    check(
        &[("demo/templates/x", b"", tar::EntryType::Symlink)],
        "contains a link",
    );
    check(
        &[("demo/templates/x", b"", tar::EntryType::Link)],
        "contains a link",
    );
}

#[test]
fn special_files_are_refused() {
    check(
        &[("demo/fifo", b"", tar::EntryType::Fifo)],
        "contains a special file",
    );
}

#[test]
fn decompression_bombs_stop_at_the_size_limit() {
    let zeros = vec![0u8; 4096];
    let entries: Vec<Entry<'_>> = vec![
        ("demo/Chart.yaml", b"name: d", FILE),
        ("demo/big", &zeros, FILE),
    ];
    let limits = ArchiveLimits {
        max_decompressed_bytes: 1024,
        max_files: 10,
        ..ArchiveLimits::default()
    };
    let err = read_chart_archive(&archive(&entries), limits).expect_err("too large");
    assert_eq!(
        err.to_string(),
        "decompressed chart is larger than the maximum size 1024"
    );
}

#[test]
fn too_many_files_are_refused() {
    let names: Vec<String> = (0..5).map(|i| format!("demo/f{i}")).collect();
    let entries: Vec<Entry<'_>> = names
        .iter()
        .map(|n| (n.as_str(), &b"x"[..], FILE))
        .collect();
    let limits = ArchiveLimits {
        max_decompressed_bytes: 1024,
        max_files: 4,
        ..ArchiveLimits::default()
    };
    let err = read_chart_archive(&archive(&entries), limits).expect_err("too many");
    assert_eq!(err.to_string(), "chart archive has more than 4 files");
}

#[test]
fn non_gzip_input_and_empty_archives_are_refused() {
    let err = read_chart_archive(b"name: demo\n", ArchiveLimits::default()).expect_err("not gzip");
    assert_eq!(err.to_string(), "gzip: invalid header");
    let err = read_chart_archive(&archive(&[]), ArchiveLimits::default()).expect_err("empty");
    assert_eq!(err.to_string(), "no files in chart archive");
}

#[test]
fn clean_matches_go_path_clean() {
    let cases = [
        ("a/./b", "a/b"),
        ("a/../b", "b"),
        ("../a", "../a"),
        ("a/..", "."),
        ("", "."),
        ("a//b/", "a/b"),
    ];
    for (input, expected) in cases {
        assert_eq!(clean(input), expected, "{input}");
    }
}
