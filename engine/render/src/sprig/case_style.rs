//! xstrings' case styles as Sprig exposes them: `camelcase` (xstrings'
//! `ToPascalCase`), `snakecase` and `kebabcase` (word splitting on case
//! changes, numbers, connectors and punctuation; bytes that are not UTF-8 ride
//! with the valid rune after them, as xstrings' `nextValidRune` reads them).

use helmd_yaml::gostr::raw_byte;
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

use super::strings::{go_is_letter, go_is_upper, go_lower, go_upper};

fn is_connector(c: char) -> bool {
    c == '-' || c == '_' || c.is_whitespace()
}

/// xstrings' `ToPascalCase` (Sprig's `camelcase`).
pub(crate) fn camelcase(s: &str) -> String {
    let mut chars = s.chars();
    let mut out = String::new();
    let mut first_upper = false;
    let mut r0 = None;
    for c in chars.by_ref() {
        if !is_connector(c) {
            first_upper = go_is_upper(c);
            r0 = Some(go_upper(c));
            break;
        }
        out.push(c);
    }
    let Some(mut r0) = r0 else {
        // only connectors: xstrings writes the last one twice
        if let Some(last) = s.chars().last() {
            out.push(last);
        }
        return out;
    };
    for c in chars {
        let r1 = r0;
        r0 = c;
        if is_connector(r0) && is_connector(r1) {
            out.push(r1);
            continue;
        }
        if is_connector(r1) {
            first_upper = go_is_upper(r0);
            r0 = go_upper(r0);
        } else {
            if first_upper {
                if go_is_upper(r0) {
                    r0 = go_lower(r0);
                } else {
                    first_upper = false;
                }
            }
            out.push(r1);
        }
    }
    out.push(r0);
    out
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Word {
    Invalid,
    Number,
    Upper,
    Alpha,
    Connector,
    Punct,
    Other,
}

fn is_alphabet(c: char) -> bool {
    go_is_letter(c)
        && !(('\u{4e00}'..='\u{9fcc}').contains(&c)
            || ('\u{3400}'..='\u{4d85}').contains(&c)
            || ('\u{20000}'..='\u{2b81d}').contains(&c)
            || ('\u{f900}'..='\u{faff}').contains(&c))
}

/// Go's `unicode.IsPunct`: the general category P (`$+<=>^`|~` and `€` are symbols).
fn is_punct(c: char) -> bool {
    c.general_category_group() == GeneralCategoryGroup::Punctuation
}

fn is_number(c: char) -> bool {
    c.is_numeric()
}

/// Whether Go reads `c` as `utf8.RuneError`: a byte that is not UTF-8 (a raw-byte
/// character) or a real U+FFFD.
fn is_rune_error(c: char) -> bool {
    c == char::REPLACEMENT_CHARACTER || raw_byte(c).is_some()
}

/// xstrings' `nextValidRune`: the first rune of `s` that is not a `RuneError`, and
/// how many bytes of `s` it takes with the bad bytes before it; `prev` and all of
/// `s` when nothing valid is left.
fn next_valid(s: &str, prev: char) -> (char, usize) {
    for (i, c) in s.char_indices() {
        if !is_rune_error(c) {
            return (c, i + c.len_utf8());
        }
    }
    (prev, s.len())
}

/// Extends `offset` over the runes of `s` after it while `keep` holds (bad bytes
/// join the rune after them); returns the new offset and the rune that stopped it.
fn extend(s: &str, mut offset: usize, mut r: char, keep: &dyn Fn(char) -> bool) -> (usize, char) {
    while offset < s.len() {
        let size;
        (r, size) = next_valid(&s[offset..], r);
        if !keep(r) {
            break;
        }
        offset += size;
    }
    (offset, r)
}

/// xstrings' `nextWord`: bytes that are not UTF-8 belong to the word of the valid
/// rune after them (the last word, when none follows); a string of bad bytes only is
/// one invalid word.
fn next_word(s: &str) -> (Word, &str, &str) {
    if s.is_empty() {
        return (Word::Invalid, "", "");
    }
    let (r, first) = next_valid(s, char::REPLACEMENT_CHARACTER);
    if is_rune_error(r) {
        return (Word::Invalid, s, "");
    }
    let (wt, end) = if is_connector(r) {
        (Word::Connector, extend(s, first, r, &is_connector).0)
    } else if is_punct(r) {
        (Word::Punct, extend(s, first, r, &is_punct).0)
    } else if go_is_upper(r) {
        if first == s.len() {
            (Word::Upper, first)
        } else {
            let (n, size) = next_valid(&s[first..], r);
            if go_is_upper(n) {
                // "HTTPStatus" is "HTTP" and "Status": the last capital starts the next word.
                let mut offset = first + size;
                let mut last = size;
                let mut stop = n;
                while offset < s.len() {
                    let (c, size) = next_valid(&s[offset..], stop);
                    stop = c;
                    if !go_is_upper(c) {
                        break;
                    }
                    last = size;
                    offset += size;
                }
                if offset < s.len() && is_alphabet(stop) {
                    offset -= last;
                }
                (Word::Upper, offset)
            } else if is_alphabet(n) {
                let lower = |c: char| is_alphabet(c) && !go_is_upper(c);
                (Word::Upper, extend(s, first + size, n, &lower).0)
            } else {
                (Word::Upper, first)
            }
        }
    } else if is_alphabet(r) {
        let lower = |c: char| is_alphabet(c) && !go_is_upper(c);
        (Word::Alpha, extend(s, first, r, &lower).0)
    } else if is_number(r) {
        (Word::Number, extend(s, first, r, &is_number).0)
    } else {
        let other = |c: char| !(is_connector(c) || is_alphabet(c) || is_number(c) || is_punct(c));
        (Word::Other, extend(s, first, r, &other).0)
    };
    (wt, &s[..end], &s[end..])
}

fn to_lower_word(out: &mut String, wt: Word, word: &str, conn: char) {
    if wt != Word::Upper && wt != Word::Connector {
        out.push_str(word);
        return;
    }
    for c in word.chars() {
        if is_rune_error(c) {
            // Go decodes each bad byte of the word and writes U+FFFD for it.
            out.push(char::REPLACEMENT_CHARACTER);
        } else if is_connector(c) {
            out.push(conn);
        } else if go_is_upper(c) {
            out.push(go_lower(c));
        } else {
            out.push(c);
        }
    }
}

/// xstrings' `camelCaseToLowerCase` (snakecase, kebabcase).
pub(crate) fn to_lower_case(s: &str, conn: char) -> String {
    let mut out = String::new();
    if s.is_empty() {
        return out;
    }
    let (mut wt, mut word, mut rem) = next_word(s);
    while !rem.is_empty() {
        if wt != Word::Connector {
            to_lower_word(&mut out, wt, word, conn);
        }
        let prev = wt;
        let last = word;
        (wt, word, rem) = next_word(rem);
        match prev {
            Word::Number => {
                while wt == Word::Alpha || wt == Word::Number {
                    to_lower_word(&mut out, wt, word, conn);
                    (wt, word, rem) = next_word(rem);
                }
                if !matches!(wt, Word::Invalid | Word::Punct | Word::Connector) {
                    out.push(conn);
                }
            }
            Word::Connector => to_lower_word(&mut out, prev, last, conn),
            Word::Punct => {}
            _ => {
                if wt != Word::Number {
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(conn);
                    }
                    continue;
                }
                if rem.is_empty() {
                    continue;
                }
                let last = word;
                (wt, word, rem) = next_word(rem);
                if wt != Word::Alpha {
                    to_lower_word(&mut out, Word::Number, last, conn);
                    if wt != Word::Connector && wt != Word::Punct {
                        out.push(conn);
                    }
                    continue;
                }
                out.push(conn);
                to_lower_word(&mut out, Word::Number, last, conn);
                while wt == Word::Alpha || wt == Word::Number {
                    to_lower_word(&mut out, wt, word, conn);
                    (wt, word, rem) = next_word(rem);
                }
                if !matches!(wt, Word::Invalid | Word::Connector | Word::Punct) {
                    out.push(conn);
                }
            }
        }
    }
    to_lower_word(&mut out, wt, word, conn);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_styles_follow_xstrings() {
        assert_eq!(camelcase("hello_world"), "HelloWorld");
        assert_eq!(camelcase("HTTP_server"), "HttpServer");
        assert_eq!(camelcase("aBC_def"), "ABCDef");
        assert_eq!(camelcase("_a"), "_A");
        assert_eq!(to_lower_case("HTTPServer", '_'), "http_server");
        assert_eq!(to_lower_case("Bld4Floor", '_'), "bld4_floor");
        assert_eq!(to_lower_case("hello-world x", '_'), "hello_world_x");
        assert_eq!(to_lower_case("aBC", '_'), "a_bc");
        assert_eq!(to_lower_case("fooBar_baz", '-'), "foo-bar-baz");
    }
}
