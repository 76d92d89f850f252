//! The cache's side of the record: its own tables (how far it has caught up), the
//! advisory lock that stands for a stream's, and this thread's part (replaying what
//! PostgreSQL holds, or holding a stream's lock with the connection it writes through).

use super::capture::{self, Mode};
use crate::storage::pg::Database;
use crate::storage::{Result, StorageError};
use praxis_core::domain::ids::StreamId;
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

/// The cache's own tables: how far it has caught up with each stream, and with the
/// directory.
const CACHE_TABLES: &str = "
CREATE TABLE IF NOT EXISTS record_positions (
    stream    BLOB PRIMARY KEY,
    changes   INTEGER NOT NULL DEFAULT 0,
    receipts  INTEGER NOT NULL DEFAULT 0,
    sync      INTEGER NOT NULL DEFAULT 0
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS record_meta (
    key    TEXT PRIMARY KEY,
    value  BLOB NOT NULL
) STRICT;
";

/// What the cache's catch-up looks receipts up by (made once the server's tables are).
const CACHE_INDEXES: &str =
    "CREATE INDEX IF NOT EXISTS receipts_by_change ON receipts(stream, change_hash);";

/// The advisory lock that stands for a stream's lock in PostgreSQL.
pub fn lock_key(stream: StreamId) -> i64 {
    let b = stream.0.as_bytes();
    let mut tail = [0u8; 8];
    tail.copy_from_slice(&b[8..16]);
    i64::from_le_bytes(tail) ^ 0x5052_4158_4953_0000
}

/// The record an instance's cache keeps in step with.
pub struct Record {
    pub db: Database,
}

/// Runs `f` with this thread replaying what PostgreSQL holds: nothing it writes to
/// the cache is caught.
pub fn replaying<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    let before = capture::set_mode(Mode::Replaying);
    let out = f();
    capture::set_mode(before);
    out
}

/// The armed state of a held stream lock: the connection holding the advisory lock
/// lives in this thread's capture state until `disarm`.
pub fn arm(connection: crate::storage::pg::Connection) {
    capture::set_mode(Mode::Armed(Box::new(connection)));
}

/// Gives the advisory lock back and the connection to the pool.
pub fn disarm(key: i64) {
    if let Mode::Armed(mut connection) = capture::set_mode(Mode::Idle)
        && let Err(e) = connection.execute("SELECT pg_advisory_unlock($1)", &[&key])
    {
        // A connection that failed took its session's locks with it.
        tracing::warn!(error = %e, "a stream's lock in PostgreSQL was let go with its connection");
    }
}

pub fn meta(conn: &Connection, key: &str) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row("SELECT value FROM record_meta WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

pub fn set_meta(conn: &Connection, key: &str, value: &[u8]) -> Result<()> {
    conn.execute(
        "INSERT INTO record_meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Makes the cache's own tables in its file (`indexes` once the server's are made).
pub fn prepare(conn: &Connection, indexes: bool) -> Result<()> {
    conn.execute_batch(CACHE_TABLES)?;
    if indexes {
        conn.execute_batch(CACHE_INDEXES)?;
    }
    Ok(())
}

/// The database a cache file caches, if it names one.
pub fn cached_database(conn: &Connection) -> Result<Option<Uuid>> {
    match meta(conn, "database")? {
        Some(b) => Ok(Some(Uuid::from_slice(&b).map_err(|_| {
            StorageError::Corrupt("the cache's database id".into())
        })?)),
        None => Ok(None),
    }
}

pub fn name_database(conn: &Connection, id: Uuid) -> Result<()> {
    set_meta(conn, "database", id.as_bytes())
}
