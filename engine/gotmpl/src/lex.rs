//! Go text/template's lexer: text, actions, delimiters, trim markers, comments.

/// Kinds of lexical items, named after Go's `itemType`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// An error; the item's text is the message.
    Error,
    Bool,
    Char,
    CharConstant,
    Assign,
    Declare,
    Eof,
    Field,
    Identifier,
    LeftDelim,
    LeftParen,
    Number,
    Pipe,
    RawString,
    RightDelim,
    RightParen,
    Space,
    String,
    Text,
    Variable,
    // keywords
    Block,
    Break,
    Continue,
    Dot,
    Define,
    Else,
    End,
    If,
    Nil,
    Range,
    Template,
    With,
}

/// One lexical item.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Its kind.
    pub kind: ItemKind,
    /// Byte offset in the input.
    pub pos: usize,
    /// Its text (the message for errors).
    pub val: String,
    /// Line number at the start of the item.
    pub line: usize,
}

impl Item {
    /// Go's `item.String()`, used in "unexpected X in Y" messages.
    pub fn describe(&self) -> String {
        match self.kind {
            ItemKind::Eof => "EOF".into(),
            ItemKind::Error => self.val.clone(),
            k if k as u8 >= ItemKind::Block as u8 => format!("<{}>", self.val),
            _ if self.val.chars().count() > 10 => {
                let short: String = self.val.chars().take(10).collect();
                format!("{}...", go_quote(&short))
            }
            _ => go_quote(&self.val),
        }
    }
}

pub use crate::quote::{go_quote, go_unicode, is_go_printable, push_quoted_char};

const TRIM_MARKER: u8 = b'-';

/// The lexer state.
pub struct Lexer<'a> {
    input: &'a str,
    left: &'a str,
    right: &'a str,
    pos: usize,
    start: usize,
    start_line: usize,
    items: Vec<Item>,
    paren_depth: usize,
    in_action: bool,
}

/// Lexes `input` into items, ending with `Eof` or an `Error` item.
pub fn lex(input: &str, left: &str, right: &str) -> Vec<Item> {
    let left = if left.is_empty() { "{{" } else { left };
    let right = if right.is_empty() { "}}" } else { right };
    let mut l = Lexer {
        input,
        left,
        right,
        pos: 0,
        start: 0,
        start_line: 1,
        items: Vec::new(),
        paren_depth: 0,
        in_action: false,
    };
    l.run();
    l.items
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        &self.input[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn backup(&mut self, c: char) {
        self.pos -= c.len_utf8();
    }

    /// Moves `start` to `pos`, counting the lines passed.
    fn advance_start(&mut self) {
        self.start_line += self.input[self.start..self.pos].matches('\n').count();
        self.start = self.pos;
    }

    fn emit(&mut self, kind: ItemKind) {
        let val = self.input[self.start..self.pos].to_string();
        self.items.push(Item {
            kind,
            pos: self.start,
            val,
            line: self.start_line,
        });
        self.advance_start();
    }

    fn ignore(&mut self) {
        self.advance_start();
    }

    fn error(&mut self, msg: String) -> bool {
        self.items.push(Item {
            kind: ItemKind::Error,
            pos: self.start,
            val: msg,
            line: self.start_line,
        });
        false
    }

    fn run(&mut self) {
        loop {
            let ok = if self.in_action {
                self.inside_action()
            } else {
                self.text()
            };
            if !ok {
                return;
            }
        }
    }

    /// Scans text up to the next left delimiter.
    fn text(&mut self) -> bool {
        match self.rest().find(self.left) {
            Some(x) => {
                let ld = self.pos + x;
                let trim = has_left_trim(&self.input[ld + self.left.len()..]);
                let end = if trim {
                    self.input[..ld]
                        .trim_end_matches(is_space)
                        .len()
                        .max(self.start)
                } else {
                    ld
                };
                self.pos = end;
                if self.pos > self.start {
                    self.emit(ItemKind::Text);
                }
                self.pos = ld;
                self.ignore();
                self.left_delim(trim)
            }
            None => {
                self.pos = self.input.len();
                if self.pos > self.start {
                    self.emit(ItemKind::Text);
                }
                self.emit(ItemKind::Eof);
                false
            }
        }
    }

    fn left_delim(&mut self, trim: bool) -> bool {
        self.pos += self.left.len();
        let after_marker = if trim { 2 } else { 0 };
        if self.rest()[after_marker..].starts_with("/*") {
            self.pos += after_marker;
            self.ignore();
            return self.comment();
        }
        self.emit(ItemKind::LeftDelim);
        self.pos += after_marker;
        self.ignore();
        self.in_action = true;
        self.paren_depth = 0;
        true
    }

    fn comment(&mut self) -> bool {
        self.pos += 2;
        let Some(x) = self.rest().find("*/") else {
            return self.error("unclosed comment".into());
        };
        self.pos += x + 2;
        let (delim, trim) = self.at_right_delim();
        if !delim {
            return self.error("comment ends before closing delimiter".into());
        }
        if trim {
            self.pos += 2;
        }
        self.pos += self.right.len();
        if trim {
            self.skip_leading_space();
        }
        self.ignore();
        true
    }

    fn skip_leading_space(&mut self) {
        let rest = self.rest();
        let trimmed = rest.trim_start_matches(is_space);
        self.pos += rest.len() - trimmed.len();
    }

    /// Whether the input is at a right delimiter, possibly preceded by a trim marker.
    fn at_right_delim(&self) -> (bool, bool) {
        let rest = self.rest();
        if has_right_trim(rest) && rest[2..].starts_with(self.right) {
            return (true, true);
        }
        (rest.starts_with(self.right), false)
    }

    fn right_delim(&mut self, trim: bool) -> bool {
        if trim {
            self.pos += 2;
            self.ignore();
        }
        self.pos += self.right.len();
        self.emit(ItemKind::RightDelim);
        if trim {
            self.skip_leading_space();
            self.ignore();
        }
        self.in_action = false;
        true
    }

    fn inside_action(&mut self) -> bool {
        let (delim, trim) = self.at_right_delim();
        if delim {
            if self.paren_depth == 0 {
                return self.right_delim(trim);
            }
            return self.error("unclosed left paren".into());
        }
        let Some(c) = self.next() else {
            return self.error("unclosed action".into());
        };
        match c {
            c if is_space(c) => {
                self.backup(c);
                self.space()
            }
            '=' => {
                self.emit(ItemKind::Assign);
                true
            }
            ':' => {
                if self.next() != Some('=') {
                    return self.error("expected :=".into());
                }
                self.emit(ItemKind::Declare);
                true
            }
            '|' => {
                self.emit(ItemKind::Pipe);
                true
            }
            '"' => self.quote(),
            '`' => self.raw_quote(),
            '$' => self.variable(),
            '\'' => self.char_const(),
            '.' => {
                // Go: a '.' at the end of input falls through to number scanning.
                if self
                    .input
                    .as_bytes()
                    .get(self.pos)
                    .is_some_and(|c| !c.is_ascii_digit())
                {
                    return self.field();
                }
                self.backup('.');
                self.number()
            }
            '+' | '-' | '0'..='9' => {
                self.backup(c);
                self.number()
            }
            c if is_alnum(c) => {
                self.backup(c);
                self.identifier()
            }
            '(' => {
                self.emit(ItemKind::LeftParen);
                self.paren_depth += 1;
                true
            }
            ')' => {
                if self.paren_depth == 0 {
                    return self.error("unexpected right paren".into());
                }
                self.paren_depth -= 1;
                self.emit(ItemKind::RightParen);
                true
            }
            c if c.is_ascii_graphic() => {
                self.emit(ItemKind::Char);
                true
            }
            c => self.error(format!(
                "unrecognized character in action: {}",
                go_unicode(c)
            )),
        }
    }

    fn space(&mut self) -> bool {
        let mut n = 0;
        let mut last = ' ';
        while let Some(c) = self.peek() {
            if !is_space(c) {
                break;
            }
            self.next();
            last = c;
            n += 1;
        }
        let from = &self.input[self.pos - last.len_utf8()..];
        if has_right_trim(from) && from[2..].starts_with(self.right) {
            self.backup(last);
            if n == 1 {
                return true;
            }
        }
        self.emit(ItemKind::Space);
        true
    }

    fn identifier(&mut self) -> bool {
        while let Some(c) = self.peek() {
            if !is_alnum(c) {
                break;
            }
            self.next();
        }
        if !self.at_terminator() {
            let c = self.peek().unwrap_or(' ');
            return self.error(format!("bad character {}", go_unicode(c)));
        }
        let word = &self.input[self.start..self.pos];
        let kind = match word {
            "block" => ItemKind::Block,
            "break" => ItemKind::Break,
            "continue" => ItemKind::Continue,
            "define" => ItemKind::Define,
            "else" => ItemKind::Else,
            "end" => ItemKind::End,
            "if" => ItemKind::If,
            "range" => ItemKind::Range,
            "nil" => ItemKind::Nil,
            "template" => ItemKind::Template,
            "with" => ItemKind::With,
            "true" | "false" => ItemKind::Bool,
            _ => ItemKind::Identifier,
        };
        self.emit(kind);
        true
    }

    fn field(&mut self) -> bool {
        self.field_or_variable(ItemKind::Field)
    }

    fn variable(&mut self) -> bool {
        self.field_or_variable(ItemKind::Variable)
    }

    fn field_or_variable(&mut self, kind: ItemKind) -> bool {
        if self.at_terminator() {
            if kind == ItemKind::Variable {
                self.emit(ItemKind::Variable);
            } else {
                self.emit(ItemKind::Dot);
            }
            return true;
        }
        while let Some(c) = self.peek() {
            if !is_alnum(c) {
                break;
            }
            self.next();
        }
        if !self.at_terminator() {
            let c = self.peek().unwrap_or(' ');
            return self.error(format!("bad character {}", go_unicode(c)));
        }
        self.emit(kind);
        true
    }

    fn at_terminator(&self) -> bool {
        let Some(c) = self.peek() else { return true };
        if is_space(c) || matches!(c, '.' | ',' | '|' | ':' | ')' | '(') {
            return true;
        }
        self.rest().starts_with(self.right)
    }

    fn char_const(&mut self) -> bool {
        loop {
            match self.next() {
                Some('\\') => {
                    if self.next().is_some_and(|c| c != '\n') {
                        continue;
                    }
                    return self.error("unterminated character constant".into());
                }
                None | Some('\n') => return self.error("unterminated character constant".into()),
                Some('\'') => break,
                Some(_) => {}
            }
        }
        self.emit(ItemKind::CharConstant);
        true
    }

    fn quote(&mut self) -> bool {
        loop {
            match self.next() {
                Some('\\') => {
                    if self.next().is_some_and(|c| c != '\n') {
                        continue;
                    }
                    return self.error("unterminated quoted string".into());
                }
                None | Some('\n') => return self.error("unterminated quoted string".into()),
                Some('"') => break,
                Some(_) => {}
            }
        }
        self.emit(ItemKind::String);
        true
    }

    fn raw_quote(&mut self) -> bool {
        match self.rest().find('`') {
            Some(x) => {
                let end = self.pos + x + 1;
                while self.pos < end {
                    self.next();
                }
                self.emit(ItemKind::RawString);
                true
            }
            None => self.error("unterminated raw quoted string".into()),
        }
    }

    fn number(&mut self) -> bool {
        if !self.scan_number() {
            let text = &self.input[self.start..self.pos];
            return self.error(format!("bad number syntax: {}", go_quote(text)));
        }
        if matches!(self.peek(), Some('+' | '-')) {
            // Complex: 1+2i.
            if !self.scan_number() || self.input.as_bytes()[self.pos - 1] != b'i' {
                let text = &self.input[self.start..self.pos];
                return self.error(format!("bad number syntax: {}", go_quote(text)));
            }
        }
        self.emit(ItemKind::Number);
        true
    }

    fn accept(&mut self, valid: &str) -> bool {
        match self.peek() {
            Some(c) if valid.contains(c) => {
                self.next();
                true
            }
            _ => false,
        }
    }

    fn accept_run(&mut self, valid: &str) {
        while self.accept(valid) {}
    }

    fn scan_number(&mut self) -> bool {
        self.accept("+-");
        let mut digits = "0123456789_";
        if self.accept("0") {
            if self.accept("xX") {
                digits = "0123456789abcdefABCDEF_";
            } else if self.accept("oO") {
                digits = "01234567_";
            } else if self.accept("bB") {
                digits = "01_";
            }
        }
        self.accept_run(digits);
        if self.accept(".") {
            self.accept_run(digits);
        }
        if digits.len() == 11 && self.accept("eE") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        if digits.len() == 23 && self.accept("pP") {
            self.accept("+-");
            self.accept_run("0123456789_");
        }
        self.accept("i");
        if self.peek().is_some_and(is_alnum) {
            self.next();
            return false;
        }
        true
    }
}

/// `{{- ` : a trim marker after the left delimiter.
fn has_left_trim(after: &str) -> bool {
    let b = after.as_bytes();
    b.len() >= 2 && b[0] == TRIM_MARKER && is_space(b[1] as char)
}

/// ` -}}` : a trim marker before the right delimiter (caller checks the delimiter).
fn has_right_trim(rest: &str) -> bool {
    let b = rest.as_bytes();
    b.len() >= 2 && is_space(b[0] as char) && b[1] == TRIM_MARKER
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<(ItemKind, String)> {
        lex(s, "", "")
            .into_iter()
            .map(|i| (i.kind, i.val))
            .collect()
    }

    #[test]
    fn trim_markers_remove_surrounding_space() {
        let items = kinds("a  \n{{- .x -}}\n  b");
        assert_eq!(items[0], (ItemKind::Text, "a".into()));
        assert_eq!(items[2], (ItemKind::Field, ".x".into()));
        assert_eq!(items[4], (ItemKind::Text, "b".into()));
    }

    #[test]
    fn numbers_strings_and_chars_lex() {
        let items = kinds(r#"{{ 0x1F 1e3 -2 "a\"b" `raw` 'x' }}"#);
        let vals: Vec<_> = items
            .iter()
            .filter(|i| i.0 != ItemKind::Space)
            .map(|i| i.1.as_str())
            .collect();
        assert_eq!(
            vals,
            [
                "{{",
                "0x1F",
                "1e3",
                "-2",
                r#""a\"b""#,
                "`raw`",
                "'x'",
                "}}",
                ""
            ]
        );
    }

    #[test]
    fn comments_and_errors() {
        assert_eq!(kinds("{{/* c */}}x")[0], (ItemKind::Text, "x".into()));
        assert_eq!(
            kinds("{{ 3k }}").last().map(|i| i.1.clone()),
            Some("bad number syntax: \"3k\"".into())
        );
        assert_eq!(
            kinds("{{ .x").last().map(|i| i.1.clone()),
            Some("unclosed action".into())
        );
    }
}
