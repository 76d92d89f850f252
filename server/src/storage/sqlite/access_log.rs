//! The access log: who read which stream (and record), through which route, when.
//! Append-only (triggers refuse updates and deletes).

use super::columns::{blob, now_millis, uuid_of};
use crate::storage::{AccessEntry, Result};
use praxis_core::domain::ids::{DeviceId, EventId, PersonId, StreamId};
use rusqlite::{Connection, params};

/// Appends, in one transaction, that `person` on `device` read each of `reads`.
pub fn append(
    conn: &Connection,
    person: PersonId,
    device: DeviceId,
    route: &str,
    reads: &[(StreamId, Option<EventId>)],
) -> Result<()> {
    let tx = conn.unchecked_transaction()?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO access_log (at, person, device, route, stream, record) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        let at = now_millis();
        for (stream, record) in reads {
            insert.execute(params![
                at,
                blob(&person.0),
                blob(&device.0),
                route,
                blob(&stream.0),
                record.map(|r| r.0.as_bytes().to_vec()),
            ])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// The access log of some streams, oldest first.
pub fn access_log(conn: &Connection, streams: &[StreamId]) -> Result<Vec<AccessEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, person, device, route, stream, record FROM access_log WHERE stream = ?1 ORDER BY seq",
    )?;
    type Row = (i64, i64, Vec<u8>, Vec<u8>, String, Vec<u8>, Option<Vec<u8>>);
    let mut out = Vec::new();
    for stream in streams {
        let rows: Vec<Row> = stmt
            .query_map([blob(&stream.0)], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        for (seq, at, person, device, route, stream, record) in rows {
            out.push(AccessEntry {
                seq,
                at,
                person: PersonId(uuid_of(&person)?),
                device: DeviceId(uuid_of(&device)?),
                route,
                stream: StreamId(uuid_of(&stream)?),
                record: record.map(|r| uuid_of(&r).map(EventId)).transpose()?,
            });
        }
    }
    out.sort_by_key(|e| e.seq);
    Ok(out)
}
