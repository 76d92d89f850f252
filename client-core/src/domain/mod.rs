//! The domain: pure types and functions, no I/O. Events, their validation and the fold
//! of events into views. The same events give the same views on every replica.

pub mod access;
pub mod as_it_stood;
pub mod charts;
pub mod collaborative;
pub mod dashboard;
pub mod envelope;
pub mod event;
pub mod event_kind;
pub mod fold;
pub mod hlc;
pub mod ids;
pub mod legal_basis;
pub mod measure;
pub mod measure_chart;
pub mod prediction_check;
pub mod printable;
pub mod progress_scale;
pub mod record;
pub mod recording_warnings;
pub mod register;
pub mod retention;
pub mod role;
pub mod score_evidence;
pub mod sealing;
pub mod summary;
pub mod validation;
pub mod views;
pub mod words;
