//! go-yaml v2's rules for tab characters, where yaml-rust2 decides differently.
//!
//! Learned from Helm v4 (values files through sigs.k8s.io/yaml), pinned by the
//! `values_tab_*` corpus cases:
//! - a tab where a token may start in block context — in a line's indentation, or
//!   right after `-`, `?` or an explicit `:` — is "found character that cannot start
//!   any token";
//! - after a plain scalar, the scanner reads on over line breaks looking for a
//!   continuation, and a tab in that indentation left of the scalar's block
//!   (column ≤ the block's indent) "violates indentation";
//! - in a block scalar, a tab in the indentation before the content column is
//!   "found a tab character where an indentation space is expected";
//! - a tab after a simple key's `:` separates like a space (yaml-rust2 refuses it
//!   before a letter: [`space_after_colon`] rewrites it for the retry), and so does
//!   a tab in a quoted scalar's continuation indentation ([`quoted_indentation`]).
//!
//! Tabs inside flow collections, quoted scalars and after content are left alone.

use yaml_rust2::scanner::{Scanner, TScalarStyle, Token, TokenType};

/// "found character that cannot start any token".
pub(super) const CANNOT_START: &str = "found character that cannot start any token";
/// A tab in the indentation that continues a plain scalar.
pub(super) const VIOLATES: &str = "found a tab character that violates indentation";
/// A tab in a block scalar's indentation.
pub(super) const BLOCK_SCALAR: &str =
    "found a tab character where an indentation space is expected";

/// The first tab go-yaml refuses: its char index, 0-based line and message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct TabProblem {
    pub index: usize,
    pub line: usize,
    pub message: &'static str,
}

/// Whether `text` has a tab where go-yaml might object (a cheap pre-filter).
pub(super) fn worth_checking(text: &str) -> bool {
    text.contains('\t')
        && text.lines().any(|l| {
            let rest = l.trim_start_matches([' ', '-', '?', ':']);
            rest.starts_with('\t') || l.trim_start_matches(' ').starts_with('\t')
        })
}

/// The first tab go-yaml v2 refuses in `text`, in text order.
pub(super) fn check(text: &str) -> Option<TabProblem> {
    let chars: Vec<char> = text.chars().collect();
    let lines = line_starts(&chars);
    let mut scanner = Scanner::new(text.chars());
    let tokens: Vec<Token> = scanner.by_ref().collect();
    let mut problems: Vec<TabProblem> = Vec::new();
    let mut skip_lines = vec![false; lines.len()];
    let problem = |index: usize, message| TabProblem {
        index,
        line: line_of(&lines, index),
        message,
    };

    // What each token sees: flow depth and the innermost block's indent.
    let mut flow = 0usize;
    let mut indents: Vec<i64> = Vec::new();
    let mut context = Vec::with_capacity(tokens.len());
    for (i, Token(mark, kind)) in tokens.iter().enumerate() {
        match kind {
            TokenType::FlowSequenceStart | TokenType::FlowMappingStart => flow += 1,
            TokenType::FlowSequenceEnd | TokenType::FlowMappingEnd => {
                flow = flow.saturating_sub(1);
            }
            TokenType::BlockMappingStart | TokenType::BlockSequenceStart => {
                // yaml-rust2 marks a mapping's start after its first key; the key
                // token that follows carries the column.
                let col = match tokens.get(i + 1) {
                    Some(Token(key, TokenType::Key)) if *kind == TokenType::BlockMappingStart => {
                        key.col()
                    }
                    _ => mark.col(),
                };
                indents.push(i64::try_from(col).unwrap_or(i64::MAX));
            }
            TokenType::BlockEnd => {
                indents.pop();
            }
            _ => {}
        }
        context.push((flow, indents.last().copied().unwrap_or(-1)));
    }

    for (i, Token(mark, kind)) in tokens.iter().enumerate() {
        let (flow, indent) = context[i];
        let at = mark.index();
        match kind {
            // Quoted scalars keep their own white space, tabs included.
            TokenType::Scalar(TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted, _) => {
                let end = quoted_end(&chars, at);
                for (l, start) in lines.iter().enumerate() {
                    if *start > at && *start <= end {
                        skip_lines[l] = true;
                    }
                }
            }
            TokenType::Scalar(TScalarStyle::Literal | TScalarStyle::Folded, _) if flow == 0 => {
                // The token marks the content; the `|`/`>` header follows the token
                // before it, on that token's line.
                let header_from = i.checked_sub(1).map_or(0, |j| tokens[j].0.index());
                if let Some(p) = block_scalar(&chars, &lines, header_from, indent, &mut skip_lines)
                {
                    problems.push(problem(p, BLOCK_SCALAR));
                }
            }
            TokenType::BlockEntry | TokenType::Key | TokenType::Value if flow == 0 => {
                let indicator = chars.get(at).copied();
                let explicit = match kind {
                    // yaml-rust2 marks an entry after its `-` and the blanks.
                    TokenType::BlockEntry => {
                        let dash = (0..at).rev().find(|j| !matches!(chars[*j], ' ' | '\t'));
                        if let Some(dash) = dash.filter(|d| chars[*d] == '-')
                            && let Some(tab) = tab_after_indicator(&chars, dash + 1)
                        {
                            problems.push(problem(tab, CANNOT_START));
                        }
                        false
                    }
                    TokenType::Key => indicator == Some('?'),
                    // An explicit `:` (a complex key's value) starts its line.
                    _ => indicator == Some(':') && first_on_line(&chars, &lines, at),
                };
                if explicit && let Some(tab) = tab_after_indicator(&chars, at + 1) {
                    problems.push(problem(tab, CANNOT_START));
                }
            }
            _ => {}
        }
    }

    // Tabs in a line's indentation.
    for (l, &start) in lines.iter().enumerate() {
        if skip_lines[l] {
            continue;
        }
        let Some(tab) = indentation_tab(&chars, start) else {
            continue;
        };
        let before = tokens.iter().rposition(|t| t.0.index() < start);
        let (flow, indent) = before.map_or((0, -1), |i| context[i]);
        if flow > 0 {
            continue;
        }
        let continues_plain = before.is_some_and(|i| {
            matches!(tokens[i].1, TokenType::Scalar(TScalarStyle::Plain, _))
                && !comment_between(&chars, tokens[i].0.index(), start)
        });
        if continues_plain {
            let col = i64::try_from(tab - start).unwrap_or(i64::MAX);
            if col <= indent {
                problems.push(problem(tab, VIOLATES));
            }
        } else {
            problems.push(problem(tab, CANNOT_START));
        }
    }
    // Only what the scanner reached counts; a scan error earlier wins elsewhere.
    let reached = scanner
        .get_error()
        .map_or(usize::MAX, |e| e.marker().index());
    problems
        .into_iter()
        .filter(|p| p.index <= reached)
        .min_by_key(|p| p.index)
}

/// What to do with a yaml-rust2 refusal that go-yaml may accept.
pub(super) enum Retry {
    /// Parse this text instead: the refused tabs read as the spaces go-yaml takes
    /// them for.
    With(String),
    /// go-yaml refuses it too, with this error.
    Refuse(TabProblem),
}

/// Tabs between a simple key's `:` and its value, which go-yaml reads as separating
/// space and yaml-rust2 refuses before a letter (its error `at` points past them).
/// After an explicit `:` (a complex key's value, first on its line) go-yaml refuses
/// them too.
pub(super) fn space_after_colon(text: &str, at: usize) -> Option<Retry> {
    let mut chars: Vec<char> = text.chars().collect();
    let mut i = at.min(chars.len());
    let mut first_tab = None;
    while i > 0 && matches!(chars[i - 1], '\t' | ' ') {
        if chars[i - 1] == '\t' {
            chars[i - 1] = ' ';
            first_tab = Some(i - 1);
        }
        i -= 1;
    }
    let tab = first_tab?;
    if i == 0 || chars[i - 1] != ':' {
        return None;
    }
    let lines = line_starts(&chars);
    if first_on_line(&chars, &lines, i - 1) {
        return Some(Retry::Refuse(TabProblem {
            index: tab,
            line: line_of(&lines, tab),
            message: CANNOT_START,
        }));
    }
    Some(Retry::With(chars.into_iter().collect()))
}

/// A quoted scalar's continuation line yaml-rust2 refused at `at` (a tab in its
/// indentation, or indented less than the block): go-yaml takes any indentation
/// there and folds it away, so the same text with those lines indented by spaces
/// to the opening quote's column parses to the same value.
pub(super) fn quoted_indentation(text: &str, at: usize) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut scanner = Scanner::new(text.chars());
    let last = scanner.by_ref().last()?;
    // After the last token the scanner produced: its indicator, blanks, a quote
    // left open up to the refused line.
    let mut open = last.0.index();
    if matches!(chars.get(open), Some(':' | '-' | '?' | ',' | '[' | '{')) {
        open += 1;
    }
    while matches!(chars.get(open), Some(' ' | '\t')) {
        open += 1;
    }
    chars.get(open).filter(|c| matches!(c, '"' | '\''))?;
    let close = quoted_end(&chars, open);
    if close < at {
        return None;
    }
    let lines = line_starts(&chars);
    let quote_col = open - lines[line_of(&lines, open)];
    let mut out = String::with_capacity(text.len() + 64);
    let mut changed = false;
    let mut i = 0;
    for (l, &start) in lines.iter().enumerate() {
        let end = lines.get(l + 1).copied().unwrap_or(chars.len());
        out.extend(&chars[i..start]);
        i = start;
        let inside = start > open && start <= close;
        let marker = chars[start..end].starts_with(&['-', '-', '-'])
            || chars[start..end].starts_with(&['.', '.', '.']);
        if inside && !marker {
            let ws = chars[start..end]
                .iter()
                .take_while(|c| matches!(c, ' ' | '\t'))
                .count();
            let tabs = chars[start..start + ws].contains(&'\t');
            if tabs || ws < quote_col {
                out.extend(std::iter::repeat_n(' ', ws.max(quote_col)));
                i = start + ws;
                changed = true;
            }
        }
    }
    out.extend(&chars[i..]);
    changed.then_some(out)
}

fn line_starts(chars: &[char]) -> Vec<usize> {
    let mut starts = vec![0];
    for (i, c) in chars.iter().enumerate() {
        if *c == '\n' && i + 1 < chars.len() {
            starts.push(i + 1);
        }
    }
    starts
}

fn line_of(lines: &[usize], index: usize) -> usize {
    lines.partition_point(|s| *s <= index).saturating_sub(1)
}

fn first_on_line(chars: &[char], lines: &[usize], at: usize) -> bool {
    let start = lines[line_of(lines, at)];
    chars[start..at].iter().all(|c| *c == ' ')
}

/// After an indicator at `from`: spaces, then a tab? Its index.
fn tab_after_indicator(chars: &[char], from: usize) -> Option<usize> {
    let mut i = from;
    while chars.get(i) == Some(&' ') {
        i += 1;
    }
    (chars.get(i) == Some(&'\t')).then_some(i)
}

/// The first tab in the line's leading spaces and tabs (blank lines included).
fn indentation_tab(chars: &[char], start: usize) -> Option<usize> {
    chars[start..]
        .iter()
        .take_while(|c| matches!(c, ' ' | '\t'))
        .position(|c| *c == '\t')
        .map(|p| start + p)
}

/// Whether a comment starts between `from` and `to`: a `#` after white space or
/// at a line start (a plain scalar stops there).
fn comment_between(chars: &[char], from: usize, to: usize) -> bool {
    (from + 1..to)
        .any(|i| chars[i] == '#' && matches!(chars.get(i - 1), Some(' ' | '\t' | '\n' | '\r')))
}

/// The index of the quote closing the scalar opened at `open`.
fn quoted_end(chars: &[char], open: usize) -> usize {
    let quote = chars.get(open).copied().unwrap_or('"');
    let mut i = open + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if quote == '"' => i += 1,
            '\'' if quote == '\'' && chars.get(i + 1) == Some(&'\'') => i += 1,
            c if c == quote => return i,
            _ => {}
        }
        i += 1;
    }
    chars.len()
}

/// Walks the lines of a block scalar whose `|`/`>` header comes after `from` on
/// that line (inside a block with indent `parent`) as go-yaml does, marking them in
/// `skip`; the index of a tab left of the content column, if any.
fn block_scalar(
    chars: &[char],
    lines: &[usize],
    from: usize,
    parent: i64,
    skip: &mut [bool],
) -> Option<usize> {
    let header_line = line_of(lines, from);
    let header_end = lines.get(header_line + 1).copied().unwrap_or(chars.len());
    let header = (from..header_end).find(|j| matches!(chars[*j], '|' | '>'))?;
    let explicit = chars[header + 1..header_end]
        .iter()
        .take_while(|c| !matches!(c, ' ' | '\t' | '#' | '\n' | '\r'))
        .find_map(|c| c.to_digit(10))
        .filter(|d| *d > 0)
        .map(i64::from);
    let mut indent: i64 = match explicit {
        Some(d) if parent >= 0 => parent + d,
        Some(d) => d,
        None => 0,
    };
    let mut max_indent: i64 = 0;
    for (l, &start) in lines.iter().enumerate().skip(header_line + 1) {
        let mut i = start;
        while chars.get(i) == Some(&' ') && (indent == 0 || ((i - start) as i64) < indent) {
            i += 1;
        }
        let col = (i - start) as i64;
        if (indent == 0 || col < indent) && chars.get(i) == Some(&'\t') {
            skip[l] = true;
            return Some(i);
        }
        let blank = matches!(chars.get(i), None | Some('\n' | '\r'));
        if blank {
            max_indent = max_indent.max(col);
            skip[l] = true;
            continue;
        }
        if indent == 0 {
            indent = max_indent.max(col).max(parent + 1).max(1);
        }
        if col < indent {
            return None;
        }
        skip[l] = true;
    }
    None
}
