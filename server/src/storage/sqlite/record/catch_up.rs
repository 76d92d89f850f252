//! Catching a cache up with PostgreSQL: the directory copied whole when it changed,
//! and a stream from where the cache left it (its changes merged as any replica merges
//! them, folding the views; its receipts, its peers' sync states and its keys).

use super::cache::{meta, replaying, set_meta};
use super::tables::{Class, Kind, TABLES};
use crate::storage::{Result, StorageError};
use praxis_core::domain::ids::StreamId;
use praxis_core::domain::record::StreamKind;
use praxis_core::store::Store;
use rusqlite::{Connection, OptionalExtension, params};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

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

pub fn set_position(conn: &Connection, stream: StreamId, counts: &Counts) -> Result<()> {
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
