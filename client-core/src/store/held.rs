//! The events a gate held back (quarantined) and how each was settled, read from the
//! views: the server's `Quarantined` records, with the held events beside them.

use super::StoreError;
use super::queries::{event, records_of_kind};
use crate::domain::event::{Event, EventKind};
use crate::domain::hlc::Hlc;
use crate::domain::ids::{EventId, PersonId, StreamId};
use crate::domain::record::{Detail, Settlement};
use rusqlite::Connection;
use serde::Serialize;

/// An event the server held back (see `Event::Quarantined`), as a device, the pages
/// and the audit show it: what it was, who recorded it and when, why it is held, and
/// how it was settled.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeldRecord {
    /// The quarantine: the id to release or withdraw it by.
    pub quarantine: EventId,
    pub stream: StreamId,
    pub event: EventId,
    pub kind: String,
    pub author: PersonId,
    /// When its author recorded it; `None` if this replica does not hold it.
    pub recorded_at: Option<Hlc>,
    /// What the held event's record would be called (its text, its title).
    pub title: String,
    pub content: Option<Event>,
    pub reason: String,
    /// When the server held it back.
    pub held_at: Hlc,
    pub settled: Option<Settlement>,
}

/// The events held back in `stream`, oldest first; those still held only, unless
/// `settled_too`.
pub fn held_back(
    conn: &Connection,
    stream: StreamId,
    settled_too: bool,
) -> Result<Vec<HeldRecord>, StoreError> {
    let mut out = Vec::new();
    for record in records_of_kind(conn, stream, EventKind::Quarantined)? {
        let Event::Quarantined {
            held,
            author,
            reason,
        } = &record.content
        else {
            continue;
        };
        let settled = match &record.detail {
            Detail::Quarantine { settled } => settled.clone(),
            _ => None,
        };
        if settled.is_some() && !settled_too {
            continue;
        }
        let event = event(conn, *held)?;
        out.push(HeldRecord {
            quarantine: record.id,
            stream,
            event: *held,
            kind: event
                .as_ref()
                .map(|e| e.kind_name().to_string())
                .unwrap_or_else(|| "unknown".into()),
            author: *author,
            recorded_at: event.as_ref().map(|e| e.recorded_at),
            title: event
                .as_ref()
                .and_then(|e| e.event())
                .map(crate::domain::record::title_of)
                .unwrap_or_else(|| "an event this replica does not hold".into()),
            content: event.and_then(|e| e.event().cloned()),
            reason: reason.clone(),
            held_at: record.created.at,
            settled,
        });
    }
    Ok(out)
}
