//! Tests for the toYaml emitters; expected texts come from Helm v4 (the oracle).

use super::*;
use crate::parse::parse_yaml;

fn check(values: &str, want: &str) {
    let v = parse_yaml(values).unwrap_or_else(|e| panic!("{values}: {e}"));
    assert_eq!(
        to_yaml(&v).unwrap_or_else(|e| panic!("{e}")),
        want,
        "{values}"
    );
}

#[test]
fn to_yaml_matches_helm_for_scalars_and_quoting() {
    check(
        "a: 1000000\nb: 1.5\nj: 2001-12-14\nk: 12345678901234567890\no: '<&>'\nw: ''\nx: 'yes'\ny2: '1.5'\nab: 'a: b'\nac: '#x'\nv: '  lead'",
        "a: 1000000\nab: 'a: b'\nac: '#x'\nb: 1.5\nj: \"2001-12-14\"\nk: 12345678901234567000\no: <&>\nv: '  lead'\nw: \"\"\nx: \"yes\"\ny2: \"1.5\"",
    );
}

#[test]
fn to_yaml_matches_helm_for_block_scalars() {
    check(
        "m2: \"a\\nb\"\nm3: \"a\\n\\n\"\nm4: \" lead\\nx\"\nm5: \"x\\n\"",
        "m2: |-\n  a\n  b\nm3: |+\n  a\n\nm4: |2-\n   lead\n  x\nm5: |\n  x",
    );
}

#[test]
fn to_yaml_matches_helm_for_nesting() {
    check(
        "nested: {a: [{b: [1, [2, 3]], c: {}}]}\ne: []\nf: {}",
        "e: []\nf: {}\nnested:\n  a:\n  - b:\n    - 1\n    - - 2\n      - 3\n    c: {}",
    );
}

#[test]
fn to_yaml_folds_long_plain_strings_at_80_columns() {
    check(
        "long: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp qqqq rrrr ssss",
        "long: aaaa bbbb cccc dddd eeee ffff gggg hhhh iiii jjjj kkkk llll mmmm nnnn oooo pppp\n  qqqq rrrr ssss",
    );
}

#[test]
fn to_yaml_pretty_indents_lists() {
    let v = parse_yaml("nested: {a: [{b: [1, [2, 3]], c: {}}]}").unwrap_or(Value::Nil);
    assert_eq!(
        to_yaml_pretty(&v).unwrap_or_default(),
        "nested:\n  a:\n    - b:\n        - 1\n        - - 2\n          - 3\n      c: {}"
    );
}

#[test]
fn to_yaml_sorts_keys_naturally_and_quotes_bool_keys() {
    check(
        "a10: 1\na9: 2\nA: 3\n_x: 4\n\"10\": 6\n\"9\": 5\ntrue: e",
        "_x: 4\n\"9\": 5\n\"10\": 6\nA: 3\na9: 2\na10: 1\n\"true\": e",
    );
}
