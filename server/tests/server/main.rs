//! The server's own integration tests, in one binary: the audit routes and pages, reads
//! running beside syncs, credentials, the demo seed, the web pages, and PostgreSQL as the store of record. Scenarios that
//! span phones, browsers and bindings are in the workspace's `tests/` crate.

mod audit;
mod audit_web;
mod concurrency;
mod credentials;
mod data_dir;
mod demo;
mod edges;
mod enrolment_code;
mod field;
mod floods;
mod logs;
mod postgres;
mod web;
