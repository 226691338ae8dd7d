//! Template-set tests: `tpl`-style overlays and the content-keyed parse cache.

use std::sync::Arc;

use helmd_yaml::Value;

use super::*;
use crate::error::FuncError;
use crate::funcs::Arity;

fn funcs_with_tpl() -> FuncMap {
    let mut funcs = FuncMap::new();
    funcs.insert("tpl", Arity::Exact(2), |cx, args| {
        let text = args[0].as_str().unwrap_or_default().to_string();
        cx.execute_text("tpl", &text, &args[1])
            .map(Value::from)
            .map_err(|e| FuncError::Template {
                prefix: String::new(),
                error: Box::new(e),
            })
    });
    funcs
}

#[test]
fn definitions_made_inside_tpl_stay_out_of_the_parent_set() {
    let mut t = Templates::new(Arc::new(funcs_with_tpl()), Options::default());
    let body = r#"{{ tpl "{{define \"inner\"}}in{{end}}{{template \"inner\"}}" . }}|{{ tpl "{{template \"outer\"}}" . }}"#;
    t.add("outer", "OUT").expect("outer parses");
    t.add("main", body).expect("main parses");
    assert_eq!(t.execute("main", &Value::Nil).expect("runs"), "in|OUT");
    assert!(t.lookup("inner").is_none());
    assert!(t.names().all(|n| n != "inner" && n != "tpl"));
}

#[test]
fn a_tpl_redefinition_shadows_the_parent_only_inside_the_tpl() {
    let mut t = Templates::new(Arc::new(funcs_with_tpl()), Options::default());
    t.add("helpers", r#"{{define "x"}}parent{{end}}"#)
        .expect("helpers parse");
    let body = r#"{{ tpl "{{define \"x\"}}child{{end}}{{template \"x\"}}" . }}-{{template "x"}}"#;
    t.add("main", body).expect("main parses");
    assert_eq!(
        t.execute("main", &Value::Nil).expect("runs"),
        "child-parent"
    );
}

#[test]
fn the_same_text_parses_once_and_shares_its_trees() {
    let funcs = Arc::new(FuncMap::new());
    let mut a = Templates::new(funcs.clone(), Options::default());
    let mut b = Templates::new(funcs, Options::default());
    let text = "{{ .A }} cached once";
    a.add("same-name", text).expect("parses");
    b.add("same-name", text).expect("parses");
    let (ta, tb) = (a.lookup("same-name"), b.lookup("same-name"));
    assert!(ta.zip(tb).is_some_and(|(x, y)| Arc::ptr_eq(x, y)));
}

#[test]
fn a_cached_parse_is_not_reused_for_a_set_missing_its_functions() {
    let mut with = FuncMap::new();
    with.insert("shout", Arity::Exact(1), |_, a| Ok(a[0].clone()));
    let text = "{{ shout 1 }} cache-key-functions";
    let mut a = Templates::new(Arc::new(with), Options::default());
    a.add("f", text).expect("shout is defined here");
    let mut b = Templates::new(Arc::new(FuncMap::new()), Options::default());
    let err = b.add("f", text).expect_err("shout is not defined here");
    assert!(
        err.to_string().contains(r#"function "shout" not defined"#),
        "{err}"
    );
}
