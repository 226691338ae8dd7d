//! Evaluation of pipelines, commands, fields, function calls and arguments
//! (Go's `evalPipeline`, `evalCommand`, `evalField`, `evalCall`, `evalArg`).

use std::sync::Arc;

use helmd_yaml::{ElemType, IntKind, Map, UintKind, Value};

use super::{At, Ev, State, zero_of};
use crate::ast::{Arg, Command, Pipe};
use crate::builtins;
use crate::error::{Error, FuncError, Result};
use crate::funcs::{ArgType, Arity, CallContext};
use crate::template::{MissingKey, Templates};

impl<'a> State<'a> {
    pub(super) fn eval_pipeline(&mut self, dot: &Ev, pipe: &'a Pipe) -> Result<Ev> {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
            self.eval_pipeline_inner(dot, pipe)
        })
    }

    fn eval_pipeline_inner(&mut self, dot: &Ev, pipe: &'a Pipe) -> Result<Ev> {
        self.at = At::Pipe(pipe);
        let mut value: Option<Ev> = None;
        for cmd in &pipe.cmds {
            value = Some(self.eval_command(dot, cmd, value)?.converted());
        }
        let value = value.unwrap_or(Ev::Invalid);
        for (_, name) in &pipe.decl {
            if pipe.is_assign {
                self.set_var(name, value.clone())?;
            } else {
                self.vars.push((name, value.clone()));
            }
        }
        Ok(value)
    }

    fn not_a_function(&self, args: &[Arg], fin: &Option<Ev>) -> Result<()> {
        if args.len() > 1 || fin.is_some() {
            return Err(self.errorf(format!("can't give argument to non-function {}", args[0])));
        }
        Ok(())
    }

    fn eval_command(&mut self, dot: &Ev, cmd: &'a Command, fin: Option<Ev>) -> Result<Ev> {
        let first = &cmd.args[0];
        match first {
            Arg::Field { idents, .. } => {
                self.at = At::Arg(first);
                return self.eval_field_chain(dot, dot.clone(), idents, &cmd.args, fin);
            }
            Arg::Chain { .. } => return self.eval_chain(dot, first, &cmd.args, fin),
            Arg::Identifier { name, .. } => {
                return self.eval_function(dot, first, name, At::Cmd(cmd), &cmd.args, fin);
            }
            Arg::Pipe(p) => {
                self.not_a_function(&cmd.args, &fin)?;
                return self.eval_pipeline(dot, p);
            }
            Arg::Variable { idents, .. } => {
                return self.eval_variable(dot, first, idents, &cmd.args, fin);
            }
            _ => {}
        }
        self.at = At::Arg(first);
        self.not_a_function(&cmd.args, &fin)?;
        match first {
            Arg::Bool { value, .. } => Ok(Ev::Val(Value::Bool(*value))),
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Nil { .. } => Err(self.errorf("nil is not a command".into())),
            Arg::Number { value, .. } => match value {
                Ok(v) => Ok(Ev::Val(v.clone())),
                Err(e) => Err(self.errorf(e.clone())),
            },
            Arg::String { value, .. } => Ok(Ev::Val(value.clone())),
            _ => Err(self.errorf(format!("can't evaluate command {first}"))),
        }
    }

    fn eval_variable(
        &mut self,
        dot: &Ev,
        node: &'a Arg,
        idents: &[Arc<str>],
        args: &'a [Arg],
        fin: Option<Ev>,
    ) -> Result<Ev> {
        self.at = At::Arg(node);
        let value = self.var_value(&idents[0])?;
        if idents.len() == 1 {
            self.not_a_function(args, &fin)?;
            return Ok(value);
        }
        self.eval_field_chain(dot, value, &idents[1..], args, fin)
    }

    fn eval_chain(
        &mut self,
        dot: &Ev,
        chain: &'a Arg,
        args: &'a [Arg],
        fin: Option<Ev>,
    ) -> Result<Ev> {
        self.at = At::Arg(chain);
        let Arg::Chain { node, fields, .. } = chain else {
            return Ok(Ev::Invalid);
        };
        if matches!(node.as_ref(), Arg::Nil { .. }) {
            return Err(self.errorf(format!("indirection through explicit nil in {chain}")));
        }
        let receiver = match self.eval_arg(dot, node)? {
            Ev::Iface(Value::Nil) => Ev::Invalid,
            other => other,
        };
        self.at = At::Arg(chain);
        self.eval_field_chain(dot, receiver, fields, args, fin)
    }

    fn eval_field_chain(
        &mut self,
        dot: &Ev,
        mut receiver: Ev,
        idents: &[Arc<str>],
        args: &'a [Arg],
        fin: Option<Ev>,
    ) -> Result<Ev> {
        let n = idents.len();
        let node = self.at;
        for ident in &idents[..n - 1] {
            receiver = self.eval_field(dot, ident, node, &[], None, receiver)?;
        }
        self.eval_field(dot, &idents[n - 1], node, args, fin, receiver)
    }

    fn eval_field(
        &mut self,
        dot: &Ev,
        name: &str,
        node: At<'a>,
        args: &'a [Arg],
        fin: Option<Ev>,
        receiver: Ev,
    ) -> Result<Ev> {
        let (static_iface, v) = match receiver {
            Ev::Invalid => {
                if self.set.options.missing_key == MissingKey::Error {
                    return Err(self.errorf(format!("nil data; no entry for key {name:?}")));
                }
                return Ok(Ev::Invalid);
            }
            Ev::Iface(v) => (true, v),
            Ev::Val(v) => (false, v),
        };
        let has_args = args.len() > 1 || fin.is_some();
        match &v {
            Value::Nil => Err(self.errorf(format!("nil pointer evaluating interface {{}}.{name}"))),
            Value::Object(o) if o.has_method(name) => {
                self.eval_method(dot, o.as_ref(), name, node, args, fin)
            }
            Value::Object(o) => match o.field(name) {
                Some(_) if has_args => Err(self.errorf(format!(
                    "{name} has arguments but cannot be invoked as function"
                ))),
                Some(f) => Ok(Ev::from_result(f)),
                None => {
                    let t = if static_iface {
                        "interface {}".to_string()
                    } else {
                        o.type_name().to_string()
                    };
                    Err(self.errorf(format!("can't evaluate field {name} in type {t}")))
                }
            },
            Value::Map(m) => {
                if has_args {
                    return Err(self.errorf(format!("{name} is not a method but has arguments")));
                }
                match m.get(name) {
                    Some(x) if m.elem == ElemType::Interface => Ok(Ev::Iface(x)),
                    Some(x) => Ok(Ev::Val(x)),
                    None => match self.set.options.missing_key {
                        MissingKey::Default => Ok(Ev::Invalid),
                        MissingKey::Zero => Ok(zero_of(&m.elem)),
                        MissingKey::Error => {
                            Err(self.errorf(format!("map has no entry for key {name:?}")))
                        }
                    },
                }
            }
            other => {
                let t = if static_iface {
                    "interface {}".to_string()
                } else {
                    other.type_name()
                };
                Err(self.errorf(format!("can't evaluate field {name} in type {t}")))
            }
        }
    }

    fn eval_method(
        &mut self,
        dot: &Ev,
        o: &dyn helmd_yaml::Object,
        name: &str,
        node: At<'a>,
        args: &'a [Arg],
        fin: Option<Ev>,
    ) -> Result<Ev> {
        let given = args.len().saturating_sub(1) + usize::from(fin.is_some());
        if let Some(want) = o.method_arity(name)
            && given != want
        {
            return Err(self.errorf(format!(
                "wrong number of args for {name}: want {want} got {given}"
            )));
        }
        let argv = self.eval_args(dot, args, fin)?;
        match o.call_method(name, &argv) {
            Some(Ok(r)) => {
                // a method's result is charged like a function's (`.Files.Get`
                // builds a new string each time, as in Go)
                if !crate::budget::shared_with(&r, &argv) {
                    let cost = crate::budget::shallow_cost(&r);
                    if let Err(m) = self.shared.charge(cost) {
                        self.at = node;
                        return Err(self.errorf(m));
                    }
                }
                Ok(Ev::from_result(r))
            }
            Some(Err(e)) => {
                self.at = node;
                Err(self.errorf(format!("error calling {name}: {}", e.0)))
            }
            None => Err(self.errorf(format!(
                "can't evaluate field {name} in type {}",
                o.type_name()
            ))),
        }
    }

    /// An empty argument vector, reused from an earlier call when possible.
    fn new_argv(&mut self) -> Vec<Value> {
        self.shared.argv_pool.pop().unwrap_or_default()
    }

    /// Gives an argument vector back for reuse.
    fn recycle_argv(&mut self, mut argv: Vec<Value>) {
        argv.clear();
        if self.shared.argv_pool.len() < 64 {
            self.shared.argv_pool.push(argv);
        }
    }

    fn eval_args(&mut self, dot: &Ev, args: &'a [Arg], fin: Option<Ev>) -> Result<Vec<Value>> {
        let mut argv = self.new_argv();
        for a in args.iter().skip(1) {
            argv.push(self.eval_arg(dot, a)?.value());
        }
        if let Some(f) = fin {
            argv.push(f.value());
        }
        Ok(argv)
    }

    fn eval_function(
        &mut self,
        dot: &Ev,
        ident: &'a Arg,
        name: &str,
        call_node: At<'a>,
        args: &'a [Arg],
        fin: Option<Ev>,
    ) -> Result<Ev> {
        self.at = At::Arg(ident);
        let set: &'a Templates = self.set;
        let user = match ident {
            Arg::Identifier { func, .. } => func.resolve(&set.funcs, name),
            _ => set.funcs.get(name),
        };
        let arity = match (&user, builtins::arity(name)) {
            (Some(def), _) => def.arity,
            (None, Some(a)) => a,
            (None, None) => return Err(self.errorf(format!("{name:?} is not a defined function"))),
        };
        let given = args.len() - 1;
        let num_in = given + usize::from(fin.is_some());
        match arity {
            Arity::Exact(n) if num_in != n => {
                return Err(self.errorf(format!(
                    "wrong number of args for {name}: want {n} got {num_in}"
                )));
            }
            Arity::AtLeast(n) if num_in < n => {
                return Err(self.errorf(format!(
                    "wrong number of args for {name}: want at least {n} got {given}"
                )));
            }
            _ => {}
        }
        if user.is_none() && (name == "and" || name == "or") {
            return self.eval_and_or(dot, name == "or", args, fin);
        }
        let (params, rest): (&[ArgType], ArgType) = match &user {
            Some(def) => (&def.params, def.rest),
            None => (builtins::params(name), ArgType::Any),
        };
        let argv = self.eval_typed_args(dot, params, rest, args, fin)?;
        let result = match &user {
            Some(def) => {
                let mut cx = CallContext {
                    templates: self.set,
                    shared: self.shared,
                    depth: self.depth,
                };
                def.func.call(&mut cx, &argv)
            }
            None => builtins::call(name, &argv, args, self.shared.room()).map_err(|e| match e {
                FuncError::Limit(m) if m.is_empty() => {
                    FuncError::Limit(crate::budget::exceeded(self.shared.limits.max_memory))
                }
                e => e,
            }),
        };
        let result = result.and_then(|v| {
            if !crate::budget::shared_with(&v, &argv) {
                self.shared
                    .charge(crate::budget::shallow_cost(&v))
                    .map_err(FuncError::Limit)?;
            }
            Ok(v)
        });
        self.recycle_argv(argv);
        result.map(Ev::from_result).map_err(|e| {
            self.at = call_node;
            self.call_error(name, e)
        })
    }

    fn call_error(&self, name: &str, e: FuncError) -> Error {
        if let FuncError::Limit(m) = &e {
            return self.errorf(m.clone());
        }
        let mut err = self.errorf(format!("error calling {name}: {e}"));
        if let Error::Exec(x) = &mut err {
            x.cause = Some(e);
        }
        err
    }

    fn eval_typed_args(
        &mut self,
        dot: &Ev,
        params: &[ArgType],
        rest: ArgType,
        args: &'a [Arg],
        fin: Option<Ev>,
    ) -> Result<Vec<Value>> {
        if params.is_empty() && rest == ArgType::Any {
            return self.eval_args(dot, args, fin);
        }
        let mut argv = self.new_argv();
        for (i, a) in args.iter().skip(1).enumerate() {
            let want = params.get(i).copied().unwrap_or(rest);
            argv.push(self.eval_typed_arg(dot, want, a)?);
        }
        if let Some(f) = fin {
            let want = params.get(argv.len()).copied().unwrap_or(rest);
            argv.push(self.validate_type(want, f)?);
        }
        Ok(argv)
    }

    /// Go's `evalArg` for a typed parameter: constants of the wrong kind
    /// fail with "expected X; found Y", other values go through validateType.
    fn eval_typed_arg(&mut self, dot: &Ev, want: ArgType, a: &'a Arg) -> Result<Value> {
        let constant = matches!(
            a,
            Arg::Bool { .. } | Arg::Number { .. } | Arg::String { .. } | Arg::Nil { .. }
        );
        if want == ArgType::Any || !constant {
            let v = self.eval_arg(dot, a)?;
            return self.validate_type(want, v);
        }
        self.at = At::Arg(a);
        let ok = match (want, a) {
            (ArgType::String, Arg::String { value, .. }) => Some(value.clone()),
            (
                ArgType::Int,
                Arg::Number {
                    value: Ok(v @ Value::Int(..)),
                    ..
                },
            ) => Some(v.clone()),
            (
                ArgType::Int64,
                Arg::Number {
                    value: Ok(Value::Int(i, _)),
                    ..
                },
            ) => Some(Value::Int(*i, IntKind::Int64)),
            (
                ArgType::Float64,
                Arg::Number {
                    value: Ok(Value::Int(i, _)),
                    ..
                },
            ) => Some(Value::Float(*i as f64)),
            (
                ArgType::Float64,
                Arg::Number {
                    value: Ok(v @ Value::Float(_)),
                    ..
                },
            ) => Some(v.clone()),
            (ArgType::Bool, Arg::Bool { value, .. }) => Some(Value::Bool(*value)),
            (ArgType::Uint32, Arg::Number { value: Ok(v), .. }) => {
                unsigned_constant(v).map(|u| Value::Uint(u64::from(u as u32), UintKind::Uint32))
            }
            (ArgType::List, Arg::Nil { .. }) => Some(Value::nil_list(ElemType::Interface)),
            (ArgType::Map, Arg::Nil { .. }) => Some(Value::Map(Map::nil_map(ElemType::Interface))),
            _ => None,
        };
        match ok {
            Some(v) => Ok(v),
            None if matches!(want, ArgType::Map | ArgType::List | ArgType::Named(_))
                && !matches!(a, Arg::Nil { .. }) =>
            {
                Err(self.errorf(format!(
                    "can't handle {a} for arg of type {}",
                    want.go_name()
                )))
            }
            None if matches!(a, Arg::Nil { .. }) => {
                Err(self.errorf(format!("cannot assign nil to {}", want.go_name())))
            }
            None => {
                let what = match want {
                    ArgType::String => "string",
                    ArgType::Int | ArgType::Int64 => "integer",
                    ArgType::Uint32 => "unsigned integer",
                    ArgType::Float64 => "float",
                    ArgType::Bool => "bool",
                    ArgType::Any | ArgType::Map | ArgType::List | ArgType::Named(_) => "value",
                };
                Err(self.errorf(format!("expected {what}; found {a}")))
            }
        }
    }

    /// Go's `validateType`.
    fn validate_type(&self, want: ArgType, v: Ev) -> Result<Value> {
        let (iface_nil, v) = match v {
            Ev::Invalid => {
                if want == ArgType::Any {
                    return Ok(Value::Nil);
                }
                if want == ArgType::Map {
                    return Ok(Value::Map(Map::nil_map(ElemType::Interface)));
                }
                if want == ArgType::List {
                    return Ok(Value::nil_list(ElemType::Interface));
                }
                return Err(self.errorf(format!("invalid value; expected {}", want.go_name())));
            }
            Ev::Iface(Value::Nil) => (true, Value::Nil),
            Ev::Iface(v) | Ev::Val(v) => (false, v),
        };
        let ok = matches!(
            (want, &v),
            (ArgType::Any, _)
                | (ArgType::String, Value::String(_))
                | (ArgType::Int, Value::Int(_, IntKind::Int))
                | (ArgType::Int64, Value::Int(_, IntKind::Int64))
                | (ArgType::Float64, Value::Float(_))
                | (ArgType::Bool, Value::Bool(_))
                | (ArgType::Uint32, Value::Uint(_, UintKind::Uint32))
        ) || match (want, &v) {
            (ArgType::List, Value::List(l)) => l.elem == ElemType::Interface,
            (ArgType::Map, Value::Map(m)) => m.elem == ElemType::Interface,
            (ArgType::Named(name), Value::Object(o)) => o.type_name() == name,
            _ => false,
        };
        if ok {
            if let (ArgType::Map, Value::Map(m)) = (want, &v) {
                return Ok(Value::Map(m.unnamed()));
            }
            return Ok(v);
        }
        let got = if iface_nil {
            "interface {}".to_string()
        } else {
            v.type_name()
        };
        Err(self.errorf(format!(
            "wrong type for value; expected {}; got {got}",
            want.go_name()
        )))
    }

    fn eval_and_or(
        &mut self,
        dot: &Ev,
        is_or: bool,
        args: &'a [Arg],
        fin: Option<Ev>,
    ) -> Result<Ev> {
        let mut v = Ev::Invalid;
        for a in args.iter().skip(1) {
            v = self.eval_arg(dot, a)?;
            if v.truth() == is_or {
                return Ok(v);
            }
        }
        if let Some(f) = fin {
            v = f;
        }
        Ok(v)
    }

    fn eval_arg(&mut self, dot: &Ev, arg: &'a Arg) -> Result<Ev> {
        self.at = At::Arg(arg);
        match arg {
            Arg::Dot { .. } => Ok(dot.clone()),
            Arg::Nil { .. } => Ok(Ev::Iface(Value::Nil)),
            Arg::Field { idents, .. } => {
                self.eval_field_chain(dot, dot.clone(), idents, std::slice::from_ref(arg), None)
            }
            Arg::Variable { idents, .. } => {
                self.eval_variable(dot, arg, idents, std::slice::from_ref(arg), None)
            }
            Arg::Pipe(p) => self.eval_pipeline(dot, p),
            Arg::Identifier { name, .. } => self.eval_function(
                dot,
                arg,
                name,
                At::Arg(arg),
                std::slice::from_ref(arg),
                None,
            ),
            Arg::Chain { .. } => self.eval_chain(dot, arg, std::slice::from_ref(arg), None),
            Arg::Bool { value, .. } => Ok(Ev::Val(Value::Bool(*value))),
            Arg::String { value, .. } => Ok(Ev::Val(value.clone())),
            Arg::Number { value, .. } => match value {
                Ok(v) => Ok(Ev::Val(v.clone())),
                Err(e) => Err(self.errorf(e.clone())),
            },
        }
    }
}

/// Go's `NumberNode.IsUint` and `Uint64` for a number constant: non-negative
/// integers, and floats holding an exact non-negative integer.
fn unsigned_constant(v: &Value) -> Option<u64> {
    match v {
        Value::Int(i, _) => u64::try_from(*i).ok(),
        Value::Uint(u, _) => Some(*u),
        Value::Float(f) if *f >= 0.0 && f.fract() == 0.0 && *f < 18_446_744_073_709_551_616.0 => {
            Some(*f as u64)
        }
        _ => None,
    }
}
