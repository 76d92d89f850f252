//! Audit: reading a stream's history as evidence. The change graph says what each
//! author had seen when recording (Automerge's hash-linked changes); the bundle carries
//! a stream's changes and the server's receipt log to be verified with nothing else.
//! Views as they stood are the domain's (`domain::as_it_stood`): the same fold.

pub mod bundle;
pub mod change_graph;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("this is not an audit bundle (a tar archive made by Praxis): {0}")]
    NotABundle(String),
    #[error(
        "the bundle has no manifest.json, so there is nothing to check it against; ask for a new export"
    )]
    NoManifest,
    #[error("the bundle's manifest.json cannot be read: {0}")]
    BadManifest(String),
    #[error("cannot read {0}")]
    Unreadable(String),
}
