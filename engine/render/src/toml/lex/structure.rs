//! The lexer's states for the document's structure: top level, table
//! headers, keys, values, arrays and inline tables (BurntSushi's state
//! functions, one method each).

use helmd_gotmpl::go_quote_rune;

use super::{EOF, Kind, Lexer, Next, State, is_bare_key_char, is_nl, is_whitespace, rune_or_eof};
use crate::sprig::go_is_letter;

impl Lexer<'_> {
    pub(super) fn top(&mut self) -> Next {
        let r = self.next();
        if is_whitespace(r) || is_nl(r) {
            self.ignore();
            return Some(State::Top);
        }
        match r {
            '#' => {
                self.push(State::Top);
                return Some(State::CommentStart);
            }
            '[' => return Some(State::TableStart),
            EOF => {
                if self.pos > self.start {
                    return self.errorf("unexpected EOF".into());
                }
                self.emit(Kind::Eof);
                return None;
            }
            _ => {}
        }
        self.backup();
        self.push(State::TopEnd);
        Some(State::KeyStart)
    }

    pub(super) fn top_end(&mut self) -> Next {
        let r = self.next();
        match r {
            '#' => {
                self.push(State::Top);
                Some(State::CommentStart)
            }
            r if is_whitespace(r) => Some(State::TopEnd),
            r if is_nl(r) => {
                self.ignore();
                Some(State::Top)
            }
            EOF => {
                self.emit(Kind::Eof);
                None
            }
            r => self.errorf(format!(
                "expected a top-level item to end with a newline, comment, or EOF, but got {} instead",
                go_quote_rune(r)
            )),
        }
    }

    pub(super) fn table_start(&mut self) -> Next {
        if self.peek() == '[' {
            self.next();
            self.emit(Kind::ArrayTableStart);
            self.push(State::ArrayTableEnd);
        } else {
            self.emit(Kind::TableStart);
            self.push(State::TableEnd);
        }
        Some(State::TableNameStart)
    }

    pub(super) fn array_table_end(&mut self) -> Next {
        let r = self.next();
        if r != ']' {
            return self.errorf(format!(
                "expected end of table array name delimiter ']', but got {} instead",
                go_quote_rune(r)
            ));
        }
        self.emit(Kind::ArrayTableEnd);
        Some(State::TopEnd)
    }

    pub(super) fn table_name_start(&mut self) -> Next {
        self.skip(is_whitespace);
        match self.peek() {
            ']' | EOF => {
                self.errorf("unexpected end of table name (table names cannot be empty)".into())
            }
            '.' => self.errorf("unexpected table separator (table names cannot be empty)".into()),
            '"' | '\'' => {
                self.ignore();
                self.push(State::TableNameEnd);
                Some(State::QuotedName)
            }
            _ => {
                self.push(State::TableNameEnd);
                Some(State::BareName)
            }
        }
    }

    pub(super) fn table_name_end(&mut self) -> Next {
        self.skip(is_whitespace);
        match self.next() {
            '.' => {
                self.ignore();
                Some(State::TableNameStart)
            }
            ']' => self.pop(),
            r => self.errorf(format!(
                "expected '.' or ']' to end table name, but got {} instead",
                go_quote_rune(r)
            )),
        }
    }

    pub(super) fn bare_name(&mut self) -> Next {
        if is_bare_key_char(self.next()) {
            return Some(State::BareName);
        }
        self.backup();
        self.emit(Kind::Text);
        self.pop()
    }

    pub(super) fn quoted_name(&mut self) -> Next {
        match self.next() {
            '"' => {
                self.ignore();
                Some(State::String)
            }
            '\'' => {
                self.ignore();
                Some(State::RawString)
            }
            r if is_whitespace(r) => {
                self.ignore();
                Some(State::Value)
            }
            EOF => self.errorf("unexpected EOF; expected value".into()),
            r => self.errorf(format!(
                "expected value but found {} instead",
                go_quote_rune(r)
            )),
        }
    }

    pub(super) fn key_start(&mut self) -> Next {
        self.skip(is_whitespace);
        match self.peek() {
            '=' | EOF => self.errorf("unexpected '=': key name appears blank".into()),
            '.' => self.errorf("unexpected '.': keys cannot start with a '.'".into()),
            r => {
                if r == '"' || r == '\'' {
                    self.ignore();
                }
                self.emit(Kind::KeyStart);
                Some(State::KeyNameStart)
            }
        }
    }

    pub(super) fn key_name_start(&mut self) -> Next {
        self.skip(is_whitespace);
        match self.peek() {
            '"' | '\'' => {
                self.ignore();
                self.push(State::KeyEnd);
                Some(State::QuotedName)
            }
            '=' | EOF => self.errorf("unexpected '='".into()),
            '.' => self.errorf("unexpected '.'".into()),
            _ => {
                self.push(State::KeyEnd);
                Some(State::BareName)
            }
        }
    }

    pub(super) fn key_end(&mut self) -> Next {
        self.skip(is_whitespace);
        match self.next() {
            r if is_whitespace(r) => {
                self.ignore();
                Some(State::KeyEnd)
            }
            EOF => self.errorf("unexpected EOF; expected key separator '='".into()),
            '.' => {
                self.ignore();
                Some(State::KeyNameStart)
            }
            '=' => {
                self.emit(Kind::KeyEnd);
                self.ignore();
                Some(State::Value)
            }
            r => {
                let message = format!("expected '.' or '=', but got {} instead", go_quote_rune(r));
                if r == '\n' {
                    return self.error_prev_line(message);
                }
                self.errorf(message)
            }
        }
    }

    pub(super) fn value(&mut self) -> Next {
        let r = self.next();
        if is_whitespace(r) {
            self.ignore();
            return Some(State::Value);
        }
        if r.is_ascii_digit() {
            self.backup();
            return Some(State::NumberOrDateStart);
        }
        match r {
            '[' => {
                self.ignore();
                self.emit(Kind::Array);
                return Some(State::ArrayValue);
            }
            '{' => {
                self.ignore();
                self.emit(Kind::InlineTableStart);
                return Some(State::InlineTableValue);
            }
            '"' => {
                if self.accept('"') {
                    if self.accept('"') {
                        self.ignore();
                        return Some(State::MultilineString);
                    }
                    self.backup();
                }
                self.ignore();
                return Some(State::String);
            }
            '\'' => {
                if self.accept('\'') {
                    if self.accept('\'') {
                        self.ignore();
                        return Some(State::MultilineRawString);
                    }
                    self.backup();
                }
                self.ignore();
                return Some(State::RawString);
            }
            '.' => return self.errorf("floats must start with a digit, not '.'".into()),
            'i' | 'n' => {
                // `inf` and `nan`; what was accepted stays read when neither
                let special = (self.accept('n') && self.accept('f'))
                    || (self.accept('a') && self.accept('n'));
                if special {
                    self.emit(Kind::Float);
                    return self.pop();
                }
            }
            '-' | '+' => return Some(State::DecimalNumberStart),
            _ => {}
        }
        if go_is_letter(r) {
            self.backup();
            return Some(State::Bool);
        }
        match r {
            EOF => self.errorf("unexpected EOF; expected value".into()),
            '\n' => self.error_prev_line(format!(
                "expected value but found {} instead",
                go_quote_rune(r)
            )),
            r => self.errorf(format!(
                "expected value but found {} instead",
                go_quote_rune(r)
            )),
        }
    }

    pub(super) fn array_value(&mut self) -> Next {
        match self.next() {
            r if is_whitespace(r) || is_nl(r) => {
                self.ignore();
                Some(State::ArrayValue)
            }
            '#' => {
                self.push(State::ArrayValue);
                Some(State::CommentStart)
            }
            ',' => self.errorf("unexpected comma".into()),
            ']' => Some(State::ArrayEnd),
            _ => {
                self.backup();
                self.push(State::ArrayValueEnd);
                Some(State::Value)
            }
        }
    }

    pub(super) fn array_value_end(&mut self) -> Next {
        match self.next() {
            r if is_whitespace(r) || is_nl(r) => {
                self.ignore();
                Some(State::ArrayValueEnd)
            }
            '#' => {
                self.push(State::ArrayValueEnd);
                Some(State::CommentStart)
            }
            ',' => {
                self.ignore();
                Some(State::ArrayValue)
            }
            ']' => Some(State::ArrayEnd),
            r => self.errorf(format!(
                "expected a comma (',') or array terminator (']'), but got {}",
                rune_or_eof(r)
            )),
        }
    }

    pub(super) fn inline_table_value(&mut self) -> Next {
        match self.next() {
            r if is_whitespace(r) || is_nl(r) => {
                self.ignore();
                Some(State::InlineTableValue)
            }
            '#' => {
                self.push(State::InlineTableValue);
                Some(State::CommentStart)
            }
            ',' => self.errorf("unexpected comma".into()),
            '}' => Some(State::InlineTableEnd),
            _ => {
                self.backup();
                self.push(State::InlineTableValueEnd);
                Some(State::KeyStart)
            }
        }
    }

    pub(super) fn inline_table_value_end(&mut self) -> Next {
        match self.next() {
            r if is_whitespace(r) || is_nl(r) => {
                self.ignore();
                Some(State::InlineTableValueEnd)
            }
            '#' => {
                self.push(State::InlineTableValueEnd);
                Some(State::CommentStart)
            }
            ',' => {
                self.ignore();
                self.skip(is_whitespace);
                if self.peek() == '}' {
                    return Some(State::InlineTableValueEnd);
                }
                Some(State::InlineTableValue)
            }
            '}' => Some(State::InlineTableEnd),
            r => self.errorf(format!(
                "expected a comma or an inline table terminator '}}', but got {} instead",
                rune_or_eof(r)
            )),
        }
    }
}
