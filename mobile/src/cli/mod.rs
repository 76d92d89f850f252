//! The `praxis` terminal client.

pub mod args;
pub mod audit;
pub mod context;
pub mod render;
pub mod run;
