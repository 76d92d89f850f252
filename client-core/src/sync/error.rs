use crate::store::StoreError;
use std::fmt;

/// What the person was doing when the server could not be used, so a message can say
/// what to do again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    Enrol,
    Sync,
    /// Reading from the server (the audit trail).
    Read,
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Attempt::Enrol => "enrol",
            Attempt::Sync => "sync",
            Attempt::Read => "read from the server",
        })
    }
}

/// Why enrolling or syncing stopped. Each message says what to do next. A problem
/// with one stream is not here: it is reported in that stream's `StreamReport`, and
/// the other streams still sync.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(
        "this device is not enrolled with a Praxis server yet: enrol first with `praxis enrol --server URL --username NAME`, or with `--code CODE` and a code made in Praxis in your browser"
    )]
    NotEnrolled,
    #[error(
        "this store was enrolled before, so what it recorded may already be on a server: only work recorded before a store's first enrolment is carried over. Enrol without --carry-over, or enrol a new store (praxis init --store NEW_FILE)"
    )]
    CarryOverAfterEnrolment,
    #[error(
        "'{0}' is not a server address: give it in full, for example https://praxis.example.org"
    )]
    BadServerUrl(String),
    #[error("the {0} is empty: give it to enrol this device")]
    Missing(&'static str),
    #[error(
        "'{0}' is not an enrolment code: a code has 16 letters and digits, such as {example}; make one in Praxis in your browser, under Enrol a device (/devices/enrol), and give it as it is shown",
        example = crate::protocol::enrolment_code::EXAMPLE
    )]
    NotAnEnrolmentCode(String),
    #[error(
        "cannot reach the server at {url} ({detail}): you are offline or the server is down; your records are safe on this device, {attempt} again later"
    )]
    Unreachable {
        url: String,
        detail: String,
        attempt: Attempt,
    },
    #[error(
        "the server did not accept that username and password: check them (capitals count) and enrol again"
    )]
    WrongPassword,
    /// The server's own words: the code was wrong, used or expired, and where to make
    /// a new one.
    #[error("{0}")]
    WrongEnrolmentCode(String),
    /// The server's own words: who revoked the device, and how to enrol it again.
    #[error("{0}")]
    Revoked(String),
    #[error(
        "the server no longer accepts this device ({0}): sign in again with `praxis enrol` to enrol it"
    )]
    Unauthorized(String),
    #[error(
        "the server has had too many attempts and asks us to wait: {attempt} again in a few minutes"
    )]
    RateLimited { attempt: Attempt },
    #[error("the server refused ({status} {code}): {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    #[error(
        "the server failed ({message}); your records are safe on this device: {attempt} again later, and tell your administrator if it goes on"
    )]
    ServerFailed {
        status: u16,
        message: String,
        attempt: Attempt,
    },
    #[error(
        "the server answered in a way this Praxis does not understand ({0}): update Praxis, or tell your administrator"
    )]
    Protocol(String),
    #[error("the sync was stopped; everything that had arrived is saved: sync again to finish")]
    Cancelled,
    #[error("this device cannot make HTTPS connections ({0})")]
    Client(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}
