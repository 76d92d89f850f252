//! A large transaction's rows written to PostgreSQL while the cache is still writing
//! them: past `CHUNK` rows, the connection that holds the stream's lock moves to a
//! thread of its own, which opens the PostgreSQL transaction and writes each chunk as
//! it is handed over. PostgreSQL's work (and turning rows into its arrays) then runs
//! beside the cache's instead of after it, and what is left at the cache's commit is
//! the last chunk and PostgreSQL's commit. The connection comes back to the thread
//! that holds the lock once the transaction ends, either way.

use super::publish::Publication;
use super::tables::Captured;
use crate::storage::pg::Connection;
use crate::storage::{Result, StorageError};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::thread::JoinHandle;

/// Rows a transaction writes before they go to PostgreSQL as it goes, and how many go
/// at a time.
pub const CHUNK: usize = 256;

enum Message {
    Rows(Vec<Captured>),
    Commit,
}

/// A transaction being written to PostgreSQL by a thread of its own.
pub struct Streamer {
    to: Sender<Message>,
    worker: JoinHandle<(Box<Connection>, Result<()>)>,
}

impl Streamer {
    /// Moves `connection` to a thread that opens a transaction on it.
    pub fn start(connection: Box<Connection>) -> Result<Streamer> {
        let (to, from) = channel();
        let worker = std::thread::Builder::new()
            .name("praxis-publish".into())
            .spawn(move || write(connection, from))
            .map_err(|e| {
                StorageError::Unusable(format!("no thread to write to PostgreSQL: {e}"))
            })?;
        Ok(Streamer { to, worker })
    }

    /// Hands over the next rows.
    pub fn send(&self, rows: Vec<Captured>) {
        // A worker that has stopped has an error to give at the end.
        let _ = self.to.send(Message::Rows(rows));
    }

    /// Commits what was handed over (with `rest`, the last rows), or rolls it back
    /// when `commit` is false; gives the connection back with how it went.
    pub fn end(self, rest: Vec<Captured>, commit: bool) -> (Option<Box<Connection>>, Result<()>) {
        if commit {
            if !rest.is_empty() {
                self.send(rest);
            }
            let _ = self.to.send(Message::Commit);
        }
        drop(self.to);
        match self.worker.join() {
            Ok((connection, outcome)) => (Some(connection), outcome),
            Err(_) => (
                None,
                Err(StorageError::Unusable(
                    "writing to PostgreSQL stopped with a panic; nothing was kept".into(),
                )),
            ),
        }
    }
}

/// The worker: one PostgreSQL transaction, committed only when told to; a closed
/// channel without `Commit` rolls it back.
fn write(
    mut connection: Box<Connection>,
    from: Receiver<Message>,
) -> (Box<Connection>, Result<()>) {
    // A panic gives the connection back too: it holds the stream's advisory lock,
    // which the thread that holds the stream's lock lets go of.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut tx = connection.transaction()?;
        let mut publication = Publication::default();
        let mut failed = None;
        for message in from.iter() {
            match message {
                Message::Rows(rows) if failed.is_none() => {
                    if let Err(e) = publication.add(&mut tx, &rows) {
                        failed = Some(e);
                    }
                }
                Message::Rows(_) => {}
                Message::Commit => {
                    if let Some(e) = failed {
                        return Err(e);
                    }
                    publication.finish(&mut tx)?;
                    tx.commit()?;
                    return Ok(());
                }
            }
        }
        Err(failed
            .unwrap_or_else(|| StorageError::Unusable("the transaction was rolled back".into())))
    }))
    .unwrap_or_else(|_| {
        Err(StorageError::Unusable(
            "writing to PostgreSQL stopped with a panic; nothing was kept".into(),
        ))
    });
    (connection, outcome)
}
