//! The names of the people who record in this device's streams, as the server last
//! listed them, so a device names authors instead of showing ids. Kept as settings
//! (`person-name:{id}`); the device's own person is always known from its identity.

use super::Store;
use super::StoreError;
use super::codec::blob_uuid;
use super::rows::set_meta;
use crate::domain::ids::PersonId;
use rusqlite::Connection;
use std::collections::HashMap;

const PREFIX: &str = "setting:person-name:";

impl Store {
    /// Remembers the names the server gave, in one transaction. A name given before
    /// is replaced; a person the server no longer lists keeps the name last given, so
    /// their records still name them.
    pub fn remember_person_names(
        &mut self,
        people: &[(PersonId, String)],
    ) -> Result<(), StoreError> {
        if people.is_empty() {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        for (id, name) in people {
            set_meta(&tx, &format!("{PREFIX}{}", id.0), name.as_bytes())?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// Every person this device can name: those the server listed, and its own person.
pub fn person_names(conn: &Connection) -> Result<HashMap<PersonId, String>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT key, value FROM meta WHERE key >= ?1 AND key < ?2")?;
    // Every key with the prefix sorts between the prefix and the prefix with its last
    // character's successor (':' is followed by ';').
    let end = format!("{};", PREFIX.trim_end_matches(':'));
    let rows = stmt
        .query_map([PREFIX, end.as_str()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut names = HashMap::new();
    for (key, value) in rows {
        let id = uuid::Uuid::parse_str(&key[PREFIX.len()..])
            .map_err(|e| StoreError::Corrupt(format!("the name setting {key}: {e}")))?;
        let name = String::from_utf8(value)
            .map_err(|e| StoreError::Corrupt(format!("the name setting {key}: {e}")))?;
        names.insert(PersonId(id), name);
    }
    let own: Vec<u8> = conn.query_row("SELECT value FROM meta WHERE key = 'person'", [], |r| {
        r.get(0)
    })?;
    let own_name: Vec<u8> =
        conn.query_row("SELECT value FROM meta WHERE key = 'name'", [], |r| {
            r.get(0)
        })?;
    names.insert(
        PersonId(blob_uuid(&own)?),
        String::from_utf8(own_name).map_err(|e| StoreError::Corrupt(e.to_string()))?,
    );
    Ok(names)
}
