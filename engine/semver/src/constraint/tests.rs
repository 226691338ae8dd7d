//! Table tests for Helm's (Masterminds semver v3) constraint rules.

use super::*;

fn check(constraint: &str, version: &str, expected: bool) {
    let c = Constraint::parse(constraint).unwrap_or_else(|e| panic!("{constraint}: {e}"));
    let v = Version::parse(version).unwrap_or_else(|| panic!("{version} should parse"));
    assert_eq!(c.matches(&v), expected, "{constraint:?} vs {version}");
}

#[test]
fn comparison_operators_match_like_masterminds() {
    for (c, v, want) in [
        ("=1.2.3", "1.2.3", true),
        ("1.2.3", "1.2.4", false),
        ("!=1.2.3", "1.2.4", true),
        ("!=1.2.x", "1.2.9", false),
        (">1.2.3", "1.2.4", true),
        (">1.2", "1.2.9", false),
        (">1.2", "1.3.0", true),
        (">1.x", "1.9.0", false),
        (">1.x", "2.0.0", true),
        ("<1.2.3", "1.2.2", true),
        ("<1.2.x", "1.2.0", false),
        (">=1.2.3", "1.2.3", true),
        ("=>1.2.3", "1.2.2", false),
        ("<=1.2.3", "1.2.3", true),
        ("<=1.2", "1.2.9", true),
        ("<=1.2", "1.3.0", false),
        ("=<1.x", "1.99.0", true),
        ("> 1.2.3", "1.3.0", true),
        ("v1.2.3", "1.2.3", true),
    ] {
        check(c, v, want);
    }
}

#[test]
fn tilde_caret_and_x_ranges_match_like_masterminds() {
    for (c, v, want) in [
        ("~1.2.3", "1.2.9", true),
        ("~1.2.3", "1.3.0", false),
        ("~>1.2", "1.2.0", true),
        ("~1", "1.9.9", true),
        ("~1", "2.0.0", false),
        ("^1.2.3", "1.9.0", true),
        ("^1.2.3", "2.0.0", false),
        ("^1.2.3", "1.2.2", false),
        ("^0.2.3", "0.2.9", true),
        ("^0.2.3", "0.3.0", false),
        ("^0.0.3", "0.0.3", true),
        ("^0.0.3", "0.0.4", false),
        ("^0.0", "0.0.9", true),
        ("^0.0", "0.1.0", false),
        ("^0.x", "0.9.0", true),
        ("^0", "1.0.0", false),
        ("1.2.x", "1.2.7", true),
        ("1.2.x", "1.3.0", false),
        ("1.2", "1.2.7", true),
        ("1", "1.7.0", true),
        ("1.x", "2.0.0", false),
        ("*", "9.9.9", true),
        ("", "0.0.1", true),
        ("x", "3.0.0", true),
    ] {
        check(c, v, want);
    }
}

#[test]
fn and_or_and_hyphen_ranges_combine_terms() {
    for (c, v, want) in [
        (">=1.2, <1.4", "1.3.0", true),
        (">=1.2 <1.4", "1.4.0", false),
        ("<1.0 || >=2.0", "0.5.0", true),
        ("<1.0 || >=2.0", "1.5.0", false),
        ("1.2 - 1.4.5", "1.4.5", true),
        ("1.2 - 1.4.5", "1.4.6", false),
        ("1.2 - 1.4.5", "1.1.9", false),
        ("^1 || ~0.5", "0.5.3", true),
    ] {
        check(c, v, want);
    }
}

#[test]
fn prereleases_match_only_constraints_with_a_prerelease() {
    for (c, v, want) in [
        ("*", "1.0.0-rc.1", false),
        ("^1.0.0", "1.1.0-beta", false),
        (">=1.0.0-0", "1.1.0-beta", true),
        (">0.0.0-0", "0.1.0-alpha", true),
        ("~1.2.3-beta.2", "1.2.3-beta.10", true),
        ("~1.2.3-beta.2", "1.2.3-beta.1", false),
        ("=1.2.3-rc.1", "1.2.3-rc.1", true),
        (">=2.0.0-0 <2.0.0", "2.0.0-rc.1", true),
        (">=2.0.0-0 <2.0.0 || ^3", "3.1.0-rc.1", false),
    ] {
        check(c, v, want);
    }
}

#[test]
fn malformed_constraints_are_rejected_and_exact_pins_are_recognised() {
    for bad in ["1.2.3.4", ">>1", "abc", "1.2 -", "||", ">="] {
        assert!(Constraint::parse(bad).is_err(), "{bad:?} should not parse");
    }
    let exact = |c: &str| {
        Constraint::parse(c)
            .ok()
            .and_then(|c| c.exact().map(ToString::to_string))
    };
    assert_eq!(exact("1.2.3").as_deref(), Some("1.2.3"));
    assert_eq!(exact("=1.2.3+b1").as_deref(), Some("1.2.3+b1"));
    assert_eq!(exact("1.2"), None);
    assert_eq!(exact("^1.2.3"), None);
}
