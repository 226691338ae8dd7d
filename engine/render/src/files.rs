//! Helm's `.Files` object (`engine.files`): `Get`, `GetBytes`, `Lines`, `Glob`
//! (gobwas/glob patterns, `/` as separator), `AsConfig` and `AsSecrets`.

use std::any::Any;
use std::collections::BTreeMap;
use std::sync::Arc;

use base64::Engine as _;
use helmd_gotmpl::fmt::format_v;
use helmd_yaml::{ElemType, Object, ObjectError, Str, Value};

/// Helm's `engine.files`: a chart's non-template files by path.
#[derive(Debug)]
pub struct Files(pub BTreeMap<String, Arc<[u8]>>);

const METHODS: [&str; 6] = ["Get", "GetBytes", "Lines", "Glob", "AsConfig", "AsSecrets"];

impl Files {
    fn text(&self, path: &str) -> String {
        self.0
            .get(path)
            .map(|d| helmd_yaml::gostr::from_go_bytes(d).into_owned())
            .unwrap_or_default()
    }

    /// `Glob`: the files whose path matches (an unparsable pattern matches all).
    fn glob(&self, pattern: &str) -> Files {
        let glob = Glob::compile(pattern).unwrap_or(Glob(vec![Token::AnyDeep]));
        Files(
            self.0
                .iter()
                .filter(|(k, _)| glob.matches(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        )
    }

    /// `AsConfig` / `AsSecrets`: `{base name: text or base64}` as YAML, no final newline
    /// (`{}` for no files).
    fn as_map(&self, encode: bool) -> String {
        let entries: BTreeMap<Str, Value> = self
            .0
            .iter()
            .map(|(k, v)| {
                let base = k.rsplit('/').next().unwrap_or(k);
                let text = if encode {
                    base64::engine::general_purpose::STANDARD.encode(v)
                } else {
                    helmd_yaml::gostr::from_go_bytes(v).into_owned()
                };
                (Str::from(base), Value::from(text))
            })
            .collect();
        helmd_yaml::to_yaml(&Value::map(entries)).unwrap_or_default()
    }
}

fn arg_error(name: &str, args: &[Value]) -> ObjectError {
    match args {
        [other] => ObjectError(format!(
            "wrong type for value; expected string; got {}",
            other.type_name()
        )),
        _ => ObjectError(format!(
            "wrong number of args for {name}: want 1 got {}",
            args.len()
        )),
    }
}

impl Object for Files {
    fn type_name(&self) -> &str {
        "engine.files"
    }
    fn kind(&self) -> &str {
        "map"
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn has_method(&self, name: &str) -> bool {
        METHODS.contains(&name)
    }
    fn method_arity(&self, name: &str) -> Option<usize> {
        match name {
            "AsConfig" | "AsSecrets" => Some(0),
            _ => self.has_method(name).then_some(1),
        }
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ObjectError>> {
        if !self.has_method(name) {
            return None;
        }
        if matches!(name, "AsConfig" | "AsSecrets") {
            if !args.is_empty() {
                return Some(Err(ObjectError(format!(
                    "wrong number of args for {name}: want 0 got {}",
                    args.len()
                ))));
            }
            return Some(Ok(Value::from(self.as_map(name == "AsSecrets"))));
        }
        let path = match args {
            [Value::String(s)] => s.to_string(),
            _ => return Some(Err(arg_error(name, args))),
        };
        Some(Ok(match name {
            "GetBytes" => Value::Bytes(
                self.0
                    .get(&path)
                    .cloned()
                    .unwrap_or_else(|| Arc::from(&[][..])),
            ),
            "Lines" => {
                let text = self.text(&path);
                let body = text.strip_suffix('\n').unwrap_or(&text);
                let lines: Vec<Value> = if text.is_empty() {
                    Vec::new()
                } else {
                    body.split('\n').map(Value::str).collect()
                };
                Value::typed_list(ElemType::String, lines)
            }
            "Glob" => Value::Object(Arc::new(self.glob(&path))),
            _ => Value::from(self.text(&path)),
        }))
    }
    /// A Go map: true when it has entries (an empty `.Files.Glob` is false).
    fn truth(&self) -> bool {
        !self.0.is_empty()
    }
    fn map_entries(&self) -> Option<Vec<(Str, Value)>> {
        Some(
            self.0
                .iter()
                .map(|(k, v)| (Str::from(k.as_str()), Value::Bytes(v.clone())))
                .collect(),
        )
    }
    fn map_elem_zero(&self) -> Value {
        Value::Bytes(Arc::from(&[][..]))
    }
    /// encoding/json's `map[string][]byte`: contents base64-encoded (`{}` when empty).
    fn to_data(&self) -> Value {
        Value::map(self.map_entries().unwrap_or_default().into_iter().collect())
    }
    fn format(&self, _plus: bool) -> String {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(k, v)| format!("{k}:{}", format_v(&Value::Bytes(v.clone()), false)))
            .collect();
        format!("map[{}]", parts.join(" "))
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// One element of a compiled gobwas/glob pattern.
#[derive(Debug, Clone)]
enum Token {
    Char(char),
    /// `?`: one character but the separator.
    One,
    /// `*`: any run without the separator.
    Any,
    /// `**`: any run.
    AnyDeep,
    /// `[...]` / `[!...]`: ranges, negated or not.
    Class(Vec<(char, char)>, bool),
    /// `{a,b}`: alternatives.
    Alt(Vec<Glob>),
}

/// A gobwas/glob pattern with `/` as the separator.
#[derive(Debug, Clone)]
struct Glob(Vec<Token>);

impl Glob {
    fn compile(pattern: &str) -> Option<Glob> {
        let chars: Vec<char> = pattern.chars().collect();
        let (glob, rest) = parse_seq(&chars, false)?;
        rest.is_empty().then_some(glob)
    }

    fn matches(&self, name: &str) -> bool {
        let n: Vec<char> = name.chars().collect();
        match_tokens(&self.0, &n)
    }
}

/// Parses tokens up to the end (or, inside `{}`, up to `,` or `}`); returns the rest.
fn parse_seq(mut c: &[char], in_alt: bool) -> Option<(Glob, &[char])> {
    let mut out = Vec::new();
    while let Some(&ch) = c.first() {
        match ch {
            ',' | '}' if in_alt => break,
            '*' if c.get(1) == Some(&'*') => {
                out.push(Token::AnyDeep);
                c = &c[2..];
            }
            '*' => {
                out.push(Token::Any);
                c = &c[1..];
            }
            '?' => {
                out.push(Token::One);
                c = &c[1..];
            }
            '\\' => {
                out.push(Token::Char(*c.get(1)?));
                c = &c[2..];
            }
            '[' => {
                let end = c.iter().position(|&x| x == ']')?;
                let body = &c[1..end];
                let (negated, body) = match body.first() {
                    Some('!') => (true, &body[1..]),
                    _ => (false, body),
                };
                let mut ranges = Vec::new();
                let mut i = 0;
                while i < body.len() {
                    if i + 2 < body.len() && body[i + 1] == '-' {
                        ranges.push((body[i], body[i + 2]));
                        i += 3;
                    } else {
                        ranges.push((body[i], body[i]));
                        i += 1;
                    }
                }
                out.push(Token::Class(ranges, negated));
                c = &c[end + 1..];
            }
            '{' => {
                let mut alts = Vec::new();
                let mut rest = &c[1..];
                loop {
                    let (alt, r) = parse_seq(rest, true)?;
                    alts.push(alt);
                    match r.first() {
                        Some(',') => rest = &r[1..],
                        Some('}') => {
                            rest = &r[1..];
                            break;
                        }
                        _ => return None,
                    }
                }
                out.push(Token::Alt(alts));
                c = rest;
            }
            other => {
                out.push(Token::Char(other));
                c = &c[1..];
            }
        }
    }
    Some((Glob(out), c))
}

fn match_tokens(t: &[Token], n: &[char]) -> bool {
    let Some(first) = t.first() else {
        return n.is_empty();
    };
    let rest = &t[1..];
    match first {
        Token::Char(c) => n.first() == Some(c) && match_tokens(rest, &n[1..]),
        Token::One => n.first().is_some_and(|&x| x != '/') && match_tokens(rest, &n[1..]),
        Token::Class(ranges, negated) => {
            n.first().is_some_and(|&x| {
                let inside = ranges.iter().any(|&(lo, hi)| lo <= x && x <= hi);
                inside != *negated
            }) && match_tokens(rest, &n[1..])
        }
        Token::Any => (0..=n.len())
            .take_while(|&k| k == 0 || n[k - 1] != '/')
            .any(|k| match_tokens(rest, &n[k..])),
        Token::AnyDeep => (0..=n.len()).any(|k| match_tokens(rest, &n[k..])),
        Token::Alt(alts) => alts.iter().any(|alt| {
            let mut joined = alt.0.clone();
            joined.extend_from_slice(rest);
            match_tokens(&joined, n)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, name: &str, expected: bool) {
        let g = Glob::compile(pattern).expect("pattern compiles");
        assert_eq!(g.matches(name), expected, "{pattern} on {name}");
    }

    #[test]
    fn glob_patterns_match_like_gobwas_with_a_slash_separator() {
        check("*.txt", "a.txt", true);
        check("*.txt", "d/a.txt", false);
        check("**.txt", "d/e/a.txt", true);
        check("files/*", "files/a/b", false);
        check("files/**", "files/a/b", true);
        check("{a,b}/*.yaml", "b/x.yaml", true);
        check("[!a]?.md", "bx.md", true);
        check("[a-c]*", "d", false);
    }
}
