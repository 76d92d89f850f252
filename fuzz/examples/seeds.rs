//! Writes the seed corpus of every fuzz target into `fuzz/corpus/<target>/`: valid
//! inputs made with the testkit's records and the targets' own input formats, and a
//! few the server must refuse, so each run starts deep in the code it fuzzes.
//!
//! `cargo run --example seeds` from `fuzz/`. Files are named by what they hold; a
//! seed written again with the same name is replaced.

use automerge::sync::{Have, Message, MessageVersion};
use praxis_core::domain::envelope::{Body, Envelope};
use praxis_core::domain::event::{
    ActionPlanEntry, Decision, Event, LearningLogEntry, ProjectStarted, Replacement,
};
use praxis_core::domain::hlc::Hlc;
use praxis_core::domain::ids::{DeviceId, EventId, PersonId, StreamId};
use praxis_core::replication::StreamDocument;
use praxis_core::store::{encode_record, queries};
use praxis_fuzz::fixture::{CSRF, ORGANISATION, SIGN_IN_TOKEN, TEAM};
use praxis_fuzz::placeholders::{COLLABORATIVE, CYCLE, MEASURE, PROJECT, REPORT};
use praxis_fuzz::request;
use praxis_fuzz::stored::{self, DEVICE};
use praxis_fuzz::sync_input::{self, ChangeSpec};
use praxis_testkit::Project;
use praxis_testkit::records;
use std::path::{Path, PathBuf};
use time::macros::date;

fn corpus(target: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    std::fs::create_dir_all(&dir).expect("make the corpus directory");
    dir
}

fn write(target: &str, name: &str, bytes: &[u8]) {
    std::fs::write(corpus(target).join(name), bytes).expect("write a seed");
}

fn postcard(event: &Event) -> Vec<u8> {
    postcard::to_stdvec(event).expect("an event encodes")
}

fn main() {
    let mut project = Project::new();
    project.grow(40, 10);
    let conn = project.store.connection();
    envelopes(&queries::events(conn, project.stream).expect("the project's events"));
    stored_records(
        &queries::all_records(conn, project.stream)
            .expect("the project's records")
            .iter()
            .map(|r| (r.kind.name(), encode_record(r)))
            .collect::<Vec<_>>(),
    );
    documents(&queries::events(conn, project.stream).expect("the project's events"));
    sync_messages();
    request_bodies();
}

/// One envelope of each kind the project holds, and one from a newer schema.
fn envelopes(events: &[Envelope]) {
    let mut seen = std::collections::HashSet::new();
    for envelope in events {
        if seen.insert(envelope.kind_name()) {
            write("envelope", envelope.kind_name(), &envelope.encode());
        }
    }
    let mut newer = events[0].clone();
    newer.schema += 1;
    newer.body = Body::Unknown(b"a body from a newer Praxis".to_vec());
    write("envelope", "newer-schema", &newer.encode());
}

/// One stored record of each kind.
fn stored_records(records: &[(&str, Vec<u8>)]) {
    let mut seen = std::collections::HashSet::new();
    for (kind, bytes) in records {
        if seen.insert(*kind) {
            write("envelope", &format!("record-{kind}"), bytes);
        }
    }
}

/// Documents as a store saves them: a genesis, one the device appended to, and one
/// with changes from another device kept after it.
fn documents(events: &[Envelope]) {
    let stream = events[0].stream;
    let (device, other) = (DeviceId(DEVICE), DeviceId::new());
    let mut document = StreamDocument::genesis(stream).expect("a genesis");
    write(
        "stream_document",
        "genesis",
        &stored::join(&document.save(), &[]),
    );
    let mut bytes = events.iter().map(|e| (e.kind_name(), 0, e.encode()));
    document
        .append_all(device, bytes.by_ref().take(4).collect())
        .expect("append");
    let saved = document.save();
    write("stream_document", "appended", &stored::join(&saved, &[]));
    let before = document.heads();
    for (kind, time, event) in bytes.take(2) {
        document.append(other, kind, time, &event).expect("append");
    }
    let after: Vec<Vec<u8>> = document
        .changes_since(&before)
        .iter()
        .map(|c| c.raw_bytes().to_vec())
        .collect();
    write(
        "stream_document",
        "changes-after",
        &stored::join(&saved, &after),
    );
}

fn spec(flags: u8, seconds: u32, event: &Event) -> ChangeSpec {
    ChangeSpec {
        flags,
        seconds,
        body: postcard(event),
    }
}

fn sync_messages() {
    let cycle = EventId(CYCLE);
    // As sent: a first message with the device's heads only, to each stream.
    let first = Message {
        heads: Vec::new(),
        need: Vec::new(),
        have: vec![Have::default()],
        changes: Vec::<Vec<u8>>::new().into(),
        flags: None,
        version: MessageVersion::V1,
    }
    .encode();
    for (name, header) in [
        ("sent-first", 0),
        ("sent-first-new-stream", sync_input::NEW_STREAM),
    ] {
        let mut input = vec![header];
        input.extend_from_slice(&first);
        write("sync_message", name, &input);
    }

    let at = 26_000_000;
    let project_records = [
        (
            "observation",
            records::cycle_observation("Both engaged", Some(cycle)),
        ),
        ("plan", records::plan("Try the guide on reviews")),
        ("do", records::done(cycle)),
        ("study", records::studied(cycle)),
        ("act", records::acted(cycle, Vec::new(), Decision::Adapt)),
        ("measurement", records::measurement(EventId(MEASURE), 4)),
        (
            "action-plan",
            Event::ActionPlanEntryAdded(ActionPlanEntry {
                where_are_we_now: "Plans agreed in 4 of 10".into(),
                what_do_we_want_to_achieve: "7 of 10".into(),
                how_will_we_get_there: "The guide on every visit".into(),
                who_needs_to_take_what_action: "A. Lee".into(),
                timescales: "By March".into(),
            }),
        ),
        (
            "learning-log",
            Event::LearningLogEntryAdded(LearningLogEntry {
                learning_points: "Start from what matters".into(),
                action_points: "Share the guide".into(),
                responsibility: "S. Patel".into(),
                implement_by: date!(2027 - 01 - 31),
            }),
        ),
        (
            "correction",
            Event::Correction {
                corrects: cycle,
                reason: "The objective was mistyped".into(),
                replacement: Some(Replacement::Plan(records::cycle_plan("Try the guide"))),
            },
        ),
        ("report", records::report()),
    ];
    for (name, event) in &project_records {
        write(
            "sync_message",
            &format!("built-{name}"),
            &sync_input::encode(0, &[spec(0, at, event)]),
        );
    }
    // A cycle's Do, Study and Act in one message, each on the one before.
    let stages: Vec<ChangeSpec> = project_records[2..5]
        .iter()
        .enumerate()
        .map(|(i, (_, e))| spec(0, at + i as u32, e))
        .collect();
    write(
        "sync_message",
        "built-do-study-act",
        &sync_input::encode(0, &stages),
    );
    let three: Vec<ChangeSpec> = project_records[..3]
        .iter()
        .enumerate()
        .map(|(i, (_, e))| spec(0, at + i as u32, e))
        .collect();
    write(
        "sync_message",
        "built-three-with-have-v2",
        &sync_input::encode(sync_input::HAVE | sync_input::V2, &three),
    );
    // Before everything the server holds: its views are rebuilt.
    write(
        "sync_message",
        "built-earlier",
        &sync_input::encode(sync_input::HAVE, &[spec(0, 0, &project_records[0].1)]),
    );
    // What the gate refuses.
    let observation = &project_records[0].1;
    for (name, flags) in [
        ("other-actor", sync_input::OTHER_ACTOR),
        ("other-author", sync_input::OTHER_AUTHOR),
        ("other-device", sync_input::OTHER_DEVICE),
        ("other-stream", sync_input::OTHER_STREAM),
        ("extra-op", sync_input::EXTRA_OP),
        ("two-events", sync_input::TWO_EVENTS),
        ("newer-schema", sync_input::NEWER_SCHEMA),
    ] {
        write(
            "sync_message",
            &format!("refused-{name}"),
            &sync_input::encode(0, &[spec(flags, at, observation)]),
        );
    }
    write(
        "sync_message",
        "held-back",
        &sync_input::encode(
            0,
            &[
                spec(sync_input::HELD_BACK, at, observation),
                spec(0, at + 1, &project_records[1].1),
            ],
        ),
    );
    for (name, event) in [
        ("score", records::score(EventId(REPORT))),
        (
            "person-added",
            Event::PersonAdded {
                person: PersonId::new(),
                username: "mallory".into(),
                name: "Mallory".into(),
            },
        ),
    ] {
        write(
            "sync_message",
            &format!("refused-{name}"),
            &sync_input::encode(0, &[spec(0, at, &event)]),
        );
    }

    // A stream new to the server: a project of the fixture's team, one of a team the
    // server does not know, and one that does not begin with its project.
    let started = |team: &str| {
        Event::ProjectStarted(ProjectStarted {
            collaborative: StreamId(COLLABORATIVE),
            team: team.into(),
            organisation: ORGANISATION.into(),
            title: "Shared care records".into(),
        })
    };
    write(
        "sync_message",
        "new-project",
        &sync_input::encode(
            sync_input::NEW_STREAM,
            &[
                spec(0, at, &started(TEAM)),
                spec(0, at + 1, &records::observation("First visit")),
            ],
        ),
    );
    write(
        "sync_message",
        "new-project-unknown-team",
        &sync_input::encode(sync_input::NEW_STREAM, &[spec(0, at, &started("Eastside"))]),
    );
    write(
        "sync_message",
        "new-stream-without-project",
        &sync_input::encode(
            sync_input::NEW_STREAM,
            &[spec(0, at, &records::observation("First visit"))],
        ),
    );
}

fn form(fields: &[(&str, &str)]) -> Vec<u8> {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
        .into_bytes()
}

fn request_bodies() {
    let seeds: Vec<(&str, usize, Vec<u8>)> = vec![
        (
            "enrol",
            0,
            serde_json::json!({
                "username": "asha",
                "password": "correct horse battery staple",
                "device_name": "Asha's phone",
            })
            .to_string()
            .into_bytes(),
        ),
        (
            "sign-in",
            1,
            form(&[
                ("sign_in_token", SIGN_IN_TOKEN),
                ("next", "/projects"),
                ("username", "jo"),
                ("password", "correct horse battery staple"),
            ]),
        ),
        ("sign-out", 2, form(&[("csrf", CSRF)])),
        (
            "report",
            3,
            form(&[
                ("csrf", CSRF),
                ("month", "2026-11"),
                ("measures", "Plans agreed rose to 5 of 10"),
                ("cycles", "Two cycles of the guide"),
                ("learning", "Reviews suit the guide too"),
                ("barriers", ""),
                ("plans", "Spread to the hospital team"),
                ("self_score", "3.0"),
            ]),
        ),
        (
            "decision",
            4,
            form(&[
                ("csrf", CSRF),
                ("decision", "Fund the guide's printing"),
                ("rationale", "Plans agreed rose for three months"),
                ("rests_on", &REPORT.to_string()),
            ]),
        ),
        (
            "score",
            5,
            form(&[
                ("csrf", CSRF),
                ("score", "3.5"),
                ("justification", "Cycles ran and the data show it"),
            ]),
        ),
        (
            "score-too-large",
            5,
            form(&[
                ("csrf", CSRF),
                ("score", "7000.0"),
                ("justification", "A number too big for a score"),
            ]),
        ),
        (
            "field-device",
            6,
            serde_json::json!({ "csrf": CSRF, "device_id": null })
                .to_string()
                .into_bytes(),
        ),
        (
            "field-records",
            7,
            serde_json::json!({
                "records": [{
                    "id": EventId(uuid::Uuid::from_u128(0x019a_0000_0000_7000_8000_0000_0000_0001)),
                    "stream": StreamId(PROJECT),
                    "recorded_at": Hlc { millis: 1_793_000_000_000, counter: 0 },
                    "event": records::cycle_observation("Her son joined", Some(EventId(CYCLE))),
                }]
            })
            .to_string()
            .into_bytes(),
        ),
    ];
    for (name, route, body) in seeds {
        write("request_body", name, &request::encode(route, &body));
    }
}
