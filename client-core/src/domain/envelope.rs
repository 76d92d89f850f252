//! The envelope every event travels in, and its encoding (postcard). The envelope's
//! shape is fixed; the body is versioned by `schema`, so an event written by a newer
//! Praxis is kept and counted, never misread.

use super::event::{Event, EventKind};
use super::hlc::Hlc;
use super::ids::{DeviceId, EventId, PersonId, StreamId};
use serde::{Deserialize, Serialize};

/// The newest schema version of [`Event`] this build reads and writes. Each event is
/// written under the version that first had its kind (`Event::schema`), so older
/// builds read every kind they know.
pub const SCHEMA_VERSION: u16 = 6;

/// Events larger than this are refused: they are not something a person typed.
pub const MAX_EVENT_BYTES: usize = 256 * 1024;

/// Who recorded an event, where and when.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub event: EventId,
    pub author: PersonId,
    pub device: DeviceId,
    pub at: Hlc,
}

/// An event as it is stored and replicated.
#[derive(Clone, Debug, PartialEq)]
pub struct Envelope {
    pub id: EventId,
    pub stream: StreamId,
    pub author: PersonId,
    pub device: DeviceId,
    pub recorded_at: Hlc,
    pub schema: u16,
    pub body: Body,
}

/// The body of an event: one this build understands, or one from a newer schema that
/// it keeps as bytes.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    Known(Event),
    Unknown(Vec<u8>),
}

#[derive(Serialize, Deserialize)]
struct Wire<'a> {
    id: EventId,
    stream: StreamId,
    author: PersonId,
    device: DeviceId,
    recorded_at: Hlc,
    schema: u16,
    #[serde(borrow)]
    body: &'a [u8],
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DecodeError {
    #[error("the event is {0} bytes, more than the {MAX_EVENT_BYTES} an event may have")]
    Oversized(usize),
    #[error("these bytes are not a Praxis event ({0})")]
    Malformed(String),
    #[error("the event has {0} unexpected bytes after its end")]
    TrailingBytes(usize),
    #[error("the event says schema version 0, which no Praxis ever wrote")]
    NoSchema,
}

impl Envelope {
    /// A new event stamped now by `author` on `device`.
    pub fn new(
        stream: StreamId,
        author: PersonId,
        device: DeviceId,
        at: Hlc,
        event: Event,
    ) -> Self {
        Envelope {
            id: EventId::new(),
            stream,
            author,
            device,
            recorded_at: at,
            schema: event.schema(),
            body: Body::Known(event),
        }
    }

    pub fn stamp(&self) -> Stamp {
        Stamp {
            event: self.id,
            author: self.author,
            device: self.device,
            at: self.recorded_at,
        }
    }

    pub fn event(&self) -> Option<&Event> {
        match &self.body {
            Body::Known(e) => Some(e),
            Body::Unknown(_) => None,
        }
    }

    pub fn kind(&self) -> Option<EventKind> {
        self.event().map(Event::kind)
    }

    /// The name used for change messages and filters; "unknown" for a newer schema.
    pub fn kind_name(&self) -> &'static str {
        self.kind().map(|k| k.name()).unwrap_or("unknown")
    }

    /// Fold order: causal (the clock), then the id to break ties the same everywhere.
    pub fn order_key(&self) -> (Hlc, EventId) {
        (self.recorded_at, self.id)
    }

    pub fn encode(&self) -> Vec<u8> {
        let body = match &self.body {
            Body::Known(event) => postcard::to_stdvec(event).unwrap_or_default(),
            Body::Unknown(bytes) => bytes.clone(),
        };
        let wire = Wire {
            id: self.id,
            stream: self.stream,
            author: self.author,
            device: self.device,
            recorded_at: self.recorded_at,
            schema: self.schema,
            body: &body,
        };
        postcard::to_stdvec(&wire).unwrap_or_default()
    }

    pub fn decode(bytes: &[u8]) -> Result<Envelope, DecodeError> {
        if bytes.len() > MAX_EVENT_BYTES {
            return Err(DecodeError::Oversized(bytes.len()));
        }
        let (wire, rest): (Wire, _) =
            postcard::take_from_bytes(bytes).map_err(|e| DecodeError::Malformed(e.to_string()))?;
        if !rest.is_empty() {
            return Err(DecodeError::TrailingBytes(rest.len()));
        }
        let body = match wire.schema {
            0 => return Err(DecodeError::NoSchema),
            1..=SCHEMA_VERSION => {
                let (event, rest) = postcard::take_from_bytes::<Event>(wire.body)
                    .map_err(|e| DecodeError::Malformed(format!("body: {e}")))?;
                if !rest.is_empty() {
                    return Err(DecodeError::TrailingBytes(rest.len()));
                }
                if event.schema() > wire.schema {
                    return Err(DecodeError::Malformed(format!(
                        "a {} is a schema {} event, not schema {}",
                        event.kind().name(),
                        event.schema(),
                        wire.schema
                    )));
                }
                Body::Known(event)
            }
            _newer => Body::Unknown(wire.body.to_vec()),
        };
        Ok(Envelope {
            id: wire.id,
            stream: wire.stream,
            author: wire.author,
            device: wire.device,
            recorded_at: wire.recorded_at,
            schema: wire.schema,
            body,
        })
    }
}
