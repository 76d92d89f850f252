//! A stream's Automerge document: a list of encoded events, one change per event.
//!
//! Every replica starts the document from the same deterministic genesis change (the
//! list made by an actor derived from the stream id at time 0), so documents created
//! independently on two devices share the list and merge. Appends insert at an index
//! this type tracks, because `length()` walks the list and would make recording O(n).
//!
//! Long because its tests (a third of the file) make documents in every way a replica
//! does (appends, batches, merges, foreign changes) and check each way of reading them
//! against the others, which needs the document's private parts.

use super::chunks;
use super::error::ReplicationError;
use super::guarded::{guarded, load_document, parse_change};
use super::tail::Tail;
use crate::domain::ids::{DeviceId, StreamId};
use automerge::sync::{self, SyncDoc};
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{
    ActorId, AutoCommit, Change, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, SaveOptions,
    ScalarValue, Value, legacy,
};

/// Largest document this layer loads: far above any real stream.
pub const MAX_DOCUMENT_BYTES: usize = 512 * 1024 * 1024;

const EVENTS: &str = "events";

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
    /// How the list ends and how the next change by an actor would be numbered, while
    /// only this replica's own appends have changed the document since it was known.
    tail: Option<Tail>,
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
        Ok(StreamDocument {
            doc,
            list,
            len: 0,
            tail: None,
        })
    }

    /// Loads a saved document (and, after it, any number of saved changes).
    pub fn load(saved: &[u8], changes: &[&[u8]]) -> Result<Self, ReplicationError> {
        let total = saved.len() + changes.iter().map(|c| c.len()).sum::<usize>();
        if total > MAX_DOCUMENT_BYTES {
            return Err(ReplicationError::Oversized(total));
        }
        let mut doc = load_document(saved).map_err(ReplicationError::Corrupt)?;
        // Each saved change is parsed first: `load_incremental` would skip bad bytes.
        let parsed = changes
            .iter()
            .map(|c| {
                parse_change(c)
                    .map_err(|e| ReplicationError::Corrupt(format!("a saved change: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        // A change whose dependency is missing would wait inside the document, unread:
        // a store only keeps changes it applied, so this one was damaged.
        let hashes: Vec<ChangeHash> = parsed.iter().map(Change::hash).collect();
        let waiting = guarded("the saved changes", || {
            doc.apply_changes(parsed)?;
            Ok::<_, automerge::AutomergeError>(
                hashes
                    .into_iter()
                    .find(|h| doc.get_change_by_hash(h).is_none()),
            )
        })
        .map_err(ReplicationError::Corrupt)?;
        if let Some(waiting) = waiting {
            return Err(ReplicationError::Corrupt(format!(
                "a saved change ({waiting}) depends on changes the document does not hold"
            )));
        }
        let list = match doc.get(ROOT, EVENTS) {
            Ok(Some((Value::Object(ObjType::List), id))) => id,
            _ => return Err(ReplicationError::NoEventList),
        };
        let len = doc.length(&list);
        Ok(StreamDocument {
            doc,
            list,
            len,
            tail: None,
        })
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
            self.doc.set_actor(actor.clone());
        }
        // The change's bytes, worked out from the tail when it is known: cheaper than
        // asking the document for the change it made, and checked against its hash.
        let predicted = match self.tail.take() {
            Some(tail) if tail.actor == actor => {
                Some(tail.append(&self.list_id()?, kind, time_secs, event.to_vec())?)
            }
            _ => None,
        };
        self.doc
            .insert(&self.list, self.len, ScalarValue::Bytes(event.to_vec()))?;
        let made = self.doc.commit_with(
            CommitOptions::default()
                .with_message(kind)
                .with_time(time_secs),
        );
        self.len += 1;
        let (change, tail) = match predicted {
            Some((change, tail)) if Some(change.hash()) == made => (change, tail),
            _ => {
                let change = self
                    .doc
                    .get_last_local_change()
                    .ok_or_else(|| ReplicationError::BadChange("the change was not made".into()))?;
                let tail = Tail::after(&change, actor);
                (change, tail)
            }
        };
        self.tail = Some(tail);
        Ok((change.hash(), change.raw_bytes().to_vec()))
    }

    /// The event list's id as changes name it.
    fn list_id(&self) -> Result<legacy::ObjectId, ReplicationError> {
        match self.list.clone() {
            ObjId::Id(counter, actor, _) => Ok(legacy::ObjectId::Id(legacy::OpId(counter, actor))),
            ObjId::Root => Err(ReplicationError::NoEventList),
        }
    }

    /// The tail as the document says it is now (reading its heads and last changes).
    fn read_tail(&mut self, actor: ActorId) -> Result<Tail, ReplicationError> {
        let broken = |what: &str| ReplicationError::BadChange(format!("cannot append: {what}"));
        let mut heads = self.doc.get_heads();
        heads.sort_unstable();
        // Every operation of the document is in a head change or one before it, whose
        // operations are numbered below the head's.
        let mut max_op = 0;
        for head in &heads {
            let change = self
                .doc
                .get_change_by_hash(head)
                .ok_or_else(|| broken("a head change is missing"))?;
            max_op = max_op.max(change.max_op());
        }
        let seq = self
            .doc
            .get_last_local_change()
            .map(|c| c.seq())
            .unwrap_or(0);
        let last = match self.len.checked_sub(1) {
            None => legacy::ElementId::Head,
            Some(last) => {
                let item = self
                    .doc
                    .list_range(&self.list, last..=last)
                    .next()
                    .ok_or_else(|| broken("the last event is missing"))?;
                match item.id() {
                    ObjId::Id(counter, actor, _) => {
                        legacy::ElementId::Id(legacy::OpId(counter, actor))
                    }
                    ObjId::Root => return Err(broken("the last event is the root")),
                }
            }
        };
        Ok(Tail {
            actor,
            seq,
            max_op,
            heads,
            last,
        })
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
    ) -> Result<Vec<ChangeHash>, ReplicationError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let actor = device_actor(device);
        if self.doc.get_actor() != &actor {
            self.doc.set_actor(actor.clone());
        }
        let mut tail = match self.tail.take() {
            Some(tail) if tail.actor == actor => tail,
            _ => self.read_tail(actor)?,
        };
        let list = self.list_id()?;
        let mut changes = Vec::with_capacity(events.len());
        for (kind, time_secs, bytes) in events {
            let (change, next) = tail.append(&list, kind, time_secs, bytes)?;
            changes.push(change);
            tail = next;
        }
        let added = changes.len();
        let hashes = changes.iter().map(|c| c.hash()).collect();
        self.doc.apply_changes(changes)?;
        self.len += added;
        self.tail = Some(tail);
        Ok(hashes)
    }

    /// The whole document, compacted. A change still waiting for one it depends on is
    /// left out: it was neither applied nor checked, and its sender sends it again.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save_with_options(SaveOptions {
            retain_orphans: false,
            ..SaveOptions::default()
        })
    }

    /// The document saved as `save` does, checked to load back with the same heads:
    /// Automerge takes some damaged changes (read back from a damaged disk) into a
    /// document it then saves to bytes it cannot load.
    pub fn save_checked(&mut self) -> Result<Vec<u8>, ReplicationError> {
        let saved = self.save();
        let mut again =
            guarded("the document it saved", || AutoCommit::load(&saved)).map_err(|e| {
                ReplicationError::Corrupt(format!("it saves to bytes that do not load: {e}"))
            })?;
        let (mut before, mut after) = (self.doc.get_heads(), again.get_heads());
        before.sort_unstable();
        after.sort_unstable();
        if before != after {
            return Err(ReplicationError::Corrupt(
                "it saves to bytes that load with other heads".into(),
            ));
        }
        Ok(saved)
    }

    /// Every change after the stream's genesis with the event it appends, for a
    /// replica taking a whole stream it held none of: read from the event list and the
    /// changes' metadata, not by decoding each change's operations (about a tenth of
    /// the time, as neither the changes nor their operations are built). It holds the
    /// same checks as `describe`: every change is one operation, and each of them put
    /// one event (bytes) into the list, so a change that deletes, overwrites, puts
    /// anything else or anywhere else, or makes several operations is refused, naming
    /// it. The changes' raw bytes are not read: such a stream is kept as its document.
    pub fn whole_events(
        &mut self,
        stream: StreamId,
    ) -> Result<Vec<IncomingChange>, ReplicationError> {
        let genesis = Self::genesis_heads(stream)?;
        if genesis
            .iter()
            .any(|h| self.doc.get_change_meta_by_hash(h).is_none())
        {
            return Err(ReplicationError::BadChange(
                "the document does not start from this stream's genesis".into(),
            ));
        }
        // Each change by the actor and the number of its one operation.
        let mut by_op = std::collections::HashMap::new();
        for meta in self.doc.get_changes_meta(&genesis) {
            if meta.max_op != meta.start_op {
                return Err(ReplicationError::BadChange(format!(
                    "a change must append exactly one event and nothing else; {} makes {} operations",
                    meta.hash,
                    meta.max_op + 1 - meta.start_op
                )));
            }
            let key = (meta.actor.into_owned(), meta.start_op);
            let change = IncomingChange {
                hash: meta.hash,
                actor: key.0.clone(),
                message: meta.message.map(|m| m.into_owned()),
                time: meta.timestamp,
                raw: Vec::new(),
                events: Vec::with_capacity(1),
                foreign_ops: 0,
            };
            by_op.insert(key, change);
        }
        let changes = by_op.len();
        let mut described = Vec::with_capacity(changes);
        for item in self.doc.list_range(&self.list, ..) {
            let made_by = match item.id() {
                automerge::ObjId::Id(counter, actor, _) => by_op.remove(&(actor, counter)),
                automerge::ObjId::Root => None,
            };
            match (made_by, item.value) {
                (
                    Some(mut change),
                    automerge::ValueRef::Scalar(automerge::ScalarValueRef::Bytes(b)),
                ) => {
                    change.events.push(b.to_vec());
                    described.push(change);
                }
                _ => {
                    return Err(ReplicationError::BadChange(
                        "an element of the event list is not an event one change appended".into(),
                    ));
                }
            }
        }
        if let Some(change) = by_op.into_values().next() {
            return Err(ReplicationError::BadChange(format!(
                "a change must append exactly one event and nothing else; {} appends none",
                change.hash
            )));
        }
        Ok(described)
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
            .map(|bytes| parse_change(bytes).map_err(ReplicationError::BadChange))
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
    /// Changes already here are ignored, so delivering twice changes nothing. After an
    /// error the document may hold part of the changes: drop it.
    pub fn apply(&mut self, changes: Vec<Change>) -> Result<Vec<IncomingChange>, ReplicationError> {
        let before = self.doc.get_heads();
        self.tail = None;
        guarded("the changes", || self.doc.apply_changes(changes))
            .map_err(ReplicationError::BadChange)?;
        Ok(self.added_since(&before))
    }

    /// The next standard Automerge sync message for the peer whose state this is.
    pub fn generate_sync_message(&mut self, state: &mut sync::State) -> Option<sync::Message> {
        self.doc.sync().generate_sync_message(state)
    }

    /// Receives a standard Automerge sync message; returns the changes that were new.
    /// After an error the document may hold part of the message: drop it.
    pub fn receive_sync_message(
        &mut self,
        state: &mut sync::State,
        message: sync::Message,
    ) -> Result<Vec<IncomingChange>, ReplicationError> {
        for change in message.changes.iter() {
            chunks::admit(change).map_err(ReplicationError::BadChange)?;
        }
        let before = self.doc.get_heads();
        self.tail = None;
        guarded("the sync message", || {
            self.doc.sync().receive_sync_message(state, message)
        })
        .map_err(ReplicationError::BadChange)?;
        Ok(self.added_since(&before))
    }

    /// The changes this document made (`append`) since it had `before` as its heads,
    /// described as changes arriving from elsewhere are.
    pub fn appended_since(&mut self, before: &[ChangeHash]) -> Vec<IncomingChange> {
        self.describe_since(before)
    }

    /// The changes the document gained (from elsewhere) since it had `before` as its
    /// heads; their events now count in its length.
    fn added_since(&mut self, before: &[ChangeHash]) -> Vec<IncomingChange> {
        let incoming = self.describe_since(before);
        self.len += incoming.iter().map(|c| c.events.len()).sum::<usize>();
        incoming
    }

    fn describe_since(&mut self, before: &[ChangeHash]) -> Vec<IncomingChange> {
        let added = self.doc.get_changes(before);
        let list = match self.list.clone() {
            ObjId::Id(counter, actor, _) => legacy::ObjectId::Id(legacy::OpId(counter, actor)),
            ObjId::Root => legacy::ObjectId::Root,
        };
        added
            .iter()
            .map(|change| IncomingChange::of(change, &list))
            .collect()
    }

    /// Whether the document holds every change named.
    pub fn holds(&self, hashes: &[ChangeHash]) -> bool {
        hashes
            .iter()
            .all(|h| self.doc.get_change_by_hash(h).is_some())
    }

    /// The heads of a stream's genesis: those of a replica that holds none of its
    /// events.
    pub fn genesis_heads(stream: StreamId) -> Result<Vec<ChangeHash>, ReplicationError> {
        Ok(Self::genesis(stream)?.heads())
    }

    /// Describes changes not applied here, each as it would arrive: the same for every
    /// replica of `stream`, whose event list the genesis made.
    pub fn describe(
        stream: StreamId,
        changes: &[Change],
    ) -> Result<Vec<IncomingChange>, ReplicationError> {
        let list = Self::genesis(stream)?.list_id()?;
        Ok(changes
            .iter()
            .map(|change| IncomingChange::of(change, &list))
            .collect())
    }
}

impl IncomingChange {
    /// A change with the events it appends to `list`, the event list.
    fn of(change: &Change, list: &legacy::ObjectId) -> IncomingChange {
        let expanded = change.decode();
        let mut events = Vec::new();
        let mut foreign_ops = 0;
        for op in &expanded.operations {
            let on_list = op.obj == *list;
            match (&op.action, op.insert, on_list) {
                (automerge::legacy::OpType::Put(ScalarValue::Bytes(b)), true, true) => {
                    events.push(b.clone())
                }
                _ => foreign_ops += 1,
            }
        }
        IncomingChange {
            hash: change.hash(),
            actor: change.actor_id().clone(),
            message: change.message().map(str::to_string),
            time: change.timestamp(),
            raw: change.raw_bytes().to_vec(),
            events,
            foreign_ops,
        }
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

    /// What a replica taking `document` whole reads of it: loaded from its bytes.
    fn taken_whole(
        document: &mut StreamDocument,
        stream: StreamId,
    ) -> Result<Vec<IncomingChange>, ReplicationError> {
        StreamDocument::load(&document.save(), &[])
            .unwrap()
            .whole_events(stream)
    }

    #[test]
    fn a_whole_stream_read_from_its_list_is_what_its_changes_say() {
        let (stream, device, other) = (StreamId::new(), DeviceId::new(), DeviceId::new());
        let mut document = StreamDocument::genesis(stream).unwrap();
        document.append_all(device, batch(0..40)).unwrap();
        // Another device's, made apart and merged, so the list interleaves them.
        let mut elsewhere = StreamDocument::genesis(stream).unwrap();
        for n in 40..50 {
            elsewhere
                .append(other, "cycle-planned", 9, &event(n))
                .unwrap();
        }
        document.apply(elsewhere.changes_since(&[])).unwrap();
        document
            .append(device, "observation-recorded", 7, &event(50))
            .unwrap();

        let key = |c: &IncomingChange| {
            (
                c.hash,
                c.actor.clone(),
                c.message.clone(),
                c.time,
                c.events.clone(),
                c.foreign_ops,
            )
        };
        let mut read = taken_whole(&mut document, stream).unwrap();
        let genesis = StreamDocument::genesis_heads(stream).unwrap();
        let mut described =
            StreamDocument::describe(stream, &document.changes_since(&genesis)).unwrap();
        read.sort_by_key(|c| c.hash);
        described.sort_by_key(|c| c.hash);
        assert_eq!(read.len(), 51);
        assert_eq!(
            read.iter().map(key).collect::<Vec<_>>(),
            described.iter().map(key).collect::<Vec<_>>()
        );
    }

    /// A change made to a document's Automerge document and its event list directly.
    type ForeignChange<'a> = dyn Fn(&mut AutoCommit, &ObjId) + 'a;

    #[test]
    fn a_whole_stream_with_any_other_change_is_refused_naming_it() {
        let stream = StreamId::new();
        let made = |change: &ForeignChange<'_>| {
            let mut document = StreamDocument::genesis(stream).unwrap();
            document.append_all(DeviceId::new(), batch(0..3)).unwrap();
            change(&mut document.doc, &document.list.clone());
            document.doc.commit();
            document.tail = None;
            document
        };
        let bytes = |n: usize| ScalarValue::Bytes(event(n));
        let cases: [(&str, &ForeignChange<'_>); 6] = [
            ("a deletion", &|d, list| d.delete(list, 1).unwrap()),
            ("an overwrite", &|d, list| d.put(list, 0, bytes(9)).unwrap()),
            ("two events in one change", &|d, list| {
                d.insert(list, 3, bytes(3)).unwrap();
                d.insert(list, 4, bytes(4)).unwrap();
            }),
            ("text, not an event", &|d, list| {
                d.insert(list, 3, "words").unwrap()
            }),
            ("a key on the root", &|d, _| {
                d.put(ROOT, "other", 1).unwrap()
            }),
            ("a list of its own", &|d, _| {
                let other = d.put_object(ROOT, "more", ObjType::List).unwrap();
                d.insert(&other, 0, bytes(5)).unwrap();
            }),
        ];
        for (what, change) in cases {
            let mut document = made(change);
            match taken_whole(&mut document, stream) {
                Err(ReplicationError::BadChange(why)) => {
                    assert!(why.contains("event"), "{what}: the refusal says why: {why}")
                }
                other => panic!("{what} was taken: {other:?}"),
            }
        }
        // A document of another stream's genesis is not this stream's.
        let mut document = made(&|_, _| {});
        assert!(taken_whole(&mut document, stream).is_ok());
        assert!(matches!(
            taken_whole(&mut document, StreamId::new()),
            Err(ReplicationError::BadChange(_))
        ));
    }

    #[test]
    fn each_append_returns_the_change_the_document_holds() {
        let (stream, device, other) = (StreamId::new(), DeviceId::new(), DeviceId::new());
        let mut document = StreamDocument::genesis(stream).unwrap();
        let mut elsewhere = StreamDocument::genesis(stream).unwrap();
        let mut n = 0;
        let mut append = |document: &mut StreamDocument, device: DeviceId| {
            n += 1;
            let predicted = document
                .tail
                .clone()
                .filter(|tail| tail.actor == device_actor(device))
                .map(|tail| {
                    let list = document.list_id().unwrap();
                    let (change, _) = tail
                        .append(&list, "observation-recorded", n, event(n as usize))
                        .unwrap();
                    change.raw_bytes().to_vec()
                });
            let (hash, bytes) = document
                .append(device, "observation-recorded", n, &event(n as usize))
                .unwrap();
            let held = document.doc.get_change_by_hash(&hash).unwrap();
            assert_eq!(held.raw_bytes(), bytes.as_slice());
            if let Some(predicted) = predicted {
                assert_eq!(predicted, bytes, "the tail foretold the change");
            }
            assert!(document.tail.is_some());
        };
        for _ in 0..3 {
            append(&mut document, device);
        }
        // Changes from elsewhere, then this device again, another device, a batch.
        for _ in 0..2 {
            append(&mut elsewhere, other);
        }
        document.apply(elsewhere.changes_since(&[])).unwrap();
        assert!(document.tail.is_none());
        for _ in 0..3 {
            append(&mut document, device);
        }
        append(&mut document, other);
        append(&mut document, device);
        document.append_all(device, batch(100..105)).unwrap();
        for _ in 0..2 {
            append(&mut document, device);
        }
        assert_eq!(document.len(), 17);
        let loaded = StreamDocument::load(&document.save(), &[]).unwrap();
        assert_eq!(loaded.events(), document.events());
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
