//! Ids and times as the server's tables hold them: ids as 16-byte blobs, times as
//! milliseconds since the epoch.

use crate::storage::{Result, StorageError};

pub fn blob(id: &uuid::Uuid) -> &[u8] {
    id.as_bytes().as_slice()
}

pub fn uuid_of(bytes: &[u8]) -> Result<uuid::Uuid> {
    uuid::Uuid::from_slice(bytes).map_err(|e| StorageError::Corrupt(format!("id: {e}")))
}

pub fn now_millis() -> i64 {
    praxis_core::domain::hlc::wall_millis_now() as i64
}

/// A time in milliseconds since the epoch as RFC 3339 text.
pub fn timestamp(millis: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(millis as i128 * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
