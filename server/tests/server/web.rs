#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The web pages over HTTP, as a browser without JavaScript uses them: sign-in with a
//! session cookie, pages refused outside a person's memberships, monthly reports,
//! scores and decisions recorded from forms as events by the person signed in (with
//! CSRF tokens), recalculated limits, and CSV exports read back against the views.
//! The server is the real binary with the demo collaborative seeded.

use praxis_core::domain::event::{Event, EventKind};
use praxis_core::domain::ids::{EventId, PersonId, StreamId};
use praxis_core::domain::record::StreamKind;
use praxis_server::demo::DEMO_PASSWORD;
use praxis_server::storage::{SqliteStorage, Storage};
use praxis_testkit::server::TestServer;
use reqwest::StatusCode;
use reqwest::blocking::Client;
use std::collections::HashMap;
use std::path::Path;

/// A browser without JavaScript: keeps cookies, does not follow redirects.
struct Web {
    url: String,
    client: Client,
    cookies: HashMap<String, String>,
}

struct Page {
    status: StatusCode,
    location: Option<String>,
    set_cookies: Vec<String>,
    body: String,
}

/// The value of the first `name="..." value="..."` input in a page.
fn field(html: &str, name: &str) -> String {
    let start = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no field {name} in the page"));
    let rest = &html[start + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_string()
}

impl Web {
    fn new(url: &str) -> Web {
        Web {
            url: url.to_string(),
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn take(&mut self, response: reqwest::blocking::Response) -> Page {
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string());
        let set_cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        for c in &set_cookies {
            let pair = c.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            if v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        Page {
            status,
            location,
            set_cookies,
            body: response.text().unwrap(),
        }
    }

    fn get(&mut self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.url))
            .header("cookie", self.cookie_header())
            .send()
            .unwrap();
        self.take(response)
    }

    fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let body = praxis_testkit::server::form_body(form);
        let response = self
            .client
            .post(format!("{}{path}", self.url))
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .unwrap();
        self.take(response)
    }

    fn sign_in(url: &str, username: &str) -> Web {
        let mut web = Web::new(url);
        let form = web.get("/sign-in");
        let token = field(&form.body, "sign_in_token");
        let signed = web.post(
            "/sign-in",
            &[
                ("username", username),
                ("password", DEMO_PASSWORD),
                ("sign_in_token", &token),
                ("next", "/"),
            ],
        );
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.body);
        web
    }

    /// The CSRF token of the signed-in session, from any page's sign-out form.
    fn csrf(&mut self) -> String {
        field(&self.get("/").body, "csrf")
    }
}

struct Demo {
    _dir: tempfile::TempDir,
    server: TestServer,
    data: std::path::PathBuf,
}

fn demo() -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start_with(&data, &["--demo"]);
    Demo {
        _dir: dir,
        server,
        data,
    }
}

fn storage(data: &Path) -> SqliteStorage {
    SqliteStorage::open(data).unwrap()
}

fn person(s: &SqliteStorage, username: &str) -> PersonId {
    s.people()
        .unwrap()
        .into_iter()
        .find(|p| p.username == username)
        .unwrap()
        .id
}

/// The collaborative and the (Northside, Riverside) project streams.
fn streams(s: &SqliteStorage) -> (StreamId, StreamId, StreamId) {
    let all = s.streams_for(person(s, "sam.okafor")).unwrap();
    let collaborative = all
        .iter()
        .find(|x| x.kind == StreamKind::Collaborative)
        .unwrap()
        .stream_id;
    let project = |word: &str| {
        all.iter()
            .find(|x| x.kind == StreamKind::Project && x.name.contains(word))
            .unwrap_or_else(|| panic!("no project named with {word}"))
            .stream_id
    };
    (collaborative, project("Northside"), project("Riverside"))
}

fn first_measure(s: &SqliteStorage, project: StreamId) -> EventId {
    s.project_detail(project).unwrap().overview.measures[0].id
}

#[test]
fn signing_in_gives_a_secure_session_cookie_and_signing_out_ends_it() {
    let demo = demo();
    let url = &demo.server.url;
    let mut anonymous = Web::new(url);
    let page = anonymous.get("/");
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location.as_deref(), Some("/sign-in?next=/"));

    // A wrong password: refused with what to do, and no session.
    let form = anonymous.get("/sign-in");
    let token = field(&form.body, "sign_in_token");
    let wrong = anonymous.post(
        "/sign-in",
        &[
            ("username", "sam.okafor"),
            ("password", "not it"),
            ("sign_in_token", &token),
        ],
    );
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("The username or password is wrong"));
    assert!(!anonymous.cookies.contains_key("praxis_session"));

    // A sign-in form not from this site (no matching double-submit token) is refused.
    let mut forged = Web::new(url);
    let refused = forged.post(
        "/sign-in",
        &[
            ("username", "sam.okafor"),
            ("password", DEMO_PASSWORD),
            ("sign_in_token", "made-up"),
        ],
    );
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!forged.cookies.contains_key("praxis_session"));

    let mut web = Web::new(url);
    let form = web.get("/sign-in?next=/collaboratives/x");
    let token = field(&form.body, "sign_in_token");
    let signed = web.post(
        "/sign-in",
        &[
            ("username", "sam.okafor"),
            ("password", DEMO_PASSWORD),
            ("sign_in_token", &token),
            ("next", "//elsewhere.example/"),
        ],
    );
    assert_eq!(signed.status, StatusCode::SEE_OTHER);
    assert_eq!(signed.location.as_deref(), Some("/"), "never off-site");
    let session = signed
        .set_cookies
        .iter()
        .find(|c| c.starts_with("praxis_session="))
        .unwrap();
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(session.contains(attribute), "{session} lacks {attribute}");
    }
    let home = web.get("/");
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("Signed in as Sam Okafor"));
    assert!(home.body.contains("Independence at home"));

    // Signing out needs the session's CSRF token, and ends the session on the server.
    let old_cookie = web.cookies.get("praxis_session").cloned().unwrap();
    let no_token = web.post("/sign-out", &[("csrf", "")]);
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    assert_eq!(web.get("/").status, StatusCode::OK);
    let csrf = web.csrf();
    let out = web.post("/sign-out", &[("csrf", &csrf)]);
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let mut replay = Web::new(url);
    replay
        .cookies
        .insert("praxis_session".into(), old_cookie.clone());
    assert_eq!(replay.get("/").status, StatusCode::SEE_OTHER);
    // The cookie's token is not what the server keeps.
    let s = storage(&demo.data);
    let stored: i64 = s
        .read(|c| {
            Ok(c.query_row(
                "SELECT count(*) FROM sessions WHERE token_hash = ?1",
                [old_cookie],
                |r| r.get(0),
            )?)
        })
        .unwrap();
    assert_eq!(stored, 0);
}

#[test]
fn a_practitioner_is_refused_the_pages_of_another_team() {
    let demo = demo();
    let s = storage(&demo.data);
    let (collaborative, north, south) = streams(&s);
    let north_measure = first_measure(&s, north);
    let south_measure = first_measure(&s, south);
    let north_cycle = s.project_detail(north).unwrap().overview.ramps[0].steps[0]
        .cycle
        .id;
    let report = s.project_detail(north).unwrap().reports[0].id;
    drop(s);

    let mut dev = Web::sign_in(&demo.server.url, "dev.patel");
    for path in [
        format!("/projects/{north}"),
        format!("/measures/{north_measure}"),
        format!("/measures/{north_measure}/data.csv"),
        format!("/cycles/{north_cycle}"),
        format!("/projects/{north}/cycles.csv"),
    ] {
        let page = dev.get(&path);
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            page.body.contains("not a member of the team"),
            "{path}: {}",
            page.body
        );
        assert!(!page.body.contains("Positive risk"), "{path} leaks");
    }
    // A path whose id is not one is answered with a page saying what was expected.
    for (path, what) in [
        ("/projects/north", "a stream id"),
        ("/cycles/12", "a record id"),
    ] {
        let page = dev.get(path);
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            page.body.contains("<h1>Not found</h1>"),
            "{path}: {}",
            page.body
        );
        assert!(
            page.body.contains(&format!("is not {what} (a UUID)")),
            "{path}: {}",
            page.body
        );
    }
    let csrf = dev.csrf();
    let score = dev.post(
        &format!("/reports/{report}/score"),
        &[("csrf", &csrf), ("score", "4.0"), ("justification", "x")],
    );
    assert_eq!(score.status, StatusCode::FORBIDDEN);
    // His own team's pages open, and the home page lists only what he may see.
    assert_eq!(
        dev.get(&format!("/projects/{south}")).status,
        StatusCode::OK
    );
    assert_eq!(
        dev.get(&format!("/measures/{south_measure}")).status,
        StatusCode::OK
    );
    let home = dev.get("/").body;
    assert!(home.contains(&south.to_string()));
    assert!(!home.contains(&north.to_string()));
    let dashboard = dev.get(&format!("/collaboratives/{collaborative}")).body;
    assert!(dashboard.contains("Riverside"));
    assert!(
        !dashboard.contains("Northside adult"),
        "only his team's row"
    );
}

#[test]
fn reports_scores_and_decisions_from_the_browser_are_events_by_the_person_signed_in() {
    let demo = demo();
    let s = storage(&demo.data);
    let (collaborative, north, _) = streams(&s);
    let amira = person(&s, "amira.hassan");
    let sam = person(&s, "sam.okafor");
    let grace = person(&s, "grace.mensah");
    let events_before = s.events(north).unwrap().len();
    drop(s);
    let url = &demo.server.url;

    // A practitioner submits the month's report.
    let mut practitioner = Web::sign_in(url, "amira.hassan");
    let csrf = practitioner.csrf();
    let report_form = [
        ("csrf", csrf.as_str()),
        ("month", "2031-03"),
        ("measures", "Plans agreed rose to 80%"),
        ("cycles", "Two cycles of the guide"),
        ("learning", "Start from what matters"),
        ("barriers", "Cover in March"),
        ("plans", "Spread to the duty team"),
        ("self_score", "3.5"),
    ];
    // Without the session's CSRF token nothing is recorded.
    let mut forged = report_form;
    forged[0] = ("csrf", "wrong");
    let refused = practitioner.post(&format!("/projects/{north}/reports"), &forged);
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // A score that is not a score is refused, saying how to write one.
    let mut bad = report_form;
    bad[7] = ("self_score", "three");
    let refused = practitioner.post(&format!("/projects/{north}/reports"), &bad);
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("write it like 3.5"),
        "{}",
        refused.body
    );
    assert_eq!(
        storage(&demo.data).events(north).unwrap().len(),
        events_before,
        "refused forms record nothing"
    );
    let submitted = practitioner.post(&format!("/projects/{north}/reports"), &report_form);
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.body
    );
    // A practitioner may not score it.
    let s = storage(&demo.data);
    let report = s
        .project_detail(north)
        .unwrap()
        .reports
        .into_iter()
        .find(|r| r.report.month.to_string() == "2031-03-01")
        .unwrap();
    assert_eq!(report.by, amira);
    drop(s);
    let not_hers = practitioner.post(
        &format!("/reports/{}/score", report.id),
        &[("csrf", &csrf), ("score", "3.0"), ("justification", "self")],
    );
    assert_eq!(not_hers.status, StatusCode::FORBIDDEN);

    // The coordinator scores it with a justification; the dashboard shows both scores.
    let mut coordinator = Web::sign_in(url, "sam.okafor");
    let csrf = coordinator.csrf();
    let scored = coordinator.post(
        &format!("/reports/{}/score", report.id),
        &[
            ("csrf", &csrf),
            ("score", "2.5"),
            (
                "justification",
                "Changes tested; the rise is four weeks old",
            ),
        ],
    );
    assert_eq!(scored.status, StatusCode::SEE_OTHER, "{}", scored.body);
    let s = storage(&demo.data);
    let board = s
        .dashboard(sam, collaborative, time::macros::date!(2031 - 03 - 20))
        .unwrap()
        .unwrap();
    let row = board.teams.iter().find(|t| t.stream == north).unwrap();
    assert_eq!(row.self_score.unwrap().to_string(), "3.5");
    assert_eq!(row.coordinator_score.unwrap().to_string(), "2.5");
    assert_eq!(row.gap_tenths, Some(-10));
    drop(s);
    let page = coordinator.get(&format!("/projects/{north}")).body;
    assert!(page.contains("Changes tested; the rise is four weeks old"));

    // The senior manager records a decision resting on the report.
    let mut manager = Web::sign_in(url, "grace.mensah");
    let csrf = manager.csrf();
    let decided = manager.post(
        &format!("/projects/{north}/decisions"),
        &[
            ("csrf", &csrf),
            ("decision", "Fund the guide for every team"),
            ("rationale", "Plans agreed doubled and held"),
            ("rests_on", &report.id.to_string()),
        ],
    );
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);

    // Each is an event in the stream authored by the person, on their browser device,
    // with a receipt for its change.
    let s = storage(&demo.data);
    let events = s.events(north).unwrap();
    let by_kind = |kind: EventKind| events.iter().rev().find(|e| e.kind == kind.name()).unwrap();
    let submitted = by_kind(EventKind::MonthlyReportSubmitted);
    let score = by_kind(EventKind::CoordinatorScoreGiven);
    let decision = by_kind(EventKind::ManagerDecisionRecorded);
    assert_eq!(
        (submitted.author, score.author, decision.author),
        (amira, sam, grace)
    );
    match &decision.body {
        Some(Event::ManagerDecisionRecorded { rests_on, .. }) => {
            assert_eq!(rests_on, &vec![report.id])
        }
        other => panic!("{other:?}"),
    }
    let devices = s.devices().unwrap();
    let browser = devices.iter().find(|d| d.id == score.device).unwrap();
    assert_eq!(browser.name, "Web browser");
    assert_eq!(browser.person, sam);
    let receipts = s.receipts(north).unwrap();
    for e in [submitted, score, decision] {
        assert!(
            receipts
                .iter()
                .any(|r| r.events == vec![e.id] && r.device == e.device),
            "a receipt for {}",
            e.kind
        );
    }
    assert_eq!(events.len(), events_before + 3);
}

#[test]
fn the_measure_page_explains_each_signal_and_recalculates_limits_from_an_adoption() {
    let demo = demo();
    let s = storage(&demo.data);
    let (_, north, _) = streams(&s);
    let measure = first_measure(&s, north);
    let chart = s.measure_chart(measure, &[]).unwrap().unwrap();
    let shift = chart
        .run_chart
        .as_ref()
        .unwrap()
        .signals
        .iter()
        .find(|x| x.rule == praxis_core::domain::charts::Rule::Shift)
        .expect("the demo measure has a shift")
        .clone();
    let adoption = chart
        .adoptions
        .iter()
        .find_map(|a| a.point)
        .expect("an adopted cycle");
    drop(s);
    let mut web = Web::sign_in(&demo.server.url, "sam.okafor");
    let page = web.get(&format!("/measures/{measure}"));
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains(&shift.explanation.replace('\'', "&#39;"))
            || page.body.contains(&shift.explanation),
        "the shift is explained in words"
    );
    // Each point of the shift is highlighted on the run chart, and only those points
    // that some signal flags.
    let start = page.body.find("data-chart=\"run-chart\"").unwrap();
    let run_svg = &page.body[start..start + page.body[start..].find("</svg>").unwrap()];
    let circles: Vec<&str> = run_svg.split("<circle").skip(1).collect();
    assert_eq!(circles.len(), chart.series.points.len());
    for (i, circle) in circles.iter().enumerate() {
        let flagged = chart
            .signals_at(i)
            .any(|s| chart.run_chart.as_ref().unwrap().signals.contains(s));
        assert_eq!(circle.contains("class=\"signal "), flagged, "point {i}");
        if shift.points.contains(&i) {
            assert!(circle.contains("a shift"), "point {i} says why");
        }
    }
    assert!(page.body.contains("role=\"img\""));
    assert!(page.body.contains(&format!("data-propose=\"{adoption}\"")));
    // The read is in the access log, by the person, under their browser device.
    let s = storage(&demo.data);
    let sam = person(&s, "sam.okafor");
    let logged = s.access_log(&[north]).unwrap();
    let entry = logged
        .iter()
        .find(|e| e.route == "GET /measures/{id}" && e.record == Some(measure))
        .expect("the measure page's read is logged");
    assert_eq!(entry.person, sam);
    let device = s
        .devices()
        .unwrap()
        .into_iter()
        .find(|d| d.id == entry.device)
        .unwrap();
    assert_eq!((device.person, device.name.as_str()), (sam, "Web browser"));
    drop(s);
    // Recalculating from the adoption draws two phases and says where.
    let again = web.get(&format!("/measures/{measure}?from={adoption}"));
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.body.contains("limits recalculated"));
    assert_eq!(
        again.body.matches("class=\"line-centre\"").count(),
        1 + 2,
        "run median + two XmR means"
    );
    // A point that is not a number is refused, saying how to write it.
    let bad = web.get(&format!("/measures/{measure}?from=soon"));
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("0 is the first"));
}

#[test]
fn csv_exports_read_back_as_the_views_they_come_from() {
    let demo = demo();
    let s = storage(&demo.data);
    let (collaborative, north, south) = streams(&s);
    let measure = first_measure(&s, north);
    let sam = person(&s, "sam.okafor");
    let chart = s.measure_chart(measure, &[5]).unwrap().unwrap();
    let details = [
        s.project_detail(north).unwrap(),
        s.project_detail(south).unwrap(),
    ];
    drop(s);
    let mut web = Web::sign_in(&demo.server.url, "sam.okafor");

    let csv_rows = |text: &str| -> Vec<csv::StringRecord> {
        csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap())
            .collect()
    };
    let page = web.get(&format!("/measures/{measure}/data.csv?from=5"));
    assert_eq!(page.status, StatusCode::OK);
    let rows = csv_rows(&page.body);
    assert_eq!(rows.len(), chart.series.points.len());
    let xmr = chart.xmr.as_ref().unwrap();
    for (i, (row, point)) in rows.iter().zip(&chart.series.points).enumerate() {
        assert_eq!(row[0], point.period_start.to_string());
        assert_eq!(row[2].parse::<f64>().unwrap(), point.plotted);
        let flagged_run = chart
            .run_chart
            .as_ref()
            .unwrap()
            .signals
            .iter()
            .filter(|s| s.points.contains(&i))
            .count();
        let listed_run = if row[7].is_empty() {
            0
        } else {
            row[7].split("; ").count()
        };
        assert_eq!(listed_run, flagged_run, "run chart signals at point {i}");
        let flagged_xmr = xmr.signals.iter().filter(|s| s.points.contains(&i)).count();
        let listed_xmr = if row[8].is_empty() {
            0
        } else {
            row[8].split("; ").count()
        };
        assert_eq!(listed_xmr, flagged_xmr, "XmR signals at point {i}");
        let phase = xmr.phases.iter().find(|p| p.points().contains(&i)).unwrap();
        assert_eq!(row[9].parse::<f64>().unwrap(), phase.mean);
    }

    let reports = csv_rows(
        &web.get(&format!("/collaboratives/{collaborative}/reports.csv"))
            .body,
    );
    let expected: Vec<_> = details.iter().flat_map(|d| d.reports.iter()).collect();
    assert_eq!(reports.len(), expected.len());
    assert!(!expected.is_empty());
    for r in &expected {
        let row = reports
            .iter()
            .find(|row| row[1] == r.id.to_string())
            .unwrap();
        assert_eq!(row[2], r.report.month.to_string());
        assert_eq!(row[3], r.report.self_score.to_string());
        assert_eq!(
            row[4],
            r.scores
                .last()
                .map(|x| x.score.to_string())
                .unwrap_or_default()
        );
        assert_eq!(row[8], r.report.learning);
    }

    let cycles = csv_rows(&web.get(&format!("/projects/{north}/cycles.csv")).body);
    let lines: Vec<_> = details[0]
        .overview
        .cycles_by_stage
        .values()
        .flatten()
        .collect();
    assert_eq!(cycles.len(), lines.len());
    for c in lines {
        let row = cycles
            .iter()
            .find(|row| row[0] == c.id.to_string())
            .unwrap();
        assert_eq!(row[1], c.objective);
        assert_eq!(&row[2], c.stage.label());
    }
    let _ = sam;
}

#[test]
fn the_collaborative_report_prints_every_team_for_a_month() {
    let demo = demo();
    let s = storage(&demo.data);
    let (collaborative, north, south) = streams(&s);
    let north_detail = s.project_detail(north).unwrap();
    let south_detail = s.project_detail(south).unwrap();
    drop(s);
    let latest = north_detail.reports.last().unwrap();
    let month = latest.report.month.to_string()[..7].to_string();
    let mut web = Web::sign_in(&demo.server.url, "grace.mensah");
    let page = web.get(&format!(
        "/collaboratives/{collaborative}/report?month={month}"
    ));
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("@media print"), "a print stylesheet");
    let team = north_detail.overview.project.as_ref().unwrap().team.clone();
    assert!(page.body.contains(&team));
    let escaped = |t: &str| t.replace('\'', "&#39;").replace('&', "&amp;");
    assert!(
        page.body.contains(&latest.report.learning)
            || page.body.contains(&escaped(&latest.report.learning)),
        "the month's report is in it"
    );
    for score in &latest.scores {
        assert!(page.body.contains(&score.score.to_string()));
    }
    // A senior manager of Northside sees only Northside.
    let other = south_detail.overview.project.as_ref().unwrap().team.clone();
    assert!(!page.body.contains(&other));

    // The coordinator's report has both teams; a month that is not one is refused.
    let mut coordinator = Web::sign_in(&demo.server.url, "sam.okafor");
    let all = coordinator.get(&format!(
        "/collaboratives/{collaborative}/report?month={month}"
    ));
    assert!(all.body.contains(&team) && all.body.contains(&other));
    let bad = coordinator.get(&format!("/collaboratives/{collaborative}/report?month=May"));
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("such as month=2026-05"));
    // The dashboard says where the collaborative is in its calendar.
    let dashboard = coordinator.get(&format!("/collaboratives/{collaborative}"));
    assert!(dashboard.body.contains("Where we are:"));
    assert!(
        dashboard.body.contains("Action Period 2"),
        "the demo is seeded in Action Period 2"
    );
}
