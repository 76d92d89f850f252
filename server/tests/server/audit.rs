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
use praxis_server::storage::{SqliteStorage, Storage};
use praxis_testkit::server::{Phone, TestServer, fixture, start_project};
use serde_json::Value;
use time::macros::date;

fn plan() -> Plan {
    Plan {
        change_idea: None,
        follows: None,
        scale: TestScale::VerySmall,
        objective: "Try a risk conversation guide on two visits".into(),
        predictions: vec![Prediction {
            question: "Will people take part?".into(),
            prediction: "Both will".into(),
            reason: "It starts from what matters to them".into(),
        }],
        who: "A. Lee".into(),
        what: "Use the guide".into(),
        where_: "Home visits".into(),
        when: date!(2026 - 11 - 02),
        data_to_collect: "Whether a plan was agreed".into(),
    }
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

fn observation(text: &str, cycle: Option<EventId>) -> Event {
    Event::ObservationRecorded(Observation {
        kind: ObservationKind::Observation,
        cycle,
        subject: Some("P-0413".into()),
        observed_on: date!(2026 - 11 - 20),
        text: text.into(),
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
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let fx = fixture(&data);
    let server = TestServer::start(&data);
    let mut asha = Phone::enrol(dir.path(), &server.url, "practitioner-north");
    let mut ben = Phone::enrol(dir.path(), &server.url, "practitioner2-north");
    let mut coordinator = Phone::enrol(dir.path(), &server.url, "coordinator-north");
    let mut manager = Phone::enrol(dir.path(), &server.url, "senior-manager-north");
    let mut auditor = Phone::enrol(dir.path(), &server.url, "auditor-north");

    asha.sync();
    let project = start_project(&mut asha.store, fx.collaborative, "Northside");
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
        _dir: dir,
        server,
        collaborative: fx.collaborative,
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

#[test]
fn the_timeline_shows_who_recorded_what_when_it_reached_the_office_and_who_read_it() {
    let s = scenario();
    let token = &s.auditor.token;
    // Asha reads the cycle: the read is in the access log.
    s.server
        .get_json(&format!("/api/v1/cycles/{}", s.cycle), &s.asha.token);
    let timeline = s.server.get_json(
        &format!("/api/v1/audit/timeline?stream={}", s.project),
        token,
    );
    let entries = timeline["entries"].as_array().unwrap();
    let decision = events_of(entries, "manager-decision-recorded");
    assert_eq!(decision.len(), 1);
    assert_eq!(decision[0]["author"]["username"], "senior-manager-north");
    assert_eq!(decision[0]["roles"], serde_json::json!(["senior-manager"]));
    assert_eq!(
        decision[0]["device"]["name"],
        "senior-manager-north's phone"
    );
    assert_eq!(decision[0]["late"], false);
    assert!(decision[0]["received_at"].is_string() && decision[0]["recorded_at"].is_string());
    // It came from the manager's phone, in a change the receipt log names.
    assert_eq!(
        decision[0]["received_from"]["name"],
        "senior-manager-north's phone"
    );
    assert_eq!(decision[0]["recorded_on_server"], false);
    let change = decision[0]["change_hash"].as_str().unwrap();
    assert!(
        change.len() == 64 && change.bytes().all(|b| b.is_ascii_hexdigit()),
        "{change}"
    );
    assert!(decision[0]["receipt"].as_i64().is_some_and(|n| n > 0));
    // The collaborative was founded by an administrator, on the server: no receipt.
    let founding = s.server.get_json(
        &format!(
            "/api/v1/audit/timeline?stream={}&kind=collaborative-founded",
            s.collaborative
        ),
        token,
    );
    let founding = &founding["entries"][0];
    assert_eq!(founding["recorded_on_server"], true, "{founding:#}");
    assert!(founding["received_from"].is_null() && founding["change_hash"].is_null());
    assert!(founding["receipt"].is_null());
    assert_eq!(
        decision[0]["content"]["ManagerDecisionRecorded"]["decision"],
        "Fund the guide for every Northside assessment"
    );
    // Ben's records reached the office after the decision recorded after them: late.
    for e in entries.iter().filter(|e| e["entry"] == "event") {
        let late = s
            .late
            .iter()
            .any(|l| e["event_id"].as_str() == Some(&l.to_string()));
        assert_eq!(e["late"], late, "{e:#}");
    }
    let read = entries
        .iter()
        .find(|e| e["entry"] == "access" && e["route"] == "GET /api/v1/cycles/{id}")
        .expect("Asha's read of the cycle");
    assert_eq!(read["person"]["username"], "practitioner-north");
    assert_eq!(read["record"], s.cycle.to_string());
    // Filters: person, kind, cycle, team, period.
    let q = |query: &str| -> Vec<Value> {
        s.server
            .get_json(&format!("/api/v1/audit/timeline?{query}"), token)["entries"]
            .as_array()
            .unwrap()
            .clone()
    };
    let bens = q(&format!(
        "stream={}&person=practitioner2-north&kind=",
        s.project
    ));
    assert_eq!(
        ids(&Value::Array(bens)),
        vec![s.late[0].to_string(), s.late[1].to_string()]
    );
    assert_eq!(q("kind=coordinator-score-given").len(), 1);
    let of_cycle = q(&format!("cycle={}", s.cycle));
    let kinds: Vec<&str> = of_cycle
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["cycle-planned", "cycle-done", "observation-recorded"]
    );
    let north = q("team=Northside&kind=project-started");
    assert_eq!(north.len(), 1);
    assert!(q("from=2100-01-01").is_empty());
    let reads = s
        .server
        .get_json("/api/v1/audit/access?person=practitioner-north", token);
    assert!(
        reads["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["entry"] == "access" && e["person"]["username"] == "practitioner-north")
    );
    assert!(!reads["entries"].as_array().unwrap().is_empty());
    // The auditor's own reads are in the log too.
    let own = q("kind=access&person=auditor-north");
    assert!(
        own.iter()
            .any(|e| e["route"] == "GET /api/v1/audit/timeline")
    );
    // A kind that does not exist is refused with what to give.
    let bad = s.server.get("/api/v1/audit/timeline?kind=nonsense", token);
    assert_eq!(bad.status(), 400);

    // Ben becomes the team's coordinator: his practitioner membership is revoked and a
    // coordinator's granted. His records still show the role they arrived under.
    {
        let storage = SqliteStorage::open(&s.server.data_dir).unwrap();
        let ben = storage
            .people()
            .unwrap()
            .into_iter()
            .find(|p| p.username == "practitioner2-north")
            .unwrap()
            .id;
        let practitioner = storage
            .memberships()
            .unwrap()
            .into_iter()
            .find(|m| m.person == ben && m.role == Role::Practitioner)
            .unwrap();
        storage
            .revoke_membership(practitioner.id, "Now the team's coordinator")
            .unwrap();
        storage
            .grant(ben, Role::Coordinator, practitioner.scope)
            .unwrap();
        let now = storage.access(ben, s.project).unwrap().unwrap();
        assert_eq!(now.roles, vec![Role::Coordinator]);
    }
    let bens = q(&format!(
        "stream={}&person=practitioner2-north&kind=",
        s.project
    ));
    assert_eq!(bens.len(), 2);
    for e in &bens {
        assert_eq!(e["roles"], serde_json::json!(["practitioner"]), "{e:#}");
    }
}

#[test]
fn the_history_is_intact_and_the_bundle_verifies_with_nothing_else() {
    let s = scenario();
    let token = &s.auditor.token;
    let integrity = s.server.get_json(
        &format!("/api/v1/audit/streams/{}/integrity", s.project),
        token,
    );
    assert_eq!(integrity["intact"], true, "{integrity:#}");
    let response = s.server.get("/api/v1/audit/bundle", token);
    assert_eq!(response.status(), 200);
    let digest = response
        .headers()
        .get("x-praxis-manifest-sha256")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let bytes = response.bytes().unwrap();
    let verification = bundle::verify(&bytes).unwrap();
    assert!(verification.intact(), "{:#?}", verification.findings);
    assert_eq!(verification.manifest_sha256, digest);
    let project = verification
        .streams
        .iter()
        .find(|v| v.stream == s.project)
        .unwrap();
    assert_eq!(
        project.receipts, project.events,
        "every event of the project reached the server from a device"
    );
    // The collaborative stream is in it too (its events recorded on the server).
    assert_eq!(verification.streams.len(), 2);
}

#[test]
fn only_auditors_read_the_audit_trail_and_auditors_record_nothing() {
    let s = scenario();
    // Others may not read the audit trail.
    for path in [
        format!("/api/v1/audit/timeline?stream={}", s.project),
        format!("/api/v1/audit/decisions/{}", s.decision),
        format!("/api/v1/audit/streams/{}/integrity", s.project),
        format!("/api/v1/audit/bundle?stream={}", s.project),
    ] {
        let answer = s.server.get(&path, &s.asha.token);
        assert_eq!(answer.status(), 403, "{path}");
        assert!(answer.text().unwrap().contains("auditor role"));
    }
    // An auditor's device sending a record through the sync API is refused with why,
    // and nothing of it is applied.
    let mut auditor = s.auditor;
    let before = s.server.get_json(
        &format!("/api/v1/streams/{}/events", s.project),
        &auditor.token,
    )["events"]
        .as_array()
        .unwrap()
        .len();
    let dir = tempfile::tempdir().unwrap();
    let mut forged = Store::create(&dir.path().join("forged.sqlite3"), "auditor-north").unwrap();
    forged
        .adopt_identity(auditor.store.identity().clone())
        .unwrap();
    for info in queries::streams(auditor.store.connection()).unwrap() {
        forged
            .add_stream(info.id, info.kind, &info.name, info.collaborative)
            .unwrap();
        let changes = auditor.store.changes_since(info.id, &[]).unwrap();
        forged.merge_changes(info.id, &changes).unwrap();
    }
    let server_heads = heads(&mut auditor.store, s.project);
    let recorded = forged
        .record(s.project, observation("An auditor's note", None))
        .unwrap()
        .id;
    let changes = forged.changes_since(s.project, &server_heads).unwrap();
    assert_eq!(changes.len(), 1);
    let message = automerge::sync::Message {
        heads: heads(&mut forged, s.project),
        need: Vec::new(),
        have: Vec::new(),
        changes: changes.into(),
        flags: None,
        version: automerge::sync::MessageVersion::V1,
    };
    let answer = reqwest::blocking::Client::new()
        .post(format!(
            "{}/api/v1/streams/{}/sync",
            s.server.url, s.project
        ))
        .bearer_auth(&auditor.token)
        .header("content-type", "application/octet-stream")
        .body(message.encode())
        .send()
        .unwrap();
    assert_eq!(answer.status(), 422);
    let body: Value = answer.json().unwrap();
    assert_eq!(body["error"], "changes_refused");
    let refused = &body["details"][0];
    assert_eq!(refused["event"], recorded.to_string());
    assert!(
        refused["reason"]
            .as_str()
            .unwrap()
            .contains("may read this stream but not record in it"),
        "{body:#}"
    );
    let after = s.server.get_json(
        &format!("/api/v1/streams/{}/events", s.project),
        &auditor.token,
    )["events"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(after, before, "nothing was applied");
    // The phone itself refuses before writing anything.
    let on_phone = auditor
        .store
        .record(s.project, observation("An auditor's note", None));
    assert!(on_phone.is_err());
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
