//! Sync over loopback against the real `praxis-server` binary.
//!
//! 1. A phone with 10,000 offline events in a new project syncs to a fresh server
//!    (`praxis_core::sync::Server::sync`, over HTTP on 127.0.0.1), and, in the same
//!    run, an in-process Automerge sync of the same events between two stores (the
//!    generate/receive loop of `client-core/tests/store.rs`). Target: loopback ≤ 3×
//!    in-process.
//! 2. A sync with nothing new: an enrolled phone already in sync with 100 streams (a
//!    coordinator's: the collaborative, the big project and 98 small ones) syncs
//!    again. Target: ≤ 150 ms for the whole sync, one exchange telling the phone
//!    that no stream differs.
//!
//! Setting up (recording the events, starting the server, enrolling) is not timed: a
//! template server data directory and phone store are made once, with the phone
//! enrolled and its 10,000 events recorded, and every timed sync starts from fresh
//! copies of both, with a server process of its own.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use praxis_core::domain::event::Scope;
use praxis_core::domain::ids::StreamId;
use praxis_core::domain::record::StreamKind;
use praxis_core::domain::role::Role;
use praxis_core::store::{Store, queries};
use praxis_core::sync::{
    Credentials, NoProgress, PlannedStream, Retry, Server, StreamReport, SyncProgress,
};
use praxis_server::storage::{SqliteStorage, Storage};
use praxis_testkit::server::{PASSWORD, TestServer, collaborative, person};
use praxis_testkit::{record_generated, start_measured_project, tempdir};
use std::cell::OnceCell;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// Offline events in the phone's project (its start and two measures included).
const EVENTS: usize = 10_000;
/// Events per `record_all` call while making the phone's history.
const BATCH: usize = 1_000;
/// Small projects added beside the big one for the sync with nothing new.
const SMALL_PROJECTS: usize = 98;
const SMALL_PROJECT_EVENTS: usize = 200;

const TEAM: &str = "Northside";
const USERNAME: &str = "asha";

// ---------------------------------------------------------------------------------
// The server process, its data and the phone.

/// A collaborative with one team and one practitioner in it.
fn fixture(data_dir: &Path) -> StreamId {
    let mut storage = SqliteStorage::open(data_dir).expect("the server's storage");
    let collaborative = collaborative(&storage);
    let team = storage
        .add_team(collaborative, TEAM, "Northshire County Council")
        .expect("a team");
    person(
        &mut storage,
        USERNAME,
        Role::Practitioner,
        Scope::Team(team),
    );
    collaborative
}

/// The sync client for `url`, trying every request once: a failure shows.
fn client(url: &str) -> Server {
    Server::new(url)
        .expect("a server URL")
        .with_retry(Retry::never())
}

/// Syncs every stream; panics unless every stream synced.
fn sync(server: &Server, store: &mut Store, progress: &mut dyn SyncProgress) -> Vec<StreamReport> {
    let reports = server
        .sync(store, progress, &AtomicBool::new(false))
        .unwrap_or_else(|e| panic!("the sync failed: {e}"));
    for report in &reports {
        assert!(report.synced(), "a stream did not sync: {report:?}");
    }
    reports
}

/// Copies a closed SQLite database (and its write-ahead log, if one was left).
fn copy_database(from: &Path, to: &Path) {
    std::fs::copy(from, to)
        .unwrap_or_else(|e| panic!("copying {} to {}: {e}", from.display(), to.display()));
    let wal = |p: &Path| PathBuf::from(format!("{}-wal", p.display()));
    if wal(from).exists() {
        std::fs::copy(wal(from), wal(to)).expect("copy the write-ahead log");
    }
}

/// Starts a project offline and records `events` in it all told (its start and two
/// measures included), `BATCH` per `record_all`.
fn project_with_events(
    store: &mut Store,
    collaborative: StreamId,
    title: &str,
    events: usize,
) -> StreamId {
    let (stream, mut generator) = start_measured_project(store, collaborative, TEAM, title);
    record_generated(
        store,
        stream,
        &mut generator,
        events.saturating_sub(3),
        BATCH,
    );
    stream
}

fn events_in(store: &Store, stream: StreamId) -> u64 {
    queries::summary(store.connection(), stream)
        .expect("the stream's summary")
        .events
}

// ---------------------------------------------------------------------------------
// The template every timed sync starts from.

struct Template {
    /// The server's database: the fixture and the enrolled phone, not the project.
    server_db: PathBuf,
    /// The phone: enrolled, the collaborative synced, the project recorded offline.
    phone_db: PathBuf,
    collaborative: StreamId,
    project: StreamId,
    _dir: TempDir,
}

impl Template {
    fn make() -> Template {
        let started = Instant::now();
        let dir = tempdir();
        let data = dir.path().join("data");
        let collaborative = fixture(&data);
        let phone_db = dir.path().join("phone.sqlite3");
        let project = {
            let server = TestServer::start_showing_errors(&data);
            let mut store = Store::create(&phone_db, "Asha Patel").expect("a phone store");
            let client = client(&server.url);
            client
                .enrol(
                    &mut store,
                    &Credentials::password(USERNAME, PASSWORD),
                    "Asha's phone",
                )
                .expect("enrol");
            sync(&client, &mut store, &mut NoProgress);
            let project =
                project_with_events(&mut store, collaborative, "Positive risk plans", EVENTS);
            assert_eq!(events_in(&store, project), EVENTS as u64);
            project
            // The store closes (checkpointing its log), then the server stops.
        };
        // Opening and closing the server's database checkpoints what the killed
        // process left in its log.
        drop(SqliteStorage::open(&data).expect("reopen the server's storage"));
        println!(
            "(template: a phone with {EVENTS} offline events, made in {:.1?})",
            started.elapsed()
        );
        Template {
            server_db: data.join("praxis.sqlite3"),
            phone_db,
            collaborative,
            project,
            _dir: dir,
        }
    }

    /// A fresh server (its own process and data) and a fresh copy of the phone.
    fn fresh(&self) -> Fresh {
        let dir = tempdir();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).expect("a data directory");
        copy_database(&self.server_db, &data.join("praxis.sqlite3"));
        let phone_db = dir.path().join("phone.sqlite3");
        copy_database(&self.phone_db, &phone_db);
        let server = TestServer::start_showing_errors(&data);
        let store = Store::open(&phone_db).expect("open the phone's store");
        Fresh {
            client: client(&server.url),
            store,
            _server: server,
            _dir: dir,
        }
    }
}

/// Dropped in field order: the store, then the server, then the directory.
struct Fresh {
    client: Server,
    store: Store,
    _server: TestServer,
    _dir: TempDir,
}

// ---------------------------------------------------------------------------------
// 1. 10,000 offline events: loopback against in-process.

/// The loop of `sync_pair` in client-core/tests/store.rs: both stores generate and
/// receive until neither has anything to send.
fn sync_pair(a: &mut Store, b: &mut Store, stream: StreamId) -> usize {
    let mut sa = a.sync_state(stream, "b").expect("a sync state");
    let mut sb = b.sync_state(stream, "a").expect("a sync state");
    let mut messages = 0;
    for _ in 0..64 {
        let mut quiet = true;
        if let Some(m) = a.generate_sync_message(stream, &mut sa).expect("generate") {
            b.receive_sync_message(stream, &mut sb, &m.bytes, None)
                .expect("receive");
            messages += 1;
            quiet = false;
        }
        if let Some(m) = b.generate_sync_message(stream, &mut sb).expect("generate") {
            a.receive_sync_message(stream, &mut sa, &m.bytes, None)
                .expect("receive");
            messages += 1;
            quiet = false;
        }
        if quiet {
            a.save_sync_state(stream, "b", &sa).expect("save");
            b.save_sync_state(stream, "a", &sb).expect("save");
            return messages;
        }
    }
    panic!("the in-process sync did not settle in 64 rounds");
}

fn loopback_once(template: &Template) -> (Duration, u32) {
    let mut fresh = template.fresh();
    let start = Instant::now();
    let reports = sync(&fresh.client, &mut fresh.store, &mut NoProgress);
    let took = start.elapsed();
    let project = reports
        .iter()
        .find(|r| r.stream == template.project)
        .expect("the project synced");
    assert_eq!(project.sent_events, EVENTS, "{project:?}");
    assert!(project.new_on_server, "{project:?}");
    let rounds = reports.iter().map(|r| r.rounds).sum();
    (took, rounds)
}

fn in_process_once(template: &Template) -> (Duration, usize) {
    let dir = tempdir();
    let a_path = dir.path().join("a.sqlite3");
    copy_database(&template.phone_db, &a_path);
    let mut a = Store::open(&a_path).expect("open the phone's copy");
    let mut b = Store::create(&dir.path().join("b.sqlite3"), "Praxis server").expect("a store");
    b.add_stream(
        template.collaborative,
        StreamKind::Collaborative,
        "collaborative",
        None,
    )
    .expect("add the collaborative");
    b.add_stream(
        template.project,
        StreamKind::Project,
        "project",
        Some(template.collaborative),
    )
    .expect("add the project");
    let start = Instant::now();
    let messages = sync_pair(&mut a, &mut b, template.project);
    let took = start.elapsed();
    assert_eq!(events_in(&b, template.project), EVENTS as u64);
    (took, messages)
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}

fn offline_events(c: &mut Criterion, template: &OnceCell<Template>) {
    let mut loopback = Vec::new();
    let mut loopback_rounds = 0;
    let mut in_process = Vec::new();
    let mut in_process_messages = 0;

    let mut group = c.benchmark_group("a phone with 10,000 offline events");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(10));
    group.bench_function("syncs to a fresh server over loopback", |b| {
        let template = template.get_or_init(Template::make);
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let (took, rounds) = loopback_once(template);
                    loopback.push(took);
                    loopback_rounds = rounds;
                    took
                })
                .sum()
        })
    });
    group.bench_function("in-process Automerge sync of the same events", |b| {
        let template = template.get_or_init(Template::make);
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let (took, messages) = in_process_once(template);
                    in_process.push(took);
                    in_process_messages = messages;
                    took
                })
                .sum()
        })
    });
    group.finish();
    if loopback.is_empty() || in_process.is_empty() {
        // Filtered out.
        return;
    }

    let (l, p) = (median(&loopback), median(&in_process));
    let ratio = l.as_secs_f64() / p.as_secs_f64();
    println!();
    println!("A phone with {EVENTS} offline events, syncing its new project:");
    println!(
        "  loopback, Server::sync → praxis-server   median {l:>9.1?}  ({} syncs, {loopback_rounds} requests each besides the listing)",
        loopback.len()
    );
    println!(
        "  in-process, two stores                  median {p:>9.1?}  ({} syncs, {in_process_messages} messages each)",
        in_process.len()
    );
    println!(
        "  loopback / in-process = {ratio:.2}×; target ≤ 3×: {}",
        if ratio <= 3.0 { "met" } else { "MISSED" }
    );
    println!();
}

// ---------------------------------------------------------------------------------
// 2. A sync with nothing new.

/// The time each stream of a sync took, from its start to its report.
#[derive(Default)]
struct StreamTimes {
    started: Option<Instant>,
    times: Vec<Duration>,
}

impl SyncProgress for StreamTimes {
    fn stream_started(&mut self, _stream: &PlannedStream, _index: usize, _of: usize) {
        self.started = Some(Instant::now());
    }

    fn stream_finished(&mut self, _report: &StreamReport) {
        if let Some(started) = self.started.take() {
            self.times.push(started.elapsed());
        }
    }
}

fn nothing_new(c: &mut Criterion, template: &OnceCell<Template>) {
    let phone = OnceCell::new();
    let mut per_stream = StreamTimes::default();
    let mut totals = Vec::new();
    let mut streams = 0;

    let mut group = c.benchmark_group("a sync with nothing new");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.bench_function(
        format!("the collaborative and {} projects", SMALL_PROJECTS + 1),
        |b| {
            let template = template.get_or_init(Template::make);
            let phone = phone.get_or_init(|| {
                // The big project and the small ones, all synced.
                let mut fresh = template.fresh();
                for i in 0..SMALL_PROJECTS {
                    project_with_events(
                        &mut fresh.store,
                        template.collaborative,
                        &format!("Small project {i}"),
                        SMALL_PROJECT_EVENTS,
                    );
                }
                sync(&fresh.client, &mut fresh.store, &mut NoProgress);
                sync(&fresh.client, &mut fresh.store, &mut NoProgress);
                std::cell::RefCell::new(fresh)
            });
            let mut phone = phone.borrow_mut();
            let Fresh { client, store, .. } = &mut *phone;
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    let reports = sync(client, store, &mut per_stream);
                    let took = start.elapsed();
                    assert!(
                        reports
                            .iter()
                            .all(|r| r.sent_events == 0 && r.received_events == 0),
                        "{reports:?}"
                    );
                    streams = reports.len();
                    totals.push(took);
                    total += took;
                }
                total
            })
        },
    );
    group.finish();
    if totals.is_empty() {
        return;
    }

    let total = median(&totals);
    let each = total / streams as u32;
    let mut times = per_stream.times;
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    println!();
    println!(
        "A sync with nothing new ({streams} streams: the collaborative and {} projects, one of {EVENTS} events and {SMALL_PROJECTS} of {SMALL_PROJECT_EVENTS}):",
        SMALL_PROJECTS + 1
    );
    println!(
        "  whole sync median {total:>9.1?} ({} syncs) = {each:.1?} per stream, the listing included",
        totals.len()
    );
    println!(
        "  each stream on its own: median {:.1?}, p90 {:.1?}, max {:.1?} ({} streams synced)",
        at(0.5),
        at(0.9),
        at(1.0),
        times.len()
    );
    println!(
        "  target ≤ 150 ms for the whole sync: {}",
        if total <= Duration::from_millis(150) {
            "met"
        } else {
            "MISSED"
        }
    );
    println!();
}

/// Both parts, sharing the template (made only if a part runs).
fn sync_benches(c: &mut Criterion) {
    let template = OnceCell::new();
    offline_events(c, &template);
    nothing_new(c, &template);
}

criterion_group!(benches, sync_benches);
criterion_main!(benches);
