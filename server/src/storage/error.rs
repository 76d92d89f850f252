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
    Store(StoreError),
    #[error("the database failed: {0}")]
    Database(rusqlite::Error),
    /// A stored value could not be read back.
    #[error("a stored {0}")]
    Corrupt(String),
    /// The data directory cannot be used.
    #[error("{0}")]
    Unusable(String),
    /// The database server cannot be reached now (down, restarting, the network):
    /// nothing was changed, and the same request may be made again.
    #[error("{0}")]
    Unreachable(String),
    /// The database server refused or failed a statement.
    #[error("the database failed: {0}")]
    Postgres(String),
}

thread_local! {
    /// Why PostgreSQL did not take the commit this thread last made in its cache, for
    /// the error the caller sees in place of SQLite's "commit refused".
    static COMMIT_FAILURE: std::cell::RefCell<Option<StorageError>> =
        const { std::cell::RefCell::new(None) };
}

/// Notes why this thread's commit was refused (see `COMMIT_FAILURE`).
pub fn refuse_commit(why: StorageError) {
    COMMIT_FAILURE.with(|f| *f.borrow_mut() = Some(why));
}

/// Takes why this thread's last commit was refused, if it was and nobody has said so.
pub fn take_commit_failure() -> Option<StorageError> {
    COMMIT_FAILURE.with(|f| f.borrow_mut().take())
}

/// Whether `e` is a commit the hook refused, and if so why.
fn refused_commit(e: &rusqlite::Error) -> Option<StorageError> {
    let refused = matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_COMMITHOOK
    );
    if refused {
        COMMIT_FAILURE.with(|f| f.borrow_mut().take())
    } else {
        None
    }
}

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        refused_commit(&e).unwrap_or(StorageError::Database(e))
    }
}

impl From<StoreError> for StorageError {
    fn from(e: StoreError) -> Self {
        match &e {
            StoreError::Sqlite(s) => refused_commit(s).unwrap_or(StorageError::Store(e)),
            _ => StorageError::Store(e),
        }
    }
}

/// A PostgreSQL error in storage's words: one that lost the connection is the
/// database being unreachable; any other is a failure.
impl From<postgres::Error> for StorageError {
    fn from(e: postgres::Error) -> Self {
        if unreachable(&e) {
            StorageError::Unreachable(format!(
                "The database cannot be reached ({e}). Nothing was changed; try again shortly."
            ))
        } else if let Some(db) = e.as_db_error() {
            let mut message = db.message().to_string();
            if let Some(detail) = db.detail() {
                message = format!("{message} ({detail})");
            }
            StorageError::Postgres(message)
        } else {
            StorageError::Postgres(e.to_string())
        }
    }
}

/// Whether `e` says the database cannot be reached, rather than that it refused or
/// failed a statement: the connection closed or failed at the socket, or the server
/// is shutting down, starting, or refusing connections (SQLSTATE classes 08 and 57P).
fn unreachable(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(code) = e.code() {
        let code = code.code();
        return code.starts_with("08") || code.starts_with("57P");
    }
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if s.is::<std::io::Error>() {
            return true;
        }
        source = s.source();
    }
    false
}

impl From<r2d2::Error> for StorageError {
    fn from(e: r2d2::Error) -> Self {
        StorageError::Unreachable(format!(
            "The database cannot be reached ({e}). Nothing was changed; try again shortly."
        ))
    }
}

pub type Result<T> = std::result::Result<T, StorageError>;
