//! The small pieces of Helm's dependency manager that are pure: Chart.lock's text
//! (keys sorted, Go's RFC 3339 `generated`), Go's path cleaning and request-URI check,
//! and URL equality as Helm's `urlutil.Equal` sees it.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use anyhow::Result;
use helmd_source::chart_meta::Dependency;
use helmd_yaml::{Str, Value};

/// Helm's `urlutil.Equal`, closely enough: the same URL up to a trailing slash.
pub fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// Whether Go's `url.ParseRequestURI` accepts `text`: an absolute path or a URL with
/// a scheme.
pub fn request_uri(text: &str) -> bool {
    if text.starts_with('/') {
        return true;
    }
    let Some((scheme, _)) = text.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Lexical path cleaning, like Go's `filepath.Clean` (for Helm's messages).
pub fn clean(path: &Path) -> PathBuf {
    let mut out: Vec<Component> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir if matches!(out.last(), Some(Component::Normal(_))) => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

/// Chart.lock as Helm writes it: keys sorted, each dependency's name, repository and
/// version, `generated` as Go's RFC 3339 with nanoseconds.
pub fn lock_text(locked: &[Dependency], digest: &str) -> Result<String> {
    lock_text_at(locked, digest, &go_rfc3339_nano_now())
}

/// [`lock_text`] generated at `generated` (Go's RFC 3339 text).
pub fn lock_text_at(locked: &[Dependency], digest: &str, generated: &str) -> Result<String> {
    let s = |text: &str| Value::str(text);
    let deps: Vec<Value> = locked
        .iter()
        .map(|d| {
            Value::map(BTreeMap::from([
                (Str::from("name"), s(&d.name)),
                (Str::from("repository"), s(&d.repository)),
                (Str::from("version"), s(&d.version)),
            ]))
        })
        .collect();
    let lock = Value::map(BTreeMap::from([
        (Str::from("dependencies"), Value::list(deps)),
        (Str::from("digest"), s(digest)),
        (Str::from("generated"), s(generated)),
    ]));
    let mut text = helmd_yaml::to_yaml(&lock)?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

/// Now in UTC as Go's `time.RFC3339Nano` prints it (trailing zeros of the fraction
/// dropped, `Z`).
fn go_rfc3339_nano_now() -> String {
    go_rfc3339_nano(time::OffsetDateTime::now_utc())
}

/// `at` as Go's `time.RFC3339Nano` prints a UTC time.
fn go_rfc3339_nano(now: time::OffsetDateTime) -> String {
    let mut text = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    );
    let nanos = now.nanosecond();
    if nanos > 0 {
        let fraction = format!("{nanos:09}");
        text.push('.');
        text.push_str(fraction.trim_end_matches('0'));
    }
    text.push('Z');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_clean_like_go() {
        assert_eq!(clean(Path::new("r/../nowhere")), PathBuf::from("nowhere"));
        assert_eq!(clean(Path::new("./chart/")), PathBuf::from("chart"));
        assert_eq!(clean(Path::new("../a/./b/..")), PathBuf::from("../a"));
        assert_eq!(clean(Path::new(".")), PathBuf::from("."));
    }

    #[test]
    fn request_uris_are_absolute_paths_or_have_a_scheme() {
        assert!(request_uri("https://charts.example.com"));
        assert!(request_uri("/srv/charts"));
        assert!(!request_uri("charts.example.com"));
        assert!(!request_uri("1http://x"));
        assert!(same_url("https://r.example.com/", "https://r.example.com"));
    }

    #[test]
    fn generated_drops_trailing_zeros_like_go() {
        let at = time::macros::datetime!(2026-01-02 03:04:05.120 UTC);
        assert_eq!(go_rfc3339_nano(at), "2026-01-02T03:04:05.12Z");
        let whole = time::macros::datetime!(2026-01-02 03:04:05 UTC);
        assert_eq!(go_rfc3339_nano(whole), "2026-01-02T03:04:05Z");
    }

    #[test]
    fn lock_text_sorts_keys_and_quotes_what_yaml_would_misread() {
        let dep = Dependency {
            name: "web".into(),
            version: "1.0".into(),
            repository: String::new(),
            ..Dependency::default()
        };
        let text = lock_text(&[dep], "sha256:ab").expect("lock");
        assert!(
            text.starts_with(
                "dependencies:\n- name: web\n  repository: \"\"\n  version: \"1.0\"\ndigest: sha256:ab\ngenerated: \""
            ),
            "{text}"
        );
        assert!(text.ends_with("Z\"\n"), "{text}");
    }
}
