//! Automerge's storage format is a sequence of chunks (a saved document, changes), each
//! `magic (4 bytes) · checksum (4) · type (1) · length (LEB128) · data`. Bytes that are
//! several chunks one after another are what `AutoCommit::load` reads, in this or any
//! other Automerge implementation: the form a whole stream and a batch of changes
//! travel in (the fast path of `sync::run`). Here they are split and joined, and their
//! kinds checked (`admit`); what each chunk holds is Automerge's to check.

/// The first bytes of every Automerge chunk.
const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
/// Magic, checksum and type.
const FIXED: usize = 9;

/// The chunk types Praxis makes and takes: a saved document and a change, as
/// Automerge writes them uncompressed (`raw_bytes`) in a save, a sync message and the
/// fast path.
const DOCUMENT: u8 = 0;
const CHANGE: u8 = 1;
/// A change compressed with DEFLATE, which Automerge inflates without a bound.
const COMPRESSED_CHANGE: u8 = 2;
/// Automerge's experimental bundle of changes, whose run-length columns Automerge
/// expands without a bound: a few hundred bytes can claim gigabytes.
const BUNDLE: u8 = 3;

/// Checks that bytes are whole chunks of the kinds Praxis makes, a saved document or an
/// uncompressed change, before Automerge reads them; what is wrong, in a sentence,
/// otherwise. No Praxis replica writes the other kinds, and Automerge expands them
/// without a bound, so bytes from elsewhere that hold one are refused unread.
pub fn admit(bytes: &[u8]) -> Result<(), String> {
    let mut at = 0;
    for chunk in split(bytes)? {
        match chunk[FIXED - 1] {
            DOCUMENT | CHANGE => {}
            COMPRESSED_CHANGE => {
                return Err(format!(
                    "the chunk at offset {at} is a compressed change, which Praxis does not \
                     take: send the change uncompressed, as Automerge's raw bytes"
                ));
            }
            BUNDLE => {
                return Err(format!(
                    "the chunk at offset {at} is an Automerge bundle, which Praxis does not \
                     take: send its changes one by one"
                ));
            }
            other => {
                return Err(format!(
                    "the chunk at offset {at} is of type {other}, which Automerge does not \
                     define: it is not a saved document or a change"
                ));
            }
        }
        at += chunk.len();
    }
    Ok(())
}

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

    /// A stream's genesis saved, and its document after `events` events of 300 bytes
    /// were appended to it (each a change of its own), with the genesis heads.
    fn saved_then_appended(events: i64) -> (Vec<u8>, StreamDocument, Vec<automerge::ChangeHash>) {
        let stream = StreamId(uuid::Uuid::now_v7());
        let mut document = StreamDocument::genesis(stream).unwrap();
        let genesis = document.heads();
        let saved = document.save();
        document
            .append_all(
                DeviceId(uuid::Uuid::now_v7()),
                (0..events)
                    .map(|i| ("observation", i, vec![i as u8; 300]))
                    .collect(),
            )
            .unwrap();
        (saved, document, genesis)
    }

    #[test]
    fn a_saved_document_and_changes_split_back_into_what_was_joined() {
        let (saved, mut document, genesis) = saved_then_appended(3);
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

    #[test]
    fn bundles_and_compressed_changes_are_refused_before_automerge_reads_them() {
        let (saved, mut document, genesis) = saved_then_appended(2);
        let mut changes = document.changes_since(&genesis);
        let hashes: Vec<_> = changes.iter().map(automerge::Change::hash).collect();
        let raw: Vec<Vec<u8>> = changes.iter().map(|c| c.raw_bytes().to_vec()).collect();
        let mut whole = saved.clone();
        whole.extend(raw.concat());
        let bundle = automerge::AutoCommit::load(&whole)
            .unwrap()
            .bundle(hashes)
            .unwrap()
            .bytes()
            .to_vec();
        let compressed = changes[0].bytes().to_vec();
        assert_eq!(bundle[FIXED - 1], BUNDLE);
        assert_eq!(compressed[FIXED - 1], COMPRESSED_CHANGE);

        // What Praxis writes passes.
        admit(&whole).unwrap();
        admit(&raw[0]).unwrap();
        assert_eq!(
            StreamDocument::load(&saved, &[&raw[0], &raw[1]])
                .unwrap()
                .len(),
            2
        );

        for (foreign, named) in [(&bundle, "bundle"), (&compressed, "compressed change")] {
            assert!(admit(foreign).unwrap_err().contains(named));
            assert!(
                crate::replication::parse_change(foreign)
                    .unwrap_err()
                    .contains(named)
            );
            let as_change = StreamDocument::load(&saved, &[foreign]).err().unwrap();
            assert!(as_change.to_string().contains(named), "{as_change}");
            // After a saved document, as a store's file would hold it.
            let mut after = saved.clone();
            after.extend_from_slice(foreign);
            let in_file = StreamDocument::load(&after, &[]).err().unwrap();
            assert!(
                in_file
                    .to_string()
                    .contains(&format!("offset {}", saved.len()))
            );
        }
        let mut unknown = raw[0].clone();
        unknown[FIXED - 1] = 9;
        assert!(admit(&unknown).unwrap_err().contains("type 9"));
    }
}
