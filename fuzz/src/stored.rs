//! The stored-document target's input: a saved Automerge document and the changes a
//! store keeps after it, as one run of bytes. The first byte says how many changes
//! there are (0 to 3); each is a little-endian `u16` length and that many bytes; what
//! is left is the saved document.

const MAX_CHANGES: u8 = 4;

/// The saved document and the changes, read from `data` (a change cut short by the
/// end of the input is what is left of it).
pub fn split(data: &[u8]) -> (&[u8], Vec<&[u8]>) {
    let Some((&count, mut rest)) = data.split_first() else {
        return (data, Vec::new());
    };
    let mut changes = Vec::new();
    for _ in 0..count % MAX_CHANGES {
        let Some((length, after)) = rest.split_first_chunk::<2>() else {
            break;
        };
        let length = usize::from(u16::from_le_bytes(*length)).min(after.len());
        let (change, after) = after.split_at(length);
        changes.push(change);
        rest = after;
    }
    (rest, changes)
}

/// The input `split` reads as `saved` and `changes`.
pub fn join(saved: &[u8], changes: &[Vec<u8>]) -> Vec<u8> {
    assert!(
        changes.len() < usize::from(MAX_CHANGES),
        "at most {} changes fit an input",
        MAX_CHANGES - 1
    );
    let mut out = vec![changes.len() as u8];
    for change in changes {
        let length = u16::try_from(change.len()).expect("a change of at most 64 KiB");
        out.extend_from_slice(&length.to_le_bytes());
        out.extend_from_slice(change);
    }
    out.extend_from_slice(saved);
    out
}

/// The device whose store appends to the loaded document (seeds hold documents it
/// has appended to before, as a store's own document has).
pub const DEVICE: uuid::Uuid = uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0044_4556_4901);
