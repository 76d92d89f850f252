//! What a transaction of the cache writes to the tables of record, caught as it is
//! written: temporary triggers on each writing connection call `praxis_capture` with
//! the row, which keeps it in this thread's list; as the transaction commits, the
//! commit hook hands the list to PostgreSQL (`publish.rs`) and lets the commit go on
//! only once PostgreSQL has committed it. A rollback forgets the list.
//!
//! A thread writes to PostgreSQL only while it holds a stream's lock (`Armed`, see
//! `mod.rs`), and a catch-up (`Replaying`) writes what PostgreSQL already holds, so it
//! is not caught. A transaction that writes a table of record with neither is refused:
//! nothing is ever kept in a cache that PostgreSQL does not hold.

use super::publish;
use super::streaming::{CHUNK, Streamer};
use super::tables::{Captured, Class, Op, TABLES, Value};
use crate::storage::{Result, StorageError};
use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use std::cell::RefCell;

/// What this thread is doing with PostgreSQL.
pub enum Mode {
    /// Neither: a write to a table of record is refused.
    Idle,
    /// Holding a stream's lock, with the connection its writes go through.
    Armed(Box<crate::storage::pg::Connection>),
    /// Holding a stream's lock, in a transaction large enough that its rows go to
    /// PostgreSQL as they are written, through the connection lent to a worker.
    Streaming(Streamer),
    /// Writing into the cache what PostgreSQL holds.
    Replaying,
}

struct State {
    mode: Mode,
    rows: Vec<Captured>,
}

thread_local! {
    static STATE: RefCell<State> = const {
        RefCell::new(State { mode: Mode::Idle, rows: Vec::new() })
    };
}

/// Ends a transaction being streamed (committing it when `commit`), giving back the
/// armed connection (none if the worker lost it) and how it went.
fn settle(streamer: Streamer, rest: Vec<Captured>, commit: bool) -> (Mode, Result<()>) {
    let (connection, outcome) = streamer.end(rest, commit);
    let mode = match connection {
        Some(c) => Mode::Armed(c),
        None => Mode::Idle,
    };
    (mode, outcome)
}

/// Sets what this thread is doing, giving back what it was doing.
pub fn set_mode(mode: Mode) -> Mode {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.rows.clear();
        match std::mem::replace(&mut s.mode, mode) {
            Mode::Streaming(streamer) => settle(streamer, Vec::new(), false).0,
            before => before,
        }
    })
}

/// Whether this thread holds a stream's lock (its reads must not catch up, which
/// would wait for a lock it may hold).
pub fn is_armed() -> bool {
    STATE.with(|s| matches!(s.borrow().mode, Mode::Armed(_) | Mode::Streaming(_)))
}

/// The commit hook: true refuses the commit.
pub fn on_commit() -> bool {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let rows = std::mem::take(&mut s.rows);
        if rows.is_empty() && !matches!(s.mode, Mode::Streaming(_)) {
            return false;
        }
        let outcome = match std::mem::replace(&mut s.mode, Mode::Idle) {
            Mode::Streaming(streamer) => {
                let (mode, outcome) = settle(streamer, rows, true);
                s.mode = mode;
                outcome
            }
            Mode::Replaying => {
                s.mode = Mode::Replaying;
                Ok(())
            }
            Mode::Idle => Err(StorageError::Unusable(format!(
                "a write to {} outside a stream's lock: it was not kept",
                rows[0].table.name
            ))),
            Mode::Armed(mut connection) => {
                let outcome = publish::publish(&mut connection, &rows);
                s.mode = Mode::Armed(connection);
                outcome
            }
        };
        match outcome {
            Ok(()) => false,
            Err(e) => {
                tracing::warn!(error = %e, "a commit PostgreSQL did not take was rolled back");
                crate::storage::error::refuse_commit(e);
                true
            }
        }
    })
}

pub fn on_rollback() {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.rows.clear();
        s.mode = match std::mem::replace(&mut s.mode, Mode::Idle) {
            Mode::Streaming(streamer) => settle(streamer, Vec::new(), false).0,
            other => other,
        };
    });
}

fn capture(ctx: &rusqlite::functions::Context<'_>) -> rusqlite::Result<Option<i64>> {
    let index = ctx.get::<i64>(0)? as usize;
    let op = match ctx.get::<i64>(1)? {
        0 => Op::Insert,
        1 => Op::Update,
        _ => Op::Delete,
    };
    let table = TABLES
        .get(index)
        .ok_or_else(|| rusqlite::Error::UserFunctionError("no such table of record".into()))?;
    let values = (2..ctx.len())
        .map(|i| Value::from(ctx.get_raw(i)))
        .collect();
    STATE.with(|s| -> rusqlite::Result<()> {
        let mut s = s.borrow_mut();
        if matches!(s.mode, Mode::Replaying) {
            return Ok(());
        }
        s.rows.push(Captured { table, op, values });
        if s.rows.len() < CHUNK {
            return Ok(());
        }
        let rows = std::mem::take(&mut s.rows);
        match std::mem::replace(&mut s.mode, Mode::Idle) {
            Mode::Streaming(streamer) => {
                streamer.send(rows);
                s.mode = Mode::Streaming(streamer);
            }
            Mode::Armed(connection) => {
                let streamer = Streamer::start(connection)
                    .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))?;
                streamer.send(rows);
                s.mode = Mode::Streaming(streamer);
            }
            other => {
                // Refused at commit, as any write outside a stream's lock.
                s.mode = other;
                s.rows = rows;
            }
        }
        Ok(())
    })?;
    Ok(None)
}

/// The triggers that catch writes to the tables of record on one connection.
fn triggers() -> String {
    let mut sql = String::new();
    for (i, table) in TABLES.iter().enumerate() {
        let list = |prefix: &str| {
            table
                .columns
                .iter()
                .map(|(c, _)| format!("{prefix}.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let name = table.name;
        if table.class == Class::Changes {
            // Numbered in its stream as PostgreSQL numbers it: the cache caught up
            // with the stream under its lock, so the next number is one past its count.
            sql.push_str(&format!(
                "CREATE TEMP TRIGGER praxis_record_changes AFTER INSERT ON main.changes BEGIN
                   INSERT INTO main.record_positions (stream, changes) VALUES (NEW.stream, 1)
                     ON CONFLICT (stream) DO UPDATE SET changes = changes + 1;
                   SELECT praxis_capture({i}, 0, NEW.stream,
                     (SELECT changes FROM main.record_positions WHERE stream = NEW.stream),
                     NEW.hash, NEW.bytes);
                 END;\n"
            ));
            continue;
        }
        sql.push_str(&format!(
            "CREATE TEMP TRIGGER praxis_record_{name}_insert AFTER INSERT ON main.{name} BEGIN
               SELECT praxis_capture({i}, 0, {new}); END;\n",
            new = list("NEW")
        ));
        if table.updates {
            // Only when a column of record changed (a stream's row also holds what the
            // cache derives, rewritten at every write).
            let changed = table
                .columns
                .iter()
                .map(|(c, _)| format!("NEW.{c} IS NOT OLD.{c}"))
                .collect::<Vec<_>>()
                .join(" OR ");
            sql.push_str(&format!(
                "CREATE TEMP TRIGGER praxis_record_{name}_update AFTER UPDATE ON main.{name}
                 WHEN {changed} BEGIN
                   SELECT praxis_capture({i}, 1, {new}, {old}); END;\n",
                new = list("NEW"),
                old = list("OLD")
            ));
        }
        if table.deletes {
            sql.push_str(&format!(
                "CREATE TEMP TRIGGER praxis_record_{name}_delete AFTER DELETE ON main.{name} BEGIN
                   SELECT praxis_capture({i}, 2, {old}); END;\n",
                old = list("OLD")
            ));
        }
    }
    sql
}

/// Sets one connection to catch what it writes to the tables of record (its commit
/// and rollback hooks are set by the caller, who owns the connection).
pub fn install(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function("praxis_capture", -1, FunctionFlags::SQLITE_UTF8, |ctx| {
        capture(ctx)
    })?;
    conn.execute_batch(&triggers())
}
