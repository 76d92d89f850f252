//! What every request handler shares: the storage (run on the blocking pool), the
//! sign-in rate limit, how long device tokens and browser sessions last, and the
//! worker that compacts streams after the fast path, out of the way of the syncs
//! running. It knows nothing of routes.

use crate::error::ServerError;
use crate::local_time::LocalTime;
use crate::sign_in_limit::SignInLimiter;
use crate::sso::Sso;
use crate::storage::Storage;
use praxis_core::domain::ids::StreamId;
use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone)]
pub struct AppState {
    storage: Arc<dyn Storage>,
    limiter: Arc<SignInLimiter>,
    token_days: i64,
    session_hours: i64,
    behind_tls: bool,
    trusted_proxies: Arc<[IpAddr]>,
    local_time: LocalTime,
    sso: Option<Arc<Sso>>,
    public_url: Option<Arc<str>>,
    compactor: Sender<(StreamId, Instant)>,
    syncs: Arc<Syncs>,
}

/// How long a browser session (and the field app's device token) lasts unless
/// configured: a working day.
pub const SESSION_HOURS: i64 = 10;

impl AppState {
    pub fn new(storage: Box<dyn Storage>, token_days: i64) -> Self {
        let storage: Arc<dyn Storage> = Arc::from(storage);
        let syncs = Arc::new(Syncs::default());
        AppState {
            compactor: compactor(storage.clone(), syncs.clone()),
            syncs,
            storage,
            limiter: Arc::new(SignInLimiter::default()),
            token_days,
            session_hours: SESSION_HOURS,
            behind_tls: false,
            trusted_proxies: Arc::from([]),
            local_time: LocalTime::default(),
            sso: None,
            public_url: None,
        }
    }

    /// The same state behind these proxies: a request from one of them comes from the
    /// client its X-Forwarded-For names.
    pub fn with_trusted_proxies(mut self, proxies: Vec<IpAddr>) -> Self {
        self.trusted_proxies = Arc::from(proxies);
        self
    }

    pub fn trusted_proxies(&self) -> Arc<[IpAddr]> {
        self.trusted_proxies.clone()
    }

    /// The same state knowing the address people reach the server at.
    pub fn with_public_url(mut self, url: Option<String>) -> Self {
        self.public_url = url.map(|u| Arc::from(u.trim().trim_end_matches('/')));
        self
    }

    /// The address people reach the server at (`serve --public-url`), when given.
    pub fn public_url(&self) -> Option<&str> {
        self.public_url.as_deref()
    }

    /// The same state signing people in through an OpenID Connect provider too.
    pub fn with_sso(mut self, sso: Sso) -> Self {
        self.sso = Some(Arc::new(sso));
        self
    }

    /// Single sign-on, when the server is set up for it.
    pub fn sso(&self) -> Option<&Sso> {
        self.sso.as_deref()
    }

    /// The same state speaking the local time of `local_time`'s zone on its pages.
    pub fn with_local_time(mut self, local_time: LocalTime) -> Self {
        self.local_time = local_time;
        self
    }

    /// Times as the pages show them.
    pub fn local_time(&self) -> &LocalTime {
        &self.local_time
    }

    /// The same state for a server reached over TLS (through a proxy that ends it):
    /// answers then carry HSTS.
    pub fn with_behind_tls(mut self, behind_tls: bool) -> Self {
        self.behind_tls = behind_tls;
        self
    }

    pub fn behind_tls(&self) -> bool {
        self.behind_tls
    }

    /// The same state with browser sessions lasting `hours`.
    pub fn with_session_hours(mut self, hours: i64) -> Self {
        self.session_hours = hours;
        self
    }

    /// How many hours a browser session started now lasts, and the field app's
    /// device token with it.
    pub fn session_hours(&self) -> i64 {
        self.session_hours
    }

    pub fn limiter(&self) -> &SignInLimiter {
        &self.limiter
    }

    /// How many days a device token enrolled now is valid for.
    pub fn token_days(&self) -> i64 {
        self.token_days
    }

    /// Has the stream compacted, if due, by the one worker that compacts, after the
    /// streams asked for before it: compactions run one at a time, beside the
    /// requests, never several at once on the few cores a server has, and wait for a
    /// pause in the syncs (see `Syncs`).
    pub fn compact_later(&self, stream: StreamId) {
        // The worker ends only with the state: a send cannot fail while it runs.
        let _ = self.compactor.send((stream, Instant::now()));
    }

    /// Marks a device's sync request (a sync message, changes pushed, a whole stream,
    /// the key exchange) as running until the mark is dropped.
    pub fn syncing(&self) -> SyncRunning {
        SyncRunning::start(self.syncs.clone())
    }

    /// Runs `f` with the storage on the blocking pool. No lock is taken here: the
    /// storage lets reads and syncs of different streams run at once.
    pub async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Storage) -> Result<T, ServerError> + Send + 'static,
    ) -> Result<T, ServerError> {
        let storage = self.storage.clone();
        tokio::task::spawn_blocking(move || f(storage.as_ref()))
            .await
            .map_err(|e| ServerError::Internal(format!("a worker stopped: {e}")))?
    }
}

/// The device sync requests running, and when the last one started or ended.
///
/// Compaction only makes a stream load faster later; a phone uploading one project
/// after another is waiting now. So the compactor waits for a pause in the syncs
/// (`QUIET` without a sync running), and its cores go to the syncs meanwhile. A server
/// that never pauses still compacts: a stream waits at most `DEFER_AT_MOST` from when
/// it was asked.
#[derive(Debug)]
pub struct Syncs {
    running: AtomicUsize,
    last: Mutex<Instant>,
}

impl Default for Syncs {
    fn default() -> Self {
        Syncs {
            running: AtomicUsize::new(0),
            last: Mutex::new(Instant::now()),
        }
    }
}

/// How long no sync must have run before a compaction starts.
const QUIET: Duration = Duration::from_millis(200);
/// The longest a stream's compaction waits for a pause, from when it was asked.
const DEFER_AT_MOST: Duration = Duration::from_secs(10);
/// How often a waiting compaction looks again.
const LOOK_AGAIN: Duration = Duration::from_millis(50);

impl Syncs {
    fn touch(&self) {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        *last = Instant::now();
    }

    /// Whether a compaction asked at `asked` may start at `now`.
    fn may_compact(&self, asked: Instant, now: Instant) -> bool {
        let last = *self.last.lock().unwrap_or_else(|p| p.into_inner());
        may_compact(self.running.load(Ordering::SeqCst), last, asked, now)
    }
}

/// Whether a compaction asked at `asked` may start at `now`, with `running` syncs
/// running and the last sync started or ended at `last`.
fn may_compact(running: usize, last: Instant, asked: Instant, now: Instant) -> bool {
    let paused = running == 0 && now.saturating_duration_since(last) >= QUIET;
    paused || now.saturating_duration_since(asked) >= DEFER_AT_MOST
}

/// A sync request running (`AppState::syncing`), until dropped.
pub struct SyncRunning(Arc<Syncs>);

impl SyncRunning {
    fn start(syncs: Arc<Syncs>) -> Self {
        syncs.running.fetch_add(1, Ordering::SeqCst);
        syncs.touch();
        SyncRunning(syncs)
    }
}

impl Drop for SyncRunning {
    fn drop(&mut self) {
        self.0.touch();
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Starts the worker that compacts the streams sent to it, each once however often it
/// was sent while waiting, in the order first sent; it ends when every sender is gone.
fn compactor(storage: Arc<dyn Storage>, syncs: Arc<Syncs>) -> Sender<(StreamId, Instant)> {
    let (send, receive) = channel();
    let started = std::thread::Builder::new()
        .name("compactor".into())
        .spawn(move || compact_as_sent(storage.as_ref(), &syncs, &receive));
    if let Err(e) = started {
        tracing::warn!(error = %e, "the compacting worker did not start: streams stay as stored");
    }
    send
}

fn compact_as_sent(storage: &dyn Storage, syncs: &Syncs, receive: &Receiver<(StreamId, Instant)>) {
    let mut waiting: VecDeque<(StreamId, Instant)> = VecDeque::new();
    while let Some((stream, asked)) = waiting.pop_front().or_else(|| receive.recv().ok()) {
        while !syncs.may_compact(asked, Instant::now()) {
            std::thread::sleep(LOOK_AGAIN);
        }
        for (more, at) in receive.try_iter() {
            if more != stream && !waiting.iter().any(|(w, _)| *w == more) {
                waiting.push_back((more, at));
            }
        }
        if let Err(e) = storage.compact_if_due(stream) {
            tracing::warn!(stream = %stream, error = %e, "compacting a stream failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_compaction_waits_for_a_pause_in_the_syncs_or_until_it_has_waited_long_enough() {
        let asked = Instant::now();
        let later = |d: Duration| asked + d;
        // A sync running: wait.
        assert!(!may_compact(1, asked, asked, later(QUIET * 2)));
        // None running, but one ended just now: wait for the pause.
        assert!(!may_compact(
            0,
            later(QUIET),
            asked,
            later(QUIET + QUIET / 2)
        ));
        // The pause came.
        assert!(may_compact(0, later(QUIET), asked, later(QUIET * 2)));
        // A server that never pauses still compacts, once the stream has waited.
        assert!(!may_compact(
            3,
            later(DEFER_AT_MOST),
            asked,
            later(DEFER_AT_MOST / 2)
        ));
        assert!(may_compact(
            3,
            later(DEFER_AT_MOST),
            asked,
            later(DEFER_AT_MOST)
        ));
    }

    #[test]
    fn a_sync_counts_as_running_until_its_mark_is_dropped() {
        let syncs = Arc::new(Syncs::default());
        let asked = Instant::now() - DEFER_AT_MOST / 2;
        let first = SyncRunning::start(syncs.clone());
        let second = SyncRunning::start(syncs.clone());
        drop(first);
        assert_eq!(syncs.running.load(Ordering::SeqCst), 1);
        assert!(!syncs.may_compact(asked, Instant::now() + QUIET * 2));
        drop(second);
        assert_eq!(syncs.running.load(Ordering::SeqCst), 0);
        assert!(!syncs.may_compact(asked, Instant::now()));
        assert!(syncs.may_compact(asked, Instant::now() + QUIET * 2));
    }
}
