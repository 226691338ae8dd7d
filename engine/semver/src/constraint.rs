//! Helm's version constraints (Masterminds semver v3): `=`, `!=`, `>`, `<`, `>=`, `<=`,
//! `~`, `~>`, `^`, x-ranges (`1.2.x`, `*`, omitted parts), hyphen ranges, `,`/space for
//! AND and `||` for OR. A pre-release version only matches an AND-group in which some
//! term has a pre-release (Masterminds v3.3+, what Helm v4 does; checked against Helm).

use crate::InvalidConstraint;
use crate::version::Version;

/// A parsed constraint: OR of AND-groups of terms.
#[derive(Debug, Clone)]
pub struct Constraint {
    groups: Vec<Vec<Term>>,
    original: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
    Tilde,
    Caret,
}

/// One `op version` term; missing or `x` parts make it "dirty" (a wildcard).
#[derive(Debug, Clone)]
struct Term {
    op: Op,
    version: Version,
    /// Everything from the minor part on was a wildcard (`1`, `1.x`, `*`).
    minor_dirty: bool,
    /// The patch part was a wildcard (`1.2`, `1.2.x`).
    patch_dirty: bool,
    /// The major part was a wildcard (`*`, `x`).
    any: bool,
}

const OPERATORS: [(&str, Op); 11] = [
    ("!=", Op::Ne),
    (">=", Op::Ge),
    ("=>", Op::Ge),
    ("<=", Op::Le),
    ("=<", Op::Le),
    ("~>", Op::Tilde),
    ("=", Op::Eq),
    (">", Op::Gt),
    ("<", Op::Lt),
    ("~", Op::Tilde),
    ("^", Op::Caret),
];

impl Constraint {
    /// Parses a constraint; an empty string means `*` (the latest stable version).
    pub fn parse(text: &str) -> Result<Constraint, InvalidConstraint> {
        let invalid = || InvalidConstraint {
            constraint: text.to_owned(),
        };
        let source = if text.trim().is_empty() { "*" } else { text };
        let mut groups = Vec::new();
        for group in source.split("||") {
            let terms = parse_group(group).ok_or_else(invalid)?;
            if terms.is_empty() {
                return Err(invalid());
            }
            groups.push(terms);
        }
        Ok(Constraint {
            groups,
            original: text.to_owned(),
        })
    }

    /// Whether `version` satisfies the constraint.
    pub fn matches(&self, version: &Version) -> bool {
        self.groups.iter().any(|group| {
            let include_pre = group.iter().any(|t| t.version.is_prerelease());
            group.iter().all(|term| term.matches(version, include_pre))
        })
    }

    /// The constraint as written.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// The exact version this constraint pins, if it is a single `=`-term without
    /// wildcards (so a cached resolution can be trusted without asking the source).
    pub fn exact(&self) -> Option<&Version> {
        match self.groups.as_slice() {
            [group] => match group.as_slice() {
                [term] if term.op == Op::Eq && !term.is_dirty() => Some(&term.version),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Splits one AND-group into tokens (operators may stand apart from their version) and
/// rewrites hyphen ranges `a - b` to `>=a, <=b`.
fn parse_group(group: &str) -> Option<Vec<Term>> {
    let tokens: Vec<&str> = group
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .collect();
    let mut terms = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let token = tokens[i];
        if tokens.get(i + 1) == Some(&"-") {
            let upper = tokens.get(i + 2)?;
            terms.push(Term::parse(Op::Ge, token)?);
            terms.push(Term::parse(Op::Le, upper)?);
            i += 3;
            continue;
        }
        let (op, rest) = split_operator(token);
        if rest.is_empty() {
            // "> 1.2": the operator stands alone, the version is the next token.
            let next = tokens.get(i + 1)?;
            terms.push(Term::parse(op?, next)?);
            i += 2;
        } else {
            terms.push(Term::parse(op.unwrap_or(Op::Eq), rest)?);
            i += 1;
        }
    }
    Some(terms)
}

fn split_operator(token: &str) -> (Option<Op>, &str) {
    for (text, op) in OPERATORS {
        if let Some(rest) = token.strip_prefix(text) {
            return (Some(op), rest);
        }
    }
    (None, token)
}

fn is_wild(part: &str) -> bool {
    matches!(part, "x" | "X" | "*")
}

impl Term {
    fn parse(op: Op, text: &str) -> Option<Term> {
        let body = text.strip_prefix('v').unwrap_or(text);
        let end = body.find(['-', '+']).unwrap_or(body.len());
        let (core, suffix) = body.split_at(end);
        let parts: Vec<&str> = core.split('.').collect();
        if parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
            return None;
        }
        let any = is_wild(parts[0]);
        let minor_dirty = any || parts.get(1).is_none_or(|p| is_wild(p));
        let patch_dirty = minor_dirty || parts.get(2).is_none_or(|p| is_wild(p));
        let mut concrete: Vec<&str> = parts
            .iter()
            .map(|p| if is_wild(p) { "0" } else { *p })
            .collect();
        concrete.resize(3, "0");
        let version = Version::parse(&format!("{}{suffix}", concrete.join(".")))?;
        Some(Term {
            op,
            version,
            minor_dirty,
            patch_dirty,
            any,
        })
    }

    fn is_dirty(&self) -> bool {
        self.minor_dirty || self.patch_dirty
    }

    fn matches(&self, v: &Version, include_pre: bool) -> bool {
        if v.is_prerelease() && !include_pre {
            return false;
        }
        let c = &self.version;
        match self.op {
            Op::Eq if self.is_dirty() => self.tilde(v),
            Op::Eq => v == c,
            Op::Ne => !self.equal_with_wildcards(v),
            Op::Gt if !self.is_dirty() => v > c,
            Op::Gt if self.any => false,
            Op::Gt if self.minor_dirty => v.major > c.major,
            Op::Gt => (v.major, v.minor) > (c.major, c.minor),
            Op::Lt => v < c,
            Op::Ge => v >= c,
            Op::Le if !self.is_dirty() => v <= c,
            Op::Le if self.any => true,
            Op::Le if self.minor_dirty => v.major <= c.major,
            Op::Le => (v.major, v.minor) <= (c.major, c.minor),
            Op::Tilde => self.tilde(v),
            Op::Caret => self.caret(v),
        }
    }

    fn equal_with_wildcards(&self, v: &Version) -> bool {
        let c = &self.version;
        if self.any {
            true
        } else if self.minor_dirty {
            v.major == c.major
        } else if self.patch_dirty {
            (v.major, v.minor) == (c.major, c.minor)
        } else {
            v == c
        }
    }

    /// `~1.2.3` = `>=1.2.3 <1.3.0`; `~1` = `>=1.0.0 <2.0.0`; `~*` = anything.
    fn tilde(&self, v: &Version) -> bool {
        let c = &self.version;
        if self.any {
            return true;
        }
        v >= c && v.major == c.major && (self.minor_dirty || v.minor == c.minor)
    }

    /// `^1.2.3` = `>=1.2.3 <2.0.0`; `^0.2.3` = `<0.3.0`; `^0.0.3` = `=0.0.3`.
    fn caret(&self, v: &Version) -> bool {
        let c = &self.version;
        if self.any {
            return true;
        }
        if v < c {
            return false;
        }
        if c.major > 0 {
            return v.major == c.major;
        }
        if v.major > 0 {
            return false;
        }
        if self.minor_dirty {
            return true;
        }
        if c.minor > 0 || self.patch_dirty {
            return v.minor == c.minor;
        }
        v.minor == 0 && v.patch == c.patch
    }
}

#[cfg(test)]
mod tests;
