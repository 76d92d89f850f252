//! The auditor, end to end against a real server: practitioners record offline and
//! sync late, a coordinator and a manager decide, and an auditor reconstructs what the
//! manager saw when deciding; the timeline, views as they stood, the integrity check,
//! the bundle and the access log; and an auditor can record nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::audit::bundle;
use praxis_core::domain::event::*;
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::role::Role;
use praxis_core::store::{Store, queries};
use praxis_server::storage::{Storage, Views};
use praxis_testkit::records::{cycle_observation as observation, cycle_plan};
use praxis_testkit::server::{Phone, TestServer, running, start_project};
use serde_json::Value;
use time::macros::date;

fn plan() -> Plan {
    cycle_plan("Try a risk conversation guide on two visits")
}

fn measure() -> MeasureDefinition {
    MeasureDefinition {
        name: "Plans agreed".into(),
        kind: MeasureKind::Outcome,
        operational_definition: "Assessments with a positive risk plan agreed".into(),
        unit: MeasureUnit::Ratio {
            numerator: "with a plan".into(),
            denominator: "assessments".into(),
        },
        direction: Direction::HigherIsBetter,
        target: Some(75.0),
        frequency: Frequency::Weekly,
    }
}

fn measurement(measure: EventId, week: i64, numerator: f64) -> Event {
    let start = date!(2026 - 09 - 07) + time::Duration::weeks(week);
    Event::MeasurementRecorded(Measurement {
        measure,
        period_start: start,
        period_end: start + time::Duration::days(6),
        value: MeasurementValue::Ratio {
            numerator,
            denominator: 10.0,
        },
        note: String::new(),
    })
}

fn overview(store: &Store, project: StreamId) -> Value {
    serde_json::to_value(queries::project_overview(store.connection(), project).unwrap()).unwrap()
}

fn events_of<'a>(entries: &'a [Value], kind: &str) -> Vec<&'a Value> {
    entries
        .iter()
        .filter(|e| e["entry"] == "event" && e["kind"] == kind)
        .collect()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| e["event_id"].as_str().unwrap().to_string())
        .collect()
}

struct Scenario {
    _dir: tempfile::TempDir,
    server: TestServer,
    collaborative: StreamId,
    project: StreamId,
    report: EventId,
    cycle: EventId,
    measure: EventId,
    decision: EventId,
    score: EventId,
    late: Vec<EventId>,
    /// The manager's phone's overview just before deciding.
    manager_saw: Value,
    /// The manager's phone's overview just after its decision reached the server.
    after_decision: Value,
    auditor: Phone,
    asha: Phone,
}

/// Asha records and syncs; Ben records offline and stays out of signal; the
/// coordinator scores Asha's monthly report; the manager decides on what has reached
/// the office; then Ben syncs, late; the auditor syncs.
fn scenario() -> Scenario {
    let setup = running();
    let mut asha = setup.enrol("practitioner-north");
    let mut ben = setup.enrol("practitioner2-north");
    let mut coordinator = setup.enrol("coordinator-north");
    let mut manager = setup.enrol("senior-manager-north");
    let mut auditor = setup.enrol("auditor-north");

    asha.sync();
    let project = start_project(&mut asha.store, setup.fixture.collaborative, "Northside");
    let measure = asha
        .store
        .record(project, Event::MeasureDefined(measure()))
        .unwrap()
        .id;
    let mut measurements = Vec::new();
    for week in 0..3 {
        measurements.push(
            asha.store
                .record(project, measurement(measure, week, 2.0 + week as f64))
                .unwrap()
                .id,
        );
    }
    let cycle = asha
        .store
        .record(project, Event::CyclePlanned(plan()))
        .unwrap()
        .id;
    asha.store
        .record(
            project,
            Event::CycleDone {
                cycle,
                done: Do {
                    carried_out_on: date!(2026 - 11 - 03),
                    carried_out_by: "A. Lee".into(),
                    observations: "Both engaged".into(),
                    problems: "None".into(),
                    surprises: "A daughter joined in".into(),
                    data_gathered: "2 of 2 plans agreed".into(),
                },
            },
        )
        .unwrap();
    let report = asha
        .store
        .record(
            project,
            Event::MonthlyReportSubmitted(MonthlyReport {
                month: date!(2026 - 10 - 01),
                measures: "Plans agreed rising".into(),
                cycles: "One very small test".into(),
                learning: "The guide helps".into(),
                barriers: "Time".into(),
                plans: "Five visits next".into(),
                self_score: Score(25),
            }),
        )
        .unwrap()
        .id;
    assert!(asha.sync().iter().all(|r| r.synced()));

    // Ben takes the project with him and records in the field, out of signal.
    ben.sync();
    let late = vec![
        ben.store
            .record(project, measurement(measure, 3, 1.0))
            .unwrap()
            .id,
        ben.store
            .record(
                project,
                observation("The daughter withdrew her support", Some(cycle)),
            )
            .unwrap()
            .id,
    ];

    coordinator.sync();
    let score = coordinator
        .store
        .record(
            project,
            Event::CoordinatorScoreGiven {
                report,
                score: Score(20),
                justification: "Activity, but no change tested at scale yet".into(),
            },
        )
        .unwrap()
        .id;
    assert!(coordinator.sync().iter().all(|r| r.synced()));

    manager.sync();
    let manager_saw = overview(&manager.store, project);
    let decision = manager
        .store
        .record(
            project,
            Event::ManagerDecisionRecorded {
                decision: "Fund the guide for every Northside assessment".into(),
                rationale: "Plans agreed rose three weeks running".into(),
                rests_on: measurements.clone(),
            },
        )
        .unwrap()
        .id;
    assert!(manager.sync().iter().all(|r| r.synced()));
    let after_decision = overview(&manager.store, project);

    // Back in signal, days later.
    assert!(ben.sync().iter().all(|r| r.synced()));
    auditor.sync();
    Scenario {
        _dir: setup.dir,
        server: setup.server,
        collaborative: setup.fixture.collaborative,
        project,
        report,
        cycle,
        measure,
        decision,
        score,
        late,
        manager_saw,
        after_decision,
        auditor,
        asha,
    }
}

#[test]
fn an_auditor_reconstructs_what_the_manager_saw_when_deciding() {
    let s = scenario();
    let token = &s.auditor.token;
    let context = s
        .server
        .get_json(&format!("/api/v1/audit/decisions/{}", s.decision), token);
    let d = &context["decision"];
    assert_eq!(d["kind"], "manager-decision-recorded");
    assert_eq!(d["is_decision"], true);
    assert_eq!(d["author"]["username"], "senior-manager-north");
    // What the manager's phone held is exactly what the decision's change depends on.
    assert_eq!(
        context["view_as_seen"], s.manager_saw,
        "the project as the manager saw it"
    );
    let seen = ids(&context["seen"]);
    assert!(
        seen.contains(&s.score.to_string()),
        "the coordinator's score"
    );
    for late in &s.late {
        assert!(!seen.contains(&late.to_string()));
    }
    let not_seen = context["not_seen"].as_array().unwrap();
    let not_seen_ids = ids(&context["not_seen"]);
    for late in &s.late {
        assert!(not_seen_ids.contains(&late.to_string()), "{not_seen:#?}");
    }
    assert!(not_seen.iter().all(|e| {
        e["why_not_seen"] == "recorded on another device before the decision, not yet at the office"
    }));
    assert!(
        context["rests_on"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["had_seen"] == true)
    );

    // The decisions of the stream, and the coordinator's in its own context.
    let decisions = s.server.get_json(
        &format!("/api/v1/audit/streams/{}/decisions", s.project),
        token,
    );
    let listed = ids(&decisions["decisions"]);
    assert_eq!(listed, vec![s.score.to_string(), s.decision.to_string()]);
    let scored = s
        .server
        .get_json(&format!("/api/v1/audit/decisions/{}", s.score), token);
    assert!(!ids(&scored["seen"]).contains(&s.decision.to_string()));
}

#[test]
fn views_as_they_stood_are_the_servers_knowledge_at_that_point() {
    let s = scenario();
    let token = &s.auditor.token;
    let path = format!("/api/v1/audit/streams/{}/as-it-stood", s.project);
    // Just after the decision reached the office: what the manager's phone held then.
    let after = s
        .server
        .get_json(&format!("{path}?after={}", s.decision), token);
    assert_eq!(after["point"]["point"], "after");
    assert_eq!(after["as_it_stood"], s.after_decision);
    // Now: what every phone holds after syncing.
    let now = s.server.get_json(&format!("{path}?at=2100-01-01"), token);
    assert_eq!(now["as_it_stood"], overview(&s.auditor.store, s.project));
    assert_eq!(
        now["events"].as_u64().unwrap(),
        after["events"].as_u64().unwrap() + s.late.len() as u64
    );
    // Before anything: nothing.
    let before = s
        .server
        .get_json(&format!("{path}?at=2000-01-01T00:00:00Z"), token);
    assert_eq!(before["events"], 0);
    // The measure's chart as it stood just after the decision, with its rules read.
    let chart = s.server.get_json(
        &format!("{path}?after={}&view=measure&id={}", s.decision, s.measure),
        token,
    );
    assert_eq!(
        chart["as_it_stood"]["series"]["points"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert!(chart["as_it_stood"]["run_chart"].is_object());
    let cycle = s.server.get_json(
        &format!("{path}?at=2100-01-01&view=cycle&id={}", s.cycle),
        token,
    );
    assert_eq!(
        cycle["as_it_stood"]["observations"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "Ben's observation, now that it has arrived"
    );
    // The collaborative's dashboard as it stood: Northside's line (the team this
    // auditor audits) before the coordinator's score reached the office, and after.
    let dashboard = |point: &str| {
        s.server.get_json(
            &format!(
                "/api/v1/audit/streams/{}/as-it-stood?view=dashboard&{point}",
                s.collaborative
            ),
            token,
        )
    };
    let line = |d: &Value| {
        let teams = d["as_it_stood"]["teams"].as_array().unwrap().clone();
        assert_eq!(teams.len(), 1, "{d}");
        teams[0].clone()
    };
    let live = s.server.get_json(
        &format!("/api/v1/collaboratives/{}/dashboard", s.collaborative),
        token,
    );
    let live_line = live["teams"][0].clone();
    assert!(live_line["coordinator_score"].is_number(), "{live}");
    let reported = line(&dashboard(&format!("after={}", s.report)));
    assert_eq!(reported["self_score"], live_line["self_score"]);
    assert!(reported["coordinator_score"].is_null(), "{reported}");
    assert!(reported["gap_tenths"].is_null());
    let scored = dashboard(&format!("after={}", s.score));
    assert_eq!(scored["point"]["point"], "after");
    let scored_line = line(&scored);
    assert_eq!(
        scored_line["coordinator_score"],
        live_line["coordinator_score"]
    );
    assert_eq!(scored_line["gap_tenths"], -5);
    // Now, it is the live dashboard, read on another day.
    let now = dashboard("at=2100-01-01");
    assert_eq!(now["as_it_stood"]["today"], "2100-01-01");
    let mut now_line = line(&now);
    let mut live_line = live_line.clone();
    for by_date in ["cycles_per_month", "report_due", "reports_late"] {
        now_line[by_date].take();
        live_line[by_date].take();
    }
    assert_eq!(now_line, live_line);
    // Before the collaborative reached the server there was no dashboard.
    let unfounded = s.server.get(
        &format!(
            "/api/v1/audit/streams/{}/as-it-stood?view=dashboard&at=2000-01-01",
            s.collaborative
        ),
        token,
    );
    assert_eq!(unfounded.status(), 404);
    assert!(
        unfounded
            .text()
            .unwrap()
            .contains("not yet a founded collaborative")
    );
    // A project's stream has no dashboard.
    let wrong = s
        .server
        .get(&format!("{path}?view=dashboard&at=2100-01-01"), token);
    assert_eq!(wrong.status(), 400);
    assert!(
        wrong
            .text()
            .unwrap()
            .contains("is of a collaborative's stream")
    );

    // Bad points are refused with what to give.
    let bad = s.server.get(&format!("{path}?at=yesterday"), token);
    assert_eq!(bad.status(), 400);
    assert!(bad.text().unwrap().contains("give a date"));
    let both = s
        .server
        .get(&format!("{path}?at=2100-01-01&after={}", s.decision), token);
    assert_eq!(both.status(), 400);
}

/// The heads of a stream's document in a store, as its sync messages announce them.
fn heads(store: &mut Store, stream: StreamId) -> Vec<automerge::ChangeHash> {
    let hello = store
        .generate_sync_message(stream, &mut automerge::sync::State::new())
        .unwrap()
        .unwrap();
    automerge::sync::Message::decode(&hello.bytes)
        .unwrap()
        .heads
}

mod timeline;
