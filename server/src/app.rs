//! The whole HTTP surface put together: the JSON API under `/api/v1` (`api`), the
//! browser pages (`web`), the field app's shell (`field`), the OpenAPI document, the health check, and the layers every
//! request passes (security headers and one error shape, compression, timeout,
//! tracing). The only module that knows both.

use crate::error::ServerError;
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/openapi.json", get(openapi))
        .nest("/api/v1", crate::api::routes())
        .merge(crate::web::routes().layer(DefaultBodyLimit::max(crate::api::MAX_JSON_BODY)))
        .merge(crate::field::routes().layer(DefaultBodyLimit::max(crate::api::MAX_JSON_BODY)))
        .fallback(|| async {
            ServerError::NotFound(
                "There is no such page or API route. The API is described at /api/openapi.json."
                    .into(),
            )
        })
        .layer(axum::middleware::from_fn_with_state(
            crate::edges::BehindTls(state.behind_tls()),
            crate::edges::headers,
        ))
        .layer(axum::Extension(crate::auth::TrustedProxies(
            state.trusted_proxies(),
        )))
        .layer(axum::middleware::from_fn(crate::edges::drain_refused))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(120),
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_request(())
                .on_response(answered),
        )
        .with_state(state)
}

/// "ok" while the server can serve: with PostgreSQL as the store of record, only
/// while the database answers (503, saying so, while it does not).
async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<&'static str, ServerError> {
    state.with(|s| Ok(s.health()?)).await?;
    Ok("ok")
}

async fn openapi() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::api::OPENAPI,
    )
        .into_response()
}

/// The span a request's log lines carry: its method and the route the router matched
/// (not the path, which may hold ids), and, once known, the device or person behind
/// it (`auth` and the pages' session record them). Never a token or a password.
fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("(no route)", |m| m.as_str());
    tracing::info_span!(
        "request",
        method = %request.method(),
        route,
        device = tracing::field::Empty,
        person = tracing::field::Empty,
    )
}

fn answered<B>(response: &axum::http::Response<B>, latency: Duration, _span: &tracing::Span) {
    tracing::info!(
        status = response.status().as_u16(),
        latency_ms = latency.as_millis() as u64,
        "answered"
    );
}
