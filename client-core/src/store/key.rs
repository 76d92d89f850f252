//! The key a device store is encrypted under. The whole file (and its write-ahead log)
//! is encrypted by SQLCipher, so a lost phone gives nothing away; the app keeps the key
//! in the platform's keystore (Android Keystore, iOS Keychain), never beside the store.

use super::StoreError;
use rusqlite::Connection;
use std::fmt;

/// A 256-bit key, used by SQLCipher as it is (no passphrase stretching, so opening a
/// store costs no key derivation: the keystore already guards the key).
#[derive(Clone, PartialEq, Eq)]
pub struct StoreKey([u8; StoreKey::LEN]);

impl StoreKey {
    /// How many bytes a key has.
    pub const LEN: usize = 32;

    /// A key from the bytes the platform's keystore holds.
    pub fn from_bytes(bytes: &[u8]) -> Result<StoreKey, StoreError> {
        let key: [u8; StoreKey::LEN] = bytes.try_into().map_err(|_| {
            StoreError::BadKey(format!(
                "a store key is {} bytes (256 bits) and this one has {}; give the key this store was created with, or make a new one of {} random bytes",
                StoreKey::LEN,
                bytes.len(),
                StoreKey::LEN
            ))
        })?;
        Ok(StoreKey(key))
    }

    /// A key written as 64 hexadecimal digits (as a key file or `PRAXIS_KEY` holds it).
    pub fn from_hex(text: &str) -> Result<StoreKey, StoreError> {
        let text = text.trim();
        let digits: Option<Vec<u8>> = text
            .as_bytes()
            .chunks(2)
            .map(|pair| {
                std::str::from_utf8(pair)
                    .ok()
                    .filter(|p| p.len() == 2)
                    .and_then(|p| u8::from_str_radix(p, 16).ok())
            })
            .collect();
        match digits {
            Some(bytes) if bytes.len() == StoreKey::LEN => StoreKey::from_bytes(&bytes),
            _ => Err(StoreError::BadKey(format!(
                "a store key is written as {} hexadecimal digits (0-9, a-f); this one is not",
                StoreKey::LEN * 2
            ))),
        }
    }

    /// A new random key, for a new store.
    pub fn generate() -> Result<StoreKey, StoreError> {
        let mut key = [0u8; StoreKey::LEN];
        getrandom::fill(&mut key).map_err(|e| {
            StoreError::BadKey(format!("this device could not make a random key ({e})"))
        })?;
        Ok(StoreKey(key))
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Keys a connection before anything else touches the file, as SQLCipher requires.
    pub(super) fn apply(&self, conn: &Connection) -> Result<(), rusqlite::Error> {
        // A raw key is given as a blob literal inside the string: `"x'…'"`. Hex digits
        // only, so nothing can escape the literal.
        conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", self.to_hex()))
    }

    /// A connection opened by `open` and keyed. SQLCipher's keying of a connection
    /// (its codec context, with a fresh salt from its random generator for a new
    /// file) has been seen to fail once in passing, with many stores being opened at
    /// once on a loaded machine; a connection whose keying failed is left read-only,
    /// so a new one is opened and keyed again, a few times at most.
    pub(super) fn keyed(
        &self,
        open: impl Fn() -> Result<Connection, rusqlite::Error>,
    ) -> Result<Connection, rusqlite::Error> {
        let mut tries = 0;
        loop {
            let conn = open()?;
            match self.apply(&conn) {
                Ok(()) => return Ok(conn),
                Err(_) if tries < 2 => {
                    tries += 1;
                    drop(conn);
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(e) => return Err(e),
            }
        }
    }
}

/// A key is never printed, not even in a debug dump.
impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoreKey(…)")
    }
}

/// SQLCipher reports a failed decryption on stderr as well as to the caller; the caller
/// is told (as a `WrongKey` error), so its own log lines would only leak into a
/// terminal or a phone's log.
pub(super) fn quiet_cipher_log(conn: &Connection) -> Result<(), rusqlite::Error> {
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")
}
