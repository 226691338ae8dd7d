//! Sprig's string functions: Go's `strings` package semantics (simple
//! one-rune case mapping, byte offsets where Sprig slices bytes) and the
//! goutils/xstrings helpers behind abbrev, wrap, initials and the case styles.

use std::collections::BTreeMap;

use helmd_gotmpl::{ArgType, Arity, CallContext, FuncError, FuncMap, go_quote};
use helmd_yaml::gostr::{from_go_bytes, go_bytes, go_len, replace_raw};
use helmd_yaml::{ElemType, Map, Str, Value};

use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

use super::case_style::{camelcase, to_lower_case};
use super::{int_arg, str_arg, string_list, strslice, strval};

const S: ArgType = ArgType::String;
const I: ArgType = ArgType::Int;

/// Go's `unicode.ToUpper`: one rune to one rune.
/// Go's `unicode.IsUpper`: category Lu only (`Ⓐ` and `Ⅷ` are not upper in Go).
pub(crate) fn go_is_upper(c: char) -> bool {
    c.general_category() == GeneralCategory::UppercaseLetter
}

/// Go's `unicode.IsLower`: category Ll only.
pub(crate) fn go_is_lower(c: char) -> bool {
    c.general_category() == GeneralCategory::LowercaseLetter
}

/// Go's `unicode.IsLetter`: category L (not `Ⅷ`, Nl, nor combining marks).
pub(crate) fn go_is_letter(c: char) -> bool {
    c.general_category_group() == GeneralCategoryGroup::Letter
}

pub(crate) fn go_upper(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Go's `unicode.ToLower`: one rune to one rune.
pub(crate) fn go_lower(c: char) -> char {
    let mut it = c.to_lowercase();
    match (it.next(), it.next()) {
        (Some(l), None) => l,
        (Some(l), Some(_)) if c == '\u{130}' => l,
        _ => c,
    }
}

/// Go's `unicode.ToTitle` (differs from upper case for the Latin digraphs).
fn go_title(c: char) -> char {
    match c {
        '\u{1c4}'..='\u{1c6}' => '\u{1c5}',
        '\u{1c7}'..='\u{1c9}' => '\u{1c8}',
        '\u{1ca}'..='\u{1cc}' => '\u{1cb}',
        '\u{1f1}'..='\u{1f3}' => '\u{1f2}',
        _ => go_upper(c),
    }
}

fn upper(s: &str) -> String {
    // Go's own fast path: ASCII maps byte for byte.
    if s.is_ascii() {
        return s.to_ascii_uppercase();
    }
    s.chars().map(go_upper).collect()
}

fn lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    s.chars().map(go_lower).collect()
}

/// Go's `strings.Title` (deprecated, still what Sprig's `title` calls).
fn title(s: &str) -> String {
    let sep = |r: char| {
        if r.is_ascii() {
            !(r.is_ascii_alphanumeric() || r == '_')
        } else if r.is_alphabetic() || r.is_numeric() {
            false
        } else {
            r.is_whitespace()
        }
    };
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let out = if sep(prev) { go_title(c) } else { c };
            prev = c;
            out
        })
        .collect()
}

/// goutils' `Uncapitalize`: lower-case the first rune of each space-separated word.
fn untitle(s: &str) -> String {
    let mut next = true;
    s.chars()
        .map(|c| {
            if c.is_whitespace() {
                next = true;
                c
            } else if next {
                next = false;
                go_lower(c)
            } else {
                c
            }
        })
        .collect()
}

/// Go's `unicode.IsSpace` of a byte read as a rune (Latin-1).
fn byte_is_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x85 | 0xa0)
}

/// goutils' `DeleteWhiteSpace`, which walks bytes and re-encodes each as a rune.
fn nospace(s: &str) -> String {
    let b = go_bytes(s);
    if !b.iter().copied().any(byte_is_space) {
        return s.to_string();
    }
    b.iter()
        .copied()
        .filter(|b| !byte_is_space(*b))
        .map(char::from)
        .collect()
}

/// goutils' `Initials`: first byte (as a rune) of each space-separated word.
fn initials(s: &str) -> String {
    let mut gap = true;
    let mut out = String::new();
    for b in go_bytes(s).iter().copied() {
        if char::from(b).is_whitespace() {
            gap = true;
        } else if gap {
            out.push(char::from(b));
            gap = false;
        }
    }
    out
}

/// goutils' `SwapCase`: upper and title case to lower; lower case to title case at the
/// start or after white space, else to upper; anything else kept.
fn swapcase(s: &str) -> String {
    let mut after_space = true;
    s.chars()
        .map(|c| {
            if go_is_upper(c) || is_title(c) {
                after_space = false;
                go_lower(c)
            } else if go_is_lower(c) {
                let out = if after_space {
                    go_title(c)
                } else {
                    go_upper(c)
                };
                after_space = false;
                out
            } else {
                after_space = c.is_whitespace();
                c
            }
        })
        .collect()
}

/// Go's `unicode.IsTitle`: category Lt.
fn is_title(c: char) -> bool {
    c.general_category() == GeneralCategory::TitlecaseLetter
}

/// A Go byte slice as text (bytes that are not UTF-8 stay raw bytes).
fn bytes_str(b: &[u8]) -> String {
    from_go_bytes(b).into_owned()
}

/// goutils' `AbbreviateFull` (byte offsets).
fn abbreviate(s: &str, offset: i64, width: i64) -> String {
    let b = go_bytes(s);
    let len = b.len() as i64;
    if s.is_empty() || width < 4 || len <= width {
        return s.to_string();
    }
    let mut offset = offset.min(len);
    if len - offset < width - 3 {
        offset = len - (width - 3);
    }
    if offset <= 4 {
        return format!("{}...", bytes_str(&b[..(width - 3) as usize]));
    }
    if width < 7 {
        return String::new();
    }
    if offset + width - 3 < len {
        return format!(
            "...{}",
            abbreviate(&bytes_str(&b[offset as usize..]), 0, width - 3)
        );
    }
    format!("...{}", bytes_str(&b[(len - (width - 3)) as usize..]))
}

/// goutils' `WrapCustom` (byte offsets, spaces only).
fn wrap_custom(s: &str, width: i64, newline: &str, long_words: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    let nl = if newline.is_empty() { "\n" } else { newline };
    let width = width.max(1) as usize;
    let b = go_bytes(s);
    let len = b.len();
    let mut offset = 0usize;
    let mut out: Vec<u8> = Vec::new();
    while len - offset > width {
        if b[offset] == b' ' {
            offset += 1;
            continue;
        }
        let end = (width + offset + 1).min(len);
        let space = b[offset..end].iter().rposition(|c| *c == b' ');
        if let Some(pos) = space {
            let at = pos + offset;
            out.extend_from_slice(&b[offset..at]);
            out.extend_from_slice(&go_bytes(nl));
            offset = at + 1;
        } else if long_words {
            out.extend_from_slice(&b[offset..width + offset]);
            out.extend_from_slice(&go_bytes(nl));
            offset += width;
        } else {
            let end = width + offset;
            match b[end..].iter().position(|c| *c == b' ') {
                None => {
                    out.extend_from_slice(&b[offset..]);
                    offset = len;
                }
                Some(i) => {
                    let at = i + end;
                    out.extend_from_slice(&b[offset..at]);
                    out.extend_from_slice(&go_bytes(nl));
                    offset = at + 1;
                }
            }
        }
    }
    out.extend_from_slice(&b[offset..]);
    bytes_str(&out)
}

fn substr(start: i64, end: i64, s: &str) -> Result<String, String> {
    let b = go_bytes(s);
    let len = b.len() as i64;
    let oob = |lo: Option<i64>, hi: Option<i64>| -> String {
        match (lo, hi) {
            (None, Some(h)) => {
                format!("runtime error: slice bounds out of range [:{h}] with length {len}")
            }
            (Some(l), None) => format!("runtime error: slice bounds out of range [{l}:{len}]"),
            (Some(_), Some(h)) if h > len => {
                format!("runtime error: slice bounds out of range [:{h}] with length {len}")
            }
            (Some(l), Some(h)) => format!("runtime error: slice bounds out of range [{l}:{h}]"),
            (None, None) => String::new(),
        }
    };
    if start < 0 {
        if end < 0 || end > len {
            return Err(oob(None, Some(end)));
        }
        return Ok(bytes_str(&b[..end as usize]));
    }
    if end < 0 || end > len {
        if start > len {
            return Err(oob(Some(start), None));
        }
        return Ok(bytes_str(&b[start as usize..]));
    }
    if start > end {
        return Err(oob(Some(start), Some(end)));
    }
    Ok(bytes_str(&b[start as usize..end as usize]))
}

fn trunc(c: i64, s: &str) -> String {
    let b = go_bytes(s);
    let len = b.len() as i64;
    if c < 0 && len + c > 0 {
        return bytes_str(&b[(len + c) as usize..]);
    }
    if c >= 0 && len > c {
        return bytes_str(&b[..c as usize]);
    }
    s.to_string()
}

/// Go's `strings.Trim(s, cutset)`.
fn trim_cutset(s: &str, cutset: &str) -> String {
    s.trim_matches(|c| cutset.contains(c)).to_string()
}

/// Go's `strings.Split` (an empty separator splits into runes).
pub(crate) fn go_split(s: &str, sep: &str, n: i64) -> Vec<String> {
    if n == 0 {
        return Vec::new();
    }
    if sep.is_empty() {
        let chars: Vec<String> = s.chars().map(String::from).collect();
        if n > 0 && (n as usize) < chars.len() {
            let n = n as usize;
            let head: usize = chars[..n - 1].iter().map(String::len).sum();
            let mut out = chars[..n - 1].to_vec();
            out.push(s[head..].to_string());
            return out;
        }
        return chars;
    }
    if n < 0 {
        s.split(sep).map(String::from).collect()
    } else {
        s.splitn(n as usize, sep).map(String::from).collect()
    }
}

fn split_map(parts: Vec<String>) -> Value {
    let entries: BTreeMap<Str, Value> = parts
        .into_iter()
        .enumerate()
        .map(|(i, p)| (Str::from(format!("_{i}")), Value::from(p)))
        .collect();
    Value::Map(Map::typed(ElemType::String, entries))
}

/// Appends `s` to `out` with `spaces` of padding at the start of every line,
/// once the memory budget has room for it.
fn indent_into(
    cx: &CallContext<'_>,
    mut out: String,
    spaces: i64,
    s: &str,
) -> Result<String, FuncError> {
    if spaces < 0 {
        return Err("strings: negative Repeat count".into());
    }
    let lines = 1 + s.bytes().filter(|b| *b == b'\n').count();
    let pad = usize::try_from(spaces).unwrap_or(usize::MAX);
    cx.ensure_room(pad.saturating_mul(lines).saturating_add(s.len()))?;
    out.reserve(s.len() + pad * lines);
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.extend(std::iter::repeat_n(' ', pad));
        out.push_str(line);
    }
    Ok(out)
}

/// The budget check for splitting `s` at `sep`: each piece is a value.
fn ensure_split(cx: &CallContext<'_>, s: &str, sep: &str) -> Result<(), FuncError> {
    let pieces = if sep.is_empty() {
        s.len() + 1
    } else {
        s.matches(sep).count() + 1
    };
    cx.ensure_room(pieces.saturating_mul(64).saturating_add(s.len()))
}

type Unary = fn(&str) -> String;
type Binary = fn(&str, &str) -> Value;

pub(crate) fn register(f: &mut FuncMap) {
    f.insert("hello", Arity::Exact(0), |_, _| Ok(Value::str("Hello!")));
    let unary: [(&str, Unary); 13] = [
        ("upper", upper),
        ("lower", lower),
        ("title", title),
        ("untitle", untitle),
        ("trim", |s| s.trim().to_string()),
        ("nospace", nospace),
        ("initials", initials),
        ("swapcase", swapcase),
        ("camelcase", camelcase),
        ("snakecase", |s| to_lower_case(s, '_')),
        ("kebabcase", |s| to_lower_case(s, '-')),
        ("b64enc", super::encoding::b64enc),
        ("b64dec", super::encoding::b64dec),
    ];
    for (name, func) in unary {
        // Go's rune-wise mappers (strings.Map, range over a string) read
        // a byte that is not UTF-8 as U+FFFD and write it out as such.
        let runes = !matches!(
            name,
            "trim" | "nospace" | "initials" | "b64enc" | "b64dec" | "snakecase" | "kebabcase"
        );
        f.insert_typed(name, Arity::Exact(1), &[S], move |_, a| {
            let s = str_arg(&a[0]);
            Ok(Value::from(if runes {
                func(&replace_raw(s))
            } else {
                func(s)
            }))
        });
    }
    let binary: [(&str, Binary); 8] = [
        ("trimAll", |a, b| Value::from(trim_cutset(b, a))),
        ("trimall", |a, b| Value::from(trim_cutset(b, a))),
        ("trimSuffix", |a, b| {
            Value::str(b.strip_suffix(a).unwrap_or(b))
        }),
        ("trimPrefix", |a, b| {
            Value::str(b.strip_prefix(a).unwrap_or(b))
        }),
        ("contains", |a, b| Value::Bool(b.contains(a))),
        ("hasPrefix", |a, b| Value::Bool(b.starts_with(a))),
        ("hasSuffix", |a, b| Value::Bool(b.ends_with(a))),
        ("splitList", |sep, s| string_list(go_split(s, sep, -1))),
    ];
    for (name, func) in binary {
        f.insert_typed(name, Arity::Exact(2), &[S, S], move |cx, a| {
            if name == "splitList" {
                ensure_split(cx, str_arg(&a[1]), str_arg(&a[0]))?;
            }
            Ok(func(str_arg(&a[0]), str_arg(&a[1])))
        });
    }
    f.insert_typed("split", Arity::Exact(2), &[S, S], |cx, a| {
        ensure_split(cx, str_arg(&a[1]), str_arg(&a[0]))?;
        Ok(split_map(go_split(str_arg(&a[1]), str_arg(&a[0]), -1)))
    });
    f.insert_typed("splitn", Arity::Exact(3), &[S, I, S], |cx, a| {
        ensure_split(cx, str_arg(&a[2]), str_arg(&a[0]))?;
        Ok(split_map(go_split(
            str_arg(&a[2]),
            str_arg(&a[0]),
            int_arg(&a[1]),
        )))
    });
    f.insert_typed("abbrev", Arity::Exact(2), &[I, S], |_, a| {
        Ok(Value::from(abbreviate(str_arg(&a[1]), 0, int_arg(&a[0]))))
    });
    f.insert_typed("abbrevboth", Arity::Exact(3), &[I, I, S], |_, a| {
        let (l, r, s) = (int_arg(&a[0]), int_arg(&a[1]), str_arg(&a[2]));
        if r < 4 || l > 0 && r < 7 {
            return Ok(Value::str(s));
        }
        Ok(Value::from(abbreviate(s, l, r)))
    });
    f.insert_typed("trunc", Arity::Exact(2), &[I, S], |_, a| {
        Ok(Value::from(trunc(int_arg(&a[0]), str_arg(&a[1]))))
    });
    f.insert_typed("substr", Arity::Exact(3), &[I, I, S], |_, a| {
        substr(int_arg(&a[0]), int_arg(&a[1]), str_arg(&a[2]))
            .map(Value::from)
            .map_err(Into::into)
    });
    f.insert_typed("repeat", Arity::Exact(2), &[I, S], |cx, a| {
        let n = int_arg(&a[0]);
        if n < 0 {
            return Err("strings: negative Repeat count".into());
        }
        let s = str_arg(&a[1]);
        let len = (go_len(s) as u128) * (n as u128);
        if len > i64::MAX as u128 {
            return Err("strings: Repeat output length overflow".into());
        }
        cx.ensure_room(usize::try_from(len).unwrap_or(usize::MAX))?;
        Ok(Value::from(s.repeat(n as usize)))
    });
    f.insert_typed("wrap", Arity::Exact(2), &[I, S], |_, a| {
        Ok(Value::from(wrap_custom(
            str_arg(&a[1]),
            int_arg(&a[0]),
            "",
            false,
        )))
    });
    f.insert_typed("wrapWith", Arity::Exact(3), &[I, S, S], |cx, a| {
        let (sep, text) = (str_arg(&a[1]), str_arg(&a[2]));
        cx.ensure_room(text.len().saturating_mul(sep.len() + 1))?;
        Ok(Value::from(wrap_custom(
            str_arg(&a[2]),
            int_arg(&a[0]),
            str_arg(&a[1]),
            true,
        )))
    });
    f.insert_typed("replace", Arity::Exact(3), &[S, S, S], |cx, a| {
        let (old, new, s) = (str_arg(&a[0]), str_arg(&a[1]), str_arg(&a[2]));
        if new.len() > old.len() {
            let count = if old.is_empty() {
                s.chars().count() + 1
            } else {
                s.matches(old).count()
            };
            cx.ensure_room(count.saturating_mul(new.len()).saturating_add(s.len()))?;
        }
        Ok(Value::from(s.replace(old, new)))
    });
    f.insert_typed("plural", Arity::Exact(3), &[S, S, I], |_, a| {
        Ok(if int_arg(&a[2]) == 1 {
            a[0].clone()
        } else {
            a[1].clone()
        })
    });
    f.insert_typed("indent", Arity::Exact(2), &[I, S], |cx, a| {
        Ok(Value::from(indent_into(
            cx,
            String::new(),
            int_arg(&a[0]),
            str_arg(&a[1]),
        )?))
    });
    f.insert_typed("nindent", Arity::Exact(2), &[I, S], |cx, a| {
        Ok(Value::from(indent_into(
            cx,
            String::from("\n"),
            int_arg(&a[0]),
            str_arg(&a[1]),
        )?))
    });
    f.insert("quote", Arity::AtLeast(0), |_, a| {
        if let [Value::String(s)] = a {
            return Ok(Value::from(go_quote(s)));
        }
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| go_quote(&strval(v)))
            .collect();
        Ok(Value::from(parts.join(" ")))
    });
    f.insert("squote", Arity::AtLeast(0), |_, a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| format!("'{}'", helmd_gotmpl::fmt::format_v(v, false)))
            .collect();
        Ok(Value::from(parts.join(" ")))
    });
    f.insert("cat", Arity::AtLeast(0), |_, a| {
        let parts: Vec<String> = a
            .iter()
            .filter(|v| !v.is_nil())
            .map(|v| helmd_gotmpl::fmt::format_v(v, false))
            .collect();
        Ok(Value::from(parts.join(" ")))
    });
    f.insert_typed("join", Arity::Exact(2), &[S], |cx, a| {
        let n = match &a[1] {
            Value::List(l) => l.items.len(),
            _ => 0,
        };
        cx.ensure_room(n.saturating_mul(str_arg(&a[0]).len()))?;
        Ok(Value::from(strslice(&a[1]).join(str_arg(&a[0]))))
    });
    f.insert("toStrings", Arity::Exact(1), |_, a| {
        Ok(string_list(strslice(&a[0])))
    });
    f.insert("sortAlpha", Arity::Exact(1), |_, a| {
        let mut items = match &a[0] {
            Value::List(_) | Value::Bytes(_) => strslice(&a[0]),
            Value::Object(o) if o.kind() == "slice" => strslice(&a[0]),
            other => vec![if other.is_nil() {
                "<nil>".to_string()
            } else {
                strval(other)
            }],
        };
        items.sort_by(|a, b| helmd_yaml::gostr::go_cmp(a, b));
        Ok(string_list(items))
    });
    f.insert("toString", Arity::Exact(1), |_, a| match &a[0] {
        Value::String(_) => Ok(a[0].clone()),
        other => Ok(Value::from(strval(other))),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_walking_helpers_reencode_utf8_as_latin1() {
        assert_eq!(nospace("héllo wörld"), "hÃ©llowÃ¶rld");
        assert_eq!(initials("élan vital"), "Ãv");
    }
}
