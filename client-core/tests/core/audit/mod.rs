#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Audit in the core: a view as it stood (the fold over the events up to a point)
//! equals the view of a replica that held exactly those events; what an author had
//! seen is the causal past of their change; and an audit bundle is verified with
//! every kind of tampering detected and named.

use crate::common;
use crate::common::*;
use praxis_core::audit::bundle::{self, Finding, StreamContent};
use praxis_core::audit::change_graph::ChangeGraph;
use praxis_core::domain::as_it_stood::StreamAsItStood;
use praxis_core::domain::envelope::{Body, Envelope};
use praxis_core::domain::event::*;
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::record::StreamKind;
use praxis_core::store::{Store, key_changes, open_event, queries};
use std::collections::HashSet;
use std::io::Read;

struct Team {
    _dir: tempfile::TempDir,
    a: Store,
    b: Store,
    collaborative: StreamId,
    project: StreamId,
    cycle: EventId,
    measure: EventId,
}

/// `from`'s changes of `stream` merged into `to`, with the keys that open them, as a
/// sync gives them.
fn share(from: &mut Store, to: &mut Store, stream: StreamId) {
    let changes = from.changes_since(stream, &[]).unwrap();
    give_keys(from, to, stream);
    to.merge_changes(stream, &changes).unwrap();
}

fn give_keys(from: &Store, to: &mut Store, stream: StreamId) {
    let keys = key_changes(from.connection(), stream, 0).unwrap();
    to.take_key_changes(&keys).unwrap();
}

/// Two practitioners' devices working on one project, apart and together: charters
/// revised without seeing each other (a conflict, then its resolution), measurements,
/// a cycle through Plan, Do, Study and Act, observations, a correction.
fn team() -> Team {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, c, project) = store_with_project(&dir.path().join("a.sqlite3"));
    let mut b = Store::create(&dir.path().join("b.sqlite3"), "Ben Carter").unwrap();
    b.add_stream(c, StreamKind::Collaborative, "c", None)
        .unwrap();
    b.add_stream(project, StreamKind::Project, "p", Some(c))
        .unwrap();
    let charter_a = a
        .record(
            project,
            Event::CharterSet {
                replaces: vec![],
                charter: charter(),
            },
        )
        .unwrap()
        .id;
    let measure = a
        .record(
            project,
            Event::MeasureDefined(common::measure("Plans agreed")),
        )
        .unwrap()
        .id;
    let cycle = a
        .record(project, Event::CyclePlanned(plan(None)))
        .unwrap()
        .id;
    share(&mut a, &mut b, project);
    // Apart.
    let mut first = None;
    for week in 0..3 {
        let id = b
            .record(
                project,
                Event::MeasurementRecorded(measurement(measure, week, 2.0 + week as f64)),
            )
            .unwrap()
            .id;
        first.get_or_insert(id);
    }
    b.record(project, numbered_observation(Some(cycle), 1))
        .unwrap();
    let mut revised = charter();
    revised.aim.how_much = "from 20% to 80% of assessments".into();
    let charter_b = b
        .record(
            project,
            Event::CharterSet {
                replaces: vec![charter_a],
                charter: revised.clone(),
            },
        )
        .unwrap()
        .id;
    for week in 3..5 {
        a.record(
            project,
            Event::MeasurementRecorded(measurement(measure, week, 5.0)),
        )
        .unwrap();
    }
    revised.aim.how_much = "from 20% to 70% of assessments".into();
    let charter_a2 = a
        .record(
            project,
            Event::CharterSet {
                replaces: vec![charter_a],
                charter: revised,
            },
        )
        .unwrap()
        .id;
    a.record(
        project,
        Event::CycleDone {
            cycle,
            done: done(),
        },
    )
    .unwrap();
    // Together again.
    share(&mut a, &mut b, project);
    share(&mut b, &mut a, project);
    a.record(
        project,
        Event::CycleStudied {
            cycle,
            study: study(),
        },
    )
    .unwrap();
    b.record(
        project,
        Event::Correction {
            corrects: first.unwrap(),
            reason: "Counted the wrong week".into(),
            replacement: None,
        },
    )
    .unwrap();
    b.record(
        project,
        Event::Resolution {
            subject: project_founding(&b, project),
            settles: vec![charter_a2, charter_b],
            keep: charter_b,
            reason: "Agreed at the team meeting".into(),
        },
    )
    .unwrap();
    share(&mut b, &mut a, project);
    a.record(
        project,
        Event::CycleActed {
            cycle,
            replaces: vec![],
            act: act(Decision::Adopt),
        },
    )
    .unwrap();
    b.record(project, numbered_observation(Some(cycle), 2))
        .unwrap();
    share(&mut a, &mut b, project);
    Team {
        _dir: dir,
        a,
        b,
        collaborative: c,
        project,
        cycle,
        measure,
    }
}

fn project_founding(store: &Store, project: StreamId) -> EventId {
    queries::summary(store.connection(), project)
        .unwrap()
        .founding
        .unwrap()
}

/// The events the changes carry, their sealed content opened with the keys `keys`
/// holds (device b, which holds every key of the team's project).
fn events_of(changes: &[Vec<u8>], keys: &Store) -> Vec<Envelope> {
    ChangeGraph::from_changes(changes)
        .unwrap()
        .events()
        .cloned()
        .map(|mut e| {
            if let Body::Known(event) = e.body {
                e.body = Body::Known(open_event(keys.connection(), event).unwrap());
            }
            e
        })
        .collect()
}

/// A fresh replica holding exactly `changes` of the project, and the collaborative
/// whole (`collaborative`: its id and changes), with the project's keys `keys` holds.
fn replica(
    dir: &std::path::Path,
    project: StreamId,
    changes: &[Vec<u8>],
    collaborative: (StreamId, &[Vec<u8>]),
    keys: &Store,
) -> Store {
    let mut store = Store::create(
        &dir.join(format!("replica-{}.sqlite3", uuid::Uuid::now_v7())),
        "Replica",
    )
    .unwrap();
    let (c, founded) = collaborative;
    store
        .add_stream(c, StreamKind::Collaborative, "c", None)
        .unwrap();
    store.merge_changes(c, founded).unwrap();
    store
        .add_stream(project, StreamKind::Project, "p", Some(c))
        .unwrap();
    store.merge_changes(project, changes).unwrap();
    give_keys(keys, &mut store, project);
    store
}

/// The collaborative's dashboard folded from the same events equals the replica's,
/// on a day inside the collaborative's calendar. A project that held no events yet had
/// not reached the office, so it has no line.
fn assert_same_dashboard(
    store: &Store,
    whole: &StreamAsItStood,
    project: &StreamAsItStood,
    at: &str,
) {
    let today = time::macros::date!(2026 - 03 - 10);
    let c = whole.views().summary.stream;
    let p = project.views().summary.stream;
    let projects = if project.events() > 0 {
        vec![p]
    } else {
        vec![]
    };
    let stored = queries::dashboard(store.connection(), c, &projects, today)
        .unwrap()
        .expect("a founded collaborative");
    assert_eq!(
        Some(stored),
        whole.dashboard(std::slice::from_ref(project), today),
        "the dashboard {at}"
    );
}

/// Every view the replica shows equals the one folded from the same events.
fn assert_same_views(store: &Store, folded: &StreamAsItStood, project: StreamId, at: &str) {
    let conn = store.connection();
    assert_eq!(
        queries::project_overview(conn, project).unwrap(),
        folded.project_overview(),
        "the overview {at}"
    );
    for record in queries::all_records(conn, project).unwrap() {
        assert_eq!(
            queries::cycle(conn, record.id).unwrap(),
            folded.cycle(record.id),
            "cycle {} {at}",
            record.id
        );
        assert_eq!(
            queries::measure_series(conn, record.id).unwrap(),
            folded.measure_series(record.id),
            "measure {} {at}",
            record.id
        );
        assert_eq!(
            queries::history(conn, record.id).unwrap(),
            folded.history(record.id),
            "history of {} {at}",
            record.id
        );
        // The charts as they stood are today's charts of those events: the same
        // adoptions, so the same new medians and limits.
        if let Some(today) = queries::measure_chart(conn, record.id, &[]).unwrap() {
            let stood = folded
                .measure_chart(record.id)
                .expect("the measure as it stood");
            assert_eq!(
                (&today.run_chart, &today.xmr, &today.problem),
                (&stood.run_chart, &stood.xmr, &stood.not_charted),
                "the charts of {} {at}",
                record.id
            );
        }
    }
    assert_eq!(
        queries::all_records(conn, project).unwrap().len(),
        folded.views().records.len(),
        "the records {at}"
    );
}

#[test]
fn the_view_as_it_stood_equals_a_replica_that_held_exactly_those_events() {
    let mut t = team();
    let dir = tempfile::tempdir().unwrap();
    // The order in which a server would have received them: the document's causal
    // order. Every prefix is a moment of the server's history.
    // Device b holds everything (a never received b's last observation).
    let changes = t.b.changes_since(t.project, &[]).unwrap();
    assert_eq!(changes.len(), 19, "genesis and 18 events");
    let founded = t.a.changes_since(t.collaborative, &[]).unwrap();
    let whole = StreamAsItStood::fold(t.collaborative, &events_of(&founded, &t.b));
    for k in 0..=changes.len() {
        let prefix = &changes[..k];
        let folded = StreamAsItStood::fold(t.project, &events_of(prefix, &t.b));
        let store = replica(
            dir.path(),
            t.project,
            prefix,
            (t.collaborative, &founded),
            &t.b,
        );
        let at = format!("after {k} changes");
        assert_same_views(&store, &folded, t.project, &at);
        assert_same_dashboard(&store, &whole, &folded, &at);
    }
    // The whole stream, as both devices show it now.
    let all = StreamAsItStood::fold(t.project, &events_of(&changes, &t.b));
    assert_same_views(&t.b, &all, t.project, "on device b");
    let on_a = t.a.changes_since(t.project, &[]).unwrap();
    assert_eq!(on_a.len(), 18);
    let a_held = StreamAsItStood::fold(t.project, &events_of(&on_a, &t.b));
    assert_same_views(&t.a, &a_held, t.project, "on device a");
    // The chart as it stood carries the chart rules' reading.
    let chart = all.measure_chart(t.measure).unwrap();
    assert_eq!(chart.series.points.len(), 4, "one measurement withdrawn");
    assert!(chart.run_chart.is_some() && chart.xmr.is_some());
    assert_eq!(
        all.cycle(t.cycle).unwrap().act.map(|a| a.decision),
        Some(Decision::Adopt)
    );
}

#[test]
fn what_an_author_had_seen_is_the_causal_past_of_their_change() {
    let mut t = team();
    let dir = tempfile::tempdir().unwrap();
    let changes = t.b.changes_since(t.project, &[]).unwrap();
    let founded = t.a.changes_since(t.collaborative, &[]).unwrap();
    let graph = ChangeGraph::from_changes(&changes).unwrap();
    let events: Vec<Envelope> = events_of(&changes, &t.b);
    let mut checked = 0;
    for e in &events {
        let seen = graph.seen_by(e.id).unwrap();
        assert!(!seen.contains(&e.id));
        // A replica holding exactly what the author held shows what they saw.
        let held: Vec<Vec<u8>> = graph
            .nodes()
            .iter()
            .zip(&changes)
            .filter(|(n, _)| n.events.is_empty() || n.events.iter().any(|x| seen.contains(&x.id)))
            .map(|(_, c)| c.clone())
            .collect();
        let store = replica(
            dir.path(),
            t.project,
            &held,
            (t.collaborative, &founded),
            &t.b,
        );
        let folded =
            StreamAsItStood::fold(t.project, events.iter().filter(|x| seen.contains(&x.id)));
        assert_same_views(&store, &folded, t.project, &format!("as {} saw it", e.id));
        checked += 1;
    }
    assert_eq!(checked, events.len());
    // The Act was recorded on device a after merging b's work: it had seen b's
    // observation 1, but not observation 2, recorded on b at the same time.
    let act = events
        .iter()
        .find(|e| e.kind() == Some(EventKind::CycleActed))
        .unwrap();
    let seen = graph.seen_by(act.id).unwrap();
    let texts = |ids: &HashSet<EventId>| -> Vec<String> {
        events
            .iter()
            .filter(|e| ids.contains(&e.id))
            .filter_map(|e| match e.event() {
                Some(Event::ObservationRecorded(o)) => Some(o.text.clone()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(texts(&seen), vec!["Observation 1".to_string()]);
    let after = graph.after(act.id).unwrap();
    assert!(
        texts(&after).is_empty(),
        "nothing was recorded having seen the Act"
    );
}

mod bundle_tests;
