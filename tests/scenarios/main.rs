//! Praxis end to end: every scenario that spans more than one crate, in one binary
//! (linking SQLCipher, OpenSSL and Automerge once): the workspace's architecture, the
//! field (phones offline, then syncing), schedules, crashes of the server, the
//! network's faults with servers and clients killed (and a soak under them), hostile
//! devices, the authorization matrix, several server instances on one PostgreSQL, the browser and how its pages fit a phone and a
//! desktop, the Python bindings and the OpenAPI document. The server and the bindings'
//! generator are the binaries `cargo test --workspace` builds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin_browser;
mod architecture;
mod authorization;
mod bindings;
mod browser;
mod crash;
mod data_protection;
mod erasure;
mod fast_path;
mod faults;
mod field;
mod field_app;
mod hostile;
mod instances;
mod layout;
mod many_streams;
mod openapi;
mod quarantine;
mod retention;
mod schedules;
mod single_sign_on;
