//! The authorization matrix, end to end: every route of the API against every role,
//! for the caller's own team, another team and the whole collaborative, plus callers
//! with no token, an unknown token and a revoked device. One table says what each cell
//! must give; the test runs every cell against a real server and lists each cell that
//! gave something else.
//!
//! The streams: C, the collaborative's stream; N, Northside's project; S, Southside's.
//! Team-scoped people are all of Northside, so N is their own team and S another one.
//!
//! Sync cells send a real Automerge sync message carrying new events, recorded in a
//! scratch copy of the caller's phone (local validation does not check roles). Each
//! cell is checked by status and JSON `error` code, and by the server's event count for
//! the stream: it grows by exactly the events sent when they are accepted, and does not
//! change otherwise. The same events sent the fast way (`POST .../changes`, building
//! on the stream's heads) must give what the sync gives, and the whole stream (`GET
//! .../changes`) what reading the stream's view gives: a stream the caller may not
//! read answers as one that does not exist.
//!
//! Long because the matrix is one table, read best beside the code that runs it: the
//! columns that need the matrix's `World` stay here. What a cell gives (`Out`) is in
//! `authorization/outcome.rs`, the plain HTTP helpers in `authorization/http.rs`, and
//! the data protection columns, which need only a route and a token, in
//! `authorization/data_protection.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::domain::event::{Event, Scope};
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::role::Role;
use praxis_core::store::{Identity, Store, queries};
use praxis_server::storage::Storage;
use praxis_testkit::server::{PASSWORD, Phone, TestServer, fixture, person};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

mod data_protection;
mod http;
mod outcome;
use data_protection::{
    ERASURE_ROUTE, KEYS_ROUTE, RECORD_ERASURE_ROUTE, RETENTION_ROUTES, SUBJECT_ROUTE, erase_out,
    erase_record_out, keys_out, retention_out, subject_out,
};
use http::{Answer, ENROL_ROUTE, Http};
use outcome::*;

/// Who calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    /// A device enrolled by this person.
    P(&'static str),
    /// No `Authorization` header.
    NoToken,
    /// A bearer token the server never gave.
    UnknownToken,
    /// A device of practitioner-north, revoked by an administrator.
    Revoked,
}
use Who::*;

/// GET routes read per stream, in the order of `Row::reads`. Record routes read C's
/// change-package item, and N's and S's cycle (history, cycle) or measure (measure).
const READ_ROUTES: [&str; 10] = [
    "/api/v1/streams/{stream_id}",
    "/api/v1/streams/{stream_id}/events",
    "/api/v1/streams/{stream_id}/receipts",
    "/api/v1/streams/{stream_id}/feed",
    "/api/v1/records/{id}/history",
    "/api/v1/cycles/{id}",
    "/api/v1/measures/{id}",
    "/api/v1/measures/{id}/chart",
    "/api/v1/collaboratives/{stream_id}/dashboard",
    "/api/v1/streams/{stream_id}/detail",
];
/// The auditor's routes, each read for C, N and S (in `Row::audit`): stream routes
/// for the stream, the decision route for C's change-package item and N's and S's cycle.
const AUDIT_ROUTES: [&str; 7] = [
    "/api/v1/audit/timeline",
    "/api/v1/audit/access",
    "/api/v1/audit/bundle",
    "/api/v1/audit/decisions/{id}",
    "/api/v1/audit/streams/{stream_id}/as-it-stood",
    "/api/v1/audit/streams/{stream_id}/decisions",
    "/api/v1/audit/streams/{stream_id}/integrity",
];
const LIST_ROUTE: &str = "/api/v1/streams";
const SYNC_ROUTE: &str = "/api/v1/streams/{stream_id}/sync";
/// POST: changes building on the stream's heads; GET: the whole stream.
const CHANGES_ROUTE: &str = "/api/v1/streams/{stream_id}/changes";
/// The field app's routes, in the order of `Row::field`: its snapshot, its records
/// (an observation for N, sent with the caller's phone token), and its sign-out (which
/// `POST`s last, in `FIELD_LAST`). A phone keeps a replica, so it may read a snapshot
/// but not send field records.
const FIELD_ROUTES: [&str; 3] = [
    "/api/v1/field/snapshot",
    "/api/v1/field/records",
    "/api/v1/field/sign-out",
];
/// Routes that answer anyone.
const PUBLIC_ROUTES: [&str; 2] = ["/healthz", "/api/openapi.json"];

/// What each sync cell sends, in the order of `Row::syncs`.
#[derive(Clone, Copy, Debug)]
enum Send {
    /// C: a change-package item (coordinators of the collaborative only).
    PackageItemInC,
    /// N: an observation (team work; senior managers too).
    ObservationInN,
    /// N: a cycle's Plan (team work).
    CycleInN,
    /// N: an observation and a coordinator's score of the monthly report, in one message.
    ObservationAndScoreInN,
    /// N: a senior manager's decision resting on the monthly report.
    DecisionInN,
    /// S: an observation in the other team's project.
    ObservationInS,
}

const SENDS: [Send; 6] = [
    Send::PackageItemInC,
    Send::ObservationInN,
    Send::CycleInN,
    Send::ObservationAndScoreInN,
    Send::DecisionInN,
    Send::ObservationInS,
];

/// How a row enrols a new device (the `enrol` column): a person enrols with the right
/// password; `NoToken` tries practitioner-north with a wrong one, `UnknownToken` a
/// username nobody has, `Revoked` practitioner-north again (re-enrolling after a
/// revocation is allowed).
struct Row {
    who: Who,
    /// GET /api/v1/streams: the streams listed, each `read` or `write` (`read_only`),
    /// or the error.
    listed: &'static str,
    /// READ_ROUTES × [C, N, S].
    reads: [[Out; 3]; 10],
    /// SENDS, each POSTed to /api/v1/streams/{id}/sync.
    syncs: [Out; 6],
    /// POST /api/v1/devices.
    enrol: Out,
    /// Every one of AUDIT_ROUTES × [C, N, S].
    audit: [Out; 3],
    /// FIELD_ROUTES, in order: snapshot, records, sign-out.
    field: [Out; 3],
    /// KEYS_ROUTE for [N, S]: `Ok` when the stream's keys are listed, `NotFound` when
    /// the answer lists none of them (a stream the caller may not read).
    keys: [Out; 2],
    /// SUBJECT_ROUTE for P-0413.
    subject: Out,
    /// ERASURE_ROUTE for P-0413.
    erase: Out,
    /// RECORD_ERASURE_ROUTE for N's note about no named person.
    erase_record: Out,
    /// RETENTION_ROUTES: GET and PUT the schedule, place a hold, lift one.
    retention: [Out; 4],
}

#[rustfmt::skip]
const MATRIX: &[Row] = &[
    //                                                            view          events        receipts      feed          history       cycle         measure       chart         dashboard     detail                    C pkg N obs N cycle N obs+score N decision S obs
    Row { who: P("practitioner-north"),   listed: "C:read N:write",          reads: [[OK,OK,NF], [OK,OK,NF], [OK,OK,NF], [OK,OK,NF], [OK,OK,NF], [NF,OK,NF], [NF,OK,NF], [NF,OK,NF], [OK,NF,NF], [NF,OK,NF]], syncs: [HLD, ACC, ACC, HLD, HLD, FB], enrol: NEW, audit: [FB,FB,NF], field: [OK,FB,FB], keys: [OK,NF], subject: FB, erase: FB, erase_record: FB, retention: [FB,FB,FB,FB] },
    Row { who: P("advisor-north"),        listed: "C:read N:write",          reads: [[OK,OK,NF], [OK,OK,NF], [OK,OK,NF], [OK,OK,NF], [OK,OK,NF], [NF,OK,NF], [NF,OK,NF], [NF,OK,NF], [OK,NF,NF], [NF,OK,NF]], syncs: [HLD, ACC, ACC, HLD, HLD, FB], enrol: NEW, audit: [FB,FB,NF], field: [OK,FB,FB], keys: [OK,NF], subject: FB, erase: FB, erase_record: FB, retention: [FB,FB,FB,FB] },
    Row { who: P("coordinator-north"),    listed: "C:read N:write",          reads: [[OK,OK,NF], [OK,OK,NF], [OK,OK,NF], [OK,OK,NF], [OK,OK,NF], [NF,OK,NF], [NF,OK,NF], [NF,OK,NF], [OK,NF,NF], [NF,OK,NF]], syncs: [HLD, ACC, ACC, ACC, HLD, FB], enrol: NEW, audit: [FB,FB,NF], field: [OK,FB,FB], keys: [OK,NF], subject: FB, erase: FB, erase_record: FB, retention: [FB,FB,FB,FB] },
    Row { who: P("senior-manager-north"), listed: "C:read N:write",          reads: [[OK,OK,NF], [OK,OK,NF], [OK,OK,NF], [OK,OK,NF], [OK,OK,NF], [NF,OK,NF], [NF,OK,NF], [NF,OK,NF], [OK,NF,NF], [NF,OK,NF]], syncs: [HLD, ACC, HLD, HLD, ACC, FB], enrol: NEW, audit: [FB,FB,NF], field: [OK,FB,FB], keys: [OK,NF], subject: FB, erase: FB, erase_record: FB, retention: [FB,FB,FB,FB] },
    Row { who: P("auditor-north"),        listed: "C:read N:read",           reads: [[OK,OK,NF], [OK,OK,NF], [OK,OK,NF], [OK,OK,NF], [OK,OK,NF], [NF,OK,NF], [NF,OK,NF], [NF,OK,NF], [OK,NF,NF], [NF,OK,NF]], syncs: [REF, REF, REF, REF, REF, FB], enrol: NEW, audit: [OK,OK,NF], field: [OK,FB,FB], keys: [OK,NF], subject: FB, erase: FB, erase_record: FB, retention: [FB,FB,FB,FB] },
    Row { who: P("administrator-north"),  listed: "",                        reads: [[NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF]], syncs: [FB,  FB,  FB,  FB,  FB,  FB], enrol: NEW, audit: [NF,NF,NF], field: [OK,FB,FB], keys: [NF,NF], subject: FB, erase: FB, erase_record: FB, retention: [FB,FB,FB,FB] },
    Row { who: P("coordinator"),          listed: "C:write N:write S:write", reads: [[OK,OK,OK], [OK,OK,OK], [OK,OK,OK], [OK,OK,OK], [OK,OK,OK], [NF,OK,OK], [NF,OK,OK], [NF,OK,OK], [OK,NF,NF], [NF,OK,OK]], syncs: [ACC, ACC, ACC, ACC, HLD, ACC], enrol: NEW, audit: [FB,FB,FB], field: [OK,FB,FB], keys: [OK,OK], subject: FB, erase: FB, erase_record: FB, retention: [FB,FB,FB,FB] },
    Row { who: P("manager"),              listed: "C:write N:write S:write", reads: [[OK,OK,OK], [OK,OK,OK], [OK,OK,OK], [OK,OK,OK], [OK,OK,OK], [NF,OK,OK], [NF,OK,OK], [NF,OK,OK], [OK,NF,NF], [NF,OK,OK]], syncs: [HLD, ACC, HLD, HLD, ACC, ACC], enrol: NEW, audit: [FB,FB,FB], field: [OK,FB,FB], keys: [OK,OK], subject: FB, erase: FB, erase_record: FB, retention: [FB,FB,FB,FB] },
    Row { who: P("auditor"),              listed: "C:read N:read S:read",    reads: [[OK,OK,OK], [OK,OK,OK], [OK,OK,OK], [OK,OK,OK], [OK,OK,OK], [NF,OK,OK], [NF,OK,OK], [NF,OK,OK], [OK,NF,NF], [NF,OK,OK]], syncs: [REF, REF, REF, REF, REF, REF], enrol: NEW, audit: [OK,OK,OK], field: [OK,FB,FB], keys: [OK,OK], subject: FB, erase: FB, erase_record: FB, retention: [FB,FB,FB,FB] },
    Row { who: P("administrator"),        listed: "",                        reads: [[NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF]], syncs: [FB,  FB,  FB,  FB,  FB,  FB], enrol: NEW, audit: [NF,NF,NF], field: [OK,FB,FB], keys: [NF,NF], subject: FB, erase: FB, erase_record: FB, retention: [FB,FB,FB,FB] },
    Row { who: P("outsider"),             listed: "",                        reads: [[NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF]], syncs: [FB,  FB,  FB,  FB,  FB,  FB], enrol: NEW, audit: [NF,NF,NF], field: [OK,FB,FB], keys: [NF,NF], subject: FB, erase: FB, erase_record: FB, retention: [FB,FB,FB,FB] },
    Row { who: P("data-protection-officer"), listed: "",                     reads: [[NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF], [NF,NF,NF]], syncs: [FB,  FB,  FB,  FB,  FB,  FB], enrol: NEW, audit: [NF,NF,NF], field: [OK,FB,FB], keys: [NF,NF], subject: OK, erase: OK, erase_record: OK, retention: [OK,OK,OK,OK] },
    Row { who: NoToken,                   listed: "401 sign_in_required",    reads: [[SI,SI,SI], [SI,SI,SI], [SI,SI,SI], [SI,SI,SI], [SI,SI,SI], [SI,SI,SI], [SI,SI,SI], [SI,SI,SI], [SI,SI,SI], [SI,SI,SI]], syncs: [SI,  SI,  SI,  SI,  SI,  SI], enrol: BAD, audit: [SI,SI,SI], field: [SI,SI,SI], keys: [SI,SI], subject: SI, erase: SI, erase_record: SI, retention: [SI,SI,SI,SI] },
    Row { who: UnknownToken,              listed: "401 sign_in_required",    reads: [[SI,SI,SI], [SI,SI,SI], [SI,SI,SI], [SI,SI,SI], [SI,SI,SI], [SI,SI,SI], [SI,SI,SI], [SI,SI,SI], [SI,SI,SI], [SI,SI,SI]], syncs: [SI,  SI,  SI,  SI,  SI,  SI], enrol: BAD, audit: [SI,SI,SI], field: [SI,SI,SI], keys: [SI,SI], subject: SI, erase: SI, erase_record: SI, retention: [SI,SI,SI,SI] },
    Row { who: Revoked,                   listed: "401 device_revoked",      reads: [[RV,RV,RV], [RV,RV,RV], [RV,RV,RV], [RV,RV,RV], [RV,RV,RV], [RV,RV,RV], [RV,RV,RV], [RV,RV,RV], [RV,RV,RV], [RV,RV,RV]], syncs: [RV,  RV,  RV,  RV,  RV,  RV], enrol: NEW, audit: [RV,RV,RV], field: [RV,RV,RV], keys: [RV,RV], subject: RV, erase: RV, erase_record: RV, retention: [RV,RV,RV,RV] },
];

/// The records the matrix reads and refers to.
struct World {
    c: StreamId,
    n: StreamId,
    s: StreamId,
    package_item: EventId,
    n_cycle: EventId,
    n_measure: EventId,
    n_report: EventId,
    /// An observation in N about no named person, sealed under a key of its own.
    n_note: EventId,
    /// A legal hold on P-0999, placed by the officer.
    hold: EventId,
    s_cycle: EventId,
    s_measure: EventId,
}

impl World {
    fn stream(&self, target: usize) -> StreamId {
        [self.c, self.n, self.s][target]
    }

    fn letter(&self, stream: &str) -> &'static str {
        match stream.parse::<StreamId>() {
            Ok(s) if s == self.c => "C",
            Ok(s) if s == self.n => "N",
            Ok(s) if s == self.s => "S",
            _ => "?",
        }
    }

    /// The concrete path of a read route for a target (0 = C, 1 = N, 2 = S), and the
    /// id the answer must be about.
    fn read_path(&self, route: &str, target: usize) -> (String, String) {
        let record = match route {
            "/api/v1/measures/{id}" | "/api/v1/measures/{id}/chart" => {
                [self.package_item, self.n_measure, self.s_measure]
            }
            _ => [self.package_item, self.n_cycle, self.s_cycle],
        }[target];
        if route.contains("{stream_id}") {
            let stream = self.stream(target).to_string();
            (route.replace("{stream_id}", &stream), stream)
        } else {
            let id = record.to_string();
            (route.replace("{id}", &id), id)
        }
    }

    /// The concrete path of an auditor's route for a target, and the id the answer
    /// must be about.
    fn audit_path(&self, route: &str, target: usize) -> (String, String) {
        let stream = self.stream(target).to_string();
        let record = [self.package_item, self.n_cycle, self.s_cycle][target].to_string();
        match route {
            "/api/v1/audit/decisions/{id}" => (route.replace("{id}", &record), record),
            "/api/v1/audit/streams/{stream_id}/as-it-stood" => (
                format!("{}?at=2100-01-01", route.replace("{stream_id}", &stream)),
                stream,
            ),
            r if r.contains("{stream_id}") => (r.replace("{stream_id}", &stream), stream),
            r => (format!("{r}?stream={stream}"), stream),
        }
    }

    fn message(&self, send: Send) -> (StreamId, Vec<Event>) {
        use praxis_testkit::records::*;
        match send {
            Send::PackageItemInC => (self.c, vec![package_item("Ask what matters first")]),
            Send::ObservationInN => (self.n, vec![observation("Son joined the visit")]),
            Send::CycleInN => (self.n, vec![plan("Try the guide on a third visit")]),
            Send::ObservationAndScoreInN => (
                self.n,
                vec![observation("Asked first"), score(self.n_report)],
            ),
            Send::DecisionInN => (self.n, vec![decision(self.n_report)]),
            Send::ObservationInS => (self.s, vec![observation("Neighbour helped")]),
        }
    }
}

/// What a read gave: `Ok` only when the answer is the resource asked for.
fn read_out(route: &str, about: &str, target: usize, answer: &Answer) -> Result<Out, String> {
    if answer.status != 200 {
        return error_out(answer);
    }
    let json = &answer.json;
    let fits = match route {
        "/api/v1/streams/{stream_id}" => {
            let kind = if target == 0 {
                "Collaborative"
            } else {
                "Project"
            };
            json.get(kind).is_some()
        }
        "/api/v1/streams/{stream_id}/events" => {
            json["events"].as_array().is_some_and(|e| !e.is_empty())
        }
        "/api/v1/streams/{stream_id}/receipts" => json["receipts"].is_array(),
        "/api/v1/streams/{stream_id}/feed" => json["observations"].is_array(),
        "/api/v1/measures/{id}/chart" => json["series"]["id"].as_str() == Some(about),
        "/api/v1/collaboratives/{stream_id}/dashboard" => {
            json["stream"].as_str() == Some(about) && json["teams"].is_array()
        }
        "/api/v1/streams/{stream_id}/detail" => json["overview"]["stream"].as_str() == Some(about),
        _ => json["id"].as_str() == Some(about),
    };
    if fits {
        Ok(OK)
    } else {
        Err(format!("200 but not the resource asked for: {json}"))
    }
}

/// What an auditor's read gave: `Ok` only when the answer is the audit trail asked for.
fn audit_out(route: &str, about: &str, answer: &Answer, bundle: bool) -> Result<Out, String> {
    if answer.status != 200 {
        return error_out(answer);
    }
    let json = &answer.json;
    let fits = match route {
        "/api/v1/audit/timeline" | "/api/v1/audit/access" => json["entries"].is_array(),
        "/api/v1/audit/bundle" => bundle,
        "/api/v1/audit/decisions/{id}" => json["decision"]["event_id"].as_str() == Some(about),
        "/api/v1/audit/streams/{stream_id}/as-it-stood" => json["stream"].as_str() == Some(about),
        "/api/v1/audit/streams/{stream_id}/decisions" => json["decisions"].is_array(),
        _ => json["stream"].as_str() == Some(about) && json["intact"] == true,
    };
    if fits {
        Ok(OK)
    } else {
        Err(format!("200 but not the audit trail asked for: {json}"))
    }
}

/// The streams a listing shows, as the table writes them.
fn listed(world: &World, answer: &Answer) -> String {
    if answer.status != 200 {
        return format!(
            "{} {}",
            answer.status,
            answer.json["error"].as_str().unwrap_or("?")
        );
    }
    let mut seen: Vec<String> = answer.json["streams"]
        .as_array()
        .map(|streams| {
            streams
                .iter()
                .map(|s| {
                    let letter = world.letter(s["stream_id"].as_str().unwrap_or(""));
                    let mode = if s["read_only"].as_bool() == Some(false) {
                        "write"
                    } else {
                        "read"
                    };
                    format!("{letter}:{mode}")
                })
                .collect()
        })
        .unwrap_or_default();
    seen.sort();
    seen.join(" ")
}

/// A throwaway store that records as `identity`, holding what the mirror holds.
fn scratch(dir: &Path, identity: &Identity, mirror: &mut Store) -> Store {
    let path = dir.join(format!("scratch-{}.sqlite3", uuid::Uuid::now_v7()));
    let mut store = Store::create(&path, &identity.name).expect("scratch store");
    store.adopt_identity(identity.clone()).expect("identity");
    for info in queries::streams(mirror.connection()).expect("streams") {
        store
            .add_stream(info.id, info.kind, &info.name, info.collaborative)
            .expect("add stream");
        let changes = mirror.changes_since(info.id, &[]).expect("changes");
        store.merge_changes(info.id, &changes).expect("merge");
    }
    store
}

/// The heads of a stream's document in a store, as its sync messages announce them.
fn heads(store: &mut Store, stream: StreamId) -> Vec<automerge::ChangeHash> {
    let hello = store
        .generate_sync_message(stream, &mut automerge::sync::State::new())
        .expect("generate")
        .expect("a first message");
    automerge::sync::Message::decode(&hello.bytes)
        .expect("a sync message")
        .heads
}

/// A standard Automerge sync message from a device holding `store` to a peer holding
/// what the mirror holds: the device's heads and every change the peer lacks, the
/// message Automerge's own exchange arrives at (built directly, so a Bloom filter's
/// false positive cannot leave a change for a later round the cell does not run).
fn message_with_changes(
    store: &mut Store,
    mirror: &mut Store,
    stream: StreamId,
    events: usize,
) -> Vec<u8> {
    let theirs = heads(mirror, stream);
    let changes = store.changes_since(stream, &theirs).expect("changes");
    assert_eq!(changes.len(), events, "one change per new event");
    let message = automerge::sync::Message {
        heads: heads(store, stream),
        need: Vec::new(),
        have: Vec::new(),
        changes: changes.into(),
        flags: None,
        version: automerge::sync::MessageVersion::V1,
    };
    let bytes = message.encode();
    let decoded = automerge::sync::Message::decode(&bytes).expect("a sync message");
    assert_eq!(
        decoded.changes.len(),
        events,
        "the message carries the events"
    );
    bytes
}

/// How a sync cell's events travel.
#[derive(Clone, Copy, Debug)]
enum Via {
    /// A standard Automerge sync message to `SYNC_ROUTE`.
    SyncMessage,
    /// The changes alone to `CHANGES_ROUTE`, building on the stream's heads.
    FastPath,
}

/// What a sync cell gave.
#[allow(clippy::too_many_arguments)]
fn sync_out(
    http: &Http,
    world: &World,
    dir: &Path,
    mirror: &mut Phone,
    identity: &Identity,
    token: Option<&str>,
    send: Send,
    via: Via,
) -> Result<Out, String> {
    mirror.sync();
    let (stream, events) = world.message(send);
    let mut store = scratch(dir, identity, &mut mirror.store);
    let mut last = None;
    let recorded_before = queries::events(store.connection(), stream)
        .expect("events")
        .len();
    for event in events {
        last = Some(store.record(stream, event).expect("recorded locally").id);
    }
    // A score brings the level its evidence suggested (`ScoreSuggested`) with it.
    let sent = queries::events(store.connection(), stream)
        .expect("events")
        .len()
        - recorded_before;
    let before = http.event_count(stream, &mirror.token);
    http.give_keys(&store, token);
    let answer = match via {
        Via::SyncMessage => {
            let message = message_with_changes(&mut store, &mut mirror.store, stream, sent);
            http.sync(stream, token, message)
        }
        Via::FastPath => {
            let base = heads(&mut mirror.store, stream);
            let changes = store
                .changes_after(stream, &base)
                .expect("changes")
                .expect("the scratch copy holds the server's heads and more");
            http.push(stream, token, &base, changes)
        }
    };
    let added = http.event_count(stream, &mirror.token) - before;
    let what = format!(
        "{} {} (accepted {:?}, {added} more events on the server)",
        answer.status, answer.json, answer.accepted
    );
    match answer.status {
        200 | 204 if answer.accepted == Some(sent) && added == sent => Ok(ACC),
        // Held back: a `Quarantined` for the event the server may not apply (and for a
        // score's suggestion, which names a score that is held back too).
        200 | 204 if answer.accepted == Some(sent) && added > sent && added <= 2 * sent => {
            let last = last.map(|l| l.to_string()).unwrap_or_default();
            let held = http.held_back(stream, &mirror.token);
            let history = http.get(
                &format!("/api/v1/records/{last}/history"),
                Some(&mirror.token),
            );
            if held.contains(&last) && history.status == 404 {
                Ok(HLD)
            } else {
                Err(format!(
                    "{what}; held back: {held:?}; its history answers {}",
                    history.status
                ))
            }
        }
        422 if answer.json["error"] == "changes_refused" && added == 0 => {
            let names_it = answer.json["details"].as_array().is_some_and(|d| {
                d.iter()
                    .any(|r| r["event"].as_str() == last.map(|l| l.to_string()).as_deref())
            });
            if names_it {
                Ok(REF)
            } else {
                Err(format!("refused, but not naming event {last:?}: {what}"))
            }
        }
        _ if added == 0 => error_out(&answer).map_err(|_| what),
        _ => Err(what),
    }
}

/// A cell's outcome as the failure list shows it.
fn shown(got: Result<Out, String>) -> String {
    match got {
        Ok(out) => format!("{out:?}"),
        Err(other) => other,
    }
}

/// What a field app cell gave, with the caller's phone token: a snapshot of the
/// person's projects, or the refusal of a phone's records and sign-out on the field
/// app's routes (a phone keeps a replica and syncs).
fn field_out(http: &Http, world: &World, route: &str, token: Option<&str>) -> Result<Out, String> {
    let url = format!("{}{route}", http.base);
    let answer = match route {
        "/api/v1/field/snapshot" => http.send(http.client.get(url), token),
        "/api/v1/field/records" => {
            let record = serde_json::json!({"records": [{
                "id": EventId::new(),
                "stream": world.n,
                "recorded_at": {"millis": 1_796_000_000_000u64, "counter": 0},
                "event": serde_json::to_value(praxis_testkit::records::observation("Field visit")).expect("JSON"),
            }]});
            http.send(http.client.post(url).json(&record), token)
        }
        _ => http.send(http.client.post(url), token),
    };
    if answer.status != 200 {
        return error_out(&answer);
    }
    if answer.json["projects"].is_array() {
        Ok(OK)
    } else {
        Err(format!("200 {}", answer.json))
    }
}

/// What an enrolment cell gave.
fn enrol_out(http: &Http, who: Who) -> Result<Out, String> {
    let answer = match who {
        P(username) => http.enrol(username, PASSWORD),
        NoToken => http.enrol("practitioner-north", "not the password"),
        UnknownToken => http.enrol("nobody-by-this-name", PASSWORD),
        Revoked => http.enrol("practitioner-north", PASSWORD),
    };
    if answer.status != 201 {
        return error_out(&answer);
    }
    let token = answer.json["token"].as_str().unwrap_or("");
    let works = http.get(LIST_ROUTE, Some(token));
    if works.status == 200 {
        Ok(NEW)
    } else {
        Err(format!(
            "201 but the new token gives {} {}",
            works.status, works.json
        ))
    }
}

#[test]
fn every_route_answers_every_role_as_the_matrix_says() {
    // The table covers every route the API describes, and nothing else.
    let described: BTreeSet<String> = serde_json::from_str::<Value>(praxis_server::api::OPENAPI)
        .expect("OpenAPI JSON")["paths"]
        .as_object()
        .expect("paths")
        .keys()
        .cloned()
        .collect();
    let covered: BTreeSet<String> = READ_ROUTES
        .iter()
        .chain(AUDIT_ROUTES.iter())
        .chain(
            [
                LIST_ROUTE,
                SYNC_ROUTE,
                CHANGES_ROUTE,
                ENROL_ROUTE,
                KEYS_ROUTE,
                ERASURE_ROUTE,
                SUBJECT_ROUTE,
                RECORD_ERASURE_ROUTE,
            ]
            .iter(),
        )
        .chain(RETENTION_ROUTES.iter())
        .chain(FIELD_ROUTES.iter())
        .chain(PUBLIC_ROUTES.iter())
        .map(|r| r.to_string())
        .collect();
    assert_eq!(described, covered, "the matrix covers every API route");

    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let fx = fixture(&data);
    {
        let mut storage = praxis_testkit::server::open_storage(&data).expect("storage");
        person(
            &mut storage,
            "administrator-north",
            Role::Administrator,
            Scope::Team(fx.north),
        );
        person(
            &mut storage,
            "data-protection-officer",
            Role::DataProtectionOfficer,
            Scope::Collaborative(fx.collaborative),
        );
    }
    let server = TestServer::start(&data);
    let http = Http {
        client: reqwest::blocking::Client::new(),
        base: server.url.clone(),
    };

    // Northside's and Southside's projects, and a change-package item, recorded and
    // synced by people not in the matrix.
    let mut mirror = Phone::enrol(dir.path(), &server.url, "coordinator");
    mirror.sync();
    let package_item = mirror
        .store
        .record(
            fx.collaborative,
            praxis_testkit::records::package_item("Risk conversations"),
        )
        .expect("package item")
        .id;
    mirror.sync();
    let mut north = Phone::enrol(dir.path(), &server.url, "practitioner2-north");
    let mut south = Phone::enrol(dir.path(), &server.url, "practitioner2-south");
    let project = |phone: &mut Phone, team: &str| {
        phone.sync();
        let stream =
            praxis_testkit::server::start_project(&mut phone.store, fx.collaborative, team);
        let mut record = |event| phone.store.record(stream, event).expect("record").id;
        let cycle = record(praxis_testkit::records::plan("Try the guide"));
        let measure = record(praxis_testkit::records::measure("Visits with a plan"));
        let report = record(praxis_testkit::records::report());
        record(praxis_testkit::records::observation("First visit"));
        let note = record(Event::ObservationRecorded(
            praxis_core::domain::event::Observation {
                subject: None,
                ..match praxis_testkit::records::observation("The team's room was cold") {
                    Event::ObservationRecorded(o) => o,
                    _ => unreachable!("an observation"),
                }
            },
        ));
        let reports = phone.sync();
        assert!(reports.iter().all(|r| r.synced()), "{reports:?}");
        (stream, cycle, measure, report, note)
    };
    let (n, n_cycle, n_measure, n_report, n_note) = project(&mut north, "Northside");
    let (s, s_cycle, s_measure, _, _) = project(&mut south, "Southside");
    mirror.sync();
    let hold = {
        let storage = praxis_testkit::server::open_storage(&data).expect("storage");
        let (officer, _) = storage
            .person_by_username("data-protection-officer")
            .expect("officer")
            .expect("officer");
        let on = praxis_server::storage::HoldOn::Person("P-0999".into());
        storage
            .place_hold(officer, fx.collaborative, on, "An inquiry")
            .expect("hold")
    };
    let world = World {
        c: fx.collaborative,
        n,
        s,
        package_item,
        n_cycle,
        n_measure,
        n_report,
        n_note,
        hold,
        s_cycle,
        s_measure,
    };

    // A device for every person in the matrix, and one of practitioner-north's revoked.
    let mut phones: HashMap<&str, Phone> = HashMap::new();
    for row in MATRIX {
        if let P(username) = row.who {
            phones.insert(username, Phone::enrol(dir.path(), &server.url, username));
        }
    }
    let revoked = Phone::enrol(dir.path(), &server.url, "practitioner-north");
    praxis_testkit::server::open_storage(&data)
        .expect("storage")
        .revoke_device(revoked.store.identity().device, "Lost on a home visit")
        .expect("revoke");
    let unknown = format!("pxd_{}", "0".repeat(64));

    let mut wrong = Vec::new();
    let mut cells = 0;
    for row in MATRIX {
        let (token, identity) = match row.who {
            P(username) => {
                let phone = &phones[username];
                (Some(phone.token.clone()), phone.store.identity().clone())
            }
            NoToken => (None, phones["practitioner-north"].store.identity().clone()),
            UnknownToken => (
                Some(unknown.clone()),
                phones["practitioner-north"].store.identity().clone(),
            ),
            Revoked => (
                Some(revoked.token.clone()),
                revoked.store.identity().clone(),
            ),
        };
        let token = token.as_deref();
        let mut check = |cell: String, expected: String, got: String| {
            cells += 1;
            if expected != got {
                wrong.push(format!(
                    "{:?} {cell}: expected {expected}, got {got}",
                    row.who
                ));
            }
        };

        let got = listed(&world, &http.get(LIST_ROUTE, token));
        check(format!("GET {LIST_ROUTE}"), row.listed.to_string(), got);

        for (route, expected) in READ_ROUTES.iter().zip(row.reads) {
            for (target, expected) in expected.into_iter().enumerate() {
                let (path, about) = world.read_path(route, target);
                let got = read_out(route, &about, target, &http.get(&path, token));
                check(
                    format!("GET {route} on {}", ["C", "N", "S"][target]),
                    format!("{expected:?}"),
                    shown(got),
                );
            }
        }

        for route in AUDIT_ROUTES {
            for (target, expected) in row.audit.into_iter().enumerate() {
                let (path, about) = world.audit_path(route, target);
                let answer = http.get_bytes(&path, token);
                let bundle = answer.1.as_ref().is_some_and(|b| {
                    praxis_core::audit::bundle::verify(b).is_ok_and(|v| {
                        v.intact() && v.streams.iter().any(|s| s.stream.to_string() == about)
                    })
                });
                let got = audit_out(route, &about, &answer.0, bundle);
                check(
                    format!("GET {route} on {}", ["C", "N", "S"][target]),
                    format!("{expected:?}"),
                    shown(got),
                );
            }
        }

        for via in [Via::SyncMessage, Via::FastPath] {
            for (send, expected) in SENDS.into_iter().zip(row.syncs) {
                let got = sync_out(
                    &http,
                    &world,
                    dir.path(),
                    &mut mirror,
                    &identity,
                    token,
                    send,
                    via,
                );
                check(
                    format!("{via:?} with {send:?}"),
                    format!("{expected:?}"),
                    shown(got),
                );
            }
        }

        // The whole stream answers as reading the stream's view does.
        for (target, expected) in row.reads[0].into_iter().enumerate() {
            let stream = world.stream(target);
            let (answer, bytes) =
                http.get_bytes(&format!("/api/v1/streams/{stream}/changes"), token);
            let got = match (answer.status, bytes) {
                (200, Some(bytes)) => {
                    let loaded = praxis_core::replication::StreamDocument::load(&bytes, &[]);
                    match loaded {
                        Ok(document)
                            if document.len() == http.event_count(stream, &mirror.token) =>
                        {
                            Ok(OK)
                        }
                        Ok(document) => Err(format!("a stream of {} events", document.len())),
                        Err(e) => Err(format!("bytes that do not load: {e}")),
                    }
                }
                _ => error_out(&answer).map_err(|_| format!("{} {}", answer.status, answer.json)),
            };
            check(
                format!("GET {CHANGES_ROUTE} on {}", ["C", "N", "S"][target]),
                format!("{expected:?}"),
                shown(got),
            );
        }

        for (route, expected) in FIELD_ROUTES.iter().zip(row.field) {
            let got = field_out(&http, &world, route, token);
            check(
                format!("{route} with a phone's token"),
                format!("{expected:?}"),
                shown(got),
            );
        }

        for (target, expected) in row.keys.into_iter().enumerate() {
            let got = keys_out(&http, world.stream(target + 1), token);
            check(
                format!("POST {KEYS_ROUTE} for {}", ["N", "S"][target]),
                format!("{expected:?}"),
                shown(got),
            );
        }
        let got = subject_out(&http, token);
        check(
            format!("GET {SUBJECT_ROUTE}"),
            format!("{:?}", row.subject),
            shown(got),
        );
        let got = erase_out(&http, token);
        check(
            format!("POST {ERASURE_ROUTE}"),
            format!("{:?}", row.erase),
            shown(got),
        );
        let got = erase_record_out(&http, world.n_note, token);
        check(
            format!("POST {RECORD_ERASURE_ROUTE}"),
            format!("{:?}", row.erase_record),
            shown(got),
        );

        for (which, expected) in row.retention.into_iter().enumerate() {
            let got = retention_out(&http, (world.c, world.hold), which, token);
            let route = RETENTION_ROUTES[which.saturating_sub(1)];
            check(
                format!("{} {route}", ["GET", "PUT", "POST", "POST"][which]),
                format!("{expected:?}"),
                shown(got),
            );
        }

        let got = enrol_out(&http, row.who);
        check(
            format!("POST {ENROL_ROUTE}"),
            format!("{:?}", row.enrol),
            shown(got),
        );
    }

    for route in PUBLIC_ROUTES {
        let answer = http.get(route, None);
        cells += 1;
        if answer.status != 200 {
            wrong.push(format!("GET {route} with no token: {}", answer.status));
        }
    }
    assert_eq!(
        cells,
        MATRIX.len()
            * (1 + READ_ROUTES.len() * 3
                + AUDIT_ROUTES.len() * 3
                + SENDS.len() * 2
                + 3
                + FIELD_ROUTES.len()
                + 2
                + 3
                + 4
                + 1)
            + 2
    );
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells differ from the matrix:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
