//! Sprig's `semver` (a `*semver.Version` object with Masterminds' methods)
//! and `semverCompare`, on helmd-semver's Masterminds v3 rules.

use std::any::Any;
use std::sync::Arc;

use helmd_gotmpl::{ArgType, Arity, FuncMap};
use helmd_semver::{Constraint, Version};
use helmd_yaml::{IntKind, Object, ObjectError, UintKind, Value};

use super::str_arg;

const INVALID: &str = "invalid semantic version";

/// A parsed version as templates see it: `*semver.Version` from `semver`,
/// `semver.Version` from the `Inc*` methods.
#[derive(Debug)]
struct SemverObject {
    v: Version,
    original: String,
    pointer: bool,
}

impl SemverObject {
    fn new(v: Version) -> SemverObject {
        let original = v.original().to_string();
        SemverObject {
            v,
            original,
            pointer: true,
        }
    }

    /// Masterminds' `IncMajor`/`IncMinor`/`IncPatch`: a version value without
    /// pre-release or metadata, its original keeping a leading `v`.
    fn inc(&self, part: &str) -> SemverObject {
        let mut v = self.v.clone();
        match part {
            "IncMajor" => (v.major, v.minor, v.patch) = (v.major + 1, 0, 0),
            "IncMinor" => (v.minor, v.patch) = (v.minor + 1, 0),
            _ if v.pre.is_empty() => v.patch += 1,
            _ => {}
        }
        v.pre.clear();
        v.build.clear();
        let mut next = SemverObject {
            v,
            original: String::new(),
            pointer: false,
        };
        let prefix = if self.original.starts_with('v') {
            "v"
        } else {
            ""
        };
        next.original = format!("{prefix}{}", next.text());
        next
    }

    fn text(&self) -> String {
        let v = &self.v;
        let mut s = format!("{}.{}.{}", v.major, v.minor, v.patch);
        if !v.pre.is_empty() {
            s.push('-');
            s.push_str(&v.pre.join("."));
        }
        if !v.build.is_empty() {
            s.push('+');
            s.push_str(&v.build);
        }
        s
    }

    fn other(args: &[Value]) -> Option<Version> {
        match args.first() {
            Some(Value::Object(o)) => o
                .as_any()
                .downcast_ref::<SemverObject>()
                .map(|s| s.v.clone()),
            _ => None,
        }
    }
}

const METHODS: &[(&str, usize)] = &[
    ("Major", 0),
    ("Minor", 0),
    ("Patch", 0),
    ("Prerelease", 0),
    ("Metadata", 0),
    ("Original", 0),
    ("String", 0),
    ("LessThan", 1),
    ("GreaterThan", 1),
    ("Equal", 1),
    ("Compare", 1),
    ("IncMajor", 0),
    ("IncMinor", 0),
    ("IncPatch", 0),
];

impl Object for SemverObject {
    fn type_name(&self) -> &str {
        if self.pointer {
            "*semver.Version"
        } else {
            "semver.Version"
        }
    }
    fn kind(&self) -> &str {
        if self.pointer { "ptr" } else { "struct" }
    }
    fn field(&self, _name: &str) -> Option<Value> {
        None
    }
    fn has_method(&self, name: &str) -> bool {
        self.method_arity(name).is_some()
    }
    fn method_arity(&self, name: &str) -> Option<usize> {
        // a `semver.Version` value has only the value-receiver methods
        let value_method = matches!(name, "String" | "IncMajor" | "IncMinor" | "IncPatch");
        if !self.pointer && !value_method {
            return None;
        }
        METHODS.iter().find(|(n, _)| *n == name).map(|(_, a)| *a)
    }
    fn call_method(&self, name: &str, args: &[Value]) -> Option<Result<Value, ObjectError>> {
        let v = &self.v;
        let cmp = || {
            SemverObject::other(args)
                .map(|o| v.cmp(&o))
                .ok_or_else(|| ObjectError("wrong type for value; expected *semver.Version".into()))
        };
        Some(match name {
            "Major" => Ok(Value::Uint(v.major, UintKind::Uint64)),
            "Minor" => Ok(Value::Uint(v.minor, UintKind::Uint64)),
            "Patch" => Ok(Value::Uint(v.patch, UintKind::Uint64)),
            "Prerelease" => Ok(Value::from(v.pre.join("."))),
            "Metadata" => Ok(Value::str(&v.build)),
            "Original" => Ok(Value::str(&self.original)),
            "IncMajor" | "IncMinor" | "IncPatch" => Ok(Value::Object(Arc::new(self.inc(name)))),
            "String" => Ok(Value::from(self.text())),
            "LessThan" => cmp().map(|o| Value::Bool(o.is_lt())),
            "GreaterThan" => cmp().map(|o| Value::Bool(o.is_gt())),
            "Equal" => cmp().map(|o| Value::Bool(o.is_eq())),
            "Compare" => cmp().map(|o| Value::Int(o as i64, IntKind::Int)),
            _ => return None,
        })
    }
    fn format(&self, _plus: bool) -> String {
        self.text()
    }
    fn to_data(&self) -> Value {
        Value::from(self.text())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// Masterminds' error for a version that does not parse.
fn invalid_version(text: &str) -> String {
    let pre = text.split_once('+').map_or(text, |(v, _)| v);
    let leading_zero = pre.split_once('-').is_some_and(|(_, p)| {
        p.split('.').any(|seg| {
            seg.len() > 1 && seg.starts_with('0') && seg.bytes().all(|b| b.is_ascii_digit())
        })
    });
    if leading_zero {
        "version segment starts with 0".into()
    } else {
        INVALID.into()
    }
}

pub(crate) fn register(f: &mut FuncMap) {
    f.insert_typed("semver", Arity::Exact(1), &[ArgType::String], |_, a| {
        let text = str_arg(&a[0]);
        let v = Version::parse(text).ok_or_else(|| invalid_version(text))?;
        Ok(Value::Object(Arc::new(SemverObject::new(v))))
    });
    f.insert_typed(
        "semverCompare",
        Arity::Exact(2),
        &[ArgType::String, ArgType::String],
        |_, a| {
            let text = str_arg(&a[0]);
            let improper = || format!("improper constraint: {}", helmd_gotmpl::go_quote(text));
            if text.trim().is_empty() {
                return Err(improper().into());
            }
            let c = Constraint::parse(text).map_err(|_| improper())?;
            let v =
                Version::parse(str_arg(&a[1])).ok_or_else(|| invalid_version(str_arg(&a[1])))?;
            Ok(Value::Bool(c.matches(&v)))
        },
    );
}
