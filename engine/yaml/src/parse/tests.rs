//! Tests for YAML parsing with Helm's resolution.

use super::*;

fn check(yaml: &str, debug: &str) {
    let v = parse_yaml(yaml).unwrap_or_else(|e| panic!("{yaml:?}: {e}"));
    assert_eq!(format!("{v:?}"), debug, "{yaml:?}");
}

fn check_err(yaml: &str, want: &str) {
    match parse_yaml(yaml) {
        Ok(v) => panic!("{yaml:?} parsed to {v:?}"),
        Err(e) => assert!(e.to_string().contains(want), "{e}"),
    }
}

#[test]
fn numbers_become_float64_and_keys_strings() {
    check(
        "a: 1\nb: 1.5\nc: yes\nn: x\n1.5: y\n0x10: z",
        r#"{"1.5": true, "16": "z", "a": float64(1), "b": float64(1.5), "c": true, "false": "x"}"#,
    );
}

#[test]
fn scalars_keep_quoted_and_timestamp_strings() {
    check(
        "a: '1'\nb: \"yes\"\nc: 2001-12-14\nd: |\n  x\n",
        r#"{"a": "1", "b": "yes", "c": "2001-12-14", "d": "x\n"}"#,
    );
}

#[test]
fn merge_keys_apply_in_order() {
    check(
        "base: &b {p: 1, q: 2}\nd:\n  p: 0\n  <<: *b\n  q: 3\n",
        r#"{"base": {"p": float64(1), "q": float64(2)}, "d": {"p": float64(1), "q": float64(3)}}"#,
    );
    check(
        "a: &a {x: 1}\nb: &b {x: 2, z: 1}\nc:\n  <<: [*a, *b]\n",
        r#"{"a": {"x": float64(1)}, "b": {"x": float64(2), "z": float64(1)}, "c": {"x": float64(1), "z": float64(1)}}"#,
    );
}

#[test]
fn empty_and_null_documents_are_nil() {
    check("", "nil");
    check("# only a comment\n", "nil");
    check("~", "nil");
}

#[test]
fn infinities_and_null_keys_fail_like_helm() {
    check_err("a: .inf", "json: unsupported value: +Inf");
    check_err("~: c", "unsupported map key of type: %!s(<nil>)");
}

#[test]
fn alias_bombs_are_errors() {
    let mut y = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 0..12 {
        let prev = if i == 0 {
            "a".to_string()
        } else {
            format!("l{}", i - 1)
        };
        y.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
    }
    check_err(&y, "excessive aliasing");
}

#[test]
fn an_alias_inside_its_own_anchor_is_an_error() {
    check_err(
        "a: &a {x: [1, *a]}",
        "yaml: anchor 'a' value contains itself",
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let y = "[".repeat(5000);
    assert!(parse_yaml(&y).is_err());
}

#[test]
fn malformed_input_is_an_error() {
    check_err(
        "a: b: c",
        "yaml: mapping values are not allowed in this context",
    );
    check_err(
        "a:\n\tb: 1",
        "yaml: line 2: found character that cannot start any token",
    );
    check_err("a: *nope", "yaml: unknown anchor 'nope' referenced");
    check_err(
        "? [1, 2]\n: v",
        "yaml: invalid map key: []interface {}{1, 2}",
    );
    check_err("a: [", "yaml:");
}

/// Error texts observed from Helm v4 (`values_from_yaml`), minus the
/// `error converting YAML to JSON: ` prefix the render crate adds.
#[test]
fn parse_errors_read_like_go_yaml() {
    check_err("a: &a [1, *a]", "yaml: anchor 'a' value contains itself");
    check_err("b: *a", "yaml: unknown anchor 'a' referenced");
    check_err("a: [", "yaml: line 1: did not find expected node content");
    check_err(
        "a:\n  b: 1\n c: 2",
        "yaml: line 2: did not find expected key",
    );
    check_err("a: \"x", "yaml: found unexpected end of stream");
    check_err("a: b\n- c", "yaml: line 1: did not find expected key");
    check_err("{a: 1", "yaml: line 1: did not find expected ',' or '}'");
    check("a: !foo x", r#"{"a": "x"}"#);
}
