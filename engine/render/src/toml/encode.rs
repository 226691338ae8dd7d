//! Helm's `toToml`: BurntSushi/toml's encoder output (sorted keys, direct
//! keys before tables, two-space indentation per table level, `[[arrays]]`
//! of tables, nil values left out).

use helmd_gotmpl::fmt::format_v;
use helmd_yaml::number::format_float;
use helmd_yaml::{Str, Value};

/// TOML text of `v`, or the encoder's error text (Helm returns it as the result).
pub(crate) fn to_toml(v: &Value) -> String {
    let mut out = Out::default();
    match v {
        Value::Map(m) => {
            let entries = m.entries();
            encode_map(&mut out, &[], &entries);
        }
        Value::Object(o) => {
            let data = o.to_data();
            if let Value::Map(m) = &data {
                encode_map(&mut out, &[], &m.entries());
            } else {
                element(&mut out.text, &data);
            }
        }
        other => element(&mut out.text, other),
    }
    out.text
}

#[derive(Default)]
struct Out {
    text: String,
}

impl Out {
    /// BurntSushi's `newline`: only once something was written.
    fn newline(&mut self) {
        if !self.text.is_empty() {
            self.text.push('\n');
        }
    }
}

fn indent(depth: usize) -> String {
    "  ".repeat(depth.saturating_sub(1))
}

fn is_table(v: &Value) -> bool {
    match v {
        Value::Map(_) => true,
        Value::Object(o) => matches!(o.to_data(), Value::Map(_)),
        _ => false,
    }
}

fn is_table_array(v: &Value) -> bool {
    match v {
        Value::List(l) => !l.items.is_empty() && l.items.iter().all(|i| is_table(i) || i.is_nil()),
        _ => false,
    }
}

fn bare(k: &str) -> bool {
    !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn key_part(k: &str) -> String {
    if bare(k) { k.to_string() } else { quoted(k) }
}

fn key_path(path: &[Str]) -> String {
    path.iter()
        .map(|k| key_part(k))
        .collect::<Vec<_>>()
        .join(".")
}

/// A TOML basic string (also how BurntSushi quotes key parts).
pub(super) fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn float_text(f: f64) -> String {
    if f.is_nan() {
        return if f.is_sign_negative() { "-nan" } else { "nan" }.into();
    }
    if f.is_infinite() {
        return if f < 0.0 { "-inf" } else { "inf" }.into();
    }
    let s = format_float(f, 'g', -1);
    if s.contains('.') || s.contains('e') {
        s
    } else {
        format!("{s}.0")
    }
}

/// A value in element position (array items, right-hand sides).
fn element(out: &mut String, v: &Value) {
    match v {
        Value::String(s) => out.push_str(&quoted(s)),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i, _) => out.push_str(&i.to_string()),
        Value::Uint(u, _) => out.push_str(&u.to_string()),
        Value::Float(f) => out.push_str(&float_text(*f)),
        Value::Bytes(b) => out.push_str(&quoted(&String::from_utf8_lossy(b))),
        Value::List(l) => {
            out.push('[');
            for (i, item) in l.items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                element(out, item);
            }
            out.push(']');
        }
        Value::Map(m) => inline_map(out, &m.entries()),
        Value::Object(o) => match o.to_data() {
            Value::Nil => out.push_str(&quoted(&format_v(v, false))),
            data => element(out, &data),
        },
        Value::Nil => {}
    }
}

fn inline_map(out: &mut String, entries: &[(Str, Value)]) {
    out.push('{');
    let items: Vec<&(Str, Value)> = entries.iter().filter(|(_, v)| !v.is_nil()).collect();
    for (i, (k, v)) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&key_part(k));
        out.push_str(" = ");
        element(out, v);
    }
    out.push('}');
}

fn encode_map(out: &mut Out, path: &[Str], entries: &[(Str, Value)]) {
    type Entries<'a> = Vec<&'a (Str, Value)>;
    let (mut direct, mut sub): (Entries<'_>, Entries<'_>) = entries
        .iter()
        .partition(|(_, v)| !(is_table(v) || is_table_array(v)));
    direct.sort_by(|a, b| a.0.cmp(&b.0));
    sub.sort_by(|a, b| a.0.cmp(&b.0));
    for (k, v) in direct.into_iter().chain(sub) {
        if v.is_nil() {
            continue;
        }
        let mut key = path.to_vec();
        key.push(k.clone());
        encode(out, &key, v);
    }
}

fn encode(out: &mut Out, key: &[Str], v: &Value) {
    if is_table_array(v) {
        if let Value::List(l) = v {
            for item in &l.items {
                if item.is_nil() {
                    continue;
                }
                out.newline();
                out.text
                    .push_str(&format!("{}[[{}]]", indent(key.len()), key_path(key)));
                out.newline();
                table_body(out, key, item);
            }
        }
        return;
    }
    if is_table(v) {
        if key.len() == 1 {
            out.newline();
        }
        out.text
            .push_str(&format!("{}[{}]", indent(key.len()), key_path(key)));
        out.newline();
        table_body(out, key, v);
        return;
    }
    let last = key.last().map(|k| key_part(k)).unwrap_or_default();
    out.text
        .push_str(&format!("{}{last} = ", indent(key.len())));
    element(&mut out.text, v);
    out.newline();
}

fn table_body(out: &mut Out, key: &[Str], v: &Value) {
    match v {
        Value::Map(m) => encode_map(out, key, &m.entries()),
        Value::Object(o) => {
            if let Value::Map(m) = o.to_data() {
                encode_map(out, key, &m.entries());
            }
        }
        _ => {}
    }
}
