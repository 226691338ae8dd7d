//! Bad configuration ends `helmd serve` at once with a non-zero exit and a one-line message.

use std::time::Duration;

use helmd_test_support::postgres::free_port;
use helmd_test_support::run_helmd;

fn check(args: &[&str], expected: &str) {
    let (status, _stdout, stderr) =
        run_helmd(args, &[], Duration::from_secs(60)).expect("run helmd");
    assert!(!status.success(), "helmd {args:?} should fail");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line expected, got: {stderr}");
    assert!(lines[0].starts_with("helmd: "), "{stderr}");
    assert!(
        lines[0].contains(expected),
        "{expected:?} not in {stderr:?}"
    );
}

#[test]
fn an_unknown_flag_is_named() {
    check(&["serve", "--no-such-flag"], "'--no-such-flag'");
}

#[test]
fn an_unparsable_listen_address_is_named() {
    check(
        &["serve", "--listen", "here-and-there"],
        "invalid value 'here-and-there' for '--listen",
    );
}

#[test]
fn an_unreachable_database_at_start_is_named_without_its_password() {
    let port = free_port().expect("port").to_string();
    let url = format!("postgres://helmd:hunter2@127.0.0.1:{port}/helmd");
    let data = tempfile::tempdir().expect("dir");
    let data_dir = data.path().to_str().expect("utf-8");
    let args = [
        "serve",
        "--data-dir",
        data_dir,
        "--database-url",
        &url,
        "--database-connect-timeout",
        "1s",
    ];
    check(
        &args,
        &format!("database unreachable at postgres://helmd:***@127.0.0.1:{port}/helmd"),
    );
    let (_, _, stderr) = run_helmd(&args, &[], Duration::from_secs(60)).expect("run");
    assert!(!stderr.contains("hunter2"), "password leaked: {stderr}");
}

#[test]
fn an_unwritable_data_dir_is_named() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("a-file");
    std::fs::write(&file, b"not a directory").expect("write");
    let data_dir = file.join("data");
    check(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            data_dir.to_str().expect("utf-8"),
        ],
        &format!("data directory {} is not writable", data_dir.display()),
    );
}

#[test]
fn an_unsupported_database_scheme_is_named() {
    check(
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database-url",
            "mysql://x/y",
        ],
        "unsupported scheme \"mysql\"",
    );
}
