//! A collaborative's sync at its real size, against the real `praxis-server` binary
//! over loopback, with the device's own sync client (`praxis_core::sync::Server`, as
//! `praxis sync` and the phone run it):
//!
//! 1. A phone uploads 10,000 offline observations in a new project to a fresh server
//!    (target ≤ 0.25 s; the server's peak memory meanwhile ≤ 70 MiB). Then a new
//!    device of the same person enrols and pulls them, views folded.
//! 2. A phone uploads 100 new projects × 2,000 observations (target ≤ 4 s), and a
//!    coordinator's new device pulls all 200,000 events (target ≤ 4 s).
//!
//! Each run starts from fresh copies of a template (the server's data with the
//! enrolled phone, and the phone's store with its offline work) and a server process
//! of its own. Printed: each figure's median over the runs (`BACKLOG_RUNS`, default
//! 5; the second workload runs a third as often, at least once), and the bytes on
//! disk per event on each side. `BACKLOG_ONLY=10k` or `=100x2000` runs one workload.
//! `BACKLOG_ONLY=1000x2000` runs only a third (once): a phone uploads 1,000 projects ×
//! 2,000 observations, and the server's memory is read once it is quiet (target: a
//! server with 1,000 streams of 2,000 events, all synced once, holds ≤ 256 MiB).
//! The observations are about a caseload of 30 people; `BACKLOG_PEOPLE=10000` makes
//! each of 10,000 about a person of its own, so a data key goes up with every event.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::domain::event::Event;
use praxis_core::store::{Store, queries};
use praxis_core::sync::{Retry, Server, StreamReport};
use praxis_server::storage::SqliteStorage;
use praxis_testkit::server::{Phone, TestServer, fixture};
use praxis_testkit::{Generator, start_measured_project, tempdir};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tempfile::TempDir;

const PHONE_USER: &str = "practitioner-north";
/// Sees every project of the collaborative.
const COORDINATOR: &str = "coordinator";
/// Observations recorded per call while making a template.
const BATCH: usize = 1_000;

fn main() {
    let runs: usize = std::env::var("BACKLOG_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5)
        .max(1);
    let only = std::env::var("BACKLOG_ONLY").unwrap_or_default();
    if only.is_empty() || only == "10k" {
        workload(
            "10,000 offline observations in one new project",
            1,
            10_000,
            runs,
        );
    }
    // Not run unless asked for: its template alone takes minutes and gigabytes.
    if only == "1000x2000" {
        memory_held(1_000, 2_000);
    }
    if only.is_empty() || only == "100x2000" {
        workload(
            "100 new projects × 2,000 offline observations",
            100,
            2_000,
            runs.div_ceil(3),
        );
    }
}

// ---------------------------------------------------------------------------------
// The template: the server's data with the phone enrolled, and the phone's work.

struct Template {
    data: PathBuf,
    phone: PathBuf,
    events: usize,
    _dir: TempDir,
}

/// `n` observations about a practitioner's caseload: `BACKLOG_PEOPLE` people (30 by
/// default), in turn. Each person's data key in a project is made with their first
/// record there, so this sets how many keys go up with the events.
fn observations(generator: &mut Generator, n: usize) -> Vec<Event> {
    let people: usize = std::env::var("BACKLOG_PEOPLE")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(30)
        .max(1);
    (0..n)
        .map(|i| match generator.observation() {
            Event::ObservationRecorded(mut o) => {
                o.subject = Some(format!("P-{:04}", i % people));
                Event::ObservationRecorded(o)
            }
            other => other,
        })
        .collect()
}

impl Template {
    /// A phone with `projects` new projects of `each` events (the start, two
    /// measures and observations) recorded offline.
    fn make(projects: usize, each: usize) -> Template {
        let started = Instant::now();
        let dir = tempdir();
        let data = dir.path().join("data");
        let collaborative = fixture(&data).collaborative;
        let phone_path = {
            let server = TestServer::start_showing_errors(&data);
            let mut phone = Phone::enrol(dir.path(), &server.url, PHONE_USER);
            phone.sync();
            for p in 0..projects {
                let (stream, mut generator) = start_measured_project(
                    &mut phone.store,
                    collaborative,
                    "Northside",
                    &format!("Positive risk plans {p}"),
                );
                let mut left = each - 3;
                while left > 0 {
                    let n = left.min(BATCH);
                    phone
                        .store
                        .record_all(stream, observations(&mut generator, n))
                        .expect("record observations");
                    left -= n;
                }
            }
            let path = phone.store.path().to_path_buf();
            drop(phone);
            path
            // The server stops here.
        };
        // Opening and closing the server's data checkpoints what the stopped process
        // left in its log.
        drop(SqliteStorage::open(&data).expect("reopen the server's storage"));
        println!(
            "(template: {projects} project(s) × {each} events, made in {:.1?})",
            started.elapsed()
        );
        Template {
            data,
            phone: phone_path,
            events: projects * each,
            _dir: dir,
        }
    }
}

fn copy_files(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a directory");
    for entry in std::fs::read_dir(from).expect("read a directory") {
        let entry = entry.expect("a directory entry");
        if entry.file_type().expect("its type").is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy a file");
        }
    }
}

/// Copies a store's file and its write-ahead log, if any.
fn copy_store(from: &Path, to: &Path) {
    for suffix in ["", "-wal"] {
        let from = PathBuf::from(format!("{}{suffix}", from.display()));
        if from.exists() {
            std::fs::copy(&from, format!("{}{suffix}", to.display())).expect("copy");
        }
    }
}

/// Bytes of a file and of its write-ahead log and shared memory, if any.
fn database_bytes(path: &Path) -> u64 {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|s| std::fs::metadata(format!("{}{s}", path.display())).ok())
        .map(|m| m.len())
        .sum()
}

fn directory_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .expect("read a directory")
        .filter_map(|e| e.ok()?.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

/// A figure of the server process from `/proc/<pid>/status`, in MiB.
fn memory(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the status");
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"));
    kib / 1024.0
}

/// Starts the process's peak memory afresh from what it holds now.
fn reset_peak(pid: u32) {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").expect("reset the peak memory");
}

fn sync(server: &Server, store: &mut Store) -> Vec<StreamReport> {
    let reports = server
        .sync(
            store,
            &mut praxis_core::sync::NoProgress,
            &std::sync::atomic::AtomicBool::new(false),
        )
        .unwrap_or_else(|e| panic!("the sync failed: {e}"));
    for report in &reports {
        assert!(report.synced(), "a stream did not sync: {report:?}");
    }
    reports
}

fn events_held(store: &Store) -> u64 {
    queries::streams(store.connection())
        .expect("the streams")
        .iter()
        .map(|s| {
            queries::summary(store.connection(), s.id)
                .expect("a summary")
                .events
        })
        .sum()
}

// ---------------------------------------------------------------------------------
// One run.

struct Figures {
    upload: Duration,
    idle_mib: f64,
    peak_mib: f64,
    /// The peak until the server went quiet, having compacted what it took.
    compacted_peak_mib: f64,
    enrol: Duration,
    pull: Duration,
    server_bytes: u64,
    device_bytes: u64,
    /// The server's bytes in each table's columns (indexes and pages aside).
    tables: Vec<(&'static str, u64)>,
}

fn run_once(template: &Template) -> Figures {
    let dir = tempdir();
    let data = dir.path().join("data");
    copy_files(&template.data, &data);
    let phone_path = dir.path().join("phone.sqlite3");
    copy_store(&template.phone, &phone_path);
    let server = TestServer::start_showing_errors(&data);
    let pid = server.pid().expect("the server runs");
    let client = Server::new(&server.url)
        .expect("the server's address")
        .with_retry(Retry::never());
    let mut phone = Store::open(&phone_path).expect("open the phone's copy");
    std::thread::sleep(Duration::from_millis(200));
    let idle_mib = memory(pid, "VmRSS:");
    reset_peak(pid);

    let start = Instant::now();
    let reports = sync(&client, &mut phone);
    let upload = start.elapsed();
    let peak_mib = memory(pid, "VmHWM:");
    let sent: usize = reports.iter().map(|r| r.sent_events).sum();
    assert_eq!(sent, template.events, "every offline event was sent");
    drop(phone);
    // Durable when acknowledged; the server then compacts what it took. The new
    // device comes once the data directory is quiet, as automerge-repo's bench waits.
    wait_until_quiet(&data);
    let compacted_peak_mib = memory(pid, "VmHWM:");

    let start = Instant::now();
    let mut device = Store::create(&dir.path().join("new-device.sqlite3"), COORDINATOR)
        .expect("a new device's store");
    client
        .enrol(
            &mut device,
            &praxis_core::sync::Credentials::password(
                COORDINATOR,
                praxis_testkit::server::PASSWORD,
            ),
            "A new laptop",
        )
        .expect("enrol the new device");
    let enrol = start.elapsed();
    let start = Instant::now();
    sync(&client, &mut device);
    let pull = start.elapsed();
    let held = events_held(&device);
    assert!(
        held >= template.events as u64,
        "the new device holds {held} events, not the {} uploaded",
        template.events
    );
    let device_path = device.path().to_path_buf();
    drop(device);
    let device_bytes = database_bytes(&device_path);
    drop(server);
    // Opening and closing the data checkpoints and removes the write-ahead log.
    drop(SqliteStorage::open(&data).expect("reopen the server's storage"));
    let server_bytes = directory_bytes(&data);
    let tables = where_the_bytes_go(&data.join("praxis.sqlite3"));
    Figures {
        upload,
        idle_mib,
        peak_mib,
        compacted_peak_mib,
        enrol,
        pull,
        server_bytes,
        device_bytes,
        tables,
    }
}

/// Waits until the server has compacted every project it took (each is far past the
/// size at which compaction is due, so none has changes left outside its document;
/// the fixture's small streams are never compacted), then until the directory's size
/// has not changed for 300 ms (at most 60 s in all). A compaction step can take longer
/// than that pause without writing, so the size alone would call a server quiet that
/// is not.
fn wait_until_quiet(dir: &Path) {
    let start = Instant::now();
    let limit = Duration::from_secs(60);
    let conn = rusqlite::Connection::open_with_flags(
        dir.join("praxis.sqlite3"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("open the server's database");
    let pending = || -> i64 {
        conn.query_row(
            "SELECT coalesce(max(pending_changes), 0) FROM streams WHERE kind = 'project'",
            [],
            |r| r.get(0),
        )
        .expect("read the streams' pending changes")
    };
    while pending() > 0 && start.elapsed() < limit {
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut last = directory_bytes(dir);
    let mut since = Instant::now();
    while since.elapsed() < Duration::from_millis(300) && start.elapsed() < limit {
        std::thread::sleep(Duration::from_millis(50));
        let now = directory_bytes(dir);
        if now != last {
            last = now;
            since = Instant::now();
        }
    }
}

/// What each of the server's tables holds, in bytes of its columns.
fn where_the_bytes_go(database: &Path) -> Vec<(&'static str, u64)> {
    let conn = rusqlite::Connection::open(database).expect("open the server's database");
    [
        ("Automerge documents", "SELECT sum(length(bytes)) FROM documents"),
        ("Automerge changes", "SELECT sum(length(hash) + length(bytes) + 24) FROM changes"),
        (
            "events",
            "SELECT sum(length(bytes) + length(id) + length(author) + length(device) + length(kind) + 32) FROM events",
        ),
        (
            "views (records)",
            "SELECT sum(length(body) + length(id) + length(kind) + 32) FROM records",
        ),
        (
            "receipts",
            "SELECT sum(length(change_hash) + length(events) + length(device) + 32) FROM receipts",
        ),
    ]
    .into_iter()
    .map(|(name, sql)| {
        let bytes: Option<i64> = conn.query_row(sql, [], |r| r.get(0)).expect(sql);
        (name, bytes.unwrap_or(0) as u64)
    })
    .collect()
}

fn median<T: Copy + PartialOrd>(values: impl Iterator<Item = T>) -> T {
    let mut values: Vec<T> = values.collect();
    values.sort_by(|a, b| a.partial_cmp(b).expect("comparable"));
    values[values.len() / 2]
}

fn workload(name: &str, projects: usize, each: usize, runs: usize) {
    let template = Template::make(projects, each);
    let figures: Vec<Figures> = (0..runs).map(|_| run_once(&template)).collect();
    let events = template.events as f64;
    let upload = median(figures.iter().map(|f| f.upload));
    let pull = median(figures.iter().map(|f| f.pull));
    let enrol = median(figures.iter().map(|f| f.enrol));
    println!();
    println!("{name} ({runs} runs, medians):");
    println!(
        "  upload, the phone's whole sync       {:>9.1?}   ({:.0} events/s)",
        upload,
        events / upload.as_secs_f64()
    );
    println!(
        "  server memory: idle {:.0} MiB, peak while taking the upload {:.0} MiB, and until it has compacted what it took {:.0} MiB",
        median(figures.iter().map(|f| f.idle_mib)),
        median(figures.iter().map(|f| f.peak_mib)),
        median(figures.iter().map(|f| f.compacted_peak_mib)),
    );
    println!("  a new device: enrolment {enrol:>9.1?}, then its first sync {pull:>9.1?}");
    println!(
        "  on disk per event: server {:.0} bytes (its data directory, checkpointed), new device {:.0} bytes",
        median(figures.iter().map(|f| f.server_bytes)) as f64 / events,
        median(figures.iter().map(|f| f.device_bytes)) as f64 / events,
    );
    if let Some(last) = figures.last() {
        let parts: Vec<String> = last
            .tables
            .iter()
            .map(|(name, bytes)| format!("{name} {:.0}", *bytes as f64 / events))
            .collect();
        println!(
            "  the server's bytes per event by table (columns only; indexes and pages besides): {}",
            parts.join(", ")
        );
    }
    println!();
}

/// The server's memory with 1,000 streams of 2,000 events, all synced once.
fn memory_held(projects: usize, each: usize) {
    let template = Template::make(projects, each);
    let dir = tempdir();
    let data = dir.path().join("data");
    copy_files(&template.data, &data);
    let phone_path = dir.path().join("phone.sqlite3");
    copy_store(&template.phone, &phone_path);
    let server = TestServer::start_showing_errors(&data);
    let pid = server.pid().expect("the server runs");
    let client = Server::new(&server.url)
        .expect("the server's address")
        .with_retry(Retry::never());
    let mut phone = Store::open(&phone_path).expect("open the phone's copy");
    let idle = memory(pid, "VmRSS:");
    let start = Instant::now();
    let reports = sync(&client, &mut phone);
    let upload = start.elapsed();
    let sent: usize = reports.iter().map(|r| r.sent_events).sum();
    assert_eq!(sent, template.events, "every offline event was sent");
    let at_answer = memory(pid, "VmHWM:");
    wait_until_quiet(&data);
    // Once more, with nothing new: every stream is listed and settles alike.
    let start = Instant::now();
    let reports = sync(&client, &mut phone);
    let again = start.elapsed();
    assert!(reports.iter().all(|r| r.rounds == 0), "nothing new");
    println!();
    println!("{projects} new projects × {each} offline observations (1 run):");
    println!(
        "  upload {upload:.1?} ({:.0} events/s); a sync with nothing new after it {again:.1?}",
        template.events as f64 / upload.as_secs_f64()
    );
    println!(
        "  server memory: idle {idle:.0} MiB; peak until the upload was answered {at_answer:.0} MiB, until it was compacted {:.0} MiB; held once quiet {:.0} MiB",
        memory(pid, "VmHWM:"),
        memory(pid, "VmRSS:")
    );
    println!(
        "  on disk per event: server {:.0} bytes",
        directory_bytes(&data) as f64 / template.events as f64
    );
    println!();
}
