//! Read-only connections to the server's file, lent to one read at a time. In WAL
//! mode a reader sees the last commit made before its read began (by this process or
//! another, such as an `admin` command) and neither waits for writers nor holds them up.

use crate::storage::{Result, StorageError};
use praxis_core::store::{Keyring, configure_sealing, configure_statements};
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// Read connections open at most at once; a read beyond them waits for one to be free.
pub const READERS: usize = 8;

pub struct Readers {
    path: PathBuf,
    /// Opens sealed content on every read connection (the master key's).
    keyring: Arc<Keyring>,
    pool: Mutex<Pool>,
    freed: Condvar,
}

struct Pool {
    idle: Vec<Connection>,
    open: usize,
}

/// A connection on loan; it goes back to the pool when dropped, whatever happened.
struct Lent<'a> {
    readers: &'a Readers,
    conn: Option<Connection>,
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.readers.lock().idle.push(conn);
            self.readers.freed.notify_one();
        }
    }
}

impl Readers {
    pub fn new(path: &Path, keyring: Arc<Keyring>) -> Readers {
        Readers {
            path: path.to_path_buf(),
            keyring,
            pool: Mutex::new(Pool {
                idle: Vec::new(),
                open: 0,
            }),
            freed: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Pool> {
        // The pool is a list of connections: a panic elsewhere cannot leave it torn.
        self.pool.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn connect(&self) -> Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "cache_size", -16 * 1024)?;
        configure_statements(&conn)?;
        configure_sealing(&conn, self.keyring.clone())?;
        conn.pragma_update(None, "mmap_size", 256 * 1024 * 1024)?;
        Ok(conn)
    }

    fn borrow(&self) -> Result<Lent<'_>> {
        let mut pool = self.lock();
        loop {
            if let Some(conn) = pool.idle.pop() {
                return Ok(Lent {
                    readers: self,
                    conn: Some(conn),
                });
            }
            if pool.open < READERS {
                pool.open += 1;
                drop(pool);
                return match self.connect() {
                    Ok(conn) => Ok(Lent {
                        readers: self,
                        conn: Some(conn),
                    }),
                    Err(e) => {
                        self.lock().open -= 1;
                        self.freed.notify_one();
                        Err(e)
                    }
                };
            }
            // Every connection is lent: wait until a read gives one back.
            pool = self.freed.wait(pool).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Runs `f` inside one read transaction, so everything it reads comes from the same
    /// committed state of the file.
    pub fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let lent = self.borrow()?;
        let conn = lent
            .conn
            .as_ref()
            .ok_or_else(|| StorageError::Unusable("a read connection went missing".into()))?;
        let tx = conn.unchecked_transaction()?;
        let out = f(&tx);
        // Nothing was written: ending the transaction only lets the snapshot go.
        tx.rollback()?;
        out
    }
}
