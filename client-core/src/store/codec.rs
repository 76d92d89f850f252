//! How ids and views are laid out in SQLite columns. Every decoder here returns an
//! error on bad bytes, never panics.

use super::StoreError;
use crate::domain::record::Record;
use uuid::Uuid;

pub fn uuid_blob(id: &Uuid) -> &[u8] {
    id.as_bytes().as_slice()
}

pub fn blob_uuid(bytes: &[u8]) -> Result<Uuid, StoreError> {
    Uuid::from_slice(bytes)
        .map_err(|e| StoreError::Corrupt(format!("an id of {} bytes: {e}", bytes.len())))
}

pub fn encode_record(record: &Record) -> Vec<u8> {
    postcard::to_stdvec(record).unwrap_or_default()
}

/// Encodes a record into `buffer`, replacing what it held (to compare many without
/// allocating for each).
pub fn encode_record_into(record: &Record, buffer: &mut Vec<u8>) {
    buffer.clear();
    if let Ok(bytes) = postcard::to_extend(record, std::mem::take(buffer)) {
        *buffer = bytes;
    }
}

pub fn decode_record(bytes: &[u8]) -> Result<Record, StoreError> {
    postcard::from_bytes(bytes).map_err(|e| StoreError::Corrupt(format!("a stored record: {e}")))
}
