//! The data keys a store holds (`006_data_keys.sql`): made when an observation is
//! sealed, taken from and given to the server at sync, destroyed when erased. Every key
//! is kept wrapped under the store's keyring (`keyring.rs`).

use super::keyring::{Keyring, split_opened};
use super::subject_keys::Known;
use super::*;
use crate::domain::ids::DataKeyId;
use crate::domain::sealing::DataKey;

/// A data key in the clear, as a key exchange carries it (over TLS, never in an event).
#[derive(Clone, Debug, PartialEq)]
pub struct PlainKey {
    pub id: DataKeyId,
    pub stream: StreamId,
    /// The reference of the person the key is for; none for a record's own key.
    pub subject: Option<String>,
    pub key: DataKey,
    pub made_at: i64,
}

/// A change to a stream's keys, as a server tells a device.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyChange {
    Held(PlainKey),
    Erased {
        id: DataKeyId,
        stream: StreamId,
        at: i64,
        reason: String,
    },
}

impl KeyChange {
    pub fn id(&self) -> DataKeyId {
        match self {
            KeyChange::Held(k) => k.id,
            KeyChange::Erased { id, .. } => *id,
        }
    }
}

/// Why a key offered to a store was not taken.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum KeyRefused {
    #[error(
        "data key {0} was destroyed when personal content was erased on {1}: it cannot be used again. Sync again: this device then destroys its copy, and records under a new key"
    )]
    Erased(DataKeyId, String),
    #[error("data key {0} is already held here with other key material, or for another stream")]
    Conflicting(DataKeyId),
    #[error("{0}")]
    Store(String),
}

impl From<StoreError> for KeyRefused {
    fn from(e: StoreError) -> Self {
        KeyRefused::Store(e.to_string())
    }
}

impl From<rusqlite::Error> for KeyRefused {
    fn from(e: rusqlite::Error) -> Self {
        KeyRefused::Store(e.to_string())
    }
}

/// A key already held: its stream, wrapped key (NULL once erased), when erased.
type HeldRow = (Vec<u8>, Option<Vec<u8>>, Option<i64>);

/// The number of the next change to the keys of the stream `?2`, for a store that
/// tells others of its keys (a server: found by its index on stream and number); a
/// device numbers none, and keeps no such index to write as each key is made.
fn next_seq(numbered: bool) -> &'static str {
    if numbered {
        "(SELECT coalesce(max(seq), 0) + 1 FROM data_keys WHERE stream = ?2)"
    } else {
        "NULL"
    }
}

pub(super) fn key_id(bytes: &[u8]) -> Result<DataKeyId, StoreError> {
    Ok(DataKeyId(blob_uuid(bytes)?))
}

pub(super) fn day_of(millis: i64) -> String {
    crate::dates::instant(millis)
        .map(|t| crate::dates::format_day(t.date()))
        .unwrap_or_else(|_| "an unknown day".into())
}

/// Holds `key`, wrapped under `keyring` (`sent`: whether the server has it); a key held
/// already is left as it is. `tag`: its person's (`Keyring::tag`), as the caller has
/// it.
fn hold_key(
    tx: &Connection,
    keyring: &Keyring,
    key: &PlainKey,
    tag: Option<&[u8]>,
    sent: bool,
) -> Result<(), StoreError> {
    tx.prepare_cached(&format!(
        "INSERT INTO data_keys (id, stream, subject, wrapped, made_at, sent, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, {})
         ON CONFLICT (id) DO NOTHING",
        next_seq(keyring.numbers_changes())
    ))?
    .execute(params![
        uuid_blob(&key.id.0),
        uuid_blob(&key.stream.0),
        tag,
        keyring.wrap(key.id, &key.key, key.subject.as_deref())?,
        key.made_at,
        sent
    ])?;
    Ok(())
}

/// The key for `subject` in `stream` (a new one when there is none, or none unerased),
/// or a new key of its own for a record about no named person. A person's key is
/// found in the keyring's memory of the stream's keys (`subject_keys.rs`), read whole
/// the first time, and used once this transaction finds it still held.
pub(super) fn key_for(
    tx: &Connection,
    keyring: &Keyring,
    stream: StreamId,
    subject: Option<&str>,
    now: i64,
) -> Result<(DataKeyId, DataKey), StoreError> {
    let tag = subject.map(|s| keyring.tag(s));
    if let Some(tag) = &tag {
        // At most: a key found gone, the stream read again, the key found there.
        for _ in 0..3 {
            match keyring.subjects.known(stream, tag) {
                Known::Unread => read_subject_keys(tx, keyring, stream)?,
                Known::NoKey => break,
                Known::Key(id, key) => {
                    if still_held(tx, id)? {
                        return Ok((id, key));
                    }
                    // Erased since, or made in a transaction that did not commit: the
                    // person may have another key.
                    keyring.subjects.forget(stream);
                }
            }
        }
    }
    let made = PlainKey {
        id: DataKeyId::new(),
        stream,
        subject: subject.map(str::to_string),
        key: DataKey::generate()?,
        made_at: now,
    };
    hold_key(tx, keyring, &made, tag.as_deref(), false)?;
    if let Some(tag) = tag {
        keyring
            .subjects
            .made(stream, tag, made.id, made.key.clone());
    }
    Ok((made.id, made.key))
}

/// Reads the stream's unerased keys for people into the keyring's memory (the latest
/// made for each person).
fn read_subject_keys(
    tx: &Connection,
    keyring: &Keyring,
    stream: StreamId,
) -> Result<(), StoreError> {
    let mut statement = tx.prepare_cached(
        "SELECT id, subject, wrapped FROM data_keys
         WHERE stream = ?1 AND subject IS NOT NULL AND wrapped IS NOT NULL
         ORDER BY made_at",
    )?;
    let rows = statement.query_map([uuid_blob(&stream.0)], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, Vec<u8>>(2)?,
        ))
    })?;
    let mut keys = Vec::new();
    for row in rows {
        let (id, tag, wrapped) = row?;
        let id = key_id(&id)?;
        keys.push((tag, id, keyring.unwrap(id, &wrapped)?.0));
    }
    keyring.subjects.read(stream, keys);
    Ok(())
}

/// Whether the key is held here and not erased.
fn still_held(tx: &Connection, id: DataKeyId) -> Result<bool, StoreError> {
    Ok(tx
        .prepare_cached("SELECT 1 FROM data_keys WHERE id = ?1 AND wrapped IS NOT NULL")?
        .query_row([uuid_blob(&id.0)], |_| Ok(()))
        .optional()?
        .is_some())
}

impl Store {
    /// Keys made here that the server has not taken yet.
    pub fn keys_to_send(&self) -> Result<Vec<PlainKey>, StoreError> {
        let mut statement = self.conn.prepare_cached(
            "SELECT id, stream, wrapped, made_at FROM data_keys
             WHERE sent = 0 AND wrapped IS NOT NULL",
        )?;
        let rows = statement.query_map([], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        let mut keys = Vec::new();
        for row in rows {
            let (id, stream, wrapped, made_at) = row?;
            let id = key_id(&id)?;
            let (key, subject) = self.keyring.unwrap(id, &wrapped)?;
            keys.push(PlainKey {
                id,
                stream: StreamId(blob_uuid(&stream)?),
                subject,
                key,
                made_at,
            });
        }
        Ok(keys)
    }

    /// Notes that the server took these keys.
    pub fn keys_sent(&self, ids: &[DataKeyId]) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        for id in ids {
            tx.prepare_cached("UPDATE data_keys SET sent = 1 WHERE id = ?1")?
                .execute([uuid_blob(&id.0)])?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The last change to each stream's keys this device has taken (0: none).
    pub fn key_cursor(&self, stream: StreamId) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT seq FROM key_cursors WHERE stream = ?1")?
            .query_row([uuid_blob(&stream.0)], |r| r.get(0))
            .optional()?
            .unwrap_or(0))
    }

    /// Takes changes to the keys from the server: keys to hold, keys destroyed. An
    /// erased key is destroyed here in the same transaction that moves the stream's
    /// cursor past it, and the store's log is then emptied of the pages that held it.
    /// Gives how many keys were destroyed.
    pub fn take_key_changes(&mut self, changes: &[(i64, KeyChange)]) -> Result<usize, StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        let mut destroyed = 0;
        for (seq, change) in changes {
            match change {
                KeyChange::Held(k) => {
                    let tag = k.subject.as_deref().map(|s| self.keyring.tag(s));
                    hold_key(&tx, &self.keyring, k, tag.as_deref(), true)?;
                    note_cursor(&tx, k.stream, *seq)?;
                    self.keyring.subjects.forget(k.stream);
                }
                KeyChange::Erased {
                    id,
                    stream,
                    at,
                    reason,
                } => {
                    destroyed += destroy_key(
                        &tx,
                        *id,
                        *stream,
                        *at,
                        reason,
                        self.keyring.numbers_changes(),
                    )?;
                    note_cursor(&tx, *stream, *seq)?;
                    self.keyring.subjects.forget(*stream);
                }
            }
        }
        tx.commit()?;
        if destroyed > 0 {
            self.empty_log();
        }
        Ok(destroyed)
    }

    /// Takes keys a device made (a server taking them at sync). A key it holds already
    /// with the same material is taken again without change.
    pub fn offer_keys(&mut self, keys: &[PlainKey]) -> Result<(), KeyRefused> {
        let tx = self.conn.unchecked_transaction()?;
        for k in keys {
            let held: Option<HeldRow> = tx
                .prepare_cached("SELECT stream, wrapped, erased_at FROM data_keys WHERE id = ?1")?
                .query_row([uuid_blob(&k.id.0)], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .optional()?;
            match held {
                None => {
                    let tag = k.subject.as_deref().map(|s| self.keyring.tag(s));
                    // Made before its person's content was erased: erased with it.
                    let erased: Option<(i64, String)> = match &tag {
                        Some(tag) => tx
                            .prepare_cached(
                                "SELECT erased_at, erasure FROM erased_subjects WHERE subject = ?1",
                            )?
                            .query_row([tag], |r| Ok((r.get(0)?, r.get(1)?)))
                            .optional()?
                            .filter(|(at, _)| k.made_at <= *at),
                        None => None,
                    };
                    if let Some((at, reason)) = erased {
                        destroy_key(
                            &tx,
                            k.id,
                            k.stream,
                            at,
                            &reason,
                            self.keyring.numbers_changes(),
                        )?;
                        continue;
                    }
                    hold_key(&tx, &self.keyring, k, tag.as_deref(), true)?;
                    self.keyring.subjects.forget(k.stream);
                }
                Some((_, None, at)) => {
                    return Err(KeyRefused::Erased(k.id, day_of(at.unwrap_or(0))));
                }
                Some((stream, Some(wrapped), _)) => {
                    let (key, _) = self.keyring.unwrap(k.id, &wrapped)?;
                    if key != k.key || stream != uuid_blob(&k.stream.0) {
                        return Err(KeyRefused::Conflicting(k.id));
                    }
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Checkpoints the write-ahead log and truncates it, so pages that held a
    /// destroyed key are not left in it. Best effort: a reader holding an old snapshot
    /// keeps the log until it finishes, and the next erasure or checkpoint empties it.
    pub fn empty_log(&self) {
        let _ = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    }
}

fn note_cursor(tx: &Connection, stream: StreamId, seq: i64) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO key_cursors (stream, seq) VALUES (?1, ?2)
         ON CONFLICT (stream) DO UPDATE SET seq = max(seq, excluded.seq)",
    )?
    .execute(params![uuid_blob(&stream.0), seq])?;
    Ok(())
}

/// Destroys a data key, keeping when and why (a row for it if there was none, so a key
/// that arrives later is known as erased), as a server does: numbered as a change to
/// the stream's keys, for the devices to hear of. Gives 1 when key material was
/// destroyed.
pub fn erase_key(
    tx: &Connection,
    id: DataKeyId,
    stream: StreamId,
    at: i64,
    reason: &str,
) -> Result<usize, StoreError> {
    destroy_key(tx, id, stream, at, reason, true)
}

/// `erase_key`, numbered as a change or not (`next_seq`).
fn destroy_key(
    tx: &Connection,
    id: DataKeyId,
    stream: StreamId,
    at: i64,
    reason: &str,
    numbered: bool,
) -> Result<usize, StoreError> {
    let held: Option<bool> = tx
        .prepare_cached("SELECT wrapped IS NOT NULL FROM data_keys WHERE id = ?1")?
        .query_row([uuid_blob(&id.0)], |r| r.get(0))
        .optional()?;
    match held {
        Some(false) => Ok(0),
        Some(true) => {
            tx.prepare_cached(&format!(
                "UPDATE data_keys SET wrapped = NULL, subject = NULL, erased_at = ?3, erasure = ?4,
                 seq = {} WHERE id = ?1",
                next_seq(numbered)
            ))?
            .execute(params![uuid_blob(&id.0), uuid_blob(&stream.0), at, reason])?;
            Ok(1)
        }
        None => {
            tx.prepare_cached(&format!(
                "INSERT INTO data_keys (id, stream, subject, wrapped, made_at, erased_at, erasure, sent, seq)
                 VALUES (?1, ?2, NULL, NULL, ?3, ?3, ?4, 1, {})",
                next_seq(numbered)
            ))?
            .execute(params![uuid_blob(&id.0), uuid_blob(&stream.0), at, reason])?;
            Ok(0)
        }
    }
}

/// Notes that the content of the person `tag` names was erased at `at` (why:
/// `reason`), so a key made for them before then and given later is erased on arrival.
pub fn note_subject_erased(
    tx: &Connection,
    tag: &[u8],
    at: i64,
    reason: &str,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO erased_subjects (subject, erased_at, erasure) VALUES (?1, ?2, ?3)
         ON CONFLICT (subject) DO UPDATE SET erased_at = excluded.erased_at, erasure = excluded.erasure",
    )?
    .execute(params![tag, at, reason])?;
    Ok(())
}

/// Changes to `stream`'s keys after `since`, in order, with each change's number (a
/// store that numbers none, a device, gives all it holds, numbered 0).
pub fn key_changes(
    conn: &Connection,
    stream: StreamId,
    since: i64,
) -> Result<Vec<(i64, KeyChange)>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT id, coalesce(seq, 0), praxis_open_key(id, wrapped), made_at, erased_at, erasure
         FROM data_keys WHERE stream = ?1 AND (seq > ?2 OR seq IS NULL) ORDER BY seq",
    )?;
    let rows = statement.query_map(params![uuid_blob(&stream.0), since], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Option<Vec<u8>>>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, Option<i64>>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    let mut changes = Vec::new();
    for row in rows {
        let (id, seq, opened, made_at, erased_at, erasure) = row?;
        let id = key_id(&id)?;
        changes.push((
            seq,
            match opened {
                Some(plain) => {
                    let (key, subject) = split_opened(&plain)?;
                    KeyChange::Held(PlainKey {
                        id,
                        stream,
                        subject,
                        key,
                        made_at,
                    })
                }
                None => KeyChange::Erased {
                    id,
                    stream,
                    at: erased_at.unwrap_or(made_at),
                    reason: erasure.unwrap_or_default(),
                },
            },
        ));
    }
    Ok(changes)
}

/// The unerased keys of the person `tag` names (`Keyring::tag`), in every stream.
pub fn keys_of_subject(
    conn: &Connection,
    tag: &[u8],
) -> Result<Vec<(DataKeyId, StreamId)>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT id, stream FROM data_keys WHERE subject = ?1 AND wrapped IS NOT NULL ORDER BY stream",
    )?;
    let rows = statement.query_map([tag], |r| {
        Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    let mut keys = Vec::new();
    for row in rows {
        let (id, stream) = row?;
        keys.push((key_id(&id)?, StreamId(blob_uuid(&stream)?)));
    }
    Ok(keys)
}

/// A key, with the keyed hash of the reference of the person it is for (none for a
/// record's own key).
pub type KeyOfSubject = (DataKeyId, Option<Vec<u8>>);

/// The keys of `stream` not erased.
pub fn held_keys(conn: &Connection, stream: StreamId) -> Result<Vec<KeyOfSubject>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT id, subject FROM data_keys WHERE stream = ?1 AND wrapped IS NOT NULL ORDER BY seq",
    )?;
    let rows = statement.query_map([uuid_blob(&stream.0)], |r| {
        Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Option<Vec<u8>>>(1)?))
    })?;
    let mut keys = Vec::new();
    for row in rows {
        let (id, subject) = row?;
        keys.push((key_id(&id)?, subject));
    }
    Ok(keys)
}
