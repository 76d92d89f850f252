//! A sync message from the practitioner's enrolled phone, about their project or a
//! stream new to the server, through `Storage::sync` (what the sync route calls once
//! it has checked the token and that the body is not empty). The server must answer
//! with a sync message or an error that blames the message (4xx), never fail itself;
//! and whatever it then holds must pass the gate: each change it took is the phone's
//! own and appends one event that decodes, belongs to the stream, is authored by the
//! practitioner on that phone in a schema this build knows, and is of a kind a
//! practitioner may record, unless the server held it back: then the server's own
//! change beside it records a `Quarantined` naming it (the only changes not the
//! phone's it may take); as many events as it said it accepted, no more. Every
//! input meets the server as set up: one that changed what it holds (its streams,
//! changes, events or the sync states it saved) is followed by a fresh copy.

#![no_main]

use automerge::sync::Message;
use automerge::{AutoCommit, ChangeHash};
use libfuzzer_sys::fuzz_target;
use praxis_core::domain::envelope::Envelope;
use praxis_core::domain::event::{Event, EventKind};
use praxis_core::domain::ids::{DeviceId, StreamId};
use praxis_core::domain::role::Role;
use praxis_core::replication::{StreamDocument, device_actor};
use praxis_fuzz::fixture::{Fixture, Opened};
use praxis_fuzz::sync_input::{self, Input, NEW_STREAM, NEW_STREAM_ID, Parties};
use praxis_server::error::ServerError;
use praxis_server::storage::{SqliteStorage, Storage};
use std::collections::HashSet;
use std::sync::{LazyLock, Mutex};

struct Target {
    /// The copy of the data directory this input meets (dropped before the fixture).
    server: Opened,
    fixture: Fixture,
    /// The project's document as the server holds it at set-up, saved.
    project_document: Vec<u8>,
    /// The changes the server holds of the project at set-up.
    project_changes: HashSet<ChangeHash>,
    /// How many events the project has at set-up.
    project_events: usize,
    /// What an input may change that the next could meet, as set up.
    fingerprint: String,
}

static TARGET: LazyLock<Mutex<Target>> = LazyLock::new(|| {
    let fixture = Fixture::set_up();
    let server = fixture.open();
    let storage = &server.storage;
    let changes = storage
        .stream_changes(fixture.project)
        .expect("the project's changes");
    let mut document = AutoCommit::new();
    document
        .apply_changes(StreamDocument::parse_changes(&changes).expect("the changes parse"))
        .expect("the changes apply");
    let project_changes = StreamDocument::parse_changes(&changes)
        .expect("the changes parse")
        .iter()
        .map(|c| c.hash())
        .collect();
    let project_events = storage
        .envelopes(fixture.project)
        .expect("the project's events")
        .len();
    Mutex::new(Target {
        fingerprint: fingerprint(storage),
        project_document: document.save(),
        project_changes,
        project_events,
        server,
        fixture,
    })
});

/// What the server holds that a message could change and a later message meet: how
/// many streams, changes and events, and the sync state saved with each peer (the
/// heads both sides share, which shape the server's next answer).
fn fingerprint(storage: &SqliteStorage) -> String {
    storage
        .read(|conn| {
            Ok(conn.query_row(
                "SELECT (SELECT count(*) FROM streams) || ' ' || (SELECT count(*) FROM changes)
                     || ' ' || (SELECT count(*) FROM events) || ' '
                     || (SELECT coalesce(group_concat(hex(state), ' '), '')
                         FROM (SELECT state FROM sync_states ORDER BY peer, stream))",
                [],
                |r| r.get::<_, String>(0),
            )?)
        })
        .unwrap_or_else(|e| panic!("the server's tables cannot be read: {e}"))
}

/// Checks what the server holds of `stream` beyond the changes `before`: every change
/// passed the gate, and the only changes not the phone's are the server's records of
/// the events it held back. Returns how many of the phone's events those changes
/// brought, and how many events in all.
fn check_stream(
    storage: &SqliteStorage,
    stream: StreamId,
    before: &HashSet<ChangeHash>,
    phone: &praxis_server::storage::Device,
) -> (usize, usize) {
    let changes = storage
        .stream_changes(stream)
        .unwrap_or_else(|e| panic!("the server cannot list the changes it holds: {e}"));
    let parsed = StreamDocument::parse_changes(&changes)
        .unwrap_or_else(|e| panic!("a change the server holds does not parse: {e}"));
    let mut document = StreamDocument::genesis(stream).expect("a stream's genesis");
    let held = document
        .apply(parsed)
        .unwrap_or_else(|e| panic!("the changes the server holds do not apply: {e}"));
    let server = storage.server_device();
    let mut phones = Vec::new();
    let mut quarantined = HashSet::new();
    for change in held.iter().filter(|c| !before.contains(&c.hash)) {
        assert_eq!(
            (change.events.len(), change.foreign_ops),
            (1, 0),
            "the server took a change that does more than append one event"
        );
        let envelope = Envelope::decode(&change.events[0])
            .unwrap_or_else(|e| panic!("the server took an event that does not decode: {e}"));
        assert_eq!(
            envelope.stream, stream,
            "the server took another stream's event"
        );
        if change.actor == device_actor(server) {
            assert_eq!(envelope.device, server, "the server's change names another device");
            let Some(Event::Quarantined { held, author, .. }) = envelope.event() else {
                panic!("the server recorded a {} in a device's round", envelope.kind_name());
            };
            assert_eq!(*author, phone.person, "the server held back another's event");
            quarantined.insert(*held);
            continue;
        }
        assert_eq!(
            change.actor,
            device_actor(phone.id),
            "the server took a change made by another actor"
        );
        assert_eq!(
            (envelope.author, envelope.device),
            (phone.person, phone.id),
            "the server took an event another person or device made"
        );
        assert!(
            envelope.kind().is_some(),
            "the server took schema {}",
            envelope.schema
        );
        phones.push(envelope);
    }
    for envelope in &phones {
        let kind = envelope.kind().expect("checked above");
        assert!(
            Role::Practitioner.may_record(kind) || quarantined.contains(&envelope.id),
            "the server took a {} from a practitioner and did not hold it back",
            kind.name()
        );
    }
    assert!(
        quarantined
            .iter()
            .all(|id| phones.iter().any(|e| e.id == *id)),
        "the server held back an event it did not take in this round"
    );
    (phones.len(), phones.len() + quarantined.len())
}

fuzz_target!(init: praxis_fuzz::panics::go_on_after_caught_panics(), |data: &[u8]| {
    let mut target = TARGET.lock().unwrap_or_else(|p| p.into_inner());
    let target = &mut *target;
    let fixture = &target.fixture;
    let (header, input) = sync_input::parse(data);
    let new_stream = header & NEW_STREAM != 0;
    let (stream, base) = if new_stream {
        let stream = StreamId(NEW_STREAM_ID);
        let base = StreamDocument::genesis(stream).expect("a genesis").save();
        (stream, base)
    } else {
        (fixture.project, target.project_document.clone())
    };
    let message = match input {
        Input::Sent(bytes) => bytes.to_vec(),
        Input::Built(specs) => {
            let parties = Parties {
                stream,
                other_stream: fixture.collaborative,
                device: fixture.phone.id,
                other_device: DeviceId(sync_input::NEW_STREAM_ID),
                person: fixture.practitioner,
                other_person: fixture.coordinator,
                placeholders: &fixture.placeholders,
            };
            sync_input::build(header, &specs, &base, &parties)
        }
    };
    // The route answers an empty body itself.
    if message.is_empty() {
        return;
    }
    let decodes = Message::decode(&message).is_ok();

    let accepted = match target.server.storage.sync(&fixture.phone, stream, &message) {
        Ok(reply) => {
            if let Some(answer) = &reply.message
                && let Err(e) = Message::decode(answer)
            {
                panic!("the server answered with bytes that are not a sync message: {e}");
            }
            reply.accepted_events
        }
        Err(e) => {
            let text = e.to_string();
            let status = ServerError::from(e).status();
            assert!(
                status.is_client_error(),
                "a sync message made the server fail ({status}): {text}"
            );
            assert!(decodes || status.as_u16() == 400, "{status}: {text}");
            0
        }
    };

    if fingerprint(&target.server.storage) == target.fingerprint {
        assert_eq!(
            accepted, 0,
            "the server said it accepted events it does not hold"
        );
        return;
    }

    let (project_events, project_all) = check_stream(
        &target.server.storage,
        fixture.project,
        &target.project_changes,
        &fixture.phone,
    );
    let new_events = match target.server.storage.stream_info(StreamId(NEW_STREAM_ID)) {
        Ok(_) => {
            let genesis: HashSet<ChangeHash> = StreamDocument::genesis(StreamId(NEW_STREAM_ID))
                .expect("a genesis")
                .changes_since(&[])
                .iter()
                .map(|c| c.hash())
                .collect();
            let (events, _) = check_stream(
                &target.server.storage,
                StreamId(NEW_STREAM_ID),
                &genesis,
                &fixture.phone,
            );
            assert!(events > 0, "the server keeps a new stream with no events");
            let first = target
                .server
                .storage
                .envelopes(StreamId(NEW_STREAM_ID))
                .unwrap_or_else(|e| panic!("the new stream's events do not decode: {e}"));
            assert_eq!(
                first.first().and_then(Envelope::kind),
                Some(EventKind::ProjectStarted),
                "a new stream the server took does not begin with its project"
            );
            events
        }
        Err(_) => 0,
    };
    let (held, taken) = if new_stream {
        (project_events, new_events)
    } else {
        (new_events, project_events)
    };
    assert_eq!(
        held, 0,
        "the server took events into a stream the message was not about"
    );
    assert_eq!(
        taken, accepted,
        "the server took other than the events it said it accepted"
    );
    let stored = target
        .server
        .storage
        .envelopes(fixture.project)
        .unwrap_or_else(|e| panic!("the project's stored events do not decode: {e}"));
    assert_eq!(stored.len(), target.project_events + project_all);

    // The next input meets the server as it was set up.
    target.server = target.fixture.open();
});
