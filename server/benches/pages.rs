//! Web pages: server time to render the collaborative's dashboard and a measure page,
//! through the real router (session cookie, access check, views, HTML) with
//! `tower::ServiceExt::oneshot`, no network.
//!
//! The collaborative: 20 teams, each with a project of 8 measures and 2 years of
//! weekly data (104 points each, with a shift half way), 12 cycles that went through
//! Plan, Do, Study and Act, and 24 monthly reports each scored by the coordinator. The
//! data are recorded on the coordinator's device and synced to the server through
//! `Storage::sync`, as a phone's would be (not timed).
//!
//! Also the monthly board report (every team's report, small charts, cycles and
//! decisions) and its PDF, printed by headless Chromium (`chromium` on the `PATH`).
//!
//! Also the team project page as the coordinator sees it, each report's month's
//! suggested score worked out beside its score form.
//!
//! Targets: dashboard ≤ 200 ms, measure page ≤ 50 ms, board report ≤ 300 ms, its PDF
//! ≤ 3 s.
//!
//! `cargo bench -p praxis-server --bench pages`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use criterion::{Criterion, SamplingMode, criterion_group, criterion_main};
use praxis_core::domain::event::*;
use praxis_core::domain::ids::StreamId;
use praxis_core::domain::role::Role;
use praxis_core::store::Store;
use praxis_server::app::router;
use praxis_server::auth::{new_token, token_hash};
use praxis_server::state::AppState;
use praxis_server::storage::{SqliteStorage, Storage, Views};
use std::hint::black_box;
use std::time::Duration;
use support::{enrolled, founded, phone, sync};
use tower::ServiceExt;

const TEAMS: usize = 20;
const MEASURES: usize = 8;
const WEEKS: usize = 104;
const CYCLES: usize = 12;
const MONTHS: usize = 24;

fn day(d: time::Date, days: i64) -> time::Date {
    d.checked_add(time::Duration::days(days)).unwrap()
}

/// The project of team `t`: measures, their weekly series, cycles and reports.
fn project_events(
    collaborative: StreamId,
    team: &str,
) -> (ProjectStarted, impl FnOnce(&mut Store, StreamId)) {
    let started = ProjectStarted {
        collaborative,
        team: team.to_string(),
        organisation: "Northshire County Council".into(),
        title: format!("Positive risk ({team})"),
    };
    let today = time::OffsetDateTime::now_utc().date();
    let first_week = day(today, -7 * WEEKS as i64);
    let record = move |store: &mut Store, stream: StreamId| {
        for m in 0..MEASURES {
            let measure = store
                .record(
                    stream,
                    Event::MeasureDefined(MeasureDefinition {
                        name: format!("Measure {m}"),
                        kind: MeasureKind::Outcome,
                        operational_definition: "Assessments with a plan agreed".into(),
                        unit: MeasureUnit::Unit("plans".into()),
                        direction: Direction::HigherIsBetter,
                        target: Some(30.0),
                        frequency: Frequency::Weekly,
                    }),
                )
                .unwrap()
                .id;
            let events = (0..WEEKS)
                .map(|w| {
                    let start = day(first_week, 7 * w as i64);
                    let base = if w < WEEKS / 2 { 20.0 } else { 28.0 };
                    let wobble = ((w * 7 + m * 3) % 11) as f64 - 5.0;
                    Event::MeasurementRecorded(Measurement {
                        measure,
                        period_start: start,
                        period_end: day(start, 6),
                        value: MeasurementValue::Value(base + wobble),
                        note: String::new(),
                    })
                })
                .collect();
            store.record_all(stream, events).unwrap();
        }
        let mut previous = None;
        for c in 0..CYCLES {
            let when = day(first_week, 56 * c as i64);
            let cycle = store
                .record(
                    stream,
                    Event::CyclePlanned(Plan {
                        change_idea: None,
                        follows: previous,
                        scale: TestScale::VerySmall,
                        objective: format!("Test {c} of the guide"),
                        predictions: vec![Prediction {
                            question: "Will people take part?".into(),
                            prediction: "Yes".into(),
                            reason: "It starts from what matters to them".into(),
                        }],
                        who: "A. Lee".into(),
                        what: "Use the guide".into(),
                        where_: "Home visits".into(),
                        when,
                        data_to_collect: "Whether a plan was agreed".into(),
                    }),
                )
                .unwrap()
                .id;
            store
                .record_all(
                    stream,
                    vec![
                        Event::CycleDone {
                            cycle,
                            done: Do {
                                carried_out_on: day(when, 1),
                                carried_out_by: "A. Lee".into(),
                                observations: "Both engaged".into(),
                                problems: String::new(),
                                surprises: String::new(),
                                data_gathered: "2 of 2".into(),
                            },
                        },
                        Event::CycleStudied {
                            cycle,
                            study: Study {
                                analysis: "Both agreed a plan".into(),
                                compared_with_predictions: "As predicted".into(),
                                learning: "The guide helps".into(),
                            },
                        },
                        Event::CycleActed {
                            cycle,
                            replaces: Vec::new(),
                            act: Act {
                                decision: Decision::Adopt,
                                reasons: "Worked on both visits".into(),
                                changes: "Use it on every first visit".into(),
                                next_step: "A wider test".into(),
                            },
                        },
                    ],
                )
                .unwrap();
            previous = Some(cycle);
        }
        let mut m = first_week.replace_day(1).unwrap();
        for _ in 0..MONTHS {
            // The first of each month in turn (a step of 30 days can land twice in one).
            m = day(m.replace_day(28).unwrap(), 4).replace_day(1).unwrap();
            let report = store
                .record(
                    stream,
                    Event::MonthlyReportSubmitted(MonthlyReport {
                        month: m,
                        measures: "All eight charted".into(),
                        cycles: "One cycle".into(),
                        learning: "Start from what matters".into(),
                        barriers: String::new(),
                        plans: "Keep going".into(),
                        self_score: Score(30),
                    }),
                )
                .unwrap()
                .id;
            store
                .record(
                    stream,
                    Event::CoordinatorScoreGiven {
                        report,
                        score: Score(25),
                        justification: "Changes tested".into(),
                    },
                )
                .unwrap();
        }
    };
    (started, record)
}

struct World {
    _dir: tempfile::TempDir,
    state: AppState,
    cookie: String,
    collaborative: StreamId,
    measure: praxis_core::domain::ids::EventId,
    /// The first team's project.
    project: StreamId,
}

fn world() -> World {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let storage = SqliteStorage::open(&dir.path().join("data")).unwrap();
    let collaborative = founded(&storage);
    let (device, _) = enrolled(
        &storage,
        "coordinator",
        "Sam Okafor",
        Role::Coordinator,
        Scope::Collaborative(collaborative),
    );
    let coordinator = device.person;
    let phone_at = dir.path().join("phone.sqlite3");
    let mut phone = phone(&phone_at, &storage, &device, "Sam Okafor", collaborative);
    let mut measure = None;
    let mut project = None;
    for t in 0..TEAMS {
        let team = format!("Team {t:02}");
        storage
            .add_team(collaborative, &team, "Northshire County Council")
            .unwrap();
        let (started, record) = project_events(collaborative, &team);
        let stream = phone.start_project(started).unwrap().stream;
        record(&mut phone, stream);
        sync(&mut phone, &storage, &device, stream);
        if measure.is_none() {
            measure = Some(storage.project_detail(stream).unwrap().overview.measures[0].id);
            project = Some(stream);
        }
    }
    let session = new_token().unwrap();
    storage
        .start_session(coordinator, &token_hash(&session), "csrf", 12)
        .unwrap();
    World {
        _dir: dir,
        state: AppState::new(Box::new(storage), 30),
        cookie: format!("praxis_session={session}"),
        collaborative,
        measure: measure.unwrap(),
        project: project.unwrap(),
    }
}

fn page(rt: &tokio::runtime::Runtime, world: &World, path: &str) -> usize {
    let request = Request::get(path)
        .header("cookie", &world.cookie)
        .body(Body::empty())
        .unwrap();
    let response = rt
        .block_on(router(world.state.clone()).oneshot(request))
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let body = rt
        .block_on(axum::body::to_bytes(response.into_body(), 64 * 1024 * 1024))
        .unwrap();
    body.len()
}

fn pages(c: &mut Criterion) {
    let world = world();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dashboard = format!("/collaboratives/{}", world.collaborative);
    let measure = format!("/measures/{}", world.measure);
    // The pages show what was recorded: every team, and every point of the measure.
    let html = {
        let request = Request::get(&dashboard)
            .header("cookie", &world.cookie)
            .body(Body::empty())
            .unwrap();
        let response = rt
            .block_on(router(world.state.clone()).oneshot(request))
            .unwrap();
        let bytes = rt
            .block_on(axum::body::to_bytes(response.into_body(), 64 * 1024 * 1024))
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    };
    assert_eq!(html.matches("<tr data-team=").count(), TEAMS);

    let mut group = c.benchmark_group("pages");
    group
        .sample_size(20)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("dashboard: 20 teams × 8 measures × 104 weeks", |b| {
        b.iter(|| black_box(page(&rt, &world, &dashboard)))
    });
    group.bench_function("measure page: 104 weekly points", |b| {
        b.iter(|| black_box(page(&rt, &world, &measure)))
    });
    // The coordinator's view of a team: every report with the level its month's
    // evidence suggests beside the score form.
    let project = format!("/projects/{}", world.project);
    group.bench_function(
        "project page: 24 reports, each with its suggested score",
        |b| b.iter(|| black_box(page(&rt, &world, &project))),
    );
    let report = format!("/collaboratives/{}/report", world.collaborative);
    group.bench_function("board report: 20 teams, 160 small charts", |b| {
        b.iter(|| black_box(page(&rt, &world, &report)))
    });
    group.finish();
    let mut group = c.benchmark_group("pdf");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .measurement_time(Duration::from_secs(30));
    let pdf = format!("/collaboratives/{}/report.pdf", world.collaborative);
    group.bench_function("board report as a PDF", |b| {
        b.iter(|| black_box(page(&rt, &world, &pdf)))
    });
    group.finish();
}

criterion_group!(benches, pages);
criterion_main!(benches);
