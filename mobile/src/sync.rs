//! Sync from the phone: progress told to an observer the app implements, a cancel
//! token the app can set from any thread (checked between streams and between rounds),
//! and one result per stream.

use crate::error::PraxisError;
use crate::store::PraxisStore;
use praxis_core::sync::{PlannedStream, Server, StreamReport, SyncProgress};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How one stream's sync went.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct StreamResult {
    pub stream_id: String,
    pub name: String,
    /// Records from this device the server newly accepted.
    pub sent: u64,
    /// Records from the server that were new here.
    pub received: u64,
    /// Sync messages exchanged for this stream.
    pub rounds: u32,
    pub synced: bool,
    /// Why it did not sync (`None` when it did): a stable code...
    pub error_code: Option<String>,
    /// ...and what happened and what to do, for a person.
    pub error_message: Option<String>,
    /// For refused records: each one's reason. They stay on this device.
    pub refused: Vec<String>,
}

impl From<&StreamReport> for StreamResult {
    fn from(r: &StreamReport) -> Self {
        StreamResult {
            stream_id: r.stream.0.to_string(),
            name: r.name.clone(),
            sent: r.sent_events as u64,
            received: r.received_events as u64,
            rounds: r.rounds,
            synced: r.synced(),
            error_code: r.error.as_ref().map(|e| e.code.clone()),
            error_message: r.error.as_ref().map(|e| e.message.clone()),
            refused: r
                .error
                .iter()
                .flat_map(|e| e.refused.iter().map(|x| x.reason.clone()))
                .collect(),
        }
    }
}

/// What a sync tells as it goes; the app implements it (in Kotlin, Swift, Python).
/// Called on the thread that runs the sync.
#[uniffi::export(with_foreign)]
pub trait SyncObserver: Send + Sync {
    /// The sync will go through `streams` streams.
    fn planned(&self, streams: u32);
    /// Stream `index` (from 0) of `of` begins.
    fn stream_started(&self, name: String, index: u32, of: u32);
    /// A request failed in a passing way; the next try is in `delay_ms`.
    fn retrying(&self, reason: String, delay_ms: u64);
    /// A stream is done, synced or not.
    fn stream_finished(&self, result: StreamResult);
}

/// Stops a sync from another thread: the sync ends with `Cancelled` at its next
/// stream or round, and everything that had arrived by then is saved.
#[derive(Debug, Default, uniffi::Object)]
pub struct CancelToken {
    cancelled: AtomicBool,
}

#[uniffi::export]
impl CancelToken {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(CancelToken::default())
    }

    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

#[uniffi::export]
impl PraxisStore {
    /// Syncs every stream this device shares with its server, stream by stream. A
    /// stream that is refused is reported in its result and the others go on; the sync
    /// stops with an error only when the device is not enrolled or no longer accepted,
    /// the server cannot be reached, or `cancel` is set.
    pub fn sync(
        &self,
        observer: Arc<dyn SyncObserver>,
        cancel: Arc<CancelToken>,
    ) -> Result<Vec<StreamResult>, PraxisError> {
        let mut progress = Observed { observer };
        let reports = self.sync_with(&mut progress, &cancel.cancelled)?;
        Ok(reports.iter().map(StreamResult::from).collect())
    }
}

impl PraxisStore {
    /// For Rust callers (the terminal client): a sync told to any `SyncProgress`.
    /// The store is locked only for each local step (making a message, taking an
    /// answer, saving a state), never while the sync waits on the server or pauses
    /// before trying again, so the app's reads and records go on meanwhile. One sync
    /// runs at a time.
    pub fn sync_with(
        &self,
        progress: &mut dyn SyncProgress,
        cancel: &AtomicBool,
    ) -> Result<Vec<StreamReport>, PraxisError> {
        let _one_at_a_time = self.syncing();
        let server = Server::from_store(&self.lock())?;
        Ok(server.sync(self.shared(), progress, cancel)?)
    }

    /// The server this device syncs with, if it is enrolled.
    pub fn server_url(&self) -> Result<String, PraxisError> {
        Ok(Server::from_store(&self.lock())?.url().to_string())
    }
}

struct Observed {
    observer: Arc<dyn SyncObserver>,
}

impl SyncProgress for Observed {
    fn planned(&mut self, streams: &[PlannedStream]) {
        self.observer.planned(streams.len() as u32);
    }

    fn stream_started(&mut self, stream: &PlannedStream, index: usize, of: usize) {
        self.observer
            .stream_started(stream.name.clone(), index as u32, of as u32);
    }

    fn retrying(
        &mut self,
        _stream: Option<&PlannedStream>,
        _failures: u32,
        delay: Duration,
        reason: &str,
    ) {
        self.observer
            .retrying(reason.to_string(), delay.as_millis() as u64);
    }

    fn stream_finished(&mut self, report: &StreamReport) {
        self.observer.stream_finished(report.into());
    }
}
