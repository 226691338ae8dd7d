//! Go's fmt for template values: Sprint, Sprintln, Sprintf with verbs,
//! flags, width and precision, and Go's `%!verb(type=value)` error forms.

use helmd_yaml::Value;
use helmd_yaml::number::{format_float, push_i64, push_u64};

/// `fmt.Sprint(args...)`: spaces between operands when neither is a string.
pub fn sprint(args: &[Value]) -> String {
    let mut out = String::new();
    for (i, a) in args.iter().enumerate() {
        let is_str = matches!(a, Value::String(_));
        if i > 0 && !is_str && !matches!(args[i - 1], Value::String(_)) {
            out.push(' ');
        }
        out.push_str(&format_v(a, false));
    }
    out
}

/// `fmt.Sprintln(args...)`.
pub fn sprintln(args: &[Value]) -> String {
    let parts: Vec<String> = args.iter().map(|a| format_v(a, false)).collect();
    let mut s = parts.join(" ");
    s.push('\n');
    s
}

/// What helmd prints for a Go address (`%p`, and a pointer nested in a
/// container under `%v`). Go prints the real address, which differs from run
/// to run (`0xc000123456`, `0x28f61216f130`); helmd keeps the shape only.
pub const FAKE_ADDRESS: &str = "0xc000010000";

/// Whether Go would print `v` as an address when it is nested in a map or
/// list under `%v`: a pointer (host objects whose type starts with `*`) with
/// no `String` or `Error` method (fmt calls those at any depth).
pub fn is_pointer(v: &Value) -> bool {
    matches!(v, Value::Object(o) if o.type_name().starts_with('*')
        && !o.has_method("String") && !o.has_method("Error"))
}

/// `%v` (or `%+v`) of a value.
pub fn format_v(v: &Value, plus: bool) -> String {
    let mut out = String::new();
    write_v(&mut out, v, plus);
    out
}

/// Appends `%v` of a bool or number to `out`; false (nothing written) for
/// other values.
pub(crate) fn write_scalar(out: &mut String, v: &Value) -> bool {
    match v {
        Value::Bool(_) | Value::Int(..) | Value::Uint(..) | Value::Float(_) => {
            write_v_inner(out, v, false);
            true
        }
        _ => false,
    }
}

fn write_v(out: &mut String, v: &Value, plus: bool) {
    // Only containers recurse; scalars skip the stack check.
    if matches!(v, Value::List(_) | Value::Map(_) | Value::Object(_)) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || write_v_inner(out, v, plus))
    } else {
        write_v_inner(out, v, plus)
    }
}

/// A container element: fmt prints pointers below the top level as addresses.
fn write_nested(out: &mut String, v: &Value, plus: bool) {
    if is_pointer(v) {
        out.push_str(FAKE_ADDRESS);
    } else {
        write_v(out, v, plus);
    }
}

fn write_v_inner(out: &mut String, v: &Value, plus: bool) {
    match v {
        Value::Nil => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i, _) => push_i64(out, *i),
        Value::Uint(u, _) => push_u64(out, *u),
        Value::Float(f) => out.push_str(&format_float(*f, 'g', -1)),
        Value::String(s) => out.push_str(s),
        Value::Bytes(b) => {
            out.push('[');
            for (i, x) in b.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(&x.to_string());
            }
            out.push(']');
        }
        Value::List(l) => {
            out.push('[');
            for (i, x) in l.items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_nested(out, x, plus);
            }
            out.push(']');
        }
        Value::Map(m) => {
            out.push_str("map[");
            for (i, (k, x)) in m.go_entries().iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                write_nested(out, x, plus);
            }
            out.push(']');
        }
        Value::Object(o) => out.push_str(&o.format(plus)),
    }
}

/// Parsed flags, width and precision of one verb.
#[derive(Default, Clone, Copy, PartialEq)]
struct Spec {
    plus_v: bool,
    sharp_v: bool,
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
}

/// `fmt.Sprintf(format, args...)`.
pub fn sprintf(format: &str, args: &[Value]) -> String {
    sprintf_within(format, args, usize::MAX).unwrap_or_default()
}

/// Go fmt's `tooLarge`: widths and precisions beyond ±10⁶ are refused.
fn too_large(n: i64) -> bool {
    !(-1_000_000..=1_000_000).contains(&n)
}

/// Go fmt's `intFromArg`: a `*` width or precision from an integer argument
/// (any integer kind that fits `int`), refused when too large.
fn int_from_arg(arg: Option<&Value>) -> Option<i64> {
    let n = match arg? {
        Value::Int(i, _) => *i,
        Value::Uint(u, _) => i64::try_from(*u).ok()?,
        _ => return None,
    };
    (!too_large(n)).then_some(n)
}

/// `fmt.Sprintf`, or None as soon as the output passes `max` bytes.
pub fn sprintf_within(format: &str, args: &[Value], max: usize) -> Option<String> {
    let mut out = String::with_capacity(format.len().min(max) + 16 * args.len());
    let mut argi = 0;
    let mut chars = format.char_indices().peekable();
    let mut reordered = false;
    let mut bad_index = false;
    while let Some((_, c)) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut spec = Spec::default();
        while let Some(&(_, f)) = chars.peek() {
            match f {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                '#' => spec.sharp = true,
                ' ' => spec.space = true,
                '0' => spec.zero = !spec.minus,
                _ => break,
            }
            chars.next();
        }
        if spec.minus {
            spec.zero = false;
        }
        // Argument index: %[n]d.
        match arg_index(&mut chars, args.len()) {
            Some(Some(n)) => {
                argi = n;
                reordered = true;
            }
            Some(None) => {
                bad_index = true;
                reordered = true;
            }
            None => {}
        }
        if chars.peek().map(|p| p.1) == Some('*') {
            chars.next();
            match int_from_arg(args.get(argi)) {
                Some(w) => {
                    if w < 0 {
                        spec.minus = true;
                        spec.zero = false;
                    }
                    spec.width = Some(w.unsigned_abs() as usize);
                }
                None => out.push_str("%!(BADWIDTH)"),
            }
            if argi < args.len() {
                argi += 1;
            }
        } else {
            match read_num(&mut chars) {
                Num::Value(n) => spec.width = Some(n),
                Num::Absent => {}
                // Go's parsenum gives up on a huge literal and skips the rest
                // of the format, which then ends without a verb.
                Num::TooLarge => {
                    out.push_str("%!(NOVERB)");
                    break;
                }
            }
        }
        if chars.peek().map(|p| p.1) == Some('.') {
            chars.next();
            if chars.peek().map(|p| p.1) == Some('*') {
                chars.next();
                match int_from_arg(args.get(argi)) {
                    Some(p) if p >= 0 => spec.prec = Some(p as usize),
                    _ => out.push_str("%!(BADPREC)"),
                }
                if argi < args.len() {
                    argi += 1;
                }
            } else {
                match read_num(&mut chars) {
                    Num::Value(n) => spec.prec = Some(n),
                    Num::Absent => spec.prec = Some(0),
                    Num::TooLarge => {
                        out.push_str("%!(NOVERB)");
                        break;
                    }
                }
            }
        }
        match arg_index(&mut chars, args.len()) {
            Some(Some(n)) => {
                argi = n;
                reordered = true;
            }
            Some(None) => {
                bad_index = true;
                reordered = true;
            }
            None => {}
        }
        let Some((_, verb)) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        if bad_index {
            out.push_str(&format!("%!{verb}(BADINDEX)"));
            bad_index = false;
            continue;
        }
        if verb == 'v' {
            if spec.plus {
                spec.plus = false;
                spec.plus_v = true;
            }
            if spec.sharp {
                spec.sharp = false;
                spec.sharp_v = true;
            }
        }
        match args.get(argi) {
            None => {
                out.push_str(&format!("%!{verb}(MISSING)"));
            }
            Some(arg) => {
                format_arg(&mut out, arg, verb, spec);
            }
        }
        argi += 1;
        if out.len() > max {
            return None;
        }
    }
    if !reordered && argi < args.len() {
        out.push_str("%!(EXTRA ");
        for (i, a) in args[argi..].iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            match a {
                Value::Nil => out.push_str("<nil>"),
                a => out.push_str(&format!("{}={}", a.type_name(), format_v(a, false))),
            }
        }
        out.push(')');
    }
    (out.len() <= max).then_some(out)
}

/// `[n]`: `Some(Some(i))` for a good index, `Some(None)` for a bad one.
fn arg_index(
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
    nargs: usize,
) -> Option<Option<usize>> {
    if chars.peek().map(|p| p.1) != Some('[') {
        return None;
    }
    chars.next();
    let mut n: Option<usize> = None;
    while let Some(&(_, d)) = chars.peek() {
        let Some(v) = d.to_digit(10) else { break };
        n = Some(n.unwrap_or(0).saturating_mul(10).saturating_add(v as usize));
        chars.next();
    }
    if chars.peek().map(|p| p.1) != Some(']') {
        for (_, c) in chars.by_ref() {
            if c == ']' {
                break;
            }
        }
        return Some(None);
    }
    chars.next();
    match n {
        Some(n) if n >= 1 && n <= nargs && n <= 10_000_000 => Some(Some(n - 1)),
        _ => Some(None),
    }
}

/// A number in a format: absent, a value, or too large (Go's `parsenum`).
enum Num {
    Absent,
    Value(usize),
    TooLarge,
}

/// Go's `parsenum`: digits until one arrives while the number read so far is
/// already too large (so 7-digit literals up to 9999999 pass); a too-large
/// number consumes the rest of the format.
fn read_num(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) -> Num {
    let mut n: Option<i64> = None;
    while let Some(&(_, d)) = chars.peek() {
        let Some(v) = d.to_digit(10) else { break };
        let so_far = n.unwrap_or(0);
        if too_large(so_far) {
            for _ in chars.by_ref() {}
            return Num::TooLarge;
        }
        n = Some(so_far * 10 + i64::from(v));
        chars.next();
    }
    match n {
        Some(n) => Num::Value(n as usize),
        None => Num::Absent,
    }
}

mod verbs;

use verbs::format_arg;

#[cfg(test)]
mod tests;
