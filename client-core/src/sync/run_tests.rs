//! The sync loop against a peer store in the same process: what settles, what is
//! tried again and after which pauses, what one stream's refusal leaves of the others,
//! and that the store is never held while a request is out.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;
use crate::domain::ids::StreamId;
use crate::domain::record::StreamKind;
use crate::store::tests::{observation, store_with_project};
use crate::store::{Store, queries};
use automerge::sync::State;
use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A device with a collaborative and a project started on it, with `n` observations.
fn device(path: &Path, n: usize) -> (Store, StreamId, StreamId) {
    let (mut store, c, p) = store_with_project(path);
    for i in 0..n {
        store.record(p, observation(&format!("visit {i}"))).unwrap();
    }
    (store, c, p)
}

/// A server made of a store: it lists the collaborative, takes the project in
/// unlisted, and fails each stream's requests as told.
struct Peer {
    store: Store,
    states: HashMap<StreamId, State>,
    listed: Vec<ListedStream>,
    /// The people the list names.
    people: Vec<PersonName>,
    /// Failures for a stream's next requests, in order.
    failures: HashMap<StreamId, VecDeque<Failure>>,
    pauses: Vec<Duration>,
    /// The device's store, when shared: each request notes whether it was free.
    device: Option<Arc<Mutex<Store>>>,
    held_during_a_request: bool,
    requests: usize,
    /// Lists each stream with the heads of its document here, as the server does.
    says_heads: bool,
}

impl Peer {
    fn new(path: &Path, c: StreamId, p: StreamId) -> Peer {
        let mut store = Store::create(path, "Server").unwrap();
        store
            .add_stream(c, StreamKind::Collaborative, "Independence at home", None)
            .unwrap();
        store
            .add_stream(p, StreamKind::Project, "Positive risk-taking", Some(c))
            .unwrap();
        Peer {
            store,
            states: HashMap::new(),
            listed: vec![ListedStream {
                stream_id: c,
                kind: "collaborative".into(),
                name: "Independence at home".into(),
                collaborative: None,
                role: "coordinator".into(),
                read_only: false,
                heads: None,
            }],
            people: Vec::new(),
            failures: HashMap::new(),
            pauses: Vec::new(),
            device: None,
            held_during_a_request: false,
            requests: 0,
            says_heads: false,
        }
    }

    fn fail(&mut self, stream: StreamId, failure: Failure) {
        self.failures.entry(stream).or_default().push_back(failure);
    }

    fn note_request(&mut self) {
        self.requests += 1;
        if let Some(device) = &self.device {
            self.held_during_a_request |= device.try_lock().is_err();
        }
    }
}

impl Transport for Peer {
    fn server(&self) -> &str {
        "the peer"
    }

    fn enrol(&mut self, request: &EnrolRequest) -> Result<EnrolReply, Failure> {
        self.note_request();
        let code = match request.credentials {
            Credentials::Password { .. } => "wrong_credentials",
            Credentials::EnrolmentCode(_) => crate::protocol::WRONG_ENROLMENT_CODE,
        };
        Err(Failure::from_enrolment_refusal(Refusal {
            status: 401,
            code: code.into(),
            message: "Make a new code at /devices/enrol.".into(),
            ..Refusal::default()
        }))
    }

    fn streams(&mut self) -> Result<StreamList, Failure> {
        self.note_request();
        let mut streams = self.listed.clone();
        if self.says_heads {
            for listed in &mut streams {
                let heads = self.store.heads(listed.stream_id).unwrap();
                listed.heads = Some(heads.iter().map(|h| h.to_string()).collect());
            }
        }
        Ok(StreamList {
            streams,
            people: self.people.clone(),
        })
    }

    fn sync(&mut self, stream: StreamId, message: Vec<u8>) -> Result<SyncReply, Failure> {
        self.note_request();
        if let Some(failure) = self.failures.get_mut(&stream).and_then(|f| f.pop_front()) {
            return Err(failure);
        }
        let state = self.states.entry(stream).or_default();
        let merged = self
            .store
            .receive_sync_message(stream, state, &message, None)
            .unwrap();
        let outgoing = self.store.generate_sync_message(stream, state).unwrap();
        Ok(SyncReply {
            message: outgoing.filter(|o| !o.in_sync).map(|o| o.bytes),
            accepted: merged.events,
        })
    }

    fn pause(&mut self, delay: Duration, _cancel: &AtomicBool) -> bool {
        self.pauses.push(delay);
        true
    }
}

fn busy() -> Failure {
    Failure::Transient(Transient {
        reason: "503 busy".into(),
        status: Some(503),
        wait: None,
        sent: true,
    })
}

fn events(store: &Store, stream: StreamId) -> usize {
    queries::events(store.connection(), stream).unwrap().len()
}

#[test]
fn an_enrolment_code_that_cannot_be_one_is_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, c, p) = device(&dir.path().join("device.sqlite3"), 0);
    let mut peer = Peer::new(&dir.path().join("peer.sqlite3"), c, p);
    let code = |c: &str| Credentials::EnrolmentCode(c.into());
    let err = enrol(&mut store, &mut peer, Retry::never(), &code("  "), "phone").unwrap_err();
    assert!(
        matches!(err, SyncError::Missing("enrolment code")),
        "{err:?}"
    );
    let err = enrol(
        &mut store,
        &mut peer,
        Retry::never(),
        &code("7KQ2-M9XD"),
        "phone",
    )
    .unwrap_err();
    assert!(
        matches!(err, SyncError::NotAnEnrolmentCode(_))
            && err.to_string().contains("16 letters and digits"),
        "{err}"
    );
    assert_eq!(peer.requests, 0, "nothing was sent");

    // A code of the right form is asked about once; its refusal is the server's words.
    let err = enrol(
        &mut store,
        &mut peer,
        Retry::never(),
        &code("7kq2 m9xd 4htr b3wn"),
        "phone",
    )
    .unwrap_err();
    assert!(matches!(err, SyncError::WrongEnrolmentCode(_)), "{err:?}");
    assert!(err.to_string().contains("/devices/enrol"), "{err}");
    let err = enrol(
        &mut store,
        &mut peer,
        Retry::never(),
        &Credentials::password("asha", "wrong"),
        "phone",
    )
    .unwrap_err();
    assert!(matches!(err, SyncError::WrongPassword), "{err:?}");
    assert_eq!(peer.requests, 2);
    assert_eq!(
        store.setting(SERVER_SETTING).unwrap(),
        None,
        "still not enrolled"
    );
}

#[test]
fn every_stream_settles_and_a_second_sync_has_nothing_to_send() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, c, p) = device(&dir.path().join("device.sqlite3"), 3);
    let mut peer = Peer::new(&dir.path().join("peer.sqlite3"), c, p);
    let cancel = AtomicBool::new(false);

    let reports = sync(
        &mut store,
        &mut peer,
        Retry::default(),
        &mut NoProgress,
        &cancel,
    )
    .unwrap();
    let order: Vec<_> = reports
        .iter()
        .map(|r| (r.stream, r.new_on_server, r.synced()))
        .collect();
    assert_eq!(order, [(c, false, true), (p, true, true)]);
    // The project's founding event and three observations.
    assert_eq!(reports[1].sent_events, 4);
    assert_eq!(events(&peer.store, p), events(&store, p));
    assert_eq!(store.waiting_to_sync(PEER).unwrap(), 0);

    let again = sync(
        &mut store,
        &mut peer,
        Retry::default(),
        &mut NoProgress,
        &cancel,
    )
    .unwrap();
    assert!(again.iter().all(|r| r.synced() && r.sent_events == 0));
    assert!(peer.pauses.is_empty());
}

/// With the heads of each stream in the list, a sync with nothing new is that one
/// request; a stream whose heads differ (a record made here since) is the only one
/// asked about, and what it brings arrives.
#[test]
fn streams_listed_with_the_heads_held_here_are_not_asked_about() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, c, p) = device(&dir.path().join("device.sqlite3"), 3);
    let mut peer = Peer::new(&dir.path().join("peer.sqlite3"), c, p);
    let cancel = AtomicBool::new(false);
    let sync_now = |store: &mut Store, peer: &mut Peer| {
        let before = peer.requests;
        let reports = sync(store, peer, Retry::default(), &mut NoProgress, &cancel).unwrap();
        assert!(reports.iter().all(|r| r.synced()), "{reports:?}");
        (reports, peer.requests - before)
    };
    sync_now(&mut store, &mut peer);
    let mut project = peer.listed[0].clone();
    project.stream_id = p;
    project.kind = "project".into();
    project.collaborative = Some(c);
    peer.listed.push(project);
    peer.says_heads = true;

    let (reports, requests) = sync_now(&mut store, &mut peer);
    assert_eq!(requests, 1, "only the list of streams was asked for");
    assert!(reports.iter().all(|r| r.rounds == 0), "{reports:?}");
    assert_eq!(store.waiting_to_sync(PEER).unwrap(), 0);

    store.record(p, observation("one more visit")).unwrap();
    assert_eq!(store.waiting_to_sync(PEER).unwrap(), 1);
    let (reports, requests) = sync_now(&mut store, &mut peer);
    let rounds: Vec<_> = reports.iter().map(|r| (r.stream, r.rounds > 0)).collect();
    assert_eq!(rounds, [(c, false), (p, true)], "only the project differed");
    assert_eq!(requests as u32, 1 + reports[1].rounds);
    assert_eq!(reports[1].sent_events, 1);
    assert_eq!(events(&peer.store, p), events(&store, p));
    assert_eq!(store.waiting_to_sync(PEER).unwrap(), 0);
    assert_eq!(store.heads(p).unwrap(), peer.store.heads(p).unwrap());
}

#[test]
fn the_people_the_server_names_are_named_on_the_device_which_always_knows_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, c, p) = device(&dir.path().join("device.sqlite3"), 1);
    let mut peer = Peer::new(&dir.path().join("peer.sqlite3"), c, p);
    let me = store.identity().person;
    let names = queries::person_names(store.connection()).unwrap();
    assert_eq!(names.len(), 1);
    assert_eq!(names[&me], "Asha Patel");

    let ben = crate::domain::ids::PersonId::new();
    peer.people = vec![PersonName {
        id: ben,
        name: "Ben Okafor".into(),
    }];
    let cancel = AtomicBool::new(false);
    sync(
        &mut store,
        &mut peer,
        Retry::default(),
        &mut NoProgress,
        &cancel,
    )
    .unwrap();
    let names = queries::person_names(store.connection()).unwrap();
    assert_eq!(names[&ben], "Ben Okafor");
    assert_eq!(names[&me], "Asha Patel");

    // A later list without Ben keeps his name: his records still name him.
    peer.people = vec![PersonName {
        id: ben,
        name: "Ben Okafor-Hall".into(),
    }];
    sync(
        &mut store,
        &mut peer,
        Retry::default(),
        &mut NoProgress,
        &cancel,
    )
    .unwrap();
    peer.people.clear();
    sync(
        &mut store,
        &mut peer,
        Retry::default(),
        &mut NoProgress,
        &cancel,
    )
    .unwrap();
    let names = queries::person_names(store.connection()).unwrap();
    assert_eq!(names[&ben], "Ben Okafor-Hall");
}

#[test]
fn a_busy_server_is_tried_again_after_doubling_pauses_then_the_stream_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, c, p) = device(&dir.path().join("device.sqlite3"), 2);
    let mut peer = Peer::new(&dir.path().join("peer.sqlite3"), c, p);
    let retry = Retry::default();
    for _ in 0..retry.tries {
        peer.fail(c, busy());
    }
    peer.fail(p, busy());
    let cancel = AtomicBool::new(false);

    let reports = sync(&mut store, &mut peer, retry, &mut NoProgress, &cancel).unwrap();
    let failure = reports[0].error.as_ref().expect("the collaborative failed");
    assert_eq!(
        (failure.status, failure.code.as_str()),
        (Some(503), "server_error")
    );
    // The project was tried again once, from its saved state, and synced.
    assert!(reports[1].synced(), "{reports:?}");
    assert_eq!(events(&peer.store, p), events(&store, p));
    let ms: Vec<u128> = peer.pauses.iter().map(Duration::as_millis).collect();
    assert_eq!(ms, [200, 400, 800, 1600, 200]);
}

#[test]
fn a_refused_stream_is_reported_and_the_others_sync() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, c, p) = device(&dir.path().join("device.sqlite3"), 1);
    let mut peer = Peer::new(&dir.path().join("peer.sqlite3"), c, p);
    peer.fail(
        c,
        Failure::from_refusal(Refusal {
            status: 422,
            code: "changes_refused".into(),
            message: "1 of the changes were refused".into(),
            refused: vec![RefusedEvent {
                change: "abc".into(),
                event: None,
                kind: Some("schedule-set".into()),
                reason: "only the coordinator sets the schedule".into(),
            }],
            wait: None,
        }),
    );
    let cancel = AtomicBool::new(false);

    let reports = sync(
        &mut store,
        &mut peer,
        Retry::default(),
        &mut NoProgress,
        &cancel,
    )
    .unwrap();
    let failure = reports[0]
        .error
        .as_ref()
        .expect("the collaborative was refused");
    assert_eq!(failure.code, "changes_refused");
    assert_eq!(
        failure.refused[0].reason,
        "only the coordinator sets the schedule"
    );
    assert!(reports[1].synced());
    assert!(peer.pauses.is_empty(), "a refusal is not tried again");
}

#[test]
fn a_revoked_device_stops_the_sync_and_a_cancelled_sync_stops_before_any_stream() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, c, p) = device(&dir.path().join("device.sqlite3"), 1);
    let mut peer = Peer::new(&dir.path().join("peer.sqlite3"), c, p);
    peer.fail(
        c,
        Failure::from_refusal(Refusal {
            status: 401,
            code: "device_revoked".into(),
            message: "revoked on 3 May: sign in again to enrol it".into(),
            ..Refusal::default()
        }),
    );
    let cancel = AtomicBool::new(false);
    let stopped = sync(
        &mut store,
        &mut peer,
        Retry::default(),
        &mut NoProgress,
        &cancel,
    );
    assert!(matches!(stopped, Err(SyncError::Revoked(_))), "{stopped:?}");

    cancel.store(true, std::sync::atomic::Ordering::Relaxed);
    let requests = peer.requests;
    let cancelled = sync(
        &mut store,
        &mut peer,
        Retry::default(),
        &mut NoProgress,
        &cancel,
    );
    assert!(
        matches!(cancelled, Err(SyncError::Cancelled)),
        "{cancelled:?}"
    );
    assert_eq!(peer.requests, requests + 1, "only the listing went out");
}

#[test]
fn a_shared_store_is_free_while_each_request_is_out() {
    let dir = tempfile::tempdir().unwrap();
    let (store, c, p) = device(&dir.path().join("device.sqlite3"), 2);
    let shared = Arc::new(Mutex::new(store));
    let mut peer = Peer::new(&dir.path().join("peer.sqlite3"), c, p);
    peer.device = Some(shared.clone());
    let cancel = AtomicBool::new(false);

    let reports = sync(
        &*shared,
        &mut peer,
        Retry::default(),
        &mut NoProgress,
        &cancel,
    )
    .unwrap();
    assert!(reports.iter().all(|r| r.synced()), "{reports:?}");
    assert!(peer.requests > 2);
    assert!(!peer.held_during_a_request);
    assert_eq!(events(&peer.store, p), events(&shared.lock().unwrap(), p));
}
