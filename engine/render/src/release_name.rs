//! Helm's rule for release names (`chartutil.ValidateReleaseName`): what `helm
//! template` and `helm install` accept, with Helm's words when they refuse.

/// Longest release name Helm accepts (a Secret's name must hold `sh.helm.release.v1.`,
/// the name and `.v` plus a revision, within 63 characters of a label value).
pub const MAX_RELEASE_NAME_LEN: usize = 53;

/// The pattern Helm prints in its error.
const PATTERN: &str = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

/// Checks a release name like Helm; the error is Helm's text after `release name "…": `.
pub fn validate_release_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("no name provided".to_owned());
    }
    if name.len() > MAX_RELEASE_NAME_LEN || !is_dns_subdomain(name) {
        return Err(format!(
            "invalid release name, must match regex {PATTERN} and the length must not be longer than {MAX_RELEASE_NAME_LEN}"
        ));
    }
    Ok(())
}

/// Dot-separated labels of lower-case letters, digits and inner dashes.
fn is_dns_subdomain(name: &str) -> bool {
    name.split('.').all(|label| {
        let b = label.as_bytes();
        let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        !b.is_empty()
            && b.first().is_some_and(alnum)
            && b.last().is_some_and(alnum)
            && b.iter().all(|c| alnum(c) || *c == b'-')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_helm_accepts_pass() {
        for name in ["a", "web", "my-app-2", "a.b", "x1.y-2.z", &"a".repeat(53)] {
            assert_eq!(validate_release_name(name), Ok(()), "{name}");
        }
    }

    #[test]
    fn names_helm_refuses_fail_with_helms_words() {
        assert_eq!(validate_release_name(""), Err("no name provided".into()));
        for name in [
            "Foo_Bar",
            "-a",
            "a-",
            "a..b",
            ".a",
            "A",
            "a_b",
            &"a".repeat(54),
        ] {
            let err = validate_release_name(name).expect_err(name);
            assert!(
                err.starts_with("invalid release name, must match regex ^[a-z0-9]"),
                "{err}"
            );
            assert!(err.ends_with("must not be longer than 53"), "{err}");
        }
    }
}
