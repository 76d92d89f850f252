//! Each stream's heads, kept in its row, so replicas can tell which streams they hold
//! alike in one exchange, without loading a document. A known value is always that
//! of the stored document: every write of changes forgets it first (see
//! `StoredChanges::after`), and a write through `write_with` sets it again before it
//! commits; a stream whose heads are not known has them worked out when asked.

use super::codec::uuid_blob;
use super::{Store, StoreError};
use crate::domain::ids::StreamId;
use automerge::ChangeHash;
use rusqlite::{Connection, OptionalExtension, params};

fn encode(heads: &[ChangeHash]) -> Vec<u8> {
    let mut sorted = heads.to_vec();
    sorted.sort();
    sorted.iter().flat_map(|h| h.0).collect()
}

pub(super) fn decode(bytes: &[u8]) -> Result<Vec<ChangeHash>, StoreError> {
    if !bytes.len().is_multiple_of(32) {
        return Err(StoreError::Corrupt(format!(
            "a stream's heads of {} bytes, not a multiple of 32",
            bytes.len()
        )));
    }
    Ok(bytes
        .chunks_exact(32)
        .map(|c| {
            let mut hash = [0u8; 32];
            hash.copy_from_slice(c);
            ChangeHash(hash)
        })
        .collect())
}

/// Forgets the stream's heads: its changes are about to change.
pub(super) fn forget(tx: &Connection, stream: StreamId) -> Result<(), StoreError> {
    tx.prepare_cached("UPDATE streams SET heads = NULL WHERE id = ?1")?
        .execute([uuid_blob(&stream.0)])?;
    Ok(())
}

/// Records the heads of the stream's document as it is about to be stored.
pub(super) fn set(
    tx: &Connection,
    stream: StreamId,
    heads: &[ChangeHash],
) -> Result<(), StoreError> {
    tx.prepare_cached("UPDATE streams SET heads = ?1 WHERE id = ?2")?
        .execute(params![encode(heads), uuid_blob(&stream.0)])?;
    Ok(())
}

/// The stream's heads if they are known.
fn known(conn: &Connection, stream: StreamId) -> Result<Option<Vec<ChangeHash>>, StoreError> {
    let bytes: Option<Option<Vec<u8>>> = conn
        .prepare_cached("SELECT heads FROM streams WHERE id = ?1")?
        .query_row([uuid_blob(&stream.0)], |r| r.get(0))
        .optional()?;
    match bytes {
        None => Err(StoreError::UnknownStream(stream)),
        Some(None) => Ok(None),
        Some(Some(bytes)) => decode(&bytes).map(Some),
    }
}

impl Store {
    /// The heads of the stream's document (equal heads, equal documents): read from
    /// its row, or worked out from the document and kept there.
    pub fn heads(&mut self, stream: StreamId) -> Result<Vec<ChangeHash>, StoreError> {
        if let Some(heads) = known(&self.conn, stream)? {
            return Ok(heads);
        }
        let (mut document, seen) = self.take_document(stream)?;
        let heads = document.heads();
        self.put_document(stream, document, seen);
        // Only where still unknown: a write since the document was read set its own.
        self.conn
            .prepare_cached("UPDATE streams SET heads = ?1 WHERE id = ?2 AND heads IS NULL")?
            .execute(params![encode(&heads), uuid_blob(&stream.0)])?;
        Ok(heads)
    }
}
