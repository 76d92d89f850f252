//! Layer 4, the sync: enrols this device with a Praxis server, then exchanges standard
//! Automerge sync messages with it, stream by stream. A sync is a plan (the streams
//! the server lists, and the projects started here that it does not know yet) then
//! one resumable message loop per stream: a stream that fails is reported in its
//! place, and the other streams still sync.
//!
//! The session (`session.rs`, `enrolment.rs`) does no I/O: it makes messages and takes
//! answers through `Store`. `run.rs` is the one loop that drives it over a
//! `Transport`; `http.rs` (feature `http`) is the transport a device uses.

mod api;
mod enrolment;
mod error;
#[cfg(feature = "http")]
mod http;
mod plan;
mod progress;
mod retry;
mod run;
mod session;
mod transport;

#[cfg(test)]
mod run_tests;

pub use api::{
    Credentials, EVENTS_ACCEPTED, EnrolReply, EnrolRequest, ListedStream, PersonName, StreamList,
    SyncReply,
};
pub use enrolment::{Enrolment, token};
pub use error::{Attempt, SyncError};
#[cfg(feature = "http")]
pub use http::{HttpTransport, Server};
pub use plan::PlannedStream;
pub use progress::{NoProgress, RefusedEvent, StreamFailure, StreamReport, SyncProgress};
pub use retry::Retry;
pub use run::{enrol, enrol_carrying_over, streams, sync, sync_stream};
pub use session::{Next, Plan, StreamSession};
pub use transport::{Failure, Pushed, Refusal, StoreAccess, Transient, Transport};

/// The name this device's sync states with its server are saved under.
pub const PEER: &str = "server";
/// The device setting that holds the server's address.
pub const SERVER_SETTING: &str = "server";
/// The device setting that holds the bearer token the server gave at enrolment.
pub const TOKEN_SETTING: &str = "token";
/// At most this many messages go to the server for one stream in one attempt.
/// Automerge settles in two or three; more means something is wrong, and that stream
/// is reported instead of looping.
pub const MAX_ROUNDS: u32 = 64;
