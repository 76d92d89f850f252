//! The auditor's pages over HTTP (no browser): an auditor signs in to the demo, reads a
//! project's timeline, a decision in its context, the project as it stood, the
//! integrity check and the access log (which shows their own reads), downloads the
//! bundle; the forms that record refuse them and nothing is recorded; people without
//! the auditor role are refused the pages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::audit::bundle;
use praxis_core::domain::event::EventKind;
use praxis_core::domain::ids::StreamId;
use praxis_core::domain::record::StreamKind;
use praxis_core::protocol::audit::{Timeline, TimelineEntry};
use praxis_server::storage::{Storage, Views};
use praxis_testkit::server::TestServer;
use praxis_testkit::web::{Web, field};

#[test]
fn an_auditor_reads_the_audit_pages_and_records_nothing_from_the_browser() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start_with(&data, &["--demo"]);
    let (project, collaborative, decision, events_before) = {
        let storage = praxis_testkit::server::open_storage(&data).unwrap();
        let irene = storage
            .people()
            .unwrap()
            .into_iter()
            .find(|p| p.username == "irene.novak")
            .unwrap();
        let streams = storage.streams_for(irene.id).unwrap();
        let collaborative = streams
            .iter()
            .find(|s| s.kind == StreamKind::Collaborative)
            .expect("the demo collaborative")
            .stream_id;
        let project: StreamId = streams
            .into_iter()
            .find(|s| {
                s.kind == StreamKind::Project && {
                    storage
                        .envelopes(s.stream_id)
                        .unwrap()
                        .iter()
                        .any(|e| e.kind() == Some(EventKind::ManagerDecisionRecorded))
                }
            })
            .expect("a demo project with a manager's decision")
            .stream_id;
        let events = storage.envelopes(project).unwrap();
        let decision = events
            .iter()
            .find(|e| e.kind() == Some(EventKind::ManagerDecisionRecorded))
            .unwrap()
            .id;
        (project, collaborative, decision, events.len())
    };

    let mut irene = Web::sign_in(&server.url, "irene.novak");
    let home = irene.get("/").body;
    assert!(home.contains("href=\"/audit\""));
    let index = irene.get("/audit");
    assert_eq!(index.status, 200);
    assert!(index.body.contains(&format!("/audit/streams/{project}")));

    let timeline = irene.get(&format!("/audit/streams/{project}"));
    assert_eq!(timeline.status, 200, "{}", timeline.body);
    let html = timeline.body;
    assert!(html.contains("Timeline of"));
    // Plain language: kinds in words, local times, names, links to the records.
    assert!(
        html.contains("Senior manager&#39;s decision")
            || html.contains("Senior manager's decision")
    );
    assert!(!html.contains(">manager-decision-recorded<"));
    assert!(
        html.contains(" GMT") || html.contains(" BST"),
        "local times"
    );
    assert!(html.contains("href=\"/cycles/"), "links to the records");
    let filtered = irene
        .get(&format!(
            "/audit/timeline?stream={project}&kind=manager-decision-recorded"
        ))
        .body;
    assert!(filtered.contains("1 entry"), "one manager's decision");
    assert!(filtered.contains(&format!("/audit/decisions/{decision}")));
    // Drop-downs offer the people, teams and kinds.
    assert!(html.contains("<select name=\"person\""));
    assert!(html.contains("<select name=\"team\""));
    assert!(html.contains("value=\"cycle-acted\""));

    // Pages of 50: the pages together hold every record once. (Each read of a page is
    // itself an entry of the access log, after every record.)
    let all: Timeline = serde_json::from_str(
        &irene
            .get(&format!("/audit/timeline.json?stream={project}"))
            .body,
    )
    .unwrap();
    let records = all
        .entries
        .iter()
        .filter(|e| matches!(e, TimelineEntry::Event(_)))
        .count();
    assert!(
        records > 50,
        "the demo project has more than a page of records"
    );
    let mut seen = std::collections::HashSet::new();
    for p in 1..=records.div_ceil(50) {
        let body = irene
            .get(&format!("/audit/timeline?stream={project}&page={p}"))
            .body;
        assert_eq!(body.contains("rel=\"prev\""), p > 1, "page {p}");
        assert!(body.contains("rel=\"next\"") || p == records.div_ceil(50));
        for part in body.split("data-event=\"").skip(1) {
            assert!(seen.insert(part[..36].to_string()), "a record on two pages");
        }
    }
    assert_eq!(seen.len(), records, "every record on a page");
    // The CSV export parsed back: one row per entry of the same filter.
    let csv = irene.get(&format!(
        "/audit/timeline.csv?stream={project}&kind=cycle-acted"
    ));
    assert_eq!(csv.status, 200);
    let text = csv.body.trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let acts: Timeline = serde_json::from_str(
        &irene
            .get(&format!(
                "/audit/timeline.json?stream={project}&kind=cycle-acted"
            ))
            .body,
    )
    .unwrap();
    assert_eq!(rows.len(), acts.entries.len());
    assert!(!rows.is_empty());
    for (row, entry) in rows.iter().zip(&acts.entries) {
        let TimelineEntry::Event(e) = entry else {
            panic!("only records of the kind asked for")
        };
        assert_eq!(&row[3], "cycle-acted");
        assert_eq!(&row[8], e.event_id.to_string());
        assert_eq!(&row[9], e.author.name);
    }
    let bad = irene.get("/audit/timeline?from=someday");
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("is not a date"));

    let context = irene.get(&format!("/audit/decisions/{decision}"));
    assert_eq!(context.status, 200, "{}", context.body);
    let html = context.body;
    assert!(
        html.contains("Senior manager&#39;s decision by")
            || html.contains("Senior manager's decision by"),
        "{html}"
    );
    assert!(html.contains("What the decider had seen"));
    assert!(html.contains("data-rests-on"));

    // As it stood: the form leads to the project's page at the moment.
    let asked = irene.get(&format!(
        "/audit/streams/{project}/as-it-stood?after={decision}"
    ));
    assert_eq!(asked.status, 303, "{}", asked.body);
    let location = asked.location.clone().unwrap();
    assert_eq!(
        location,
        format!("/audit/as-it-stood/after-{decision}/projects/{project}")
    );
    let stood = irene.get(&location);
    assert_eq!(stood.status, 200, "{}", stood.body);
    assert!(stood.body.contains("As it stood just after record"));
    assert!(
        stood.body.contains("PDSA cycles"),
        "the live project page's sections"
    );
    assert!(
        stood.body.contains(&format!(
            "href=\"/audit/as-it-stood/after-{decision}/cycles/"
        )),
        "links keep to the moment"
    );
    assert!(
        !stood.body.contains("method=\"post\" action=\"/projects/")
            && !stood.body.contains("id=\"decision-form\""),
        "nothing can be recorded"
    );
    let dashboard = irene.get(&format!(
        "/audit/as-it-stood/after-{decision}/collaboratives/{collaborative}"
    ));
    assert_eq!(dashboard.status, 200, "{}", dashboard.body);
    let html = dashboard.body;
    assert!(html.contains("Teams side by side"), "{html}");
    assert!(html.contains("data-self-score"));
    let report =
        format!("/audit/as-it-stood/after-{decision}/collaboratives/{collaborative}/report");
    assert!(
        html.contains(&format!("href=\"{report}\"")),
        "the board report at the moment"
    );
    let board = irene.get(&report);
    assert_eq!(board.status, 200, "{}", board.body);
    assert!(board.body.contains("board report for"), "{}", board.body);
    assert!(board.body.contains("data-as-it-stood"));
    let bad = irene.get(&format!("/audit/streams/{project}/as-it-stood?at=soon"));
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("is not a date"));

    let integrity = irene.get(&format!("/audit/streams/{project}/integrity"));
    assert_eq!(integrity.status, 200);
    assert!(integrity.body.contains("The history is intact"));

    let tar = irene.get(&format!("/audit/streams/{project}/bundle.tar"));
    assert_eq!(tar.status, 200);
    let verification = bundle::verify(&tar.bytes).unwrap();
    assert!(verification.intact(), "{:#?}", verification.findings);
    assert_eq!(verification.streams[0].stream, project);

    // Her own reads, from the browser, are in the access log.
    let access = irene.get("/audit/access?person=irene.novak").body;
    assert!(access.contains("GET /audit/decisions/{id}"));
    assert!(access.contains("Web browser"));

    // The forms that record refuse her, and nothing is recorded.
    let csrf = field(&irene.get(&format!("/projects/{project}")).body, "csrf");
    let refused = irene.post(
        &format!("/projects/{project}/decisions"),
        &[
            ("csrf", &csrf),
            ("decision", "Stop the guide"),
            ("rationale", "An auditor should not be able to say this"),
        ],
    );
    assert!(
        refused.status.is_client_error(),
        "{} {}",
        refused.status,
        refused.body
    );
    assert!(refused.body.contains("auditor"), "{}", refused.body);
    let events_after = {
        let storage = praxis_testkit::server::open_storage(&data).unwrap();
        storage.envelopes(project).unwrap().len()
    };
    assert_eq!(events_after, events_before, "nothing was recorded");

    // A practitioner is refused the audit trail.
    let mut amira = Web::sign_in(&server.url, "amira.hassan");
    let page = amira.get(&format!("/audit/streams/{project}"));
    assert_eq!(page.status, 403);
    assert!(page.body.contains("auditor role"));
    assert!(!amira.get("/").body.contains("href=\"/audit\""));
}

/// A page's content as compared: what lies between the page's heading and its end,
/// with every link and form target left out (the live page links to today's pages, the
/// page as it stood to the same moment's).
fn compared(html: &str) -> String {
    let from = html.find("<h1>").expect("a page with a heading");
    let main = &html[from..];
    let mut out = String::with_capacity(main.len());
    let mut rest = main;
    while let Some(start) = rest.find(" href=\"").or_else(|| rest.find(" action=\"")) {
        out.push_str(&rest[..start]);
        let value = rest[start..].find("=\"").unwrap() + start + 2;
        let end = rest[value..].find('"').unwrap() + value + 1;
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The project page as it stood at a moment equals the live page of a server that held
/// exactly the records that had reached the office by then: a copy of the data taken
/// at that moment, after which a senior manager recorded a decision.
#[test]
fn the_project_page_as_it_stood_equals_the_live_page_of_a_replica_that_held_those_records() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let copy = dir.path().join("copy");
    let (project, report) = {
        let server = TestServer::start_with(&data, &["--demo"]);
        drop(server);
        let storage = praxis_testkit::server::open_storage(&data).unwrap();
        let grace = storage
            .people()
            .unwrap()
            .into_iter()
            .find(|p| p.username == "grace.mensah")
            .unwrap();
        let project = storage
            .streams_for(grace.id)
            .unwrap()
            .into_iter()
            .find(|s| s.kind == StreamKind::Project)
            .unwrap()
            .stream_id;
        let report = storage.project_detail(project).unwrap().reports[0].id;
        (project, report.to_string())
    };
    // The office's data as it stands now, copied whole while no server runs.
    praxis_testkit::server::copy_data(&data, &copy);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let moment = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));

    let server = TestServer::start_with(&data, &[]);
    let mut grace = Web::sign_in(&server.url, "grace.mensah");
    let csrf = grace.csrf();
    let decided = grace.post(
        &format!("/projects/{project}/decisions"),
        &[
            ("csrf", &csrf),
            ("decision", "Extend the test to the night team"),
            ("rationale", "Recorded after the moment audited"),
            ("rests_on", &report),
        ],
    );
    assert_eq!(decided.status, 303, "{}", decided.body);
    let mut irene = Web::sign_in(&server.url, "irene.novak");
    let now = irene.get(&format!("/projects/{project}")).body;
    assert!(now.contains("Extend the test to the night team"));
    let stood = irene.get(&format!("/audit/as-it-stood/{moment}/projects/{project}"));
    assert_eq!(stood.status, 200, "{}", stood.body);
    assert!(!stood.body.contains("Extend the test to the night team"));
    drop(server);

    let replica = TestServer::start_with(&copy, &[]);
    let mut irene_there = Web::sign_in(&replica.url, "irene.novak");
    let live_there = irene_there.get(&format!("/projects/{project}")).body;
    assert_eq!(compared(&stood.body), compared(&live_there));
}

/// The demo's history reaches the office over months: its records arrive at the times
/// of their devices' syncs in the story, some of them late, so "as it stood" at three
/// moments of the story shows three different numbers of records.
#[test]
fn the_demos_history_reaches_the_office_over_months_with_some_records_late() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start_with(&data, &["--demo"]);
    let (project, first, last) = {
        let storage = praxis_testkit::server::open_storage(&data).unwrap();
        let irene = storage
            .people()
            .unwrap()
            .into_iter()
            .find(|p| p.username == "irene.novak")
            .unwrap();
        let project = storage
            .streams_for(irene.id)
            .unwrap()
            .into_iter()
            .find(|s| s.kind == StreamKind::Project)
            .unwrap()
            .stream_id;
        let arrivals = storage.arrivals(project).unwrap();
        let first = arrivals.iter().map(|a| a.received_at).min().unwrap();
        let last = arrivals.iter().map(|a| a.received_at).max().unwrap();
        (project, first, last)
    };
    let day = 86_400_000;
    assert!(
        last - first > 90 * day,
        "the project's records reached the office over {} days",
        (last - first) / day
    );

    let mut irene = Web::sign_in(&server.url, "irene.novak");
    let timeline: Timeline = serde_json::from_str(
        &irene
            .get(&format!("/audit/timeline.json?stream={project}"))
            .body,
    )
    .unwrap();
    let late = timeline
        .entries
        .iter()
        .filter(|e| matches!(e, TimelineEntry::Event(e) if e.late))
        .count();
    assert!(late > 0, "some records reached the office late");
    let page = irene
        .get(&format!(
            "/audit/timeline?stream={project}&kind=measurement-recorded"
        ))
        .body;
    assert!(
        page.contains("<strong>late</strong>"),
        "the timeline marks them"
    );

    // Three moments of the story, a month apart and more.
    let held_at = |irene: &mut Web, millis: i64| {
        let moment = time::OffsetDateTime::from_unix_timestamp(millis / 1000)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let page = irene.get(&format!("/audit/as-it-stood/{moment}/projects/{project}"));
        assert_eq!(page.status, 200, "{}", page.body);
        let held = page.body.split("data-held=\"").nth(1).unwrap();
        held[..held.find('"').unwrap()].parse::<usize>().unwrap()
    };
    let early = held_at(&mut irene, first + 20 * day);
    let middle = held_at(&mut irene, first + 60 * day);
    let later = held_at(&mut irene, last - 5 * day);
    assert!(
        early < middle && middle < later,
        "{early}, {middle} and {later} records held"
    );
}
