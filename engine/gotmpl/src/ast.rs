//! The parse tree, shaped like Go's text/template/parse nodes, with Go's
//! `String()` forms (they appear in execution error contexts).

use std::fmt;
use std::sync::Arc;

use helmd_yaml::Value;

/// A parsed template: its body plus what error messages need.
#[derive(Debug)]
pub struct Tree {
    /// The template's name (`define` name or file name).
    pub name: Arc<str>,
    /// Name of the top-level template being parsed when this one was defined.
    pub parse_name: Arc<str>,
    /// The full text parsed (positions index into it).
    pub text: Arc<str>,
    /// The body.
    pub root: Vec<Node>,
}

impl Tree {
    /// Whether the body is empty or only whitespace text (Go's `IsEmptyTree`).
    pub fn is_empty(&self) -> bool {
        self.root
            .iter()
            .all(|n| matches!(n, Node::Text(t) if t.text.trim().is_empty()))
    }

    /// `name:line:col` of a byte offset, as Go's `ErrorContext` prints it.
    pub fn location(&self, pos: usize) -> String {
        let pos = pos.min(self.text.len());
        let before = self.text.get(..pos).unwrap_or("");
        let line = 1 + before.matches('\n').count();
        let col = match before.rfind('\n') {
            Some(i) => pos - (i + 1),
            None => pos,
        };
        format!("{}:{}:{}", self.parse_name, line, col)
    }
}

/// A statement-level node.
#[derive(Debug, Clone)]
pub enum Node {
    /// Plain text.
    Text(TextNode),
    /// `{{pipeline}}`
    Action(ActionNode),
    /// `{{if}}`
    If(Branch),
    /// `{{range}}`
    Range(Branch),
    /// `{{with}}`
    With(Branch),
    /// `{{template "name" pipeline}}`
    Template(TemplateNode),
    /// `{{break}}`
    Break(usize),
    /// `{{continue}}`
    Continue(usize),
}

impl Node {
    /// Byte offset of the node (Go's `Position()`).
    pub fn pos(&self) -> usize {
        match self {
            Node::Text(t) => t.pos,
            Node::Action(a) => a.pos,
            Node::If(b) | Node::Range(b) | Node::With(b) => b.pos,
            Node::Template(t) => t.pos,
            Node::Break(p) | Node::Continue(p) => *p,
        }
    }
}

/// Plain text.
#[derive(Debug, Clone)]
pub struct TextNode {
    /// Byte offset.
    pub pos: usize,
    /// The text.
    pub text: Arc<str>,
}

/// An action.
#[derive(Debug, Clone)]
pub struct ActionNode {
    /// Byte offset.
    pub pos: usize,
    /// The pipeline.
    pub pipe: Pipe,
}

/// if / range / with.
#[derive(Debug, Clone)]
pub struct Branch {
    /// Byte offset of the pipeline.
    pub pos: usize,
    /// The controlling pipeline.
    pub pipe: Pipe,
    /// The body.
    pub list: Vec<Node>,
    /// The else body.
    pub else_list: Option<Vec<Node>>,
}

/// `{{template}}` (and the call half of `{{block}}`).
#[derive(Debug, Clone)]
pub struct TemplateNode {
    /// Byte offset.
    pub pos: usize,
    /// Template name.
    pub name: Arc<str>,
    /// Argument pipeline.
    pub pipe: Option<Pipe>,
}

/// A pipeline with optional variable declarations.
#[derive(Debug, Clone)]
pub struct Pipe {
    /// Byte offset.
    pub pos: usize,
    /// `=` rather than `:=`.
    pub is_assign: bool,
    /// Declared variables (`$x`), with positions.
    pub decl: Vec<(usize, Arc<str>)>,
    /// The commands.
    pub cmds: Vec<Command>,
}

/// One command of a pipeline.
#[derive(Debug, Clone)]
pub struct Command {
    /// Byte offset.
    pub pos: usize,
    /// Operands; the first may be a function.
    pub args: Vec<Arg>,
}

/// An operand.
#[derive(Debug, Clone)]
pub enum Arg {
    /// `.A.B`
    Field { pos: usize, idents: Vec<Arc<str>> },
    /// `(pipe).A.B` or `$x` with fields on a non-field term.
    Chain {
        pos: usize,
        node: Box<Arg>,
        fields: Vec<Arc<str>>,
    },
    /// A function name.
    Identifier {
        pos: usize,
        name: Arc<str>,
        /// The registry entry it resolved to, remembered per function set.
        func: FuncSlot,
    },
    /// `$x.A.B`
    Variable { pos: usize, idents: Vec<Arc<str>> },
    /// `.`
    Dot { pos: usize },
    /// `nil`
    Nil { pos: usize },
    /// `true` / `false`
    Bool { pos: usize, value: bool },
    /// A number constant; the value is Go's ideal-constant conversion (or its error).
    Number {
        pos: usize,
        text: Arc<str>,
        value: Result<Value, String>,
    },
    /// A string constant.
    String {
        pos: usize,
        quoted: Arc<str>,
        value: Value,
    },
    /// `(pipeline)`
    Pipe(Box<Pipe>),
}

/// What a function identifier resolved to in the function set with a given
/// id (sets with equal ids hold equal functions), so execution looks each
/// identifier up once instead of on every call.
#[derive(Default)]
pub struct FuncSlot(std::sync::OnceLock<(u64, Option<crate::funcs::FuncDef>)>);

impl FuncSlot {
    /// The entry for `name` in `funcs`.
    pub(crate) fn resolve<'s>(
        &'s self,
        funcs: &'s crate::funcs::FuncMap,
        name: &str,
    ) -> Option<&'s crate::funcs::FuncDef> {
        let (id, def) = self
            .0
            .get_or_init(|| (funcs.id(), funcs.get(name).cloned()));
        if *id == funcs.id() {
            def.as_ref()
        } else {
            funcs.get(name)
        }
    }
}

impl Clone for FuncSlot {
    fn clone(&self) -> Self {
        FuncSlot::default()
    }
}

impl fmt::Debug for FuncSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FuncSlot")
    }
}

impl Arg {
    /// Byte offset.
    pub fn pos(&self) -> usize {
        match self {
            Arg::Field { pos, .. }
            | Arg::Chain { pos, .. }
            | Arg::Identifier { pos, .. }
            | Arg::Variable { pos, .. }
            | Arg::Dot { pos }
            | Arg::Nil { pos }
            | Arg::Bool { pos, .. }
            | Arg::Number { pos, .. }
            | Arg::String { pos, .. } => *pos,
            Arg::Pipe(p) => p.pos,
        }
    }
}

impl fmt::Display for Arg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Arg::Field { idents, .. } => {
                for i in idents {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Chain { node, fields, .. } => {
                match node.as_ref() {
                    Arg::Pipe(p) => write!(f, "({p})")?,
                    other => write!(f, "{other}")?,
                }
                for i in fields {
                    write!(f, ".{i}")?;
                }
                Ok(())
            }
            Arg::Identifier { name, .. } => write!(f, "{name}"),
            Arg::Variable { idents, .. } => {
                let joined: Vec<&str> = idents.iter().map(|s| s.as_ref()).collect();
                write!(f, "{}", joined.join("."))
            }
            Arg::Dot { .. } => write!(f, "."),
            Arg::Nil { .. } => write!(f, "nil"),
            Arg::Bool { value, .. } => write!(f, "{value}"),
            Arg::Number { text, .. } => write!(f, "{text}"),
            Arg::String { quoted, .. } => write!(f, "{quoted}"),
            Arg::Pipe(p) => write!(f, "{p}"),
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, a) in self.args.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            match a {
                Arg::Pipe(p) => write!(f, "({p})")?,
                other => write!(f, "{other}")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Pipe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.decl.is_empty() {
            let names: Vec<&str> = self.decl.iter().map(|(_, n)| n.as_ref()).collect();
            write!(
                f,
                "{} {} ",
                names.join(", "),
                if self.is_assign { "=" } else { ":=" }
            )?;
        }
        for (i, c) in self.cmds.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{c}")?;
        }
        Ok(())
    }
}

fn write_list(f: &mut fmt::Formatter<'_>, list: &[Node]) -> fmt::Result {
    for n in list {
        write!(f, "{n}")?;
    }
    Ok(())
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let branch = |f: &mut fmt::Formatter<'_>, kw: &str, b: &Branch| {
            write!(f, "{{{{{kw} {}}}}}", b.pipe)?;
            write_list(f, &b.list)?;
            if let Some(e) = &b.else_list {
                f.write_str("{{else}}")?;
                write_list(f, e)?;
            }
            f.write_str("{{end}}")
        };
        match self {
            Node::Text(t) => f.write_str(&t.text),
            Node::Action(a) => write!(f, "{{{{{}}}}}", a.pipe),
            Node::If(b) => branch(f, "if", b),
            Node::Range(b) => branch(f, "range", b),
            Node::With(b) => branch(f, "with", b),
            Node::Template(t) => match &t.pipe {
                Some(p) => write!(f, "{{{{template {} {p}}}}}", crate::lex::go_quote(&t.name)),
                None => write!(f, "{{{{template {}}}}}", crate::lex::go_quote(&t.name)),
            },
            Node::Break(_) => f.write_str("{{break}}"),
            Node::Continue(_) => f.write_str("{{continue}}"),
        }
    }
}
