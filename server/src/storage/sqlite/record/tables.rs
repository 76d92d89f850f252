//! The tables of record: what the cache copies from PostgreSQL and writes to it, with
//! how each column is kept in both, and a row as a transaction wrote it.

use rusqlite::types::ValueRef;

/// How a column is kept in PostgreSQL.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// A 16-byte id in SQLite, a `uuid` in PostgreSQL.
    Uuid,
    Bytes,
    Text,
    Int,
    /// An integer 0 or 1 in SQLite, a `boolean` in PostgreSQL.
    Bool,
}

/// What a table of record is to the cache.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Class {
    /// Copied whole into every cache when it changes (`directory.version`).
    Directory,
    /// Caught up by stream: the stream's row, its changes, receipts, sync states, keys.
    Streams,
    Changes,
    Receipts,
    SyncStates,
    DataKeys,
}

#[derive(Debug)]
/// A table of record: its key columns first, then the others, as both engines name
/// them; which operations are caught.
pub struct Table {
    pub name: &'static str,
    pub key: usize,
    pub columns: &'static [(&'static str, Kind)],
    pub class: Class,
    pub updates: bool,
    pub deletes: bool,
}

use Kind::*;

const fn directory(
    name: &'static str,
    key: usize,
    columns: &'static [(&'static str, Kind)],
) -> Table {
    Table {
        name,
        key,
        columns,
        class: Class::Directory,
        updates: true,
        deletes: true,
    }
}

/// The tables of record, parents before children (the order a whole copy inserts
/// them in).
pub const TABLES: &[Table] = &[
    directory(
        "people",
        1,
        &[
            ("id", Uuid),
            ("username", Text),
            ("name", Text),
            ("password_hash", Text),
        ],
    ),
    directory("collaboratives", 1, &[("stream", Uuid), ("name", Text)]),
    directory(
        "teams",
        1,
        &[
            ("id", Uuid),
            ("collaborative", Uuid),
            ("name", Text),
            ("organisation", Text),
        ],
    ),
    directory(
        "memberships",
        1,
        &[
            ("id", Uuid),
            ("person", Uuid),
            ("role", Text),
            ("collaborative", Uuid),
            ("team", Uuid),
            ("revoked_at", Int),
        ],
    ),
    directory(
        "devices",
        1,
        &[
            ("id", Uuid),
            ("person", Uuid),
            ("name", Text),
            ("token_hash", Text),
            ("enrolled_at", Int),
            ("token_expires_at", Int),
            ("revoked_at", Int),
            ("revoked_reason", Text),
            ("last_sync_at", Int),
            ("field_app", Bool),
        ],
    ),
    directory("project_streams", 1, &[("stream", Uuid), ("team", Uuid)]),
    directory("browser_devices", 1, &[("person", Uuid), ("device", Uuid)]),
    directory(
        "password_resets",
        1,
        &[
            ("token_hash", Text),
            ("person", Uuid),
            ("issued_by", Uuid),
            ("issued_at", Int),
            ("expires_at", Int),
            ("used_at", Int),
        ],
    ),
    directory(
        "enrolment_codes",
        1,
        &[
            ("code_hash", Text),
            ("person", Uuid),
            ("issued_at", Int),
            ("expires_at", Int),
            ("used_at", Int),
            ("device", Uuid),
        ],
    ),
    directory(
        "erased_subjects",
        1,
        &[("subject", Bytes), ("erased_at", Int), ("erasure", Text)],
    ),
    Table {
        name: "streams",
        key: 1,
        columns: &[
            ("id", Uuid),
            ("kind", Text),
            ("name", Text),
            ("collaborative", Uuid),
        ],
        class: Class::Streams,
        updates: true,
        deletes: true,
    },
    // Caught by a trigger of its own, which numbers the change in its stream.
    Table {
        name: "changes",
        key: 2,
        columns: &[
            ("stream", Uuid),
            ("seq", Int),
            ("hash", Bytes),
            ("bytes", Bytes),
        ],
        class: Class::Changes,
        updates: false,
        deletes: false,
    },
    Table {
        name: "receipts",
        key: 0,
        columns: &[
            ("stream", Uuid),
            ("change_hash", Text),
            ("device", Uuid),
            ("received_at", Int),
            ("events", Text),
            ("refused", Text),
        ],
        class: Class::Receipts,
        updates: false,
        deletes: false,
    },
    Table {
        name: "sync_states",
        key: 2,
        columns: &[("stream", Uuid), ("peer", Text), ("state", Bytes)],
        class: Class::SyncStates,
        updates: true,
        deletes: true,
    },
    Table {
        name: "data_keys",
        key: 1,
        columns: &[
            ("id", Uuid),
            ("stream", Uuid),
            ("subject", Bytes),
            ("wrapped", Bytes),
            ("made_at", Int),
            ("erased_at", Int),
            ("erasure", Text),
            ("seq", Int),
        ],
        class: Class::DataKeys,
        updates: true,
        deletes: false,
    },
];

/// A value as SQLite gave it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl From<ValueRef<'_>> for Value {
    fn from(v: ValueRef<'_>) -> Value {
        match v {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Int(i),
            ValueRef::Real(r) => Value::Int(r as i64),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::Bytes(b.to_vec()),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    Insert,
    Update,
    Delete,
}

/// One row written: for an insert, the new row; for an update, the new row then the
/// old; for a delete, the old row.
#[derive(Clone, Debug)]
pub struct Captured {
    pub table: &'static Table,
    pub op: Op,
    pub values: Vec<Value>,
}
