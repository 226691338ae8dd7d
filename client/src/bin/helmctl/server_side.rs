//! `--server-side`, as Helm 4 takes it: a boolean on install (`--server-side` alone is
//! `true`; unset is server-side apply), `auto|true|false` on upgrade and rollback
//! (`auto`, the default, keeps the method the release's record used), sent as the
//! request's `apply_method`.

use anyhow::{Result, bail};
use helmd_client::proto::ApplyMethod;

/// `helmctl install --server-side[=BOOL]`: Go's `strconv.ParseBool` spellings.
pub fn for_install(flag: Option<&str>) -> Result<ApplyMethod> {
    Ok(match flag {
        None => ApplyMethod::Unspecified,
        Some("1" | "t" | "T" | "TRUE" | "true" | "True") => ApplyMethod::ServerSide,
        Some("0" | "f" | "F" | "FALSE" | "false" | "False") => ApplyMethod::ClientSide,
        Some(other) => bail!(
            "invalid argument {other:?} for \"--server-side\" flag: strconv.ParseBool: parsing {other:?}: invalid syntax"
        ),
    })
}

/// `helmctl upgrade|rollback --server-side=auto|true|false`.
pub fn for_change(flag: Option<&str>) -> Result<ApplyMethod> {
    Ok(match flag {
        None | Some("auto") => ApplyMethod::Unspecified,
        Some("true") => ApplyMethod::ServerSide,
        Some("false") => ApplyMethod::ClientSide,
        Some(other) => bail!("invalid/unknown release server-side apply method: {other}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_takes_a_boolean_and_upgrade_takes_auto_too() {
        assert_eq!(for_install(None).ok(), Some(ApplyMethod::Unspecified));
        assert_eq!(
            for_install(Some("true")).ok(),
            Some(ApplyMethod::ServerSide)
        );
        assert_eq!(for_install(Some("F")).ok(), Some(ApplyMethod::ClientSide));
        let err = for_install(Some("auto")).expect_err("not a bool");
        assert!(err.to_string().contains("strconv.ParseBool"), "{err}");
        assert_eq!(
            for_change(Some("auto")).ok(),
            Some(ApplyMethod::Unspecified)
        );
        assert_eq!(
            for_change(Some("false")).ok(),
            Some(ApplyMethod::ClientSide)
        );
        let err = for_change(Some("yes")).expect_err("unknown");
        assert_eq!(
            err.to_string(),
            "invalid/unknown release server-side apply method: yes"
        );
    }
}
