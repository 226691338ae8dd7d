//! Helm's `toYaml` (JSON round trip, then go-yaml v2's emitter: indentless
//! lists, 80-column folding) and `toYamlPretty` (go-yaml v3, indent 2).

use crate::error::{Error, Result};
use crate::number::format_yaml_float;
use crate::scalar::{Resolved, resolve_plain};
use crate::value::{Str, Value};

/// Which go-yaml emitter to imitate.
#[derive(Clone, Copy, PartialEq)]
enum Flavor {
    /// go-yaml v2 via sigs.k8s.io/yaml (`toYaml`).
    V2,
    /// go-yaml v3 with `SetIndent(2)` (`toYamlPretty`).
    V3,
}

/// Helm's `toYaml` text (before Helm trims the final newline: this returns
/// it trimmed already, as the template function does).
pub fn to_yaml(v: &Value) -> Result<String> {
    let mut e = Emitter {
        out: String::new(),
        col: 0,
        flavor: Flavor::V2,
        width: 80,
    };
    e.document(v)?;
    Ok(trim_one_newline(e.out))
}

/// Helm's `toYamlPretty` text, final newline trimmed.
pub fn to_yaml_pretty(v: &Value) -> Result<String> {
    let mut e = Emitter {
        out: String::new(),
        col: 0,
        flavor: Flavor::V3,
        width: usize::MAX,
    };
    e.document(v)?;
    Ok(trim_one_newline(e.out))
}

fn trim_one_newline(mut s: String) -> String {
    if s.ends_with('\n') {
        s.pop();
    }
    s
}

/// A node after the JSON round trip.
enum Node {
    /// Text that go-yaml writes as is (numbers, booleans, null).
    Raw(String),
    /// A string scalar; its style is chosen by analysis.
    Str(Str),
    /// yaml.v3's `!!binary` for a string that is not UTF-8: base64 text.
    Binary(String),
    Seq(Vec<Node>),
    Map(Vec<(Str, Node)>),
}

fn to_node(v: &Value, flavor: Flavor, depth: usize) -> Result<Node> {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || to_node_inner(v, flavor, depth))
}

fn to_node_inner(v: &Value, flavor: Flavor, depth: usize) -> Result<Node> {
    if depth > 10_000 {
        return Err(Error::Unsupported("value nested too deeply".into()));
    }
    Ok(match v {
        Value::Nil => Node::Raw("null".into()),
        Value::Bool(b) => Node::Raw(b.to_string()),
        Value::Int(i, _) => Node::Raw(i.to_string()),
        Value::Uint(u, _) => Node::Raw(u.to_string()),
        Value::Float(f) if !f.is_finite() => {
            return Err(Error::Unsupported(crate::number::format_float(*f, 'g', -1)));
        }
        Value::Float(f) if flavor == Flavor::V3 => {
            Node::Raw(crate::number::format_float(*f, 'g', -1))
        }
        Value::Float(f) => Node::Raw(format_yaml_float(*f)),
        Value::String(s) if flavor == Flavor::V2 && s.contains('\u{85}') => {
            Node::Str(Str::from(fold_nel(s)))
        }
        Value::String(s) if crate::gostr::has_raw(s) => match flavor {
            // JSON turned every byte that is not UTF-8 into U+FFFD.
            Flavor::V2 => Node::Str(Str::from(crate::gostr::replace_raw(s).as_ref())),
            Flavor::V3 => Node::Binary(v3_base64(&crate::gostr::go_bytes(s))),
        },
        Value::String(s) => Node::Str(s.clone()),
        Value::Bytes(b) => Node::Str(Str::from(crate::json::base64(b))),
        Value::List(l) if l.nil && flavor == Flavor::V2 => Node::Raw("null".into()),
        Value::List(l) => Node::Seq(
            l.items
                .iter()
                .map(|i| to_node(i, flavor, depth + 1))
                .collect::<Result<Vec<_>>>()?,
        ),
        Value::Map(m) if m.is_nil_map() => Node::Raw("null".into()),
        Value::Map(m) => {
            let mut pairs = m
                .read()
                .iter()
                .map(|(k, v)| Ok((map_key(k, flavor), to_node(v, flavor, depth + 1)?)))
                .collect::<Result<Vec<_>>>()?;
            let order = match flavor {
                Flavor::V2 => crate::sort::KeyOrder::V2,
                Flavor::V3 => crate::sort::KeyOrder::V3,
            };
            // go-yaml compares `[]rune(key)`: a bad byte is U+FFFD there.
            crate::pdqsort::sort(&mut pairs, |a, b| {
                crate::sort::key_less(
                    &crate::gostr::replace_raw(&a.0),
                    &crate::gostr::replace_raw(&b.0),
                    order,
                )
            });
            Node::Map(pairs)
        }
        Value::Object(o) if o.type_name().starts_with("complex") => {
            return Err(Error::UnsupportedType(o.type_name().to_string()));
        }
        Value::Object(o) => to_node(&crate::json::object_data(o.as_ref())?, flavor, depth + 1)?,
    })
}

/// A map key as go-yaml gets it: v2 after JSON, with each byte that is not
/// UTF-8 as U+FFFD; v3 keeps the bytes (and writes the key `!!binary`).
fn map_key(k: &Str, flavor: Flavor) -> Str {
    if flavor == Flavor::V3 {
        return k.clone();
    }
    match crate::gostr::replace_raw(k) {
        std::borrow::Cow::Borrowed(_) => k.clone(),
        std::borrow::Cow::Owned(s) => Str::from(s),
    }
}

/// yaml.v3's `encodeBase64`: standard base64, and when it is 70 characters
/// or longer, lines of 70 each ending in a newline.
fn v3_base64(bytes: &[u8]) -> String {
    const LINE: usize = 70;
    let b64 = crate::json::base64(bytes);
    if b64.len() < LINE {
        return b64;
    }
    let mut out = String::with_capacity(b64.len() + b64.len() / LINE + 1);
    for chunk in b64.as_bytes().chunks(LINE) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// What go-yaml v2 reads back from JSON text holding a raw NEL (U+0085): a
/// line break inside a double-quoted scalar, folded like any other.
fn fold_nel(s: &str) -> String {
    let parts: Vec<&str> = s.split('\u{85}').collect();
    let mut out = String::from(parts[0].trim_end_matches([' ', '\t']));
    let mut i = 1;
    while i < parts.len() {
        let mut breaks = 1;
        while i < parts.len() - 1 && parts[i].trim_matches([' ', '\t']).is_empty() {
            breaks += 1;
            i += 1;
        }
        if breaks == 1 {
            out.push(' ');
        } else {
            out.extend(std::iter::repeat_n('\n', breaks - 1));
        }
        let seg = parts[i].trim_start_matches([' ', '\t']);
        out.push_str(if i + 1 < parts.len() {
            seg.trim_end_matches([' ', '\t'])
        } else {
            seg
        });
        i += 1;
    }
    out
}

struct Emitter {
    out: String,
    col: usize,
    flavor: Flavor,
    width: usize,
}

impl Emitter {
    fn document(&mut self, v: &Value) -> Result<()> {
        let node = to_node(v, self.flavor, 0)?;
        match &node {
            Node::Seq(items) if !items.is_empty() => self.seq(items, 0),
            Node::Map(pairs) if !pairs.is_empty() => self.map(pairs, 0),
            other => {
                self.inline(other, 2, 2);
                self.newline();
            }
        }
        Ok(())
    }

    fn put(&mut self, s: &str) {
        self.out.push_str(s);
        self.col += if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        };
    }

    fn put_char(&mut self, c: char) {
        self.out.push(c);
        self.col += 1;
    }

    fn newline(&mut self) {
        self.out.push('\n');
        self.col = 0;
    }

    fn indent_to(&mut self, indent: usize) {
        if self.col > indent {
            self.newline();
        }
        while self.col < indent {
            self.put_char(' ');
        }
    }

    /// A block mapping whose keys start at column `indent`; the first key is
    /// written where the cursor is.
    fn map(&mut self, pairs: &[(Str, Node)], indent: usize) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.map_inner(pairs, indent))
    }

    fn map_inner(&mut self, pairs: &[(Str, Node)], indent: usize) {
        for (i, (k, v)) in pairs.iter().enumerate() {
            if i > 0 {
                self.indent_to(indent);
            }
            // yaml.v3 writes a key that is not UTF-8 as `!!binary <base64>`.
            let binary = (self.flavor == Flavor::V3 && crate::gostr::has_raw(k))
                .then(|| Str::from(v3_base64(&crate::gostr::go_bytes(k))));
            let k = binary.as_ref().unwrap_or(k);
            let tag = if binary.is_some() { "!!binary " } else { "" };
            if k.len() > 128 || k.chars().any(is_break) {
                // Not a simple key: go-yaml writes `? key` then `: value`.
                self.put("? ");
                self.put(tag);
                self.string(k, indent + 2, false);
                self.newline();
                self.indent_to(indent);
            } else {
                self.put(tag);
                self.key(k);
            }
            self.put_char(':');
            match v {
                Node::Map(p) if !p.is_empty() => {
                    self.newline();
                    self.indent_to(indent + 2);
                    self.map(p, indent + 2);
                }
                Node::Seq(items) if !items.is_empty() => {
                    self.newline();
                    let at = if self.flavor == Flavor::V2 {
                        indent
                    } else {
                        indent + 2
                    };
                    self.indent_to(at);
                    self.seq(items, at);
                }
                other => {
                    self.put_char(' ');
                    self.inline(other, indent + 2, indent + 2);
                    self.newline();
                }
            }
        }
    }

    /// A block sequence whose dashes are at column `indent`.
    fn seq(&mut self, items: &[Node], indent: usize) {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.seq_inner(items, indent))
    }

    fn seq_inner(&mut self, items: &[Node], indent: usize) {
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.indent_to(indent);
            }
            self.put("- ");
            match item {
                Node::Map(p) if !p.is_empty() => self.map(p, indent + 2),
                Node::Seq(s) if !s.is_empty() => self.seq(s, indent + 2),
                other => {
                    self.inline(other, indent + 2, indent + 2);
                    self.newline();
                }
            }
        }
    }

    /// A scalar or empty collection on the current line; `indent` is the
    /// scalar's block indentation (continuation lines, block scalar bodies).
    fn inline(&mut self, node: &Node, indent: usize, _key_indent: usize) {
        match node {
            Node::Raw(s) => self.put(s),
            Node::Seq(_) => self.put("[]"),
            Node::Map(_) => self.put("{}"),
            Node::Str(s) => self.string(s, indent, false),
            Node::Binary(s) => {
                self.put("!!binary ");
                self.string(s, indent, false);
            }
        }
    }

    fn key(&mut self, k: &str) {
        self.string(k, 0, true);
    }

    fn string(&mut self, s: &str, indent: usize, simple_key: bool) {
        let a = analyze(s);
        let mut can_plain =
            matches!(resolve_plain(s), Resolved::Str | Resolved::Merge) && !is_base60_float(s);
        if self.flavor == Flavor::V3 && is_old_bool(s) {
            can_plain = false;
        }
        let mut style = if s.contains('\n') {
            Style::Literal
        } else if can_plain {
            Style::Plain
        } else {
            Style::Double
        };
        if style == Style::Plain && (!a.block_plain_allowed || (s.is_empty() && simple_key)) {
            style = Style::Single;
        }
        if style == Style::Single && !a.single_quoted_allowed {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block_allowed || simple_key) {
            style = Style::Double;
        }
        let breaks = !simple_key;
        match style {
            Style::Plain => self.plain(s, indent, breaks),
            Style::Single => self.single(s, indent, breaks),
            Style::Double => self.double(s, indent, breaks),
            Style::Literal => self.literal(s, indent),
        }
    }

    fn plain(&mut self, s: &str, indent: usize, breaks: bool) {
        let n = if s.is_ascii() {
            s.len()
        } else {
            s.chars().count()
        };
        if !breaks || self.col.saturating_add(n) <= self.width {
            // No space can come after column 80: nothing to fold.
            self.out.push_str(s);
            self.col += n;
            return;
        }
        let chars: Vec<char> = s.chars().collect();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if breaks && !spaces && self.col > self.width && chars.get(i + 1) != Some(&' ') {
                    self.newline();
                    self.indent_to(indent);
                } else {
                    self.put_char(c);
                }
                spaces = true;
            } else {
                self.put_char(c);
                spaces = false;
            }
        }
    }

    fn single(&mut self, s: &str, indent: usize, breaks_allowed: bool) {
        let chars: Vec<char> = s.chars().collect();
        self.put_char('\'');
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let inner = i != 0 && i + 1 != chars.len();
                if breaks_allowed
                    && !spaces
                    && self.col > self.width
                    && inner
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.newline();
                    self.indent_to(indent);
                } else {
                    self.put_char(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.newline();
                }
                if c == '\n' {
                    self.newline();
                } else {
                    self.out.push(c);
                    self.col = 0;
                }
                breaks = true;
            } else {
                if breaks {
                    self.indent_to(indent);
                }
                if c == '\'' {
                    self.put_char('\'');
                }
                self.put_char(c);
                spaces = false;
                breaks = false;
            }
        }
        self.put_char('\'');
    }

    fn double(&mut self, s: &str, indent: usize, breaks: bool) {
        let chars: Vec<char> = s.chars().collect();
        self.put_char('"');
        let mut spaces = false;
        let mut after_bom = false;
        for (i, &c) in chars.iter().enumerate() {
            if after_bom && c != ' ' {
                // go-yaml v2 escapes the character after a BOM numerically too.
                after_bom = false;
                self.put(&numeric_escape(c));
                spaces = false;
            } else if !is_printable(c) || c == '\u{feff}' || is_break(c) || c == '"' || c == '\\' {
                after_bom = c == '\u{feff}';
                self.put(&escape(c));
                spaces = false;
            } else if c == ' ' {
                let inner = i != 0 && i + 1 != chars.len();
                if breaks && !spaces && self.col > self.width && inner {
                    self.newline();
                    self.indent_to(indent);
                    if chars.get(i + 1) == Some(&' ') {
                        self.put_char('\\');
                    }
                } else {
                    self.put_char(c);
                }
                spaces = true;
            } else {
                self.put_char(c);
                spaces = false;
            }
        }
        self.put_char('"');
    }

    fn literal(&mut self, s: &str, indent: usize) {
        self.put_char('|');
        let chars: Vec<char> = s.chars().collect();
        if chars.first().is_some_and(|c| *c == ' ' || is_break(*c)) {
            self.put("2");
        }
        let n = chars.len();
        if n == 0 || !is_break(chars[n - 1]) {
            self.put_char('-');
        } else if n == 1 || is_break(chars[n - 2]) {
            self.put_char('+');
        }
        self.newline();
        let mut at_line_start = true;
        for c in chars {
            if is_break(c) {
                self.newline();
                at_line_start = true;
            } else {
                if at_line_start {
                    self.indent_to(indent);
                    at_line_start = false;
                }
                self.put_char(c);
            }
        }
        if !at_line_start {
            return;
        }
        // The body ended with a line break: the caller's newline must not add another.
        if self.out.ends_with('\n') {
            self.out.pop();
            self.col = usize::MAX / 2;
        }
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

mod analyze;

use analyze::{
    analyze, escape, is_base60_float, is_break, is_old_bool, is_printable, numeric_escape,
};

#[cfg(test)]
mod tests;
