//! What a store wraps its data keys under (`Keyring`): a device's own secret, kept in
//! its encrypted `meta`, or a server's master key. SQLite never sees a data key in the
//! clear: reads open sealed content through `praxis_open_key`, a function the keyring
//! registers on each connection that reads the store.

use super::*;
use crate::domain::ids::DataKeyId;
use crate::domain::sealing::{DataKey, SealError};
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
    /// The keys opened for people's records, by stream (`subject_keys.rs`).
    pub(super) subjects: super::subject_keys::SubjectKeys,
    /// Whether each change to the keys is numbered, for others to ask what changed
    /// since (a server's master key); a device's keys are not.
    numbers_changes: bool,
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
            subjects: Default::default(),
            numbers_changes: false,
        }
    }

    /// A server's keyring, from its master key: it numbers each change to the keys.
    pub fn from_master_key(secret: &[u8; 32]) -> Keyring {
        Keyring {
            numbers_changes: true,
            ..Keyring::from_secret(secret)
        }
    }

    pub(super) fn numbers_changes(&self) -> bool {
        self.numbers_changes
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
    pub(super) fn wrap(
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

    pub(super) fn unwrap(
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

pub(super) fn split_opened(plain: &[u8]) -> Result<(DataKey, Option<String>), StoreError> {
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

impl Store {
    /// Uses `secret` (a server's master key) to wrap and open this store's data keys,
    /// on this connection and on `also` (read connections). Refused when the store's keys
    /// were wrapped under another master key.
    pub fn use_master_key(&mut self, secret: &[u8; 32]) -> Result<(), StoreError> {
        let keyring = Keyring::from_master_key(secret);
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
}
