//! Go fmt's verbs on each kind of value: integers, floats, complex numbers,
//! strings and bytes, composites, `%#v` Go syntax, padding and bad-verb forms.

use helmd_yaml::number::format_float;
use helmd_yaml::{UintKind, Value};

use super::{Spec, format_v};
use crate::lex::{go_quote, push_quoted_char};

fn bad_verb(out: &mut String, arg: &Value, verb: char) {
    out.push_str("%!");
    out.push(verb);
    out.push('(');
    match arg {
        Value::Nil => out.push_str("<nil>"),
        Value::Float(f) => {
            out.push_str("float64=");
            out.push_str(&format_float(*f, 'g', -1));
        }
        a => {
            out.push_str(&a.type_name());
            out.push('=');
            out.push_str(&format_v(a, false));
        }
    }
    out.push(')');
}

pub(super) fn format_arg(out: &mut String, arg: &Value, verb: char, spec: Spec) {
    // Only containers recurse; scalars skip the stack check.
    if matches!(arg, Value::List(_) | Value::Map(_) | Value::Object(_)) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
            format_arg_inner(out, arg, verb, spec)
        })
    } else {
        format_arg_inner(out, arg, verb, spec)
    }
}

fn format_arg_inner(out: &mut String, arg: &Value, verb: char, spec: Spec) {
    if verb == 'T' {
        pad(out, &arg.type_name(), spec);
        return;
    }
    if verb == 'p' {
        // Maps, slices and pointers print their (run-dependent) address.
        if matches!(arg, Value::Map(_) | Value::List(_) | Value::Bytes(_)) || super::is_pointer(arg)
        {
            pad(out, super::FAKE_ADDRESS, spec);
        } else {
            bad_verb(out, arg, verb);
        }
        return;
    }
    if spec.sharp_v {
        pad(
            out,
            &go_syntax(arg, true),
            Spec {
                sharp_v: false,
                ..spec
            },
        );
        return;
    }
    if let Value::Object(o) = arg
        && let Some(c) = o.as_any().downcast_ref::<crate::number::Complex>()
    {
        fmt_complex(out, c.0, c.1, verb, spec, arg);
        return;
    }
    if let Value::String(s) = arg
        && matches!(verb, 's' | 'v')
        && spec.prec.is_none()
        && !helmd_yaml::gostr::has_raw(s)
    {
        pad(out, s, spec);
        return;
    }
    match arg {
        Value::Nil => match verb {
            'v' => pad(out, "<nil>", spec),
            _ => bad_verb(out, arg, verb),
        },
        Value::Bool(b) => match verb {
            't' | 'v' => pad(out, if *b { "true" } else { "false" }, spec),
            _ => bad_verb(out, arg, verb),
        },
        Value::Int(i, _) => fmt_integer(out, i.unsigned_abs(), *i < 0, false, verb, spec, arg),
        Value::Uint(u, k) => fmt_integer(out, *u, false, *k == UintKind::Uint8, verb, spec, arg),
        Value::Float(f) => fmt_float_verb(out, *f, verb, spec, arg),
        Value::String(s) => fmt_string(out, &helmd_yaml::gostr::go_bytes(s), verb, spec, arg),
        Value::Bytes(b) => match verb {
            's' | 'q' | 'x' | 'X' => fmt_string(out, b, verb, spec, arg),
            _ => {
                let items: Vec<Value> = b
                    .iter()
                    .map(|x| Value::Uint(u64::from(*x), UintKind::Uint8))
                    .collect();
                fmt_elements(out, &items, verb, spec);
            }
        },
        Value::List(l) => fmt_elements(out, &l.items, verb, spec),
        Value::Map(m) => {
            out.push_str("map[");
            for (i, (k, v)) in m.go_entries().iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                format_arg(out, &Value::String(k.clone()), verb, spec);
                out.push(':');
                format_nested(out, v, verb, spec);
            }
            out.push(']');
        }
        Value::Object(o) => match verb {
            'v' | 's' => pad(out, &o.format(spec.plus_v), spec),
            _ => bad_verb(out, arg, verb),
        },
    }
}

fn fmt_complex(out: &mut String, re: f64, im: f64, verb: char, spec: Spec, arg: &Value) {
    if !matches!(
        verb,
        'v' | 'b' | 'g' | 'G' | 'x' | 'X' | 'f' | 'F' | 'e' | 'E'
    ) {
        bad_verb(out, arg, verb);
        return;
    }
    let mut s = String::from("(");
    let part = Spec {
        width: None,
        ..spec
    };
    fmt_float_verb(&mut s, re, verb, part, arg);
    fmt_float_verb(&mut s, im, verb, Spec { plus: true, ..part }, arg);
    s.push_str("i)");
    pad(out, &s, spec);
}

/// Go's `%#v` (Go-syntax) form; `top` is false inside containers.
fn go_syntax(v: &Value, top: bool) -> String {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || go_syntax_inner(v, top))
}

fn go_syntax_inner(v: &Value, top: bool) -> String {
    match v {
        Value::Nil if top => "<nil>".into(),
        Value::Nil => "interface {}(nil)".into(),
        Value::String(s) => go_quote(s),
        Value::Float(f) => format_float(*f, 'g', -1),
        Value::Uint(u, k) if *k != UintKind::Uint8 => format!("0x{u:x}"),
        Value::List(l) if l.nil => format!("{}(nil)", v.type_name()),
        Value::List(l) => {
            let items: Vec<String> = l.items.iter().map(|x| go_syntax(x, false)).collect();
            format!("{}{{{}}}", v.type_name(), items.join(", "))
        }
        Value::Map(m) => {
            let items: Vec<String> = m
                .go_entries()
                .iter()
                .map(|(k, x)| format!("{}:{}", go_quote(k), go_syntax(x, false)))
                .collect();
            format!("{}{{{}}}", v.type_name(), items.join(", "))
        }
        Value::Object(o) => o.format(true),
        other => format_v(other, false),
    }
}

fn fmt_elements(out: &mut String, items: &[Value], verb: char, spec: Spec) {
    out.push('[');
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        format_nested(out, x, verb, spec);
    }
    out.push(']');
}

/// A container element: under `%v` fmt prints a nested pointer as its address.
fn format_nested(out: &mut String, v: &Value, verb: char, spec: Spec) {
    if verb == 'v' && !spec.sharp_v && super::is_pointer(v) {
        pad(out, super::FAKE_ADDRESS, spec);
    } else {
        format_arg(out, v, verb, spec);
    }
}

/// Pads `s` to the width (spaces, or zeros when the `0` flag is set).
fn pad(out: &mut String, s: &str, spec: Spec) {
    let Some(w) = spec.width else {
        out.push_str(s);
        return;
    };
    let n = s.chars().count();
    if n >= w {
        out.push_str(s);
        return;
    }
    let fill = if spec.zero { '0' } else { ' ' };
    if spec.minus {
        out.push_str(s);
        out.extend(std::iter::repeat_n(' ', w - n));
    } else {
        out.extend(std::iter::repeat_n(fill, w - n));
        out.push_str(s);
    }
}

/// Pads a number: zeros go after the sign.
fn pad_number(out: &mut String, s: &str, spec: Spec) {
    if spec.zero && !spec.minus {
        let w = spec.width.unwrap_or(0);
        let n = s.chars().count();
        if n < w {
            let (sign, digits) = match s.as_bytes().first() {
                Some(b'+' | b'-' | b' ') => s.split_at(1),
                _ => ("", s),
            };
            out.push_str(sign);
            out.extend(std::iter::repeat_n('0', w - n));
            out.push_str(digits);
            return;
        }
    }
    pad(
        out,
        s,
        Spec {
            zero: false,
            ..spec
        },
    )
}

fn fmt_integer(
    out: &mut String,
    mag: u64,
    neg: bool,
    is_byte: bool,
    verb: char,
    spec: Spec,
    arg: &Value,
) {
    let (radix, upper) = match verb {
        'd' | 'v' => (10, false),
        'b' => (2, false),
        'o' | 'O' => (8, false),
        'x' => (16, false),
        'X' => (16, true),
        'c' => {
            let c = char::from_u32(mag as u32)
                .filter(|_| !neg && mag <= 0x10FFFF)
                .unwrap_or('\u{fffd}');
            pad(out, &c.to_string(), spec);
            return;
        }
        'q' => {
            let c = char::from_u32(mag as u32)
                .filter(|_| !neg && mag <= 0x10FFFF)
                .unwrap_or('\u{fffd}');
            let mut s = String::from("'");
            push_quoted_char(&mut s, c, '\'');
            s.push('\'');
            pad(out, &s, spec);
            return;
        }
        'U' => {
            let u = if neg { mag.wrapping_neg() } else { mag };
            let mut s = format!("U+{u:04X}");
            if spec.sharp
                && let Some(c) = char::from_u32(mag as u32)
            {
                s.push_str(&format!(" '{c}'"));
            }
            pad(out, &s, spec);
            return;
        }
        'e' | 'E' | 'f' | 'F' | 'g' | 'G' | 's' | 't' => {
            bad_verb(out, arg, verb);
            return;
        }
        _ => {
            bad_verb(out, arg, verb);
            return;
        }
    };
    let _ = is_byte;
    if radix == 10 && spec == Spec::default() {
        if neg {
            out.push('-');
        }
        helmd_yaml::number::push_u64(out, mag);
        return;
    }
    let mut digits = match radix {
        2 => format!("{mag:b}"),
        8 => format!("{mag:o}"),
        16 if upper => format!("{mag:X}"),
        16 => format!("{mag:x}"),
        _ => mag.to_string(),
    };
    let mut prec = spec.prec;
    if prec.is_none()
        && spec.zero
        && !spec.minus
        && let Some(w) = spec.width
    {
        let mut w = w;
        if neg || spec.plus || spec.space {
            w = w.saturating_sub(1);
        }
        prec = Some(w);
    }
    if let Some(p) = prec {
        if p == 0 && mag == 0 {
            digits.clear();
        }
        if digits.len() < p {
            let mut padded = "0".repeat(p - digits.len());
            padded.push_str(&digits);
            digits = padded;
        }
    }
    let prefix = match (spec.sharp, verb) {
        (true, 'b') => "0b",
        (true, 'o') if !digits.starts_with('0') => "0",
        (_, 'O') => "0o",
        (true, 'x') => "0x",
        (true, 'X') => "0X",
        _ => "",
    };
    let sign = if neg {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    };
    let s = format!("{sign}{prefix}{digits}");
    pad(
        out,
        &s,
        Spec {
            zero: false,
            ..spec
        },
    );
}

fn fmt_float_verb(out: &mut String, f: f64, verb: char, spec: Spec, arg: &Value) {
    if !f.is_finite()
        && matches!(
            verb,
            'v' | 'g' | 'G' | 'e' | 'E' | 'f' | 'F' | 'x' | 'X' | 'b'
        )
    {
        fmt_non_finite(out, f, spec);
        return;
    }
    let (fmt_char, default_prec): (char, i32) = match verb {
        'v' | 'g' => ('g', -1),
        'G' => ('G', -1),
        'e' => ('e', 6),
        'E' => ('E', 6),
        'f' | 'F' => ('f', 6),
        'x' | 'X' | 'b' => {
            bad_verb_float(out, f, verb, spec);
            return;
        }
        _ => {
            bad_verb(out, arg, verb);
            return;
        }
    };
    let prec = spec.prec.map_or(default_prec, |p| p as i32);
    let mut s = format_float(f, fmt_char, prec);
    if spec == Spec::default() && f.is_finite() {
        out.push_str(&s);
        return;
    }
    if spec.sharp {
        s = sharp_float(
            &s,
            if matches!(verb, 'v' | 'g' | 'G') {
                prec
            } else {
                0
            },
            matches!(verb, 'v' | 'g' | 'G'),
        );
    }
    if !s.starts_with('-') {
        if spec.plus {
            s.insert(0, '+');
        } else if spec.space {
            s.insert(0, ' ');
        }
    }
    pad_number(out, &s, spec);
}

/// Go's fmt for an infinity or NaN, whatever the float verb: `+Inf` keeps its
/// sign (a space in its place with the space flag), NaN gets one only when asked
/// for, and zero padding is never used.
fn fmt_non_finite(out: &mut String, f: f64, spec: Spec) {
    let sign = if f.is_sign_negative() && f.is_infinite() {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else if f.is_nan() {
        ""
    } else {
        "+"
    };
    let body = if f.is_nan() { "NaN" } else { "Inf" };
    pad(
        out,
        &format!("{sign}{body}"),
        Spec {
            zero: false,
            ..spec
        },
    );
}

/// Go's `#` flag on floats: always a decimal point; %g keeps trailing zeros.
fn sharp_float(num: &str, prec: i32, is_g: bool) -> String {
    let mut digits = if is_g {
        if prec < 0 { 6 } else { prec }
    } else {
        0
    };
    let (body, tail) = match num.find(['e', 'E']) {
        Some(i) => (&num[..i], &num[i..]),
        None => (num, ""),
    };
    let mut out = body.to_string();
    let mut saw_nonzero = false;
    let mut has_point = false;
    for c in body.chars() {
        match c {
            '.' => has_point = true,
            '-' | '+' => {}
            d => {
                if d != '0' {
                    saw_nonzero = true;
                }
                if saw_nonzero {
                    digits -= 1;
                }
            }
        }
    }
    if !has_point {
        if body.trim_start_matches(['-', '+']) == "0" {
            digits -= 1;
        }
        out.push('.');
    }
    while digits > 0 {
        out.push('0');
        digits -= 1;
    }
    out.push_str(tail);
    out
}

/// `%x`/`%b` on floats (hexadecimal and binary exponent forms).
fn bad_verb_float(out: &mut String, f: f64, verb: char, spec: Spec) {
    if verb == 'b' {
        let bits = f.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i64;
        let mant = bits & ((1 << 52) - 1);
        let (m, e) = if exp == 0 {
            (mant, -1074)
        } else {
            (mant | (1 << 52), exp - 1075)
        };
        let sign = if f.is_sign_negative() { "-" } else { "" };
        pad(out, &format!("{sign}{m}p{e:+}"), spec);
        return;
    }
    let s = if f == 0.0 {
        "0x0p+00".to_string()
    } else {
        let bits = f.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i64 - 1023;
        let mant = bits & ((1 << 52) - 1);
        let mut hex = format!("{mant:013x}");
        while hex.ends_with('0') {
            hex.pop();
        }
        let sign = if f < 0.0 { "-" } else { "" };
        let frac = if hex.is_empty() {
            String::new()
        } else {
            format!(".{hex}")
        };
        format!(
            "{sign}0x1{frac}p{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        )
    };
    pad(out, &if verb == 'X' { s.to_uppercase() } else { s }, spec);
}

fn fmt_string(out: &mut String, b: &[u8], verb: char, spec: Spec, arg: &Value) {
    let s = helmd_yaml::gostr::from_go_bytes(b);
    let truncated: String = match spec.prec {
        Some(p) if matches!(verb, 's' | 'v' | 'q') => s.chars().take(p).collect(),
        _ => s.to_string(),
    };
    match verb {
        's' | 'v' => pad(out, &truncated, spec),
        'q' => {
            if spec.sharp
                && !truncated.contains('`')
                && !helmd_yaml::gostr::has_raw(&truncated)
                && truncated.chars().all(|c| c == '\t' || !c.is_control())
            {
                pad(out, &format!("`{truncated}`"), spec);
            } else if spec.plus {
                let mut q = String::from("\"");
                for c in truncated.chars() {
                    if c.is_ascii() || helmd_yaml::gostr::raw_byte(c).is_some() {
                        push_quoted_char(&mut q, c, '"');
                    } else if (c as u32) <= 0xFFFF {
                        q.push_str(&format!("\\u{:04x}", c as u32));
                    } else {
                        q.push_str(&format!("\\U{:08x}", c as u32));
                    }
                }
                q.push('"');
                pad(out, &q, spec);
            } else {
                pad(out, &go_quote(&truncated), spec);
            }
        }
        'x' | 'X' => {
            let bytes = match spec.prec {
                Some(p) => &b[..p.min(b.len())],
                None => b,
            };
            let mut h = String::new();
            for (i, x) in bytes.iter().enumerate() {
                if spec.space && i > 0 {
                    h.push(' ');
                }
                if spec.sharp && (spec.space || i == 0) {
                    h.push_str(if verb == 'x' { "0x" } else { "0X" });
                }
                if verb == 'x' {
                    h.push_str(&format!("{x:02x}"));
                } else {
                    h.push_str(&format!("{x:02X}"));
                }
            }
            pad(out, &h, spec);
        }
        _ => bad_verb(out, arg, verb),
    }
}
