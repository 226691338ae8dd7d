//! Fuzz target: YAML and JSON parsing of arbitrary bytes, and emitting
//! whatever parsed, never panic and stay bounded (alias bombs are errors).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(v) = helmd_yaml::parse_yaml(&text) {
        let _ = helmd_yaml::to_yaml(&v);
        let _ = helmd_yaml::to_yaml_pretty(&v);
        let _ = helmd_yaml::to_json(&v);
    }
    if let Ok(v) = helmd_yaml::parse_json(&text) {
        let _ = helmd_yaml::to_yaml(&v);
    }
});
