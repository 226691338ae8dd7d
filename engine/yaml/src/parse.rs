//! YAML parsing as Helm does it: sigs.k8s.io/yaml (go-yaml v2 resolution,
//! then a JSON round trip, so numbers become float64 and keys strings).

use std::collections::{BTreeMap, HashMap};

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;

use crate::error::{Error, Result};
use crate::scalar::{Resolved, resolve_plain};
use crate::value::{Str, Value};

/// Bounds that keep hostile documents from exhausting the stack or memory.
#[derive(Debug, Clone, Copy)]
pub struct ParseLimits {
    /// Deepest nesting of collections accepted.
    pub max_depth: usize,
    /// Most nodes an expanded document may have (aliases counted expanded).
    pub max_nodes: usize,
}

impl Default for ParseLimits {
    fn default() -> Self {
        ParseLimits {
            max_depth: 1000,
            max_nodes: 10_000_000,
        }
    }
}

/// A parsed node in the arena.
enum Node {
    Scalar {
        text: String,
        style: TScalarStyle,
        tag: Option<Tag>,
    },
    Seq(Vec<usize>),
    Map(Vec<(usize, usize)>),
    Alias(usize),
}

struct Doc {
    nodes: Vec<Node>,
    /// Expanded size of each node (aliases included), for the alias budget.
    sizes: Vec<usize>,
    root: Option<usize>,
}

/// Parses the first YAML document of `text` the way Helm reads a values file
/// or `fromYaml` input: a nil [`Value`] for an empty document.
pub fn parse_yaml(text: &str) -> Result<Value> {
    parse_yaml_with(text, ParseLimits::default())
}

/// [`parse_yaml`] with explicit limits.
pub fn parse_yaml_with(text: &str, limits: ParseLimits) -> Result<Value> {
    let docs = read_docs(text, limits, 1)?;
    match docs.first() {
        Some(doc) => to_value(doc, limits),
        None => Ok(Value::Nil),
    }
}

/// Parses every document of a YAML stream.
pub fn parse_yaml_documents(text: &str) -> Result<Vec<Value>> {
    let limits = ParseLimits::default();
    read_docs(text, limits, usize::MAX)?
        .iter()
        .map(|d| to_value(d, limits))
        .collect()
}

/// go-yaml v2's wording and line numbering for a yaml-rust2 error (see
/// `parse/errors.rs`).
fn yaml_err(e: &yaml_rust2::ScanError, text: &str) -> Error {
    errors::go_yaml_error(e.info(), e.marker().index(), e.marker().line(), text)
}

/// go-yaml's scanner error for a refused tab (line 0 is printed without a number).
fn tab_error(p: tabs::TabProblem) -> Error {
    if p.line == 0 {
        Error::Yaml(p.message.into())
    } else {
        Error::Yaml(format!("line {}: {}", p.line + 1, p.message))
    }
}

/// go-yaml's reader at the start of a stream: a UTF-8 byte-order mark is
/// skipped, a UTF-16 one (LE `FF FE`, BE `FE FF`) switches to decoding UTF-16.
fn stream_text(text: &str) -> Result<std::borrow::Cow<'_, str>> {
    if let Some(rest) = text.strip_prefix('\u{feff}') {
        return Ok(rest.into());
    }
    if !crate::gostr::has_raw(text) {
        return Ok(text.into());
    }
    let bytes = crate::gostr::go_bytes(text);
    let little = match bytes.get(..2) {
        Some([0xFF, 0xFE]) => true,
        Some([0xFE, 0xFF]) => false,
        _ => return Ok(text.into()),
    };
    crate::gostr::decode_utf16_like_go_yaml(&bytes[2..], little)
        .map(Into::into)
        .map_err(|problem| Error::Yaml(problem.into()))
}

/// Collections being built.
enum Open {
    Seq(usize, Vec<usize>),
    Map(usize, Vec<(usize, usize)>, Option<usize>),
}

fn read_docs(text: &str, limits: ParseLimits, max_docs: usize) -> Result<Vec<Doc>> {
    read_docs_again(text, limits, max_docs, 0)
}

/// [`read_docs`] of a text rewritten after a failed read; `reread` counts the
/// bytes read before (flow collections re-indented one by one stay bounded).
fn read_docs_again(
    text: &str,
    limits: ParseLimits,
    max_docs: usize,
    reread: usize,
) -> Result<Vec<Doc>> {
    let decoded = stream_text(text)?;
    let text: &str = &decoded;
    if crate::gostr::has_raw(text)
        && let Some(problem) = crate::gostr::go_yaml_utf8_problem(&crate::gostr::go_bytes(text))
    {
        return Err(Error::Yaml(problem.into()));
    }
    let tab_problem = if tabs::worth_checking(text) {
        tabs::check(text)
    } else {
        None
    };
    let mut parser = Parser::new_from_str(text);
    let mut docs = Vec::new();
    let mut doc = Doc {
        nodes: Vec::new(),
        sizes: Vec::new(),
        root: None,
    };
    let mut stack: Vec<Open> = Vec::new();
    let mut anchors: HashMap<usize, usize> = HashMap::new();
    loop {
        let (event, mark) = match parser.next_token() {
            Ok(next) => next,
            Err(e) => {
                let at = e.marker().index();
                if matches!(
                    e.info(),
                    "tab cannot be used as indentation" | "invalid indentation in quoted scalar"
                ) && let Some(fixed) = tabs::quoted_indentation(text, at)
                {
                    return read_docs_again(&fixed, limits, max_docs, reread);
                }
                if let Some(p) = tab_problem.filter(|p| p.index <= at) {
                    return Err(tab_error(p));
                }
                if flow::is_indentation_error(e.info())
                    && let Some(fixed) = flow::reindent(text, at)
                {
                    let reread = reread + text.len();
                    if reread > flow::MAX_REREAD {
                        return Err(Error::Yaml(format!(
                            "line {}: more flow collections indented at or left of their key than helmd re-reads (it reads such a text again for each, {} MiB at most)",
                            e.marker().line(),
                            flow::MAX_REREAD >> 20
                        )));
                    }
                    return read_docs_again(&fixed, limits, max_docs, reread);
                }
                if e.info() == "':' must be followed by a valid YAML whitespace" {
                    match tabs::space_after_colon(text, at) {
                        Some(tabs::Retry::With(fixed)) => {
                            return read_docs_again(&fixed, limits, max_docs, reread);
                        }
                        Some(tabs::Retry::Refuse(p)) => return Err(tab_error(p)),
                        None => {}
                    }
                }
                return Err(yaml_err(&e, text));
            }
        };
        if let Some(p) = tab_problem.filter(|p| p.index < mark.index()) {
            return Err(tab_error(p));
        }
        let node = match event {
            Event::StreamEnd => break,
            Event::DocumentEnd => {
                docs.push(std::mem::replace(
                    &mut doc,
                    Doc {
                        nodes: Vec::new(),
                        sizes: Vec::new(),
                        root: None,
                    },
                ));
                anchors.clear();
                if docs.len() >= max_docs {
                    break;
                }
                continue;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let id = push(&mut doc, Node::Scalar { text, style, tag }, 1);
                if anchor > 0 {
                    anchors.insert(anchor, id);
                }
                id
            }
            Event::Alias(anchor) => {
                let target = *anchors
                    .get(&anchor)
                    .ok_or_else(|| Error::Yaml("unknown anchor referenced".into()))?;
                let open = stack.iter().any(|o| match o {
                    Open::Seq(id, _) | Open::Map(id, _, _) => *id == target,
                });
                if open {
                    let name: String = text
                        .chars()
                        .skip(mark.index())
                        .skip_while(|c| *c == '*')
                        .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | '}'))
                        .collect();
                    return Err(Error::Yaml(format!(
                        "anchor '{name}' value contains itself"
                    )));
                }
                let size = doc.sizes[target];
                push(&mut doc, Node::Alias(target), size)
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if stack.len() >= limits.max_depth {
                    return Err(Error::Yaml(format!(
                        "exceeded max depth of {}",
                        limits.max_depth
                    )));
                }
                let is_seq = matches!(event, Event::SequenceStart(..));
                let placeholder = if is_seq {
                    Node::Seq(Vec::new())
                } else {
                    Node::Map(Vec::new())
                };
                let id = push(&mut doc, placeholder, 1);
                if anchor > 0 {
                    anchors.insert(anchor, id);
                }
                stack.push(if is_seq {
                    Open::Seq(id, Vec::new())
                } else {
                    Open::Map(id, Vec::new(), None)
                });
                continue;
            }
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Open::Seq(id, items)) => {
                    doc.sizes[id] = 1 + items.iter().map(|i| doc.sizes[*i]).sum::<usize>();
                    doc.nodes[id] = Node::Seq(items);
                    id
                }
                Some(Open::Map(id, pairs, _)) => {
                    doc.sizes[id] = 1 + pairs
                        .iter()
                        .map(|(k, v)| doc.sizes[*k] + doc.sizes[*v])
                        .sum::<usize>();
                    doc.nodes[id] = Node::Map(pairs);
                    id
                }
                None => continue,
            },
            _ => continue,
        };
        if doc.sizes[node] > limits.max_nodes {
            return Err(Error::Yaml("document contains excessive aliasing".into()));
        }
        match stack.last_mut() {
            Some(Open::Seq(_, items)) => items.push(node),
            Some(Open::Map(_, pairs, key)) => match key.take() {
                Some(k) => pairs.push((k, node)),
                None => *key = Some(node),
            },
            None => doc.root = Some(node),
        }
    }
    Ok(docs)
}

fn push(doc: &mut Doc, node: Node, size: usize) -> usize {
    doc.nodes.push(node);
    doc.sizes.push(size);
    doc.nodes.len() - 1
}

/// What a node decodes to before the JSON step.
enum Decoded<'d> {
    Scalar(Resolved, std::borrow::Cow<'d, str>),
    Value(Value),
}

fn to_value(doc: &Doc, limits: ParseLimits) -> Result<Value> {
    match doc.root {
        None => Ok(Value::Nil),
        Some(root) => {
            let mut budget = limits.max_nodes;
            decode(doc, root, &mut budget)
        }
    }
}

fn decode(doc: &Doc, id: usize, budget: &mut usize) -> Result<Value> {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || decode_node(doc, id, budget))
}

fn decode_node(doc: &Doc, id: usize, budget: &mut usize) -> Result<Value> {
    *budget = budget
        .checked_sub(1)
        .ok_or_else(|| Error::Yaml("document contains excessive aliasing".into()))?;
    match &doc.nodes[id] {
        Node::Alias(target) => decode(doc, *target, budget),
        Node::Seq(items) => {
            let items = items
                .iter()
                .map(|i| decode(doc, *i, budget))
                .collect::<Result<Vec<_>>>()?;
            Ok(Value::list(items))
        }
        Node::Map(pairs) => {
            let mut out = BTreeMap::new();
            decode_map(doc, pairs, &mut out, budget)?;
            Ok(Value::map(out))
        }
        Node::Scalar { .. } => match decode_scalar(doc, id)? {
            Decoded::Value(v) => Ok(v),
            Decoded::Scalar(r, text) => json_scalar(r, &text),
        },
    }
}

fn decode_map(
    doc: &Doc,
    pairs: &[(usize, usize)],
    out: &mut BTreeMap<Str, Value>,
    budget: &mut usize,
) -> Result<()> {
    for (k, v) in pairs {
        if is_merge(doc, *k) {
            merge(doc, *v, out, budget)?;
            continue;
        }
        let key = map_key(doc, *k, *v)?;
        let value = decode(doc, *v, budget)?;
        out.insert(key, value);
    }
    Ok(())
}

fn deref(doc: &Doc, mut id: usize) -> usize {
    while let Node::Alias(t) = &doc.nodes[id] {
        id = *t;
    }
    id
}

fn is_merge(doc: &Doc, id: usize) -> bool {
    matches!(&doc.nodes[id], Node::Scalar { text, style: TScalarStyle::Plain, tag: None } if text == "<<")
}

fn merge(doc: &Doc, id: usize, out: &mut BTreeMap<Str, Value>, budget: &mut usize) -> Result<()> {
    let want = || Error::Yaml("map merge requires map or sequence of maps as the value".into());
    match &doc.nodes[deref(doc, id)] {
        Node::Map(pairs) => decode_map(doc, pairs, out, budget),
        Node::Seq(items) if !matches!(doc.nodes[id], Node::Alias(_)) => {
            for item in items.iter().rev() {
                match &doc.nodes[deref(doc, *item)] {
                    Node::Map(pairs) => decode_map(doc, pairs, out, budget)?,
                    _ => return Err(want()),
                }
            }
            Ok(())
        }
        _ => Err(want()),
    }
}

/// The JSON object key a YAML key becomes (sigs.k8s.io/yaml's rules).
fn map_key(doc: &Doc, k: usize, v: usize) -> Result<Str> {
    let id = deref(doc, k);
    let unsupported = |what: &str| {
        Error::YamlToJson(format!(
            "unsupported map key of type: {what}, key: {what}, value: {}",
            brief(doc, v)
        ))
    };
    match decode_scalar(doc, id) {
        Ok(Decoded::Scalar(r, text)) => match r {
            Resolved::Str | Resolved::Timestamp | Resolved::Merge => Ok(Str::from(text.as_ref())),
            Resolved::Bool(b) => Ok(Str::from(if b { "true" } else { "false" })),
            Resolved::Int(i) => Ok(Str::from(i.to_string())),
            Resolved::Float(f) => Ok(Str::from(float32_key(f))),
            Resolved::Uint(_) => Err(unsupported("uint64")),
            Resolved::Null => Err(Error::YamlToJson(format!(
                "unsupported map key of type: %!s(<nil>), key: <nil>, value: {}",
                brief(doc, v)
            ))),
        },
        Ok(Decoded::Value(Value::String(s))) => Ok(s),
        Ok(Decoded::Value(_)) | Err(_) => Err(Error::Yaml(format!(
            "invalid map key: {}",
            go_syntax_key(doc, id)
        ))),
    }
}

/// `strconv.FormatFloat(f, 'g', -1, 32)` as sigs.k8s.io/yaml uses for float keys.
fn float32_key(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 {
            ".inf".into()
        } else {
            "-.inf".into()
        };
    }
    let short: f64 = format!("{:e}", f as f32).parse().unwrap_or(f);
    crate::number::format_float(short, 'g', -1)
}

/// `%#v` of a collection key as go-yaml v2 decoded it.
fn go_syntax_key(doc: &Doc, id: usize) -> String {
    match &doc.nodes[deref(doc, id)] {
        Node::Seq(items) => {
            let parts: Vec<String> = items.iter().map(|i| go_syntax_key(doc, *i)).collect();
            format!("[]interface {{}}{{{}}}", parts.join(", "))
        }
        Node::Map(pairs) => {
            let parts: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}:{}", go_syntax_key(doc, *k), go_syntax_key(doc, *v)))
                .collect();
            format!("map[interface {{}}]interface {{}}{{{}}}", parts.join(", "))
        }
        Node::Scalar { text, style, .. } => {
            let r = if matches!(style, TScalarStyle::Plain) {
                resolve_plain(text)
            } else {
                Resolved::Str
            };
            match r {
                Resolved::Null => "interface {}(nil)".into(),
                Resolved::Bool(b) => b.to_string(),
                Resolved::Int(i) => i.to_string(),
                Resolved::Uint(u) => format!("0x{u:x}"),
                Resolved::Float(f) => crate::number::format_float(f, 'g', -1),
                _ => format!("{text:?}"),
            }
        }
        Node::Alias(_) => String::new(),
    }
}

fn brief(doc: &Doc, id: usize) -> String {
    match &doc.nodes[deref(doc, id)] {
        Node::Scalar { text, .. } => format!("{text:?}"),
        _ => "...".into(),
    }
}

fn decode_scalar(doc: &Doc, id: usize) -> Result<Decoded<'_>> {
    let Node::Scalar { text, style, tag } = &doc.nodes[id] else {
        return Ok(Decoded::Value(Value::Nil));
    };
    let tag = tag.as_ref().map(|t| format!("{}{}", t.handle, t.suffix));
    let tag = tag.as_deref().map(|t| {
        t.strip_prefix("tag:yaml.org,2002:")
            .map_or(t.to_string(), |s| format!("!!{s}"))
    });
    match (tag.as_deref(), style) {
        (Some("!!str"), _) | (None, TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted) => {
            Ok(Decoded::Scalar(Resolved::Str, text.as_str().into()))
        }
        (None, TScalarStyle::Literal | TScalarStyle::Folded) => {
            Ok(Decoded::Scalar(Resolved::Str, text.as_str().into()))
        }
        (None, _) => Ok(Decoded::Scalar(resolve_plain(text), text.as_str().into())),
        (Some("!!binary"), _) => match base64_decode(text) {
            // The bytes go on through JSON, which reads each bad byte as U+FFFD.
            Some(bytes) => Ok(Decoded::Scalar(
                Resolved::Str,
                crate::gostr::replace_raw(&crate::gostr::from_go_bytes(&bytes))
                    .into_owned()
                    .into(),
            )),
            None => Err(Error::Yaml(
                "!!binary value contains invalid base64 data".to_string(),
            )),
        },
        (Some(t @ ("!!int" | "!!float" | "!!bool" | "!!null" | "!!timestamp")), _) => {
            let r = resolve_plain(text);
            let ok = matches!(
                (t, &r),
                ("!!int", Resolved::Int(_) | Resolved::Uint(_))
                    | (
                        "!!float",
                        Resolved::Float(_) | Resolved::Int(_) | Resolved::Uint(_)
                    )
                    | ("!!bool", Resolved::Bool(_))
                    | ("!!null", Resolved::Null)
                    | ("!!timestamp", Resolved::Timestamp)
            );
            if !ok {
                let found = match r {
                    Resolved::Null => "!!null",
                    Resolved::Bool(_) => "!!bool",
                    Resolved::Int(_) | Resolved::Uint(_) => "!!int",
                    Resolved::Float(_) => "!!float",
                    Resolved::Timestamp => "!!timestamp",
                    Resolved::Merge => "!!merge",
                    Resolved::Str => "!!str",
                };
                return Err(Error::Yaml(format!(
                    "cannot decode {found} `{text}` as a {t}"
                )));
            }
            Ok(Decoded::Scalar(r, text.as_str().into()))
        }
        (Some(_), _) => Ok(Decoded::Scalar(resolve_plain(text), text.as_str().into())),
    }
}

/// Standard base64 (padding optional, whitespace ignored), as `!!binary` uses.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace()) {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// The JSON round trip: numbers become float64, NaN/Inf are errors.
fn json_scalar(r: Resolved, text: &str) -> Result<Value> {
    Ok(match r {
        Resolved::Null => Value::Nil,
        Resolved::Bool(b) => Value::Bool(b),
        Resolved::Int(i) => Value::Float(i as f64),
        Resolved::Uint(u) => Value::Float(u as f64),
        Resolved::Float(f) if f.is_finite() => Value::Float(f),
        Resolved::Float(f) => {
            return Err(Error::YamlToJson(format!(
                "json: unsupported value: {}",
                crate::number::format_float(f, 'g', -1)
            )));
        }
        Resolved::Str | Resolved::Timestamp | Resolved::Merge => Value::String(Str::from(text)),
    })
}

mod errors;
mod flow;
mod tabs;
#[cfg(test)]
mod tests;
