//! The client core's integration tests, in one binary so the store's SQLCipher and
//! Automerge are linked once: the audit bundle and change graph, the chart rules,
//! convergence of replicas, every decoder on bad bytes, the pinned encodings, and the
//! store.

mod audit;
mod chart_rules;
mod common;
mod convergence;
mod decoders;
mod encoding_snapshots;
mod evidence;
mod sealing;
mod store;
