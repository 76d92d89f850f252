//! A sync as a session that does no I/O: it plans the streams from the server's list
//! and what this device holds, and for each stream makes the next Automerge sync
//! message and takes the server's answer, saving the sync state through `Store` after
//! every answer. Whoever drives it carries the messages (`run.rs`, over a
//! `Transport`), so the same session serves a phone over HTTP and the server's own
//! seeding in one process.

use super::api::{ListedStream, SyncReply};
use super::plan::{self, PlannedStream};
use super::progress::{StreamFailure, StreamReport};
use super::transport::{Failure, Pushed, Transient};
use super::{MAX_ROUNDS, PEER};
use crate::domain::ids::StreamId;
use crate::domain::record::StreamKind;
use crate::domain::role::Role;
use crate::replication::ReplicationError;
use crate::replication::StreamDocument;
use crate::store::{Store, StoreError, WholeStream, queries};
use automerge::ChangeHash;
use automerge::sync::State;
use std::collections::HashSet;

/// What a sync will go through: the streams in order, and a report already made for
/// each listed stream of a kind this build does not know.
pub struct Plan {
    pub streams: Vec<PlannedStream>,
    pub unknown: Vec<StreamReport>,
}

impl Plan {
    /// Notes the roles the server lists for each stream, then plans: the server's
    /// streams (collaboratives first), then the projects this person started here that
    /// the server does not know yet.
    pub fn make(store: &mut Store, listed: &[ListedStream]) -> Result<Plan, StoreError> {
        for l in listed {
            let roles: Vec<Role> = l
                .role
                .split(',')
                .filter_map(|r| Role::from_name(r.trim()))
                .collect();
            store.set_stream_roles(l.stream_id, &roles, l.read_only)?;
        }
        let local = queries::streams(store.connection())?;
        let started_here = started_by(store, &local)?;
        let (mut streams, unknown) = plan::plan(listed, &local, &started_here);
        // One exchange told which streams differ: those listed with the heads held
        // here are the same document on both sides.
        for planned in streams.iter_mut().filter(|p| !p.new_on_server) {
            let listed_heads = listed
                .iter()
                .find(|l| l.stream_id == planned.stream)
                .and_then(|l| l.heads.as_ref());
            if let Some(theirs) = listed_heads {
                planned.base = crate::protocol::parse_heads(&theirs.join(",")).ok();
                // A stream added here by this sync holds nothing yet.
                if !planned.add_here {
                    let ours = store.heads(planned.stream)?;
                    planned.alike = same_heads(&ours, theirs);
                }
            }
        }
        // A project the server does not know yet: it holds the genesis alone.
        for planned in streams.iter_mut().filter(|p| p.new_on_server) {
            planned.base = Some(StreamDocument::genesis_heads(planned.stream)?);
        }
        let unknown = unknown
            .iter()
            .map(|l| StreamReport {
                stream: l.stream_id,
                name: l.name.clone(),
                kind: None,
                sent_events: 0,
                received_events: 0,
                rounds: 0,
                added_here: false,
                new_on_server: false,
                error: Some(StreamFailure::new(
                    None,
                    "unknown_kind",
                    format!(
                        "the server shares a stream of kind '{}', which this Praxis does not know: update Praxis to sync it",
                        l.kind
                    ),
                )),
            })
            .collect();
        Ok(Plan { streams, unknown })
    }

    /// A plan of one stream already on this device, as it stands here.
    pub fn one(store: &Store, stream: StreamId) -> Result<PlannedStream, StoreError> {
        let info = queries::stream_info(store.connection(), stream)?;
        Ok(PlannedStream {
            stream,
            kind: info.kind,
            name: info.name,
            collaborative: info.collaborative,
            add_here: false,
            new_on_server: false,
            read_only: false,
            alike: false,
            base: None,
        })
    }
}

/// Whether the heads held here are those the server listed (hex, in any order).
fn same_heads(ours: &[automerge::ChangeHash], theirs: &[String]) -> bool {
    let mut ours: Vec<String> = ours.iter().map(|h| h.to_string()).collect();
    let mut theirs: Vec<String> = theirs.iter().map(|h| h.to_ascii_lowercase()).collect();
    ours.sort();
    theirs.sort();
    ours == theirs
}

/// The projects here that this store's person started: the ones the server takes in
/// unlisted.
fn started_by(
    store: &Store,
    local: &[queries::StreamInfo],
) -> Result<HashSet<StreamId>, StoreError> {
    let me = store.identity().person;
    let mut mine = HashSet::new();
    for s in local.iter().filter(|s| s.kind == StreamKind::Project) {
        let founding = queries::summary(store.connection(), s.id)?.founding;
        if let Some(f) = founding
            && queries::event(store.connection(), f)?.is_some_and(|e| e.author == me)
        {
            mine.insert(s.id);
        }
    }
    Ok(mine)
}

/// What to do next for a stream.
#[derive(Debug, PartialEq)]
pub enum Next {
    /// Send this message and hand its answer to `take_reply`.
    Send(Vec<u8>),
    /// Neither side has anything more to tell; the state is saved.
    Settled,
}

/// One stream's exchange: Automerge sync messages up, answers merged, until neither
/// side has anything to tell. An attempt starts from the saved state (`resume`), so
/// one restarted after a lost answer never believes that answer arrived.
pub struct StreamSession {
    stream: PlannedStream,
    state: State,
    report: StreamReport,
    /// Messages answered in this attempt.
    rounds: u32,
    /// This device's heads as the last message gave them.
    heads: Vec<ChangeHash>,
}

impl StreamSession {
    pub fn new(stream: &PlannedStream) -> StreamSession {
        StreamSession {
            stream: stream.clone(),
            state: State::new(),
            report: StreamReport::start(stream),
            rounds: 0,
            heads: Vec::new(),
        }
    }

    pub fn stream(&self) -> &PlannedStream {
        &self.stream
    }

    /// The running totals.
    pub fn report(&self) -> &StreamReport {
        &self.report
    }

    /// Adds a stream the server listed and this device does not have yet.
    pub fn begin(&mut self, store: &mut Store) -> Result<(), StoreError> {
        let s = &self.stream;
        if s.add_here {
            store.add_stream(s.stream, s.kind, &s.name, s.collaborative)?;
        }
        Ok(())
    }

    /// Settles a stream the server listed with the heads held here, with no request:
    /// the server is known to hold everything this device made in it.
    pub fn settle_alike(&mut self, store: &mut Store) -> Result<(), StoreError> {
        let heads = store.heads(self.stream.stream)?;
        store.save_acknowledged(self.stream.stream, PEER, &heads)
    }

    /// Whether this device holds none of the stream's events: then the whole stream
    /// can come at once (`take_whole`).
    pub fn holds_nothing(&self, store: &Store) -> Result<bool, StoreError> {
        Ok(!self.stream.new_on_server
            && queries::summary(store.connection(), self.stream.stream)?.events == 0)
    }

    /// Takes the whole stream the server sent, for a device that held none of it.
    pub fn take_whole(&mut self, store: &mut Store, whole: &WholeStream) -> Result<(), Failure> {
        let id = self.stream.stream;
        let merged = store.take_whole(id, whole).map_err(|e| match e {
            StoreError::BadChanges(why) | StoreError::Replication(ReplicationError::Corrupt(why)) => {
                Failure::Refused(StreamFailure::new(
                    None,
                    "bad_reply",
                    format!(
                        "the server sent the stream in a form this Praxis cannot read ({why}): update Praxis, or tell your administrator"
                    ),
                ))
            }
            other => Failure::Local(other),
        })?;
        self.rounds += 1;
        self.report.rounds += 1;
        self.report.received_events += merged.events;
        store.save_acknowledged(id, PEER, &whole.heads)?;
        Ok(())
    }

    /// Notes what the server took of the changes this device sent as a
    /// fast-forward; true when the server now holds the stream as this device does.
    pub fn took_push(&mut self, store: &mut Store, pushed: &Pushed) -> Result<bool, Failure> {
        let id = self.stream.stream;
        self.rounds += 1;
        self.report.rounds += 1;
        self.report.sent_events += pushed.accepted;
        store.save_acknowledged(id, PEER, &pushed.heads)?;
        let ours = store.heads(id)?;
        let theirs: Vec<String> = pushed.heads.iter().map(|h| h.to_string()).collect();
        Ok(same_heads(&ours, &theirs))
    }

    /// Starts an attempt from the state saved for the server.
    pub fn resume(&mut self, store: &Store) -> Result<(), Failure> {
        self.state = store.sync_state(self.stream.stream, PEER)?;
        self.rounds = 0;
        Ok(())
    }

    /// The next message for the server, or `Settled` when there is nothing to tell.
    /// After `MAX_ROUNDS` answers in one attempt the stream is refused instead of
    /// going round again.
    pub fn next_message(&mut self, store: &mut Store) -> Result<Next, Failure> {
        if self.rounds >= MAX_ROUNDS {
            return Err(Failure::Refused(StreamFailure::new(
                None,
                "not_settled",
                format!(
                    "the server and this device were still exchanging after {MAX_ROUNDS} messages; what arrived is saved: sync again, and tell your administrator if it happens again"
                ),
            )));
        }
        let id = self.stream.stream;
        match store.generate_sync_message(id, &mut self.state)? {
            Some(o) if !o.in_sync => {
                self.heads = o.heads;
                Ok(Next::Send(o.bytes))
            }
            _ => {
                store.save_sync_state(id, PEER, &self.state)?;
                Ok(Next::Settled)
            }
        }
    }

    /// Takes the server's answer to the last message: merges its message, or, when it
    /// has nothing to tell (204), notes that it has this device's heads. Saves the
    /// state either way (with what the message brought, in the same transaction). True when the server had nothing more to tell.
    pub fn take_reply(&mut self, store: &mut Store, reply: SyncReply) -> Result<bool, Failure> {
        let id = self.stream.stream;
        self.rounds += 1;
        self.report.rounds += 1;
        self.report.sent_events += reply.accepted;
        let settled = match reply.message {
            Some(message) => {
                let merged = store
                    .receive_sync_message_from(id, PEER, &mut self.state, &message, None)
                    .map_err(|e| match e {
                        StoreError::BadSyncMessage(why) => Failure::Refused(StreamFailure::new(
                            None,
                            "bad_reply",
                            format!(
                                "the server's answer is not a sync message this Praxis can read ({why}): update Praxis, or tell your administrator"
                            ),
                        )),
                        other => Failure::Local(other),
                    })?;
                self.report.received_events += merged.events;
                // Its message may answer ours or ask for more: only the next message
                // we make can tell.
                false
            }
            None => {
                // Only so `waiting_to_sync` can count what is left: the sync itself
                // goes by its saved state alone.
                store.save_acknowledged(id, PEER, &self.heads)?;
                store.save_sync_state(id, PEER, &self.state)?;
                true
            }
        };
        Ok(settled)
    }

    /// The stream's report, given how its last attempt ended. A failure that ends the
    /// whole sync is handed back. A stream this sync added and could not fill is
    /// removed again, so no empty stream is left behind; the next sync adds it again.
    pub fn finish(
        mut self,
        store: &mut Store,
        outcome: Result<(), Failure>,
    ) -> Result<StreamReport, Failure> {
        self.report.error = match outcome {
            Ok(()) => None,
            Err(Failure::Transient(Transient {
                reason,
                status: Some(status),
                ..
            })) => Some(StreamFailure::new(
                Some(status),
                "server_error",
                format!(
                    "the server failed ({reason}): sync again later, and tell your administrator if it goes on"
                ),
            )),
            Err(Failure::Refused(failure)) => Some(failure),
            Err(Failure::Local(e)) => Some(StreamFailure::new(None, "local", e.to_string())),
            Err(fatal) => return Err(fatal),
        };
        if !self.report.synced() && self.stream.add_here {
            store.remove_stream_if_empty(self.stream.stream)?;
        }
        Ok(self.report)
    }
}
