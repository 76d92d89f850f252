//! What Praxis's fuzz targets share: the input formats they read, and a server's data
//! directory set up once per process and copied afresh when an input changed it.

pub mod fixture;
pub mod panics;
pub mod placeholders;
pub mod request;
pub mod stored;
pub mod sync_input;
