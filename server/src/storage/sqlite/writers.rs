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
//!
//! With PostgreSQL as the store of record (`record/`), each lock is also the stream's
//! advisory lock there, taken after the local one; the cache catches up with the
//! stream under it, and what it then writes goes to PostgreSQL as it commits.

use super::record::{self, Record, capture};
use crate::storage::{Result, StorageError};
use praxis_core::domain::hlc::WallClock;
use praxis_core::domain::ids::StreamId;
use praxis_core::store::{Store, configure_sealing, wait_for_write_lock};
use rusqlite::Connection;
use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

/// How many stream locks (each a store with its own connection and documents).
pub const STREAM_LOCKS: usize = 8;

/// Each stream store's page cache, in KiB.
const WRITER_CACHE_KIB: i64 = 4 * 1024;

pub struct Writers {
    streams: Vec<Mutex<Store>>,
    tables: Mutex<Connection>,
    /// PostgreSQL, when this file is an instance's cache of it.
    record: Option<Arc<Record>>,
    /// The organisation stream, whose lock the server's own tables are written under
    /// when PostgreSQL is the record.
    organisation: StreamId,
}

/// A stream's lock (or the lock of the server's own tables), held until dropped.
pub struct Held<'a, T> {
    local: MutexGuard<'a, T>,
    /// The advisory lock held in PostgreSQL, if any.
    key: Option<i64>,
}

impl<T> Deref for Held<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.local
    }
}

impl<T> DerefMut for Held<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.local
    }
}

impl<T> Drop for Held<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            record::disarm(key);
        }
    }
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
        record: Option<Arc<Record>>,
        organisation: StreamId,
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
            if record.is_some() {
                capture::install(store.connection())?;
                store.set_commit_hooks(capture::on_commit, capture::on_rollback)?;
            }
            streams.push(Mutex::new(store));
        }
        let mut tables = Connection::open(path)?;
        tables.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        tables.busy_handler(Some(wait_for_write_lock))?;
        tables.pragma_update(None, "foreign_keys", "ON")?;
        tables.pragma_update(None, "secure_delete", "ON")?;
        configure_sealing(&tables, keyring)?;
        if record.is_some() {
            capture::install(&tables)?;
            tables.commit_hook(Some(capture::on_commit))?;
            tables.rollback_hook(Some(capture::on_rollback))?;
        }
        Ok(Writers {
            streams,
            tables: Mutex::new(tables),
            record,
            organisation,
        })
    }

    fn group(&self, stream: StreamId) -> &Mutex<Store> {
        let bytes = stream.0.as_bytes();
        // The last bytes of a UUIDv7 are random; its first are a time.
        let mut tail = [0u8; 8];
        tail.copy_from_slice(&bytes[8..16]);
        let index = (u64::from_le_bytes(tail) % STREAM_LOCKS as u64) as usize;
        &self.streams[index]
    }

    /// Takes `stream`'s advisory lock in PostgreSQL on a connection of its own, runs
    /// `catch_up` on it, and leaves the connection with this thread for what it writes.
    fn arm(
        &self,
        stream: StreamId,
        catch_up: impl FnOnce(&mut postgres::Client) -> Result<()>,
    ) -> Result<Option<i64>> {
        let Some(record) = &self.record else {
            return Ok(None);
        };
        if capture::is_armed() {
            return Err(StorageError::Unusable(
                "a second stream's lock taken while one is held".into(),
            ));
        }
        // A refusal nobody was told of is not this lock's.
        let _ = crate::storage::error::take_commit_failure();
        let key = record::lock_key(stream);
        let mut pg = record.db.connection()?;
        pg.execute("SELECT pg_advisory_lock($1)", &[&key])?;
        if let Err(e) = catch_up(&mut pg) {
            let _ = pg.execute("SELECT pg_advisory_unlock($1)", &[&key]);
            return Err(e);
        }
        record::arm(pg);
        Ok(Some(key))
    }

    /// The store that writes `stream`, locked: the stream's lock. With PostgreSQL as
    /// the record, the store has caught up with the stream (and the directory) under it.
    pub fn stream(&self, stream: StreamId) -> Result<Held<'_, Store>> {
        let mut local = locked(self.group(stream));
        let key = self.arm(stream, |pg| {
            record::catch_up_directory(pg, local.connection())?;
            record::catch_up_stream(pg, &mut local, stream)
        })?;
        Ok(Held { local, key })
    }

    /// The connection for the server's own tables that no stream's events stand for,
    /// under the organisation stream's lock in PostgreSQL when it is the record.
    pub fn tables(&self) -> Result<Held<'_, Connection>> {
        let local = locked(&self.tables);
        let key = self.arm(self.organisation, |pg| {
            record::catch_up_directory(pg, &local)
        })?;
        Ok(Held { local, key })
    }

    /// Catches the cache up with all PostgreSQL holds that it does not, before a read
    /// (nothing to do when this file is not a cache). Takes one local lock at a time,
    /// and never one while this thread holds one (its reads see what it holds).
    pub fn catch_up(&self) -> Result<()> {
        let Some(record) = &self.record else {
            return Ok(());
        };
        if capture::is_armed() {
            return Ok(());
        }
        let behind = {
            let mut pg = record.db.connection()?;
            let tables = locked(&self.tables);
            record::catch_up_directory(&mut pg, &tables)?;
            record::streams_behind(&mut pg, &tables)?
        };
        // No connection is held while waiting for a stream's local lock (its writer
        // may hold it for a round), so waiting readers never empty the pool.
        for stream in behind {
            let mut store = locked(self.group(stream));
            let mut pg = record.db.connection()?;
            record::catch_up_stream(&mut pg, &mut store, stream)?;
        }
        Ok(())
    }

    /// PostgreSQL, when this file is a cache of it.
    pub fn record(&self) -> Option<&Arc<Record>> {
        self.record.as_ref()
    }

    /// How many stream documents are in memory, over every store.
    pub fn documents_loaded(&self) -> usize {
        self.streams
            .iter()
            .map(|s| locked(s).documents_loaded())
            .sum()
    }
}
