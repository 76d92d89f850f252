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
use praxis_server::storage::{SqliteStorage, Storage};
use praxis_testkit::server::TestServer;
use praxis_testkit::web::{Web, field};

#[test]
fn an_auditor_reads_the_audit_pages_and_records_nothing_from_the_browser() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start_with(&data, &["--demo"]);
    let (project, collaborative, decision, events_before) = {
        let storage = SqliteStorage::open(&data).unwrap();
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
    assert!(html.contains(&format!("/audit/decisions/{decision}")));
    let filtered = irene
        .get(&format!(
            "/audit/streams/{project}?kind=manager-decision-recorded"
        ))
        .body;
    assert!(filtered.contains("1 entries"), "one manager's decision");

    let context = irene.get(&format!("/audit/decisions/{decision}"));
    assert_eq!(context.status, 200, "{}", context.body);
    let html = context.body;
    assert!(html.contains("manager-decision-recorded by"));
    assert!(html.contains("What the decider had seen"));

    let stood = irene.get(&format!(
        "/audit/streams/{project}/as-it-stood?after={decision}"
    ));
    assert_eq!(stood.status, 200, "{}", stood.body);
    assert!(stood.body.contains("records had reached the office"));
    let dashboard = irene.get(&format!(
        "/audit/streams/{collaborative}/as-it-stood?view=dashboard&after={decision}"
    ));
    assert_eq!(dashboard.status, 200, "{}", dashboard.body);
    let html = dashboard.body;
    assert!(html.contains("Dashboard of"), "{html}");
    assert!(html.contains("Teams side by side"));
    assert!(html.contains("data-self-score"));
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
        let storage = SqliteStorage::open(&data).unwrap();
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
