//! Replication: one Automerge document per stream. This layer knows an event only as
//! its id-less encoded bytes and change metadata; it knows nothing of views or SQLite.

pub mod chunks;
mod error;
mod guarded;
mod stream_document;
mod tail;

pub use error::ReplicationError;
pub use guarded::parse_change;
pub use stream_document::{IncomingChange, StreamDocument, device_actor};
