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
use praxis_server::storage::{SqliteStorage, Storage, Views};
use praxis_testkit::server::TestServer;
use reqwest::StatusCode;
use std::path::Path;

use praxis_testkit::web::{Web, field};

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
    praxis_testkit::server::open_storage(data).unwrap()
}

fn person(s: &SqliteStorage, username: &str) -> PersonId {
    s.people()
        .unwrap()
        .into_iter()
        .find(|p| p.username == username)
        .unwrap()
        .id
}

/// The measure of project `stream` named `name`.
fn measure_named(s: &SqliteStorage, stream: StreamId, name: &str) -> EventId {
    s.project_detail(stream)
        .unwrap()
        .overview
        .measures
        .iter()
        .find(|m| m.definition.as_ref().is_some_and(|d| d.name == name))
        .unwrap_or_else(|| panic!("no measure named {name}"))
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
        // The same answer as for an id that does not exist: nothing tells an outsider
        // that the record is there.
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            page.body.contains("that you may read"),
            "{path}: {}",
            page.body
        );
        assert!(!page.body.contains("Positive risk"), "{path} leaks");
        let made_up = "01a21811-3cd2-7194-ab0a-c489dee751ec";
        let real = [
            north.to_string(),
            north_measure.to_string(),
            north_cycle.to_string(),
        ]
        .into_iter()
        .find(|id| path.contains(id.as_str()))
        .unwrap();
        let missing = dev.get(&path.replace(&real, made_up));
        assert_eq!(missing.status, page.status, "{path}");
        assert_eq!(missing.body, page.body.replace(&real, made_up), "{path}");
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
    assert_eq!(score.status, StatusCode::NOT_FOUND);
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

mod baseline;
mod exports;
mod observations;
mod predictions;
mod queue;
mod recording;
