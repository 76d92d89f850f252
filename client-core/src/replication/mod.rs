//! Replication: one Automerge document per stream. This layer knows an event only as
//! its id-less encoded bytes and change metadata; it knows nothing of views or SQLite.

mod guarded;
mod stream_document;

pub use stream_document::{IncomingChange, ReplicationError, StreamDocument, device_actor};
