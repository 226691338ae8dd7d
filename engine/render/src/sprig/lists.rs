//! Sprig's list functions and their `must*` twins: any Go slice is accepted,
//! results are `[]interface {}`, and the panic texts are Sprig's.

use helmd_gotmpl::{ArgType, Arity, CallContext, FuncError, FuncMap, FuncResult};
use helmd_yaml::{ElemType, Value};

use super::cast::to_i64;
use super::{NIL_DEREF, deep_equal, iface_list, int_arg, is_empty, kind_of, slice_items};

/// The items of a slice, or Sprig's error `<prefix> type <kind>`.
fn items(v: &Value, prefix: &str) -> Result<Vec<Value>, FuncError> {
    if v.is_nil() {
        return Err(NIL_DEREF.into());
    }
    slice_items(v).ok_or_else(|| format!("{prefix} type {}", kind_of(v)).into())
}

fn first(a: &[Value]) -> FuncResult {
    let l = items(&a[0], "Cannot find first on")?;
    Ok(l.first().cloned().unwrap_or(Value::Nil))
}

fn last(a: &[Value]) -> FuncResult {
    let l = items(&a[0], "Cannot find last on")?;
    Ok(l.last().cloned().unwrap_or(Value::Nil))
}

/// A nil `[]interface {}` (prints `[]`, encodes as `null`).
fn nil_list() -> Value {
    Value::nil_list(ElemType::Interface)
}

fn rest(a: &[Value]) -> FuncResult {
    let l = items(&a[0], "Cannot find rest on")?;
    Ok(if l.is_empty() {
        nil_list()
    } else {
        iface_list(l[1..].to_vec())
    })
}

fn initial(a: &[Value]) -> FuncResult {
    let l = items(&a[0], "Cannot find initial on")?;
    Ok(if l.is_empty() {
        nil_list()
    } else {
        iface_list(l[..l.len() - 1].to_vec())
    })
}

fn reverse(a: &[Value]) -> FuncResult {
    let mut l = items(&a[0], "Cannot find reverse on")?;
    l.reverse();
    Ok(iface_list(l))
}

fn uniq(a: &[Value]) -> FuncResult {
    let l = items(&a[0], "Cannot find uniq on")?;
    let mut out: Vec<Value> = Vec::new();
    for v in l {
        if !out.iter().any(|o| deep_equal(o, &v)) {
            out.push(v);
        }
    }
    Ok(iface_list(out))
}

fn compact(a: &[Value]) -> FuncResult {
    let l = items(&a[0], "Cannot compact on")?;
    Ok(iface_list(l.into_iter().filter(|v| !is_empty(v)).collect()))
}

fn push(a: &[Value]) -> FuncResult {
    let mut l = items(&a[0], "Cannot push on")?;
    l.push(a[1].clone());
    Ok(iface_list(l))
}

fn prepend(a: &[Value]) -> FuncResult {
    let mut l = items(&a[0], "Cannot prepend on")?;
    l.insert(0, a[1].clone());
    Ok(iface_list(l))
}

fn without(a: &[Value]) -> FuncResult {
    let l = items(&a[0], "Cannot find without on")?;
    Ok(iface_list(
        l.into_iter()
            .filter(|v| !a[1..].iter().any(|o| deep_equal(o, v)))
            .collect(),
    ))
}

fn has(a: &[Value]) -> FuncResult {
    if a[1].is_nil() {
        return Ok(Value::Bool(false));
    }
    let l = items(&a[1], "Cannot find has on")?;
    Ok(Value::Bool(l.iter().any(|v| deep_equal(v, &a[0]))))
}

/// Sprig's `slice`: lists only; indices through cast's ToInt.
fn slice(a: &[Value]) -> FuncResult {
    if a[0].is_nil() {
        return Err(NIL_DEREF.into());
    }
    let Some(l) = slice_items(&a[0]) else {
        return Err(format!(
            "list should be type of slice or array but {}",
            kind_of(&a[0])
        )
        .into());
    };
    let n = l.len() as i64;
    let (lo, hi) = match a.len() {
        1 => (0, n),
        2 => (to_i64(&a[1]), n),
        _ => (to_i64(&a[1]), to_i64(&a[2])),
    };
    if lo < 0 || hi < lo || hi > n {
        return Err("reflect.Value.Slice: slice index out of bounds".into());
    }
    if let Value::Object(o) = &a[0] {
        // a host slice type (common.VersionSet) keeps its type
        return Ok(o.reslice(l[lo as usize..hi as usize].to_vec()));
    }
    let elem = match &a[0] {
        Value::List(list) => list.elem.clone(),
        _ => ElemType::Other("uint8".into()),
    };
    if let Value::Bytes(b) = &a[0] {
        return Ok(Value::Bytes(b[lo as usize..hi as usize].into()));
    }
    Ok(Value::typed_list(
        elem,
        l[lo as usize..hi as usize].to_vec(),
    ))
}

fn chunk(a: &[Value]) -> FuncResult {
    let size = int_arg(&a[0]);
    let l = items(&a[1], "Cannot chunk")?;
    if size <= 0 {
        return Err("runtime error: integer divide by zero".into());
    }
    let chunks: Vec<Value> = l
        .chunks(size as usize)
        .map(|c| Value::list(c.to_vec()))
        .collect();
    Ok(Value::typed_list(
        ElemType::Other("[]interface {}".into()),
        chunks,
    ))
}

fn concat(a: &[Value]) -> FuncResult {
    let mut out = Vec::new();
    for v in a {
        let l = match v {
            Value::Nil => return Err(NIL_DEREF.into()),
            other => slice_items(other)
                .ok_or_else(|| format!("Cannot concat type {} as list", kind_of(other)))?,
        };
        out.extend(l);
    }
    if a.iter()
        .all(|v| slice_items(v).is_some_and(|l| l.is_empty()))
    {
        return Ok(nil_list());
    }
    Ok(iface_list(out))
}

/// How many numbers Sprig's `untilStep` yields (its loop, counted).
fn step_count(start: i64, stop: i64, step: i64) -> u128 {
    let (start, stop, step) = (i128::from(start), i128::from(stop), i128::from(step));
    let span = if stop < start {
        if step >= 0 {
            return 0;
        }
        start - stop
    } else {
        if step <= 0 {
            return 0;
        }
        stop - start
    };
    let step = step.abs();
    ((span + step - 1) / step) as u128
}

/// Sprig's `untilStep` loop, once the caller checked [`step_count`] fits.
fn until_step(start: i64, stop: i64, step: i64) -> impl Iterator<Item = i64> {
    let n = step_count(start, stop, step);
    let mut i = start;
    (0..n).map(move |_| {
        let v = i;
        i = i.wrapping_add(step);
        v
    })
}

/// `untilStep` as Sprig returns it: an `[]int`.
fn until_list(start: i64, stop: i64, step: i64) -> Value {
    Value::typed_list(
        ElemType::Int,
        until_step(start, stop, step).map(Value::int).collect(),
    )
}

/// The budget check for a list of `count` numbers (`per_item` bytes each).
fn ensure_numbers(cx: &CallContext<'_>, count: u128, per_item: usize) -> Result<(), FuncError> {
    let bytes = usize::try_from(count)
        .unwrap_or(usize::MAX)
        .saturating_mul(per_item);
    cx.ensure_room(bytes)
}

/// Sprig's `seq` as (start, stop, step) for [`until_step`]; None for nothing.
fn seq_range(p: &[i64]) -> Option<(i64, i64, i64)> {
    match p {
        [end] => {
            let inc = if *end < 1 { -1 } else { 1 };
            Some((1, end.wrapping_add(inc), inc))
        }
        [start, end] => {
            let step = if end < start { -1 } else { 1 };
            Some((*start, end.wrapping_add(step), step))
        }
        [start, step, end] => {
            let mut inc = 1;
            if end < start {
                inc = -1;
                if *step > 0 {
                    return None;
                }
            }
            Some((*start, end.wrapping_add(inc), *step))
        }
        _ => None,
    }
}

fn seq(cx: &CallContext<'_>, p: &[i64]) -> Result<String, FuncError> {
    let Some((start, stop, step)) = seq_range(p) else {
        return Ok(String::new());
    };
    ensure_numbers(cx, step_count(start, stop, step), 21)?;
    let mut out = String::new();
    for (k, i) in until_step(start, stop, step).enumerate() {
        if k > 0 {
            out.push(' ');
        }
        out.push_str(&i.to_string());
    }
    Ok(out)
}

/// Registers a list function and its `must` twin (same error, returned).
fn both(f: &mut FuncMap, name: &str, must: &str, arity: Arity, func: fn(&[Value]) -> FuncResult) {
    f.insert(name, arity, move |_, a| func(a));
    f.insert(must, arity, move |_, a| func(a));
}

pub(crate) fn register(f: &mut FuncMap) {
    f.insert("list", Arity::AtLeast(0), |_, a| {
        Ok(Value::list(a.to_vec()))
    });
    f.insert("tuple", Arity::AtLeast(0), |_, a| {
        Ok(Value::list(a.to_vec()))
    });
    both(f, "first", "mustFirst", Arity::Exact(1), first);
    both(f, "last", "mustLast", Arity::Exact(1), last);
    both(f, "rest", "mustRest", Arity::Exact(1), rest);
    both(f, "initial", "mustInitial", Arity::Exact(1), initial);
    both(f, "reverse", "mustReverse", Arity::Exact(1), reverse);
    both(f, "uniq", "mustUniq", Arity::Exact(1), uniq);
    both(f, "compact", "mustCompact", Arity::Exact(1), compact);
    both(f, "append", "mustAppend", Arity::Exact(2), push);
    both(f, "push", "mustPush", Arity::Exact(2), push);
    both(f, "prepend", "mustPrepend", Arity::Exact(2), prepend);
    both(f, "without", "mustWithout", Arity::AtLeast(1), without);
    both(f, "has", "mustHas", Arity::Exact(2), has);
    both(f, "slice", "mustSlice", Arity::AtLeast(1), slice);
    f.insert_typed("chunk", Arity::Exact(2), &[ArgType::Int], |_, a| chunk(a));
    f.insert_typed("mustChunk", Arity::Exact(2), &[ArgType::Int], |_, a| {
        chunk(a)
    });
    f.insert("concat", Arity::AtLeast(0), |cx, a| {
        let n: usize = a
            .iter()
            .map(|v| match v {
                Value::List(l) => l.items.len(),
                _ => 0,
            })
            .sum();
        cx.ensure_room(crate::memory::list_cost(n))?;
        concat(a)
    });
    f.insert_typed("until", Arity::Exact(1), &[ArgType::Int], |cx, a| {
        let n = int_arg(&a[0]);
        let step = if n < 0 { -1 } else { 1 };
        ensure_numbers(cx, step_count(0, n, step), SLOT)?;
        Ok(until_list(0, n, step))
    });
    f.insert_typed(
        "untilStep",
        Arity::Exact(3),
        &[ArgType::Int, ArgType::Int, ArgType::Int],
        |cx, a| {
            let (start, stop, step) = (int_arg(&a[0]), int_arg(&a[1]), int_arg(&a[2]));
            ensure_numbers(cx, step_count(start, stop, step), SLOT)?;
            Ok(until_list(start, stop, step))
        },
    );
    f.insert_variadic("seq", Arity::AtLeast(0), &[], ArgType::Int, |cx, a| {
        let p: Vec<i64> = a.iter().map(int_arg).collect();
        Ok(Value::from(seq(cx, &p)?))
    });
}

/// What one list slot costs.
const SLOT: usize = std::mem::size_of::<Value>();
