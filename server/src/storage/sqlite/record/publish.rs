//! Writes what a cache transaction caught (`capture.rs`) to PostgreSQL, in one
//! PostgreSQL transaction committed before the cache's: inserts of one table in a run
//! go as one statement (`unnest` of arrays, a column each), updates write only the
//! columns that changed (so two instances changing different columns of a row, a
//! device's last sync and its revocation, say, never undo each other), and each
//! stream's counts move on with what it took.

use super::tables::{Captured, Class, Kind, Op, Table, Value};
use crate::storage::{Result, StorageError};
use postgres::types::ToSql;
use std::collections::BTreeMap;
use uuid::Uuid;

type Param = Box<dyn ToSql + Sync>;

fn corrupt(table: &Table, what: &str) -> StorageError {
    StorageError::Corrupt(format!("{} in {} (to publish)", what, table.name))
}

/// One value as PostgreSQL takes it.
fn param(table: &Table, kind: Kind, value: &Value) -> Result<Param> {
    Ok(match (kind, value) {
        (Kind::Uuid, Value::Null) => Box::new(None::<Uuid>),
        (Kind::Uuid, Value::Bytes(b)) => Box::new(Some(
            Uuid::from_slice(b).map_err(|_| corrupt(table, "an id"))?,
        )),
        (Kind::Bytes, Value::Null) => Box::new(None::<Vec<u8>>),
        (Kind::Bytes, Value::Bytes(b)) => Box::new(Some(b.clone())),
        (Kind::Text, Value::Null) => Box::new(None::<String>),
        (Kind::Text, Value::Text(t)) => Box::new(Some(t.clone())),
        (Kind::Int, Value::Null) => Box::new(None::<i64>),
        (Kind::Int, Value::Int(i)) => Box::new(Some(*i)),
        (Kind::Bool, Value::Null) => Box::new(None::<bool>),
        (Kind::Bool, Value::Int(i)) => Box::new(Some(*i != 0)),
        _ => {
            return Err(corrupt(
                table,
                &format!("a {kind:?} column holding {value:?}"),
            ));
        }
    })
}

/// A column of a run of rows, as one PostgreSQL array.
fn array(table: &Table, kind: Kind, values: &[&Value]) -> Result<Param> {
    fn each<T: 'static + ToSql + Sync>(
        values: &[&Value],
        f: impl Fn(&Value) -> Option<Option<T>>,
    ) -> Option<Param> {
        let out: Option<Vec<Option<T>>> = values.iter().map(|v| f(v)).collect();
        out.map(|v| Box::new(v) as Param)
    }
    let out = match kind {
        Kind::Uuid => each(values, |v| match v {
            Value::Null => Some(None),
            Value::Bytes(b) => Uuid::from_slice(b).ok().map(Some),
            _ => None,
        }),
        Kind::Bytes => each(values, |v| match v {
            Value::Null => Some(None),
            Value::Bytes(b) => Some(Some(b.clone())),
            _ => None,
        }),
        Kind::Text => each(values, |v| match v {
            Value::Null => Some(None),
            Value::Text(t) => Some(Some(t.clone())),
            _ => None,
        }),
        Kind::Int => each(values, |v| match v {
            Value::Null => Some(None),
            Value::Int(i) => Some(Some(*i)),
            _ => None,
        }),
        Kind::Bool => each(values, |v| match v {
            Value::Null => Some(None),
            Value::Int(i) => Some(Some(*i != 0)),
            _ => None,
        }),
    };
    out.ok_or_else(|| corrupt(table, &format!("a {kind:?} column")))
}

fn pg_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Uuid => "uuid[]",
        Kind::Bytes => "bytea[]",
        Kind::Text => "text[]",
        Kind::Int => "int8[]",
        Kind::Bool => "bool[]",
    }
}

fn refs(params: &[Param]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p.as_ref()).collect()
}

/// The statement that inserts a run of rows of `table`.
fn insert_sql(table: &Table) -> String {
    let names: Vec<&str> = table.columns.iter().map(|(c, _)| *c).collect();
    let arrays: Vec<String> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, (_, k))| format!("${}::{}", i + 1, pg_type(*k)))
        .collect();
    let keys = names[..table.key].join(", ");
    let conflict = match table.class {
        Class::Directory | Class::DataKeys => {
            let set: Vec<String> = names[table.key..]
                .iter()
                .map(|c| format!("{c} = EXCLUDED.{c}"))
                .collect();
            if set.is_empty() {
                format!(" ON CONFLICT ({keys}) DO NOTHING")
            } else {
                format!(" ON CONFLICT ({keys}) DO UPDATE SET {}", set.join(", "))
            }
        }
        Class::SyncStates => format!(
            " ON CONFLICT ({keys}) DO UPDATE SET state = EXCLUDED.state, version = nextval('sync_state_versions')"
        ),
        Class::Streams => format!(" ON CONFLICT ({keys}) DO NOTHING"),
        Class::Changes | Class::Receipts => String::new(),
    };
    format!(
        "INSERT INTO {} ({}) SELECT * FROM unnest({}){conflict}",
        table.name,
        names.join(", "),
        arrays.join(", ")
    )
}

fn insert(tx: &mut postgres::Transaction<'_>, table: &Table, rows: &[&Captured]) -> Result<()> {
    // An upsert may name a row once: the last write of each key is the one kept.
    let rows: Vec<&Captured> = if table.key > 0 && table.class != Class::Changes {
        let mut last: BTreeMap<Vec<String>, usize> = BTreeMap::new();
        for (i, r) in rows.iter().enumerate() {
            let key = r.values[..table.key]
                .iter()
                .map(|v| format!("{v:?}"))
                .collect();
            last.insert(key, i);
        }
        let mut keep: Vec<usize> = last.into_values().collect();
        keep.sort_unstable();
        keep.into_iter().map(|i| rows[i]).collect()
    } else {
        rows.to_vec()
    };
    let mut params = Vec::with_capacity(table.columns.len());
    for (i, (_, kind)) in table.columns.iter().enumerate() {
        let column: Vec<&Value> = rows.iter().map(|r| &r.values[i]).collect();
        params.push(array(table, *kind, &column)?);
    }
    tx.execute(insert_sql(table).as_str(), &refs(&params))?;
    Ok(())
}

/// Writes the columns an update changed; says whether any but a device's last sync.
fn update(tx: &mut postgres::Transaction<'_>, table: &Table, row: &Captured) -> Result<bool> {
    let n = table.columns.len();
    let (new, old) = row.values.split_at(n);
    let mut set = Vec::new();
    let mut params: Vec<Param> = Vec::new();
    let mut beyond_last_sync = false;
    for (i, (column, kind)) in table.columns.iter().enumerate() {
        if new[i] != old[i] {
            params.push(param(table, *kind, &new[i])?);
            set.push(format!("{column} = ${}", params.len()));
            beyond_last_sync |= !(table.name == "devices" && *column == "last_sync_at");
        }
    }
    if set.is_empty() {
        return Ok(false);
    }
    let mut filter = Vec::new();
    for (i, (column, kind)) in table.columns[..table.key].iter().enumerate() {
        params.push(param(table, *kind, &old[i])?);
        filter.push(format!("{column} = ${}", params.len()));
    }
    tx.execute(
        format!(
            "UPDATE {} SET {} WHERE {}",
            table.name,
            set.join(", "),
            filter.join(" AND ")
        )
        .as_str(),
        &refs(&params),
    )?;
    Ok(beyond_last_sync)
}

fn delete(tx: &mut postgres::Transaction<'_>, table: &Table, row: &Captured) -> Result<()> {
    let mut params: Vec<Param> = Vec::new();
    let mut filter = Vec::new();
    for (i, (column, kind)) in table.columns[..table.key].iter().enumerate() {
        params.push(param(table, *kind, &row.values[i])?);
        filter.push(format!("{column} = ${}", params.len()));
    }
    let mut sql = format!("DELETE FROM {} WHERE {}", table.name, filter.join(" AND "));
    if table.class == Class::Streams {
        // A stream the cache added for a sync that then took nothing; never one that
        // holds changes.
        sql.push_str(" AND NOT EXISTS (SELECT 1 FROM changes WHERE changes.stream = streams.id)");
    }
    tx.execute(sql.as_str(), &refs(&params))?;
    Ok(())
}

fn stream_of(row: &Captured) -> Option<Uuid> {
    match row.values.first() {
        Some(Value::Bytes(b)) => Uuid::from_slice(b).ok(),
        _ => None,
    }
}

/// Writes `rows` to PostgreSQL in one transaction, committed before this returns.
pub fn publish(c: &mut postgres::Client, rows: &[Captured]) -> Result<()> {
    let mut tx = c.transaction()?;
    publish_in(&mut tx, rows)?;
    tx.commit()?;
    Ok(())
}

/// Writes `rows` to PostgreSQL inside `tx`.
pub fn publish_in(tx: &mut postgres::Transaction<'_>, rows: &[Captured]) -> Result<()> {
    let mut publication = Publication::default();
    publication.add(tx, rows)?;
    publication.finish(tx)
}

/// One transaction's rows written to PostgreSQL as they come, a run at a time, and
/// what they move on: each stream's counts, the directory's version.
#[derive(Default)]
pub struct Publication {
    directory: bool,
    changes: BTreeMap<Uuid, i64>,
    receipts: Vec<Uuid>,
    sync_states: Vec<Uuid>,
    keys: BTreeMap<Uuid, i64>,
}

impl Publication {
    /// Writes `rows` (the next of the transaction's, in the order it wrote them).
    pub fn add(&mut self, tx: &mut postgres::Transaction<'_>, rows: &[Captured]) -> Result<()> {
        let mut i = 0;
        while i < rows.len() {
            let (table, op) = (rows[i].table, rows[i].op);
            let mut end = i + 1;
            if op == Op::Insert {
                while end < rows.len()
                    && std::ptr::eq(rows[end].table, table)
                    && rows[end].op == Op::Insert
                {
                    end += 1;
                }
            }
            let run: Vec<&Captured> = rows[i..end].iter().collect();
            self.write(tx, table, op, &run)?;
            self.count(table, &run)?;
            i = end;
        }
        Ok(())
    }

    fn write(
        &mut self,
        tx: &mut postgres::Transaction<'_>,
        table: &Table,
        op: Op,
        run: &[&Captured],
    ) -> Result<()> {
        match op {
            Op::Insert => {
                insert(tx, table, run)?;
                self.directory |= table.class == Class::Directory;
                if table.class == Class::Streams {
                    // Keys a device gave for a stream before its changes came.
                    for row in run {
                        if let Some(stream) = stream_of(row) {
                            tx.execute(
                                "UPDATE streams SET keys_seq = (SELECT coalesce(max(seq), 0) FROM data_keys WHERE stream = $1) WHERE id = $1",
                                &[&stream],
                            )?;
                        }
                    }
                }
            }
            Op::Update => {
                self.directory |= update(tx, table, run[0])? && table.class == Class::Directory
            }
            Op::Delete => {
                delete(tx, table, run[0])?;
                self.directory |= table.class == Class::Directory;
            }
        }
        Ok(())
    }

    /// Notes how far `run` moves each stream's counts on.
    fn count(&mut self, table: &Table, run: &[&Captured]) -> Result<()> {
        for row in run {
            if table.class == Class::DataKeys {
                // id, stream, ..., seq
                if let (Some(Value::Bytes(b)), Some(Value::Int(seq))) =
                    (row.values.get(1), row.values.get(7))
                    && let Ok(stream) = Uuid::from_slice(b)
                {
                    let top = self.keys.entry(stream).or_insert(*seq);
                    *top = (*top).max(*seq);
                }
                continue;
            }
            let Some(stream) = stream_of(row) else {
                continue;
            };
            match table.class {
                Class::Changes => {
                    let seq = match row.values.get(1) {
                        Some(Value::Int(s)) => *s,
                        _ => return Err(corrupt(table, "a change's number")),
                    };
                    let top = self.changes.entry(stream).or_insert(seq);
                    *top = (*top).max(seq);
                }
                Class::Receipts if !self.receipts.contains(&stream) => self.receipts.push(stream),
                Class::SyncStates if !self.sync_states.contains(&stream) => {
                    self.sync_states.push(stream)
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Moves the counts on, once every row is written.
    pub fn finish(self, tx: &mut postgres::Transaction<'_>) -> Result<()> {
        for (stream, seq) in &self.changes {
            tx.execute(
                "UPDATE streams SET changes_seq = $2 WHERE id = $1 AND changes_seq < $2",
                &[stream, seq],
            )?;
        }
        for stream in &self.receipts {
            tx.execute(
                "UPDATE streams SET receipts_seq = (SELECT max(seq) FROM receipts WHERE stream = $1) WHERE id = $1",
                &[stream],
            )?;
        }
        for stream in &self.sync_states {
            tx.execute(
                "UPDATE streams SET sync_seq = (SELECT max(version) FROM sync_states WHERE stream = $1) WHERE id = $1",
                &[stream],
            )?;
        }
        for (stream, seq) in &self.keys {
            tx.execute(
                "UPDATE streams SET keys_seq = $2 WHERE id = $1 AND keys_seq < $2",
                &[stream, seq],
            )?;
        }
        if self.directory {
            tx.execute("UPDATE directory SET version = version + 1", &[])?;
        }
        Ok(())
    }
}
