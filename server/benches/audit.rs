//! Audit through the server: a project as it stood, on a 100,000-event stream, as an
//! auditor asks for it (`GET /api/v1/audit/streams/{id}/as-it-stood`) through the real
//! router with `tower::ServiceExt::oneshot`, no network. That reads the stream's
//! events and its receipt log, keeps what had reached the server by the point, folds
//! it and shapes the overview, writes the read to the access log, and answers with
//! the JSON body (timed until the body's last byte; it is parsed only outside the
//! timing, to check what it says). It runs with the server binary's allocator.
//!
//! The project is recorded on a practitioner's phone (the mix of the core's benches:
//! measurements, observations and PDSA cycles) and reaches the server through
//! `Storage::sync` in ten syncs of 10,000 events, as a phone's would (not timed), so
//! the receipt log has ten moments to stand at.
//!
//! Target: ≤ 1 s. `cargo bench -p praxis-server --bench audit`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use praxis_core::domain::event::*;
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::role::Role;
use praxis_server::app::router;
use praxis_server::state::AppState;
use praxis_server::storage::{SqliteStorage, Storage, Views};
use praxis_testkit::Generator;
use std::hint::black_box;
use std::time::{Duration, Instant};
use support::{enrolled, founded, phone, sync};
use tower::ServiceExt;

const EVENTS: usize = 100_000;
const PER_SYNC: usize = 10_000;
const BATCH: usize = 1_000;
const TEAM: &str = "Northside adult team";

struct World {
    _dir: tempfile::TempDir,
    state: AppState,
    auditor: String,
    project: StreamId,
    /// The last event of the fifth sync: half the stream had reached the server.
    half_way: EventId,
}

fn world() -> World {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let storage = SqliteStorage::open(&dir.path().join("data")).unwrap();
    let collaborative = founded(&storage);
    let team = storage
        .add_team(collaborative, TEAM, "Northshire County Council")
        .unwrap();
    let (device, _) = enrolled(
        &storage,
        "asha",
        "Asha",
        Role::Practitioner,
        Scope::Team(team),
    );
    let (_, auditor) = enrolled(
        &storage,
        "irene",
        "Irene",
        Role::Auditor,
        Scope::Collaborative(collaborative),
    );
    let phone_at = dir.path().join("phone.sqlite3");
    let mut phone = phone(&phone_at, &storage, &device, "Asha", collaborative);
    let project = phone
        .start_project(ProjectStarted {
            collaborative,
            team: TEAM.into(),
            organisation: "Northshire County Council".into(),
            title: "Positive risk-taking in home visits".into(),
        })
        .unwrap()
        .stream;
    let measures = phone
        .record_all(
            project,
            vec![
                Event::MeasureDefined(praxis_testkit::ratio_measure()),
                Event::MeasureDefined(praxis_testkit::unit_measure()),
            ],
        )
        .unwrap();
    let mut generator = Generator::new(measures[0].id, measures[1].id);
    // The project's start and its two measures, then batches to round numbers, with
    // a sync at every `PER_SYNC`.
    let mut recorded = 3;
    let mut half_way = None;
    while recorded < EVENTS {
        let n = (BATCH - recorded % BATCH).min(EVENTS - recorded);
        let events = phone.record_all(project, generator.batch(n)).unwrap();
        generator.learn(&events);
        recorded += n;
        if recorded == EVENTS / 2 {
            half_way = events.last().map(|e| e.id);
        }
        if recorded % PER_SYNC == 0 || recorded == EVENTS {
            sync(&mut phone, &storage, &device, project);
        }
    }
    assert_eq!(storage.events(project).unwrap().len(), EVENTS);
    World {
        _dir: dir,
        state: AppState::new(Box::new(storage), 30),
        auditor,
        project,
        half_way: half_way.expect("half way is at the end of a sync"),
    }
}

/// The as-it-stood answer's body, as the auditor's client receives it.
fn as_it_stood(rt: &tokio::runtime::Runtime, world: &World, point: &str) -> axum::body::Bytes {
    let request = Request::get(format!(
        "/api/v1/audit/streams/{}/as-it-stood?{point}",
        world.project
    ))
    .header("authorization", format!("Bearer {}", world.auditor))
    .body(Body::empty())
    .unwrap();
    let response = rt
        .block_on(router(world.state.clone()).oneshot(request))
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{point}");
    rt.block_on(axum::body::to_bytes(
        response.into_body(),
        256 * 1024 * 1024,
    ))
    .unwrap()
}

/// How many events the answer says were held.
fn held(body: &[u8]) -> serde_json::Value {
    serde_json::from_slice::<serde_json::Value>(body).unwrap()["events"].clone()
}

fn audit(c: &mut Criterion) {
    let started = Instant::now();
    let world = world();
    println!(
        "Recorded {EVENTS} events on a phone and synced them to the server in {:.1?}",
        started.elapsed()
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let now = "at=2100-01-01";
    let half = format!("after={}", world.half_way);
    // What is timed holds what was recorded: every event now, half of them half way.
    let whole = as_it_stood(&rt, &world, now);
    assert_eq!(held(&whole), EVENTS);
    assert_eq!(held(&as_it_stood(&rt, &world, &half)), EVENTS / 2);
    println!("The answer now is {} bytes of JSON", whole.len());

    let mut group = c.benchmark_group("audit through the server");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
    group.bench_function("project as it stood now (100,000 events)", |b| {
        b.iter(|| black_box(as_it_stood(&rt, &world, now)))
    });
    group.bench_function(
        "project as it stood half way (50,000 of 100,000 events)",
        |b| b.iter(|| black_box(as_it_stood(&rt, &world, &half))),
    );
    group.finish();
}

criterion_group!(benches, audit);
criterion_main!(benches);
