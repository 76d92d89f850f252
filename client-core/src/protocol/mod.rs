//! The server's HTTP API as types: what a client sends and what the server answers,
//! for enrolment, the stream list, errors and the audit reads (`audit`), with the
//! header names both sides use. Plain serde types, no I/O: the server answers with
//! them, and clients and pages read their fields instead of looking up JSON keys.
//!
//! An answer that carries a view (`domain::views`, `domain::dashboard`) is generic over
//! it, so the server serializes the view itself and a client can read it back as any
//! `Deserialize` type (`serde_json::Value`, say).

pub mod audit;
pub mod enrolment_code;
pub mod field;
pub mod keys;

use crate::domain::ids::{DeviceId, EventId, PersonId, StreamId};
use crate::domain::record::StreamKind;
use serde::{Deserialize, Serialize};

/// Response header: how many of the events a sync message carried the server accepted.
pub const EVENTS_ACCEPTED: &str = "x-praxis-events-accepted";
/// Response header of an audit bundle: the SHA-256 of its manifest, to check it by.
pub const MANIFEST_DIGEST: &str = "x-praxis-manifest-sha256";
/// Content type of a sync message, up and down.
pub const SYNC_CONTENT_TYPE: &str = "application/octet-stream";
/// Content type of an audit bundle.
pub const BUNDLE_CONTENT_TYPE: &str = "application/x-tar";
/// Request header of changes sent as a fast-forward (`POST /api/v1/streams/{id}/changes`):
/// the stream's heads on the server that they build on, as the stream list gave them.
pub const BASE_HEADS: &str = "x-praxis-base-heads";
/// Response header: a stream's heads on the server, after changes were taken or as
/// the whole stream sent stands.
pub const HEADS: &str = "x-praxis-heads";
/// The error code of changes that do not build on the stream's heads on the server
/// (`409`): nothing was taken, and the stream syncs through Automerge sync messages.
pub const NOT_A_FAST_FORWARD: &str = "not_a_fast_forward";

/// Heads as a header carries them: hex hashes, comma-separated, sorted.
pub fn heads_text(heads: &[automerge::ChangeHash]) -> String {
    let mut text: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
    text.sort();
    text.join(",")
}

/// Heads read back from `heads_text`; what is wrong, in a sentence, if they are not.
pub fn parse_heads(text: &str) -> Result<Vec<automerge::ChangeHash>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|h| {
            h.parse()
                .map_err(|_| format!("'{h}' is not a change hash (64 hexadecimal digits)"))
        })
        .collect()
}

/// The error code of a data key offered that an erasure destroyed (`409`).
pub const KEY_ERASED: &str = "key_erased";

/// How a device presents its token: `Authorization: Bearer <token>`.
pub const BEARER_PREFIX: &str = "Bearer ";
/// The error code of an enrolment refused for its code: wrong, used or expired.
pub const WRONG_ENROLMENT_CODE: &str = "wrong_enrolment_code";

/// How a device proves, at enrolment, whose it is.
#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    /// The person's username and password.
    Password { username: String, password: String },
    /// A one-time enrolment code the person made in the browser, signed in
    /// (`/devices/enrol`): no password is typed on the device.
    EnrolmentCode(String),
}

impl Credentials {
    pub fn password(username: &str, password: &str) -> Credentials {
        Credentials::Password {
            username: username.to_string(),
            password: password.to_string(),
        }
    }
}

/// Shows whose credentials they are, never the password or the code.
impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Password { username, .. } => f
                .debug_struct("Password")
                .field("username", username)
                .finish_non_exhaustive(),
            Credentials::EnrolmentCode(_) => f.write_str("EnrolmentCode(..)"),
        }
    }
}

/// `POST /api/v1/devices`: enrol this device, proving whose it is with a username and
/// password (`{username, password, device_name}`) or with a one-time enrolment code
/// (`{enrolment_code, device_name}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "EnrolmentFields", into = "EnrolmentFields")]
pub struct EnrolmentRequest {
    pub credentials: Credentials,
    /// What the person calls the device, such as "Asha's phone".
    pub device_name: String,
}

/// An enrolment request's JSON: one way of proving whose the device is, never both.
#[derive(Serialize, Deserialize)]
struct EnrolmentFields {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    password: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    enrolment_code: Option<String>,
    device_name: String,
}

impl TryFrom<EnrolmentFields> for EnrolmentRequest {
    type Error = String;

    fn try_from(f: EnrolmentFields) -> Result<Self, Self::Error> {
        let credentials = match (f.username, f.password, f.enrolment_code) {
            (Some(username), Some(password), None) => Credentials::Password { username, password },
            (None, None, Some(code)) => Credentials::EnrolmentCode(code),
            (_, _, Some(_)) => {
                return Err("give an enrolment_code or a username and password, not both".into());
            }
            _ => return Err("give a username and password, or an enrolment_code".into()),
        };
        Ok(EnrolmentRequest {
            credentials,
            device_name: f.device_name,
        })
    }
}

impl From<EnrolmentRequest> for EnrolmentFields {
    fn from(r: EnrolmentRequest) -> Self {
        let (username, password, enrolment_code) = match r.credentials {
            Credentials::Password { username, password } => (Some(username), Some(password), None),
            Credentials::EnrolmentCode(code) => (None, None, Some(code)),
        };
        EnrolmentFields {
            username,
            password,
            enrolment_code,
            device_name: r.device_name,
        }
    }
}

/// The answer to an enrolment: the device the server made, its Automerge actor, and
/// the token (shown this once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolled {
    pub device_id: DeviceId,
    /// The device's Automerge actor, in hex.
    pub actor_id: String,
    pub token: String,
    pub person_id: PersonId,
    /// The person's name.
    pub name: String,
    /// The teams the person is a member of, where a project they started before this
    /// device was enrolled can be carried over to (absent from older servers).
    #[serde(default)]
    pub teams: Vec<TeamPlace>,
}

/// A team as an enrolment names it: its collaborative, its id and its name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamPlace {
    pub collaborative: StreamId,
    pub team: EventId,
    pub name: String,
    pub organisation: String,
}

/// `GET /api/v1/streams`: the streams the device's person may read, and the names of
/// the people who may record in them, so a device names authors instead of showing ids.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StreamList {
    pub streams: Vec<StreamEntry>,
    /// Missing from older servers' answers: read as none.
    #[serde(default)]
    pub people: Vec<PersonName>,
}

/// A person as a device names them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName {
    pub id: PersonId,
    pub name: String,
}

/// One stream a person may read, and what they may do there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StreamEntry {
    pub stream_id: StreamId,
    #[serde(with = "kind_name")]
    pub kind: StreamKind,
    pub name: String,
    pub collaborative: Option<StreamId>,
    pub team: Option<EventId>,
    /// The roles' names joined by commas (older clients read this).
    pub role: String,
    /// The roles' names, as `Role::name` writes them.
    pub roles: Vec<String>,
    /// True when none of the roles may record anything here.
    pub read_only: bool,
    /// The heads of the server's document of the stream (hex change hashes, sorted):
    /// a device holding the same heads holds the same document, and has nothing to
    /// exchange for it. Missing from older servers' answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heads: Option<Vec<String>>,
}

/// Every error the server answers with: a code a program can match, a sentence for a
/// person saying what happened and what to do, and details (the refused changes of a
/// sync, otherwise empty).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
    pub details: Vec<RefusedDetail>,
}

/// A change of a sync message the server refused, and why.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RefusedDetail {
    /// The change's hash.
    pub change: String,
    pub event: Option<EventId>,
    /// The event's kind, as `EventKind::name` writes it.
    pub kind: Option<String>,
    pub reason: String,
}

/// The query of `GET /api/v1/measures/{id}/chart` (and the measure pages): the points
/// (0 is the first) the XmR limits are recalculated from, comma-separated.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChartQuery {
    pub from: Option<String>,
}

/// At most this many points to recalculate limits from.
pub const MAX_RECALCULATION_POINTS: usize = 100;

impl ChartQuery {
    /// The points asked for, or a sentence saying how to ask.
    pub fn points(&self) -> Result<Vec<usize>, String> {
        let Some(text) = self.from.as_deref().filter(|t| !t.trim().is_empty()) else {
            return Ok(Vec::new());
        };
        let points = text
            .split(',')
            .map(|p| p.trim().parse::<usize>())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| {
                format!(
                    "'from' should list points by number (0 is the first), separated by commas, such as from=12; got '{text}'."
                )
            })?;
        if points.len() > MAX_RECALCULATION_POINTS {
            return Err(format!(
                "Recalculate limits from at most {MAX_RECALCULATION_POINTS} points."
            ));
        }
        Ok(points)
    }
}

/// A stream kind written as `StreamKind::name` writes it ("collaborative", "project").
pub mod kind_name {
    use crate::domain::record::StreamKind;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(kind: &StreamKind, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(kind.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<StreamKind, D::Error> {
        let name = String::deserialize(d)?;
        StreamKind::from_name(&name).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "'{name}' is not a kind of stream (collaborative, project or organisation)"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn a_stream_entry_names_its_kind_as_the_api_writes_it() {
        let entry = StreamEntry {
            stream_id: StreamId(Uuid::nil()),
            kind: StreamKind::Collaborative,
            name: "Falls".into(),
            collaborative: None,
            team: None,
            role: "coordinator".into(),
            roles: vec!["coordinator".into()],
            read_only: false,
            heads: None,
        };
        let json = serde_json::to_value(&entry).unwrap_or_default();
        assert_eq!(json["kind"], "collaborative");
        let back: Result<StreamEntry, _> = serde_json::from_value(json.clone());
        assert_eq!(back.ok(), Some(entry));
        let mut wrong = json;
        wrong["kind"] = "team".into();
        assert!(serde_json::from_value::<StreamEntry>(wrong).is_err());
    }

    #[test]
    fn a_stream_list_from_an_older_server_names_nobody() {
        let old = r#"{"streams":[]}"#;
        let list: StreamList = serde_json::from_str(old).unwrap();
        assert!(list.people.is_empty());
        let person = PersonName {
            id: PersonId(Uuid::nil()),
            name: "Asha".into(),
        };
        let new = serde_json::json!({ "streams": [], "people": [person.clone()] });
        let list: StreamList = serde_json::from_value(new).unwrap();
        assert_eq!(list.people, vec![person]);
    }

    #[test]
    fn an_enrolment_is_proven_by_a_password_or_a_code_and_never_both() {
        let by_password = serde_json::json!({
            "username": "asha", "password": "secret", "device_name": "Asha's phone"
        });
        let request: EnrolmentRequest = serde_json::from_value(by_password.clone()).unwrap();
        assert_eq!(request.credentials, Credentials::password("asha", "secret"));
        assert_eq!(serde_json::to_value(&request).unwrap(), by_password);

        let by_code = serde_json::json!({
            "enrolment_code": "7KQ2-M9XD-4HTR-B3WN", "device_name": "Asha's phone"
        });
        let request: EnrolmentRequest = serde_json::from_value(by_code.clone()).unwrap();
        assert_eq!(
            request.credentials,
            Credentials::EnrolmentCode("7KQ2-M9XD-4HTR-B3WN".into())
        );
        assert_eq!(serde_json::to_value(&request).unwrap(), by_code);

        for wrong in [
            serde_json::json!({ "username": "asha", "password": "secret", "enrolment_code": "X", "device_name": "p" }),
            serde_json::json!({ "username": "asha", "device_name": "p" }),
            serde_json::json!({ "device_name": "p" }),
        ] {
            let refused = serde_json::from_value::<EnrolmentRequest>(wrong.clone());
            assert!(refused.is_err(), "{wrong}");
        }
        let shown = format!("{:?}", Credentials::password("asha", "secret"));
        assert!(
            shown.contains("asha") && !shown.contains("secret"),
            "{shown}"
        );
    }
}
