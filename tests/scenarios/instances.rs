//! Several `praxis-server` instances on one PostgreSQL, behind one address as far as
//! a phone can tell: proptest schedules of four phones recording offline and syncing
//! through instances chosen at random (`INSTANCE_SCHEDULES` of them, 6 unless set), some at the same moment through different instances
//! into the same stream; an instance killed with SIGKILL in the middle of syncs while
//! the others serve; the database stopped and started again under syncs. Afterwards
//! every event any phone recorded is in the stream exactly once, with one receipt
//! from its phone, and every instance and every phone show the same.

use praxis_core::domain::event::Scope;
use praxis_core::domain::hlc::WallClock;
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::role::Role;
use praxis_core::sync::{Retry, Server};
use praxis_server::storage::{MasterKey, SqliteStorage, Storage};
use praxis_testkit::postgres::Postgres;
use praxis_testkit::server::{Phone, TestServer, person};
use praxis_testkit::{Generator, record_generated};
use proptest::collection::vec;
use proptest::prelude::Strategy;
use proptest::test_runner::{Config, TestRunner};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

const PHONES: usize = 4;

/// A deployment: instances on one database, and a team of phones.
struct Deployment {
    url: String,
    key: PathBuf,
    instances: Vec<TestServer>,
    collaborative: StreamId,
    dir: TempDir,
}

impl Deployment {
    fn new(url: String, instances: usize) -> Deployment {
        let dir = praxis_testkit::tempdir();
        let key = dir.path().join("master.key");
        let mut admin = SqliteStorage::open_on_postgres(
            &dir.path().join("admin"),
            WallClock::system(),
            &MasterKey::File(key.clone()),
            &url,
        )
        .expect("an administrator's instance");
        let collaborative = praxis_testkit::server::collaborative(&admin);
        let team = admin
            .add_team(collaborative, "Northside", "Northshire County Council")
            .expect("a team");
        for i in 0..PHONES {
            person(
                &mut admin,
                &format!("practitioner-{i}"),
                Role::Practitioner,
                Scope::Team(team),
            );
        }
        person(
            &mut admin,
            "coordinator",
            Role::Coordinator,
            Scope::Collaborative(collaborative),
        );
        drop(admin);
        let mut deployment = Deployment {
            url,
            key,
            instances: Vec::new(),
            collaborative,
            dir,
        };
        for i in 0..instances {
            let instance = deployment.start(i);
            deployment.instances.push(instance);
        }
        deployment
    }

    /// Starts instance `i` (again) on its own cache.
    fn start(&self, i: usize) -> TestServer {
        TestServer::start_with(
            &self.dir.path().join(format!("instance-{i}")),
            &[
                "--database",
                &self.url,
                "--master-key-file",
                self.key.to_str().expect("a path"),
            ],
        )
    }

    /// A practitioner's phone, enrolled and synced (it holds the collaborative).
    fn phone(&self, i: usize) -> Phone {
        let mut phone = Phone::enrol(
            self.dir.path(),
            &self.instances[i % self.instances.len()].url,
            &format!("practitioner-{i}"),
        );
        phone.try_sync().expect("a first sync");
        phone
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Points `phone` at `url` for its next sync.
fn through(phone: &mut Phone, url: &str) {
    phone.server = Server::new(url).expect("a url").with_retry(Retry::never());
}

/// The events of `stream` each instance holds, by id, with the device each receipt
/// names; panics unless every instance holds the same.
fn held_everywhere(
    instances: &[TestServer],
    token: &str,
    stream: StreamId,
) -> BTreeMap<EventId, Vec<String>> {
    let mut seen: Option<(Vec<EventId>, serde_json::Value)> = None;
    for instance in instances {
        let events = praxis_testkit::records::server_event_ids(
            &instance.get_json(&format!("/api/v1/streams/{stream}/events"), token),
        );
        let receipts = instance.get_json(&format!("/api/v1/streams/{stream}/receipts"), token);
        match &seen {
            None => seen = Some((events, receipts)),
            Some((e, r)) => {
                assert_eq!(&events, e, "{} holds the same events", instance.url);
                assert_eq!(&receipts, r, "{} holds the same receipts", instance.url);
            }
        }
    }
    let (events, receipts) = seen.expect("an instance");
    let mut out: BTreeMap<EventId, Vec<String>> =
        events.iter().map(|id| (*id, Vec::new())).collect();
    assert_eq!(out.len(), events.len(), "no event is held twice");
    for receipt in receipts["receipts"].as_array().expect("receipts") {
        for event in receipt["events"].as_array().expect("events") {
            let id: EventId = event.as_str().expect("an id").parse().expect("an event id");
            out.entry(id)
                .or_default()
                .push(receipt["device"].as_str().expect("a device").to_string());
        }
    }
    out
}

/// Checks that the stream holds exactly what the phones recorded, each event with one
/// receipt from the phone that recorded it, and that every phone shows the same.
fn check(
    d: &Deployment,
    token: &str,
    stream: StreamId,
    phones: &[Phone],
    recorded: &[Vec<EventId>],
) {
    let held = held_everywhere(&d.instances, token, stream);
    let mut expected = BTreeSet::new();
    for (phone, ids) in phones.iter().zip(recorded) {
        let device = phone.store.identity().device.to_string();
        for id in ids {
            assert_eq!(
                held.get(id),
                Some(&vec![device.clone()]),
                "event {id} is held once, with one receipt from its phone"
            );
            expected.insert(*id);
        }
    }
    let others: Vec<_> = held.keys().filter(|id| !expected.contains(id)).collect();
    // The project's start and its measures were recorded by the first phone before the
    // schedule; anything else would be an event no phone recorded.
    assert!(others.len() <= 3, "events no phone recorded: {others:?}");
    let views: Vec<String> = phones
        .iter()
        .map(|p| {
            serde_json::to_string(
                &praxis_core::store::queries::project_detail(p.store.connection(), stream)
                    .expect("a view"),
            )
            .expect("json")
        })
        .collect();
    for v in &views {
        assert_eq!(v, &views[0], "every phone shows the same");
    }
}

/// A round: how many events each phone records offline, the instance each then syncs
/// through, and how many of them sync at the same moment (the others after them).
#[derive(Clone, Debug)]
struct Round {
    records: Vec<usize>,
    through: Vec<usize>,
    together: usize,
}

/// A schedule: its rounds, then the instances the phones settle through (twice round).
#[derive(Clone, Debug)]
struct Schedule {
    rounds: Vec<Round>,
    settle: Vec<usize>,
}

fn schedules(instances: usize) -> impl Strategy<Value = Schedule> {
    let round = (
        vec(0usize..4, PHONES),
        vec(0..instances, PHONES),
        0usize..=PHONES,
    )
        .prop_map(|(records, through, together)| Round {
            records,
            through,
            together,
        });
    (vec(round, 1..4), vec(0..instances, 2 * PHONES))
        .prop_map(|(rounds, settle)| Schedule { rounds, settle })
}

/// Runs one schedule in a new project the first phone starts.
fn schedule(d: &Deployment, schedule: &Schedule, phones: &mut [Phone]) {
    let (project, generator) = praxis_testkit::start_measured_project(
        &mut phones[0].store,
        d.collaborative,
        "Northside",
        "Positive risk plans",
    );
    through(&mut phones[0], &d.instances[0].url);
    phones[0]
        .try_sync()
        .expect("the project reaches the server");
    let mut generators: Vec<Generator> = Vec::new();
    for (i, phone) in phones.iter_mut().enumerate() {
        if i > 0 {
            through(phone, &d.instances[i % d.instances.len()].url);
            phone.try_sync().expect("the phone takes the project");
        }
        generators.push(generator.clone());
    }
    let mut recorded: Vec<Vec<EventId>> = vec![Vec::new(); phones.len()];
    for round in &schedule.rounds {
        for (i, phone) in phones.iter_mut().enumerate() {
            let n = round.records[i];
            recorded[i].extend(record_offline(
                phone,
                project,
                &mut generators[i],
                n,
                n.max(1),
            ));
        }
        let urls: Vec<String> = round
            .through
            .iter()
            .map(|i| d.instances[*i].url.clone())
            .collect();
        // Some phones at once (through different instances, into the same stream),
        // the others after them.
        let together = round.together;
        std::thread::scope(|s| {
            for (phone, url) in phones[..together].iter_mut().zip(&urls) {
                s.spawn(move || {
                    through(phone, url);
                    phone.try_sync().expect("a sync");
                });
            }
        });
        for (phone, url) in phones[together..].iter_mut().zip(&urls[together..]) {
            through(phone, url);
            phone.try_sync().expect("a sync");
        }
    }
    // Every phone syncs to the end, twice round, through any instance.
    for (k, i) in schedule.settle.iter().enumerate() {
        let phone = &mut phones[k % PHONES];
        through(phone, &d.instances[*i].url);
        phone.try_sync().expect("a sync to the end");
    }
    let coordinator = Phone::enrol(d.path(), &d.instances[0].url, "coordinator");
    check(d, &coordinator.token, project, phones, &recorded);
}

/// Records `n` events offline on `phone` (`batch` a call); gives their ids.
fn record_offline(
    phone: &mut Phone,
    stream: StreamId,
    generator: &mut Generator,
    n: usize,
    batch: usize,
) -> Vec<EventId> {
    let before = own_events(phone, stream);
    record_generated(&mut phone.store, stream, generator, n, batch);
    own_events(phone, stream)
        .difference(&before)
        .copied()
        .collect()
}

/// The events of `stream` a phone recorded itself.
fn own_events(phone: &Phone, stream: StreamId) -> BTreeSet<EventId> {
    let device = phone.store.identity().device;
    praxis_core::store::queries::events(phone.store.connection(), stream)
        .expect("events")
        .into_iter()
        .filter(|e| e.device == device)
        .map(|e| e.id)
        .collect()
}

#[test]
fn phones_syncing_through_instances_at_random_converge_exactly_once() {
    let cluster = praxis_testkit::postgres::shared();
    let d = Deployment::new(cluster.database(), 3);
    let phones: std::sync::Mutex<Vec<Phone>> =
        std::sync::Mutex::new((0..PHONES).map(|i| d.phone(i)).collect());
    let cases = std::env::var("INSTANCE_SCHEDULES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(6);
    let mut runner = TestRunner::new(Config {
        cases,
        max_shrink_iters: 16,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&schedules(d.instances.len()), |s| {
            let mut phones = phones.lock().unwrap_or_else(|p| p.into_inner());
            schedule(&d, &s, &mut phones);
            Ok(())
        })
        .unwrap();
}

#[test]
fn an_instance_killed_in_the_middle_of_syncs_loses_nothing_acknowledged() {
    let cluster = praxis_testkit::postgres::shared();
    let mut d = Deployment::new(cluster.database(), 2);
    let mut phones: Vec<Phone> = (0..PHONES).map(|i| d.phone(i)).collect();
    let (project, generator) = praxis_testkit::start_measured_project(
        &mut phones[0].store,
        d.collaborative,
        "Northside",
        "Positive risk plans",
    );
    through(&mut phones[0], &d.instances[1].url);
    phones[0]
        .try_sync()
        .expect("the project reaches the server");
    let mut recorded: Vec<Vec<EventId>> = vec![Vec::new(); PHONES];
    for (i, phone) in phones.iter_mut().enumerate() {
        if i > 0 {
            through(phone, &d.instances[1].url);
            phone.try_sync().expect("the phone takes the project");
        }
        recorded[i].extend(record_offline(
            phone,
            project,
            &mut generator.clone(),
            300,
            50,
        ));
    }
    // Every phone syncs through the first instance, which is killed while they do.
    let first = d.instances[0].url.clone();
    let mut acknowledged = vec![false; PHONES];
    std::thread::scope(|s| {
        let syncs: Vec<_> = phones
            .iter_mut()
            .map(|phone| {
                let first = first.clone();
                s.spawn(move || {
                    through(phone, &first);
                    phone.try_sync().is_ok()
                })
            })
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(150));
        d.instances[0].kill();
        for (i, sync) in syncs.into_iter().enumerate() {
            acknowledged[i] = sync.join().expect("a sync thread");
        }
    });
    // The other instance served meanwhile; the phones finish through it.
    for phone in phones.iter_mut() {
        through(phone, &d.instances[1].url);
        phone.try_sync().expect("a sync through the instance left");
    }
    d.instances[0] = d.start(0);
    for phone in phones.iter_mut() {
        through(phone, &d.instances[0].url);
        phone
            .try_sync()
            .expect("a sync through the restarted instance");
    }
    let coordinator = Phone::enrol(d.path(), &d.instances[1].url, "coordinator");
    check(&d, &coordinator.token, project, &phones, &recorded);
    println!("syncs that finished before the kill: {acknowledged:?}");
}

#[test]
fn the_database_stopped_under_syncs_is_answered_with_503s_then_recovered_from() {
    let mut cluster = Postgres::start();
    let d = Deployment::new(cluster.database(), 2);
    let mut phones: Vec<Phone> = (0..2).map(|i| d.phone(i)).collect();
    let (project, generator) = praxis_testkit::start_measured_project(
        &mut phones[0].store,
        d.collaborative,
        "Northside",
        "Positive risk plans",
    );
    through(&mut phones[0], &d.instances[0].url);
    phones[0]
        .try_sync()
        .expect("the project reaches the server");
    through(&mut phones[1], &d.instances[1].url);
    phones[1].try_sync().expect("the phone takes the project");
    let mut recorded: Vec<Vec<EventId>> = vec![Vec::new(); 2];
    let record = |phones: &mut [Phone], recorded: &mut [Vec<EventId>]| {
        for (i, phone) in phones.iter_mut().enumerate() {
            recorded[i].extend(record_offline(
                phone,
                project,
                &mut generator.clone(),
                20,
                10,
            ));
        }
    };
    record(&mut phones, &mut recorded);
    for phone in phones.iter_mut() {
        phone.try_sync().expect("a sync while the database runs");
    }

    cluster.stop();
    record(&mut phones, &mut recorded);
    for (i, instance) in d.instances.iter().enumerate() {
        let health =
            reqwest::blocking::get(format!("{}/healthz", instance.url)).expect("an answer");
        assert_eq!(
            health.status().as_u16(),
            503,
            "instance {i} says it cannot serve"
        );
        let body = health.text().expect("a body");
        assert!(body.contains("cannot be reached"), "{body}");
        let streams = instance.get("/api/v1/streams", &phones[i].token);
        assert_eq!(streams.status().as_u16(), 503);
    }
    for phone in phones.iter_mut() {
        let failed = phone
            .try_sync()
            .expect_err("no sync while the database is down");
        assert!(failed.contains("database"), "{failed}");
    }

    cluster.start_again();
    for instance in &d.instances {
        let back = (0..100).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            reqwest::blocking::get(format!("{}/healthz", instance.url))
                .is_ok_and(|r| r.status().is_success())
        });
        assert!(back, "{} serves again by itself", instance.url);
    }
    // Every phone syncs to the end: twice round, so each takes what the others sent.
    for _ in 0..2 {
        for phone in phones.iter_mut() {
            phone.try_sync().expect("a sync once the database is back");
        }
    }
    let coordinator = Phone::enrol(d.path(), &d.instances[0].url, "coordinator");
    check(&d, &coordinator.token, project, &phones, &recorded);
}

#[test]
fn keys_offered_for_one_stream_through_two_instances_at_once_are_each_numbered_once() {
    // Each phone's records about people seal them under keys it makes offline and
    // gives the server as it syncs; two instances taking a stream's keys at the same
    // moment must not number two changes alike.
    let cluster = praxis_testkit::postgres::shared();
    let d = Deployment::new(cluster.database(), 2);
    let mut phones: Vec<Phone> = (0..PHONES).map(|i| d.phone(i)).collect();
    let (project, generator) = praxis_testkit::start_measured_project(
        &mut phones[0].store,
        d.collaborative,
        "Northside",
        "Positive risk plans",
    );
    phones[0]
        .try_sync()
        .expect("the project reaches the server");
    let mut recorded: Vec<Vec<EventId>> = vec![Vec::new(); PHONES];
    for phone in phones.iter_mut().skip(1) {
        phone.try_sync().expect("the phone takes the project");
    }
    for _ in 0..6 {
        for (i, phone) in phones.iter_mut().enumerate() {
            recorded[i].extend(record_offline(
                phone,
                project,
                &mut generator.clone(),
                30,
                30,
            ));
        }
        std::thread::scope(|s| {
            for (i, phone) in phones.iter_mut().enumerate() {
                let url = d.instances[i % 2].url.clone();
                s.spawn(move || {
                    through(phone, &url);
                    phone.try_sync().expect("a sync beside another instance's");
                });
            }
        });
    }
    for _ in 0..2 {
        for phone in phones.iter_mut() {
            phone.try_sync().expect("a sync to the end");
        }
    }
    let coordinator = Phone::enrol(d.path(), &d.instances[0].url, "coordinator");
    check(&d, &coordinator.token, project, &phones, &recorded);
}
