//! Automerge panics on some malformed changes where it should return an error (one
//! that works on an object made by an actor the document does not know, found by
//! fuzzing). Every call that hands it bytes from elsewhere, from another replica or
//! read back from disk, goes through `guarded`, which turns such a panic into the
//! error it should have been. The document being changed may then hold part of what
//! it was given: its owner drops it, as after any error from Automerge.
//!
//! Automerge also expands some kinds of chunk without a bound (a bundle's run-length
//! columns, a compressed change), so a few hundred bytes can ask it for gigabytes. Bytes
//! from elsewhere pass `chunks::admit` first, which lets through only the kinds a
//! Praxis replica makes.

use super::chunks;
use automerge::{AutoCommit, Change};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Parses one change's bytes; what is wrong with them, in a sentence, if they are not
/// one (Automerge panics on some).
pub fn parse_change(bytes: &[u8]) -> Result<Change, String> {
    chunks::admit(bytes)?;
    guarded("a change's bytes", || Change::try_from(bytes))
}

/// Loads a saved document (chunks one after another) from elsewhere; what is wrong
/// with it, in a sentence, if it does not load.
pub(super) fn load_document(saved: &[u8]) -> Result<AutoCommit, String> {
    chunks::admit(saved)?;
    guarded("a saved document", || AutoCommit::load(saved))
}

/// `call`'s result, with its error or its panic in a sentence naming `what` it was
/// given.
pub(super) fn guarded<T, E: std::fmt::Display>(
    what: &str,
    call: impl FnOnce() -> Result<T, E>,
) -> Result<T, String> {
    match catch_unwind(AssertUnwindSafe(call)) {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(payload) => {
            let said = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no reason given".into());
            Err(format!("Automerge failed on {what} ({said})"))
        }
    }
}
