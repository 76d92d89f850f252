//! Concurrent reads and syncs: 20 phones, each the one practitioner of a team of its
//! own with a project new to the server, each doing the same work against the
//! server's storage in this process: reads of its streams, the sync of its project
//! (its start and 200 observations), then the reads again.
//!
//! Two kinds of run, each on a fresh data directory set up the same way:
//! - `serialized`: the phones' work one after another, on one thread (what a single
//!   lock around the storage allowed);
//! - `concurrent`: every phone on a thread of its own, released together.
//!
//! The two alternate, `RUNS` times each, so that whatever else the machine does
//! falls on both. Setting up (people, enrolment, recording on the phones) is not
//! timed. Printed: the wall time of each run, the median of each kind with its syncs
//! and reads per second, and the speed-up of the medians. The phones' own work
//! (making and taking sync messages) runs in this process too, in both kinds.
//!
//! `cargo bench -p praxis-server --bench concurrent`. Run without `--bench` (as
//! `cargo test --benches` does) it is a smoke run: 4 phones, 10 events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use praxis_core::domain::event::{Event, Observation, ObservationKind, ProjectStarted, Scope};
use praxis_core::domain::ids::{PersonId, StreamId};
use praxis_core::domain::role::Role;
use praxis_core::store::Store;
use praxis_server::storage::{Device, SqliteStorage, Storage, Views};
use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};
use support::{enrolled, founded, phone, sync};

/// Reads before the sync and again after it, per phone.
const READS: usize = 10;

/// Runs of each kind in a full bench.
const RUNS: usize = 5;

struct Sizes {
    phones: usize,
    events: usize,
}

/// One phone's part: its device and store, and the project it will sync.
struct Phone {
    device: Device,
    store: Store,
    project: StreamId,
    collaborative: StreamId,
}

fn setup(dir: &Path, sizes: &Sizes) -> (Arc<SqliteStorage>, Vec<Phone>) {
    let storage = SqliteStorage::open(&dir.join("data")).unwrap();
    let collaborative = founded(&storage);
    let mut phones = Vec::new();
    for i in 0..sizes.phones {
        let team_name = format!("Team {i:02}");
        let team = storage
            .add_team(collaborative, &team_name, "Northshire County Council")
            .unwrap();
        let (device, _) = enrolled(
            &storage,
            &format!("practitioner-{i:02}"),
            &format!("Practitioner {i:02}"),
            Role::Practitioner,
            Scope::Team(team),
        );
        let mut store = phone(
            &dir.join(format!("phone-{i:02}.sqlite3")),
            &storage,
            &device,
            &format!("Practitioner {i:02}"),
            collaborative,
        );
        let project = store
            .start_project(ProjectStarted {
                collaborative,
                team: team_name.clone(),
                organisation: "Northshire County Council".into(),
                title: format!("Safer at home ({team_name})"),
            })
            .unwrap()
            .stream;
        let observations = (0..sizes.events)
            .map(|n| {
                Event::ObservationRecorded(Observation {
                    kind: ObservationKind::Observation,
                    cycle: None,
                    subject: Some(format!("P-{n:04}")),
                    observed_on: time::macros::date!(2026 - 02 - 03)
                        + time::Duration::days((n % 400) as i64),
                    text: format!(
                        "Visit {n}: talked through what matters to the person before the risks."
                    ),
                })
            })
            .collect();
        store.record_all(project, observations).unwrap();
        phones.push(Phone {
            device,
            store,
            project,
            collaborative,
        });
    }
    (Arc::new(storage), phones)
}

/// What a phone's person reads: their streams, the collaborative's dashboard-facing
/// view and, once it is there, their project.
fn read(storage: &SqliteStorage, person: PersonId, phone: &Phone) {
    let streams = storage.streams_for(person).unwrap();
    assert!(!streams.is_empty(), "the person reads their collaborative");
    storage.stream_view(phone.collaborative).unwrap();
    if streams.iter().any(|s| s.stream_id == phone.project) {
        storage.project_detail(phone.project).unwrap();
        storage.feed(phone.project, 20).unwrap();
    }
}

/// One phone's work: reads, the sync of its project, reads again.
fn work(storage: &SqliteStorage, phone: &mut Phone) {
    let person = phone.device.person;
    for _ in 0..READS {
        read(storage, person, phone);
    }
    let (project, device) = (phone.project, phone.device.clone());
    sync(&mut phone.store, storage, &device, project);
    for _ in 0..READS {
        read(storage, person, phone);
    }
}

fn check(storage: &SqliteStorage, phones: &[Phone], sizes: &Sizes) {
    for phone in phones {
        assert_eq!(
            storage.events(phone.project).unwrap().len(),
            sizes.events + 1,
            "every event of the project reached the server"
        );
    }
}

fn serialized(dir: &Path, sizes: &Sizes) -> Duration {
    let (storage, mut phones) = setup(dir, sizes);
    let started = Instant::now();
    for phone in &mut phones {
        work(&storage, phone);
    }
    let took = started.elapsed();
    check(&storage, &phones, sizes);
    took
}

fn concurrent(dir: &Path, sizes: &Sizes) -> Duration {
    let (storage, phones) = setup(dir, sizes);
    let start = Arc::new(Barrier::new(phones.len() + 1));
    let threads: Vec<_> = phones
        .into_iter()
        .map(|mut phone| {
            let (storage, start) = (storage.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                work(&storage, &mut phone);
                phone
            })
        })
        .collect();
    start.wait();
    let started = Instant::now();
    let phones: Vec<Phone> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let took = started.elapsed();
    check(&storage, &phones, sizes);
    took
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let sizes = if full {
        Sizes {
            phones: 20,
            events: 200,
        }
    } else {
        Sizes {
            phones: 4,
            events: 10,
        }
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{} phones on different streams, {} events each, {READS} reads before and after each sync; {cores} cores",
        sizes.phones, sizes.events
    );
    let runs = if full { RUNS } else { 1 };
    let (mut one_by_one, mut at_once) = (Vec::new(), Vec::new());
    for run in 0..runs {
        let dir = tempfile::tempdir().unwrap();
        one_by_one.push(serialized(&dir.path().join("serialized"), &sizes));
        at_once.push(concurrent(&dir.path().join("concurrent"), &sizes));
        println!(
            "run {}: serialized {:>7.1} ms, concurrent {:>7.1} ms",
            run + 1,
            one_by_one[run].as_secs_f64() * 1000.0,
            at_once[run].as_secs_f64() * 1000.0
        );
    }
    let (one_by_one, at_once) = (median(one_by_one), median(at_once));
    let reads = (sizes.phones * READS * 2) as f64;
    let syncs = sizes.phones as f64;
    for (name, took) in [("serialized", one_by_one), ("concurrent", at_once)] {
        let s = took.as_secs_f64();
        println!(
            "{name:>10}: {:>8.1} ms (median)  {:>7.1} syncs/s  {:>8.1} reads/s",
            s * 1000.0,
            syncs / s,
            reads / s
        );
    }
    println!(
        "speed-up: {:.2}x",
        one_by_one.as_secs_f64() / at_once.as_secs_f64()
    );
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}
