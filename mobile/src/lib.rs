//! Praxis on the device: the phone-facing API, exported to Kotlin, Swift and Python
//! through UniFFI. A thin layer: every rule lives in `praxis-core`; this crate turns
//! its types into ones a foreign language can hold (ids and dates as text) and its
//! errors into typed exceptions. The `praxis` terminal client is built on this API.

mod error;
mod input;
mod reads;
mod recording;
mod store;
mod sync;

pub use error::PraxisError;
pub use input::*;
pub use reads::*;
pub use store::{Identity, PraxisStore, Recorded, generate_key};
pub use sync::{CancelToken, StreamResult, SyncObserver};

uniffi::setup_scaffolding!();
