//! The store's own bookkeeping: what it keeps beside the views, seen from inside.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::codec::uuid_blob;
use super::{Store, queries};
use crate::domain::event::*;
use crate::domain::ids::StreamId;
use crate::domain::record::StreamKind;
use std::path::Path;
use time::macros::date;

pub(crate) fn observation(text: &str) -> Event {
    Event::ObservationRecorded(Observation {
        kind: ObservationKind::Observation,
        cycle: None,
        subject: Some("P-0001".into()),
        observed_on: date!(2026 - 02 - 03),
        text: text.into(),
    })
}

/// A store with a collaborative and a project started on it: (store, collaborative,
/// project). Shared by the store's and the sync loop's tests.
pub(crate) fn store_with_project(path: &Path) -> (Store, StreamId, StreamId) {
    let mut store = Store::create(path, "Asha Patel").unwrap();
    let c = store
        .found_collaborative(CollaborativeFounded {
            name: "Independence at home".into(),
            topic: "Promoting independence".into(),
            chosen_with: "Chosen at a workshop".into(),
        })
        .unwrap()
        .stream;
    let p = store
        .start_project(ProjectStarted {
            collaborative: c,
            team: "Northside adult team".into(),
            organisation: "Northshire County Council".into(),
            title: "Positive risk-taking".into(),
        })
        .unwrap()
        .stream;
    (store, c, p)
}

/// Gives `to` every data key `from` holds for `stream`, as a server's key exchange does.
#[allow(clippy::unwrap_used)]
pub(crate) fn share_keys(from: &Store, to: &mut Store, stream: StreamId) {
    let keys = super::key_changes(from.connection(), stream, 0).unwrap();
    to.take_key_changes(&keys).unwrap();
}

fn stored_changes(store: &Store, stream: StreamId) -> (i64, i64) {
    store
        .connection()
        .query_row(
            "SELECT (SELECT count(*) FROM changes WHERE stream = ?1),
                    (SELECT pending_changes FROM streams WHERE id = ?1)",
            [uuid_blob(&stream.0)],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
}

#[test]
fn a_batch_that_compacts_the_document_is_saved_in_it_not_change_by_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let (mut store, c, p) = store_with_project(&path);
    store.record(p, observation("Before")).unwrap();
    assert_eq!(stored_changes(&store, p), (2, 2));

    let batch = (0..1_500)
        .map(|i| observation(&format!("Visit {i}")))
        .collect();
    store.record_all(p, batch).unwrap();
    assert_eq!(
        stored_changes(&store, p),
        (0, 0),
        "compacted at the batch's end"
    );
    let events = queries::events(store.connection(), p).unwrap();
    assert_eq!(events.len(), 1_502);
    let changes = store.changes_since(p, &[]).unwrap();
    // The genesis change, then one change per event.
    assert_eq!(changes.len(), 1 + 1_502);

    // Everything is on disk: a fresh process loads the same document, and a replica
    // merging its changes folds the same views.
    drop(store);
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.changes_since(p, &[]).unwrap(), changes);
    let mut replica = Store::create(&dir.path().join("r.sqlite3"), "Rui Gomez").unwrap();
    replica
        .add_stream(c, StreamKind::Collaborative, "collaborative", None)
        .unwrap();
    replica
        .add_stream(p, StreamKind::Project, "project", Some(c))
        .unwrap();
    replica
        .merge_changes(c, &store.changes_since(c, &[]).unwrap())
        .unwrap();
    replica.merge_changes(p, &changes).unwrap();
    share_keys(&store, &mut replica, p);
    assert_eq!(queries::events(replica.connection(), p).unwrap(), events);
    assert_eq!(
        queries::all_records(replica.connection(), p).unwrap(),
        queries::all_records(store.connection(), p).unwrap()
    );

    // And recording goes on change by change.
    store.record(p, observation("After")).unwrap();
    assert_eq!(stored_changes(&store, p), (1, 1));
    assert_eq!(store.changes_since(p, &[]).unwrap().len(), 1 + 1_503);
}

#[test]
fn a_refused_batch_leaves_nothing_and_the_document_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let (mut store, _c, p) = store_with_project(&path);
    let before = store.changes_since(p, &[]).unwrap();
    let mut batch: Vec<Event> = (0..1_500)
        .map(|i| observation(&format!("Visit {i}")))
        .collect();
    batch.push(observation(""));
    assert!(store.record_all(p, batch).is_err());
    assert_eq!(queries::events(store.connection(), p).unwrap().len(), 1);
    assert_eq!(store.changes_since(p, &[]).unwrap(), before);
    assert_eq!(stored_changes(&store, p), (1, 1));
}

#[test]
fn rebuilding_repairs_changed_missing_and_extra_records_and_leaves_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, c, p) = store_with_project(&dir.path().join("s.sqlite3"));
    let batch = (0..20)
        .map(|i| observation(&format!("Visit {i}")))
        .collect();
    let recorded = store.record_all(p, batch).unwrap();
    let folded = queries::all_records(store.connection(), p).unwrap();
    let collaborative = queries::all_records(store.connection(), c).unwrap();
    let conn = store.connection();
    let blob = |id: crate::domain::ids::EventId| uuid_blob(&id.0).to_vec();
    // One record changed, one gone, and rows the fold does not make: one among the
    // stream's ids, one before its first and one after its last.
    conn.execute(
        "UPDATE records SET body = CAST(body || x'00' AS BLOB) WHERE id = ?1",
        [blob(recorded[3].id)],
    )
    .unwrap();
    conn.execute("DELETE FROM records WHERE id = ?1", [blob(recorded[7].id)])
        .unwrap();
    let strays = [
        crate::domain::ids::EventId(uuid::Uuid::nil()),
        crate::domain::ids::EventId(uuid::Uuid::max()),
        crate::domain::ids::EventId(uuid::Uuid::from_u128(recorded[10].id.0.as_u128() + 1)),
    ];
    for stray in strays {
        conn.execute(
            "INSERT INTO records (id, stream, kind, parent, position, body)
             SELECT ?1, stream, kind, parent, position, body FROM records WHERE id = ?2",
            [blob(stray), blob(recorded[0].id)],
        )
        .unwrap();
    }
    assert_ne!(queries::all_records(store.connection(), p).unwrap(), folded);

    store.rebuild_views(p).unwrap();
    assert_eq!(queries::all_records(store.connection(), p).unwrap(), folded);
    assert_eq!(
        queries::all_records(store.connection(), c).unwrap(),
        collaborative,
        "another stream's records are left alone"
    );
}

#[test]
fn rebuilding_a_stream_without_events_removes_any_record_it_holds() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _c, p) = store_with_project(&dir.path().join("s.sqlite3"));
    let empty = StreamId::new();
    store
        .add_stream(empty, StreamKind::Project, "project", None)
        .unwrap();
    store
        .connection()
        .execute(
            "INSERT INTO records (id, stream, kind, parent, position, body)
             SELECT ?1, ?2, kind, parent, position, body FROM records WHERE stream = ?3",
            [
                uuid::Uuid::nil().as_bytes().to_vec(),
                uuid_blob(&empty.0).to_vec(),
                uuid_blob(&p.0).to_vec(),
            ],
        )
        .unwrap();
    assert!(
        !queries::all_records(store.connection(), empty)
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.rebuild_views(empty).unwrap(), 0);
    assert!(
        queries::all_records(store.connection(), empty)
            .unwrap()
            .is_empty()
    );
}

fn measure() -> MeasureDefinition {
    MeasureDefinition {
        name: "Days from referral to visit".into(),
        kind: MeasureKind::Process,
        operational_definition: "Median days from referral to the first home visit".into(),
        unit: MeasureUnit::Unit("days".into()),
        direction: Direction::LowerIsBetter,
        target: Some(7.0),
        frequency: Frequency::Weekly,
    }
}

fn measurement(measure: crate::domain::ids::EventId, week: i64, value: f64) -> Measurement {
    let start = date!(2026 - 01 - 05) + time::Duration::weeks(week);
    Measurement {
        measure,
        period_start: start,
        period_end: start + time::Duration::days(6),
        value: MeasurementValue::Value(value),
        note: String::new(),
    }
}

#[test]
fn the_overview_counts_measurements_as_their_series_does_through_corrections() {
    use crate::domain::views::MeasureCount;
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _c, p) = store_with_project(&dir.path().join("s.sqlite3"));
    let m = store
        .record(p, Event::MeasureDefined(measure()))
        .unwrap()
        .id;
    let check = |store: &Store, known: bool| {
        let overview = queries::project_overview(store.connection(), p).unwrap();
        let measure = queries::record(store.connection(), m).unwrap().unwrap();
        let series = queries::children(store.connection(), m).unwrap();
        let expected = MeasureCount::of(&measure, &series);
        assert_eq!(overview.measures[0].measurements, expected.measurements);
        assert_eq!(overview.measures[0].latest, expected.latest);
        let summary = queries::summary(store.connection(), p).unwrap();
        assert_eq!(
            summary.measurements[&m].latest_known(),
            known,
            "{summary:?}"
        );
    };
    let mut ids = Vec::new();
    for (week, value) in [(3, 5.0), (1, 6.0), (4, 7.0), (2, 8.0), (0, 9.0)] {
        let event = Event::MeasurementRecorded(measurement(m, week, value));
        ids.push(store.record(p, event).unwrap().id);
    }
    check(&store, true);
    let correct = |store: &mut Store, id, replacement: Option<Measurement>| {
        let event = Event::Correction {
            corrects: id,
            reason: "Miscounted".into(),
            replacement: replacement.map(Replacement::Measurement),
        };
        store.record(p, event).unwrap();
    };
    // The latest (week 4) with another value, then an earlier one moved past it.
    correct(&mut store, ids[2], Some(measurement(m, 4, 3.0)));
    check(&store, true);
    correct(&mut store, ids[1], Some(measurement(m, 6, 6.5)));
    check(&store, true);
    // The latest withdrawn: which is latest now is read from the series.
    correct(&mut store, ids[1], None);
    check(&store, false);
    store
        .record(p, Event::MeasurementRecorded(measurement(m, 9, 1.0)))
        .unwrap();
    check(&store, false);
    // Brought back, moved back: still not known.
    correct(&mut store, ids[1], Some(measurement(m, 5, 6.5)));
    check(&store, false);
    // Rebuilt, the tally is the same.
    let summary = queries::summary(store.connection(), p).unwrap();
    store.rebuild_views(p).unwrap();
    assert_eq!(queries::summary(store.connection(), p).unwrap(), summary);
    // None left standing: known again.
    let all = queries::children(store.connection(), m).unwrap();
    for record in all {
        correct(&mut store, record.id, None);
    }
    check(&store, true);
    assert_eq!(summary.measurements[&m].standing, 6);
    let overview = queries::project_overview(store.connection(), p).unwrap();
    assert_eq!(overview.measures[0].measurements, 0);
}

#[test]
fn a_store_takes_in_what_another_process_recorded_in_the_same_stream() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let (mut a, _c, p) = store_with_project(&path);
    a.record(p, observation("First, here")).unwrap();
    let mut b = Store::open(&path).unwrap();
    let there = b
        .record(p, observation("Then, in another process"))
        .unwrap();
    let here = a.record(p, observation("Then here again")).unwrap();
    assert!(here.at > there.at);
    // The document here took in the change made there before adding its own.
    let changes = a.changes_since(p, &[]).unwrap();
    assert_eq!(
        changes.len(),
        1 + 4,
        "genesis, the project and three observations"
    );
    drop((a, b));
    let mut reopened = Store::open(&path).unwrap();
    assert_eq!(reopened.changes_since(p, &[]).unwrap(), changes);
}

#[test]
fn the_clock_stays_ahead_of_every_event_any_process_folded() {
    use crate::domain::hlc::{Hlc, wall_millis_now};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let (mut a, c, p) = store_with_project(&path);
    a.record(p, observation("Before")).unwrap();
    // Another process folds, into another stream, an event from a device whose clock
    // runs an hour ahead.
    let ahead = Hlc {
        millis: wall_millis_now() + 3_600_000,
        counter: 7,
    };
    let b = Store::open(&path).unwrap();
    b.connection()
        .execute(
            "UPDATE streams SET last_applied_hlc = ?1 WHERE id = ?2",
            rusqlite::params![ahead.sort_key(), uuid_blob(&c.0)],
        )
        .unwrap();
    let after = a.record(p, observation("After")).unwrap();
    assert!(after.at > ahead, "{:?} is not after {ahead:?}", after.at);
    drop((a, b));
    let mut reopened = Store::open(&path).unwrap();
    let later = reopened.record(p, observation("Later")).unwrap();
    assert!(later.at > after.at);
}

/// A store that holds the collaborative and an empty project `p` of `from`, and the
/// changes of `p` after its genesis as `from` holds them.
fn replica_of(from: &mut Store, dir: &Path, c: StreamId, p: StreamId) -> (Store, Vec<Vec<u8>>) {
    let mut replica = Store::create(&dir.join("r.sqlite3"), "Rui Gomez").unwrap();
    replica
        .add_stream(c, StreamKind::Collaborative, "collaborative", None)
        .unwrap();
    replica
        .merge_changes(c, &from.changes_since(c, &[]).unwrap())
        .unwrap();
    replica
        .add_stream(p, StreamKind::Project, "project", Some(c))
        .unwrap();
    let genesis = replica.heads(p).unwrap();
    let changes = from.changes_since(p, &genesis).unwrap();
    (replica, changes)
}

/// A store with a project of 2,401 events (its start and 2,400 visits), the project
/// `p`, a replica that holds none of it yet, and the changes it lacks.
fn project_of_2_401_and_a_replica(dir: &Path) -> (Store, StreamId, Store, Vec<Vec<u8>>) {
    let (mut store, c, p) = store_with_project(&dir.join("s.sqlite3"));
    let batch = (0..2_400)
        .map(|i| observation(&format!("Visit {i}")))
        .collect();
    store.record_all(p, batch).unwrap();
    let (replica, changes) = replica_of(&mut store, dir, c, p);
    (store, p, replica, changes)
}

#[test]
fn a_large_fast_forward_is_stored_as_rows_then_compacted_a_step_at_a_time() {
    use super::FastForward;
    use crate::replication::chunks;
    let dir = tempfile::tempdir().unwrap();
    let (mut store, p, mut replica, changes) = project_of_2_401_and_a_replica(dir.path());
    assert_eq!(changes.len(), 2_401, "the project's start and the visits");
    let base = replica.heads(p).unwrap();
    let bytes = chunks::join(changes.iter().map(Vec::as_slice));
    let taken = replica.take_fast_forward(p, &base, &bytes, None).unwrap();
    let FastForward::Taken(merged, heads) = taken else {
        panic!("not taken: {taken:?}");
    };
    assert_eq!(merged.events, 2_401);
    let mut expected = store.heads(p).unwrap();
    expected.sort();
    let mut heads = heads;
    heads.sort();
    assert_eq!(heads, expected, "the heads follow from the batch");
    assert_eq!(stored_changes(&replica, p), (2_401, 2_401), "kept as rows");

    let mut steps = 0;
    assert!(replica.compact_if_due(p, &mut || steps += 1).unwrap());
    assert_eq!(steps, 3, "a thousand changes a step");
    assert_eq!(
        stored_changes(&replica, p),
        (0, 0),
        "all in the document now"
    );
    let mut after = replica.heads(p).unwrap();
    after.sort();
    assert_eq!(after, expected, "compaction changes no head");
    assert!(!replica.compact_if_due(p, &mut || steps += 1).unwrap());
    assert_eq!(steps, 3, "nothing was due");

    // On disk: a fresh process loads a document with every change, and the same
    // events and views as the store they came from.
    let path = replica.path().to_path_buf();
    drop(replica);
    let mut reopened = Store::open(&path).unwrap();
    share_keys(&store, &mut reopened, p);
    let mut all = reopened.changes_since(p, &[]).unwrap();
    let mut theirs = store.changes_since(p, &[]).unwrap();
    all.sort();
    theirs.sort();
    assert_eq!(all, theirs);
    assert_eq!(
        queries::events(reopened.connection(), p).unwrap(),
        queries::events(store.connection(), p).unwrap()
    );
    assert_eq!(
        queries::all_records(reopened.connection(), p).unwrap(),
        queries::all_records(store.connection(), p).unwrap()
    );
}

#[test]
fn a_fast_forward_with_a_gap_in_a_later_slice_takes_nothing() {
    use super::FastForward;
    use crate::replication::chunks;
    let dir = tempfile::tempdir().unwrap();
    let (_store, p, mut replica, full) = project_of_2_401_and_a_replica(dir.path());
    // The slices before the gap are taken in the transaction, then rolled back.
    let mut changes = full.clone();
    changes.remove(1_800);
    let base = replica.heads(p).unwrap();
    let bytes = chunks::join(changes.iter().map(Vec::as_slice));
    let taken = replica.take_fast_forward(p, &base, &bytes, None).unwrap();
    let FastForward::NotAFastForward(why) = taken else {
        panic!("taken: {taken:?}");
    };
    assert!(why.contains("which the stream does not hold"), "{why}");
    assert_eq!(stored_changes(&replica, p), (0, 0));
    assert!(queries::events(replica.connection(), p).unwrap().is_empty());
    assert_eq!(replica.heads(p).unwrap(), base);
    // A change sent twice in one batch, in a later slice, is refused the same way.
    let mut twice: Vec<&[u8]> = full.iter().map(Vec::as_slice).collect();
    twice.push(twice[1_500]);
    let taken = replica
        .take_fast_forward(p, &base, &chunks::join(twice), None)
        .unwrap();
    let FastForward::NotAFastForward(why) = taken else {
        panic!("taken: {taken:?}");
    };
    assert!(why.contains("may hold already"), "{why}");
    assert_eq!(stored_changes(&replica, p), (0, 0));
    assert!(queries::events(replica.connection(), p).unwrap().is_empty());
}

#[test]
fn a_corrected_observation_stays_sealed_and_an_erased_one_cannot_be_corrected() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _, p) = store_with_project(&dir.path().join("s.sqlite3"));
    let first = store.record(p, observation("First words")).unwrap().id;
    let correct = |id, text: &str| Event::Correction {
        corrects: id,
        reason: "A typing slip".into(),
        replacement: Some(Replacement::Observation(Observation {
            kind: ObservationKind::Observation,
            cycle: None,
            subject: Some("P-0001".into()),
            observed_on: date!(2026 - 02 - 03),
            text: text.into(),
        })),
    };
    store.record(p, correct(first, "Corrected words")).unwrap();
    let shown = queries::record(store.connection(), first).unwrap().unwrap();
    assert!(matches!(&shown.content, Event::ObservationRecorded(o) if o.text == "Corrected words"));
    let kept = super::sealing::record_kept(store.connection(), first)
        .unwrap()
        .unwrap();
    assert!(
        matches!(kept.content, Event::ObservationSealed(_)),
        "the views keep the correction sealed: {:?}",
        kept.content
    );

    // The person's key erased (as a sync brings an erasure), a correction is refused.
    let keys = super::key_changes(store.connection(), p, 0).unwrap();
    let erased: Vec<_> = keys
        .iter()
        .map(|(seq, k)| {
            (
                seq + 100,
                super::KeyChange::Erased {
                    id: k.id(),
                    stream: p,
                    at: 1_796_000_000_000,
                    reason: "The person asked".into(),
                },
            )
        })
        .collect();
    assert_eq!(store.take_key_changes(&erased).unwrap(), 1);
    let refused = store.record(p, correct(first, "Words again")).unwrap_err();
    assert!(refused.to_string().contains("was erased on"), "{refused}");
    let shown = queries::record(store.connection(), first).unwrap().unwrap();
    assert!(
        matches!(&shown.content, Event::ObservationRecorded(o) if o.text.starts_with("erased on ") && o.text.contains("The person asked"))
    );
}
