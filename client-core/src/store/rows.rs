//! The store's own rows: settings and identity in `meta`, each stream's summary and
//! position in `streams`.

use super::*;

/// The roles saved by `Store::set_stream_roles`, if the device is enrolled.
pub(super) fn stream_roles(
    conn: &Connection,
    stream: StreamId,
) -> Result<Option<Vec<Role>>, StoreError> {
    let value: Option<Vec<u8>> = conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([format!("setting:roles:{stream}")], |r| r.get(0))
        .optional()?;
    Ok(value.map(|v| {
        String::from_utf8_lossy(&v)
            .split(',')
            .filter_map(Role::from_name)
            .collect()
    }))
}

pub(super) fn set_meta(conn: &Connection, key: &str, value: &[u8]) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
        params![key, value],
    )?;
    Ok(())
}

pub(super) fn get_meta(conn: &Connection, key: &str) -> Result<Vec<u8>, StoreError> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::Corrupt(format!("the store has no {key}")))
}

pub(super) fn meta_i64(conn: &Connection, key: &str) -> Result<i64, StoreError> {
    let bytes = get_meta(conn, key)?;
    let array: [u8; 8] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("the store's {key} is damaged")))?;
    Ok(i64::from_be_bytes(array))
}

/// The latest event any process using this store has recorded or merged: the clock
/// never goes back behind it. Each stream's row keeps the latest event folded into it,
/// written with the event, so no other page is written to keep the clock.
pub(super) fn read_clock(conn: &Connection) -> Result<Hlc, StoreError> {
    let latest: i64 = conn
        .prepare_cached("SELECT coalesce(max(last_applied_hlc), 0) FROM streams")?
        .query_row([], |r| r.get(0))?;
    Ok(Hlc::from_sort_key(latest))
}

/// Writes, in one statement, what recording or merging changed in a stream's row: its
/// summary (if it changed), the last event folded (if any) and how many changes now
/// wait beside its document.
pub(super) fn update_stream(
    tx: &Connection,
    stream: StreamId,
    summary: Option<&[u8]>,
    last: Option<(Hlc, EventId)>,
    changes: i64,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "UPDATE streams SET summary = coalesce(?1, summary),
             last_applied_hlc = coalesce(?2, last_applied_hlc),
             last_applied_id = coalesce(?3, last_applied_id),
             pending_changes = pending_changes + ?4
         WHERE id = ?5",
    )?
    .execute(params![
        summary,
        last.map(|(hlc, _)| hlc.sort_key()),
        last.map(|(_, id)| uuid_blob(&id.0).to_vec()),
        changes,
        uuid_blob(&stream.0)
    ])?;
    Ok(())
}

pub(super) fn insert_stream(
    tx: &Transaction,
    stream: StreamId,
    kind: StreamKind,
    name: &str,
    collaborative: Option<StreamId>,
    document: &[u8],
) -> Result<(), StoreError> {
    let summary = postcard::to_stdvec(&StreamSummary::new(stream))
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.execute(
        "INSERT INTO streams (id, kind, name, collaborative, summary) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            uuid_blob(&stream.0),
            kind.name(),
            name,
            collaborative.map(|c| uuid_blob(&c.0).to_vec()),
            summary
        ],
    )?;
    tx.execute(
        "INSERT INTO documents (stream, bytes) VALUES (?1, ?2)",
        params![uuid_blob(&stream.0), document],
    )?;
    Ok(())
}
