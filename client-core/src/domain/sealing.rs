//! Personal content sealed under data keys (schema 5). An observation's text and the
//! reference to the person it is about are kept, in the event and everywhere the event
//! goes, only as ciphertext under a data key: one per person referred to in a stream,
//! or one for a record about no named person. Destroying the key erases the content
//! everywhere at once, while the event, its hash and its place in the history stay.
//!
//! XChaCha20-Poly1305: a random 192-bit nonce per seal (no counter to keep), and the
//! key's id as associated data, so a sealed content cannot be passed off under another
//! key.

use super::event::{Observation, ObservationKind};
use super::ids::{DataKeyId, EventId};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use std::fmt;
use time::Date;

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
    fn seal<T: Serialize>(
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

    fn open<T: for<'de> Deserialize<'de>>(&self, key: &DataKey) -> Result<T, SealError> {
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

/// The personal part of an observation: what is sealed.
#[derive(Serialize, Deserialize)]
struct ObservationContent {
    subject: Option<String>,
    text: String,
}

/// An observation or case material whose text and subject reference are sealed. What
/// it is, the cycle it belongs to and the day it was observed stay in the clear: they
/// place the record in the history and say nothing about a person.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SealedObservation {
    pub kind: ObservationKind,
    pub cycle: Option<EventId>,
    pub observed_on: Date,
    pub content: Sealed,
}

impl SealedObservation {
    pub fn seal(
        observation: &Observation,
        key_id: DataKeyId,
        key: &DataKey,
    ) -> Result<SealedObservation, SealError> {
        Ok(SealedObservation {
            kind: observation.kind,
            cycle: observation.cycle,
            observed_on: observation.observed_on,
            content: Sealed::seal(
                key_id,
                key,
                &ObservationContent {
                    subject: observation.subject.clone(),
                    text: observation.text.clone(),
                },
            )?,
        })
    }

    pub fn key(&self) -> DataKeyId {
        self.content.key
    }

    /// The observation as recorded, opened with its key.
    pub fn open(&self, key: &DataKey) -> Result<Observation, SealError> {
        let content: ObservationContent = self.content.open(key)?;
        Ok(Observation {
            kind: self.kind,
            cycle: self.cycle,
            subject: content.subject,
            observed_on: self.observed_on,
            text: content.text,
        })
    }

    /// The observation as every reader shows it once its key is destroyed (or when the
    /// key is not held here): `in_place` stands where its text was; no subject.
    pub fn without_content(&self, in_place: String) -> Observation {
        Observation {
            kind: self.kind,
            cycle: self.cycle,
            subject: None,
            observed_on: self.observed_on,
            text: in_place,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn observation() -> Observation {
        Observation {
            kind: ObservationKind::CaseMaterial,
            cycle: None,
            subject: Some("P-0413".into()),
            observed_on: date!(2026 - 03 - 10),
            text: "Mrs A said the new visit times suit her".into(),
        }
    }

    #[test]
    fn a_sealed_observation_opens_with_its_key_only() {
        let key = DataKey::generate().unwrap();
        let id = DataKeyId::new();
        let sealed = SealedObservation::seal(&observation(), id, &key).unwrap();
        let bytes = postcard::to_stdvec(&sealed).unwrap();
        assert!(!bytes.windows(6).any(|w| w == b"P-0413"));
        assert!(!bytes.windows(8).any(|w| w == b"Mrs A sa"));
        assert_eq!(sealed.open(&key).unwrap(), observation());
        let other = DataKey::generate().unwrap();
        assert_eq!(sealed.open(&other), Err(SealError::DoesNotOpen));
        let mut moved = sealed.clone();
        moved.content.key = DataKeyId::new();
        assert_eq!(moved.open(&key), Err(SealError::DoesNotOpen));
        let mut altered = sealed;
        altered.content.ciphertext[0] ^= 1;
        assert_eq!(altered.open(&key), Err(SealError::DoesNotOpen));
    }
}
