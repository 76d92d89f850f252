//! The field app's API: a browser that keeps no replica of any stream records events
//! offline, with ids and times of its own, and sends them when back in range; it
//! reads a snapshot of what its person needs in the field. Its device is enrolled
//! from a signed-in browser session, not with a password.

use crate::domain::event::Event;
use crate::domain::hlc::Hlc;
use crate::domain::ids::{DeviceId, EventId, PersonId, StreamId};
use serde::{Deserialize, Serialize};

/// `GET /field/session`: who is signed in to this browser, and the token its forms
/// send back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldSession {
    pub person_id: PersonId,
    pub name: String,
    pub csrf: String,
}

/// `POST /field/device`: enrol this browser as a device of the signed-in person, or
/// give the device it already is (`device_id`) a new token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDeviceRequest {
    pub csrf: String,
    pub device_id: Option<DeviceId>,
}

/// The field app's device and its token (shown this once), valid until `expires_at`
/// (RFC 3339): as long as a browser session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldDevice {
    pub device_id: DeviceId,
    pub person_id: PersonId,
    pub name: String,
    pub token: String,
    pub expires_at: String,
}

/// One event made in the field app: its id and time come from the device.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldRecord {
    pub id: EventId,
    pub stream: StreamId,
    pub recorded_at: Hlc,
    pub event: Event,
}

/// `POST /api/v1/field/records`: events waiting on the device, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldRecords {
    pub records: Vec<FieldRecord>,
}

/// What became of one record sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldOutcome {
    /// Taken now, with a receipt.
    Recorded,
    /// The server had it already (sent before, the answer lost): nothing changed.
    AlreadyRecorded,
    /// Refused, for the reason given; the device keeps it until the person discards it.
    Refused,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldResult {
    pub id: EventId,
    pub outcome: FieldOutcome,
    /// When the server received it (RFC 3339), for a record it holds.
    pub received_at: Option<String>,
    /// Why it was refused, and what to do.
    pub problem: Option<String>,
    pub fix: Option<String>,
}

/// The answer to `FieldRecords`: one result per record, in the order sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldResults {
    pub results: Vec<FieldResult>,
}

/// `GET /api/v1/field/snapshot`: what the person needs offline, one entry per project
/// they may read (`P`, the server's view of a project for the field).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldSnapshot<P> {
    pub person_id: PersonId,
    pub name: String,
    pub device_id: DeviceId,
    pub projects: Vec<P>,
}
