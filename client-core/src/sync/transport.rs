//! What the sync needs from the world, and no more: a `Transport` that reaches the
//! server (over HTTP on a device, in the same process for the server's own seeding and
//! benches), and a `StoreAccess` that lends the store for one local step at a time.
//! Also how any answer the server refused is sorted: try again, give up on this
//! stream, or stop the whole sync, whichever way it travelled.

use super::api::{EnrolReply, EnrolRequest, StreamList, SyncReply};
use super::error::{Attempt, SyncError};
use super::progress::{RefusedEvent, StreamFailure};
use crate::domain::ids::StreamId;
use crate::protocol::WRONG_ENROLMENT_CODE;
use crate::protocol::keys::{KeysAnswer, KeysRequest};
use crate::store::{Store, StoreError, WholeStream};
use automerge::ChangeHash;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// The way to one Praxis server. Each call is one request and its answer; trying
/// again, pausing and deciding when a stream is settled are the sync's job.
pub trait Transport {
    /// Where the server is, as a person would recognise it in a message.
    fn server(&self) -> &str;
    /// Enrols this device, proven by a password or a one-time enrolment code.
    fn enrol(&mut self, request: &EnrolRequest) -> Result<EnrolReply, Failure>;
    /// The streams the server lets this device see, and who may record in them.
    fn streams(&mut self) -> Result<StreamList, Failure>;
    /// Sends one stream's Automerge sync message and takes the server's answer.
    fn sync(&mut self, stream: StreamId, message: Vec<u8>) -> Result<SyncReply, Failure>;
    /// Sends changes (Automerge chunks one after another) that build on `base`, the
    /// stream's heads on the server as listed. `None` when the server did not take
    /// them as a fast-forward (its heads moved, or it offers no such route): nothing
    /// was taken, and the stream syncs through sync messages.
    fn push(
        &mut self,
        _stream: StreamId,
        _base: &[ChangeHash],
        _changes: Vec<u8>,
    ) -> Result<Option<Pushed>, Failure> {
        Ok(None)
    }
    /// The whole stream as the server holds it, for a device that holds none of it;
    /// `None` when the server offers no such route.
    fn pull(&mut self, _stream: StreamId) -> Result<Option<WholeStream>, Failure> {
        Ok(None)
    }
    /// Told, before the streams sync, which of them this device will take whole
    /// (`pull`), in order: a transport may ask for each while the one before is taken.
    /// A stream asked for out of that order is pulled when asked for.
    fn pull_ahead(&mut self, _streams: Vec<StreamId>) {}
    /// Starts sending `changes` that build on `base` (as `push` would) while this
    /// device goes on with the stream before; the answer is taken by `pushed_ahead`
    /// when the stream's turn comes. A transport that sends nothing ahead ignores it,
    /// and the stream's turn pushes as usual.
    fn push_ahead(&mut self, _stream: StreamId, _base: &[ChangeHash], _changes: Vec<u8>) {}
    /// The answer to the changes sent ahead for `stream` (waiting for it), as `push`
    /// gives it; `None` when none were sent ahead for it.
    fn pushed_ahead(&mut self, _stream: StreamId) -> Option<Result<Option<Pushed>, Failure>> {
        None
    }
    /// Gives the server the data keys made here and takes the changes to the keys of
    /// the streams asked about (`protocol::keys`); `None` when the server offers no
    /// key exchange.
    fn keys(&mut self, _request: &KeysRequest) -> Result<Option<KeysAnswer>, Failure> {
        Ok(None)
    }
    /// Waits `delay` before a request is tried again; `false` when `cancel` was set
    /// meanwhile. A transport that never fails in passing need not wait at all.
    fn pause(&mut self, delay: Duration, cancel: &AtomicBool) -> bool;
}

/// What the server took of changes sent as a fast-forward.
#[derive(Clone, Debug, PartialEq)]
pub struct Pushed {
    /// The events it accepted.
    pub accepted: usize,
    /// The stream's heads on the server now.
    pub heads: Vec<ChangeHash>,
}

/// The store, lent for one local step (make a message, apply an answer, save a
/// state) and taken back before any request goes out.
pub trait StoreAccess {
    fn with<R>(&mut self, step: impl FnOnce(&mut Store) -> R) -> R;
}

impl StoreAccess for &mut Store {
    fn with<R>(&mut self, step: impl FnOnce(&mut Store) -> R) -> R {
        step(self)
    }
}

/// A store shared between threads: locked for each step only, so others can read
/// and record while the sync waits on the network.
impl StoreAccess for &Mutex<Store> {
    fn with<R>(&mut self, step: impl FnOnce(&mut Store) -> R) -> R {
        // A panic while the lock was held left no transaction open (SQLite rolled it
        // back), so the store itself is still sound: carry on with it.
        let mut store = self.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        step(&mut store)
    }
}

/// A request that may succeed if tried again later.
#[derive(Debug)]
pub struct Transient {
    pub reason: String,
    /// The server's status; `None` when no answer came.
    pub status: Option<u16>,
    /// How long the server asked us to wait.
    pub wait: Option<Duration>,
    /// False when the request never left this device (no connection was made), so
    /// trying again cannot do anything twice.
    pub sent: bool,
}

/// Why a request did not give what was asked, sorted by what to do about it.
#[derive(Debug)]
pub enum Failure {
    Transient(Transient),
    /// Refused for a reason that holds for this request only (a 4xx other than 401).
    Refused(StreamFailure),
    /// This device's own store failed.
    Local(StoreError),
    /// Nothing more can be done in this sync.
    Fatal(SyncError),
}

impl From<StoreError> for Failure {
    fn from(e: StoreError) -> Self {
        Failure::Local(e)
    }
}

/// An answer the server gave instead of what was asked: its status, its error code
/// and message, the events it refused, and how long it asked us to wait.
#[derive(Debug, Default)]
pub struct Refusal {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub refused: Vec<RefusedEvent>,
    pub wait: Option<Duration>,
}

impl Failure {
    /// What a refused request means for the sync: a revoked or unknown device stops
    /// it, a busy or failing server is tried again, anything else is this stream's.
    pub fn from_refusal(refusal: Refusal) -> Failure {
        let Refusal {
            status,
            code,
            message,
            refused,
            wait,
        } = refusal;
        match status {
            401 if code == "device_revoked" => Failure::Fatal(SyncError::Revoked(message)),
            401 => Failure::Fatal(SyncError::Unauthorized(message)),
            429 | 500..=599 => Failure::Transient(Transient {
                reason: format!("{status} {message}"),
                status: Some(status),
                wait,
                sent: true,
            }),
            _ => Failure::Refused(StreamFailure {
                status: Some(status),
                code: if code.is_empty() {
                    format!("http_{status}")
                } else {
                    code
                },
                message,
                refused,
            }),
        }
    }

    /// The same for an enrolment, where a refused password or code is the person's to
    /// fix, and trying it again on our own would only lengthen a lock-out.
    pub fn from_enrolment_refusal(refusal: Refusal) -> Failure {
        match refusal.status {
            401 if refusal.code == WRONG_ENROLMENT_CODE => {
                Failure::Fatal(SyncError::WrongEnrolmentCode(refusal.message))
            }
            401 => Failure::Fatal(SyncError::WrongPassword),
            429 => Failure::Fatal(SyncError::RateLimited {
                attempt: Attempt::Enrol,
            }),
            _ => Failure::from_refusal(refusal),
        }
    }

    /// The error that ends an enrolment or a sync with the server at `server`.
    pub fn give_up(self, server: &str, attempt: Attempt) -> SyncError {
        match self {
            Failure::Transient(Transient {
                reason,
                status: None,
                ..
            }) => SyncError::Unreachable {
                url: server.to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(status: u16, code: &str) -> Refusal {
        Refusal {
            status,
            code: code.into(),
            message: "why".into(),
            ..Refusal::default()
        }
    }

    #[test]
    fn refusals_are_sorted_into_stop_try_again_and_this_stream_only() {
        assert!(matches!(
            Failure::from_refusal(refusal(401, "device_revoked")),
            Failure::Fatal(SyncError::Revoked(_))
        ));
        assert!(matches!(
            Failure::from_refusal(refusal(401, "token_expired")),
            Failure::Fatal(SyncError::Unauthorized(_))
        ));
        for status in [429, 500, 503] {
            assert!(matches!(
                Failure::from_refusal(refusal(status, "")),
                Failure::Transient(Transient { sent: true, .. })
            ));
        }
        match Failure::from_refusal(refusal(422, "changes_refused")) {
            Failure::Refused(f) => {
                assert_eq!((f.status, f.code.as_str()), (Some(422), "changes_refused"))
            }
            other => panic!("{other:?}"),
        }
        match Failure::from_refusal(refusal(418, "")) {
            Failure::Refused(f) => assert_eq!(f.code, "http_418"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            Failure::from_enrolment_refusal(refusal(401, "wrong_credentials")),
            Failure::Fatal(SyncError::WrongPassword)
        ));
        assert!(matches!(
            Failure::from_enrolment_refusal(refusal(401, WRONG_ENROLMENT_CODE)),
            Failure::Fatal(SyncError::WrongEnrolmentCode(m)) if m == "why"
        ));
        assert!(matches!(
            Failure::from_enrolment_refusal(refusal(429, "rate_limited")),
            Failure::Fatal(SyncError::RateLimited { .. })
        ));
    }
}
