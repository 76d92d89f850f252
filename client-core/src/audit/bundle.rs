//! The audit bundle: a tar archive holding, for each stream, every change of its
//! Automerge document (concatenated: itself a valid Automerge file) and the server's
//! receipt log (JSON lines, each chained to the one before by SHA-256), and a manifest
//! with each file's SHA-256, the change count, heads and order, and the receipt
//! chain's end. `verify` checks one with no server, no network and no store, and
//! names each thing that was altered. The format is described in
//! `docs/audit-bundle.md`.

use super::AuditError;
use super::change_graph::heads_of;
use crate::domain::ids::{DeviceId, EventId, StreamId};
use crate::replication::device_actor;
use automerge::{Change, ChangeHash};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Read;

pub const FORMAT: &str = "praxis-audit-bundle";
pub const VERSION: u32 = 1;
pub const MANIFEST: &str = "manifest.json";
/// Largest bundle `verify` reads.
pub const MAX_BUNDLE_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// A receipt as the bundle holds it: when a change reached the server, from which
/// device, with the events it carried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReceiptEntry {
    pub seq: i64,
    pub change_hash: String,
    pub device: DeviceId,
    /// Milliseconds since the epoch, on the server's clock.
    pub received_at: i64,
    pub events: Vec<EventId>,
}

/// A line of `receipts.jsonl`: the receipt and the chain digest up to it.
#[derive(Serialize, Deserialize)]
struct ReceiptLine {
    #[serde(flatten)]
    receipt: ReceiptEntry,
    chain: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub version: u32,
    /// When the bundle was made (RFC 3339, the server's clock).
    pub created_at: String,
    pub streams: Vec<StreamManifest>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StreamManifest {
    pub stream: StreamId,
    pub name: String,
    pub kind: String,
    pub changes: ChangesManifest,
    pub receipts: ReceiptsManifest,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangesManifest {
    pub file: String,
    pub sha256: String,
    pub count: usize,
    pub events: usize,
    /// The document's heads (hex change hashes, sorted).
    pub heads: Vec<String>,
    /// SHA-256 of the change hashes in the order the file holds them.
    pub order_sha256: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReceiptsManifest {
    pub file: String,
    pub sha256: String,
    pub count: usize,
    /// The chain digest of the last receipt (the empty chain's for none).
    pub chain: String,
}

/// One stream to put in a bundle.
pub struct StreamContent {
    pub stream: StreamId,
    pub name: String,
    pub kind: String,
    /// Every change of the stream's document, in causal order.
    pub changes: Vec<Vec<u8>>,
    pub receipts: Vec<ReceiptEntry>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The chain digest before the first receipt.
pub fn empty_chain() -> String {
    sha256_hex(b"praxis receipt log")
}

fn chain_next(previous: &str, receipt: &ReceiptEntry) -> Result<String, AuditError> {
    let body = serde_json::to_vec(receipt).map_err(|e| AuditError::Unreadable(e.to_string()))?;
    let mut hasher = Sha256::new();
    hasher.update(previous.as_bytes());
    hasher.update(b"\n");
    hasher.update(&body);
    Ok(hex::encode(hasher.finalize()))
}

fn order_digest<'a>(hashes: impl Iterator<Item = &'a ChangeHash>) -> String {
    let mut hasher = Sha256::new();
    for h in hashes {
        hasher.update(h.0);
    }
    hex::encode(hasher.finalize())
}

fn changes_file(stream: StreamId) -> String {
    format!("streams/{stream}/changes.automerge")
}

fn receipts_file(stream: StreamId) -> String {
    format!("streams/{stream}/receipts.jsonl")
}

/// The manifest as the bundle holds it.
fn manifest_json(manifest: &Manifest) -> Result<Vec<u8>, AuditError> {
    serde_json::to_vec_pretty(manifest).map_err(|e| AuditError::Unreadable(e.to_string()))
}

/// The SHA-256 of the manifest as the bundle holds it (what `verify` reports as
/// `manifest_sha256`).
pub fn manifest_sha256(manifest: &Manifest) -> Result<String, AuditError> {
    Ok(sha256_hex(&manifest_json(manifest)?))
}

/// Writes a bundle of `streams`; returns the archive's bytes and its manifest.
pub fn write(
    streams: Vec<StreamContent>,
    created_at: &str,
) -> Result<(Vec<u8>, Manifest), AuditError> {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut manifest = Manifest {
        format: FORMAT.into(),
        version: VERSION,
        created_at: created_at.into(),
        streams: Vec::new(),
    };
    for content in streams {
        let mut parsed = Vec::with_capacity(content.changes.len());
        let mut events = 0;
        for (i, bytes) in content.changes.iter().enumerate() {
            let change = Change::from_bytes(bytes.clone()).map_err(|e| {
                AuditError::Unreadable(format!(
                    "change {} of stream {}: {e}",
                    i + 1,
                    content.stream
                ))
            })?;
            // Every change but the genesis appends exactly one event (the store and the
            // server's gate refuse any other), so counting needs no decoding.
            if change.message() != Some("genesis") {
                events += 1;
            }
            parsed.push((change.hash(), change.deps().to_vec()));
        }
        let heads = heads_of(parsed.iter().map(|(h, d)| (*h, d.as_slice())));
        let all: Vec<u8> = content.changes.concat();
        let mut chain = empty_chain();
        let mut lines = Vec::new();
        for receipt in content.receipts {
            chain = chain_next(&chain, &receipt)?;
            let line = ReceiptLine {
                receipt,
                chain: chain.clone(),
            };
            serde_json::to_writer(&mut lines, &line)
                .map_err(|e| AuditError::Unreadable(e.to_string()))?;
            lines.push(b'\n');
        }
        let receipt_count = lines.iter().filter(|b| **b == b'\n').count();
        manifest.streams.push(StreamManifest {
            stream: content.stream,
            name: content.name,
            kind: content.kind,
            changes: ChangesManifest {
                file: changes_file(content.stream),
                sha256: sha256_hex(&all),
                count: parsed.len(),
                events,
                heads: heads.iter().map(|h| h.to_string()).collect(),
                order_sha256: order_digest(parsed.iter().map(|(h, _)| h)),
            },
            receipts: ReceiptsManifest {
                file: receipts_file(content.stream),
                sha256: sha256_hex(&lines),
                count: receipt_count,
                chain,
            },
        });
        files.push((changes_file(content.stream), all));
        files.push((receipts_file(content.stream), lines));
    }
    let manifest_bytes = manifest_json(&manifest)?;
    let mut builder = tar::Builder::new(Vec::new());
    let mut add = |name: &str, bytes: &[u8]| -> Result<(), AuditError> {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_cksum();
        builder
            .append_data(&mut header, name, bytes)
            .map_err(|e| AuditError::Unreadable(format!("writing {name}: {e}")))
    };
    add(MANIFEST, &manifest_bytes)?;
    for (name, bytes) in &files {
        add(name, bytes)?;
    }
    let archive = builder
        .into_inner()
        .map_err(|e| AuditError::Unreadable(format!("finishing the archive: {e}")))?;
    Ok((archive, manifest))
}

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

/// What `verify` found.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verification {
    /// SHA-256 of the manifest: compare it with the one given when the bundle was made
    /// to know the manifest itself is the one the server wrote.
    pub manifest_sha256: String,
    pub created_at: String,
    pub streams: Vec<StreamVerification>,
    pub findings: Vec<Finding>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StreamVerification {
    pub stream: StreamId,
    pub name: String,
    pub changes: usize,
    pub events: usize,
    pub receipts: usize,
    pub heads: Vec<String>,
}

impl Verification {
    pub fn intact(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Reads a bundle's files. Only regular files; a name twice is refused.
fn read_archive(bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, AuditError> {
    let mut archive = tar::Archive::new(bytes);
    let mut files = BTreeMap::new();
    let entries = archive
        .entries()
        .map_err(|e| AuditError::NotABundle(e.to_string()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| AuditError::NotABundle(e.to_string()))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let name = entry
            .path()
            .map_err(|e| AuditError::NotABundle(e.to_string()))?
            .to_string_lossy()
            .into_owned();
        let mut content = Vec::with_capacity(entry.size() as usize);
        entry
            .read_to_end(&mut content)
            .map_err(|e| AuditError::NotABundle(format!("{name}: {e}")))?;
        if files.insert(name.clone(), content).is_some() {
            return Err(AuditError::NotABundle(format!("{name} is in it twice")));
        }
    }
    Ok(files)
}

/// One Automerge chunk from `offset`: its length, or why it cannot be one.
fn chunk_len(bytes: &[u8], offset: usize) -> Result<usize, String> {
    const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
    let rest = &bytes[offset..];
    if rest.len() < 9 || rest[..4] != MAGIC {
        return Err("it does not start as an Automerge chunk".into());
    }
    let mut len: u64 = 0;
    let mut shift = 0;
    let mut at = 9;
    loop {
        let Some(byte) = rest.get(at) else {
            return Err("its length is cut short".into());
        };
        if shift > 56 {
            return Err("its length is not a number".into());
        }
        len |= u64::from(byte & 0x7f) << shift;
        at += 1;
        if byte & 0x80 == 0 {
            break;
        }
        shift += 7;
    }
    let total = (at as u64)
        .checked_add(len)
        .filter(|t| *t <= rest.len() as u64)
        .ok_or("its length runs past the end of the file")?;
    Ok(total as usize)
}

struct ParsedChange {
    hash: ChangeHash,
    /// Where its bytes are in the changes file.
    offset: usize,
    len: usize,
    change: Change,
}

fn check_changes(
    stream: &StreamManifest,
    bytes: &[u8],
    findings: &mut Vec<Finding>,
) -> (Vec<ParsedChange>, usize) {
    let id = stream.stream;
    // Where each chunk is (a quick walk of the lengths), then the chunks read on every
    // core: reading a change hashes it and checks its columns.
    let mut spans = Vec::new();
    let mut offset = 0;
    let mut index = 0;
    while offset < bytes.len() {
        index += 1;
        match chunk_len(bytes, offset) {
            Ok(len) => {
                spans.push((index, offset, len));
                offset += len;
            }
            Err(detail) => {
                findings.push(Finding::ChangeUnreadable {
                    stream: id,
                    index,
                    offset,
                    detail,
                });
                break;
            }
        }
    }
    let read = |(index, offset, len): (usize, usize, usize)| -> Result<ParsedChange, Finding> {
        let chunk = &bytes[offset..offset + len];
        match Change::try_from(chunk) {
            Ok(change) => {
                let hash = change.hash();
                if chunk[4..8] != hash.0[..4] {
                    Err(Finding::ChangeAltered {
                        stream: id,
                        index,
                        offset,
                        detail: format!(
                            "its content hashes to {hash}, which does not match the checksum it carries"
                        ),
                    })
                } else {
                    Ok(ParsedChange {
                        hash,
                        offset,
                        len,
                        change,
                    })
                }
            }
            Err(e) => Err(Finding::ChangeAltered {
                stream: id,
                index,
                offset,
                detail: format!("it can no longer be read ({e})"),
            }),
        }
    };
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    let per_thread = spans.len().div_ceil(threads).max(1);
    let results: Vec<Result<ParsedChange, Finding>> = if threads == 1 || spans.len() < 1000 {
        spans.iter().copied().map(read).collect()
    } else {
        std::thread::scope(|scope| {
            let handles: Vec<_> = spans
                .chunks(per_thread)
                .map(|part| scope.spawn(|| part.iter().copied().map(read).collect::<Vec<_>>()))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        })
    };
    let mut parsed = Vec::with_capacity(results.len());
    for result in results {
        match result {
            Ok(p) => parsed.push(p),
            Err(f) => findings.push(f),
        }
    }
    let found = index;
    // The hash-linked graph: every dependency present, and before its dependant.
    let positions: HashMap<ChangeHash, usize> = parsed
        .iter()
        .enumerate()
        .map(|(i, p)| (p.hash, i))
        .collect();
    let mut reported_missing = std::collections::HashSet::new();
    for (i, p) in parsed.iter().enumerate() {
        for dep in p.change.deps() {
            match positions.get(dep) {
                None => {
                    if reported_missing.insert(*dep) {
                        findings.push(Finding::ChangeMissing {
                            stream: id,
                            missing: dep.to_string(),
                            needed_by: p.hash.to_string(),
                        })
                    }
                }
                Some(j) if *j > i => findings.push(Finding::ChangeOutOfOrder {
                    stream: id,
                    index: i + 1,
                    hash: p.hash.to_string(),
                    depends_on: dep.to_string(),
                    depends_on_index: j + 1,
                }),
                Some(_) => {}
            }
        }
    }
    if found != stream.changes.count {
        findings.push(Finding::ChangeCountDiffers {
            stream: id,
            manifest: stream.changes.count,
            found,
        });
    }
    let heads: Vec<String> = heads_of(parsed.iter().map(|p| (p.hash, p.change.deps())))
        .iter()
        .map(|h| h.to_string())
        .collect();
    for head in &stream.changes.heads {
        if !heads.contains(head) && !reported_missing.iter().any(|m| &m.to_string() == head) {
            findings.push(Finding::HeadMissing {
                stream: id,
                head: head.clone(),
            });
        }
    }
    for head in &heads {
        if !stream.changes.heads.contains(head) {
            findings.push(Finding::HeadAdded {
                stream: id,
                head: head.clone(),
            });
        }
    }
    let order_intact = order_digest(parsed.iter().map(|p| &p.hash)) == stream.changes.order_sha256;
    let graph_findings = findings.iter().any(|f| {
        matches!(f, Finding::ChangeAltered { stream: s, .. } | Finding::ChangeUnreadable { stream: s, .. } | Finding::ChangeMissing { stream: s, .. } | Finding::ChangeOutOfOrder { stream: s, .. } | Finding::ChangeCountDiffers { stream: s, .. } | Finding::HeadAdded { stream: s, .. } | Finding::HeadMissing { stream: s, .. } if *s == id)
    });
    if !order_intact && !graph_findings {
        findings.push(Finding::ChangesReordered { stream: id });
    }
    let events = parsed.len();
    (parsed, events)
}

fn check_receipts(
    stream: &StreamManifest,
    bytes: &[u8],
    changes: &[ParsedChange],
    changes_bytes: &[u8],
    findings: &mut Vec<Finding>,
) -> usize {
    let id = stream.stream;
    let by_hash: HashMap<String, &ParsedChange> =
        changes.iter().map(|p| (p.hash.to_string(), p)).collect();
    let mut chain = empty_chain();
    let mut last_seq = i64::MIN;
    let mut count = 0;
    for (n, line) in bytes.split(|b| *b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        count += 1;
        let line_no = n + 1;
        let parsed: ReceiptLine = match serde_json::from_slice(line) {
            Ok(l) => l,
            Err(e) => {
                findings.push(Finding::ReceiptUnreadable {
                    stream: id,
                    line: line_no,
                    detail: e.to_string(),
                });
                continue;
            }
        };
        let receipt = parsed.receipt;
        match chain_next(&chain, &receipt) {
            Ok(next) if next == parsed.chain => {}
            _ => findings.push(Finding::ReceiptAltered {
                stream: id,
                line: line_no,
                seq: receipt.seq,
            }),
        }
        // Go on from the chain as written, so one edited line is named alone.
        chain = parsed.chain;
        if receipt.seq <= last_seq {
            findings.push(Finding::ReceiptOutOfOrder {
                stream: id,
                line: line_no,
                seq: receipt.seq,
            });
        }
        last_seq = receipt.seq;
        let Some(parsed) = by_hash.get(&receipt.change_hash) else {
            findings.push(Finding::ReceiptForMissingChange {
                stream: id,
                seq: receipt.seq,
                change: receipt.change_hash.clone(),
            });
            continue;
        };
        let change = &parsed.change;
        if change.actor_id() != &device_actor(receipt.device) {
            findings.push(Finding::ReceiptDisagrees {
                stream: id,
                seq: receipt.seq,
                change: receipt.change_hash.clone(),
                detail: format!(
                    "the receipt says device {} sent it, but it was made by actor {}",
                    receipt.device,
                    change.actor_id()
                ),
            });
        }
        // A Praxis change makes one operation per event it carries, and each event's
        // encoding starts with its id (16 bytes, after postcard's length byte), stored
        // as it is in the change's values: looking for it spares decoding every change.
        let raw = &changes_bytes[parsed.offset..parsed.offset + parsed.len];
        let carries = |event: &EventId| {
            let mut needle = [0u8; 17];
            needle[0] = 16;
            needle[1..].copy_from_slice(event.as_uuid().as_bytes());
            raw.windows(17).any(|w| w == needle)
        };
        if change.len() != receipt.events.len() || !receipt.events.iter().all(carries) {
            findings.push(Finding::ReceiptDisagrees {
                stream: id,
                seq: receipt.seq,
                change: receipt.change_hash.clone(),
                detail: "the events it lists are not the ones the change carries".into(),
            });
        }
    }
    if count != stream.receipts.count {
        findings.push(Finding::ReceiptCountDiffers {
            stream: id,
            manifest: stream.receipts.count,
            found: count,
        });
    }
    if chain != stream.receipts.chain {
        findings.push(Finding::ReceiptChainEndDiffers { stream: id });
    }
    count
}

/// A file the manifest names, checked against its digest.
fn listed_file<'a>(
    files: &'a BTreeMap<String, Vec<u8>>,
    listed: &mut std::collections::HashSet<String>,
    name: &str,
    digest: &str,
    findings: &mut Vec<Finding>,
) -> Option<&'a Vec<u8>> {
    listed.insert(name.to_string());
    match files.get(name) {
        Some(bytes) => {
            if sha256_hex(bytes) != digest {
                findings.push(Finding::FileAltered { file: name.into() });
            }
            Some(bytes)
        }
        None => {
            findings.push(Finding::MissingFile { file: name.into() });
            None
        }
    }
}

/// Verifies a bundle given as the archive's bytes. An archive that cannot be read at
/// all (or has no readable manifest) is an error; everything else found is a finding.
pub fn verify(bytes: &[u8]) -> Result<Verification, AuditError> {
    let files = read_archive(bytes)?;
    let manifest_bytes = files.get(MANIFEST).ok_or(AuditError::NoManifest)?;
    let manifest: Manifest = serde_json::from_slice(manifest_bytes)
        .map_err(|e| AuditError::BadManifest(e.to_string()))?;
    if manifest.format != FORMAT || manifest.version != VERSION {
        return Err(AuditError::BadManifest(format!(
            "it is {} version {}, and this Praxis reads {FORMAT} version {VERSION}",
            manifest.format, manifest.version
        )));
    }
    let mut findings = Vec::new();
    let mut listed = std::collections::HashSet::from([MANIFEST.to_string()]);
    let mut streams = Vec::new();
    let empty = Vec::new();
    for stream in &manifest.streams {
        let changes_bytes = listed_file(
            &files,
            &mut listed,
            &stream.changes.file,
            &stream.changes.sha256,
            &mut findings,
        )
        .unwrap_or(&empty);
        let receipts_bytes = listed_file(
            &files,
            &mut listed,
            &stream.receipts.file,
            &stream.receipts.sha256,
            &mut findings,
        )
        .unwrap_or(&empty);
        let (changes, _) = check_changes(stream, changes_bytes, &mut findings);
        let receipts = check_receipts(
            stream,
            receipts_bytes,
            &changes,
            changes_bytes,
            &mut findings,
        );
        let events = changes
            .iter()
            .filter(|c| c.change.message() != Some("genesis"))
            .count();
        streams.push(StreamVerification {
            stream: stream.stream,
            name: stream.name.clone(),
            changes: changes.len(),
            events,
            receipts,
            heads: heads_of(changes.iter().map(|p| (p.hash, p.change.deps())))
                .iter()
                .map(|h| h.to_string())
                .collect(),
        });
    }
    for name in files.keys() {
        if !listed.contains(name) {
            findings.push(Finding::UnexpectedFile { file: name.clone() });
        }
    }
    Ok(Verification {
        manifest_sha256: sha256_hex(manifest_bytes),
        created_at: manifest.created_at,
        streams,
        findings,
    })
}
