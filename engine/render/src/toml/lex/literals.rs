//! The lexer's states for literals: basic, literal and multi-line strings
//! with their escapes, numbers, datetimes and booleans.

use helmd_gotmpl::{go_quote, go_quote_rune};

use super::{EOF, Kind, Lexer, Next, State, is_nl};
use crate::sprig::go_is_letter;

impl Lexer<'_> {
    /// After the opening `"`: up to the closing one.
    pub(super) fn string(&mut self) -> Next {
        match self.next() {
            EOF => self.errorf("unexpected EOF; expected '\"'".into()),
            r if is_nl(r) => self.error_prev_line("strings cannot contain newlines".into()),
            '\\' => {
                self.push(State::String);
                Some(State::StringEscape)
            }
            '"' => {
                self.backup();
                let kind = if self.esc {
                    Kind::StringEsc
                } else {
                    Kind::String
                };
                self.esc = false;
                self.emit(kind);
                self.next();
                self.ignore();
                self.pop()
            }
            _ => Some(State::String),
        }
    }

    /// After the opening `"""`: up to the closing ones (which may follow up
    /// to two more quotes that belong to the string).
    pub(super) fn multiline_string(&mut self) -> Next {
        match self.next() {
            EOF => self.errorf("unexpected EOF; expected '\"\"\"'".into()),
            '\\' => Some(State::MultilineStringEscape),
            '"' => {
                if self.accept('"') {
                    if self.accept('"') {
                        if self.peek() == '"' {
                            let cur = self.current();
                            if cur.ends_with(b"\"\"\"\"\"") && !cur.ends_with(b"\\\"\"\"\"\"") {
                                return self.errorf("unexpected '\"\"\"\"\"\"'".into());
                            }
                            self.backup();
                            self.backup();
                            return Some(State::MultilineString);
                        }
                        self.backup();
                        self.backup();
                        self.backup();
                        self.esc = false;
                        self.emit(Kind::MultilineString);
                        self.next();
                        self.next();
                        self.next();
                        self.ignore();
                        return self.pop();
                    }
                    self.backup();
                }
                Some(State::MultilineString)
            }
            _ => Some(State::MultilineString),
        }
    }

    pub(super) fn raw_string(&mut self) -> Next {
        match self.next() {
            EOF => self.errorf("unexpected EOF; expected \"'\"".into()),
            r if is_nl(r) => self.error_prev_line("strings cannot contain newlines".into()),
            '\'' => {
                self.backup();
                self.emit(Kind::RawString);
                self.next();
                self.ignore();
                self.pop()
            }
            _ => Some(State::RawString),
        }
    }

    pub(super) fn multiline_raw_string(&mut self) -> Next {
        match self.next() {
            EOF => self.errorf("unexpected EOF; expected \"'''\"".into()),
            '\'' => {
                if self.accept('\'') {
                    if self.accept('\'') {
                        if self.peek() == '\'' {
                            if self.current().ends_with(b"'''''") {
                                return self.errorf("unexpected \"''''''\"".into());
                            }
                            self.backup();
                            self.backup();
                            return Some(State::MultilineRawString);
                        }
                        self.backup();
                        self.backup();
                        self.backup();
                        self.emit(Kind::RawMultilineString);
                        self.next();
                        self.next();
                        self.next();
                        self.ignore();
                        return self.pop();
                    }
                    self.backup();
                }
                Some(State::MultilineRawString)
            }
            _ => Some(State::MultilineRawString),
        }
    }

    pub(super) fn multiline_string_escape(&mut self) -> Next {
        if is_nl(self.next()) {
            return Some(State::MultilineString);
        }
        self.backup();
        self.push(State::MultilineString);
        Some(State::StringEscape)
    }

    pub(super) fn string_escape(&mut self) -> Next {
        self.esc = true;
        match self.next() {
            'e' | 'b' | 't' | 'n' | 'f' | 'r' | '"' | ' ' | '\t' | '\\' => self.pop(),
            'x' => Some(State::HexEscape(2)),
            'u' => Some(State::HexEscape(4)),
            'U' => Some(State::HexEscape(8)),
            r => self.error(format!("invalid escape in string '\\{r}'")),
        }
    }

    /// `\x`, `\u` and `\U`: exactly `n` hexadecimal digits.
    pub(super) fn hex_escape(&mut self, n: usize) -> Next {
        for _ in 0..n {
            if !self.next().is_ascii_hexdigit() {
                let (count, esc) = match n {
                    2 => ("two", 'x'),
                    4 => ("four", 'u'),
                    _ => ("eight", 'U'),
                };
                let got = go_quote(&self.current_text());
                return self.errorf(format!(
                    "expected {count} hexadecimal digits after '\\{esc}', but got {got} instead"
                ));
            }
        }
        self.pop()
    }

    pub(super) fn number_or_date(&mut self) -> Next {
        match self.next() {
            r if r.is_ascii_digit() => Some(State::NumberOrDate),
            '-' | ':' => Some(State::Datetime),
            '_' => Some(State::DecimalNumber),
            '.' | 'e' | 'E' => Some(State::Float),
            _ => {
                self.backup();
                self.emit(Kind::Integer);
                self.pop()
            }
        }
    }

    pub(super) fn datetime(&mut self) -> Next {
        match self.next() {
            r if r.is_ascii_digit() => Some(State::Datetime),
            '-' | ':' | 'T' | 't' | ' ' | '.' | 'Z' | 'z' | '+' => Some(State::Datetime),
            _ => {
                self.backup();
                self.emit_trim(Kind::Datetime);
                self.pop()
            }
        }
    }

    /// The digits of a `0x`, `0o` or `0b` integer.
    pub(super) fn base_integer(&mut self, radix: u32) -> Next {
        let r = self.next();
        if r.is_digit(radix) || r == '_' {
            return Some(State::BaseInteger(radix));
        }
        self.backup();
        self.emit(Kind::Integer);
        self.pop()
    }

    pub(super) fn decimal_number(&mut self) -> Next {
        match self.next() {
            r if r.is_ascii_digit() || r == '_' => Some(State::DecimalNumber),
            '.' | 'e' | 'E' => Some(State::Float),
            _ => {
                self.backup();
                self.emit(Kind::Integer);
                self.pop()
            }
        }
    }

    /// After a sign: a decimal number, `inf` or `nan`.
    pub(super) fn decimal_number_start(&mut self) -> Next {
        let r = self.next();
        match r {
            'i' | 'n' => {
                let (a, b) = if r == 'i' { ('n', 'f') } else { ('a', 'n') };
                if !self.accept(a) || !self.accept(b) {
                    let cur = self.current_text();
                    return self.errorf(format!("invalid float: '{cur}'"));
                }
                self.emit(Kind::Float);
                return self.pop();
            }
            '0' => {
                let p = self.peek();
                if matches!(p, 'b' | 'o' | 'x') {
                    let cur = self.current_text();
                    return self.errorf(format!(
                        "cannot use sign with non-decimal numbers: '{cur}{p}'"
                    ));
                }
            }
            '.' => return self.errorf("floats must start with a digit, not '.'".into()),
            _ => {}
        }
        if r.is_ascii_digit() {
            return Some(State::DecimalNumber);
        }
        self.errorf(format!("expected a digit but got {}", go_quote_rune(r)))
    }

    /// After a leading `0`: a base prefix, a float, or more digits.
    pub(super) fn base_number_or_date(&mut self) -> Next {
        let r = self.next();
        if r.is_ascii_digit() {
            return Some(State::NumberOrDate);
        }
        let (radix, what) = match r {
            '_' => return Some(State::DecimalNumber),
            '.' | 'e' | 'E' => return Some(State::Float),
            'b' => (2, "a binary"),
            'o' => (8, "an octal"),
            'x' => (16, "a hexadecimal"),
            _ => {
                self.backup();
                self.emit(Kind::Integer);
                return self.pop();
            }
        };
        let p = self.peek();
        if !p.is_digit(radix) {
            // Go queues this error and lexes on; the parser stops at it
            let cur = self.current_text();
            self.errorf(format!("not {what} number: '{cur}{p}'"));
        }
        Some(State::BaseInteger(radix))
    }

    pub(super) fn float(&mut self) -> Next {
        match self.next() {
            r if r.is_ascii_digit() => Some(State::Float),
            '_' | '.' | '-' | '+' | 'e' | 'E' => Some(State::Float),
            _ => {
                self.backup();
                self.emit(Kind::Float);
                self.pop()
            }
        }
    }

    pub(super) fn bool(&mut self) -> Next {
        let mut word = String::new();
        loop {
            let r = self.next();
            if !go_is_letter(r) {
                self.backup();
                break;
            }
            word.push(r);
        }
        if word == "true" || word == "false" {
            self.emit(Kind::Bool);
            return self.pop();
        }
        self.errorf(format!(
            "expected value but found {} instead",
            go_quote(&word)
        ))
    }
}
