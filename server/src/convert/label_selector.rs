//! Kubernetes label selectors (`team=web,tier!=cache`, `env in (a,b)`, `!legacy`) as
//! `labels.Parse` reads them and `helm list --selector` applies them: requirements
//! joined by commas, all of which must hold.

use std::collections::{BTreeMap, BTreeSet};

/// One requirement's operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    /// `key in (...)`, `key=v`, `key==v`: the label is present with one of the values.
    In,
    /// `key notin (...)`, `key!=v`: the label is absent or has none of the values.
    NotIn,
    /// `key`: the label is present.
    Exists,
    /// `!key`: the label is absent.
    DoesNotExist,
    /// `key>n`: the label is an integer greater than n.
    GreaterThan,
    /// `key<n`: the label is an integer less than n.
    LessThan,
}

/// One parsed requirement.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirement {
    key: String,
    operator: Operator,
    values: BTreeSet<String>,
}

/// A parsed selector; the empty selector matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    requirements: Vec<Requirement>,
}

impl LabelSelector {
    /// Parses `text` with Kubernetes' grammar and validation; the error says what is wrong.
    pub fn parse(text: &str) -> Result<LabelSelector, String> {
        let tokens = lex(text);
        Parser { tokens, at: 0 }.selector()
    }

    /// Whether `labels` satisfy every requirement.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.requirements.iter().all(|r| r.matches(labels))
    }
}

impl Requirement {
    fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let value = labels.get(&self.key);
        match self.operator {
            Operator::In => value.is_some_and(|v| self.values.contains(v)),
            Operator::NotIn => value.is_none_or(|v| !self.values.contains(v)),
            Operator::Exists => value.is_some(),
            Operator::DoesNotExist => value.is_none(),
            Operator::GreaterThan | Operator::LessThan => {
                let (Some(have), Some(want)) = (
                    value.and_then(|v| v.parse::<i64>().ok()),
                    self.values.first().and_then(|v| v.parse::<i64>().ok()),
                ) else {
                    return false;
                };
                if self.operator == Operator::GreaterThan {
                    have > want
                } else {
                    have < want
                }
            }
        }
    }
}

/// A lexical token of the selector grammar.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Identifier(String),
    /// `in` or `notin`: keywords after a key, identifiers elsewhere.
    Keyword(String),
    Not,
    NotEquals,
    Equals,
    DoubleEquals,
    GreaterThan,
    LessThan,
    OpenParen,
    CloseParen,
    Comma,
    End,
}

impl Token {
    fn text(&self) -> &str {
        match self {
            Token::Identifier(s) | Token::Keyword(s) => s,
            Token::Not => "!",
            Token::NotEquals => "!=",
            Token::Equals => "=",
            Token::DoubleEquals => "==",
            Token::GreaterThan => ">",
            Token::LessThan => "<",
            Token::OpenParen => "(",
            Token::CloseParen => ")",
            Token::Comma => ",",
            Token::End => "end of string",
        }
    }

    /// The token read where a value or key may stand: keywords are plain identifiers.
    fn as_value(&self) -> Token {
        match self {
            Token::Keyword(s) => Token::Identifier(s.clone()),
            other => other.clone(),
        }
    }
}

fn is_special(c: char) -> bool {
    matches!(c, '=' | '!' | '(' | ')' | ',' | '>' | '<')
}

/// Splits `text` into tokens: the longest symbol at each point, else an identifier
/// that runs to the next blank or symbol.
fn lex(text: &str) -> Vec<Token> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, ' ' | '\t' | '\r' | '\n') {
            i += 1;
        } else if is_special(c) {
            let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
            let (token, len) = match (c, two.as_str()) {
                (_, "!=") => (Token::NotEquals, 2),
                (_, "==") => (Token::DoubleEquals, 2),
                ('!', _) => (Token::Not, 1),
                ('=', _) => (Token::Equals, 1),
                ('(', _) => (Token::OpenParen, 1),
                (')', _) => (Token::CloseParen, 1),
                (',', _) => (Token::Comma, 1),
                ('>', _) => (Token::GreaterThan, 1),
                _ => (Token::LessThan, 1),
            };
            tokens.push(token);
            i += len;
        } else {
            let start = i;
            while i < chars.len()
                && !is_special(chars[i])
                && !matches!(chars[i], ' ' | '\t' | '\r' | '\n')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            tokens.push(match word.as_str() {
                "in" | "notin" => Token::Keyword(word),
                _ => Token::Identifier(word),
            });
        }
    }
    tokens.push(Token::End);
    tokens
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Token {
        self.tokens.get(self.at).cloned().unwrap_or(Token::End)
    }

    fn next(&mut self) -> Token {
        let token = self.peek();
        self.at += 1;
        token
    }

    fn selector(mut self) -> Result<LabelSelector, String> {
        let mut requirements = Vec::new();
        loop {
            match self.peek().as_value() {
                Token::End => return Ok(LabelSelector { requirements }),
                Token::Identifier(_) | Token::Not => {
                    requirements.push(self.requirement()?);
                    match self.next() {
                        Token::End => return Ok(LabelSelector { requirements }),
                        Token::Comma => match self.peek().as_value() {
                            Token::Identifier(_) | Token::Not => {}
                            other => {
                                return Err(format!(
                                    "found '{}', expected: identifier after ','",
                                    other.text()
                                ));
                            }
                        },
                        other => {
                            return Err(format!(
                                "found '{}', expected: ',' or 'end of string'",
                                other.text()
                            ));
                        }
                    }
                }
                other => {
                    return Err(format!(
                        "found '{}', expected: !, identifier, or 'end of string'",
                        other.text()
                    ));
                }
            }
        }
    }

    fn requirement(&mut self) -> Result<Requirement, String> {
        let mut token = self.next().as_value();
        let negated = token == Token::Not;
        if negated {
            token = self.next().as_value();
        }
        let Token::Identifier(key) = token else {
            return Err(format!("found '{}', expected: identifier", token.text()));
        };
        validate_key(&key)?;
        let at_end = matches!(self.peek(), Token::End | Token::Comma);
        if negated || at_end {
            let operator = if negated {
                Operator::DoesNotExist
            } else {
                Operator::Exists
            };
            return Ok(Requirement {
                key,
                operator,
                values: BTreeSet::new(),
            });
        }
        let (operator, values) = match self.next() {
            Token::Keyword(k) if k == "in" => (Operator::In, self.value_set()?),
            Token::Keyword(_) => (Operator::NotIn, self.value_set()?),
            Token::Equals | Token::DoubleEquals => (Operator::In, self.exact_value()?),
            Token::NotEquals => (Operator::NotIn, self.exact_value()?),
            Token::GreaterThan => (Operator::GreaterThan, self.exact_value()?),
            Token::LessThan => (Operator::LessThan, self.exact_value()?),
            other => {
                return Err(format!(
                    "found '{}', expected: in, notin, =, ==, !=, gt, lt",
                    other.text()
                ));
            }
        };
        for value in &values {
            validate_value(&key, value)?;
        }
        if matches!(operator, Operator::GreaterThan | Operator::LessThan)
            && values.iter().any(|v| v.parse::<i64>().is_err())
        {
            return Err(format!(
                "for 'Gt', 'Lt' operators, the value must be an integer (key {key:?})"
            ));
        }
        Ok(Requirement {
            key,
            operator,
            values,
        })
    }

    /// The one value after `=`, `==`, `!=`, `>`, `<` (empty before `,` or the end).
    fn exact_value(&mut self) -> Result<BTreeSet<String>, String> {
        if matches!(self.peek(), Token::End | Token::Comma) {
            return Ok(BTreeSet::from([String::new()]));
        }
        match self.next().as_value() {
            Token::Identifier(value) => Ok(BTreeSet::from([value])),
            other => Err(format!("found '{}', expected: identifier", other.text())),
        }
    }

    /// `( v1, v2, ... )`; empty entries are the empty value.
    fn value_set(&mut self) -> Result<BTreeSet<String>, String> {
        let open = self.next();
        if open != Token::OpenParen {
            return Err(format!("found '{}' expected: '('", open.text()));
        }
        let mut values = BTreeSet::new();
        match self.peek().as_value() {
            Token::CloseParen => {
                self.next();
                values.insert(String::new());
                return Ok(values);
            }
            Token::Identifier(_) | Token::Comma => {}
            other => {
                return Err(format!(
                    "found '{}', expected: ',', ')' or identifier",
                    other.text()
                ));
            }
        }
        loop {
            match self.next().as_value() {
                Token::Identifier(value) => {
                    values.insert(value);
                    match self.peek().as_value() {
                        Token::Comma => {}
                        Token::CloseParen => break,
                        other => {
                            return Err(format!("found '{}', expected: ',' or ')'", other.text()));
                        }
                    }
                }
                Token::Comma => {
                    if values.is_empty() {
                        values.insert(String::new());
                    }
                    match self.peek().as_value() {
                        Token::CloseParen => {
                            values.insert(String::new());
                            break;
                        }
                        Token::Comma => {
                            self.next();
                            values.insert(String::new());
                        }
                        _ => {}
                    }
                }
                other => {
                    return Err(format!(
                        "found '{}', expected: ',', or identifier",
                        other.text()
                    ));
                }
            }
        }
        match self.next() {
            Token::CloseParen => Ok(values),
            other => Err(format!("found '{}', expected: ')'", other.text())),
        }
    }
}

/// A label name: 1–63 characters, alphanumeric at both ends, `-_.` inside.
fn is_label_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// A DNS-1123 subdomain: at most 253 characters, lower-case labels joined by dots.
fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|label| {
            let b = label.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        })
}

/// Kubernetes' qualified-name rule for label keys: `[prefix/]name`.
fn validate_key(key: &str) -> Result<(), String> {
    let valid = match key.split_once('/') {
        Some((prefix, name)) => {
            !name.contains('/') && is_dns_subdomain(prefix) && is_label_name(name)
        }
        None => is_label_name(key),
    };
    if valid {
        Ok(())
    } else {
        Err(format!(
            "invalid label key {key:?}: a qualified name is an optional DNS subdomain prefix \
             and '/', then 1 to 63 alphanumeric characters, '-', '_' or '.', starting and ending \
             with an alphanumeric character"
        ))
    }
}

/// Kubernetes' label value rule: empty, or a label name.
fn validate_value(key: &str, value: &str) -> Result<(), String> {
    if value.is_empty() || is_label_name(value) {
        Ok(())
    } else {
        Err(format!(
            "invalid label value {value:?} for key {key:?}: at most 63 alphanumeric characters, \
             '-', '_' or '.', starting and ending with an alphanumeric character"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn check(selector: &str, cases: &[(&[(&str, &str)], bool)]) {
        let parsed = LabelSelector::parse(selector).unwrap_or_else(|e| panic!("{selector}: {e}"));
        for (set, want) in cases {
            assert_eq!(parsed.matches(&labels(set)), *want, "{selector} on {set:?}");
        }
    }

    #[test]
    fn equality_requirements_match_like_kubernetes() {
        check("", &[(&[], true), (&[("a", "b")], true)]);
        check(
            "team=web",
            &[
                (&[("team", "web")], true),
                (&[("team", "db")], false),
                (&[], false),
            ],
        );
        check("team==web", &[(&[("team", "web")], true)]);
        check(
            "team!=web",
            &[
                (&[("team", "web")], false),
                (&[("team", "db")], true),
                (&[], true),
            ],
        );
        check(
            " team = web , tier != cache ",
            &[
                (&[("team", "web"), ("tier", "api")], true),
                (&[("team", "web"), ("tier", "cache")], false),
            ],
        );
        check(
            "team=",
            &[(&[("team", "")], true), (&[("team", "x")], false)],
        );
    }

    #[test]
    fn set_and_existence_requirements_match_like_kubernetes() {
        check(
            "env in (prod, staging)",
            &[
                (&[("env", "prod")], true),
                (&[("env", "dev")], false),
                (&[], false),
            ],
        );
        check(
            "env notin (prod,staging)",
            &[
                (&[("env", "prod")], false),
                (&[("env", "dev")], true),
                (&[], true),
            ],
        );
        check("env in ()", &[(&[("env", "")], true)]);
        check(
            "env in (a,)",
            &[(&[("env", "")], true), (&[("env", "a")], true)],
        );
        check("team", &[(&[("team", "")], true), (&[], false)]);
        check("!team", &[(&[("team", "x")], false), (&[], true)]);
        check("in=notin", &[(&[("in", "notin")], true)]);
        check(
            "replicas>2,replicas<5",
            &[
                (&[("replicas", "3")], true),
                (&[("replicas", "5")], false),
                (&[("replicas", "x")], false),
            ],
        );
        check(
            "example.com/team=web",
            &[(&[("example.com/team", "web")], true)],
        );
    }

    #[test]
    fn invalid_selectors_say_what_is_wrong() {
        for (text, words) in [
            ("team=web,", "identifier after ','"),
            ("=web", "expected: !, identifier"),
            ("team web", "expected: in, notin"),
            ("team=web web", "expected: ',' or 'end of string'"),
            ("env in prod", "expected: '('"),
            ("env in (a b)", "expected: ',' or ')'"),
            ("Team_", "invalid label key"),
            ("a/b/c=x", "invalid label key"),
            ("team=-web", "invalid label value"),
            ("n>x", "must be an integer"),
            ("!team=web", "expected: ',' or 'end of string'"),
            ("team=(", "expected: identifier"),
        ] {
            let err = LabelSelector::parse(text).expect_err(text);
            assert!(err.contains(words), "{text}: {err}");
        }
    }
}
