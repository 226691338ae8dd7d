//! `helmctl template NAME CHART`: renders a chart locally, with no server (Helm's
//! `helm template`). A chart is a directory, a packaged `.tgz`, `oci://host/path/chart`
//! or `repo/chart` (fetched like `helmctl pull`, through the same cache). The default
//! output is the manifest stream `helm template` prints (`# Source:` headers, Helm's
//! kind order, hooks last); `--output json` prints the rendered files as
//! `{template path: text}` — with `--show-only`, `--no-hooks` or `--skip-tests`
//! only the files the manifest stream would print documents of.

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use helmd_render::manifest::{
    ManifestOptions, TemplateOptions, build_release_manifest, template_output,
};
use helmd_render::{
    ArchiveLimits, Crd, Error as RenderError, RenderOptions, enabled_crd_objects,
    load_chart_archive, load_chart_dir, render_chart_values,
};

use crate::Connection;
use crate::local::{LocalPaths, RegistryArgs};
use crate::locate::{Local, locate, read_archive};
use crate::values::ValuesArgs;

/// Options of `helmctl template`, with Helm's flag names.
#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// `[NAME] CHART`: the release name (`.Release.Name`, `release-name` when left out)
    /// and the chart directory, packaged chart (`.tgz`), `oci://host/path/chart` or
    /// `repo/chart`.
    #[arg(num_args = 1..=2, value_names = ["NAME", "CHART"], required = true)]
    positional: Vec<String>,
    /// A version or semantic version constraint for a remote chart (latest stable when
    /// absent).
    #[arg(long)]
    version: Option<String>,
    #[command(flatten)]
    registry: RegistryArgs,
    #[command(flatten)]
    values: ValuesArgs,
    /// Namespace (`.Release.Namespace`; empty means `default`, as in Helm).
    #[arg(short = 'n', long, default_value = "default")]
    namespace: String,
    /// Kubernetes version for `.Capabilities.KubeVersion`.
    #[arg(long, value_name = "VERSION")]
    kube_version: Option<String>,
    /// API versions added to `.Capabilities.APIVersions` (repeatable, comma-separated).
    #[arg(short = 'a', long = "api-versions", value_name = "VERSION")]
    api_versions: Vec<String>,
    /// Render as an upgrade (`.Release.IsUpgrade` true, `.Release.IsInstall` false).
    #[arg(long)]
    is_upgrade: bool,
    /// Only show manifests rendered from these templates (repeatable, globs allowed).
    #[arg(short = 's', long = "show-only", value_name = "TEMPLATE")]
    show_only: Vec<String>,
    /// Include the chart's CRDs (`crds/`) in the output.
    #[arg(long)]
    include_crds: bool,
    /// Leave test hooks out.
    #[arg(long)]
    skip_tests: bool,
    /// Leave hooks out.
    #[arg(long)]
    no_hooks: bool,
    /// Let templates resolve names with `getHostByName` (otherwise it returns "").
    #[arg(long)]
    enable_dns: bool,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = TemplateOutput::Yaml)]
    output: TemplateOutput,
}

/// How rendered templates are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TemplateOutput {
    /// The manifest stream `helm template` prints.
    Yaml,
    /// `{template path: rendered text}`, the Helm oracle's shape; with `--show-only`,
    /// `--no-hooks` or `--skip-tests`, only the files the manifest stream prints a
    /// document of (each file's whole text).
    Json,
}

/// Renders and prints; template and values errors exit non-zero with Helm's message.
pub async fn run(conn: &Connection, paths: &LocalPaths, args: &TemplateArgs) -> Result<ExitCode> {
    let (name, chart_arg) = match args.positional.as_slice() {
        [chart] => ("release-name", chart.as_str()),
        [name, chart, ..] => (name.as_str(), chart.as_str()),
        [] => bail!("requires at least 1 argument"),
    };
    if let Err(reason) = helmd_render::validate_release_name(name) {
        bail!("release name check failed: release name {name:?}: {reason}");
    }
    // Like Helm: a path that exists is a local chart (absolute); otherwise a reference.
    let chart = match locate(chart_arg)? {
        Some(Local::Dir(dir)) => load_chart_dir(&dir)?,
        Some(Local::File(file)) => {
            let archive = read_archive(&file, &file.display().to_string())?;
            load_chart_archive(&archive, ArchiveLimits::default())
                .with_context(|| format!("loading {}", file.display()))?
        }
        None => {
            let pulled = crate::pull::fetch(
                conn,
                paths,
                &args.registry,
                chart_arg,
                args.version.as_deref(),
            )
            .await?;
            load_chart_archive(&pulled.archive, ArchiveLimits::default())
                .with_context(|| format!("loading {}", pulled.origin))?
        }
    };
    let user = args.values.user_values()?;
    chart.metadata.check_installable()?;
    let options = RenderOptions {
        release_name: name.to_owned(),
        namespace: if args.namespace.is_empty() {
            "default".to_owned()
        } else {
            args.namespace.clone()
        },
        is_install: !args.is_upgrade,
        is_upgrade: args.is_upgrade,
        kube_version: args.kube_version.clone(),
        // Helm's flag is a string slice: each value may hold several, comma-separated.
        api_versions: args
            .api_versions
            .iter()
            .flat_map(|v| v.split(','))
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect(),
        enable_dns: args.enable_dns,
        ..RenderOptions::default()
    };
    // `--include-crds` prints the CRDs of enabled subcharts only.
    let crd_objects = if args.include_crds {
        enabled_crd_objects(&chart, &user)?
    } else {
        Vec::new()
    };
    // Helm adds its hint to every error of the render itself (after the release
    // is made), not to the checks of values and dependencies before it.
    let rendered: BTreeMap<String, String> = match render_chart_values(&chart, user, &options) {
        Ok(rendered) => rendered,
        Err(err @ (RenderError::Parse(_) | RenderError::Execute(_))) => {
            bail!("{err}\n\nUse --debug flag to render out invalid YAML")
        }
        Err(err) => return Err(err.into()),
    };
    let shown = TemplateOptions {
        show_only: args.show_only.clone(),
        no_hooks: args.no_hooks,
        skip_tests: args.skip_tests,
    };
    let filtered = !shown.show_only.is_empty() || shown.no_hooks || shown.skip_tests;
    if args.output == TemplateOutput::Json && !filtered {
        println!("{}", serde_json::to_string_pretty(&rendered)?);
        return Ok(ExitCode::SUCCESS);
    }
    let opts = ManifestOptions {
        include_crds: args.include_crds,
        render_subchart_notes: false,
        hide_secret: false,
    };
    let release = match build_release_manifest(chart.name(), &rendered, &crds(crd_objects), &opts) {
        Ok(release) => release,
        Err(err @ RenderError::Manifest(_)) => {
            bail!("{err}\n\nUse --debug flag to render out invalid YAML")
        }
        Err(err) => return Err(err.into()),
    };
    let printed = template_output(&release, &shown)?;
    if args.output == TemplateOutput::Json {
        // the files the manifest stream would print documents of
        let sources = source_paths(&printed);
        let kept: BTreeMap<&String, &String> = rendered
            .iter()
            .filter(|(path, _)| sources.contains(path.as_str()))
            .collect();
        println!("{}", serde_json::to_string_pretty(&kept)?);
        return Ok(ExitCode::SUCCESS);
    }
    print!("{printed}");
    Ok(ExitCode::SUCCESS)
}

/// The template paths named by the `# Source:` lines of a manifest stream.
fn source_paths(stream: &str) -> BTreeSet<&str> {
    stream
        .lines()
        .filter_map(|line| line.strip_prefix("# Source: "))
        .collect()
}

/// The CRD files of the chart and its subcharts (Helm's `CRDObjects`) as
/// `(chart/crds/x.yaml, text)`, in chart order.
fn crds(objects: Vec<Crd>) -> Vec<(String, String)> {
    objects
        .into_iter()
        .map(|crd| {
            let text = String::from_utf8_lossy(&crd.data).into_owned();
            (crd.filename, text)
        })
        .collect()
}
