//! Sprig's dictionary functions: `map[string]interface {}` parameters (Go
//! converts named maps such as `.Values`), in-place `set`/`unset`, and
//! mergo's merge rules for `merge`/`mergeOverwrite`.

use std::collections::BTreeMap;

use helmd_gotmpl::{ArgType, Arity, FuncError, FuncMap, FuncResult};
use helmd_yaml::{ElemType, Map, MapRef, Str, Value};

use super::{is_empty, str_arg, string_list, strval};

const M: ArgType = ArgType::Map;
const S: ArgType = ArgType::String;

fn map_arg(v: &Value) -> Option<&MapRef> {
    v.as_map()
}

/// mergo's `isEmptyValue` for a map entry.
fn mergo_empty(v: &Value) -> bool {
    is_empty(v)
}

/// mergo's deep merge of `src` into `dst` (maps merge key by key).
fn merge_into(dst: &MapRef, src: &MapRef, overwrite: bool) {
    if std::sync::Arc::ptr_eq(dst, src) {
        return;
    }
    for (key, sv) in src.entries() {
        let dv = dst.get(&key);
        if sv.is_nil() {
            if overwrite {
                dst.insert(key, Value::Nil);
            }
            continue;
        }
        if let (Value::Map(sm), Some(Value::Map(dm))) = (&sv, &dv) {
            merge_into(dm, sm, overwrite);
            if !dm.is_empty() {
                continue;
            }
        }
        if let Some(d) = dv.as_ref().filter(|d| !mergo_empty(d)) {
            let keep_list = matches!(sv, Value::List(_)) && !overwrite;
            if keep_list || matches!((&sv, d), (Value::Map(_), Value::Map(_))) {
                continue;
            }
        }
        if overwrite || dv.as_ref().is_none_or(mergo_empty) {
            dst.insert(key, sv);
        }
    }
}

fn merge(a: &[Value], overwrite: bool) -> FuncResult {
    let dst = match map_arg(&a[0]) {
        Some(m) if !m.is_nil_map() => m.clone(),
        _ => Map::new(BTreeMap::new()),
    };
    for src in &a[1..] {
        if let Some(s) = map_arg(src) {
            merge_into(&dst, s, overwrite);
        }
    }
    Ok(Value::Map(dst))
}

fn dig(a: &[Value]) -> FuncResult {
    if a.len() < 3 {
        return Err("dig needs at least three arguments".into());
    }
    let conv = |v: &Value| -> Result<MapRef, FuncError> {
        match v {
            Value::Map(m) if m.name.is_none() && m.elem == ElemType::Interface => Ok(m.clone()),
            other => Err(format!(
                "interface conversion: interface {{}} is {}, not map[string]interface {{}}",
                if other.is_nil() {
                    "nil".to_string()
                } else {
                    other.type_name()
                }
            )
            .into()),
        }
    };
    let mut dict = conv(&a[a.len() - 1])?;
    let def = &a[a.len() - 2];
    let mut keys = Vec::new();
    for k in &a[..a.len() - 2] {
        match k {
            Value::String(s) => keys.push(s.clone()),
            other => {
                return Err(format!(
                    "interface conversion: interface {{}} is {}, not string",
                    if other.is_nil() {
                        "nil".to_string()
                    } else {
                        other.type_name()
                    }
                )
                .into());
            }
        }
    }
    for (i, k) in keys.iter().enumerate() {
        let Some(step) = dict.get(k) else {
            return Ok(def.clone());
        };
        if i == keys.len() - 1 {
            return Ok(step);
        }
        dict = conv(&step)?;
    }
    Ok(def.clone())
}

pub(crate) fn register(f: &mut FuncMap) {
    f.insert("dict", Arity::AtLeast(0), |_, a| {
        let mut m = BTreeMap::new();
        for pair in a.chunks(2) {
            let v = pair.get(1).cloned().unwrap_or_else(|| Value::str(""));
            m.insert(Str::from(strval(&pair[0])), v);
        }
        Ok(Value::map(m))
    });
    f.insert_typed("get", Arity::Exact(2), &[M, S], |_, a| {
        Ok(map_arg(&a[0])
            .and_then(|m| m.get(str_arg(&a[1])))
            .unwrap_or_else(|| Value::str("")))
    });
    f.insert_typed("set", Arity::Exact(3), &[M, S], |cx, a| {
        match map_arg(&a[0]) {
            Some(m) if !m.is_nil_map() => {
                cx.charge(str_arg(&a[1]).len() + 64)?;
                m.insert(str_arg(&a[1]), a[2].clone());
                Ok(a[0].clone())
            }
            _ => Err("assignment to entry in nil map".into()),
        }
    });
    f.insert_typed("unset", Arity::Exact(2), &[M, S], |_, a| {
        if let Some(m) = map_arg(&a[0]) {
            m.write().remove(str_arg(&a[1]));
        }
        Ok(a[0].clone())
    });
    f.insert_typed("hasKey", Arity::Exact(2), &[M, S], |_, a| {
        Ok(Value::Bool(
            map_arg(&a[0]).is_some_and(|m| m.get(str_arg(&a[1])).is_some()),
        ))
    });
    f.insert_variadic("pluck", Arity::AtLeast(1), &[S], M, |_, a| {
        let key = str_arg(&a[0]);
        let out = a[1..]
            .iter()
            .filter_map(|d| map_arg(d).and_then(|m| m.get(key)))
            .collect();
        Ok(Value::list(out))
    });
    f.insert_variadic("keys", Arity::AtLeast(0), &[], M, |_, a| {
        let mut out = Vec::new();
        for d in a {
            if let Some(m) = map_arg(d) {
                out.extend(m.read().keys().map(|k| k.to_string()));
            }
        }
        Ok(string_list(out))
    });
    f.insert_variadic("pick", Arity::AtLeast(1), &[M], S, |_, a| {
        let mut out = BTreeMap::new();
        if let Some(m) = map_arg(&a[0]) {
            for k in &a[1..] {
                if let Some(v) = m.get(str_arg(k)) {
                    out.insert(Str::from(str_arg(k)), v);
                }
            }
        }
        Ok(Value::map(out))
    });
    f.insert_variadic("omit", Arity::AtLeast(1), &[M], S, |_, a| {
        let mut out = BTreeMap::new();
        if let Some(m) = map_arg(&a[0]) {
            for (k, v) in m.entries() {
                if !a[1..].iter().any(|x| str_arg(x) == &*k) {
                    out.insert(k, v);
                }
            }
        }
        Ok(Value::map(out))
    });
    f.insert_typed("values", Arity::Exact(1), &[M], |_, a| {
        Ok(Value::list(
            map_arg(&a[0])
                .map(|m| m.entries().into_iter().map(|(_, v)| v).collect())
                .unwrap_or_default(),
        ))
    });
    f.insert_variadic("merge", Arity::AtLeast(1), &[M], M, |_, a| merge(a, false));
    f.insert_variadic("mustMerge", Arity::AtLeast(1), &[M], M, |_, a| {
        merge(a, false)
    });
    f.insert_variadic("mergeOverwrite", Arity::AtLeast(1), &[M], M, |_, a| {
        merge(a, true)
    });
    f.insert_variadic("mustMergeOverwrite", Arity::AtLeast(1), &[M], M, |_, a| {
        merge(a, true)
    });
    f.insert("dig", Arity::AtLeast(0), |_, a| dig(a));
    for name in ["deepCopy", "mustDeepCopy"] {
        f.insert(name, Arity::Exact(1), |_, a| {
            if a[0].is_nil() {
                return Err("reflect: call of reflect.Value.Type on zero Value".into());
            }
            Ok(a[0].deep_copy())
        });
    }
}
