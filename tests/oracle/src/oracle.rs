//! Runs `helm_oracle.py` (Helm v4 through helm_python) over a batch of cases in one Python process.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde::Deserialize;

use crate::case::Case;
use crate::error::{Error, Result};

/// What one render produced: the files keyed by template path, or the error message.
pub type Rendered = std::result::Result<BTreeMap<String, String>, String>;

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

/// The Python script that talks to Helm.
pub fn oracle_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("helm_oracle.py")
}

/// The venv's python, created on first use by `scripts/venv` (cached for the process).
pub fn python() -> Result<PathBuf> {
    static PYTHON: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();
    PYTHON
        .get_or_init(find_python)
        .clone()
        .map_err(Error::Oracle)
}

fn find_python() -> std::result::Result<PathBuf, String> {
    let script = workspace_root().join("scripts/venv");
    let out = Command::new(&script)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!("{} failed with {}", script.display(), out.status));
    }
    let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if path.is_empty() {
        return Err(format!("{} printed no python path", script.display()));
    }
    Ok(PathBuf::from(path))
}

/// One line the oracle writes in `--stream` mode.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
enum OracleResult {
    Ok(BTreeMap<String, String>),
    Error(String),
}

/// Renders every case with Helm v4 in one Python process; results are in case order.
///
/// If Helm's Go runtime aborts the process on some case (it does on unbounded
/// `tpl` recursion), that case gets an error naming the crash and a new
/// process renders the rest.
pub fn try_helm_render_batch(cases: &[Case]) -> Result<Vec<Rendered>> {
    let mut results = Vec::with_capacity(cases.len());
    let mut fruitless = 0;
    while results.len() < cases.len() {
        let rest = &cases[results.len()..];
        let (done, crash) = run_oracle(rest)?;
        let got = done.len();
        results.extend(done);
        fruitless = if got == 0 { fruitless + 1 } else { 0 };
        if let Some(crash) = crash {
            // Twice nothing at all: the oracle cannot run (broken venv), not a bad case.
            if fruitless >= 2 {
                return Err(Error::Oracle(crash));
            }
            if got < rest.len() {
                results.push(Err(format!("helm oracle crashed: {crash}")));
            }
        }
    }
    Ok(results)
}

/// Runs `script` with the venv's python and `args`, `input` on its stdin (written
/// from a thread so a large reply cannot deadlock against a full pipe), with the
/// script's folder on `PYTHONPATH`; returns whatever it printed and its status.
pub(crate) fn run_python(script: &Path, args: &[&str], input: &[u8]) -> Result<Output> {
    let python = python()?;
    let mut command = Command::new(&python);
    command.arg(script).args(args);
    if let Some(dir) = script.parent() {
        command.env("PYTHONPATH", dir);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::Oracle(format!("cannot start {}: {e}", python.display())))?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| Error::Oracle("no stdin pipe".to_owned()))?;
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child
        .wait_with_output()
        .map_err(|e| Error::Oracle(format!("waiting for python: {e}")))?;
    // A crashed child closes its stdin early; the writer's error adds nothing.
    let _ = writer.join();
    Ok(out)
}

/// One oracle process over `cases` in stream mode: the results it wrote, and
/// why it stopped early if it did.
fn run_oracle(cases: &[Case]) -> Result<(Vec<Rendered>, Option<String>)> {
    let requests: Vec<_> = cases.iter().map(Case::oracle_request).collect();
    let input = serde_json::to_vec(&requests)
        .map_err(|e| Error::Oracle(format!("cannot encode requests: {e}")))?;
    let out = run_python(&oracle_script(), &["--stream"], &input)?;
    let mut results = Vec::new();
    for line in out.stdout.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        match serde_json::from_slice::<OracleResult>(line) {
            Ok(OracleResult::Ok(files)) => results.push(Ok(files)),
            Ok(OracleResult::Error(message)) => results.push(Err(message)),
            Err(_) => break,
        }
    }
    if results.len() > cases.len() {
        return Err(Error::Oracle(format!(
            "{} results for {} cases",
            results.len(),
            cases.len()
        )));
    }
    let crash = (results.len() < cases.len() || !out.status.success()).then(|| {
        format!(
            "python exited with {}: {}",
            out.status,
            crash_reason(&String::from_utf8_lossy(&out.stderr))
        )
    });
    Ok((results, crash))
}

/// Renders every case with Helm v4; panics when the oracle itself cannot run,
/// because then no case can be judged.
pub fn helm_render_batch(cases: &[Case]) -> Vec<Rendered> {
    match try_helm_render_batch(cases) {
        Ok(results) => results,
        Err(err) => panic!("{err}"),
    }
}

/// The telling line of a dead oracle's stderr, which may also hold Helm's
/// warnings and megabytes of goroutine dump: Go's `fatal error:`/`panic:`
/// line, else Python's exception line, else the last line.
fn crash_reason(stderr: &str) -> &str {
    let lines = || stderr.lines().map(str::trim).filter(|l| !l.is_empty());
    lines()
        .find(|l| l.starts_with("fatal error:") || l.starts_with("panic:"))
        .or_else(|| lines().rfind(|l| l.contains("Error")))
        .or_else(|| lines().next_back())
        .unwrap_or("no output on stderr")
}

#[cfg(test)]
mod tests {
    use super::crash_reason;

    #[test]
    fn a_go_crash_is_named_by_its_fatal_error_line() {
        let stderr = "warning: skipped value\nruntime: goroutine stack exceeds\nfatal error: stack overflow\n\ngoroutine 1 [running]:\n";
        assert_eq!(crash_reason(stderr), "fatal error: stack overflow");
    }

    #[test]
    fn a_python_failure_is_named_by_its_exception_line() {
        let stderr = "Traceback (most recent call last):\n  File \"x\"\nModuleNotFoundError: No module named 'helm_python'\n";
        assert_eq!(
            crash_reason(stderr),
            "ModuleNotFoundError: No module named 'helm_python'"
        );
    }
}

/// One CRD as Helm lists it (`CRDObjects`): its path inside its chart, its path from
/// the root chart, and its text.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HelmCrd {
    /// `crds/a.yaml`.
    pub name: String,
    /// `shop/charts/pay/crds/a.yaml`.
    pub filename: String,
    /// The file.
    pub data: String,
}

/// Helm's CRDs after dependency processing (what `--include-crds` prints): Helm
/// renders the chart at `dir` with `values_yaml`, which prunes disabled subcharts,
/// then lists `CRDObjects`.
pub fn helm_enabled_crds(dir: &Path, values_yaml: &str) -> Result<Vec<HelmCrd>> {
    let script = "import helm_python, json, sys\n\
                  c = helm_python.Chart.load(sys.argv[1])\n\
                  c.render(helm_python.values_from_yaml(sys.argv[2]))\n\
                  print(json.dumps([{'name': x['name'], 'filename': x['filename'], 'data': x['data']} for x in c.crds]))";
    let out = Command::new(python()?)
        .args(["-c", script])
        .arg(dir)
        .arg(values_yaml)
        .output()
        .map_err(|e| Error::Oracle(format!("running the CRD oracle: {e}")))?;
    if !out.status.success() {
        return Err(Error::Oracle(
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ));
    }
    serde_json::from_slice(&out.stdout)
        .map_err(|e| Error::Oracle(format!("CRD oracle output: {e}")))
}
