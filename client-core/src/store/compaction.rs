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
    /// a fast-forward leaves: its changes stored, the document not loaded). True when
    /// it compacted. The document is made a step at a time (`compact_step`), so
    /// memory stays bounded by what one step holds however many changes wait, and it
    /// is not kept in memory afterwards; `between` runs after each step.
    pub fn compact_if_due(
        &mut self,
        stream: StreamId,
        between: &mut dyn FnMut(),
    ) -> Result<bool, StoreError> {
        let events = queries::summary(&self.conn, stream)?.events as usize;
        if !compaction_due(pending_changes(&self.conn, stream)?, events) {
            return Ok(false);
        }
        let mut compacted = false;
        while self.compact_step(stream)? > 0 {
            compacted = true;
            between();
        }
        if compacted {
            // The pages the changes' rows held go back to the file system (in a store
            // made with incremental auto-vacuum; in an older one they are reused).
            // The pragma frees a page each time it is stepped.
            let mut vacuum = self.conn.prepare("PRAGMA incremental_vacuum")?;
            let mut freed = vacuum.query([])?;
            while freed.next()?.is_some() {}
        }
        Ok(compacted)
    }

    /// Folds the first `COMPACT_STEP` changes stored beside the stream's saved
    /// document into it, in one transaction, without the document kept in memory;
    /// gives how many it folded (none when none wait, or when the result would not
    /// load back with the heads it had: then the stream keeps loading from its last
    /// save and the changes after it).
    pub fn compact_step(&mut self, stream: StreamId) -> Result<usize, StoreError> {
        let key = uuid_blob(&stream.0);
        let tx = self.conn.transaction()?;
        let saved: Vec<u8> = tx
            .prepare_cached("SELECT bytes FROM documents WHERE stream = ?1")?
            .query_row([&key], |r| r.get(0))
            .optional()?
            .ok_or(StoreError::UnknownStream(stream))?;
        let rows: Vec<(i64, Vec<u8>)> = tx
            .prepare_cached(
                "SELECT seq, bytes FROM changes WHERE stream = ?1 ORDER BY seq LIMIT ?2",
            )?
            .query_map(params![&key, COMPACT_STEP], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let Some(&(last, _)) = rows.last() else {
            return Ok(0);
        };
        let changes: Vec<&[u8]> = rows.iter().map(|(_, b)| b.as_slice()).collect();
        let mut document = StreamDocument::load(&saved, &changes)?;
        let heads = sorted_heads(&mut document);
        let saved = document.save();
        drop(document);
        let loads_back = StreamDocument::load(&saved, &[]).map(|mut d| sorted_heads(&mut d));
        if loads_back.ok() != Some(heads) {
            return Ok(0);
        }
        tx.prepare_cached("UPDATE documents SET bytes = ?1 WHERE stream = ?2")?
            .execute(params![saved, &key])?;
        tx.prepare_cached("DELETE FROM changes WHERE stream = ?1 AND seq <= ?2")?
            .execute(params![&key, last])?;
        tx.prepare_cached(
            "UPDATE streams SET pending_changes = max(0, pending_changes - ?1) WHERE id = ?2",
        )?
        .execute(params![rows.len() as i64, &key])?;
        tx.commit()?;
        Ok(rows.len())
    }
}

fn sorted_heads(document: &mut StreamDocument) -> Vec<automerge::ChangeHash> {
    let mut heads = document.heads();
    heads.sort();
    heads
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
    write_compacted(tx, stream, &saved)
}

/// The stream's document saved as `saved`, which holds every change stored beside it.
fn write_compacted(tx: &Connection, stream: StreamId, saved: &[u8]) -> Result<(), StoreError> {
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
