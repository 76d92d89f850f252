//! Reads and syncs share the server's storage without one waiting for the other: a
//! read held open on one team's project does not stop another team's phone from
//! syncing a new project to the end, and the held read keeps seeing the data as it
//! was committed when it began. A round of sync writes nothing it need not.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::domain::event::{ProjectStarted, Scope};
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::role::Role;
use praxis_core::store::{Store, queries};
use praxis_server::storage::{Device, SqliteStorage, Storage, Views};
use praxis_testkit::direct::{enrolled, phone, sync};
use praxis_testkit::server::collaborative;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::channel;
use std::time::Duration;

/// How long the test waits for a step before calling it stuck. A bound so a
/// regression fails instead of hanging; nothing here is timed.
const STUCK: Duration = Duration::from_secs(120);

/// A practitioner of `team` with an enrolled phone that holds the collaborative.
fn practitioner(
    storage: &SqliteStorage,
    dir: &Path,
    username: &str,
    team: EventId,
    collaborative: StreamId,
) -> (Device, Store) {
    let (device, _token) = enrolled(
        storage,
        username,
        username,
        Role::Practitioner,
        Scope::Team(team),
    );
    let path = dir.join(format!("{username}.sqlite3"));
    let store = phone(&path, storage, &device, username, collaborative);
    (device, store)
}

fn project(phone: &mut Store, collaborative: StreamId, team: &str) -> StreamId {
    phone
        .start_project(ProjectStarted {
            collaborative,
            team: team.into(),
            organisation: "Northshire County Council".into(),
            title: format!("Safer at home ({team})"),
        })
        .unwrap()
        .stream
}

#[test]
fn a_read_held_open_does_not_stop_another_teams_sync() {
    let dir = tempfile::tempdir().unwrap();
    let storage = Arc::new(praxis_testkit::server::open_storage(&dir.path().join("data")).unwrap());
    let collaborative = collaborative(&storage);
    let north = storage
        .add_team(collaborative, "North", "Northshire County Council")
        .unwrap();
    let south = storage
        .add_team(collaborative, "South", "Southshire County Council")
        .unwrap();
    let (north_device, mut north_phone) =
        practitioner(&storage, dir.path(), "north", north, collaborative);
    let north_project = project(&mut north_phone, collaborative, "North");
    sync(&mut north_phone, &storage, &north_device, north_project);
    let (south_device, mut south_phone) =
        practitioner(&storage, dir.path(), "south", south, collaborative);
    let south_project = project(&mut south_phone, collaborative, "South");

    // A read of the North project, parked inside its transaction until released.
    let (parked, is_parked) = channel();
    let (release, released) = channel::<()>();
    let reader = {
        let storage = storage.clone();
        std::thread::spawn(move || {
            storage.read(|c| {
                let north_events = queries::events(c, north_project)?.len();
                parked.send(()).unwrap();
                released.recv().unwrap();
                let south_seen = queries::stream_info(c, south_project).is_ok();
                Ok((north_events, south_seen))
            })
        })
    };
    is_parked.recv_timeout(STUCK).expect("the read began");

    // Meanwhile the South team's phone syncs its new project to the end.
    let (synced, is_synced) = channel();
    let syncer = {
        let storage = storage.clone();
        std::thread::spawn(move || {
            sync(&mut south_phone, &storage, &south_device, south_project);
            synced.send(()).unwrap();
        })
    };
    is_synced
        .recv_timeout(STUCK)
        .expect("the South team's sync finished while the read was held open");
    syncer.join().unwrap();
    let south_person = storage
        .people()
        .unwrap()
        .into_iter()
        .find(|p| p.username == "south")
        .unwrap()
        .id;
    let access = storage
        .access(south_person, south_project)
        .unwrap()
        .expect("the South project is the South team's on the server");
    assert_eq!(access.team, Some(south));
    assert_eq!(storage.events(south_project).unwrap().len(), 1);

    release.send(()).unwrap();
    let (north_events, south_seen) = reader.join().unwrap().unwrap();
    assert_eq!(north_events, 1, "the read saw the North project's start");
    assert!(
        !south_seen,
        "a read sees what was committed when it began, not what was committed during it"
    );
}

/// A phone's first message about a project new to the server carries only its heads:
/// the server answers it without writing anything, so a device that goes no further
/// leaves no empty stream behind. The sync then brings the project, and each round is
/// written whole: the events with their receipts, the shared state, and when the
/// device last synced.
#[test]
fn a_first_message_about_a_new_stream_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let storage = praxis_testkit::server::open_storage(&dir.path().join("data")).unwrap();
    let collaborative = collaborative(&storage);
    let team = storage
        .add_team(collaborative, "North", "Northshire County Council")
        .unwrap();
    let (device, mut store) = practitioner(&storage, dir.path(), "nadia", team, collaborative);
    let project = project(&mut store, collaborative, "North");

    let first = store
        .generate_sync_message(project, &mut automerge::sync::State::new())
        .unwrap()
        .expect("the phone has something to say about its project");
    let reply = storage.sync(&device, project, &first.bytes).unwrap();
    assert!(
        reply.message.is_some(),
        "the server answers with its heads, so the phone sends its changes"
    );
    assert_eq!(reply.accepted_events, 0);
    assert!(
        storage.stream_info(project).is_err(),
        "nothing of the project is kept yet"
    );
    let states: i64 = storage
        .read(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM sync_states WHERE stream = ?1",
                [project.as_uuid().as_bytes().as_slice()],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(
        states, 0,
        "no sync state for a stream the server does not hold"
    );

    // Whole milliseconds, as the server keeps them.
    let started = time::OffsetDateTime::now_utc()
        .replace_millisecond(0)
        .unwrap();
    sync(&mut store, &storage, &device, project);
    let events = storage.events(project).unwrap();
    assert_eq!(events.len(), 1, "the project's start reached the server");
    assert_eq!(storage.receipts(project).unwrap().len(), events.len());
    let synced_after = storage
        .devices()
        .unwrap()
        .into_iter()
        .find(|d| d.id == device.id)
        .unwrap()
        .last_sync_at
        .expect("the device's last sync is noted");
    let synced_after = time::OffsetDateTime::parse(
        &synced_after,
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(
        synced_after >= started,
        "{synced_after} is this sync's time"
    );
}
