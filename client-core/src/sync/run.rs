//! The one loop that drives a session to settlement, over any `Transport`: list the
//! streams, plan, then stream by stream send messages and take answers until neither
//! side has anything to tell. A passing failure restarts the stream from its saved
//! state after a pause (doubling, bounded); a refusal is that stream's report and the
//! others go on; a device no longer accepted, a server out of reach or a cancel ends
//! the sync. The store is lent for each local step only, never across a request or a
//! pause.

use super::api::{Credentials, ListedStream};
use super::enrolment::{self, Enrolment};
use super::error::{Attempt, SyncError};
use super::plan::PlannedStream;
use super::progress::{NoProgress, StreamReport, SyncProgress};
use super::retry::Retry;
use super::session::{Next, Plan, StreamSession};
use super::transport::{Failure, StoreAccess, Transport};
use crate::domain::ids::StreamId;
use crate::domain::record::StreamKind;
use crate::protocol::keys::{KeyCursor, KeyUpdate, KeysRequest, OfferedKey};
use crate::store::StoreError;
use std::sync::atomic::{AtomicBool, Ordering};

/// How many projects' changes are sent ahead of the one this device is working on:
/// the server takes two at once (one on each core of a small server) while this device
/// reads the next.
const PUSH_AHEAD: usize = 2;

/// Syncs every stream this device shares with the server. Streams the server lists
/// that are not here are added; projects started here that the server does not know
/// are sent. A stream the server refuses is reported with its reason in its
/// `StreamReport`, and the others still sync. The whole sync stops (with an error)
/// only when the device is no longer accepted, the server cannot be reached, or
/// `cancel` is set; what had arrived by then is saved.
pub fn sync<S: StoreAccess, T: Transport + ?Sized>(
    store: S,
    transport: &mut T,
    retry: Retry,
    progress: &mut dyn SyncProgress,
    cancel: &AtomicBool,
) -> Result<Vec<StreamReport>, SyncError> {
    let mut run = Run {
        store,
        transport,
        retry,
        progress,
        cancel,
    };
    let listed = run
        .retrying(None, true, |t, _| t.streams())
        .map_err(|f| f.give_up(run.transport.server(), Attempt::Sync))?;
    let people: Vec<_> = listed
        .people
        .iter()
        .map(|p| (p.id, p.name.clone()))
        .collect();
    let plan = run.store.with(|s| {
        s.remember_person_names(&people)?;
        Plan::make(s, &listed.streams)
    })?;
    run.progress.planned(&plan.streams);
    let streams: Vec<StreamId> = plan.streams.iter().map(|p| p.stream).collect();
    run.exchange_keys(&streams)?;
    // The streams new here are taken whole, one after another: each is asked for
    // while the one before is taken (`fast_path`).
    let whole: Vec<StreamId> = plan
        .streams
        .iter()
        .filter(|p| p.add_here && p.base.is_some() && !p.alike)
        .map(|p| p.stream)
        .collect();
    if whole.len() > 1 {
        run.transport.pull_ahead(whole);
    }
    let mut reports = plan.unknown;
    let mut sent_ahead = 0;
    for (index, stream) in plan.streams.iter().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            return Err(SyncError::Cancelled);
        }
        // The next projects' changes, when this device is ahead in them, are read and
        // sent now: the server takes them while this device works on this one. Only
        // once the projects' turn has come: a project may build on what this device
        // sends to its collaborative first.
        if stream.kind == StreamKind::Project {
            sent_ahead = sent_ahead.max(index);
            while sent_ahead < index + PUSH_AHEAD {
                sent_ahead += 1;
                if let Some(next) = plan.streams.get(sent_ahead) {
                    run.push_ahead(next);
                }
            }
        }
        reports.push(run.stream(stream, index, plan.streams.len())?);
    }
    // A project started here is the server's only now: the keys of what was recorded
    // in it (an erasure that reached one while this device was offline) come now.
    if plan.streams.iter().any(|p| p.new_on_server) {
        run.exchange_keys(&streams)?;
    }
    Ok(reports)
}

/// Syncs one stream already on this device, and nothing else.
pub fn sync_stream<S: StoreAccess, T: Transport + ?Sized>(
    store: S,
    transport: &mut T,
    stream: StreamId,
    retry: Retry,
    progress: &mut dyn SyncProgress,
    cancel: &AtomicBool,
) -> Result<StreamReport, SyncError> {
    let mut run = Run {
        store,
        transport,
        retry,
        progress,
        cancel,
    };
    let planned = run.store.with(|s| Plan::one(s, stream))?;
    run.progress.planned(std::slice::from_ref(&planned));
    run.exchange_keys(&[stream])?;
    run.stream(&planned, 0, 1)
}

/// Enrols this device: proves whose it is (`credentials`: a password or a one-time
/// enrolment code), then takes on the person and device the server made and saves the
/// server and its token. Nothing in the store changes unless the server enrolled the
/// device. A request that reached the server is not sent again.
pub fn enrol<S: StoreAccess, T: Transport + ?Sized>(
    store: S,
    transport: &mut T,
    retry: Retry,
    credentials: &Credentials,
    device_name: &str,
) -> Result<Enrolment, SyncError> {
    enrol_as(store, transport, retry, credentials, device_name, None)
}

/// Enrols this device as `enrol` does, carrying over what was recorded here before it
/// was enrolled (see `Store::adopt_identity_carrying_over`). Refused before the server
/// is asked when this store was enrolled before: its work may be on a server already.
/// The projects of a collaborative founded on this device move to the person's team
/// on the server: the one they are in, or `team` when they are in several.
pub fn enrol_carrying_over<S: StoreAccess, T: Transport + ?Sized>(
    mut store: S,
    transport: &mut T,
    retry: Retry,
    credentials: &Credentials,
    device_name: &str,
    team: Option<&str>,
) -> Result<Enrolment, SyncError> {
    if store.with(|s| s.setting(super::SERVER_SETTING))?.is_some() {
        return Err(SyncError::CarryOverAfterEnrolment);
    }
    enrol_as(
        store,
        transport,
        retry,
        credentials,
        device_name,
        Some(team),
    )
}

fn enrol_as<S: StoreAccess, T: Transport + ?Sized>(
    store: S,
    transport: &mut T,
    retry: Retry,
    credentials: &Credentials,
    device_name: &str,
    carry_over: Option<Option<&str>>,
) -> Result<Enrolment, SyncError> {
    let request = enrolment::request(credentials, device_name)?;
    let cancel = AtomicBool::new(false);
    let mut run = Run {
        store,
        transport,
        retry,
        progress: &mut NoProgress,
        cancel: &cancel,
    };
    let reply = run
        .retrying(None, false, |t, _| t.enrol(&request))
        .map_err(|f| f.give_up(run.transport.server(), Attempt::Enrol))?;
    let server = run.transport.server().to_string();
    run.store
        .with(|s| enrolment::adopt(s, &server, reply, device_name, carry_over))
}

/// The streams the server lets this device see.
pub fn streams<T: Transport + ?Sized>(
    transport: &mut T,
    retry: Retry,
) -> Result<Vec<ListedStream>, SyncError> {
    let cancel = AtomicBool::new(false);
    let mut progress = NoProgress;
    let mut retrying = Retrying {
        transport,
        retry,
        progress: &mut progress,
        cancel: &cancel,
    };
    retrying
        .run(None, true, |t, _| t.streams())
        .map(|l| l.streams)
        .map_err(|f| f.give_up(retrying.transport.server(), Attempt::Sync))
}

struct Run<'a, S, T: ?Sized> {
    store: S,
    transport: &'a mut T,
    retry: Retry,
    progress: &'a mut dyn SyncProgress,
    cancel: &'a AtomicBool,
}

impl<S: StoreAccess, T: Transport + ?Sized> Run<'_, S, T> {
    /// One stream, tried again from its saved state after a passing failure.
    fn stream(
        &mut self,
        stream: &PlannedStream,
        index: usize,
        of: usize,
    ) -> Result<StreamReport, SyncError> {
        let mut session = StreamSession::new(stream);
        self.store.with(|s| session.begin(s))?;
        self.progress.stream_started(stream, index, of);
        if stream.alike {
            let report = self
                .store
                .with(|s| {
                    session.settle_alike(s)?;
                    session.finish(s, Ok(()))
                })
                .map_err(|f| f.give_up(self.transport.server(), Attempt::Sync))?;
            self.progress.stream_finished(&report);
            return Ok(report);
        }
        let mut retrying = Retrying {
            transport: &mut *self.transport,
            retry: self.retry,
            progress: &mut *self.progress,
            cancel: self.cancel,
        };
        let store = &mut self.store;
        let cancel = self.cancel;
        let outcome = retrying
            .run(Some(stream), true, |transport, progress| {
                fast_path(store, transport, &mut session, progress)
            })
            .and_then(|settled| {
                if settled {
                    return Ok(());
                }
                retrying.run(Some(stream), true, |transport, progress| {
                    exchange(store, transport, &mut session, progress, cancel)
                })
            });
        let report = self
            .store
            .with(|s| session.finish(s, outcome))
            .map_err(|f| f.give_up(self.transport.server(), Attempt::Sync))?;
        self.progress.stream_finished(&report);
        Ok(report)
    }

    /// Sends `stream`'s changes ahead of its turn when it is a fast-forward of the
    /// server's heads as listed (`fast_path` takes the answer). Anything in the way
    /// (nothing new, a local error) is left for the stream's own turn to meet.
    fn push_ahead(&mut self, stream: &PlannedStream) {
        let Some(base) = &stream.base else {
            return;
        };
        if stream.alike || stream.add_here || stream.read_only {
            return;
        }
        if let Ok(Some(changes)) = self.store.with(|s| s.changes_after(stream.stream, base)) {
            self.transport.push_ahead(stream.stream, base, changes);
        }
    }

    /// Gives the server the data keys made here, and takes the changes to the keys of
    /// `streams` since this device last asked: keys to hold, keys erased (destroyed
    /// here in the same step). First in every sync, so the server holds the key of
    /// every sealed change it is sent. A server without the exchange is synced as
    /// before.
    fn exchange_keys(&mut self, streams: &[StreamId]) -> Result<(), SyncError> {
        let request = self.store.with(|s| -> Result<KeysRequest, StoreError> {
            Ok(KeysRequest {
                made: s.keys_to_send()?.iter().map(OfferedKey::of).collect(),
                streams: streams
                    .iter()
                    .map(|&stream| {
                        Ok(KeyCursor {
                            stream,
                            since: s.key_cursor(stream)?,
                        })
                    })
                    .collect::<Result<_, StoreError>>()?,
            })
        })?;
        let answer = self
            .retrying(None, true, |t, _| t.keys(&request))
            .map_err(|f| f.give_up(self.transport.server(), Attempt::Sync))?;
        let Some(answer) = answer else {
            return Ok(());
        };
        let changes = answer
            .changes
            .iter()
            .map(KeyUpdate::change)
            .collect::<Result<Vec<_>, String>>()
            .map_err(|e| SyncError::Protocol(format!("the key exchange's answer: {e}")))?;
        let sent: Vec<_> = request.made.iter().map(|k| k.id).collect();
        self.store.with(|s| -> Result<(), StoreError> {
            s.keys_sent(&sent)?;
            s.take_key_changes(&changes)?;
            Ok(())
        })?;
        Ok(())
    }

    fn retrying<R>(
        &mut self,
        stream: Option<&PlannedStream>,
        resend: bool,
        attempt: impl FnMut(&mut T, &mut dyn SyncProgress) -> Result<R, Failure>,
    ) -> Result<R, Failure> {
        Retrying {
            transport: &mut *self.transport,
            retry: self.retry,
            progress: &mut *self.progress,
            cancel: self.cancel,
        }
        .run(stream, resend, attempt)
    }
}

/// The two common cases at once, before any sync message (`store::fast_path`): a
/// device that holds none of the stream takes it whole; a device that holds all the
/// server has of it and more sends what the server lacks in one request. True when
/// that settled the stream; false when the stream is to sync through sync messages
/// (the server's heads are not known, or the server moved on or offers neither).
fn fast_path<S: StoreAccess, T: Transport + ?Sized>(
    store: &mut S,
    transport: &mut T,
    session: &mut StreamSession,
    progress: &mut dyn SyncProgress,
) -> Result<bool, Failure> {
    let Some(base) = session.stream().base.clone() else {
        return Ok(false);
    };
    let id = session.stream().stream;
    if let Some(answer) = transport.pushed_ahead(id) {
        // A failure is tried again as this stream's own push.
        let Some(pushed) = answer? else {
            return Ok(false);
        };
        let settled = store.with(|s| session.took_push(s, &pushed))?;
        progress.round_done(session.stream(), session.report());
        return Ok(settled);
    }
    if store.with(|s| session.holds_nothing(s))? {
        let Some(whole) = transport.pull(id)? else {
            return Ok(false);
        };
        store.with(|s| session.take_whole(s, &whole))?;
        progress.round_done(session.stream(), session.report());
        return Ok(true);
    }
    let Some(changes) = store.with(|s| s.changes_after(id, &base))? else {
        return Ok(false);
    };
    let Some(pushed) = transport.push(id, &base, changes)? else {
        return Ok(false);
    };
    let settled = store.with(|s| session.took_push(s, &pushed))?;
    progress.round_done(session.stream(), session.report());
    Ok(settled)
}

/// Messages up and answers in for one stream until neither side has anything to
/// tell, from the state saved for the server. The session ends it after `MAX_ROUNDS`
/// answers, so the loop is bounded.
fn exchange<S: StoreAccess, T: Transport + ?Sized>(
    store: &mut S,
    transport: &mut T,
    session: &mut StreamSession,
    progress: &mut dyn SyncProgress,
    cancel: &AtomicBool,
) -> Result<(), Failure> {
    store.with(|s| session.resume(s))?;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(Failure::Fatal(SyncError::Cancelled));
        }
        let message = match store.with(|s| session.next_message(s))? {
            Next::Send(message) => message,
            Next::Settled => return Ok(()),
        };
        let reply = transport.sync(session.stream().stream, message)?;
        let settled = store.with(|s| session.take_reply(s, reply))?;
        progress.round_done(session.stream(), session.report());
        if settled {
            return Ok(());
        }
    }
}

/// Runs an attempt until it succeeds, fails for good, or the tries run out, pausing
/// longer after each passing failure.
pub(crate) struct Retrying<'a, T: ?Sized> {
    pub transport: &'a mut T,
    pub retry: Retry,
    pub progress: &'a mut dyn SyncProgress,
    pub cancel: &'a AtomicBool,
}

impl<T: Transport + ?Sized> Retrying<'_, T> {
    /// With `resend` false, only a request that never left this device is tried
    /// again.
    pub fn run<R>(
        &mut self,
        stream: Option<&PlannedStream>,
        resend: bool,
        mut attempt: impl FnMut(&mut T, &mut dyn SyncProgress) -> Result<R, Failure>,
    ) -> Result<R, Failure> {
        let mut failures = 0;
        loop {
            match attempt(self.transport, self.progress) {
                Err(Failure::Transient(t)) if (resend || !t.sent) => {
                    failures += 1;
                    if failures >= self.retry.tries {
                        return Err(Failure::Transient(t));
                    }
                    let delay = self.retry.delay(failures, t.wait);
                    self.progress.retrying(stream, failures, delay, &t.reason);
                    if !self.transport.pause(delay, self.cancel) {
                        return Err(Failure::Fatal(SyncError::Cancelled));
                    }
                }
                other => return other,
            }
        }
    }
}
