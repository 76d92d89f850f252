//! The network's faults, server crashes and killed phones together lose nothing and
//! duplicate nothing. Each schedule gives a collaborative's team two to four phones
//! that record offline and sync through a proxy that drops, delays, duplicates,
//! truncates and reorders requests and answers and resets connections; meanwhile the
//! server may be killed with SIGKILL and restarted on its data directory, and a phone
//! syncing as the `praxis` client in a process of its own may be killed with SIGKILL.
//! When the faults stop, every phone syncs to the end, and every event any phone
//! recorded is on the server exactly once, with one receipt from its phone, and every
//! replica shows the same views. The test prints what it did and met.
//!
//! `FAULT_SCHEDULES` says how many schedules (50 unless set), `FAULT_MINUTES` how long
//! at most before no new schedule starts (10 unless set), `FAULTS_SEED` replays the
//! choices of a run (each device meets the same faults; threads may interleave
//! otherwise).

mod check;
mod device;
mod soak;

use device::{Device, Ended, QUICK};
use praxis_core::domain::event::Scope;
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::role::Role;
use praxis_core::sync::{StreamReport, SyncError};
use praxis_server::storage::Storage;
use praxis_testkit::faults::{FaultProxy, Faults};
use praxis_testkit::rng::Rng;
use praxis_testkit::server::{TestServer, person};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// A new data directory and server after this many schedules, so none grows large.
const SCHEDULES_PER_DATA_DIR: usize = 25;
/// Rounds of offline records and syncs under faults in a schedule.
const ROUNDS: usize = 2;
/// The latest moment after a round's syncs start that the server or a client is killed.
const LATEST_SERVER_KILL_MS: u64 = 800;
const LATEST_CLIENT_KILL_MS: u64 = 1000;

/// The only kind of error a phone may see under these faults: the server out of reach
/// after its tries (a connection closed, reset or refused, an answer cut short).
const UNREACHABLE: &str = "unreachable";

/// What a run counted.
#[derive(Default)]
pub struct Tally {
    pub schedules: usize,
    pub server_kills: usize,
    pub client_kills: usize,
    pub syncs_here: usize,
    pub syncs_as_processes: usize,
    pub events: usize,
    pub lost: usize,
    pub duplicated: usize,
    /// What the phones' syncs ended with, by kind (`unreachable`, or the words of
    /// anything else).
    pub errors: BTreeMap<String, usize>,
}

impl Tally {
    pub fn saw(&mut self, kind: String) {
        *self.errors.entry(kind).or_default() += 1;
    }

    pub fn add(&mut self, other: Tally) {
        self.schedules += other.schedules;
        self.server_kills += other.server_kills;
        self.client_kills += other.client_kills;
        self.syncs_here += other.syncs_here;
        self.syncs_as_processes += other.syncs_as_processes;
        self.events += other.events;
        self.lost += other.lost;
        self.duplicated += other.duplicated;
        for (kind, n) in other.errors {
            *self.errors.entry(kind).or_default() += n;
        }
    }

    /// What a sync in this process ended with.
    pub fn note_here(&mut self, outcome: Result<Vec<StreamReport>, SyncError>) {
        self.syncs_here += 1;
        match outcome {
            Ok(reports) => {
                for report in reports.iter().filter(|r| !r.synced()) {
                    let code = report.error.as_ref().map_or("?", |e| e.code.as_str());
                    self.saw(format!("a stream did not sync: {code}"));
                }
            }
            Err(SyncError::Unreachable { .. }) => self.saw(UNREACHABLE.into()),
            Err(other) => self.saw(other.to_string()),
        }
    }

    /// What a sync in a process of its own ended with.
    pub fn note_process(&mut self, ended: Ended) {
        self.syncs_as_processes += 1;
        match ended {
            Ended::Killed => self.client_kills += 1,
            Ended::Exited { success: true, .. } => {}
            // The terminal client starts its sentence with a capital.
            Ended::Exited { stderr, .. }
                if stderr.to_lowercase().contains("cannot reach the server") =>
            {
                self.saw(UNREACHABLE.into())
            }
            Ended::Exited { stderr, .. } => self.saw(stderr),
        }
    }

    /// Errors of any kind but the expected one.
    pub fn unexpected(&self) -> Vec<(&String, &usize)> {
        self.errors
            .iter()
            .filter(|(k, _)| *k != UNREACHABLE)
            .collect()
    }

    pub fn summary(&self, proxy: &FaultProxy) -> String {
        let met: Vec<String> = proxy
            .met()
            .iter()
            .map(|(fault, n)| format!("{} {n}", fault.name()))
            .collect();
        let errors: Vec<String> = self
            .errors
            .iter()
            .map(|(k, n)| format!("{k}: {n}"))
            .collect();
        format!(
            "{} server kills, {} client kills; {} syncs in the test's process, {} as processes of their own\nfaults met: {}\nerrors the phones saw: {}\n{} events recorded, lost {}, duplicated {}",
            self.server_kills,
            self.client_kills,
            self.syncs_here,
            self.syncs_as_processes,
            met.join(", "),
            if errors.is_empty() {
                "none".into()
            } else {
                errors.join("; ")
            },
            self.events,
            self.lost,
            self.duplicated
        )
    }
}

/// How a phone syncs in a round.
#[derive(Clone, Copy)]
enum How {
    Here,
    AsProcess { kill_after: Option<Duration> },
}

/// The server and its data directory, which schedules share for a while.
struct World {
    dir: TempDir,
    server: TestServer,
}

impl World {
    fn new(proxy: &FaultProxy) -> World {
        let dir = praxis_testkit::tempdir();
        let data = dir.path().join("data");
        praxis_testkit::server::open_storage(&data).expect("a data directory");
        let server = TestServer::start(&data);
        proxy.point_at(&server.url);
        World { dir, server }
    }

    /// Kills the server with SIGKILL and starts it again on the same data directory.
    fn restart(&mut self, proxy: &FaultProxy) {
        self.server.kill();
        self.server = TestServer::start(&self.dir.path().join("data"));
        proxy.point_at(&self.server.url);
    }
}

/// A collaborative with one team and `phones` practitioners in it, made as the
/// administrator makes them; their usernames.
fn team(data: &Path, schedule: usize, phones: usize) -> (StreamId, Vec<String>) {
    let mut storage = praxis_testkit::server::open_storage(data).expect("storage");
    let collaborative = praxis_testkit::server::collaborative(&storage);
    let team = storage
        .add_team(collaborative, "Northside", "Northshire County Council")
        .expect("team");
    let usernames: Vec<String> = (0..phones)
        .map(|i| format!("practitioner-{schedule}-{i}"))
        .collect();
    for username in &usernames {
        person(
            &mut storage,
            username,
            Role::Practitioner,
            Scope::Team(team),
        );
    }
    (collaborative, usernames)
}

fn settle_all(devices: &mut [Device], url: &str, schedule: usize) -> Vec<Vec<StreamReport>> {
    devices
        .iter_mut()
        .map(|d| {
            d.settle(url)
                .unwrap_or_else(|e| panic!("schedule {schedule}: {e}"))
        })
        .collect()
}

/// One schedule: set up with no faults, rounds of records and syncs under faults and
/// kills, then no faults, every phone synced to the end, and the check.
fn schedule(
    world: &mut World,
    proxy: &FaultProxy,
    number: usize,
    rng: &mut Rng,
    tally: &mut Tally,
) {
    proxy.set_faults(None);
    let data = world.dir.path().join("data");
    let (collaborative, usernames) = team(&data, number, rng.between(2, 4) as usize);
    let dir = world.dir.path().join(format!("schedule-{number}"));
    let mut devices: Vec<Device> = usernames
        .iter()
        .map(|u| Device::enrol(&dir, proxy.url(), u))
        .collect();
    settle_all(&mut devices[..1], proxy.url(), number);
    let project = devices[0].start_project(collaborative, "Northside");
    let measure: EventId = {
        let first = &mut devices[0];
        let id = first
            .store()
            .record(
                project,
                praxis_testkit::records::measure("Visits with a plan"),
            )
            .expect("a measure")
            .id;
        first.recorded.push(id);
        id
    };
    settle_all(&mut devices, proxy.url(), number);

    proxy.set_faults(Some(Faults {
        seed: rng.draw(),
        permille: rng.between(100, 400),
    }));
    for _ in 0..ROUNDS {
        for device in &mut devices {
            for _ in 0..rng.between(0, 3) {
                device.record(project, measure, rng);
            }
        }
        let hows: Vec<How> = devices
            .iter()
            .map(|_| match rng.chance(300) {
                false => How::Here,
                true => How::AsProcess {
                    kill_after: rng
                        .chance(600)
                        .then(|| Duration::from_millis(rng.below(LATEST_CLIENT_KILL_MS))),
                },
            })
            .collect();
        let server_kill = rng
            .chance(350)
            .then(|| Duration::from_millis(rng.below(LATEST_SERVER_KILL_MS)));
        let url = proxy.url().to_string();
        let syncs: Vec<_> = devices
            .drain(..)
            .zip(hows)
            .map(|(mut device, how)| {
                let url = url.clone();
                std::thread::spawn(move || {
                    let mut tally = Tally::default();
                    match how {
                        How::Here => tally.note_here(device.sync_here(&url, QUICK)),
                        How::AsProcess { kill_after } => {
                            tally.note_process(device.sync_in_process_of_its_own(kill_after))
                        }
                    }
                    (device, tally)
                })
            })
            .collect();
        if let Some(after) = server_kill {
            std::thread::sleep(after);
            world.restart(proxy);
            tally.server_kills += 1;
        }
        for sync in syncs {
            let (device, seen) = sync.join().expect("the phone's thread ends");
            devices.push(device);
            tally.add(seen);
        }
    }

    // No more faults: every phone syncs to the end, twice so each gets what the
    // others sent; a third sync has nothing left to exchange.
    proxy.set_faults(None);
    for _ in 0..2 {
        settle_all(&mut devices, proxy.url(), number);
    }
    for (device, reports) in settle_all(&mut devices, proxy.url(), number)
        .iter()
        .enumerate()
    {
        assert!(
            reports
                .iter()
                .all(|r| r.sent_events == 0 && r.received_events == 0),
            "schedule {number}: phone {device} had something left to sync: {reports:?}"
        );
    }
    let token = devices[0]
        .store()
        .setting("token")
        .expect("setting")
        .expect("a token");
    let counted = check::stream(&world.server, &token, project, &mut devices);
    tally.schedules += 1;
    tally.events += counted.events;
    tally.lost += counted.lost;
    tally.duplicated += counted.duplicated;
    assert!(
        counted.lost == 0 && counted.duplicated == 0,
        "schedule {number}: {} events lost, {} duplicated",
        counted.lost,
        counted.duplicated
    );
}

#[test]
fn faults_kills_and_crashes_lose_nothing_and_duplicate_nothing() {
    let seed = praxis_testkit::rng::seed("FAULTS_SEED");
    let schedules = env_number("FAULT_SCHEDULES", 50);
    let budget = Duration::from_secs(60 * env_number("FAULT_MINUTES", 10) as u64);
    let started = Instant::now();
    let mut world: Option<World> = None;
    let proxy = FaultProxy::start("http://127.0.0.1:9");
    let mut tally = Tally::default();
    for number in 0..schedules {
        if started.elapsed() > budget {
            eprintln!("the time budget ran out after {number} schedules");
            break;
        }
        if number % SCHEDULES_PER_DATA_DIR == 0 {
            world = None;
        }
        let world = world.get_or_insert_with(|| World::new(&proxy));
        let mut rng = Rng::new(seed.wrapping_add(number as u64));
        schedule(world, &proxy, number, &mut rng, &mut tally);
    }
    eprintln!(
        "FAULTS_SEED={seed}: {} schedules in {} s: {}",
        tally.schedules,
        started.elapsed().as_secs(),
        tally.summary(&proxy)
    );
    assert!(tally.schedules > 0, "no schedule ran");
    assert!(
        tally.unexpected().is_empty(),
        "errors no fault explains: {:?}",
        tally.unexpected()
    );
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.trim()
                .parse()
                .unwrap_or_else(|_| panic!("{name} is a number, not '{v}'"))
        })
        .unwrap_or(default)
}
