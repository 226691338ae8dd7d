//! Unit tests of the `--set` family and Helm's order of merging values
//! sources (the differential test against Helm lives in `tests/oracle`).

use helmd_yaml::{Value, to_json};

use super::*;

fn json(values: Values) -> String {
    to_json(&Value::map(values)).expect("json")
}

fn no_files(path: &str) -> std::result::Result<String, String> {
    Err(format!("open {path}: no such file or directory"))
}

fn check(opts: &ValueOptions, expected: &str) {
    let got = merge_values(opts, &mut no_files)
        .map(json)
        .map_err(|e| e.to_string());
    assert_eq!(got.as_deref(), Ok(expected));
}

#[test]
fn later_sources_win_in_helms_order() {
    let opts = ValueOptions {
        values_files: vec![(
            "base.yaml".into(),
            "a: file\nb: file\nc: file\nd: file\ne: file\nf: file\nkeep: {x: 1}\n".into(),
        )],
        json_values: vec!["b=\"json\"".into(), "{\"keep\": {\"y\": 2}}".into()],
        values: vec!["c=set,b=set".into()],
        string_values: vec!["d=1".into()],
        file_values: vec![],
        literal_values: vec!["e=lit,eral".into()],
    };
    check(
        &opts,
        r#"{"a":"file","b":"set","c":"set","d":"1","e":"lit,eral","f":"file","keep":{"x":1,"y":2}}"#,
    );
}

#[test]
fn set_file_reads_through_the_given_reader() {
    let opts = ValueOptions {
        file_values: vec!["cert=/x/tls.crt".into()],
        literal_values: vec!["cert=override".into()],
        values: vec!["cert=first".into()],
        ..ValueOptions::default()
    };
    let mut read = |path: &str| Ok(format!("content of {path}"));
    let got = merge_values(&opts, &mut read)
        .map(json)
        .map_err(|e| e.to_string());
    assert_eq!(got.as_deref(), Ok(r#"{"cert":"override"}"#));
    let opts = ValueOptions {
        file_values: vec!["cert=/x/tls.crt".into()],
        ..ValueOptions::default()
    };
    let got = merge_values(&opts, &mut read)
        .map(json)
        .map_err(|e| e.to_string());
    assert_eq!(got.as_deref(), Ok(r#"{"cert":"content of /x/tls.crt"}"#));
}

#[test]
fn errors_name_the_flag_like_helms_cli() {
    let cases: [(ValueOptions, &str); 6] = [
        (
            ValueOptions {
                values: vec!["a".into()],
                ..Default::default()
            },
            "failed parsing --set data: key \"a\" has no value",
        ),
        (
            ValueOptions {
                string_values: vec!["a[x]=1".into()],
                ..Default::default()
            },
            "failed parsing --set-string data: error parsing index: strconv.Atoi: parsing \"x\": invalid syntax",
        ),
        (
            ValueOptions {
                json_values: vec!["a=tru".into()],
                ..Default::default()
            },
            "failed parsing --set-json data a=tru",
        ),
        (
            ValueOptions {
                json_values: vec![" {\"a\": }".into()],
                ..Default::default()
            },
            "failed parsing --set-json data JSON:  {\"a\": }",
        ),
        (
            ValueOptions {
                file_values: vec!["a=/nope".into()],
                ..Default::default()
            },
            "failed parsing --set-file data: open /nope: no such file or directory",
        ),
        (
            ValueOptions {
                values_files: vec![("v.yaml".into(), "- a".into())],
                ..Default::default()
            },
            "failed to parse v.yaml: cannot unmarshal yaml document: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}",
        ),
    ];
    for (opts, expected) in cases {
        let got = merge_values(&opts, &mut no_files)
            .map(json)
            .map_err(|e| e.to_string());
        assert_eq!(got, Err(expected.to_string()));
    }
}

#[test]
fn set_numbers_are_int64_and_json_numbers_float64() {
    let set = parse_set("a=1000000").expect("parses");
    assert!(matches!(
        set.get("a"),
        Some(Value::Int(1_000_000, helmd_yaml::IntKind::Int64))
    ));
    let json = parse_set_json("a=1000000").expect("parses");
    assert!(matches!(json.get("a"), Some(Value::Float(f)) if *f == 1e6));
}

#[test]
fn deeply_nested_indexes_end_with_an_error_not_a_crash() {
    let expr = format!("a{}=1", "[0]".repeat(5000));
    let err = parse_set(&expr).map(json).map_err(|e| e.to_string());
    assert_eq!(
        err,
        Err("list indexes are nested deeper than 100 levels".to_string())
    );
}
