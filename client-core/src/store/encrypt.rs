//! Upgrading a device store kept in plain SQLite (as the terminal client made them
//! before device stores were encrypted) into an encrypted one, in place, losing nothing.
//! An encrypted copy is made beside the plain file and checked to hold the same events,
//! changes and settings before a rename puts it in the plain file's place, so a crash at
//! any moment leaves one of the two whole. A server's store is plain on purpose and is
//! never taken for a device store.

use super::{StoreError, StoreKey, key, schema};
use crate::replication::StreamDocument;
use automerge::ChangeHash;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// The tables a device store has had at any schema version. A plain file with another
/// table is not a device store: a server's store keeps its own tables beside these.
const DEVICE_TABLES: &[&str] = &[
    "meta",
    "streams",
    "documents",
    "changes",
    "events",
    "records",
    "sync_states",
    "data_keys",
    "key_cursors",
    "erased_subjects",
];

/// What the file at a store's path is, judged without a key and without writing to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreFile {
    /// Nothing is there.
    Missing,
    /// A device store in plain SQLite, made before device stores were encrypted.
    Plain,
    /// Plain SQLite that is not a device store (a server's store, another database),
    /// with why not.
    PlainOther(String),
    /// Not plain SQLite, and in whole pages: an encrypted store (only its key can tell
    /// for sure).
    Encrypted,
    /// Neither: empty, cut short, or not a database at all.
    Unreadable,
}

/// What encrypting a plain store kept: the counts of the encrypted copy, checked equal
/// to the plain store's (with every stream's heads) before it replaced the plain file.
/// `changes` counts the Automerge changes kept beside the streams' compacted documents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Encrypted {
    pub streams: u64,
    pub events: u64,
    pub changes: u64,
    /// The device's settings (its server, its token, the roles it was given...).
    pub settings: u64,
}

/// Looks at the file at `path`: its first bytes, and for plain SQLite its tables,
/// through a read-only connection that writes nothing.
pub fn inspect(path: &Path) -> StoreFile {
    let Ok(metadata) = std::fs::metadata(path) else {
        return StoreFile::Missing;
    };
    if !metadata.is_file() || metadata.len() == 0 {
        return StoreFile::Unreadable;
    }
    if is_plain_sqlite(path) {
        return match plain_tables(path) {
            Ok(tables) => judge_tables(&tables),
            Err(e) => StoreFile::PlainOther(format!("its tables cannot be read ({e})")),
        };
    }
    // SQLCipher encrypts every page, the first one's SQLite header with it.
    if metadata.len().is_multiple_of(512) {
        StoreFile::Encrypted
    } else {
        StoreFile::Unreadable
    }
}

/// The temporary file the encrypted copy is made in, beside the store.
pub fn encrypting_path(path: &Path) -> PathBuf {
    with_suffix(path, ".encrypting")
}

/// Encrypts the plain device store at `path` under `key`, in place. Refuses (changing
/// nothing) a store that is already encrypted, a file that is not a device store (a
/// server's store among them), a path with nothing at it, and a store another program
/// has open. A copy left by an interrupted run is removed first.
pub fn encrypt_plain_store(path: &Path, key: &StoreKey) -> Result<Encrypted, StoreError> {
    refuse_unless_plain(path)?;
    let identity = file_identity(path);
    let mut plain = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::NotAStore(path.to_path_buf(), e.to_string()))?;
    key::quiet_cipher_log(&plain)?;
    plain.busy_timeout(std::time::Duration::from_secs(5))?;
    hold(&plain, path)?;
    // Another run may have encrypted it (or someone replaced it) while this one waited.
    if file_identity(path) != identity || !is_plain_sqlite(path) {
        return Err(StoreError::AlreadyEncrypted(path.to_path_buf()));
    }
    match judge_tables(&tables(&plain)?) {
        StoreFile::Plain => {}
        StoreFile::PlainOther(why) => return Err(StoreError::NotAStore(path.to_path_buf(), why)),
        _ => {
            return Err(StoreError::NotAStore(
                path.to_path_buf(),
                "it has no Praxis tables".into(),
            ));
        }
    }
    // Bring an older store's schema up to date first (as opening it would), so the
    // copy can be checked stream by stream.
    schema::migrate(&mut plain)?;

    let temp = encrypting_path(path);
    remove_with_journals(&temp)?;
    make_empty_like(&temp, path)?;
    let kept = match export_and_check(&plain, path, &temp, key) {
        Ok(kept) => kept,
        Err(e) => {
            let _ = remove_with_journals(&temp);
            return Err(e);
        }
    };
    // The plain store is out of WAL mode, so its log holds nothing: take the leftover
    // files away now, while the store is held, rather than after the rename, when the
    // encrypted store might already be open with a log of its own.
    for suffix in ["-wal", "-shm"] {
        remove_if_present(&with_suffix(path, suffix))?;
    }
    let replaced = sync_file(&temp).and_then(|_| std::fs::rename(&temp, path));
    if let Err(e) = replaced {
        let _ = remove_with_journals(&temp);
        return Err(StoreError::NotAStore(
            path.to_path_buf(),
            format!(
                "the encrypted copy could not take its place ({e}); the plain store is unchanged"
            ),
        ));
    }
    // The rename is done; making it durable is the directory's fsync, and the
    // encrypted store is whole whether or not that succeeds.
    sync_parent(path);
    drop(plain);
    Ok(kept)
}

/// Refuses with the error that says why, unless `path` holds a plain device store.
fn refuse_unless_plain(path: &Path) -> Result<(), StoreError> {
    match inspect(path) {
        StoreFile::Plain => Ok(()),
        StoreFile::Missing => Err(StoreError::NotFound(path.to_path_buf())),
        StoreFile::Encrypted => Err(StoreError::AlreadyEncrypted(path.to_path_buf())),
        StoreFile::PlainOther(why) => Err(StoreError::NotAStore(path.to_path_buf(), why)),
        StoreFile::Unreadable => Err(StoreError::NotAStore(
            path.to_path_buf(),
            "it is neither a plain SQLite database nor an encrypted store".into(),
        )),
    }
}

/// Takes the plain store out of WAL mode (its log's pages go into the file and the log
/// is removed) and holds it against every other connection until this one closes.
fn hold(plain: &Connection, path: &Path) -> Result<(), StoreError> {
    let in_use = |e: rusqlite::Error| match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            StoreError::InUse(path.to_path_buf())
        }
        _ => StoreError::Sqlite(e),
    };
    let mode: String = plain
        .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
        .map_err(in_use)?;
    if !mode.eq_ignore_ascii_case("delete") {
        return Err(StoreError::InUse(path.to_path_buf()));
    }
    plain
        .execute_batch("PRAGMA main.locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;")
        .map_err(in_use)
}

/// Exports the plain store into an encrypted file at `temp` and checks that it opens
/// with the key and holds the same as the plain store.
fn export_and_check(
    plain: &Connection,
    path: &Path,
    temp: &Path,
    key: &StoreKey,
) -> Result<Encrypted, StoreError> {
    let temp_text = temp.to_str().ok_or_else(|| {
        StoreError::NotAStore(
            path.to_path_buf(),
            "its path is not UTF-8, which SQLite needs to make the encrypted copy".into(),
        )
    })?;
    // The raw key as SQLCipher reads it in `PRAGMA key`: `x'…'`.
    plain.execute(
        "ATTACH DATABASE ?1 AS encrypted KEY ?2",
        params![temp_text, format!("x'{}'", key.to_hex())],
    )?;
    let exported = export(plain);
    plain.execute_batch("DETACH DATABASE encrypted;")?;
    exported?;

    let before = Fingerprint::of(plain)?;
    let copy = Connection::open_with_flags(
        temp,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    key.apply(&copy)?;
    key::quiet_cipher_log(&copy)?;
    let after = Fingerprint::of(&copy).map_err(|e| {
        StoreError::EncryptionUnverified(format!("the copy cannot be read with the key: {e}"))
    })?;
    drop(copy);
    if let Some(difference) = before.difference(&after) {
        return Err(StoreError::EncryptionUnverified(difference));
    }
    Ok(after.kept())
}

/// `sqlcipher_export` copies the schema and every row in one transaction; it does not
/// copy `user_version`, which says which migrations the store has had.
fn export(plain: &Connection) -> Result<(), StoreError> {
    plain.execute_batch("BEGIN IMMEDIATE;")?;
    let copied = plain
        .query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))
        .and_then(|_| {
            let version: i64 =
                plain.pragma_query_value(Some("main"), "user_version", |r| r.get(0))?;
            plain.pragma_update(Some("encrypted"), "user_version", version)
        })
        .and_then(|_| plain.execute_batch("COMMIT;"));
    if let Err(e) = copied {
        let _ = plain.execute_batch("ROLLBACK;");
        return Err(e.into());
    }
    Ok(())
}

/// What must be the same in the plain store and its encrypted copy.
#[derive(Debug, PartialEq, Eq)]
struct Fingerprint {
    user_version: i64,
    /// Rows in each table.
    rows: BTreeMap<String, i64>,
    /// Every `meta` row: the identity, the clock and the device's settings.
    meta: BTreeMap<String, Vec<u8>>,
    /// Each stream's events and heads, from its Automerge document and changes.
    streams: BTreeMap<Vec<u8>, (usize, Vec<ChangeHash>)>,
}

impl Fingerprint {
    fn of(conn: &Connection) -> Result<Fingerprint, StoreError> {
        let user_version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let mut rows = BTreeMap::new();
        // SQLite's own tables are left out: `sqlite_sequence` stays behind in a store
        // whose AUTOINCREMENT tables a migration replaced, and the copy has none.
        for table in tables(conn)?
            .into_iter()
            .filter(|t| !t.starts_with("sqlite_"))
        {
            let n: i64 = conn.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
                r.get(0)
            })?;
            rows.insert(table, n);
        }
        let meta = conn
            .prepare("SELECT key, value FROM meta")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut streams = BTreeMap::new();
        let ids: Vec<Vec<u8>> = conn
            .prepare("SELECT id FROM streams ORDER BY id")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for id in ids {
            let saved: Vec<u8> = conn
                .query_row(
                    "SELECT bytes FROM documents WHERE stream = ?1",
                    [&id],
                    |r| r.get(0),
                )
                .optional()?
                .ok_or_else(|| StoreError::Corrupt("a stream has no document".into()))?;
            let changes: Vec<Vec<u8>> = conn
                .prepare("SELECT bytes FROM changes WHERE stream = ?1 ORDER BY seq")?
                .query_map([&id], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let refs: Vec<&[u8]> = changes.iter().map(Vec::as_slice).collect();
            let mut document = StreamDocument::load(&saved, &refs)?;
            let mut heads = document.heads();
            heads.sort();
            streams.insert(id, (document.len(), heads));
        }
        Ok(Fingerprint {
            user_version,
            rows,
            meta,
            streams,
        })
    }

    /// The first way `copy` differs from this, said without any setting's value (a
    /// device's token is one).
    fn difference(&self, copy: &Fingerprint) -> Option<String> {
        if self.user_version != copy.user_version {
            return Some(format!(
                "schema {} in the copy, {} in the plain store",
                copy.user_version, self.user_version
            ));
        }
        if let Some(table) = first_difference(&self.rows, &copy.rows) {
            let rows = |side: &Fingerprint| match side.rows.get(&table) {
                Some(n) => format!("{n} rows"),
                None => "no table".to_string(),
            };
            return Some(format!(
                "{} of {table} in the copy, {} in the plain store",
                rows(copy),
                rows(self)
            ));
        }
        if let Some(key) = first_difference(&self.meta, &copy.meta) {
            return Some(format!("the copy's {key} is not the plain store's"));
        }
        if self.streams != copy.streams {
            return Some(
                "a stream's history in the copy does not end where the plain store's does".into(),
            );
        }
        None
    }

    fn kept(&self) -> Encrypted {
        let rows = |table: &str| self.rows.get(table).copied().unwrap_or(0).max(0) as u64;
        Encrypted {
            streams: rows("streams"),
            events: rows("events"),
            changes: rows("changes"),
            settings: self
                .meta
                .keys()
                .filter(|k| k.starts_with("setting:"))
                .count() as u64,
        }
    }
}

/// The first key whose value differs between the two maps (or that only one has).
fn first_difference<V: PartialEq>(
    a: &BTreeMap<String, V>,
    b: &BTreeMap<String, V>,
) -> Option<String> {
    a.keys()
        .chain(b.keys())
        .find(|k| a.get(*k) != b.get(*k))
        .cloned()
}

fn judge_tables(tables: &[String]) -> StoreFile {
    if !tables.iter().any(|t| t == "meta") {
        return StoreFile::PlainOther("it has no Praxis tables".into());
    }
    let others: Vec<&str> = tables
        .iter()
        .map(String::as_str)
        .filter(|t| !DEVICE_TABLES.contains(t) && !t.starts_with("sqlite_"))
        .collect();
    if others.is_empty() {
        StoreFile::Plain
    } else {
        StoreFile::PlainOther(format!(
            "it holds tables a device store does not have ({}): it is a server's store, which praxis-server keeps in plain SQLite on purpose",
            others.join(", ")
        ))
    }
}

fn tables(conn: &Connection) -> Result<Vec<String>, rusqlite::Error> {
    conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect()
}

/// The tables of a plain SQLite file, read without writing anything beside it: with no
/// write-ahead log there, `immutable` keeps SQLite from making one.
fn plain_tables(path: &Path) -> Result<Vec<String>, rusqlite::Error> {
    let read_only = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = if with_suffix(path, "-wal").exists() {
        Connection::open_with_flags(path, read_only)?
    } else {
        Connection::open_with_flags(
            format!("file:{}?immutable=1", uri_path(path)),
            read_only | OpenFlags::SQLITE_OPEN_URI,
        )?
    };
    key::quiet_cipher_log(&conn)?;
    tables(&conn)
}

/// The path written for a `file:` URI: every byte but letters, digits and `/._-~`
/// percent-encoded.
fn uri_path(path: &Path) -> String {
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).to_vec();
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().replace('\\', "/").into_bytes();
    bytes
        .iter()
        .map(|&b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'/' | b'.' | b'_' | b'-' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn is_plain_sqlite(path: &Path) -> bool {
    let mut head = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut head))
        .is_ok_and(|_| &head == b"SQLite format 3\0")
}

/// Which file `path` names now (device and inode), to notice it being replaced.
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::metadata(path).ok().map(|m| (m.len(), 0))
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_if_present(path: &Path) -> Result<(), StoreError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::NotAStore(
            path.to_path_buf(),
            format!("it is in the way and cannot be removed ({e})"),
        )),
    }
}

/// Removes a file SQLite wrote, with its journal, log and index.
fn remove_with_journals(path: &Path) -> Result<(), StoreError> {
    for suffix in ["", "-journal", "-wal", "-shm"] {
        remove_if_present(&with_suffix(path, suffix))?;
    }
    Ok(())
}

/// An empty file for the copy (SQLite takes an empty file for a new database: the store
/// is opened without leave to create files), with the plain file's permissions, which
/// the store keeps once the copy takes its place.
fn make_empty_like(temp: &Path, path: &Path) -> Result<(), StoreError> {
    let made = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(temp)
        .and_then(|file| {
            let permissions = std::fs::metadata(path)?.permissions();
            file.set_permissions(permissions)
        });
    made.map_err(|e| {
        StoreError::NotAStore(
            path.to_path_buf(),
            format!(
                "the encrypted copy cannot be made at {} ({e}); nothing was changed",
                temp.display()
            ),
        )
    })
}

fn sync_file(path: &Path) -> std::io::Result<()> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)?
        .sync_all()
}

fn sync_parent(path: &Path) {
    #[cfg(unix)]
    {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if let Ok(dir) = std::fs::File::open(dir) {
            let _ = dir.sync_all();
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn a_uri_path_escapes_what_a_uri_would_read_otherwise() {
        assert_eq!(
            uri_path(Path::new("/tmp/a b?c#d%e")),
            "/tmp/a%20b%3Fc%23d%25e"
        );
        assert_eq!(
            uri_path(Path::new("rel/store.sqlite3")),
            "rel/store.sqlite3"
        );
    }

    #[test]
    fn only_the_device_tables_make_a_device_store() {
        let device: Vec<String> = ["changes", "events", "meta", "sqlite_sequence", "streams"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(judge_tables(&device), StoreFile::Plain);
        let mut server = device.clone();
        server.push("server_schema".into());
        assert!(
            matches!(judge_tables(&server), StoreFile::PlainOther(why) if why.contains("server_schema"))
        );
        assert!(matches!(
            judge_tables(&["notes".to_string()]),
            StoreFile::PlainOther(_)
        ));
    }

    #[test]
    fn a_copy_that_differs_is_named_by_the_first_thing_that_differs() {
        let plain = Fingerprint {
            user_version: 4,
            rows: BTreeMap::from([("events".into(), 24), ("streams".into(), 2)]),
            meta: BTreeMap::from([("identity".into(), b"ann".to_vec())]),
            streams: BTreeMap::new(),
        };
        let same = || Fingerprint {
            user_version: plain.user_version,
            rows: plain.rows.clone(),
            meta: plain.meta.clone(),
            streams: plain.streams.clone(),
        };
        assert_eq!(plain.difference(&same()), None);
        let mut copy = same();
        copy.rows.insert("events".into(), 23);
        assert_eq!(
            plain.difference(&copy).as_deref(),
            Some("23 rows of events in the copy, 24 rows in the plain store")
        );
        let mut copy = same();
        copy.rows.remove("streams");
        assert_eq!(
            plain.difference(&copy).as_deref(),
            Some("no table of streams in the copy, 2 rows in the plain store")
        );
        let mut copy = same();
        copy.meta
            .insert("setting:server".into(), b"https://x".to_vec());
        assert_eq!(
            plain.difference(&copy).as_deref(),
            Some("the copy's setting:server is not the plain store's")
        );
        let mut copy = same();
        copy.streams.insert(vec![1], (1, Vec::new()));
        assert!(plain.difference(&copy).unwrap().contains("history"));
    }
}
