//! User values as Helm's CLI builds them (`values.Options.MergeValues`):
//! `-f` files in order, then `--set-json`, `--set`, `--set-string`,
//! `--set-file`, `--set-literal`, each flag in the order given.

use helmd_yaml::{Str, Value, parse_json};

use super::{FileReader, Mode, Values, parse_into};
use crate::error::{Error, Result};
use crate::values::load_values;

/// The values flags of `helm install`/`helm template`, each in command-line order.
#[derive(Debug, Clone, Default)]
pub struct ValueOptions {
    /// `-f` files as (name for messages, content).
    pub values_files: Vec<(String, String)>,
    /// `--set-json` (a JSON object, or `key=json` pairs).
    pub json_values: Vec<String>,
    /// `--set`.
    pub values: Vec<String>,
    /// `--set-string`.
    pub string_values: Vec<String>,
    /// `--set-file` (paths read through the reader given to [`merge_values`]).
    pub file_values: Vec<String>,
    /// `--set-literal`.
    pub literal_values: Vec<String>,
}

impl ValueOptions {
    /// Whether no flag was given.
    pub fn is_empty(&self) -> bool {
        self.values_files.is_empty()
            && self.json_values.is_empty()
            && self.values.is_empty()
            && self.string_values.is_empty()
            && self.file_values.is_empty()
            && self.literal_values.is_empty()
    }
}

/// Merges every values source in Helm's order of precedence (later wins) into
/// the user-supplied values of a release; errors carry Helm's CLI wording.
pub fn merge_values(opts: &ValueOptions, read: &mut FileReader<'_>) -> Result<Values> {
    let mut base = Values::new();
    for (name, text) in &opts.values_files {
        let current =
            load_values(text).map_err(|e| Error::Values(format!("failed to parse {name}: {e}")))?;
        merge_maps(&mut base, current);
    }
    for value in &opts.json_values {
        let trimmed = value.trim();
        if trimmed.starts_with('{') {
            match parse_json(trimmed) {
                Ok(Value::Map(m)) => merge_maps(&mut base, m.read().clone()),
                _ => {
                    return Err(Error::Values(format!(
                        "failed parsing --set-json data JSON: {value}"
                    )));
                }
            }
        } else {
            parse_into(value, &mut base, Mode::Json, None)
                .map_err(|_| Error::Values(format!("failed parsing --set-json data {value}")))?;
        }
    }
    let flags: [(&[String], Mode, &str); 3] = [
        (&opts.values, Mode::Typed, "--set"),
        (&opts.string_values, Mode::String, "--set-string"),
        (&opts.file_values, Mode::File, "--set-file"),
    ];
    for (exprs, mode, flag) in flags {
        for expr in exprs {
            let reader = (mode == Mode::File).then_some(&mut *read);
            parse_into(expr, &mut base, mode, reader)
                .map_err(|e| Error::Values(format!("failed parsing {flag} data: {e}")))?;
        }
    }
    for expr in &opts.literal_values {
        parse_into(expr, &mut base, Mode::Literal, None)
            .map_err(|e| Error::Values(format!("failed parsing --set-literal data: {e}")))?;
    }
    Ok(base)
}

/// Helm's `MergeMaps`: a map over a map merges key by key; anything else replaces.
fn merge_maps(dst: &mut Values, src: Values) {
    for (k, v) in src {
        match (dst.get(&k), &v) {
            (Some(Value::Map(d)), Value::Map(s)) => {
                let mut inner = d.read().clone();
                merge_maps(&mut inner, s.read().clone());
                dst.insert(k, Value::map(inner));
            }
            _ => {
                dst.insert(Str::clone(&k), v);
            }
        }
    }
}
