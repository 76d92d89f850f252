//! The server's sync API as its bodies read, whichever way they travel: enrolment,
//! the list of streams, an error's body, and the answer to one sync message.

use super::progress::RefusedEvent;
use crate::domain::ids::{DeviceId, PersonId, StreamId};
use crate::domain::record::StreamKind;
use serde::{Deserialize, Serialize};

/// The header that tells how many events of a sync message the server newly accepted.
pub const EVENTS_ACCEPTED: &str = "x-praxis-events-accepted";

/// What a device sends to enrol.
#[derive(Serialize)]
pub struct EnrolRequest<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub device_name: &'a str,
}

/// The server's answer to an enrolment.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EnrolReply {
    pub device_id: DeviceId,
    pub actor_id: String,
    pub token: String,
    pub person_id: PersonId,
    pub name: String,
}

/// A stream the server lets this device see.
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
}

impl ListedStream {
    pub fn stream_kind(&self) -> Option<StreamKind> {
        match self.kind.as_str() {
            "collaborative" => Some(StreamKind::Collaborative),
            "project" => Some(StreamKind::Project),
            "organisation" => Some(StreamKind::Organisation),
            _ => None,
        }
    }
}

/// The body of the list of streams.
#[derive(Deserialize)]
pub struct StreamList {
    pub streams: Vec<ListedStream>,
}

/// The JSON body of every error the server sends.
#[derive(Default, Deserialize)]
pub struct ApiError {
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub details: Vec<serde_json::Value>,
}

impl ApiError {
    /// The refused events its details name (for `changes_refused`).
    pub fn refused_events(&self) -> Vec<RefusedEvent> {
        self.details
            .iter()
            .filter_map(|d| serde_json::from_value::<RefusedEvent>(d.clone()).ok())
            .collect()
    }
}

/// The server's answer to one sync message.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SyncReply {
    /// Its next sync message; `None` when it has nothing to send.
    pub message: Option<Vec<u8>>,
    pub accepted: usize,
}
