//! Bad input at the sync API: malformed, truncated, oversized and replayed messages,
//! forged actors and forged authors. Each is refused with a clear error, nothing of it
//! is applied, and the server keeps serving.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::domain::event::*;
use praxis_core::domain::ids::{DeviceId, PersonId, StreamId};
use praxis_core::domain::record::StreamKind;
use praxis_core::protocol::keys::{KeysAnswer, KeysRequest};
use praxis_core::store::{Identity, Store, queries};
use praxis_core::sync::{
    EnrolReply, EnrolRequest, Failure, HttpTransport, NoProgress, Retry, Server, StreamList,
    StreamReport, SyncReply, Transport, sync_stream,
};
use praxis_testkit::server::{Phone, TestServer, fixture, start_project};
use reqwest::StatusCode;
use reqwest::blocking::Client;
use std::sync::atomic::AtomicBool;
use std::time::Duration;
use time::macros::date;

fn post(
    server: &TestServer,
    stream: StreamId,
    token: &str,
    body: Vec<u8>,
) -> reqwest::blocking::Response {
    Client::new()
        .post(format!("{}/api/v1/streams/{stream}/sync", server.url))
        .bearer_auth(token)
        .header("content-type", "application/octet-stream")
        .body(body)
        .send()
        .expect("the server answers")
}

/// Syncs one stream of `store` through the session a phone runs, over `transport`;
/// the stream's report.
fn sync_over(transport: &mut impl Transport, store: &mut Store, stream: StreamId) -> StreamReport {
    sync_stream(
        store,
        transport,
        stream,
        Retry::never(),
        &mut NoProgress,
        &AtomicBool::new(false),
    )
    .expect("the sync runs to the end")
}

fn http(server: &TestServer, token: &str) -> HttpTransport {
    Server::new(&server.url)
        .expect("the server's address")
        .transport(Some(token.to_string()))
}

/// The HTTP transport, keeping the last message the server newly accepted events of.
struct Recording {
    http: HttpTransport,
    carrying: Option<Vec<u8>>,
}

impl Transport for Recording {
    fn server(&self) -> &str {
        self.http.server()
    }

    fn enrol(&mut self, request: &EnrolRequest) -> Result<EnrolReply, Failure> {
        self.http.enrol(request)
    }

    fn streams(&mut self) -> Result<StreamList, Failure> {
        self.http.streams()
    }

    fn sync(&mut self, stream: StreamId, message: Vec<u8>) -> Result<SyncReply, Failure> {
        let reply = self.http.sync(stream, message.clone())?;
        if reply.accepted > 0 {
            self.carrying = Some(message);
        }
        Ok(reply)
    }

    fn keys(&mut self, request: &KeysRequest) -> Result<Option<KeysAnswer>, Failure> {
        self.http.keys(request)
    }

    fn pause(&mut self, delay: Duration, cancel: &AtomicBool) -> bool {
        self.http.pause(delay, cancel)
    }
}

fn observation(text: &str) -> Event {
    Event::ObservationRecorded(Observation {
        kind: ObservationKind::Observation,
        cycle: None,
        subject: None,
        observed_on: date!(2026 - 11 - 20),
        text: text.into(),
    })
}

/// A phone with a project on the server, ready for mischief.
fn setup(dir: &std::path::Path) -> (TestServer, Phone, StreamId, StreamId) {
    let data = dir.join("data");
    let fx = fixture(&data);
    let server = TestServer::start(&data);
    let mut phone = Phone::enrol(dir, &server.url, "practitioner-north");
    phone.sync();
    let project = start_project(&mut phone.store, fx.collaborative, "Northside");
    phone.store.record(project, observation("first")).unwrap();
    let reports = phone.sync();
    assert!(reports.iter().all(|r| r.synced()), "{reports:?}");
    (server, phone, project, fx.collaborative)
}

/// A store at `path` under `identity` holding a copy of what the phone's store `from`
/// holds of `project` and its collaborative.
fn replica(
    path: &std::path::Path,
    identity: Identity,
    from: &mut Store,
    (collaborative, project): (StreamId, StreamId),
) -> Store {
    let mut store = Store::create(path, &identity.name).unwrap();
    store.adopt_identity(identity).unwrap();
    store
        .add_stream(project, StreamKind::Project, "p", Some(collaborative))
        .unwrap();
    store
        .add_stream(collaborative, StreamKind::Collaborative, "c", None)
        .unwrap();
    for stream in [collaborative, project] {
        let all = from.changes_since(stream, &[]).unwrap();
        store.merge_changes(stream, &all).unwrap();
    }
    store
}

/// The sync message the store would send the server next about `stream`.
fn first_message(store: &mut Store, stream: StreamId) -> Vec<u8> {
    let mut state = store.sync_state(stream, "server").unwrap();
    store
        .generate_sync_message(stream, &mut state)
        .unwrap()
        .unwrap()
        .bytes
}

fn assert_still_serving(server: &TestServer) {
    let health = Client::new()
        .get(format!("{}/healthz", server.url))
        .send()
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

#[test]
fn malformed_truncated_oversized_and_mislabelled_messages_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (server, mut phone, project, _) = setup(dir.path());
    let before = server.events_in(project, &phone.token);

    let garbage = post(
        &server,
        project,
        &phone.token,
        b"not a sync message".to_vec(),
    );
    assert_eq!(garbage.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = garbage.json().unwrap();
    assert_eq!(body["error"], "bad_request");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("Automerge sync message"),
        "{body}"
    );

    // A real message with changes, cut short.
    phone.store.record(project, observation("second")).unwrap();
    let hello = first_message(&mut phone.store, project);
    for cut in [1, hello.len() / 2, hello.len() - 1] {
        let response = post(&server, project, &phone.token, hello[..cut].to_vec());
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "cut at {cut}");
    }

    let wrong_type = Client::new()
        .post(format!("{}/api/v1/streams/{project}/sync", server.url))
        .bearer_auth(&phone.token)
        .header("content-type", "application/json")
        .body(hello.clone())
        .send()
        .unwrap();
    assert_eq!(wrong_type.status(), StatusCode::BAD_REQUEST);

    let oversized = post(&server, project, &phone.token, vec![0x42; 65 * 1024 * 1024]);
    assert_eq!(oversized.status(), StatusCode::PAYLOAD_TOO_LARGE);

    assert_eq!(server.events_in(project, &phone.token), before);
    assert_still_serving(&server);
    // The phone's own sync still works afterwards, and brings the new observation.
    let reports = phone.sync();
    assert!(reports.iter().all(|r| r.synced()), "{reports:?}");
    assert_eq!(server.events_in(project, &phone.token), before + 1);
}

#[test]
fn a_bundle_or_a_compressed_change_in_a_sync_message_is_refused_unread() {
    // Automerge expands both without a bound: a few hundred bytes of bundle can claim
    // gigabytes. No Praxis replica sends them, so the server refuses them unread.
    let dir = tempfile::tempdir().unwrap();
    let (server, mut phone, project, _) = setup(dir.path());
    let before = server.events_in(project, &phone.token);
    let heads = phone.store.heads(project).unwrap();
    phone
        .store
        .record(
            project,
            observation("a long observation ".repeat(20).as_str()),
        )
        .unwrap();
    let new = phone.store.changes_since(project, &heads).unwrap();
    let mut change = automerge::Change::try_from(new[0].as_slice()).unwrap();
    let all = phone.store.changes_since(project, &[]).unwrap().concat();
    let bundle = automerge::AutoCommit::load(&all)
        .unwrap()
        .bundle([change.hash()])
        .unwrap()
        .bytes()
        .to_vec();
    let compressed = change.bytes().to_vec();
    let hello = first_message(&mut phone.store, project);
    for (foreign, named) in [(bundle, "bundle"), (compressed, "compressed change")] {
        let mut message = automerge::sync::Message::decode(&hello).unwrap();
        message.changes = vec![foreign].into();
        let response = post(&server, project, &phone.token, message.encode());
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{named}");
        let body: serde_json::Value = response.json().unwrap();
        assert!(
            body["message"].as_str().unwrap().contains(named),
            "{named}: {body}"
        );
    }
    assert_eq!(server.events_in(project, &phone.token), before);
    assert_still_serving(&server);
    // The same observation, as the phone sends it, is taken.
    let reports = phone.sync();
    assert!(reports.iter().all(|r| r.synced()), "{reports:?}");
    assert_eq!(server.events_in(project, &phone.token), before + 1);
}

#[test]
fn a_replayed_message_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (server, mut phone, project, _) = setup(dir.path());
    phone
        .store
        .record(project, observation("once only"))
        .unwrap();
    // Capture the message that carries the change, send it, then send it again.
    let mut recording = Recording {
        http: http(&server, &phone.token),
        carrying: None,
    };
    let report = sync_over(&mut recording, &mut phone.store, project);
    assert!(report.synced(), "{report:?}");
    let carrying = recording.carrying.expect("a message carried the new event");
    let before = server.events_in(project, &phone.token);
    for _ in 0..3 {
        let replay = post(&server, project, &phone.token, carrying.clone());
        assert!(replay.status().is_success(), "{}", replay.status());
        assert_eq!(replay.headers()["x-praxis-events-accepted"], "0");
    }
    assert_eq!(server.events_in(project, &phone.token), before);
    let receipts = server.get_json(&format!("/api/v1/streams/{project}/receipts"), &phone.token);
    assert_eq!(receipts["receipts"].as_array().unwrap().len(), before);
}

#[test]
fn forged_actors_and_forged_authors_are_refused_and_the_other_streams_keep_syncing() {
    let dir = tempfile::tempdir().unwrap();
    let (server, mut phone, project, collaborative) = setup(dir.path());
    let me = phone.store.identity().clone();
    let before = server.events_in(project, &phone.token);

    // Another device's changes, sent with this phone's token.
    let identity = Identity {
        person: me.person,
        name: me.name.clone(),
        device: DeviceId::new(),
    };
    let mut forger = replica(
        &dir.path().join("forger.sqlite3"),
        identity,
        &mut phone.store,
        (collaborative, project),
    );
    forger
        .record(project, observation("not from this phone"))
        .unwrap();
    let report = sync_over(&mut http(&server, &phone.token), &mut forger, project);
    let refused = report.error.expect("refused");
    assert_eq!(refused.status, Some(422));
    assert_eq!(refused.code, "changes_refused");
    assert!(refused.refused[0].reason.contains("actor"), "{refused:?}");

    // This phone's actor, but an event authored by someone else.
    let identity = Identity {
        person: PersonId::new(),
        name: "someone".into(),
        device: me.device,
    };
    let mut impostor = replica(
        &dir.path().join("impostor.sqlite3"),
        identity,
        &mut phone.store,
        (collaborative, project),
    );
    impostor
        .record(project, observation("in someone else's name"))
        .unwrap();
    let report = sync_over(&mut http(&server, &phone.token), &mut impostor, project);
    let refused = report.error.expect("refused");
    assert_eq!(refused.status, Some(422));
    assert!(
        refused.refused[0].reason.contains("authored"),
        "{refused:?}"
    );

    assert_eq!(server.events_in(project, &phone.token), before);
    assert_still_serving(&server);
    // The honest phone's streams still sync.
    phone.store.record(project, observation("honest")).unwrap();
    let reports = phone.sync();
    assert!(reports.iter().all(|r| r.synced()), "{reports:?}");
    assert_eq!(server.events_in(project, &phone.token), before + 1);
    assert_eq!(
        queries::events(phone.store.connection(), project)
            .unwrap()
            .len(),
        before + 1
    );
}
