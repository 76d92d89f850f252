//! Recording: one event made durable through `Store::record`, against a bare SQLite
//! insert of the same bytes with the same pragmas (the floor set by the disk), and a
//! bulk import through `Store::record_all`. An observation is sealed as it is
//! recorded: the sealing alone (its person's key found, the content sealed) is timed
//! apart (`Store::seal`), for observations about one of a caseload of 30 people.
//!
//! Targets: recording one event, median ≤ 2 ms and within 3× the bare insert; bulk
//! import ≥ 20,000 events/s.
//!
//! Besides criterion's figures, each part prints the median of the individual calls.
//! Because an fsync's latency drifts with whatever else uses the disk, the ratio to
//! the bare insert is also measured interleaved: one recording, one bare insert,
//! and so on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{BatchSize, Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use praxis_core::store::queries;
use praxis_testkit::{Project, percentiles, tempdir};
use rusqlite::Connection;
use std::hint::black_box;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// Events already in the project's stream before recording one more.
const EXISTING: u64 = 3_000;
/// Events in one bulk import.
const IMPORT: usize = 10_000;
/// Cycles planned before an import, so its Do, Study and Act steps have cycles to act on.
const PLANNED_BEFORE_IMPORT: usize = 700;
/// Pairs of calls in the interleaved comparison.
const INTERLEAVED: usize = 1_000;

fn project_with_history() -> Project {
    let mut project = Project::new();
    project.grow_to(EXISTING, 1_000);
    project
}

/// A table of encoded events in a WAL database with the store's pragmas, one
/// transaction per insert.
struct Bare {
    conn: Connection,
    _dir: TempDir,
}

impl Bare {
    fn new(bytes: &[u8]) -> Bare {
        let dir = tempdir();
        let mut conn = Connection::open(dir.path().join("bare.sqlite3")).expect("open");
        conn.pragma_update(None, "journal_mode", "WAL")
            .expect("journal_mode");
        conn.pragma_update(None, "synchronous", "FULL")
            .expect("synchronous");
        conn.execute_batch(
            "CREATE TABLE events (seq INTEGER PRIMARY KEY, bytes BLOB NOT NULL) STRICT;",
        )
        .expect("create the table");
        let tx = conn.transaction().expect("begin");
        for _ in 0..EXISTING {
            tx.execute("INSERT INTO events (bytes) VALUES (?1)", [bytes])
                .expect("insert");
        }
        tx.commit().expect("commit");
        Bare { conn, _dir: dir }
    }

    fn insert(&mut self, bytes: &[u8]) {
        let tx = self.conn.transaction().expect("begin");
        tx.prepare_cached("INSERT INTO events (bytes) VALUES (?1)")
            .expect("prepare")
            .execute([bytes])
            .expect("insert");
        tx.commit().expect("commit");
    }
}

/// Times each call of `record` on its own (making its input is not timed); criterion
/// gets the sum.
fn time_each<T>(
    times: &mut Vec<Duration>,
    iters: u64,
    mut make: impl FnMut() -> T,
    mut record: impl FnMut(T),
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let input = make();
        let start = Instant::now();
        record(input);
        let took = start.elapsed();
        times.push(took);
        total += took;
    }
    total
}

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn line(what: &str, times: &mut [Duration]) -> Duration {
    let calls = times.len();
    let [median, p90, p99] = percentiles(times);
    println!(
        "  {what:<36} median {median:>9.1?}  p90 {p90:>9.1?}  p99 {p99:>9.1?}  ({calls} calls)"
    );
    median
}

fn verdict(what: &str, record: Duration, bare: Duration) {
    let ratio = record.as_secs_f64() / bare.as_secs_f64();
    println!(
        "  {what}: {ratio:.2}× the bare insert; target median ≤ 2 ms and ≤ 3×: {}",
        if record <= Duration::from_millis(2) && ratio <= 3.0 {
            "met"
        } else {
            "MISSED"
        }
    );
}

/// An observation about one of a practitioner's caseload of 30 people, in turn: each
/// person's key, once made, is used again.
fn about_one_of_30(
    generator: &mut praxis_testkit::Generator,
    count: &mut usize,
) -> praxis_core::domain::event::Event {
    match generator.observation() {
        praxis_core::domain::event::Event::ObservationRecorded(mut o) => {
            *count += 1;
            o.subject = Some(format!("C-{:02}", *count % 30));
            praxis_core::domain::event::Event::ObservationRecorded(o)
        }
        other => other,
    }
}

fn record_one_event(c: &mut Criterion) {
    let mut observation_times = Vec::new();
    let mut measurement_times = Vec::new();
    let mut bare_times = Vec::new();

    // The same encoded bytes the store keeps for an observation.
    let mut observations = project_with_history();
    let bytes = {
        let id = observations
            .store
            .record(observations.stream, observations.generator.observation())
            .expect("record an observation")
            .id;
        queries::event(observations.store.connection(), id)
            .expect("read the event")
            .expect("the event is there")
            .encode()
    };
    let mut measurements = project_with_history();
    // Observations about the few people of one practitioner's caseload: each person's
    // key, once made, is used again.
    let mut caseload = project_with_history();
    let mut caseload_times = Vec::new();
    let mut caseload_count = 0usize;
    let mut bare = Bare::new(&bytes);

    let mut group = c.benchmark_group("record one event durably");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("observation, Store::record", |b| {
        b.iter_custom(|iters| {
            let Project {
                store,
                stream,
                generator,
                ..
            } = &mut observations;
            time_each(
                &mut observation_times,
                iters,
                || generator.observation(),
                |event| {
                    black_box(store.record(*stream, event).expect("record"));
                },
            )
        })
    });
    group.bench_function(
        "observation about one of a caseload of 30, Store::record",
        |b| {
            b.iter_custom(|iters| {
                let Project {
                    store,
                    stream,
                    generator,
                    ..
                } = &mut caseload;
                time_each(
                    &mut caseload_times,
                    iters,
                    || about_one_of_30(generator, &mut caseload_count),
                    |event| {
                        black_box(store.record(*stream, event).expect("record"));
                    },
                )
            })
        },
    );
    // The sealing alone (the key found, the content sealed), as recording does it.
    let mut sealing_times = Vec::new();
    let mut sealed_count = 0usize;
    group.bench_function("sealing alone, one of a caseload of 30, Store::seal", |b| {
        b.iter_custom(|iters| {
            let Project {
                store,
                stream,
                generator,
                ..
            } = &mut caseload;
            time_each(
                &mut sealing_times,
                iters,
                || about_one_of_30(generator, &mut sealed_count),
                |event| {
                    black_box(store.seal(*stream, event).expect("seal"));
                },
            )
        })
    });
    group.bench_function("measurement, Store::record", |b| {
        b.iter_custom(|iters| {
            let Project {
                store,
                stream,
                generator,
                ..
            } = &mut measurements;
            time_each(
                &mut measurement_times,
                iters,
                || generator.ratio_measurement(),
                |event| {
                    black_box(store.record(*stream, event).expect("record"));
                },
            )
        })
    });
    group.bench_function("bare SQLite insert, same bytes and pragmas", |b| {
        b.iter_custom(|iters| time_each(&mut bare_times, iters, || (), |()| bare.insert(&bytes)))
    });
    group.finish();
    if observation_times.is_empty() || measurement_times.is_empty() || bare_times.is_empty() {
        // Filtered out.
        return;
    }

    println!();
    println!(
        "One event ({} bytes encoded), per call, into streams of {EXISTING} events and more:",
        bytes.len()
    );
    let bare_median = line("bare insert", &mut bare_times);
    let observation = line("record an observation", &mut observation_times);
    if !caseload_times.is_empty() {
        line("record one about a caseload of 30", &mut caseload_times);
    }
    if !sealing_times.is_empty() {
        line("of which sealing it", &mut sealing_times);
    }
    let measurement = line("record a measurement", &mut measurement_times);
    verdict("observation", observation, bare_median);
    verdict("measurement", measurement, bare_median);

    // Interleaved, so both see the same disk.
    let (mut record_times, mut bare_times) = (Vec::new(), Vec::new());
    for i in 0..INTERLEAVED {
        let project = if i % 2 == 0 {
            &mut observations
        } else {
            &mut measurements
        };
        let event = if i % 2 == 0 {
            project.generator.observation()
        } else {
            project.generator.ratio_measurement()
        };
        record_times.push(timed(|| {
            black_box(project.store.record(project.stream, event).expect("record"));
        }));
        bare_times.push(timed(|| bare.insert(&bytes)));
    }
    println!(
        "Interleaved, {INTERLEAVED} pairs (observations and measurements alternating, {} and {} events in the streams by the end):",
        observations.events(),
        measurements.events()
    );
    let bare_median = line("bare insert", &mut bare_times);
    let record = line("Store::record", &mut record_times);
    verdict("interleaved", record, bare_median);
    println!();
}

fn bulk_import(c: &mut Criterion) {
    let mut group = c.benchmark_group("bulk import");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(12))
        .throughput(Throughput::Elements(IMPORT as u64));
    let mut times = Vec::new();
    group.bench_function("record_all of 10,000 events into a new project", |b| {
        b.iter_batched(
            || {
                let mut project = Project::new();
                project.plan_cycles(PLANNED_BEFORE_IMPORT);
                let events = project.generator.batch(IMPORT);
                (project, events)
            },
            |(mut project, events)| {
                let start = Instant::now();
                let recorded = project
                    .store
                    .record_all(project.stream, events)
                    .expect("import");
                times.push(start.elapsed());
                assert_eq!(recorded.len(), IMPORT);
                // Closing the store (and the WAL checkpoint it makes) is not timed.
                (project, recorded)
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
    if times.is_empty() {
        return;
    }

    let calls = times.len();
    let [median, ..] = percentiles(&mut times);
    let rate = IMPORT as f64 / median.as_secs_f64();
    println!();
    println!(
        "Bulk import: median {median:.1?} per {IMPORT} events ({calls} imports) = {rate:.0} events/s; \
         target ≥ 20,000 events/s: {}",
        if rate >= 20_000.0 { "met" } else { "MISSED" }
    );
    println!();
}

criterion_group!(benches, record_one_event, bulk_import);
criterion_main!(benches);
