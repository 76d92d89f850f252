//! Passwords (argon2id), device tokens (random 256-bit) and one-time enrolment codes
//! (random 80-bit), the last two stored only as SHA-256: making and checking them.
//! Knows nothing of people, storage or HTTP.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("hashing a password: {0}")]
    Hashing(String),
    #[error("no randomness: {0}")]
    NoRandomness(String),
}

pub fn hash_password(password: &str) -> Result<String, CredentialError> {
    let hash: argon2::PasswordHash = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| CredentialError::Hashing(e.to_string()))?;
    Ok(hash.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), hash)
        .is_ok()
}

/// A new device token: 256 random bits, shown once, stored only as its hash.
pub fn new_token() -> Result<String, CredentialError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| CredentialError::NoRandomness(e.to_string()))?;
    Ok(format!("pxd_{}", hex::encode(bytes)))
}

/// How long an enrolment code works once it is made.
pub const ENROLMENT_CODE_MINUTES: i64 = 10;

/// A new one-time enrolment code: 80 random bits in its stored form (see
/// `praxis_core::protocol::enrolment_code`), shown once, stored only as its hash.
pub fn new_enrolment_code() -> Result<String, CredentialError> {
    let mut bits = [0u8; 10];
    getrandom::fill(&mut bits).map_err(|e| CredentialError::NoRandomness(e.to_string()))?;
    Ok(praxis_core::protocol::enrolment_code::from_bits(bits))
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}
