//! The `praxis` terminal client.

pub mod args;
pub mod context;
pub mod render;
pub mod run;
