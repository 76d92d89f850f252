//! The local store: SQLite holding each stream's Automerge changes, an indexed copy of
//! every event, the views and the device's identity. Every write that records events
//! is one transaction: the change, the indexed event and the view update commit
//! together or not at all.

mod carry_over;
mod codec;
mod compaction;
mod data_keys;
mod documents;
mod encrypt;
mod error;
mod fast_path;
mod heads;
mod held;
mod key;
#[cfg(test)]
mod key_tests;
mod keyring;
mod merging;
mod person_names;
pub mod queries;
mod recording;
mod rows;
mod schema;
mod sealing;
mod sqlite_views;
mod subject_keys;
mod syncing;
#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
mod upgrade_tests;

pub use carry_over::{CarriedOver, Home};
pub use codec::{StoredRecord, decode_stored, encode_record};
pub use data_keys::{
    KeyChange, KeyRefused, PlainKey, erase_key, held_keys, key_changes, keys_of_subject,
    note_subject_erased,
};
pub use encrypt::{Encrypted, StoreFile, encrypt_plain_store, encrypting_path, inspect};
pub use error::StoreError;
pub use fast_path::{FastForward, WholeStream};
pub use held::{HeldRecord, held_back};
pub use key::StoreKey;
pub use keyring::{Keyring, configure_sealing};
pub use merging::{Gate, NotAdmitted, RefusedChange};
pub use sealing::{Unsealer, open_envelope, open_event, open_record, sealed_in};
pub use syncing::carries_changes;

use crate::domain::envelope::{Envelope, SCHEMA_VERSION};
use crate::domain::event::{Event, EventKind, ProgressScale};
use crate::domain::fold::{self, MemoryViews};
use crate::domain::hlc::{Hlc, WallClock};
use crate::domain::ids::{DeviceId, EventId, PersonId, StreamId};
use crate::domain::record::{Detail, StreamKind, StreamSummary};
use crate::domain::role::Role;
use crate::domain::validation::{CollaborativeContext, Mode, Refusal, validate};
use crate::replication::{IncomingChange, StreamDocument};
use codec::{blob_uuid, uuid_blob};
use compaction::*;
use merging::*;
use recording::*;
use rows::*;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};
use serde::Serialize;
use sqlite_views::SqliteViews;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Bump when the fold or the stored views change, so views are rebuilt from the
/// events on open. 2: the summary tallies each measure's measurements. 3: a record
/// nothing changed since its event is kept without the event's content.
const VIEWS_VERSION: i64 = 3;

/// Compact a stream's document once this many changes wait beside it, or a quarter
/// of its events, whichever is more (amortised O(1) per event).
const COMPACT_AFTER: i64 = 1000;
/// Changes applied at a time when a stream is compacted without its document in memory.
const COMPACT_STEP: i64 = 1_000;

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
    /// Events a gate held back: stored, counted in `events`, left out of the views.
    pub held: Vec<HeldBack>,
}

/// An event a gate held back (see `Gate`), and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HeldBack {
    pub event: EventId,
    pub author: PersonId,
    pub kind: String,
    pub reason: String,
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
    identity: Identity,
    clock: Hlc,
    /// Where recording reads the time: the system clock but for a seed's story.
    wall: WallClock,
    /// Documents loaded for writing, with when each was last used and the store's
    /// `data_version` when it was last known to be in step; a view never loads one. At
    /// most `document_capacity` stay in memory (least recently used go).
    documents: HashMap<StreamId, (StreamDocument, u64, i64)>,
    document_capacity: usize,
    uses: u64,
    /// What this store's data keys are wrapped under (`sealing.rs`).
    keyring: std::sync::Arc<keyring::Keyring>,
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

    /// Creates a store held in memory only, gone when dropped: a throwaway replica
    /// (the server's "as it stood" pages fold one from what it held at a moment).
    pub fn create_in_memory(name: &str) -> Result<Store, StoreError> {
        Store::create_with(Path::new(":memory:"), name, None)
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
        let mut conn = match key {
            Some(key) => key.keyed(|| Connection::open(path))?,
            None => Connection::open(path)?,
        };
        key::quiet_cipher_log(&conn)?;
        // Pages freed when a stream is compacted go back to the file system
        // (`compact_if_due`), not kept in the file: set before any table is made.
        conn.pragma_update(None, "auto_vacuum", "INCREMENTAL")?;
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
        let keyring = keyring_of(&conn)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            identity,
            clock: Hlc::ZERO,
            wall: WallClock::system(),
            documents: HashMap::new(),
            document_capacity: DEFAULT_DOCUMENT_CAPACITY,
            uses: 0,
            keyring,
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
        let open = || {
            Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
        };
        let opened =
            open().map_err(|e| StoreError::NotAStore(path.to_path_buf(), e.to_string()))?;
        let mut conn = match key {
            Some(key) => {
                drop(opened);
                key.keyed(open)?
            }
            None => opened,
        };
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
        let keyring = keyring_of(&conn)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            identity: Identity {
                person: PersonId(person),
                name,
                device: DeviceId(device),
            },
            clock,
            wall: WallClock::system(),
            documents: HashMap::new(),
            document_capacity: DEFAULT_DOCUMENT_CAPACITY,
            uses: 0,
            keyring,
        };
        if views_version != VIEWS_VERSION {
            store.rebuild_all_views()?;
            set_meta(&store.conn, "views_version", &VIEWS_VERSION.to_be_bytes())?;
        }
        Ok(store)
    }

    /// Reads the time for what it records from `wall` (a seed's story clock).
    pub fn set_wall_clock(&mut self, wall: WallClock) {
        self.wall = wall;
    }

    /// The time by this store's wall clock (the system's, but for a seed's story), in
    /// milliseconds since the epoch: what a server stamps a receipt with.
    pub fn wall_now(&self) -> i64 {
        i64::try_from(self.wall.now()).unwrap_or(i64::MAX)
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

    /// Calls `on_commit` as each transaction of this store is about to commit (it may
    /// refuse the commit by returning true, which rolls the transaction back) and
    /// `on_rollback` when one rolls back. A server whose store is a cache of a shared
    /// database writes there first, so nothing is kept here that is not kept there.
    pub fn set_commit_hooks(
        &mut self,
        on_commit: impl FnMut() -> bool + Send + 'static,
        on_rollback: impl FnMut() + Send + 'static,
    ) -> Result<(), StoreError> {
        self.conn.commit_hook(Some(on_commit))?;
        self.conn.rollback_hook(Some(on_rollback))?;
        Ok(())
    }

    /// Forgets what this store's keyring remembers of `stream`'s keys, after they were
    /// changed by another writer of the same file, so they are read again.
    pub fn forget_keys_of(&self, stream: StreamId) {
        self.keyring.subjects.forget(stream);
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

/// The store's own keyring, from the secret in its `meta` (made on first use), set up
/// on `conn` to open sealed content.
fn keyring_of(conn: &Connection) -> Result<std::sync::Arc<keyring::Keyring>, StoreError> {
    let secret: [u8; 32] = match get_meta(conn, "sealing_secret") {
        Ok(bytes) => bytes
            .try_into()
            .map_err(|_| StoreError::Corrupt("the store's sealing secret is damaged".into()))?,
        Err(_) => {
            let secret = keyring::Keyring::new_secret()?;
            set_meta(conn, "sealing_secret", &secret)?;
            secret
        }
    };
    let keyring = std::sync::Arc::new(keyring::Keyring::from_secret(&secret));
    keyring::configure_sealing(conn, keyring.clone())?;
    Ok(keyring)
}

fn configure(conn: &Connection) -> Result<(), rusqlite::Error> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // What is deleted or overwritten (an erased data key) is zeroed in the file, not
    // left in a free page.
    conn.pragma_update(None, "secure_delete", "ON")?;
    // FULL: a record the CLI reported as saved survives a power cut, not just a kill.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Up to 16 MiB of pages in memory (2 MiB by default): a batch of 10,000 events
    // dirties some 8 MiB, and a smaller cache writes them out and reads them back
    // before the transaction ends.
    conn.pragma_update(None, "cache_size", -16 * 1024)?;
    configure_statements(conn)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

/// How statements are prepared on any connection to a store's file, read-only ones
/// included: each prepared once and kept.
pub fn configure_statements(conn: &Connection) -> Result<(), rusqlite::Error> {
    // One plan per statement whatever its parameters: otherwise SQLite prepares some
    // cached statements (a `max` over an index) again each time they are bound.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    // Room for every statement the store and the server's reads run (rusqlite keeps
    // 16 by default, and a folding read uses more than that at once).
    conn.set_prepared_statement_cache_capacity(STATEMENTS_KEPT);
    Ok(())
}

/// Prepared statements kept per connection.
const STATEMENTS_KEPT: usize = 128;

/// The schema version this build writes, for `praxis status`.
pub fn event_schema_version() -> u16 {
    SCHEMA_VERSION
}
