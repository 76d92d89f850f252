//! Schema upgrades by `PRAGMA user_version`; each migration is an append-only SQL file.

use super::StoreError;
use rusqlite::Connection;

pub(super) const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_initial.sql"),
    include_str!("migrations/002_sync_states.sql"),
    include_str!("migrations/003_fewer_pages.sql"),
    include_str!("migrations/004_fewer_index_pages.sql"),
    include_str!("migrations/005_stream_heads.sql"),
    include_str!("migrations/006_data_keys.sql"),
    include_str!("migrations/007_subject_keys_in_memory.sql"),
];

pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let latest = MIGRATIONS.len() as i64;
    if version > latest {
        return Err(StoreError::NewerStore(version));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}
