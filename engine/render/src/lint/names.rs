//! Kubernetes' object-name rules as Helm's linter applies them to
//! `metadata.name`, with apimachinery's messages.

const SUBDOMAIN_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1035_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/// Which rule a kind's names follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    Subdomain,
    Dns1035,
    Label,
    PathSegment,
    Any,
}

fn rule(kind: &str) -> Rule {
    match kind.to_lowercase().as_str() {
        "service" => Rule::Dns1035,
        "namespace" => Rule::Label,
        "certificatesigningrequest" => Rule::Any,
        "role" | "clusterrole" | "rolebinding" | "clusterrolebinding" => Rule::PathSegment,
        _ => Rule::Subdomain,
    }
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
fn is_label(s: &str) -> bool {
    let b = s.as_bytes();
    let inner = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-';
    let edge = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => edge(f) && edge(l) && b.iter().all(inner),
        _ => false,
    }
}

fn is_subdomain(s: &str) -> bool {
    s.split('.').all(is_label)
}

fn is_dns1035(s: &str) -> bool {
    is_label(s) && s.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
}

/// apimachinery's problems with `name` for objects of `kind` (empty: valid).
pub fn problems(kind: &str, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let too_long = |max: usize, out: &mut Vec<String>| {
        if name.len() > max {
            out.push(format!("must be no more than {max} characters"));
        }
    };
    match rule(kind) {
        Rule::Any => {}
        Rule::Subdomain => {
            too_long(253, &mut out);
            if !is_subdomain(name) {
                out.push(SUBDOMAIN_MSG.into());
            }
        }
        Rule::Dns1035 => {
            too_long(63, &mut out);
            if !is_dns1035(name) {
                out.push(DNS1035_MSG.into());
            }
        }
        Rule::Label => {
            too_long(63, &mut out);
            if name.contains('.') {
                out.push("must not contain dots".into());
            } else if !is_label(name) {
                out.push(LABEL_MSG.into());
            }
        }
        Rule::PathSegment => {
            if name == "." || name == ".." {
                out.push(format!("may not be '{name}'"));
            }
            for bad in ["/", "%"] {
                if name.contains(bad) {
                    out.push(format!("may not contain '{bad}'"));
                }
            }
        }
    }
    out
}

/// Helm's warning text for a name that breaks its kind's rule.
pub fn validate(kind: &str, name: &str) -> Result<(), String> {
    let errs: Vec<String> = problems(kind, name)
        .into_iter()
        .map(|m| {
            format!(
                "metadata.name: Invalid value: {}: {m}",
                helmd_gotmpl::go_quote(name)
            )
        })
        .collect();
    let joined = match errs.len() {
        0 => return Ok(()),
        1 => errs.concat(),
        _ => format!("[{}]", errs.join(", ")),
    };
    Err(format!(
        "object name does not conform to Kubernetes naming requirements: {}: {joined}",
        helmd_gotmpl::go_quote(name)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_need_dns_1035_labels_and_namespaces_no_dots() {
        assert!(problems("Service", "1a")[0].starts_with("a DNS-1035 label"));
        assert_eq!(problems("Namespace", "a.b"), vec!["must not contain dots"]);
        assert_eq!(problems("ConfigMap", "a.b-c"), Vec::<String>::new());
        assert_eq!(problems("Role", "a/b"), vec!["may not contain '/'"]);
        assert!(problems("CertificateSigningRequest", "A_b").is_empty());
    }

    #[test]
    fn two_problems_print_as_a_list() {
        let long = "A".repeat(254);
        let e = validate("ConfigMap", &long).expect_err("invalid");
        assert!(e.contains(": [metadata.name: Invalid value: "), "{e}");
    }
}
