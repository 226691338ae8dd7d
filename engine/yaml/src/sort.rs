//! Map key order of go-yaml v2 (`toYaml`) and v3 (`toYamlPretty`): runs of
//! digits compare as numbers, non-letters sort before letters (so `a9` <
//! `a10` and `_x` < `A`), sorted with a port of Go's `sort.Sort` so that
//! even an inconsistent comparison ends in Go's order.

use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

/// Which go-yaml's `keyList.Less` orders the keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrder {
    /// go-yaml v2 (`toYaml`, `toJson`-then-YAML paths).
    V2,
    /// go-yaml v3 (`toYamlPretty`): after a shared digit, letters sort first.
    V3,
}

/// Go's `unicode.IsLetter`: general categories Lu, Ll, Lt, Lm, Lo.
fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    c.general_category_group() == GeneralCategoryGroup::Letter
}

/// Go's `unicode.IsDigit`: general category Nd.
fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    c.general_category() == unicode_properties::GeneralCategory::DecimalNumber
}

/// go-yaml v2's `keyList.Less` for two string keys.
pub fn go_yaml_key_less(a: &str, b: &str) -> bool {
    key_less(a, b, KeyOrder::V2)
}

/// go-yaml's `keyList.Less` for two string keys, in either version.
pub fn key_less(a: &str, b: &str, order: KeyOrder) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let n = ar.len().min(br.len());
    let mut digits = false;
    for i in 0..n {
        if ar[i] == br[i] {
            digits = is_digit(ar[i]);
            continue;
        }
        let al = is_letter(ar[i]);
        let bl = is_letter(br[i]);
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return if order == KeyOrder::V3 && digits {
                al
            } else {
                bl
            };
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && is_digit(ar[j - 1]) {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && is_digit(ar[ai]) {
            an = an.wrapping_mul(10).wrapping_add(digit_value(ar[ai]));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && is_digit(br[bi]) {
            bn = bn.wrapping_mul(10).wrapping_add(digit_value(br[bi]));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}

/// Go's `int64(r - '0')` for a digit rune (large for non-ASCII digits, as in Go).
fn digit_value(c: char) -> i64 {
    i64::from(u32::from(c)) - i64::from(u32::from('0'))
}

/// Sorts keys with go-yaml v2's `Less` exactly as Go's `sort.Sort` would.
#[cfg(test)]
pub fn sort_keys<T>(items: &mut [T], key: impl Fn(&T) -> &str) {
    sort_keys_as(items, KeyOrder::V2, key);
}

/// Sorts keys with go-yaml's `Less` of `order` exactly as Go's `sort.Sort`
/// would: the comparison is not a total order for some keys, so the result
/// depends on the algorithm, and this is Go's (see `crate::pdqsort`).
pub fn sort_keys_as<T>(items: &mut [T], order: KeyOrder, key: impl Fn(&T) -> &str) {
    crate::pdqsort::sort(items, |a, b| key_less(key(a), key(b), order));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_key_lists_sort_like_short_ones() {
        let mut keys: Vec<String> = (0..40).rev().map(|i| format!("k{i}")).collect();
        sort_keys(&mut keys, |k| k);
        let want: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
        assert_eq!(keys, want);
    }

    #[test]
    fn inconsistent_orders_do_not_panic() {
        let mut keys: Vec<String> = [
            "1_", "_1", "a", "-", "--", "1", "01", "a1", "a01", "é", "日本", "~", "1e", "0",
        ]
        .iter()
        .cycle()
        .take(60)
        .map(|s| s.to_string())
        .collect();
        sort_keys(&mut keys, |k| k);
        assert_eq!(keys.len(), 60);
    }

    #[test]
    fn keys_sort_like_go_yaml_v2() {
        let mut keys = vec![
            "a10", "a9", "A", "_x", "9", "10", "1.5", "16", "1000", "true", "ts1", "b",
        ];
        sort_keys(&mut keys, |k| k);
        assert_eq!(
            keys,
            [
                "_x", "1.5", "9", "10", "16", "1000", "A", "a9", "a10", "b", "true", "ts1"
            ]
        );
    }

    #[test]
    fn v3_puts_letters_first_after_a_shared_digit() {
        let mut keys = vec!["1_", "1a", "a", "_"];
        sort_keys_as(&mut keys, KeyOrder::V3, |k| k);
        assert_eq!(keys, ["_", "1a", "1_", "a"]);
        sort_keys_as(&mut keys, KeyOrder::V2, |k| k);
        assert_eq!(keys, ["_", "1_", "1a", "a"]);
    }
}
