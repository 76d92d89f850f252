//! The device behind a request: `Authorization: Bearer <token>`, checked against the
//! stored hash, refused if the device was revoked or its token expired.

use crate::auth::token_hash;
use crate::error::ServerError;
use crate::state::AppState;
use crate::storage::{Device, DeviceStatus};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use praxis_core::protocol::BEARER_PREFIX;

pub struct AuthDevice(pub Device);

impl FromRequestParts<AppState> for AuthDevice {
    type Rejection = ServerError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix(BEARER_PREFIX))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(ServerError::SignInRequired)?;
        let hash = token_hash(token);
        let device = state
            .with(move |s| Ok(s.device_by_token(&hash)?))
            .await?
            .ok_or(ServerError::SignInRequired)?;
        let span = tracing::Span::current();
        span.record("device", tracing::field::display(device.id));
        span.record("person", tracing::field::display(device.person));
        match &device.status {
            DeviceStatus::Active => Ok(AuthDevice(device)),
            DeviceStatus::Revoked { at, reason } => Err(ServerError::DeviceRevoked {
                at: at.clone(),
                reason: reason.clone(),
            }),
            DeviceStatus::Expired { at } => Err(ServerError::TokenExpired(at.clone())),
        }
    }
}
