//! The function registry the render crate fills (Sprig, Helm functions),
//! and the context a function gets to run nested templates.

use std::any::{Any, TypeId};
use std::sync::Arc;

use helmd_yaml::Value;

use crate::error::{Error, FuncError};
use crate::exec::Shared;
use crate::hash::FastMap;
use crate::template::Templates;

/// Result of a template function.
pub type FuncResult = std::result::Result<Value, FuncError>;

/// How many arguments a function takes, for Go's "wrong number of args" errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arity {
    /// Exactly n.
    Exact(usize),
    /// At least n (variadic).
    AtLeast(usize),
}

/// A template function.
pub trait Function: Send + Sync {
    /// Calls the function with evaluated arguments.
    fn call(&self, cx: &mut CallContext<'_>, args: &[Value]) -> FuncResult;
}

impl<F> Function for F
where
    F: Fn(&mut CallContext<'_>, &[Value]) -> FuncResult + Send + Sync,
{
    fn call(&self, cx: &mut CallContext<'_>, args: &[Value]) -> FuncResult {
        self(cx, args)
    }
}

/// Go parameter types the executor checks before a call, as Go's
/// reflection does ("wrong type for value; expected string; got int").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    /// `interface {}`: anything.
    Any,
    /// `string`
    String,
    /// `int` (constants convert; other values must be `int`).
    Int,
    /// `int64`
    Int64,
    /// `float64` (integer constants convert).
    Float64,
    /// `bool`
    Bool,
    /// `uint32` (non-negative integer constants convert, truncated like
    /// reflect's `SetUint`; other values must be `uint32`).
    Uint32,
    /// `[]interface {}` (nil converts; constants are refused).
    List,
    /// `map[string]interface {}` (named map types with that underlying type convert).
    Map,
    /// A host struct type, by its Go name (`time.Time`); only such objects are accepted.
    Named(&'static str),
}

impl ArgType {
    /// Go's name of the type.
    pub fn go_name(self) -> &'static str {
        match self {
            ArgType::Any => "interface {}",
            ArgType::String => "string",
            ArgType::Int => "int",
            ArgType::Int64 => "int64",
            ArgType::Float64 => "float64",
            ArgType::Bool => "bool",
            ArgType::Uint32 => "uint32",
            ArgType::List => "[]interface {}",
            ArgType::Map => "map[string]interface {}",
            ArgType::Named(name) => name,
        }
    }
}

/// A registered function.
#[derive(Clone)]
pub struct FuncDef {
    /// Argument count rule.
    pub arity: Arity,
    /// Types of the leading parameters (the rest are `rest`).
    pub params: Vec<ArgType>,
    /// Type of the parameters after `params` (a typed variadic tail).
    pub rest: ArgType,
    /// The implementation.
    pub func: Arc<dyn Function>,
}

/// Functions by name (Go's `FuncMap`); builtins are added by the executor.
#[derive(Clone)]
pub struct FuncMap {
    map: FastMap<Arc<str>, FuncDef>,
    /// Identifies the set of names (new on every change; clones share it),
    /// so parse results can be cached per function set.
    id: u64,
}

impl Default for FuncMap {
    fn default() -> Self {
        FuncMap {
            map: FastMap::default(),
            id: next_id(),
        }
    }
}

fn next_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl std::fmt::Debug for FuncMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self.map.keys().map(|k| k.as_ref()).collect();
        names.sort_unstable();
        f.debug_struct("FuncMap").field("names", &names).finish()
    }
}

impl FuncMap {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Identifies this function set: equal ids mean equal names.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Registers (or replaces) `name`.
    pub fn insert<F>(&mut self, name: &str, arity: Arity, f: F)
    where
        F: Fn(&mut CallContext<'_>, &[Value]) -> FuncResult + Send + Sync + 'static,
    {
        self.id = next_id();
        self.map.insert(
            Arc::from(name),
            FuncDef {
                arity,
                params: Vec::new(),
                rest: ArgType::Any,
                func: Arc::new(f),
            },
        );
    }

    /// Registers `name` with typed leading parameters.
    pub fn insert_typed<F>(&mut self, name: &str, arity: Arity, params: &[ArgType], f: F)
    where
        F: Fn(&mut CallContext<'_>, &[Value]) -> FuncResult + Send + Sync + 'static,
    {
        self.id = next_id();
        self.map.insert(
            Arc::from(name),
            FuncDef {
                arity,
                params: params.to_vec(),
                rest: ArgType::Any,
                func: Arc::new(f),
            },
        );
    }

    /// Registers `name` with typed leading parameters and a typed variadic tail
    /// (Go's `func(a string, rest ...map[string]interface{})`).
    pub fn insert_variadic<F>(
        &mut self,
        name: &str,
        arity: Arity,
        params: &[ArgType],
        rest: ArgType,
        f: F,
    ) where
        F: Fn(&mut CallContext<'_>, &[Value]) -> FuncResult + Send + Sync + 'static,
    {
        self.map.insert(
            Arc::from(name),
            FuncDef {
                arity,
                params: params.to_vec(),
                rest,
                func: Arc::new(f),
            },
        );
    }

    /// Registers a function object.
    pub fn insert_def(&mut self, name: &str, def: FuncDef) {
        self.id = next_id();
        self.map.insert(Arc::from(name), def);
    }

    /// The function `name`, if registered.
    pub fn get(&self, name: &str) -> Option<&FuncDef> {
        self.map.get(name)
    }

    /// Whether `name` is registered here or is a Go builtin.
    pub fn has(&self, name: &str) -> bool {
        self.map.contains_key(name) || crate::builtins::is_builtin(name)
    }
}

/// What a function can reach while it runs: the template set (for
/// `include`), parsing (for `tpl`), and per-execution scratch state.
pub struct CallContext<'a> {
    pub(crate) templates: &'a Templates,
    pub(crate) shared: &'a mut Shared,
    pub(crate) depth: usize,
}

impl CallContext<'_> {
    /// Executes the template `name` with `data` as dot, returning its output.
    pub fn execute_template(
        &mut self,
        name: &str,
        data: &Value,
    ) -> std::result::Result<String, Error> {
        let mut out = String::with_capacity(128);
        crate::exec::execute_nested(
            self.templates,
            name,
            data,
            &mut out,
            self.shared,
            self.depth + 1,
        )?;
        Ok(out)
    }

    /// Parses `text` as a new template `name` in a copy of the current set
    /// (so its definitions do not leak) and executes it with `data`.
    pub fn execute_text(
        &mut self,
        name: &str,
        text: &str,
        data: &Value,
    ) -> std::result::Result<String, Error> {
        let mut set = self.templates.clone();
        let tree = set.replace(name, text)?;
        let mut out = String::new();
        match tree {
            // Go executes the template just parsed, not what the set holds
            // under its name (an empty text keeps an older definition there).
            Some(tree) => {
                crate::exec::execute_tree(&set, &tree, data, &mut out, self.shared, self.depth + 1)?
            }
            None => crate::exec::execute_nested(
                &set,
                name,
                data,
                &mut out,
                self.shared,
                self.depth + 1,
            )?,
        }
        Ok(out)
    }

    /// Spends `bytes` of the render memory budget (for what a function adds
    /// to a value it returns shared, such as entries `set` puts in a map).
    pub fn charge(&mut self, bytes: usize) -> std::result::Result<(), FuncError> {
        self.shared.charge(bytes).map_err(FuncError::Limit)
    }

    /// Fails with the render memory limit's error unless `bytes` more fit;
    /// call it before building a result of (at most) that size.
    pub fn ensure_room(&self, bytes: usize) -> std::result::Result<(), FuncError> {
        self.shared.ensure_room(bytes).map_err(FuncError::Limit)
    }

    /// Like [`CallContext::ensure_room`] for printing or serializing
    /// `values` (their [`crate::approx_size`]) plus `extra` bytes.
    pub fn ensure_room_for(
        &self,
        values: &[Value],
        extra: usize,
    ) -> std::result::Result<(), FuncError> {
        let room = self.shared.room();
        let mut total = extra;
        for v in values {
            match crate::budget::approx_size(v, room.saturating_sub(total)) {
                Some(n) => total = total.saturating_add(n),
                None => return self.ensure_room(usize::MAX),
            }
        }
        self.ensure_room(total)
    }

    /// Bytes left in the render memory budget.
    pub fn memory_room(&self) -> usize {
        self.shared.room()
    }

    /// The embedder's context of type `T` from the set's
    /// [`crate::Options::host`], if it holds one.
    pub fn host<T: Any>(&self) -> Option<&T> {
        self.templates.options.host.as_ref()?.get::<T>()
    }

    /// The template set being executed.
    pub fn templates(&self) -> &Templates {
        self.templates
    }

    /// Per-execution scratch state of type `T` (created on first use), shared
    /// by every function call of one top-level execution.
    pub fn state<T: Default + Send + 'static>(&mut self) -> &mut T {
        let entry = self
            .shared
            .ext
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Box::new(T::default()));
        if !entry.is::<T>() {
            *entry = Box::new(T::default());
        }
        #[allow(clippy::expect_used)]
        entry
            .downcast_mut::<T>()
            .expect("entry is keyed by its TypeId")
    }
}

/// Boxed scratch state.
pub(crate) type Ext = FastMap<TypeId, Box<dyn Any + Send>>;
