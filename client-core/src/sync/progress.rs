//! What a sync tells as it goes (so a terminal or a phone can show it) and what it
//! reports for each stream at the end.

use super::plan::PlannedStream;
use crate::domain::ids::{EventId, StreamId};
use crate::domain::record::StreamKind;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Called as a sync goes. Every method does nothing unless implemented.
pub trait SyncProgress {
    /// The streams this sync will go through, in order.
    fn planned(&mut self, _streams: &[PlannedStream]) {}
    /// Stream `index` (from 0) of `of` begins.
    fn stream_started(&mut self, _stream: &PlannedStream, _index: usize, _of: usize) {}
    /// One message went to the server and its answer was saved; the report holds the
    /// running totals.
    fn round_done(&mut self, _stream: &PlannedStream, _so_far: &StreamReport) {}
    /// A request failed in a way worth trying again (no connection, a busy or failing
    /// server); the next try starts after `delay`. `stream` is `None` while listing.
    fn retrying(
        &mut self,
        _stream: Option<&PlannedStream>,
        _failures: u32,
        _delay: Duration,
        _reason: &str,
    ) {
    }
    /// The stream is done: synced, or refused with the reason in `report.error`.
    fn stream_finished(&mut self, _report: &StreamReport) {}
}

/// Shows nothing.
pub struct NoProgress;

impl SyncProgress for NoProgress {}

/// How one stream's sync went.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StreamReport {
    pub stream: StreamId,
    pub name: String,
    /// `None` for a stream of a kind this build does not know (from a newer server).
    pub kind: Option<StreamKind>,
    /// Events from this device the server newly accepted.
    pub sent_events: usize,
    /// Events from the server that were new on this device.
    pub received_events: usize,
    /// Sync messages the server took and answered for this stream (retries included).
    pub rounds: u32,
    /// The stream was listed by the server and added on this device by this sync.
    pub added_here: bool,
    /// The stream was on this device only (a project started here) when the sync began.
    pub new_on_server: bool,
    /// Why the stream did not sync; `None` when it did.
    pub error: Option<StreamFailure>,
}

impl StreamReport {
    pub(crate) fn start(plan: &PlannedStream) -> Self {
        StreamReport {
            stream: plan.stream,
            name: plan.name.clone(),
            kind: Some(plan.kind),
            sent_events: 0,
            received_events: 0,
            rounds: 0,
            added_here: plan.add_here,
            new_on_server: plan.new_on_server,
            error: None,
        }
    }

    pub fn synced(&self) -> bool {
        self.error.is_none()
    }
}

/// Why a stream did not sync. The other streams are not affected.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StreamFailure {
    /// The HTTP status, when the server answered.
    pub status: Option<u16>,
    /// A stable code: the server's (`changes_refused`, `forbidden`...) or this client's
    /// (`server_error`, `bad_reply`, `local`, `not_settled`, `unknown_kind`).
    pub code: String,
    /// What happened and what to do, for a person.
    pub message: String,
    /// For `changes_refused`: each refused event and why. Nothing of the message was
    /// applied; the events stay on this device.
    pub refused: Vec<RefusedEvent>,
}

impl StreamFailure {
    pub(crate) fn new(status: Option<u16>, code: &str, message: String) -> Self {
        StreamFailure {
            status,
            code: code.to_string(),
            message,
            refused: Vec::new(),
        }
    }
}

/// One event the server refused, as its `changes_refused` details give it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RefusedEvent {
    #[serde(default)]
    pub change: String,
    #[serde(default)]
    pub event: Option<EventId>,
    #[serde(default)]
    pub kind: Option<String>,
    pub reason: String,
}
