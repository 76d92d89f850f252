//! The connections that write. SQLite lets one transaction write at a time; what makes
//! a sync slow is mostly Automerge's work (decoding the message, applying changes,
//! making the answer), which needs the stream's document but no lock of SQLite's.
//!
//! So the streams are spread over a few stores by stream id, each with its own
//! connection and its own documents in memory, behind a mutex: the *stream lock* of
//! every stream that falls to it. A sync holds its stream's lock from start to end, so
//! two rounds of one stream never interleave; syncs of streams on different locks
//! do their Automerge work at the same time and take turns only for SQLite's write
//! transaction. The server's own tables (sessions, the access log) have a connection
//! of their own, so logging a read never waits for a sync.

use crate::storage::Result;
use praxis_core::domain::hlc::WallClock;
use praxis_core::domain::ids::StreamId;
use praxis_core::store::{Store, configure_sealing, wait_for_write_lock};
use rusqlite::Connection;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// How many stream locks (each a store with its own connection and documents).
pub const STREAM_LOCKS: usize = 8;

/// Each stream store's page cache, in KiB.
const WRITER_CACHE_KIB: i64 = 4 * 1024;

pub struct Writers {
    streams: Vec<Mutex<Store>>,
    tables: Mutex<Connection>,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while a lock was held rolled its transaction back (the transaction is
    // dropped) and left no document half-applied in memory (a document is taken out
    // of the store while it is worked on): what the mutex guards is whole.
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl Writers {
    /// Opens the stores on `path`, the first of them `first` (already migrated).
    /// Each store wraps its data keys under the master key `secret`.
    pub fn open(
        path: &Path,
        first: Store,
        documents: usize,
        wall: &WallClock,
        secret: &[u8; 32],
    ) -> Result<Writers> {
        let per_lock = documents.div_ceil(STREAM_LOCKS).max(1);
        let keyring = first.keyring();
        let mut stores = vec![first];
        for _ in 1..STREAM_LOCKS {
            let mut store = Store::open(path)?;
            store.use_master_key(secret)?;
            stores.push(store);
        }
        let mut streams = Vec::with_capacity(STREAM_LOCKS);
        for mut store in stores {
            store.set_document_capacity(per_lock);
            // A stream's writes are one transaction each: a batch larger than the
            // cache spills its pages to the log before it commits, which costs the
            // server no time, and eight connections' caches stay small.
            store
                .connection()
                .pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
            store.set_wall_clock(wall.clone());
            store.lock_for_writing_first()?;
            streams.push(Mutex::new(store));
        }
        let mut tables = Connection::open(path)?;
        tables.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        tables.busy_handler(Some(wait_for_write_lock))?;
        tables.pragma_update(None, "foreign_keys", "ON")?;
        tables.pragma_update(None, "secure_delete", "ON")?;
        configure_sealing(&tables, keyring)?;
        Ok(Writers {
            streams,
            tables: Mutex::new(tables),
        })
    }

    /// The store that writes `stream`, locked: the stream's lock.
    pub fn stream(&self, stream: StreamId) -> MutexGuard<'_, Store> {
        let bytes = stream.0.as_bytes();
        // The last bytes of a UUIDv7 are random; its first are a time.
        let mut tail = [0u8; 8];
        tail.copy_from_slice(&bytes[8..16]);
        let index = (u64::from_le_bytes(tail) % STREAM_LOCKS as u64) as usize;
        locked(&self.streams[index])
    }

    /// The connection for the server's own tables that no stream's events stand for.
    pub fn tables(&self) -> MutexGuard<'_, Connection> {
        locked(&self.tables)
    }

    /// How many stream documents are in memory, over every store.
    pub fn documents_loaded(&self) -> usize {
        self.streams
            .iter()
            .map(|s| locked(s).documents_loaded())
            .sum()
    }
}
