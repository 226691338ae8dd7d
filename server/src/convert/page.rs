//! List paging: `page_size` defaults and bounds, and opaque keyset `page_token`s.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{Error, Result};

/// Page size used when a request leaves `page_size` at 0.
pub const DEFAULT_PAGE_SIZE: usize = 100;
/// Largest page size served; larger requests are clamped.
pub const MAX_PAGE_SIZE: usize = 1000;

/// The effective page size of a request.
pub fn page_size(requested: i32) -> Result<usize> {
    match requested {
        0 => Ok(DEFAULT_PAGE_SIZE),
        n if n < 0 => Err(Error::invalid("page_size", "must not be negative")),
        n => Ok(usize::try_from(n)
            .unwrap_or(MAX_PAGE_SIZE)
            .min(MAX_PAGE_SIZE)),
    }
}

/// Encodes a keyset position `(sort key, id)` for one list as an opaque token.
pub fn encode(list: &str, key: i64, id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("{list}\n{key}\n{id}"))
}

/// Decodes a token made by [`encode`] for the same list; empty means the first page.
pub fn decode(list: &str, token: &str) -> Result<Option<(i64, String)>> {
    if token.is_empty() {
        return Ok(None);
    }
    let invalid = || {
        Error::invalid(
            "page_token",
            "not a page token of this list; pass next_page_token unchanged",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let mut parts = text.splitn(3, '\n');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(l), Some(key), Some(id)) if l == list => {
            Ok(Some((key.parse().map_err(|_| invalid())?, id.to_owned())))
        }
        _ => Err(invalid()),
    }
}

/// Trims `rows` (fetched as `size + 1` to learn whether more follow) to one page and
/// returns the token of the next page, empty at the end.
pub fn finish<T>(
    list: &str,
    rows: &mut Vec<T>,
    size: usize,
    position: impl Fn(&T) -> (i64, String),
) -> String {
    if rows.len() <= size {
        return String::new();
    }
    rows.truncate(size);
    rows.last()
        .map(|row| {
            let (key, id) = position(row);
            encode(list, key, &id)
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_are_list_specific() {
        let token = encode("operations", 42, "abc");
        assert_eq!(
            decode("operations", &token).expect("valid"),
            Some((42, "abc".to_owned()))
        );
        assert!(decode("audit", &token).is_err());
        assert!(decode("operations", "garbage!").is_err());
        assert_eq!(decode("operations", "").expect("empty"), None);
    }

    #[test]
    fn finish_trims_to_a_page_and_points_after_its_last_row() {
        let mut rows = vec![(30, "c"), (20, "b"), (10, "a")];
        let token = finish("l", &mut rows, 2, |r| (r.0, r.1.to_owned()));
        assert_eq!(rows.len(), 2);
        assert_eq!(
            decode("l", &token).expect("valid"),
            Some((20, "b".to_owned()))
        );
        let mut last = vec![(1, "x")];
        assert_eq!(finish("l", &mut last, 2, |r| (r.0, r.1.to_owned())), "");
    }

    #[test]
    fn page_sizes_default_and_clamp() {
        assert_eq!(page_size(0).expect("ok"), DEFAULT_PAGE_SIZE);
        assert_eq!(page_size(5000).expect("ok"), MAX_PAGE_SIZE);
        assert!(page_size(-1).is_err());
    }
}
