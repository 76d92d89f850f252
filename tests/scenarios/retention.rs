//! Retention and legal holds, against the real server: the data protection officer
//! sets a schedule and places a hold through the API; a dry run (`praxis-server
//! retention run --dry-run`, with `--as-of` as the clock the test controls, and the
//! officer's `GET …/retention?as_of=`) lists what is due and what the hold keeps,
//! changing nothing; the run erases what passed its period, through the erasure's own
//! path, and not the held content; the officer cannot erase held content either, until
//! the hold is lifted; and `serve` runs retention by itself when it starts.

use crate::erasure::{erase, server_texts};
use praxis_core::domain::event::*;
use praxis_core::domain::ids::StreamId;
use praxis_testkit::server::{Fixture, Phone, TestServer, start_project};
use reqwest::StatusCode;
use reqwest::blocking::Client;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use time::macros::date;

const ABOUT_P0413: &str = "Mrs Dlamini kept her own keys after the falls assessment";
const ABOUT_P0200: &str = "Mr Haddad's complaint about the night visits, in his words";
const ABOUT_P0300: &str = "Ms Iwu chose to keep the stair rail rather than move downstairs";

fn case_material(subject: &str, text: &str, observed_on: time::Date) -> Event {
    Event::ObservationRecorded(Observation {
        kind: ObservationKind::CaseMaterial,
        cycle: None,
        subject: Some(subject.into()),
        observed_on,
        text: text.into(),
    })
}

fn send(
    server: &TestServer,
    method: &str,
    path: &str,
    token: &str,
    body: Value,
) -> (StatusCode, Value) {
    let client = Client::new();
    let url = format!("{}{path}", server.url);
    let request = match method {
        "PUT" => client.put(url),
        _ => client.post(url),
    };
    let response = request.bearer_auth(token).json(&body).send().unwrap();
    let status = response.status();
    (status, response.json().unwrap_or(Value::Null))
}

fn retention_run(data: &Path, args: &[&str]) -> String {
    let run = Command::new(praxis_testkit::binary("praxis-server"))
        .arg("--data-dir")
        .arg(data)
        .args(praxis_testkit::server::engine_options(data))
        .args(["retention", "run"])
        .args(args)
        .output()
        .unwrap();
    let said =
        String::from_utf8_lossy(&run.stdout).to_string() + &String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{said}");
    said
}

struct Collaborative {
    dir: tempfile::TempDir,
    fx: Fixture,
    server: TestServer,
    north: StreamId,
    south: StreamId,
}

/// Two teams' projects whose case material was observed in 2015 (so eight years
/// after the projects closed has passed): about P-0413 and P-0200 in Northside's,
/// about P-0300 in Southside's.
fn collaborative_of_2015() -> Collaborative {
    let (dir, fx, server) = crate::data_protection::with_an_officer();
    let mut north = Phone::enrol(dir.path(), &server.url, "practitioner-north");
    let mut south = Phone::enrol(dir.path(), &server.url, "practitioner-south");
    north.sync();
    south.sync();
    let n = start_project(&mut north.store, fx.collaborative, "Northside");
    let s = start_project(&mut south.store, fx.collaborative, "Southside");
    for (subject, text, day) in [
        ("P-0413", ABOUT_P0413, date!(2015 - 03 - 02)),
        ("P-0200", ABOUT_P0200, date!(2015 - 06 - 30)),
    ] {
        north
            .store
            .record(n, case_material(subject, text, day))
            .unwrap();
    }
    south
        .store
        .record(
            s,
            case_material("P-0300", ABOUT_P0300, date!(2015 - 05 - 11)),
        )
        .unwrap();
    north.try_sync().unwrap();
    south.try_sync().unwrap();
    Collaborative {
        dir,
        fx,
        server,
        north: n,
        south: s,
    }
}

#[test]
fn a_retention_run_erases_what_passed_its_period_and_a_hold_keeps_its_content() {
    let c = collaborative_of_2015();
    let data = c.dir.path().join("data");
    let dpo = Phone::enrol(c.dir.path(), &c.server.url, "dpo");
    let coordinator = Phone::enrol(c.dir.path(), &c.server.url, "coordinator");
    let retention = format!("/api/v1/collaboratives/{}/retention", c.fx.collaborative);
    let holds = format!("/api/v1/collaboratives/{}/legal-holds", c.fx.collaborative);
    let eight_years = json!({
        "periods": [{"kind": "case-material", "years": 8}],
        "reason": "Northshire's records retention policy, adult social care"
    });

    // Only the officer sets a schedule, and only one that makes sense.
    let practitioner = Phone::enrol(c.dir.path(), &c.server.url, "practitioner-north");
    let (status, body) = send(
        &c.server,
        "PUT",
        &retention,
        &practitioner.token,
        eight_years.clone(),
    );
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = send(
        &c.server,
        "PUT",
        &retention,
        &dpo.token,
        json!({"periods": [{"kind": "case-material", "years": 0}], "reason": "r"}),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("from 1 to 150"), "{body}");
    let (status, body) = send(
        &c.server,
        "PUT",
        &retention,
        &dpo.token,
        json!({"periods": [{"kind": "letters", "years": 8}], "reason": "r"}),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = send(&c.server, "PUT", &retention, &dpo.token, eight_years);
    assert_eq!(status, StatusCode::OK, "{body}");

    // A hold on P-0200 (a complaint), placed by the officer alone.
    let complaint =
        json!({"reference": "P-0200", "reason": "Complaint to the ombudsman under way"});
    let (status, body) = send(
        &c.server,
        "POST",
        &holds,
        &practitioner.token,
        complaint.clone(),
    );
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = send(
        &c.server,
        "POST",
        &holds,
        &dpo.token,
        json!({"reference": "Mr Haddad", "reason": "r"}),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, hold) = send(&c.server, "POST", &holds, &dpo.token, complaint);
    assert_eq!(status, StatusCode::OK, "{hold}");
    let hold = hold["hold"].as_str().unwrap().to_string();

    // The dry run, with the clock set before the period ends: nothing is due.
    let before = retention_run(&data, &["--dry-run", "--as-of", "2023-03-01"]);
    assert!(
        before.contains("nothing has passed its retention period"),
        "{before}"
    );
    let early = c
        .server
        .get_json(&format!("{retention}?as_of=2023-03-01"), &dpo.token);
    assert_eq!(early["due"].as_array().unwrap().len(), 0, "{early:#}");
    // After: both of Northside's keys and Southside's are due, the held one kept.
    let listing = retention_run(&data, &["--dry-run", "--as-of", "2024-01-01"]);
    assert_eq!(listing.matches("would be erased").count(), 2, "{listing}");
    assert_eq!(
        listing
            .matches(&format!("kept by legal hold {hold}"))
            .count(),
        1,
        "{listing}"
    );
    assert!(listing.contains("kept until 2023-06-30"), "{listing}");
    let report = c.server.get_json(&retention, &dpo.token);
    let due = report["due"].as_array().unwrap();
    assert_eq!(due.len(), 3, "{report:#}");
    assert_eq!(
        due.iter().filter(|d| d["held_by"] == hold.as_str()).count(),
        1
    );
    // A dry run changes nothing.
    let mut north_texts = server_texts(&c.server, c.north, &coordinator.token);
    north_texts.sort();
    assert_eq!(north_texts, [ABOUT_P0200, ABOUT_P0413], "{north_texts:?}");

    // Nor can the officer erase what the hold covers.
    let (status, body) = erase(
        &c.server,
        &dpo.token,
        "P-0200",
        json!({"reason": "asked", "legal_basis": "objection"}),
    );
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.to_string().contains("legal hold"), "{body}");

    // The run erases what passed its period, and keeps what the hold covers.
    let run = retention_run(&data, &[]);
    assert_eq!(run.matches("erased:").count(), 2, "{run}");
    let north_texts = server_texts(&c.server, c.north, &coordinator.token);
    assert!(
        north_texts.contains(&ABOUT_P0200.to_string()),
        "{north_texts:?}"
    );
    assert!(
        !north_texts.contains(&ABOUT_P0413.to_string()),
        "{north_texts:?}"
    );
    assert!(
        north_texts.iter().any(|t| t.starts_with("erased on ")),
        "{north_texts:?}"
    );
    let south_texts = server_texts(&c.server, c.south, &coordinator.token);
    assert!(
        south_texts.iter().all(|t| t.starts_with("erased on ")),
        "{south_texts:?}"
    );
    // Recorded as an erasure, its basis the retention period, its author the officer.
    let decisions = c.server.get_json(
        &format!("/api/v1/audit/streams/{}/decisions", c.fx.collaborative),
        &Phone::enrol(c.dir.path(), &c.server.url, "auditor").token,
    );
    let said = decisions.to_string();
    assert!(said.contains("Retention period ended"), "{decisions:#}");
    assert!(said.contains("Legal hold placed"), "{decisions:#}");
    // A second run finds nothing more to erase.
    let again = retention_run(&data, &[]);
    assert!(!again.contains("erased:"), "{again}");

    // Lifted, the hold stops nothing: the next run erases P-0200's content too. Lifting
    // it twice is refused.
    let lift = format!("/api/v1/legal-holds/{hold}/lift");
    let (status, body) = send(
        &c.server,
        "POST",
        &lift,
        &practitioner.token,
        json!({"reason": "closed"}),
    );
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, body) = send(
        &c.server,
        "POST",
        &lift,
        &dpo.token,
        json!({"reason": "The ombudsman closed the complaint"}),
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = send(
        &c.server,
        "POST",
        &lift,
        &dpo.token,
        json!({"reason": "again"}),
    );
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.to_string().contains("lifted already"), "{body}");
    let last = retention_run(&data, &[]);
    assert_eq!(last.matches("erased:").count(), 1, "{last}");
    let north_texts = server_texts(&c.server, c.north, &coordinator.token);
    assert!(
        north_texts.iter().all(|t| t.starts_with("erased on ")),
        "{north_texts:?}"
    );
}

#[test]
fn serve_runs_retention_when_it_starts_and_a_project_hold_keeps_the_project() {
    let c = collaborative_of_2015();
    let data = c.dir.path().join("data");
    let dpo = Phone::enrol(c.dir.path(), &c.server.url, "dpo");
    let coordinator = Phone::enrol(c.dir.path(), &c.server.url, "coordinator");
    let (status, body) = send(
        &c.server,
        "PUT",
        &format!("/api/v1/collaboratives/{}/retention", c.fx.collaborative),
        &dpo.token,
        json!({"periods": [{"kind": "case-material", "years": 8}, {"kind": "observation", "years": 3}], "reason": "policy"}),
    );
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = send(
        &c.server,
        "POST",
        &format!("/api/v1/collaboratives/{}/legal-holds", c.fx.collaborative),
        &dpo.token,
        json!({"project": c.south, "reason": "Safeguarding adults review of the Southside team"}),
    );
    assert_eq!(status, StatusCode::OK, "{body}");

    // The server started again runs retention at once, as it does each day.
    let texts = server_texts(&c.server, c.north, &coordinator.token);
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(texts.iter().all(|t| !t.starts_with("erased")), "{texts:?}");
    let mut server = c.server;
    server.kill();
    let server = TestServer::start(&data);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let texts = server_texts(&server, c.north, &coordinator.token);
        if texts.iter().all(|t| t.starts_with("erased on ")) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not erased at start: {texts:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let south = server_texts(&server, c.south, &coordinator.token);
    assert_eq!(south, [ABOUT_P0300], "the held project keeps its content");
}

#[test]
fn the_officer_sets_the_schedule_and_places_and_lifts_holds_in_the_browser() {
    use praxis_testkit::web::{Web, field};
    let c = collaborative_of_2015();
    let mut office = Web::sign_in_as(
        &c.server.url,
        "coordinator",
        praxis_testkit::server::PASSWORD,
    );
    assert_eq!(
        office.get("/data-protection/retention").status,
        StatusCode::FORBIDDEN
    );
    let mut officer = Web::sign_in_as(&c.server.url, "dpo", praxis_testkit::server::PASSWORD);
    let page = officer.get("/data-protection/retention");
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("data-schedule=\"none\""),
        "{}",
        page.body
    );
    let csrf = field(&page.body, "csrf");
    let collaborative = c.fx.collaborative.to_string();

    // A schedule that makes no sense is refused, and nothing is set.
    let refused = officer.post(
        "/data-protection/retention/schedule",
        &[
            ("csrf", &csrf),
            ("collaborative", &collaborative),
            ("case_material_years", "eight"),
            ("reason", "Policy"),
        ],
    );
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let set = officer.post(
        "/data-protection/retention/schedule",
        &[
            ("csrf", &csrf),
            ("collaborative", &collaborative),
            ("case_material_years", "8"),
            ("reason", "Northshire's policy"),
        ],
    );
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    assert!(
        set.body
            .contains("case-material 8 years after the project closes"),
        "{}",
        set.body
    );
    assert_eq!(set.body.matches("data-due=").count(), 3, "{}", set.body);

    // A hold on Southside's project, chosen from the list.
    let south = c.south.to_string();
    let held = officer.post(
        "/data-protection/retention/holds",
        &[
            ("csrf", &csrf),
            ("collaborative", &collaborative),
            ("reference", ""),
            ("project", &south),
            ("reason", "Safeguarding adults review"),
        ],
    );
    assert_eq!(held.status, StatusCode::OK, "{}", held.body);
    assert_eq!(held.body.matches("data-held=").count(), 1, "{}", held.body);
    let hold = held
        .body
        .split("data-hold=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    // As of a day before the periods end, nothing is due.
    let early = officer.get("/data-protection/retention?as_of=2020-01-01");
    assert_eq!(early.body.matches("data-due=").count(), 0, "{}", early.body);

    let lifted = officer.post(
        &format!("/data-protection/retention/holds/{hold}/lift"),
        &[("csrf", &csrf), ("reason", "The review reported")],
    );
    assert_eq!(lifted.status, StatusCode::OK, "{}", lifted.body);
    assert_eq!(
        lifted.body.matches("data-held=").count(),
        0,
        "{}",
        lifted.body
    );
    assert!(lifted.body.contains("None in force."), "{}", lifted.body);
}
