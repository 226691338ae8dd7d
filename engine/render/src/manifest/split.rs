//! Splitting a rendered file into YAML documents exactly as Helm 4.3's
//! `SplitManifests` does (its separator regex `(?m)^---[ \t]*`; Helm 4.2 and
//! earlier used `(?:^|\s*\n)---\s*`, which also swallowed the whitespace
//! before a separator).

/// The documents of `text` in order: leading whitespace dropped, separated at
/// every line that starts with `---` (the separator takes the spaces and tabs
/// after it; the rest of its line begins the next document), pieces that are
/// only whitespace skipped, each document's leading whitespace dropped. A
/// document keeps its trailing whitespace (the newline before the next `---`).
pub fn split_manifests(text: &str) -> Vec<String> {
    let text = text.trim_start();
    let mut pieces = Vec::new();
    let mut beg = 0;
    let mut line = 0;
    loop {
        if text[line..].starts_with("---") {
            pieces.push(&text[beg..line]);
            let rest = &text[line + 3..];
            beg = line + 3 + (rest.len() - rest.trim_start_matches([' ', '\t']).len());
        }
        match text[line..].find('\n') {
            Some(at) => line += at + 1,
            None => break,
        }
    }
    pieces.push(&text[beg..]);
    pieces
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .map(|p| p.trim_start().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::split_manifests;

    #[test]
    fn a_document_keeps_the_whitespace_before_the_next_separator() {
        assert_eq!(
            split_manifests("\n\na: 1\n\n---\nb: 2\n  \n---  \n\nc: 3\n\n"),
            ["a: 1\n\n", "b: 2\n  \n", "c: 3\n\n"]
        );
    }

    #[test]
    fn a_separator_glued_to_text_still_splits() {
        assert_eq!(
            split_manifests("kind: A\n---x: 1\n----\nkind: B"),
            ["kind: A\n", "x: 1\n", "-\nkind: B"]
        );
        assert_eq!(split_manifests("---\n---\na"), ["a"]);
        assert_eq!(split_manifests("--- # c\nkind: C"), ["# c\nkind: C"]);
        assert_eq!(
            split_manifests("a: |\n  x\n---\tb: 1"),
            ["a: |\n  x\n", "b: 1"]
        );
        assert_eq!(split_manifests("a: 1\n  ---\nb: 2"), ["a: 1\n  ---\nb: 2"]);
        assert!(split_manifests("---").is_empty());
        assert!(split_manifests(" \n--- \n \n---").is_empty());
    }
}
