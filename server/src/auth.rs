//! The one check of a username and password that enrolment and browser sign-in share,
//! and of a one-time enrolment code, each under the sign-in rate limit. Hashing itself
//! is `credentials`.

pub use crate::credentials::{hash_password, new_token, token_hash, verify_password};
use crate::error::ServerError;
use crate::sign_in_limit;
use crate::state::AppState;
use crate::storage::EnrolledByCode;
use praxis_core::domain::ids::PersonId;
use praxis_core::protocol::enrolment_code;
use std::future::Future;
use std::net::IpAddr;

/// Checks a username and password, from `address` when it is known, under the
/// sign-in limits: the person's id and name, or `WrongCredentials` (after spending as
/// long as a real check would, so an unknown username cannot be told from a wrong
/// password by time).
pub async fn verify_credentials(
    state: &AppState,
    username: &str,
    password: &str,
    address: Option<IpAddr>,
) -> Result<(PersonId, String), ServerError> {
    let keys = sign_in_limit::keys(username, address);
    let user = keys[0].0.clone();
    let name = username.to_string();
    let password = password.to_string();
    let checked = limited(state, keys, Some(user), async move {
        let turn = state.limiter().hashing()?;
        let credentials = state.with(move |s| Ok(s.credentials(&name)?)).await?;
        let verified = match credentials {
            Some((person, name, hash)) => {
                let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
                    .await
                    .map_err(|e| ServerError::Internal(e.to_string()))?;
                ok.then_some((person, name))
            }
            None => {
                // As long as a real check, so a wrong username cannot be told apart.
                let _ = tokio::task::spawn_blocking(move || hash_password(&password)).await;
                None
            }
        };
        drop(turn);
        Ok(verified)
    })
    .await?;
    checked.ok_or(ServerError::WrongCredentials)
}

/// Enrols a device named `device_name`, holding the token whose hash is `token_hash`,
/// for the person whose one-time enrolment code `typed` is (in any case, with or
/// without dashes), spending the code. A code that is wrong, used or expired is
/// `WrongEnrolmentCode` and counts as a failed sign-in from `address`, so codes cannot
/// be guessed in bulk; nothing is enrolled.
pub async fn enrol_with_code(
    state: &AppState,
    typed: &str,
    device_name: String,
    token_hash: String,
    address: Option<IpAddr>,
) -> Result<EnrolledByCode, ServerError> {
    let code_hash = enrolment_code::canonical(typed).map(|code| self::token_hash(&code));
    let hours = state.token_days() * 24;
    let enrolled = limited(
        state,
        sign_in_limit::address_keys(address),
        None,
        async move {
            let Some(code_hash) = code_hash else {
                return Ok(None);
            };
            state
                .with(move |s| {
                    Ok(s.enrol_device_with_code(&code_hash, &device_name, &token_hash, hours)?)
                })
                .await
        },
    )
    .await?;
    enrolled.ok_or(ServerError::WrongEnrolmentCode)
}

/// Runs `check` as one attempt counted against `keys` under the sign-in limits: held
/// back while they are over their allowed failures; `None` from it is a failure,
/// counted against every key, and anything else clears the count of `clear`.
async fn limited<T>(
    state: &AppState,
    keys: Vec<(String, u32)>,
    clear: Option<String>,
    check: impl Future<Output = Result<Option<T>, ServerError>>,
) -> Result<Option<T>, ServerError> {
    let lookup: Vec<String> = keys.iter().map(|(k, _)| k.clone()).collect();
    // A new attempt reads the stored count and takes its place in one turn, and a
    // finished one writes its failure and gives its place back in one turn: each new
    // attempt sees a finished one's place or its failure, never neither.
    let reserving = state.limiter().reserving.lock().await;
    let stored = state
        .with(move |s| {
            lookup
                .iter()
                .map(|k| Ok(s.sign_in_failures(k)?))
                .collect::<Result<Vec<_>, ServerError>>()
        })
        .await?;
    // The attempt is counted before the check.
    let attempt = state.limiter().begin(&keys, &stored)?;
    drop(reserving);
    let checked = check.await?;
    let all: Vec<String> = keys.into_iter().map(|(k, _)| k).collect();
    let forget = sign_in_limit::FORGET_AFTER.as_millis() as i64;
    let finishing = state.limiter().reserving.lock().await;
    match (&checked, clear) {
        (Some(_), Some(key)) => {
            state
                .with(move |s| Ok(s.clear_sign_in_failures(&key)?))
                .await?;
        }
        (Some(_), None) => {}
        (None, _) if all.is_empty() => {}
        (None, _) => {
            state
                .with(move |s| Ok(s.fail_sign_in(&all, forget)?))
                .await?;
        }
    }
    // Counted in the database now: the place held in memory goes.
    drop(attempt);
    drop(finishing);
    Ok(checked)
}

/// The address a request came from, when the server knows it (it does for every
/// connection it accepts; a router driven in a test may not).
pub struct ClientAddress(pub Option<IpAddr>);

/// The proxies in front of the server whose X-Forwarded-For is believed (a request
/// extension the router adds).
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(pub std::sync::Arc<[IpAddr]>);

impl ClientAddress {
    /// The client behind `peer`: `peer` itself, unless it is a trusted proxy; then
    /// the last address of X-Forwarded-For that is not one (each proxy appends the
    /// address it took the request from, so what comes before may be forged).
    pub fn behind(peer: IpAddr, forwarded: Option<&str>, trusted: &[IpAddr]) -> IpAddr {
        if !trusted.contains(&peer) {
            return peer;
        }
        let Some(forwarded) = forwarded else {
            return peer;
        };
        for hop in forwarded.rsplit(',') {
            match hop.trim().parse::<IpAddr>() {
                Ok(ip) if trusted.contains(&ip) => continue,
                Ok(ip) => return ip,
                Err(_) => return peer,
            }
        }
        peer
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .map(|c| c.0.ip());
        let trusted = parts
            .extensions
            .get::<TrustedProxies>()
            .map(|t| t.0.clone())
            .unwrap_or_else(|| std::sync::Arc::from([]));
        let forwarded = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok());
        Ok(ClientAddress(
            peer.map(|p| ClientAddress::behind(p, forwarded, &trusted)),
        ))
    }
}

/// The longest device name taken at enrolment, in characters.
pub const MAX_DEVICE_NAME: usize = 60;

/// A device's name as a person gave it at enrolment, trimmed: refused when empty,
/// longer than `MAX_DEVICE_NAME`, or holding a control character (it is shown in
/// lists, pages and logs).
pub fn device_name(given: &str) -> Result<String, ServerError> {
    let name = given.trim();
    if name.is_empty() {
        return Err(ServerError::BadRequest(
            "Give the device a name (device_name), such as 'Asha's phone'.".into(),
        ));
    }
    if name.chars().count() > MAX_DEVICE_NAME {
        return Err(ServerError::BadRequest(format!(
            "A device's name may have at most {MAX_DEVICE_NAME} characters; give a shorter one, such as 'Asha's phone'."
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(ServerError::BadRequest(
            "A device's name may not hold line breaks, tabs or other control characters; give a plain name, such as 'Asha's phone'.".into(),
        ));
    }
    Ok(name.to_string())
}
