//! Helm's TOML functions: `toToml` (BurntSushi/toml's encoder layout) and
//! `fromToml` (BurntSushi/toml v1.6.0's decoder: what it accepts, the Go
//! values it makes and the error text Helm puts under `Error`).

mod encode;
mod lex;
mod parse;
mod scalar;

use std::collections::BTreeMap;

use helmd_yaml::{ElemType, IntKind, Str, Value};

pub(crate) use encode::to_toml;
use parse::{Failure, Node, Table};

/// Helm's `fromToml`: the document as a map (integers `int64`, floats
/// `float64`, datetimes `time.Time`, `[[tables]]` as
/// `[]map[string]interface {}`); a document BurntSushi refuses becomes
/// `{Error: text}`. Err: what makes the call itself fail (a Go panic, or
/// helmd's nesting limit).
pub(crate) fn from_toml(text: &str) -> Result<Value, String> {
    let bytes = helmd_yaml::gostr::go_bytes(text);
    match parse::parse(&bytes) {
        Ok(table) => Ok(table_value(&table)),
        Err(Failure::Parse(message)) => {
            let mut m = BTreeMap::new();
            m.insert(Str::from("Error"), Value::from(message));
            Ok(Value::map(m))
        }
        Err(Failure::Fatal(message)) => Err(message),
    }
}

fn table_value(t: &Table) -> Value {
    Value::map(
        t.iter()
            .map(|(k, v)| (Str::from(k.as_str()), node_value(v)))
            .collect(),
    )
}

fn node_value(n: &Node) -> Value {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || match n {
        Node::Table(t) => table_value(t),
        Node::TableArray(tables) => Value::typed_list(
            ElemType::Other(Str::from("map[string]interface {}")),
            tables.iter().map(table_value).collect(),
        ),
        Node::Array(items) => Value::list(items.iter().map(node_value).collect()),
        Node::String(s) => Value::str(s),
        Node::Integer(i) => Value::Int(*i, IntKind::Int64),
        Node::Float(f) => Value::Float(*f),
        Node::Bool(b) => Value::Bool(*b),
        Node::Datetime(t) => t.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_fails(text: &str, needle: &str) {
        match from_toml(text) {
            Err(message) => assert!(message.contains(needle), "{message}"),
            Ok(v) => panic!(
                "{text:.40}: decoded to {}",
                helmd_gotmpl::fmt::format_v(&v, false)
            ),
        }
    }

    #[test]
    fn nesting_past_helmds_limits_fails_the_call_naming_the_limit() {
        let deep = parse::MAX_NESTING + 1;
        let arrays = format!("a = {}1{}", "[".repeat(deep), "]".repeat(deep));
        check_fails(&arrays, "nest deeper than 1000 levels (a helmd limit)");
        let ok = format!("a = {}1{}", "[".repeat(deep - 1), "]".repeat(deep - 1));
        assert!(from_toml(&ok).is_ok());
        let long = parse::MAX_KEY_PARTS + 1;
        let tables = format!("a = {}1{}", "{b = ".repeat(long), "}".repeat(long));
        check_fails(&tables, "holds more than 128 parts (a helmd limit)");
        let keys = format!("{}x = 1", "a.".repeat(long - 1));
        check_fails(&keys, "holds more than 128 parts");
        let in_table = format!("[{}]\nb.c = 1", "a.".repeat(long - 3) + "a");
        check_fails(&in_table, "holds more than 128 parts");
        let header = format!("[{}x]", "a.".repeat(long - 1));
        check_fails(&header, "holds more than 128 parts");
        let ok = format!("[{}x]\ny = 1", "a.".repeat(long - 3));
        assert!(from_toml(&ok).is_ok());
    }

    /// Every byte string is an answer (a map, an `Error` map, or a call
    /// error), never a panic: a fixed pseudo-random walk over TOML's bytes.
    #[test]
    fn arbitrary_bytes_never_panic() {
        const PIECES: &[&str] = &[
            "a",
            "=",
            " ",
            "\n",
            "[",
            "]",
            "{",
            "}",
            ",",
            ".",
            "\"",
            "'",
            "\"\"\"",
            "'''",
            "\\",
            "#",
            "1",
            "0x",
            "-",
            "+",
            "_",
            "e",
            "t",
            "1979-05-27",
            "07:32",
            "\r",
            "\t",
            "é",
            "\u{1}",
            "inf",
            "nan",
            "true",
            "[[",
            "]]",
            "\\u",
            "\\x",
            "z",
            ":",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(seed % 24) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(PIECES[(seed % PIECES.len() as u64) as usize]);
            }
            let _ = from_toml(&text);
        }
    }
}
