//! The `praxis` terminal client end to end: the real binary, each test in a store of
//! its own. Every record kind is recorded and read back in text and JSON, and every
//! refusal is checked for its exit code, a helpful message on stderr and that nothing
//! was written (the event counts of `praxis --json status` are unchanged).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod session;
mod steps;

mod collaborative;
mod corrections;
mod cycles;
mod evidence;
mod help_and_init;
mod import_and_rebuild;
mod measures;
mod observations_and_logs;
mod projects_and_charter;
mod reports_and_decisions;

mod audit;
mod carry_over;
mod crash;
mod enrolment_code;
mod held;
mod names;
mod nothing_new;
mod store_key;
mod store_upgrade;
mod sync;
