//! Automerge's storage format is a sequence of chunks (a saved document, changes), each
//! `magic (4 bytes) · checksum (4) · type (1) · length (LEB128) · data`. Bytes that are
//! several chunks one after another are what `AutoCommit::load` reads, in this or any
//! other Automerge implementation: the form a whole stream and a batch of changes
//! travel in (the fast path of `sync::run`). Here they are only split and joined; what each chunk
//! holds is Automerge's to check.

/// The first bytes of every Automerge chunk.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// Magic, checksum and type.
const FIXED: usize = 9;

/// Splits bytes into the chunks they are, in order; what is wrong, in a sentence,
/// when they are not whole chunks.
pub fn split(bytes: &[u8]) -> Result<Vec<&[u8]>, String> {
    let mut chunks = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let at = bytes.len() - rest.len();
        if rest.len() < FIXED || rest[..4] != MAGIC {
            return Err(format!(
                "the bytes at offset {at} do not begin an Automerge chunk"
            ));
        }
        let (length, read) = leb128(&rest[FIXED..])
            .ok_or_else(|| format!("the chunk at offset {at} has no readable length"))?;
        let total = usize::try_from(length)
            .ok()
            .and_then(|l| l.checked_add(FIXED + read))
            .filter(|t| *t <= rest.len())
            .ok_or_else(|| {
                format!("the chunk at offset {at} says it has {length} bytes, more than were sent")
            })?;
        chunks.push(&rest[..total]);
        rest = &rest[total..];
    }
    Ok(chunks)
}

/// Chunks one after another, as `split` reads them.
pub fn join<'a>(chunks: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut bytes = Vec::new();
    for chunk in chunks {
        bytes.extend_from_slice(chunk);
    }
    bytes
}

/// An unsigned LEB128 number and how many bytes it took; `None` past ten bytes, past
/// 64 bits or at the end of the bytes.
fn leb128(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value: u64 = 0;
    for (i, byte) in bytes.iter().take(10).enumerate() {
        let part = u64::from(byte & 0x7f);
        let shift = 7 * i as u32;
        if shift == 63 && part > 1 {
            return None;
        }
        value |= part << shift;
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::ids::{DeviceId, StreamId};
    use crate::replication::StreamDocument;

    #[test]
    fn a_saved_document_and_changes_split_back_into_what_was_joined() {
        let stream = StreamId(uuid::Uuid::now_v7());
        let mut document = StreamDocument::genesis(stream).unwrap();
        let genesis = document.heads();
        let saved = document.save();
        document
            .append_all(
                DeviceId(uuid::Uuid::now_v7()),
                (0..3)
                    .map(|i| ("observation", i, vec![i as u8; 300]))
                    .collect(),
            )
            .unwrap();
        let changes: Vec<Vec<u8>> = document
            .changes_since(&genesis)
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect();
        let mut all = vec![saved.as_slice()];
        all.extend(changes.iter().map(Vec::as_slice));
        let joined = join(all.iter().copied());
        assert_eq!(split(&joined).unwrap(), all);
        assert_eq!(split(&[]).unwrap(), Vec::<&[u8]>::new());
        // Automerge reads the same bytes as one document.
        assert_eq!(StreamDocument::load(&joined, &[]).unwrap().len(), 3);
    }

    #[test]
    fn bytes_that_are_not_whole_chunks_are_named() {
        let stream = StreamId(uuid::Uuid::now_v7());
        let saved = StreamDocument::genesis(stream).unwrap().save();
        let cut = &saved[..saved.len() - 1];
        assert!(split(cut).unwrap_err().contains("more than were sent"));
        let mut trailing = saved.clone();
        trailing.extend_from_slice(b"junk");
        assert!(
            split(&trailing)
                .unwrap_err()
                .contains(&format!("offset {}", saved.len()))
        );
        let mut endless = MAGIC.to_vec();
        endless.extend_from_slice(&[0; 5]);
        endless.extend_from_slice(&[0xff; 11]);
        assert!(split(&endless).unwrap_err().contains("no readable length"));
    }
}
