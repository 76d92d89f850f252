//! Personal content sealed under data keys (schema 5): the keys and the sealing; what
//! is sealed is the event's business (`event::SealedObservation`). An observation's
//! text and the reference to the person it is about are kept, in the event and
//! everywhere the event goes, only as ciphertext under a data key: one per person referred to in a stream,
//! or one for a record about no named person. Destroying the key erases the content
//! everywhere at once, while the event, its hash and its place in the history stay.
//!
//! XChaCha20-Poly1305: a random 192-bit nonce per seal (no counter to keep), and the
//! key's id as associated data, so a sealed content cannot be passed off under another
//! key.

use super::ids::DataKeyId;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A 256-bit data key. Never printed, never in an event.
#[derive(Clone, PartialEq, Eq)]
pub struct DataKey([u8; 32]);

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DataKey(..)")
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SealError {
    #[error("a data key is 32 bytes, not {0}")]
    KeyLength(usize),
    #[error(
        "the sealed content does not open with its key: it was altered, or the key is not the one it was sealed under"
    )]
    DoesNotOpen,
    #[error("the sealed content opened but is not what it should be ({0})")]
    Malformed(String),
    #[error("no random bytes from the system: {0}")]
    NoRandomness(String),
}

fn random<const N: usize>() -> Result<[u8; N], SealError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| SealError::NoRandomness(e.to_string()))?;
    Ok(bytes)
}

impl DataKey {
    pub fn generate() -> Result<DataKey, SealError> {
        Ok(DataKey(random()?))
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<DataKey, SealError> {
        Ok(DataKey(
            bytes
                .try_into()
                .map_err(|_| SealError::KeyLength(bytes.len()))?,
        ))
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// `plain` sealed under this key, bound to `aad`.
    pub fn seal_bytes(&self, aad: &[u8], plain: &[u8]) -> Result<(Vec<u8>, [u8; 24]), SealError> {
        let nonce: [u8; 24] = random()?;
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        let ciphertext = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plain, aad })
            .map_err(|_| SealError::Malformed("the content could not be sealed".into()))?;
        Ok((ciphertext, nonce))
    }

    pub fn open_bytes(
        &self,
        aad: &[u8],
        nonce: &[u8; 24],
        ciphertext: &[u8],
    ) -> Result<Vec<u8>, SealError> {
        let cipher = XChaCha20Poly1305::new((&self.0).into());
        cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad,
                },
            )
            .map_err(|_| SealError::DoesNotOpen)
    }
}

/// Content sealed under the data key `key`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sealed {
    pub key: DataKeyId,
    pub nonce: [u8; 24],
    pub ciphertext: Vec<u8>,
}

impl Sealed {
    /// `value` sealed under `key`, bound to the key's id.
    pub fn seal<T: Serialize>(
        key_id: DataKeyId,
        key: &DataKey,
        value: &T,
    ) -> Result<Sealed, SealError> {
        let plain = postcard::to_stdvec(value).map_err(|e| SealError::Malformed(e.to_string()))?;
        let (ciphertext, nonce) = key.seal_bytes(key_id.as_uuid().as_bytes(), &plain)?;
        Ok(Sealed {
            key: key_id,
            nonce,
            ciphertext,
        })
    }

    /// The value sealed, opened with `key`.
    pub fn open<T: for<'de> Deserialize<'de>>(&self, key: &DataKey) -> Result<T, SealError> {
        let plain = key.open_bytes(self.key.as_uuid().as_bytes(), &self.nonce, &self.ciphertext)?;
        let (value, rest) =
            postcard::take_from_bytes(&plain).map_err(|e| SealError::Malformed(e.to_string()))?;
        if !rest.is_empty() {
            return Err(SealError::Malformed(format!(
                "{} bytes after its end",
                rest.len()
            )));
        }
        Ok(value)
    }
}
