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
use crate::replication::{device_actor, parse_change};
use automerge::{Change, ChangeHash};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Read;

mod finding;
mod verify;

pub use finding::Finding;
pub use verify::{StreamVerification, Verification, verify};

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
    /// Why the server held the change's event back, when it did (it is kept, in
    /// quarantine). Absent otherwise, so receipts written before quarantine existed
    /// chain as they always did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
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
            let change = parse_change(bytes).map_err(|e| {
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
