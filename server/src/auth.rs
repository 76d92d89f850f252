//! Passwords (argon2id), device tokens (random 256-bit, stored as SHA-256), and the
//! one check of a username and password that enrolment and browser sign-in share.

use crate::error::ServerError;
use crate::state::AppState;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use praxis_core::domain::ids::PersonId;
use sha2::{Digest, Sha256};

pub fn hash_password(password: &str) -> Result<String, ServerError> {
    let hash: argon2::PasswordHash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| ServerError::Internal(format!("hashing a password: {e}")))?;
    Ok(hash.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// A new device token: 256 random bits, shown once, stored only as its hash.
pub fn new_token() -> Result<String, ServerError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ServerError::Internal(format!("no randomness: {e}")))?;
    Ok(format!("pxd_{}", hex::encode(bytes)))
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Checks a username and password under the sign-in rate limit: the person's id and
/// name, or `WrongCredentials` (after spending as long as a real check would, so an
/// unknown username cannot be told from a wrong password by time).
pub async fn verify_credentials(
    state: &AppState,
    username: &str,
    password: &str,
) -> Result<(PersonId, String), ServerError> {
    state.limiter().check(username)?;
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
            let _ = tokio::task::spawn_blocking(move || hash_password(&password)).await;
            None
        }
    };
    match verified {
        Some(found) => {
            state.limiter().succeeded(username);
            Ok(found)
        }
        None => {
            state.limiter().failed(username);
            Err(ServerError::WrongCredentials)
        }
    }
}
