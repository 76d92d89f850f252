//! Praxis on the device: the phone-facing API, exported to Kotlin, Swift and Python
//! through UniFFI. A thin layer: every rule lives in `praxis-core`; this crate turns
//! its types into ones a foreign language can hold (ids and dates as text) and its
//! errors into typed exceptions. The `praxis` terminal client (`praxis-cli`) is built on this API.

mod amending;
mod collaborative;
mod error;
mod evidence;
mod input;
mod project_records;
mod reads;
mod recording;
mod store;
mod sync;

pub use amending::{CorrectionInput, HeldLine};
pub use collaborative::{
    ChangePackageItemInput, EvidenceInput, PhaseInput, PhaseKind, ProgressLevelInput,
    ProgressScaleInput,
};
pub use error::PraxisError;
pub use evidence::{
    ExpectationInput, ExpectedChange, PeriodValue, PredictionCheckLine, SuggestedScore,
    SuggestionStep,
};
pub use input::*;
pub use project_records::{ChangeIdeaInput, CharterInput, ManagerDecisionInput};
pub use reads::*;
pub use store::{Identity, PraxisStore, Recorded, generate_key};
pub use sync::{CancelToken, StreamResult, SyncObserver};

uniffi::setup_scaffolding!();
