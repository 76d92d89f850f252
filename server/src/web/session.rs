//! Browser sessions: sign-in sets a cookie holding a random token (HttpOnly,
//! SameSite=Strict, Secure), stored only as its SHA-256; every form carries the
//! session's CSRF token, checked before anything is recorded.

use super::WebError;
use crate::auth::{new_token, token_hash};
use crate::error::ServerError;
use crate::state::AppState;
use crate::storage::WebSession;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};

pub const SESSION_COOKIE: &str = "praxis_session";
/// The double-submit cookie of the sign-in form (there is no session yet to hold it).
pub const SIGN_IN_COOKIE: &str = "praxis_sign_in";

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value for a cookie only this site's pages send back.
pub fn set_cookie(name: &str, value: &str, max_age_seconds: i64) -> String {
    format!("{name}={value}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={max_age_seconds}")
}

/// A new random token (for a session cookie or a CSRF field).
pub fn random_token() -> Result<String, ServerError> {
    Ok(new_token()?.trim_start_matches("pxd_").to_string())
}

/// The person signed in to this browser; pages that need one take it as an argument,
/// and a request without a live session is sent to the sign-in page.
pub struct SignedIn {
    pub session: WebSession,
    pub token_hash: String,
}

impl SignedIn {
    /// Refuses a form that does not carry this session's CSRF token.
    pub fn check_csrf(&self, sent: &str) -> Result<(), WebError> {
        if !sent.is_empty() && sent == self.session.csrf {
            Ok(())
        } else {
            Err(WebError::from(ServerError::Forbidden(
                "This form is out of date or did not come from Praxis, so nothing was recorded. Open the page again and resubmit."
                    .into(),
            )))
        }
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let next = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(WebError::SignIn { next });
        };
        let hash = token_hash(&token);
        let lookup = hash.clone();
        match state.with(move |s| Ok(s.session(&lookup)?)).await? {
            Some(session) => {
                tracing::Span::current().record("person", tracing::field::display(session.person));
                Ok(SignedIn {
                    session,
                    token_hash: hash,
                })
            }
            None => Err(WebError::SignIn { next }),
        }
    }
}
