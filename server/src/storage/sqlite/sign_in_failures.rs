//! Failed sign-ins by key (a username or a client address), in the database so a
//! restart does not clear them. A count older than `forget_after` starts again.

use super::columns::now_millis;
use crate::storage::Result;
use rusqlite::{Connection, OptionalExtension, params};

/// (failures, milliseconds since the last) for `key`, if it has any.
pub fn failures(conn: &Connection, key: &str) -> Result<Option<(u32, i64)>> {
    Ok(conn
        .prepare_cached("SELECT failed, last_at FROM sign_in_failures WHERE key = ?1")?
        .query_row([key], |r| Ok((r.get::<_, u32>(0)?, r.get::<_, i64>(1)?)))
        .optional()?
        .map(|(failed, last)| (failed, now_millis() - last)))
}

/// Counts one more failure for each key; a count whose last failure is older than
/// `forget_after_ms` starts again at one.
pub fn fail(conn: &Connection, keys: &[String], forget_after_ms: i64) -> Result<()> {
    let now = now_millis();
    let tx = conn.unchecked_transaction()?;
    for key in keys {
        tx.prepare_cached(
            "INSERT INTO sign_in_failures (key, failed, last_at) VALUES (?1, 1, ?2)
             ON CONFLICT (key) DO UPDATE SET
                 failed = CASE WHEN ?2 - last_at > ?3 THEN 1 ELSE failed + 1 END,
                 last_at = ?2",
        )?
        .execute(params![key, now, forget_after_ms])?;
    }
    tx.commit()?;
    Ok(())
}

pub fn clear(conn: &Connection, key: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM sign_in_failures WHERE key = ?1")?
        .execute([key])?;
    Ok(())
}
