//! Every error the server can answer with, mapped to a status and a JSON body
//! `protocol::ErrorBody` (`{ "error": code, "message": text, "details": [...] }`) in one
//! place.

use crate::storage::StorageError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use praxis_core::protocol::{ErrorBody, RefusedDetail};
use praxis_core::store::{RefusedChange, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(
        "Sign in first: send `Authorization: Bearer <token>` with the token this device got at enrolment."
    )]
    SignInRequired,
    #[error("The username or password is wrong. Check them and try again.")]
    WrongCredentials,
    #[error(
        "That enrolment code is wrong, was used already or has expired: a code works once, for {} minutes. Sign in to Praxis in your browser, make a new code at /devices/enrol, and enrol with it straight away.",
        crate::credentials::ENROLMENT_CODE_MINUTES
    )]
    WrongEnrolmentCode,
    #[error("Too many failed sign-ins. Wait {0} seconds, then try again.")]
    RateLimited(u64),
    #[error(
        "This device was revoked by an administrator on {at} ({reason}). Sign in again to enrol it."
    )]
    DeviceRevoked { at: String, reason: String },
    #[error("This device's token expired on {0}. Sign in again to enrol the device.")]
    TokenExpired(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    TooLarge(String),
    #[error("{0}")]
    Conflict(String),
    /// Changes sent as a fast-forward that do not build on the stream's heads here.
    #[error("{0}")]
    NotAFastForward(String),
    /// A data key offered that an erasure destroyed.
    #[error("{0}")]
    KeyErased(String),
    #[error("{} of the changes were refused, so nothing of this sync was applied. Correct or withdraw those records on the device, then sync again.", .0.len())]
    ChangesRefused(Vec<RefusedChange>),
    /// Too much work of one kind at once (password hashes): try again shortly.
    #[error("{0}")]
    Busy(String),
    /// Something the server needs for this request is missing where it runs (the
    /// program that prints PDFs): the message says what to install.
    #[error("{0}")]
    Unavailable(String),
    #[error("The server failed: {0}. Your records are safe on your device; try again later.")]
    Internal(String),
}

impl ServerError {
    pub fn code(&self) -> &'static str {
        match self {
            ServerError::SignInRequired => "sign_in_required",
            ServerError::WrongCredentials => "wrong_credentials",
            ServerError::WrongEnrolmentCode => praxis_core::protocol::WRONG_ENROLMENT_CODE,
            ServerError::RateLimited(_) => "rate_limited",
            ServerError::DeviceRevoked { .. } => "device_revoked",
            ServerError::TokenExpired(_) => "token_expired",
            ServerError::Forbidden(_) => "forbidden",
            ServerError::NotFound(_) => "not_found",
            ServerError::BadRequest(_) => "bad_request",
            ServerError::MethodNotAllowed(_) => "method_not_allowed",
            ServerError::TooLarge(_) => "too_large",
            ServerError::Conflict(_) => "conflict",
            ServerError::NotAFastForward(_) => praxis_core::protocol::NOT_A_FAST_FORWARD,
            ServerError::KeyErased(_) => praxis_core::protocol::KEY_ERASED,
            ServerError::ChangesRefused(_) => "changes_refused",
            ServerError::Busy(_) => "busy",
            ServerError::Unavailable(_) => "unavailable",
            ServerError::Internal(_) => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ServerError::SignInRequired
            | ServerError::WrongCredentials
            | ServerError::WrongEnrolmentCode
            | ServerError::DeviceRevoked { .. }
            | ServerError::TokenExpired(_) => StatusCode::UNAUTHORIZED,
            ServerError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            ServerError::Forbidden(_) => StatusCode::FORBIDDEN,
            ServerError::NotFound(_) => StatusCode::NOT_FOUND,
            ServerError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ServerError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ServerError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ServerError::Conflict(_)
            | ServerError::NotAFastForward(_)
            | ServerError::KeyErased(_) => StatusCode::CONFLICT,
            ServerError::ChangesRefused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ServerError::Busy(_) | ServerError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ServerError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for ServerError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::ChangesRefused(refused) => ServerError::ChangesRefused(refused),
            StoreError::BadSyncMessage(_)
            | StoreError::BadChanges(_)
            | StoreError::Replication(_)
            | StoreError::BadEvent(_) => ServerError::BadRequest(e.to_string()),
            StoreError::Refused(r) => ServerError::BadRequest(r.to_string()),
            StoreError::UnknownStream(_) | StoreError::UnknownRecord(_) => {
                ServerError::NotFound(e.to_string())
            }
            other => ServerError::Internal(other.to_string()),
        }
    }
}

/// Where storage's errors become the server's: each kind to its status, with
/// storage's own words (a person reads them) except for failures of the server itself.
impl From<StorageError> for ServerError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound(m) => ServerError::NotFound(m),
            StorageError::Conflict(m) => ServerError::Conflict(m),
            StorageError::NotAllowed(m) => ServerError::Forbidden(m),
            StorageError::BadInput(m) => ServerError::BadRequest(m),
            StorageError::KeyErased(m) => ServerError::KeyErased(m),
            StorageError::DeviceRevoked { at, reason } => ServerError::DeviceRevoked { at, reason },
            StorageError::Store(e) => e.into(),
            StorageError::Database(e) => ServerError::Internal(e.to_string()),
            e @ StorageError::Corrupt(_) => ServerError::Internal(e.to_string()),
            StorageError::Unusable(m) => ServerError::Internal(m),
            StorageError::Unreachable(m) => ServerError::Unavailable(m),
            e @ StorageError::Postgres(_) => ServerError::Internal(e.to_string()),
        }
    }
}

impl ServerError {
    /// The body the API answers with.
    pub fn body(&self) -> ErrorBody {
        let details = match self {
            ServerError::ChangesRefused(refused) => refused
                .iter()
                .map(|r| RefusedDetail {
                    change: r.change.clone(),
                    event: r.event,
                    kind: r.kind.clone(),
                    reason: r.reason.clone(),
                })
                .collect(),
            _ => Vec::new(),
        };
        ErrorBody {
            error: self.code().to_string(),
            message: self.to_string(),
            details,
        }
    }
}

impl From<crate::credentials::CredentialError> for ServerError {
    fn from(e: crate::credentials::CredentialError) -> Self {
        ServerError::Internal(e.to_string())
    }
}

/// When to try again after a "busy" answer.
const BUSY_RETRY_SECONDS: u64 = 2;

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        if matches!(self, ServerError::Internal(_)) {
            tracing::error!(error = %self, "request failed");
        } else if matches!(self.status().as_u16(), 401 | 403 | 429 | 503) {
            tracing::info!(code = self.code(), "refused");
        }
        let mut response = (self.status(), axum::Json(self.body())).into_response();
        let retry = match &self {
            ServerError::RateLimited(seconds) => Some(*seconds),
            ServerError::Busy(_) => Some(BUSY_RETRY_SECONDS),
            _ => None,
        };
        if let Some(seconds) = retry
            && let Ok(value) = seconds.to_string().parse()
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, value);
        }
        response
    }
}
