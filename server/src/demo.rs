//! The demo collaborative `praxis-server serve --demo` seeds on first start.

use crate::storage::SqliteStorage;

pub fn seed(_storage: &mut SqliteStorage) -> Result<(), crate::error::ServerError> {
    Ok(())
}
