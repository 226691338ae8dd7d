//! Splitting a rendered file into YAML documents exactly as Helm's
//! `SplitManifests` does (its separator regex `(?:^|\s*\n)---\s*`).

/// RE2's `\s`: ASCII space, tab, newline, form feed, carriage return.
fn is_re2_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0c' | b'\r')
}

/// The documents of `text` in order: leading whitespace dropped, separated at
/// `---` that starts the text or follows a newline (whitespace around the
/// separator belongs to it), empty pieces skipped. A document keeps trailing
/// whitespace only when it is the last one.
pub fn split_manifests(text: &str) -> Vec<String> {
    let text = text.trim_start();
    let b = text.as_bytes();
    let mut pieces = Vec::new();
    let mut beg = 0;
    let mut pos = 0;
    let skip_space = |mut i: usize| {
        while i < b.len() && is_re2_space(b[i]) {
            i += 1;
        }
        i
    };
    if text.starts_with("---") {
        pos = skip_space(3);
        beg = pos;
    }
    while let Some(found) = text[pos..].find("\n---") {
        let q = pos + found;
        let mut start = q;
        while start > pos && is_re2_space(b[start - 1]) {
            start -= 1;
        }
        pieces.push(&text[beg..start]);
        pos = skip_space(q + 4);
        beg = pos;
    }
    pieces.push(&text[beg..]);
    pieces
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(|p| p.trim_start().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::split_manifests;

    #[test]
    fn separators_take_the_whitespace_around_them() {
        assert_eq!(
            split_manifests("\n\na: 1\n\n---\nb: 2\n  \n---  \n\nc: 3\n\n"),
            ["a: 1", "b: 2", "c: 3\n\n"]
        );
    }

    #[test]
    fn a_separator_glued_to_text_still_splits() {
        assert_eq!(
            split_manifests("kind: A\n---x: 1\n----\nkind: B"),
            ["kind: A", "x: 1", "-\nkind: B"]
        );
        assert_eq!(split_manifests("---\n---\na"), ["---\na"]);
        assert_eq!(split_manifests("--- # c\nkind: C"), ["# c\nkind: C"]);
        assert!(split_manifests("---").is_empty());
    }
}
