//! PostgreSQL as the store of record, with this file as the instance's cache
//! (`serve --database postgres://…`). Several instances serve one database; each keeps
//! in its own SQLite file what it derives from the record (documents, events, views)
//! and a copy of the tables of record, and works there as a single server does.
//!
//! - **Writing.** A stream's lock (`Writers::stream`) is also a PostgreSQL advisory
//!   lock on the stream, held on one connection for as long as the local lock. Under
//!   it the cache first catches up with the stream (`catch_up_stream`), then works as
//!   the embedded server does; every transaction's writes to the tables of record are
//!   caught (`capture.rs`) and committed to PostgreSQL (`publish.rs`) before the cache
//!   commits them. PostgreSQL refusing or unreachable rolls the cache back too.
//! - **Reading.** A read first catches the cache up with whatever PostgreSQL holds
//!   that it does not (the directory, then each stream that moved on).
//!
//! Nothing is ever in a cache that PostgreSQL does not hold, and a cache behind
//! PostgreSQL (a commit there whose commit here failed) catches up at its next use.

pub mod capture;
mod publish;

use crate::storage::pg::Database;
use crate::storage::{Result, StorageError};
use capture::{Class, Kind, Mode, TABLES};
use postgres::types::ToSql;
use praxis_core::domain::ids::StreamId;
use praxis_core::domain::record::StreamKind;
use praxis_core::store::Store;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{HashMap, HashSet};
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

/// A value from PostgreSQL as the cache keeps it.
fn local(kind: Kind, row: &postgres::Row, i: usize) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match kind {
        Kind::Uuid => row
            .get::<_, Option<Uuid>>(i)
            .map_or(V::Null, |u| V::Blob(u.as_bytes().to_vec())),
        Kind::Bytes => row.get::<_, Option<Vec<u8>>>(i).map_or(V::Null, V::Blob),
        Kind::Text => row.get::<_, Option<String>>(i).map_or(V::Null, V::Text),
        Kind::Int => row.get::<_, Option<i64>>(i).map_or(V::Null, V::Integer),
        Kind::Bool => row
            .get::<_, Option<bool>>(i)
            .map_or(V::Null, |b| V::Integer(b as i64)),
    }
}

fn meta(conn: &Connection, key: &str) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .query_row("SELECT value FROM record_meta WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

fn set_meta(conn: &Connection, key: &str, value: &[u8]) -> Result<()> {
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

/// Copies the directory (people, teams, memberships, devices...) whole into the cache
/// when PostgreSQL's has changed since the cache's copy, through `conn` (the cache's
/// connection for its own tables, locked by the caller).
pub fn catch_up_directory(pg: &mut postgres::Client, conn: &Connection) -> Result<()> {
    let version: i64 = pg.query_one("SELECT version FROM directory", &[])?.get(0);
    let mine = meta(conn, "directory")?
        .and_then(|b| b.try_into().ok())
        .map(i64::from_be_bytes);
    if mine == Some(version) {
        return Ok(());
    }
    // One snapshot of every table, so the copy is of one moment.
    let mut tx = pg
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let version: i64 = tx.query_one("SELECT version FROM directory", &[])?.get(0);
    let mut copies = Vec::new();
    for table in TABLES.iter().filter(|t| t.class == Class::Directory) {
        let names: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
        let rows = tx.query(
            format!("SELECT {} FROM {}", names.join(", "), table.name).as_str(),
            &[],
        )?;
        copies.push((table, rows));
    }
    tx.commit()?;
    replaying(|| {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
        for (table, _) in copies.iter().rev() {
            tx.execute(format!("DELETE FROM {}", table.name).as_str(), [])?;
        }
        for (table, rows) in &copies {
            let names: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
            let marks: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
            let mut insert = tx.prepare(&format!(
                "INSERT INTO {} ({}) VALUES ({})",
                table.name,
                names.join(", "),
                marks.join(", ")
            ))?;
            for row in rows {
                let values: Vec<rusqlite::types::Value> = table
                    .columns
                    .iter()
                    .enumerate()
                    .map(|(i, (_, kind))| local(*kind, row, i))
                    .collect();
                insert.execute(rusqlite::params_from_iter(values))?;
            }
        }
        set_meta(&tx, "directory", &version.to_be_bytes())?;
        tx.commit()?;
        Ok(())
    })
}

/// How far PostgreSQL holds a stream.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Counts {
    pub changes: i64,
    pub receipts: i64,
    pub sync: i64,
    pub keys: i64,
}

impl Counts {
    fn behind(&self, record: &Counts) -> bool {
        record.changes > self.changes
            || record.receipts > self.receipts
            || record.sync > self.sync
            || record.keys > self.keys
    }
}

/// How far the cache holds each stream.
pub fn local_counts(conn: &Connection) -> Result<HashMap<StreamId, Counts>> {
    let mut out: HashMap<StreamId, Counts> = HashMap::new();
    let mut stmt =
        conn.prepare_cached("SELECT stream, changes, receipts, sync FROM record_positions")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, Vec<u8>>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    for row in rows {
        let (id, changes, receipts, sync) = row?;
        let id = StreamId(
            Uuid::from_slice(&id).map_err(|_| StorageError::Corrupt("a stream id".into()))?,
        );
        out.insert(
            id,
            Counts {
                changes,
                receipts,
                sync,
                keys: 0,
            },
        );
    }
    let mut stmt = conn.prepare_cached(
        "SELECT stream, max(seq) FROM data_keys WHERE seq IS NOT NULL GROUP BY stream",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?)))?;
    for row in rows {
        let (id, keys) = row?;
        let id = StreamId(
            Uuid::from_slice(&id).map_err(|_| StorageError::Corrupt("a stream id".into()))?,
        );
        out.entry(id).or_default().keys = keys;
    }
    Ok(out)
}

/// The streams PostgreSQL holds further than the cache does.
pub fn streams_behind(pg: &mut postgres::Client, conn: &Connection) -> Result<Vec<StreamId>> {
    let mine = local_counts(conn)?;
    let rows = pg.query(
        "SELECT id, changes_seq, receipts_seq, sync_seq, keys_seq FROM streams",
        &[],
    )?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let id = StreamId(r.get(0));
            let record = Counts {
                changes: r.get(1),
                receipts: r.get(2),
                sync: r.get(3),
                keys: r.get(4),
            };
            mine.get(&id)
                .is_none_or(|m| m.behind(&record))
                .then_some(id)
        })
        .collect())
}

fn position(conn: &Connection, stream: StreamId) -> Result<Counts> {
    let row: Option<(i64, i64, i64)> = conn
        .prepare_cached("SELECT changes, receipts, sync FROM record_positions WHERE stream = ?1")?
        .query_row([stream.0.as_bytes().as_slice()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let keys: Option<i64> = conn
        .prepare_cached("SELECT max(seq) FROM data_keys WHERE stream = ?1")?
        .query_row([stream.0.as_bytes().as_slice()], |r| r.get(0))?;
    let (changes, receipts, sync) = row.unwrap_or_default();
    Ok(Counts {
        changes,
        receipts,
        sync,
        keys: keys.unwrap_or(0),
    })
}

fn set_position(conn: &Connection, stream: StreamId, counts: &Counts) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO record_positions (stream, changes, receipts, sync) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (stream) DO UPDATE SET changes = ?2, receipts = ?3, sync = ?4",
    )?
    .execute(params![
        stream.0.as_bytes().as_slice(),
        counts.changes,
        counts.receipts,
        counts.sync
    ])?;
    Ok(())
}

/// Catches the cache's `store` up with everything PostgreSQL holds of `stream`: its
/// row, its changes (merged as any replica merges them, folding the views), its
/// receipts, the sync states of its peers and its keys. The caller holds the
/// stream's local lock.
pub fn catch_up_stream(
    pg: &mut postgres::Client,
    store: &mut Store,
    stream: StreamId,
) -> Result<()> {
    let Some(row) = pg.query_opt(
        "SELECT kind, name, collaborative, changes_seq, receipts_seq, sync_seq,
                (SELECT coalesce(max(seq), 0) FROM data_keys WHERE stream = $1)
         FROM streams WHERE id = $1",
        &[&stream.0],
    )?
    else {
        return Ok(());
    };
    let record = Counts {
        changes: row.get(3),
        receipts: row.get(4),
        sync: row.get(5),
        keys: row.get(6),
    };
    let mine = position(store.connection(), stream)?;
    if !mine.behind(&record) {
        return Ok(());
    }
    replaying(|| {
        let kind: String = row.get(0);
        let kind = StreamKind::from_name(&kind)
            .ok_or_else(|| StorageError::Corrupt(format!("a stream's kind '{kind}'")))?;
        let name: String = row.get(1);
        let collaborative: Option<Uuid> = row.get(2);
        store.add_stream(stream, kind, &name, collaborative.map(StreamId))?;
        if record.changes > mine.changes {
            let changes: Vec<Vec<u8>> = pg
                .query(
                    "SELECT bytes FROM changes WHERE stream = $1 AND seq > $2 ORDER BY seq",
                    &[&stream.0, &mine.changes],
                )?
                .into_iter()
                .map(|r| r.get(0))
                .collect();
            store.merge_changes(stream, &changes)?;
        }
        let receipts = if record.receipts > mine.receipts {
            pg.query(
                "SELECT change_hash, device, received_at, events, refused FROM receipts
                 WHERE stream = $1 AND seq > $2 ORDER BY seq",
                &[&stream.0, &mine.receipts],
            )?
        } else {
            Vec::new()
        };
        let states = if record.sync > mine.sync {
            pg.query(
                "SELECT peer, state FROM sync_states WHERE stream = $1 AND version > $2",
                &[&stream.0, &mine.sync],
            )?
        } else {
            Vec::new()
        };
        let keys = if record.keys > mine.keys {
            pg.query(
                "SELECT id, subject, wrapped, made_at, erased_at, erasure, seq FROM data_keys
                 WHERE stream = $1 AND seq > $2",
                &[&stream.0, &mine.keys],
            )?
        } else {
            Vec::new()
        };
        let conn = store.connection();
        let tx = conn.unchecked_transaction()?;
        let id = stream.0.as_bytes().as_slice();
        if !receipts.is_empty() {
            let held: HashSet<String> = tx
                .prepare("SELECT change_hash FROM receipts WHERE stream = ?1")?
                .query_map([id], |r| r.get(0))?
                .collect::<std::result::Result<_, _>>()?;
            let mut insert = tx.prepare(
                "INSERT INTO receipts (stream, change_hash, device, received_at, events, refused)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for r in &receipts {
                let hash: String = r.get(0);
                if held.contains(&hash) {
                    continue;
                }
                let device: Uuid = r.get(1);
                insert.execute(params![
                    id,
                    hash,
                    device.as_bytes().as_slice(),
                    r.get::<_, i64>(2),
                    r.get::<_, String>(3),
                    r.get::<_, Option<String>>(4),
                ])?;
            }
        }
        for s in &states {
            tx.prepare_cached(
                "INSERT OR REPLACE INTO sync_states (peer, stream, state) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![s.get::<_, String>(0), id, s.get::<_, Vec<u8>>(1)])?;
        }
        for k in &keys {
            let key: Uuid = k.get(0);
            tx.prepare_cached(
                "INSERT INTO data_keys (id, stream, subject, wrapped, made_at, erased_at, erasure, sent, seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8)
                 ON CONFLICT (id) DO UPDATE SET subject = ?3, wrapped = ?4, made_at = ?5,
                     erased_at = ?6, erasure = ?7, seq = ?8",
            )?
            .execute(params![
                key.as_bytes().as_slice(),
                id,
                k.get::<_, Option<Vec<u8>>>(1),
                k.get::<_, Option<Vec<u8>>>(2),
                k.get::<_, i64>(3),
                k.get::<_, Option<i64>>(4),
                k.get::<_, Option<String>>(5),
                k.get::<_, i64>(6),
            ])?;
        }
        set_position(&tx, stream, &record)?;
        tx.commit()?;
        if !keys.is_empty() {
            store.forget_keys_of(stream);
        }
        Ok(())
    })
}

/// Who the server is, as PostgreSQL holds it.
pub struct ServerRow {
    pub id: Uuid,
    pub organisation: StreamId,
    pub identity: praxis_core::store::Identity,
    pub master_key_check: String,
}

pub fn server_row(pg: &mut impl postgres::GenericClient) -> Result<Option<ServerRow>> {
    Ok(pg
        .query_opt(
            "SELECT id, organisation_stream, device, person, name, master_key_check FROM server",
            &[],
        )?
        .map(|r| ServerRow {
            id: r.get(0),
            organisation: StreamId(r.get(1)),
            identity: praxis_core::store::Identity {
                device: praxis_core::domain::ids::DeviceId(r.get(2)),
                person: praxis_core::domain::ids::PersonId(r.get(3)),
                name: r.get(4),
            },
            master_key_check: r.get(5),
        }))
}

/// Writes what a cache founded on an empty database holds into it, in `tx`: who the
/// server is, and each stream with all its changes (numbered from one) and keys.
pub fn found(tx: &mut postgres::Transaction<'_>, row: &ServerRow, conn: &Connection) -> Result<()> {
    tx.execute(
        "INSERT INTO server (id, organisation_stream, device, person, name, master_key_check)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            &row.id,
            &row.organisation.0,
            &row.identity.device.0,
            &row.identity.person.0,
            &row.identity.name,
            &row.master_key_check,
        ],
    )?;
    for info in praxis_core::store::queries::streams(conn)? {
        let changes = super::audit_reads::stream_changes(conn, info.id)?;
        tx.execute(
            "INSERT INTO streams (id, kind, name, collaborative, changes_seq) VALUES ($1, $2, $3, $4, $5)",
            &[
                &info.id.0,
                &info.kind.name(),
                &info.name,
                &info.collaborative.map(|c| c.0),
                &(changes.len() as i64),
            ],
        )?;
        for (i, bytes) in changes.iter().enumerate() {
            let hash = automerge::Change::try_from(bytes.as_slice())
                .map_err(|e| StorageError::Corrupt(format!("a change of {}: {e}", info.id)))?
                .hash();
            let params: [&(dyn ToSql + Sync); 4] =
                [&info.id.0, &(i as i64 + 1), &hash.0.to_vec(), bytes];
            tx.execute(
                "INSERT INTO changes (stream, seq, hash, bytes) VALUES ($1, $2, $3, $4)",
                &params,
            )?;
        }
        set_position(
            conn,
            info.id,
            &Counts {
                changes: changes.len() as i64,
                ..Counts::default()
            },
        )?;
    }
    Ok(())
}

/// The advisory lock under which an instance starts: founds the server on an empty
/// database, or makes its cache again.
const START_LOCK: i64 = 0x7072_6178_6973_0002;

const CACHE_FILE: &str = "praxis.sqlite3";

fn remove_cache(data_dir: &std::path::Path) -> Result<()> {
    for name in [CACHE_FILE, "praxis.sqlite3-wal", "praxis.sqlite3-shm"] {
        match std::fs::remove_file(data_dir.join(name)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(StorageError::Unusable(format!(
                    "cannot remove the old cache {}: {e}",
                    data_dir.join(name).display()
                )));
            }
        }
    }
    Ok(())
}

/// Gets an instance's cache in `data_dir` ready for the database, under the start
/// lock, and gives the database's id: founds the server when the database is empty
/// (a new server's file, written whole to the database before it becomes the cache);
/// otherwise keeps a cache of this database and makes any other afresh, with the
/// server's identity, to be caught up when it opens.
pub fn bootstrap(
    db: &Database,
    data_dir: &std::path::Path,
    secret: &[u8; 32],
    wall: &praxis_core::domain::hlc::WallClock,
    master: &super::MasterKey,
) -> Result<Uuid> {
    let keyring = praxis_core::store::Keyring::from_master_key(secret);
    let mut pg = db.connection()?;
    pg.execute("SELECT pg_advisory_lock($1)", &[&START_LOCK])?;
    let out = (|| {
        let path = data_dir.join(CACHE_FILE);
        match server_row(&mut *pg)? {
            Some(row) => {
                if !keyring.checks(&row.master_key_check) {
                    return Err(StorageError::Unusable(format!(
                        "The master key given does not open the data keys of the database at {}: give the key the other instances use.",
                        db.shown()
                    )));
                }
                if path.exists() {
                    let conn = Connection::open(&path)?;
                    prepare(&conn, false)?;
                    let cached = cached_database(&conn)?;
                    drop(conn);
                    if cached != Some(row.id) {
                        tracing::info!(cache = %path.display(), "the cache is of another database: made again");
                        remove_cache(data_dir)?;
                    }
                }
                if !path.exists() {
                    let unusable = |what: &std::path::Path, e: std::io::Error| {
                        StorageError::Unusable(format!("cannot set up {}: {e}", what.display()))
                    };
                    if !data_dir.exists() {
                        std::fs::create_dir_all(data_dir).map_err(|e| unusable(data_dir, e))?;
                        super::files::restrict_dir(data_dir).map_err(|e| unusable(data_dir, e))?;
                    }
                    let mut store = Store::create(&path, &row.identity.name)?;
                    super::files::restrict_file(&path).map_err(|e| unusable(&path, e))?;
                    store.adopt_identity(row.identity.clone())?;
                    store.set_setting("organisation_stream", &row.organisation.to_string())?;
                    store.use_master_key(secret)?;
                    prepare(store.connection(), false)?;
                    name_database(store.connection(), row.id)?;
                }
                Ok(row.id)
            }
            None => {
                if path.exists() {
                    return Err(StorageError::Unusable(format!(
                        "{} holds a server's data, and the database at {} is empty. To move that server to PostgreSQL, run `praxis-server migrate --from-data-dir {} --to <database>`; to start a new server, give --data-dir an empty directory for this instance's cache.",
                        data_dir.display(),
                        db.shown(),
                        data_dir.display()
                    )));
                }
                // Made aside, written to the database, then moved into place: a start
                // that fails half way leaves neither a cache nor a founded database.
                let aside = data_dir.join("founding");
                let _ = std::fs::remove_dir_all(&aside);
                let founded = super::SqliteStorage::open_with_key(&aside, wall.clone(), master)?;
                let organisation = founded.organisation();
                drop(founded);
                let conn = Connection::open(aside.join(CACHE_FILE))?;
                prepare(&conn, false)?;
                let identity = {
                    let store = Store::open(&aside.join(CACHE_FILE))?;
                    store.identity().clone()
                };
                let row = ServerRow {
                    id: Uuid::now_v7(),
                    organisation,
                    identity,
                    master_key_check: keyring.check_value()?,
                };
                let mut tx = pg.transaction()?;
                found(&mut tx, &row, &conn)?;
                name_database(&conn, row.id)?;
                tx.commit()?;
                drop(conn);
                std::fs::rename(aside.join(CACHE_FILE), &path).map_err(|e| {
                    StorageError::Unusable(format!("cannot move the new cache into place: {e}"))
                })?;
                let _ = std::fs::remove_dir_all(&aside);
                Ok(row.id)
            }
        }
    })();
    let _ = pg.execute("SELECT pg_advisory_unlock($1)", &[&START_LOCK]);
    out
}
