//! Erasure by crypto-shredding, in the field, against the real server: a practitioner
//! records observations about P-0413 offline, syncs, and a coordinator reads them; the
//! data protection officer (granted with `praxis-server admin grant`) erases P-0413;
//! the practitioner's phone, offline during the erasure, syncs later and shows
//! "erased", as do the coordinator's device and the server. Afterwards no byte of any
//! file Praxis wrote (the server's data directory with its log, both device stores, an
//! audit bundle) holds the text or the destroyed keys, and the bundle still verifies.
//! Refusals change nothing: an erasure by someone without the role, of an unknown
//! person, with no legal basis; a device that offers a destroyed key again.

use praxis_core::domain::envelope::Envelope;
use praxis_core::domain::event::*;
use praxis_core::domain::hlc::Hlc;
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::replication::StreamDocument;
use praxis_core::store::{Store, queries};
use praxis_testkit::clear_text::contains;
use praxis_testkit::server::{Fixture, PASSWORD, Phone, TestServer, fixture, start_project};
use praxis_testkit::web::{Web, field};
use reqwest::StatusCode;
use reqwest::blocking::Client;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use time::macros::date;

const ABOUT_P0413: [&str; 2] = [
    "Mrs Dlamini said her son collects her pension on Thursdays",
    "Case conference notes: the neighbour at number 12 holds the spare key",
];
const OFFLINE_ABOUT_P0413: &str = "Mrs Dlamini's daughter rang about the pension";
const ABOUT_P0099: &str = "Mr Osei walked to the shop with the support worker";

fn observation(subject: &str, text: &str) -> Event {
    Event::ObservationRecorded(Observation {
        kind: ObservationKind::CaseMaterial,
        cycle: None,
        subject: Some(subject.into()),
        observed_on: date!(2026 - 11 - 20),
        text: text.into(),
    })
}

/// The texts of the observations a store shows, as its readers read them.
fn texts(store: &Store, stream: StreamId) -> Vec<String> {
    queries::all_records(store.connection(), stream)
        .unwrap()
        .into_iter()
        .filter_map(|r| match r.content {
            Event::ObservationRecorded(o) => Some(o.text),
            _ => None,
        })
        .collect()
}

fn server_texts(server: &TestServer, stream: StreamId, token: &str) -> Vec<String> {
    let events = server.get_json(&format!("/api/v1/streams/{stream}/events"), token);
    events["events"]
        .as_array()
        .unwrap_or_else(|| panic!("{events}"))
        .iter()
        .filter_map(|e| e["body"]["ObservationRecorded"]["text"].as_str())
        .map(str::to_string)
        .collect()
}

fn erase(server: &TestServer, token: &str, reference: &str, body: Value) -> (StatusCode, Value) {
    let response = Client::new()
        .post(format!(
            "{}/api/v1/subjects/{reference}/erasure",
            server.url
        ))
        .bearer_auth(token)
        .json(&body)
        .send()
        .unwrap();
    let status = response.status();
    (status, response.json().unwrap_or(Value::Null))
}

fn keys(server: &TestServer, token: &str, body: Value) -> (StatusCode, Value) {
    let response = Client::new()
        .post(format!("{}/api/v1/keys", server.url))
        .bearer_auth(token)
        .json(&body)
        .send()
        .unwrap();
    let status = response.status();
    (status, response.json().unwrap_or(Value::Null))
}

/// Every file under `dir`, with its bytes.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, bytes));
        }
    }
    out
}

/// The wrapped data keys a store's file holds, as bytes to look for.
fn wrapped_keys(path: &Path) -> Vec<Vec<u8>> {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.prepare("SELECT wrapped FROM data_keys WHERE wrapped IS NOT NULL")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn holds(bytes: &[u8], needle: &[u8]) -> bool {
    bytes.windows(needle.len()).any(|w| w == needle)
}

fn admin(data: &Path, master: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(praxis_testkit::binary("praxis-server"))
        .arg("--data-dir")
        .arg(data)
        .arg("--master-key-file")
        .arg(master)
        .arg("admin")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn an_erased_person_is_erased_everywhere_and_the_history_still_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let secrets = dir.path().join("secrets");
    let master = secrets.join("master.key");
    let fx = fixture(&data);
    // The master key moved out of the data directory, as the README says to keep it.
    std::fs::create_dir_all(&secrets).unwrap();
    std::fs::rename(data.join("master.key"), &master).unwrap();
    let (ok, out) = admin(
        &data,
        &master,
        &[
            "create-person",
            "--username",
            "dpo",
            "--name",
            "Kate Obi",
            "--password",
            praxis_testkit::server::PASSWORD,
        ],
    );
    assert!(ok, "{out}");
    let (ok, out) = admin(
        &data,
        &master,
        &[
            "grant",
            "--username",
            "dpo",
            "--role",
            "data-protection-officer",
            "--team",
            "Northside",
        ],
    );
    assert!(!ok && out.contains("whole collaborative"), "{out}");
    let (ok, out) = admin(
        &data,
        &master,
        &[
            "grant",
            "--username",
            "dpo",
            "--role",
            "data-protection-officer",
            "--collaborative",
            &fx.collaborative.to_string(),
        ],
    );
    assert!(ok, "{out}");
    let server = TestServer::start_with(&data, &["--master-key-file", master.to_str().unwrap()]);
    assert!(
        !data.join("master.key").exists(),
        "the key stays where it was put"
    );

    // 1. The practitioner records about P-0413 (and P-0099) offline.
    let mut phone = Phone::enrol(dir.path(), &server.url, "practitioner-north");
    phone.sync();
    let project = start_project(&mut phone.store, fx.collaborative, "Northside");
    for text in ABOUT_P0413 {
        phone
            .store
            .record(project, observation("P-0413", text))
            .unwrap();
    }
    phone
        .store
        .record(project, observation("P-0099", ABOUT_P0099))
        .unwrap();
    let mut shown = texts(&phone.store, project);
    shown.sort();
    let mut expected = vec![ABOUT_P0413[0], ABOUT_P0413[1], ABOUT_P0099];
    expected.sort();
    assert_eq!(shown, expected);

    // 2. It syncs; the coordinator reads them on the server and on a device of theirs.
    phone.try_sync().unwrap();
    let mut coordinator = Phone::enrol(dir.path(), &server.url, "coordinator-north");
    coordinator.try_sync().unwrap();
    let mut on_laptop = texts(&coordinator.store, project);
    on_laptop.sort();
    assert_eq!(on_laptop, expected);
    let on_server = server_texts(&server, project, &coordinator.token);
    for text in expected.iter() {
        assert!(on_server.iter().any(|t| t == text), "{on_server:?}");
    }
    // What an offline device would hold back: its key for P-0413, as the server gave it.
    let (status, answer) = keys(
        &server,
        &phone.token,
        json!({"streams": [{"stream": project, "since": 0}]}),
    );
    assert_eq!(status, StatusCode::OK, "{answer}");
    let held: Vec<Value> = answer["changes"].as_array().unwrap().clone();
    assert_eq!(
        held.len(),
        2,
        "a key for each person in the stream: {answer}"
    );
    let wrapped_before: Vec<Vec<u8>> = [
        wrapped_keys(&data.join("praxis.sqlite3")),
        wrapped_keys(phone.store.path()),
        wrapped_keys(coordinator.store.path()),
    ]
    .concat();
    assert!(wrapped_before.len() >= 6, "{}", wrapped_before.len());

    // Refusals, each changing nothing.
    let dpo = Phone::enrol(dir.path(), &server.url, "dpo");
    let erasure = json!({"reason": "The person asked; no care is provided to them", "legal_basis": "no-longer-necessary"});
    let refused = |token: &str, reference: &str, body: Value, status: StatusCode| {
        let (got, answer) = erase(&server, token, reference, body);
        assert_eq!(got, status, "{reference}: {answer}");
        answer["message"].as_str().unwrap_or_default().to_string()
    };
    let said = refused(
        &coordinator.token,
        "P-0413",
        erasure.clone(),
        StatusCode::FORBIDDEN,
    );
    assert!(said.contains("data protection officer"), "{said}");
    refused(&dpo.token, "P-9999", erasure.clone(), StatusCode::NOT_FOUND);
    let made_up = json!({"reason": "asked", "legal_basis": "because"});
    let said = refused(&dpo.token, "P-0413", made_up, StatusCode::BAD_REQUEST);
    assert!(said.contains("no-longer-necessary"), "{said}");
    refused(
        &dpo.token,
        "Mrs Dlamini",
        erasure.clone(),
        StatusCode::BAD_REQUEST,
    );
    let no_reason = json!({"reason": " ", "legal_basis": "objection"});
    refused(&dpo.token, "P-0413", no_reason, StatusCode::BAD_REQUEST);
    assert_eq!(server_texts(&server, project, &coordinator.token).len(), 3);
    // The officer reads no team's records.
    let refused = server.get(&format!("/api/v1/streams/{project}/events"), &dpo.token);
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);

    // Another practitioner starts a project offline and records about P-0413 in it,
    // under a key their phone makes: it reaches the server only after the erasure.
    let mut second = Phone::enrol(dir.path(), &server.url, "practitioner2-north");
    second.sync();
    let offline_project = start_project(&mut second.store, fx.collaborative, "Northside");
    second
        .store
        .record(offline_project, observation("P-0413", OFFLINE_ABOUT_P0413))
        .unwrap();

    // 3. The data protection officer erases P-0413 while the phone is offline.
    let (status, body) = erase(&server, &dpo.token, "P-0413", erasure);
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["keys"], 1, "{body}");
    assert_eq!(body["streams"], json!([project]), "{body}");
    let (status, body) = erase(
        &server,
        &dpo.token,
        "P-0413",
        json!({"reason": "again", "legal_basis": "objection"}),
    );
    assert_eq!(status, StatusCode::NOT_FOUND, "erased once: {body}");

    // On the server at once: in place of the content, when and why.
    let on_server = server_texts(&server, project, &coordinator.token);
    assert_eq!(on_server.len(), 3);
    assert!(on_server.iter().any(|t| t == ABOUT_P0099), "{on_server:?}");
    let erased: Vec<&String> = on_server
        .iter()
        .filter(|t| t.starts_with("erased on "))
        .collect();
    assert_eq!(erased.len(), 2, "{on_server:?}");
    assert!(erased[0].contains("The person asked"), "{erased:?}");
    let page = server.get_json(
        &format!("/api/v1/streams/{project}/feed"),
        &coordinator.token,
    );
    assert!(!page.to_string().contains("Dlamini"), "{page}");

    // 4. The phone, offline during the erasure, syncs and shows "erased"; so does the
    // coordinator's device.
    assert!(
        texts(&phone.store, project)
            .iter()
            .any(|t| t == ABOUT_P0413[0]),
        "not yet"
    );
    phone.try_sync().unwrap();
    coordinator.try_sync().unwrap();
    for store in [&phone.store, &coordinator.store] {
        let shown = texts(store, project);
        assert_eq!(
            shown.iter().filter(|t| t.starts_with("erased on ")).count(),
            2,
            "{shown:?}"
        );
        assert!(shown.iter().any(|t| t == ABOUT_P0099), "{shown:?}");
    }

    // The key made offline before the erasure is erased as it arrives.
    second.try_sync().unwrap();
    for shown in [
        texts(&second.store, offline_project),
        server_texts(&server, offline_project, &second.token),
    ] {
        assert_eq!(shown.len(), 1, "{shown:?}");
        assert!(shown[0].starts_with("erased on "), "{shown:?}");
    }

    // A device that keeps using the destroyed key is refused, and nothing changes.
    let destroyed = held
        .iter()
        .find(|k| k["state"]["subject"] == "P-0413")
        .unwrap_or_else(|| panic!("{held:?}"));
    let offer = json!({"made": [{
        "id": destroyed["id"], "stream": project, "subject": "P-0413",
        "key": destroyed["state"]["key"], "made_at": 0
    }], "streams": []});
    let (status, body) = keys(&server, &phone.token, offer);
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "key_erased", "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("cannot be used again"),
        "{body}"
    );

    // 5. No file Praxis wrote holds the text or a destroyed key.
    let bundle = server
        .get("/api/v1/audit/bundle", &{
            let auditor = Phone::enrol(dir.path(), &server.url, "auditor");
            auditor.token
        })
        .bytes()
        .unwrap()
        .to_vec();
    let bundle_file = dir.path().join("bundle.tar");
    std::fs::write(&bundle_file, &bundle).unwrap();
    let mut written = files(&data);
    written.extend(files(&secrets));
    for store in [phone.store.path(), coordinator.store.path()] {
        for suffix in ["", "-wal"] {
            let path = PathBuf::from(format!("{}{suffix}", store.display()));
            if let Ok(bytes) = std::fs::read(&path) {
                written.push((path, bytes));
            }
        }
    }
    written.push((bundle_file, bundle.clone()));
    for suffix in ["", "-wal"] {
        let path = PathBuf::from(format!("{}{suffix}", second.store.path().display()));
        if let Ok(bytes) = std::fs::read(&path) {
            written.push((path, bytes));
        }
    }
    let wrapped_after: Vec<Vec<u8>> = [
        wrapped_keys(&data.join("praxis.sqlite3")),
        wrapped_keys(phone.store.path()),
        wrapped_keys(coordinator.store.path()),
    ]
    .concat();
    let destroyed_keys: Vec<&Vec<u8>> = wrapped_before
        .iter()
        .filter(|k| !wrapped_after.contains(k))
        .collect();
    assert_eq!(
        destroyed_keys.len(),
        3,
        "one copy each on the server and two devices"
    );
    for (file, bytes) in &written {
        for text in ABOUT_P0413.iter().chain([&OFFLINE_ABOUT_P0413]) {
            assert!(!contains(bytes, text), "{} holds '{text}'", file.display());
        }
        assert!(
            !contains(bytes, "P-0413"),
            "{} holds the reference",
            file.display()
        );
        for key in &destroyed_keys {
            assert!(
                !holds(bytes, key),
                "{} holds a destroyed key",
                file.display()
            );
        }
    }

    // 6. The bundle still verifies, and the timeline shows the erasure as a decision.
    let verification = praxis_core::audit::bundle::verify(&bundle).unwrap();
    assert!(verification.intact(), "{:#?}", verification.findings);
    let auditor = Phone::enrol(dir.path(), &server.url, "auditor");
    let timeline = server.get_json("/api/v1/audit/timeline?kind=data-erased", &auditor.token);
    let entries = timeline["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("{timeline}"));
    assert_eq!(entries.len(), 1, "{timeline:#}");
    assert!(!timeline.to_string().contains("P-0413"), "{timeline}");
    // An erasure is a decision the auditor replays, with who made it and why.
    let decisions = server.get_json(
        &format!("/api/v1/audit/streams/{}/decisions", fx.collaborative),
        &auditor.token,
    );
    let erasures: Vec<&Value> = decisions["decisions"]
        .as_array()
        .unwrap_or_else(|| panic!("{decisions}"))
        .iter()
        .filter(|d| d["kind"] == "data-erased")
        .collect();
    assert_eq!(erasures.len(), 1, "{decisions:#}");
    assert_eq!(erasures[0]["author"]["name"], "Kate Obi", "{decisions:#}");
    assert!(
        erasures[0]["title"]
            .as_str()
            .unwrap()
            .contains("The person asked"),
        "{decisions:#}"
    );

    // In the browser: the officer's page erases P-0099; a coordinator may not use it.
    let mut office = Web::sign_in_as(&server.url, "coordinator-north", PASSWORD);
    assert_eq!(office.get("/data-protection").status, StatusCode::FORBIDDEN);
    let mut officer = Web::sign_in_as(&server.url, "dpo", PASSWORD);
    let page = officer.get("/data-protection");
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(
        page.body.matches("data-erasure=").count(),
        1,
        "{}",
        page.body
    );
    let csrf = field(&page.body, "csrf");
    let form = [
        ("csrf", csrf.as_str()),
        ("reference", "P-0099"),
        ("legal_basis", "consent-withdrawn"),
        ("reason", "Withdrew consent at the review"),
    ];
    let refused = officer.post(
        "/data-protection/erasures",
        &[("csrf", "stale"), form[1], form[2], form[3]],
    );
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert!(
        server_texts(&server, project, &coordinator.token)
            .iter()
            .any(|t| t == ABOUT_P0099)
    );
    let done = officer.post("/data-protection/erasures", &form);
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.body.contains("data-erased=\"1\""), "{}", done.body);
    assert_eq!(
        done.body.matches("data-erasure=").count(),
        2,
        "{}",
        done.body
    );
    let on_server = server_texts(&server, project, &coordinator.token);
    assert!(
        on_server.iter().all(|t| t.starts_with("erased on ")),
        "{on_server:?}"
    );
    assert!(
        on_server.iter().any(|t| t.contains("Withdrew consent")),
        "{on_server:?}"
    );
}

/// The fixture, with `dpo` the collaborative's data protection officer, served.
fn with_an_officer() -> (tempfile::TempDir, Fixture, TestServer) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let fx = fixture(&data);
    {
        let mut storage = praxis_server::storage::SqliteStorage::open(&data).unwrap();
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
