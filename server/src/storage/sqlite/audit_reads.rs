//! What audits read: the receipt log, arrivals, the stream's events and its
//! Automerge changes, all from a read connection, so an audit of a big stream holds
//! up no sync.

use super::columns::{blob, timestamp, uuid_of};
use crate::storage::{Arrived, Receipt, Result, StorageError};
use praxis_core::audit::bundle::ReceiptEntry;
use praxis_core::domain::ids::{DeviceId, EventId, StreamId};
use praxis_core::replication::StreamDocument;
use praxis_core::store::StoreError;
use rusqlite::{Connection, OptionalExtension};

pub use crate::storage::pg::ReceiptRow;

pub fn receipt_rows(conn: &Connection, stream: StreamId) -> Result<Vec<ReceiptRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, change_hash, device, received_at, events, refused FROM receipts WHERE stream = ?1 ORDER BY seq",
    )?;
    Ok(stmt
        .query_map([blob(&stream.0)], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<std::result::Result<Vec<_>, _>>()?)
}

fn event_list(text: &str) -> Result<Vec<EventId>> {
    serde_json::from_str(text)
        .map_err(|e| StorageError::Corrupt(format!("receipt's list of events: {e}")))
}

pub fn receipts(rows: Vec<ReceiptRow>) -> Result<Vec<Receipt>> {
    rows.into_iter()
        .map(|(seq, change_hash, device, at, events, refused)| {
            Ok(Receipt {
                seq,
                change_hash,
                device: DeviceId(uuid_of(&device)?),
                received_at: timestamp(at),
                events: event_list(&events)?,
                refused,
            })
        })
        .collect()
}

/// The stream's receipt log as the audit bundle holds it (times in milliseconds).
pub fn receipt_log(rows: Vec<ReceiptRow>) -> Result<Vec<ReceiptEntry>> {
    rows.into_iter()
        .map(|(seq, change_hash, device, received_at, events, refused)| {
            Ok(ReceiptEntry {
                seq,
                change_hash,
                device: DeviceId(uuid_of(&device)?),
                received_at,
                events: event_list(&events)?,
                refused,
            })
        })
        .collect()
}

pub fn arrivals(conn: &Connection, stream: StreamId) -> Result<Vec<Arrived>> {
    let mut stmt = conn.prepare_cached(
        "SELECT received_at, seq, events FROM receipts WHERE stream = ?1 ORDER BY seq",
    )?;
    let mut rows = stmt.query([blob(&stream.0)])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let (received_at, seq) = (row.get(0)?, row.get(1)?);
        // Read in place from SQLite's buffer: the ids are borrowed, not copied.
        let text = row.get_ref(2)?.as_str().map_err(|e| bad_events(&e))?;
        arrived(&mut out, received_at, seq, text)?;
    }
    Ok(out)
}

fn bad_events(e: &dyn std::fmt::Display) -> StorageError {
    StorageError::Corrupt(format!("receipt's list of events: {e}"))
}

/// The events of one receipt as arrivals.
fn arrived(out: &mut Vec<Arrived>, received_at: i64, seq: i64, text: &str) -> Result<()> {
    let bad = bad_events;
    {
        for id in serde_json::from_str::<Vec<&str>>(text).map_err(|e| bad(&e))? {
            out.push(Arrived {
                event: EventId(uuid::Uuid::parse_str(id).map_err(|e| bad(&e))?),
                received_at,
                seq,
            });
        }
    }
    Ok(())
}

/// Arrivals from receipts read elsewhere (PostgreSQL's, the same for every instance).
pub fn arrivals_of(rows: &[ReceiptRow]) -> Result<Vec<Arrived>> {
    let mut out = Vec::new();
    for (seq, _, _, received_at, events, _) in rows {
        arrived(&mut out, *received_at, *seq, events)?;
    }
    Ok(out)
}

/// Every change of the stream's Automerge document, in causal order, as bytes: the
/// document loaded here from its saved form and later changes, apart from the one
/// syncs use.
pub fn stream_changes(conn: &Connection, stream: StreamId) -> Result<Vec<Vec<u8>>> {
    let saved: Vec<u8> = conn
        .prepare_cached("SELECT bytes FROM documents WHERE stream = ?1")?
        .query_row([blob(&stream.0)], |r| r.get(0))
        .optional()?
        .ok_or(StoreError::UnknownStream(stream))?;
    let mut stmt =
        conn.prepare_cached("SELECT bytes FROM changes WHERE stream = ?1 ORDER BY seq")?;
    let changes: Vec<Vec<u8>> = stmt
        .query_map([blob(&stream.0)], |r| r.get(0))?
        .collect::<std::result::Result<_, _>>()?;
    let refs: Vec<&[u8]> = changes.iter().map(Vec::as_slice).collect();
    let mut document = StreamDocument::load(&saved, &refs).map_err(StoreError::from)?;
    Ok(document
        .changes_since(&[])
        .iter()
        .map(|c| c.raw_bytes().to_vec())
        .collect())
}
