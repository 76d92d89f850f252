//! The errors a phone app sees, one exception type per kind, each with a message a
//! person can read (Kotlin and Swift get `message`, Python `str(e)`).

use praxis_core::store::StoreError;
use praxis_core::sync::SyncError;

#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum PraxisError {
    /// The key does not open this store.
    #[error("{0}")]
    WrongKey(String),
    /// The store is plain SQLite, made before device stores were encrypted: encrypt it
    /// with `PraxisStore.encrypt_plain` (it keeps every record). Nothing was changed.
    #[error("{0}")]
    NotEncrypted(String),
    /// The store to encrypt is encrypted already; nothing was changed.
    #[error("{0}")]
    AlreadyEncrypted(String),
    /// The key is not a usable key (wrong length, not hexadecimal).
    #[error("{0}")]
    BadKey(String),
    /// There is no store at the path, or the file there is not one.
    #[error("{0}")]
    NoStore(String),
    /// A store already exists where a new one was to be created.
    #[error("{0}")]
    AlreadyExists(String),
    /// The device has not enrolled with a server, so it cannot sync.
    #[error("{0}")]
    NotEnrolled(String),
    /// The server did not accept the username and password.
    #[error("{0}")]
    WrongPassword(String),
    /// The server did not accept the enrolment code: wrong, used or expired. The
    /// message says where to make a new one.
    #[error("{0}")]
    WrongEnrolmentCode(String),
    /// The record breaks a rule of the methodology; nothing was written. The message
    /// says what is wrong and how to put it right.
    #[error("{0}")]
    Refused(String),
    /// An input cannot be read (a date, an id, a number) or names nothing here.
    #[error("{0}")]
    InvalidInput(String),
    /// The server cannot be reached: offline, or the server is down.
    #[error("{0}")]
    Network(String),
    /// The server answered, and refused (revoked device, expired token, too many
    /// attempts, a failure on its side), with its message.
    #[error("{0}")]
    ServerRefused(String),
    /// The sync was cancelled; what had arrived is saved.
    #[error("{0}")]
    Cancelled(String),
    /// The store on the device failed (damaged, full disk).
    #[error("{0}")]
    Storage(String),
}

impl PraxisError {
    pub(crate) fn invalid(message: impl Into<String>) -> PraxisError {
        PraxisError::InvalidInput(message.into())
    }
}

/// The first letter up, so every message reads as a sentence.
fn sentence(text: String) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

impl From<StoreError> for PraxisError {
    fn from(error: StoreError) -> Self {
        let message = sentence(error.to_string());
        match error {
            StoreError::WrongKey(_) => PraxisError::WrongKey(message),
            StoreError::NotEncrypted(_) => PraxisError::NotEncrypted(message),
            StoreError::AlreadyEncrypted(_) => PraxisError::AlreadyEncrypted(message),
            StoreError::BadKey(_) => PraxisError::BadKey(message),
            StoreError::NotFound(_) | StoreError::NotAStore(..) | StoreError::NewerStore(_) => {
                PraxisError::NoStore(message)
            }
            StoreError::AlreadyExists(_) => PraxisError::AlreadyExists(message),
            StoreError::Refused(_) | StoreError::RecordedBeforeEnrolment(_) => {
                PraxisError::Refused(message)
            }
            StoreError::UnknownStream(_) | StoreError::UnknownRecord(_) => {
                PraxisError::InvalidInput(message)
            }
            _ => PraxisError::Storage(message),
        }
    }
}

impl From<SyncError> for PraxisError {
    fn from(error: SyncError) -> Self {
        if let SyncError::Store(e) = error {
            return e.into();
        }
        let message = sentence(error.to_string());
        match error {
            SyncError::NotEnrolled => PraxisError::NotEnrolled(message),
            SyncError::BadServerUrl(_)
            | SyncError::Missing(_)
            | SyncError::NotAnEnrolmentCode(_) => PraxisError::InvalidInput(message),
            SyncError::CarryOverAfterEnrolment => PraxisError::InvalidInput(message),
            SyncError::Unreachable { .. } | SyncError::Client(_) => PraxisError::Network(message),
            SyncError::WrongPassword => PraxisError::WrongPassword(message),
            SyncError::WrongEnrolmentCode(_) => PraxisError::WrongEnrolmentCode(message),
            SyncError::Cancelled => PraxisError::Cancelled(message),
            SyncError::Revoked(_)
            | SyncError::Unauthorized(_)
            | SyncError::RateLimited { .. }
            | SyncError::Refused { .. }
            | SyncError::ServerFailed { .. }
            | SyncError::Protocol(_) => PraxisError::ServerRefused(message),
            SyncError::Store(_) => PraxisError::Storage(message),
        }
    }
}
