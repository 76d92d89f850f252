//! The end of a stream's document as the next append must name it, kept while only
//! this replica's own appends change the document, so an append's change can be made
//! directly instead of asked of Automerge.

use super::error::ReplicationError;
use automerge::{ActorId, Change, ChangeHash, ExpandedChange, ScalarValue, legacy};
use std::num::NonZeroU64;

/// What the next change appending an event must say: by whom and with which sequence
/// number, from which operation number on, after which changes and which element.
#[derive(Clone, Debug)]
pub(super) struct Tail {
    pub(super) actor: ActorId,
    /// The sequence number of the actor's last change (0 for none).
    pub(super) seq: u64,
    /// The highest operation number in the document.
    pub(super) max_op: u64,
    /// The document's heads, sorted.
    pub(super) heads: Vec<ChangeHash>,
    /// The list's last element.
    pub(super) last: legacy::ElementId,
}

impl Tail {
    /// The tail after `change`, an append by `actor` that is the document's only head.
    pub(super) fn after(change: &Change, actor: ActorId) -> Tail {
        Tail {
            seq: change.seq(),
            max_op: change.max_op(),
            heads: vec![change.hash()],
            last: legacy::ElementId::Id(legacy::OpId(change.start_op().get(), actor.clone())),
            actor,
        }
    }

    /// The change appending `event`, and the tail after it.
    pub(super) fn append(
        self,
        list: &legacy::ObjectId,
        kind: &str,
        time_secs: i64,
        event: Vec<u8>,
    ) -> Result<(Change, Tail), ReplicationError> {
        let start_op = NonZeroU64::new(self.max_op + 1)
            .ok_or_else(|| ReplicationError::BadChange("no operation number".into()))?;
        let change = Change::from(ExpandedChange {
            operations: vec![legacy::Op {
                action: legacy::OpType::Put(ScalarValue::Bytes(event)),
                obj: list.clone(),
                key: legacy::Key::Seq(self.last),
                pred: legacy::SortedVec::new(),
                insert: true,
            }],
            actor_id: self.actor.clone(),
            hash: None,
            seq: self.seq + 1,
            start_op,
            time: time_secs,
            message: Some(kind.to_string()),
            deps: self.heads,
            extra_bytes: Vec::new(),
            author: None,
        });
        let tail = Tail::after(&change, self.actor);
        Ok((change, tail))
    }
}
