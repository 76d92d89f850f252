//! Verifying a bundle with nothing else: each file against the manifest's digest, each
//! stream's changes against its heads and order, and the receipt chain link by link.

use super::finding::Finding;
use super::*;

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
        match parse_change(chunk) {
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
