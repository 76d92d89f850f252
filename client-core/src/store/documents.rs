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
        let saved: Vec<u8> = self
            .conn
            .prepare_cached("SELECT bytes FROM documents WHERE stream = ?1")?
            .query_row([uuid_blob(&stream.0)], |r| r.get(0))
            .optional()?
            .ok_or(StoreError::UnknownStream(stream))?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT bytes FROM changes WHERE stream = ?1 ORDER BY seq")?;
        let changes: Vec<Vec<u8>> = stmt
            .query_map([uuid_blob(&stream.0)], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let refs: Vec<&[u8]> = changes.iter().map(Vec::as_slice).collect();
        Ok((StreamDocument::load(&saved, &refs)?, now))
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

    /// The stream's whole Automerge document, compacted.
    pub fn save_document(&mut self, stream: StreamId) -> Result<Vec<u8>, StoreError> {
        let (mut document, seen) = self.take_document(stream)?;
        let saved = document.save();
        self.put_document(stream, document, seen);
        Ok(saved)
    }
}
