//! Finds the workspace's binaries (helmd, helmctl) for tests, building them when missing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The directory holding the test binary's sibling executables (`target/<profile>`).
fn target_profile_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("locating the test executable")?;
    // target/<profile>/deps/<test-binary>
    let deps = exe
        .parent()
        .context("test executable has no parent directory")?;
    let profile = deps.parent().context("deps directory has no parent")?;
    Ok(profile.to_path_buf())
}

/// Path of a workspace binary: `HELMD_TEST_BIN_DIR/<name>` when set, else next to the
/// test binary's profile directory; built with cargo once per process if missing.
pub fn binary(package: &str, name: &str) -> Result<PathBuf> {
    static BUILT: OnceLock<()> = OnceLock::new();
    let dir = match std::env::var_os("HELMD_TEST_BIN_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => target_profile_dir()?,
    };
    let path = dir.join(name);
    if !path.exists() && BUILT.get().is_none() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--bins", "-p", package])
            .current_dir(workspace_root())
            .status()
            .context("running cargo build for the test binaries")?;
        if !status.success() {
            bail!("cargo build -p {package} failed");
        }
        let _ = BUILT.set(());
    }
    if !path.exists() {
        bail!(
            "{} does not exist; build it with `cargo build -p {package}`",
            path.display()
        );
    }
    Ok(path)
}

/// A peer CLI built from the Go module proxy: `helm4` (Helm v4.3.2), `helm3`
/// (v3.22.1) or `grpcurl` (v1.9.4). `$HELMD_TEST_HELM4` (`…_HELM3`, `…_GRPCURL`) names
/// it when set (scripts/test sets them); else `scripts/go-tool-build <tool>` builds it
/// once (minutes) or finds it in its cache and prints its path.
pub fn go_tool(tool: &str) -> Result<PathBuf> {
    let var = format!("HELMD_TEST_{}", tool.to_ascii_uppercase());
    if let Some(path) = std::env::var_os(&var) {
        return Ok(PathBuf::from(path));
    }
    let script = workspace_root().join("scripts/go-tool-build");
    let out = Command::new(&script)
        .arg(tool)
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("running {}", script.display()))?;
    if !out.status.success() {
        bail!(
            "{} {tool} failed ({}); set {var} to a built binary or see the log above",
            script.display(),
            out.status
        );
    }
    let text = String::from_utf8(out.stdout).context("go-tool-build printed a non-UTF-8 path")?;
    match text.lines().last().map(str::trim) {
        Some(path) if !path.is_empty() => Ok(PathBuf::from(path)),
        _ => bail!("{} {tool} printed no path", script.display()),
    }
}
