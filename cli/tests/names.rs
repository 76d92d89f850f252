//! Authors by name against a real server: a practitioner and the collaborative's
//! coordinator record in one project, and after a sync each device names the other in
//! a record's history, instead of an id. The server lists only the people who may
//! record in the person's streams.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::domain::event::Scope;
use praxis_core::domain::role::Role;
use praxis_server::auth::hash_password;
use praxis_server::storage::{SqliteStorage, Storage, Views};
use praxis_testkit::server::{PASSWORD, TestServer, collaborative};
use serde_json::Value;
use std::path::Path;

use crate::common::{Out, praxis_out as praxis};

fn ok(out: Out) -> String {
    out.ok()
}

fn json(out: Out) -> Value {
    out.json()
}

fn enrol(d: &Path, store: &Path, url: &str, username: &str) {
    ok(praxis(
        d,
        store,
        &[
            "enrol",
            "--server",
            url,
            "--username",
            username,
            "--password",
            PASSWORD,
        ],
    ));
}

#[test]
fn after_a_sync_each_person_sees_the_other_by_name_in_a_records_history() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = d.join("data");
    let storage = SqliteStorage::open(&data).unwrap();
    let c = collaborative(&storage);
    let north = storage
        .add_team(c, "Northside", "Northshire County Council")
        .unwrap();
    let south = storage
        .add_team(c, "Southside", "Southbank Borough Council")
        .unwrap();
    let hash = hash_password(PASSWORD).unwrap();
    for (username, name, role, scope) in [
        ("dev", "Dev Sharma", Role::Practitioner, Scope::Team(north)),
        (
            "carla",
            "Carla Nwosu",
            Role::Coordinator,
            Scope::Collaborative(c),
        ),
        ("sam", "Sam Whitlow", Role::Practitioner, Scope::Team(south)),
    ] {
        let id = storage.add_person(username, name, &hash).unwrap();
        storage.grant(id, role, scope).unwrap();
    }
    drop(storage);
    let server = TestServer::start(&data);

    let dev = d.join("dev.sqlite3");
    let carla = d.join("carla.sqlite3");
    enrol(d, &dev, &server.url, "dev");
    enrol(d, &carla, &server.url, "carla");
    ok(praxis(d, &dev, &["sync"]));
    ok(praxis(
        d,
        &dev,
        &[
            "project",
            "start",
            "--team",
            "Northside",
            "--organisation",
            "Northshire County Council",
            "--title",
            "Positive risk plans",
        ],
    ));
    let by_dev = json(praxis(
        d,
        &dev,
        &["--json", "observe", "Talked the plan through with P-0007"],
    ))["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(praxis(d, &dev, &["sync"]));

    ok(praxis(d, &carla, &["sync"]));
    let by_carla = json(praxis(
        d,
        &carla,
        &["--json", "observe", "The team's huddle used the risk plan"],
    ))["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(praxis(d, &carla, &["sync"]));
    ok(praxis(d, &dev, &["sync"]));

    let seen_by_carla = ok(praxis(d, &carla, &["history", &by_dev]));
    assert!(seen_by_carla.contains("by Dev Sharma"), "{seen_by_carla}");
    let seen_by_dev = ok(praxis(d, &dev, &["history", &by_carla]));
    assert!(seen_by_dev.contains("by Carla Nwosu"), "{seen_by_dev}");
    // Each still names themselves.
    let own = ok(praxis(d, &dev, &["history", &by_dev]));
    assert!(own.contains("by Dev Sharma"), "{own}");

    // The stream list names who may record in Dev's streams, and no one else.
    let person_of = |store: &Path| -> String {
        let out = json(praxis(d, store, &["--json", "status"]));
        out["identity"]["person"].as_str().unwrap().to_string()
    };
    let listed: Vec<String> = {
        let storage = SqliteStorage::open(&data).unwrap();
        let dev_id = person_of(&dev);
        let person = storage
            .people()
            .unwrap()
            .into_iter()
            .find(|p| p.id.0.to_string() == dev_id)
            .unwrap();
        let streams = storage.streams_for(person.id).unwrap();
        storage
            .people_of(&streams)
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect()
    };
    assert!(listed.contains(&"Carla Nwosu".to_string()), "{listed:?}");
    assert!(listed.contains(&"Dev Sharma".to_string()), "{listed:?}");
    assert!(!listed.contains(&"Sam Whitlow".to_string()), "{listed:?}");
}
