//! The audit bundle of some streams, and the integrity check of one (its bundle
//! verified, and every change a device sent matched to a receipt).

use super::Result;
use crate::error::ServerError;
use crate::storage::{Storage, StreamAccess};
use praxis_core::audit::bundle::{self, StreamContent, Verification};
use praxis_core::audit::change_graph::ChangeGraph;
use praxis_core::dates::timestamp;
use praxis_core::domain::event::{Event, Replacement};
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::protocol::audit::Integrity;
use std::collections::HashSet;

/// The audit bundle of some streams.
pub fn export(storage: &dyn Storage, streams: &[StreamAccess]) -> Result<(Vec<u8>, String)> {
    let mut contents = Vec::with_capacity(streams.len());
    for s in streams {
        contents.push(StreamContent {
            stream: s.stream_id,
            name: s.name.clone(),
            kind: s.kind.name().to_string(),
            changes: storage.stream_changes(s.stream_id)?,
            receipts: storage.receipt_log(s.stream_id)?,
        });
    }
    let created = timestamp(praxis_core::domain::hlc::wall_millis_now() as i64);
    let (bytes, manifest) =
        bundle::write(contents, &created).map_err(|e| ServerError::Internal(e.to_string()))?;
    let digest =
        bundle::manifest_sha256(&manifest).map_err(|e| ServerError::Internal(e.to_string()))?;
    Ok((bytes, digest))
}

/// The events that carry personal content in the clear: observations (and corrections
/// of them) recorded before sealing, by schema 4 and earlier. Sealed ones are schema 5
/// (read back opened, they are observations too, but under their own schema).
fn recorded_before_sealing(storage: &dyn Storage, stream: StreamId) -> Result<Vec<EventId>> {
    Ok(storage
        .envelopes(stream)?
        .into_iter()
        .filter(|e| e.schema < 5)
        .filter(|e| match e.event() {
            Some(Event::ObservationRecorded(_)) => true,
            Some(Event::Correction { replacement, .. }) => {
                matches!(replacement, Some(Replacement::Observation(_)))
            }
            _ => false,
        })
        .map(|e| e.id)
        .collect())
}

/// Checks a stream's history as the server holds it: its change graph and receipt log
/// (by exporting and verifying its bundle), and that every change a device sent has a
/// receipt.
pub fn integrity(storage: &dyn Storage, access: &StreamAccess) -> Result<Integrity> {
    let (bytes, _) = export(storage, std::slice::from_ref(access))?;
    let verification: Verification =
        bundle::verify(&bytes).map_err(|e| ServerError::Internal(e.to_string()))?;
    let receipted: HashSet<String> = storage
        .receipt_log(access.stream_id)?
        .into_iter()
        .map(|r| r.change_hash)
        .collect();
    let graph = ChangeGraph::from_changes(&storage.stream_changes(access.stream_id)?)
        .map_err(|e| ServerError::Internal(e.to_string()))?;
    let server_actor = praxis_core::replication::device_actor(storage.server_device());
    let unreceipted: Vec<String> = graph
        .nodes()
        .iter()
        .filter(|n| !n.events.is_empty() && n.actor != server_actor)
        .filter(|n| !receipted.contains(&n.hash.to_string()))
        .map(|n| {
            format!(
                "change {} (event {}) has no receipt",
                n.hash,
                n.events
                    .iter()
                    .map(|e| e.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .collect();
    let mut problems: Vec<String> = verification
        .findings
        .iter()
        .map(|f| f.to_string())
        .collect();
    problems.extend(unreceipted);
    Ok(Integrity {
        stream: access.stream_id,
        intact: problems.is_empty(),
        problems,
        verification,
        recorded_before_sealing: recorded_before_sealing(storage, access.stream_id)?,
    })
}
