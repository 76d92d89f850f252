//! Receipts for a stream's changes, as the server would have given them: one for each
//! change that carries events, by the device of its first event, a second apart.

use praxis_core::audit::bundle::ReceiptEntry;
use praxis_core::audit::change_graph::ChangeGraph;

/// A receipt for each of `changes` that carries events, in the order of the graph.
pub fn receipts_for(changes: &[Vec<u8>]) -> Vec<ReceiptEntry> {
    let graph = ChangeGraph::from_changes(changes).expect("the changes form a graph");
    graph
        .nodes()
        .iter()
        .filter(|n| !n.events.is_empty())
        .enumerate()
        .map(|(i, n)| ReceiptEntry {
            seq: i as i64 + 1,
            change_hash: n.hash.to_string(),
            device: n.events[0].device,
            received_at: 1_767_000_000_000 + i as i64 * 1000,
            events: n.events.iter().map(|e| e.id).collect(),
            refused: None,
        })
        .collect()
}
