//! Erasure by crypto-shredding, in the field, against the real server: a practitioner
//! records observations about P-0413 offline, syncs, and a coordinator reads them; the
//! data protection officer (granted with `praxis-server admin grant`) erases P-0413;
//! the practitioner's phone, offline during the erasure, syncs later and shows
//! "erased", as do the coordinator's device and the server. Afterwards no byte of any
//! file Praxis wrote (the server's data directory with its log, both device stores, an
//! audit bundle) holds the text or the destroyed keys, and the bundle still verifies.
//! Refusals change nothing: an erasure by someone without the role, of an unknown
//! person, with no legal basis; a device that offers a destroyed key again.

use praxis_core::domain::event::*;
use praxis_core::domain::ids::StreamId;
use praxis_core::store::{Store, queries};
use praxis_testkit::clear_text::contains;
use praxis_testkit::server::{PASSWORD, Phone, TestServer, fixture, start_project};
use praxis_testkit::web::{Web, field};
use reqwest::StatusCode;
use reqwest::blocking::Client;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;
use time::macros::date;

pub(crate) const ABOUT_P0413: [&str; 2] = [
    "Mrs Dlamini said her son collects her pension on Thursdays",
    "Case conference notes: the neighbour at number 12 holds the spare key",
];
const OFFLINE_ABOUT_P0413: &str = "Mrs Dlamini's daughter rang about the pension";
pub(crate) const ABOUT_P0099: &str = "Mr Osei walked to the shop with the support worker";

pub(crate) fn observation(subject: &str, text: &str) -> Event {
    Event::ObservationRecorded(Observation {
        kind: ObservationKind::CaseMaterial,
        cycle: None,
        subject: Some(subject.into()),
        observed_on: date!(2026 - 11 - 20),
        text: text.into(),
    })
}

/// The texts of the observations a store shows, as its readers read them.
pub(crate) fn texts(store: &Store, stream: StreamId) -> Vec<String> {
    queries::all_records(store.connection(), stream)
        .unwrap()
        .into_iter()
        .filter_map(|r| match r.content {
            Event::ObservationRecorded(o) => Some(o.text),
            _ => None,
        })
        .collect()
}

pub(crate) fn server_texts(server: &TestServer, stream: StreamId, token: &str) -> Vec<String> {
    let events = server.get_json(&format!("/api/v1/streams/{stream}/events"), token);
    events["events"]
        .as_array()
        .unwrap_or_else(|| panic!("{events}"))
        .iter()
        .filter_map(|e| e["body"]["ObservationRecorded"]["text"].as_str())
        .map(str::to_string)
        .collect()
}

pub(crate) fn erase(
    server: &TestServer,
    token: &str,
    reference: &str,
    body: Value,
) -> (StatusCode, Value) {
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
