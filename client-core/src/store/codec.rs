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

pub fn decode_record(bytes: &[u8]) -> Result<Record, StoreError> {
    postcard::from_bytes(bytes).map_err(|e| StoreError::Corrupt(format!("a stored record: {e}")))
}
