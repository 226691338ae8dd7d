//! Go text/template's builtin functions: and, or, not, len, index, slice,
//! print, printf, println, html, js, urlquery, call, eq, ne, lt, le, gt, ge.

use std::sync::Arc;

use helmd_yaml::{UintKind, Value};

use crate::ast::Arg;
use crate::error::FuncError;
use crate::fmt::{sprint, sprintf, sprintln};
use crate::funcs::{ArgType, Arity, FuncResult};

/// Whether `name` is a builtin.
pub fn is_builtin(name: &str) -> bool {
    arity(name).is_some()
}

/// The builtin's argument rule.
pub fn arity(name: &str) -> Option<Arity> {
    Some(match name {
        "and" | "or" | "index" | "slice" | "printf" | "call" | "eq" => Arity::AtLeast(1),
        "not" | "len" => Arity::Exact(1),
        "ne" | "lt" | "le" | "gt" | "ge" => Arity::Exact(2),
        "print" | "println" | "html" | "js" | "urlquery" => Arity::AtLeast(0),
        _ => return None,
    })
}

/// Typed leading parameters of a builtin (Go checks them before the call).
pub fn params(name: &str) -> &'static [ArgType] {
    match name {
        "printf" => &[ArgType::String],
        _ => &[],
    }
}

/// Fails with the memory limit's error unless printing `argv` (plus
/// `extra` bytes) fits in `room`.
fn ensure_room(argv: &[Value], extra: usize, room: usize) -> Result<(), FuncError> {
    let mut left = room.checked_sub(extra);
    for a in argv {
        left = left.and_then(|l| crate::budget::approx_size(a, l).map(|n| l - n));
    }
    match left {
        Some(_) => Ok(()),
        None => Err(FuncError::Limit(String::new())),
    }
}

/// Calls builtin `name` (except and/or, which the executor short-circuits);
/// `room` is what is left of the memory budget (a `FuncError::Limit` with an
/// empty text means it ran out).
pub fn call(name: &str, argv: &[Value], nodes: &[Arg], room: usize) -> FuncResult {
    if matches!(name, "print" | "println" | "html" | "js" | "urlquery") {
        ensure_room(argv, argv.len(), room)?;
    }
    match name {
        "not" => Ok(Value::Bool(!argv[0].truth())),
        "len" => length(&argv[0]),
        "index" => index(&argv[0], &argv[1..]),
        "slice" => slice(&argv[0], &argv[1..]),
        "print" => Ok(Value::from(sprint(argv))),
        "println" => Ok(Value::from(sprintln(argv))),
        "printf" => match &argv[0] {
            Value::String(f) => {
                ensure_room(&argv[1..], f.len(), room)?;
                match crate::fmt::sprintf_within(f, &argv[1..], room) {
                    Some(s) => Ok(Value::from(s)),
                    None => Err(FuncError::Limit(String::new())),
                }
            }
            other => Err(format!(
                "wrong type for value; expected string; got {}",
                other.type_name()
            )
            .into()),
        },
        "html" => Ok(Value::from(html_escape(&eval_args(argv)))),
        "js" => Ok(Value::from(js_escape(&eval_args(argv)))),
        "urlquery" => Ok(Value::from(query_escape(&eval_args(argv)))),
        "call" => {
            let node = nodes.get(1).map(|n| n.to_string()).unwrap_or_default();
            match &argv[0] {
                Value::Nil => Err("call of nil".into()),
                v => Err(format!("non-function {node} of type {}", v.type_name()).into()),
            }
        }
        "eq" => eq(&argv[0], &argv[1..]).map(Value::Bool),
        "ne" => eq(&argv[0], &argv[1..2]).map(|b| Value::Bool(!b)),
        "lt" => lt(&argv[0], &argv[1]).map(Value::Bool),
        "le" => le(&argv[0], &argv[1]).map(Value::Bool),
        "gt" => le(&argv[0], &argv[1]).map(|b| Value::Bool(!b)),
        "ge" => lt(&argv[0], &argv[1]).map(|b| Value::Bool(!b)),
        _ => Err(format!("{name:?} is not a defined function").into()),
    }
}

/// Go's `evalArgs`: a lone string as is, otherwise Sprint (nil prints `<no value>`).
fn eval_args(argv: &[Value]) -> String {
    if let [Value::String(s)] = argv {
        return s.to_string();
    }
    let printable: Vec<Value> = argv
        .iter()
        .map(|a| {
            if a.is_nil() {
                Value::str("<no value>")
            } else {
                a.clone()
            }
        })
        .collect();
    sprint(&printable)
}

fn length(v: &Value) -> FuncResult {
    let n = match v {
        Value::Nil => return Err("len of nil pointer".into()),
        Value::String(s) => helmd_yaml::gostr::go_len(s),
        Value::Bytes(b) => b.len(),
        Value::List(l) => l.items.len(),
        Value::Map(m) => m.len(),
        Value::Object(o) if let Some(entries) = o.map_entries() => entries.len(),
        Value::Object(o) if let Some(items) = o.slice_items() => items.len(),
        other => return Err(format!("len of type {}", other.type_name()).into()),
    };
    Ok(Value::int(n as i64))
}

fn index_arg(i: &Value, cap: usize) -> Result<usize, FuncError> {
    let x: i64 = match i {
        Value::Int(x, _) => *x,
        Value::Uint(x, _) => *x as i64,
        Value::Nil => return Err("cannot index slice/array with nil".into()),
        other => {
            return Err(format!("cannot index slice/array with type {}", other.type_name()).into());
        }
    };
    if x < 0 || x as u64 > cap as u64 {
        return Err(format!("index out of range: {x}").into());
    }
    Ok(x as usize)
}

fn index(item: &Value, indexes: &[Value]) -> FuncResult {
    if item.is_nil() {
        return Err("index of untyped nil".into());
    }
    let mut item = item.clone();
    for i in indexes {
        item = match &item {
            Value::Nil => return Err("index of nil pointer".into()),
            Value::List(l) => {
                let x = index_arg(i, l.items.len())?;
                l.items
                    .get(x)
                    .cloned()
                    .ok_or_else(|| FuncError::from(format!("index out of range: {x}")))?
            }
            Value::String(s) => {
                let bytes = helmd_yaml::gostr::go_bytes(s);
                let x = index_arg(i, bytes.len())?;
                let b = bytes
                    .get(x)
                    .ok_or_else(|| FuncError::from(format!("index out of range: {x}")))?;
                Value::Uint(u64::from(*b), UintKind::Uint8)
            }
            Value::Bytes(bs) => {
                let x = index_arg(i, bs.len())?;
                let b = bs
                    .get(x)
                    .ok_or_else(|| FuncError::from(format!("index out of range: {x}")))?;
                Value::Uint(u64::from(*b), UintKind::Uint8)
            }
            Value::Map(m) => match i {
                Value::String(k) => m.get(k).unwrap_or(Value::Nil),
                Value::Nil => return Err("value is nil; should be of type string".into()),
                other => {
                    return Err(
                        format!("value has type {}; should be string", other.type_name()).into(),
                    );
                }
            },
            Value::Object(o) if let Some(entries) = o.map_entries() => match i {
                Value::String(k) => entries
                    .into_iter()
                    .find(|(key, _)| key == k)
                    .map_or_else(|| o.map_elem_zero(), |(_, v)| v),
                Value::Nil => return Err("value is nil; should be of type string".into()),
                other => {
                    return Err(
                        format!("value has type {}; should be string", other.type_name()).into(),
                    );
                }
            },
            Value::Object(o) if let Some(items) = o.slice_items() => {
                let x = index_arg(i, items.len())?;
                items
                    .get(x)
                    .cloned()
                    .ok_or_else(|| FuncError::from(format!("index out of range: {x}")))?
            }
            other => return Err(format!("can't index item of type {}", other.type_name()).into()),
        };
    }
    Ok(item)
}

fn slice(item: &Value, indexes: &[Value]) -> FuncResult {
    if item.is_nil() {
        return Err("slice of untyped nil".into());
    }
    if indexes.len() > 3 {
        return Err(format!("too many slice indexes: {}", indexes.len()).into());
    }
    let host_items = match item {
        Value::Object(o) => o.slice_items(),
        _ => None,
    };
    let len = match item {
        Value::String(s) => {
            if indexes.len() == 3 {
                return Err("cannot 3-index slice a string".into());
            }
            s.len()
        }
        Value::List(l) => l.items.len(),
        Value::Object(_) if let Some(items) = &host_items => items.len(),
        Value::Bytes(b) => b.len(),
        other => return Err(format!("can't slice item of type {}", other.type_name()).into()),
    };
    let mut idx = [0, len, len];
    for (n, i) in indexes.iter().enumerate() {
        idx[n] = index_arg(i, len)?;
    }
    if idx[0] > idx[1] {
        return Err(format!("invalid slice index: {} > {}", idx[0], idx[1]).into());
    }
    if indexes.len() == 3 && idx[1] > idx[2] {
        return Err(format!("invalid slice index: {} > {}", idx[1], idx[2]).into());
    }
    Ok(match item {
        Value::String(s) => match s.get(idx[0]..idx[1]) {
            Some(sub) => Value::str(sub),
            None => {
                Value::from(String::from_utf8_lossy(&s.as_bytes()[idx[0]..idx[1]]).into_owned())
            }
        },
        Value::List(l) => Value::typed_list(l.elem.clone(), l.items[idx[0]..idx[1]].to_vec()),
        Value::Bytes(b) => Value::Bytes(Arc::from(&b[idx[0]..idx[1]])),
        Value::Object(o) => match host_items {
            Some(items) => o.reslice(items[idx[0]..idx[1]].to_vec()),
            None => Value::Nil,
        },
        _ => Value::Nil,
    })
}

/// Go's comparison kinds.
#[derive(PartialEq, Clone, Copy)]
enum Kind {
    Invalid,
    Bool,
    Int,
    Uint,
    Float,
    String,
}

fn basic_kind(v: &Value) -> Kind {
    match v {
        Value::Bool(_) => Kind::Bool,
        Value::Int(..) => Kind::Int,
        Value::Uint(..) => Kind::Uint,
        Value::Float(_) => Kind::Float,
        Value::String(_) => Kind::String,
        _ => Kind::Invalid,
    }
}

fn incompatible(a: &Value, b: &Value) -> FuncError {
    format!(
        "incompatible types for comparison: {} and {}",
        a.type_name(),
        b.type_name()
    )
    .into()
}

fn eq(a: &Value, others: &[Value]) -> Result<bool, FuncError> {
    if others.is_empty() {
        return Err("missing argument for comparison".into());
    }
    let k1 = basic_kind(a);
    for b in others {
        let k2 = basic_kind(b);
        let truth = if k1 != k2 {
            match (a, b) {
                (Value::Int(x, _), Value::Uint(y, _)) => *x >= 0 && *x as u64 == *y,
                (Value::Uint(x, _), Value::Int(y, _)) => *y >= 0 && *x == *y as u64,
                _ if !a.is_nil() && !b.is_nil() => return Err(incompatible(a, b)),
                _ => false,
            }
        } else {
            match (a, b) {
                (Value::Bool(x), Value::Bool(y)) => x == y,
                (Value::Int(x, _), Value::Int(y, _)) => x == y,
                (Value::Uint(x, _), Value::Uint(y, _)) => x == y,
                (Value::Float(x), Value::Float(y)) => x == y,
                (Value::String(x), Value::String(y)) => x == y,
                _ => eq_other(a, b)?,
            }
        };
        if truth {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `eq` on non-basic kinds: nil compares with nil; maps, slices are not comparable.
fn eq_other(a: &Value, b: &Value) -> Result<bool, FuncError> {
    match (a, b) {
        (Value::Nil, Value::Nil) => Ok(true),
        (Value::Nil, _) | (_, Value::Nil) => Ok(false),
        (Value::List(_) | Value::Map(_) | Value::Bytes(_), _) => Err(format!(
            "non-comparable type {}: {}",
            sprintf("%s", std::slice::from_ref(a)),
            a.type_name()
        )
        .into()),
        (_, Value::List(_) | Value::Map(_) | Value::Bytes(_)) => Err(format!(
            "non-comparable type {}: {}",
            sprintf("%s", std::slice::from_ref(b)),
            b.type_name()
        )
        .into()),
        (Value::Object(x), Value::Object(y))
            if let (Some(p), Some(q)) = (
                x.as_any().downcast_ref::<crate::number::Complex>(),
                y.as_any().downcast_ref::<crate::number::Complex>(),
            ) =>
        {
            Ok(p.0 == q.0 && p.1 == q.1)
        }
        (x, y) if x.type_name() != y.type_name() => Err(format!(
            "non-comparable types {}: {}, {}: {}",
            crate::fmt::format_v(x, false),
            x.type_name(),
            y.type_name(),
            crate::fmt::format_v(y, false)
        )
        .into()),
        (x, y) => Ok(x == y),
    }
}

fn lt(a: &Value, b: &Value) -> Result<bool, FuncError> {
    let k1 = basic_kind(a);
    let k2 = basic_kind(b);
    if k1 == Kind::Invalid || k2 == Kind::Invalid {
        return Err("invalid type for comparison".into());
    }
    if k1 != k2 {
        return match (a, b) {
            (Value::Int(x, _), Value::Uint(y, _)) => Ok(*x < 0 || (*x as u64) < *y),
            (Value::Uint(x, _), Value::Int(y, _)) => Ok(*y >= 0 && *x < *y as u64),
            _ => Err(incompatible(a, b)),
        };
    }
    match (a, b) {
        (Value::Int(x, _), Value::Int(y, _)) => Ok(x < y),
        (Value::Uint(x, _), Value::Uint(y, _)) => Ok(x < y),
        (Value::Float(x), Value::Float(y)) => Ok(x < y),
        (Value::String(x), Value::String(y)) => {
            Ok(helmd_yaml::gostr::go_bytes(x) < helmd_yaml::gostr::go_bytes(y))
        }
        _ => Err("invalid type for comparison".into()),
    }
}

fn le(a: &Value, b: &Value) -> Result<bool, FuncError> {
    if lt(a, b)? {
        return Ok(true);
    }
    eq(a, std::slice::from_ref(b))
}

/// Go's `template.HTMLEscapeString`.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\0' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Go's `template.JSEscapeString`.
pub fn js_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '"' => out.push_str("\\\""),
            '<' => out.push_str("\\u003C"),
            '>' => out.push_str("\\u003E"),
            '&' => out.push_str("\\u0026"),
            '=' => out.push_str("\\u003D"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04X}", c as u32)),
            // A raw byte decodes to U+FFFD, which is printable: Go copies the byte.
            c if helmd_yaml::gostr::raw_byte(c).is_some() => out.push(c),
            c if !c.is_ascii() && !crate::lex::is_go_printable(c) => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// Go's `url.QueryEscape`.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in helmd_yaml::gostr::go_bytes(s).iter() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
