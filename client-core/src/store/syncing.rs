//! Sync with a peer through standard Automerge sync messages. The caller keeps each
//! peer's `State` for the length of a session; what outlives it (the heads both sides
//! share) is saved per (peer, stream), so a later sync sends only what is new.

use super::codec::uuid_blob;
use super::{Gate, Merged, Store, StoreError, hold_in, maybe_compact, merge_in};
use crate::domain::ids::StreamId;
use crate::replication::{StreamDocument, device_actor};
use automerge::ChangeHash;
use automerge::sync::{Message, State};
use rusqlite::{OptionalExtension, params};

/// A sync message ready to send, and whether it carries changes.
pub struct Outgoing {
    pub bytes: Vec<u8>,
    /// True when the message carries no changes and the peer is known to have our heads:
    /// there is nothing left to tell it.
    pub in_sync: bool,
    /// This replica's heads as the message gives them.
    pub heads: Vec<ChangeHash>,
}

impl Store {
    /// The saved sync state with `peer` for `stream` (a fresh one the first time).
    pub fn sync_state(&self, stream: StreamId, peer: &str) -> Result<State, StoreError> {
        let saved: Option<Vec<u8>> = self
            .conn
            .prepare_cached("SELECT state FROM sync_states WHERE peer = ?1 AND stream = ?2")?
            .query_row(params![peer, uuid_blob(&stream.0)], |r| r.get(0))
            .optional()?;
        match saved {
            Some(bytes) => {
                State::decode(&bytes).map_err(|e| StoreError::Corrupt(format!("a sync state: {e}")))
            }
            None => Ok(State::new()),
        }
    }

    pub fn save_sync_state(
        &self,
        stream: StreamId,
        peer: &str,
        state: &State,
    ) -> Result<(), StoreError> {
        save_state(&self.conn, stream, peer, state)
    }

    /// Notes that `peer` said it has everything up to `heads` (it answered a message
    /// giving them with nothing to tell). Only counts what waits to sync: the sync
    /// itself goes by its saved state, so a wrong note could never hold a change back.
    pub fn save_acknowledged(
        &self,
        stream: StreamId,
        peer: &str,
        heads: &[ChangeHash],
    ) -> Result<(), StoreError> {
        let text: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
        self.set_setting(&format!("acknowledged:{peer}:{stream}"), &text.join(","))
    }

    /// How many changes this device made (one event each) that `peer` is not known to
    /// have: those after the heads the saved sync state says both sides share, and
    /// after those the peer last acknowledged.
    pub fn waiting_to_sync(&mut self, peer: &str) -> Result<u64, StoreError> {
        Ok(self
            .waiting_to_sync_by_stream(peer)?
            .iter()
            .map(|(_, n)| n)
            .sum())
    }

    /// `waiting_to_sync` for each stream this device holds, in the store's order.
    pub fn waiting_to_sync_by_stream(
        &mut self,
        peer: &str,
    ) -> Result<Vec<(StreamId, u64)>, StoreError> {
        let actor = device_actor(self.identity.device);
        let mut waiting = Vec::new();
        for stream in super::queries::streams(&self.conn)? {
            let mut shared = self.sync_state(stream.id, peer)?.shared_heads;
            if let Some(text) = self.setting(&format!("acknowledged:{peer}:{}", stream.id))? {
                for hash in text.split(',').filter(|h| !h.is_empty()) {
                    shared.push(hash.parse().map_err(|_| {
                        StoreError::Corrupt(format!("an acknowledged head '{hash}'"))
                    })?);
                }
            }
            let (mut document, seen) = self.take_document(stream.id)?;
            let count = document
                .changes_since(&shared)
                .iter()
                .filter(|c| c.actor_id() == &actor)
                .count() as u64;
            self.put_document(stream.id, document, seen);
            waiting.push((stream.id, count));
        }
        Ok(waiting)
    }

    /// The next sync message for the peer, or `None` when there is nothing to send.
    pub fn generate_sync_message(
        &mut self,
        stream: StreamId,
        state: &mut State,
    ) -> Result<Option<Outgoing>, StoreError> {
        forget_sent_if_asked_again(state);
        let (mut document, seen) = self.take_document(stream)?;
        let message = document.generate_sync_message(state);
        let heads = document.heads();
        self.put_document(stream, document, seen);
        Ok(message.map(|m| {
            let in_sync = m.changes.is_empty()
                && m.need.is_empty()
                && state.their_heads.as_deref() == Some(heads.as_slice());
            Outgoing {
                bytes: m.encode(),
                in_sync,
                heads,
            }
        }))
    }

    /// Receives a sync message from the peer and merges what it brings, in one
    /// transaction. With a `gate`, every new change is checked first (by the gate and
    /// by the domain's rules for events recorded elsewhere); if any is refused, nothing
    /// of the message is applied and the refusals are returned.
    pub fn receive_sync_message(
        &mut self,
        stream: StreamId,
        state: &mut State,
        message: &[u8],
        gate: Option<&mut dyn Gate>,
    ) -> Result<Merged, StoreError> {
        self.receive(stream, None, state, message, gate)
    }

    /// As `receive_sync_message`, and saves the state both sides now share with `peer`
    /// in the same transaction: a round of sync is one write, with one wait for the
    /// disk, whatever the message carried.
    pub fn receive_sync_message_from(
        &mut self,
        stream: StreamId,
        peer: &str,
        state: &mut State,
        message: &[u8],
        gate: Option<&mut dyn Gate>,
    ) -> Result<Merged, StoreError> {
        self.receive(stream, Some(peer), state, message, gate)
    }

    fn receive(
        &mut self,
        stream: StreamId,
        peer: Option<&str>,
        state: &mut State,
        message: &[u8],
        gate: Option<&mut dyn Gate>,
    ) -> Result<Merged, StoreError> {
        let message =
            Message::decode(message).map_err(|e| StoreError::BadSyncMessage(e.to_string()))?;
        let (mut document, seen) = self.take_document(stream)?;
        let mut trial = state.clone();
        // On an error the document is dropped with whatever it took, and read again
        // from disk when next needed.
        let incoming = document.receive_sync_message(&mut trial, message)?;
        if incoming.is_empty() && peer.is_none() && gate.is_none() {
            // Nothing to merge and nothing to save: no transaction at all.
            *state = trial;
            self.put_document(stream, document, seen);
            return Ok(Merged::default());
        }
        let identity = self.identity.clone();
        let wall = self.wall.now();
        let merged = self.write_with(stream, document, seen, |tx, clock, document| {
            let merged = round_in(
                tx,
                clock,
                stream,
                &incoming,
                document,
                peer.map(|p| (p, &trial)),
                gate,
            )?;
            // What a gate held back is named in the same transaction.
            hold_in(tx, (clock, wall), &identity, stream, document, &merged.held)?;
            Ok(merged)
        })?;
        *state = trial;
        Ok(merged)
    }

    /// The answer to a peer's message that carries no changes (see `carries_changes`)
    /// about a stream this replica does not hold, made in memory from the stream's
    /// genesis, which every replica shares: nothing is written, and the peer's next
    /// message brings the changes.
    pub fn answer_for_unknown(
        stream: StreamId,
        message: &[u8],
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let message =
            Message::decode(message).map_err(|e| StoreError::BadSyncMessage(e.to_string()))?;
        if !message.changes.is_empty() {
            return Err(StoreError::BadSyncMessage(
                "a message that carries changes needs the stream held to take them".into(),
            ));
        }
        let mut document = StreamDocument::genesis(stream)?;
        let mut state = State::new();
        document.receive_sync_message(&mut state, message)?;
        Ok(document
            .generate_sync_message(&mut state)
            .map(|m| m.encode()))
    }
}

/// A round's writes: the changes merged (if any), the state saved for the peer (if
/// named), and the gate's own.
fn round_in<'g>(
    tx: &rusqlite::Transaction,
    clock: &mut crate::domain::hlc::Hlc,
    stream: StreamId,
    incoming: &[crate::replication::IncomingChange],
    document: &mut StreamDocument,
    save: Option<(&str, &State)>,
    mut gate: Option<&mut (dyn Gate + 'g)>,
) -> Result<Merged, StoreError> {
    let merged = if incoming.is_empty() {
        Merged::default()
    } else {
        let merged = merge_in(tx, clock, stream, incoming, gate.as_deref_mut())?;
        maybe_compact(tx, stream, document)?;
        merged
    };
    if let Some((peer, state)) = save {
        save_state(tx, stream, peer, state)?;
    }
    if let Some(g) = gate {
        g.round(tx)?;
    }
    Ok(merged)
}

/// Whether a sync message carries changes (rather than only heads and what the peer
/// needs).
pub fn carries_changes(message: &[u8]) -> Result<bool, StoreError> {
    let message =
        Message::decode(message).map_err(|e| StoreError::BadSyncMessage(e.to_string()))?;
    Ok(!message.changes.is_empty())
}

fn save_state(
    conn: &rusqlite::Connection,
    stream: StreamId,
    peer: &str,
    state: &State,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO sync_states (peer, stream, state) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![peer, uuid_blob(&stream.0), state.encode()])?;
    Ok(())
}

/// Automerge sends each change once per session and leaves out of later messages any
/// it has sent, even when the peer names it in its `need`. A peer asks again only if
/// it did not keep the change: one that arrived before a change it depends on (held
/// back by a Bloom filter's false positive) waits in the document's memory, and the
/// server forgets it when the round ends with nothing applied. Sending it again is
/// harmless; leaving it out stalls the stream until the next session.
fn forget_sent_if_asked_again(state: &mut State) {
    if let Some(need) = &state.their_need {
        for hash in need {
            state.sent_hashes.remove(hash);
        }
    }
}
