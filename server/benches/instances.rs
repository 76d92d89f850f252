//! Past one server: instances on PostgreSQL against one instance on its SQLite file,
//! in the same run, with the real `praxis-server` binary over loopback and the
//! device's own sync client.
//!
//! 1. **Load**: 200 phones (20 teams of 10, each team sharing a project) record 100
//!    observations each offline, then all sync at once: through two instances on one
//!    PostgreSQL (phones alternating between them), and through one instance on
//!    SQLite. Target: all complete, no errors, ≤ 20 s. Printed: the wall time, the
//!    errors, and each instance's peak memory (VmHWM).
//! 2. **Backlog**: a phone uploads 10,000 offline observations in a new project, to
//!    an instance on PostgreSQL and to one on SQLite in turn (`INSTANCES_RUNS` each,
//!    default 3). Target: PostgreSQL ≤ 1.5× SQLite. Printed: each run and the medians.
//!
//! `cargo build --release -p praxis-server && cargo bench -p praxis-server --bench
//! instances`. It starts a throwaway PostgreSQL cluster of its own (fsync off, as
//! the tests' is: the cluster's disk settings are the deployment's to choose; each
//! commit still waits for PostgreSQL's answer). `INSTANCES_PHONES`, `INSTANCES_EVENTS`
//! and `INSTANCES_BACKLOG` change the sizes. Run without `--bench` (as `cargo test
//! --benches` would) it is a smoke run: 20 phones, 10 events, a backlog of 500.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::domain::event::Scope;
use praxis_core::domain::hlc::WallClock;
use praxis_core::domain::role::Role;
use praxis_core::sync::{Retry, Server};
use praxis_server::storage::{MasterKey, SqliteStorage, Storage};
use praxis_testkit::server::{Phone, TestServer, person};
use praxis_testkit::{record_generated, start_measured_project, tempdir};
use std::time::{Duration, Instant};
use tempfile::TempDir;

const TEAM_SIZE: usize = 10;

fn number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// One deployment: its instances, and the phones' directory.
struct Deployment {
    instances: Vec<TestServer>,
    collaborative: praxis_core::domain::ids::StreamId,
    dir: TempDir,
}

/// People in `teams` teams of the collaborative, set up through `storage`.
fn people(storage: &mut SqliteStorage, teams: usize) -> praxis_core::domain::ids::StreamId {
    let collaborative = praxis_testkit::server::collaborative(storage);
    for t in 0..teams {
        let team = storage
            .add_team(
                collaborative,
                &format!("Team {t:02}"),
                "Northshire County Council",
            )
            .unwrap();
        person(
            storage,
            &format!("practitioner-{t:02}"),
            Role::Practitioner,
            Scope::Team(team),
        );
    }
    collaborative
}

fn on_postgres(url: &str, instances: usize, teams: usize) -> Deployment {
    let dir = tempdir();
    let key = dir.path().join("master.key");
    let mut admin = SqliteStorage::open_on_postgres(
        &dir.path().join("admin"),
        WallClock::system(),
        &MasterKey::File(key.clone()),
        url,
    )
    .unwrap();
    let collaborative = people(&mut admin, teams);
    drop(admin);
    let instances = (0..instances)
        .map(|i| {
            TestServer::start_with(
                &dir.path().join(format!("instance-{i}")),
                &[
                    "--database",
                    url,
                    "--master-key-file",
                    key.to_str().unwrap(),
                ],
            )
        })
        .collect();
    Deployment {
        instances,
        collaborative,
        dir,
    }
}

fn on_sqlite(teams: usize) -> Deployment {
    let dir = tempdir();
    let data = dir.path().join("data");
    let mut storage = SqliteStorage::open(&data).unwrap();
    let collaborative = people(&mut storage, teams);
    drop(storage);
    let instances = vec![TestServer::start_on_sqlite(&data, &[])];
    Deployment {
        instances,
        collaborative,
        dir,
    }
}

fn through(phone: &mut Phone, url: &str) {
    phone.server = Server::new(url).unwrap().with_retry(Retry::never());
}

/// The peak memory of a server process so far, in MiB.
fn peak_mib(server: &TestServer) -> f64 {
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", server.pid().unwrap())).unwrap();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib / 1024.0
}

/// Phones enrolled (through the instances in turn), each team's project started by
/// its first phone and taken by the others, and `events` observations recorded
/// offline on each.
fn phones(d: &Deployment, phones: usize, events: usize) -> Vec<Phone> {
    let mut out: Vec<Phone> = Vec::new();
    for team in 0..phones.div_ceil(TEAM_SIZE) {
        let members = TEAM_SIZE.min(phones - team * TEAM_SIZE);
        let mut group: Vec<Phone> = (0..members)
            .map(|m| {
                let url = &d.instances[(team * TEAM_SIZE + m) % d.instances.len()].url;
                let mut phone = Phone::enrol(d.dir.path(), url, &format!("practitioner-{team:02}"));
                phone.try_sync().unwrap();
                phone
            })
            .collect();
        let (project, generator) = start_measured_project(
            &mut group[0].store,
            d.collaborative,
            &format!("Team {team:02}"),
            "Safer at home",
        );
        group[0].try_sync().unwrap();
        for phone in group.iter_mut() {
            phone.try_sync().unwrap();
            let mut generator = generator.clone();
            record_generated(&mut phone.store, project, &mut generator, events, events);
        }
        out.extend(group);
    }
    out
}

/// Every phone syncs at once; the wall time and the errors.
fn all_at_once(phones: &mut [Phone]) -> (Duration, Vec<String>) {
    let start = Instant::now();
    let errors: Vec<String> = std::thread::scope(|s| {
        let syncs: Vec<_> = phones
            .iter_mut()
            .map(|phone| s.spawn(move || phone.try_sync().err()))
            .collect();
        syncs
            .into_iter()
            .filter_map(|h| h.join().unwrap())
            .collect()
    });
    (start.elapsed(), errors)
}

fn load(url: &str, n: usize, events: usize) {
    println!("== {n} phones × {events} observations, syncing at once ==");
    let teams = n.div_ceil(TEAM_SIZE);
    for (name, d) in [
        ("two instances on PostgreSQL", on_postgres(url, 2, teams)),
        ("one instance on SQLite", on_sqlite(teams)),
    ] {
        let mut phones = phones(&d, n, events);
        let (took, errors) = all_at_once(&mut phones);
        let peaks: Vec<String> = d
            .instances
            .iter()
            .map(|i| format!("{:.0} MiB", peak_mib(i)))
            .collect();
        println!(
            "{name}: {:.2} s, {} errors{}, peak memory {}",
            took.as_secs_f64(),
            errors.len(),
            errors
                .first()
                .map(|e| format!(" (first: {e})"))
                .unwrap_or_default(),
            peaks.join(", ")
        );
    }
}

/// One upload of a `size`-event backlog to `d`'s first instance.
fn backlog_once(d: &Deployment, size: usize) -> Duration {
    let url = d.instances[0].url.clone();
    let mut phone = Phone::enrol(d.dir.path(), &url, "practitioner-00");
    phone.try_sync().unwrap();
    let (project, mut generator) = start_measured_project(
        &mut phone.store,
        d.collaborative,
        "Team 00",
        "Safer at home",
    );
    record_generated(&mut phone.store, project, &mut generator, size, 1_000);
    through(&mut phone, &url);
    let start = Instant::now();
    phone.try_sync().unwrap();
    start.elapsed()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn backlog(cluster: &praxis_testkit::postgres::Postgres, size: usize, runs: usize) {
    println!("== a phone's backlog of {size} observations ==");
    let (mut pg, mut lite) = (Vec::new(), Vec::new());
    for run in 0..runs {
        let d = on_postgres(&cluster.database(), 1, 1);
        let p = backlog_once(&d, size).as_secs_f64();
        drop(d);
        let d = on_sqlite(1);
        let s = backlog_once(&d, size).as_secs_f64();
        println!("run {}: PostgreSQL {p:.3} s, SQLite {s:.3} s", run + 1);
        pg.push(p);
        lite.push(s);
    }
    let (p, s) = (median(pg), median(lite));
    println!(
        "median: PostgreSQL {p:.3} s, SQLite {s:.3} s: {:.2}× (target ≤ 1.5×)",
        p / s
    );
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let cluster = praxis_testkit::postgres::Postgres::start();
    let (phones, events, size) = if full {
        (
            number("INSTANCES_PHONES", 200),
            number("INSTANCES_EVENTS", 100),
            number("INSTANCES_BACKLOG", 10_000),
        )
    } else {
        (20, 10, 500)
    };
    let runs = if full {
        number("INSTANCES_RUNS", 3).max(1)
    } else {
        1
    };
    load(&cluster.database(), phones, events);
    backlog(&cluster, size, runs);
}
