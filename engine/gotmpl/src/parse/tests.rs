//! Parser tests: Go's parse error texts and node forms.

use super::*;

fn no_funcs(name: &str) -> bool {
    matches!(name, "printf" | "include" | "len")
}

fn check_err(text: &str, want: &str) {
    let config = ParseConfig {
        left: "",
        right: "",
        has_function: &no_funcs,
    };
    match parse("t", text, &config) {
        Ok(_) => panic!("{text:?} parsed"),
        Err(e) => assert_eq!(e.to_string(), want, "{text:?}"),
    }
}

fn check_ok(text: &str, want: &str) {
    let config = ParseConfig {
        left: "",
        right: "",
        has_function: &no_funcs,
    };
    let trees = parse("t", text, &config).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    let s: String = trees[0].root.iter().map(|n| n.to_string()).collect();
    assert_eq!(s, want);
}

#[test]
fn parse_errors_use_go_texts() {
    check_err("{{ nope }}", "template: t:1: function \"nope\" not defined");
    check_err("{{ if }}{{ end }}", "template: t:1: missing value for if");
    check_err("{{ .", "template: t:1: illegal number syntax: \".\"");
    check_err("{{ .x", "template: t:1: unclosed action");
    check_err("{{ $x }}", "template: t:1: undefined variable \"$x\"");
    check_err("{{ end }}", "template: t:1: unexpected {{end}}");
    check_err("{{ if 1 }}", "template: t:1: unexpected EOF");
    check_err("{{ break }}", "template: t:1: {{break}} outside {{range}}");
    check_err(
        "{{ 1 | 2 }}",
        "template: t:1: non executable command in pipeline stage 2",
    );
    check_err(
        "\n{{ \"a\".x }}",
        "template: t:2: unexpected . after term \"\\\"a\\\"\"",
    );
    check_err(
        "{{ define \"a\" }}x{{ end }}{{ define \"a\" }}y{{ end }}",
        "template: t:1: template: multiple definition of template \"a\"",
    );
}

#[test]
fn nodes_print_like_go() {
    check_ok(
        "a{{ .x.y | printf \"%d\" }}{{ $v := 1 }}{{ if $v }}b{{ else }}c{{ end }}",
        "a{{.x.y | printf \"%d\"}}{{$v := 1}}{{if $v}}b{{else}}c{{end}}",
    );
    check_ok(
        "{{ range $i, $e := . }}{{ (len $e).x }}{{ end }}",
        "{{range $i, $e := .}}{{(len $e).x}}{{end}}",
    );
}
