//! Layer 4, the sync client: enrols this device with a Praxis server, then exchanges
//! standard Automerge sync messages with it over HTTP, stream by stream. A sync is a
//! plan (the streams the server lists, and the projects started here that it does not
//! know yet) then one resumable message loop per stream: a stream that fails is
//! reported in its place, and the other streams still sync.

mod api;
mod error;
mod plan;
mod progress;
mod retry;

pub use api::ListedStream;
pub use error::{Attempt, SyncError};
pub use plan::PlannedStream;
pub use progress::{NoProgress, RefusedEvent, StreamFailure, StreamReport, SyncProgress};
pub use retry::Retry;

use crate::domain::ids::{DeviceId, PersonId, StreamId};
use crate::domain::record::StreamKind;
use crate::domain::role::Role;
use crate::store::{Identity, Store, queries};
use api::{Failure, Transient};
use reqwest::blocking::Client;
use serde::Serialize;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The name this device's sync states with its server are saved under.
pub const PEER: &str = "server";
/// The device setting that holds the server's address.
pub const SERVER_SETTING: &str = "server";
/// The device setting that holds the bearer token the server gave at enrolment.
pub const TOKEN_SETTING: &str = "token";
/// At most this many messages go to the server for one stream in one sync. Automerge
/// settles in two or three; more means something is wrong, and that stream is
/// reported instead of looping.
pub const MAX_ROUNDS: u32 = 64;

/// A first sync of a large stream sends the whole document (about 1 MB per 10,000
/// events), so a request may take a while on a slow line.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What enrolment gave: who this device now records as.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Enrolment {
    pub server: String,
    pub person: PersonId,
    pub name: String,
    pub device: DeviceId,
    pub device_name: String,
}

/// A Praxis server, as this device talks to it.
pub struct Server {
    base: String,
    http: Client,
    retry: Retry,
}

impl Server {
    /// A server at `base_url` (`https://host[:port][/prefix]`).
    pub fn new(base_url: &str) -> Result<Server, SyncError> {
        let url = reqwest::Url::parse(base_url.trim())
            .map_err(|_| SyncError::BadServerUrl(base_url.to_string()))?;
        if !matches!(url.scheme(), "http" | "https")
            || url.host().is_none()
            || url.query().is_some()
        {
            return Err(SyncError::BadServerUrl(base_url.to_string()));
        }
        let http = Client::builder()
            .user_agent(concat!("praxis/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| SyncError::Client(e.to_string()))?;
        Ok(Server {
            base: url.as_str().trim_end_matches('/').to_string(),
            http,
            retry: Retry::default(),
        })
    }

    /// The server this store was enrolled with.
    pub fn from_store(store: &Store) -> Result<Server, SyncError> {
        let url = store
            .setting(SERVER_SETTING)?
            .filter(|u| !u.trim().is_empty())
            .ok_or(SyncError::NotEnrolled)?;
        Server::new(&url)
    }

    pub fn with_retry(mut self, retry: Retry) -> Server {
        self.retry = retry;
        self
    }

    /// The server's address, as saved in the store's settings.
    pub fn url(&self) -> &str {
        &self.base
    }

    /// Enrols this device: signs in, then takes on the person and device the server
    /// made (see `Store::adopt_identity`) and saves the server and its token. Nothing
    /// in the store changes unless the server enrolled the device.
    pub fn enrol(
        &self,
        store: &mut Store,
        username: &str,
        password: &str,
        device_name: &str,
    ) -> Result<Enrolment, SyncError> {
        for (what, value) in [
            ("username", username),
            ("password", password),
            ("device name", device_name),
        ] {
            if value.trim().is_empty() {
                return Err(SyncError::Missing(what));
            }
        }
        let cancel = AtomicBool::new(false);
        let reply = self
            .retrying(&mut NoProgress, None, &cancel, false, |_| {
                api::enrol(
                    &self.http,
                    &self.base,
                    username.trim(),
                    password,
                    device_name.trim(),
                )
            })
            .map_err(|f| self.give_up(f, Attempt::Enrol))?;
        // This device's changes carry its device id as their Automerge actor: a server
        // that bound another actor would refuse every one of them.
        let actor = uuid::Uuid::parse_str(reply.actor_id.trim()).ok();
        if actor != Some(reply.device_id.0) {
            return Err(SyncError::Protocol(format!(
                "it bound device {} to actor '{}', but a Praxis device records as its device id",
                reply.device_id, reply.actor_id
            )));
        }
        if reply.token.trim().is_empty() {
            return Err(SyncError::Protocol("it gave no token".into()));
        }
        store.adopt_identity(Identity {
            person: reply.person_id,
            name: reply.name.clone(),
            device: reply.device_id,
        })?;
        store.set_setting(SERVER_SETTING, &self.base)?;
        store.set_setting(TOKEN_SETTING, &reply.token)?;
        // A new device starts afresh with the server: what an earlier enrolment's
        // states say the server holds may not hold for this one.
        for s in queries::streams(store.connection())? {
            store.save_sync_state(s.id, PEER, &automerge::sync::State::new())?;
        }
        Ok(Enrolment {
            server: self.base.clone(),
            person: reply.person_id,
            name: reply.name,
            device: reply.device_id,
            device_name: device_name.trim().to_string(),
        })
    }

    /// The streams the server lets this enrolled device see.
    pub fn streams(&self, store: &Store) -> Result<Vec<ListedStream>, SyncError> {
        let token = token(store)?;
        let cancel = AtomicBool::new(false);
        self.retrying(&mut NoProgress, None, &cancel, true, |_| {
            api::streams(&self.http, &self.base, &token)
        })
        .map_err(|f| self.give_up(f, Attempt::Sync))
    }

    /// Reads from the server's read API with this device's token: `path` is the route
    /// with its query (`/api/v1/audit/timeline?kind=cycle-acted`). The body as bytes.
    pub fn read(&self, store: &Store, path: &str) -> Result<Vec<u8>, SyncError> {
        let token = token(store)?;
        let cancel = AtomicBool::new(false);
        self.retrying(&mut NoProgress, None, &cancel, true, |_| {
            api::read(&self.http, &self.base, &token, path)
        })
        .map_err(|f| self.give_up(f, Attempt::Read))
    }

    /// Syncs every stream this device shares with the server. Streams the server lists
    /// that are not here are added; projects started here that the server does not
    /// know are sent. A stream the server refuses is reported with its reason in its
    /// `StreamReport`, and the others still sync. The whole sync stops (with an error)
    /// only when the device is not enrolled or no longer accepted, the server cannot be
    /// reached, or `cancel` is set; what had arrived by then is saved.
    pub fn sync(
        &self,
        store: &mut Store,
        progress: &mut dyn SyncProgress,
        cancel: &AtomicBool,
    ) -> Result<Vec<StreamReport>, SyncError> {
        let token = token(store)?;
        let listed = self
            .retrying(progress, None, cancel, true, |_| {
                api::streams(&self.http, &self.base, &token)
            })
            .map_err(|f| self.give_up(f, Attempt::Sync))?;
        for l in &listed {
            let roles: Vec<Role> = l
                .role
                .split(',')
                .filter_map(|r| Role::from_name(r.trim()))
                .collect();
            store.set_stream_roles(l.stream_id, &roles, l.read_only)?;
        }
        let local = queries::streams(store.connection())?;
        let started_here = started_by(store, &local)?;
        let (planned, unknown) = plan::plan(&listed, &local, &started_here);
        progress.planned(&planned);
        let mut reports: Vec<StreamReport> = unknown
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
        for (index, stream) in planned.iter().enumerate() {
            if cancel.load(Ordering::Relaxed) {
                return Err(SyncError::Cancelled);
            }
            if stream.add_here {
                store.add_stream(
                    stream.stream,
                    stream.kind,
                    &stream.name,
                    stream.collaborative,
                )?;
            }
            progress.stream_started(stream, index, planned.len());
            let report = self.sync_stream(store, &token, stream, progress, cancel)?;
            if !report.synced() && stream.add_here {
                // Leave no empty stream behind: the next sync adds it again.
                store.remove_stream_if_empty(stream.stream)?;
            }
            progress.stream_finished(&report);
            reports.push(report);
        }
        Ok(reports)
    }

    /// One stream's loop, tried again from its saved state after a passing failure.
    fn sync_stream(
        &self,
        store: &mut Store,
        token: &str,
        stream: &PlannedStream,
        progress: &mut dyn SyncProgress,
        cancel: &AtomicBool,
    ) -> Result<StreamReport, SyncError> {
        let mut report = StreamReport::start(stream);
        let outcome = self.retrying(progress, Some(stream), cancel, true, |progress| {
            self.exchange(store, token, stream, &mut report, progress, cancel)
        });
        report.error = match outcome {
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
            Err(fatal) => return Err(self.give_up(fatal, Attempt::Sync)),
        };
        Ok(report)
    }

    /// Sends sync messages for one stream until neither side has anything to tell.
    /// The state is saved after every answer, so an interrupted loop resumes where it
    /// was; a restarted one starts from what was saved, never from a state that
    /// believes a lost message arrived.
    fn exchange(
        &self,
        store: &mut Store,
        token: &str,
        stream: &PlannedStream,
        report: &mut StreamReport,
        progress: &mut dyn SyncProgress,
        cancel: &AtomicBool,
    ) -> Result<(), Failure> {
        let id = stream.stream;
        let mut state = store.sync_state(id, PEER)?;
        for _ in 0..MAX_ROUNDS {
            if cancel.load(Ordering::Relaxed) {
                return Err(Failure::Fatal(SyncError::Cancelled));
            }
            let outgoing = match store.generate_sync_message(id, &mut state)? {
                Some(o) if !o.in_sync => o,
                _ => {
                    store.save_sync_state(id, PEER, &state)?;
                    return Ok(());
                }
            };
            let heads = outgoing.heads;
            let reply = api::sync(&self.http, &self.base, token, id, outgoing.bytes)?;
            report.rounds += 1;
            report.sent_events += reply.accepted;
            let settled = match reply.message {
                Some(message) => {
                    let merged = store
                        .receive_sync_message(id, &mut state, &message, None)
                        .map_err(|e| match e {
                            crate::store::StoreError::BadSyncMessage(why) => {
                                Failure::Refused(StreamFailure::new(
                                    None,
                                    "bad_reply",
                                    format!(
                                        "the server's answer is not a sync message this Praxis can read ({why}): update Praxis, or tell your administrator"
                                    ),
                                ))
                            }
                            other => Failure::Local(other),
                        })?;
                    report.received_events += merged.events;
                    false
                }
                None => {
                    // Nothing to tell: the server has everything up to our heads.
                    store.save_acknowledged(id, PEER, &heads)?;
                    true
                }
            };
            store.save_sync_state(id, PEER, &state)?;
            progress.round_done(stream, report);
            if settled {
                return Ok(());
            }
        }
        Err(Failure::Refused(StreamFailure::new(
            None,
            "not_settled",
            format!(
                "the server and this device were still exchanging after {MAX_ROUNDS} messages; what arrived is saved: sync again, and tell your administrator if it happens again"
            ),
        )))
    }

    /// Runs `attempt` until it succeeds, fails for good, or the tries run out, pausing
    /// longer after each passing failure. With `resend` false, only a request that
    /// never left this device is tried again.
    fn retrying<T>(
        &self,
        progress: &mut dyn SyncProgress,
        stream: Option<&PlannedStream>,
        cancel: &AtomicBool,
        resend: bool,
        mut attempt: impl FnMut(&mut dyn SyncProgress) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let mut failures = 0;
        loop {
            match attempt(progress) {
                Err(Failure::Transient(t)) if (resend || !t.sent) => {
                    failures += 1;
                    if failures >= self.retry.tries {
                        return Err(Failure::Transient(t));
                    }
                    let delay = self.retry.delay(failures, t.wait);
                    progress.retrying(stream, failures, delay, &t.reason);
                    if !retry::pause(delay, cancel) {
                        return Err(Failure::Fatal(SyncError::Cancelled));
                    }
                }
                other => return other,
            }
        }
    }

    /// The error that ends an enrolment or a sync.
    fn give_up(&self, failure: Failure, attempt: Attempt) -> SyncError {
        match failure {
            Failure::Transient(Transient {
                reason,
                status: None,
                ..
            }) => SyncError::Unreachable {
                url: self.base.clone(),
                detail: reason,
                attempt,
            },
            Failure::Transient(Transient {
                status: Some(429), ..
            }) => SyncError::RateLimited { attempt },
            Failure::Transient(Transient {
                reason,
                status: Some(status),
                ..
            }) => SyncError::ServerFailed {
                status,
                message: reason,
                attempt,
            },
            Failure::Refused(f) => SyncError::Refused {
                status: f.status.unwrap_or_default(),
                code: f.code,
                message: f.message,
            },
            Failure::Local(e) => SyncError::Store(e),
            Failure::Fatal(e) => e,
        }
    }
}

fn token(store: &Store) -> Result<String, SyncError> {
    store
        .setting(TOKEN_SETTING)?
        .filter(|t| !t.trim().is_empty())
        .ok_or(SyncError::NotEnrolled)
}

/// The projects here that this store's person started: the ones the server takes in
/// unlisted.
fn started_by(
    store: &Store,
    local: &[queries::StreamInfo],
) -> Result<HashSet<StreamId>, SyncError> {
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
