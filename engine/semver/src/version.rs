//! Chart versions as Helm reads them (Masterminds semver v3): lenient and strict parsing,
//! SemVer 2 precedence, and Helm's `+` ↔ `_` mapping for OCI tags.

use std::cmp::Ordering;
use std::fmt;

/// A parsed semantic version; keeps the text it came from.
#[derive(Debug, Clone)]
pub struct Version {
    /// Major number.
    pub major: u64,
    /// Minor number (0 when omitted).
    pub minor: u64,
    /// Patch number (0 when omitted).
    pub patch: u64,
    /// Pre-release identifiers (`alpha.1` → `["alpha", "1"]`).
    pub pre: Vec<String>,
    /// Build metadata, ignored for precedence.
    pub build: String,
    original: String,
}

impl Version {
    /// Masterminds' `NewVersion`: an optional `v`, and minor/patch may be omitted.
    pub fn parse(text: &str) -> Option<Version> {
        parse(text, false)
    }

    /// Masterminds' `StrictNewVersion`: exactly `MAJOR.MINOR.PATCH[-pre][+build]`.
    /// Helm uses it for OCI tags.
    pub fn parse_strict(text: &str) -> Option<Version> {
        parse(text, true)
    }

    /// The text this version was parsed from.
    pub fn original(&self) -> &str {
        &self.original
    }

    /// Whether it has pre-release identifiers.
    pub fn is_prerelease(&self) -> bool {
        !self.pre.is_empty()
    }

    /// The OCI tag Helm pushes this version under (`+` is not allowed in tags: `_`).
    pub fn to_oci_tag(&self) -> String {
        self.original.replace('+', "_")
    }

    /// Version from an OCI tag (`_` read back as `+`), strictly as Helm does.
    pub fn from_oci_tag(tag: &str) -> Option<Version> {
        Version::parse_strict(&tag.replace('_', "+"))
    }

    pub(crate) fn numbers(&self) -> (u64, u64, u64) {
        (self.major, self.minor, self.patch)
    }
}

fn parse(text: &str, strict: bool) -> Option<Version> {
    let body = if strict {
        text
    } else {
        text.strip_prefix('v').unwrap_or(text)
    };
    let (rest, build) = match body.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (body, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    if parts.is_empty() || parts.len() > 3 || (strict && parts.len() != 3) {
        return None;
    }
    let mut numbers = [0u64; 3];
    for (slot, part) in numbers.iter_mut().zip(&parts) {
        *slot = number(part, strict)?;
    }
    let pre = match pre {
        Some(pre) => identifiers(pre, true)?,
        None => Vec::new(),
    };
    if let Some(build) = build {
        identifiers(build, false)?;
    }
    Some(Version {
        major: numbers[0],
        minor: numbers[1],
        patch: numbers[2],
        pre,
        build: build.unwrap_or_default().to_owned(),
        original: text.to_owned(),
    })
}

fn number(part: &str, strict: bool) -> Option<u64> {
    if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if strict && part.len() > 1 && part.starts_with('0') {
        return None;
    }
    part.parse().ok()
}

fn identifiers(text: &str, numeric_without_leading_zero: bool) -> Option<Vec<String>> {
    let ids: Vec<String> = text.split('.').map(str::to_owned).collect();
    let ok = ids.iter().all(|id| {
        let valid = !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        let leading_zero =
            id.len() > 1 && id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit());
        valid && !(numeric_without_leading_zero && leading_zero)
    });
    ok.then_some(ids)
}

fn compare_identifier(a: &str, b: &str) -> Ordering {
    let numeric = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
    match (numeric(a), numeric(b)) {
        (true, true) => {
            let (a, b) = (a.trim_start_matches('0'), b.trim_start_matches('0'));
            a.len().cmp(&b.len()).then_with(|| a.cmp(b))
        }
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.cmp(b),
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.numbers().cmp(&other.numbers()).then_with(|| {
            match (self.pre.is_empty(), other.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => {
                    for (a, b) in self.pre.iter().zip(&other.pre) {
                        let order = compare_identifier(a, b);
                        if order != Ordering::Equal {
                            return order;
                        }
                    }
                    self.pre.len().cmp(&other.pre.len())
                }
            }
        })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.original)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn lenient_parse_accepts_v_prefix_and_short_versions() {
        assert_eq!(v("v1.2").numbers(), (1, 2, 0));
        assert_eq!(v("3").numbers(), (3, 0, 0));
        assert_eq!(v("1.2.3-rc.1+b5").pre, vec!["rc", "1"]);
        assert!(Version::parse("1.2.3.4").is_none());
        assert!(Version::parse("1.x").is_none());
        assert!(Version::parse("").is_none());
    }

    #[test]
    fn strict_parse_is_what_helm_uses_for_tags() {
        assert!(Version::parse_strict("1.2").is_none());
        assert!(Version::parse_strict("v1.2.3").is_none());
        assert!(Version::parse_strict("latest").is_none());
        assert_eq!(
            Version::from_oci_tag("1.2.3_build.1").map(|v| v.build),
            Some("build.1".to_owned())
        );
        assert_eq!(v("1.2.3+build.1").to_oci_tag(), "1.2.3_build.1");
    }

    #[test]
    fn precedence_follows_semver_2() {
        let ordered = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "1.0.1",
            "1.10.0",
        ];
        for pair in ordered.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(v("1.0.0+a"), v("1.0.0+b"));
    }
}
