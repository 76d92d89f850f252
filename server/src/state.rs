//! What every request handler shares: the storage (run on the blocking pool), the
//! sign-in rate limit, how long device tokens and browser sessions last, and the
//! worker that compacts streams after the fast path. It knows nothing of routes.

use crate::error::ServerError;
use crate::local_time::LocalTime;
use crate::sign_in_limit::SignInLimiter;
use crate::sso::Sso;
use crate::storage::Storage;
use praxis_core::domain::ids::StreamId;
use std::collections::VecDeque;
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

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
    compactor: Sender<StreamId>,
}

/// How long a browser session (and the field app's device token) lasts unless
/// configured: a working day.
pub const SESSION_HOURS: i64 = 10;

impl AppState {
    pub fn new(storage: Box<dyn Storage>, token_days: i64) -> Self {
        let storage: Arc<dyn Storage> = Arc::from(storage);
        AppState {
            compactor: compactor(storage.clone()),
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
    /// requests, never several at once on the few cores a server has.
    pub fn compact_later(&self, stream: StreamId) {
        // The worker ends only with the state: a send cannot fail while it runs.
        let _ = self.compactor.send(stream);
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

/// Starts the worker that compacts the streams sent to it, each once however often it
/// was sent while waiting, in the order first sent; it ends when every sender is gone.
fn compactor(storage: Arc<dyn Storage>) -> Sender<StreamId> {
    let (send, receive) = channel();
    let started = std::thread::Builder::new()
        .name("compactor".into())
        .spawn(move || compact_as_sent(storage.as_ref(), &receive));
    if let Err(e) = started {
        tracing::warn!(error = %e, "the compacting worker did not start: streams stay as stored");
    }
    send
}

fn compact_as_sent(storage: &dyn Storage, receive: &Receiver<StreamId>) {
    let mut waiting: VecDeque<StreamId> = VecDeque::new();
    while let Some(stream) = waiting.pop_front().or_else(|| receive.recv().ok()) {
        for more in receive.try_iter() {
            if more != stream && !waiting.contains(&more) {
                waiting.push_back(more);
            }
        }
        if let Err(e) = storage.compact_if_due(stream) {
            tracing::warn!(stream = %stream, error = %e, "compacting a stream failed");
        }
    }
}
