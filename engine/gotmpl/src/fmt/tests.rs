//! Tests for Go fmt verbs; expectations are Go's outputs.

use std::collections::BTreeMap;

use super::*;

fn check(format: &str, args: &[Value], want: &str) {
    assert_eq!(sprintf(format, args), want, "{format:?} {args:?}");
}

#[test]
fn integers_format_like_go() {
    let i = Value::int;
    check(
        "%d|%5d|%-5d|%05d|%+d|%x|%X|%#x|%o|%#o|%O|%b|%c|%U|%q",
        &[
            i(42),
            i(42),
            i(42),
            i(-42),
            i(42),
            i(255),
            i(255),
            i(255),
            i(8),
            i(8),
            i(8),
            i(5),
            i(65),
            i(65),
            i(65),
        ],
        "42|   42|42   |-0042|+42|ff|FF|0xff|10|010|0o10|101|A|U+0041|'A'",
    );
    check("%.3d|%8.3d", &[i(7), i(7)], "007|     007");
}

#[test]
fn floats_format_like_go() {
    let f = Value::Float;
    check(
        "%v|%g|%e|%E|%f|%.2f|%8.3f|%-8.2f|%08.3f|%+.1f",
        &[
            f(1e6),
            f(0.000012),
            f(1234.5678),
            f(1234.5678),
            f(1.0),
            f(2.41421),
            f(2.41421),
            f(2.5),
            f(-2.41421),
            f(2.0),
        ],
        "1e+06|1.2e-05|1.234568e+03|1.234568E+03|1.000000|2.41|   2.414|2.50    |-002.414|+2.0",
    );
    check(
        "%v|%v|%.3g|%g",
        &[f(100000.0), f(1.5), f(1234.5678), f(1e21)],
        "100000|1.5|1.23e+03|1e+21",
    );
}

#[test]
fn strings_and_quotes_format_like_go() {
    let s = |x: &str| Value::str(x);
    check(
        "%s|%q|%10s|%-10s|%.2s|%x|% x|%X|%#q",
        &[
            s("hi"),
            s("a\"b\n"),
            s("hi"),
            s("hi"),
            s("hello"),
            s("hi"),
            s("hi"),
            s("hi"),
            s("ab"),
        ],
        "hi|\"a\\\"b\\n\"|        hi|hi        |he|6869|68 69|6869|`ab`",
    );
}

#[test]
fn composite_values_format_like_go() {
    let mut m = BTreeMap::new();
    m.insert("b".into(), Value::Float(2.0));
    m.insert(
        "a".into(),
        Value::list(vec![Value::int(1), Value::str("x"), Value::Nil]),
    );
    let map = Value::map(m);
    check("%v", std::slice::from_ref(&map), "map[a:[1 x <nil>] b:2]");
    check(
        "%d",
        &[Value::list(vec![Value::int(1), Value::int(2)])],
        "[1 2]",
    );
    check(
        "%T|%T|%T",
        &[map, Value::Nil, Value::list(vec![])],
        "map[string]interface {}|<nil>|[]interface {}",
    );
}

#[test]
fn bad_verbs_and_arg_counts_format_like_go() {
    check("%d", &[Value::str("x")], "%!d(string=x)");
    check("%d", &[Value::Float(1.0)], "%!d(float64=1)");
    check("%s", &[Value::int(5)], "%!s(int=5)");
    check("%s", &[Value::Nil], "%!s(<nil>)");
    check("%d %d", &[Value::int(1)], "1 %!d(MISSING)");
    check(
        "%d",
        &[Value::int(1), Value::str("a")],
        "1%!(EXTRA string=a)",
    );
    check("100%%", &[], "100%");
    check("%z", &[Value::int(1)], "%!z(int=1)");
    check("abc%", &[], "abc%!(NOVERB)");
    check("%[2]d %[1]d", &[Value::int(1), Value::int(2)], "2 1");
}

#[test]
fn sprint_spaces_only_between_non_strings() {
    assert_eq!(
        sprint(&[
            Value::str("a"),
            Value::int(1),
            Value::int(2),
            Value::str("b")
        ]),
        "a1 2b"
    );
    assert_eq!(sprintln(&[Value::str("a"), Value::int(1)]), "a 1\n");
}

#[test]
fn widths_and_precisions_above_a_million_are_refused_like_go() {
    check(
        "%*d",
        &[Value::int(2_000_000_000), Value::int(1)],
        "%!(BADWIDTH)1",
    );
    check(
        "%.*d",
        &[Value::int(2_000_000_000), Value::int(1)],
        "%!(BADPREC)1",
    );
    check(
        "%*d",
        &[Value::int(1_000_001), Value::int(1)],
        "%!(BADWIDTH)1",
    );
    check("%20000000d", &[Value::int(1)], "%!(NOVERB)%!(EXTRA int=1)");
    check("%*d", &[], "%!(BADWIDTH)%!d(MISSING)");
    check(
        "%*d",
        &[Value::Uint(3, helmd_yaml::UintKind::Uint), Value::int(1)],
        "  1",
    );
    assert_eq!(sprintf("%9999999d", &[Value::int(1)]).len(), 9_999_999);
    assert_eq!(
        sprintf("%.*d", &[Value::int(1_000_000), Value::int(7)]).len(),
        1_000_000
    );
    assert_eq!(sprintf_within("%100d", &[Value::int(1)], 50), None);
}
