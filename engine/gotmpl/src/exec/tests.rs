//! Executor tests; expected outputs are Go text/template's (checked with Helm's oracle where noted).

use std::sync::Arc;

use helmd_yaml::parse_yaml;

use super::*;
use crate::FuncError;
use crate::funcs::{Arity, FuncMap};
use crate::template::Options;
use crate::template::{Limits, MissingKey};

fn set(text: &str, missing: MissingKey) -> std::result::Result<Templates, Error> {
    let mut funcs = FuncMap::new();
    funcs.insert("include", Arity::Exact(2), |cx, args| {
        let name = args[0].as_str().unwrap_or_default().to_string();
        cx.execute_template(&name, &args[1])
            .map(Value::from)
            .map_err(|e| FuncError::Template {
                prefix: String::new(),
                error: Box::new(e),
            })
    });
    funcs.insert("fail", Arity::Exact(1), |_, args| {
        Err(FuncError::Message(crate::fmt::format_v(&args[0], false)))
    });
    let options = Options {
        missing_key: missing,
        ..Options::default()
    };
    let mut t = Templates::new(Arc::new(funcs), options);
    t.add("t", text)?;
    Ok(t)
}

fn run(text: &str, data: &str) -> std::result::Result<String, String> {
    let data = parse_yaml(data).map_err(|e| e.to_string())?;
    let t = set(text, MissingKey::Zero).map_err(|e| e.to_string())?;
    t.execute("t", &data).map_err(|e| e.to_string())
}

fn check(text: &str, data: &str, want: &str) {
    assert_eq!(run(text, data), Ok(want.to_string()), "{text:?}");
}

fn check_err(text: &str, data: &str, want: &str) {
    match run(text, data) {
        Ok(out) => panic!("{text:?} rendered {out:?}"),
        Err(e) => assert_eq!(e, want, "{text:?}"),
    }
}

#[test]
fn actions_print_values_like_go() {
    check(
        "{{ .a }} {{ .b }} {{ .c }} {{ .d }} {{ .nul }}|{{ .missing }}",
        "a: 1000000\nb: 1.5\nc: [1, x]\nd: {x: 1}\nnul: null",
        "1e+06 1.5 [1 x] map[x:1] <no value>|<no value>",
    );
    check(
        "{{ 42 }} {{ 1.0 }} {{ 'a' }} {{ \"s\" }} {{ `r` }} {{ true }} {{ 0x10 }} {{ 1e3 }}",
        "{}",
        "42 1 97 s r true 16 1000",
    );
}

#[test]
fn control_structures_follow_go() {
    check(
        "{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}",
        "b: 1",
        "B",
    );
    check(
        "{{ with .d }}{{ .x }}{{ else with .a }}A{{ else }}none{{ end }}",
        "d: {}\na: 1",
        "A",
    );
    check(
        "{{ range $i, $e := .l }}{{ $i }}={{ $e }},{{ end }}",
        "l: [a, b]",
        "0=a,1=b,",
    );
    check(
        "{{ range $k, $v := .m }}{{ $k }}={{ $v }};{{ end }}",
        "m: {b: 2, a: 1}",
        "a=1;b=2;",
    );
    check(
        "{{ range .l }}{{ if eq . \"b\" }}{{ break }}{{ end }}{{ . }}{{ end }}",
        "l: [a, b, c]",
        "a",
    );
    check(
        "{{ range .l }}{{ if eq . \"b\" }}{{ continue }}{{ end }}{{ . }}{{ end }}",
        "l: [a, b, c]",
        "ac",
    );
    check("{{ range .none }}x{{ else }}empty{{ end }}", "{}", "empty");
    check(
        "{{ range 3 }}{{ . }}{{ end }}|{{ range $i := 2 }}{{ $i }}{{ end }}",
        "{}",
        "012|01",
    );
    check(
        "{{ $x := 1 }}{{ if true }}{{ $x = 2 }}{{ $y := 3 }}{{ end }}{{ $x }}",
        "{}",
        "2",
    );
}

#[test]
fn templates_and_defines_run() {
    check(
        "{{ define \"d\" }}[{{ . }}]{{ end }}{{ template \"d\" .a }}{{ include \"d\" 5 }}",
        "a: x",
        "[x][5]",
    );
    check(
        "{{ block \"b\" .v }}<{{ . }}>{{ end }}",
        "v: hello",
        "<hello>",
    );
    check("a {{- \" b \" -}} c", "{}", "a b c");
    check("{{/* comment */}}x{{- /* trimmed */ -}} y", "{}", "xy");
}

#[test]
fn builtins_follow_go() {
    check(
        "{{ and 1 0 }} {{ or 0 \"\" \"x\" }} {{ not 0 }} {{ and .a .b }}",
        "a: 1\nb: 2",
        "0 x true 2",
    );
    check(
        "{{ len .l }} {{ index .l 1 }} {{ index .m \"k\" }} {{ slice .l 1 }} {{ slice \"hello\" 1 3 }}",
        "l: [a, b, c]\nm: {k: v}",
        "3 b v [b c] el",
    );
    check(
        "{{ eq 1 2 1 }} {{ ne \"a\" \"b\" }} {{ lt 1 2 }} {{ ge 2.5 2.5 }} {{ eq .x 1.0 }}",
        "x: 1",
        "true true true true true",
    );
    check(
        "{{ print 1 2 \"a\" }}|{{ println \"x\" 1 }}|{{ printf \"%05.1f|%q\" 3.14159 \"q\" }}",
        "{}",
        "1 2a|x 1\n|003.1|\"q\"",
    );
    check(
        "{{ html \"<a&'\\\">\" }} {{ js \"a'b<\" }} {{ urlquery \"a b&c\" }}",
        "{}",
        "&lt;a&amp;&#39;&#34;&gt; a\\'b\\u003C a+b%26c",
    );
}

#[test]
fn execution_errors_use_go_texts() {
    check_err(
        "{{ .a.missing.sub }}",
        "a: {}",
        "template: t:1:5: executing \"t\" at <.a.missing.sub>: nil pointer evaluating interface {}.sub",
    );
    check_err(
        "{{ .a.b }}",
        "a: 1",
        "template: t:1:5: executing \"t\" at <.a.b>: can't evaluate field b in type interface {}",
    );
    check_err(
        "{{ $a := .a }}{{ $a.b }}",
        "a: 1",
        "template: t:1:19: executing \"t\" at <$a.b>: can't evaluate field b in type float64",
    );
    check_err(
        "{{ eq 1 .a }}",
        "a: 1",
        "template: t:1:3: executing \"t\" at <eq 1 .a>: error calling eq: incompatible types for comparison: int and float64",
    );
    check_err(
        "{{ len .nope }}",
        "{}",
        "template: t:1:3: executing \"t\" at <len .nope>: error calling len: len of nil pointer",
    );
    check_err(
        "{{ index .l 5 }}",
        "l: [1]",
        "template: t:1:3: executing \"t\" at <index .l 5>: error calling index: index out of range: 5",
    );
    check_err(
        "{{ template \"x\" }}",
        "{}",
        "template: t:1:12: executing \"t\" at <{{template \"x\"}}>: template \"x\" not defined",
    );
    check_err(
        "{{ range .cnt }}{{ end }}",
        "cnt: 3",
        "template: t:1:9: executing \"t\" at <.cnt>: range can't iterate over 3",
    );
    check_err(
        "{{ not }}",
        "{}",
        "template: t:1:3: executing \"t\" at <not>: wrong number of args for not: want 1 got 0",
    );
    check_err(
        "{{ fail \"boom\" }}",
        "{}",
        "template: t:1:3: executing \"t\" at <fail \"boom\">: error calling fail: boom",
    );
}

#[test]
fn missing_keys_follow_the_option() {
    let data = parse_yaml("a: {}").unwrap_or(Value::Nil);
    let t = set("{{ .a.x }}", MissingKey::Error).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        t.execute("t", &data).map_err(|e| e.to_string()),
        Err(
            "template: t:1:5: executing \"t\" at <.a.x>: map has no entry for key \"x\""
                .to_string()
        )
    );
    check("{{ $x := .nope }}[{{ $x.a }}]", "{}", "[<no value>]");
}

#[test]
fn limits_end_runaway_templates_with_errors() {
    let r = run(
        "{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}",
        "{}",
    );
    assert!(r.is_err_and(|e| e.contains("exceeded maximum template depth")));
}

fn set_with(text: &str, options: Options) -> std::result::Result<Templates, Error> {
    let mut t = Templates::new(Arc::new(FuncMap::new()), options);
    t.add("t", text)?;
    Ok(t)
}

#[test]
fn custom_delimiters_and_their_trim_markers_work() {
    let options = Options {
        left_delim: "[[".into(),
        right_delim: "]]".into(),
        ..Options::default()
    };
    let t = set_with("a  [[- .x -]]  b {{ .x }}", options).unwrap_or_else(|e| panic!("{e}"));
    let data = parse_yaml("x: 1").unwrap_or(Value::Nil);
    assert_eq!(t.execute("t", &data).ok().as_deref(), Some("a1b {{ .x }}"));
}

#[test]
fn output_limit_ends_execution_with_an_error() {
    let limits = Limits {
        max_output: 1000,
        ..Limits::default()
    };
    let t = set_with(
        "{{ range 100000 }}xxxxxxxxxx{{ end }}",
        Options {
            limits,
            ..Options::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let err = t
        .execute("t", &Value::Nil)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("output exceeds 1000 bytes"), "{err}");
}

#[test]
fn cancel_hook_stops_a_long_loop() {
    let limits = Limits {
        cancel: Some(Arc::new(|| true)),
        ..Limits::default()
    };
    let t = set_with(
        "{{ range 1000000000 }}{{ end }}",
        Options {
            limits,
            ..Options::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let err = t
        .execute("t", &Value::Nil)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("execution canceled"), "{err}");
}

#[test]
fn parse_once_execute_many_times() {
    let t =
        set("{{ range .l }}{{ . }}{{ end }}", MissingKey::Zero).unwrap_or_else(|e| panic!("{e}"));
    for n in 0..3 {
        let data = parse_yaml(&format!("l: [{n}, x]")).unwrap_or(Value::Nil);
        assert_eq!(t.execute("t", &data).ok(), Some(format!("{n}x")));
    }
}

#[test]
fn template_sets_and_values_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Templates>();
    assert_send_sync::<Value>();
    assert_send_sync::<Error>();
}

/// Runs `text` under a memory budget of `max_memory` bytes.
fn run_budget(text: &str, max_memory: usize) -> std::result::Result<String, String> {
    let limits = Limits {
        max_memory,
        ..Limits::default()
    };
    let t = set_with(
        text,
        Options {
            limits,
            ..Options::default()
        },
    )
    .map_err(|e| e.to_string())?;
    t.execute("t", &Value::Nil).map_err(|e| e.to_string())
}

#[test]
fn values_doubled_in_a_loop_hit_the_memory_limit_by_name() {
    let doubling =
        r#"{{ $s := "aaaaaaaa" }}{{ range 40 }}{{ $s = print $s $s }}{{ end }}{{ len $s }}"#;
    let err = run_budget(doubling, 1 << 20).expect_err("over budget");
    assert!(
        err.ends_with("at <print $s $s>: render memory limit of 1048576 bytes exceeded"),
        "{err}"
    );
    let shared = r#"{{ $s := "aaaaaaaa" }}{{ range 30 }}{{ $s = printf "%s%s" $s $s }}{{ end }}"#;
    let err = run_budget(shared, 1 << 20).expect_err("over budget");
    assert!(
        err.contains("render memory limit of 1048576 bytes exceeded"),
        "{err}"
    );
    let small = r#"{{ $s := "ab" }}{{ range 5 }}{{ $s = print $s $s }}{{ end }}{{ len $s }}"#;
    assert_eq!(run_budget(small, 1 << 20).as_deref(), Ok("64"));
}

#[test]
fn printf_padding_counts_against_the_memory_limit() {
    let many = format!(
        "{{{{ printf \"{}\" {} }}}}",
        "%9999999d".repeat(20),
        "1 ".repeat(20)
    );
    let err = run_budget(&many, 16 << 20).expect_err("over budget");
    assert!(
        err.contains("render memory limit of 16777216 bytes exceeded"),
        "{err}"
    );
}

#[test]
fn outputs_of_every_execution_share_one_budget() {
    let t = set_with(
        "{{ range 100 }}xxxxxxxxxx{{ end }}",
        Options {
            limits: Limits {
                max_memory: 2500,
                ..Limits::default()
            },
            ..Options::default()
        },
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut used = 0;
    let mut out = String::new();
    t.execute_counted("t", &Value::Nil, &mut out, &mut used)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(used, 1000);
    t.execute_counted("t", &Value::Nil, &mut out, &mut used)
        .unwrap_or_else(|e| panic!("{e}"));
    let err = t
        .execute_counted("t", &Value::Nil, &mut out, &mut used)
        .map(|_| String::new())
        .unwrap_or_else(|e| e.to_string());
    assert_eq!(
        err,
        "template: t: render memory limit of 2500 bytes exceeded"
    );
}

#[test]
fn functions_read_the_sets_host_context_and_tpl_keeps_it() {
    let mut funcs = FuncMap::new();
    funcs.insert("greeting", Arity::Exact(0), |cx, _| {
        Ok(Value::from(
            cx.host::<String>()
                .cloned()
                .unwrap_or_else(|| "none".into()),
        ))
    });
    funcs.insert("again", Arity::Exact(1), |cx, args| {
        let text = args[0].as_str().unwrap_or_default().to_string();
        cx.execute_text("inner", &text, &Value::Nil)
            .map(Value::from)
            .map_err(|e| FuncError::Template {
                prefix: String::new(),
                error: Box::new(e),
            })
    });
    let funcs = Arc::new(funcs);
    let render = |host: Option<crate::HostContext>| {
        let options = Options {
            host,
            ..Options::default()
        };
        let mut t = Templates::new(funcs.clone(), options);
        t.add("t", "{{ greeting }} {{ again \"{{ greeting }}\" }}")
            .map_err(|e| e.to_string())?;
        t.execute("t", &Value::Nil).map_err(|e| e.to_string())
    };
    let host = crate::HostContext::new(String::from("hello"));
    assert_eq!(render(Some(host)), Ok("hello hello".into()));
    assert_eq!(render(None), Ok("none none".into()));
    let other = crate::HostContext::new(7u32);
    assert_eq!(render(Some(other)), Ok("none none".into()));
}
