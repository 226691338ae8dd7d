//! Go text/template's parser: items to [`Tree`]s, with Go's error texts.

use std::sync::Arc;

use helmd_yaml::Value;

use crate::ast::{ActionNode, Arg, Branch, Command, Node, Pipe, TemplateNode, TextNode, Tree};
use crate::error::{Error, Result};
use crate::lex::{Item, ItemKind, lex};

/// What a parse needs besides the text.
pub struct ParseConfig<'a> {
    /// Left delimiter (`{{` when empty).
    pub left: &'a str,
    /// Right delimiter (`}}` when empty).
    pub right: &'a str,
    /// Whether a function name is defined (Go checks at parse time).
    pub has_function: &'a dyn Fn(&str) -> bool,
}

/// Parses `text` as template `name`: the first tree is `name` itself, the
/// rest are its `define`s and `block`s, in order.
pub fn parse(name: &str, text: &str, config: &ParseConfig<'_>) -> Result<Vec<Tree>> {
    let items = lex(text, config.left, config.right);
    let text: Arc<str> = Arc::from(text);
    let parse_name: Arc<str> = Arc::from(name);
    let mut p = Parser {
        items,
        i: 0,
        text: text.clone(),
        parse_name: parse_name.clone(),
        config,
        vars: vec![Arc::from("$")],
        range_depth: 0,
        action_line: 0,
        trees: Vec::new(),
        last_line: 1,
    };
    let root = p.parse_root()?;
    let main = Tree {
        name: parse_name.clone(),
        parse_name,
        text,
        root,
    };
    let mut out: Vec<Tree> = Vec::new();
    add_tree(&mut out, main, &p)?;
    for t in std::mem::take(&mut p.trees) {
        add_tree(&mut out, t, &p)?;
    }
    Ok(out)
}

/// Go's `Tree.add`: an empty definition never replaces a non-empty one;
/// two non-empty ones in one parse are an error.
fn add_tree(out: &mut Vec<Tree>, t: Tree, p: &Parser<'_>) -> Result<()> {
    if let Some(i) = out.iter().position(|o| o.name == t.name) {
        if out[i].is_empty() {
            out[i] = t;
        } else if !t.is_empty() {
            return Err(p.err_at(
                p.last_line,
                format!("template: multiple definition of template {:?}", &*t.name),
            ));
        }
        return Ok(());
    }
    out.push(t);
    Ok(())
}

struct Parser<'a> {
    items: Vec<Item>,
    i: usize,
    text: Arc<str>,
    parse_name: Arc<str>,
    config: &'a ParseConfig<'a>,
    vars: Vec<Arc<str>>,
    range_depth: usize,
    action_line: usize,
    trees: Vec<Tree>,
    last_line: usize,
}

/// What ended an item list.
enum End {
    End,
    Else,
}

impl Parser<'_> {
    fn err_at(&self, line: usize, msg: String) -> Error {
        Error::Parse {
            name: self.parse_name.to_string(),
            line,
            message: msg,
        }
    }

    fn err(&self, msg: String) -> Error {
        self.err_at(self.last_line, msg)
    }

    fn next(&mut self) -> Item {
        let item = match self.items.get(self.i) {
            Some(it) => it.clone(),
            None => self.items.last().cloned().unwrap_or(Item {
                kind: ItemKind::Eof,
                pos: 0,
                val: String::new(),
                line: 1,
            }),
        };
        self.i += 1;
        self.last_line = item.line;
        item
    }

    fn backup(&mut self) {
        self.i = self.i.saturating_sub(1);
    }

    fn peek(&self) -> ItemKind {
        self.items.get(self.i).map_or(ItemKind::Eof, |it| it.kind)
    }

    fn peek_item(&self) -> Option<&Item> {
        self.items.get(self.i)
    }

    fn next_non_space(&mut self) -> Item {
        loop {
            let it = self.next();
            if it.kind != ItemKind::Space {
                return it;
            }
        }
    }

    fn peek_non_space(&mut self) -> Item {
        let it = self.next_non_space();
        self.backup();
        it
    }

    fn unexpected(&self, item: &Item, context: &str) -> Error {
        if item.kind == ItemKind::Error {
            let mut extra = String::new();
            if self.action_line != 0 && self.action_line != item.line {
                extra = format!(
                    " in action started at {}:{}",
                    self.parse_name, self.action_line
                );
                if item.val.ends_with(" action") {
                    extra = extra[" in action".len()..].to_string();
                }
            }
            return self.err_at(item.line, format!("{}{}", item.val, extra));
        }
        self.err_at(
            item.line,
            format!("unexpected {} in {}", item.describe(), context),
        )
    }

    fn expect(&mut self, kind: ItemKind, context: &str) -> Result<Item> {
        let it = self.next_non_space();
        if it.kind != kind {
            return Err(self.unexpected(&it, context));
        }
        Ok(it)
    }

    fn parse_root(&mut self) -> Result<Vec<Node>> {
        let mut root = Vec::new();
        while self.peek() != ItemKind::Eof {
            if self.peek() == ItemKind::LeftDelim {
                let save = self.i;
                self.next();
                if self.next_non_space().kind == ItemKind::Define {
                    self.parse_definition()?;
                    continue;
                }
                self.i = save;
            }
            match self.text_or_action()? {
                Parsed::Node(n) => root.push(n),
                Parsed::End => return Err(self.err("unexpected {{end}}".into())),
                Parsed::Else => return Err(self.err("unexpected {{else}}".into())),
            }
        }
        if let Some(it) = self.peek_item()
            && it.kind == ItemKind::Eof
        {
            self.last_line = it.line;
        }
        // A lexer error ends the stream: report it.
        if let Some(it) = self
            .items
            .last()
            .filter(|it| it.kind == ItemKind::Error)
            .cloned()
        {
            return Err(self.unexpected(&it, "input"));
        }
        Ok(root)
    }

    fn parse_definition(&mut self) -> Result<()> {
        let context = "define clause";
        let name_item = self.next_non_space();
        if !matches!(name_item.kind, ItemKind::String | ItemKind::RawString) {
            return Err(self.unexpected(&name_item, context));
        }
        let name = self.unquote(&name_item.val)?;
        self.expect(ItemKind::RightDelim, context)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec![Arc::from("$")]);
        let (list, end) = self.item_list()?;
        self.vars = saved_vars;
        if !matches!(end, End::End) {
            return Err(self.err(format!("unexpected {} in {context}", "{{else}}")));
        }
        self.push_tree(name, list)
    }

    fn push_tree(&mut self, name: String, root: Vec<Node>) -> Result<()> {
        let t = Tree {
            name: Arc::from(name),
            parse_name: self.parse_name.clone(),
            text: self.text.clone(),
            root,
        };
        if let Some(i) = self.trees.iter().position(|o| o.name == t.name) {
            if self.trees[i].is_empty() {
                self.trees[i] = t;
            } else if !t.is_empty() {
                return Err(self.err(format!(
                    "template: multiple definition of template {:?}",
                    &*t.name
                )));
            }
            return Ok(());
        }
        if *t.name == *self.parse_name && !t.is_empty() {
            // Defining the file's own name: the definition wins later in add_tree.
        }
        self.trees.push(t);
        Ok(())
    }

    fn item_list(&mut self) -> Result<(Vec<Node>, End)> {
        let mut list = Vec::new();
        while self.peek_non_space().kind != ItemKind::Eof {
            match self.text_or_action()? {
                Parsed::Node(n) => list.push(n),
                Parsed::End => return Ok((list, End::End)),
                Parsed::Else => return Ok((list, End::Else)),
            }
        }
        let eof = self.peek_non_space();
        if let Some(it) = self
            .items
            .last()
            .filter(|it| it.kind == ItemKind::Error)
            .cloned()
        {
            return Err(self.unexpected(&it, "input"));
        }
        Err(self.err_at(eof.line, "unexpected EOF".into()))
    }

    fn text_or_action(&mut self) -> Result<Parsed> {
        let it = self.next_non_space();
        match it.kind {
            ItemKind::Text => Ok(Parsed::Node(Node::Text(TextNode {
                pos: it.pos,
                text: Arc::from(it.val),
            }))),
            ItemKind::LeftDelim => {
                self.action_line = it.line;
                let r = self.action();
                self.action_line = 0;
                r
            }
            _ => Err(self.unexpected(&it, "input")),
        }
    }

    fn action(&mut self) -> Result<Parsed> {
        let it = self.next_non_space();
        match it.kind {
            ItemKind::Block => return self.block_control().map(Parsed::Node),
            ItemKind::Break | ItemKind::Continue => {
                let word = if it.kind == ItemKind::Break {
                    "break"
                } else {
                    "continue"
                };
                let t = self.next_non_space();
                if t.kind != ItemKind::RightDelim {
                    return Err(self.unexpected(&t, &format!("{{{{{word}}}}}")));
                }
                if self.range_depth == 0 {
                    return Err(self.err(format!("{{{{{word}}}}} outside {{{{range}}}}")));
                }
                return Ok(Parsed::Node(if word == "break" {
                    Node::Break(it.pos)
                } else {
                    Node::Continue(it.pos)
                }));
            }
            ItemKind::Else => {
                let peek = self.peek_non_space();
                if matches!(peek.kind, ItemKind::If | ItemKind::With) {
                    return Ok(Parsed::Else);
                }
                self.expect(ItemKind::RightDelim, "else")?;
                return Ok(Parsed::Else);
            }
            ItemKind::End => {
                self.expect(ItemKind::RightDelim, "end")?;
                return Ok(Parsed::End);
            }
            ItemKind::If => return self.control("if").map(Parsed::Node),
            ItemKind::Range => return self.control("range").map(Parsed::Node),
            ItemKind::With => return self.control("with").map(Parsed::Node),
            ItemKind::Template => return self.template_control().map(Parsed::Node),
            _ => {}
        }
        self.backup();
        let pos = self.peek_item().map_or(0, |i| i.pos);
        let pipe = self.pipeline("command", ItemKind::RightDelim)?;
        Ok(Parsed::Node(Node::Action(ActionNode { pos, pipe })))
    }

    fn control(&mut self, context: &str) -> Result<Node> {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.control_scoped(context))
    }

    fn control_scoped(&mut self, context: &str) -> Result<Node> {
        let vars_len = self.vars.len();
        let r = self.control_inner(context);
        self.vars.truncate(vars_len);
        let b = r?;
        Ok(match context {
            "if" => Node::If(b),
            "range" => Node::Range(b),
            _ => Node::With(b),
        })
    }

    fn control_inner(&mut self, context: &str) -> Result<Branch> {
        let pipe = self.pipeline(context, ItemKind::RightDelim)?;
        if context == "range" {
            self.range_depth += 1;
        }
        let r = self.item_list();
        if context == "range" {
            self.range_depth -= 1;
        }
        let (list, end) = r?;
        let mut else_list = None;
        if let End::Else = end {
            if context == "if" && self.peek() == ItemKind::If {
                self.next();
                else_list = Some(vec![self.control("if")?]);
            } else if context == "with" && self.peek() == ItemKind::With {
                self.next();
                else_list = Some(vec![self.control("with")?]);
            } else {
                let (l, end2) = self.item_list()?;
                if !matches!(end2, End::End) {
                    return Err(self.err("expected end; found {{else}}".into()));
                }
                else_list = Some(l);
            }
        }
        Ok(Branch {
            pos: pipe.pos,
            pipe,
            list,
            else_list,
        })
    }

    fn template_name(&mut self, it: &Item, context: &str) -> Result<String> {
        match it.kind {
            ItemKind::String | ItemKind::RawString => self.unquote(&it.val),
            _ => Err(self.unexpected(it, context)),
        }
    }

    fn template_control(&mut self) -> Result<Node> {
        let context = "template clause";
        let it = self.next_non_space();
        let name = self.template_name(&it, context)?;
        let mut pipe = None;
        if self.next_non_space().kind != ItemKind::RightDelim {
            self.backup();
            pipe = Some(self.pipeline(context, ItemKind::RightDelim)?);
        }
        Ok(Node::Template(TemplateNode {
            pos: it.pos,
            name: Arc::from(name),
            pipe,
        }))
    }

    fn block_control(&mut self) -> Result<Node> {
        let context = "block clause";
        let it = self.next_non_space();
        let name = self.template_name(&it, context)?;
        let pipe = self.pipeline(context, ItemKind::RightDelim)?;
        let saved_vars = std::mem::replace(&mut self.vars, vec![Arc::from("$")]);
        let saved_depth = std::mem::replace(&mut self.range_depth, 0);
        let r = self.item_list();
        self.vars = saved_vars;
        self.range_depth = saved_depth;
        let (list, end) = r?;
        if !matches!(end, End::End) {
            return Err(self.err(format!("unexpected {} in {context}", "{{else}}")));
        }
        self.push_tree(name.clone(), list)?;
        Ok(Node::Template(TemplateNode {
            pos: it.pos,
            name: Arc::from(name),
            pipe: Some(pipe),
        }))
    }

    fn pipeline(&mut self, context: &str, end: ItemKind) -> Result<Pipe> {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.pipeline_inner(context, end))
    }

    fn pipeline_inner(&mut self, context: &str, end: ItemKind) -> Result<Pipe> {
        let first = self.peek_non_space();
        let mut pipe = Pipe {
            pos: first.pos,
            is_assign: false,
            decl: Vec::new(),
            cmds: Vec::new(),
        };
        self.declarations(&mut pipe, context)?;
        loop {
            let it = self.next_non_space();
            match it.kind {
                k if k == end => {
                    self.check_pipeline(&pipe, context)?;
                    return Ok(pipe);
                }
                ItemKind::Bool
                | ItemKind::CharConstant
                | ItemKind::Dot
                | ItemKind::Field
                | ItemKind::Identifier
                | ItemKind::Number
                | ItemKind::Nil
                | ItemKind::RawString
                | ItemKind::String
                | ItemKind::Variable
                | ItemKind::LeftParen => {
                    self.backup();
                    let cmd = self.command()?;
                    pipe.cmds.push(cmd);
                }
                _ => return Err(self.unexpected(&it, context)),
            }
        }
    }

    fn declarations(&mut self, pipe: &mut Pipe, context: &str) -> Result<()> {
        loop {
            let v = self.peek_non_space();
            if v.kind != ItemKind::Variable {
                return Ok(());
            }
            let save = self.i;
            self.next_non_space();
            let next = self.peek_non_space();
            match next.kind {
                ItemKind::Assign | ItemKind::Declare => {
                    pipe.is_assign = next.kind == ItemKind::Assign;
                    self.next_non_space();
                    pipe.decl.push((v.pos, Arc::from(v.val.as_str())));
                    self.vars.push(Arc::from(v.val.as_str()));
                    return Ok(());
                }
                ItemKind::Char if next.val == "," => {
                    self.next_non_space();
                    pipe.decl.push((v.pos, Arc::from(v.val.as_str())));
                    self.vars.push(Arc::from(v.val.as_str()));
                    if context == "range" && pipe.decl.len() < 2 {
                        let k = self.peek_non_space().kind;
                        if matches!(
                            k,
                            ItemKind::Variable | ItemKind::RightDelim | ItemKind::RightParen
                        ) {
                            continue;
                        }
                        return Err(self.err("range can only initialize variables".into()));
                    }
                    return Err(self.err(format!("too many declarations in {context}")));
                }
                _ => {
                    self.i = save;
                    return Ok(());
                }
            }
        }
    }

    fn check_pipeline(&self, pipe: &Pipe, context: &str) -> Result<()> {
        if pipe.cmds.is_empty() {
            return Err(self.err(format!("missing value for {context}")));
        }
        for (i, c) in pipe.cmds.iter().enumerate().skip(1) {
            if matches!(
                c.args.first(),
                Some(
                    Arg::Bool { .. }
                        | Arg::Dot { .. }
                        | Arg::Nil { .. }
                        | Arg::Number { .. }
                        | Arg::String { .. }
                )
            ) {
                return Err(self.err(format!(
                    "non executable command in pipeline stage {}",
                    i + 1
                )));
            }
        }
        Ok(())
    }

    fn command(&mut self) -> Result<Command> {
        let pos = self.peek_non_space().pos;
        let mut cmd = Command {
            pos,
            args: Vec::new(),
        };
        loop {
            self.peek_non_space();
            if let Some(operand) = self.operand()? {
                cmd.args.push(operand);
            }
            let it = self.next();
            match it.kind {
                ItemKind::Space => continue,
                ItemKind::RightDelim | ItemKind::RightParen => self.backup(),
                ItemKind::Pipe => {}
                _ => return Err(self.unexpected(&it, "operand")),
            }
            break;
        }
        if cmd.args.is_empty() {
            return Err(self.err("empty command".into()));
        }
        Ok(cmd)
    }

    fn operand(&mut self) -> Result<Option<Arg>> {
        let Some(node) = self.term()? else {
            return Ok(None);
        };
        if self.peek() != ItemKind::Field {
            return Ok(Some(node));
        }
        let chain_pos = self.peek_item().map_or(0, |i| i.pos);
        let mut fields: Vec<Arc<str>> = Vec::new();
        while self.peek() == ItemKind::Field {
            let f = self.next();
            fields.push(Arc::from(&f.val[1..]));
        }
        Ok(Some(match node {
            Arg::Field { mut idents, .. } => {
                idents.extend(fields);
                Arg::Field {
                    pos: chain_pos,
                    idents,
                }
            }
            Arg::Variable { mut idents, .. } => {
                idents.extend(fields);
                Arg::Variable {
                    pos: chain_pos,
                    idents,
                }
            }
            Arg::Bool { .. }
            | Arg::String { .. }
            | Arg::Number { .. }
            | Arg::Nil { .. }
            | Arg::Dot { .. } => {
                return Err(self.err(format!("unexpected . after term {:?}", node.to_string())));
            }
            other => Arg::Chain {
                pos: chain_pos,
                node: Box::new(other),
                fields,
            },
        }))
    }

    fn term(&mut self) -> Result<Option<Arg>> {
        let it = self.next_non_space();
        let pos = it.pos;
        Ok(Some(match it.kind {
            ItemKind::Identifier => {
                if !(self.config.has_function)(&it.val) {
                    return Err(self.err(format!("function {:?} not defined", it.val)));
                }
                Arg::Identifier {
                    pos,
                    name: Arc::from(it.val),
                    func: Default::default(),
                }
            }
            ItemKind::Dot => Arg::Dot { pos },
            ItemKind::Nil => Arg::Nil { pos },
            ItemKind::Variable => {
                let idents: Vec<Arc<str>> = it.val.split('.').map(Arc::from).collect();
                if !self.vars.iter().any(|v| **v == *idents[0]) {
                    return Err(self.err(format!("undefined variable {:?}", &*idents[0])));
                }
                Arg::Variable { pos, idents }
            }
            ItemKind::Field => Arg::Field {
                pos,
                idents: vec![Arc::from(&it.val[1..])],
            },
            ItemKind::Bool => Arg::Bool {
                pos,
                value: it.val == "true",
            },
            ItemKind::CharConstant | ItemKind::Number => {
                let value = crate::number::parse_number(&it.val, it.kind == ItemKind::CharConstant)
                    .map_err(|e| self.err(e))?;
                Arg::Number {
                    pos,
                    text: Arc::from(it.val),
                    value,
                }
            }
            ItemKind::LeftParen => Arg::Pipe(Box::new(
                self.pipeline("parenthesized pipeline", ItemKind::RightParen)?,
            )),
            ItemKind::String | ItemKind::RawString => {
                let s = self.unquote(&it.val)?;
                Arg::String {
                    pos,
                    quoted: Arc::from(it.val),
                    value: Value::from(s),
                }
            }
            _ => {
                self.backup();
                return Ok(None);
            }
        }))
    }

    fn unquote(&self, s: &str) -> Result<String> {
        crate::number::go_unquote(s).ok_or_else(|| self.err("invalid syntax".into()))
    }
}

/// A parsed item: a node, or the `{{end}}`/`{{else}}` that ends a list.
enum Parsed {
    Node(Node),
    End,
    Else,
}

#[cfg(test)]
mod tests;
