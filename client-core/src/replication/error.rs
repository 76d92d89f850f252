//! What can go wrong with a stream's document.

#[derive(Debug, thiserror::Error)]
pub enum ReplicationError {
    #[error("the stream document could not be read: {0}")]
    Corrupt(String),
    #[error("the stream document has no event list; it was not made by Praxis")]
    NoEventList,
    #[error("the change could not be read: {0}")]
    BadChange(String),
    #[error("{0} bytes is more than a stream document may have")]
    Oversized(usize),
    #[error("the document could not be changed: {0}")]
    Automerge(#[from] automerge::AutomergeError),
}
