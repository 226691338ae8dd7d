//! Go text/template: lexer, parser, executor, builtins and fmt verbs; no Helm knowledge.
//!
//! Parse once into a [`Templates`] set (functions come from a [`FuncMap`]
//! the caller fills), then [`Templates::execute`] many times over
//! [`helmd_yaml::Value`] data. Errors print Go's exact texts.

pub mod ast;
mod budget;
mod builtins;
mod cache;
mod error;
mod exec;
pub mod fmt;
mod funcs;
mod hash;
mod lex;
mod number;
mod parse;
mod quote;
mod template;

pub use budget::approx_size;
pub use builtins::{html_escape, js_escape, query_escape};
pub use error::{Error, ExecError, FuncError, Result};
pub use funcs::{ArgType, Arity, CallContext, FuncDef, FuncMap, FuncResult, Function};
pub use lex::go_quote;
pub use quote::go_quote_rune;
pub use template::{
    CancelHook, DEFAULT_MAX_MEMORY, HostContext, Limits, MissingKey, Options, Templates,
};
