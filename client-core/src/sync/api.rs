//! The server's sync API as its bodies read, whichever way they travel: enrolment,
//! the list of streams, an error's body, and the answer to one sync message.

use crate::domain::ids::StreamId;
use crate::domain::record::StreamKind;
use serde::{Deserialize, Serialize};

pub use crate::protocol::{EVENTS_ACCEPTED, PersonName};

/// What a device sends to enrol, and how it proves whose it is.
pub use crate::protocol::{Credentials, EnrolmentRequest as EnrolRequest};

/// The server's answer to an enrolment, as the protocol writes it.
pub use crate::protocol::Enrolled as EnrolReply;

/// A stream the server lets this device see. Read more leniently than the protocol's
/// `StreamEntry`: the kind stays text, so a kind from a newer server is reported for
/// that stream rather than failing the whole list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListedStream {
    pub stream_id: StreamId,
    /// `collaborative`, `project` or (for administrators) `organisation`; kept as text
    /// so a kind from a newer server is reported, not fatal.
    pub kind: String,
    pub name: String,
    pub collaborative: Option<StreamId>,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub read_only: bool,
    /// The heads of the server's document (hex), when the server says them.
    #[serde(default)]
    pub heads: Option<Vec<String>>,
}

impl ListedStream {
    pub fn stream_kind(&self) -> Option<StreamKind> {
        StreamKind::from_name(&self.kind)
    }
}

/// The body of the list of streams: the streams, and the names of the people who may
/// record in them (none from a server older than the names).
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
pub struct StreamList {
    pub streams: Vec<ListedStream>,
    #[serde(default)]
    pub people: Vec<PersonName>,
}

/// The server's answer to one sync message.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncReply {
    /// Its next sync message; `None` when it has nothing to send.
    pub message: Option<Vec<u8>>,
    pub accepted: usize,
}
