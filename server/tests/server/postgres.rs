//! PostgreSQL as the store of record: its schema, brought up to date once however
//! many instances start at once; what every instance shares at once (sessions,
//! sign-ins, failed sign-ins, the access log), seen alike through two pools as
//! through two instances; and a database that goes away and comes back.
#![allow(clippy::unwrap_used)]

use praxis_core::domain::ids::{DeviceId, EventId, PersonId, StreamId};
use praxis_server::storage::pg::{self, Database, SCHEMA_VERSION};
use praxis_server::storage::{SsoSignIn, StorageError};
use praxis_testkit::postgres::{Postgres, database};
use uuid::Uuid;

fn person(db: &Database, username: &str) -> PersonId {
    let id = Uuid::now_v7();
    db.run(|c| {
        c.execute(
            "INSERT INTO people (id, username, name, password_hash) VALUES ($1, $2, $3, 'x')",
            &[&id, &username, &format!("{username}'s name")],
        )?;
        Ok(())
    })
    .unwrap();
    PersonId(id)
}

#[test]
fn instances_starting_at_once_bring_the_schema_up_to_date_once() {
    let url = database();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || Database::open(&url).map(|d| d.schema_version()))
        })
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap().unwrap().unwrap(), SCHEMA_VERSION);
    }
    let db = Database::open(&url).unwrap();
    let applied: i64 = db
        .run(|c| {
            Ok(c.query_one("SELECT count(*) FROM praxis_schema", &[])?
                .get(0))
        })
        .unwrap();
    assert_eq!(applied, SCHEMA_VERSION);
}

#[test]
fn a_database_written_by_a_newer_server_is_refused_and_left_alone() {
    let url = database();
    let db = Database::open(&url).unwrap();
    db.run(|c| {
        c.execute("INSERT INTO praxis_schema (version) VALUES (99)", &[])?;
        Ok(())
    })
    .unwrap();
    let Err(StorageError::Unusable(message)) = Database::open(&url) else {
        panic!("a newer schema is refused");
    };
    assert!(
        message.contains("newer praxis-server (schema 99)"),
        "{message}"
    );
    assert_eq!(db.schema_version().unwrap(), 99);
}

#[test]
fn an_address_that_is_not_one_or_a_database_that_is_not_there_says_what_to_do() {
    let Err(StorageError::Unusable(message)) = Database::open("mysql://somewhere") else {
        panic!("not a PostgreSQL address");
    };
    assert!(message.contains("not a PostgreSQL address"), "{message}");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let Err(StorageError::Unreachable(message)) =
        Database::open(&format!("postgres://praxis:secret@127.0.0.1:{port}/praxis"))
    else {
        panic!("nothing listens there");
    };
    assert!(
        message.contains(&format!("127.0.0.1:{port}/praxis")),
        "{message}"
    );
    assert!(!message.contains("secret"), "never the password: {message}");
}

#[test]
fn two_instances_share_sessions_sign_ins_and_failed_sign_ins() {
    let url = database();
    let (a, b) = (Database::open(&url).unwrap(), Database::open(&url).unwrap());
    let ada = person(&a, "ada");

    a.run(|c| pg::start_session(c, ada, "token-hash", "csrf", 8))
        .unwrap();
    let seen = b.run(|c| pg::session(c, "token-hash")).unwrap().unwrap();
    assert_eq!(
        (seen.person, seen.username.as_str(), seen.csrf.as_str()),
        (ada, "ada", "csrf")
    );
    b.run(|c| pg::end_session(c, "token-hash")).unwrap();
    assert!(a.run(|c| pg::session(c, "token-hash")).unwrap().is_none());

    // A failure counted on one instance counts on the other.
    let keys = vec!["user:ada".to_string(), "address:127.0.0.1".to_string()];
    a.run(|c| pg::fail_sign_in(c, &keys, 60_000)).unwrap();
    b.run(|c| pg::fail_sign_in(c, &keys, 60_000)).unwrap();
    assert_eq!(
        a.run(|c| pg::sign_in_failures(c, "user:ada"))
            .unwrap()
            .unwrap()
            .0,
        2
    );
    // One older than the window starts again.
    b.run(|c| pg::fail_sign_in(c, &keys[..1], -1)).unwrap();
    assert_eq!(
        a.run(|c| pg::sign_in_failures(c, "user:ada"))
            .unwrap()
            .unwrap()
            .0,
        1
    );
    a.run(|c| pg::clear_sign_in_failures(c, "user:ada"))
        .unwrap();
    assert!(
        b.run(|c| pg::sign_in_failures(c, "user:ada"))
            .unwrap()
            .is_none()
    );
    assert_eq!(
        b.run(|c| pg::sign_in_failures(c, "address:127.0.0.1"))
            .unwrap()
            .unwrap()
            .0,
        2
    );

    // A sign-in begun through one instance is taken once, whichever takes it.
    let pending = SsoSignIn {
        browser_hash: "browser".into(),
        pkce_verifier: "verifier".into(),
        nonce: "nonce".into(),
        next: "/".into(),
    };
    a.run(|c| pg::begin_sso_sign_in(c, "state", &pending, 10))
        .unwrap();
    let taken = std::thread::scope(|s| {
        let x = s.spawn(|| b.run(|c| pg::take_sso_sign_in(c, "state")).unwrap());
        let y = s.spawn(|| a.run(|c| pg::take_sso_sign_in(c, "state")).unwrap());
        [x.join().unwrap(), y.join().unwrap()]
    });
    assert_eq!(taken.iter().flatten().count(), 1, "taken once");
    assert_eq!(
        taken.iter().flatten().next().unwrap().pkce_verifier,
        "verifier"
    );
    // An expired one is never given.
    a.run(|c| pg::begin_sso_sign_in(c, "old", &pending, -1))
        .unwrap();
    assert!(b.run(|c| pg::take_sso_sign_in(c, "old")).unwrap().is_none());
}

#[test]
fn the_access_log_is_shared_and_append_only() {
    let url = database();
    let (a, b) = (Database::open(&url).unwrap(), Database::open(&url).unwrap());
    let ada = person(&a, "ada");
    let (device, stream, other) = (
        DeviceId(Uuid::now_v7()),
        StreamId(Uuid::now_v7()),
        StreamId(Uuid::now_v7()),
    );
    let record = EventId(Uuid::now_v7());
    a.run(|c| {
        pg::log_access(
            c,
            ada,
            device,
            "GET /a",
            &[(stream, None), (other, Some(record))],
        )
    })
    .unwrap();
    b.run(|c| pg::log_access(c, ada, device, "GET /b", &[(stream, Some(record))]))
        .unwrap();
    let log = a.run(|c| pg::access_log(c, &[stream])).unwrap();
    let routes: Vec<_> = log.iter().map(|e| (e.route.as_str(), e.record)).collect();
    assert_eq!(routes, [("GET /a", None), ("GET /b", Some(record))]);
    assert!(log[0].seq < log[1].seq);
    assert_eq!(
        b.run(|c| pg::access_log(c, &[other, stream]))
            .unwrap()
            .len(),
        3
    );

    for statement in [
        "UPDATE access_log SET route = 'GET /nothing'",
        "DELETE FROM access_log",
        "TRUNCATE access_log",
    ] {
        let refused = a.run(|c| Ok(c.batch_execute(statement)?));
        let Err(StorageError::Postgres(message)) = refused else {
            panic!("{statement} is refused");
        };
        assert!(
            message.contains("the access log is append-only"),
            "{message}"
        );
    }
    assert_eq!(
        a.run(|c| pg::access_log(c, &[other, stream]))
            .unwrap()
            .len(),
        3
    );
}

#[test]
fn a_database_that_goes_away_is_unreachable_until_it_comes_back() {
    let mut cluster = Postgres::start();
    let db = Database::open(&cluster.database()).unwrap();
    let ada = person(&db, "ada");
    db.run(|c| pg::start_session(c, ada, "kept", "csrf", 8))
        .unwrap();
    db.reachable().unwrap();

    cluster.stop();
    let Err(StorageError::Unreachable(message)) = db.reachable() else {
        panic!("a stopped database is unreachable");
    };
    assert!(message.contains("try again"), "{message}");
    let Err(StorageError::Unreachable(_)) = db.run(|c| pg::session(c, "kept")) else {
        panic!("every request is told the same while it is down");
    };

    cluster.start_again();
    // Connections the restart closed are dropped as they fail; the pool then connects
    // again by itself.
    let back = (0..20).find_map(|_| db.reachable().ok());
    assert!(back.is_some(), "the database is reachable again");
    assert_eq!(
        db.run(|c| pg::session(c, "kept")).unwrap().unwrap().person,
        ada
    );
}

/// The options that start a server on `url` with the master key in `key`.
fn on_database<'a>(url: &'a str, key: &'a str) -> [&'a str; 4] {
    ["--database", url, "--master-key-file", key]
}

#[test]
fn two_instances_on_one_database_serve_the_same_collaborative() {
    use praxis_core::domain::hlc::WallClock;
    use praxis_server::storage::{MasterKey, SqliteStorage, Storage};
    use praxis_testkit::server::{Phone, TestServer};

    let dir = praxis_testkit::tempdir();
    let url = database();
    let key = dir.path().join("master.key");
    let key_text = key.to_str().unwrap().to_string();
    // Set up through a third instance, as an administrator's command is.
    let admin = SqliteStorage::open_on_postgres(
        &dir.path().join("admin"),
        WallClock::system(),
        &MasterKey::File(key.clone()),
        &url,
    )
    .unwrap();
    let collaborative = praxis_testkit::server::collaborative(&admin);
    let north = admin
        .add_team(collaborative, "Northside", "Northshire County Council")
        .unwrap();
    let mut admin = admin;
    praxis_testkit::server::person(
        &mut admin,
        "practitioner-north",
        praxis_core::domain::role::Role::Practitioner,
        praxis_core::domain::event::Scope::Team(north),
    );
    praxis_testkit::server::person(
        &mut admin,
        "coordinator",
        praxis_core::domain::role::Role::Coordinator,
        praxis_core::domain::event::Scope::Collaborative(collaborative),
    );

    let a = TestServer::start_with(&dir.path().join("a"), &on_database(&url, &key_text));
    let b = TestServer::start_with(&dir.path().join("b"), &on_database(&url, &key_text));

    // A phone enrols through one instance and syncs through the other.
    let mut phone = Phone::enrol(dir.path(), &a.url, "practitioner-north");
    phone.server = praxis_core::sync::Server::new(&b.url)
        .unwrap()
        .with_retry(praxis_core::sync::Retry::never());
    phone.sync();
    let (project, mut generator) = praxis_testkit::start_measured_project(
        &mut phone.store,
        collaborative,
        "Northside",
        "Positive risk plans",
    );
    praxis_testkit::record_generated(&mut phone.store, project, &mut generator, 20, 5);
    phone.sync();

    // A coordinator's phone on the first instance sees every event.
    let coordinator = Phone::enrol(dir.path(), &a.url, "coordinator");
    let events = phone
        .store
        .connection()
        .query_row(
            "SELECT count(*) FROM events WHERE stream = ?1",
            [project.0.as_bytes().as_slice()],
            |r| r.get::<_, i64>(0),
        )
        .unwrap();
    assert_eq!(a.events_in(project, &coordinator.token) as i64, events);
    assert_eq!(b.events_in(project, &coordinator.token) as i64, events);
    // Each change has one receipt, numbered alike whichever instance is asked.
    let receipts_a = a.get_json(
        &format!("/api/v1/streams/{project}/receipts"),
        &coordinator.token,
    );
    let receipts_b = b.get_json(
        &format!("/api/v1/streams/{project}/receipts"),
        &coordinator.token,
    );
    assert_eq!(receipts_a, receipts_b);
    let admin_receipts = admin.receipts(project).unwrap();
    assert_eq!(admin_receipts.len() as i64, events);
    // The administrator's instance, which served no sync, says when the phone last
    // synced through another.
    let synced = admin
        .devices()
        .unwrap()
        .into_iter()
        .find(|d| d.name == "practitioner-north's phone")
        .unwrap();
    assert!(synced.last_sync_at.is_some(), "{synced:?}");
}

/// What `token` reads of every stream it may: each stream's events and receipts (the
/// receipts without the log's own numbers, which each engine gives).
fn everything(server: &praxis_testkit::server::TestServer, token: &str) -> serde_json::Value {
    let streams = server.get_json("/api/v1/streams", token);
    let mut out = Vec::new();
    for s in streams["streams"].as_array().unwrap() {
        let id = s["stream_id"].as_str().unwrap();
        let events = server.get_json(&format!("/api/v1/streams/{id}/events"), token);
        let mut receipts = server.get_json(&format!("/api/v1/streams/{id}/receipts"), token);
        for r in receipts["receipts"].as_array_mut().unwrap() {
            r.as_object_mut().unwrap().remove("seq");
        }
        out.push(serde_json::json!({"stream": s, "events": events, "receipts": receipts}));
    }
    serde_json::Value::Array(out)
}

fn enrol(url: &str, username: &str) -> String {
    let answer: serde_json::Value = reqwest::blocking::Client::new()
        .post(format!("{url}/api/v1/devices"))
        .json(&serde_json::json!({"username": username, "password": "praxis-demo", "device_name": "laptop"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    answer["token"].as_str().unwrap().to_string()
}

#[test]
fn a_deployment_with_the_demo_moves_from_its_data_directory_into_postgres_whole() {
    use praxis_server::storage::SqliteStorage;
    use praxis_testkit::server::TestServer;
    let dir = praxis_testkit::tempdir();
    let data = dir.path().join("data");
    {
        let story = praxis_server::demo::story_clock();
        let mut storage = SqliteStorage::open_with_clock(&data, story.clone()).unwrap();
        praxis_server::demo::seed(&mut storage, &story).unwrap();
    }
    let url = database();
    let migrate = |url: &str| {
        std::process::Command::new(praxis_testkit::binary("praxis-server"))
            .args(["migrate", "--from-data-dir"])
            .arg(&data)
            .args(["--to", url])
            .output()
            .unwrap()
    };
    let moved = migrate(&url);
    let said = String::from_utf8_lossy(&moved.stdout);
    assert!(
        moved.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&moved.stderr)
    );
    assert!(said.contains("Moved and checked"), "{said}");
    assert!(
        said.contains("master.key"),
        "says where the master key is: {said}"
    );

    // A second move into the same database is refused, and changes nothing.
    let count = |url: &str| -> i64 {
        let db = Database::open(url).unwrap();
        db.run(|c| Ok(c.query_one("SELECT count(*) FROM changes", &[])?.get(0)))
            .unwrap()
    };
    let before = count(&url);
    let again = migrate(&url);
    assert!(!again.status.success());
    let refused = String::from_utf8_lossy(&again.stderr);
    assert!(refused.contains("is not empty"), "{refused}");
    assert_eq!(count(&url), before);

    // The deployment on PostgreSQL serves what the data directory's server does.
    let key = data.join("master.key");
    let on_sqlite = TestServer::start_on_sqlite(&data, &[]);
    let on_postgres = TestServer::start_with(
        &dir.path().join("instance"),
        &on_database(&url, key.to_str().unwrap()),
    );
    for person in ["sam.okafor", "irene.novak", "amira.hassan"] {
        let a = everything(&on_sqlite, &enrol(&on_sqlite.url, person));
        let b = everything(&on_postgres, &enrol(&on_postgres.url, person));
        assert!(a.as_array().unwrap().len() >= 2, "{person} reads the demo");
        assert_eq!(a, b, "{person} reads the same on both");
    }
    // The moved deployment goes on: a person signs in through it.
    let mut web = praxis_testkit::web::Web::sign_in(&on_postgres.url, "sam.okafor");
    assert_eq!(web.get("/").status, reqwest::StatusCode::OK);
}

/// A phone's backlog is large enough that its rows go to PostgreSQL while the cache
/// is still writing them. PostgreSQL refusing one partway rolls back both: nothing of
/// the upload is kept anywhere, the phone keeps its records, and the stream's lock is
/// let go, so the retry lands every event once.
#[test]
fn a_large_upload_refused_partway_keeps_nothing_and_lands_once_when_retried() {
    use praxis_core::domain::hlc::WallClock;
    use praxis_server::storage::{MasterKey, SqliteStorage, Storage};
    use praxis_testkit::server::{Phone, TestServer};

    let dir = praxis_testkit::tempdir();
    let url = database();
    let key = dir.path().join("master.key");
    let key_text = key.to_str().unwrap().to_string();
    let mut admin = SqliteStorage::open_on_postgres(
        &dir.path().join("admin"),
        WallClock::system(),
        &MasterKey::File(key.clone()),
        &url,
    )
    .unwrap();
    let collaborative = praxis_testkit::server::collaborative(&admin);
    let north = admin
        .add_team(collaborative, "Northside", "Northshire County Council")
        .unwrap();
    praxis_testkit::server::person(
        &mut admin,
        "practitioner-north",
        praxis_core::domain::role::Role::Practitioner,
        praxis_core::domain::event::Scope::Team(north),
    );
    drop(admin);
    let server = TestServer::start_with(&dir.path().join("a"), &on_database(&url, &key_text));
    let mut phone = Phone::enrol(dir.path(), &server.url, "practitioner-north");
    phone.sync();
    let (project, mut generator) = praxis_testkit::start_measured_project(
        &mut phone.store,
        collaborative,
        "Northside",
        "Positive risk plans",
    );
    phone.sync();
    let held = server.events_in(project, &phone.token);
    let db = Database::open(&url).unwrap();
    let counts = |db: &Database| -> (i64, i64) {
        db.run(|c| {
            let row = c.query_one(
                "SELECT (SELECT count(*) FROM changes WHERE stream = $1),
                        (SELECT count(*) FROM receipts WHERE stream = $1)",
                &[&project.0],
            )?;
            Ok((row.get(0), row.get(1)))
        })
        .unwrap()
    };
    let before = counts(&db);

    praxis_testkit::record_generated(&mut phone.store, project, &mut generator, 1_000, 1_000);
    db.run(|c| {
        c.batch_execute(
            "CREATE FUNCTION refuse_past_300() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
               IF (SELECT count(*) FROM receipts WHERE stream = NEW.stream) >= 300 THEN
                 RAISE EXCEPTION 'refused partway';
               END IF;
               RETURN NEW;
             END $$;
             CREATE TRIGGER refuse_past_300 BEFORE INSERT ON receipts
               FOR EACH ROW EXECUTE FUNCTION refuse_past_300();",
        )?;
        Ok(())
    })
    .unwrap();
    let refused = phone.try_sync().unwrap_err();
    assert!(refused.contains("try again"), "{refused}");
    assert_eq!(counts(&db), before);
    assert_eq!(server.events_in(project, &phone.token), held);

    db.run(|c| {
        c.batch_execute("DROP TRIGGER refuse_past_300 ON receipts")?;
        Ok(())
    })
    .unwrap();
    phone.sync();
    let on_phone: i64 = phone
        .store
        .connection()
        .query_row(
            "SELECT count(*) FROM events WHERE stream = ?1",
            [project.0.as_bytes().as_slice()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(server.events_in(project, &phone.token) as i64, on_phone);
    let (changes, receipts) = counts(&db);
    assert!(changes >= before.0 + 1_000, "{changes} changes");
    assert_eq!(receipts, changes, "one receipt for each change");
}
