//! A stream's Automerge change graph as an auditor reads it: each change with its
//! hash, the changes it depends on (the heads its author had seen), its actor and the
//! event it carries. What an author had seen when recording an event is the set of
//! changes causally before the event's change.

use super::AuditError;
use crate::domain::envelope::Envelope;
use crate::domain::ids::EventId;
use crate::replication::parse_change;
use automerge::{ActorId, Change, ChangeHash, ScalarValue};
use std::collections::{HashMap, HashSet};

/// One change of a stream's document.
#[derive(Clone, Debug)]
pub struct ChangeNode {
    pub hash: ChangeHash,
    pub deps: Vec<ChangeHash>,
    pub actor: ActorId,
    pub seq: u64,
    /// Seconds since the epoch on the author's device (0 for the genesis change).
    pub time: i64,
    pub message: Option<String>,
    /// The events the change appends (one for every change Praxis makes; none for
    /// the genesis change).
    pub events: Vec<Envelope>,
}

/// The change graph of one stream, in the causal order the document gives.
pub struct ChangeGraph {
    nodes: Vec<ChangeNode>,
    by_hash: HashMap<ChangeHash, usize>,
    by_event: HashMap<EventId, usize>,
}

/// The encoded events a change appends: every inserted byte value.
pub fn change_events(change: &Change) -> Vec<Vec<u8>> {
    change
        .decode()
        .operations
        .into_iter()
        .filter_map(|op| match (op.action, op.insert) {
            (automerge::legacy::OpType::Put(ScalarValue::Bytes(b)), true) => Some(b),
            _ => None,
        })
        .collect()
}

impl ChangeGraph {
    /// Reads changes given as their bytes (as `Store::changes_since` gives them).
    pub fn from_changes(raw: &[Vec<u8>]) -> Result<ChangeGraph, AuditError> {
        let mut nodes = Vec::with_capacity(raw.len());
        for (index, bytes) in raw.iter().enumerate() {
            let change = parse_change(bytes).map_err(|e| {
                AuditError::Unreadable(format!("change {} of the stream: {e}", index + 1))
            })?;
            nodes.push(Self::node(&change)?);
        }
        Ok(Self::from_nodes(nodes))
    }

    /// The node of a parsed change, with its events decoded.
    pub fn node(change: &Change) -> Result<ChangeNode, AuditError> {
        let events = change_events(change)
            .iter()
            .map(|b| {
                Envelope::decode(b).map_err(|e| {
                    AuditError::Unreadable(format!("the event in change {}: {e}", change.hash()))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ChangeNode {
            hash: change.hash(),
            deps: change.deps().to_vec(),
            actor: change.actor_id().clone(),
            seq: change.seq(),
            time: change.timestamp(),
            message: change.message().map(str::to_string),
            events,
        })
    }

    pub fn from_nodes(nodes: Vec<ChangeNode>) -> ChangeGraph {
        let by_hash = nodes.iter().enumerate().map(|(i, n)| (n.hash, i)).collect();
        let by_event = nodes
            .iter()
            .enumerate()
            .flat_map(|(i, n)| n.events.iter().map(move |e| (e.id, i)))
            .collect();
        ChangeGraph {
            nodes,
            by_hash,
            by_event,
        }
    }

    pub fn nodes(&self) -> &[ChangeNode] {
        &self.nodes
    }

    pub fn change(&self, hash: &ChangeHash) -> Option<&ChangeNode> {
        self.by_hash.get(hash).map(|i| &self.nodes[*i])
    }

    /// The change that carries an event.
    pub fn change_of(&self, event: EventId) -> Option<&ChangeNode> {
        self.by_event.get(&event).map(|i| &self.nodes[*i])
    }

    /// Changes no other change depends on.
    pub fn heads(&self) -> Vec<ChangeHash> {
        heads_of(self.nodes.iter().map(|n| (n.hash, n.deps.as_slice())))
    }

    /// The indices of the changes causally before `start` (not including it).
    fn before(&self, start: usize) -> HashSet<usize> {
        let mut seen = HashSet::new();
        let mut stack: Vec<usize> = self.nodes[start]
            .deps
            .iter()
            .filter_map(|d| self.by_hash.get(d).copied())
            .collect();
        while let Some(i) = stack.pop() {
            if seen.insert(i) {
                stack.extend(
                    self.nodes[i]
                        .deps
                        .iter()
                        .filter_map(|d| self.by_hash.get(d).copied()),
                );
            }
        }
        seen
    }

    /// The events whose changes are causally before `event`'s: what its author's
    /// device held when recording it. `None` if the event is not in the graph.
    pub fn seen_by(&self, event: EventId) -> Option<HashSet<EventId>> {
        let start = *self.by_event.get(&event)?;
        Some(
            self.before(start)
                .into_iter()
                .flat_map(|i| self.nodes[i].events.iter().map(|e| e.id))
                .collect(),
        )
    }

    /// The events causally after `event` (recorded by someone who had seen it).
    pub fn after(&self, event: EventId) -> Option<HashSet<EventId>> {
        let start = *self.by_event.get(&event)?;
        let mut later = HashSet::new();
        // Nodes are in causal order: a change comes after every change it depends on.
        let mut reached: HashSet<usize> = HashSet::from([start]);
        for (i, node) in self.nodes.iter().enumerate().skip(start + 1) {
            if node
                .deps
                .iter()
                .any(|d| self.by_hash.get(d).is_some_and(|j| reached.contains(j)))
            {
                reached.insert(i);
                later.extend(node.events.iter().map(|e| e.id));
            }
        }
        Some(later)
    }

    /// Every event in the graph.
    pub fn events(&self) -> impl Iterator<Item = &Envelope> {
        self.nodes.iter().flat_map(|n| n.events.iter())
    }
}

/// The hashes among `changes` that none of them depends on, sorted.
pub fn heads_of<'a>(
    changes: impl Iterator<Item = (ChangeHash, &'a [ChangeHash])>,
) -> Vec<ChangeHash> {
    let mut all = Vec::new();
    let mut depended: HashSet<ChangeHash> = HashSet::new();
    for (hash, deps) in changes {
        all.push(hash);
        depended.extend(deps.iter().copied());
    }
    let mut heads: Vec<ChangeHash> = all.into_iter().filter(|h| !depended.contains(h)).collect();
    heads.sort_unstable();
    heads.dedup();
    heads
}
