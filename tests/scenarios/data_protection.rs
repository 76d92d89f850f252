//! The data protection officer's other work, against the real server: a subject
//! access request answered completely across teams' streams and written to the
//! access log; one record about no named person erased alone; and observations
//! recorded before sealing, still readable and listed as not erasable by key.

use crate::erasure::{ABOUT_P0099, ABOUT_P0413, erase, observation, server_texts};
use praxis_core::domain::envelope::Envelope;
use praxis_core::domain::event::*;
use praxis_core::domain::hlc::Hlc;
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::replication::StreamDocument;
use praxis_core::store::queries;
use praxis_testkit::server::{Fixture, PASSWORD, Phone, TestServer, fixture, start_project};
use praxis_testkit::web::{Web, field};
use reqwest::StatusCode;
use reqwest::blocking::Client;
use serde_json::{Value, json};
use std::process::Command;
use time::macros::date;

/// The fixture, with `dpo` the collaborative's data protection officer, served.
pub(crate) fn with_an_officer() -> (tempfile::TempDir, Fixture, TestServer) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let fx = fixture(&data);
    {
        let mut storage = praxis_testkit::server::open_storage(&data).unwrap();
        praxis_testkit::server::person(
            &mut storage,
            "dpo",
            praxis_core::domain::role::Role::DataProtectionOfficer,
            praxis_core::domain::event::Scope::Collaborative(fx.collaborative),
        );
    }
    let server = TestServer::start(&data);
    (dir, fx, server)
}

#[test]
fn a_subject_access_export_is_complete_across_teams_and_logged() {
    let (dir, fx, server) = with_an_officer();
    let data = dir.path().join("data");
    // Both teams record about P-0413; Northside also about someone else.
    let mut north = Phone::enrol(dir.path(), &server.url, "practitioner-north");
    let mut south = Phone::enrol(dir.path(), &server.url, "practitioner-south");
    north.sync();
    south.sync();
    let n = start_project(&mut north.store, fx.collaborative, "Northside");
    let s = start_project(&mut south.store, fx.collaborative, "Southside");
    for text in ABOUT_P0413 {
        north.store.record(n, observation("P-0413", text)).unwrap();
    }
    north
        .store
        .record(n, observation("P-0099", ABOUT_P0099))
        .unwrap();
    let south_text = "Moved to the ground-floor flat; the stairs are no longer a worry";
    south
        .store
        .record(s, observation("P-0413", south_text))
        .unwrap();
    north.try_sync().unwrap();
    south.try_sync().unwrap();

    // Only the officer may ask; an unknown person is a clear 404.
    let subject = |token: &str, reference: &str| {
        let response = server.get(&format!("/api/v1/subjects/{reference}"), token);
        let status = response.status();
        (status, response.json::<Value>().unwrap_or(Value::Null))
    };
    let (status, body) = subject(&north.token, "P-0413");
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let dpo = Phone::enrol(dir.path(), &server.url, "dpo");
    let (status, body) = subject(&dpo.token, "P-9999");
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = subject(&dpo.token, "Mrs Dlamini");
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // Complete: every record about P-0413 in both teams' projects, and nothing else.
    let (status, export) = subject(&dpo.token, "P-0413");
    assert_eq!(status, StatusCode::OK, "{export}");
    let records = export["records"].as_array().unwrap();
    let mut texts: Vec<&str> = records
        .iter()
        .map(|r| r["text"].as_str().unwrap())
        .collect();
    texts.sort();
    let mut expected = vec![ABOUT_P0413[0], ABOUT_P0413[1], south_text];
    expected.sort();
    assert_eq!(texts, expected, "{export:#}");
    let streams: std::collections::BTreeSet<&str> = records
        .iter()
        .map(|r| r["stream"].as_str().unwrap())
        .collect();
    assert_eq!(streams.len(), 2);
    assert!(
        records
            .iter()
            .all(|r| r["recorded_by"] != "" && r["kind"] == "case material")
    );

    // The same from the server's command, as JSON and a printable page.
    let out = dir.path().join("exports");
    let run = Command::new(praxis_testkit::binary("praxis-server"))
        .arg("--data-dir")
        .arg(&data)
        .args(praxis_testkit::server::engine_options(&data))
        .args(["subject-access", "P-0413", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let said =
        String::from_utf8_lossy(&run.stdout).to_string() + &String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{said}");
    assert!(said.contains("3 records about P-0413"), "{said}");
    let json: Value =
        serde_json::from_slice(&std::fs::read(out.join("P-0413.json")).unwrap()).unwrap();
    assert_eq!(json["records"].as_array().unwrap().len(), 3, "{json:#}");
    let page = std::fs::read_to_string(out.join("P-0413.html")).unwrap();
    assert!(page.contains(south_text) && page.contains("Everything held about P-0413"));
    assert!(!page.contains(ABOUT_P0099));

    // And in the browser.
    let mut officer = Web::sign_in_as(&server.url, "dpo", PASSWORD);
    let shown = officer.get("/data-protection/subject-access?reference=P-0413");
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    assert_eq!(
        shown.body.matches("data-record=").count(),
        3,
        "{}",
        shown.body
    );

    // Each export is in the access log: the API's, the command's and the browser's.
    let auditor = Phone::enrol(dir.path(), &server.url, "auditor");
    let log = server.get_json(&format!("/api/v1/audit/access?stream={s}"), &auditor.token);
    let routes: Vec<&str> = log["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("{log}"))
        .iter()
        .filter_map(|e| e["route"].as_str())
        .collect();
    for route in [
        "/api/v1/subjects/{reference}",
        "praxis-server subject-access",
        "/data-protection/subject-access",
    ] {
        assert_eq!(
            routes.iter().filter(|r| **r == route).count(),
            1,
            "{route}: {log:#}"
        );
    }
}

/// A change as a release before sealing made it: a plain schema 1 observation, appended
/// to the stream's document by the phone's own actor.
fn recorded_before_sealing(
    phone: &mut Phone,
    stream: StreamId,
    subject: &str,
    text: &str,
) -> EventId {
    let changes = phone.store.changes_since(stream, &[]).unwrap();
    let refs: Vec<&[u8]> = changes.iter().map(Vec::as_slice).collect();
    let mut document =
        StreamDocument::load(&StreamDocument::genesis(stream).unwrap().save(), &refs).unwrap();
    let me = phone.store.identity().clone();
    let at = Hlc::tick(Hlc::ZERO, praxis_core::domain::hlc::wall_millis_now());
    let envelope = Envelope::new(stream, me.person, me.device, at, observation(subject, text));
    assert_eq!(
        envelope.schema, 1,
        "an observation of a release before sealing"
    );
    let (_, change) = document
        .append(me.device, envelope.kind_name(), 0, &envelope.encode())
        .unwrap();
    phone.store.merge_changes(stream, &[change]).unwrap();
    envelope.id
}

#[test]
fn observations_recorded_before_sealing_stay_readable_and_are_listed_as_not_erasable_by_key() {
    let (dir, fx, server) = with_an_officer();
    let mut phone = Phone::enrol(dir.path(), &server.url, "practitioner-north");
    phone.sync();
    let project = start_project(&mut phone.store, fx.collaborative, "Northside");
    phone.try_sync().unwrap();
    let old = recorded_before_sealing(&mut phone, project, "P-0500", "Recorded by last year's app");
    phone
        .store
        .record(project, observation("P-0501", "Recorded now"))
        .unwrap();
    phone.try_sync().unwrap();

    // Both are read as they were recorded.
    let coordinator = Phone::enrol(dir.path(), &server.url, "coordinator-north");
    let texts = server_texts(&server, project, &coordinator.token);
    assert!(
        texts.iter().any(|t| t == "Recorded by last year's app"),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t == "Recorded now"), "{texts:?}");

    // The audit lists the old one as not erasable by key, and only it.
    let auditor = Phone::enrol(dir.path(), &server.url, "auditor");
    let integrity = server.get_json(
        &format!("/api/v1/audit/streams/{project}/integrity"),
        &auditor.token,
    );
    assert_eq!(integrity["intact"], true, "{integrity:#}");
    assert_eq!(
        integrity["recorded_before_sealing"],
        json!([old]),
        "{integrity:#}"
    );

    // An erasure reaches what was sealed, and says plainly that nothing is sealed for
    // the person recorded before sealing.
    let dpo = Phone::enrol(dir.path(), &server.url, "dpo");
    let basis = json!({"reason": "asked", "legal_basis": "objection"});
    let (status, body) = erase(&server, &dpo.token, "P-0500", basis.clone());
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = erase(&server, &dpo.token, "P-0501", basis);
    assert_eq!(status, StatusCode::OK, "{body}");
    let texts = server_texts(&server, project, &coordinator.token);
    assert!(
        texts.iter().any(|t| t == "Recorded by last year's app"),
        "{texts:?}"
    );
    assert!(!texts.iter().any(|t| t == "Recorded now"), "{texts:?}");
}

#[test]
fn a_record_about_no_named_person_is_erased_alone() {
    let (dir, fx, server) = with_an_officer();
    let mut phone = Phone::enrol(dir.path(), &server.url, "practitioner-north");
    phone.sync();
    let project = start_project(&mut phone.store, fx.collaborative, "Northside");
    let note = |text: &str| {
        Event::ObservationRecorded(Observation {
            kind: ObservationKind::Observation,
            cycle: None,
            subject: None,
            observed_on: date!(2026 - 11 - 20),
            text: text.into(),
        })
    };
    let wrong = phone
        .store
        .record(project, note("Wrote the neighbour's name here by mistake"))
        .unwrap()
        .id;
    let kept = phone
        .store
        .record(project, note("The team room was cold"))
        .unwrap()
        .id;
    let named = phone
        .store
        .record(project, observation("P-0413", ABOUT_P0413[0]))
        .unwrap()
        .id;
    phone.try_sync().unwrap();
    let dpo = Phone::enrol(dir.path(), &server.url, "dpo");
    let erase_record = |token: &str, record: &str| {
        let response = Client::new()
            .post(format!("{}/api/v1/records/{record}/erasure", server.url))
            .bearer_auth(token)
            .json(&json!({"reason": "Named a neighbour", "legal_basis": "unlawfully-processed"}))
            .send()
            .unwrap();
        let status = response.status();
        (status, response.json::<Value>().unwrap_or(Value::Null))
    };

    // Refused, changing nothing: not an officer; a record about a named person (the
    // person is what is erased); no such record; not an id.
    let (status, body) = erase_record(&phone.token, &wrong.to_string());
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = erase_record(&dpo.token, &named.to_string());
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Erase the person"),
        "{body}"
    );
    let (status, body) = erase_record(&dpo.token, &EventId::new().to_string());
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = erase_record(&dpo.token, "not-an-id");
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("is not a record id"),
        "{body}"
    );
    let coordinator = Phone::enrol(dir.path(), &server.url, "coordinator-north");
    assert_eq!(
        server_texts(&server, project, &coordinator.token)
            .iter()
            .filter(|t| t.starts_with("erased"))
            .count(),
        0
    );

    // Erased alone, and once.
    let (status, body) = erase_record(&dpo.token, &wrong.to_string());
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["keys"], 1, "{body}");
    let (status, body) = erase_record(&dpo.token, &wrong.to_string());
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let texts = server_texts(&server, project, &coordinator.token);
    assert_eq!(
        texts.iter().filter(|t| t.starts_with("erased on ")).count(),
        1,
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t == "The team room was cold"),
        "{texts:?}"
    );
    assert!(texts.iter().any(|t| t == ABOUT_P0413[0]), "{texts:?}");
    phone.try_sync().unwrap();
    let record = queries::record(phone.store.connection(), wrong)
        .unwrap()
        .unwrap();
    assert!(
        matches!(&record.content, Event::ObservationRecorded(o) if o.text.starts_with("erased on "))
    );
    let record = queries::record(phone.store.connection(), kept)
        .unwrap()
        .unwrap();
    assert!(
        matches!(&record.content, Event::ObservationRecorded(o) if o.text == "The team room was cold")
    );

    // In the browser, the officer erases the other note.
    let mut officer = Web::sign_in_as(&server.url, "dpo", PASSWORD);
    let page = officer.get("/data-protection");
    let csrf = field(&page.body, "csrf");
    let done = officer.post(
        "/data-protection/record-erasures",
        &[
            ("csrf", csrf.as_str()),
            ("record", &kept.to_string()),
            ("legal_basis", "no-longer-necessary"),
            ("reason", "Not needed"),
        ],
    );
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let texts = server_texts(&server, project, &coordinator.token);
    assert_eq!(
        texts.iter().filter(|t| t.starts_with("erased on ")).count(),
        2,
        "{texts:?}"
    );
}

const ABOUT_THE_TEST: &str = "Mr Adeyemi's son stayed for the whole talk about the stairs";

#[test]
fn a_dos_free_text_is_sealed_everywhere_and_erased_alone() {
    let (dir, fx, server) = with_an_officer();
    let data = dir.path().join("data");
    let mut phone = Phone::enrol(dir.path(), &server.url, "practitioner-north");
    phone.sync();
    let project = start_project(&mut phone.store, fx.collaborative, "Northside");
    let objective = "Try the conversation guide on the ward round";
    let cycle = phone
        .store
        .record(project, praxis_testkit::records::plan(objective))
        .unwrap()
        .id;
    let done = match praxis_testkit::records::done(cycle) {
        Event::CycleDone { cycle, mut done } => {
            done.observations = ABOUT_THE_TEST.into();
            Event::CycleDone { cycle, done }
        }
        other => other,
    };
    let done = phone.store.record(project, done).unwrap().id;
    phone.try_sync().unwrap();

    // The coordinator reads the Do as written.
    let coordinator = Phone::enrol(dir.path(), &server.url, "coordinator-north");
    let shown = |server: &TestServer| {
        server
            .get_json(&format!("/api/v1/cycles/{cycle}"), &coordinator.token)
            .to_string()
    };
    assert!(
        shown(&server).contains(ABOUT_THE_TEST),
        "{}",
        shown(&server)
    );
    // No file of the server holds it in the clear; the plan's objective, which is not
    // sealed, is found by the same search.
    let server_files = || praxis_testkit::clear_text::with_bytes(walk(&data));
    let files = server_files();
    assert!(
        files
            .iter()
            .any(|(_, b)| praxis_testkit::clear_text::contains(b, objective))
    );
    for (file, bytes) in &files {
        assert!(
            !praxis_testkit::clear_text::contains(bytes, ABOUT_THE_TEST),
            "{} holds the Do's text",
            file.display()
        );
    }

    // Only the officer erases it, alone: the Do names no person.
    let erase_record = |token: &str| {
        let response = Client::new()
            .post(format!("{}/api/v1/records/{done}/erasure", server.url))
            .bearer_auth(token)
            .json(&json!({"reason": "Names a relative", "legal_basis": "unlawfully-processed"}))
            .send()
            .unwrap();
        let status = response.status();
        (status, response.json::<Value>().unwrap_or(Value::Null))
    };
    let (status, body) = erase_record(&coordinator.token);
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let dpo = Phone::enrol(dir.path(), &server.url, "dpo");
    let (status, body) = erase_record(&dpo.token);
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["keys"], 1, "{body}");
    let after = shown(&server);
    assert!(!after.contains(ABOUT_THE_TEST), "{after}");
    assert!(
        after.contains("erased on ") && after.contains("Names a relative"),
        "{after}"
    );
    assert!(after.contains("A. Lee"), "when and by whom stay: {after}");

    // The phone destroys its copy at its next sync.
    phone.try_sync().unwrap();
    let view = queries::cycle(phone.store.connection(), cycle)
        .unwrap()
        .unwrap();
    let on_phone = format!("{view:?}");
    assert!(!on_phone.contains(ABOUT_THE_TEST), "{on_phone}");
    assert!(on_phone.contains("erased on "), "{on_phone}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
