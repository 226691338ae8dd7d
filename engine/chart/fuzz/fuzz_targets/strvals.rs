//! Fuzz target: every `--set` flavour over arbitrary text, alone and merged in
//! Helm's order, never panics, stays bounded, and what parses emits as JSON.
#![no_main]

use helmd_chart::{
    ValueOptions, merge_values, parse_set, parse_set_file, parse_set_json, parse_set_literal,
    parse_set_string,
};
use helmd_yaml::{Value, to_json};
use libfuzzer_sys::fuzz_target;

fn emit(parsed: helmd_chart::Result<helmd_chart::Values>) {
    if let Ok(values) = parsed {
        let _ = to_json(&Value::map(values));
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    emit(parse_set(&text));
    emit(parse_set_string(&text));
    emit(parse_set_json(&text));
    emit(parse_set_literal(&text));
    let mut read = |path: &str| {
        if path.len() % 2 == 0 {
            Ok(path.repeat(2))
        } else {
            Err(format!("open {path}: no such file or directory"))
        }
    };
    emit(parse_set_file(&text, &mut read));
    // Several flags over the same values: later ones index into earlier results.
    let parts: Vec<String> = text.split('\n').map(str::to_string).collect();
    let opts = ValueOptions {
        values_files: Vec::new(),
        json_values: parts.iter().step_by(4).cloned().collect(),
        values: parts.iter().skip(1).step_by(4).cloned().collect(),
        string_values: parts.iter().skip(2).step_by(4).cloned().collect(),
        file_values: Vec::new(),
        literal_values: parts.iter().skip(3).step_by(4).cloned().collect(),
    };
    emit(merge_values(&opts, &mut read));
});
