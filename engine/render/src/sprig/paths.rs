//! Sprig's path functions: Go's `path` (base, dir, clean, ext, isAbs) and
//! `path/filepath` (the `os*` twins, identical on Linux).

use helmd_gotmpl::{ArgType, Arity, FuncMap};
use helmd_yaml::Value;

use super::str_arg;

/// Go's `path.Clean`.
pub(crate) fn clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".into(),
        (false, false) => body,
    }
}

/// Go's `path.Base`.
fn base(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/".into();
    }
    t.rsplit('/').next().unwrap_or(t).to_string()
}

/// Go's `path.Dir`.
fn dir(p: &str) -> String {
    let head = match p.rfind('/') {
        Some(i) => &p[..=i],
        None => "",
    };
    clean(head)
}

/// Go's `path.Ext`.
fn ext(p: &str) -> String {
    for (i, b) in p.bytes().enumerate().rev() {
        match b {
            b'/' => return String::new(),
            b'.' => return p[i..].to_string(),
            _ => {}
        }
    }
    String::new()
}

type PathFn = fn(&str) -> Value;

pub(crate) fn register(f: &mut FuncMap) {
    let funcs: [(&str, PathFn); 5] = [
        ("base", |s| Value::from(base(s))),
        ("dir", |s| Value::from(dir(s))),
        ("clean", |s| Value::from(clean(s))),
        ("ext", |s| Value::from(ext(s))),
        ("isAbs", |s| Value::Bool(s.starts_with('/'))),
    ];
    for (name, func) in funcs {
        let os = format!("os{}{}", name[..1].to_uppercase(), &name[1..]);
        for n in [name.to_string(), os] {
            f.insert_typed(&n, Arity::Exact(1), &[ArgType::String], move |_, a| {
                Ok(func(str_arg(&a[0])))
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_behave_like_go() {
        assert_eq!(clean("/a/../b//c"), "/b/c");
        assert_eq!(clean("../../x/.."), "../..");
        assert_eq!(clean("/.."), "/");
        assert_eq!(base("/a/b/"), "b");
        assert_eq!(dir("/a/b/c.txt"), "/a/b");
        assert_eq!(dir("c.txt"), ".");
        assert_eq!(ext("c.tar.gz"), ".gz");
    }
}
