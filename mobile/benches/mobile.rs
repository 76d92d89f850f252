//! The phone-facing API's costs, in encrypted stores:
//! - recording an observation through `PraxisStore` against recording the same event
//!   through the client core's `Store` directly (target: ≤ 10% more);
//! - opening an encrypted store whose project stream holds 20,000 events and reading
//!   the project's overview through `PraxisStore` (target: ≤ 100 ms).
//!
//! Recording is durable (an fsync per record), and an fsync's latency drifts with
//! whatever else uses the disk, so the ratio is also measured interleaved: one record
//! through each path in turn.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use praxis_core::domain::event::{Event, Observation, ObservationKind};
use praxis_core::store::StoreKey;
use praxis_mobile::{ObservationInput, PraxisStore};
use praxis_testkit::{Project, percentiles};
use std::hint::black_box;
use std::time::{Duration, Instant};
use time::macros::date;

/// Events in the stream opened for the overview.
const EVENTS: u64 = 20_000;
/// Events already in each stream before recording one more.
const EXISTING: u64 = 2_000;
/// Pairs of records in the interleaved comparison.
const INTERLEAVED: usize = 400;

const TEXT: &str = "Mr B's daughter joined the visit and the risk plan was agreed with both";

fn core_event() -> Event {
    Event::ObservationRecorded(Observation {
        kind: ObservationKind::Observation,
        cycle: None,
        subject: Some("P-0413".into()),
        observed_on: date!(2026 - 03 - 11),
        text: TEXT.into(),
    })
}

fn mobile_input() -> ObservationInput {
    ObservationInput {
        text: TEXT.into(),
        case_material: false,
        cycle_id: None,
        subject: Some("P-0413".into()),
        observed_on: Some("2026-03-11".into()),
    }
}

/// A project of `EXISTING` events through the client core, and another opened
/// through the phone-facing API (with the directory that holds it).
fn two_projects(key: &StoreKey) -> (Project, PraxisStore, tempfile::TempDir) {
    let mut core = Project::encrypted(key);
    core.grow_to(EXISTING, 1_000);
    let mut mobile = Project::encrypted(key);
    mobile.grow_to(EXISTING, 1_000);
    let Project {
        store, path, dir, ..
    } = mobile;
    drop(store);
    let device = PraxisStore::open_with_key(&path, key).expect("open through the mobile API");
    (core, device, dir)
}

fn recording(c: &mut Criterion) {
    let key = StoreKey::generate().expect("a key");
    let (mut core, device, dir) = two_projects(&key);
    let stream = core.stream;
    let project_id = device.projects().expect("projects")[0].id.clone();

    let mut group = c.benchmark_group("record an observation (encrypted store)");
    group
        .sample_size(50)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    let event = core_event();
    group.bench_function("client-core Store::record", |b| {
        b.iter(|| black_box(core.store.record(stream, event.clone()).expect("record")))
    });
    let input = mobile_input();
    group.bench_function("mobile PraxisStore::record_observation", |b| {
        b.iter(|| {
            black_box(
                device
                    .record_observation(project_id.clone(), input.clone())
                    .expect("record"),
            )
        })
    });
    group.finish();

    let mut through_core = Vec::with_capacity(INTERLEAVED);
    let mut through_mobile = Vec::with_capacity(INTERLEAVED);
    for _ in 0..INTERLEAVED {
        let start = Instant::now();
        black_box(core.store.record(stream, core_event()).expect("record"));
        through_core.push(start.elapsed());
        let start = Instant::now();
        black_box(
            device
                .record_observation(project_id.clone(), mobile_input())
                .expect("record"),
        );
        through_mobile.push(start.elapsed());
    }
    let [core_median, ..] = percentiles(&mut through_core);
    let [mobile_median, ..] = percentiles(&mut through_mobile);
    let more = mobile_median.as_secs_f64() / core_median.as_secs_f64() - 1.0;
    println!();
    println!(
        "Recording, interleaved ({INTERLEAVED} each): client-core median {core_median:.1?}, mobile API median {mobile_median:.1?}: {:+.1}%; target ≤ +10%: {}",
        more * 100.0,
        if more <= 0.10 { "met" } else { "MISSED" }
    );
    println!();
    drop(device);
    drop(dir);
}

fn open_and_overview(c: &mut Criterion) {
    let key = StoreKey::generate().expect("a key");
    let started = Instant::now();
    let mut project = Project::encrypted(&key);
    project.plan_cycles(300);
    project.grow_to(EVENTS, 2_000);
    assert_eq!(project.events(), EVENTS);
    println!(
        "Built an encrypted project stream of {EVENTS} events in {:.1?}",
        started.elapsed()
    );
    let Project {
        store,
        stream,
        path,
        dir,
        ..
    } = project;
    drop(store);
    let project_id = stream.0.to_string();

    let mut group = c.benchmark_group("open");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    let mut times = Vec::new();
    let mut shown = None;
    group.bench_function(
        "PraxisStore::open_with_key + overview, 20,000 events, encrypted",
        |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                let mut opened = Vec::with_capacity(iters as usize);
                for _ in 0..iters {
                    let start = Instant::now();
                    let device = PraxisStore::open_with_key(&path, &key).expect("open");
                    let overview = device.overview(project_id.clone()).expect("overview");
                    let took = start.elapsed();
                    shown = Some(black_box(overview));
                    // Closing is not timed.
                    opened.push(device);
                    times.push(took);
                    total += took;
                }
                total
            })
        },
    );
    group.finish();
    let [median, p90, _] = percentiles(&mut times);
    if let Some(o) = shown {
        println!();
        println!(
            "Open (encrypted) + overview: median {median:.1?} (p90 {p90:.1?}) for {} events, {} measures, {} cycles; target ≤ 100 ms: {}",
            o.events,
            o.measures.len(),
            o.cycles.len(),
            if median <= Duration::from_millis(100) {
                "met"
            } else {
                "MISSED"
            }
        );
        println!();
    }
    drop(dir);
}

criterion_group!(benches, recording, open_and_overview);
criterion_main!(benches);
