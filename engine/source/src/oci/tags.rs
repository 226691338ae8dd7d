//! Tag listing: `GET /v2/<name>/tags/list`, following the registry's pages (`n`, `last`,
//! and the `Link: <…>; rel="next"` header) until the last one, so version resolution
//! sees every tag. Pages stay on the registry's own origin and are bounded in number.

use serde::Deserialize;

use super::OciRegistry;
use crate::error::{Error, Result};
use crate::net::read_body;
use crate::reference::OciRef;
use crate::retry::retry;
use crate::transport::MAX_TAG_PAGE_BYTES;

/// Most pages followed for one listing (with the registry's default page size of 100 or
/// more, this is far beyond any real chart's tag count).
pub(crate) const MAX_TAG_PAGES: usize = 1000;

/// Most bytes of tag-list pages read for one listing, all pages together.
pub(crate) const MAX_TAG_LIST_BYTES: u64 = 16 << 20;

#[derive(Deserialize)]
struct TagPage {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

/// The tags of one tag-list page (`{"name": …, "tags": [...]}`; `null` tags are none).
pub fn parse_tag_page(body: &[u8], source_name: &str) -> Result<Vec<String>> {
    let page: TagPage = serde_json::from_slice(body)
        .map_err(|e| Error::protocol(source_name, format!("tag list is not JSON: {e}")))?;
    Ok(page.tags.unwrap_or_default())
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
        self.transport.addresses.check_url(&url)?;
        if let Some(n) = self.transport.tag_page_size {
            url.query_pairs_mut().append_pair("n", &n.to_string());
        }
        let mut tags = Vec::new();
        let mut total = 0u64;
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
                self.check_status(status, r, &access, "tag list")?;
                let body = read_body(response, MAX_TAG_PAGE_BYTES, "tag list page").await?;
                Ok((body, link))
            })
            .await?;
            total += body.len() as u64;
            if total > MAX_TAG_LIST_BYTES {
                return Err(Error::TooLarge {
                    what: "tag list",
                    size: total,
                    limit: MAX_TAG_LIST_BYTES,
                });
            }
            tags.extend(parse_tag_page(&body, &r.base())?);
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
}

/// The target of a `rel="next"` link in one `Link` header value
/// (`</v2/x/tags/list?last=b&n=2>; rel="next"`).
pub fn next_link(header: &str) -> Option<&str> {
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
