//! Helm's own template functions (include, tpl, required, fail, the YAML
//! and JSON converters) and the most common Sprig functions.

use std::collections::BTreeMap;

use helmd_gotmpl::fmt::{format_v, sprintf};
use helmd_gotmpl::{ArgType, Arity, CallContext, FuncError, FuncMap, FuncResult, go_quote};
use helmd_yaml::{IntKind, Str, Value};

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

/// Registers Helm's functions and the basic Sprig set into `funcs`.
pub fn register(funcs: &mut FuncMap) {
    register_helm(funcs);
    register_sprig(funcs);
    crate::sprig::register(funcs);
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
    funcs.insert("lookup", Arity::Exact(4), |_, _| Ok(Value::empty_map()));
}

fn str_arg(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn include(cx: &mut CallContext<'_>, a: &[Value]) -> FuncResult {
    let name = str_arg(&a[0]).to_string();
    let count = {
        let depth = cx.state::<IncludeDepth>();
        let c = depth.0.entry(name.clone()).or_insert(0);
        if *c > RECURSION_MAX {
            return Err(FuncError::Message(format!(
                "rendering template has a nested reference name: {name}: unable to execute template"
            )));
        }
        *c += 1;
        *c
    };
    let r = cx.execute_template(&name, &a[1]);
    cx.state::<IncludeDepth>().0.insert(name, count - 1);
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

/// Sprig's `strval`: strings as is, everything else `%v`.
pub(crate) fn strval(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Bytes(b) => helmd_yaml::gostr::from_go_bytes(b).into_owned(),
        Value::Object(o) => o.print(),
        other => format_v(other, false),
    }
}

/// Sprig's `empty`.
pub(crate) fn is_empty(v: &Value) -> bool {
    match v {
        Value::Object(_) => false,
        other => !other.truth(),
    }
}

/// spf13/cast's ToInt64 (errors become 0).
pub(crate) fn to_i64(v: &Value) -> i64 {
    match v {
        Value::Int(i, _) => *i,
        Value::Uint(u, _) => *u as i64,
        Value::Float(f) => *f as i64,
        Value::Bool(b) => i64::from(*b),
        Value::String(s) => {
            let t = s.trim_end_matches('0');
            let t = if s.contains('.') && t.ends_with('.') {
                &t[..t.len() - 1]
            } else {
                s.as_ref()
            };
            parse_go_int(t).unwrap_or(0)
        }
        _ => 0,
    }
}

fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string())
    } else {
        (10, lower)
    };
    let v = i64::from_str_radix(&digits.replace('_', ""), radix).ok()?;
    Some(if neg { -v } else { v })
}

/// spf13/cast's ToFloat64 (errors become 0).
pub(crate) fn to_f64(v: &Value) -> f64 {
    match v {
        Value::Int(i, _) => *i as f64,
        Value::Uint(u, _) => *u as f64,
        Value::Float(f) => *f,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::String(s) => s.parse().unwrap_or(0.0),
        _ => 0.0,
    }
}

fn register_sprig(funcs: &mut FuncMap) {
    funcs.insert("quote", Arity::AtLeast(0), |_, a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| go_quote(&strval(v)))
            .collect();
        Ok(Value::from(parts.join(" ")))
    });
    funcs.insert("squote", Arity::AtLeast(0), |_, a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| format!("'{}'", strval(v)))
            .collect();
        Ok(Value::from(parts.join(" ")))
    });
    funcs.insert("default", Arity::AtLeast(1), |_, a| match a.get(1) {
        Some(v) if !is_empty(v) => Ok(v.clone()),
        _ => Ok(a[0].clone()),
    });
    funcs.insert_typed(
        "indent",
        Arity::Exact(2),
        &[ArgType::Int, ArgType::String],
        |_, a| Ok(Value::from(indent(to_i64(&a[0]), str_arg(&a[1])))),
    );
    funcs.insert_typed(
        "nindent",
        Arity::Exact(2),
        &[ArgType::Int, ArgType::String],
        |_, a| {
            Ok(Value::from(format!(
                "\n{}",
                indent(to_i64(&a[0]), str_arg(&a[1]))
            )))
        },
    );
    funcs.insert_typed("trim", Arity::Exact(1), &[ArgType::String], |_, a| {
        Ok(Value::str(
            str_arg(&a[0]).trim_matches(|c: char| c.is_whitespace()),
        ))
    });
    funcs.insert_typed("upper", Arity::Exact(1), &[ArgType::String], |_, a| {
        Ok(Value::from(str_arg(&a[0]).to_uppercase()))
    });
    funcs.insert_typed("lower", Arity::Exact(1), &[ArgType::String], |_, a| {
        Ok(Value::from(str_arg(&a[0]).to_lowercase()))
    });
    funcs.insert("list", Arity::AtLeast(0), |_, a| {
        Ok(Value::list(a.to_vec()))
    });
    funcs.insert("dict", Arity::AtLeast(0), |_, a| {
        let mut m = BTreeMap::new();
        for pair in a.chunks(2) {
            let v = pair.get(1).cloned().unwrap_or_else(|| Value::str(""));
            m.insert(Str::from(strval(&pair[0])), v);
        }
        Ok(Value::map(m))
    });
    funcs.insert("toString", Arity::Exact(1), |_, a| {
        Ok(Value::from(strval(&a[0])))
    });
    funcs.insert("int", Arity::Exact(1), |_, a| {
        Ok(Value::Int(to_i64(&a[0]), IntKind::Int))
    });
    funcs.insert("int64", Arity::Exact(1), |_, a| {
        Ok(Value::Int(to_i64(&a[0]), IntKind::Int64))
    });
    funcs.insert("float64", Arity::Exact(1), |_, a| {
        Ok(Value::Float(to_f64(&a[0])))
    });
    funcs.insert("typeOf", Arity::Exact(1), |_, a| {
        Ok(Value::from(sprintf("%T", a)))
    });
    funcs.insert("kindOf", Arity::Exact(1), |_, a| {
        Ok(Value::from(a[0].kind_name()))
    });
    funcs.insert("slice", Arity::AtLeast(1), sprig_slice);
}

fn indent(spaces: i64, s: &str) -> String {
    let pad = " ".repeat(spaces.clamp(0, 1 << 20) as usize);
    format!("{pad}{}", s.replace('\n', &format!("\n{pad}")))
}

/// Sprig's `slice` (Helm's replaces Go's builtin): lists only.
fn sprig_slice(_: &mut CallContext<'_>, a: &[Value]) -> FuncResult {
    let Value::List(l) = &a[0] else {
        let t = if a[0].is_nil() {
            "invalid".to_string()
        } else {
            a[0].kind_name()
        };
        return Err(format!("list should be type of slice or array but {t}").into());
    };
    let n = l.items.len() as i64;
    let (lo, hi) = match a.len() {
        1 => (0, n),
        2 => (to_i64(&a[1]), n),
        _ => (to_i64(&a[1]), to_i64(&a[2])),
    };
    if lo < 0 || hi < lo || hi > n {
        return Err("reflect.Value.Slice: slice index out of bounds".into());
    }
    Ok(Value::typed_list(
        l.elem.clone(),
        l.items[lo as usize..hi as usize].to_vec(),
    ))
}
