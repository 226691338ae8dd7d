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
