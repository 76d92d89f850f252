//! What every answer gets on its way out, whatever route made it: security headers
//! (a Content-Security-Policy without inline script, no framing, no sniffing, a
//! same-origin referrer, `no-store` unless the route chose its own caching, and HSTS
//! when the server is told it is behind TLS), and one error shape for the API: an
//! error that did not come from a handler (an unknown method, a body too large, a
//! query string that does not parse) answers the same JSON `{error, message,
//! details}` as the rest.

use crate::error::ServerError;
use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Scripts only from this site; the pages' own styles inline; no plugins, framing or
/// foreign form targets.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
/// A year, with subdomains, once the server is known to be reached over TLS.
const HSTS: &str = "max-age=31536000; includeSubDomains";
/// How much of a plain-text error's body is kept in the JSON message.
const KEEP_BYTES: usize = 2048;

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
