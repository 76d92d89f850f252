//! Praxis server: enrols devices, syncs streams with them under each person's
//! memberships, and serves a JSON read API. See ARCHITECTURE.md.

pub mod access;
pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod credentials;
pub mod demo;
pub mod edges;
pub mod error;
pub mod field;
pub mod local_time;
pub mod serving;
pub mod sign_in_limit;
pub mod sso;
pub mod state;
pub mod storage;
pub mod transport;
pub mod web;

pub use serving::{Options, serve};
