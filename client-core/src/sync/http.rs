//! The sync over HTTP (blocking reqwest, rustls): a `Server` as a device talks to it,
//! and `HttpTransport`, which carries the session's requests to the server's API and
//! sorts every answer it did not want (no connection, a status) into a `Failure`.
//! Pauses between tries sleep here, waking early when the sync is cancelled.

use super::SERVER_SETTING;
use super::api::{
    Credentials, EVENTS_ACCEPTED, EnrolReply, EnrolRequest, ListedStream, StreamList, SyncReply,
};
use super::enrolment::{self, Enrolment};
use super::error::{Attempt, SyncError};
use super::progress::{NoProgress, RefusedEvent, StreamFailure, StreamReport, SyncProgress};
use super::retry::Retry;
use super::run::{self, Retrying};
use super::transport::{Failure, Pushed, Refusal, StoreAccess, Transient, Transport};
use crate::domain::ids::StreamId;
use crate::protocol::keys::{KeysAnswer, KeysRequest};
use crate::protocol::{
    BASE_HEADS, HEADS, NOT_A_FAST_FORWARD, SYNC_CONTENT_TYPE, heads_text, parse_heads,
};
use crate::store::{Store, WholeStream};
use automerge::ChangeHash;
use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use serde::Deserialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A first sync of a large stream sends the whole document (about 1 MB per 10,000
/// events), so a request may take a while on a slow line.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

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

    /// The way to this server for a device holding `token` (`None` before enrolment).
    pub fn transport(&self, token: Option<String>) -> HttpTransport {
        HttpTransport {
            base: self.base.clone(),
            http: self.http.clone(),
            token,
            ahead: None,
            pushing: std::collections::HashMap::new(),
        }
    }

    /// Enrols this device (see `run::enrol`), proven by `credentials`. The store is
    /// not held while the server is asked.
    pub fn enrol(
        &self,
        store: impl StoreAccess,
        credentials: &Credentials,
        device_name: &str,
    ) -> Result<Enrolment, SyncError> {
        let mut transport = self.transport(None);
        run::enrol(store, &mut transport, self.retry, credentials, device_name)
    }

    /// Enrols this device, carrying over what was recorded here before (see
    /// `run::enrol_carrying_over`).
    pub fn enrol_carrying_over(
        &self,
        store: impl StoreAccess,
        credentials: &Credentials,
        device_name: &str,
        team: Option<&str>,
    ) -> Result<Enrolment, SyncError> {
        let mut transport = self.transport(None);
        run::enrol_carrying_over(
            store,
            &mut transport,
            self.retry,
            credentials,
            device_name,
            team,
        )
    }

    /// The streams the server lets this enrolled device see.
    pub fn streams(&self, store: &Store) -> Result<Vec<ListedStream>, SyncError> {
        let mut transport = self.transport(Some(enrolment::token(store)?));
        run::streams(&mut transport, self.retry)
    }

    /// Reads from the server's read API with this device's token: `path` is the route
    /// with its query (`/api/v1/audit/timeline?kind=cycle-acted`). The body as bytes.
    pub fn read(&self, store: &Store, path: &str) -> Result<Vec<u8>, SyncError> {
        let mut transport = self.transport(Some(enrolment::token(store)?));
        let cancel = AtomicBool::new(false);
        Retrying {
            transport: &mut transport,
            retry: self.retry,
            progress: &mut NoProgress,
            cancel: &cancel,
        }
        .run(None, true, |t, _| t.read(path))
        .map_err(|f| f.give_up(&self.base, Attempt::Read))
    }

    /// Syncs every stream this device shares with the server (see `run::sync`). The
    /// store is lent for each local step only: `&Mutex<Store>` lets others read and
    /// record while the sync waits on the network.
    pub fn sync<S: StoreAccess>(
        &self,
        mut store: S,
        progress: &mut dyn SyncProgress,
        cancel: &AtomicBool,
    ) -> Result<Vec<StreamReport>, SyncError> {
        let token = store.with(|s| enrolment::token(s))?;
        let mut transport = self.transport(Some(token));
        run::sync(store, &mut transport, self.retry, progress, cancel)
    }
}

/// The server's HTTP API, one request per call (but whole streams asked for ahead,
/// `Transport::pull_ahead`, and changes sent ahead, `Transport::push_ahead`).
pub struct HttpTransport {
    base: String,
    http: Client,
    token: Option<String>,
    /// Whole streams pulled one after another on a thread of their own, in the order
    /// the sync will take them, so the server reads the next while this device takes
    /// the one before. At most one waits pulled; dropped, the thread stops after the
    /// request it is making.
    ahead: Option<std::sync::mpsc::Receiver<PulledAhead>>,
    /// Changes sent ahead, each on a thread of its own, by stream: the answer comes
    /// through the receiver.
    pushing: std::collections::HashMap<StreamId, std::sync::mpsc::Receiver<PushedAhead>>,
}

/// A pulled whole stream, or why not, as the thread pulling ahead hands it over.
type PulledAhead = (StreamId, Result<Option<WholeStream>, Failure>);

/// The answer to changes sent ahead, as the thread sending them hands it back.
type PushedAhead = Result<Option<Pushed>, Failure>;

/// `request` with the device's token; refused before sending when there is none.
fn authorised(request: RequestBuilder, token: Option<&str>) -> Result<RequestBuilder, Failure> {
    match token {
        Some(token) => Ok(request.bearer_auth(token)),
        None => Err(Failure::Fatal(SyncError::NotEnrolled)),
    }
}

/// GETs a whole stream: `None` when the server offers no such route.
fn pull_whole(
    http: &Client,
    base: &str,
    token: Option<&str>,
    stream: StreamId,
) -> Result<Option<WholeStream>, Failure> {
    let request = http.get(format!("{base}/api/v1/streams/{stream}/changes"));
    let reply = send(authorised(request, token)?)?;
    if let Some(not_taken) = reply.not_offered() {
        return not_taken;
    }
    let heads = reply.heads()?;
    Ok(Some(WholeStream {
        bytes: reply.body,
        heads,
    }))
}

/// POSTs changes that build on `base`: `None` when the server did not take them as a
/// fast-forward or offers no such route.
fn push_changes(
    http: &Client,
    base_url: &str,
    token: Option<&str>,
    stream: StreamId,
    base: &[ChangeHash],
    changes: Vec<u8>,
) -> Result<Option<Pushed>, Failure> {
    let request = http
        .post(format!("{base_url}/api/v1/streams/{stream}/changes"))
        .header(CONTENT_TYPE, SYNC_CONTENT_TYPE)
        .header(BASE_HEADS, heads_text(base))
        .body(changes);
    let reply = send(authorised(request, token)?)?;
    if let Some(not_taken) = reply.not_offered() {
        return not_taken;
    }
    Ok(Some(Pushed {
        accepted: reply.accepted(),
        heads: reply.heads()?,
    }))
}

impl HttpTransport {
    fn authorised(&self, request: RequestBuilder) -> Result<RequestBuilder, Failure> {
        authorised(request, self.token.as_deref())
    }

    /// A GET of the read API (`path` with its query), as bytes.
    fn read(&self, path: &str) -> Result<Vec<u8>, Failure> {
        let reply = send(self.authorised(self.http.get(format!("{}{path}", self.base)))?)?;
        if !reply.status.is_success() {
            return Err(Failure::from_refusal(reply.refusal()));
        }
        Ok(reply.body)
    }
}

impl Transport for HttpTransport {
    fn server(&self) -> &str {
        &self.base
    }

    fn enrol(&mut self, request: &EnrolRequest) -> Result<EnrolReply, Failure> {
        let reply = send(
            self.http
                .post(format!("{}/api/v1/devices", self.base))
                .json(request),
        )?;
        if !reply.status.is_success() {
            return Err(Failure::from_enrolment_refusal(reply.refusal()));
        }
        parse(&reply.body, "the enrolment")
    }

    fn streams(&mut self) -> Result<StreamList, Failure> {
        let request = self.http.get(format!("{}/api/v1/streams", self.base));
        let reply = send(self.authorised(request)?)?;
        if !reply.status.is_success() {
            return Err(Failure::from_refusal(reply.refusal()));
        }
        parse(&reply.body, "the list of streams")
    }

    fn sync(&mut self, stream: StreamId, message: Vec<u8>) -> Result<SyncReply, Failure> {
        let request = self
            .http
            .post(format!("{}/api/v1/streams/{stream}/sync", self.base))
            .header(CONTENT_TYPE, "application/octet-stream")
            .body(message);
        let reply = send(self.authorised(request)?)?;
        if !reply.status.is_success() {
            return Err(Failure::from_refusal(reply.refusal()));
        }
        let accepted = reply.accepted();
        let message = (reply.status != StatusCode::NO_CONTENT && !reply.body.is_empty())
            .then_some(reply.body);
        Ok(SyncReply { message, accepted })
    }

    fn push(
        &mut self,
        stream: StreamId,
        base: &[ChangeHash],
        changes: Vec<u8>,
    ) -> Result<Option<Pushed>, Failure> {
        push_changes(
            &self.http,
            &self.base,
            self.token.as_deref(),
            stream,
            base,
            changes,
        )
    }

    fn push_ahead(&mut self, stream: StreamId, base: &[ChangeHash], changes: Vec<u8>) {
        let (give, answer) = std::sync::mpsc::sync_channel(1);
        let (http, base_url, token) = (self.http.clone(), self.base.clone(), self.token.clone());
        let base = base.to_vec();
        let sending = std::thread::Builder::new()
            .name("praxis-push-ahead".into())
            .spawn(move || {
                let pushed =
                    push_changes(&http, &base_url, token.as_deref(), stream, &base, changes);
                // Nobody waits for it when the sync stopped first.
                let _ = give.send(pushed);
            });
        // Without a thread, the stream's own turn pushes.
        if sending.is_ok() {
            self.pushing.insert(stream, answer);
        }
    }

    fn pushed_ahead(&mut self, stream: StreamId) -> Option<Result<Option<Pushed>, Failure>> {
        // A thread that is gone without an answer leaves the push to the stream's turn.
        self.pushing.remove(&stream)?.recv().ok()
    }

    fn pull(&mut self, stream: StreamId) -> Result<Option<WholeStream>, Failure> {
        if let Some(ahead) = &self.ahead {
            match ahead.recv() {
                Ok((pulled, result)) if pulled == stream => return result,
                // Asked out of the order given (a stream tried again), or the thread
                // is gone: every stream from now on is pulled when asked for.
                _ => self.ahead = None,
            }
        }
        pull_whole(&self.http, &self.base, self.token.as_deref(), stream)
    }

    fn pull_ahead(&mut self, streams: Vec<StreamId>) {
        let (give, pulled) = std::sync::mpsc::sync_channel(0);
        let (http, base, token) = (self.http.clone(), self.base.clone(), self.token.clone());
        std::thread::spawn(move || {
            for stream in streams {
                let result = pull_whole(&http, &base, token.as_deref(), stream);
                if give.send((stream, result)).is_err() {
                    return;
                }
            }
        });
        self.ahead = Some(pulled);
    }

    fn keys(&mut self, request: &KeysRequest) -> Result<Option<KeysAnswer>, Failure> {
        let request = self
            .http
            .post(format!("{}/api/v1/keys", self.base))
            .json(request);
        let reply = send(self.authorised(request)?)?;
        if let Some(not_taken) = reply.not_offered() {
            return not_taken;
        }
        parse(&reply.body, "the key exchange's answer").map(Some)
    }

    /// Sleeps for `delay`, waking early to return `false` if `cancel` is set.
    fn pause(&mut self, delay: Duration, cancel: &AtomicBool) -> bool {
        let until = Instant::now() + delay;
        loop {
            if cancel.load(Ordering::Relaxed) {
                return false;
            }
            let now = Instant::now();
            if now >= until {
                return true;
            }
            std::thread::sleep((until - now).min(Duration::from_millis(50)));
        }
    }
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    /// For a fast-path route: `Some(Ok(None))` when the server did not take the fast
    /// path (it moved on, or is older and has no such route), `Some(Err(..))` when it
    /// refused, `None` when it answered.
    fn not_offered<T>(&self) -> Option<Result<Option<T>, Failure>> {
        if self.status.is_success() {
            return None;
        }
        let refusal = self.refusal();
        let moved_on = self.status == StatusCode::CONFLICT && refusal.code == NOT_A_FAST_FORWARD;
        let no_route = matches!(
            self.status,
            StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
        );
        Some(if moved_on || no_route {
            Ok(None)
        } else {
            Err(Failure::from_refusal(refusal))
        })
    }

    /// The events the server says it accepted. Missing means it took nothing new:
    /// counting is its job, not a guess.
    fn accepted(&self) -> usize {
        self.headers
            .get(EVENTS_ACCEPTED)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    }

    /// The stream's heads the answer names.
    fn heads(&self) -> Result<Vec<ChangeHash>, Failure> {
        let text = self
            .headers
            .get(HEADS)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        parse_heads(text).map_err(|why| {
            Failure::Refused(StreamFailure::new(
                Some(self.status.as_u16()),
                "bad_reply",
                format!(
                    "the server's answer names the stream's heads in a form this Praxis cannot read ({why}): update Praxis, or tell your administrator"
                ),
            ))
        })
    }

    /// What an unsuccessful answer says, from its JSON error body and headers.
    fn refusal(&self) -> Refusal {
        let error: ApiError = serde_json::from_slice(&self.body).unwrap_or_default();
        let message = if error.message.trim().is_empty() {
            self.status
                .canonical_reason()
                .unwrap_or("no reason given")
                .to_lowercase()
        } else {
            error.message.clone()
        };
        Refusal {
            status: self.status.as_u16(),
            refused: error.refused_events(),
            code: error.error,
            message,
            wait: retry_after(&self.headers),
        }
    }
}

fn send(request: RequestBuilder) -> Result<Reply, Failure> {
    let response: Response = request.send().map_err(transport)?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.bytes().map_err(transport)?.to_vec();
    Ok(Reply {
        status,
        headers,
        body,
    })
}

fn transport(e: reqwest::Error) -> Failure {
    if e.is_builder() {
        return Failure::Fatal(SyncError::Client(innermost(&e)));
    }
    Failure::Transient(Transient {
        reason: innermost(&e),
        status: None,
        wait: None,
        sent: !e.is_connect(),
    })
}

/// The deepest cause, which names what went wrong ("Connection refused"); the outer
/// ones only say a request was being sent.
fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = e;
    while let Some(source) = deepest.source() {
        deepest = source;
    }
    deepest.to_string()
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8], what: &str) -> Result<T, Failure> {
    serde_json::from_slice(body).map_err(|e| {
        Failure::Fatal(SyncError::Protocol(format!(
            "{what} is not as expected: {e}"
        )))
    })
}

/// `Retry-After` in seconds (the HTTP-date form is rare from an API and is ignored).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
        .map(Duration::from_secs)
}

/// The JSON body of every error the server sends.
#[derive(Default, Deserialize)]
pub struct ApiError {
    #[serde(default)]
    pub error: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub details: Vec<serde_json::Value>,
}

impl ApiError {
    /// The refused events its details name (for `changes_refused`).
    pub fn refused_events(&self) -> Vec<RefusedEvent> {
        self.details
            .iter()
            .filter_map(|d| serde_json::from_value::<RefusedEvent>(d.clone()).ok())
            .collect()
    }
}
