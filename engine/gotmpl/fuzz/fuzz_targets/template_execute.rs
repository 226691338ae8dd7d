//! Fuzz target: executing arbitrary templates over a fixed data set ends
//! (output, depth and time are bounded) and never panics.
#![no_main]

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use helmd_gotmpl::Limits;
use helmd_yaml::Value;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

const DATA: &str = "Values:\n  a: 1\n  s: hello\n  l: [1, two, null, {x: 3}]\n  m: {k: v, n: null, d: {e: [1, 2]}}\n  big: 1e6\nRelease: {Name: r, Revision: 1}\n";

fn data() -> &'static Value {
    static DATA_VALUE: OnceLock<Value> = OnceLock::new();
    DATA_VALUE.get_or_init(|| helmd_yaml::parse_yaml(DATA).unwrap_or(Value::Nil))
}

fuzz_target!(|input: &[u8]| {
    let text = String::from_utf8_lossy(input);
    let deadline = Instant::now() + Duration::from_secs(2);
    let limits = Limits {
        max_depth: 200,
        max_output: 1 << 20,
        cancel: Some(Arc::new(move || Instant::now() > deadline)),
    };
    let mut set = common::templates(limits);
    if set.add("t", &text).is_ok() {
        let _ = set.execute("t", data());
    }
});
