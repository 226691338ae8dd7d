//! Helm's values flags (`-f`, `--set`, `--set-string`, `--set-json`,
//! `--set-file`, `--set-literal`), read into the user values of a render.

use std::io::Read;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use helmd_render::{ValueOptions, Values, merge_values};

/// The values flags, each repeatable and applied in Helm's order: `-f` files,
/// then `--set-json`, `--set`, `--set-string`, `--set-file`, `--set-literal`.
#[derive(Debug, Args)]
pub struct ValuesArgs {
    /// Values files, applied in order (later files win).
    #[arg(short = 'f', long = "values", value_name = "FILE")]
    values: Vec<PathBuf>,
    /// Set values (`a.b=1,c[0]=x`; `true`/`false`/`null` and integers are typed).
    #[arg(long = "set", value_name = "EXPR")]
    set: Vec<String>,
    /// Set STRING values (`a=007` stays the string "007").
    #[arg(long = "set-string", value_name = "EXPR")]
    set_string: Vec<String>,
    /// Set JSON values (`a={"b":[1,2]}`, or a whole JSON object).
    #[arg(long = "set-json", value_name = "EXPR")]
    set_json: Vec<String>,
    /// Set values from files (`key=path`; `-` reads stdin).
    #[arg(long = "set-file", value_name = "EXPR")]
    set_file: Vec<String>,
    /// Set a literal STRING value (everything after the first `=`).
    #[arg(long = "set-literal", value_name = "EXPR")]
    set_literal: Vec<String>,
}

impl ValuesArgs {
    /// The merged user values; errors carry Helm's wording.
    pub fn user_values(&self) -> Result<Values> {
        let values_files = self
            .values
            .iter()
            .map(|path| {
                let name = path.display().to_string();
                // Helm reports an unreadable values file with Go's bare error text.
                let text = read_like_go(&name).map_err(anyhow::Error::msg)?;
                Ok((name, text))
            })
            .collect::<Result<Vec<_>>>()?;
        let opts = ValueOptions {
            values_files,
            json_values: self.set_json.clone(),
            values: self.set.clone(),
            string_values: self.set_string.clone(),
            file_values: self.set_file.clone(),
            literal_values: self.set_literal.clone(),
        };
        Ok(merge_values(&opts, &mut read_like_go)?)
    }
}

impl ValuesArgs {
    /// The flags as the server takes them: files and `--set-file` contents read
    /// here, expressions sent as written (the server merges them in Helm's order).
    pub fn to_proto(&self) -> Result<helmd_client::proto::Values> {
        let yaml_documents = self
            .values
            .iter()
            .map(|path| read_like_go(&path.display().to_string()).map_err(anyhow::Error::msg))
            .collect::<Result<Vec<_>>>()?;
        let set_file = self
            .set_file
            .iter()
            .flat_map(|expr| expr.split(','))
            .map(|pair| {
                let (key, path) = pair.split_once('=').ok_or_else(|| {
                    anyhow::anyhow!("key {pair:?} has no value (cannot end with ,)")
                })?;
                Ok(helmd_client::proto::SetFileValue {
                    key: key.to_owned(),
                    content: read_like_go(path).map_err(anyhow::Error::msg)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(helmd_client::proto::Values {
            yaml_documents,
            set: self.set.clone(),
            set_string: self.set_string.clone(),
            set_json: self.set_json.clone(),
            set_literal: self.set_literal.clone(),
            set_file,
        })
    }
}

/// Reads a `--set-file` path (`-` is stdin), with Go's error texts.
fn read_like_go(path: &str) -> std::result::Result<String, String> {
    // Go strings are bytes: what is not UTF-8 stays as raw bytes (helmd_yaml::gostr),
    // for the YAML reader to refuse or `--set-file` to keep.
    if path.trim() == "-" {
        let mut bytes = Vec::new();
        return std::io::stdin()
            .read_to_end(&mut bytes)
            .map(|_| helmd_yaml::gostr::from_go_bytes(&bytes).into_owned())
            .map_err(|e| format!("read /dev/stdin: {e}"));
    }
    match std::fs::read(path) {
        Ok(bytes) => Ok(helmd_yaml::gostr::from_go_bytes(&bytes).into_owned()),
        Err(e) => Err(match e.kind() {
            std::io::ErrorKind::NotFound => format!("open {path}: no such file or directory"),
            std::io::ErrorKind::PermissionDenied => format!("open {path}: permission denied"),
            std::io::ErrorKind::IsADirectory => format!("read {path}: is a directory"),
            _ => format!("open {path}: {e}"),
        }),
    }
}
