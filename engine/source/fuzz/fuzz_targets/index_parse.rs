//! Fuzz target: a repository's index.yaml of arbitrary bytes parses or fails cleanly,
//! never panics, and alias expansion stays within the (small) limit given here.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(index) = helmd_source::repo::index::IndexFile::parse_limited(data, "fuzz", 1 << 16) {
        for name in index.entries.keys() {
            let _ = index.get(name, "", "fuzz");
            let _ = index.get(name, "^1", "fuzz");
        }
    }
});
