//! Response bodies read up to a byte limit: the one way this crate reads an answer
//! whose size the server decides (templates' `lookup`, OpenAPI documents).

use futures::AsyncReadExt;

/// Reads `body` to its end; `Ok(None)` when it holds more than `max_bytes` (reading
/// stops one byte past the limit).
pub(crate) async fn read_at_most(
    body: impl futures::AsyncRead + Unpin,
    max_bytes: usize,
) -> std::io::Result<Option<Vec<u8>>> {
    let limit = u64::try_from(max_bytes).unwrap_or(u64::MAX);
    let mut bytes = Vec::new();
    body.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .await?;
    Ok((bytes.len() <= max_bytes).then_some(bytes))
}

/// Reads a response's body (as `Client::send` returns it, whatever its status) to its
/// end; `Ok(None)` when it holds more than `max_bytes`.
pub(crate) async fn read_response_at_most(
    body: kube::client::Body,
    max_bytes: usize,
) -> kube::Result<Option<Vec<u8>>> {
    use http_body::Body as _;
    let mut body = std::pin::pin!(body);
    let mut bytes = Vec::new();
    while let Some(frame) = std::future::poll_fn(|cx| body.as_mut().poll_frame(cx)).await {
        if let Ok(data) = frame?.into_data() {
            if bytes.len().saturating_add(data.len()) > max_bytes {
                return Ok(None);
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(Some(bytes))
}
