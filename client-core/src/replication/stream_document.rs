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
    ActorId, AutoCommit, Change, ChangeHash, ObjType, ROOT, ReadDoc, ScalarValue, Value,
};

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
        self.append_unsaved(device, kind, time_secs, event)?;
        self.doc
            .get_last_local_change()
            .map(|c| (c.hash(), c.raw_bytes().to_vec()))
            .ok_or_else(|| ReplicationError::BadChange("the change was not made".into()))
    }

    /// Appends one encoded event as one change, without building the change's bytes:
    /// for a caller that saves the whole document instead.
    pub fn append_unsaved(
        &mut self,
        device: DeviceId,
        kind: &str,
        time_secs: i64,
        event: &[u8],
    ) -> Result<(), ReplicationError> {
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
