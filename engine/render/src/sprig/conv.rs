//! Sprig's conversions, defaults, type predicates and reflection helpers, the
//! JSON encoders Helm leaves to Sprig, and `getHostByName` (`dns.rs`).

use helmd_gotmpl::fmt::sprintf;
use helmd_gotmpl::{ArgType, Arity, FuncMap, FuncResult};
use helmd_yaml::{IntKind, Value};

use super::cast::{to_f64, to_i64};
use super::{deep_equal, is_empty, str_arg};

const S: ArgType = ArgType::String;

/// Go's `%T`.
fn type_of(v: &Value) -> String {
    sprintf("%T", std::slice::from_ref(v))
}

/// encoding/json without HTML escaping (`SetEscapeHTML(false)`).
fn unescape_html(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut rest = json;
    let mut backslashes = 0usize;
    while let Some(c) = rest.chars().next() {
        if c == '\\' && backslashes.is_multiple_of(2) {
            let lit = match rest.get(..6) {
                Some("\\u003c") => Some('<'),
                Some("\\u003e") => Some('>'),
                Some("\\u0026") => Some('&'),
                _ => None,
            };
            if let Some(l) = lit {
                out.push(l);
                rest = &rest[6..];
                backslashes = 0;
                continue;
            }
        }
        backslashes = if c == '\\' { backslashes + 1 } else { 0 };
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn json_fn(v: &Value, pretty: bool, raw: bool, must: bool) -> FuncResult {
    let r = if pretty {
        helmd_yaml::to_json_pretty(v)
    } else {
        helmd_yaml::to_json(v)
    };
    match r {
        Ok(s) if raw => Ok(Value::from(unescape_html(&s))),
        Ok(s) => Ok(Value::from(s)),
        // toRawJson panics where toPrettyJson swallows the error
        Err(e) if must || raw => Err(e.to_string().into()),
        Err(_) => Ok(Value::str("")),
    }
}

pub(crate) fn register(f: &mut FuncMap) {
    f.insert_typed("atoi", Arity::Exact(1), &[S], |_, a| {
        let s = str_arg(&a[0]);
        let body = s.strip_prefix(['+', '-']).unwrap_or(s);
        let ok = !body.is_empty() && body.bytes().all(|b| b.is_ascii_digit());
        // strconv.Atoi: out-of-range values clamp (the error is ignored)
        let v = if !ok {
            0
        } else {
            s.parse::<i64>().unwrap_or(if s.starts_with('-') {
                i64::MIN
            } else {
                i64::MAX
            })
        };
        Ok(Value::int(v))
    });
    f.insert("int", Arity::Exact(1), |_, a| Ok(Value::int(to_i64(&a[0]))));
    f.insert("int64", Arity::Exact(1), |_, a| {
        Ok(Value::Int(to_i64(&a[0]), IntKind::Int64))
    });
    f.insert("float64", Arity::Exact(1), |_, a| {
        Ok(Value::Float(to_f64(&a[0])))
    });
    f.insert("toDecimal", Arity::Exact(1), |_, a| {
        let text = helmd_gotmpl::fmt::sprint(std::slice::from_ref(&a[0]));
        let v = i64::from_str_radix(text.strip_prefix('+').unwrap_or(&text), 8)
            .ok()
            .filter(|_| !text.starts_with("+-") && !text.starts_with("--"));
        Ok(Value::Int(v.unwrap_or(0), IntKind::Int64))
    });
    f.insert_typed(
        "ternary",
        Arity::Exact(3),
        &[ArgType::Any, ArgType::Any, ArgType::Bool],
        |_, a| {
            Ok(if matches!(a[2], Value::Bool(true)) {
                a[0].clone()
            } else {
                a[1].clone()
            })
        },
    );
    f.insert("empty", Arity::Exact(1), |_, a| {
        Ok(Value::Bool(is_empty(&a[0])))
    });
    f.insert("default", Arity::AtLeast(1), |_, a| match a.get(1) {
        Some(v) if !is_empty(v) => Ok(v.clone()),
        _ => Ok(a[0].clone()),
    });
    f.insert("coalesce", Arity::AtLeast(0), |_, a| {
        Ok(a.iter()
            .find(|v| !is_empty(v))
            .cloned()
            .unwrap_or(Value::Nil))
    });
    f.insert("all", Arity::AtLeast(0), |_, a| {
        Ok(Value::Bool(a.iter().all(|v| !is_empty(v))))
    });
    f.insert("any", Arity::AtLeast(0), |_, a| {
        Ok(Value::Bool(a.iter().any(|v| !is_empty(v))))
    });
    f.insert("typeOf", Arity::Exact(1), |_, a| {
        Ok(Value::from(type_of(&a[0])))
    });
    f.insert("kindOf", Arity::Exact(1), |_, a| {
        Ok(Value::from(a[0].kind_name()))
    });
    f.insert_typed("typeIs", Arity::Exact(2), &[S], |_, a| {
        Ok(Value::Bool(str_arg(&a[0]) == type_of(&a[1])))
    });
    f.insert_typed("typeIsLike", Arity::Exact(2), &[S], |_, a| {
        let t = type_of(&a[1]);
        let want = str_arg(&a[0]);
        Ok(Value::Bool(want == t || format!("*{want}") == t))
    });
    f.insert_typed("kindIs", Arity::Exact(2), &[S], |_, a| {
        Ok(Value::Bool(str_arg(&a[0]) == a[1].kind_name()))
    });
    f.insert("deepEqual", Arity::Exact(2), |_, a| {
        Ok(Value::Bool(deep_equal(&a[0], &a[1])))
    });
    f.insert("toPrettyJson", Arity::Exact(1), |_, a| {
        json_fn(&a[0], true, false, false)
    });
    f.insert("toRawJson", Arity::Exact(1), |_, a| {
        json_fn(&a[0], false, true, false)
    });
    f.insert("mustToPrettyJson", Arity::Exact(1), |_, a| {
        json_fn(&a[0], true, false, true)
    });
    f.insert("mustToRawJson", Arity::Exact(1), |_, a| {
        json_fn(&a[0], false, true, true)
    });
    f.insert("mustToJson", Arity::Exact(1), |_, a| {
        json_fn(&a[0], false, false, true)
    });
    f.insert_typed("mustFromJson", Arity::Exact(1), &[S], |_, a| {
        helmd_yaml::parse_json(str_arg(&a[0])).map_err(|e| e.to_string().into())
    });
    f.insert_typed(
        "getHostByName",
        Arity::Exact(1),
        &[S],
        crate::dns::get_host_by_name,
    );
}
