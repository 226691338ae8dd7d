//! Fuzz target: parsing arbitrary template text never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut set = common::templates(helmd_gotmpl::Limits::default());
    let _ = set.add("t", &text);
});
