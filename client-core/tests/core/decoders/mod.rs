//! Bad input into every decoder gives a clear error, never a panic, and a merge of bad
//! changes changes nothing: not the events, not the views, not the stream's document.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use crate::common::samples::{all_sample_envelopes, envelope, sample_event};
use praxis_core::domain::envelope::{Body, DecodeError, Envelope, MAX_EVENT_BYTES};
use praxis_core::domain::event::{Event, EventKind, Observation, ObservationKind};
use praxis_core::domain::ids::{DeviceId, StreamId};
use praxis_core::replication::{ReplicationError, StreamDocument};
use praxis_core::store::{Store, StoreError, StoredRecord, decode_stored, queries};
use proptest::prelude::*;
use std::path::Path;

fn proptest_config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---- Envelope::decode ----

#[test]
fn garbage_is_not_an_event() {
    for garbage in [
        &b""[..],
        &b"\x00"[..],
        &b"not a Praxis event at all"[..],
        &[0xff; 64][..],
    ] {
        let err = Envelope::decode(garbage).expect_err("garbage decoded");
        assert!(matches!(err, DecodeError::Malformed(_)), "{err:?}");
        assert!(err.to_string().contains("not a Praxis event"), "{err}");
    }
    // Bytes that happen to read as an envelope's fields still fail as a whole.
    let err = Envelope::decode(&[0x10; 200]).expect_err("garbage decoded");
    assert_eq!(err, DecodeError::TrailingBytes(112));
}

#[test]
fn every_truncation_of_every_event_is_an_error() {
    for envelope in all_sample_envelopes() {
        let bytes = envelope.encode();
        for end in 0..bytes.len() {
            match Envelope::decode(&bytes[..end]) {
                Err(DecodeError::Malformed(_)) => {}
                other => panic!(
                    "{} cut to {end} of {} bytes gave {other:?}",
                    envelope.kind_name(),
                    bytes.len()
                ),
            }
        }
    }
}

#[test]
fn an_event_with_bytes_after_its_end_is_refused() {
    for envelope in all_sample_envelopes() {
        let mut bytes = envelope.encode();
        bytes.extend_from_slice(&[0, 1, 2]);
        assert_eq!(Envelope::decode(&bytes), Err(DecodeError::TrailingBytes(3)));
    }
    // Trailing bytes inside the body, after the event it holds, are refused too.
    let mut body = postcard::to_stdvec(&sample_event(EventKind::CycleDone)).expect("encode");
    body.push(0);
    let padded = envelope(1, Body::Unknown(body), 1).encode();
    assert_eq!(
        Envelope::decode(&padded),
        Err(DecodeError::TrailingBytes(1))
    );
}

#[test]
fn a_body_that_is_not_an_event_of_this_schema_is_refused() {
    let bytes = envelope(1, Body::Unknown(vec![0xff, 0xff, 0xff, 0x0f]), 1).encode();
    let err = Envelope::decode(&bytes).expect_err("decoded");
    assert!(
        matches!(&err, DecodeError::Malformed(m) if m.starts_with("body")),
        "{err:?}"
    );
}

#[test]
fn schema_zero_is_refused() {
    let known = envelope(1, Body::Known(sample_event(EventKind::CycleDone)), 0).encode();
    assert_eq!(Envelope::decode(&known), Err(DecodeError::NoSchema));
    let empty = envelope(1, Body::Unknown(Vec::new()), 0).encode();
    assert_eq!(Envelope::decode(&empty), Err(DecodeError::NoSchema));
}

fn observation_of(len: usize) -> Event {
    Event::ObservationRecorded(Observation {
        kind: ObservationKind::Observation,
        cycle: None,
        subject: None,
        observed_on: time::macros::date!(2026 - 02 - 03),
        text: "x".repeat(len),
    })
}

#[test]
fn an_oversized_event_is_refused_before_it_is_read() {
    let huge = vec![0u8; MAX_EVENT_BYTES + 1];
    assert_eq!(
        Envelope::decode(&huge),
        Err(DecodeError::Oversized(MAX_EVENT_BYTES + 1))
    );
    // A well-formed event over the limit too.
    let big = envelope(1, Body::Known(observation_of(MAX_EVENT_BYTES)), 1).encode();
    assert!(big.len() > MAX_EVENT_BYTES);
    assert_eq!(
        Envelope::decode(&big),
        Err(DecodeError::Oversized(big.len()))
    );
    // One just under the limit is read.
    let header = envelope(1, Body::Known(observation_of(0)), 1)
        .encode()
        .len();
    let fits = envelope(
        1,
        Body::Known(observation_of(MAX_EVENT_BYTES - header - 8)),
        1,
    );
    let bytes = fits.encode();
    assert!(bytes.len() <= MAX_EVENT_BYTES, "{}", bytes.len());
    assert_eq!(Envelope::decode(&bytes), Ok(fits));
}

proptest! {
    #![proptest_config(proptest_config())]

    #[test]
    fn arbitrary_bytes_never_panic_the_event_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(decoded) = Envelope::decode(&bytes) {
            // Whatever is accepted must be something this build can write back.
            prop_assert_eq!(Envelope::decode(&decoded.encode()).map(|e| e.id), Ok(decoded.id));
        }
    }

    #[test]
    fn corrupted_events_never_panic_the_decoder(
        kind in 0..EventKind::ALL.len(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut bytes = all_sample_envelopes()[kind].encode();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        let _ = Envelope::decode(&bytes);
    }
}

// ---- StreamDocument ----

/// A saved stream document holding `n` events, and the changes that made it.
fn document_with_events(n: usize) -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut document = StreamDocument::genesis(StreamId::new()).expect("genesis");
    let device = DeviceId::new();
    let mut changes = Vec::new();
    for e in all_sample_envelopes().iter().take(n) {
        let (_, change) = document
            .append(device, e.kind_name(), 1_790_000_000, &e.encode())
            .expect("append");
        changes.push(change);
    }
    (document.save(), changes)
}

#[test]
fn a_saved_document_loads_and_garbage_does_not() {
    let (saved, _) = document_with_events(3);
    let document = StreamDocument::load(&saved, &[]).expect("a saved document loads");
    assert_eq!(document.len(), 3);
    assert_eq!(document.events().len(), 3);

    for garbage in [
        &b"not an automerge document"[..],
        &[0x85, 0x6f, 0x4a, 0x83][..],
        &[0u8; 100][..],
    ] {
        let err = StreamDocument::load(garbage, &[])
            .err()
            .expect("garbage loaded");
        assert!(matches!(err, ReplicationError::Corrupt(_)), "{err:?}");
    }
    // An empty document, or one Praxis did not make, has no event list.
    let err = StreamDocument::load(&[], &[]).err().expect("empty loaded");
    assert!(matches!(err, ReplicationError::NoEventList), "{err:?}");
}

/// Guards a fixed bug: `StreamDocument::load` hands saved changes to Automerge's
/// `load_incremental`, which keeps what it could read and silently skips the rest, so
/// a damaged row of the store's `changes` table drops that change from the stream's
/// document (its event is then never sent to other replicas) instead of failing.
#[test]
fn a_damaged_saved_change_is_refused_when_loading() {
    let (saved, changes) = document_with_events(2);
    let genesis_only = {
        let mut document = StreamDocument::genesis(StreamId::new()).expect("genesis");
        document.save()
    };
    assert!(StreamDocument::load(&saved, &[b"garbage"]).is_err());
    for change in &changes {
        for end in 1..change.len() {
            let loaded = StreamDocument::load(&genesis_only, &[&change[..end]]);
            assert!(loaded.is_err(), "a change cut to {end} bytes loaded");
        }
    }
}

/// A stream's genesis, saved, and the changes of two events appended after it (the
/// second depends on the first).
fn genesis_and_two_changes() -> (Vec<u8>, Vec<Vec<u8>>) {
    let mut document = StreamDocument::genesis(StreamId::new()).expect("genesis");
    let genesis = document.save();
    let device = DeviceId::new();
    let changes = all_sample_envelopes()
        .iter()
        .take(2)
        .map(|e| {
            document
                .append(device, e.kind_name(), 1_790_000_000, &e.encode())
                .expect("append")
                .1
        })
        .collect();
    (genesis, changes)
}

/// Guards a fixed bug found by the `stream_document` fuzz target (the bytes are its
/// find): a saved change whose dependency the document does not hold was taken
/// without a word and left waiting inside the document, which wrote it out with the
/// next save as it was read; this one, damaged (its checksum no longer matches), then
/// made the whole saved document unreadable.
#[test]
fn a_saved_change_the_document_cannot_apply_is_refused_when_loading() {
    let saved = include_bytes!("fuzzed/orphan-document");
    let change = include_bytes!("fuzzed/orphan-change");
    assert!(StreamDocument::load(saved, &[]).is_ok());
    let err = StreamDocument::load(saved, &[change])
        .err()
        .expect("a change that cannot apply loaded");
    assert!(matches!(err, ReplicationError::Corrupt(_)), "{err:?}");

    // Two changes by one actor, the second depending on a first that is not the one
    // given: Automerge panicked when asked whether it held them.
    let saved = include_bytes!("fuzzed/waiting-document");
    let changes = [
        &include_bytes!("fuzzed/waiting-change-1")[..],
        &include_bytes!("fuzzed/waiting-change-2")[..],
    ];
    let err = StreamDocument::load(saved, &changes)
        .err()
        .expect("a change that cannot apply loaded");
    assert!(matches!(err, ReplicationError::Corrupt(_)), "{err:?}");

    // The same with this Praxis's own changes: the second event's without the first.
    let (genesis, changes) = genesis_and_two_changes();
    let err = StreamDocument::load(&genesis, &[&changes[1]])
        .err()
        .expect("a change without its dependency loaded");
    assert!(err.to_string().contains("depends on"), "{err}");
    let both = StreamDocument::load(&genesis, &[&changes[1], &changes[0]]).expect("load");
    assert_eq!(both.len(), 2);
}

/// Guards a fixed bug found by the `stream_document` fuzz target: a change that
/// arrived before the one it depends on waits inside the document, and saving the
/// document wrote it out too, so a store kept a change it had neither applied nor
/// checked.
#[test]
fn a_change_waiting_for_its_dependency_is_not_saved() {
    let (genesis, changes) = genesis_and_two_changes();
    let mut replica = StreamDocument::load(&genesis, &[]).expect("load");
    let second = StreamDocument::parse_changes(&changes[1..]).expect("parse");
    assert!(
        replica.apply(second).expect("apply").is_empty(),
        "the second change waits for the first"
    );
    let mut reloaded = StreamDocument::load(&replica.save(), &[]).expect("load");
    let first = StreamDocument::parse_changes(&changes[..1]).expect("parse");
    let arrived = reloaded.apply(first).expect("apply");
    assert_eq!(
        (arrived.len(), reloaded.len()),
        (1, 1),
        "the saved document kept the change that waited, and took it with the first"
    );
}

/// A change appending to a list made by an actor no replica has heard of: Automerge
/// panics on it instead of answering an error.
fn change_to_a_strangers_list(document: &mut StreamDocument) -> automerge::Change {
    use automerge::{ActorId, ExpandedChange, ScalarValue, legacy};
    automerge::Change::from(ExpandedChange {
        operations: vec![legacy::Op {
            action: legacy::OpType::Put(ScalarValue::Bytes(all_sample_envelopes()[0].encode())),
            obj: legacy::ObjectId::Id(legacy::OpId(1, ActorId::from(&b"a stranger"[..]))),
            key: legacy::Key::Seq(legacy::ElementId::Head),
            pred: legacy::SortedVec::new(),
            insert: true,
        }],
        actor_id: praxis_core::replication::device_actor(DeviceId::new()),
        hash: None,
        seq: 1,
        start_op: std::num::NonZeroU64::MIN.saturating_add(1),
        time: 0,
        message: None,
        deps: document.heads(),
        extra_bytes: Vec::new(),
        author: None,
    })
}

/// Guards a fixed bug found by the `stream_document` fuzz target (the bytes are its
/// find): Automerge panics on a change that works on an object made by an actor the
/// document does not know, and loading, applying or syncing such a change took the
/// process (a server's worker) down instead of refusing it.
#[test]
fn a_change_to_a_strangers_object_is_refused_not_a_panic() {
    let saved = include_bytes!("fuzzed/stranger-document");
    let changes = [
        &include_bytes!("fuzzed/stranger-change-1")[..],
        &include_bytes!("fuzzed/stranger-change-2")[..],
    ];
    assert!(StreamDocument::load(saved, &changes[..1]).is_ok());
    let err = StreamDocument::load(saved, &changes)
        .err()
        .expect("the change to a stranger's list loaded");
    assert!(matches!(err, ReplicationError::Corrupt(_)), "{err:?}");

    let stream = StreamId::new();
    let mut document = StreamDocument::genesis(stream).expect("genesis");
    let change = change_to_a_strangers_list(&mut document);
    let err = document
        .apply(vec![change.clone()])
        .expect_err("the change to a stranger's list applied");
    assert!(matches!(err, ReplicationError::BadChange(_)), "{err:?}");

    let mut document = StreamDocument::genesis(stream).expect("genesis");
    let message = automerge::sync::Message {
        heads: vec![change.hash()],
        need: Vec::new(),
        have: Vec::new(),
        changes: vec![change.raw_bytes().to_vec()].into(),
        flags: None,
        version: automerge::sync::MessageVersion::V1,
    };
    let err = document
        .receive_sync_message(&mut automerge::sync::State::new(), message)
        .expect_err("the change to a stranger's list was taken");
    assert!(matches!(err, ReplicationError::BadChange(_)), "{err:?}");
}

/// Guards a fixed bug found by the `stream_document` fuzz target (the bytes are its
/// find): Automerge panics parsing this change (a number overflows where it unwraps),
/// and every reader of changes from elsewhere (a store's saved changes, a merge, an
/// audit bundle being verified) went down with it.
#[test]
fn a_change_automerge_cannot_parse_is_an_error_not_a_panic() {
    let change = include_bytes!("fuzzed/overflowing-change");
    let (genesis, _) = genesis_and_two_changes();
    let err = StreamDocument::load(&genesis, &[change])
        .err()
        .expect("the change loaded");
    assert!(matches!(err, ReplicationError::Corrupt(_)), "{err:?}");
    let err = StreamDocument::parse_changes(&[change.to_vec()]).expect_err("it parsed");
    assert!(matches!(err, ReplicationError::BadChange(_)), "{err:?}");
    let err = praxis_core::audit::change_graph::ChangeGraph::from_changes(&[change.to_vec()])
        .err()
        .expect("it parsed");
    assert!(err.to_string().contains("change 1"), "{err}");
}

#[test]
fn every_truncation_of_a_saved_document_is_an_error() {
    let (saved, _) = document_with_events(4);
    for end in 0..saved.len() {
        if let Ok(document) = StreamDocument::load(&saved[..end], &[]) {
            panic!(
                "a document cut to {end} of {} bytes loaded with {} events",
                saved.len(),
                document.len()
            );
        }
    }
}

#[test]
fn every_truncation_of_a_change_is_an_error() {
    let (_, changes) = document_with_events(2);
    for change in &changes {
        assert!(StreamDocument::parse_changes(std::slice::from_ref(change)).is_ok());
        for end in 0..change.len() {
            let err = StreamDocument::parse_changes(&[change[..end].to_vec()])
                .err()
                .unwrap_or_else(|| panic!("a change cut to {end} bytes parsed"));
            assert!(matches!(err, ReplicationError::BadChange(_)), "{err:?}");
        }
    }
}

#[test]
fn one_bad_change_refuses_the_whole_batch() {
    let (_, changes) = document_with_events(3);
    let mut batch = changes.clone();
    batch.insert(1, b"not a change".to_vec());
    let err = StreamDocument::parse_changes(&batch).expect_err("parsed");
    assert!(matches!(err, ReplicationError::BadChange(_)), "{err:?}");
    assert_eq!(
        StreamDocument::parse_changes(&changes).expect("good").len(),
        3
    );
}

proptest! {
    #![proptest_config(proptest_config())]

    #[test]
    fn arbitrary_bytes_never_panic_the_document_loader(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = StreamDocument::load(&bytes, &[]);
        prop_assert!(StreamDocument::parse_changes(&[bytes]).is_err());
    }

    #[test]
    fn a_document_header_followed_by_garbage_never_panics(tail in proptest::collection::vec(any::<u8>(), 0..256)) {
        // The magic bytes of an Automerge chunk, so the loader reads further in.
        let mut bytes = vec![0x85, 0x6f, 0x4a, 0x83];
        bytes.extend_from_slice(&tail);
        let _ = StreamDocument::load(&bytes, &[]);
        prop_assert!(StreamDocument::parse_changes(&[bytes]).is_err());
    }

    #[test]
    fn corrupted_documents_and_changes_never_panic(
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
    ) {
        let (mut saved, mut changes) = document_with_events(2);
        for (at, value) in &flips {
            let i = at.index(saved.len());
            saved[i] = *value;
            let change = &mut changes[at.index(2)];
            let j = at.index(change.len());
            change[j] = *value;
        }
        let _ = StreamDocument::load(&saved, &[]);
        let _ = StreamDocument::parse_changes(&changes);
    }
}

mod stored;
