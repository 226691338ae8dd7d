//! Go text/template's executor: walks trees over [`Value`]s with Go's
//! semantics (field and map access, missing keys, variables, range, with,
//! template calls) and Go's execution error texts.

use helmd_yaml::{ElemType, IntKind, Value};

use crate::ast::{Arg, Branch, Command, Node, Pipe, TemplateNode, Tree};
use crate::error::{Error, ExecError, Result};
use crate::fmt::format_v;
use crate::funcs::Ext;
use crate::template::{Limits, Templates};

/// A value during evaluation, keeping what Go's reflection would know.
#[derive(Clone, Debug)]
pub(crate) enum Ev {
    /// The invalid `reflect.Value` (a nil that lost its type).
    Invalid,
    /// A value whose static type is `interface {}` (map and slice elements).
    Iface(Value),
    /// A value of its dynamic type.
    Val(Value),
}

impl Ev {
    /// The value for a function argument (nil for invalid).
    pub(crate) fn value(&self) -> Value {
        match self {
            Ev::Invalid => Value::Nil,
            Ev::Iface(v) | Ev::Val(v) => v.clone(),
        }
    }

    /// What Go's evalPipeline does after each command: unwrap interfaces.
    fn converted(self) -> Ev {
        match self {
            Ev::Iface(Value::Nil) | Ev::Val(Value::Nil) => Ev::Invalid,
            Ev::Iface(v) => Ev::Val(v),
            other => other,
        }
    }

    fn from_result(v: Value) -> Ev {
        match v {
            Value::Nil => Ev::Iface(Value::Nil),
            v => Ev::Val(v),
        }
    }

    fn truth(&self) -> bool {
        match self {
            Ev::Invalid => false,
            Ev::Iface(v) | Ev::Val(v) => v.truth(),
        }
    }
}

/// State shared by one top-level execution and every nested one.
pub struct Shared {
    pub(crate) ext: Ext,
    limits: Limits,
    steps: u64,
    /// Bytes of the memory budget spent so far (`budget.rs`).
    pub(crate) allocated: usize,
    /// Argument vectors of finished calls, reused by the next ones.
    argv_pool: Vec<Vec<Value>>,
}

impl Shared {
    pub(crate) fn new(limits: Limits) -> Self {
        Shared {
            ext: Ext::default(),
            limits,
            steps: 0,
            allocated: 0,
            argv_pool: Vec::new(),
        }
    }
}

impl Shared {
    /// Bytes left in the memory budget.
    pub(crate) fn room(&self) -> usize {
        self.limits.max_memory.saturating_sub(self.allocated)
    }

    /// Spends `bytes` of the memory budget; the limit's error text when it
    /// runs out.
    pub(crate) fn charge(&mut self, bytes: usize) -> std::result::Result<(), String> {
        self.allocated = self.allocated.saturating_add(bytes);
        if self.allocated > self.limits.max_memory {
            return Err(crate::budget::exceeded(self.limits.max_memory));
        }
        Ok(())
    }

    /// Fails unless `bytes` more fit in the memory budget (spends nothing).
    pub(crate) fn ensure_room(&self, bytes: usize) -> std::result::Result<(), String> {
        if bytes > self.room() {
            return Err(crate::budget::exceeded(self.limits.max_memory));
        }
        Ok(())
    }
}

/// Control flow out of a walk.
#[derive(PartialEq)]
enum Flow {
    Normal,
    Break,
    Continue,
}

/// The node Go's `state.at` last recorded: error locations and contexts.
#[derive(Clone, Copy)]
enum At<'a> {
    None,
    Node(&'a Node),
    Pipe(&'a Pipe),
    Cmd(&'a Command),
    Arg(&'a Arg),
}

impl At<'_> {
    fn pos(&self) -> Option<usize> {
        match self {
            At::None => None,
            At::Node(n) => Some(n.pos()),
            At::Pipe(p) => Some(p.pos),
            At::Cmd(c) => Some(c.pos),
            At::Arg(a) => Some(a.pos()),
        }
    }

    fn context(&self) -> String {
        match self {
            At::None => String::new(),
            At::Node(n) => n.to_string(),
            At::Pipe(p) => p.to_string(),
            At::Cmd(c) => c.to_string(),
            At::Arg(a) => a.to_string(),
        }
    }
}

struct State<'a> {
    set: &'a Templates,
    tree: &'a Tree,
    vars: Vec<(&'a str, Ev)>,
    depth: usize,
    shared: &'a mut Shared,
    at: At<'a>,
}

/// Executes template `name` of `set` with `data` as dot.
pub(crate) fn execute_nested(
    set: &Templates,
    name: &str,
    data: &Value,
    out: &mut String,
    shared: &mut Shared,
    depth: usize,
) -> Result<()> {
    let Some(tree) = set.lookup(name) else {
        return Err(Error::NoTemplate {
            name: name.to_string(),
            root: set.options.root_name.clone(),
        });
    };
    let tree = tree.clone();
    execute_tree(set, &tree, data, out, shared, depth)
}

/// Executes `tree` (associated with `set`) with `data` as dot.
pub(crate) fn execute_tree(
    set: &Templates,
    tree: &Tree,
    data: &Value,
    out: &mut String,
    shared: &mut Shared,
    depth: usize,
) -> Result<()> {
    let dot = match data {
        Value::Nil => Ev::Invalid,
        v => Ev::Val(v.clone()),
    };
    let mut st = State {
        set,
        tree,
        vars: vec![("$", dot.clone())],
        depth,
        shared,
        at: At::None,
    };
    if depth > st.shared.limits.max_depth {
        return Err(st.errorf(format!(
            "exceeded maximum template depth ({})",
            st.shared.limits.max_depth
        )));
    }
    st.walk_list(&dot, &tree.root, out)?;
    Ok(())
}

impl<'a> State<'a> {
    /// Go's `state.errorf`: located at the last recorded node.
    fn errorf(&self, message: String) -> Error {
        let location = self.at.pos().map(|p| self.tree.location(p));
        Error::Exec(Box::new(ExecError {
            template: self.tree.name.to_string(),
            location,
            context: self.at.context(),
            message,
            cause: None,
        }))
    }

    fn step(&mut self) -> Result<()> {
        self.shared.steps += 1;
        if self.shared.steps.is_multiple_of(256)
            && let Some(cancel) = &self.shared.limits.cancel
            && cancel()
        {
            return Err(self.errorf("execution canceled".into()));
        }
        Ok(())
    }

    fn write(&mut self, out: &mut String, s: &str) -> Result<()> {
        out.push_str(s);
        if out.len() > self.shared.limits.max_output {
            return Err(self.errorf(format!(
                "output exceeds {} bytes",
                self.shared.limits.max_output
            )));
        }
        Ok(())
    }

    fn walk_list(&mut self, dot: &Ev, list: &'a [Node], out: &mut String) -> Result<Flow> {
        for node in list {
            let flow = self.walk(dot, node, out)?;
            if flow != Flow::Normal {
                return Ok(flow);
            }
        }
        Ok(Flow::Normal)
    }

    fn walk(&mut self, dot: &Ev, node: &'a Node, out: &mut String) -> Result<Flow> {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.walk_node(dot, node, out))
    }

    fn walk_node(&mut self, dot: &Ev, node: &'a Node, out: &mut String) -> Result<Flow> {
        self.step()?;
        self.at = At::Node(node);
        match node {
            Node::Text(t) => self.write(out, &t.text)?,
            Node::Action(a) => {
                let v = self.eval_pipeline(dot, &a.pipe)?;
                if a.pipe.decl.is_empty() {
                    match &v {
                        Ev::Iface(Value::String(s)) | Ev::Val(Value::String(s)) => {
                            self.write(out, s)?
                        }
                        Ev::Iface(v) | Ev::Val(v) if crate::fmt::write_scalar(out, v) => {
                            self.write(out, "")?
                        }
                        other => {
                            let s = printable(other);
                            self.write(out, &s)?;
                        }
                    }
                }
            }
            Node::If(b) => return self.walk_if_or_with(dot, b, false, out),
            Node::With(b) => return self.walk_if_or_with(dot, b, true, out),
            Node::Range(b) => return self.walk_range(dot, b, out),
            Node::Template(t) => self.walk_template(dot, t, out)?,
            Node::Break(_) => return Ok(Flow::Break),
            Node::Continue(_) => return Ok(Flow::Continue),
        }
        Ok(Flow::Normal)
    }

    fn walk_if_or_with(
        &mut self,
        dot: &Ev,
        b: &'a Branch,
        with: bool,
        out: &mut String,
    ) -> Result<Flow> {
        let mark = self.vars.len();
        let r = self.if_or_with_inner(dot, b, with, out);
        self.vars.truncate(mark);
        r
    }

    fn if_or_with_inner(
        &mut self,
        dot: &Ev,
        b: &'a Branch,
        with: bool,
        out: &mut String,
    ) -> Result<Flow> {
        let val = self.eval_pipeline(dot, &b.pipe)?;
        if val.truth() {
            if with {
                self.walk_list(&val, &b.list, out)
            } else {
                self.walk_list(dot, &b.list, out)
            }
        } else if let Some(e) = &b.else_list {
            self.walk_list(dot, e, out)
        } else {
            Ok(Flow::Normal)
        }
    }

    fn walk_range(&mut self, dot: &Ev, b: &'a Branch, out: &mut String) -> Result<Flow> {
        let outer = self.vars.len();
        let r = self.range_inner(dot, b, out);
        self.vars.truncate(outer);
        r.map(|_| Flow::Normal)
    }

    fn range_inner(&mut self, dot: &Ev, b: &'a Branch, out: &mut String) -> Result<()> {
        let val = self.eval_pipeline(dot, &b.pipe)?;
        let mark = self.vars.len();
        let v = match &val {
            Ev::Invalid | Ev::Iface(Value::Nil) => Value::Nil,
            Ev::Iface(v) | Ev::Val(v) => v.clone(),
        };
        let ran = match &v {
            Value::Nil => false,
            Value::List(l) => {
                let iface = l.elem == ElemType::Interface;
                let items = l.items.iter().enumerate().map(|(i, item)| {
                    let elem = if iface {
                        Ev::Iface(item.clone())
                    } else {
                        Ev::Val(item.clone())
                    };
                    (Ev::Val(Value::int(i as i64)), elem)
                });
                self.iterate(b, items, mark, out)?
            }
            Value::Map(m) => {
                let iface = m.elem == ElemType::Interface;
                let items = m.go_entries().into_iter().map(|(k, item)| {
                    let elem = if iface {
                        Ev::Iface(item)
                    } else {
                        Ev::Val(item)
                    };
                    (Ev::Val(Value::String(k)), elem)
                });
                self.iterate(b, items, mark, out)?
            }
            Value::Object(o) if let Some(entries) = o.map_entries() => {
                // a host map type: typed keys and values (not interfaces)
                let items = entries
                    .into_iter()
                    .map(|(k, item)| (Ev::Val(Value::String(k)), Ev::Val(item)));
                self.iterate(b, items, mark, out)?
            }
            Value::Object(o) if let Some(host_items) = o.slice_items() => {
                // a host slice type: typed items (not interfaces)
                let items = host_items
                    .into_iter()
                    .enumerate()
                    .map(|(i, item)| (Ev::Val(Value::int(i as i64)), Ev::Val(item)));
                self.iterate(b, items, mark, out)?
            }
            Value::Bytes(bytes) => {
                let items = bytes.iter().enumerate().map(|(i, x)| {
                    (
                        Ev::Val(Value::int(i as i64)),
                        Ev::Val(Value::Uint(u64::from(*x), helmd_yaml::UintKind::Uint8)),
                    )
                });
                self.iterate(b, items, mark, out)?
            }
            Value::Int(..) | Value::Uint(..) => {
                if b.pipe.decl.len() > 1 {
                    return Err(self.errorf(format!(
                        "can't use {} to iterate over more than one variable",
                        format_v(&v, false)
                    )));
                }
                let (n, kind) = match &v {
                    Value::Int(i, k) => ((*i).max(0) as u64, Some(*k)),
                    Value::Uint(u, _) => (*u, None),
                    _ => (0, None),
                };
                let items = (0..n).map(move |i| {
                    let e = match (kind, &v) {
                        (Some(k), _) => Value::Int(i as i64, k),
                        (None, Value::Uint(_, k)) => Value::Uint(i, *k),
                        _ => Value::Nil,
                    };
                    (Ev::Invalid, Ev::Val(e))
                });
                self.iterate(b, items, mark, out)?
            }
            other => {
                return Err(self.errorf(format!(
                    "range can't iterate over {}",
                    format_v(other, false)
                )));
            }
        };
        if !ran && let Some(e) = &b.else_list {
            self.walk_list(dot, e, out)?;
        }
        Ok(())
    }

    fn iterate(
        &mut self,
        b: &'a Branch,
        items: impl Iterator<Item = (Ev, Ev)>,
        mark: usize,
        out: &mut String,
    ) -> Result<bool> {
        let mut ran = false;
        for (index, elem) in items {
            ran = true;
            if self.one_iteration(b, index, elem, mark, out)? == Flow::Break {
                break;
            }
        }
        Ok(ran)
    }

    fn one_iteration(
        &mut self,
        b: &'a Branch,
        index: Ev,
        elem: Ev,
        mark: usize,
        out: &mut String,
    ) -> Result<Flow> {
        self.step()?;
        let decl = &b.pipe.decl;
        if !decl.is_empty() {
            if b.pipe.is_assign {
                let v = if decl.len() > 1 {
                    index.clone()
                } else {
                    elem.clone()
                };
                self.set_var(&decl[0].1, v)?;
            } else {
                self.set_top_var(1, elem.clone());
            }
        }
        if decl.len() > 1 {
            if b.pipe.is_assign {
                self.set_var(&decl[1].1, elem.clone())?;
            } else {
                self.set_top_var(2, index);
            }
        }
        let r = self.walk_list(&elem, &b.list, out);
        self.vars.truncate(mark);
        match r? {
            Flow::Break => Ok(Flow::Break),
            _ => Ok(Flow::Normal),
        }
    }

    fn walk_template(&mut self, dot: &Ev, t: &'a TemplateNode, out: &mut String) -> Result<()> {
        let Some(tree) = self.set.lookup(&t.name).cloned() else {
            return Err(self.errorf(format!("template {:?} not defined", &*t.name)));
        };
        if self.depth >= self.shared.limits.max_depth {
            return Err(self.errorf(format!(
                "exceeded maximum template depth ({})",
                self.shared.limits.max_depth
            )));
        }
        let new_dot = match &t.pipe {
            Some(p) => self.eval_pipeline(dot, p)?,
            None => Ev::Invalid,
        };
        let mut st = State {
            set: self.set,
            tree: &tree,
            vars: vec![("$", new_dot.clone())],
            depth: self.depth + 1,
            shared: self.shared,
            at: At::None,
        };
        st.walk_list(&new_dot, &tree.root, out)?;
        Ok(())
    }

    fn set_var(&mut self, name: &str, v: Ev) -> Result<()> {
        for (n, slot) in self.vars.iter_mut().rev() {
            if **n == *name {
                *slot = v;
                return Ok(());
            }
        }
        Err(self.errorf(format!("undefined variable: {name}")))
    }

    fn set_top_var(&mut self, n: usize, v: Ev) {
        let len = self.vars.len();
        if let Some(slot) = len.checked_sub(n).and_then(|i| self.vars.get_mut(i)) {
            slot.1 = v;
        }
    }

    fn var_value(&self, name: &str) -> Result<Ev> {
        for (n, v) in self.vars.iter().rev() {
            if **n == *name {
                return Ok(v.clone());
            }
        }
        Err(self.errorf(format!("undefined variable: {name}")))
    }
}

/// The zero value of a map element type (Go's `reflect.Zero`).
fn zero_of(elem: &ElemType) -> Ev {
    match elem {
        ElemType::String => Ev::Val(Value::str("")),
        ElemType::Int => Ev::Val(Value::int(0)),
        ElemType::Int64 => Ev::Val(Value::Int(0, IntKind::Int64)),
        ElemType::Float64 => Ev::Val(Value::Float(0.0)),
        ElemType::Bool => Ev::Val(Value::Bool(false)),
        _ => Ev::Iface(Value::Nil),
    }
}

/// How an action prints its value (Go's `printValue`).
fn printable(v: &Ev) -> String {
    match v {
        Ev::Invalid => "<no value>".into(),
        Ev::Iface(Value::Object(o)) | Ev::Val(Value::Object(o)) => {
            let printed = o.print();
            // Go's printValue dereferences a pointer before printing it, so a
            // pointer to a struct without a String method prints `{...}`.
            match printed.strip_prefix('&') {
                Some(rest) if o.type_name().starts_with('*') && printed == o.format(false) => {
                    rest.to_string()
                }
                _ => printed,
            }
        }
        Ev::Iface(v) | Ev::Val(v) => format_v(v, false),
    }
}

mod eval;

#[cfg(test)]
mod tests;
