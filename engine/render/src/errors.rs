//! Helm v4's re-formatting of template errors: `parse error at (...)`,
//! `execution error at (...)` for required/fail, the multi-line trace for
//! chains of template errors, and Go's own text otherwise.

use helmd_gotmpl::{Error as TmplError, FuncError};

use crate::funcs::{WARN_END, WARN_START};

/// Helm's text for a parse error: the location, then Go's text after its last `": "`.
pub fn parse_error(filename: &str, e: &TmplError) -> String {
    let text = e.to_string();
    let tokens: Vec<&str> = text.split(": ").collect();
    if tokens.len() == 1 {
        return format!("parse error in ({filename}): {text}");
    }
    format!(
        "parse error at ({}): {}",
        tokens[1],
        tokens[tokens.len() - 1]
    )
}

/// Helm's text for an execution error.
pub fn exec_error(filename: &str, e: &TmplError) -> String {
    let text = e.to_string();
    let tokens: Vec<&str> = text.splitn(3, ": ").collect();
    if tokens.len() != 3 {
        return format!("execution error in ({filename}): {text}");
    }
    if let Some(start) = tokens[2].find(WARN_START) {
        let rest = &tokens[2][start + WARN_START.len()..];
        let msg = rest.rfind(WARN_END).map_or(rest, |end| &rest[..end]);
        return format!("execution error at ({}): {msg}", tokens[1]);
    }
    trace(e).unwrap_or(text)
}

/// The multi-line trace, when every link of the chain is a template error.
fn trace(e: &TmplError) -> Option<String> {
    let mut out = String::new();
    let mut cur = e;
    loop {
        match cur {
            TmplError::Exec(x) => {
                let loc = x.location.as_deref()?;
                let head = format!(
                    "{loc}\n  executing {:?} at <{}>:\n    ",
                    x.template, x.context
                );
                match &x.cause {
                    None => {
                        out.push_str(&head);
                        out.push_str(&x.message);
                        return Some(out);
                    }
                    Some(FuncError::Template { prefix, error }) if prefix.is_empty() => {
                        let inner = error.to_string();
                        let own = x
                            .message
                            .strip_suffix(&inner)
                            .unwrap_or(&x.message)
                            .trim_end();
                        out.push_str(&head);
                        out.push_str(own);
                        out.push('\n');
                        cur = error;
                    }
                    Some(_) => return None,
                }
            }
            TmplError::NoTemplate { .. } => {
                out.push_str(&cur.to_string());
                return Some(out);
            }
            TmplError::Parse { .. } => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use helmd_gotmpl::{MissingKey, Options, Templates};
    use helmd_yaml::Value;

    use super::*;

    fn failing(templates: &[(&str, &str)], name: &str) -> TmplError {
        let options = Options {
            root_name: "gotpl".into(),
            missing_key: MissingKey::Zero,
            ..Options::default()
        };
        let mut set = Templates::new(Arc::new(crate::engine::funcs()), options);
        for (n, text) in templates {
            if let Err(e) = set.add(n, text) {
                return e;
            }
        }
        match set.execute(name, &Value::empty_map()) {
            Err(e) => e,
            Ok(out) => panic!("rendered {out:?}"),
        }
    }

    #[test]
    fn parse_errors_keep_the_last_part() {
        let e = failing(&[("c/t.yaml", "{{ nope }}")], "c/t.yaml");
        assert_eq!(
            parse_error("c/t.yaml", &e),
            "parse error at (c/t.yaml:1): function \"nope\" not defined"
        );
    }

    #[test]
    fn required_and_fail_print_their_message_at_the_first_location() {
        let e = failing(
            &[
                ("c/_h.tpl", "{{ define \"d\" }}{{ fail \"boom\" }}{{ end }}"),
                ("c/t.yaml", "\n {{ include \"d\" . }}"),
            ],
            "c/t.yaml",
        );
        assert_eq!(
            exec_error("c/t.yaml", &e),
            "execution error at (c/t.yaml:2:4): boom"
        );
    }

    #[test]
    fn template_error_chains_become_a_trace() {
        let e = failing(
            &[
                ("c/_h.tpl", "{{ define \"d\" }}{{ .x.y }}{{ end }}"),
                ("c/t.yaml", "{{ include \"d\" . }}"),
            ],
            "c/t.yaml",
        );
        assert_eq!(
            exec_error("c/t.yaml", &e),
            "c/t.yaml:1:3\n  executing \"c/t.yaml\" at <include \"d\" .>:\n    error calling include:\nc/_h.tpl:1:21\n  executing \"d\" at <.x.y>:\n    nil pointer evaluating interface {}.y"
        );
    }

    #[test]
    fn plain_function_errors_keep_go_text() {
        let e = failing(&[("c/t.yaml", "{{ index (list 1) 5 }}")], "c/t.yaml");
        assert_eq!(
            exec_error("c/t.yaml", &e),
            "template: c/t.yaml:1:3: executing \"c/t.yaml\" at <index (list 1) 5>: error calling index: index out of range: 5"
        );
    }
}
