//! Flow collections that span lines, indented as go-yaml allows and yaml-rust2 refuses.
//!
//! go-yaml v2 (libyaml) checks no indentation inside a flow collection: its lines
//! may start at any column, at or left of the key that holds it
//! (`args: [` … `]` with the items and the `]` at the key's column). yaml-rust2
//! wants every token of a flow collection right of the enclosing block's indent
//! and fails ("invalid indentation", "invalid indentation in flow construct",
//! "invalid indentation in quoted scalar").
//!
//! Inside a flow collection the leading white space of a line is never content
//! (plain and quoted scalars fold it away; block scalars cannot occur), so
//! [`reindent`] moves those lines right of the collection's opening bracket and
//! the text parses as go-yaml reads the original. Line numbers are unchanged, so
//! errors later in the text still name go-yaml's lines.

use yaml_rust2::scanner::{Scanner, Token, TokenType};

/// Texts of this many chars or fewer are re-read for every collection fixed; longer
/// ones only while the re-reading stays under [`MAX_REREAD`].
pub(super) const MAX_REREAD: usize = 256 * 1024 * 1024;

/// Messages of the scan errors a flow collection's indentation gives.
pub(super) fn is_indentation_error(info: &str) -> bool {
    matches!(
        info,
        "invalid indentation"
            | "invalid indentation in flow construct"
            | "invalid indentation in quoted scalar"
    )
}

/// `text` with the lines of the outermost flow collection open at char `at` (where
/// yaml-rust2 failed) moved right of its opening bracket; `None` when `at` is
/// not inside a flow collection or no line needed moving.
pub(super) fn reindent(text: &str, at: usize) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let open = outermost_open(&chars, at)?;
    let end = flow_end(&chars, open.index());
    let column = open.col() + 1;
    let mut out = String::with_capacity(text.len() + 64);
    let mut changed = false;
    let mut line_start = 0;
    while line_start < chars.len() {
        let line_end = chars[line_start..]
            .iter()
            .position(|c| *c == '\n')
            .map_or(chars.len(), |p| line_start + p + 1);
        let line = &chars[line_start..line_end];
        let inside = line_start > open.index() && line_start < end;
        let spaces = line.iter().take_while(|c| **c == ' ').count();
        let blank = line[spaces..]
            .iter()
            .all(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
        if inside && !blank && spaces < column {
            out.extend(std::iter::repeat_n(' ', column - spaces));
            changed = true;
        }
        out.extend(line);
        line_start = line_end;
    }
    changed.then_some(out)
}

/// The opening token of the outermost flow collection still open at char `at`:
/// the tokens yaml-rust2 reads from the text before `at` (it reads the same
/// tokens there as in the whole text).
fn outermost_open(chars: &[char], at: usize) -> Option<yaml_rust2::scanner::Marker> {
    let prefix = chars.get(..at)?;
    let mut open: Vec<yaml_rust2::scanner::Marker> = Vec::new();
    for Token(mark, kind) in Scanner::new(prefix.iter().copied()) {
        match kind {
            TokenType::FlowSequenceStart | TokenType::FlowMappingStart => open.push(mark),
            TokenType::FlowSequenceEnd | TokenType::FlowMappingEnd => {
                open.pop();
            }
            _ => {}
        }
    }
    open.first().copied()
}

/// Where the flow collection opening at `start` ends (just past its closing
/// bracket; the text's end if it never closes), read with flow context's rules:
/// brackets nest, quoted scalars and comments hide them, and a plain scalar
/// (where a quote is an ordinary char) ends at a flow indicator.
fn flow_end(chars: &[char], start: usize) -> usize {
    let mut depth = 0usize;
    // Whether a new token may start here (a quote then opens a quoted scalar).
    let mut token_start = true;
    let mut i = start;
    while i < chars.len() {
        let c = chars[i];
        let blank_before = i == 0 || matches!(chars[i - 1], ' ' | '\t' | '\n' | '\r');
        match c {
            '[' | '{' => {
                depth += 1;
                token_start = true;
            }
            ']' | '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return i + 1;
                }
                token_start = false;
            }
            ',' => token_start = true,
            '#' if blank_before => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '\'' | '"' if token_start => {
                i = quoted_end(chars, i);
                token_start = false;
                continue;
            }
            ':' => {
                let next = chars.get(i + 1).copied().unwrap_or(' ');
                // A value indicator (then a node may follow) or part of a plain scalar.
                token_start =
                    matches!(next, ' ' | '\t' | '\n' | '\r' | ',' | '[' | ']' | '{' | '}');
            }
            '?' | '&' | '!' if token_start => {
                // An explicit key, an anchor or a tag: a node may follow it.
                while i < chars.len()
                    && !matches!(
                        chars[i],
                        ' ' | '\t' | '\n' | '\r' | ',' | '[' | ']' | '{' | '}'
                    )
                {
                    i += 1;
                }
                continue;
            }
            ' ' | '\t' | '\n' | '\r' => {}
            _ => token_start = false,
        }
        i += 1;
    }
    chars.len()
}

/// Just past the quoted scalar opening at `start` (`'` doubles itself, `"`
/// escapes with `\`); the text's end if it never closes.
fn quoted_end(chars: &[char], start: usize) -> usize {
    let quote = chars[start];
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if quote == '"' => i += 2,
            '\'' if quote == '\'' && chars.get(i + 1) == Some(&'\'') => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    chars.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Option<&str>) {
        let at = text.find("<<").map(|b| text[..b].chars().count());
        let clean = text.replace("<<", "");
        let got = reindent(&clean, at.unwrap_or(clean.chars().count()));
        assert_eq!(got.as_deref(), expected, "{text:?}");
    }

    #[test]
    fn lines_of_a_top_level_flow_move_right_of_its_bracket() {
        check(
            "args: [\n  \"a\",\n<<]\nb: 1\n",
            Some("args: [\n       \"a\",\n       ]\nb: 1\n"),
        );
    }

    #[test]
    fn only_the_collection_holding_the_error_moves() {
        check(
            "x:\n  c: [ a,\n  <<b ]\n  d: [\n  e ]\n",
            Some("x:\n  c: [ a,\n      b ]\n  d: [\n  e ]\n"),
        );
    }

    #[test]
    fn brackets_in_quotes_comments_and_plain_scalars_do_not_count() {
        check(
            "k: [ \"]\", 'it''s ]', # ]\n<<a'b, c\n]\nz: 1\n",
            Some("k: [ \"]\", 'it''s ]', # ]\n    a'b, c\n    ]\nz: 1\n"),
        );
    }

    #[test]
    fn an_error_outside_flow_collections_is_left_alone() {
        check("a: 1\n b<<: 2\n", None);
    }
}
