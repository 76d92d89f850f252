//! How ids and views are laid out in SQLite columns. Every decoder here returns an
//! error on bad bytes, never panics.

use super::StoreError;
use crate::domain::envelope::{Body, Envelope, Stamp};
use crate::domain::event::{Event, EventKind};
use crate::domain::ids::EventId;
use crate::domain::record::{Detail, HistoryEntry, Record};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub fn uuid_blob(id: &Uuid) -> &[u8] {
    id.as_bytes().as_slice()
}

pub fn blob_uuid(bytes: &[u8]) -> Result<Uuid, StoreError> {
    Uuid::from_slice(bytes)
        .map_err(|e| StoreError::Corrupt(format!("an id of {} bytes: {e}", bytes.len())))
}

/// A record as the `records` table keeps it. A record nothing has changed since its
/// event (most records: observations, measurements) is kept without its content and
/// its one history entry's stamp and kind, which the event and the record's own
/// stamp hold: the event's text is not kept a second time in the views.
#[derive(Serialize)]
enum StoredRef<'a> {
    Whole(&'a Record),
    AsRecorded {
        id: EventId,
        kind: EventKind,
        parent: Option<EventId>,
        created: &'a Stamp,
        what: &'a str,
        detail: &'a Detail,
    },
}

/// A stored record as read back (see `StoredRef`); `into_record` completes it.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
// Read one at a time and turned into a record at once: its size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum StoredRecord {
    Whole(Record),
    AsRecorded {
        id: EventId,
        kind: EventKind,
        parent: Option<EventId>,
        created: Stamp,
        what: String,
        detail: Detail,
    },
}

impl<'a> StoredRef<'a> {
    fn of(record: &'a Record) -> StoredRef<'a> {
        match record.history.as_slice() {
            // Only a correction changes a record's content, and it adds to its history.
            [first]
                if !record.withdrawn
                    && first.stamp == record.created
                    && first.kind == record.kind =>
            {
                StoredRef::AsRecorded {
                    id: record.id,
                    kind: record.kind,
                    parent: record.parent,
                    created: &record.created,
                    what: &first.what,
                    detail: &record.detail,
                }
            }
            _ => StoredRef::Whole(record),
        }
    }
}

impl StoredRecord {
    /// Encoded again, as it was read (the same layout as `StoredRef`).
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_stdvec(self).unwrap_or_default()
    }

    /// The record, its content taken from its event (by `content`) when it was kept
    /// without it.
    pub fn into_record(
        self,
        content: impl FnOnce(EventId) -> Result<Event, StoreError>,
    ) -> Result<Record, StoreError> {
        Ok(match self {
            StoredRecord::Whole(record) => record,
            StoredRecord::AsRecorded {
                id,
                kind,
                parent,
                created,
                what,
                detail,
            } => Record {
                id,
                kind,
                parent,
                created,
                content: content(id)?,
                withdrawn: false,
                history: vec![HistoryEntry {
                    stamp: created,
                    kind,
                    what,
                }],
                detail,
            },
        })
    }
}

pub fn encode_record(record: &Record) -> Vec<u8> {
    postcard::to_stdvec(&StoredRef::of(record)).unwrap_or_default()
}

/// Encodes a record into `buffer`, replacing what it held (to compare many without
/// allocating for each).
pub fn encode_record_into(record: &Record, buffer: &mut Vec<u8>) {
    buffer.clear();
    if let Ok(bytes) = postcard::to_extend(&StoredRef::of(record), std::mem::take(buffer)) {
        *buffer = bytes;
    }
}

pub fn decode_stored(bytes: &[u8]) -> Result<StoredRecord, StoreError> {
    postcard::from_bytes(bytes).map_err(|e| StoreError::Corrupt(format!("a stored record: {e}")))
}

/// A record as the views keep it, whole, its content still sealed: what the fold reads
/// and writes back. Its content is read from its event when it is kept without it
/// (`StoredRecord`).
pub fn read_kept_record(conn: &Connection, body: &[u8]) -> Result<Record, StoreError> {
    decode_stored(body)?.into_record(|id| {
        let event: Option<Vec<u8>> = conn
            .prepare_cached("SELECT bytes FROM events WHERE id = ?1")?
            .query_row([uuid_blob(&id.0)], |r| r.get(0))
            .optional()?;
        match event.map(|bytes| Envelope::decode(&bytes)) {
            Some(Ok(Envelope {
                body: Body::Known(content),
                ..
            })) => Ok(content),
            _ => Err(StoreError::Corrupt(format!(
                "the record {id} is kept without its content, and its event is missing or unreadable"
            ))),
        }
    })
}
