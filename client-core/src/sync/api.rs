//! The server's HTTP contract, client side, in one place: the three endpoints, their
//! bodies, and what each status means for the caller (try again, give up on this
//! stream, or stop the whole sync).

use super::error::SyncError;
use super::progress::{RefusedEvent, StreamFailure};
use crate::domain::ids::{DeviceId, PersonId, StreamId};
use crate::domain::record::StreamKind;
use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::header::{CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How many events of the message the server newly accepted.
const EVENTS_ACCEPTED: &str = "x-praxis-events-accepted";

#[derive(Serialize)]
struct EnrolRequest<'a> {
    username: &'a str,
    password: &'a str,
    device_name: &'a str,
}

/// The server's answer to an enrolment.
#[derive(Deserialize)]
pub(crate) struct EnrolReply {
    pub device_id: DeviceId,
    pub actor_id: String,
    pub token: String,
    pub person_id: PersonId,
    pub name: String,
}

/// A stream the server lets this device see.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ListedStream {
    pub stream_id: StreamId,
    /// `collaborative`, `project` or (for administrators) `organisation`; kept as text
    /// so a kind from a newer server is reported, not fatal.
    pub kind: String,
    pub name: String,
    pub collaborative: Option<StreamId>,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub read_only: bool,
}

impl ListedStream {
    pub fn stream_kind(&self) -> Option<StreamKind> {
        match self.kind.as_str() {
            "collaborative" => Some(StreamKind::Collaborative),
            "project" => Some(StreamKind::Project),
            "organisation" => Some(StreamKind::Organisation),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct StreamList {
    streams: Vec<ListedStream>,
}

/// The JSON body of every error the server sends.
#[derive(Default, Deserialize)]
struct ApiError {
    #[serde(default)]
    error: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    details: Vec<serde_json::Value>,
}

/// The server's answer to one sync message.
pub(crate) struct SyncReply {
    /// Its next sync message; `None` when it has nothing to send.
    pub message: Option<Vec<u8>>,
    pub accepted: usize,
}

/// A request that may succeed if tried again later.
#[derive(Debug)]
pub(crate) struct Transient {
    pub reason: String,
    /// The HTTP status; `None` when no answer came.
    pub status: Option<u16>,
    /// How long the server asked us to wait.
    pub wait: Option<Duration>,
    /// False when the request never left this device (no connection was made), so
    /// trying again cannot do anything twice.
    pub sent: bool,
}

/// Why a request did not give what was asked, sorted by what to do about it.
#[derive(Debug)]
pub(crate) enum Failure {
    Transient(Transient),
    /// Refused for a reason that holds for this request only (a 4xx other than 401).
    Refused(StreamFailure),
    /// This device's own store failed.
    Local(crate::store::StoreError),
    /// Nothing more can be done in this sync.
    Fatal(SyncError),
}

impl From<crate::store::StoreError> for Failure {
    fn from(e: crate::store::StoreError) -> Self {
        Failure::Local(e)
    }
}

pub(crate) fn enrol(
    http: &Client,
    base: &str,
    username: &str,
    password: &str,
    device_name: &str,
) -> Result<EnrolReply, Failure> {
    let reply = send(
        http.post(format!("{base}/api/v1/devices"))
            .json(&EnrolRequest {
                username,
                password,
                device_name,
            }),
    )?;
    match reply.status {
        s if s.is_success() => parse(&reply.body, "the enrolment"),
        StatusCode::UNAUTHORIZED => Err(Failure::Fatal(SyncError::WrongPassword)),
        // Trying a password again on our own would only lengthen the lock-out.
        StatusCode::TOO_MANY_REQUESTS => Err(Failure::Fatal(SyncError::RateLimited {
            attempt: super::Attempt::Enrol,
        })),
        _ => Err(failure(&reply)),
    }
}

pub(crate) fn streams(
    http: &Client,
    base: &str,
    token: &str,
) -> Result<Vec<ListedStream>, Failure> {
    let reply = send(
        http.get(format!("{base}/api/v1/streams"))
            .bearer_auth(token),
    )?;
    if !reply.status.is_success() {
        return Err(failure(&reply));
    }
    parse::<StreamList>(&reply.body, "the list of streams").map(|l| l.streams)
}

/// A GET of the read API (`path` with its query), as bytes.
pub(crate) fn read(http: &Client, base: &str, token: &str, path: &str) -> Result<Vec<u8>, Failure> {
    let reply = send(http.get(format!("{base}{path}")).bearer_auth(token))?;
    if !reply.status.is_success() {
        return Err(failure(&reply));
    }
    Ok(reply.body)
}

pub(crate) fn sync(
    http: &Client,
    base: &str,
    token: &str,
    stream: StreamId,
    message: Vec<u8>,
) -> Result<SyncReply, Failure> {
    let reply = send(
        http.post(format!("{base}/api/v1/streams/{stream}/sync"))
            .bearer_auth(token)
            .header(CONTENT_TYPE, "application/octet-stream")
            .body(message),
    )?;
    if !reply.status.is_success() {
        return Err(failure(&reply));
    }
    // Missing means the server took nothing new: counting is its job, not a guess here.
    let accepted = reply
        .headers
        .get(EVENTS_ACCEPTED)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let message =
        (reply.status != StatusCode::NO_CONTENT && !reply.body.is_empty()).then_some(reply.body);
    Ok(SyncReply { message, accepted })
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
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

/// What an unsuccessful answer means.
fn failure(reply: &Reply) -> Failure {
    let error: ApiError = serde_json::from_slice(&reply.body).unwrap_or_default();
    let status = reply.status.as_u16();
    let message = if error.message.trim().is_empty() {
        reply
            .status
            .canonical_reason()
            .unwrap_or("no reason given")
            .to_lowercase()
    } else {
        error.message.clone()
    };
    match reply.status {
        StatusCode::UNAUTHORIZED if error.error == "device_revoked" => {
            Failure::Fatal(SyncError::Revoked(message))
        }
        StatusCode::UNAUTHORIZED => Failure::Fatal(SyncError::Unauthorized(message)),
        StatusCode::TOO_MANY_REQUESTS => Failure::Transient(Transient {
            reason: format!("{status} {message}"),
            status: Some(status),
            wait: retry_after(&reply.headers),
            sent: true,
        }),
        s if s.is_server_error() => Failure::Transient(Transient {
            reason: format!("{status} {message}"),
            status: Some(status),
            wait: retry_after(&reply.headers),
            sent: true,
        }),
        _ => {
            let code = if error.error.is_empty() {
                format!("http_{status}")
            } else {
                error.error
            };
            let refused = error
                .details
                .into_iter()
                .filter_map(|d| serde_json::from_value::<RefusedEvent>(d).ok())
                .collect();
            Failure::Refused(StreamFailure {
                status: Some(status),
                code,
                message,
                refused,
            })
        }
    }
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
