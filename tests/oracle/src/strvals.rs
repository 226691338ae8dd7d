//! Runs `strvals_oracle.py`: Helm v4's own `--set` parsers over a batch of expressions.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::oracle::run_python;

/// Which of Helm's parsers reads an expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SetKind {
    /// `--set` (`strvals.ParseInto`).
    Set,
    /// `--set-string`.
    String,
    /// `--set-json` in its `key=json` form.
    Json,
    /// `--set-literal`.
    Literal,
    /// `--set-file` (Helm reads the named files itself).
    File,
}

#[derive(Serialize)]
struct Request<'a> {
    kind: SetKind,
    expr: &'a str,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Reply {
    Ok(String),
    Error(String),
}

/// Parses every expression with Helm; each result is Go's JSON text of the
/// parsed map, or Helm's error message.
pub fn helm_strvals_batch(
    requests: &[(SetKind, String)],
) -> Result<Vec<std::result::Result<String, String>>> {
    let body: Vec<Request<'_>> = requests
        .iter()
        .map(|(kind, expr)| Request { kind: *kind, expr })
        .collect();
    let input = serde_json::to_vec(&body).map_err(|e| Error::Oracle(e.to_string()))?;
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("strvals_oracle.py");
    let out = run_python(&script, &[], &input)?;
    if !out.status.success() {
        return Err(Error::Oracle(format!(
            "strvals oracle failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let replies: Vec<Reply> = serde_json::from_slice(&out.stdout)
        .map_err(|e| Error::Oracle(format!("strvals oracle output: {e}")))?;
    Ok(replies
        .into_iter()
        .map(|r| match r {
            Reply::Ok(json) => Ok(json),
            Reply::Error(message) => Err(message),
        })
        .collect())
}
