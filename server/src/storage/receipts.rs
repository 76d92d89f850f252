//! The receipt log's one writer: when a change reached the server, from which device,
//! and the events it carries. Whether a change came by sync or was recorded in the
//! browser, its receipt is written here, in the transaction that applies it.

use praxis_core::domain::ids::{DeviceId, EventId, StreamId};
use praxis_core::store::StoreError;
use rusqlite::{Connection, params};

/// One accepted change.
pub struct Receipt<'a> {
    pub stream: StreamId,
    pub change_hash: &'a automerge::ChangeHash,
    pub device: DeviceId,
    /// Milliseconds since the epoch.
    pub received_at: i64,
    pub events: &'a [EventId],
    /// Why its event was held back, if it was.
    pub refused: Option<&'a str>,
}

/// Appends the receipt inside `tx`. An event list that cannot be written refuses the
/// whole transaction: a receipt naming no events would hide what arrived.
pub fn write_receipt(tx: &Connection, receipt: &Receipt<'_>) -> Result<(), StoreError> {
    let ids: Vec<String> = receipt.events.iter().map(|e| e.to_string()).collect();
    let events = serde_json::to_string(&ids)
        .map_err(|e| StoreError::Corrupt(format!("a receipt's list of events: {e}")))?;
    tx.prepare_cached(
        "INSERT INTO receipts (stream, change_hash, device, received_at, events, refused) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        receipt.stream.0.as_bytes().as_slice(),
        receipt.change_hash.to_string(),
        receipt.device.0.as_bytes().as_slice(),
        receipt.received_at,
        events,
        receipt.refused,
    ])?;
    Ok(())
}
