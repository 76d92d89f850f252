//! `praxis enrol --carry-over` against a real server: work recorded in a store used
//! offline from `praxis init` is re-recorded under the enrolled person, each record
//! keeping its id and time, with an explanation in each stream's history; without the
//! flag, enrolment refuses and says how to carry it over.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::domain::event::{Event, EventKind, Scope};
use praxis_core::domain::ids::EventId;
use praxis_core::domain::role::Role;
use praxis_server::auth::hash_password;
use praxis_server::storage::{SqliteStorage, Storage, Views};
use praxis_testkit::server::{PASSWORD, TestServer, collaborative};
use serde_json::Value;
use std::path::Path;

use crate::common::{Out, praxis_out as praxis};

fn ok(out: Out) -> String {
    out.ok()
}

fn json(out: Out) -> Value {
    out.json()
}

fn id_of(out: Out) -> String {
    json(out)["id"].as_str().unwrap().to_string()
}

/// A store used offline: a collaborative, a project, a measure with a value, an
/// observation. Gives the ids of the measurement and the observation.
fn offline_work(d: &Path, store: &Path) -> (String, String) {
    ok(praxis(
        d,
        store,
        &[
            "init",
            "--name",
            "Dev on the laptop",
            "--collaborative",
            "Independence at home",
            "--topic",
            "Promoting independence",
            "--chosen-with",
            "Chosen with the service users' forum",
        ],
    ));
    ok(praxis(
        d,
        store,
        &[
            "project",
            "start",
            "--team",
            "Northside",
            "--organisation",
            "Northshire County Council",
            "--title",
            "Positive risk plans",
        ],
    ));
    let measure = id_of(praxis(
        d,
        store,
        &[
            "--json",
            "measure",
            "define",
            "--name",
            "Plans agreed",
            "--kind",
            "outcome",
            "--definition",
            "Plans agreed",
            "--unit",
            "plans",
            "--direction",
            "up",
        ],
    ));
    let value = id_of(praxis(
        d,
        store,
        &[
            "--json",
            "measure",
            "record",
            &measure,
            "--from",
            "2026-03-02",
            "--to",
            "2026-03-08",
            "--value",
            "3",
        ],
    ));
    let note = id_of(praxis(
        d,
        store,
        &["--json", "observe", "Talked the plan through with P-0007"],
    ));
    (value, note)
}

fn events(d: &Path, store: &Path) -> i64 {
    let status = json(praxis(d, store, &["--json", "status"]));
    status["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            s["events"]
                .as_i64()
                .or_else(|| s["info"]["events"].as_i64())
                .unwrap_or(0)
        })
        .sum()
}

#[test]
fn work_recorded_before_enrolling_is_carried_over_with_its_times_kept_and_explained() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = d.join("data");
    let storage = SqliteStorage::open(&data).unwrap();
    let c = collaborative(&storage);
    let north = storage
        .add_team(c, "Northside", "Northshire County Council")
        .unwrap();
    let dev = storage
        .add_person("dev", "Dev Sharma", &hash_password(PASSWORD).unwrap())
        .unwrap();
    storage
        .grant(dev, Role::Practitioner, Scope::Team(north))
        .unwrap();
    drop(storage);
    let server = TestServer::start(&data);

    let store = d.join("laptop.sqlite3");
    let (value, note) = offline_work(d, &store);
    let before_value = json(praxis(d, &store, &["--json", "history", &value]));
    let before_note = json(praxis(d, &store, &["--json", "history", &note]));
    let before_events = events(d, &store);
    let enrol = [
        "enrol",
        "--server",
        &server.url,
        "--username",
        "dev",
        "--password",
        PASSWORD,
    ];

    // Without the flag: refused, saying how to carry the work over; nothing changes.
    let refused = praxis(d, &store, &enrol);
    assert_eq!(refused.code, 2, "{}{}", refused.stdout, refused.stderr);
    assert!(
        refused.stderr.contains("praxis enrol --carry-over"),
        "{}",
        refused.stderr
    );
    let still = json(praxis(d, &store, &["--json", "status"]));
    assert_eq!(still["identity"]["name"], "Dev on the laptop");

    let mut carry = enrol.to_vec();
    carry.push("--carry-over");
    let enrolled = ok(praxis(d, &store, &carry));
    assert!(enrolled.contains("now Dev Sharma's"), "{enrolled}");

    // Every record is still there once, under its id and first time, now by Dev; each
    // of the two streams has one explanation more.
    assert_eq!(events(d, &store), before_events + 2);
    for (id, before) in [(&value, &before_value), (&note, &before_note)] {
        let after = json(praxis(d, &store, &["--json", "history", id]));
        assert_eq!(after["id"], before["id"]);
        assert_eq!(after["current"], before["current"]);
        assert_eq!(
            after["entries"][0]["stamp"]["at"],
            before["entries"][0]["stamp"]["at"]
        );
        assert_ne!(
            after["entries"][0]["stamp"]["author"],
            before["entries"][0]["stamp"]["author"]
        );
        let text = ok(praxis(d, &store, &["history", id]));
        assert!(text.contains("by Dev Sharma"), "{text}");
    }
    let me = json(praxis(d, &store, &["--json", "status"]));
    assert_eq!(me["identity"]["name"], "Dev Sharma");

    // The project, founded in a collaborative made on the laptop, moved to Dev's team
    // on the server: the sync takes it there, every record once, with one receipt
    // each, by Dev, at its first time. A second sync changes nothing.
    ok(praxis(d, &store, &["sync"]));
    ok(praxis(d, &store, &["sync"]));
    let storage = SqliteStorage::open(&data).unwrap();
    let value_id: EventId = value.parse().unwrap();
    let project = storage
        .stream_of(value_id)
        .unwrap()
        .expect("the project reached the server");
    let on_server = storage.envelopes(project).unwrap();
    let mine: Vec<_> = on_server.iter().filter(|e| e.author == dev).collect();
    assert_eq!(mine.len(), on_server.len(), "every record is Dev's");
    let ids: std::collections::HashSet<EventId> = on_server.iter().map(|e| e.id).collect();
    assert_eq!(ids.len(), on_server.len(), "nothing twice");
    for (id, before) in [(&value, &before_value), (&note, &before_note)] {
        let id: EventId = id.parse().unwrap();
        let e = on_server
            .iter()
            .find(|e| e.id == id)
            .expect("on the server");
        assert_eq!(
            serde_json::to_value(e.recorded_at).unwrap(),
            before["entries"][0]["stamp"]["at"],
            "its first time kept"
        );
    }
    let arrivals = storage.arrivals(project).unwrap();
    for e in &on_server {
        assert_eq!(
            arrivals.iter().filter(|a| a.event == e.id).count(),
            1,
            "one receipt for {}",
            e.id
        );
    }
    let started = on_server
        .iter()
        .find_map(|e| match e.event() {
            Some(Event::ProjectStarted(p)) => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        started.collaborative, c,
        "in Dev's collaborative on the server"
    );
    assert!(
        on_server
            .iter()
            .any(|e| e.kind() == Some(EventKind::WorkCarriedOver)),
        "the explanation went with it"
    );
}
