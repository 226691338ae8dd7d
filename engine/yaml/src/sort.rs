//! go-yaml v2's map key order: runs of digits compare as numbers, non-letters
//! sort before letters (so `a9` < `a10` and `_x` < `A`).

/// go-yaml v2's `keyList.Less` for two string keys.
pub fn go_yaml_key_less(a: &str, b: &str) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let n = ar.len().min(br.len());
    for i in 0..n {
        if ar[i] == br[i] {
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return bl;
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an
                .wrapping_mul(10)
                .wrapping_add(i64::from(ar[ai] as u8 - b'0'));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn
                .wrapping_mul(10)
                .wrapping_add(i64::from(br[bi] as u8 - b'0'));
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

/// Sorts keys with go-yaml v2's `Less`, which is not a total order for some
/// keys: exactly like Go's `sort.Sort` (insertion sort) up to 12 keys, and
/// with a merge sort that never panics beyond.
pub fn sort_keys<T>(items: &mut [T], key: impl Fn(&T) -> &str) {
    let less = |a: &T, b: &T| go_yaml_key_less(key(a), key(b));
    if items.len() <= 12 {
        for i in 1..items.len() {
            let mut j = i;
            while j > 0 && less(&items[j], &items[j - 1]) {
                items.swap(j, j - 1);
                j -= 1;
            }
        }
        return;
    }
    // Merge sort over indices (stable, O(n log n), no panics), then permute.
    let mut order: Vec<usize> = (0..items.len()).collect();
    let mut buf = order.clone();
    merge_sort(&mut order, &mut buf, &|a: &usize, b: &usize| {
        less(&items[*a], &items[*b])
    });
    apply_permutation(items, &order);
}

fn merge_sort(v: &mut [usize], buf: &mut [usize], less: &impl Fn(&usize, &usize) -> bool) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    let mid = n / 2;
    {
        let (lb, rb) = buf.split_at_mut(mid);
        merge_sort(&mut v[..mid], lb, less);
        merge_sort(&mut v[mid..], rb, less);
    }
    let (mut i, mut j) = (0, mid);
    for slot in buf.iter_mut().take(n) {
        if j < n && (i >= mid || less(&v[j], &v[i])) {
            *slot = v[j];
            j += 1;
        } else {
            *slot = v[i];
            i += 1;
        }
    }
    v.copy_from_slice(&buf[..n]);
}

/// Reorders `items` so that position `k` holds the old `items[order[k]]`.
fn apply_permutation<T>(items: &mut [T], order: &[usize]) {
    let mut done = vec![false; items.len()];
    for start in 0..items.len() {
        if done[start] {
            continue;
        }
        let mut cur = start;
        loop {
            done[cur] = true;
            let next = order[cur];
            if next == start {
                break;
            }
            items.swap(cur, next);
            cur = next;
        }
    }
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
}
