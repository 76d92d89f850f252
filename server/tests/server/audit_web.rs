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
use praxis_server::demo::DEMO_PASSWORD;
use praxis_server::storage::{SqliteStorage, Storage};
use praxis_testkit::server::TestServer;
use reqwest::blocking::Client;
use std::collections::HashMap;

struct Web {
    url: String,
    client: Client,
    cookies: HashMap<String, String>,
}

struct Page {
    status: u16,
    body: Vec<u8>,
}

impl Page {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn field(html: &str, name: &str) -> String {
    let start = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no field {name} in the page"));
    let rest = &html[start + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_string()
}

impl Web {
    fn request(&mut self, request: reqwest::blocking::RequestBuilder) -> Page {
        let cookie = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let response = request.header("cookie", cookie).send().unwrap();
        for c in response.headers().get_all("set-cookie") {
            let pair = c.to_str().unwrap().split(';').next().unwrap().to_string();
            if let Some((k, v)) = pair.split_once('=') {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        Page {
            status: response.status().as_u16(),
            body: response.bytes().unwrap().to_vec(),
        }
    }

    fn get(&mut self, path: &str) -> Page {
        let request = self.client.get(format!("{}{path}", self.url));
        self.request(request)
    }

    fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = praxis_testkit::server::form_body(form);
        let request = self
            .client
            .post(format!("{}{path}", self.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.request(request)
    }

    fn sign_in(url: &str, username: &str) -> Web {
        let mut web = Web {
            url: url.to_string(),
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
        };
        let form = web.get("/sign-in").text();
        let token = field(&form, "sign_in_token");
        let signed = web.post(
            "/sign-in",
            &[
                ("username", username),
                ("password", DEMO_PASSWORD),
                ("sign_in_token", &token),
                ("next", "/"),
            ],
        );
        assert_eq!(signed.status, 303, "{}", signed.text());
        web
    }
}

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
    let home = irene.get("/").text();
    assert!(home.contains("href=\"/audit\""));
    let index = irene.get("/audit");
    assert_eq!(index.status, 200);
    assert!(index.text().contains(&format!("/audit/streams/{project}")));

    let timeline = irene.get(&format!("/audit/streams/{project}"));
    assert_eq!(timeline.status, 200, "{}", timeline.text());
    let html = timeline.text();
    assert!(html.contains("Timeline of"));
    assert!(html.contains(&format!("/audit/decisions/{decision}")));
    let filtered = irene
        .get(&format!(
            "/audit/streams/{project}?kind=manager-decision-recorded"
        ))
        .text();
    assert!(filtered.contains("1 entries"), "one manager's decision");

    let context = irene.get(&format!("/audit/decisions/{decision}"));
    assert_eq!(context.status, 200, "{}", context.text());
    let html = context.text();
    assert!(html.contains("manager-decision-recorded by"));
    assert!(html.contains("What the decider had seen"));

    let stood = irene.get(&format!(
        "/audit/streams/{project}/as-it-stood?after={decision}"
    ));
    assert_eq!(stood.status, 200, "{}", stood.text());
    assert!(stood.text().contains("records had reached the office"));
    let dashboard = irene.get(&format!(
        "/audit/streams/{collaborative}/as-it-stood?view=dashboard&after={decision}"
    ));
    assert_eq!(dashboard.status, 200, "{}", dashboard.text());
    let html = dashboard.text();
    assert!(html.contains("Dashboard of"), "{html}");
    assert!(html.contains("Teams side by side"));
    assert!(html.contains("data-self-score"));
    let bad = irene.get(&format!("/audit/streams/{project}/as-it-stood?at=soon"));
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("is not a date"));

    let integrity = irene.get(&format!("/audit/streams/{project}/integrity"));
    assert_eq!(integrity.status, 200);
    assert!(integrity.text().contains("The history is intact"));

    let tar = irene.get(&format!("/audit/streams/{project}/bundle.tar"));
    assert_eq!(tar.status, 200);
    let verification = bundle::verify(&tar.body).unwrap();
    assert!(verification.intact(), "{:#?}", verification.findings);
    assert_eq!(verification.streams[0].stream, project);

    // Her own reads, from the browser, are in the access log.
    let access = irene.get("/audit/access?person=irene.novak").text();
    assert!(access.contains("GET /audit/decisions/{id}"));
    assert!(access.contains("Web browser"));

    // The forms that record refuse her, and nothing is recorded.
    let csrf = field(&irene.get(&format!("/projects/{project}")).text(), "csrf");
    let refused = irene.post(
        &format!("/projects/{project}/decisions"),
        &[
            ("csrf", &csrf),
            ("decision", "Stop the guide"),
            ("rationale", "An auditor should not be able to say this"),
        ],
    );
    assert!(
        (400..500).contains(&refused.status),
        "{} {}",
        refused.status,
        refused.text()
    );
    assert!(refused.text().contains("auditor"), "{}", refused.text());
    let events_after = {
        let storage = SqliteStorage::open(&data).unwrap();
        storage.envelopes(project).unwrap().len()
    };
    assert_eq!(events_after, events_before, "nothing was recorded");

    // A practitioner is refused the audit trail.
    let mut amira = Web::sign_in(&server.url, "amira.hassan");
    let page = amira.get(&format!("/audit/streams/{project}"));
    assert_eq!(page.status, 403);
    assert!(page.text().contains("auditor role"));
    assert!(!amira.get("/").text().contains("href=\"/audit\""));
}
