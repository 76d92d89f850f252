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
    #[error("the store key cannot be used: {0}.")]
    BadKey(String),
    #[error("{0} is not a Praxis store ({1}).")]
    NotAStore(PathBuf, String),
    #[error("there is no stream {0} on this device. `praxis status` lists the streams here.")]
    UnknownStream(StreamId),
    #[error(
        "this store already holds {0} records made before it was enrolled, under another identity. Enrol a new store (praxis init --store NEW_FILE), or keep using this one offline."
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
    #[error("the sync message cannot be read ({0}). Send a standard Automerge sync message.")]
    BadSyncMessage(String),
    #[error(
        "stored data could not be read ({0}). The store may be damaged; restore it from a backup or sync again."
    )]
    Corrupt(String),
    #[error(transparent)]
    Replication(#[from] ReplicationError),
    #[error("the local database failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
}
