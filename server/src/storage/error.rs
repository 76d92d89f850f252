//! What can go wrong in storage, in storage's own words: no HTTP here. The edge
//! (`crate::error`) turns each kind into a status and a message in one place.

use praxis_core::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// Something named does not exist (a person, team, collaborative, stream...).
    #[error("{0}")]
    NotFound(String),
    /// The change would clash with what is there (a username taken, a team name used).
    #[error("{0}")]
    Conflict(String),
    /// The person or device may not do this.
    #[error("{0}")]
    NotAllowed(String),
    /// What was sent cannot be taken as it is (a key that is not one, no reason given).
    #[error("{0}")]
    BadInput(String),
    /// A data key offered was destroyed by an erasure: it cannot be used again.
    #[error("{0}")]
    KeyErased(String),
    /// The device was revoked; `at` is when, as text.
    #[error("the device was revoked on {at} ({reason})")]
    DeviceRevoked { at: String, reason: String },
    /// From the stream store: refused changes, bad messages, unknown streams...
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the database failed: {0}")]
    Database(#[from] rusqlite::Error),
    /// A stored value could not be read back.
    #[error("a stored {0}")]
    Corrupt(String),
    /// The data directory cannot be used.
    #[error("{0}")]
    Unusable(String),
}

pub type Result<T> = std::result::Result<T, StorageError>;
