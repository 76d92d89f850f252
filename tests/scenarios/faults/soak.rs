//! A bounded soak, outside the test suite (`#[ignore]`): many phones of several teams
//! record and sync through the fault proxy for a set time, some of their syncs as
//! `praxis` processes killed with SIGKILL. The server's resident memory (`VmRSS`, and
//! of it the heap's `RssAnon` and the mapped database file's `RssFile`) and open
//! handles (`/proc/<pid>/fd`) are sampled all along. A phone records rarely and syncs
//! often, so the data grows little and what the memory does is the server's own: at
//! the end it is flat (no more than half as much again as after the warm-up, plus
//! 32 MiB for the documents and cached pages the recorded events add); with every
//! phone idle the server holds no more
//! sockets than at the start, and no more other handles than after the warm-up but
//! for read-only connections opened as needed; every error a phone saw is the server
//! out of reach under a fault; and nothing was lost or duplicated.
//!
//! `SOAK_MINUTES` (30 unless set), `SOAK_DEVICES` (50 unless set), `SOAK_SEED`.

use super::device::{Device, QUICK};
use super::{Tally, check, env_number, team};
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_testkit::faults::{FaultProxy, Faults};
use praxis_testkit::rng::Rng;
use praxis_testkit::server::TestServer;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Phones per team.
const TEAM: usize = 10;
const SAMPLE_EVERY: Duration = Duration::from_secs(30);
/// Every phone's loop ends after this many syncs, whatever the time.
const MOST_SYNCS: usize = 20_000;
/// A phone records before a sync this many times in a thousand: about one record a
/// minute, so the server's data grows slowly and its memory should not.
const RECORD_PERMILLE: u64 = 15;
/// A phone waits between its syncs for this long, in milliseconds, at most.
const LONGEST_PAUSE_MS: u64 = 2000;
/// How much the resident memory may grow after the warm-up.
const MEMORY_FACTOR: f64 = 1.5;
const MEMORY_SLACK_KB: u64 = 32 * 1024;
/// The server opens read-only connections as reads need them, up to `READERS` with two
/// handles each (the file and its log), so some may open only after the warm-up.
const READ_CONNECTION_HANDLES: usize = 2 * praxis_server::storage::READERS;

/// The server's resident memory in kB and its open handles: sockets (the listener and
/// connections), and the rest (files of the data directory, pipes, the runtime's).
#[derive(Clone, Copy, Debug)]
struct Sample {
    rss_kb: u64,
    /// Of `rss_kb`: the heap and stacks.
    anon_kb: u64,
    /// Of `rss_kb`: pages of mapped files (the database, read through `mmap`).
    file_kb: u64,
    sockets: usize,
    others: usize,
}

fn sample(pid: u32) -> Sample {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the status");
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in the status"))
    };
    let (rss_kb, anon_kb, file_kb) = (field("VmRSS:"), field("RssAnon:"), field("RssFile:"));
    let (mut sockets, mut others) = (0, 0);
    for handle in std::fs::read_dir(format!("/proc/{pid}/fd")).expect("the handles") {
        // A handle closed while it is read is not counted.
        let Ok(target) = handle.and_then(|h| std::fs::read_link(h.path())) else {
            continue;
        };
        match target.to_string_lossy().starts_with("socket:") {
            true => sockets += 1,
            false => others += 1,
        }
    }
    Sample {
        rss_kb,
        anon_kb,
        file_kb,
        sockets,
        others,
    }
}

/// One phone's loop until `stop`: now and then a record, then a sync through the proxy,
/// one in twenty as a `praxis` process killed at a random moment half the time.
fn phone(
    mut device: Device,
    url: String,
    (project, measure): (StreamId, EventId),
    mut rng: Rng,
    stop: Arc<AtomicBool>,
) -> (Device, Tally) {
    let mut tally = Tally::default();
    for _ in 0..MOST_SYNCS {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        if rng.chance(RECORD_PERMILLE) {
            device.record(project, measure, &mut rng);
        }
        if rng.chance(50) {
            let kill = rng
                .chance(500)
                .then(|| Duration::from_millis(rng.below(1500)));
            tally.note_process(device.sync_in_process_of_its_own(kill));
        } else {
            tally.note_here(device.sync_here(&url, QUICK));
        }
        std::thread::sleep(Duration::from_millis(rng.below(LONGEST_PAUSE_MS)));
    }
    (device, tally)
}

#[test]
#[ignore = "a soak of many minutes: SOAK_MINUTES=30 cargo test --release -p praxis-e2e --test e2e soak -- --ignored --nocapture"]
fn soak_under_faults_keeps_memory_and_handles_flat_and_loses_nothing() {
    let mut rng = Rng::new(praxis_testkit::rng::seed("SOAK_SEED"));
    let minutes = env_number("SOAK_MINUTES", 30);
    let phones = env_number("SOAK_DEVICES", 50).max(TEAM);
    let duration = Duration::from_secs(60 * minutes as u64);
    let warm_up = duration / 6;

    let dir = praxis_testkit::tempdir();
    let data = dir.path().join("data");
    praxis_testkit::server::open_storage(&data).expect("a data directory");
    let server = TestServer::start(&data);
    let pid = server.pid().expect("the server runs");
    let proxy = FaultProxy::start(&server.url);

    // Teams of ten, each with its project and a measure, on every phone.
    let mut teams: Vec<(Vec<Device>, StreamId, EventId)> = Vec::new();
    for t in 0..phones.div_ceil(TEAM) {
        let size = TEAM.min(phones - t * TEAM);
        let (collaborative, usernames) = team(&data, t, size);
        let mut devices: Vec<Device> = usernames
            .iter()
            .map(|u| Device::enrol(dir.path(), proxy.url(), u))
            .collect();
        devices[0].settle(proxy.url()).expect("first sync");
        let project = devices[0].start_project(collaborative, "Northside");
        let measure = devices[0]
            .store()
            .record(
                project,
                praxis_testkit::records::measure("Visits with a plan"),
            )
            .expect("a measure")
            .id;
        devices[0].recorded.push(measure);
        for device in &mut devices {
            device.settle(proxy.url()).expect("set-up sync");
        }
        teams.push((devices, project, measure));
    }
    let start = sample(pid);
    eprintln!("soak: {phones} phones, {minutes} min; with every phone idle: {start:?}");

    proxy.set_faults(Some(Faults {
        seed: rng.draw(),
        permille: 150,
    }));
    let stop = Arc::new(AtomicBool::new(false));
    let began = Instant::now();
    let mut running = Vec::new();
    for (t, (devices, project, measure)) in teams.iter_mut().enumerate() {
        for device in devices.drain(..) {
            let (url, stop, seed) = (proxy.url().to_string(), stop.clone(), rng.draw());
            let stream = (*project, *measure);
            running.push(std::thread::spawn(move || {
                (t, phone(device, url, stream, Rng::new(seed), stop))
            }));
        }
    }
    let mut samples = Vec::new();
    let mut after_warm_up = None;
    while began.elapsed() < duration {
        std::thread::sleep(SAMPLE_EVERY.min(duration.saturating_sub(began.elapsed())));
        let now = sample(pid);
        eprintln!("soak: {:>5} s {now:?}", began.elapsed().as_secs());
        if after_warm_up.is_none() && began.elapsed() >= warm_up {
            after_warm_up = Some(now);
        }
        samples.push(now);
    }
    stop.store(true, Ordering::Relaxed);
    let mut tally = Tally::default();
    for thread in running {
        let (t, (device, seen)) = thread.join().expect("the phone's thread ends");
        teams[t].0.push(device);
        tally.add(seen);
    }
    let under_load = *samples.last().expect("a sample");

    // No more faults: every phone syncs to the end, twice so each gets what the others
    // sent, and the check, team by team.
    proxy.set_faults(None);
    for (devices, project, _) in &mut teams {
        for _ in 0..2 {
            for device in devices.iter_mut() {
                device.settle(proxy.url()).expect("settled");
            }
        }
        let token = devices[0]
            .store()
            .setting("token")
            .expect("setting")
            .expect("a token");
        let counted = check::stream(&server, &token, *project, devices);
        tally.events += counted.events;
        tally.lost += counted.lost;
        tally.duplicated += counted.duplicated;
    }
    // The phones' connections are closed; the server closes its side as they go.
    std::thread::sleep(Duration::from_secs(2));
    let end = sample(pid);
    let after_warm_up = after_warm_up.unwrap_or(start);
    let database_kb: u64 = ["praxis.sqlite3", "praxis.sqlite3-wal"]
        .iter()
        .filter_map(|f| std::fs::metadata(data.join(f)).ok())
        .map(|m| m.len() / 1024)
        .sum();
    eprintln!(
        "soak: {minutes} min, {phones} phones\nidle at the start: {start:?}\nafter the warm-up: {after_warm_up:?}\nat the end under load: {under_load:?}\nidle at the end: {end:?}\ndatabase and its log: {database_kb} kB\n{}",
        tally.summary(&proxy)
    );
    eprintln!(
        "the heap from the warm-up to the end: {} to {} kB; the mapped database: {} to {} kB",
        after_warm_up.anon_kb, end.anon_kb, after_warm_up.file_kb, end.file_kb
    );
    let bound = (after_warm_up.rss_kb as f64 * MEMORY_FACTOR) as u64 + MEMORY_SLACK_KB;
    assert!(
        under_load.rss_kb <= bound && end.rss_kb <= bound,
        "the server's memory grew past {bound} kB"
    );
    assert!(
        end.sockets <= start.sockets,
        "the server holds connections nobody uses: {} sockets idle at the start, {} at the end",
        start.sockets,
        end.sockets
    );
    assert!(
        end.others <= after_warm_up.others + READ_CONNECTION_HANDLES,
        "the server's other handles grew from {} after the warm-up to {}",
        after_warm_up.others,
        end.others
    );
    assert!(
        tally.unexpected().is_empty(),
        "errors no fault explains: {:?}",
        tally.unexpected()
    );
    assert_eq!((tally.lost, tally.duplicated), (0, 0));
}
