//! Locating the control-plane binaries: a given bin dir, or whatever `scripts/kube-build` builds or finds in its cache.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, Result, bail};

/// Environment variable naming a bin dir that holds etcd, kube-apiserver,
/// kube-controller-manager and kube-scheduler (skips `scripts/kube-build`).
pub const ENV_BIN_DIR: &str = "HELMD_KUBE_BIN_DIR";
/// Environment variable overriding the path of `scripts/kube-build`.
pub const ENV_BUILD_SCRIPT: &str = "HELMD_KUBE_BUILD";
/// The binaries a bin dir must hold.
pub const BINARIES: [&str; 4] = [
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
];

/// The build script: `$HELMD_KUBE_BUILD`, else the repo's `scripts/kube-build`.
pub fn build_script() -> PathBuf {
    std::env::var_os(ENV_BUILD_SCRIPT).map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/kube-build"),
        PathBuf::from,
    )
}

/// The bin dir: `explicit`, else `$HELMD_KUBE_BIN_DIR`, else what the build
/// script prints (it builds on the first run, ~15 min, and caches forever).
pub async fn ensure(explicit: Option<PathBuf>) -> Result<PathBuf> {
    let dir = match explicit.or_else(|| std::env::var_os(ENV_BIN_DIR).map(PathBuf::from)) {
        Some(dir) => dir,
        None => run_build_script().await?,
    };
    for b in BINARIES {
        if !dir.join(b).exists() {
            bail!("{} has no {b}", dir.display());
        }
    }
    Ok(dir)
}

async fn run_build_script() -> Result<PathBuf> {
    let script = build_script();
    tracing::info!(
        "running {} (the first run builds Kubernetes, ~15 min)",
        script.display()
    );
    // Progress and errors go straight to our stderr; stdout carries the bin dir.
    let out = tokio::process::Command::new(&script)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .with_context(|| format!("running {}", script.display()))?
        .wait_with_output()
        .await
        .with_context(|| format!("running {}", script.display()))?;
    if !out.status.success() {
        bail!(
            "{} failed ({}); its message is in the log above",
            script.display(),
            out.status
        );
    }
    let text = String::from_utf8(out.stdout).context("kube-build printed a non-UTF-8 path")?;
    let dir = text.lines().last().unwrap_or_default().trim();
    if dir.is_empty() {
        bail!("{} printed no bin dir", script.display());
    }
    Ok(PathBuf::from(dir))
}
