//! The value model templates see: Go's dynamic values with their Go types.
//!
//! Maps are shared by reference like Go maps (Sprig's `set` mutates in place
//! and every holder sees it); lists are immutable and shared like slices that
//! nobody writes to. Cloning a [`Value`] is cheap (an `Arc` bump at most).

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Shared immutable string.
pub type Str = Arc<str>;

/// Go's signed integer kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntKind {
    /// `int`
    Int,
    /// `int8`
    Int8,
    /// `int16`
    Int16,
    /// `int32` (also `rune`)
    Int32,
    /// `int64`
    Int64,
}

/// Go's unsigned integer kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UintKind {
    /// `uint`
    Uint,
    /// `uint8` (also `byte`)
    Uint8,
    /// `uint16`
    Uint16,
    /// `uint32`
    Uint32,
    /// `uint64`
    Uint64,
}

impl IntKind {
    /// Go's name of the kind.
    pub fn name(self) -> &'static str {
        match self {
            IntKind::Int => "int",
            IntKind::Int8 => "int8",
            IntKind::Int16 => "int16",
            IntKind::Int32 => "int32",
            IntKind::Int64 => "int64",
        }
    }
}

impl UintKind {
    /// Go's name of the kind.
    pub fn name(self) -> &'static str {
        match self {
            UintKind::Uint => "uint",
            UintKind::Uint8 => "uint8",
            UintKind::Uint16 => "uint16",
            UintKind::Uint32 => "uint32",
            UintKind::Uint64 => "uint64",
        }
    }
}

/// Static element type of a Go slice or map value (`[]string`, `map[string]interface {}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElemType {
    /// `interface {}`
    Interface,
    /// `string`
    String,
    /// `int`
    Int,
    /// `int64`
    Int64,
    /// `float64`
    Float64,
    /// `bool`
    Bool,
    /// Any other Go type, by name.
    Other(Str),
}

impl ElemType {
    /// Go's spelling of the element type.
    pub fn name(&self) -> &str {
        match self {
            ElemType::Interface => "interface {}",
            ElemType::String => "string",
            ElemType::Int => "int",
            ElemType::Int64 => "int64",
            ElemType::Float64 => "float64",
            ElemType::Bool => "bool",
            ElemType::Other(s) => s,
        }
    }
}

/// A Go slice value: element type plus items.
#[derive(Debug, Clone, PartialEq)]
pub struct List {
    /// Element type, for `%T`, `typeOf` and `kindOf`.
    pub elem: ElemType,
    /// The items.
    pub items: Vec<Value>,
    /// A Go nil slice: empty, but JSON/YAML `null` and `%#v` `[]T(nil)`.
    pub nil: bool,
}

/// A Go `map[string]T`: sorted keys (Go prints and ranges maps in key order),
/// shared and mutable like a Go map.
#[derive(Debug)]
pub struct Map {
    /// Element type of the map.
    pub elem: ElemType,
    /// Name of a named map type (`common.Values`), if any.
    pub name: Option<Str>,
    /// A Go nil map: empty, but JSON/YAML `null`.
    nil: bool,
    entries: Arc<RwLock<BTreeMap<Str, Value>>>,
}

/// A reference to a shared map (Go maps are reference types).
pub type MapRef = Arc<Map>;

impl Map {
    /// A new `map[string]interface {}` holding `entries`.
    pub fn new(entries: BTreeMap<Str, Value>) -> MapRef {
        Self::typed(ElemType::Interface, entries)
    }

    /// A new map with the given element type.
    pub fn typed(elem: ElemType, entries: BTreeMap<Str, Value>) -> MapRef {
        Arc::new(Map {
            elem,
            name: None,
            nil: false,
            entries: Arc::new(RwLock::new(entries)),
        })
    }

    /// A Go nil map of the given element type (`map[string]string(nil)`).
    pub fn nil_map(elem: ElemType) -> MapRef {
        Arc::new(Map {
            elem,
            name: None,
            nil: true,
            entries: Arc::new(RwLock::new(BTreeMap::new())),
        })
    }

    /// Whether this is a Go nil map (encodes as `null`).
    pub fn is_nil_map(&self) -> bool {
        self.nil && self.is_empty()
    }

    /// A new map of a named map type (Go `type Values map[string]interface{}`).
    pub fn named(name: &str, entries: BTreeMap<Str, Value>) -> MapRef {
        Arc::new(Map {
            elem: ElemType::Interface,
            name: Some(Str::from(name)),
            nil: false,
            entries: Arc::new(RwLock::new(entries)),
        })
    }

    /// Go's `%T` name of the map type.
    pub fn type_name(&self) -> String {
        match &self.name {
            Some(n) => n.to_string(),
            None => format!("map[string]{}", self.elem.name()),
        }
    }

    /// This map converted to the unnamed `map[string]T` (Go's conversion of a
    /// named map type when it is passed as such): same entries, shared.
    pub fn unnamed(self: &Arc<Self>) -> MapRef {
        if self.name.is_none() {
            return Arc::clone(self);
        }
        Arc::new(Map {
            elem: self.elem.clone(),
            name: None,
            nil: self.nil,
            entries: Arc::clone(&self.entries),
        })
    }

    /// This map converted to the named map type `name` (Go's `common.Values(m)`):
    /// same entries, shared, so a change through either is seen by both.
    pub fn renamed(self: &Arc<Self>, name: &str) -> MapRef {
        if self.name.as_deref() == Some(name) {
            return Arc::clone(self);
        }
        Arc::new(Map {
            elem: self.elem.clone(),
            name: Some(Str::from(name)),
            nil: self.nil,
            entries: Arc::clone(&self.entries),
        })
    }

    /// Read access to the entries.
    #[inline]
    pub fn read(&self) -> RwLockReadGuard<'_, BTreeMap<Str, Value>> {
        self.entries.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Write access to the entries.
    pub fn write(&self) -> RwLockWriteGuard<'_, BTreeMap<Str, Value>> {
        self.entries.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The value at `key`, if present.
    #[inline]
    pub fn get(&self, key: &str) -> Option<Value> {
        let entries = self.read();
        // Small maps: a scan that compares lengths (kept in the fat pointer)
        // before bytes beats the tree search's byte comparisons.
        if entries.len() <= 16 {
            return entries
                .iter()
                .find(|(k, _)| {
                    k.len() == key.len()
                        && k.as_bytes().last() == key.as_bytes().last()
                        && k.as_bytes() == key.as_bytes()
                })
                .map(|(_, v)| v.clone());
        }
        entries.get(key).cloned()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether the map has no entries.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// Sets `key` to `value`.
    pub fn insert(&self, key: impl Into<Str>, value: Value) {
        self.write().insert(key.into(), value);
    }

    /// A snapshot of the entries in key order.
    pub fn entries(&self) -> Vec<(Str, Value)> {
        self.read()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Whether some key holds a raw (non-UTF-8) byte, so Go's key order (bytes)
    /// differs from the map's (UTF-8) order.
    pub fn has_raw_key(&self) -> bool {
        self.read().keys().any(|k| crate::gostr::has_raw(k))
    }

    /// A snapshot of the entries in Go's key order: byte order of the Go strings,
    /// which is the map's own order unless a key holds a raw byte (what `range`,
    /// fmt's `%v` and encoding/json iterate in).
    pub fn go_entries(&self) -> Vec<(Str, Value)> {
        let mut entries = self.entries();
        if entries.iter().any(|(k, _)| crate::gostr::has_raw(k)) {
            entries.sort_by(|(a, _), (b, _)| crate::gostr::go_cmp(a, b));
        }
        entries
    }

    /// A deep copy: nested maps are copied too (lists are immutable and shared).
    pub fn deep_copy(&self) -> MapRef {
        let entries = self
            .read()
            .iter()
            .map(|(k, v)| (k.clone(), v.deep_copy()))
            .collect();
        Arc::new(Map {
            elem: self.elem.clone(),
            name: self.name.clone(),
            nil: self.nil,
            entries: Arc::new(RwLock::new(entries)),
        })
    }
}

/// Error a host object's method returns; Go's text/template prints it after
/// `error calling NAME: `.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectError(pub String);

/// A host value: a Go struct or pointer with fields and methods
/// (`.Chart`, `.Capabilities`, `.Files`, semver versions...).
pub trait Object: Send + Sync + fmt::Debug {
    /// Go type name, as `%T` prints it (for example `*chart.Metadata`).
    fn type_name(&self) -> &str;
    /// Go kind name, as Sprig's `kindOf` prints it (`ptr`, `struct`, `map`...).
    fn kind(&self) -> &str {
        "ptr"
    }
    /// The exported field `name`, if the type has it.
    fn field(&self, name: &str) -> Option<Value>;
    /// Calls method `name`; `None` when the type has no such method.
    fn call_method(&self, _name: &str, _args: &[Value]) -> Option<Result<Value, ObjectError>> {
        None
    }
    /// Whether the type has a method `name`.
    fn has_method(&self, _name: &str) -> bool {
        false
    }
    /// Number of arguments method `name` takes, when fixed (the executor
    /// reports Go's "wrong number of args" before calling).
    fn method_arity(&self, _name: &str) -> Option<usize> {
        None
    }
    /// Go's `%v` rendering (`&{...}` for pointers to structs); `plus` is `%+v`.
    fn format(&self, _plus: bool) -> String {
        format!("{{{}}}", self.type_name())
    }
    /// How a template action prints it (Go's `printValue`, which prefers a
    /// `String()` method); defaults to [`Object::format`].
    fn print(&self) -> String {
        self.format(false)
    }
    /// Go truth (non-nil pointers and structs are true).
    fn truth(&self) -> bool {
        true
    }
    /// The object as plain data, as Go's encoding/json would marshal it
    /// (`toYaml`, `toJson`); nil when it has no JSON form.
    fn to_data(&self) -> Value {
        Value::Nil
    }
    /// Struct fields in declaration order for encoding/json (which keeps
    /// struct order, unlike maps); `None` uses [`Object::to_data`].
    fn json_fields(&self) -> Option<Vec<(Str, Value)>> {
        None
    }
    /// Why encoding/json cannot marshal the value (its `MarshalJSON` error,
    /// such as `Time.MarshalJSON: year outside of range [0,9999]`), if so.
    fn marshal_error(&self) -> Option<String> {
        None
    }
    /// For a host value of a Go map type (`map[string]T`): its entries in key
    /// order, for `range`, `len` and `index`; `None` for other types.
    fn map_entries(&self) -> Option<Vec<(Str, Value)>> {
        None
    }
    /// For a host value of a Go slice type (`[]string` with methods): its
    /// items, for `range`, `len`, `index`, `slice` and the functions that take
    /// any slice; `None` for other types.
    fn slice_items(&self) -> Option<Vec<Value>> {
        None
    }
    /// A value of this slice type holding `items` (what `slice` of it
    /// returns); a `[]interface {}` unless the type says otherwise.
    fn reslice(&self, items: Vec<Value>) -> Value {
        Value::list(items)
    }
    /// The zero value of the map's element type (`index` of a missing key).
    fn map_elem_zero(&self) -> Value {
        Value::Nil
    }
    /// For downcasting to the concrete type.
    fn as_any(&self) -> &dyn Any;
}

/// A Go value as a template sees it.
#[derive(Clone)]
pub enum Value {
    /// A nil interface (`<nil>`; prints `<no value>` as a template action).
    Nil,
    /// `bool`
    Bool(bool),
    /// A signed integer of the given kind.
    Int(i64, IntKind),
    /// An unsigned integer of the given kind.
    Uint(u64, UintKind),
    /// `float64`
    Float(f64),
    /// `string`
    String(Str),
    /// `[]byte`
    Bytes(Arc<[u8]>),
    /// A slice.
    List(Arc<List>),
    /// A `map[string]T`.
    Map(MapRef),
    /// A host object.
    Object(Arc<dyn Object>),
}

impl Value {
    /// A string value.
    #[inline]
    pub fn str(s: &str) -> Value {
        Value::String(Str::from(s))
    }

    /// A Go `int`.
    #[inline]
    pub fn int(i: i64) -> Value {
        Value::Int(i, IntKind::Int)
    }

    /// A `[]interface {}` of `items`.
    pub fn list(items: Vec<Value>) -> Value {
        Value::List(Arc::new(List {
            elem: ElemType::Interface,
            items,
            nil: false,
        }))
    }

    /// A Go nil slice of the given element type (`[]interface {}(nil)`).
    pub fn nil_list(elem: ElemType) -> Value {
        Value::List(Arc::new(List {
            elem,
            items: Vec::new(),
            nil: true,
        }))
    }

    /// A typed slice.
    pub fn typed_list(elem: ElemType, items: Vec<Value>) -> Value {
        Value::List(Arc::new(List {
            elem,
            items,
            nil: false,
        }))
    }

    /// A new `map[string]interface {}`.
    pub fn map(entries: BTreeMap<Str, Value>) -> Value {
        Value::Map(Map::new(entries))
    }

    /// An empty `map[string]interface {}`.
    pub fn empty_map() -> Value {
        Value::map(BTreeMap::new())
    }

    /// Go's `%T` name of the dynamic type (`<nil>` for nil).
    pub fn type_name(&self) -> String {
        match self {
            Value::Nil => "<nil>".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_, k) => k.name().into(),
            Value::Uint(_, k) => k.name().into(),
            Value::Float(_) => "float64".into(),
            Value::String(_) => "string".into(),
            Value::Bytes(_) => "[]uint8".into(),
            Value::List(l) => format!("[]{}", l.elem.name()),
            Value::Map(m) => m.type_name(),
            Value::Object(o) => o.type_name().into(),
        }
    }

    /// Go's reflect kind name (`invalid` for nil), as Sprig's `kindOf` prints it.
    pub fn kind_name(&self) -> String {
        match self {
            Value::Nil => "invalid".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_, k) => k.name().into(),
            Value::Uint(_, k) => k.name().into(),
            Value::Float(_) => "float64".into(),
            Value::String(_) => "string".into(),
            Value::Bytes(_) | Value::List(_) => "slice".into(),
            Value::Map(_) => "map".into(),
            Value::Object(o) => o.kind().into(),
        }
    }

    /// Go text/template's truth: false for zero values and empty containers.
    #[inline]
    pub fn truth(&self) -> bool {
        match self {
            Value::Nil => false,
            Value::Bool(b) => *b,
            Value::Int(i, _) => *i != 0,
            Value::Uint(u, _) => *u != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) => !s.is_empty(),
            Value::Bytes(b) => !b.is_empty(),
            Value::List(l) => !l.items.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::Object(o) => o.truth(),
        }
    }

    /// The string, if this is a Go string.
    #[inline]
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The map, if this is a Go map.
    #[inline]
    pub fn as_map(&self) -> Option<&MapRef> {
        match self {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The list, if this is a Go slice.
    pub fn as_list(&self) -> Option<&Arc<List>> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }

    /// Whether this is nil.
    #[inline]
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// A deep copy: maps are copied so later mutation does not leak.
    pub fn deep_copy(&self) -> Value {
        match self {
            Value::Map(m) => Value::Map(m.deep_copy()),
            Value::List(l)
                if l.items
                    .iter()
                    .any(|v| matches!(v, Value::Map(_) | Value::List(_))) =>
            {
                Value::List(Arc::new(List {
                    elem: l.elem.clone(),
                    items: l.items.iter().map(Value::deep_copy).collect(),
                    nil: l.nil,
                }))
            }
            other => other.clone(),
        }
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => write!(f, "nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i, k) => write!(f, "{k:?}({i})"),
            Value::Uint(u, k) => write!(f, "{k:?}({u})"),
            Value::Float(x) => write!(f, "float64({x})"),
            Value::String(s) => write!(f, "{s:?}"),
            Value::Bytes(b) => write!(f, "bytes{b:?}"),
            Value::List(l) => f.debug_list().entries(l.items.iter()).finish(),
            Value::Map(m) => f.debug_map().entries(m.read().iter()).finish(),
            Value::Object(o) => write!(f, "{o:?}"),
        }
    }
}

impl PartialEq for Value {
    /// Structural equality (objects compare by identity).
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a, ka), Value::Int(b, kb)) => a == b && ka == kb,
            (Value::Uint(a, ka), Value::Uint(b, kb)) => a == b && ka == kb,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Bytes(a), Value::Bytes(b)) => a == b,
            (Value::List(a), Value::List(b)) => a == b,
            (Value::Map(a), Value::Map(b)) => {
                Arc::ptr_eq(a, b) || (a.elem == b.elem && *a.read() == *b.read())
            }
            (Value::Object(a), Value::Object(b)) => {
                std::ptr::addr_eq(Arc::as_ptr(a), Arc::as_ptr(b))
            }
            _ => false,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::str(s)
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(Str::from(s))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}
