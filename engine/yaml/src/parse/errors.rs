//! go-yaml v2's error texts and line numbers for yaml-rust2's scan errors.
//!
//! go-yaml prints `line N: ` from the problem's 0-based line: parser errors
//! print it as is, scanner errors add one, and line 0 prints nothing.

use crate::error::Error;

/// Where go-yaml reports an error.
enum At {
    /// A scanner error on this 0-based line (printed one higher).
    Scanner(usize),
    /// A parser error on this 0-based line (printed as is).
    Parser(usize),
}

/// go-yaml's message for the yaml-rust2 error `info` at char `index`,
/// 1-based `line`, in `text`.
pub(super) fn go_yaml_error(info: &str, index: usize, line: usize, text: &str) -> Error {
    if info == "while parsing node, found unknown anchor" {
        let name: String = text
            .chars()
            .skip(index)
            .skip_while(|c| *c == '*')
            .take_while(|c| !c.is_whitespace() && !matches!(c, ',' | ']' | '}'))
            .collect();
        return Error::Yaml(format!("unknown anchor '{name}' referenced"));
    }
    let line0 = line.saturating_sub(1);
    // yaml-rust2 says "while parsing a quoted scalar" for scanner errors.
    let parser = (info.starts_with("while parsing") && !info.contains("quoted scalar"))
        || info.starts_with("did not find expected <");
    let stripped = match info {
        m if m.starts_with("while ") => m.split_once(", ").map_or(m, |(_, rest)| rest),
        m => m,
    };
    let at = |parser: bool| {
        if parser {
            At::Parser(line0)
        } else {
            At::Scanner(line0)
        }
    };
    let (msg, at): (String, At) = match stripped {
        "expected ',' or ']'" => ("did not find expected ',' or ']'".into(), At::Parser(line0)),
        "tabs disallowed within this context (block indentation)"
        | "tabs disallowed in this context"
        | "'-' must be followed by a valid YAML whitespace" => (
            "found character that cannot start any token".into(),
            At::Scanner(line0),
        ),
        m if m.starts_with("unexpected character") => (
            "found character that cannot start any token".into(),
            At::Scanner(line0),
        ),
        // go-yaml does not check the indentation of quoted scalars: an
        // unclosed one runs to the end of the text.
        "invalid indentation in quoted scalar" => (
            "found unexpected end of stream".into(),
            At::Scanner(eof_line(text)),
        ),
        "found unexpected end of stream" if info.contains("quoted scalar") => {
            (stripped.into(), At::Scanner(eof_line(text)))
        }
        "illegal placement of ':' indicator" => match open_bracket(text, index) {
            Some('[') => ("did not find expected ',' or ']'".into(), At::Parser(line0)),
            Some(_) => ("did not find expected ',' or '}'".into(), At::Parser(line0)),
            None => (stripped.into(), at(parser)),
        },
        "duplicate version directive" => {
            ("found duplicate %YAML directive".into(), At::Parser(line0))
        }
        m if m.starts_with("invalid trailing content after") => {
            if line_starts_with_quote(text, line0) {
                // A quoted key without ':' — found stale at the next token.
                (
                    "could not find expected ':'".into(),
                    At::Scanner(next_content_line(text, line0)),
                )
            } else {
                ("did not find expected key".into(), At::Parser(line0))
            }
        }
        "a block scalar content cannot start with a tab" => (
            "found a tab character where an indentation space is expected".into(),
            At::Scanner(tab_line(text, line0)),
        ),
        "found a tab" => (
            "found a tab character that violates indentation".into(),
            At::Scanner(tab_line(text, line0)),
        ),
        "simple key expect ':'" => ("could not find expected ':'".into(), at(parser)),
        "the handle wasn't declared" => ("found undefined tag handle".into(), At::Parser(line0)),
        // go-yaml's own spelling.
        m if m.contains("hexadecimal number") => {
            (m.replace("hexadecimal", "hexdecimal"), at(parser))
        }
        m => (m.into(), at(parser)),
    };
    let printed = match at {
        At::Scanner(0) | At::Parser(0) => 0,
        At::Scanner(l) => l + 1,
        At::Parser(l) => l,
    };
    if printed == 0 {
        Error::Yaml(msg)
    } else {
        Error::Yaml(format!("line {printed}: {msg}"))
    }
}

/// The 0-based line of the end of the text.
fn eof_line(text: &str) -> usize {
    text.matches('\n').count()
}

/// The innermost flow bracket (`[` or `{`) still open before char `index`,
/// skipping quoted text and comments.
fn open_bracket(text: &str, index: usize) -> Option<char> {
    let mut stack = Vec::new();
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut prev = ' ';
    for c in text.chars().take(index) {
        if comment {
            comment = c != '\n';
        } else if let Some(q) = quote {
            if c == q {
                quote = None;
            }
        } else {
            match c {
                '"' | '\'' => quote = Some(c),
                '#' if prev.is_whitespace() => comment = true,
                '[' | '{' => stack.push(c),
                ']' | '}' => {
                    stack.pop();
                }
                _ => {}
            }
        }
        prev = c;
    }
    stack.pop()
}

/// Whether 0-based line `line0` starts (after indentation) with a quote.
fn line_starts_with_quote(text: &str, line0: usize) -> bool {
    text.lines()
        .nth(line0)
        .map(str::trim_start)
        .is_some_and(|l| l.starts_with(['"', '\'']))
}

/// The 0-based line where go-yaml's scanner stands after the rest of line
/// `line0`: a plain scalar reads on over blank lines (not over a comment),
/// or the end of the text.
fn next_content_line(text: &str, line0: usize) -> usize {
    text.lines()
        .enumerate()
        .skip(line0 + 1)
        .find(|(_, l)| !l.trim_start().is_empty())
        .map_or_else(|| eof_line(text), |(i, _)| i)
}

/// The first 0-based line from `line0` on whose indentation holds a tab.
fn tab_line(text: &str, line0: usize) -> usize {
    text.lines()
        .enumerate()
        .skip(line0)
        .find(|(_, l)| l.trim_start_matches(' ').starts_with('\t'))
        .map_or(line0, |(i, _)| i)
}
