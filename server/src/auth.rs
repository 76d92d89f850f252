//! The one check of a username and password that enrolment and browser sign-in share,
//! under the sign-in rate limit. Hashing itself is `credentials`.

pub use crate::credentials::{hash_password, new_token, token_hash, verify_password};
use crate::error::ServerError;
use crate::state::AppState;
use praxis_core::domain::ids::PersonId;

/// Checks a username and password under the sign-in rate limit: the person's id and
/// name, or `WrongCredentials` (after spending as long as a real check would, so an
/// unknown username cannot be told from a wrong password by time).
pub async fn verify_credentials(
    state: &AppState,
    username: &str,
    password: &str,
) -> Result<(PersonId, String), ServerError> {
    // The attempt is counted before the hash, and the hash waits for a turn.
    let attempt = state.limiter().begin(username)?;
    let turn = state.limiter().hashing()?;
    let lookup = username.to_string();
    let credentials = state.with(move |s| Ok(s.credentials(&lookup)?)).await?;
    let password = password.to_string();
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
    match verified {
        Some(found) => {
            attempt.succeeded();
            Ok(found)
        }
        // Dropping the attempt counts the failure.
        None => Err(ServerError::WrongCredentials),
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
