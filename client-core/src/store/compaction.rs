//! Compaction: a stream's changes since its last save folded into one compacted
//! document, so loading stays fast.

use super::*;

impl Store {
    /// Saves the stream's document compacted and drops the changes it now holds.
    pub fn compact(&mut self, stream: StreamId) -> Result<(), StoreError> {
        let (mut document, seen) = self.take_document(stream)?;
        let tx = self.conn.transaction()?;
        compact_in(&tx, stream, &mut document)?;
        tx.commit()?;
        self.put_document(stream, document, seen);
        Ok(())
    }

    /// Compacts the stream when enough changes wait beside its saved document (what
    /// a fast-forward leaves: its changes stored, the document not loaded), and then
    /// drops the document from memory. True when it compacted.
    pub fn compact_if_due(&mut self, stream: StreamId) -> Result<bool, StoreError> {
        let events = queries::summary(&self.conn, stream)?.events as usize;
        if !compaction_due(pending_changes(&self.conn, stream)?, events) {
            return Ok(false);
        }
        let (mut document, _) = self.take_document(stream)?;
        let tx = self.conn.transaction()?;
        compact_in(&tx, stream, &mut document)?;
        tx.commit()?;
        Ok(true)
    }
}

/// Stores changes after those of the stream stored already, in order.
pub(super) struct StoredChanges {
    stream: StreamId,
    last: i64,
}

impl StoredChanges {
    /// Before storing changes: the stream's heads are forgotten until the write that
    /// stores them sets them again.
    pub(super) fn after(tx: &Connection, stream: StreamId) -> Result<Self, StoreError> {
        super::heads::forget(tx, stream)?;
        let last = tx
            .prepare_cached("SELECT seq FROM changes WHERE stream = ?1 ORDER BY seq DESC LIMIT 1")?
            .query_row([uuid_blob(&stream.0)], |r| r.get(0))
            .optional()?
            .unwrap_or(0);
        Ok(StoredChanges { stream, last })
    }

    pub(super) fn insert(
        &mut self,
        tx: &Connection,
        hash: &automerge::ChangeHash,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        self.last += 1;
        tx.prepare_cached(
            "INSERT INTO changes (stream, seq, hash, bytes) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            uuid_blob(&self.stream.0),
            self.last,
            hash.0.as_slice(),
            bytes
        ])?;
        Ok(())
    }
}

pub(super) fn maybe_compact(
    tx: &Transaction,
    stream: StreamId,
    document: &mut StreamDocument,
) -> Result<(), StoreError> {
    if compaction_due(pending_changes(tx, stream)?, document.len()) {
        compact_in(tx, stream, document)?;
    }
    Ok(())
}

/// Whether a document of `events` events with `pending` changes stored beside it is
/// to be saved compacted.
pub(super) fn compaction_due(pending: i64, events: usize) -> bool {
    pending >= COMPACT_AFTER.max(events as i64 / 4)
}

pub(super) fn pending_changes(tx: &Connection, stream: StreamId) -> Result<i64, StoreError> {
    Ok(tx
        .prepare_cached("SELECT pending_changes FROM streams WHERE id = ?1")?
        .query_row([uuid_blob(&stream.0)], |r| r.get(0))?)
}

pub(super) fn compact_in(
    tx: &Transaction,
    stream: StreamId,
    document: &mut StreamDocument,
) -> Result<(), StoreError> {
    // Bytes that do not load back never replace what does: the stream then keeps
    // loading from its last save and the changes after it.
    let Ok(saved) = document.save_checked() else {
        return Ok(());
    };
    tx.execute(
        "UPDATE documents SET bytes = ?1 WHERE stream = ?2",
        params![saved, uuid_blob(&stream.0)],
    )?;
    tx.execute(
        "UPDATE streams SET pending_changes = 0 WHERE id = ?1",
        [uuid_blob(&stream.0)],
    )?;
    tx.execute(
        "DELETE FROM changes WHERE stream = ?1",
        [uuid_blob(&stream.0)],
    )?;
    Ok(())
}
