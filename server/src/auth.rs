//! Passwords (argon2id), device tokens (random 256-bit, stored as SHA-256) and the
//! sign-in rate limit.

use crate::error::ServerError;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

/// Failed sign-ins per username: after `MAX_FAILURES` within `WINDOW`, refuse until the
/// window has passed.
pub struct SignInLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

const MAX_FAILURES: u32 = 5;
const WINDOW: Duration = Duration::from_secs(300);

impl Default for SignInLimiter {
    fn default() -> Self {
        SignInLimiter {
            failures: Mutex::new(HashMap::new()),
        }
    }
}

impl SignInLimiter {
    pub fn check(&self, username: &str) -> Result<(), ServerError> {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((count, since)) = failures.get(username)
            && *count >= MAX_FAILURES
        {
            let left = WINDOW.saturating_sub(since.elapsed());
            if !left.is_zero() {
                return Err(ServerError::RateLimited(left.as_secs().max(1)));
            }
        }
        Ok(())
    }

    pub fn failed(&self, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let entry = failures
            .entry(username.to_string())
            .or_insert((0, Instant::now()));
        if entry.1.elapsed() > WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
        if failures.len() > 100_000 {
            failures.retain(|_, (_, since)| since.elapsed() <= WINDOW);
        }
    }

    pub fn succeeded(&self, username: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(username);
    }
}
