//! What `verify` can find wrong in a bundle, each in a sentence an auditor can act on.

use super::*;

/// Something in a bundle that is not as it was made.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "finding", rename_all = "kebab-case")]
pub enum Finding {
    /// A file's bytes differ from the digest the manifest gives.
    FileAltered {
        file: String,
    },
    MissingFile {
        file: String,
    },
    UnexpectedFile {
        file: String,
    },
    /// A change's bytes do not match its own checksum: a byte of it was altered.
    ChangeAltered {
        stream: StreamId,
        index: usize,
        offset: usize,
        detail: String,
    },
    /// Bytes that cannot be read as a change at all.
    ChangeUnreadable {
        stream: StreamId,
        index: usize,
        offset: usize,
        detail: String,
    },
    /// A change depends on one that is not in the bundle: it was dropped.
    ChangeMissing {
        stream: StreamId,
        missing: String,
        needed_by: String,
    },
    /// A change comes before one it depends on: the changes were reordered.
    ChangeOutOfOrder {
        stream: StreamId,
        index: usize,
        hash: String,
        depends_on: String,
        depends_on_index: usize,
    },
    /// The same changes, in another order than the one the manifest records.
    ChangesReordered {
        stream: StreamId,
    },
    ChangeCountDiffers {
        stream: StreamId,
        manifest: usize,
        found: usize,
    },
    /// A head the manifest names is not a head of the changes (or not there at all).
    HeadMissing {
        stream: StreamId,
        head: String,
    },
    /// A head of the changes that the manifest does not name: a change was added.
    HeadAdded {
        stream: StreamId,
        head: String,
    },
    /// A line of the receipt log cannot be read.
    ReceiptUnreadable {
        stream: StreamId,
        line: usize,
        detail: String,
    },
    /// A receipt's content does not match its chain digest: it was edited.
    ReceiptAltered {
        stream: StreamId,
        line: usize,
        seq: i64,
    },
    /// The receipts are not in increasing order of their sequence numbers.
    ReceiptOutOfOrder {
        stream: StreamId,
        line: usize,
        seq: i64,
    },
    ReceiptCountDiffers {
        stream: StreamId,
        manifest: usize,
        found: usize,
    },
    /// The receipt log ends elsewhere than the manifest says: receipts were dropped
    /// or added at its end.
    ReceiptChainEndDiffers {
        stream: StreamId,
    },
    /// A receipt names a change that is not in the bundle.
    ReceiptForMissingChange {
        stream: StreamId,
        seq: i64,
        change: String,
    },
    /// A receipt disagrees with the change it names (device or events).
    ReceiptDisagrees {
        stream: StreamId,
        seq: i64,
        change: String,
        detail: String,
    },
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Finding::*;
        match self {
            FileAltered { file } => write!(
                f,
                "{file}: its bytes differ from the SHA-256 in the manifest (altered)"
            ),
            MissingFile { file } => write!(
                f,
                "{file}: named in the manifest but not in the bundle (removed)"
            ),
            UnexpectedFile { file } => {
                write!(f, "{file}: in the bundle but not in the manifest (added)")
            }
            ChangeAltered {
                stream,
                index,
                offset,
                detail,
            } => write!(
                f,
                "stream {stream}: change #{index} (at byte {offset} of its changes file) was altered: {detail}"
            ),
            ChangeUnreadable {
                stream,
                index,
                offset,
                detail,
            } => write!(
                f,
                "stream {stream}: the bytes of change #{index} (from byte {offset} of its changes file) are not a change: {detail}"
            ),
            ChangeMissing {
                stream,
                missing,
                needed_by,
            } => write!(
                f,
                "stream {stream}: change {missing} is missing (dropped); change {needed_by} depends on it"
            ),
            ChangeOutOfOrder {
                stream,
                index,
                hash,
                depends_on,
                depends_on_index,
            } => write!(
                f,
                "stream {stream}: change #{index} ({hash}) comes before change #{depends_on_index} ({depends_on}) that it depends on (reordered)"
            ),
            ChangesReordered { stream } => write!(
                f,
                "stream {stream}: the changes are all there and intact but not in the order the manifest records (reordered)"
            ),
            ChangeCountDiffers {
                stream,
                manifest,
                found,
            } => write!(
                f,
                "stream {stream}: the manifest counts {manifest} changes, the bundle holds {found}"
            ),
            HeadMissing { stream, head } => write!(
                f,
                "stream {stream}: the manifest's head {head} is not a head of the changes in the bundle (dropped or altered)"
            ),
            HeadAdded { stream, head } => write!(
                f,
                "stream {stream}: change {head} is a head the manifest does not name (added or altered)"
            ),
            ReceiptUnreadable {
                stream,
                line,
                detail,
            } => write!(
                f,
                "stream {stream}: receipt line {line} cannot be read: {detail}"
            ),
            ReceiptAltered { stream, line, seq } => write!(
                f,
                "stream {stream}: receipt {seq} (line {line}) was altered: its content does not match its chain digest"
            ),
            ReceiptOutOfOrder { stream, line, seq } => write!(
                f,
                "stream {stream}: receipt {seq} (line {line}) is out of order"
            ),
            ReceiptCountDiffers {
                stream,
                manifest,
                found,
            } => write!(
                f,
                "stream {stream}: the manifest counts {manifest} receipts, the log holds {found}"
            ),
            ReceiptChainEndDiffers { stream } => write!(
                f,
                "stream {stream}: the receipt log does not end where the manifest says (receipts dropped, added or rewritten)"
            ),
            ReceiptForMissingChange {
                stream,
                seq,
                change,
            } => write!(
                f,
                "stream {stream}: receipt {seq} names change {change}, which is not in the bundle (dropped)"
            ),
            ReceiptDisagrees {
                stream,
                seq,
                change,
                detail,
            } => write!(
                f,
                "stream {stream}: receipt {seq} disagrees with change {change}: {detail}"
            ),
        }
    }
}
