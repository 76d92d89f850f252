//! A stream's Automerge document: a list of encoded events, one change per event.
//!
//! Every replica starts the document from the same deterministic genesis change (the
//! list made by an actor derived from the stream id at time 0), so documents created
//! independently on two devices share the list and merge. Appends insert at an index
//! this type tracks, because `length()` walks the list and would make recording O(n).

use crate::domain::ids::{DeviceId, StreamId};
use automerge::sync::{self, SyncDoc};
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{
    ActorId, AutoCommit, Change, ChangeHash, ExpandedChange, ObjId, ObjType, ROOT, ReadDoc,
    ScalarValue, Value, legacy,
};
use std::num::NonZeroU64;

/// Largest document this layer loads: far above any real stream.
pub const MAX_DOCUMENT_BYTES: usize = 512 * 1024 * 1024;

const EVENTS: &str = "events";

#[derive(Debug, thiserror::Error)]
pub enum ReplicationError {
    #[error("the stream document could not be read: {0}")]
    Corrupt(String),
    #[error("the stream document has no event list; it was not made by Praxis")]
    NoEventList,
    #[error("the change could not be read: {0}")]
    BadChange(String),
    #[error("{0} bytes is more than a stream document may have")]
    Oversized(usize),
    #[error("the document could not be changed: {0}")]
    Automerge(#[from] automerge::AutomergeError),
}

/// A change this document did not have, with the event bytes it carries.
#[derive(Clone, Debug)]
pub struct IncomingChange {
    pub hash: ChangeHash,
    pub actor: ActorId,
    pub message: Option<String>,
    pub time: i64,
    pub raw: Vec<u8>,
    pub events: Vec<Vec<u8>>,
    /// Operations other than appending an event (which Praxis never makes).
    pub foreign_ops: usize,
}

pub struct StreamDocument {
    doc: AutoCommit,
    list: automerge::ObjId,
    len: usize,
}

/// The actor a device's changes carry.
pub fn device_actor(device: DeviceId) -> ActorId {
    ActorId::from(device.as_uuid().as_bytes().as_slice())
}

impl StreamDocument {
    /// The shared starting point of a stream's document.
    pub fn genesis(stream: StreamId) -> Result<Self, ReplicationError> {
        let mut genesis_actor = stream.as_uuid().as_bytes().to_vec();
        genesis_actor.extend_from_slice(b"genesis");
        let mut doc = AutoCommit::new().with_actor(ActorId::from(genesis_actor));
        let list = doc.put_object(ROOT, EVENTS, ObjType::List)?;
        doc.commit_with(
            CommitOptions::default()
                .with_message("genesis")
                .with_time(0),
        );
        Ok(StreamDocument { doc, list, len: 0 })
    }

    /// Loads a saved document (and, after it, any number of saved changes).
    pub fn load(saved: &[u8], changes: &[&[u8]]) -> Result<Self, ReplicationError> {
        let total = saved.len() + changes.iter().map(|c| c.len()).sum::<usize>();
        if total > MAX_DOCUMENT_BYTES {
            return Err(ReplicationError::Oversized(total));
        }
        let mut doc =
            AutoCommit::load(saved).map_err(|e| ReplicationError::Corrupt(e.to_string()))?;
        // Each saved change is parsed first: `load_incremental` would skip bad bytes.
        let parsed = changes
            .iter()
            .map(|c| {
                Change::from_bytes(c.to_vec())
                    .map_err(|e| ReplicationError::Corrupt(format!("a saved change: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        doc.apply_changes(parsed)
            .map_err(|e| ReplicationError::Corrupt(e.to_string()))?;
        let list = match doc.get(ROOT, EVENTS) {
            Ok(Some((Value::Object(ObjType::List), id))) => id,
            _ => return Err(ReplicationError::NoEventList),
        };
        let len = doc.length(&list);
        Ok(StreamDocument { doc, list, len })
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// Appends one encoded event as one change, and returns the change's bytes.
    pub fn append(
        &mut self,
        device: DeviceId,
        kind: &str,
        time_secs: i64,
        event: &[u8],
    ) -> Result<(ChangeHash, Vec<u8>), ReplicationError> {
        let actor = device_actor(device);
        if self.doc.get_actor() != &actor {
            self.doc.set_actor(actor);
        }
        self.doc
            .insert(&self.list, self.len, ScalarValue::Bytes(event.to_vec()))?;
        self.doc.commit_with(
            CommitOptions::default()
                .with_message(kind)
                .with_time(time_secs),
        );
        self.len += 1;
        self.doc
            .get_last_local_change()
            .map(|c| (c.hash(), c.raw_bytes().to_vec()))
            .ok_or_else(|| ReplicationError::BadChange("the change was not made".into()))
    }

    /// Appends many encoded events (kind, device time in seconds, bytes), one change
    /// each, as `append` would one after the other: each change inserts
    /// its event after the previous one, by `device`'s actor, depending on the change
    /// before it. The changes are built directly and applied together, which costs a
    /// third of making them one transaction at a time.
    pub fn append_all(
        &mut self,
        device: DeviceId,
        events: Vec<(&str, i64, Vec<u8>)>,
    ) -> Result<(), ReplicationError> {
        if events.is_empty() {
            return Ok(());
        }
        let actor = device_actor(device);
        if self.doc.get_actor() != &actor {
            self.doc.set_actor(actor.clone());
        }
        let broken = |what: &str| ReplicationError::BadChange(format!("cannot append: {what}"));
        let mut deps = self.doc.get_heads();
        deps.sort_unstable();
        // Every operation of the document is in a head change or one before it, whose
        // operations are numbered below the head's.
        let mut max_op = 0;
        for head in &deps {
            let change = self
                .doc
                .get_change_by_hash(head)
                .ok_or_else(|| broken("a head change is missing"))?;
            max_op = max_op.max(change.max_op());
        }
        let last_seq = self
            .doc
            .get_last_local_change()
            .map(|c| c.seq())
            .unwrap_or(0);
        let op_id = |id: ObjId| match id {
            ObjId::Id(counter, actor, _) => Ok(legacy::OpId(counter, actor)),
            ObjId::Root => Err(broken("the event list is the root")),
        };
        let list = legacy::ObjectId::Id(op_id(self.list.clone())?);
        let mut after = match self.len.checked_sub(1) {
            None => legacy::ElementId::Head,
            Some(last) => {
                let item = self
                    .doc
                    .list_range(&self.list, last..=last)
                    .next()
                    .ok_or_else(|| broken("the last event is missing"))?;
                legacy::ElementId::Id(op_id(item.id())?)
            }
        };
        let mut changes = Vec::with_capacity(events.len());
        for ((kind, time_secs, bytes), seq) in events.into_iter().zip(last_seq + 1..) {
            max_op += 1;
            let start_op = NonZeroU64::new(max_op).ok_or_else(|| broken("no operation number"))?;
            let change = Change::from(ExpandedChange {
                operations: vec![legacy::Op {
                    action: legacy::OpType::Put(ScalarValue::Bytes(bytes)),
                    obj: list.clone(),
                    key: legacy::Key::Seq(after),
                    pred: legacy::SortedVec::new(),
                    insert: true,
                }],
                actor_id: actor.clone(),
                hash: None,
                seq,
                start_op,
                time: time_secs,
                message: Some(kind.to_string()),
                deps,
                extra_bytes: Vec::new(),
                author: None,
            });
            deps = vec![change.hash()];
            after = legacy::ElementId::Id(legacy::OpId(max_op, actor.clone()));
            changes.push(change);
        }
        let added = changes.len();
        self.doc.apply_changes(changes)?;
        self.len += added;
        Ok(())
    }

    /// The whole document, compacted.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// Every event's bytes, in list order.
    pub fn events(&self) -> Vec<Vec<u8>> {
        self.doc
            .list_range(&self.list, ..)
            .filter_map(|item| match item.value {
                automerge::ValueRef::Scalar(automerge::ScalarValueRef::Bytes(b)) => {
                    Some(b.to_vec())
                }
                _ => None,
            })
            .collect()
    }

    /// Parses changes (each as its own bytes) without applying them.
    pub fn parse_changes(raw: &[Vec<u8>]) -> Result<Vec<Change>, ReplicationError> {
        raw.iter()
            .map(|bytes| {
                Change::from_bytes(bytes.clone())
                    .map_err(|e| ReplicationError::BadChange(e.to_string()))
            })
            .collect()
    }

    /// The changes this document has that `other` does not.
    pub fn changes_missing_from(&mut self, other: &mut StreamDocument) -> Vec<Change> {
        other.doc.get_changes_added(&mut self.doc)
    }

    /// Every change after `heads` (all of them for no heads).
    pub fn changes_since(&mut self, heads: &[ChangeHash]) -> Vec<Change> {
        self.doc.get_changes(heads)
    }

    /// Applies changes; returns those that were new, with the events they carry.
    /// Changes already here are ignored, so delivering twice changes nothing.
    pub fn apply(&mut self, changes: Vec<Change>) -> Result<Vec<IncomingChange>, ReplicationError> {
        let before = self.doc.get_heads();
        self.doc.apply_changes(changes)?;
        Ok(self.added_since(&before))
    }

    /// The next standard Automerge sync message for the peer whose state this is.
    pub fn generate_sync_message(&mut self, state: &mut sync::State) -> Option<sync::Message> {
        self.doc.sync().generate_sync_message(state)
    }

    /// Receives a standard Automerge sync message; returns the changes that were new.
    pub fn receive_sync_message(
        &mut self,
        state: &mut sync::State,
        message: sync::Message,
    ) -> Result<Vec<IncomingChange>, ReplicationError> {
        let before = self.doc.get_heads();
        self.doc
            .sync()
            .receive_sync_message(state, message)
            .map_err(|e| ReplicationError::BadChange(e.to_string()))?;
        Ok(self.added_since(&before))
    }

    fn added_since(&mut self, before: &[ChangeHash]) -> Vec<IncomingChange> {
        let added = self.doc.get_changes(before);
        let list = self.list.to_string();
        let mut incoming = Vec::with_capacity(added.len());
        for change in added {
            let expanded = change.decode();
            let mut events = Vec::new();
            let mut foreign_ops = 0;
            for op in &expanded.operations {
                let on_list = op.obj.to_string() == list;
                match (&op.action, op.insert, on_list) {
                    (automerge::legacy::OpType::Put(ScalarValue::Bytes(b)), true, true) => {
                        events.push(b.clone())
                    }
                    _ => foreign_ops += 1,
                }
            }
            self.len += events.len();
            incoming.push(IncomingChange {
                hash: change.hash(),
                actor: change.actor_id().clone(),
                message: change.message().map(str::to_string),
                time: change.timestamp(),
                raw: change.raw_bytes().to_vec(),
                events,
                foreign_ops,
            });
        }
        incoming
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn event(n: usize) -> Vec<u8> {
        format!("event {n}").into_bytes()
    }

    fn batch(range: std::ops::Range<usize>) -> Vec<(&'static str, i64, Vec<u8>)> {
        range
            .map(|n| ("observation-recorded", 7, event(n)))
            .collect()
    }

    #[test]
    fn appending_many_at_once_makes_the_changes_appending_one_by_one_makes() {
        let (stream, device, other) = (StreamId::new(), DeviceId::new(), DeviceId::new());
        let mut at_once = StreamDocument::genesis(stream).unwrap();
        // Another device's events first, so the list does not end with one of ours.
        for n in 0..3 {
            at_once
                .append(other, "cycle-planned", 5, &event(n))
                .unwrap();
        }
        let mut one_by_one = StreamDocument::genesis(stream).unwrap();
        one_by_one.apply(at_once.changes_since(&[])).unwrap();
        // Then one of this device's, a batch, and more one by one.
        for document in [&mut at_once, &mut one_by_one] {
            document
                .append(device, "observation-recorded", 7, &event(3))
                .unwrap();
        }
        at_once.append_all(device, batch(4..54)).unwrap();
        for (kind, time, bytes) in batch(4..54) {
            one_by_one.append(device, kind, time, &bytes).unwrap();
        }
        for document in [&mut at_once, &mut one_by_one] {
            document
                .append(device, "observation-recorded", 7, &event(54))
                .unwrap();
        }

        let expected: Vec<Vec<u8>> = (0..55).map(event).collect();
        assert_eq!(at_once.events(), expected);
        assert_eq!(one_by_one.events(), expected);
        assert_eq!(at_once.len(), 55);
        let (mine, theirs) = (at_once.changes_since(&[]), one_by_one.changes_since(&[]));
        assert_eq!(mine.len(), 1 + 55);
        for (a, b) in mine.iter().zip(&theirs) {
            assert_eq!(
                (
                    a.actor_id(),
                    a.seq(),
                    a.start_op(),
                    a.max_op(),
                    a.timestamp()
                ),
                (
                    b.actor_id(),
                    b.seq(),
                    b.start_op(),
                    b.max_op(),
                    b.timestamp()
                )
            );
            assert_eq!(a.message(), b.message());
            assert_eq!(a.decode().operations, b.decode().operations);
            assert_eq!(a.hash(), b.hash(), "the same bytes");
        }

        // A replica that checks every change finds each appends exactly one event.
        let mut replica = StreamDocument::genesis(stream).unwrap();
        let incoming = replica.apply(mine).unwrap();
        assert_eq!(incoming.len(), 55);
        assert!(
            incoming
                .iter()
                .all(|c| c.events.len() == 1 && c.foreign_ops == 0)
        );
        assert_eq!(replica.events(), expected);
        // And the document saves and loads as it is.
        let loaded = StreamDocument::load(&at_once.save(), &[]).unwrap();
        assert_eq!((loaded.len(), loaded.events()), (55, expected));
    }

    #[test]
    fn appending_many_to_an_empty_list_starts_it() {
        let (stream, device) = (StreamId::new(), DeviceId::new());
        let mut document = StreamDocument::genesis(stream).unwrap();
        document.append_all(device, batch(0..3)).unwrap();
        document.append_all(device, Vec::new()).unwrap();
        document
            .append(device, "observation-recorded", 7, &event(3))
            .unwrap();
        assert_eq!(document.events(), (0..4).map(event).collect::<Vec<_>>());
        let mut replica = StreamDocument::genesis(stream).unwrap();
        replica.apply(document.changes_since(&[])).unwrap();
        assert_eq!(replica.events(), document.events());
    }
}
