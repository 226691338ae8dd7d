//! Helm's `--set` family (Helm's strvals): `--set`, `--set-string`,
//! `--set-json`, `--set-file` and `--set-literal` expressions parsed into
//! values with Helm's rules, types and error texts.
//!
//! `name=value` pairs separated by `,`; `a.b.c` nests maps (30 levels at
//! most), `a[0]` indexes lists (65536 at most), `\` escapes the next
//! character, `{x,y}` is a list. `--set` types values: `true`/`false`/`null`
//! in any case, integers without a leading zero that fit int64 become int64,
//! all else stays a string; `--set-string` keeps strings; `--set-json` reads
//! one JSON value per key; `--set-file` reads each value through a closure (so
//! the engine stays free of I/O); `--set-literal` takes everything after the
//! first `=` verbatim. [`merge_values`] applies `-f` files and the flags in
//! Helm's order.

mod go;
mod json;
mod merge;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use helmd_yaml::{IntKind, Str, Value};

use crate::error::{Error, Result};
use go::{fold_eq, go_atoi, go_parse_int, go_quote, go_quote_runes};

pub use merge::{ValueOptions, merge_values};

/// Values as `--set` builds them.
pub type Values = BTreeMap<Str, Value>;

/// Reads the file a `--set-file` value names and returns its content, or Go's
/// error text (`open PATH: no such file or directory`).
pub type FileReader<'a> = dyn FnMut(&str) -> std::result::Result<String, String> + 'a;

/// Which flag's rules an expression follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Typed,
    String,
    Json,
    File,
    Literal,
}

/// Helm's largest list index.
const MAX_INDEX: i64 = 65536;
/// Helm's deepest `a.b.c` nesting.
const MAX_NESTED_NAME_LEVEL: usize = 30;
/// helmd's own bound on `a[0][0]...` nesting (Go's stacks grow; ours do not).
const MAX_INDEX_NESTING: usize = 100;

/// `--set`: typed values.
pub fn parse_set(expr: &str) -> Result<Values> {
    let mut out = Values::new();
    parse_into(expr, &mut out, Mode::Typed, None).map_err(Error::Values)?;
    Ok(out)
}

/// `--set-string`: every value a string.
pub fn parse_set_string(expr: &str) -> Result<Values> {
    let mut out = Values::new();
    parse_into(expr, &mut out, Mode::String, None).map_err(Error::Values)?;
    Ok(out)
}

/// `--set-json` in its `key=json` form: every value one JSON document (an empty value is null).
pub fn parse_set_json(expr: &str) -> Result<Values> {
    let mut out = Values::new();
    parse_into(expr, &mut out, Mode::Json, None).map_err(Error::Values)?;
    Ok(out)
}

/// `--set-literal`: the value after the first `=` verbatim.
pub fn parse_set_literal(expr: &str) -> Result<Values> {
    let mut out = Values::new();
    parse_into(expr, &mut out, Mode::Literal, None).map_err(Error::Values)?;
    Ok(out)
}

/// `--set-file`: every value a path whose content `read` returns.
pub fn parse_set_file(expr: &str, read: &mut FileReader<'_>) -> Result<Values> {
    let mut out = Values::new();
    parse_into(expr, &mut out, Mode::File, Some(read)).map_err(Error::Values)?;
    Ok(out)
}

/// Parses `expr` into `dest` (Helm's `ParseInto` family); the message is Helm's.
fn parse_into(
    expr: &str,
    dest: &mut Values,
    mode: Mode,
    reader: Option<&mut FileReader<'_>>,
) -> std::result::Result<(), String> {
    let mut parser = Parser {
        src: expr,
        pos: 0,
        last: 0,
        mode,
        reader,
        list_depth: 0,
    };
    loop {
        match parser.key(dest, 0) {
            Ok(()) => {}
            Err(Fail::Eof) => return Ok(()),
            Err(Fail::Msg(m)) => return Err(m),
        }
    }
}

/// Why parsing stopped: the end of the input (which ends parsing quietly,
/// even wrapped) or an error.
#[derive(Debug)]
enum Fail {
    Eof,
    Msg(String),
}

impl Fail {
    fn wrap(self, prefix: &str) -> Fail {
        match self {
            Fail::Eof => Fail::Eof,
            Fail::Msg(m) => Fail::Msg(format!("{prefix}: {m}")),
        }
    }
}

type Step<T> = std::result::Result<T, Fail>;

/// What `runesUntil` found: text up to a stop character, or up to the end.
enum Until {
    Stop(String, char),
    End(String),
}

struct Parser<'s, 'r, 'f> {
    src: &'s str,
    pos: usize,
    last: usize,
    mode: Mode,
    reader: Option<&'r mut FileReader<'f>>,
    list_depth: usize,
}

impl Parser<'_, '_, '_> {
    fn read(&mut self) -> Option<char> {
        let c = self.src[self.pos..].chars().next()?;
        self.last = c.len_utf8();
        self.pos += self.last;
        Some(c)
    }

    fn unread(&mut self) {
        self.pos -= self.last;
        self.last = 0;
    }

    fn literal(&self) -> bool {
        self.mode == Mode::Literal
    }

    /// Reads up to one of `stop`; `\` escapes the next character except in literal mode.
    fn until(&mut self, stop: &[char]) -> Until {
        let mut text = String::new();
        loop {
            let Some(c) = self.read() else {
                return Until::End(text);
            };
            if stop.contains(&c) {
                return Until::Stop(text, c);
            }
            if c == '\\' && !self.literal() {
                match self.read() {
                    Some(next) => text.push(next),
                    None => return Until::End(text),
                }
            } else {
                text.push(c);
            }
        }
    }

    /// Converts a raw value with the mode's rules (or the file reader).
    fn convert(&mut self, raw: String) -> Step<Value> {
        match self.mode {
            Mode::Typed => Ok(typed_value(raw)),
            Mode::File => match self.reader.as_mut() {
                Some(read) => read(&raw).map(|s| Value::str(&s)).map_err(Fail::Msg),
                None => Ok(Value::str(&raw)),
            },
            _ => Ok(Value::str(&raw)),
        }
    }

    fn key(&mut self, data: &mut Values, level: usize) -> Step<()> {
        let stop: &[char] = if self.literal() {
            &['=', '[', '.']
        } else {
            &['=', '[', ',', '.']
        };
        match self.until(stop) {
            Until::End(k) if k.is_empty() => Err(Fail::Eof),
            Until::End(k) => Err(Fail::Msg(format!("key {} has no value", go_quote(&k)))),
            Until::Stop(k, '[') => {
                let i = self
                    .key_index()
                    .map_err(|e| e.wrap("error parsing index"))?;
                let list = match data.get(k.as_str()) {
                    None => Vec::new(),
                    Some(Value::List(l)) => l.items.clone(),
                    Some(other) => return Err(conversion(other, "[]interface {}")),
                };
                let (list, res) = self.list_item(list, i, level);
                set(data, &k, Value::list(list));
                res
            }
            Until::Stop(k, '=') => self.key_value(data, k),
            Until::Stop(k, ',') => {
                set(data, &k, Value::str(""));
                Err(Fail::Msg(format!(
                    "key {} has no value (cannot end with ,)",
                    go_quote(&k)
                )))
            }
            Until::Stop(k, _) => {
                let level = level + 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return Err(Fail::Msg(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    )));
                }
                let mut inner = match data.get(k.as_str()) {
                    None => Values::new(),
                    Some(Value::Map(m)) => m.read().clone(),
                    Some(other) => return Err(conversion(other, "map[string]interface {}")),
                };
                let res = self.key(&mut inner, level);
                if res.is_ok() && inner.is_empty() {
                    return Err(Fail::Msg(format!("key map {} has no value", go_quote(&k))));
                }
                if !inner.is_empty() {
                    set(data, &k, Value::map(inner));
                }
                res
            }
        }
    }

    /// The value after `key=`.
    fn key_value(&mut self, data: &mut Values, k: String) -> Step<()> {
        match self.mode {
            Mode::Literal => {
                let (Until::End(v) | Until::Stop(v, _)) = self.until(&[]);
                set(data, &k, Value::str(&v));
                Ok(())
            }
            Mode::Json => {
                if self.empty_value() {
                    set(data, &k, Value::Nil);
                    return Ok(());
                }
                let v = self.json_value()?;
                set(data, &k, v);
                self.empty_value();
                Ok(())
            }
            _ => match self.value_list() {
                Ok(Some(list)) => {
                    set(data, &k, Value::list(list));
                    Ok(())
                }
                Err(Fail::Eof) => {
                    set(data, &k, Value::str(""));
                    Err(Fail::Eof)
                }
                Err(e) => Err(e),
                Ok(None) => {
                    let raw = self.plain_value();
                    let v = self.convert(raw);
                    match v {
                        Ok(v) => {
                            set(data, &k, v);
                            Ok(())
                        }
                        Err(e) => {
                            set(data, &k, Value::Nil);
                            Err(e)
                        }
                    }
                }
            },
        }
    }

    fn json_value(&mut self) -> Step<Value> {
        let (v, used) = json::decode_prefix(&self.src[self.pos..]).map_err(Fail::Msg)?;
        self.pos += used;
        self.last = 0;
        Ok(v)
    }

    /// Helm's `emptyVal`: skips spaces; true at the end or after a consumed comma.
    fn empty_value(&mut self) -> bool {
        loop {
            match self.read() {
                None | Some(',') => return true,
                Some(c) if c.is_whitespace() => {}
                Some(_) => {
                    self.unread();
                    return false;
                }
            }
        }
    }

    fn plain_value(&mut self) -> String {
        let (Until::End(v) | Until::Stop(v, _)) = self.until(&[',']);
        v
    }

    /// `{a,b}`: Ok(None) when the value is not a list.
    fn value_list(&mut self) -> Step<Option<Vec<Value>>> {
        match self.read() {
            None => return Err(Fail::Eof),
            Some('{') => {}
            Some(_) => {
                self.unread();
                return Ok(None);
            }
        }
        let mut list = Vec::new();
        loop {
            match self.until(&[',', '}']) {
                Until::End(_) => return Err(Fail::Msg("list must terminate with '}'".into())),
                Until::Stop(raw, '}') => {
                    match self.read() {
                        Some(',') | None => {}
                        Some(_) => self.unread(),
                    }
                    list.push(self.convert(raw)?);
                    return Ok(Some(list));
                }
                Until::Stop(raw, _) => list.push(self.convert(raw)?),
            }
        }
    }

    fn key_index(&mut self) -> Step<i64> {
        match self.until(&[']']) {
            Until::End(_) => Err(Fail::Eof),
            Until::Stop(text, _) => go_atoi(&text).map_err(Fail::Msg),
        }
    }

    /// Helm's `listItem`: what follows `[i]`. The list comes back even on
    /// failure, as Helm stores it before reporting (an end of input is quiet).
    fn list_item(&mut self, list: Vec<Value>, i: i64, level: usize) -> (Vec<Value>, Step<()>) {
        if i < 0 {
            return (list, Err(negative(i)));
        }
        self.list_depth += 1;
        let out = if self.list_depth > MAX_INDEX_NESTING {
            (
                list,
                Err(Fail::Msg(format!(
                    "list indexes are nested deeper than {MAX_INDEX_NESTING} levels"
                ))),
            )
        } else {
            self.list_item_inner(list, i, level)
        };
        self.list_depth -= 1;
        out
    }

    fn list_item_inner(
        &mut self,
        mut list: Vec<Value>,
        i: i64,
        level: usize,
    ) -> (Vec<Value>, Step<()>) {
        let idx = usize::try_from(i).unwrap_or(usize::MAX);
        match self.until(&['[', '.', '=']) {
            Until::End(k) | Until::Stop(k, _) if !k.is_empty() => (
                list,
                Err(Fail::Msg(format!(
                    "unexpected data at end of array index: {}",
                    go_quote_runes(&k)
                ))),
            ),
            Until::End(_) => (list, Err(Fail::Eof)),
            Until::Stop(_, '=') => match self.item_value() {
                Ok(v) => set_index(list, i, v),
                Err(e) => (list, Err(e)),
            },
            Until::Stop(_, '[') => {
                let next = match self.key_index() {
                    Ok(n) => n,
                    Err(e) => return (list, Err(e.wrap("error parsing index"))),
                };
                let current = match list.get(idx) {
                    None | Some(Value::Nil) => None,
                    Some(Value::List(l)) => Some(l.items.clone()),
                    Some(other) => {
                        let e = conversion(other, "[]interface {}");
                        return (list, Err(e));
                    }
                };
                let existed = current.is_some();
                let (inner, res) = self.list_item(current.unwrap_or_default(), next, level);
                match res {
                    Ok(()) => set_index(list, i, Value::list(inner)),
                    Err(e) => {
                        // Go's slices share their backing array: changes made
                        // in place to existing items stay visible.
                        if existed && let Some(slot) = list.get_mut(idx) {
                            *slot = Value::list(inner);
                        }
                        (list, Err(e))
                    }
                }
            }
            Until::Stop(_, _) => {
                let existing = idx < list.len();
                let mut inner = match list.get(idx) {
                    Some(Value::Map(m)) => m.read().clone(),
                    _ => Values::new(),
                };
                let res = self.key(&mut inner, level);
                if existing {
                    list[idx] = Value::map(inner.clone());
                }
                match res {
                    Ok(()) => set_index(list, i, Value::map(inner)),
                    Err(e) => (list, Err(e)),
                }
            }
        }
    }

    /// The value after `[i]=`.
    fn item_value(&mut self) -> Step<Value> {
        match self.mode {
            Mode::Literal => {
                let (Until::End(v) | Until::Stop(v, _)) = self.until(&[]);
                Ok(Value::str(&v))
            }
            Mode::Json => {
                if self.empty_value() {
                    return Ok(Value::Nil);
                }
                let v = self.json_value()?;
                self.empty_value();
                Ok(v)
            }
            _ => match self.value_list() {
                Ok(Some(list)) => Ok(Value::list(list)),
                Err(Fail::Eof) => Ok(Value::str("")),
                Err(e) => Err(e),
                Ok(None) => {
                    let raw = self.plain_value();
                    self.convert(raw)
                }
            },
        }
    }
}

fn set(data: &mut Values, key: &str, v: Value) {
    if !key.is_empty() {
        data.insert(Str::from(key), v);
    }
}

fn negative(i: i64) -> Fail {
    Fail::Msg(format!("negative {i} index not allowed"))
}

/// Helm's `setIndex`: grows the list with nils up to `i`.
fn set_index(mut list: Vec<Value>, i: i64, v: Value) -> (Vec<Value>, Step<()>) {
    if i < 0 {
        return (list, Err(negative(i)));
    }
    if i > MAX_INDEX {
        return (
            list,
            Err(Fail::Msg(format!(
                "index of {i} is greater than maximum supported index of {MAX_INDEX}"
            ))),
        );
    }
    let idx = usize::try_from(i).unwrap_or(0);
    if list.len() <= idx {
        list.resize(idx + 1, Value::Nil);
    }
    list[idx] = v;
    (list, Ok(()))
}

/// Helm recovers Go's panic on a failed type assertion into this message.
fn conversion(found: &Value, wanted: &str) -> Fail {
    let name = match found {
        Value::Nil => "nil".to_string(),
        v => v.type_name(),
    };
    Fail::Msg(format!(
        "unable to parse key: interface conversion: interface {{}} is {name}, not {wanted}"
    ))
}

/// Helm's `typedVal` for `--set`.
fn typed_value(raw: String) -> Value {
    if fold_eq(&raw, "true") {
        return Value::Bool(true);
    }
    if fold_eq(&raw, "false") {
        return Value::Bool(false);
    }
    if fold_eq(&raw, "null") {
        return Value::Nil;
    }
    if raw == "0" {
        return Value::Int(0, IntKind::Int64);
    }
    if !raw.starts_with('0')
        && let Some(i) = go_parse_int(&raw)
    {
        return Value::Int(i, IntKind::Int64);
    }
    Value::String(Str::from(raw))
}
