#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Audit in the core: a view as it stood (the fold over the events up to a point)
//! equals the view of a replica that held exactly those events; what an author had
//! seen is the causal past of their change; and an audit bundle is verified with
//! every kind of tampering detected and named.

mod common;

use common::*;
use praxis_core::audit::bundle::{self, Finding, ReceiptEntry, StreamContent};
use praxis_core::audit::change_graph::ChangeGraph;
use praxis_core::domain::as_it_stood::StreamAsItStood;
use praxis_core::domain::envelope::Envelope;
use praxis_core::domain::event::*;
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::record::StreamKind;
use praxis_core::store::{Store, queries};
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

fn share(from: &mut Store, to: &mut Store, stream: StreamId) {
    let changes = from.changes_since(stream, &[]).unwrap();
    to.merge_changes(stream, &changes).unwrap();
}

fn observation(cycle: Option<EventId>, n: usize) -> Event {
    Event::ObservationRecorded(Observation {
        kind: ObservationKind::Observation,
        cycle,
        subject: Some(format!("P-{n:04}")),
        observed_on: time::macros::date!(2026 - 02 - 03),
        text: format!("Observation {n}"),
    })
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
    b.record(project, observation(Some(cycle), 1)).unwrap();
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
    b.record(project, observation(Some(cycle), 2)).unwrap();
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

fn events_of(changes: &[Vec<u8>]) -> Vec<Envelope> {
    ChangeGraph::from_changes(changes)
        .unwrap()
        .events()
        .cloned()
        .collect()
}

/// A fresh replica holding exactly `changes` of the project, and the collaborative
/// whole (`collaborative`: its id and changes).
fn replica(
    dir: &std::path::Path,
    project: StreamId,
    changes: &[Vec<u8>],
    collaborative: (StreamId, &[Vec<u8>]),
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
    let whole = StreamAsItStood::fold(t.collaborative, &events_of(&founded));
    for k in 0..=changes.len() {
        let prefix = &changes[..k];
        let folded = StreamAsItStood::fold(t.project, &events_of(prefix));
        let store = replica(dir.path(), t.project, prefix, (t.collaborative, &founded));
        let at = format!("after {k} changes");
        assert_same_views(&store, &folded, t.project, &at);
        assert_same_dashboard(&store, &whole, &folded, &at);
    }
    // The whole stream, as both devices show it now.
    let all = StreamAsItStood::fold(t.project, &events_of(&changes));
    assert_same_views(&t.b, &all, t.project, "on device b");
    let on_a = t.a.changes_since(t.project, &[]).unwrap();
    assert_eq!(on_a.len(), 18);
    let a_held = StreamAsItStood::fold(t.project, &events_of(&on_a));
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
    let events: Vec<Envelope> = graph.events().cloned().collect();
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
        let store = replica(dir.path(), t.project, &held, (t.collaborative, &founded));
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

// ---- the audit bundle ----

fn receipts_for(changes: &[Vec<u8>]) -> Vec<ReceiptEntry> {
    // Each change as a device would have sent it: by its own device, with its event.
    let graph = ChangeGraph::from_changes(changes).unwrap();
    graph
        .nodes()
        .iter()
        .filter(|n| !n.events.is_empty())
        .enumerate()
        .map(|(i, n)| ReceiptEntry {
            seq: i as i64 + 1,
            change_hash: n.hash.to_string(),
            device: n.events[0].device,
            received_at: 1_767_000_000_000 + i as i64 * 1000,
            events: n.events.iter().map(|e| e.id).collect(),
        })
        .collect()
}

struct Made {
    _team: Team,
    project: StreamId,
    changes: Vec<Vec<u8>>,
    bytes: Vec<u8>,
}

fn made() -> Made {
    let mut t = team();
    let changes = t.b.changes_since(t.project, &[]).unwrap();
    let receipts = receipts_for(&changes);
    let (bytes, manifest) = bundle::write(
        vec![StreamContent {
            stream: t.project,
            name: "Positive risk-taking".into(),
            kind: "project".into(),
            changes: changes.clone(),
            receipts,
        }],
        "2026-03-10T17:40:00Z",
    )
    .unwrap();
    assert_eq!(manifest.streams[0].changes.count, changes.len());
    assert_eq!(
        bundle::verify(&bytes).unwrap().manifest_sha256,
        bundle::manifest_sha256(&manifest).unwrap()
    );
    Made {
        project: t.project,
        _team: t,
        changes,
        bytes,
    }
}

fn files_of(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = tar::Archive::new(bytes);
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let name = e.path().unwrap().to_string_lossy().into_owned();
            let mut content = Vec::new();
            e.read_to_end(&mut content).unwrap();
            (name, content)
        })
        .collect()
}

fn archive(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, content) in files {
        let mut header = tar::Header::new_ustar();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, name, content.as_slice())
            .unwrap();
    }
    builder.into_inner().unwrap()
}

/// The bundle with one file's bytes changed by `edit`.
fn tampered(made: &Made, file: &str, edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut files = files_of(&made.bytes);
    let (_, content) = files.iter_mut().find(|(n, _)| n.ends_with(file)).unwrap();
    edit(content);
    archive(&files)
}

fn findings(bytes: &[u8]) -> Vec<Finding> {
    bundle::verify(bytes).unwrap().findings
}

fn hash_of(change: &[u8]) -> String {
    automerge::Change::from_bytes(change.to_vec())
        .unwrap()
        .hash()
        .to_string()
}

#[test]
fn an_untouched_bundle_verifies_and_says_what_it_holds() {
    let m = made();
    let v = bundle::verify(&m.bytes).unwrap();
    assert!(v.intact(), "{:#?}", v.findings);
    assert_eq!(v.streams.len(), 1);
    assert_eq!(v.streams[0].changes, m.changes.len());
    assert_eq!(v.streams[0].events, m.changes.len() - 1, "all but genesis");
    assert_eq!(v.streams[0].receipts, m.changes.len() - 1);
    // Rewritten byte for byte, it is still intact (the format does not depend on tar's
    // incidental header fields).
    assert!(
        bundle::verify(&archive(&files_of(&m.bytes)))
            .unwrap()
            .intact()
    );
}

#[test]
fn a_flipped_byte_names_the_file_and_the_change() {
    let m = made();
    // A byte in the middle of the sixth change's content.
    let k = 5;
    let offset: usize = m.changes[..k].iter().map(Vec::len).sum::<usize>() + m.changes[k].len() - 3;
    let bytes = tampered(&m, "changes.automerge", |c| c[offset] ^= 0x01);
    let found = findings(&bytes);
    let file = format!("streams/{}/changes.automerge", m.project);
    assert!(found.contains(&Finding::FileAltered { file }), "{found:#?}");
    assert!(
        found
            .iter()
            .any(|f| matches!(f, Finding::ChangeAltered { index, .. } if *index == k + 1)),
        "{found:#?}"
    );
    let text: Vec<String> = found.iter().map(|f| f.to_string()).collect();
    assert!(
        text.iter()
            .any(|t| t.contains("change #6") && t.contains("altered")),
        "{text:#?}"
    );
}

#[test]
fn a_dropped_change_is_named_by_its_hash() {
    let m = made();
    let k = 7;
    let dropped = hash_of(&m.changes[k]);
    let bytes = tampered(&m, "changes.automerge", |c| {
        *c = m
            .changes
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != k)
            .flat_map(|(_, c)| c.clone())
            .collect();
    });
    let found = findings(&bytes);
    assert!(
        found
            .iter()
            .any(|f| matches!(f, Finding::ChangeMissing { missing, .. } if *missing == dropped)),
        "{found:#?}"
    );
    assert!(
        found.iter().any(
            |f| matches!(f, Finding::ReceiptForMissingChange { change, .. } if *change == dropped)
        ),
        "{found:#?}"
    );
    assert!(found.iter().any(|f| matches!(f, Finding::ChangeCountDiffers { manifest, found, .. } if *manifest == found + 1)));
}

#[test]
fn dropping_the_last_change_is_named_too() {
    let m = made();
    let last = hash_of(m.changes.last().unwrap());
    let bytes = tampered(&m, "changes.automerge", |c| {
        *c = m.changes[..m.changes.len() - 1].concat();
    });
    let found = findings(&bytes);
    assert!(
        found
            .iter()
            .any(|f| matches!(f, Finding::HeadMissing { head, .. } if *head == last)),
        "{found:#?}"
    );
    assert!(
        found.iter().any(
            |f| matches!(f, Finding::ReceiptForMissingChange { change, .. } if *change == last)
        ),
        "{found:#?}"
    );
}

#[test]
fn reordered_changes_are_named() {
    let m = made();
    // Two changes in a row by the same device: the second depends on the first.
    let graph = ChangeGraph::from_changes(&m.changes).unwrap();
    let k = (1..m.changes.len() - 1)
        .find(|i| graph.nodes()[i + 1].deps.contains(&graph.nodes()[*i].hash))
        .unwrap();
    let mut order: Vec<Vec<u8>> = m.changes.clone();
    order.swap(k, k + 1);
    let bytes = tampered(&m, "changes.automerge", |c| *c = order.concat());
    let found = findings(&bytes);
    let moved = graph.nodes()[k + 1].hash.to_string();
    assert!(
        found.iter().any(|f| matches!(f, Finding::ChangeOutOfOrder { hash, index, .. } if *hash == moved && *index == k + 1)),
        "{found:#?}"
    );
    // Swapping two changes neither depends on is named as a reordering as well.
    let (i, j) = (1..m.changes.len())
        .flat_map(|i| (i + 1..m.changes.len()).map(move |j| (i, j)))
        .find(|(i, j)| {
            let (a, b) = (&graph.nodes()[*i], &graph.nodes()[*j]);
            !b.deps.contains(&a.hash)
                && (i + 1..*j).all(|x| {
                    let n = &graph.nodes()[x];
                    !n.deps.contains(&a.hash) && !b.deps.contains(&n.hash)
                })
        })
        .unwrap();
    let mut order = m.changes.clone();
    order.swap(i, j);
    let found = findings(&tampered(&m, "changes.automerge", |c| *c = order.concat()));
    assert!(
        found.contains(&Finding::ChangesReordered { stream: m.project }),
        "{found:#?}"
    );
}

#[test]
fn an_edited_receipt_is_named_by_its_line() {
    let m = made();
    let bytes = tampered(&m, "receipts.jsonl", |c| {
        let text = String::from_utf8(c.clone()).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut third: serde_json::Value = serde_json::from_str(&lines[2]).unwrap();
        // Reached the office a day earlier than it did.
        third["received_at"] = (third["received_at"].as_i64().unwrap() - 86_400_000).into();
        lines[2] = third.to_string();
        *c = format!("{}\n", lines.join("\n")).into_bytes();
    });
    let found = findings(&bytes);
    let file = format!("streams/{}/receipts.jsonl", m.project);
    assert!(found.contains(&Finding::FileAltered { file }), "{found:#?}");
    assert!(
        found.contains(&Finding::ReceiptAltered {
            stream: m.project,
            line: 3,
            seq: 3
        }),
        "{found:#?}"
    );
    assert_eq!(
        found
            .iter()
            .filter(|f| matches!(f, Finding::ReceiptAltered { .. }))
            .count(),
        1,
        "only the edited line: {found:#?}"
    );
    // A receipt that names another device than the one whose actor made the change.
    let other = praxis_core::domain::ids::DeviceId::new();
    let bytes = tampered(&m, "receipts.jsonl", |c| {
        let text = String::from_utf8(c.clone()).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut first: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        first["device"] = other.to_string().into();
        lines[0] = first.to_string();
        *c = format!("{}\n", lines.join("\n")).into_bytes();
    });
    assert!(
        findings(&bytes)
            .iter()
            .any(|f| matches!(f, Finding::ReceiptDisagrees { seq: 1, .. }))
    );
    // A dropped receipt line breaks the chain where it was.
    let bytes = tampered(&m, "receipts.jsonl", |c| {
        let text = String::from_utf8(c.clone()).unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| !l.contains("\"seq\":4,")).collect();
        *c = format!("{}\n", lines.join("\n")).into_bytes();
    });
    let found = findings(&bytes);
    assert!(
        found
            .iter()
            .any(|f| matches!(f, Finding::ReceiptAltered { seq: 5, .. })),
        "{found:#?}"
    );
}

#[test]
fn a_bundle_that_is_not_one_is_refused_with_what_to_do() {
    let err = bundle::verify(b"not a tar archive at all").unwrap_err();
    assert!(
        err.to_string().contains("not an audit bundle") || err.to_string().contains("manifest"),
        "{err}"
    );
    let m = made();
    let without: Vec<(String, Vec<u8>)> = files_of(&m.bytes)
        .into_iter()
        .filter(|(n, _)| n != "manifest.json")
        .collect();
    let err = bundle::verify(&archive(&without)).unwrap_err();
    assert!(err.to_string().contains("no manifest.json"), "{err}");
    // An added file is named.
    let mut files = files_of(&m.bytes);
    files.push(("streams/extra.txt".into(), b"hello".to_vec()));
    assert!(
        findings(&archive(&files)).contains(&Finding::UnexpectedFile {
            file: "streams/extra.txt".into()
        })
    );
}

#[test]
fn a_long_stream_is_checked_in_parts_and_still_names_the_change() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _, project) = store_with_project(&dir.path().join("long.sqlite3"));
    let events: Vec<Event> = (0..1500).map(|n| observation(None, n)).collect();
    store.record_all(project, events).unwrap();
    let changes = store.changes_since(project, &[]).unwrap();
    assert_eq!(changes.len(), 1502);
    let (bytes, _) = bundle::write(
        vec![StreamContent {
            stream: project,
            name: "Long".into(),
            kind: "project".into(),
            receipts: receipts_for(&changes),
            changes: changes.clone(),
        }],
        "2026-03-10T17:40:00Z",
    )
    .unwrap();
    assert!(bundle::verify(&bytes).unwrap().intact());
    let k = 1234;
    let offset: usize = changes[..k].iter().map(Vec::len).sum::<usize>() + changes[k].len() - 2;
    let m = Made {
        _team: team(),
        project,
        changes,
        bytes,
    };
    let found = findings(&tampered(&m, "changes.automerge", |c| c[offset] ^= 0x40));
    assert!(
        found
            .iter()
            .any(|f| matches!(f, Finding::ChangeAltered { index, .. } if *index == k + 1)),
        "{found:#?}"
    );
}
