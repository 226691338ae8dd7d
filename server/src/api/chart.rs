//! ChartService: render, show, lint, list versions, pull and push charts through the
//! shared chart source (renders and lints run on a blocking thread).

use std::sync::Arc;

use helmd_proto::v1::chart_service_server::ChartService;
use helmd_proto::v1::*;
use helmd_source::{ChartRequest, Transport, read_chart_metadata};
use tonic::{Request, Response, Status};

use super::chart_lint::{self, LintInput};
use super::chart_render::{self, Archive, RenderInput};
use super::engine_work;
use crate::app::AppState;
use crate::cluster::Cluster;
use crate::convert::chart as conv;
use crate::convert::page;
use crate::convert::repository::{row_kind, settings};
use crate::error::{Error, Result};
use crate::sources::FetchDeadline;
use crate::storage::RepositoryRow;

/// The ChartService implementation.
#[derive(Debug)]
pub struct ChartApi {
    state: Arc<AppState>,
}

/// A chart reference resolved to a source request.
struct Resolved {
    request: ChartRequest,
    /// For an HTTP repository: the row (for its index).
    http: Option<RepositoryRow>,
}

impl ChartApi {
    /// A ChartService over the shared state.
    pub fn new(state: Arc<AppState>) -> Self {
        ChartApi { state }
    }

    /// The registered repository `name` (field `field`), which must be of `kind`.
    async fn repository(
        &self,
        name: &str,
        field: &str,
        kind: RepositoryType,
    ) -> Result<RepositoryRow> {
        let row = match self.state.db.get_repository(name).await {
            Ok(row) => row,
            Err(Error::RepositoryNotFound(_)) => {
                return Err(Error::invalid(
                    field,
                    format!("no repository named {name:?}"),
                ));
            }
            Err(e) => return Err(e),
        };
        if kind != RepositoryType::Unspecified && row_kind(&row) != kind {
            return Err(Error::invalid(
                field,
                format!("repository {name:?} is not an OCI repository"),
            ));
        }
        Ok(row)
    }

    /// A registered OCI repository's transport, checking `reference` lies under its URL.
    async fn oci_transport(&self, name: &str, field: &str, reference: &str) -> Result<Transport> {
        if name.is_empty() {
            return Ok(self.state.sources.anonymous());
        }
        let row = self.repository(name, field, RepositoryType::Oci).await?;
        let base = format!("{}/", row.url.trim_end_matches('/'));
        if !reference.starts_with(&base) {
            return Err(Error::invalid(
                field,
                format!(
                    "{reference:?} does not lie under repository {name:?} ({})",
                    row.url
                ),
            ));
        }
        self.state.sources.transport(&row).await
    }

    async fn resolve(&self, chart: Option<&ChartReference>) -> Result<Resolved> {
        use chart_reference::Source;
        match chart.and_then(|c| c.source.as_ref()) {
            None => Err(Error::invalid("chart", "required: oci or repository")),
            Some(Source::Uploaded(_)) => Err(Error::invalid(
                "chart.uploaded",
                "an uploaded chart cannot be pulled or listed",
            )),
            Some(Source::Oci(oci)) => {
                if oci.reference.is_empty() {
                    return Err(Error::invalid("chart.oci.reference", "required"));
                }
                let (reference, version) = match &oci.pin {
                    Some(oci_chart::Pin::Digest(d)) => (format!("{}@{d}", oci.reference), None),
                    Some(oci_chart::Pin::Version(v)) if !v.is_empty() => {
                        (oci.reference.clone(), Some(v.clone()))
                    }
                    _ => (oci.reference.clone(), None),
                };
                let transport = self
                    .oci_transport(&oci.repository, "chart.oci.repository", &oci.reference)
                    .await?;
                Ok(Resolved {
                    request: ChartRequest::Oci {
                        reference,
                        version,
                        transport,
                    },
                    http: None,
                })
            }
            Some(Source::Repository(r)) => {
                if r.chart.is_empty() {
                    return Err(Error::invalid("chart.repository.chart", "required"));
                }
                if r.repository.is_empty() {
                    return Err(Error::invalid("chart.repository.repository", "required"));
                }
                let row = self
                    .repository(
                        &r.repository,
                        "chart.repository.repository",
                        RepositoryType::Unspecified,
                    )
                    .await?;
                let transport = self.state.sources.transport(&row).await?;
                let version = (!r.version.is_empty()).then(|| r.version.clone());
                if row_kind(&row) == RepositoryType::Oci {
                    let reference = format!("{}/{}", row.url.trim_end_matches('/'), r.chart);
                    return Ok(Resolved {
                        request: ChartRequest::Oci {
                            reference,
                            version,
                            transport,
                        },
                        http: None,
                    });
                }
                let pass_credentials_all = settings(&row)?.pass_credentials_all;
                Ok(Resolved {
                    request: ChartRequest::Repo {
                        url: row.url.clone(),
                        chart: r.chart.clone(),
                        version,
                        transport,
                        pass_credentials_all,
                    },
                    http: Some(row),
                })
            }
        }
    }

    /// The archive of a chart reference: an upload (bounded by the server's
    /// `max_chart_bytes`) or a pull through the shared source and cache.
    pub(crate) async fn archive(
        &self,
        deadline: FetchDeadline,
        chart: Option<&ChartReference>,
    ) -> Result<Archive> {
        use chart_reference::Source;
        let field = match chart.and_then(|c| c.source.as_ref()) {
            Some(Source::Uploaded(up)) => {
                if up.archive.is_empty() {
                    return Err(Error::invalid("chart.uploaded.archive", "required"));
                }
                let limit = self.state.config.max_chart_bytes;
                let size = u64::try_from(up.archive.len()).unwrap_or(u64::MAX);
                if size > limit {
                    return Err(helmd_source::Error::TooLarge {
                        what: "chart archive",
                        size,
                        limit,
                    }
                    .into());
                }
                return Ok(Archive {
                    bytes: up.archive.clone(),
                    field: "chart.uploaded.archive",
                });
            }
            Some(Source::Oci(_)) => "chart.oci",
            _ => "chart.repository",
        };
        let resolved = self.resolve(chart).await?;
        let pulled = self.fetch(deadline, &resolved.request).await?;
        Ok(Archive {
            bytes: pulled.archive,
            field,
        })
    }

    /// Pulls through the shared source within the request's fetch deadline.
    async fn fetch(
        &self,
        deadline: FetchDeadline,
        request: &ChartRequest,
    ) -> Result<helmd_source::PulledChart> {
        let sources = &self.state.sources;
        sources
            .within(deadline, source_name(request), async {
                Ok(sources.charts.pull(request).await?)
            })
            .await
    }

    async fn render(
        &self,
        deadline: FetchDeadline,
        req: RenderChartRequest,
    ) -> Result<RenderChartResponse> {
        if !req.release_name.is_empty()
            && let Err(reason) = helmd_render::validate_release_name(&req.release_name)
        {
            return Err(Error::invalid("release_name", reason));
        }
        // `--validate`: the cluster's version and API versions are the capabilities.
        let cluster = if req.validate {
            let client = self.state.sources.kube().await?.clone();
            Some(Cluster::discover(client).await?)
        } else {
            None
        };
        let archive = self.archive(deadline, req.chart.as_ref()).await?;
        let mut options = helmd_render::RenderOptions {
            release_name: if req.release_name.is_empty() {
                "release-name".to_owned()
            } else {
                req.release_name.clone()
            },
            namespace: if req.namespace.is_empty() {
                "default".to_owned()
            } else {
                req.namespace.clone()
            },
            revision: i64::from(req.revision.max(1)),
            is_install: !req.is_upgrade,
            is_upgrade: req.is_upgrade,
            kube_version: (!req.kube_version.is_empty()).then(|| req.kube_version.clone()),
            api_versions: req.api_versions.clone(),
            cluster_api_versions: false,
            interrupt: helmd_render::Interrupt::default(),
            cluster: None,
            enable_dns: req.enable_dns,
        };
        // Against the cluster, templates' `lookup` reads it too (Helm's
        // `--dry-run=server`); otherwise it is Helm's offline empty map.
        if let Some(cluster) = &cluster {
            options.kube_version = Some(cluster.version.clone());
            options.api_versions = cluster.api_versions.clone();
            options.cluster_api_versions = true;
            options.cluster = Some(cluster.lookup());
        }
        let namespace = options.namespace.clone();
        let input = RenderInput {
            archive,
            values: req.values,
            options,
            manifest: helmd_render::manifest::ManifestOptions {
                include_crds: req.include_crds,
                render_subchart_notes: req.render_subchart_notes,
                hide_secret: false,
            },
            template: helmd_render::manifest::TemplateOptions {
                show_only: req.show_only,
                no_hooks: req.disable_hooks,
                skip_tests: req.skip_tests,
            },
            skip_schema: req.skip_schema_validation,
        };
        let rendered = engine_work::run(&self.state, move |interrupt| {
            let mut input = input;
            input.options.interrupt = interrupt;
            chart_render::render(input)
        })
        .await?;
        if let Some(cluster) = &cluster {
            cluster.validate(&rendered.manifests, &namespace).await?;
        }
        Ok(rendered.response)
    }

    async fn show(
        &self,
        deadline: FetchDeadline,
        req: ShowChartRequest,
    ) -> Result<ShowChartResponse> {
        let archive = self.archive(deadline, req.chart.as_ref()).await?;
        let values = req.values;
        engine_work::run(&self.state, move |_| chart_render::show(archive, values)).await
    }

    async fn lint(
        &self,
        deadline: FetchDeadline,
        req: LintChartRequest,
    ) -> Result<LintChartResponse> {
        let archive = self.archive(deadline, req.chart.as_ref()).await?;
        let options = chart_lint::options(&req);
        let input = LintInput {
            archive,
            values: req.values,
            options,
        };
        engine_work::run(&self.state, move |interrupt| {
            let mut input = input;
            input.options.interrupt = interrupt;
            chart_lint::lint(input)
        })
        .await
    }

    async fn pull(
        &self,
        deadline: FetchDeadline,
        req: PullChartRequest,
    ) -> Result<PullChartResponse> {
        let resolved = self.resolve(req.chart.as_ref()).await?;
        let pulled = self.fetch(deadline, &resolved.request).await?;
        let meta = read_chart_metadata(&pulled.archive)?;
        let (manifest_digest, resolved_reference) = match &resolved.request {
            ChartRequest::Oci { .. } => {
                let (base, digest) = pulled
                    .origin
                    .split_once('@')
                    .unwrap_or((pulled.origin.as_str(), ""));
                (
                    digest.to_owned(),
                    format!("{base}:{}", pulled.version.replace('+', "_")),
                )
            }
            ChartRequest::Repo { .. } => (String::new(), pulled.origin.clone()),
        };
        Ok(PullChartResponse {
            archive: pulled.archive,
            archive_digest: pulled.digest.to_string(),
            manifest_digest,
            version: pulled.version.clone(),
            resolved_reference,
            metadata: Some(conv::metadata(&meta)),
            provenance: pulled.provenance.unwrap_or_default(),
        })
    }

    async fn push(
        &self,
        deadline: FetchDeadline,
        req: PushChartRequest,
    ) -> Result<PushChartResponse> {
        if req.archive.is_empty() {
            return Err(Error::invalid("archive", "required"));
        }
        if !req.destination.starts_with("oci://") {
            return Err(Error::invalid(
                "destination",
                "required: oci://host[:port]/path",
            ));
        }
        let probe = format!("{}/", req.destination.trim_end_matches('/'));
        let transport = self
            .oci_transport(&req.repository, "repository", &probe)
            .await?;
        let provenance = (!req.provenance.is_empty()).then_some(&req.provenance[..]);
        let sources = &self.state.sources;
        let pushed = sources
            .within(deadline, &req.destination, async {
                Ok(sources
                    .charts
                    .push(&req.destination, &req.archive, provenance, &transport)
                    .await?)
            })
            .await?;
        Ok(PushChartResponse {
            reference: pushed.reference.clone(),
            manifest_digest: pushed.manifest_digest.to_string(),
            metadata: Some(conv::metadata(&pushed.metadata)),
        })
    }

    async fn versions(
        &self,
        deadline: FetchDeadline,
        req: ListChartVersionsRequest,
    ) -> Result<ListChartVersionsResponse> {
        let name = match req.chart.as_ref().and_then(|c| c.source.as_ref()) {
            Some(chart_reference::Source::Oci(oci)) => oci.reference.clone(),
            Some(chart_reference::Source::Repository(r)) => r.repository.clone(),
            _ => String::new(),
        };
        let sources = &self.state.sources;
        sources
            .within(deadline, &name, self.versions_within(req))
            .await
    }

    async fn versions_within(
        &self,
        req: ListChartVersionsRequest,
    ) -> Result<ListChartVersionsResponse> {
        let size = page::page_size(req.page_size)?;
        let offset = page::decode("versions", &req.page_token)?
            .map(|(offset, _)| usize::try_from(offset).unwrap_or(0))
            .unwrap_or(0);
        if let Some(chart_reference::Source::Oci(oci)) =
            req.chart.as_ref().and_then(|c| c.source.as_ref())
            && matches!(oci.pin, Some(oci_chart::Pin::Digest(_)))
        {
            return Err(Error::invalid(
                "chart.oci.digest",
                "a digest names one artifact; list versions by reference",
            ));
        }
        let resolved = self.resolve(req.chart.as_ref()).await?;
        let mut versions: Vec<ChartVersion> = match &resolved.request {
            ChartRequest::Repo {
                url,
                chart,
                version,
                transport,
                pass_credentials_all,
            } => {
                let constraint = conv::constraint(
                    version.as_deref().unwrap_or_default(),
                    "chart.repository.version",
                )?;
                let index = self
                    .state
                    .sources
                    .charts
                    .index(url, transport, *pass_credentials_all)
                    .await?;
                let source_name = resolved
                    .http
                    .as_ref()
                    .map_or(url.as_str(), |r| r.name.as_str());
                let entries =
                    index
                        .versions(chart)
                        .ok_or_else(|| helmd_source::Error::ChartNotFound {
                            chart: chart.clone(),
                            source_name: source_name.to_owned(),
                        })?;
                entries
                    .iter()
                    .filter(|e| conv::admits(constraint.as_ref(), &e.version))
                    .map(conv::index_version)
                    .collect()
            }
            ChartRequest::Oci { version, .. } => {
                let constraint =
                    conv::constraint(version.as_deref().unwrap_or_default(), "chart.oci.version")?;
                let mut all = resolved.request.clone();
                if let ChartRequest::Oci { version, .. } = &mut all {
                    *version = None;
                }
                self.state
                    .sources
                    .charts
                    .versions(&all)
                    .await?
                    .into_iter()
                    .filter(|v| conv::admits(constraint.as_ref(), v))
                    .map(|version| ChartVersion {
                        version,
                        ..ChartVersion::default()
                    })
                    .collect()
            }
        };
        let total = versions.len();
        let next_page_token = if offset + size < total {
            page::encode(
                "versions",
                i64::try_from(offset + size).unwrap_or(i64::MAX),
                "",
            )
        } else {
            String::new()
        };
        let mut versions: Vec<ChartVersion> = versions.drain(..).skip(offset).take(size).collect();
        if let ChartRequest::Oci {
            reference,
            transport,
            ..
        } = &resolved.request
        {
            // Tags alone say nothing more: read each listed version's manifest and
            // config blob (only this page's, so a page costs a bounded number of calls).
            let names: Vec<String> = versions.iter().map(|v| v.version.clone()).collect();
            let described = self
                .state
                .sources
                .charts
                .describe_oci_versions(reference, &names, transport)
                .await?;
            versions = described.iter().map(conv::oci_version).collect();
        }
        Ok(ListChartVersionsResponse {
            versions,
            next_page_token,
        })
    }
}

#[tonic::async_trait]
impl ChartService for ChartApi {
    async fn render_chart(
        &self,
        request: Request<RenderChartRequest>,
    ) -> Result<Response<RenderChartResponse>, Status> {
        let deadline = self.state.sources.fetch_deadline(request.metadata());
        Ok(Response::new(
            self.render(deadline, request.into_inner()).await?,
        ))
    }

    async fn show_chart(
        &self,
        request: Request<ShowChartRequest>,
    ) -> Result<Response<ShowChartResponse>, Status> {
        let deadline = self.state.sources.fetch_deadline(request.metadata());
        Ok(Response::new(
            self.show(deadline, request.into_inner()).await?,
        ))
    }

    async fn lint_chart(
        &self,
        request: Request<LintChartRequest>,
    ) -> Result<Response<LintChartResponse>, Status> {
        let deadline = self.state.sources.fetch_deadline(request.metadata());
        Ok(Response::new(
            self.lint(deadline, request.into_inner()).await?,
        ))
    }

    async fn list_chart_versions(
        &self,
        request: Request<ListChartVersionsRequest>,
    ) -> Result<Response<ListChartVersionsResponse>, Status> {
        let deadline = self.state.sources.fetch_deadline(request.metadata());
        Ok(Response::new(
            self.versions(deadline, request.into_inner()).await?,
        ))
    }

    async fn pull_chart(
        &self,
        request: Request<PullChartRequest>,
    ) -> Result<Response<PullChartResponse>, Status> {
        let deadline = self.state.sources.fetch_deadline(request.metadata());
        Ok(Response::new(
            self.pull(deadline, request.into_inner()).await?,
        ))
    }

    async fn push_chart(
        &self,
        request: Request<PushChartRequest>,
    ) -> Result<Response<PushChartResponse>, Status> {
        let deadline = self.state.sources.fetch_deadline(request.metadata());
        Ok(Response::new(
            self.push(deadline, request.into_inner()).await?,
        ))
    }
}

/// What a chart request reaches, for errors (URLs without credentials).
fn source_name(request: &ChartRequest) -> &str {
    match request {
        ChartRequest::Oci { reference, .. } => reference,
        ChartRequest::Repo { url, .. } => url,
    }
}
