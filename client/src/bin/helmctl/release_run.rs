//! What the release commands share: the chart argument as a `ChartReference`,
//! the operation stream printed as it runs (phase lines; on a terminal, one
//! live status line with a progress bar), and the resulting release as Helm
//! prints it.

use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use helmd_client::proto::{
    ChartReference, OciChart, OperationEvent, Release, RepositoryChart, UploadedChart,
    chart_reference, oci_chart, operation_event, operation_finished,
};
use tonic::Streaming;

/// A chart argument as the server takes it: a local directory (packaged here) or
/// `.tgz` is uploaded; `oci://…` is pulled by the server; `repo/chart` names a
/// repository registered on the server.
pub fn chart_reference(arg: &str, version: Option<&str>) -> Result<ChartReference> {
    let path = Path::new(arg);
    let source = if path.is_dir() {
        let chart = helmd_render::load_chart_dir(path).map_err(anyhow::Error::msg)?;
        let archive = crate::chart_package::package_dir(path, chart.name())?;
        chart_reference::Source::Uploaded(UploadedChart {
            archive: archive.into(),
        })
    } else if path.exists() {
        let archive = std::fs::read(path).with_context(|| format!("reading {arg}"))?;
        chart_reference::Source::Uploaded(UploadedChart {
            archive: archive.into(),
        })
    } else if let Some(reference) = arg.strip_prefix("oci://") {
        chart_reference::Source::Oci(OciChart {
            reference: reference.to_owned(),
            pin: version.map(|v| oci_chart::Pin::Version(v.to_owned())),
            repository: String::new(),
        })
    } else if let Some((repository, chart)) = arg.split_once('/') {
        chart_reference::Source::Repository(RepositoryChart {
            repository: repository.to_owned(),
            chart: chart.to_owned(),
            version: version.unwrap_or_default().to_owned(),
        })
    } else {
        bail!("chart {arg:?} not found: not a directory or archive, oci://… or repo/chart");
    };
    Ok(ChartReference {
        source: Some(source),
    })
}

/// How an operation ended.
pub enum Finished {
    /// The release as recorded.
    Release(Box<Release>),
    /// The error, as the server put it.
    Error {
        /// Message.
        message: String,
    },
    /// Nothing to report (a missing release uninstalled with `--ignore-not-found`).
    Nothing,
}

/// Follows an operation's events to its `finished`, printing progress to stderr.
pub async fn follow(mut stream: Streaming<OperationEvent>) -> Result<Finished> {
    let terminal = std::io::stderr().is_terminal();
    let mut live = false;
    let mut err = std::io::stderr().lock();
    while let Some(event) = stream.message().await? {
        let Some(payload) = event.payload else {
            continue;
        };
        let line = match payload {
            operation_event::Payload::Started(_) => continue,
            operation_event::Payload::Progress(p) => match p.resource {
                Some(r) => {
                    let name = if r.namespace.is_empty() {
                        format!("{}/{}", r.kind, r.name)
                    } else {
                        format!("{}/{}/{}", r.kind, r.namespace, r.name)
                    };
                    if terminal {
                        // One line that keeps changing: how far the stage is, and
                        // the object being worked on.
                        let bar = bar(p.completed, p.total);
                        let _ = write!(err, "\r\x1b[2K  {bar}{name}: {}", p.message);
                        let _ = err.flush();
                        live = true;
                        continue;
                    }
                    format!("  {name}: {}", p.message)
                }
                None => p.message,
            },
            operation_event::Payload::Hook(h) => {
                if h.message.is_empty() {
                    format!("hook {}: {}", h.name, phase(h.phase))
                } else {
                    format!("hook {}: {}: {}", h.name, phase(h.phase), h.message)
                }
            }
            operation_event::Payload::Log(l) => {
                if live {
                    let _ = writeln!(err);
                    live = false;
                }
                let _ = writeln!(err, "POD LOGS: {}", l.pod);
                let _ = write!(err, "{}", l.text);
                continue;
            }
            operation_event::Payload::Finished(f) => {
                if live {
                    let _ = writeln!(err);
                }
                return Ok(match f.result {
                    Some(operation_finished::Result::Release(r)) => Finished::Release(Box::new(r)),
                    Some(operation_finished::Result::Error(s)) => {
                        Finished::Error { message: s.message }
                    }
                    None => Finished::Nothing,
                });
            }
        };
        if live {
            let _ = writeln!(err);
            live = false;
        }
        let _ = writeln!(err, "{line}");
    }
    bail!("the server ended the operation's stream before it finished")
}

/// `[#######.............]  7/20  ` for a counted stage; empty otherwise.
fn bar(completed: u32, total: u32) -> String {
    const WIDTH: usize = 20;
    if total == 0 {
        return String::new();
    }
    let filled = usize::try_from(u64::from(completed.min(total)) * 20 / u64::from(total))
        .unwrap_or(WIDTH)
        .min(WIDTH);
    format!(
        "[{}{}] {completed}/{total}  ",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled)
    )
}

fn phase(p: i32) -> &'static str {
    match p {
        2 => "running",
        3 => "succeeded",
        4 => "failed",
        _ => "unknown",
    }
}

/// What `helm install`/`upgrade`/`test` print about a release: `helm status`'s text.
pub fn print_release(r: &Release) {
    print!("{}", crate::releases::StatusText::default().render(r));
}

/// Parses Helm's `--timeout` (a Go duration such as `5m0s`).
pub fn timeout(text: &str) -> Result<prost_types::Duration> {
    let d = helmd_action_duration(text)
        .with_context(|| format!("invalid duration {text:?} (examples: 300s, 5m, 1h30m)"))?;
    Ok(prost_types::Duration {
        seconds: i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        nanos: i32::try_from(d.subsec_nanos()).unwrap_or(0),
    })
}

/// What install, upgrade and rollback do after a failure, and over a release a
/// stopped process left pending (helmd's own flags; Helm has none).
#[derive(Debug, Clone, clap::Args)]
pub struct RetryArgs {
    /// Try a failed change again up to N times (at most 10), each a new revision.
    #[arg(long, default_value_t = 0, value_name = "N")]
    pub retries: u32,
    /// The wait before the first retry, doubling after each (Go duration).
    #[arg(long, value_name = "DURATION")]
    pub retry_backoff: Option<String>,
    /// Mark a revision left pending by a process that stopped as failed, then go on.
    #[arg(long)]
    pub recover: bool,
}

impl RetryArgs {
    /// The retry back-off as the requests carry it.
    pub fn backoff(&self) -> Result<Option<prost_types::Duration>> {
        self.retry_backoff.as_deref().map(timeout).transpose()
    }
}

fn helmd_action_duration(text: &str) -> Option<std::time::Duration> {
    helmd_action::parse_go_duration(text)
}

#[cfg(test)]
mod tests {
    use super::bar;

    #[test]
    fn the_progress_bar_fills_with_the_count() {
        assert_eq!(bar(0, 0), "");
        assert_eq!(bar(0, 4), "[....................] 0/4  ");
        assert_eq!(bar(1, 4), "[#####...............] 1/4  ");
        assert_eq!(bar(4, 4), "[####################] 4/4  ");
        assert_eq!(bar(9, 4), "[####################] 9/4  ");
    }
}
