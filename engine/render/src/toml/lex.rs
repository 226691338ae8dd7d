//! The TOML lexer of BurntSushi/toml v1.6.0 (what Helm 4's `fromToml` runs):
//! a state machine run one state at a time, only when the parser wants an
//! item, so items and errors reach the parser in Helm's order, with Helm's
//! line numbers and texts.
//!
//! Go's quirks are kept on purpose (they decide which error a bad document
//! reports): the end of input reads as the rune 0, some number errors are
//! queued while lexing goes on, a newline error points at the line before.

mod literals;
mod structure;

use std::collections::VecDeque;

/// What `next` returns at the end of the input (Go's `eof` is rune 0).
pub(super) const EOF: char = '\0';

/// What `next` returns after it queued an error (Go's `utf8.RuneError`).
pub(super) const BAD: char = char::REPLACEMENT_CHARACTER;

/// The kinds of item the lexer emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Eof,
    Text,
    String,
    StringEsc,
    RawString,
    MultilineString,
    RawMultilineString,
    Bool,
    Integer,
    Float,
    Datetime,
    Array,
    ArrayEnd,
    TableStart,
    TableEnd,
    ArrayTableStart,
    ArrayTableEnd,
    KeyStart,
    KeyEnd,
    CommentStart,
    InlineTableStart,
    InlineTableEnd,
}

/// One item: its kind, its text (a byte range of the input) and its line.
#[derive(Debug, Clone, Copy)]
pub(super) struct Item {
    pub kind: Kind,
    pub start: usize,
    pub end: usize,
    pub line: usize,
}

/// What the parser receives.
#[derive(Debug)]
pub(super) enum Token {
    Item(Item),
    /// A syntax error: the parser reports it with its line.
    Error {
        line: usize,
        message: String,
    },
    /// An internal inconsistency (Go panics with this text).
    Bug(String),
}

/// The lexer's states (Go's state functions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Top,
    TopEnd,
    TableStart,
    TableEnd,
    ArrayTableEnd,
    TableNameStart,
    TableNameEnd,
    BareName,
    QuotedName,
    KeyStart,
    KeyNameStart,
    KeyEnd,
    Value,
    ArrayValue,
    ArrayValueEnd,
    ArrayEnd,
    InlineTableValue,
    InlineTableValueEnd,
    InlineTableEnd,
    String,
    MultilineString,
    RawString,
    MultilineRawString,
    MultilineStringEscape,
    StringEscape,
    HexEscape(usize),
    NumberOrDateStart,
    NumberOrDate,
    Datetime,
    BaseInteger(u32),
    DecimalNumber,
    DecimalNumberStart,
    BaseNumberOrDate,
    Float,
    Bool,
    CommentStart,
    Comment,
}

type Next = Option<State>;

pub(super) struct Lexer<'a> {
    input: &'a [u8],
    start: usize,
    pos: usize,
    line: usize,
    state: Next,
    stack: Vec<State>,
    queue: VecDeque<Token>,
    /// The string being lexed had an escape.
    esc: bool,
    /// Widths of the last runes read, newest first, for `backup`.
    widths: [usize; 4],
    nprev: usize,
    at_eof: bool,
    /// A bug was reported: nothing more is queued.
    broken: bool,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(input: &'a [u8]) -> Lexer<'a> {
        Lexer {
            input,
            start: 0,
            pos: 0,
            line: 1,
            state: Some(State::Top),
            stack: Vec::new(),
            queue: VecDeque::new(),
            esc: false,
            widths: [0; 4],
            nprev: 0,
            at_eof: false,
            broken: false,
        }
    }

    /// The text of an item.
    pub(super) fn text(&self, it: &Item) -> &'a [u8] {
        self.input.get(it.start..it.end).unwrap_or_default()
    }

    /// The next item, running states until one is queued.
    pub(super) fn next_item(&mut self) -> Token {
        loop {
            if let Some(tok) = self.queue.pop_front() {
                return tok;
            }
            match self.state.take() {
                Some(state) if !self.broken => self.state = self.step(state),
                _ => return Token::Bug("BUG in lexer: no state left".into()),
            }
        }
    }

    fn push(&mut self, s: State) {
        self.stack.push(s);
    }

    fn pop(&mut self) -> Next {
        match self.stack.pop() {
            Some(s) => Some(s),
            None => self.bug("BUG in lexer: no states to pop"),
        }
    }

    /// Go panics here: whatever this state queued is lost with it.
    fn bug(&mut self, text: &str) -> Next {
        self.queue.clear();
        self.queue.push_back(Token::Bug(text.into()));
        self.broken = true;
        None
    }

    fn put(&mut self, tok: Token) {
        if !self.broken {
            self.queue.push_back(tok);
        }
    }

    fn current(&self) -> &'a [u8] {
        self.input.get(self.start..self.pos).unwrap_or_default()
    }

    fn current_text(&self) -> String {
        String::from_utf8_lossy(self.current()).into_owned()
    }

    fn emit(&mut self, kind: Kind) {
        if self.start > self.pos {
            let b = self.input.get(self.pos).copied().unwrap_or(0);
            self.error(format!("invalid UTF-8 byte: 0x{b:02x}"));
            return;
        }
        self.emit_range(kind, self.start, self.pos);
    }

    fn emit_trim(&mut self, kind: Kind) {
        let text = self.current();
        let lead = text.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let trail = text[lead..]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        self.emit_range(kind, self.start + lead, self.pos - trail);
    }

    fn emit_range(&mut self, kind: Kind, start: usize, end: usize) {
        self.put(Token::Item(Item {
            kind,
            start,
            end,
            line: self.line,
        }));
        self.start = self.pos;
    }

    /// Reads one rune: `EOF` at the end, `BAD` (after queueing the error)
    /// for a byte that is not UTF-8 or a control character.
    fn next(&mut self) -> char {
        if self.at_eof {
            self.bug("BUG in lexer: next called after EOF");
            return EOF;
        }
        let Some(&first) = self.input.get(self.pos) else {
            self.at_eof = true;
            return EOF;
        };
        if first == b'\n' {
            self.line += 1;
        }
        self.widths.copy_within(0..3, 1);
        self.nprev = (self.nprev + 1).min(4);
        let Some((r, w)) = decode_rune(&self.input[self.pos..]) else {
            self.error(format!("invalid UTF-8 byte: 0x{first:02x}"));
            return BAD;
        };
        let lone_cr = r == '\r' && self.input.get(self.pos + 1) != Some(&b'\n');
        if is_control(r) || lone_cr {
            self.error_at_line(format!(
                "TOML files cannot contain control characters: '0x{:02x}'",
                r as u32
            ));
            return BAD;
        }
        self.widths[0] = w;
        self.pos += w;
        r
    }

    fn ignore(&mut self) {
        self.start = self.pos;
    }

    /// Steps back one rune (up to four times between reads).
    fn backup(&mut self) {
        if self.at_eof {
            self.at_eof = false;
            return;
        }
        if self.nprev < 1 {
            self.bug("BUG in lexer: backed up too far");
            return;
        }
        let w = self.widths[0];
        self.widths.copy_within(1..4, 0);
        self.nprev -= 1;
        self.pos = self.pos.saturating_sub(w);
        if self.input.get(self.pos) == Some(&b'\n') {
            self.line = self.line.saturating_sub(1);
        }
    }

    fn accept(&mut self, valid: char) -> bool {
        if self.next() == valid {
            return true;
        }
        self.backup();
        false
    }

    fn peek(&mut self) -> char {
        let r = self.next();
        self.backup();
        r
    }

    fn skip(&mut self, pred: fn(char) -> bool) {
        loop {
            let r = self.next();
            if !pred(r) {
                self.backup();
                self.ignore();
                return;
            }
        }
    }

    /// Go's `lexer.error`: at the end of input the error points at the line before.
    fn error(&mut self, message: String) -> Next {
        if self.at_eof {
            return self.error_prev_line(message);
        }
        self.error_at_line(message)
    }

    fn error_at_line(&mut self, message: String) -> Next {
        self.put(Token::Error {
            line: self.line,
            message,
        });
        None
    }

    fn error_prev_line(&mut self, message: String) -> Next {
        self.put(Token::Error {
            line: self.line.saturating_sub(1),
            message,
        });
        None
    }

    /// Go's `lexer.errorf`: at the end of input, after a newline, the line before.
    fn errorf(&mut self, message: String) -> Next {
        let mut line = self.line;
        if self.at_eof && self.pos >= 1 && self.input.get(self.pos - 1) == Some(&b'\n') {
            line = line.saturating_sub(1);
        }
        self.put(Token::Error { line, message });
        None
    }

    fn step(&mut self, state: State) -> Next {
        match state {
            State::Top => self.top(),
            State::TopEnd => self.top_end(),
            State::TableStart => self.table_start(),
            State::TableEnd => {
                self.emit(Kind::TableEnd);
                Some(State::TopEnd)
            }
            State::ArrayTableEnd => self.array_table_end(),
            State::TableNameStart => self.table_name_start(),
            State::TableNameEnd => self.table_name_end(),
            State::BareName => self.bare_name(),
            State::QuotedName => self.quoted_name(),
            State::KeyStart => self.key_start(),
            State::KeyNameStart => self.key_name_start(),
            State::KeyEnd => self.key_end(),
            State::Value => self.value(),
            State::ArrayValue => self.array_value(),
            State::ArrayValueEnd => self.array_value_end(),
            State::ArrayEnd => {
                self.ignore();
                self.emit(Kind::ArrayEnd);
                self.pop()
            }
            State::InlineTableValue => self.inline_table_value(),
            State::InlineTableValueEnd => self.inline_table_value_end(),
            State::InlineTableEnd => {
                self.ignore();
                self.emit(Kind::InlineTableEnd);
                self.pop()
            }
            State::String => self.string(),
            State::MultilineString => self.multiline_string(),
            State::RawString => self.raw_string(),
            State::MultilineRawString => self.multiline_raw_string(),
            State::MultilineStringEscape => self.multiline_string_escape(),
            State::StringEscape => self.string_escape(),
            State::HexEscape(n) => self.hex_escape(n),
            State::NumberOrDateStart => {
                if self.next() == '0' {
                    Some(State::BaseNumberOrDate)
                } else {
                    Some(State::NumberOrDate)
                }
            }
            State::NumberOrDate => self.number_or_date(),
            State::Datetime => self.datetime(),
            State::BaseInteger(radix) => self.base_integer(radix),
            State::DecimalNumber => self.decimal_number(),
            State::DecimalNumberStart => self.decimal_number_start(),
            State::BaseNumberOrDate => self.base_number_or_date(),
            State::Float => self.float(),
            State::Bool => self.bool(),
            State::CommentStart => {
                self.ignore();
                self.emit(Kind::CommentStart);
                Some(State::Comment)
            }
            State::Comment => {
                let r = self.next();
                if is_nl(r) || r == EOF {
                    self.backup();
                    self.emit(Kind::Text);
                    return self.pop();
                }
                Some(State::Comment)
            }
        }
    }
}

/// Go's `utf8.DecodeRune`: the rune and its width, None for an invalid byte.
fn decode_rune(b: &[u8]) -> Option<(char, usize)> {
    let width = match b.first()? {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return None,
    };
    let s = std::str::from_utf8(b.get(..width)?).ok()?;
    s.chars().next().map(|c| (c, width))
}

fn rune_or_eof(r: char) -> String {
    if r == EOF {
        "end of file".into()
    } else {
        format!("'{r}'")
    }
}

fn is_whitespace(r: char) -> bool {
    r == '\t' || r == ' '
}

fn is_nl(r: char) -> bool {
    r == '\n' || r == '\r'
}

/// Control characters other than tab, CR and LF.
fn is_control(r: char) -> bool {
    !matches!(r, '\t' | '\r' | '\n') && (r <= '\u{1f}' || r == '\u{7f}')
}

pub(super) fn is_bare_key_char(r: char) -> bool {
    r.is_ascii_alphanumeric() || r == '_' || r == '-'
}
