//! Judging one case: Helm's result against helmd's, with a unified diff for every differing file.

use std::collections::BTreeMap;
use std::fmt::Write;

use similar::{ChangeTag, TextDiff};

use crate::case::{Case, Expectation};
use crate::oracle::Rendered;

/// A unified diff of `helm` (expected) against `helmd` (actual), line by line.
///
/// Tabs, carriage returns, other control characters and unusual whitespace
/// (NEL, NBSP, U+2028, BOM) are shown escaped and a
/// line ending in whitespace is marked with a trailing `$`, so byte-level
/// differences stay visible. The empty string means the texts are equal.
pub fn unified_diff(helm: &str, helmd: &str, label: &str) -> String {
    if helm == helmd {
        return String::new();
    }
    let diff = TextDiff::from_lines(helm, helmd);
    let mut out = format!("--- helm/{label}\n+++ helmd/{label}\n");
    for group in diff.grouped_ops(3) {
        let (first, last) = match (group.first(), group.last()) {
            (Some(first), Some(last)) => (first, last),
            _ => continue,
        };
        let old = first.old_range().start..last.old_range().end;
        let new = first.new_range().start..last.new_range().end;
        let _ = writeln!(
            out,
            "@@ -{},{} +{},{} @@",
            old.start + 1,
            old.len(),
            new.start + 1,
            new.len()
        );
        for op in &group {
            for change in diff.iter_changes(op) {
                let sign = match change.tag() {
                    ChangeTag::Equal => ' ',
                    ChangeTag::Delete => '-',
                    ChangeTag::Insert => '+',
                };
                let _ = writeln!(
                    out,
                    "{sign}{}",
                    visible_line(change.value(), change.missing_newline())
                );
            }
        }
    }
    out
}

/// One line made visible: control characters escaped, trailing whitespace marked.
fn visible_line(line: &str, missing_newline: bool) -> String {
    let body = line.strip_suffix('\n').unwrap_or(line);
    let mut out = String::with_capacity(body.len() + 4);
    for c in body.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || (c.is_whitespace() && c != ' ') || c == '\u{feff}' => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    if body.ends_with([' ', '\t']) {
        out.push('$');
    }
    if missing_newline {
        out.push_str("\n\\ No newline at end of file");
    }
    out
}

/// Why a case failed, or `None` when Helm and helmd agree as the case expects.
pub fn judge(case: &Case, helm: &Rendered, helmd: &Rendered) -> Option<String> {
    match (&case.expect, helm, helmd) {
        (Expectation::Match, Err(err), _) => {
            Some(format!("corpus: Helm failed on a `match` case: {err}"))
        }
        (Expectation::Match, Ok(_), Err(err)) => {
            Some(format!("helmd failed where Helm rendered: {err}"))
        }
        (Expectation::Match, Ok(want), Ok(got)) => files_diff(want, got),
        (Expectation::BothFail { .. }, Ok(_), _) => {
            Some("corpus: Helm rendered an `error` case".to_owned())
        }
        (Expectation::BothFail { .. }, Err(want), Ok(_)) => {
            Some(format!("helmd rendered where Helm failed with: {want}"))
        }
        (Expectation::BothFail { message_contains }, Err(want), Err(got)) => {
            let needle = message_contains.as_deref()?;
            match (want.contains(needle), got.contains(needle)) {
                (true, true) => None,
                (false, _) => Some(format!("corpus: Helm's error lacks {needle:?}: {want}")),
                (true, false) => Some(format!(
                    "helmd's error lacks {needle:?}\n  helm:  {want}\n  helmd: {got}"
                )),
            }
        }
    }
}

/// Every file missing, extra or different, with diffs; `None` when equal.
pub fn files_diff(
    helm: &BTreeMap<String, String>,
    helmd: &BTreeMap<String, String>,
) -> Option<String> {
    if helm == helmd {
        return None;
    }
    let mut out = String::new();
    for (path, want) in helm {
        match helmd.get(path) {
            None => {
                let _ = writeln!(out, "missing in helmd: {path}");
            }
            Some(got) => out.push_str(&unified_diff(want, got, path)),
        }
    }
    for path in helmd.keys().filter(|p| !helm.contains_key(*p)) {
        let _ = writeln!(out, "extra in helmd: {path}");
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(helm: &str, helmd: &str, expected: &str) {
        assert_eq!(unified_diff(helm, helmd, "c/templates/a.yaml"), expected);
    }

    #[test]
    fn equal_texts_have_an_empty_diff() {
        check("a\nb\n", "a\nb\n", "");
    }

    #[test]
    fn a_changed_line_shows_as_removed_and_added() {
        check(
            "a\nb\nc\n",
            "a\nB\nc\n",
            "--- helm/c/templates/a.yaml\n+++ helmd/c/templates/a.yaml\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n",
        );
    }

    #[test]
    fn trailing_whitespace_and_missing_newline_are_visible() {
        check(
            "x \n",
            "x",
            "--- helm/c/templates/a.yaml\n+++ helmd/c/templates/a.yaml\n@@ -1,1 +1,1 @@\n-x $\n+x\n\\ No newline at end of file\n",
        );
    }

    #[test]
    fn a_lone_carriage_return_is_escaped_not_a_line_end() {
        check(
            "a\rb\n",
            "a\nb\n",
            "--- helm/c/templates/a.yaml\n+++ helmd/c/templates/a.yaml\n@@ -1,2 +1,2 @@\n-a\\r\n+a\n b\n",
        );
    }

    #[test]
    fn tabs_are_escaped() {
        check(
            "\ta\n",
            "  a\n",
            "--- helm/c/templates/a.yaml\n+++ helmd/c/templates/a.yaml\n@@ -1,1 +1,1 @@\n-\\ta\n+  a\n",
        );
    }

    fn files(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn missing_and_extra_files_are_named() {
        let report = files_diff(&files(&[("a", "1\n")]), &files(&[("b", "1\n")]));
        assert_eq!(
            report.as_deref(),
            Some("missing in helmd: a\nextra in helmd: b\n")
        );
    }

    #[test]
    fn an_error_case_passes_when_both_messages_hold_the_needle() {
        let mut case = Case::new("x", "/nonexistent");
        case.expect = Expectation::BothFail {
            message_contains: Some("boom".to_owned()),
        };
        let helm = Err("template: boom here".to_owned());
        assert_eq!(judge(&case, &helm, &Err("boom".to_owned())), None);
        assert!(judge(&case, &helm, &Err("bang".to_owned())).is_some());
        assert!(judge(&case, &helm, &Ok(BTreeMap::new())).is_some());
    }

    #[test]
    fn a_match_case_fails_when_helm_itself_fails() {
        let case = Case::new("x", "/nonexistent");
        let report = judge(&case, &Err("bad".to_owned()), &Ok(BTreeMap::new()));
        assert!(report.is_some_and(|r| r.starts_with("corpus:")));
    }
}
