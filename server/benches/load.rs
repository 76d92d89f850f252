//! Load: 50 enrolled phones, each with 200 offline events, all sync at once (one
//! thread each) with the real `praxis-server` binary over loopback.
//!
//! Two scenarios, each on a fresh server:
//! - `shared`: the 50 are practitioners of one team and record in the same project
//!   (started by the first phone and synced to all before they go offline), so every
//!   phone also receives what the others sent before it;
//! - `separate`: each is the one practitioner of a team of its own and records in a
//!   project of its own, new to the server (its start and two measures among its 200).
//!
//! Setting up (people, enrolment with its argon2 checks, recording) is not timed. The
//! timed round starts when all 50 threads are released together and ends when the last
//! sync returns; any sync error fails the bench. Then a second round (everyone syncs
//! again, all at once) lets the phones of `shared` catch up, and every phone is checked
//! to hold what it should. The server process's peak resident memory (VmHWM) is read
//! from /proc after each round; it is reset before the first (through clear_refs) so
//! that it counts the syncs, not the enrolments.
//!
//! The phones run in this process, on the same machine as the server, so the CPU time
//! each side used in a round is printed too: on a small machine the phones' own work
//! (merging what they receive), not the server, can set the wall time.
//!
//! Targets: all complete without error, in ≤ 20 s.
//!
//! `cargo bench -p praxis-server --bench load [shared|separate]`. Run without
//! `--bench` (as `cargo test --benches` does) it is a smoke run: 5 phones, 20 events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::domain::event::Scope;
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::role::Role;
use praxis_core::store::{Store, queries};
use praxis_core::sync::StreamReport;
use praxis_server::auth::hash_password;
use praxis_server::storage::{SqliteStorage, Storage};
use praxis_testkit::server::{PASSWORD, Phone as Enrolled, TestServer, collaborative};
use praxis_testkit::{Generator, record_generated, start_measured_project, tempdir};
use std::path::Path;
use std::sync::{Arc, Barrier, mpsc};
use std::time::{Duration, Instant};

const DEVICES: usize = 50;
const EVENTS_EACH: usize = 200;
/// A round that takes longer than this fails the bench.
const ROUND_LIMIT: Duration = Duration::from_secs(180);
const TARGET: Duration = Duration::from_secs(20);
const ORGANISATION: &str = "Northshire County Council";

// ---------------------------------------------------------------------------------
// The server process, its data and the phones.

/// A `Vm…` figure of the server process from /proc/<pid>/status, in KiB.
fn memory(server: &TestServer, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.pid()?)).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Resets the server's peak resident size (VmHWM) to the current one; false if not
/// allowed.
fn reset_peak(server: &TestServer) -> bool {
    server
        .pid()
        .is_some_and(|pid| std::fs::write(format!("/proc/{pid}/clear_refs"), "5").is_ok())
}

/// CPU seconds (user and system, all threads) the process `pid` has used, from
/// /proc/<pid>/stat (in clock ticks of 1/100 s, Linux's USER_HZ).
fn cpu_seconds(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .collect();
    // After the command: state (field 3), ..., utime (14), stime (15).
    let ticks = |i: usize| fields.get(i - 3)?.parse::<f64>().ok();
    Some((ticks(14)? + ticks(15)?) / 100.0)
}

/// The CPU the server and this process (the phones) used, between two readings.
struct Cpu {
    server: Option<f64>,
    phones: Option<f64>,
}

impl Cpu {
    fn now(server: &TestServer) -> Cpu {
        Cpu {
            server: server.pid().and_then(|pid| cpu_seconds(&pid.to_string())),
            phones: cpu_seconds("self"),
        }
    }

    /// Says what the server and the phones used since this reading, during `wall`.
    fn since(&self, server: &TestServer, wall: Duration) -> String {
        let now = Cpu::now(server);
        let used = |a: Option<f64>, b: Option<f64>| Some(b? - a?);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let load = std::fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|l| l.split_whitespace().next().map(str::to_string))
            .unwrap_or_else(|| "unknown".into());
        match (used(self.server, now.server), used(self.phones, now.phones)) {
            (Some(server), Some(phones)) => format!(
                "CPU used: server {server:.1} s ({:.0}% of the wall time), the phones \
                 (all in this process) {phones:.1} s; {cores} cores, load average {load} at the end",
                100.0 * server / wall.as_secs_f64()
            ),
            _ => "CPU used: unknown (no /proc)".into(),
        }
    }
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("unknown".into(), |k| {
        format!("{:.1} MiB", k as f64 / 1024.0)
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Scenario {
    Shared,
    Separate,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Shared => "shared",
            Scenario::Separate => "separate",
        }
    }

    fn team_of(self, device: usize) -> String {
        match self {
            Scenario::Shared => "Northside".into(),
            Scenario::Separate => format!("Team {device:02}"),
        }
    }
}

fn username(device: usize) -> String {
    format!("practitioner-{device:02}")
}

/// A collaborative, its teams and a practitioner per device (one password hash for all:
/// hashing is slow and the same hash verifies the same password).
fn fixture(data_dir: &Path, scenario: Scenario, devices: usize) -> StreamId {
    let storage = SqliteStorage::open(data_dir).expect("the server's storage");
    let collaborative = collaborative(&storage);
    let hash = hash_password(PASSWORD).expect("a password hash");
    let mut teams: Vec<(String, EventId)> = Vec::new();
    for device in 0..devices {
        let name = scenario.team_of(device);
        let team = match teams.iter().find(|(n, _)| *n == name) {
            Some((_, id)) => *id,
            None => {
                let id = storage
                    .add_team(collaborative, &name, ORGANISATION)
                    .expect("a team");
                teams.push((name, id));
                id
            }
        };
        let person = storage
            .add_person(&username(device), &format!("Practitioner {device}"), &hash)
            .expect("a person");
        storage
            .grant(person, Role::Practitioner, Scope::Team(team))
            .expect("a membership");
    }
    collaborative
}

/// A phone of the bench: its number and the enrolled client store.
struct Phone {
    device: usize,
    enrolled: Enrolled,
}

impl Phone {
    fn enrol(dir: &Path, url: &str, device: usize) -> Phone {
        Phone {
            device,
            enrolled: Enrolled::enrol(dir, url, &username(device)),
        }
    }

    fn sync(&mut self) -> Result<Vec<StreamReport>, String> {
        self.enrolled.try_sync()
    }

    fn sync_or_panic(&mut self) -> Vec<StreamReport> {
        let device = self.device;
        self.sync()
            .unwrap_or_else(|e| panic!("phone {device}: {e}"))
    }
}

fn start_project(store: &mut Store, collaborative: StreamId, team: &str) -> (StreamId, Generator) {
    start_measured_project(
        store,
        collaborative,
        team,
        &format!("Positive risk plans, {team}"),
    )
}

/// Records `n` events offline, 50 per `record_all`.
fn record(store: &mut Store, stream: StreamId, generator: &mut Generator, n: usize) {
    record_generated(store, stream, generator, n, 50);
}

fn events_in(store: &Store, stream: StreamId) -> u64 {
    queries::summary(store.connection(), stream)
        .expect("the stream's summary")
        .events
}

// ---------------------------------------------------------------------------------
// The rounds.

struct Outcome {
    device: usize,
    took: Duration,
    result: Result<Vec<StreamReport>, String>,
}

/// Every phone syncs at once, one thread each; returns the phones, the outcomes by
/// device and the wall time from the release of the threads to the last return.
/// Panics if the round outlasts `ROUND_LIMIT`.
fn round(phones: Vec<Phone>) -> (Vec<Phone>, Vec<Outcome>, Duration) {
    let devices = phones.len();
    let barrier = Arc::new(Barrier::new(devices + 1));
    let (tx, rx) = mpsc::channel();
    let threads: Vec<_> = phones
        .into_iter()
        .map(|mut phone| {
            let barrier = barrier.clone();
            let tx = tx.clone();
            std::thread::Builder::new()
                .name(format!("phone-{:02}", phone.device))
                .spawn(move || {
                    barrier.wait();
                    let start = Instant::now();
                    let result = phone.sync();
                    let took = start.elapsed();
                    let _ = tx.send(Outcome {
                        device: phone.device,
                        took,
                        result,
                    });
                    phone
                })
                .expect("a thread")
        })
        .collect();
    drop(tx);
    barrier.wait();
    let start = Instant::now();
    let deadline = start + ROUND_LIMIT;
    let mut outcomes = Vec::with_capacity(devices);
    while outcomes.len() < devices {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(outcome) => outcomes.push(outcome),
            Err(mpsc::RecvTimeoutError::Timeout) => panic!(
                "only {} of {devices} syncs returned within {ROUND_LIMIT:?}",
                outcomes.len()
            ),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                panic!("a phone's thread died (see its panic above)")
            }
        }
    }
    let wall = start.elapsed();
    let phones = threads
        .into_iter()
        .map(|t| t.join().expect("a phone's thread"))
        .collect();
    outcomes.sort_by_key(|o| o.device);
    (phones, outcomes, wall)
}

/// Panics, listing every failure, unless every sync succeeded.
fn all_succeeded(what: &str, outcomes: &[Outcome]) {
    let failures: Vec<String> = outcomes
        .iter()
        .filter_map(|o| {
            o.result
                .as_ref()
                .err()
                .map(|e| format!("  phone {}: {e}", o.device))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{what}: {} of {} syncs failed:\n{}",
        failures.len(),
        outcomes.len(),
        failures.join("\n")
    );
}

fn reports(outcome: &Outcome) -> &[StreamReport] {
    outcome.result.as_deref().unwrap_or_default()
}

fn project_report(outcome: &Outcome, project: StreamId) -> &StreamReport {
    reports(outcome)
        .iter()
        .find(|r| r.stream == project)
        .unwrap_or_else(|| panic!("phone {} did not sync its project", outcome.device))
}

fn spread(outcomes: &[Outcome]) -> String {
    let mut times: Vec<Duration> = outcomes.iter().map(|o| o.took).collect();
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    format!(
        "each phone's sync: min {:.2?}, median {:.2?}, p90 {:.2?}, max {:.2?}",
        at(0.0),
        at(0.5),
        at(0.9),
        at(1.0)
    )
}

fn run(scenario: Scenario, devices: usize, events_each: usize) -> bool {
    println!(
        "== {}: {devices} phones, {events_each} offline events each, {} ==",
        scenario.name(),
        match scenario {
            Scenario::Shared => "one team, one project",
            Scenario::Separate => "a team and a new project each",
        }
    );
    let setup = Instant::now();
    let dir = tempdir();
    let data = dir.path().join("data");
    let collaborative = fixture(&data, scenario, devices);
    let mut server = TestServer::start_showing_errors(&data);
    let mut phones: Vec<Phone> = (0..devices)
        .map(|device| Phone::enrol(dir.path(), &server.url, device))
        .collect();
    for phone in &mut phones {
        phone.sync_or_panic();
    }
    // Offline work.
    let mut projects = Vec::with_capacity(devices);
    match scenario {
        Scenario::Shared => {
            let (project, generator) = start_project(
                &mut phones[0].enrolled.store,
                collaborative,
                &scenario.team_of(0),
            );
            phones[0].sync_or_panic();
            for phone in &mut phones[1..] {
                phone.sync_or_panic();
                assert_eq!(events_in(&phone.enrolled.store, project), 3);
            }
            for phone in &mut phones {
                let mut generator = Generator::new(generator.ratio(), generator.unit());
                record(
                    &mut phone.enrolled.store,
                    project,
                    &mut generator,
                    events_each,
                );
                projects.push(project);
            }
        }
        Scenario::Separate => {
            for phone in &mut phones {
                let (project, mut generator) = start_project(
                    &mut phone.enrolled.store,
                    collaborative,
                    &scenario.team_of(phone.device),
                );
                record(
                    &mut phone.enrolled.store,
                    project,
                    &mut generator,
                    events_each - 3,
                );
                projects.push(project);
            }
        }
    }
    let setup_peak = memory(&server, "VmHWM");
    let reset = reset_peak(&server);
    println!(
        "  setup (people, enrolment, recording) took {:.1?}; server peak so far {}{}",
        setup.elapsed(),
        mib(setup_peak),
        if reset {
            ", now reset"
        } else {
            " (could not reset it: the peak below includes the setup)"
        }
    );
    let rss_before = memory(&server, "VmRSS");

    // The timed round.
    let cpu = Cpu::now(&server);
    let (phones, outcomes, wall) = round(phones);
    let cpu = cpu.since(&server, wall);
    assert!(server.is_running(), "the server died during the round");
    let peak = memory(&server, "VmHWM");
    let rss_after = memory(&server, "VmRSS");
    all_succeeded("the round", &outcomes);
    let mut received = 0;
    for (outcome, project) in outcomes.iter().zip(&projects) {
        let report = project_report(outcome, *project);
        assert_eq!(
            report.sent_events, events_each,
            "phone {}: the server took {} of its {events_each} events",
            outcome.device, report.sent_events
        );
        received += report.received_events;
    }
    let rounds: u32 = outcomes
        .iter()
        .flat_map(|o| reports(o).iter().map(|r| r.rounds))
        .sum();
    println!(
        "  all {devices} synced at once: {wall:.2?} wall time, no errors; {} events sent, \
         {received} received from the others, {rounds} sync requests besides the listings",
        devices * events_each
    );
    println!("  {}", spread(&outcomes));
    println!("  {cpu}");
    println!(
        "  server memory: peak (VmHWM) {} during the round; resident {} before, {} after",
        mib(peak),
        mib(rss_before),
        mib(rss_after)
    );

    // A second round: every phone catches up with what the others sent.
    let cpu = Cpu::now(&server);
    let (mut phones, again, catch_up) = round(phones);
    let cpu = cpu.since(&server, catch_up);
    all_succeeded("the second round", &again);
    let peak_after_both = memory(&server, "VmHWM");
    for (outcome, project) in again.iter().zip(&projects) {
        assert_eq!(project_report(outcome, *project).sent_events, 0);
    }
    let expected = match scenario {
        Scenario::Shared => 3 + devices * events_each,
        Scenario::Separate => events_each,
    } as u64;
    for (phone, project) in phones.iter_mut().zip(&projects) {
        assert_eq!(
            events_in(&phone.enrolled.store, *project),
            expected,
            "phone {} after the second round",
            phone.device
        );
    }
    println!(
        "  second round (catching up, all at once): {catch_up:.2?}; every phone holds \
         its project's {expected} events; server peak after both rounds {}",
        mib(peak_after_both)
    );
    println!("  {cpu}");
    let met = wall <= TARGET;
    println!(
        "  target: all complete, no errors, ≤ {TARGET:?}: {}",
        if met { "met" } else { "MISSED" }
    );
    println!();
    drop(phones);
    drop(server);
    met
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // `cargo bench` passes --bench; without it (cargo test) this is a smoke run.
    let (devices, events_each) = if args.iter().any(|a| a == "--bench") {
        (DEVICES, EVENTS_EACH)
    } else {
        (5, 20)
    };
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let mut missed = Vec::new();
    for scenario in [Scenario::Shared, Scenario::Separate] {
        let chosen =
            filters.is_empty() || filters.iter().any(|f| scenario.name().contains(f.as_str()));
        if chosen && !run(scenario, devices, events_each) {
            missed.push(scenario.name());
        }
    }
    if !missed.is_empty() {
        println!("Target missed by: {}", missed.join(", "));
    }
}
