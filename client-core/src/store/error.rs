use crate::domain::envelope::DecodeError;
use crate::domain::ids::{EventId, StreamId};
use crate::domain::validation::Refusal;
use crate::replication::ReplicationError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("there is no Praxis store at {0}. Create one with `praxis init`.")]
    NotFound(PathBuf),
    #[error("{0} already holds a Praxis store. Open it, or choose another path.")]
    AlreadyExists(PathBuf),
    #[error(
        "this store was written by a newer Praxis (store schema {0}). Update Praxis to open it."
    )]
    NewerStore(i64),
    #[error(
        "the key does not open the store at {0}: it was made with another key. Give the key this store was created with; nothing was changed."
    )]
    WrongKey(PathBuf),
    #[error(
        "the store at {} is not encrypted: it was made before Praxis encrypted its stores. Encrypt it, keeping every record, with `praxis store encrypt --store {}` (an app calls `PraxisStore.encrypt_plain` with its key). Nothing was changed.",
        .0.display(),
        shell_word(.0)
    )]
    NotEncrypted(PathBuf),
    #[error(
        "the store at {} is already encrypted, so there is nothing to do; nothing was changed. Open it with its key.",
        .0.display()
    )]
    AlreadyEncrypted(PathBuf),
    #[error(
        "another program has the store at {} open. Close it (or let it finish) and run this again; nothing was changed.",
        .0.display()
    )]
    InUse(PathBuf),
    #[error(
        "the encrypted copy did not hold what the plain store holds ({0}), so the plain store was kept as it was and the copy removed. Nothing was lost; report this, and keep using the plain store's file."
    )]
    EncryptionUnverified(String),
    #[error("the store key cannot be used: {0}.")]
    BadKey(String),
    #[error("{0} is not a Praxis store ({1}).")]
    NotAStore(PathBuf, String),
    #[error("there is no stream {0} on this device. `praxis status` lists the streams here.")]
    UnknownStream(StreamId),
    #[error(
        "this store already holds {0} records made before it was enrolled, under another identity. Carry them over to the enrolled person with `praxis enrol --carry-over` (each keeps its time, and the history says it was carried over), enrol a new store (praxis init --store NEW_FILE), or keep using this one offline."
    )]
    RecordedBeforeEnrolment(i64),
    #[error("there is no record {0} on this device.")]
    UnknownRecord(EventId),
    #[error("an event in the incoming changes cannot be read: {0}. Nothing was merged.")]
    BadEvent(#[from] DecodeError),
    #[error("an incoming change does more than add one event ({0}). Nothing was merged.")]
    BadChange(String),
    #[error("an incoming event belongs to stream {found}, not {expected}. Nothing was merged.")]
    WrongStream { expected: StreamId, found: StreamId },
    #[error("{} of the incoming changes were refused; nothing was merged: {}", .0.len(), .0.iter().map(|r| r.reason.as_str()).collect::<Vec<_>>().join("; "))]
    ChangesRefused(Vec<super::RefusedChange>),
    #[error(
        "the changes sent cannot be read ({0}). Send Automerge changes one after another, each whole, as `praxis sync` does."
    )]
    BadChanges(String),
    #[error("the sync message cannot be read ({0}). Send a standard Automerge sync message.")]
    BadSyncMessage(String),
    #[error(
        "stored data could not be read ({0}). The store may be damaged; restore it from a backup or sync again."
    )]
    Corrupt(String),
    #[error(transparent)]
    Replication(#[from] ReplicationError),
    #[error(
        "the master key given is not the one this data directory's data keys were wrapped under. Start the server with the master key it was first started with (--master-key-file or PRAXIS_MASTER_KEY); nothing was changed."
    )]
    WrongMasterKey,
    #[error("the local database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// A path as one word a shell reads back as it is: quoted when it holds anything but
/// letters, digits and `/._-+:@,=`.
fn shell_word(path: &std::path::Path) -> String {
    let text = path.display().to_string();
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+:@,=".contains(c));
    if plain {
        text
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}
