#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;
use praxis_core::domain::event::*;
use praxis_core::domain::record::{Stage, StreamKind};
use praxis_core::store::{Store, StoreError, queries};

#[test]
fn records_survive_reopening_and_views_rebuild_identically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.sqlite3");
    let (mut store, _c, p) = store_with_project(&path);
    store
        .record(
            p,
            Event::CharterSet {
                replaces: vec![],
                charter: charter(),
            },
        )
        .unwrap();
    let m = store
        .record(p, Event::MeasureDefined(measure("Plans agreed")))
        .unwrap()
        .id;
    for week in 0..5 {
        store
            .record(
                p,
                Event::MeasurementRecorded(measurement(m, week, week as f64 + 2.0)),
            )
            .unwrap();
    }
    let cycle = store.record(p, Event::CyclePlanned(plan(None))).unwrap().id;
    store
        .record(
            p,
            Event::CycleDone {
                cycle,
                done: done(),
            },
        )
        .unwrap();
    drop(store);

    let mut store = Store::open(&path).unwrap();
    let overview = queries::project_overview(store.connection(), p).unwrap();
    assert_eq!(overview.measures.len(), 1);
    assert_eq!(overview.measures[0].measurements, 5);
    assert_eq!(overview.measures[0].latest.as_ref().unwrap().plotted, 60.0);
    assert_eq!(overview.cycles_by_stage["done, to study"].len(), 1);
    let before = queries::all_records(store.connection(), p).unwrap();
    let summary_before = queries::summary(store.connection(), p).unwrap();
    store.rebuild_views(p).unwrap();
    assert_eq!(queries::all_records(store.connection(), p).unwrap(), before);
    assert_eq!(
        queries::summary(store.connection(), p).unwrap(),
        summary_before
    );
}

#[test]
fn an_act_without_a_plan_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _c, p) = store_with_project(&dir.path().join("s.sqlite3"));
    let events_before = queries::events(store.connection(), p).unwrap().len();
    let bogus = praxis_core::domain::ids::EventId::new();
    let err = store
        .record(
            p,
            Event::CycleActed {
                cycle: bogus,
                replaces: vec![],
                act: act(Decision::Adopt),
            },
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Refused(_)), "{err}");
    assert!(err.to_string().contains("Plan"), "{err}");
    assert_eq!(
        queries::events(store.connection(), p).unwrap().len(),
        events_before
    );
}

#[test]
fn concurrent_act_decisions_conflict_until_resolved_on_both_replicas() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, c, p) = store_with_project(&dir.path().join("a.sqlite3"));
    let cycle = a.record(p, Event::CyclePlanned(plan(None))).unwrap().id;
    a.record(
        p,
        Event::CycleDone {
            cycle,
            done: done(),
        },
    )
    .unwrap();
    a.record(
        p,
        Event::CycleStudied {
            cycle,
            study: study(),
        },
    )
    .unwrap();

    let mut b = Store::create(&dir.path().join("b.sqlite3"), "Rui Gomez").unwrap();
    b.add_stream(c, StreamKind::Collaborative, "collaborative", None)
        .unwrap();
    b.add_stream(p, StreamKind::Project, "project", Some(c))
        .unwrap();
    for s in [c, p] {
        let changes = a.changes_since(s, &[]).unwrap();
        b.merge_changes(s, &changes).unwrap();
    }

    let adopt = a
        .record(
            p,
            Event::CycleActed {
                cycle,
                replaces: vec![],
                act: act(Decision::Adopt),
            },
        )
        .unwrap()
        .id;
    let abandon = b
        .record(
            p,
            Event::CycleActed {
                cycle,
                replaces: vec![],
                act: act(Decision::Abandon),
            },
        )
        .unwrap()
        .id;
    let to_b = a.changes_since(p, &[]).unwrap();
    let to_a = b.changes_since(p, &[]).unwrap();
    b.merge_changes(p, &to_b).unwrap();
    let merged = a.merge_changes(p, &to_a).unwrap();
    assert_eq!(merged.events, 1);
    // Merging again changes nothing.
    assert_eq!(a.merge_changes(p, &to_a).unwrap().events, 0);

    for store in [&a, &b] {
        let view = queries::cycle(store.connection(), cycle).unwrap().unwrap();
        assert_eq!(view.stage, Stage::ActInConflict);
        assert_eq!(
            queries::summary(store.connection(), p)
                .unwrap()
                .conflicts
                .len(),
            1
        );
    }
    // A further Act is refused while the conflict is open.
    let err = a
        .record(
            p,
            Event::CycleActed {
                cycle,
                replaces: vec![adopt],
                act: act(Decision::Adapt),
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("conflict"), "{err}");

    a.record(
        p,
        Event::Resolution {
            subject: cycle,
            settles: vec![adopt, abandon],
            keep: adopt,
            reason: "Agreed at the team meeting".into(),
        },
    )
    .unwrap();
    let changes = a.changes_since(p, &[]).unwrap();
    b.merge_changes(p, &changes).unwrap();
    for store in [&a, &b] {
        let view = queries::cycle(store.connection(), cycle).unwrap().unwrap();
        assert_eq!(view.stage, Stage::Act(Decision::Adopt));
        assert!(
            queries::summary(store.connection(), p)
                .unwrap()
                .conflicts
                .is_empty()
        );
    }
    // The Do's free text is sealed: b reads it once it holds a's keys, as a sync
    // through a server would give them.
    b.offer_keys(&a.keys_to_send().unwrap()).unwrap();
    assert_eq!(
        queries::all_records(a.connection(), p).unwrap(),
        queries::all_records(b.connection(), p).unwrap()
    );
}

/// Runs the Automerge sync protocol between two stores until neither has anything to
/// say; returns the number of messages exchanged.
fn sync_pair(a: &mut Store, b: &mut Store, stream: praxis_core::domain::ids::StreamId) -> usize {
    let mut sa = a.sync_state(stream, "b").unwrap();
    let mut sb = b.sync_state(stream, "a").unwrap();
    let mut messages = 0;
    for _ in 0..20 {
        let mut quiet = true;
        if let Some(m) = a.generate_sync_message(stream, &mut sa).unwrap() {
            b.receive_sync_message(stream, &mut sb, &m.bytes, None)
                .unwrap();
            messages += 1;
            quiet = false;
        }
        if let Some(m) = b.generate_sync_message(stream, &mut sb).unwrap() {
            a.receive_sync_message(stream, &mut sa, &m.bytes, None)
                .unwrap();
            messages += 1;
            quiet = false;
        }
        if quiet {
            a.save_sync_state(stream, "b", &sa).unwrap();
            b.save_sync_state(stream, "a", &sb).unwrap();
            return messages;
        }
    }
    panic!("sync did not converge");
}

#[test]
fn the_automerge_sync_protocol_converges_and_a_later_sync_sends_only_what_is_new() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, c, p) = store_with_project(&dir.path().join("a.sqlite3"));
    let m = a
        .record(p, Event::MeasureDefined(measure("Plans agreed")))
        .unwrap()
        .id;
    for week in 0..20 {
        a.record(p, Event::MeasurementRecorded(measurement(m, week, 3.0)))
            .unwrap();
    }
    let mut b = Store::create(&dir.path().join("b.sqlite3"), "Rui Gomez").unwrap();
    b.add_stream(c, StreamKind::Collaborative, "collaborative", None)
        .unwrap();
    b.add_stream(p, StreamKind::Project, "project", Some(c))
        .unwrap();
    sync_pair(&mut a, &mut b, c);
    sync_pair(&mut a, &mut b, p);
    assert_eq!(
        queries::all_records(a.connection(), p).unwrap(),
        queries::all_records(b.connection(), p).unwrap()
    );
    assert_eq!(
        queries::measure_series(b.connection(), m)
            .unwrap()
            .unwrap()
            .points
            .len(),
        20
    );

    b.record(p, Event::MeasurementRecorded(measurement(m, 21, 4.0)))
        .unwrap();
    // A later sync starts from the saved state: it sends the one new change.
    let mut sb = b.sync_state(p, "a").unwrap();
    let first = b.generate_sync_message(p, &mut sb).unwrap().unwrap();
    let mut sa = a.sync_state(p, "b").unwrap();
    let merged = a
        .receive_sync_message(p, &mut sa, &first.bytes, None)
        .unwrap();
    assert!(merged.events <= 1);
    sync_pair(&mut a, &mut b, p);
    assert_eq!(
        queries::measure_series(a.connection(), m)
            .unwrap()
            .unwrap()
            .points
            .len(),
        21
    );
    assert_eq!(
        queries::all_records(a.connection(), p).unwrap(),
        queries::all_records(b.connection(), p).unwrap()
    );
}

#[test]
fn only_the_most_recently_used_documents_stay_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, c, first) = store_with_project(&dir.path().join("s.sqlite3"));
    store.set_document_capacity(2);
    let mut projects = vec![first];
    for _ in 0..3 {
        projects.push(store.start_project(project(c)).unwrap().stream);
    }
    for p in &projects {
        store
            .record(*p, Event::MeasureDefined(measure("Plans agreed")))
            .unwrap();
        assert!(store.documents_loaded() <= 2);
    }
    assert_eq!(store.documents_loaded(), 2);
    // An evicted document loads again when needed, with everything in it.
    store
        .record(projects[0], Event::MeasureDefined(measure("Visits")))
        .unwrap();
    let changes = store.changes_since(projects[0], &[]).unwrap();
    assert_eq!(changes.len(), 4, "genesis, project, two measures");
}
