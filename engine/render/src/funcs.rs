//! Helm's own template functions (include, tpl, required, fail, the YAML
//! and JSON converters); Sprig's live in `sprig/`.

use std::collections::BTreeMap;

use helmd_gotmpl::{ArgType, Arity, CallContext, FuncError, FuncMap, FuncResult, go_quote};
use helmd_yaml::{Str, Value};

/// How deep `include` may nest the same name (Helm's `recursionMaxNums`).
const RECURSION_MAX: i64 = 1000;

/// Helm's markers around `required`/`fail` messages.
pub(crate) const WARN_START: &str = "HELM_ERR_START";
/// End marker.
pub(crate) const WARN_END: &str = "HELM_ERR_END";

/// Deepest nesting of `tpl` calls. Helm has no limit (unbounded `tpl`
/// recursion overflows its stack); helmd fails with an error instead.
const TPL_MAX: usize = 1000;

/// Per-render count of active `tpl` calls.
#[derive(Default)]
struct TplDepth(usize);

/// Per-render count of active `include`s by name.
#[derive(Default)]
struct IncludeDepth(BTreeMap<String, i64>);

/// Registers Sprig's functions, then Helm's (which replace Sprig's of the same name).
pub fn register(funcs: &mut FuncMap) {
    crate::sprig::register(funcs);
    register_helm(funcs);
}

fn template_err(prefix: String, e: helmd_gotmpl::Error) -> FuncError {
    FuncError::Template {
        prefix,
        error: Box::new(e),
    }
}

fn register_helm(funcs: &mut FuncMap) {
    funcs.insert_typed("include", Arity::Exact(2), &[ArgType::String], include);
    funcs.insert_typed("tpl", Arity::Exact(2), &[ArgType::String], tpl);
    funcs.insert_typed("required", Arity::Exact(2), &[ArgType::String], |_, a| {
        let empty =
            matches!(&a[1], Value::Nil) || matches!(&a[1], Value::String(s) if s.is_empty());
        if empty {
            return Err(FuncError::Message(format!(
                "{WARN_START}{}{WARN_END}",
                str_arg(&a[0])
            )));
        }
        Ok(a[1].clone())
    });
    funcs.insert_typed("fail", Arity::Exact(1), &[ArgType::String], |_, a| {
        Err(FuncError::Message(format!(
            "{WARN_START}{}{WARN_END}",
            str_arg(&a[0])
        )))
    });
    funcs.insert("toYaml", Arity::Exact(1), |_, a| {
        Ok(Value::from(helmd_yaml::to_yaml(&a[0]).unwrap_or_default()))
    });
    funcs.insert("mustToYaml", Arity::Exact(1), |_, a| {
        helmd_yaml::to_yaml(&a[0])
            .map(Value::from)
            .map_err(|e| FuncError::Message(format!("error marshaling into JSON: {e}")))
    });
    funcs.insert("toToml", Arity::Exact(1), |_, a| {
        if a[0].is_nil() {
            return Err("reflect: call of reflect.Value.Type on zero Value".into());
        }
        Ok(Value::from(crate::toml::to_toml(&a[0])))
    });
    funcs.insert_typed("fromToml", Arity::Exact(1), &[ArgType::String], |_, a| {
        crate::toml::from_toml(str_arg(&a[0])).map_err(FuncError::Message)
    });
    funcs.insert("toYamlPretty", Arity::Exact(1), |_, a| {
        match helmd_yaml::to_yaml_pretty(&a[0]) {
            Ok(text) => Ok(Value::from(text)),
            // yaml.v3 panics on a type it cannot marshal; the template reports it.
            Err(helmd_yaml::Error::UnsupportedType(t)) => {
                Err(format!("cannot marshal type: {t}").into())
            }
            Err(_) => Ok(Value::from("")),
        }
    });
    funcs.insert("toJson", Arity::Exact(1), |_, a| {
        Ok(Value::from(helmd_yaml::to_json(&a[0]).unwrap_or_default()))
    });
    funcs.insert_typed("fromYaml", Arity::Exact(1), &[ArgType::String], |_, a| {
        Ok(from_yaml(str_arg(&a[0])))
    });
    funcs.insert_typed(
        "fromYamlArray",
        Arity::Exact(1),
        &[ArgType::String],
        |_, a| Ok(from_yaml_array(str_arg(&a[0]))),
    );
    funcs.insert_typed("fromJson", Arity::Exact(1), &[ArgType::String], |_, a| {
        Ok(from_json(str_arg(&a[0])))
    });
    funcs.insert_typed(
        "fromJsonArray",
        Arity::Exact(1),
        &[ArgType::String],
        |_, a| Ok(from_json_array(str_arg(&a[0]))),
    );
    funcs.insert_typed(
        "lookup",
        Arity::Exact(4),
        &[ArgType::String; 4],
        crate::lookup::lookup,
    );
}

/// Helm's lint mode: a missing `required` value and `fail` render as an empty
/// string (Helm only logs them), so the rest of the chart is still checked.
pub fn register_lint_mode(funcs: &mut FuncMap) {
    funcs.insert_typed("required", Arity::Exact(2), &[ArgType::String], |_, a| {
        let empty =
            matches!(&a[1], Value::Nil) || matches!(&a[1], Value::String(s) if s.is_empty());
        if empty {
            return Ok(Value::from(""));
        }
        Ok(a[1].clone())
    });
    funcs.insert_typed("fail", Arity::Exact(1), &[ArgType::String], |_, _| {
        Ok(Value::from(""))
    });
}

fn str_arg(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn include(cx: &mut CallContext<'_>, a: &[Value]) -> FuncResult {
    let name = str_arg(&a[0]);
    let count = {
        let depth = cx.state::<IncludeDepth>();
        if !depth.0.contains_key(name) {
            depth.0.insert(name.to_string(), 0);
        }
        let Some(c) = depth.0.get_mut(name) else {
            return Err(FuncError::Message("include depth lost".into()));
        };
        if *c > RECURSION_MAX {
            return Err(FuncError::Message(format!(
                "rendering template has a nested reference name: {name}: unable to execute template"
            )));
        }
        *c += 1;
        *c
    };
    let r = cx.execute_template(name, &a[1]);
    if let Some(c) = cx.state::<IncludeDepth>().0.get_mut(name) {
        *c = count - 1;
    }
    r.map(Value::from)
        .map_err(|e| template_err(String::new(), e))
}

fn tpl(cx: &mut CallContext<'_>, a: &[Value]) -> FuncResult {
    let text = str_arg(&a[0]).to_string();
    let depth = cx.state::<TplDepth>();
    if depth.0 >= TPL_MAX {
        return Err(FuncError::Message(format!(
            "tpl nested more than {TPL_MAX} levels deep"
        )));
    }
    depth.0 += 1;
    let r = cx.execute_text("gotpl", &text, &a[1]);
    cx.state::<TplDepth>().0 -= 1;
    match r {
        // Helm drops `<no value>` from tpl's result as from a template's.
        Ok(s) if s.contains("<no value>") => Ok(Value::from(s.replace("<no value>", ""))),
        Ok(s) => Ok(Value::from(s)),
        Err(e @ helmd_gotmpl::Error::Parse { .. }) => Err(template_err(
            format!("cannot parse template {}: ", go_quote(&text)),
            e,
        )),
        Err(e) => Err(template_err(
            format!(
                "error during tpl function execution for {}: ",
                go_quote(&text)
            ),
            e,
        )),
    }
}

fn error_map(msg: String) -> Value {
    let mut m = BTreeMap::new();
    m.insert(Str::from("Error"), Value::from(msg));
    Value::map(m)
}

fn from_yaml(s: &str) -> Value {
    match helmd_yaml::parse_yaml(s) {
        Ok(Value::Nil) => Value::empty_map(),
        Ok(v @ Value::Map(_)) => v,
        Ok(other) => error_map(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json_kind(&other)
        )),
        Err(e) => error_map(helmd_chart::values_error(&e)),
    }
}

fn from_yaml_array(s: &str) -> Value {
    match helmd_yaml::parse_yaml(s) {
        Ok(Value::Nil) => Value::list(Vec::new()),
        Ok(v @ Value::List(_)) => v,
        Ok(other) => Value::list(vec![Value::from(format!(
            "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal {} into Go value of type []interface {{}}",
            json_kind(&other)
        ))]),
        Err(e) => Value::list(vec![Value::from(helmd_chart::values_error(&e))]),
    }
}

fn from_json(s: &str) -> Value {
    match helmd_yaml::parse_json(s) {
        Ok(Value::Nil) => Value::empty_map(),
        Ok(v @ Value::Map(_)) => v,
        Ok(other) => error_map(format!(
            "json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
            json_kind(&other)
        )),
        Err(e) => error_map(e.to_string()),
    }
}

fn from_json_array(s: &str) -> Value {
    match helmd_yaml::parse_json(s) {
        Ok(Value::Nil) => Value::list(Vec::new()),
        Ok(v @ Value::List(_)) => v,
        Ok(other) => Value::list(vec![Value::from(format!(
            "json: cannot unmarshal {} into Go value of type []interface {{}}",
            json_kind(&other)
        ))]),
        Err(e) => Value::list(vec![Value::from(e.to_string())]),
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "array",
        Value::Map(_) => "object",
        Value::String(_) => "string",
        Value::Bool(_) => "bool",
        _ => "number",
    }
}
