//! Sprig v3 as Helm v4 exposes it: one module per function family, each with
//! its own `register`, and the conversions they share (spf13/cast rules,
//! Sprig's `strval`, list and map views of values).

mod case_style;
mod cast;
mod conv;
mod crypto;
mod dates;
mod dicts;
mod duration;
mod encoding;
mod lists;
mod math;
mod paths;
mod random;
mod regex;
mod regex_syntax;
mod semver;
mod strings;
mod time_fmt;
mod time_parse;
mod url;

use std::sync::Arc;

use helmd_gotmpl::FuncMap;
use helmd_gotmpl::fmt::format_v;
use helmd_yaml::{ElemType, Value};

/// Registers every Sprig function helmd implements.
pub(crate) fn register(f: &mut FuncMap) {
    strings::register(f);
    regex::register(f);
    lists::register(f);
    dicts::register(f);
    math::register(f);
    conv::register(f);
    encoding::register(f);
    paths::register(f);
    url::register(f);
    semver::register(f);
    dates::register(f);
    crypto::register(f);
    random::register(f);
}

pub(crate) use strings::go_is_letter;

pub(crate) use dates::toml_time;

/// The string of a `string` parameter (the executor checked the type).
pub(crate) fn str_arg(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

/// An `int` parameter (the executor checked the type).
pub(crate) fn int_arg(v: &Value) -> i64 {
    match v {
        Value::Int(i, _) => *i,
        _ => 0,
    }
}

/// Sprig's `strval`: strings as is, byte slices as text, everything else `%v`.
pub(crate) fn strval(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        Value::Bytes(b) => helmd_yaml::gostr::from_go_bytes(b).into_owned(),
        Value::Object(o) => o.print(),
        Value::Float(f) => helmd_yaml::number::format_float(*f, 'g', -1),
        other => format_v(other, false),
    }
}

/// Sprig's `empty`: zero values, empty containers and nil are empty; structs never.
pub(crate) fn is_empty(v: &Value) -> bool {
    match v {
        // Go slices and maps (an empty `.Files.Glob`) are empty without items.
        Value::Object(o) => match o.slice_items() {
            Some(items) => items.is_empty(),
            None => o.map_entries().is_some_and(|entries| entries.is_empty()),
        },
        other => !other.truth(),
    }
}

/// The items of a Go slice (or byte slice), if `v` is one.
pub(crate) fn slice_items(v: &Value) -> Option<Vec<Value>> {
    match v {
        Value::List(l) => Some(l.items.clone()),
        Value::Bytes(b) => Some(
            b.iter()
                .map(|x| Value::Uint(u64::from(*x), helmd_yaml::UintKind::Uint8))
                .collect(),
        ),
        Value::Object(o) => o.slice_items(),
        _ => None,
    }
}

/// Go's reflect kind name as Sprig's panics print it (`Cannot find first on type string`).
pub(crate) fn kind_of(v: &Value) -> String {
    v.kind_name()
}

/// Go's panic text for `reflect.TypeOf(nil).Kind()`.
pub(crate) const NIL_DEREF: &str =
    "runtime error: invalid memory address or nil pointer dereference";

/// Sprig's `strslice`: a list becomes its non-nil items as strings; nil an
/// empty list; anything else a one-item list.
pub(crate) fn strslice(v: &Value) -> Vec<String> {
    match v {
        Value::List(l) => l.items.iter().filter(|x| !x.is_nil()).map(strval).collect(),
        Value::Bytes(_) => slice_items(v)
            .unwrap_or_default()
            .iter()
            .map(strval)
            .collect(),
        Value::Object(o) if let Some(items) = o.slice_items() => {
            items.iter().filter(|x| !x.is_nil()).map(strval).collect()
        }
        Value::Nil => Vec::new(),
        other => vec![strval(other)],
    }
}

/// A `[]string`.
pub(crate) fn string_list(items: Vec<String>) -> Value {
    Value::typed_list(
        ElemType::String,
        items.into_iter().map(Value::from).collect(),
    )
}

/// A `[]interface {}`.
pub(crate) fn iface_list(items: Vec<Value>) -> Value {
    Value::list(items)
}

/// Go's `reflect.DeepEqual` over template values.
pub(crate) fn deep_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Map(x), Value::Map(y)) => {
            if x.type_name() != y.type_name() || x.is_nil_map() != y.is_nil_map() {
                return false;
            }
            if Arc::ptr_eq(x, y) {
                return true;
            }
            let (xa, ya) = (x.read(), y.read());
            xa.len() == ya.len()
                && xa
                    .iter()
                    .all(|(k, v)| ya.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        (Value::List(x), Value::List(y)) => {
            x.elem == y.elem
                && x.items.len() == y.items.len()
                && x.items.iter().zip(&y.items).all(|(v, w)| deep_equal(v, w))
        }
        (Value::Float(x), Value::Float(y)) => x == y,
        _ => a == b,
    }
}
