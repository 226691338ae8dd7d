//! RepositoryService: registered HTTP and OCI chart repositories in `helmd_repositories`,
//! credentials sealed at rest or referenced from a Secret, index refresh and search.

use std::collections::BinaryHeap;
use std::sync::Arc;

use helmd_proto::v1::repository_service_server::RepositoryService;
use helmd_proto::v1::*;
use tonic::{Request, Response, Status};

use crate::app::AppState;
use crate::convert::chart::{self as chart_conv, Hit, Matcher, SearchEntry};
use crate::convert::page;
use crate::convert::repository::{self as conv, CredentialsInput, Settings};
use crate::error::{Error, Result};
use crate::sources::FetchDeadline;
use crate::storage::{RepositoryRow, now_us};

/// The RepositoryService implementation.
#[derive(Debug)]
pub struct RepositoryApi {
    state: Arc<AppState>,
}

impl RepositoryApi {
    /// A RepositoryService over the shared state.
    pub fn new(state: Arc<AppState>) -> Self {
        RepositoryApi { state }
    }

    async fn create(
        &self,
        deadline: FetchDeadline,
        req: CreateRepositoryRequest,
    ) -> Result<CreateRepositoryResponse> {
        let new = conv::new_repository(req.repository.as_ref())?;
        let credentials = match &new.inline {
            Some(c) => Some(self.state.sources.seal(&new.name, c)?),
            None => None,
        };
        let now = now_us();
        let kind = conv::kind_name(new.kind).unwrap_or("http");
        let row = RepositoryRow {
            name: new.name.clone(),
            kind: kind.to_owned(),
            url: new.url.clone(),
            config: encode_settings(&new.settings)?,
            credentials,
            create_time_us: now,
            update_time_us: now,
            last_refresh_us: None,
            index_digest: None,
            chart_count: 0,
        };
        let refreshed = if req.verify {
            let transport = self.state.sources.transport(&row).await?;
            let sources = &self.state.sources;
            sources
                .within(deadline, &row.url, async {
                    match new.kind {
                        RepositoryType::Http => Ok(Some(
                            sources
                                .charts
                                .index(&row.url, &transport, new.settings.pass_credentials_all)
                                .await?,
                        )),
                        _ => {
                            // An OCI repository has no index: log in to its registry
                            // instead, so refused credentials stop it being stored.
                            sources.charts.login(&row.url, &transport).await?;
                            Ok(None)
                        }
                    }
                })
                .await?
        } else {
            None
        };
        self.state.db.insert_repository(&row).await?;
        if let Some(index) = refreshed {
            self.record(&row.name, &index).await?;
        }
        let row = self.state.db.get_repository(&row.name).await?;
        Ok(CreateRepositoryResponse {
            repository: Some(conv::repository(&row)?),
        })
    }

    async fn get(&self, req: GetRepositoryRequest) -> Result<GetRepositoryResponse> {
        required_name(&req.name)?;
        let row = self.state.db.get_repository(&req.name).await?;
        Ok(GetRepositoryResponse {
            repository: Some(conv::repository(&row)?),
        })
    }

    async fn list(&self, req: ListRepositoriesRequest) -> Result<ListRepositoriesResponse> {
        let size = page::page_size(req.page_size)?;
        let after = page::decode("repositories", &req.page_token)?.map(|(_, name)| name);
        let mut rows = self
            .state
            .db
            .list_repositories(after.as_deref(), size + 1)
            .await?;
        let next_page_token =
            page::finish("repositories", &mut rows, size, |r| (0, r.name.clone()));
        Ok(ListRepositoriesResponse {
            repositories: rows.iter().map(conv::repository).collect::<Result<_>>()?,
            next_page_token,
        })
    }

    async fn update(&self, req: UpdateRepositoryRequest) -> Result<UpdateRepositoryResponse> {
        let Some(repo) = req.repository else {
            return Err(Error::invalid("repository", "required"));
        };
        required_name(&repo.name).map_err(|_| Error::invalid("repository.name", "required"))?;
        let paths = conv::update_paths(&req.update_mask.map(|m| m.paths).unwrap_or_default())?;
        let current = self.state.db.get_repository(&repo.name).await?;
        if !repo.etag.is_empty() && repo.etag != conv::etag(&current) {
            return Err(Error::EtagMismatch(repo.name));
        }
        let kind = conv::row_kind(&current);
        let mut settings = conv::settings(&current)?;
        let mut row = current.clone();
        let mut violations = Vec::new();
        let tls = repo.tls.clone().unwrap_or_default();
        for path in &paths {
            match *path {
                "url" => {
                    if let Some(problem) = conv::check_url(kind, &repo.url) {
                        violations.push(violation("repository.url", problem));
                    }
                    row.url = repo.url.clone();
                }
                "credentials" => {
                    let input = conv::credentials_input(
                        repo.credentials.as_ref(),
                        "repository.credentials",
                        &mut violations,
                    );
                    settings.secret = None;
                    row.credentials = None;
                    match input {
                        CredentialsInput::None => {}
                        CredentialsInput::Secret(s) => settings.secret = Some(s),
                        CredentialsInput::Inline(c) if violations.is_empty() => {
                            row.credentials = Some(self.state.sources.seal(&row.name, &c)?);
                        }
                        CredentialsInput::Inline(_) => {}
                    }
                }
                "tls.ca_pem" => settings.ca_pem = tls.ca_pem.clone(),
                "tls.insecure_skip_tls_verify" => {
                    settings.insecure_skip_tls_verify = tls.insecure_skip_tls_verify;
                }
                "tls.client_certificate_pem" | "tls.client_key_pem" => {
                    conv::check_tls(Some(&tls), "repository.tls", &mut violations);
                }
                "plain_http" => {
                    if kind == RepositoryType::Http && repo.plain_http {
                        violations.push(violation(
                            "repository.plain_http",
                            "only for OCI repositories".to_owned(),
                        ));
                    }
                    settings.plain_http = repo.plain_http;
                }
                "pass_credentials_all" => settings.pass_credentials_all = repo.pass_credentials_all,
                _ => {}
            }
        }
        if paths.contains(&"tls.ca_pem") {
            conv::check_tls(
                Some(&TlsConfig {
                    ca_pem: tls.ca_pem.clone(),
                    ..TlsConfig::default()
                }),
                "repository.tls",
                &mut violations,
            );
        }
        if !violations.is_empty() {
            violations.dedup();
            return Err(Error::InvalidArgument(violations));
        }
        // Credentials belong to the party they were given for: a new scheme, host or port
        // (or a registry switched to plain HTTP) drops them unless this same request
        // supplies them again.
        let downgraded = settings.plain_http && !conv::settings(&current)?.plain_http;
        let moved = conv::origin(&row.url) != conv::origin(&current.url);
        if !paths.contains(&"credentials") && (moved || downgraded) {
            row.credentials = None;
            settings.secret = None;
        }
        row.config = encode_settings(&settings)?;
        row.update_time_us = now_us().max(current.update_time_us + 1);
        self.state
            .db
            .update_repository(&row, current.update_time_us)
            .await?;
        let row = self.state.db.get_repository(&row.name).await?;
        Ok(UpdateRepositoryResponse {
            repository: Some(conv::repository(&row)?),
        })
    }

    async fn delete(&self, req: DeleteRepositoryRequest) -> Result<DeleteRepositoryResponse> {
        required_name(&req.name)?;
        let expected = if req.etag.is_empty() {
            None
        } else {
            match self.state.db.get_repository(&req.name).await {
                Ok(row) if conv::etag(&row) == req.etag => Some(row.update_time_us),
                Ok(_) => return Err(Error::EtagMismatch(req.name)),
                Err(Error::RepositoryNotFound(_)) if req.allow_missing => {
                    return Ok(DeleteRepositoryResponse {});
                }
                Err(e) => return Err(e),
            }
        };
        let deleted = self.state.db.delete_repository(&req.name, expected).await?;
        if !deleted && !req.allow_missing {
            return Err(match expected {
                Some(_) => Error::EtagMismatch(req.name),
                None => Error::RepositoryNotFound(req.name),
            });
        }
        Ok(DeleteRepositoryResponse {})
    }

    async fn refresh(
        &self,
        deadline: FetchDeadline,
        req: RefreshRepositoryRequest,
    ) -> Result<RefreshRepositoryResponse> {
        required_name(&req.name)?;
        let row = self.state.db.get_repository(&req.name).await?;
        if conv::row_kind(&row) != RepositoryType::Http {
            return Err(Error::RepositoryTypeUnsupported(format!(
                "repository {:?} is an OCI repository: registries have no index to refresh",
                row.name
            )));
        }
        let settings = conv::settings(&row)?;
        let transport = self.state.sources.transport(&row).await?;
        let sources = &self.state.sources;
        let index = sources
            .within(deadline, &row.url, async {
                Ok(sources
                    .charts
                    .index(&row.url, &transport, settings.pass_credentials_all)
                    .await?)
            })
            .await?;
        self.record(&row.name, &index).await?;
        let row = self.state.db.get_repository(&req.name).await?;
        Ok(RefreshRepositoryResponse {
            repository: Some(conv::repository(&row)?),
        })
    }

    async fn record(&self, name: &str, index: &helmd_source::repo::index::IndexFile) -> Result<()> {
        let entries = chart_conv::search_entries(index);
        let charts = serde_json::to_string(&entries)
            .map_err(|e| Error::Corrupt(format!("encoding the index of {name:?}: {e}")))?;
        let count = i32::try_from(index.entries.len()).unwrap_or(i32::MAX);
        self.state
            .db
            .record_refresh(name, now_us(), &index.digest, count, &charts)
            .await
    }

    async fn search(&self, req: SearchChartsRequest) -> Result<SearchChartsResponse> {
        let size = page::page_size(req.page_size)?;
        let offset = page::decode("search", &req.page_token)?
            .map(|(offset, _)| usize::try_from(offset).unwrap_or(usize::MAX))
            .unwrap_or(0);
        // Only the best `offset + size` results are kept while searching, so a search
        // holds one repository's entries and that window, however many there are.
        let window = offset.saturating_add(size);
        if window > MAX_SEARCH_WINDOW {
            return Err(Error::invalid(
                "page_token",
                format!(
                    "search results are paged up to the first {MAX_SEARCH_WINDOW}; narrow the query"
                ),
            ));
        }
        let matcher = Matcher::new(&req.query, req.regexp)?;
        let constraint = chart_conv::constraint(&req.version, "version")?;
        let mut best = BinaryHeap::with_capacity(window + 1);
        let mut seq = 0usize;
        for name in self.search_rows(&req.repositories).await? {
            let Some(charts) = self.state.db.repository_charts(&name).await? else {
                continue;
            };
            let entries: Vec<SearchEntry> = serde_json::from_str(&charts)
                .map_err(|e| Error::Corrupt(format!("index of {name:?}: {e}")))?;
            drop(charts);
            for hit in chart_conv::search(
                &name,
                &entries,
                &matcher,
                constraint.as_ref(),
                req.devel,
                req.all_versions,
            ) {
                seq += 1;
                best.push(Ranked { seq, hit });
                if best.len() > window {
                    best.pop();
                }
            }
        }
        let total = seq;
        // Best match first, then repository, chart, and the order the entries are kept
        // in (descending version).
        let results = best
            .into_sorted_vec()
            .iter()
            .skip(offset)
            .map(|r| chart_conv::search_result(&r.hit))
            .collect();
        let next_page_token = if window < total && window < MAX_SEARCH_WINDOW {
            page::encode("search", i64::try_from(window).unwrap_or(i64::MAX), "")
        } else {
            String::new()
        };
        Ok(SearchChartsResponse {
            results,
            next_page_token,
        })
    }

    /// The names of the HTTP repositories a search covers: those named, else all.
    async fn search_rows(&self, names: &[String]) -> Result<Vec<String>> {
        if names.is_empty() {
            let mut all = Vec::new();
            let mut after: Option<String> = None;
            loop {
                let rows = self
                    .state
                    .db
                    .list_repositories(after.as_deref(), page::MAX_PAGE_SIZE)
                    .await?;
                let done = rows.len() < page::MAX_PAGE_SIZE;
                after = rows.last().map(|r| r.name.clone());
                all.extend(
                    rows.into_iter()
                        .filter(|r| conv::row_kind(r) == RepositoryType::Http)
                        .map(|r| r.name),
                );
                if done {
                    return Ok(all);
                }
            }
        }
        let mut rows = Vec::new();
        for (i, name) in names.iter().enumerate() {
            match self.state.db.get_repository(name).await {
                Ok(row) => rows.push(row.name),
                Err(Error::RepositoryNotFound(_)) => {
                    return Err(Error::invalid(
                        format!("repositories[{i}]"),
                        format!("no repository named {name:?}"),
                    ));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(rows)
    }
}

fn violation(field: &str, description: String) -> crate::error::FieldViolation {
    crate::error::FieldViolation {
        field: field.to_owned(),
        description,
    }
}

fn required_name(name: &str) -> Result<()> {
    if name.is_empty() {
        return Err(Error::invalid("name", "required"));
    }
    Ok(())
}

fn encode_settings(settings: &Settings) -> Result<String> {
    serde_json::to_string(settings).map_err(|e| Error::Corrupt(format!("encoding settings: {e}")))
}

/// Most results a search can page through (`page_token` offset plus page size).
const MAX_SEARCH_WINDOW: usize = 10_000;

/// A search hit in the order results are returned: best score, then repository and
/// chart, then the order it was found in (entries are kept newest version first).
struct Ranked {
    seq: usize,
    hit: Hit,
}

impl Ranked {
    fn key(&self) -> (usize, &str, &str, usize) {
        (
            self.hit.score,
            &self.hit.repository,
            &self.hit.entry.chart,
            self.seq,
        )
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

#[tonic::async_trait]
impl RepositoryService for RepositoryApi {
    async fn create_repository(
        &self,
        request: Request<CreateRepositoryRequest>,
    ) -> Result<Response<CreateRepositoryResponse>, Status> {
        let deadline = self.state.sources.fetch_deadline(request.metadata());
        Ok(Response::new(
            self.create(deadline, request.into_inner()).await?,
        ))
    }

    async fn get_repository(
        &self,
        request: Request<GetRepositoryRequest>,
    ) -> Result<Response<GetRepositoryResponse>, Status> {
        Ok(Response::new(self.get(request.into_inner()).await?))
    }

    async fn list_repositories(
        &self,
        request: Request<ListRepositoriesRequest>,
    ) -> Result<Response<ListRepositoriesResponse>, Status> {
        Ok(Response::new(self.list(request.into_inner()).await?))
    }

    async fn update_repository(
        &self,
        request: Request<UpdateRepositoryRequest>,
    ) -> Result<Response<UpdateRepositoryResponse>, Status> {
        Ok(Response::new(self.update(request.into_inner()).await?))
    }

    async fn delete_repository(
        &self,
        request: Request<DeleteRepositoryRequest>,
    ) -> Result<Response<DeleteRepositoryResponse>, Status> {
        Ok(Response::new(self.delete(request.into_inner()).await?))
    }

    async fn refresh_repository(
        &self,
        request: Request<RefreshRepositoryRequest>,
    ) -> Result<Response<RefreshRepositoryResponse>, Status> {
        let deadline = self.state.sources.fetch_deadline(request.metadata());
        Ok(Response::new(
            self.refresh(deadline, request.into_inner()).await?,
        ))
    }

    async fn search_charts(
        &self,
        request: Request<SearchChartsRequest>,
    ) -> Result<Response<SearchChartsResponse>, Status> {
        Ok(Response::new(self.search(request.into_inner()).await?))
    }
}
