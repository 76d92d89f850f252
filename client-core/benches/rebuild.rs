//! Rebuilding a project's views from 100,000 events, and opening the store to show
//! the project's overview (which reads views only: it must not load the stream's
//! Automerge document).
//!
//! Target: rebuild ≥ 200,000 events/s.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use praxis_core::store::{Store, queries};
use praxis_testkit::{Project, percentiles};
use std::hint::black_box;
use std::time::{Duration, Instant};

const EVENTS: u64 = 100_000;
const BATCH: usize = 10_000;

fn rebuild_and_open(c: &mut Criterion) {
    let started = Instant::now();
    let mut project = Project::new();
    project.grow_to(EVENTS, BATCH);
    let events = project.events();
    assert_eq!(events, EVENTS);
    println!(
        "Built a project stream of {events} events in {:.1?}",
        started.elapsed()
    );

    let mut group = c.benchmark_group("rebuild");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20))
        .throughput(Throughput::Elements(events));
    let mut times = Vec::new();
    {
        let Project { store, stream, .. } = &mut project;
        group.bench_function("rebuild_views of 100,000 events", |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    let folded = store.rebuild_views(*stream).expect("rebuild");
                    let took = start.elapsed();
                    assert_eq!(folded as u64, events);
                    times.push(took);
                    total += took;
                }
                total
            })
        });
    }
    group.finish();
    if !times.is_empty() {
        let [median, ..] = percentiles(&mut times);
        let rate = events as f64 / median.as_secs_f64();
        println!();
        println!(
            "Rebuild: median {median:.1?} for {events} events = {rate:.0} events/s; target ≥ 200,000 events/s: {}",
            if rate >= 200_000.0 { "met" } else { "MISSED" }
        );
        println!();
    }

    // Close the store that built the stream, then open it afresh each time.
    let Project {
        store,
        stream,
        path,
        dir,
        ..
    } = project;
    drop(store);
    let mut group = c.benchmark_group("open");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4));
    let mut times = Vec::new();
    let mut overview = None;
    group.bench_function("Store::open + project_overview, 100,000 events", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut opened = Vec::with_capacity(iters as usize);
            for _ in 0..iters {
                let start = Instant::now();
                let store = Store::open(&path).expect("open");
                let view = queries::project_overview(store.connection(), stream).expect("overview");
                let took = start.elapsed();
                assert_eq!(
                    store.documents_loaded(),
                    0,
                    "the overview loaded a document"
                );
                overview = Some(black_box(view));
                // Closing is not timed.
                opened.push(store);
                times.push(took);
                total += took;
            }
            total
        })
    });
    group.finish();
    let [median, p90, _] = percentiles(&mut times);
    if let Some(o) = overview {
        println!();
        println!(
            "Open + overview: median {median:.1?} (p90 {p90:.1?}); the overview shows {} events, {} measures ({} measurements), {} cycles",
            o.events,
            o.measures.len(),
            o.measures.iter().map(|m| m.measurements).sum::<usize>(),
            o.cycles_by_stage.values().map(Vec::len).sum::<usize>(),
        );
        println!();
    }
    drop(dir);
}

criterion_group!(benches, rebuild_and_open);
criterion_main!(benches);
