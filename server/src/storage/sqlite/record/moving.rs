//! Moving a deployment on its SQLite file into an empty PostgreSQL database
//! (`praxis-server migrate --from-data-dir … --to postgres://…`): everything of record
//! copied in one transaction (who the server is, every stream with all its changes,
//! the receipts in their order, sync states, data keys, the directory, sessions,
//! failed sign-ins and the access log), refused when the database holds anything.
//! The caller then checks the copy through a new instance made from the database.

use super::super::{MasterKey, SqliteStorage};
use super::publish::publish_in;
use super::start::{START_LOCK, ServerRow, insert_server_row};
use super::tables::{Captured, Class, Op, TABLES, Table, Value};
use crate::storage::pg::Database;
use crate::storage::{Result, Storage, StorageError, Views};
use praxis_core::domain::hlc::WallClock;
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::store::queries;
use rusqlite::Connection;
use std::collections::HashMap;
use std::path::Path;
use uuid::Uuid;

/// What was copied.
#[derive(Debug, Default)]
pub struct Moved {
    pub streams: usize,
    pub changes: usize,
    pub receipts: usize,
    pub people: usize,
    pub devices: usize,
    pub accesses: usize,
}

fn table(name: &str) -> Result<&'static Table> {
    TABLES
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| StorageError::Corrupt(format!("no table of record {name}")))
}

/// Every row of a table of record, as the cache's capture would give it.
fn rows_of(conn: &Connection, table: &'static Table, order: &str) -> Result<Vec<Captured>> {
    let names: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM {} {order}",
        names.join(", "),
        table.name
    ))?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let values = (0..names.len())
            .map(|i| row.get_ref(i).map(Value::from))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        out.push(Captured {
            table,
            op: Op::Insert,
            values,
        });
    }
    Ok(out)
}

/// Copies what `conn` (a read connection on the data directory's file) holds into the
/// empty database, as the server `row` names.
pub fn copy_into(db: &Database, conn: &Connection, row: &ServerRow) -> Result<Moved> {
    let mut pg = db.connection()?;
    pg.execute("SELECT pg_advisory_lock($1)", &[&START_LOCK])?;
    let out = copy_locked(db, &mut pg, conn, row);
    let _ = pg.execute("SELECT pg_advisory_unlock($1)", &[&START_LOCK]);
    out
}

fn copy_locked(
    db: &Database,
    pg: &mut postgres::Client,
    conn: &Connection,
    row: &ServerRow,
) -> Result<Moved> {
    let held: i64 = pg
        .query_one(
            "SELECT (SELECT count(*) FROM server) + (SELECT count(*) FROM streams)
                  + (SELECT count(*) FROM people) + (SELECT count(*) FROM receipts)",
            &[],
        )?
        .get(0);
    if held > 0 {
        return Err(StorageError::Conflict(format!(
            "The database at {} is not empty: a deployment is moved only into an empty database. Give the address of a new one (createdb), or drop this one if it holds nothing you need.",
            db.shown()
        )));
    }
    let mut moved = Moved::default();
    let mut rows: Vec<Captured> = Vec::new();
    for t in TABLES.iter().filter(|t| t.class == Class::Directory) {
        let these = rows_of(conn, t, "")?;
        match t.name {
            "people" => moved.people = these.len(),
            "devices" => moved.devices = these.len(),
            _ => {}
        }
        rows.extend(these);
    }
    let streams = table("streams")?;
    let changes = table("changes")?;
    for info in praxis_core::store::queries::streams(conn)? {
        moved.streams += 1;
        rows.push(Captured {
            table: streams,
            op: Op::Insert,
            values: vec![
                Value::Bytes(info.id.0.as_bytes().to_vec()),
                Value::Text(info.kind.name().to_string()),
                Value::Text(info.name.clone()),
                info.collaborative
                    .map_or(Value::Null, |c| Value::Bytes(c.0.as_bytes().to_vec())),
            ],
        });
        for (i, bytes) in super::super::audit_reads::stream_changes(conn, info.id)?
            .into_iter()
            .enumerate()
        {
            let hash = automerge::Change::try_from(bytes.as_slice())
                .map_err(|e| StorageError::Corrupt(format!("a change of {}: {e}", info.id)))?
                .hash();
            moved.changes += 1;
            rows.push(Captured {
                table: changes,
                op: Op::Insert,
                values: vec![
                    Value::Bytes(info.id.0.as_bytes().to_vec()),
                    Value::Int(i as i64 + 1),
                    Value::Bytes(hash.0.to_vec()),
                    Value::Bytes(bytes),
                ],
            });
        }
    }
    let receipts = rows_of(conn, table("receipts")?, "ORDER BY seq")?;
    moved.receipts = receipts.len();
    rows.extend(receipts);
    rows.extend(rows_of(conn, table("sync_states")?, "")?);
    // Keys a store numbered none of (before it was a server's) are numbered after its
    // stream's others, in the order they were made.
    let mut keys = rows_of(
        conn,
        table("data_keys")?,
        "ORDER BY stream, seq IS NULL, seq, made_at",
    )?;
    let mut last: HashMap<Vec<u8>, i64> = HashMap::new();
    for k in &mut keys {
        let stream = match &k.values[1] {
            Value::Bytes(b) => b.clone(),
            _ => return Err(StorageError::Corrupt("a data key's stream".into())),
        };
        let next = last.get(&stream).copied().unwrap_or(0) + 1;
        let seq = match k.values[7] {
            Value::Int(s) => s.max(next),
            _ => next,
        };
        k.values[7] = Value::Int(seq);
        last.insert(stream, seq);
    }
    rows.extend(keys);

    let mut tx = pg.transaction()?;
    insert_server_row(&mut tx, row)?;
    publish_in(&mut tx, &rows)?;
    moved.accesses = copy_shared(&mut tx, conn)?;
    tx.commit()?;
    Ok(moved)
}

/// What instances share directly: sessions, failed sign-ins, pending single sign-ons
/// and the access log (its order kept). Gives how many reads the log holds.
fn copy_shared(tx: &mut postgres::Transaction<'_>, conn: &Connection) -> Result<usize> {
    let uuid = |b: Vec<u8>| {
        Uuid::from_slice(&b).map_err(|_| StorageError::Corrupt("an id to move".into()))
    };
    let mut stmt = conn.prepare(
        "SELECT token_hash, person, csrf, created_at, expires_at, ended_at FROM sessions",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        tx.execute(
            "INSERT INTO sessions (token_hash, person, csrf, created_at, expires_at, ended_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &r.get::<_, String>(0)?,
                &uuid(r.get(1)?)?,
                &r.get::<_, String>(2)?,
                &r.get::<_, i64>(3)?,
                &r.get::<_, i64>(4)?,
                &r.get::<_, Option<i64>>(5)?,
            ],
        )?;
    }
    let mut stmt = conn.prepare("SELECT key, failed, last_at FROM sign_in_failures")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        tx.execute(
            "INSERT INTO sign_in_failures (key, failed, last_at) VALUES ($1, $2, $3)",
            &[
                &r.get::<_, String>(0)?,
                &r.get::<_, i32>(1)?,
                &r.get::<_, i64>(2)?,
            ],
        )?;
    }
    let mut stmt = conn.prepare(
        "SELECT state_hash, browser_hash, pkce_verifier, nonce, next, expires_at FROM sso_sign_ins",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        tx.execute(
            "INSERT INTO sso_sign_ins (state_hash, browser_hash, pkce_verifier, nonce, next, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &r.get::<_, String>(0)?,
                &r.get::<_, String>(1)?,
                &r.get::<_, String>(2)?,
                &r.get::<_, String>(3)?,
                &r.get::<_, String>(4)?,
                &r.get::<_, i64>(5)?,
            ],
        )?;
    }
    let mut stmt = conn
        .prepare("SELECT at, person, device, route, stream, record FROM access_log ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let insert = tx.prepare(
        "INSERT INTO access_log (at, person, device, route, stream, record) VALUES ($1, $2, $3, $4, $5, $6)",
    )?;
    let mut n = 0;
    while let Some(r) = rows.next()? {
        let record: Option<Vec<u8>> = r.get(5)?;
        tx.execute(
            &insert,
            &[
                &r.get::<_, i64>(0)?,
                &uuid(r.get(1)?)?,
                &uuid(r.get(2)?)?,
                &r.get::<_, String>(3)?,
                &uuid(r.get(4)?)?,
                &record.map(uuid).transpose()?,
            ],
        )?;
        n += 1;
    }
    Ok(n)
}

impl SqliteStorage {
    /// Moves the deployment in `data_dir` into the empty PostgreSQL database at `url`
    /// (`praxis-server migrate`): copies everything of record in one transaction, then
    /// checks the copy through a new instance made from the database (every stream's
    /// heads, events and receipts, the people, devices and access log), refusing a
    /// database that holds anything. The data directory is only read.
    pub fn move_to_postgres(data_dir: &Path, master: &MasterKey, url: &str) -> Result<Moved> {
        let source = SqliteStorage::open_with_key(data_dir, WallClock::system(), master)?;
        let db = Database::open(url)?;
        let row = {
            let store = source.writers.stream(source.organisation)?;
            ServerRow {
                id: uuid::Uuid::now_v7(),
                organisation: source.organisation,
                identity: store.identity().clone(),
                master_key_check: store.setting("master_key_check")?.ok_or_else(|| {
                    StorageError::Corrupt("the data directory's master key check".into())
                })?,
            }
        };
        let moved = source.readers.read(|c| copy_into(&db, c, &row))?;
        let key = match master {
            MasterKey::InDataDir => {
                MasterKey::File(data_dir.join(super::super::master_key::IN_DATA_DIR))
            }
            given => given.clone(),
        };
        let check = std::env::temp_dir().join(format!("praxis-moved-{}", uuid::Uuid::now_v7()));
        let checked = SqliteStorage::open_on_postgres(&check, WallClock::system(), &key, url)
            .and_then(|copy| same(&source, &copy));
        let _ = std::fs::remove_dir_all(&check);
        checked?;
        Ok(moved)
    }
}

/// Whether `copy` holds what `source` does, as a reader of either sees it; says what
/// differs when it does not.
fn same(source: &SqliteStorage, copy: &SqliteStorage) -> Result<()> {
    let differs = |what: String| {
        Err(StorageError::Corrupt(format!(
            "the copy in PostgreSQL differs from the data directory in {what}: drop the database and move again"
        )))
    };
    let people = |s: &SqliteStorage| -> Result<Vec<String>> {
        let mut p: Vec<String> = s.people()?.iter().map(|p| format!("{p:?}")).collect();
        p.sort();
        Ok(p)
    };
    if people(source)? != people(copy)? {
        return differs("its people".into());
    }
    let devices = |s: &SqliteStorage| -> Result<Vec<String>> {
        let mut d: Vec<String> = s.devices()?.iter().map(|d| format!("{d:?}")).collect();
        d.sort();
        Ok(d)
    };
    if devices(source)? != devices(copy)? {
        return differs("its devices".into());
    }
    let streams = source.read(|c| Ok(queries::streams(c)?))?;
    if streams != copy.read(|c| Ok(queries::streams(c)?))? {
        return differs("its streams".into());
    }
    let ids: Vec<StreamId> = streams.iter().map(|s| s.id).collect();
    if source.stream_heads(&ids)? != copy.stream_heads(&ids)? {
        return differs("the streams' heads".into());
    }
    for stream in ids {
        let events = |s: &SqliteStorage| -> Result<Vec<EventId>> {
            Ok(s.envelopes(stream)?.iter().map(|e| e.id).collect())
        };
        if events(source)? != events(copy)? {
            return differs(format!("the events of {stream}"));
        }
        let receipts = |s: &SqliteStorage| -> Result<Vec<String>> {
            Ok(s.receipts(stream)?
                .into_iter()
                .map(|r| {
                    format!(
                        "{} {} {} {:?} {:?}",
                        r.change_hash, r.device, r.received_at, r.events, r.refused
                    )
                })
                .collect())
        };
        if receipts(source)? != receipts(copy)? {
            return differs(format!("the receipts of {stream}"));
        }
        if source.access_log(&[stream])?.len() != copy.access_log(&[stream])?.len() {
            return differs(format!("the access log of {stream}"));
        }
    }
    Ok(())
}
