//! What a data protection officer's work gives back: an erasure, and a subject access
//! export with who read it.

use praxis_core::domain::ids::{DeviceId, EventId, PersonId, StreamId};
use serde::{Deserialize, Serialize};

/// What an erasure did.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Erasure {
    /// The `DataErased` events recorded, one in each collaborative's stream.
    pub events: Vec<EventId>,
    /// How many data keys were destroyed.
    pub keys: usize,
    /// The streams whose records they sealed.
    pub streams: Vec<StreamId>,
    /// When (milliseconds since the epoch).
    pub erased_at: i64,
}

/// Everything held about a person, by their pseudonymous reference: each record sealed
/// under their keys, as it now stands (a subject access request, UK GDPR art. 15).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SubjectAccess {
    pub reference: String,
    /// When it was produced (RFC 3339).
    pub produced_at: String,
    pub records: Vec<SubjectRecord>,
}

/// Who reads a subject access export, for the access log.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SubjectReader {
    /// A person's enrolled device (the API).
    Device { person: PersonId, device: DeviceId },
    /// A person signed in to the browser.
    Browser(PersonId),
    /// The server's operator (`praxis-server subject-access`), logged as the server.
    Server,
}

/// One record about the person.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SubjectRecord {
    pub stream: StreamId,
    pub stream_name: String,
    pub record: EventId,
    /// "observation" or "case material".
    pub kind: String,
    pub observed_on: String,
    /// When it was recorded (RFC 3339) and by whom.
    pub recorded_at: String,
    pub recorded_by: String,
    /// Its text as it now stands (after any correction).
    pub text: String,
    pub corrected: bool,
    pub withdrawn: bool,
}
