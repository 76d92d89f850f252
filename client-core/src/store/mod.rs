//! The local store: SQLite holding each stream's Automerge changes, an indexed copy of
//! every event, the views and the device's identity. Every write that records events
//! is one transaction: the change, the indexed event and the view update commit
//! together or not at all.

mod codec;
mod encrypt;
mod error;
mod key;
pub mod queries;
mod schema;
mod sqlite_views;
mod syncing;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod upgrade_tests;

pub use codec::decode_record;
pub use encrypt::{Encrypted, StoreFile, encrypt_plain_store, encrypting_path, inspect};
pub use error::StoreError;
pub use key::StoreKey;

use crate::domain::envelope::{Envelope, SCHEMA_VERSION};
use crate::domain::event::{Event, EventKind, ProgressScale};
use crate::domain::fold::{self, MemoryViews};
use crate::domain::hlc::{Hlc, wall_millis_now};
use crate::domain::ids::{DeviceId, EventId, PersonId, StreamId};
use crate::domain::record::{Detail, StreamKind, StreamSummary};
use crate::domain::role::Role;
use crate::domain::validation::{CollaborativeContext, Mode, Refusal, validate};
use crate::replication::{IncomingChange, StreamDocument};
use codec::{blob_uuid, uuid_blob};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};
use serde::Serialize;
use sqlite_views::SqliteViews;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Bump when the fold or the stored views change, so views are rebuilt from the
/// events on open. 2: the summary tallies each measure's measurements.
const VIEWS_VERSION: i64 = 2;

/// Compact a stream's document once this many changes wait beside it, or a quarter
/// of its events, whichever is more (amortised O(1) per event).
const COMPACT_AFTER: i64 = 1000;

/// Who uses this store, on which device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub person: PersonId,
    pub name: String,
    pub device: DeviceId,
}

/// What recording an event gave.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Recorded {
    pub id: EventId,
    pub stream: StreamId,
    pub kind: EventKind,
    pub at: Hlc,
}

/// What merging changes from another replica gave.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Merged {
    pub changes: usize,
    pub events: usize,
    /// True when the new events were not all later than those already folded, so the
    /// stream's views were rebuilt from its events.
    pub rebuilt: bool,
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
    identity: Identity,
    clock: Hlc,
    /// Documents loaded for writing, with when each was last used and the store's
    /// `data_version` when it was last known to be in step; a view never loads one. At
    /// most `document_capacity` stay in memory (least recently used go).
    documents: HashMap<StreamId, (StreamDocument, u64, i64)>,
    document_capacity: usize,
    uses: u64,
}

/// A `data_version` no store reports: a document put with it is checked when next taken.
const UNSEEN: i64 = i64::MIN;

/// How many stream documents a store keeps loaded unless told otherwise.
pub const DEFAULT_DOCUMENT_CAPACITY: usize = 16;

impl Store {
    /// Creates a new store for a person on this device, in plain SQLite (a server's
    /// store, or one kept where the disk is already protected).
    pub fn create(path: &Path, name: &str) -> Result<Store, StoreError> {
        Store::create_with(path, name, None)
    }

    /// Creates a new store encrypted at rest under `key`: nothing of it can be read
    /// without the key.
    pub fn create_encrypted(path: &Path, name: &str, key: &StoreKey) -> Result<Store, StoreError> {
        Store::create_with(path, name, Some(key))
    }

    fn create_with(path: &Path, name: &str, key: Option<&StoreKey>) -> Result<Store, StoreError> {
        if path.exists() {
            return Err(StoreError::AlreadyExists(path.to_path_buf()));
        }
        if name.trim().is_empty() {
            return Err(Refusal {
                problem: "The person's name is missing.".into(),
                fix: "Give the name of the person who will use this store.".into(),
            }
            .into());
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| StoreError::NotAStore(path.to_path_buf(), e.to_string()))?;
        }
        let mut conn = Connection::open(path)?;
        if let Some(key) = key {
            key.apply(&conn)?;
        }
        key::quiet_cipher_log(&conn)?;
        configure(&conn)?;
        schema::migrate(&mut conn)?;
        let identity = Identity {
            person: PersonId::new(),
            name: name.trim().to_string(),
            device: DeviceId::new(),
        };
        let tx = conn.transaction()?;
        set_meta(&tx, "person", uuid_blob(&identity.person.0))?;
        set_meta(&tx, "name", identity.name.as_bytes())?;
        set_meta(&tx, "device", uuid_blob(&identity.device.0))?;
        set_meta(&tx, "clock", &Hlc::ZERO.sort_key().to_be_bytes())?;
        set_meta(&tx, "views_version", &VIEWS_VERSION.to_be_bytes())?;
        tx.commit()?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            identity,
            clock: Hlc::ZERO,
            documents: HashMap::new(),
            document_capacity: DEFAULT_DOCUMENT_CAPACITY,
            uses: 0,
        })
    }

    /// Opens an existing store kept in plain SQLite. Views are rebuilt if this Praxis
    /// folds differently.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with(path, None)
    }

    /// Opens a store encrypted under `key`. A wrong key is refused (`WrongKey`) before
    /// anything is read or written.
    pub fn open_encrypted(path: &Path, key: &StoreKey) -> Result<Store, StoreError> {
        Store::open_with(path, Some(key))
    }

    fn open_with(path: &Path, key: Option<&StoreKey>) -> Result<Store, StoreError> {
        if !path.exists() {
            return Err(StoreError::NotFound(path.to_path_buf()));
        }
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::NotAStore(path.to_path_buf(), e.to_string()))?;
        if let Some(key) = key {
            key.apply(&conn)?;
        }
        key::quiet_cipher_log(&conn)?;
        // Look before touching: WAL mode is written into the file.
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let has_meta: bool = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'meta'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(|e| unreadable(path, key.is_some(), e))?
            > 0;
        if !has_meta {
            return Err(StoreError::NotAStore(
                path.to_path_buf(),
                "it has no Praxis tables".into(),
            ));
        }
        configure(&conn).map_err(|e| StoreError::NotAStore(path.to_path_buf(), e.to_string()))?;
        schema::migrate(&mut conn)?;
        let person = blob_uuid(&get_meta(&conn, "person")?)?;
        let name = String::from_utf8(get_meta(&conn, "name")?)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let device = blob_uuid(&get_meta(&conn, "device")?)?;
        // `meta` keeps the clock as stores wrote it before the streams' rows kept it
        // (see `read_clock`); it is no longer written.
        let clock = Hlc::from_sort_key(meta_i64(&conn, "clock")?).observe(read_clock(&conn)?);
        let views_version = meta_i64(&conn, "views_version")?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            identity: Identity {
                person: PersonId(person),
                name,
                device: DeviceId(device),
            },
            clock,
            documents: HashMap::new(),
            document_capacity: DEFAULT_DOCUMENT_CAPACITY,
            uses: 0,
        };
        if views_version != VIEWS_VERSION {
            store.rebuild_all_views()?;
            set_meta(&store.conn, "views_version", &VIEWS_VERSION.to_be_bytes())?;
        }
        Ok(store)
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Makes every transaction of this store take SQLite's write lock as it begins.
    /// Several stores writing to one file then wait their turn for the lock; a
    /// transaction that read first and wrote second could instead find its snapshot
    /// stale and fail (`SQLITE_BUSY_SNAPSHOT`), which waiting does not cure.
    ///
    /// While another connection writes, it waits in short steps (`wait_for_write_lock`).
    pub fn lock_for_writing_first(&mut self) -> Result<(), StoreError> {
        self.conn
            .set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        self.conn.busy_handler(Some(wait_for_write_lock))?;
        Ok(())
    }

    /// Founds a collaborative in a new stream of its own.
    pub fn found_collaborative(
        &mut self,
        founded: crate::domain::event::CollaborativeFounded,
    ) -> Result<Recorded, StoreError> {
        let name = founded.name.clone();
        self.new_stream(
            StreamKind::Collaborative,
            &name,
            None,
            Event::CollaborativeFounded(founded),
        )
    }

    /// A setting of this device (the server it syncs with, its token...).
    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let value: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [format!("setting:{key}")],
                |r| r.get(0),
            )
            .optional()?;
        value
            .map(|v| {
                String::from_utf8(v).map_err(|e| StoreError::Corrupt(format!("setting {key}: {e}")))
            })
            .transpose()
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        set_meta(&self.conn, &format!("setting:{key}"), value.as_bytes())
    }

    /// The roles the server last said this device's person has for `stream`, so that a
    /// record the server would refuse is refused here, before it is written.
    pub fn set_stream_roles(
        &self,
        stream: StreamId,
        roles: &[Role],
        read_only: bool,
    ) -> Result<(), StoreError> {
        let mut names: Vec<&str> = roles.iter().map(|r| r.name()).collect();
        if read_only {
            names = vec!["read-only"];
        }
        self.set_setting(&format!("roles:{stream}"), &names.join(","))
    }

    /// Founds the organisation stream a server keeps of people, teams and devices.
    pub fn found_organisation(&mut self, name: &str) -> Result<Recorded, StoreError> {
        let event = Event::OrganisationFounded {
            name: name.to_string(),
        };
        self.new_stream(StreamKind::Organisation, name, None, event)
    }

    /// Takes on the person and device a server enrolled this device as. Only a store
    /// that has recorded nothing of its own can change hands, so no event ever carries
    /// an author the server does not know.
    pub fn adopt_identity(&mut self, identity: Identity) -> Result<(), StoreError> {
        let own: i64 = self.conn.query_row(
            "SELECT count(*) FROM events WHERE device = ?1",
            [uuid_blob(&self.identity.device.0)],
            |r| r.get(0),
        )?;
        if own > 0 && identity.person != self.identity.person {
            return Err(StoreError::RecordedBeforeEnrolment(own));
        }
        let tx = self.conn.transaction()?;
        set_meta(&tx, "person", uuid_blob(&identity.person.0))?;
        set_meta(&tx, "name", identity.name.as_bytes())?;
        set_meta(&tx, "device", uuid_blob(&identity.device.0))?;
        tx.commit()?;
        self.identity = identity;
        self.documents.clear();
        Ok(())
    }

    /// Removes a stream that holds no events (one added to receive a sync that was
    /// then refused).
    pub fn remove_stream_if_empty(&mut self, stream: StreamId) -> Result<bool, StoreError> {
        let events: i64 = self.conn.query_row(
            "SELECT count(*) FROM events WHERE stream = ?1",
            [uuid_blob(&stream.0)],
            |r| r.get(0),
        )?;
        if events > 0 {
            return Ok(false);
        }
        let tx = self.conn.transaction()?;
        for table in ["sync_states", "changes", "records", "documents"] {
            tx.execute(
                &format!("DELETE FROM {table} WHERE stream = ?1"),
                [uuid_blob(&stream.0)],
            )?;
        }
        tx.execute("DELETE FROM streams WHERE id = ?1", [uuid_blob(&stream.0)])?;
        tx.commit()?;
        self.documents.remove(&stream);
        Ok(true)
    }

    /// Starts a team's project in a new stream of its own.
    pub fn start_project(
        &mut self,
        started: crate::domain::event::ProjectStarted,
    ) -> Result<Recorded, StoreError> {
        let name = format!("{} ({})", started.title, started.team);
        let collaborative = started.collaborative;
        self.new_stream(
            StreamKind::Project,
            &name,
            Some(collaborative),
            Event::ProjectStarted(started),
        )
    }

    fn new_stream(
        &mut self,
        kind: StreamKind,
        name: &str,
        collaborative: Option<StreamId>,
        event: Event,
    ) -> Result<Recorded, StoreError> {
        let stream = StreamId::new();
        let mut document = StreamDocument::genesis(stream)?;
        let saved = document.save();
        let before = self.clock;
        let tx = self.conn.transaction()?;
        insert_stream(&tx, stream, kind, name, collaborative, &saved)?;
        let result = record_in(
            &tx,
            &mut self.clock,
            &self.identity,
            stream,
            &mut document,
            vec![event],
        );
        match result {
            Ok((mut recorded, _)) => {
                tx.commit()?;
                self.put_document(stream, document, UNSEEN);
                Ok(recorded.remove(0))
            }
            Err(e) => {
                self.clock = before;
                Err(e)
            }
        }
    }

    /// Validates and records one event, durably.
    pub fn record(&mut self, stream: StreamId, event: Event) -> Result<Recorded, StoreError> {
        let mut recorded = self.record_all(stream, vec![event])?;
        Ok(recorded.remove(0))
    }

    /// Validates and records many events in one transaction: all of them or none.
    pub fn record_all(
        &mut self,
        stream: StreamId,
        events: Vec<Event>,
    ) -> Result<Vec<Recorded>, StoreError> {
        self.record_with(stream, events, |_, _| Ok(()))
    }

    /// Records events and, in the same transaction, whatever `also` writes (a server's
    /// own tables): all of it commits or none of it does.
    pub fn record_with(
        &mut self,
        stream: StreamId,
        events: Vec<Event>,
        also: impl FnOnce(&Connection, &[Recorded]) -> Result<(), StoreError>,
    ) -> Result<Vec<Recorded>, StoreError> {
        let identity = self.identity.clone();
        self.record_as(&identity, stream, events, |tx, recorded, _| {
            also(tx, recorded)
        })
    }

    /// Records events authored by `identity` (a person on a device the caller has
    /// checked, such as a server recording what a person signed in to it submits),
    /// with the same validation and in one transaction with whatever `also` writes.
    /// `also` is given the recorded events and the hashes of the Automerge changes that
    /// carry them (one per event, in order), for a receipt log.
    pub fn record_as(
        &mut self,
        identity: &Identity,
        stream: StreamId,
        events: Vec<Event>,
        also: impl FnOnce(&Connection, &[Recorded], &[automerge::ChangeHash]) -> Result<(), StoreError>,
    ) -> Result<Vec<Recorded>, StoreError> {
        let (mut document, seen) = self.take_document(stream)?;
        let tx = self.conn.transaction()?;
        let before = self.clock;
        match record_in(
            &tx,
            &mut self.clock,
            identity,
            stream,
            &mut document,
            events,
        )
        .and_then(|(r, hashes)| {
            also(&tx, &r, &hashes)?;
            maybe_compact(&tx, stream, &mut document)?;
            Ok(r)
        }) {
            Ok(recorded) => {
                tx.commit()?;
                self.put_document(stream, document, seen);
                Ok(recorded)
            }
            Err(e) => {
                // The in-memory document may hold the failed change: drop it, reload later.
                self.clock = before;
                Err(e)
            }
        }
    }

    /// Keeps at most `capacity` stream documents in memory.
    pub fn set_document_capacity(&mut self, capacity: usize) {
        self.document_capacity = capacity.max(1);
    }

    /// How many stream documents are in memory now.
    pub fn documents_loaded(&self) -> usize {
        self.documents.len()
    }

    /// Keeps a document in memory; `seen` is the `data_version` from when it was taken.
    fn put_document(&mut self, stream: StreamId, document: StreamDocument, seen: i64) {
        self.uses += 1;
        self.documents.insert(stream, (document, self.uses, seen));
        while self.documents.len() > self.document_capacity {
            let Some(oldest) = self
                .documents
                .iter()
                .min_by_key(|(_, (_, used, _))| *used)
                .map(|(s, _)| *s)
            else {
                break;
            };
            self.documents.remove(&oldest);
        }
    }

    /// The stream's document, loaded from its saved form and the changes after it.
    /// With the store's `data_version` now, to give back to `put_document`.
    fn take_document(&mut self, stream: StreamId) -> Result<(StreamDocument, i64), StoreError> {
        let now: i64 = self
            .conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        if let Some((doc, _, seen)) = self.documents.remove(&stream) {
            // Another process (an administrator's command beside a running server) may
            // have written to the stream since: then the cached document is stale.
            // `data_version` changes only when another connection commits.
            if seen == now || queries::summary(&self.conn, stream)?.events == doc.len() as u64 {
                return Ok((doc, now));
            }
        }
        let saved: Vec<u8> = self
            .conn
            .prepare_cached("SELECT bytes FROM documents WHERE stream = ?1")?
            .query_row([uuid_blob(&stream.0)], |r| r.get(0))
            .optional()?
            .ok_or(StoreError::UnknownStream(stream))?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT bytes FROM changes WHERE stream = ?1 ORDER BY seq")?;
        let changes: Vec<Vec<u8>> = stmt
            .query_map([uuid_blob(&stream.0)], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let refs: Vec<&[u8]> = changes.iter().map(Vec::as_slice).collect();
        Ok((StreamDocument::load(&saved, &refs)?, now))
    }

    /// Every Automerge change of the stream after `heads` (all for no heads), as bytes.
    pub fn changes_since(
        &mut self,
        stream: StreamId,
        heads: &[automerge::ChangeHash],
    ) -> Result<Vec<Vec<u8>>, StoreError> {
        let (mut document, seen) = self.take_document(stream)?;
        let changes = document
            .changes_since(heads)
            .iter()
            .map(|c| c.raw_bytes().to_vec())
            .collect();
        self.put_document(stream, document, seen);
        Ok(changes)
    }

    /// The stream's whole Automerge document, compacted.
    pub fn save_document(&mut self, stream: StreamId) -> Result<Vec<u8>, StoreError> {
        let (mut document, seen) = self.take_document(stream)?;
        let saved = document.save();
        self.put_document(stream, document, seen);
        Ok(saved)
    }

    /// Merges changes from another replica of a stream this device holds. Changes
    /// already here change nothing. All or nothing: an unreadable event or one from
    /// another stream refuses the whole merge.
    pub fn merge_changes(
        &mut self,
        stream: StreamId,
        changes: &[Vec<u8>],
    ) -> Result<Merged, StoreError> {
        let parsed = StreamDocument::parse_changes(changes)?;
        let (mut document, seen) = self.take_document(stream)?;
        let incoming = document.apply(parsed)?;
        let tx = self.conn.transaction()?;
        let before = self.clock;
        match merge_in(&tx, &mut self.clock, stream, &incoming, None).and_then(|m| {
            maybe_compact(&tx, stream, &mut document)?;
            Ok(m)
        }) {
            Ok(merged) => {
                tx.commit()?;
                self.put_document(stream, document, seen);
                Ok(merged)
            }
            Err(e) => {
                self.clock = before;
                Err(e)
            }
        }
    }

    /// Adds a stream known elsewhere (to merge into), starting from the shared genesis.
    pub fn add_stream(
        &mut self,
        stream: StreamId,
        kind: StreamKind,
        name: &str,
        collaborative: Option<StreamId>,
    ) -> Result<(), StoreError> {
        let exists: bool = self.conn.query_row(
            "SELECT count(*) FROM streams WHERE id = ?1",
            [uuid_blob(&stream.0)],
            |r| r.get::<_, i64>(0),
        )? > 0;
        if exists {
            return Ok(());
        }
        let saved = StreamDocument::genesis(stream)?.save();
        let tx = self.conn.transaction()?;
        insert_stream(&tx, stream, kind, name, collaborative, &saved)?;
        tx.commit()?;
        Ok(())
    }

    /// Drops a stream's views and folds them again from its events.
    pub fn rebuild_views(&mut self, stream: StreamId) -> Result<usize, StoreError> {
        let tx = self.conn.transaction()?;
        let n = rebuild_in(&tx, stream)?;
        tx.commit()?;
        Ok(n)
    }

    pub fn rebuild_all_views(&mut self) -> Result<usize, StoreError> {
        // Not through `queries::streams`: it reads the summaries, which may be in the
        // form an older fold wrote.
        let streams: Vec<StreamId> = self
            .conn
            .prepare("SELECT id FROM streams ORDER BY id")?
            .query_map([], |r| r.get::<_, Vec<u8>>(0))?
            .map(|id| Ok(StreamId(blob_uuid(&id?)?)))
            .collect::<Result<_, StoreError>>()?;
        let tx = self.conn.transaction()?;
        let mut n = 0;
        for stream in streams {
            n += rebuild_in(&tx, stream)?;
        }
        tx.commit()?;
        Ok(n)
    }

    /// Saves the stream's document compacted and drops the changes it now holds.
    pub fn compact(&mut self, stream: StreamId) -> Result<(), StoreError> {
        let (mut document, seen) = self.take_document(stream)?;
        let tx = self.conn.transaction()?;
        compact_in(&tx, stream, &mut document)?;
        tx.commit()?;
        self.put_document(stream, document, seen);
        Ok(())
    }
}

/// How many times a writer tries for SQLite's write lock, `WRITE_WAIT_STEP` apart,
/// before giving up: about ten seconds.
const WRITE_WAITS: i32 = 50_000;
const WRITE_WAIT_STEP: std::time::Duration = std::time::Duration::from_micros(200);

/// A busy handler for connections that share one file with other writers. SQLite's
/// own sleeps ever longer between tries (up to 100 ms); a write transaction here
/// lasts a few milliseconds, so short steps waste less of the time it is free.
pub fn wait_for_write_lock(attempt: i32) -> bool {
    if attempt >= WRITE_WAITS {
        return false;
    }
    std::thread::sleep(WRITE_WAIT_STEP);
    true
}

/// Why a store's first read failed. SQLCipher cannot tell a wrong key from a file that
/// is not a database: with a key given, the key is what the person can change.
fn unreadable(path: &Path, keyed: bool, error: rusqlite::Error) -> StoreError {
    let not_a_database = matches!(
        &error,
        rusqlite::Error::SqliteFailure(e, _) if e.code == rusqlite::ErrorCode::NotADatabase
    );
    match (not_a_database, keyed) {
        // A key cannot read plain SQLite either: say so when that is what the file is.
        (true, true) => match encrypt::inspect(path) {
            encrypt::StoreFile::Plain => StoreError::NotEncrypted(path.to_path_buf()),
            encrypt::StoreFile::PlainOther(why) => StoreError::NotAStore(path.to_path_buf(), why),
            _ => StoreError::WrongKey(path.to_path_buf()),
        },
        (true, false) => StoreError::NotAStore(
            path.to_path_buf(),
            "it is not a database, or it is encrypted: open an encrypted store with its key".into(),
        ),
        _ => StoreError::NotAStore(path.to_path_buf(), error.to_string()),
    }
}

fn configure(conn: &Connection) -> Result<(), rusqlite::Error> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a record the CLI reported as saved survives a power cut, not just a kill.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Up to 16 MiB of pages in memory (2 MiB by default): a batch of 10,000 events
    // dirties some 8 MiB, and a smaller cache writes them out and reads them back
    // before the transaction ends.
    conn.pragma_update(None, "cache_size", -16 * 1024)?;
    // One plan per statement whatever its parameters: otherwise SQLite prepares some
    // cached statements (a `max` over an index) again each time they are bound.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

/// The roles saved by `Store::set_stream_roles`, if the device is enrolled.
fn stream_roles(conn: &Connection, stream: StreamId) -> Result<Option<Vec<Role>>, StoreError> {
    let value: Option<Vec<u8>> = conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([format!("setting:roles:{stream}")], |r| r.get(0))
        .optional()?;
    Ok(value.map(|v| {
        String::from_utf8_lossy(&v)
            .split(',')
            .filter_map(Role::from_name)
            .collect()
    }))
}

fn set_meta(conn: &Connection, key: &str, value: &[u8]) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
        params![key, value],
    )?;
    Ok(())
}

fn get_meta(conn: &Connection, key: &str) -> Result<Vec<u8>, StoreError> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?
        .ok_or_else(|| StoreError::Corrupt(format!("the store has no {key}")))
}

fn meta_i64(conn: &Connection, key: &str) -> Result<i64, StoreError> {
    let bytes = get_meta(conn, key)?;
    let array: [u8; 8] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("the store's {key} is damaged")))?;
    Ok(i64::from_be_bytes(array))
}

/// The latest event any process using this store has recorded or merged: the clock
/// never goes back behind it. Each stream's row keeps the latest event folded into it,
/// written with the event, so no other page is written to keep the clock.
fn read_clock(conn: &Connection) -> Result<Hlc, StoreError> {
    let latest: i64 = conn
        .prepare_cached("SELECT coalesce(max(last_applied_hlc), 0) FROM streams")?
        .query_row([], |r| r.get(0))?;
    Ok(Hlc::from_sort_key(latest))
}

/// Writes, in one statement, what recording or merging changed in a stream's row: its
/// summary (if it changed), the last event folded (if any) and how many changes now
/// wait beside its document.
fn update_stream(
    tx: &Connection,
    stream: StreamId,
    summary: Option<&[u8]>,
    last: Option<(Hlc, EventId)>,
    changes: i64,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "UPDATE streams SET summary = coalesce(?1, summary),
             last_applied_hlc = coalesce(?2, last_applied_hlc),
             last_applied_id = coalesce(?3, last_applied_id),
             pending_changes = pending_changes + ?4
         WHERE id = ?5",
    )?
    .execute(params![
        summary,
        last.map(|(hlc, _)| hlc.sort_key()),
        last.map(|(_, id)| uuid_blob(&id.0).to_vec()),
        changes,
        uuid_blob(&stream.0)
    ])?;
    Ok(())
}

fn insert_stream(
    tx: &Transaction,
    stream: StreamId,
    kind: StreamKind,
    name: &str,
    collaborative: Option<StreamId>,
    document: &[u8],
) -> Result<(), StoreError> {
    let summary = postcard::to_stdvec(&StreamSummary::new(stream))
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    tx.execute(
        "INSERT INTO streams (id, kind, name, collaborative, summary) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            uuid_blob(&stream.0),
            kind.name(),
            name,
            collaborative.map(|c| uuid_blob(&c.0).to_vec()),
            summary
        ],
    )?;
    tx.execute(
        "INSERT INTO documents (stream, bytes) VALUES (?1, ?2)",
        params![uuid_blob(&stream.0), document],
    )?;
    Ok(())
}

/// What validation needs from a project's collaborative: its scale and change package.
fn collaborative_context(
    conn: &Connection,
    stream: StreamId,
) -> Result<Option<CollaborativeContext>, StoreError> {
    let info = queries::stream_info(conn, stream)?;
    let collaborative = match info.kind {
        StreamKind::Organisation => return Ok(None),
        StreamKind::Collaborative => stream,
        StreamKind::Project => match info.collaborative {
            Some(c) => c,
            None => return Ok(None),
        },
    };
    collaborative_context_of(conn, collaborative)
}

fn collaborative_context_of(
    conn: &Connection,
    collaborative: StreamId,
) -> Result<Option<CollaborativeContext>, StoreError> {
    if queries::stream_info(conn, collaborative).is_err() {
        return Ok(None);
    }
    let summary = queries::summary(conn, collaborative)?;
    let scale = match summary
        .founding
        .map(|f| queries::record(conn, f))
        .transpose()?
        .flatten()
        .map(|r| r.detail)
    {
        Some(Detail::Collaborative { scales, .. }) => scales
            .into_iter()
            .max_by_key(|s| s.version)
            .unwrap_or_else(ProgressScale::ihi),
        _ => ProgressScale::ihi(),
    };
    let package_items =
        queries::records_of_kind(conn, collaborative, EventKind::ChangePackageItemAdded)?
            .into_iter()
            .filter(|r| !r.withdrawn)
            .map(|r| r.id)
            .collect();
    Ok(Some(CollaborativeContext {
        stream: collaborative,
        scale,
        package_items,
    }))
}

/// What validation needs of a stream's collaborative, read only once an event needs it:
/// most events (measurements, observations, cycles) never do.
struct LazyContext {
    stream: StreamId,
    /// `None` until read; then the context, if the stream has a collaborative here.
    read: Option<Option<CollaborativeContext>>,
}

impl LazyContext {
    fn new(stream: StreamId) -> Self {
        LazyContext { stream, read: None }
    }

    /// The context to validate `event` against. A project's start reads the
    /// collaborative it names; an event whose rules look at the collaborative (its
    /// scale or change package) reads the stream's, once, after writing what the fold
    /// changed so far so that the read sees it. Leaving an event out here could only
    /// refuse it (a missing context is "not on this device"), never accept it wrongly.
    fn for_event(
        &mut self,
        tx: &Connection,
        views: &mut SqliteViews,
        event: &Event,
    ) -> Result<Option<&CollaborativeContext>, StoreError> {
        let needs = matches!(
            event,
            Event::ChangeIdeaProposed(_)
                | Event::MonthlyReportSubmitted(_)
                | Event::CoordinatorScoreGiven { .. }
                | Event::Correction { .. }
        );
        if let Event::ProjectStarted(p) = event {
            self.read = Some(collaborative_context_of(tx, p.collaborative)?);
        } else if needs && self.read.is_none() {
            views.flush_records()?;
            self.read = Some(collaborative_context(tx, self.stream)?);
        }
        Ok(self.read.as_ref().and_then(Option::as_ref))
    }

    /// Keeps a context already read in step with an event just folded into its own
    /// stream (one not read yet will see the event when it is).
    fn folded(&mut self, envelope: &Envelope) {
        let Some(Some(c)) = self.read.as_mut() else {
            return;
        };
        if c.stream != self.stream {
            return;
        }
        match envelope.event() {
            Some(Event::ChangePackageItemAdded(_)) => c.package_items.push(envelope.id),
            Some(Event::ProgressScaleAdopted(scale)) => c.scale = scale.clone(),
            _ => {}
        }
    }
}

/// Validates, appends and folds events, inside the caller's transaction.
fn record_in(
    tx: &Transaction,
    clock: &mut Hlc,
    identity: &Identity,
    stream: StreamId,
    document: &mut StreamDocument,
    events: Vec<Event>,
) -> Result<(Vec<Recorded>, Vec<automerge::ChangeHash>), StoreError> {
    let roles = stream_roles(tx, stream)?;
    // Another process may have recorded since this one last looked at the clock.
    *clock = clock.observe(read_clock(tx)?);
    let mut context = LazyContext::new(stream);
    let mut views = SqliteViews::new(tx, stream, events.len());
    let mut changes = StoredChanges::after(tx, stream)?;
    let mut recorded = Vec::with_capacity(events.len());
    let mut hashes = Vec::with_capacity(events.len());
    let mut last = None;
    let total = events.len();
    // A batch after which the document is compacted anyway (see `maybe_compact`) does
    // not store its changes one by one: the document saved at its end, in the same
    // transaction, holds them all.
    let compact_at_end = compaction_due(
        pending_changes(tx, stream)? + total as i64,
        document.len() + total,
    );
    // Their changes, made together at the end (the document is not read before).
    let mut appended = Vec::with_capacity(if compact_at_end { total } else { 0 });
    for (index, event) in events.into_iter().enumerate() {
        if let Some(roles) = &roles
            && !roles.iter().any(|r| r.may_record(event.kind()))
        {
            let who = if roles.is_empty() {
                "may only read this stream".to_string()
            } else {
                format!(
                    "as {} may not record a {} here",
                    roles
                        .iter()
                        .map(|r| r.name())
                        .collect::<Vec<_>>()
                        .join(" or "),
                    event.kind().name()
                )
            };
            return Err(Refusal {
                problem: format!("You {who}: the server would refuse it."),
                fix: "Ask whoever holds that role to record it, or an administrator for the role."
                    .into(),
            }
            .into());
        }
        let collaborative = context.for_event(tx, &mut views, &event)?;
        validate(&event, &mut views, collaborative, Mode::Device).map_err(|refusal| {
            if total > 1 {
                Refusal {
                    problem: format!("Event {} of {total}: {}", index + 1, refusal.problem),
                    fix: refusal.fix,
                }
            } else {
                refusal
            }
        })?;
        let wall = wall_millis_now();
        *clock = Hlc::tick(*clock, wall);
        let envelope = Envelope::new(stream, identity.person, identity.device, *clock, event);
        let bytes = envelope.encode();
        if bytes.len() > crate::domain::envelope::MAX_EVENT_BYTES {
            return Err(Refusal {
                problem: format!(
                    "This record is {} KiB, more than the {} KiB a record may have.",
                    bytes.len() / 1024,
                    crate::domain::envelope::MAX_EVENT_BYTES / 1024
                ),
                fix: "Shorten it, or split it into several records.".into(),
            }
            .into());
        }
        if !compact_at_end {
            let (hash, change) = document.append(
                identity.device,
                envelope.kind_name(),
                (wall / 1000) as i64,
                &bytes,
            )?;
            changes.insert(tx, &hash, &change)?;
            hashes.push(hash);
        }
        insert_event(tx, &envelope, &bytes, views.founding())?;
        if compact_at_end {
            appended.push((envelope.kind_name(), (wall / 1000) as i64, bytes));
        }
        fold::apply(&mut views, &envelope);
        context.folded(&envelope);
        last = Some(envelope.order_key());
        recorded.push(Recorded {
            id: envelope.id,
            stream,
            kind: envelope.kind().unwrap_or(EventKind::Correction),
            at: envelope.recorded_at,
        });
    }
    let summary = views.flush()?;
    let changes = if compact_at_end { 0 } else { total as i64 };
    update_stream(tx, stream, summary.as_deref(), last, changes)?;
    if compact_at_end {
        hashes = document.append_all(identity.device, appended)?;
        compact_in(tx, stream, document)?;
    }
    Ok((recorded, hashes))
}

fn insert_event(
    tx: &Transaction,
    envelope: &Envelope,
    bytes: &[u8],
    founding: Option<EventId>,
) -> Result<bool, StoreError> {
    let subject = envelope
        .event()
        .and_then(|e| e.subject(envelope.id, founding.or(Some(envelope.id))));
    let inserted = tx
        .prepare_cached(
            "INSERT OR IGNORE INTO events (id, stream, hlc, author, device, schema, kind, subject, bytes)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            uuid_blob(&envelope.id.0),
            uuid_blob(&envelope.stream.0),
            envelope.recorded_at.sort_key(),
            uuid_blob(&envelope.author.0),
            uuid_blob(&envelope.device.0),
            envelope.schema,
            envelope.kind_name(),
            subject.map(|s| uuid_blob(&s.0).to_vec()),
            bytes,
        ])?;
    Ok(inserted > 0)
}

/// What a replica that trusts no one checks of each change it receives, beyond the
/// domain's own rules (see `Store::receive_sync_message`).
pub trait Gate {
    /// Whether the change and the event it carries may be accepted; why not if not.
    fn admit(&mut self, change: &IncomingChange, event: &Envelope) -> Result<(), String>;
    /// Called inside the merging transaction once every change is admitted.
    fn accepted(&mut self, tx: &Connection, changes: &[IncomingChange]) -> Result<(), StoreError>;
}

/// A change a gated merge refused, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RefusedChange {
    pub change: String,
    pub event: Option<EventId>,
    pub kind: Option<String>,
    pub reason: String,
}

fn merge_in(
    tx: &Transaction,
    clock: &mut Hlc,
    stream: StreamId,
    incoming: &[IncomingChange],
    mut gate: Option<&mut dyn Gate>,
) -> Result<Merged, StoreError> {
    let (last_hlc, last_id): (i64, Vec<u8>) = tx
        .query_row(
            "SELECT last_applied_hlc, last_applied_id FROM streams WHERE id = ?1",
            [uuid_blob(&stream.0)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or(StoreError::UnknownStream(stream))?;
    let last = if last_id.is_empty() {
        None
    } else {
        Some((Hlc::from_sort_key(last_hlc), EventId(blob_uuid(&last_id)?)))
    };
    let mut refused = Vec::new();
    let mut new_events = Vec::new();
    for change in incoming {
        let refuse =
            |refused: &mut Vec<RefusedChange>, event: Option<&Envelope>, reason: String| {
                refused.push(RefusedChange {
                    change: change.hash.to_string(),
                    event: event.map(|e| e.id),
                    kind: event.map(|e| e.kind_name().to_string()),
                    reason,
                })
            };
        if change.events.len() != 1 || change.foreign_ops > 0 {
            let reason = format!(
                "a change must append exactly one event and nothing else; this one appends {} and makes {} other operations",
                change.events.len(),
                change.foreign_ops
            );
            if gate.is_none() {
                return Err(StoreError::BadChange(reason));
            }
            refuse(&mut refused, None, reason);
            continue;
        }
        for bytes in &change.events {
            let envelope = match Envelope::decode(bytes) {
                Ok(e) => e,
                Err(e) if gate.is_some() => {
                    refuse(&mut refused, None, e.to_string());
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            if envelope.stream != stream {
                if gate.is_some() {
                    refuse(
                        &mut refused,
                        Some(&envelope),
                        format!("the event belongs to stream {}", envelope.stream),
                    );
                    continue;
                }
                return Err(StoreError::WrongStream {
                    expected: stream,
                    found: envelope.stream,
                });
            }
            if let Some(g) = gate.as_deref_mut() {
                if envelope.event().is_none() {
                    let reason = format!(
                        "schema version {} is not one this server knows",
                        envelope.schema
                    );
                    refuse(&mut refused, Some(&envelope), reason);
                    continue;
                }
                if let Err(reason) = g.admit(change, &envelope) {
                    refuse(&mut refused, Some(&envelope), reason);
                    continue;
                }
            }
            new_events.push((envelope, bytes));
        }
    }
    new_events.sort_by_key(|(e, _)| e.order_key());
    let in_order = match (last, new_events.first()) {
        (Some(last), Some((first, _))) => first.order_key() > last,
        _ => true,
    };
    let mut views = SqliteViews::new(tx, stream, new_events.len());
    let mut context = LazyContext::new(stream);
    let mut added = 0;
    let mut newest = last;
    for (envelope, bytes) in &new_events {
        if gate.is_some()
            && let Some(event) = envelope.event()
        {
            let collaborative = context.for_event(tx, &mut views, event)?;
            if let Err(refusal) = validate(event, &mut views, collaborative, Mode::Replica) {
                refused.push(RefusedChange {
                    change: String::new(),
                    event: Some(envelope.id),
                    kind: Some(envelope.kind_name().to_string()),
                    reason: refusal.to_string(),
                });
                continue;
            }
        }
        *clock = clock.observe(envelope.recorded_at);
        let founding = views.founding();
        if insert_event(tx, envelope, bytes, founding)? {
            added += 1;
            fold::apply(&mut views, envelope);
            if let Some(Event::ProjectStarted(p)) = envelope.event() {
                tx.execute(
                    "UPDATE streams SET name = ?1, collaborative = ?2 WHERE id = ?3",
                    params![
                        format!("{} ({})", p.title, p.team),
                        uuid_blob(&p.collaborative.0),
                        uuid_blob(&stream.0)
                    ],
                )?;
            }
            newest = newest.max(Some(envelope.order_key()));
        }
    }
    if !refused.is_empty() {
        return Err(StoreError::ChangesRefused(refused));
    }
    let summary = views.flush()?;
    drop(views);
    // Only changes the document did not have arrive here, so none is stored already.
    let mut changes = StoredChanges::after(tx, stream)?;
    for change in incoming {
        changes.insert(tx, &change.hash, &change.raw)?;
    }
    let rebuilt = !in_order && added > 0;
    if rebuilt {
        rebuild_in(tx, stream)?;
    }
    if let Some(g) = gate {
        g.accepted(tx, incoming)?;
    }
    // A rebuild wrote the summary it folded; otherwise write the one folded here.
    let summary = if rebuilt { None } else { summary };
    update_stream(
        tx,
        stream,
        summary.as_deref(),
        newest,
        incoming.len() as i64,
    )?;
    Ok(Merged {
        changes: incoming.len(),
        events: added,
        rebuilt,
    })
}

/// Folds the stream's events again, in order, in memory, and makes the stored views
/// equal to what it folded: writes the records whose encoding differs from the stored
/// one (after a change to the fold, every record; usually none) and deletes those the
/// fold no longer makes.
fn rebuild_in(tx: &Transaction, stream: StreamId) -> Result<usize, StoreError> {
    let mut views = MemoryViews::new(stream);
    let mut count = 0;
    {
        let mut stmt =
            tx.prepare_cached("SELECT bytes FROM events WHERE stream = ?1 ORDER BY hlc, id")?;
        let mut rows = stmt.query([uuid_blob(&stream.0)])?;
        while let Some(row) = rows.next()? {
            let bytes = row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?;
            let envelope = Envelope::decode(bytes)
                .map_err(|e| StoreError::Corrupt(format!("a stored event: {e}")))?;
            fold::apply(&mut views, &envelope);
            count += 1;
        }
    }
    // In id order, as the map keeps them.
    let ids: Vec<EventId> = views.records.keys().copied().collect();
    let mut unchanged = vec![false; ids.len()];
    let mut gone = Vec::new();
    let ends = ids
        .first()
        .zip(ids.last())
        .map(|(first, last)| [uuid_blob(&first.0).to_vec(), uuid_blob(&last.0).to_vec()]);
    let stream_blob = uuid_blob(&stream.0);
    if let Some([first, last]) = &ends {
        // The stored records from the first id folded to the last, read in the order
        // they are kept (by id), not looked up one by one through the index on the
        // stream (`+stream` keeps the planner off it).
        let mut encoded = Vec::new();
        let mut stmt = tx.prepare_cached(
            "SELECT id, body FROM records WHERE id BETWEEN ?1 AND ?2 AND +stream = ?3",
        )?;
        let mut rows = stmt.query(params![first, last, stream_blob])?;
        while let Some(row) = rows.next()? {
            let id = row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?;
            let id = EventId(blob_uuid(id)?);
            match ids.binary_search(&id) {
                Ok(i) => {
                    codec::encode_record_into(&views.records[&id], &mut encoded);
                    let body = row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
                    unchanged[i] = body == encoded.as_slice();
                }
                Err(_) => gone.push(id),
            }
        }
    }
    {
        // Stored records outside that range are not made by the fold.
        let mut stmt = tx.prepare_cached(
            "SELECT id FROM records WHERE stream = ?1 AND (?2 IS NULL OR id < ?2 OR id > ?3)",
        )?;
        let (first, last) = match &ends {
            Some([first, last]) => (Some(first.as_slice()), Some(last.as_slice())),
            None => (None, None),
        };
        let mut rows = stmt.query(params![stream_blob, first, last])?;
        while let Some(row) = rows.next()? {
            let id = row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?;
            gone.push(EventId(blob_uuid(id)?));
        }
    }
    let mut delete = tx.prepare_cached("DELETE FROM records WHERE id = ?1")?;
    for id in &gone {
        delete.execute([uuid_blob(&id.0)])?;
    }
    let mut write = tx.prepare_cached(
        "INSERT INTO records (id, stream, kind, parent, position, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET stream = excluded.stream, kind = excluded.kind,
             parent = excluded.parent, position = excluded.position, body = excluded.body",
    )?;
    for (id, _) in ids.iter().zip(&unchanged).filter(|(_, same)| !**same) {
        let record = &views.records[id];
        write.execute(params![
            uuid_blob(&record.id.0),
            uuid_blob(&stream.0),
            record.kind.name(),
            record.parent.map(|p| uuid_blob(&p.0).to_vec()),
            record.created.at.sort_key(),
            codec::encode_record(record),
        ])?;
    }
    let summary =
        postcard::to_stdvec(&views.summary).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    update_stream(tx, stream, Some(&summary), None, 0)?;
    Ok(count)
}

/// Stores changes after those of the stream stored already, in order.
struct StoredChanges {
    stream: StreamId,
    last: i64,
}

impl StoredChanges {
    fn after(tx: &Connection, stream: StreamId) -> Result<Self, StoreError> {
        let last = tx
            .prepare_cached("SELECT seq FROM changes WHERE stream = ?1 ORDER BY seq DESC LIMIT 1")?
            .query_row([uuid_blob(&stream.0)], |r| r.get(0))
            .optional()?
            .unwrap_or(0);
        Ok(StoredChanges { stream, last })
    }

    fn insert(
        &mut self,
        tx: &Connection,
        hash: &automerge::ChangeHash,
        bytes: &[u8],
    ) -> Result<(), StoreError> {
        self.last += 1;
        tx.prepare_cached(
            "INSERT INTO changes (stream, seq, hash, bytes) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            uuid_blob(&self.stream.0),
            self.last,
            hash.0.as_slice(),
            bytes
        ])?;
        Ok(())
    }
}

fn maybe_compact(
    tx: &Transaction,
    stream: StreamId,
    document: &mut StreamDocument,
) -> Result<(), StoreError> {
    if compaction_due(pending_changes(tx, stream)?, document.len()) {
        compact_in(tx, stream, document)?;
    }
    Ok(())
}

/// Whether a document of `events` events with `pending` changes stored beside it is
/// to be saved compacted.
fn compaction_due(pending: i64, events: usize) -> bool {
    pending >= COMPACT_AFTER.max(events as i64 / 4)
}

fn pending_changes(tx: &Connection, stream: StreamId) -> Result<i64, StoreError> {
    Ok(tx
        .prepare_cached("SELECT pending_changes FROM streams WHERE id = ?1")?
        .query_row([uuid_blob(&stream.0)], |r| r.get(0))?)
}

fn compact_in(
    tx: &Transaction,
    stream: StreamId,
    document: &mut StreamDocument,
) -> Result<(), StoreError> {
    let saved = document.save();
    tx.execute(
        "UPDATE documents SET bytes = ?1 WHERE stream = ?2",
        params![saved, uuid_blob(&stream.0)],
    )?;
    tx.execute(
        "UPDATE streams SET pending_changes = 0 WHERE id = ?1",
        [uuid_blob(&stream.0)],
    )?;
    tx.execute(
        "DELETE FROM changes WHERE stream = ?1",
        [uuid_blob(&stream.0)],
    )?;
    Ok(())
}

/// The schema version this build writes, for `praxis status`.
pub fn event_schema_version() -> u16 {
    SCHEMA_VERSION
}
