//! The field app's records: events made in a browser that keeps no replica, with the
//! ids and times it gave them. Each goes through the gate a phone's changes go
//! through (role, author and device, the domain's rules, a receipt), and each is
//! recorded, found already held, or refused on its own: one refusal never holds the
//! others back.

use super::columns::{blob, timestamp, uuid_of};
use super::people::teams;
use super::streams::{access_to, held};
use crate::storage::gate::DeviceGate;
use crate::storage::{Device, Result, StorageError};
use praxis_core::domain::envelope::{Body, Envelope, MAX_EVENT_BYTES};
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::protocol::field::{FieldOutcome, FieldRecord, FieldResult};
use praxis_core::store::{Store, StoreError};
use rusqlite::{Connection, OptionalExtension};
use std::collections::HashSet;

fn refused(id: EventId, problem: impl Into<String>, fix: impl Into<String>) -> FieldResult {
    FieldResult {
        id,
        outcome: FieldOutcome::Refused,
        received_at: None,
        problem: Some(problem.into()),
        fix: Some(fix.into()),
    }
}

fn held_already(id: EventId, received_at: Option<i64>) -> FieldResult {
    FieldResult {
        id,
        outcome: FieldOutcome::AlreadyRecorded,
        received_at: received_at.map(timestamp),
        problem: None,
        fix: None,
    }
}

/// The stream and author of an event the server holds, if it holds it.
fn holder(conn: &Connection, id: EventId) -> Result<Option<(StreamId, Vec<u8>)>> {
    let row: Option<(Vec<u8>, Vec<u8>)> = conn
        .prepare_cached("SELECT stream, author FROM events WHERE id = ?1")?
        .query_row([blob(&id.0)], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(stream, author)| Ok((StreamId(uuid_of(&stream)?), author)))
        .transpose()
}

/// When the server received an event it holds, from its receipt.
fn received(conn: &Connection, stream: StreamId, id: EventId) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT received_at FROM receipts WHERE stream = ?1 AND instr(events, ?2) > 0 ORDER BY seq LIMIT 1",
        )?
        .query_row(rusqlite::params![blob(&stream.0), id.to_string()], |r| {
            r.get(0)
        })
        .optional()?)
}

/// Takes `records`, all for `stream`, made on `device`; one result per record, in
/// the order given. The caller holds the stream's lock.
pub fn take(
    store: &mut Store,
    organisation: StreamId,
    device: &Device,
    stream: StreamId,
    records: Vec<FieldRecord>,
) -> Result<Vec<FieldResult>> {
    let conn = store.connection();
    let access = if stream == organisation {
        None
    } else {
        access_to(conn, device.person, stream)?
    };
    let Some(access) = access else {
        return Ok(records
            .iter()
            .map(|r| {
                refused(
                    r.id,
                    "You are not a member of the team this project belongs to (or no longer are), so Praxis cannot take this record.",
                    "Copy what you need from it, then discard it. If you should still be a member, ask your coordinator.",
                )
            })
            .collect());
    };
    let mut results: Vec<Option<FieldResult>> = vec![None; records.len()];
    let mut pending: Vec<(usize, Envelope)> = Vec::new();
    let mut ids = HashSet::new();
    for (i, record) in records.into_iter().enumerate() {
        if !ids.insert(record.id) {
            results[i] = Some(refused(
                record.id,
                "This record was sent twice in one sync.",
                "Sync again: the first copy decides.",
            ));
            continue;
        }
        if let Some((holding, author)) = holder(conn, record.id)? {
            results[i] = Some(
                if holding == stream && author.as_slice() == blob(&device.person.0) {
                    held_already(record.id, received(conn, stream, record.id)?)
                } else {
                    refused(
                        record.id,
                        "Another record already has this record's id.",
                        "Discard it and record it again.",
                    )
                },
            );
            continue;
        }
        // Sealed here, as a phone seals what it records: the field app keeps no keys.
        let event = store.seal(stream, record.event)?;
        let envelope = Envelope {
            id: record.id,
            stream,
            author: device.person,
            device: device.id,
            recorded_at: record.recorded_at,
            schema: event.schema(),
            body: Body::Known(event),
        };
        if envelope.encode().len() > MAX_EVENT_BYTES {
            results[i] = Some(refused(
                record.id,
                format!(
                    "This record is more than the {} KiB a record may have.",
                    MAX_EVENT_BYTES / 1024
                ),
                "Copy it into shorter records, then discard it.",
            ));
            continue;
        }
        pending.push((i, envelope));
    }
    let teams = teams(conn)?;
    let memberships = held(conn, device.person, &teams)?;
    let received_at = store.wall_now();
    // Each pass takes every record still pending or names those refused; a record
    // that depends on a refused one is refused in a later pass. Bounded by the count.
    for _ in 0..=pending.len() {
        if pending.is_empty() {
            break;
        }
        let envelopes: Vec<Envelope> = pending.iter().map(|(_, e)| e.clone()).collect();
        let mut gate = DeviceGate {
            device,
            stream,
            access: Some(access.decision()),
            held: memberships.clone(),
            teams: teams.clone(),
            new_project: None,
            received_at,
            admitted: 0,
            holds: false,
        };
        match store.take_made_elsewhere(stream, device.id, &envelopes, &mut gate) {
            Ok(_) => {
                for (i, envelope) in pending.drain(..) {
                    results[i] = Some(FieldResult {
                        id: envelope.id,
                        outcome: FieldOutcome::Recorded,
                        received_at: Some(timestamp(received_at)),
                        problem: None,
                        fix: None,
                    });
                }
            }
            Err(StoreError::ChangesRefused(refusals)) => {
                let before = pending.len();
                for refusal in refusals {
                    let Some(at) = refusal
                        .event
                        .and_then(|id| pending.iter().position(|(_, e)| e.id == id))
                    else {
                        continue;
                    };
                    let (i, envelope) = pending.remove(at);
                    results[i] = Some(refused(
                        envelope.id,
                        refusal.reason,
                        "Change it and record it again, or discard it.",
                    ));
                }
                if pending.len() == before {
                    return Err(StorageError::Unusable(
                        "the field app's records were refused without naming which".into(),
                    ));
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    results
        .into_iter()
        .map(|r| {
            r.ok_or_else(|| {
                StorageError::Unusable("a field record was left without a result".into())
            })
        })
        .collect()
}
