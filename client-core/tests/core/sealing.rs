//! Sealing: an observation sealed under a data key opens with that key only, and its
//! bytes hold neither its text nor the reference of the person it is about.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::domain::event::{Observation, ObservationKind, SealedObservation};
use praxis_core::domain::ids::DataKeyId;
use praxis_core::domain::sealing::{DataKey, SealError};
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
