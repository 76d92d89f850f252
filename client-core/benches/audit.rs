//! Audit on a 100,000-event project stream: reconstructing the project as it stood at
//! an instant (reading the events, keeping those up to the instant, folding them and
//! shaping the overview), and verifying an audit bundle of the stream.
//!
//! Targets: as it stood ≤ 1 s; verifying the bundle ≤ 2 s.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use praxis_core::audit::bundle::{self, StreamContent};
use praxis_core::domain::as_it_stood::StreamAsItStood;
use praxis_core::store::queries;
use praxis_testkit::{Project, percentiles, receipts_for};
use std::hint::black_box;
use std::time::{Duration, Instant};

const EVENTS: u64 = 100_000;
const BATCH: usize = 10_000;

fn timed(
    group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    mut run: impl FnMut(),
) -> Duration {
    let mut times = Vec::new();
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let start = Instant::now();
                run();
                let took = start.elapsed();
                times.push(took);
                total += took;
            }
            total
        })
    });
    let [median, ..] = percentiles(&mut times);
    median
}

fn audit(c: &mut Criterion) {
    let started = Instant::now();
    let mut project = Project::new();
    project.grow_to(EVENTS, BATCH);
    assert_eq!(project.events(), EVENTS);
    println!(
        "Built a project stream of {EVENTS} events in {:.1?}",
        started.elapsed()
    );
    let stream = project.stream;
    let all = queries::events(project.store.connection(), stream).unwrap();
    let last = all.last().unwrap().recorded_at.millis;
    let middle = all[all.len() / 2].recorded_at.millis;

    let mut group = c.benchmark_group("audit");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(15));
    let as_it_stood = |at: u64| {
        let conn = project.store.connection();
        move || {
            let events = queries::events(conn, stream).unwrap();
            let held: Vec<_> = events
                .iter()
                .filter(|e| e.recorded_at.millis <= at)
                .collect();
            let folded = StreamAsItStood::fold(stream, held);
            black_box(folded.project_overview());
        }
    };
    let end = timed(
        &mut group,
        "project as it stood at its last event (100,000 events)",
        as_it_stood(last),
    );
    let mid = timed(
        &mut group,
        "project as it stood half way (50,000 of 100,000 events)",
        as_it_stood(middle),
    );

    // The bundle: every change of the stream, with a receipt for each.
    let changes = project.store.changes_since(stream, &[]).unwrap();
    let receipts = receipts_for(&changes);
    let (bytes, _) = bundle::write(
        vec![StreamContent {
            stream,
            name: "Positive risk-taking".into(),
            kind: "project".into(),
            changes,
            receipts,
        }],
        "2026-03-10T17:40:00Z",
    )
    .unwrap();
    let verify = timed(&mut group, "verify a bundle of 100,000 events", || {
        let v = bundle::verify(&bytes).unwrap();
        assert!(v.intact());
        black_box(v);
    });
    group.finish();
    println!();
    println!("As it stood, 100,000 events: median {end:.1?} (target ≤ 1 s); 50,000: {mid:.1?}");
    println!(
        "Verify a bundle of 100,000 events ({:.1} MB): median {verify:.1?} (target ≤ 2 s)",
        bytes.len() as f64 / 1e6
    );
}

criterion_group!(benches, audit);
criterion_main!(benches);
