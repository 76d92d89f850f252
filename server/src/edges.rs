//! What every answer gets on its way out, whatever route made it: security headers
//! (a Content-Security-Policy without inline script, no framing, no sniffing, a
//! same-origin referrer, `no-store` unless the route chose its own caching, and HSTS
//! when the server is told it is behind TLS), and one error shape for the API: an
//! error that did not come from a handler (an unknown method, a body too large, a
//! query string that does not parse) answers the same JSON `{error, message,
//! details}` as the rest. A body refused as too large is read to its end (up to a
//! bound) before the refusal goes out, so that the client, still sending, reads the
//! refusal rather than a reset connection.

use crate::error::ServerError;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body::Frame;
use http_body_util::BodyExt;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

/// Scripts only from this site; the pages' own styles inline; no plugins, framing or
/// foreign form targets.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/// A year, with subdomains, once the server is known to be reached over TLS.
const HSTS: &str = "max-age=31536000; includeSubDomains";
/// How much of a plain-text error's body is kept in the JSON message.
const KEEP_BYTES: usize = 2048;

/// How much more of a body refused as too large is read and dropped before the
/// refusal is sent; a larger one is cut off.
const DRAIN_BYTES: usize = 4 * 1024 * 1024;
/// How long the rest of a refused body may take to arrive.
const DRAIN_TIME: Duration = Duration::from_secs(5);

/// A request's body, lent to the handler while the middleware keeps hold of it.
struct Lent(Arc<Mutex<Body>>);

impl http_body::Body for Lent {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        match self.0.lock() {
            Ok(mut body) => Pin::new(&mut *body).poll_frame(cx),
            Err(_) => Poll::Ready(None),
        }
    }
}

/// Reads the rest of a body the route refused as too large, up to `DRAIN_BYTES` and
/// `DRAIN_TIME`, before the refusal is sent.
pub async fn drain_refused(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let kept = Arc::new(Mutex::new(body));
    let response = next
        .run(Request::from_parts(parts, Body::new(Lent(kept.clone()))))
        .await;
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE {
        let rest = kept
            .lock()
            .map(|mut b| std::mem::replace(&mut *b, Body::empty()))
            .unwrap_or_else(|_| Body::empty());
        let _ = tokio::time::timeout(DRAIN_TIME, async move {
            let mut rest = rest;
            let mut read = 0;
            while let Some(Ok(frame)) = rest.frame().await {
                read += frame.data_ref().map_or(0, Bytes::len);
                if read > DRAIN_BYTES {
                    break;
                }
            }
        })
        .await;
    }
    response
}

/// Whether the server is reached over TLS (through a proxy that ends it).
#[derive(Clone, Copy)]
pub struct BehindTls(pub bool);

pub async fn headers(State(tls): State<BehindTls>, request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    if api {
        response = one_error_shape(response).await;
    }
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    // Pages, exports and answers carry personal data: kept nowhere unless a route
    // said otherwise (the field app's shell, which holds none).
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if tls.0 {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    response
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// An error answer that is not JSON, rewritten as the API's error body.
async fn one_error_shape(response: Response) -> Response {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&response) {
        return response;
    }
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let said = to_bytes(response.into_body(), KEEP_BYTES)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let error = match status {
        StatusCode::NOT_FOUND => ServerError::NotFound(format!(
            "There is no such API route or resource ({said}). The API is described at /api/openapi.json."
        )),
        StatusCode::METHOD_NOT_ALLOWED => ServerError::MethodNotAllowed(
            "This route does not take that method. The API is described at /api/openapi.json."
                .into(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => ServerError::TooLarge(
            "The request's body is larger than this route takes. Send less at once.".into(),
        ),
        s if s.is_client_error() => ServerError::BadRequest(format!(
            "The request could not be read: {said}. The API is described at /api/openapi.json."
        )),
        _ => ServerError::Internal(said),
    };
    let mut answer = error.into_response();
    if let Some(value) = retry_after {
        answer.headers_mut().insert(header::RETRY_AFTER, value);
    }
    *answer.status_mut() = status;
    answer
}
