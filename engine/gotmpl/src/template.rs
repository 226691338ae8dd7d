//! A set of associated templates (Go's `*template.Template` family): parse
//! once, execute many times; cheap to clone (trees are shared).

use std::sync::Arc;

use helmd_yaml::Value;

use crate::ast::Tree;
use crate::error::Result;
use crate::funcs::FuncMap;
use crate::hash::FastMap;
use crate::parse::{ParseConfig, parse};

/// What a missing map key evaluates to (Go's `missingkey` option).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingKey {
    /// `missingkey=default`/`invalid`: the invalid value (prints `<no value>`).
    #[default]
    Default,
    /// `missingkey=zero`: the zero value of the map's element type.
    Zero,
    /// `missingkey=error`: execution stops with an error.
    Error,
}

/// A cancellation hook: return true to stop execution.
pub type CancelHook = Arc<dyn Fn() -> bool + Send + Sync>;

/// The default render memory budget: 512 MiB (the benchmark charts charge
/// under 0.5 MiB; `until 17000000`, past Sprig's old silent cap, 408 MiB).
pub const DEFAULT_MAX_MEMORY: usize = 512 << 20;

/// Limits that end execution with an error instead of exhausting resources.
#[derive(Clone)]
pub struct Limits {
    /// Deepest nesting of template calls (`template`, `include`).
    pub max_depth: usize,
    /// Largest output of one execution, in bytes.
    pub max_output: usize,
    /// The render memory budget: bytes the values built by functions may
    /// add up to over one execution (see `budget.rs`).
    pub max_memory: usize,
    /// Checked every few hundred steps.
    pub cancel: Option<CancelHook>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 1000,
            max_output: 256 << 20,
            max_memory: DEFAULT_MAX_MEMORY,
            cancel: None,
        }
    }
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits")
            .field("max_depth", &self.max_depth)
            .field("max_output", &self.max_output)
            .field("max_memory", &self.max_memory)
            .field("cancel", &self.cancel.is_some())
            .finish()
    }
}

/// What the embedder hands its functions for the executions of one set
/// (a cluster client, per-render settings), read with
/// [`crate::CallContext::host`]. It lives in the set's [`Options`], not in the
/// [`FuncMap`], so one shared registry (and the parses cached by its id)
/// serves every render.
#[derive(Clone)]
pub struct HostContext(Arc<dyn std::any::Any + Send + Sync>);

impl HostContext {
    /// Wraps `value`.
    pub fn new<T: std::any::Any + Send + Sync>(value: T) -> Self {
        HostContext(Arc::new(value))
    }

    /// The value, when it is a `T`.
    pub fn get<T: std::any::Any>(&self) -> Option<&T> {
        self.0.downcast_ref::<T>()
    }
}

impl std::fmt::Debug for HostContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HostContext(..)")
    }
}

/// Options of a template set.
#[derive(Debug, Clone)]
pub struct Options {
    /// Name of the root template (Helm uses `gotpl`).
    pub root_name: String,
    /// Left delimiter.
    pub left_delim: String,
    /// Right delimiter.
    pub right_delim: String,
    /// Missing map key behaviour.
    pub missing_key: MissingKey,
    /// Execution limits.
    pub limits: Limits,
    /// The embedder's context for its functions.
    pub host: Option<HostContext>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            root_name: "root".into(),
            left_delim: "{{".into(),
            right_delim: "}}".into(),
            missing_key: MissingKey::Default,
            limits: Limits::default(),
            host: None,
        }
    }
}

/// Associated templates sharing functions and options.
///
/// Cloning is cheap: the trees are shared, and templates added to a clone
/// (as `tpl` does) go to a small overlay searched first.
#[derive(Clone, Debug)]
pub struct Templates {
    trees: Arc<FastMap<Arc<str>, Arc<Tree>>>,
    overlay: Vec<(Arc<str>, Arc<Tree>)>,
    pub(crate) funcs: Arc<FuncMap>,
    pub(crate) options: Arc<Options>,
}

impl Templates {
    /// An empty set.
    pub fn new(funcs: Arc<FuncMap>, options: Options) -> Self {
        Templates {
            trees: Arc::new(FastMap::default()),
            overlay: Vec::new(),
            funcs,
            options: Arc::new(options),
        }
    }

    /// Go's `t.New(name).Parse(text)`: parses `text` as `name` and adds it and
    /// its definitions; an empty definition never replaces a non-empty one.
    pub fn add(&mut self, name: &str, text: &str) -> Result<()> {
        self.add_returning(name, text).map(|_| ())
    }

    /// [`Templates::add`], returning the tree just parsed as `name` (what Go's
    /// `t.New(name).Parse(text)` returns, even when the set keeps an older,
    /// non-empty `name`).
    fn add_returning(&mut self, name: &str, text: &str) -> Result<Option<Arc<Tree>>> {
        let key = crate::cache::Key {
            funcs: self.funcs.id(),
            left: &self.options.left_delim,
            right: &self.options.right_delim,
            name,
            text,
        };
        let trees = match crate::cache::get(&key) {
            Some(trees) => trees,
            None => {
                let funcs = self.funcs.clone();
                let has = move |f: &str| funcs.has(f);
                let config = ParseConfig {
                    left: &self.options.left_delim,
                    right: &self.options.right_delim,
                    has_function: &has,
                };
                let trees: Arc<[Arc<Tree>]> = parse(name, text, &config)?
                    .into_iter()
                    .map(Arc::new)
                    .collect();
                crate::cache::put(&key, trees.clone());
                trees
            }
        };
        let mut parsed = None;
        for t in trees.iter() {
            if *t.name == *name {
                parsed = Some(t.clone());
            }
            let keep_old = self.lookup(&t.name).is_some() && t.is_empty();
            if !keep_old {
                self.insert(t.clone());
            }
        }
        Ok(parsed)
    }

    fn insert(&mut self, t: Arc<Tree>) {
        if self.overlay.is_empty()
            && let Some(trees) = Arc::get_mut(&mut self.trees)
        {
            trees.insert(t.name.clone(), t);
            return;
        }
        match self.overlay.iter_mut().find(|(n, _)| *n == t.name) {
            Some(slot) => slot.1 = t,
            None => self.overlay.push((t.name.clone(), t)),
        }
    }

    /// Like [`Templates::add`], returning the tree to execute (used by `tpl`).
    pub(crate) fn replace(&mut self, name: &str, text: &str) -> Result<Option<Arc<Tree>>> {
        self.add_returning(name, text)
    }

    /// The template `name`.
    pub fn lookup(&self, name: &str) -> Option<&Arc<Tree>> {
        match self.overlay.iter().find(|(n, _)| **n == *name) {
            Some((_, t)) => Some(t),
            None => self.trees.get(name),
        }
    }

    /// Names of all templates, unordered.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let overlay = self.overlay.iter().map(|(n, _)| n.as_ref());
        let base = self
            .trees
            .keys()
            .filter(|k| !self.overlay.iter().any(|(n, _)| n == *k))
            .map(|k| k.as_ref());
        overlay.chain(base)
    }

    /// The set's options.
    pub fn options(&self) -> &Options {
        &self.options
    }

    /// The function registry.
    pub fn funcs(&self) -> &FuncMap {
        &self.funcs
    }

    /// Go's `ExecuteTemplate`: runs `name` with `data` as dot.
    pub fn execute(&self, name: &str, data: &Value) -> Result<String> {
        let size = self.lookup(name).map_or(0, |t| t.text.len());
        let mut out = String::with_capacity(size);
        self.execute_to(name, data, &mut out)?;
        Ok(out)
    }

    /// Runs `name`, appending to `out`.
    pub fn execute_to(&self, name: &str, data: &Value, out: &mut String) -> Result<()> {
        let mut used = 0;
        self.execute_counted(name, data, out, &mut used)
    }

    /// Runs `name`, appending to `out`, with `used` bytes of the memory
    /// budget already spent (by earlier executions of the same render);
    /// `used` grows by what this execution builds, its output included.
    pub fn execute_counted(
        &self,
        name: &str,
        data: &Value,
        out: &mut String,
        used: &mut usize,
    ) -> Result<()> {
        let mut shared = crate::exec::Shared::new(self.options.limits.clone());
        shared.allocated = *used;
        let start = out.len();
        let r = crate::exec::execute_nested(self, name, data, out, &mut shared, 0);
        *used = shared.allocated;
        r?;
        *used = used.saturating_add(out.len() - start);
        if *used > self.options.limits.max_memory {
            return Err(crate::Error::Exec(Box::new(crate::ExecError {
                template: name.to_string(),
                location: None,
                context: String::new(),
                message: crate::budget::exceeded(self.options.limits.max_memory),
                cause: None,
            })));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
