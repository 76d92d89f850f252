//! An instance's start: founding the server on an empty database, or making the
//! instance's cache of a database that holds one.

use super::super::{MasterKey, SqliteStorage};
use super::cache::{cached_database, name_database, prepare};
use super::catch_up::{Counts, set_position};
use crate::storage::pg::Database;
use crate::storage::{Result, StorageError};
use postgres::types::ToSql;
use praxis_core::domain::hlc::WallClock;
use praxis_core::domain::ids::StreamId;
use praxis_core::store::Store;
use rusqlite::Connection;
use std::path::Path;
use uuid::Uuid;

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

/// Writes who the server is, in `tx`.
pub fn insert_server_row(tx: &mut postgres::Transaction<'_>, row: &ServerRow) -> Result<()> {
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
    Ok(())
}

/// Writes what a cache founded on an empty database holds into it, in `tx`: who the
/// server is, and each stream with all its changes (numbered from one) and keys.
pub fn found(tx: &mut postgres::Transaction<'_>, row: &ServerRow, conn: &Connection) -> Result<()> {
    insert_server_row(tx, row)?;
    for info in praxis_core::store::queries::streams(conn)? {
        let changes = super::super::audit_reads::stream_changes(conn, info.id)?;
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
pub const START_LOCK: i64 = 0x7072_6178_6973_0002;

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
    master: &super::super::MasterKey,
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
                        super::super::files::restrict_dir(data_dir)
                            .map_err(|e| unusable(data_dir, e))?;
                    }
                    let mut store = Store::create(&path, &row.identity.name)?;
                    super::super::files::restrict_file(&path).map_err(|e| unusable(&path, e))?;
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
                let founded =
                    super::super::SqliteStorage::open_with_key(&aside, wall.clone(), master)?;
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

impl SqliteStorage {
    /// Opens an instance on PostgreSQL at `url`, the store of record, with `data_dir`
    /// as this instance's cache of it (see `record/`). The first instance to start on
    /// an empty database founds the server there; every later one, or one whose cache
    /// is of another database or gone, makes its cache again from the database. The
    /// master key must be given (`--master-key-file` or `PRAXIS_MASTER_KEY`), the same
    /// for every instance.
    pub fn open_on_postgres(
        data_dir: &Path,
        wall: WallClock,
        master: &MasterKey,
        url: &str,
    ) -> Result<SqliteStorage> {
        if matches!(master, MasterKey::InDataDir) {
            return Err(StorageError::Unusable(
                "With --database, every instance must wrap the data keys under the same master key: give it with --master-key-file or PRAXIS_MASTER_KEY (64 hexadecimal digits).".into(),
            ));
        }
        let db = Database::open(url)?;
        let secret = master.secret(data_dir)?;
        bootstrap(&db, data_dir, &secret, &wall, master)?;
        let record = std::sync::Arc::new(super::Record { db });
        let storage = SqliteStorage::open_inner(data_dir, wall, master, Some(record))?;
        storage.writers.catch_up()?;
        Ok(storage)
    }
}
