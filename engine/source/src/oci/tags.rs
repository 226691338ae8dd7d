//! Tag listing: `GET /v2/<name>/tags/list`, following the registry's pages (`n`, `last`,
//! and the `Link: <…>; rel="next"` header) until the last one, so version resolution
//! sees every tag. Pages stay on the registry's own origin and are bounded in number.

use serde::Deserialize;

use super::OciRegistry;
use crate::error::{Error, Result};
use crate::reference::OciRef;
use crate::retry::{Failure, retry};

/// Most pages followed for one listing (with the registry's default page size of 100 or
/// more, this is far beyond any real chart's tag count).
pub(crate) const MAX_TAG_PAGES: usize = 1000;

#[derive(Deserialize)]
struct TagPage {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

impl OciRegistry {
    /// Every tag of `r`'s repository, in the registry's order.
    pub(super) async fn tags(&self, r: &OciRef) -> Result<Vec<String>> {
        let access = self.access(r, "pull").await?;
        let base = url::Url::parse(self.auth.base())
            .map_err(|e| Error::protocol(r.base(), format!("registry URL: {e}")))?;
        let mut url = base
            .join(&format!("/v2/{}/tags/list", r.repository))
            .map_err(|e| Error::protocol(r.base(), format!("tag list URL: {e}")))?;
        if let Some(n) = self.transport.tag_page_size {
            url.query_pairs_mut().append_pair("n", &n.to_string());
        }
        let mut tags = Vec::new();
        for _ in 0..MAX_TAG_PAGES {
            let (body, link) = retry(self.transport.retry, &self.host, || async {
                let response = access
                    .apply(self.auth.http().get(url.clone()))
                    .send()
                    .await
                    .map_err(|e| self.auth.transient(e))?;
                let status = response.status().as_u16();
                let link = response
                    .headers()
                    .get_all(reqwest::header::LINK)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .find_map(next_link)
                    .map(str::to_owned);
                match status {
                    200 => {}
                    401 if access.refusal_is_denial() => {
                        return Err(self.denied(r).into());
                    }
                    401 => {
                        return Err(Error::Unauthenticated {
                            host: self.host.clone(),
                            reason: "credentials rejected".to_owned(),
                        }
                        .into());
                    }
                    403 => return Err(self.denied(r).into()),
                    404 => {
                        return Err(Error::ChartNotFound {
                            chart: r.chart_name().to_owned(),
                            source_name: r.base(),
                        }
                        .into());
                    }
                    429 | 500.. => {
                        return Err(Failure::Transient(format!(
                            "listing tags answered HTTP {status}"
                        )));
                    }
                    _ => {
                        return Err(Error::protocol(
                            r.base(),
                            format!("listing tags answered HTTP {status}"),
                        )
                        .into());
                    }
                }
                let body = response.bytes().await.map_err(|e| self.auth.transient(e))?;
                Ok((body, link))
            })
            .await?;
            let page: TagPage = serde_json::from_slice(&body)
                .map_err(|e| Error::protocol(r.base(), format!("tag list is not JSON: {e}")))?;
            tags.extend(page.tags.unwrap_or_default());
            let Some(link) = link else {
                return Ok(tags);
            };
            let next = url
                .join(&link)
                .map_err(|e| Error::protocol(r.base(), format!("tag list Link: {e}")))?;
            if next.origin() != base.origin() {
                return Err(Error::protocol(
                    r.base(),
                    "the tag list's next page is on another host",
                ));
            }
            url = next;
        }
        Err(Error::protocol(
            r.base(),
            format!("the tag list has more than {MAX_TAG_PAGES} pages"),
        ))
    }

    fn denied(&self, r: &OciRef) -> Error {
        Error::PermissionDenied {
            host: self.host.clone(),
            resource: r.repository.clone(),
        }
    }
}

/// The target of a `rel="next"` link in one `Link` header value
/// (`</v2/x/tags/list?last=b&n=2>; rel="next"`).
fn next_link(header: &str) -> Option<&str> {
    header.split(',').find_map(|link| {
        let (target, params) = link.trim().split_once(';')?;
        let is_next = params.split(';').any(|p| {
            p.trim()
                .strip_prefix("rel=")
                .is_some_and(|v| v.trim_matches('"').split(' ').any(|r| r == "next"))
        });
        is_next.then(|| target.trim().trim_start_matches('<').trim_end_matches('>'))
    })
}

#[cfg(test)]
mod tests {
    use super::next_link;

    #[test]
    fn the_next_link_is_found_among_others_with_or_without_quotes() {
        assert_eq!(
            next_link(r#"</v2/a/tags/list?last=b&n=2>; rel="next""#),
            Some("/v2/a/tags/list?last=b&n=2")
        );
        assert_eq!(
            next_link(r#"<https://r/first>; rel="prev", <https://r/x?last=c>; rel=next"#),
            Some("https://r/x?last=c")
        );
        assert_eq!(next_link(r#"</v2/a>; rel="prev""#), None);
    }
}
