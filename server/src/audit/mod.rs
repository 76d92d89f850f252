//! What auditors read: the timeline of a stream's events (with when each reached the
//! office) and of who read what, views as they stood, what a decision's maker had
//! seen, and the audit bundle. Only people with the auditor role for a stream's team or
//! collaborative may read these; everything else is read-only for them too.
//!
//! "As it stood at T" is the server's knowledge at T: the events whose changes had
//! reached it by T (by the receipt log's time; an event the server recorded itself,
//! such as a collaborative founded by an administrator, by its own time). "Just after
//! event X" is the same at the moment X reached the server.
//!
//! Who may read these, and the access log of every read, is `access`'s; this module
//! reads storage and shapes the answers as `praxis_core::protocol::audit` types. It
//! knows nothing of HTTP routes or pages.

mod arrivals;
mod as_it_stood;
mod bundle;
mod decisions;
mod names;
mod timeline;

pub use arrivals::{Arrival, Arrivals};
pub use as_it_stood::{as_it_stood, dashboard_as_it_stood, replica_as_it_stood, view_of};
pub use bundle::{export, integrity};
pub use decisions::{DECISIONS, decision_context, decisions};
pub use timeline::{TimelineFilter, timeline};

type Result<T> = std::result::Result<T, crate::error::ServerError>;
