//! The data keys a store holds (`006_data_keys.sql`): made when an observation is
//! sealed, taken from and given to the server at sync, destroyed when erased. Every
//! key is kept wrapped under the store's `Keyring`; SQLite itself never sees one in
//! the clear, and reads open sealed content through `praxis_open_key`, a function the
//! keyring registers on each connection that reads the store.

use super::*;
use crate::domain::event::{Observation, Replacement};
use crate::domain::ids::DataKeyId;
use crate::domain::record::Record;
use crate::domain::sealing::{DataKey, SealError, SealedObservation};
use rusqlite::functions::FunctionFlags;
use sha2::{Digest, Sha256};
use std::sync::Arc;

impl From<SealError> for StoreError {
    fn from(e: SealError) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

/// What a store wraps its data keys under, and the key it hashes a person's reference
/// with: both derived from one 256-bit secret (a device's own, in its `meta`; a server's
/// master key).
pub struct Keyring {
    wrapping: DataKey,
    tagging: [u8; 32],
}

fn derive(purpose: &str, secret: &[u8; 32]) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(purpose.as_bytes());
    hash.update([0u8]);
    hash.update(secret);
    hash.finalize().into()
}

/// The id a keyring's check value is sealed under (no data key has it).
const CHECK_ID: [u8; 16] = [0xff; 16];

impl Keyring {
    pub fn from_secret(secret: &[u8; 32]) -> Keyring {
        Keyring {
            wrapping: DataKey::from_bytes(&derive("praxis data key wrapping", secret))
                .unwrap_or_else(|_| unreachable!("32 bytes")),
            tagging: derive("praxis subject reference", secret),
        }
    }

    /// A new random secret.
    pub fn new_secret() -> Result<[u8; 32], StoreError> {
        Ok(*DataKey::generate()?.as_bytes())
    }

    /// The keyed hash a person's reference is found by.
    pub fn tag(&self, reference: &str) -> Vec<u8> {
        let mut hash = Sha256::new();
        hash.update(self.tagging);
        hash.update(reference.trim().as_bytes());
        hash.finalize().to_vec()
    }

    /// The key and the reference it is for, sealed under this keyring: nonce, then
    /// ciphertext.
    fn wrap(
        &self,
        id: DataKeyId,
        key: &DataKey,
        reference: Option<&str>,
    ) -> Result<Vec<u8>, StoreError> {
        let mut plain = key.as_bytes().to_vec();
        plain.extend_from_slice(reference.unwrap_or("").as_bytes());
        let (ciphertext, nonce) = self.wrapping.seal_bytes(id.as_uuid().as_bytes(), &plain)?;
        let mut wrapped = nonce.to_vec();
        wrapped.extend_from_slice(&ciphertext);
        Ok(wrapped)
    }

    fn unwrap_raw(&self, id: &[u8], wrapped: &[u8]) -> Result<Vec<u8>, SealError> {
        let (nonce, ciphertext) = wrapped.split_at_checked(24).ok_or(SealError::DoesNotOpen)?;
        let nonce: [u8; 24] = nonce.try_into().map_err(|_| SealError::DoesNotOpen)?;
        self.wrapping.open_bytes(id, &nonce, ciphertext)
    }

    fn unwrap(
        &self,
        id: DataKeyId,
        wrapped: &[u8],
    ) -> Result<(DataKey, Option<String>), StoreError> {
        split_opened(&self.unwrap_raw(id.as_uuid().as_bytes(), wrapped)?)
    }

    /// A value sealed under this keyring, kept to tell at start whether a master key is
    /// the one a store's keys were wrapped under.
    pub fn check_value(&self) -> Result<String, StoreError> {
        let id = DataKeyId(uuid::Uuid::from_bytes(CHECK_ID));
        let key = DataKey::from_bytes(&[0u8; 32])?;
        Ok(hex::encode(self.wrap(id, &key, None)?))
    }

    /// Whether `check` (from `check_value`) was made by this keyring.
    pub fn checks(&self, check: &str) -> bool {
        hex::decode(check)
            .ok()
            .is_some_and(|bytes| self.unwrap_raw(&CHECK_ID, &bytes).is_ok())
    }
}

fn split_opened(plain: &[u8]) -> Result<(DataKey, Option<String>), StoreError> {
    let (key, reference) = plain
        .split_at_checked(32)
        .ok_or_else(|| StoreError::Corrupt("a wrapped data key is cut short".into()))?;
    let reference = String::from_utf8(reference.to_vec())
        .map_err(|_| StoreError::Corrupt("a data key's reference is not text".into()))?;
    Ok((
        DataKey::from_bytes(key)?,
        Some(reference).filter(|r| !r.is_empty()),
    ))
}

/// Registers `praxis_open_key(id, wrapped)` on `conn`: the key and its reference,
/// opened with `keyring`; NULL for an erased key.
pub fn configure_sealing(conn: &Connection, keyring: Arc<Keyring>) -> Result<(), rusqlite::Error> {
    conn.create_scalar_function(
        "praxis_open_key",
        2,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        move |ctx| {
            let id: Vec<u8> = ctx.get(0)?;
            let Some(wrapped) = ctx.get::<Option<Vec<u8>>>(1)? else {
                return Ok(None);
            };
            keyring.unwrap_raw(&id, &wrapped).map(Some).map_err(|_| {
                rusqlite::Error::UserFunctionError(
                    "a data key does not open with this store's keyring: the server was started with another master key"
                        .into(),
                )
            })
        },
    )
}

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

/// A key as a read finds it: opened (NULL once erased), when and why erased.
type KeyRow = (Option<Vec<u8>>, Option<i64>, Option<String>);
/// A key already held: its stream, wrapped key (NULL once erased), when erased.
type HeldRow = (Vec<u8>, Option<Vec<u8>>, Option<i64>);

const NEXT_SEQ: &str = "(SELECT coalesce(max(seq), 0) + 1 FROM data_keys)";

fn key_id(bytes: &[u8]) -> Result<DataKeyId, StoreError> {
    Ok(DataKeyId(blob_uuid(bytes)?))
}

fn day_of(millis: i64) -> String {
    crate::dates::instant(millis)
        .map(|t| crate::dates::format_day(t.date()))
        .unwrap_or_else(|_| "an unknown day".into())
}

/// The key for `subject` in `stream` (a new one when there is none, or none unerased),
/// or a new key of its own for a record about no named person.
fn key_for(
    tx: &Connection,
    keyring: &Keyring,
    stream: StreamId,
    subject: Option<&str>,
    now: i64,
) -> Result<(DataKeyId, DataKey), StoreError> {
    let tag = subject.map(|s| keyring.tag(s));
    if let Some(tag) = &tag {
        let held: Option<(Vec<u8>, Vec<u8>)> = tx
            .prepare_cached(
                "SELECT id, wrapped FROM data_keys
                 WHERE subject = ?1 AND stream = ?2 AND wrapped IS NOT NULL
                 ORDER BY made_at DESC LIMIT 1",
            )?
            .query_row(params![tag, uuid_blob(&stream.0)], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        if let Some((id, wrapped)) = held {
            let id = key_id(&id)?;
            return Ok((id, keyring.unwrap(id, &wrapped)?.0));
        }
    }
    let id = DataKeyId::new();
    let key = DataKey::generate()?;
    tx.prepare_cached(&format!(
        "INSERT INTO data_keys (id, stream, subject, wrapped, made_at, sent, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, 0, {NEXT_SEQ})"
    ))?
    .execute(params![
        uuid_blob(&id.0),
        uuid_blob(&stream.0),
        tag,
        keyring.wrap(id, &key, subject)?,
        now
    ])?;
    Ok((id, key))
}

/// `event` as it is recorded: an observation (or a correction of one) sealed under its
/// person's key in the stream; any other event as it is.
pub(super) fn seal_event(
    tx: &Connection,
    keyring: &Keyring,
    stream: StreamId,
    event: Event,
    now: i64,
) -> Result<Event, StoreError> {
    let seal = |o: &Observation| -> Result<SealedObservation, StoreError> {
        let (id, key) = key_for(tx, keyring, stream, o.subject.as_deref(), now)?;
        Ok(SealedObservation::seal(o, id, &key)?)
    };
    Ok(match event {
        Event::ObservationRecorded(o) => Event::ObservationSealed(seal(&o)?),
        Event::Correction {
            corrects,
            reason,
            replacement: Some(Replacement::Observation(o)),
        } => Event::Correction {
            corrects,
            reason,
            replacement: Some(Replacement::SealedObservation(seal(&o)?)),
        },
        other => other,
    })
}

/// `event` as readers show it: sealed content opened with its key, or, when the key was
/// erased or is not held here, the words saying so in its place.
pub fn open_event(conn: &Connection, event: Event) -> Result<Event, StoreError> {
    let Event::ObservationSealed(sealed) = &event else {
        return Ok(event);
    };
    let found: Option<KeyRow> = conn
        .prepare_cached(
            "SELECT praxis_open_key(id, wrapped), erased_at, erasure FROM data_keys WHERE id = ?1",
        )?
        .query_row([uuid_blob(&sealed.key().0)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let observation = match found {
        Some((Some(plain), _, _)) => {
            let (key, _) = split_opened(&plain)?;
            sealed.open(&key).unwrap_or_else(|e| {
                sealed.without_content(format!("sealed content that does not open ({e})"))
            })
        }
        Some((None, at, reason)) => sealed.without_content(format!(
            "erased on {} ({})",
            at.map(day_of).unwrap_or_else(|| "an unknown day".into()),
            reason.unwrap_or_default()
        )),
        None => sealed.without_content("sealed under a key not held here".into()),
    };
    Ok(Event::ObservationRecorded(observation))
}

/// `record` as readers show it (see `open_event`): for views folded in memory from a
/// store's events, shown as the store shows its own.
pub fn open_record(conn: &Connection, mut record: Record) -> Result<Record, StoreError> {
    record.content = open_event(conn, record.content)?;
    Ok(record)
}

impl Store {
    /// Uses `secret` (a server's master key) to wrap and open this store's data keys,
    /// on this connection and on `also` (read connections). Refused when the store's keys
    /// were wrapped under another master key.
    pub fn use_master_key(&mut self, secret: &[u8; 32]) -> Result<(), StoreError> {
        let keyring = Keyring::from_secret(secret);
        match self.setting("master_key_check")? {
            Some(check) if !keyring.checks(&check) => {
                return Err(StoreError::WrongMasterKey);
            }
            Some(_) => {}
            None => self.set_setting("master_key_check", &keyring.check_value()?)?,
        }
        let keyring = Arc::new(keyring);
        configure_sealing(&self.conn, keyring.clone())?;
        self.keyring = keyring;
        Ok(())
    }

    /// The keyring this store wraps its data keys under.
    pub fn keyring(&self) -> Arc<Keyring> {
        self.keyring.clone()
    }

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
                    tx.prepare_cached(&format!(
                        "INSERT INTO data_keys (id, stream, subject, wrapped, made_at, sent, seq)
                         VALUES (?1, ?2, ?3, ?4, ?5, 1, {NEXT_SEQ})
                         ON CONFLICT (id) DO NOTHING"
                    ))?
                    .execute(params![
                        uuid_blob(&k.id.0),
                        uuid_blob(&k.stream.0),
                        tag,
                        self.keyring.wrap(k.id, &k.key, k.subject.as_deref())?,
                        k.made_at
                    ])?;
                    note_cursor(&tx, k.stream, *seq)?;
                }
                KeyChange::Erased {
                    id,
                    stream,
                    at,
                    reason,
                } => {
                    destroyed += erase_key(&tx, *id, *stream, *at, reason)?;
                    note_cursor(&tx, *stream, *seq)?;
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
                    tx.prepare_cached(&format!(
                        "INSERT INTO data_keys (id, stream, subject, wrapped, made_at, sent, seq)
                         VALUES (?1, ?2, ?3, ?4, ?5, 1, {NEXT_SEQ})"
                    ))?
                    .execute(params![
                        uuid_blob(&k.id.0),
                        uuid_blob(&k.stream.0),
                        tag,
                        self.keyring.wrap(k.id, &k.key, k.subject.as_deref())?,
                        k.made_at
                    ])?;
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
/// that arrives later is known as erased). Gives 1 when key material was destroyed.
pub fn erase_key(
    tx: &Connection,
    id: DataKeyId,
    stream: StreamId,
    at: i64,
    reason: &str,
) -> Result<usize, StoreError> {
    let held: Option<bool> = tx
        .prepare_cached("SELECT wrapped IS NOT NULL FROM data_keys WHERE id = ?1")?
        .query_row([uuid_blob(&id.0)], |r| r.get(0))
        .optional()?;
    match held {
        Some(false) => Ok(0),
        Some(true) => {
            tx.prepare_cached(&format!(
                "UPDATE data_keys SET wrapped = NULL, subject = NULL, erased_at = ?2, erasure = ?3,
                 seq = {NEXT_SEQ} WHERE id = ?1"
            ))?
            .execute(params![uuid_blob(&id.0), at, reason])?;
            Ok(1)
        }
        None => {
            tx.prepare_cached(&format!(
                "INSERT INTO data_keys (id, stream, subject, wrapped, made_at, erased_at, erasure, sent, seq)
                 VALUES (?1, ?2, NULL, NULL, ?3, ?3, ?4, 1, {NEXT_SEQ})"
            ))?
            .execute(params![uuid_blob(&id.0), uuid_blob(&stream.0), at, reason])?;
            Ok(0)
        }
    }
}

/// Changes to `stream`'s keys after `since`, in order, with each change's number.
pub fn key_changes(
    conn: &Connection,
    stream: StreamId,
    since: i64,
) -> Result<Vec<(i64, KeyChange)>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT id, seq, praxis_open_key(id, wrapped), made_at, erased_at, erasure
         FROM data_keys WHERE stream = ?1 AND seq > ?2 ORDER BY seq",
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
