//! The field app's server side over HTTP: a signed-in browser enrols itself as a
//! device (with the session's CSRF token, and again as the same device), sends the
//! records it made offline (each recorded, found already recorded, or refused on its
//! own), and reads its snapshot; bad requests get a clear error and change nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::domain::event::{Event, Observation, ObservationKind};
use praxis_core::domain::hlc::Hlc;
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::protocol::field::{
    FieldDevice, FieldOutcome, FieldRecord, FieldRecords, FieldResults, FieldSession,
};
use praxis_server::credentials::{new_token, token_hash};
use praxis_server::storage::{SqliteStorage, Storage, Views};
use praxis_testkit::server::{Running, running, start_project};
use reqwest::blocking::Client;
use reqwest::header::{AUTHORIZATION, COOKIE};
use serde_json::{Value, json};

/// A browser session for `username`, as signing in makes one: (cookie, csrf).
fn session(storage: &SqliteStorage, username: &str) -> (String, String) {
    let person = storage
        .people()
        .unwrap()
        .into_iter()
        .find(|p| p.username == username)
        .unwrap()
        .id;
    let token = new_token().unwrap();
    let csrf = "a-csrf-token-of-this-session".to_string();
    storage
        .start_session(person, &token_hash(&token), &csrf, 10)
        .unwrap();
    (format!("praxis_session={token}"), csrf)
}

fn enrol(setup: &Running, cookie: &str, csrf: &str, device: Option<&str>) -> FieldDevice {
    let response = Client::new()
        .post(format!("{}/field/device", setup.server.url))
        .header(COOKIE, cookie)
        .json(&json!({"csrf": csrf, "device_id": device}))
        .send()
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().unwrap()
}

fn observation(stream: StreamId, subject: &str, text: &str) -> FieldRecord {
    FieldRecord {
        id: EventId::new(),
        stream,
        recorded_at: Hlc {
            millis: praxis_core::domain::hlc::wall_millis_now(),
            counter: 0,
        },
        event: Event::ObservationRecorded(Observation {
            kind: ObservationKind::Observation,
            cycle: None,
            subject: Some(subject.into()),
            observed_on: time::macros::date!(2026 - 12 - 06),
            text: text.into(),
        }),
    }
}

fn send(setup: &Running, token: &str, body: String) -> reqwest::blocking::Response {
    Client::new()
        .post(format!("{}/api/v1/field/records", setup.server.url))
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .unwrap()
}

#[test]
fn a_browser_enrols_sends_its_records_once_and_reads_its_snapshot() {
    let setup = running();
    let mut phone = setup.enrol("practitioner-north");
    phone.sync();
    let north = start_project(&mut phone.store, setup.fixture.collaborative, "Northside");
    phone.sync();
    let mut other = setup.enrol("practitioner-south");
    other.sync();
    let south = start_project(&mut other.store, setup.fixture.collaborative, "Southside");
    other.sync();
    let storage = praxis_testkit::server::open_storage(&setup.server.data_dir).unwrap();
    let (cookie, csrf) = session(&storage, "practitioner-north");

    // Who is signed in; nobody without a session.
    let who: FieldSession = Client::new()
        .get(format!("{}/field/session", setup.server.url))
        .header(COOKIE, &cookie)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(who.csrf, csrf);
    let nobody = Client::new()
        .get(format!("{}/field/session", setup.server.url))
        .send()
        .unwrap();
    assert_eq!(nobody.status(), 401);

    // Without the session's CSRF token nothing is enrolled.
    let devices = storage.devices().unwrap().len();
    let forged = Client::new()
        .post(format!("{}/field/device", setup.server.url))
        .header(COOKIE, &cookie)
        .json(&json!({"csrf": "guessed", "device_id": null}))
        .send()
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert_eq!(storage.devices().unwrap().len(), devices);
    let first = enrol(&setup, &cookie, &csrf, None);
    assert_eq!(first.person_id, who.person_id);
    // Signing in again keeps the device and ends the old token.
    let again = enrol(&setup, &cookie, &csrf, Some(&first.device_id.to_string()));
    assert_eq!(again.device_id, first.device_id);
    assert_eq!(storage.devices().unwrap().len(), devices + 1);
    let old = send(&setup, &first.token, json!({"records": []}).to_string());
    assert_eq!(old.status(), 401);
    let token = again.token;

    // A phone keeps a replica and sends its records by sync; the field app keeps none
    // and never syncs. Each is refused the other's route.
    let phone_as_field = send(&setup, &phone.token, json!({"records": []}).to_string());
    assert_eq!(phone_as_field.status(), 403);
    let field_as_phone = Client::new()
        .post(format!("{}/api/v1/streams/{north}/sync", setup.server.url))
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header("content-type", "application/octet-stream")
        .body(vec![0x42, 0x01])
        .send()
        .unwrap();
    assert_eq!(field_as_phone.status(), 403);

    // Malformed and oversized requests: a clear error, nothing recorded.
    let before = storage.events(north).unwrap().len();
    let malformed = send(&setup, &token, "{\"records\": [{\"id\": 3}]}".into());
    assert_eq!(malformed.status(), 400);
    let body: Value = malformed.json().unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("Send JSON"),
        "{body}"
    );
    let many: Vec<FieldRecord> = (0..501)
        .map(|n| observation(north, "P-0001", &format!("{n}")))
        .collect();
    let too_many = send(
        &setup,
        &token,
        serde_json::to_string(&FieldRecords { records: many }).unwrap(),
    );
    assert_eq!(too_many.status(), 400);
    assert_eq!(storage.events(north).unwrap().len(), before);

    // One good record, one naming a person, one for another team's project.
    let good = observation(north, "P-0413", "Asked what matters first.");
    let named = observation(north, "Mary Smith", "Named the person.");
    let elsewhere = observation(south, "P-0002", "Not my team.");
    let records = FieldRecords {
        records: vec![good.clone(), named.clone(), elsewhere.clone()],
    };
    let answer: FieldResults = send(&setup, &token, serde_json::to_string(&records).unwrap())
        .json()
        .unwrap();
    let outcomes: Vec<FieldOutcome> = answer.results.iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            FieldOutcome::Recorded,
            FieldOutcome::Refused,
            FieldOutcome::Refused
        ]
    );
    assert_eq!(answer.results[0].id, good.id);
    assert!(answer.results[0].received_at.is_some());
    let why = answer.results[1].problem.clone().unwrap();
    assert!(why.contains("pseudonymous"), "{why}");
    let why = answer.results[2].problem.clone().unwrap();
    assert!(why.contains("not a member"), "{why}");
    assert_eq!(storage.events(north).unwrap().len(), before + 1);
    assert_eq!(storage.events(south).unwrap().len(), 1);

    // Sent again (its answer lost): held once.
    let answer: FieldResults = send(
        &setup,
        &token,
        serde_json::to_string(&FieldRecords {
            records: vec![good.clone()],
        })
        .unwrap(),
    )
    .json()
    .unwrap();
    assert_eq!(answer.results[0].outcome, FieldOutcome::AlreadyRecorded);
    assert_eq!(storage.events(north).unwrap().len(), before + 1);
    let receipts = storage.receipts(north).unwrap();
    assert_eq!(
        receipts
            .iter()
            .filter(|r| r.events.contains(&good.id))
            .count(),
        1
    );
    let held = storage
        .events(north)
        .unwrap()
        .into_iter()
        .find(|e| e.id == good.id)
        .unwrap();
    assert_eq!(held.author, who.person_id);
    assert_eq!(held.device, first.device_id);

    // A later record goes on after the first (the server's document of the stream
    // counts what it took).
    let later = observation(north, "P-0414", "A second visit.");
    let answer: FieldResults = send(
        &setup,
        &token,
        serde_json::to_string(&FieldRecords {
            records: vec![later.clone()],
        })
        .unwrap(),
    )
    .json()
    .unwrap();
    assert_eq!(
        answer.results[0].outcome,
        FieldOutcome::Recorded,
        "{answer:?}"
    );
    assert_eq!(storage.events(north).unwrap().len(), before + 2);

    // The snapshot holds the person's project and their observation, and its reads
    // are in the access log.
    let snapshot: Value = Client::new()
        .get(format!("{}/api/v1/field/snapshot", setup.server.url))
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let projects = snapshot["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1, "only the person's own team's project");
    assert_eq!(projects[0]["stream_id"], json!(north));
    let texts: Vec<&str> = projects[0]["observations"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|o| o["observation"]["text"].as_str())
        .collect();
    assert!(texts.contains(&"Asked what matters first."), "{texts:?}");
    assert!(
        projects[0]["may_record"]
            .as_array()
            .unwrap()
            .contains(&json!("observation-recorded"))
    );
    let log = storage.access_log(&[north]).unwrap();
    assert!(
        log.iter()
            .any(|e| e.route.contains("/api/v1/field/snapshot")),
        "{log:?}"
    );

    // Signing out ends the token.
    let out = Client::new()
        .post(format!("{}/api/v1/field/sign-out", setup.server.url))
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .unwrap();
    assert_eq!(out.status(), 204);
    let after = send(&setup, &token, json!({"records": []}).to_string());
    assert_eq!(after.status(), 401);
}

#[test]
fn an_observation_from_the_field_app_is_sealed_on_the_server_and_reaches_phones_openable() {
    let setup = running();
    let mut phone = setup.enrol("practitioner-north");
    phone.sync();
    let north = start_project(&mut phone.store, setup.fixture.collaborative, "Northside");
    phone.sync();
    let storage = praxis_testkit::server::open_storage(&setup.server.data_dir).unwrap();
    let (cookie, csrf) = session(&storage, "practitioner-north");
    let token = enrol(&setup, &cookie, &csrf, None).token;
    let text = "Mr Adeyemi asked for his daughter to join the next visit";
    let record = observation(north, "P-0777", text);
    let id = record.id;
    let answer = send(
        &setup,
        &token,
        serde_json::to_string(&FieldRecords {
            records: vec![record],
        })
        .unwrap(),
    );
    assert_eq!(answer.status(), 200);
    let results: FieldResults = answer.json().unwrap();
    assert!(
        results.results[0].outcome == FieldOutcome::Recorded,
        "{:?}",
        results.results[0]
    );

    // Sealed as a phone would have sealed it: schema 5, no text in the server's files.
    let event = storage
        .events(north)
        .unwrap()
        .into_iter()
        .find(|e| e.id == id)
        .unwrap();
    assert_eq!(event.schema, 5);
    assert!(matches!(&event.body, Some(Event::ObservationRecorded(o)) if o.text == text));
    drop(storage);
    for entry in std::fs::read_dir(&setup.server.data_dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(text.len()).any(|w| w == text.as_bytes()));
    }

    // A phone takes the key with the record, and reads it.
    phone.sync();
    let shown = praxis_core::store::queries::record(phone.store.connection(), id)
        .unwrap()
        .unwrap();
    assert!(matches!(&shown.content, Event::ObservationRecorded(o) if o.text == text));
}
