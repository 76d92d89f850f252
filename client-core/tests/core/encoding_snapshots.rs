//! The encoding of every event, pinned: an event variant, once shipped, is never
//! changed, so any change to these bytes must show up as a reviewed snapshot diff.
//! Also: an event from a newer schema is kept byte for byte, and a store keeps it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use crate::common::samples::{self, all_sample_envelopes, envelope, hex_lines, sample_event};
use praxis_core::domain::envelope::{Body, Envelope, SCHEMA_VERSION};
use praxis_core::domain::event::{Event, EventKind};
use praxis_core::domain::hlc::{Hlc, wall_millis_now};
use praxis_core::domain::ids::{DeviceId, EventId};
use praxis_core::domain::record::StreamKind;
use praxis_core::replication::StreamDocument;
use praxis_core::store::{Store, queries};
use std::collections::BTreeSet;

/// What a snapshot shows of an envelope: its bytes, then what they decode to.
fn describe(envelope: &Envelope) -> String {
    let bytes = envelope.encode();
    let decoded = Envelope::decode(&bytes);
    format!(
        "{} bytes\n{}\n\n{:#?}",
        bytes.len(),
        hex_lines(&bytes),
        decoded
    )
}

#[test]
fn the_samples_cover_every_event_kind_once() {
    let kinds: Vec<EventKind> = all_sample_envelopes()
        .iter()
        .map(|e| e.kind().expect("a sample is a known event"))
        .collect();
    assert_eq!(kinds, EventKind::ALL.to_vec());
    let distinct: BTreeSet<EventKind> = kinds.iter().copied().collect();
    assert_eq!(
        distinct.len(),
        EventKind::ALL.len(),
        "a kind is listed twice"
    );
    for kind in EventKind::ALL {
        assert_eq!(sample_event(kind).kind(), kind);
        assert_eq!(EventKind::from_name(kind.name()), Some(kind));
    }
}

#[test]
fn every_event_kind_encodes_as_pinned() {
    for envelope in all_sample_envelopes() {
        let bytes = envelope.encode();
        assert_eq!(
            Envelope::decode(&bytes).as_ref(),
            Ok(&envelope),
            "{} does not round-trip",
            envelope.kind_name()
        );
        insta::assert_snapshot!(envelope.kind_name(), describe(&envelope));
    }
}

#[test]
fn every_kind_of_correction_encodes_as_pinned() {
    let mut out = String::new();
    for (i, replacement) in samples::sample_replacements().into_iter().enumerate() {
        let event = Event::Correction {
            corrects: samples::event_id(0x300 + i as u128),
            reason: "Entered against the wrong record".into(),
            replacement,
        };
        let schema = event.schema();
        let envelope = envelope(0x400 + i as u128, Body::Known(event), schema);
        assert_eq!(Envelope::decode(&envelope.encode()).as_ref(), Ok(&envelope));
        out.push_str(&format!("---- correction {i}\n{}\n\n", describe(&envelope)));
    }
    insta::assert_snapshot!("every-kind-of-correction", out);
}

#[test]
fn a_sealed_observation_encodes_as_pinned() {
    let event = Event::ObservationSealed(samples::sealed_observation());
    assert_eq!(event.schema(), 5);
    assert_eq!(event.kind(), EventKind::ObservationRecorded);
    let envelope = envelope(0x600, Body::Known(event), 5);
    assert_eq!(Envelope::decode(&envelope.encode()).as_ref(), Ok(&envelope));
    insta::assert_snapshot!("observation-sealed", describe(&envelope));
}

#[test]
fn a_sealed_do_encodes_as_pinned() {
    let event = Event::CycleDoneSealed {
        cycle: samples::event_id(0x201),
        done: samples::sealed_do(),
    };
    assert_eq!(event.schema(), 6);
    assert_eq!(event.kind(), EventKind::CycleDone);
    let envelope = envelope(0x601, Body::Known(event), 6);
    assert_eq!(Envelope::decode(&envelope.encode()).as_ref(), Ok(&envelope));
    insta::assert_snapshot!("cycle-done-sealed", describe(&envelope));
}

/// An event written by a newer Praxis: a schema after this build's, a body it cannot
/// read.
fn newer_envelope(n: u128, at: Hlc) -> Envelope {
    let mut envelope = envelope(
        n,
        // Not even a valid schema-1 body: a newer build may encode anything.
        Body::Unknown(vec![0xff, 0x17, 0x00, 0x2a, 0x80, 0x80, 0x01]),
        SCHEMA_VERSION + 1,
    );
    envelope.recorded_at = at;
    envelope
}

#[test]
fn an_event_from_a_newer_schema_is_kept_byte_for_byte() {
    let newer = newer_envelope(0x500, Hlc::ZERO);
    let bytes = newer.encode();
    let decoded = Envelope::decode(&bytes).expect("a newer event decodes");
    assert_eq!(decoded.schema, SCHEMA_VERSION + 1);
    assert_eq!(
        decoded.body,
        Body::Unknown(vec![0xff, 0x17, 0x00, 0x2a, 0x80, 0x80, 0x01])
    );
    assert_eq!(decoded.kind(), None);
    assert_eq!(decoded.kind_name(), "unknown");
    assert_eq!(decoded.encode(), bytes, "re-encoding changes the bytes");
    assert_eq!(decoded, newer);

    // A known body under a newer schema is not read as this schema's event either.
    let known = sample_event(EventKind::ObservationRecorded);
    let written_by_newer = envelope(0x501, Body::Known(known.clone()), SCHEMA_VERSION + 1).encode();
    let decoded = Envelope::decode(&written_by_newer).expect("decodes");
    assert!(matches!(decoded.body, Body::Unknown(_)), "{decoded:?}");
    assert_eq!(decoded.encode(), written_by_newer);
    insta::assert_snapshot!("newer-schema", describe(&newer));
}

#[test]
fn each_kind_is_written_under_the_schema_that_first_had_it() {
    for kind in EventKind::ALL {
        let event = sample_event(kind);
        let new = Envelope::new(
            samples::STREAM,
            samples::AUTHOR,
            samples::DEVICE,
            Hlc::ZERO,
            event.clone(),
        );
        let schema = match kind {
            EventKind::Quarantined
            | EventKind::QuarantineReleased
            | EventKind::QuarantineWithdrawn => 2,
            EventKind::ScoreSuggested | EventKind::ExpectationStated | EventKind::BaselineSet => 3,
            EventKind::WorkCarriedOver => 4,
            EventKind::DataErased => 5,
            EventKind::RetentionScheduleSet
            | EventKind::LegalHoldPlaced
            | EventKind::LegalHoldLifted => 6,
            _ => 1,
        };
        assert_eq!(new.schema, schema, "{kind:?}");
        // Claiming an older schema than the kind's own is not a Praxis event.
        if schema > 1 {
            let claimed = envelope(0x700, Body::Known(event), schema - 1).encode();
            let err = Envelope::decode(&claimed).expect_err("a newer kind under an older schema");
            assert!(
                err.to_string().contains(&format!("schema {schema}")),
                "{err}"
            );
        }
    }
}

#[test]
fn a_store_keeps_and_counts_events_from_a_newer_schema() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut a, c, p) = common::store_with_project(&dir.path().join("a.sqlite3"));
    a.record(p, Event::MeasureDefined(common::measure("Plans agreed")))
        .expect("measure");
    let mut b = common::replica(&mut a, &dir.path().join("b.sqlite3"), (c, p));
    let known_events = queries::events(b.connection(), p).expect("events").len();

    // A newer phone writes two events into A's copy of the stream: one after
    // everything B has (folded incrementally), one dated before it (B rebuilds).
    let saved = a.save_document(p).expect("save");
    let mut document = StreamDocument::load(&saved, &[]).expect("load");
    let newer_device = DeviceId::new();
    let later = {
        let mut e = newer_envelope(0x600, Hlc::tick(Hlc::ZERO, wall_millis_now() + 60_000));
        e.id = EventId::new();
        e.stream = p;
        e
    };
    let earlier = {
        let mut e = newer_envelope(
            0x601,
            Hlc {
                millis: 1,
                counter: 0,
            },
        );
        e.id = EventId::new();
        e.stream = p;
        e
    };
    let mut changes = Vec::new();
    for e in [&later, &earlier] {
        let (_, change) = document
            .append(newer_device, e.kind_name(), 0, &e.encode())
            .expect("append");
        changes.push(change);
    }

    let merged = b
        .merge_changes(p, &changes[..1])
        .expect("merge the later one");
    assert_eq!((merged.events, merged.rebuilt), (1, false));
    let merged = b
        .merge_changes(p, &changes[1..])
        .expect("merge the earlier one");
    assert_eq!((merged.events, merged.rebuilt), (1, true));

    let check = |store: &Store| {
        let summary = queries::summary(store.connection(), p).expect("summary");
        assert_eq!(summary.unknown_events, 2, "{summary:?}");
        assert_eq!(summary.events, known_events as u64 + 2);
        let events = queries::events(store.connection(), p).expect("events");
        assert_eq!(events.len(), known_events + 2);
        for newer in [&later, &earlier] {
            let kept = events
                .iter()
                .find(|e| e.id == newer.id)
                .expect("the newer event is kept");
            assert_eq!(kept, newer);
            assert_eq!(kept.encode(), newer.encode());
        }
    };
    check(&b);
    b.rebuild_views(p).expect("rebuild");
    check(&b);

    // B passes the newer events on: a third replica gets them from B, unchanged.
    let mut third = Store::create(&dir.path().join("c.sqlite3"), "Lee").expect("create");
    third
        .add_stream(c, StreamKind::Collaborative, "collaborative", None)
        .expect("add");
    third
        .add_stream(p, StreamKind::Project, "project", Some(c))
        .expect("add");
    for s in [c, p] {
        let changes = b.changes_since(s, &[]).expect("changes");
        third.merge_changes(s, &changes).expect("merge");
    }
    check(&third);

    // And they survive closing and reopening the store.
    drop(b);
    let b = Store::open(&dir.path().join("b.sqlite3")).expect("open");
    check(&b);
    assert_eq!(
        queries::all_records(b.connection(), p).expect("records"),
        queries::all_records(third.connection(), p).expect("records")
    );
}
