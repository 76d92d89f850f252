//! Sync's fast path against a real server: a phone's offline backlog goes up in one
//! request and a new device takes a stream whole, with the guarantees of the sync
//! through sync messages (every event once, one receipt each, the same views), and a
//! stream whose heads moved falls back to sync messages. Bad input at the fast path's
//! route is refused with a clear error and changes nothing, and so is a sealed change
//! whose key the server does not hold.
//!
//! Long because each scenario builds its own server, phone and offline work, and they
//! share the raw requests at the top.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::domain::event::*;
use praxis_core::domain::ids::StreamId;
use praxis_core::protocol::{BASE_HEADS, heads_text};
use praxis_core::replication::chunks;
use praxis_core::store::{Store, queries};
use praxis_core::sync::StreamReport;
use praxis_testkit::server::{Phone, TestServer, fixture, start_project};
use reqwest::StatusCode;
use reqwest::blocking::Client;
use std::collections::BTreeSet;
use time::macros::date;

fn observation(text: &str) -> Event {
    Event::ObservationRecorded(Observation {
        kind: ObservationKind::Observation,
        cycle: None,
        subject: Some("P-0413".into()),
        observed_on: date!(2026 - 11 - 20),
        text: text.into(),
    })
}

fn report(reports: &[StreamReport], stream: StreamId) -> &StreamReport {
    reports
        .iter()
        .find(|r| r.stream == stream)
        .unwrap_or_else(|| panic!("no report for {stream}: {reports:?}"))
}

fn event_ids(store: &Store, stream: StreamId) -> BTreeSet<String> {
    queries::events(store.connection(), stream)
        .unwrap()
        .iter()
        .map(|e| e.id.to_string())
        .collect()
}

fn server_event_ids(server: &TestServer, stream: StreamId, token: &str) -> BTreeSet<String> {
    let events = server.get_json(&format!("/api/v1/streams/{stream}/events"), token);
    events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

/// The change hashes of the stream's receipts, one per accepted change.
fn receipted(server: &TestServer, stream: StreamId, token: &str) -> Vec<String> {
    let receipts = server.get_json(&format!("/api/v1/streams/{stream}/receipts"), token);
    receipts["receipts"]
        .as_array()
        .unwrap_or_else(|| panic!("receipts: {receipts}"))
        .iter()
        .map(|r| r["change_hash"].as_str().unwrap().to_string())
        .collect()
}

fn push(
    server: &TestServer,
    stream: StreamId,
    token: &str,
    base: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, serde_json::Value) {
    let mut request = Client::new()
        .post(format!("{}/api/v1/streams/{stream}/changes", server.url))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(body);
    if let Some(base) = base {
        request = request.header(BASE_HEADS, base);
    }
    let response = request.send().expect("the server answers");
    let status = response.status();
    let json = response.json().unwrap_or(serde_json::Value::Null);
    (status, json)
}

/// A server, and practitioner-north's phone, enrolled and synced once.
struct Enrolled {
    dir: tempfile::TempDir,
    /// The server's data directory.
    data: std::path::PathBuf,
    server: TestServer,
    phone: Phone,
    collaborative: StreamId,
}

fn enrolled() -> Enrolled {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let collaborative = fixture(&data).collaborative;
    let server = TestServer::start(&data);
    let mut phone = Phone::enrol(dir.path(), &server.url, "practitioner-north");
    phone.sync();
    Enrolled {
        dir,
        data,
        server,
        phone,
        collaborative,
    }
}

/// A new project on the phone, recorded offline: `visits` observations, one by one.
fn project_with_visits(phone: &mut Phone, collaborative: StreamId, visits: usize) -> StreamId {
    let project = start_project(&mut phone.store, collaborative, "Northside");
    for i in 0..visits {
        phone
            .store
            .record(project, observation(&format!("Visit {i}")))
            .unwrap();
    }
    project
}

/// A server, and a phone whose new project holds one observation, synced.
struct Synced {
    dir: tempfile::TempDir,
    server: TestServer,
    phone: Phone,
    project: StreamId,
}

fn one_observation_synced() -> Synced {
    let Enrolled {
        dir,
        server,
        mut phone,
        collaborative,
        ..
    } = enrolled();
    let project = start_project(&mut phone.store, collaborative, "Northside");
    phone.store.record(project, observation("first")).unwrap();
    phone.sync();
    Synced {
        dir,
        server,
        phone,
        project,
    }
}

#[test]
fn a_backlog_goes_up_in_one_request_and_a_new_device_takes_the_stream_whole() {
    let Enrolled {
        dir,
        data: _,
        server,
        mut phone,
        collaborative,
    } = enrolled();

    // Offline: a new project with 300 observations, and one for the collaborative's
    // stream the phone may not write to is not made; the collaborative stays alike.
    let project = project_with_visits(&mut phone, collaborative, 300);
    let recorded = event_ids(&phone.store, project);
    assert_eq!(recorded.len(), 301);
    let reports = phone.sync();
    let sent = report(&reports, project);
    assert!(sent.synced(), "{sent:?}");
    assert_eq!(
        (sent.sent_events, sent.rounds, sent.new_on_server),
        (301, 1, true),
        "the new project went up in one request: {sent:?}"
    );
    assert_eq!(report(&reports, collaborative).rounds, 0);
    assert_eq!(server_event_ids(&server, project, &phone.token), recorded);
    let receipts = receipted(&server, project, &phone.token);
    assert_eq!(receipts.len(), 301, "one receipt per change");
    assert_eq!(
        receipts.iter().collect::<BTreeSet<_>>().len(),
        301,
        "no change receipted twice"
    );

    // More offline work on the stream the server now knows: one request again, and
    // nothing exchanged at all on the next sync.
    for i in 0..5 {
        phone
            .store
            .record(project, observation(&format!("Later visit {i}")))
            .unwrap();
    }
    let reports = phone.sync();
    let more = report(&reports, project);
    assert_eq!((more.sent_events, more.rounds), (5, 1), "{more:?}");
    assert_eq!(report(&phone.sync(), project).rounds, 0);
    assert_eq!(phone.store.waiting_to_sync("server").unwrap(), 0);

    // A new device of the coordinator takes the stream whole, in one request.
    let mut laptop = Phone::enrol(dir.path(), &server.url, "coordinator");
    let reports = laptop.sync();
    let taken = report(&reports, project);
    assert!(taken.synced(), "{taken:?}");
    assert_eq!((taken.received_events, taken.rounds), (306, 1), "{taken:?}");
    let everything = event_ids(&phone.store, project);
    assert_eq!(event_ids(&laptop.store, project), everything);
    assert_eq!(server_event_ids(&server, project, &phone.token), everything);
    // The same views on both devices and the server.
    let view = |store: &Store| {
        serde_json::to_value(queries::project_overview(store.connection(), project).unwrap())
            .unwrap()
    };
    assert_eq!(view(&laptop.store), view(&phone.store));
    let on_server = server.get_json(&format!("/api/v1/streams/{project}"), &phone.token);
    assert_eq!(on_server["Project"], view(&phone.store), "{on_server}");

    // The laptop records, the phone takes it through sync messages or the fast path
    // alike, and everything settles.
    laptop
        .store
        .record(project, observation("A coordinator's visit"))
        .unwrap();
    laptop.sync();
    let reports = phone.sync();
    assert_eq!(report(&reports, project).received_events, 1);
    assert_eq!(
        event_ids(&phone.store, project),
        event_ids(&laptop.store, project)
    );
    assert_eq!(report(&laptop.sync(), project).rounds, 0);
}

/// The changes the server keeps as rows beside the stream's saved document, read
/// from its data directory while it runs.
fn rows_beside_the_document(data: &std::path::Path, stream: StreamId) -> i64 {
    let conn = rusqlite::Connection::open_with_flags(
        data.join("praxis.sqlite3"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let (rows, saved): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM changes WHERE stream = ?1),
                    (SELECT length(bytes) FROM documents WHERE stream = ?1)",
            [stream.as_uuid().as_bytes().as_slice()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    // The saved document is the genesis alone (a few hundred bytes) until compacted.
    assert!(
        rows > 0 || saved > 4_000,
        "{rows} rows, a {saved}-byte document"
    );
    rows
}

#[test]
fn the_server_compacts_a_large_backlog_after_answering_and_serves_it_whole_after() {
    let Enrolled {
        dir,
        data,
        server,
        mut phone,
        collaborative,
    } = enrolled();
    let project = start_project(&mut phone.store, collaborative, "Northside");
    let batch = (0..2_300)
        .map(|i| observation(&format!("Visit {i}")))
        .collect();
    phone.store.record_all(project, batch).unwrap();
    let reports = phone.sync();
    assert_eq!(report(&reports, project).rounds, 1);

    // Taken as rows, then folded into the document a step at a time by the server's
    // compacting worker, after the answer.
    let started = std::time::Instant::now();
    while rows_beside_the_document(&data, project) > 0 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the server did not compact the stream: {} changes still beside its document",
            rows_beside_the_document(&data, project)
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let mut laptop = Phone::enrol(dir.path(), &server.url, "coordinator");
    let taken = laptop.sync();
    let taken = report(&taken, project);
    assert_eq!(
        (taken.received_events, taken.rounds),
        (2_301, 1),
        "{taken:?}"
    );
    assert_eq!(
        event_ids(&laptop.store, project),
        event_ids(&phone.store, project)
    );
    assert_eq!(receipted(&server, project, &phone.token).len(), 2_301);
    // A sync through sync messages loads the compacted document and agrees with it.
    laptop
        .store
        .record(project, observation("A coordinator's visit"))
        .unwrap();
    phone
        .store
        .record(project, observation("A practitioner's visit"))
        .unwrap();
    laptop.sync();
    phone.sync();
    laptop.sync();
    assert_eq!(
        event_ids(&laptop.store, project),
        event_ids(&phone.store, project)
    );
    assert_eq!(event_ids(&phone.store, project).len(), 2_303);
}

#[test]
fn a_stream_that_moved_on_meanwhile_syncs_through_sync_messages() {
    let Synced {
        dir,
        server,
        phone: mut first,
        project,
    } = one_observation_synced();
    let mut second = Phone::enrol(dir.path(), &server.url, "practitioner2-north");
    second.sync();

    // Both record offline; the second syncs first, so the first no longer holds the
    // heads the server lists, and its changes are no fast-forward.
    for i in 0..20 {
        first
            .store
            .record(project, observation(&format!("first's visit {i}")))
            .unwrap();
        second
            .store
            .record(project, observation(&format!("second's visit {i}")))
            .unwrap();
    }
    second.sync();
    let reports = first.sync();
    let r = report(&reports, project);
    assert!(r.synced(), "{r:?}");
    assert_eq!((r.sent_events, r.received_events), (20, 20), "{r:?}");
    assert!(r.rounds > 1, "through sync messages: {r:?}");

    // A push built on heads the server no longer has is refused whole, and names why.
    let stale = first.store.heads(project).unwrap();
    second.store.record(project, observation("late")).unwrap();
    second.sync();
    first
        .store
        .record(project, observation("on stale heads"))
        .unwrap();
    let changes = first.store.changes_after(project, &stale).unwrap().unwrap();
    let before = server.events_in(project, &first.token);
    let (status, body) = push(
        &server,
        project,
        &first.token,
        Some(&heads_text(&stale)),
        changes,
    );
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"], "not_a_fast_forward");
    assert!(
        body["message"].as_str().unwrap().contains("/sync"),
        "{body}"
    );
    assert_eq!(server.events_in(project, &first.token), before);

    second.sync();
    first.sync();
    second.sync();
    assert_eq!(
        event_ids(&first.store, project),
        event_ids(&second.store, project)
    );
    assert_eq!(
        server_event_ids(&server, project, &first.token),
        event_ids(&first.store, project)
    );
}

#[test]
fn bad_input_at_the_fast_path_is_refused_and_changes_nothing() {
    let Synced {
        dir,
        server,
        mut phone,
        project,
    } = one_observation_synced();
    let base = phone.store.heads(project).unwrap();
    phone.store.record(project, observation("second")).unwrap();
    phone.store.record(project, observation("third")).unwrap();
    let changes = phone.store.changes_after(project, &base).unwrap().unwrap();
    let parts: Vec<Vec<u8>> = chunks::split(&changes)
        .unwrap()
        .into_iter()
        .map(<[u8]>::to_vec)
        .collect();
    assert_eq!(parts.len(), 2);
    let base_text = heads_text(&base);
    let before = server.events_in(project, &phone.token);
    let receipts_before = receipted(&server, project, &phone.token).len();

    let refused =
        |status: StatusCode, code: &str, says: &str, answer: (StatusCode, serde_json::Value)| {
            assert_eq!(answer.0, status, "{}", answer.1);
            assert_eq!(answer.1["error"], code, "{}", answer.1);
            assert!(
                answer.1["message"].as_str().unwrap().contains(says),
                "'{says}' in {}",
                answer.1
            );
        };
    let bad = StatusCode::BAD_REQUEST;
    refused(
        bad,
        "bad_request",
        "Automerge changes",
        push(
            &server,
            project,
            &phone.token,
            Some(&base_text),
            b"not changes".to_vec(),
        ),
    );
    refused(
        bad,
        "bad_request",
        "more than were sent",
        push(
            &server,
            project,
            &phone.token,
            Some(&base_text),
            changes[..changes.len() - 3].to_vec(),
        ),
    );
    refused(
        bad,
        "bad_request",
        "x-praxis-base-heads",
        push(&server, project, &phone.token, None, changes.clone()),
    );
    refused(
        bad,
        "bad_request",
        "change hash",
        push(
            &server,
            project,
            &phone.token,
            Some("not-a-hash"),
            changes.clone(),
        ),
    );
    refused(
        bad,
        "bad_request",
        "body is empty",
        push(&server, project, &phone.token, Some(&base_text), Vec::new()),
    );
    // The second change alone builds on the first, which the server does not hold.
    refused(
        StatusCode::CONFLICT,
        "not_a_fast_forward",
        "does not hold",
        push(
            &server,
            project,
            &phone.token,
            Some(&base_text),
            parts[1].clone(),
        ),
    );
    // Changes built on heads that are not the server's.
    let genesis = praxis_core::replication::StreamDocument::genesis_heads(project).unwrap();
    refused(
        StatusCode::CONFLICT,
        "not_a_fast_forward",
        "has changed",
        push(
            &server,
            project,
            &phone.token,
            Some(&heads_text(&genesis)),
            changes.clone(),
        ),
    );
    // Another person's device may not send them.
    let other = Phone::enrol(dir.path(), &server.url, "practitioner-south");
    refused(
        StatusCode::FORBIDDEN,
        "forbidden",
        "not a member",
        push(
            &server,
            project,
            &other.token,
            Some(&base_text),
            changes.clone(),
        ),
    );
    let oversized = push(
        &server,
        project,
        &phone.token,
        Some(&base_text),
        vec![0x85; 65 * 1024 * 1024],
    );
    assert_eq!(oversized.0, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(server.events_in(project, &phone.token), before);

    // Taken once; the same changes again are refused, and nothing is receipted twice.
    let (status, body) = push(
        &server,
        project,
        &phone.token,
        Some(&base_text),
        changes.clone(),
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(server.events_in(project, &phone.token), before + 2);
    let now = heads_text(&phone.store.heads(project).unwrap());
    refused(
        StatusCode::CONFLICT,
        "not_a_fast_forward",
        "may hold already",
        push(&server, project, &phone.token, Some(&now), parts[1].clone()),
    );
    refused(
        StatusCode::CONFLICT,
        "not_a_fast_forward",
        "holds already",
        push(&server, project, &phone.token, Some(&now), parts[0].clone()),
    );
    assert_eq!(server.events_in(project, &phone.token), before + 2);
    assert_eq!(
        receipted(&server, project, &phone.token).len(),
        receipts_before + 2
    );

    // A stream one may not read answers as one that does not exist.
    let whole = |token: &str, stream: StreamId| {
        let response = Client::new()
            .get(format!("{}/api/v1/streams/{stream}/changes", server.url))
            .bearer_auth(token)
            .send()
            .unwrap();
        let status = response.status();
        let json: serde_json::Value = response.json().unwrap_or_default();
        (
            status,
            json["message"]
                .as_str()
                .unwrap_or("")
                .replace(&stream.to_string(), "…"),
        )
    };
    let hidden = whole(&other.token, project);
    let nowhere = whole(&other.token, StreamId(uuid::Uuid::now_v7()));
    assert_eq!(hidden.0, StatusCode::NOT_FOUND);
    assert_eq!(hidden, nowhere, "no stream's existence shows");

    // The phone's own sync goes on as before.
    let reports = phone.sync();
    assert!(reports.iter().all(|r| r.synced()), "{reports:?}");
    assert_eq!(report(&reports, project).rounds, 0);
}

/// What the foreign peer (`tests/automerge-peer/peer.mjs`) printed.
#[derive(serde::Deserialize, Debug)]
struct Foreign {
    rounds: usize,
    /// Each event's length in bytes, in list order, as synced and as loaded.
    synced: Vec<usize>,
    synced_heads: Vec<String>,
    loaded: Vec<usize>,
    loaded_heads: Vec<String>,
    listed_heads: Vec<String>,
}

#[test]
fn a_foreign_automerge_peer_syncs_one_stream_through_the_per_stream_route() {
    let peer = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("automerge-peer");
    assert!(
        peer.join("node_modules/@automerge/automerge").is_dir(),
        "the foreign Automerge peer is not installed: run `npm ci --prefix tests/automerge-peer` (scripts/test does)"
    );
    let Enrolled {
        dir,
        data: _,
        server,
        mut phone,
        collaborative,
    } = enrolled();
    let project = project_with_visits(&mut phone, collaborative, 40);
    phone.sync();
    let reader = Phone::enrol(dir.path(), &server.url, "coordinator");

    let output = std::process::Command::new("node")
        .arg(peer.join("peer.mjs"))
        .args([&server.url, &reader.token, &project.to_string()])
        .output()
        .expect("node runs (scripts/test installs Node.js)");
    assert!(
        output.status.success(),
        "the foreign peer failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let foreign: Foreign = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)));

    // Every event, in the phone's order, byte for byte in length; the same heads.
    let events: Vec<usize> = phone
        .store
        .document_events(project)
        .unwrap()
        .iter()
        .map(Vec::len)
        .collect();
    assert_eq!(events.len(), 41);
    assert_eq!(foreign.synced, events, "{foreign:?}");
    assert_eq!(foreign.loaded, events, "{foreign:?}");
    let mut heads: Vec<String> = phone
        .store
        .heads(project)
        .unwrap()
        .iter()
        .map(|h| h.to_string())
        .collect();
    heads.sort();
    assert_eq!(foreign.synced_heads, heads);
    assert_eq!(foreign.loaded_heads, heads);
    assert_eq!(foreign.listed_heads, heads);
    assert!(foreign.rounds >= 1);
}

#[test]
fn sealed_changes_whose_keys_the_server_does_not_hold_are_refused_then_taken_once_it_does() {
    let Synced {
        dir: _dir,
        server,
        mut phone,
        project,
    } = one_observation_synced();
    let base = phone.store.heads(project).unwrap();
    // Offline: two more about P-0413, whose key the server holds, and two about
    // P-0999, whose key is made here and not yet given.
    let about = |subject: &str, text: &str| match observation(text) {
        Event::ObservationRecorded(mut o) => {
            o.subject = Some(subject.into());
            Event::ObservationRecorded(o)
        }
        other => other,
    };
    for (subject, text) in [
        ("P-0413", "second"),
        ("P-0999", "third"),
        ("P-0413", "fourth"),
        ("P-0999", "fifth"),
    ] {
        phone.store.record(project, about(subject, text)).unwrap();
    }
    let changes = phone.store.changes_after(project, &base).unwrap().unwrap();
    let before = server_event_ids(&server, project, &phone.token);

    // Sent without the key exchange a sync begins with: both changes under the new
    // key are named, and nothing of the batch is taken.
    let (status, answer) = push(
        &server,
        project,
        &phone.token,
        Some(&heads_text(&base)),
        changes,
    );
    assert!(status.is_client_error(), "{status}: {answer}");
    let text = answer.to_string();
    assert_eq!(
        text.matches("which the server does not hold").count(),
        2,
        "{answer}"
    );
    assert_eq!(server_event_ids(&server, project, &phone.token), before);

    // A sync gives the key first; then all four are taken, each opened by the server
    // under its person's key.
    let reports = phone.sync();
    assert!(report(&reports, project).synced(), "{reports:?}");
    assert_eq!(
        server_event_ids(&server, project, &phone.token),
        event_ids(&phone.store, project)
    );
    let events = server.get_json(&format!("/api/v1/streams/{project}/events"), &phone.token);
    let shown = events.to_string();
    for text in ["first", "second", "third", "fourth", "fifth"] {
        assert!(shown.contains(&format!("\"{text}\"")), "{text} in {shown}");
    }
}

/// A new device takes each stream whole, the next asked for while it takes the one
/// before (`Transport::pull_ahead`), through a network that drops, cuts, resets and
/// repeats requests: a pull that fails is tried again on its own, and every stream
/// arrives once, whole.
#[test]
fn a_new_device_pulls_the_next_stream_while_taking_one_through_a_faulty_network() {
    use praxis_core::sync::{Retry, Server};
    use praxis_testkit::faults::{FaultProxy, Faults};
    let Enrolled {
        dir,
        data: _,
        server,
        mut phone,
        collaborative,
    } = enrolled();
    let projects: Vec<StreamId> = (0..5)
        .map(|n| project_with_visits(&mut phone, collaborative, 20 + n))
        .collect();
    phone.sync();

    let proxy = FaultProxy::start(&server.url);
    let mut laptop = Phone::enrol(dir.path(), &server.url, "coordinator");
    laptop.server = Server::new(proxy.url()).unwrap().with_retry(Retry {
        tries: 10,
        first_delay: std::time::Duration::from_millis(10),
        max_delay: std::time::Duration::from_millis(100),
    });
    proxy.set_faults(Some(Faults {
        // With this seed, four streams arrive pulled ahead and the fifth's pull
        // fails on the way: it is tried again on its own, and so is the sixth.
        seed: 1,
        permille: 100,
    }));
    let reports = laptop.sync();
    proxy.set_faults(None);
    assert!(!proxy.met().is_empty(), "the network met no fault");
    for project in &projects {
        let taken = report(&reports, *project);
        assert!(taken.synced(), "{taken:?}");
        assert_eq!(
            event_ids(&laptop.store, *project),
            event_ids(&phone.store, *project),
            "every event of {project} once"
        );
    }
    // Taken whole: nothing is left to exchange.
    let again = laptop.sync();
    for project in &projects {
        assert_eq!(report(&again, *project).rounds, 0);
    }
}

/// A phone with several projects recorded offline sends each project's backlog while
/// it works on the one before (`Transport::push_ahead`), through a network that
/// drops, cuts, resets and repeats requests: a push that fails is tried again as the
/// project's own, and every event arrives once, with one receipt for each change.
#[test]
fn a_phone_sends_the_next_project_while_working_on_one_through_a_faulty_network() {
    use praxis_core::sync::{Retry, Server};
    use praxis_testkit::faults::{FaultProxy, Faults};
    let Enrolled {
        dir: _dir,
        data: _,
        server,
        mut phone,
        collaborative,
    } = enrolled();
    let projects: Vec<StreamId> = (0..6)
        .map(|n| project_with_visits(&mut phone, collaborative, 20 + n))
        .collect();
    let proxy = FaultProxy::start(&server.url);
    phone.server = Server::new(proxy.url()).unwrap().with_retry(Retry {
        tries: 10,
        first_delay: std::time::Duration::from_millis(10),
        max_delay: std::time::Duration::from_millis(100),
    });
    proxy.set_faults(Some(Faults {
        seed: 3,
        permille: 150,
    }));
    let reports = phone.sync();
    proxy.set_faults(None);
    assert!(!proxy.met().is_empty(), "the network met no fault");
    for project in &projects {
        let sent = report(&reports, *project);
        assert!(sent.synced(), "{sent:?}");
        assert_eq!(
            server_event_ids(&server, *project, &phone.token),
            event_ids(&phone.store, *project),
            "every event of {project} once"
        );
        let receipts = receipted(&server, *project, &phone.token);
        let once: BTreeSet<&String> = receipts.iter().collect();
        assert_eq!(once.len(), receipts.len(), "one receipt for each change");
        assert_eq!(receipts.len(), event_ids(&phone.store, *project).len());
    }
    // Nothing is left to send.
    let again = phone.sync();
    for project in &projects {
        assert_eq!(report(&again, *project).sent_events, 0);
    }
}
