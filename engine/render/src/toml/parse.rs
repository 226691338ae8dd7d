//! The TOML parser of BurntSushi/toml v1.6.0: builds the document's tables
//! from the lexer's items with the same bookkeeping (implicit tables, the
//! type recorded per key path) so that duplicate and conflicting keys fail
//! where, and with the words, Helm's `fromToml` reports them.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use helmd_gotmpl::go_quote;
use helmd_yaml::Value;

use super::lex::{Item, Kind, Lexer, Token, is_bare_key_char};
use super::scalar::{self, ScalarError};

/// Arrays and inline tables nest at most this deep (helmd's limit:
/// BurntSushi has none; it bounds the parser's stack).
pub(super) const MAX_NESTING: usize = 1000;

/// A key's path (its table's parts, inline tables included, and its own
/// dotted parts) holds at most this many parts (helmd's limit: BurntSushi has
/// none; every key walks its path, so this bounds the work per byte).
pub(super) const MAX_KEY_PARTS: usize = 128;

/// A TOML table as Go holds it (`map[string]any`).
pub(super) type Table = HashMap<String, Node>;

/// A decoded value, shaped as the Go value BurntSushi makes.
#[derive(Debug, Clone)]
pub(super) enum Node {
    /// A table: one the parser builds, or an inline table's value.
    Table(Rc<Table>),
    /// `[[name]]` tables (`[]map[string]any`).
    TableArray(Vec<Table>),
    /// An array value (`[]any`).
    Array(Rc<Vec<Node>>),
    String(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
    /// A `time.Time`.
    Datetime(Value),
}

/// Why a document did not decode.
#[derive(Debug)]
pub(super) enum Failure {
    /// BurntSushi's `ParseError` text: what Helm puts under `Error`.
    Parse(String),
    /// Go panics (a bug path) or helmd's nesting limit: the call itself fails.
    Fatal(String),
}

pub(super) type Result<T> = std::result::Result<T, Failure>;

/// BurntSushi's `tomlType`, as far as the parser looks at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Type {
    Primitive,
    Array,
    Hash,
    ArrayHash,
}

/// Key paths interned as ids, so per-path bookkeeping costs memory linear
/// in the document (Go keys its maps by the path's text).
#[derive(Default)]
struct Paths {
    children: HashMap<u32, HashMap<String, u32>>,
    count: u32,
}

impl Paths {
    fn find(&self, path: &[String]) -> Option<u32> {
        let mut id = 0;
        for part in path {
            id = *self.children.get(&id)?.get(part.as_str())?;
        }
        Some(id)
    }

    fn intern(&mut self, path: &[String]) -> u32 {
        let mut id = 0;
        for part in path {
            let next = self.count + 1;
            let child = *self
                .children
                .entry(id)
                .or_default()
                .entry(part.clone())
                .or_insert(next);
            if child == next {
                self.count = next;
            }
            id = child;
        }
        id
    }
}

/// Parses a TOML document (Go bytes) into its top-level table.
pub(super) fn parse(data: &[u8]) -> Result<Table> {
    let data = data
        .strip_prefix(b"\xff\xfe")
        .or_else(|| data.strip_prefix(b"\xfe\xff"))
        .or_else(|| data.strip_prefix(b"\xef\xbb\xbf"))
        .unwrap_or(data);
    if data.iter().take(6).any(|&b| b == 0) {
        return Err(Failure::Parse(error_text(
            1,
            "",
            "files cannot contain NULL bytes; probably using UTF-16; TOML files must be UTF-8",
        )));
    }
    let mut p = Parser {
        lx: Lexer::new(data),
        context: Vec::new(),
        current_key: String::new(),
        line: 0,
        paths: Paths::default(),
        types: HashMap::new(),
        implicits: HashSet::new(),
        mapping: Table::new(),
        depth: 0,
    };
    loop {
        let it = p.next()?;
        if it.kind == Kind::Eof {
            return Ok(p.mapping);
        }
        p.top_level(it)?;
    }
}

/// `toml: line N (last key "k"): message`, as ParseError prints.
fn error_text(line: usize, last_key: &str, message: &str) -> String {
    if last_key.is_empty() {
        format!("toml: line {line}: {message}")
    } else {
        format!(
            "toml: line {line} (last key {}): {message}",
            go_quote(last_key)
        )
    }
}

/// Go's `Key.String()`: parts joined by `.`, quoted unless bare.
pub(super) fn key_text(key: &[String]) -> String {
    key.iter()
        .map(|k| {
            if k.is_empty() {
                "\"\"".to_owned()
            } else if k.chars().all(is_bare_key_char) {
                k.clone()
            } else {
                super::encode::quoted(k)
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Why walking down a table path stopped.
enum Walk {
    /// The part at this index is a value, not a table.
    NotTable(usize),
    /// The part at this index does not exist.
    Missing(usize),
}

struct Parser<'a> {
    lx: Lexer<'a>,
    /// The table in scope (`[a.b]`, or the keys around an inline table).
    context: Vec<String>,
    /// The key whose value is being read.
    current_key: String,
    /// The line of the last key or table name (Go's `p.pos`).
    line: usize,
    paths: Paths,
    types: HashMap<u32, Type>,
    implicits: HashSet<u32>,
    mapping: Table,
    /// Arrays and inline tables open around the value being read.
    depth: usize,
}

impl Parser<'_> {
    /// The full name of the current key (Go's `p.current()`).
    fn current(&self) -> String {
        if self.current_key.is_empty() {
            key_text(&self.context)
        } else if self.context.is_empty() {
            self.current_key.clone()
        } else {
            format!("{}.{}", key_text(&self.context), self.current_key)
        }
    }

    fn fail(&self, line: usize, message: &str) -> Failure {
        Failure::Parse(error_text(line, &self.current(), message))
    }

    /// Go's `panicf`: at the last key's line.
    fn fail_here(&self, message: &str) -> Failure {
        self.fail(self.line, message)
    }

    fn bug(message: String) -> Failure {
        Failure::Fatal(format!("BUG: {message}\n\n"))
    }

    fn next(&mut self) -> Result<Item> {
        match self.lx.next_item() {
            Token::Item(it) => Ok(it),
            Token::Error { line, message } => Err(self.fail(line, &message)),
            Token::Bug(text) => Err(Failure::Fatal(text)),
        }
    }

    fn next_pos(&mut self) -> Result<Item> {
        let it = self.next()?;
        self.line = it.line;
        Ok(it)
    }

    fn expect(&mut self, kind: Kind) -> Result<Item> {
        let it = self.next()?;
        if it.kind != kind {
            return Err(Self::bug(format!(
                "Expected '{kind:?}' but got '{:?}'.",
                it.kind
            )));
        }
        Ok(it)
    }

    fn text(&self, it: &Item) -> String {
        String::from_utf8_lossy(self.lx.text(it)).into_owned()
    }

    fn top_level(&mut self, it: Item) -> Result<()> {
        match it.kind {
            Kind::CommentStart => {
                self.expect(Kind::Text)?;
            }
            Kind::TableStart | Kind::ArrayTableStart => {
                let array = it.kind == Kind::ArrayTableStart;
                let end = if array {
                    Kind::ArrayTableEnd
                } else {
                    Kind::TableEnd
                };
                let first = self.next_pos()?;
                let key = self.key_parts(first, end, 0)?;
                self.add_context(&key, array)?;
                let typ = if array { Type::ArrayHash } else { Type::Hash };
                self.set_type("", typ);
            }
            Kind::KeyStart => {
                let outer = self.context.clone();
                self.key_value()?;
                self.context = outer;
                self.current_key.clear();
            }
            other => {
                return Err(Self::bug(format!(
                    "Unexpected type at top level: {other:?}"
                )));
            }
        }
        Ok(())
    }

    /// The parts of a key or table name, up to the item of kind `end`.
    /// `base` is how deep the key's table is already.
    fn key_parts(&mut self, first: Item, end: Kind, base: usize) -> Result<Vec<String>> {
        let mut key = Vec::new();
        let mut it = first;
        while it.kind != end && it.kind != Kind::Eof {
            key.push(self.key_string(it)?);
            if base + key.len() > MAX_KEY_PARTS {
                return Err(too_long_key());
            }
            it = self.next()?;
        }
        if it.kind != end {
            return Err(Self::bug(format!(
                "Expected '{end:?}' but got '{:?}'.",
                it.kind
            )));
        }
        Ok(key)
    }

    /// `key = value` after its KeyStart item: sets the value in the tree
    /// and returns the parts of the key, the value and its type.
    fn key_value(&mut self) -> Result<(Vec<String>, Node)> {
        let first = self.next_pos()?;
        let key = self.key_parts(first, Kind::KeyEnd, self.context.len())?;
        let (last, parents) = key
            .split_last()
            .ok_or_else(|| Self::bug("empty key".into()))?;
        self.current_key = last.clone();
        for part in parents {
            let mut path = self.context.clone();
            path.push(part.clone());
            self.add_implicit_context(&path)?;
        }
        let value_item = self.next()?;
        let (value, typ) = self.value(value_item, false)?;
        let name = self.current_key.clone();
        self.set_value(&name, value.clone())?;
        self.set_type(&name, typ);
        Ok((key, value))
    }

    fn key_string(&mut self, it: Item) -> Result<String> {
        match it.kind {
            Kind::Text => Ok(self.text(&it)),
            Kind::String
            | Kind::StringEsc
            | Kind::MultilineString
            | Kind::RawString
            | Kind::RawMultilineString => match self.value(it, false)? {
                (Node::String(s), _) => Ok(s),
                _ => Err(Self::bug("string key is not a string".into())),
            },
            other => Err(Self::bug(format!("Unexpected key type: {other:?}"))),
        }
    }

    fn value(&mut self, it: Item, parent_is_array: bool) -> Result<(Node, Type)> {
        let text = self.text(&it);
        let node = match it.kind {
            Kind::String | Kind::RawString => Node::String(text),
            Kind::StringEsc => Node::String(self.replace_escapes(&it, &text)?),
            Kind::MultilineString => {
                let body = scalar::strip_escaped_newlines(scalar::strip_first_newline(&text));
                Node::String(self.replace_escapes(&it, &body)?)
            }
            Kind::RawMultilineString => Node::String(scalar::strip_first_newline(&text).to_owned()),
            Kind::Integer => Node::Integer(self.scalar(&it, scalar::integer(&text))?),
            Kind::Float => Node::Float(self.scalar(&it, scalar::float(&text))?),
            Kind::Bool => Node::Bool(text == "true"),
            Kind::Datetime => Node::Datetime(self.scalar(&it, scalar::datetime(&text))?),
            Kind::Array => return self.nested(|p| p.value_array()),
            Kind::InlineTableStart => {
                return self.nested(|p| p.value_inline_table(parent_is_array));
            }
            other => return Err(Self::bug(format!("Unexpected value type: {other:?}"))),
        };
        Ok((node, Type::Primitive))
    }

    fn scalar<T>(&self, it: &Item, parsed: std::result::Result<T, ScalarError>) -> Result<T> {
        parsed.map_err(|e| match e {
            ScalarError::Invalid(message) => self.fail(it.line, &message),
            ScalarError::Bug(text) => Failure::Fatal(text),
        })
    }

    /// Runs `f` one nesting level deeper, on a stack that grows as needed.
    fn nested(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<(Node, Type)>,
    ) -> Result<(Node, Type)> {
        if self.depth >= MAX_NESTING {
            return Err(too_deep());
        }
        self.depth += 1;
        let out = stacker::maybe_grow(64 * 1024, 1024 * 1024, || f(self));
        self.depth -= 1;
        out
    }

    fn value_array(&mut self) -> Result<(Node, Type)> {
        let name = self.current_key.clone();
        self.set_type(&name, Type::Array);
        let mut items = Vec::new();
        loop {
            let it = self.next()?;
            match it.kind {
                Kind::ArrayEnd => break,
                Kind::CommentStart => {
                    self.expect(Kind::Text)?;
                }
                _ => items.push(self.value(it, true)?.0),
            }
        }
        Ok((Node::Array(Rc::new(items)), Type::Array))
    }

    fn value_inline_table(&mut self, parent_is_array: bool) -> Result<(Node, Type)> {
        let outer_context = self.context.clone();
        let outer_key = std::mem::take(&mut self.current_key);
        self.context.push(outer_key.clone());
        if self.context.len() > MAX_KEY_PARTS {
            return Err(too_long_key());
        }
        let table_context = self.context.clone();
        let id = self.paths.intern(&table_context);
        self.implicits.insert(id);
        self.add_context(&table_context, parent_is_array)?;
        let mut top = Table::new();
        loop {
            let it = self.next()?;
            match it.kind {
                Kind::InlineTableEnd => break,
                Kind::CommentStart => {
                    self.expect(Kind::Text)?;
                    continue;
                }
                _ => {}
            }
            let (key, value) = self.key_value()?;
            self.insert_inline(&mut top, &key, value)?;
            self.context.clone_from(&table_context);
        }
        self.context = outer_context;
        self.current_key = outer_key;
        Ok((Node::Table(Rc::new(top)), Type::Hash))
    }

    /// Puts `value` at the dotted `key` of an inline table's own map.
    fn insert_inline(&self, top: &mut Table, key: &[String], value: Node) -> Result<()> {
        let Some((last, parents)) = key.split_last() else {
            return Ok(());
        };
        let mut hash = top;
        for part in parents {
            let entry = hash
                .entry(part.clone())
                .or_insert_with(|| Node::Table(Rc::default()));
            hash = match entry {
                Node::Table(t) => Rc::make_mut(t),
                _ => {
                    let ctx = go_quote(&key_text(&self.context));
                    return Err(self.fail_here(&format!("{ctx} is not a table")));
                }
            };
        }
        hash.insert(last.clone(), value);
        Ok(())
    }

    /// Walks from the root down `path` (the last table of an array of
    /// tables), then runs `f` on the table reached.
    fn walk<R>(
        mapping: &mut Table,
        path: &[String],
        f: impl FnOnce(&mut Table) -> R,
    ) -> std::result::Result<R, Walk> {
        let mut hash = mapping;
        for (i, part) in path.iter().enumerate() {
            hash = match hash.get_mut(part.as_str()) {
                Some(Node::TableArray(tables)) => match tables.last_mut() {
                    Some(t) => t,
                    None => return Err(Walk::NotTable(i)),
                },
                Some(Node::Table(t)) => Rc::make_mut(t),
                Some(_) => return Err(Walk::NotTable(i)),
                None => return Err(Walk::Missing(i)),
            };
        }
        Ok(f(hash))
    }

    /// Go's `addContext`: makes `key` the current table (creating implicit
    /// parents), a new element of an array of tables when `array`.
    fn add_context(&mut self, key: &[String], array: bool) -> Result<()> {
        let Some((last, parents)) = key.split_last() else {
            return Err(Self::bug("empty table name".into()));
        };
        let mut created = Vec::new();
        let (failed, appended) = match descend_creating(&mut self.mapping, parents, &mut created) {
            Err(i) => (Some(i), None),
            Ok(_) if !array => (None, None),
            Ok(hash) => {
                let entry = hash
                    .entry(last.clone())
                    .or_insert_with(|| Node::TableArray(Vec::new()));
                let appended = match entry {
                    Node::TableArray(tables) => {
                        tables.push(Table::new());
                        true
                    }
                    _ => false,
                };
                (None, Some(appended))
            }
        };
        for i in created {
            let id = self.paths.intern(&parents[..=i]);
            self.implicits.insert(id);
        }
        if let Some(i) = failed {
            let message = format!(
                "Key '{}' was already created as a hash.",
                key_text(&parents[..=i])
            );
            return Err(self.fail_here(&message));
        }
        self.context = parents.to_vec();
        if appended == Some(false) {
            let message = format!(
                "Key '{}' was already created and cannot be used as an array.",
                key_text(key)
            );
            return Err(self.fail_here(&message));
        }
        if !array {
            self.set_value(last, Node::Table(Rc::default()))?;
        }
        self.context.push(last.clone());
        Ok(())
    }

    /// Go's `setValue`: sets `key` in the current table; a key already there
    /// may only be an implicit table made explicit, or an array.
    fn set_value(&mut self, key: &str, value: Node) -> Result<()> {
        let mut path = self.context.clone();
        path.push(key.to_owned());
        let id = self.paths.find(&path);
        let is_array = id.is_some_and(|id| self.types.get(&id) == Some(&Type::Array));
        let is_implicit = id.is_some_and(|id| self.implicits.contains(&id));
        // Ok(true): the key was there and stops being implicit
        let walked = Self::walk(&mut self.mapping, &self.context, |hash| {
            if !hash.contains_key(key) {
                hash.insert(key.to_owned(), value);
                return Ok(false);
            }
            if is_array && is_implicit {
                hash.insert(key.to_owned(), value);
                return Ok(true);
            }
            if is_implicit { Ok(true) } else { Err(()) }
        });
        match walked {
            Ok(Ok(was_there)) => {
                if was_there && let Some(id) = id {
                    self.implicits.remove(&id);
                }
                Ok(())
            }
            Ok(Err(())) => Err(self.fail_here(&format!(
                "Key '{}' has already been defined.",
                key_text(&path)
            ))),
            Err(Walk::NotTable(i)) => Err(self.fail_here(&format!(
                "Key '{}' has already been defined.",
                key_text(&self.context[..=i])
            ))),
            Err(Walk::Missing(i)) => Err(Self::bug(format!(
                "Context for key '{}' has not been established.",
                key_text(&self.context[..=i])
            ))),
        }
    }

    /// Go's `setType`: records the type of `key` in the current table (of
    /// the current table itself when `key` is empty).
    fn set_type(&mut self, key: &str, typ: Type) {
        let mut path = self.context.clone();
        if !key.is_empty() {
            path.push(key.to_owned());
        }
        if path.is_empty() {
            path.push(String::new());
        }
        let id = self.paths.intern(&path);
        self.types.insert(id, typ);
    }

    fn add_implicit_context(&mut self, path: &[String]) -> Result<()> {
        let id = self.paths.intern(path);
        self.implicits.insert(id);
        self.add_context(path, false)
    }

    fn replace_escapes(&self, it: &Item, s: &str) -> Result<String> {
        self.scalar(it, scalar::replace_escapes(s))
    }
}

/// Walks down `parts` from `hash`, creating the tables missing on the way
/// (their indexes go to `created`); Err: the index of a part that is a value.
fn descend_creating<'t>(
    mut hash: &'t mut Table,
    parts: &[String],
    created: &mut Vec<usize>,
) -> std::result::Result<&'t mut Table, usize> {
    for (i, part) in parts.iter().enumerate() {
        if !hash.contains_key(part.as_str()) {
            created.push(i);
            hash.insert(part.clone(), Node::Table(Rc::default()));
        }
        hash = match hash.get_mut(part.as_str()) {
            Some(Node::TableArray(tables)) if !tables.is_empty() => {
                let n = tables.len() - 1;
                &mut tables[n]
            }
            Some(Node::Table(t)) => Rc::make_mut(t),
            _ => return Err(i),
        };
    }
    Ok(hash)
}

fn too_deep() -> Failure {
    Failure::Fatal(format!(
        "TOML arrays and inline tables nest deeper than {MAX_NESTING} levels (a helmd limit)"
    ))
}

fn too_long_key() -> Failure {
    Failure::Fatal(format!(
        "a TOML key path holds more than {MAX_KEY_PARTS} parts (a helmd limit)"
    ))
}
