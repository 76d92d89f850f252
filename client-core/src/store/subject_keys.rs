//! The keys a store has opened for the people its records are about, by stream: what
//! recording seals an observation under, found without a read of `data_keys` by person
//! and without an index on it to write as each person's first key is made (a device
//! keeps none, `007_subject_keys_in_memory.sql`).
//!
//! Only a hint: a key found here is used once the store has checked, in the recording's
//! own transaction, that it is still held and not erased (`data_keys::key_for`). A
//! stream's keys are read whole the first time one is asked for; a person missing here
//! then has no key in the stream, or one another connection made since (the worst that
//! follows is a second key for that person, which erasure finds with the first).

use crate::domain::ids::{DataKeyId, StreamId};
use crate::domain::sealing::DataKey;
use std::collections::HashMap;
use std::sync::Mutex;

/// Streams whose keys are kept at once; past it, all are forgotten and read again
/// when next asked for.
const STREAMS_KEPT: usize = 64;

/// A person's key in a stream, by the keyed hash of their reference.
type Keys = HashMap<Vec<u8>, (DataKeyId, DataKey)>;

#[derive(Default)]
pub struct SubjectKeys {
    streams: Mutex<HashMap<StreamId, Keys>>,
}

/// What the memory knows of a person's key in a stream.
pub enum Known {
    /// The stream's keys were never read.
    Unread,
    /// None of the stream's keys is for this person.
    NoKey,
    Key(DataKeyId, DataKey),
}

impl SubjectKeys {
    fn streams(&self) -> std::sync::MutexGuard<'_, HashMap<StreamId, Keys>> {
        // A panic while holding the lock leaves at worst a hint missing.
        self.streams
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn known(&self, stream: StreamId, tag: &[u8]) -> Known {
        match self.streams().get(&stream) {
            None => Known::Unread,
            Some(keys) => match keys.get(tag) {
                None => Known::NoKey,
                Some((id, key)) => Known::Key(*id, key.clone()),
            },
        }
    }

    /// Keeps the stream's keys as read (later ones in `keys` win for a person).
    pub fn read(
        &self,
        stream: StreamId,
        keys: impl IntoIterator<Item = (Vec<u8>, DataKeyId, DataKey)>,
    ) {
        let mut streams = self.streams();
        if streams.len() >= STREAMS_KEPT && !streams.contains_key(&stream) {
            streams.clear();
        }
        streams.insert(
            stream,
            keys.into_iter()
                .map(|(tag, id, key)| (tag, (id, key)))
                .collect(),
        );
    }

    /// Notes a key made for a person, when the stream's keys are kept.
    pub fn made(&self, stream: StreamId, tag: Vec<u8>, id: DataKeyId, key: DataKey) {
        if let Some(keys) = self.streams().get_mut(&stream) {
            keys.insert(tag, (id, key));
        }
    }

    /// Forgets a stream's keys (one of them is gone, or others came), to be read again.
    pub fn forget(&self, stream: StreamId) {
        self.streams().remove(&stream);
    }
}
