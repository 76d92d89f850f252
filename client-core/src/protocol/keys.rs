//! The key exchange (`POST /api/v1/keys`): at each sync, before any stream, a device
//! gives the server the data keys it made (recording offline) and takes the changes to
//! the keys of the streams it may read since it last asked: keys to hold, and keys an
//! erasure destroyed. Keys travel only here, over TLS, never in an event or a bundle.

use crate::domain::ids::{DataKeyId, StreamId};
use crate::domain::sealing::DataKey;
use crate::store::{KeyChange, PlainKey};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KeysRequest {
    /// Keys made on this device that the server has not taken yet.
    #[serde(default)]
    pub made: Vec<OfferedKey>,
    /// The streams to tell changes of, each with the last change this device took.
    #[serde(default)]
    pub streams: Vec<KeyCursor>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OfferedKey {
    pub id: DataKeyId,
    pub stream: StreamId,
    /// The pseudonymous reference of the person the key is for; none for a record's
    /// own key.
    pub subject: Option<String>,
    /// The key: 64 hexadecimal digits.
    pub key: String,
    /// When it was made (milliseconds since the epoch).
    pub made_at: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyCursor {
    pub stream: StreamId,
    /// The last change to the stream's keys this device took; 0 for none.
    pub since: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct KeysAnswer {
    /// How many offered keys the server took (or held already).
    pub taken: usize,
    pub changes: Vec<KeyUpdate>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeyUpdate {
    /// The change's number in its stream: the next request's `since`.
    pub seq: i64,
    pub id: DataKeyId,
    pub stream: StreamId,
    pub state: KeyState,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "is")]
pub enum KeyState {
    Held {
        key: String,
        subject: Option<String>,
        made_at: i64,
    },
    Erased {
        erased_at: i64,
        reason: String,
    },
}

impl OfferedKey {
    pub fn of(key: &PlainKey) -> OfferedKey {
        OfferedKey {
            id: key.id,
            stream: key.stream,
            subject: key.subject.clone(),
            key: hex::encode(key.key.as_bytes()),
            made_at: key.made_at,
        }
    }

    /// The key as a store takes it; what is wrong with it, in a sentence, if it is not
    /// one.
    pub fn plain(&self) -> Result<PlainKey, String> {
        Ok(PlainKey {
            id: self.id,
            stream: self.stream,
            subject: self.subject.clone(),
            key: parse_key(&self.key)?,
            made_at: self.made_at,
        })
    }
}

fn parse_key(hex_key: &str) -> Result<DataKey, String> {
    hex::decode(hex_key)
        .ok()
        .and_then(|bytes| DataKey::from_bytes(&bytes).ok())
        .ok_or_else(|| "a data key is 64 hexadecimal digits".to_string())
}

impl KeyUpdate {
    pub fn of(seq: i64, change: &KeyChange) -> KeyUpdate {
        match change {
            KeyChange::Held(k) => KeyUpdate {
                seq,
                id: k.id,
                stream: k.stream,
                state: KeyState::Held {
                    key: hex::encode(k.key.as_bytes()),
                    subject: k.subject.clone(),
                    made_at: k.made_at,
                },
            },
            KeyChange::Erased {
                id,
                stream,
                at,
                reason,
            } => KeyUpdate {
                seq,
                id: *id,
                stream: *stream,
                state: KeyState::Erased {
                    erased_at: *at,
                    reason: reason.clone(),
                },
            },
        }
    }

    /// The change as a store takes it, with its number.
    pub fn change(&self) -> Result<(i64, KeyChange), String> {
        Ok((
            self.seq,
            match &self.state {
                KeyState::Held {
                    key,
                    subject,
                    made_at,
                } => KeyChange::Held(PlainKey {
                    id: self.id,
                    stream: self.stream,
                    subject: subject.clone(),
                    key: parse_key(key)?,
                    made_at: *made_at,
                }),
                KeyState::Erased { erased_at, reason } => KeyChange::Erased {
                    id: self.id,
                    stream: self.stream,
                    at: *erased_at,
                    reason: reason.clone(),
                },
            },
        ))
    }
}
