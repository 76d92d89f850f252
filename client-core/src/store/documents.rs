//! The stream documents kept in memory: loaded lazily, least recently used dropped
//! first, reloaded when another process changed their stream.

use super::*;

impl Store {
    /// Keeps at most `capacity` stream documents in memory.
    pub fn set_document_capacity(&mut self, capacity: usize) {
        self.document_capacity = capacity.max(1);
    }

    /// How many stream documents are in memory now.
    pub fn documents_loaded(&self) -> usize {
        self.documents.len()
    }

    /// Keeps a document in memory; `seen` is the `data_version` from when it was taken.
    pub(super) fn put_document(&mut self, stream: StreamId, document: StreamDocument, seen: i64) {
        self.uses += 1;
        self.documents.insert(stream, (document, self.uses, seen));
        while self.documents.len() > self.document_capacity {
            let Some(oldest) = self
                .documents
                .iter()
                .min_by_key(|(_, (_, used, _))| *used)
                .map(|(s, _)| *s)
            else {
                break;
            };
            self.documents.remove(&oldest);
        }
    }

    /// Writes to a stream in one transaction with its document taken out of memory:
    /// `work` gets the transaction, the clock and the document. When it succeeds the
    /// transaction commits and the document goes back; when it fails nothing is
    /// written, the clock is as it was, and the document (which may hold what failed)
    /// is dropped, to be read again from disk when next needed.
    pub(super) fn write_with<T>(
        &mut self,
        stream: StreamId,
        mut document: StreamDocument,
        seen: i64,
        work: impl FnOnce(&Transaction, &mut Hlc, &mut StreamDocument) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let before = self.clock;
        let tx = self.conn.transaction()?;
        match work(&tx, &mut self.clock, &mut document) {
            Ok(value) => {
                super::heads::set(&tx, stream, &document.heads())?;
                tx.commit()?;
                self.put_document(stream, document, seen);
                Ok(value)
            }
            Err(e) => {
                self.clock = before;
                Err(e)
            }
        }
    }

    /// The stream's document, loaded from its saved form and the changes after it.
    /// With the store's `data_version` now, to give back to `put_document`.
    pub(super) fn take_document(
        &mut self,
        stream: StreamId,
    ) -> Result<(StreamDocument, i64), StoreError> {
        let now: i64 = self
            .conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        if let Some((doc, _, seen)) = self.documents.remove(&stream) {
            // Another process (an administrator's command beside a running server) may
            // have written to the stream since: then the cached document is stale.
            // `data_version` changes only when another connection commits.
            if seen == now || queries::summary(&self.conn, stream)?.events == doc.len() as u64 {
                return Ok((doc, now));
            }
        }
        Ok((load_document(&self.conn, stream)?, now))
    }

    /// Every Automerge change of the stream after `heads` (all for no heads), as bytes.
    pub fn changes_since(
        &mut self,
        stream: StreamId,
        heads: &[automerge::ChangeHash],
    ) -> Result<Vec<Vec<u8>>, StoreError> {
        let (mut document, seen) = self.take_document(stream)?;
        let changes = document
            .changes_since(heads)
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect();
        self.put_document(stream, document, seen);
        Ok(changes)
    }

    /// Every event's bytes, in the order of the stream's document.
    pub fn document_events(&mut self, stream: StreamId) -> Result<Vec<Vec<u8>>, StoreError> {
        let (document, seen) = self.take_document(stream)?;
        let events = document.events();
        self.put_document(stream, document, seen);
        Ok(events)
    }

    /// The stream's whole Automerge document, compacted.
    pub fn save_document(&mut self, stream: StreamId) -> Result<Vec<u8>, StoreError> {
        let (mut document, seen) = self.take_document(stream)?;
        let saved = document.save();
        self.put_document(stream, document, seen);
        Ok(saved)
    }
}

/// The stream's document as stored: its saved bytes and the changes stored after them.
pub(super) fn load_document(
    conn: &Connection,
    stream: StreamId,
) -> Result<StreamDocument, StoreError> {
    let saved: Vec<u8> = conn
        .prepare_cached("SELECT bytes FROM documents WHERE stream = ?1")?
        .query_row([uuid_blob(&stream.0)], |r| r.get(0))
        .optional()?
        .ok_or(StoreError::UnknownStream(stream))?;
    let mut stmt =
        conn.prepare_cached("SELECT bytes FROM changes WHERE stream = ?1 ORDER BY seq")?;
    let changes: Vec<Vec<u8>> = stmt
        .query_map([uuid_blob(&stream.0)], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let refs: Vec<&[u8]> = changes.iter().map(Vec::as_slice).collect();
    Ok(StreamDocument::load(&saved, &refs)?)
}
