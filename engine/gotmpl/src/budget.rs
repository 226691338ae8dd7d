//! The render memory budget: what values built during an execution cost, and
//! the size estimate functions check before building something large.
//!
//! Accounting is cumulative: every value a function returns is charged when
//! it is returned (a string its bytes, a list or map its slots), unless it
//! shares its allocation with an argument (`default`, `set` on a Go map). The
//! total never goes down, so it bounds what an execution can hold at once.
//! Functions whose result can dwarf their arguments (padding, repetition,
//! serializing a list that holds the same list many times) check the room
//! left before they allocate, so a single call cannot overshoot either.

use helmd_yaml::Value;

/// What returning `v` from a function costs: its own allocation, not what
/// it shares with other values.
pub(crate) fn shallow_cost(v: &Value) -> usize {
    const SLOT: usize = std::mem::size_of::<Value>();
    match v {
        Value::String(s) if s.is_empty() => 0,
        Value::String(s) => 16 + s.len(),
        Value::Bytes(b) => 16 + b.len(),
        Value::List(l) => 32 + l.items.len() * SLOT,
        Value::Map(m) => 64 + m.len() * (SLOT + 48),
        _ => 0,
    }
}

/// Whether `result` is (or shares its allocation with) one of `args`.
pub(crate) fn shared_with(result: &Value, args: &[Value]) -> bool {
    args.iter().any(|a| match (result, a) {
        (Value::String(r), Value::String(a)) => std::ptr::eq(r.as_ptr(), a.as_ptr()),
        (Value::Bytes(r), Value::Bytes(a)) => std::sync::Arc::ptr_eq(r, a),
        (Value::List(r), Value::List(a)) => std::sync::Arc::ptr_eq(r, a),
        (Value::Map(r), Value::Map(a)) => std::sync::Arc::ptr_eq(r, a),
        _ => false,
    })
}

/// An estimate of the bytes printing or serializing `v` takes (strings count
/// their bytes, other scalars a few dozen, nesting its indentation), or None
/// once it passes `cap`. Shared parts count every time they occur, as they
/// print; the walk stops at `cap`, so it is never slower than the print.
pub fn approx_size(v: &Value, cap: usize) -> Option<usize> {
    let mut total = 0usize;
    add_size(v, 0, cap, &mut total)?;
    Some(total)
}

fn add_size(v: &Value, depth: usize, cap: usize, total: &mut usize) -> Option<()> {
    let own = match v {
        Value::String(s) => s.len() + 2,
        Value::Bytes(b) => b.len() * 4 + 2,
        Value::List(_) | Value::Map(_) => 2,
        _ => 24,
    };
    *total = total.saturating_add(own).saturating_add(2 * depth);
    if *total > cap {
        return None;
    }
    match v {
        Value::List(l) => {
            for item in &l.items {
                stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
                    add_size(item, depth + 1, cap, total)
                })?;
            }
        }
        Value::Map(m) => {
            for (k, item) in m.read().iter() {
                *total = total.saturating_add(k.len() + 2);
                stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
                    add_size(item, depth + 1, cap, total)
                })?;
            }
        }
        _ => {}
    }
    (*total <= cap).then_some(())
}

/// The error text of an exceeded budget.
pub(crate) fn exceeded(limit: usize) -> String {
    format!("render memory limit of {limit} bytes exceeded")
}
