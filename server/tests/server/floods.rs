//! Floods of sign-ins: guesses sent all at once are counted before their passwords
//! are checked, so no more than the limit are ever tried; a flood for unknown
//! usernames is answered "busy" beyond the few password hashes the server runs at
//! once, so its memory stays bounded; behind a trusted proxy each client is counted
//! by its own address; and the page a sign-in returns to is always a page of this
//! site.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_testkit::server::{PASSWORD, TestServer, fixture};
use std::collections::HashMap;

/// The failed sign-ins the server allows within its window before refusing.
const ALLOWED: usize = 5;

async fn enrol_all(url: &str, attempts: Vec<(String, String)>) -> HashMap<u16, usize> {
    let client = reqwest::Client::new();
    let requests = attempts.into_iter().map(|(username, password)| {
        let client = client.clone();
        let url = format!("{url}/api/v1/devices");
        tokio::spawn(async move {
            client
                .post(url)
                .json(&serde_json::json!({"username": username, "password": password, "device_name": "phone"}))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        })
    });
    let mut statuses = HashMap::new();
    for request in requests.collect::<Vec<_>>() {
        *statuses.entry(request.await.unwrap()).or_insert(0) += 1;
    }
    statuses
}

/// The server process's peak resident memory, in KiB.
fn peak_kib(server: &TestServer) -> u64 {
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", server.pid().unwrap())).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM in /proc/<pid>/status")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guesses_sent_at_once_are_tried_no_more_than_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fixture(&data);
    let server = TestServer::start(&data);
    let mut attempts: Vec<(String, String)> = (0..99)
        .map(|n| ("practitioner-north".to_string(), format!("guess {n}")))
        .collect();
    attempts.insert(50, ("practitioner-north".into(), PASSWORD.into()));
    let statuses = enrol_all(&server.url, attempts).await;
    let tried = statuses.get(&401).copied().unwrap_or(0) + statuses.get(&201).copied().unwrap_or(0);
    assert!(
        tried <= ALLOWED,
        "{tried} passwords were tried: {statuses:?}"
    );
    assert_eq!(
        statuses.values().sum::<usize>(),
        100,
        "every request was answered: {statuses:?}"
    );
    assert!(
        statuses.keys().all(|s| [201, 401, 429, 503].contains(s)),
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_for_unknown_usernames_keeps_memory_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fixture(&data);
    let server = TestServer::start(&data);
    let attempts = (0..500)
        .map(|n| (format!("nobody-{n}"), "a guess".to_string()))
        .collect();
    let statuses = enrol_all(&server.url, attempts).await;
    assert_eq!(statuses.values().sum::<usize>(), 500, "{statuses:?}");
    assert!(
        statuses.contains_key(&401),
        "some were checked: {statuses:?}"
    );
    // Each argon2 hash takes 19 MiB; unbounded, 500 at once took the server past 3 GB.
    let peak = peak_kib(&server);
    assert!(
        peak < 400 * 1024,
        "the server's memory peaked at {} MiB",
        peak / 1024
    );
}

#[test]
fn sign_in_returns_only_to_a_page_of_this_site() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fixture(&data);
    let server = TestServer::start(&data);
    let client = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (next, expected) in [
        ("/projects", "/projects"),
        ("/\t/evil.example", "/"),
        ("/\n/evil.example", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example", "/"),
    ] {
        // The sign-in form's double-submit token, from the form itself.
        let form = client
            .get(format!("{}/sign-in", server.url))
            .send()
            .unwrap();
        let cookie = form
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("praxis_sign_in="))
            .expect("the sign-in form sets its cookie")
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let token = cookie.trim_start_matches("praxis_sign_in=").to_string();
        let answer = client
            .post(format!("{}/sign-in", server.url))
            .header("cookie", &cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(
                form_urlencoded::Serializer::new(String::new())
                    .append_pair("username", "practitioner-north")
                    .append_pair("password", PASSWORD)
                    .append_pair("sign_in_token", &token)
                    .append_pair("next", next)
                    .finish(),
            )
            .send()
            .unwrap();
        assert_eq!(answer.status(), 303, "{next:?}");
        assert_eq!(
            answer.headers()["location"].to_str().unwrap(),
            expected,
            "after signing in with next={next:?}"
        );
    }
}

fn enrol_once(url: &str, username: &str, password: &str) -> u16 {
    enrol_as(url, None, username, password)
}

/// An enrolment, through a proxy that says it came from `forwarded_for` when given.
fn enrol_as(url: &str, forwarded_for: Option<&str>, username: &str, password: &str) -> u16 {
    let mut request = reqwest::blocking::Client::new().post(format!("{url}/api/v1/devices"));
    if let Some(client) = forwarded_for {
        request = request.header("x-forwarded-for", client);
    }
    request
        .json(&serde_json::json!({"username": username, "password": password, "device_name": "phone"}))
        .send()
        .unwrap()
        .status()
        .as_u16()
}

/// The counts are in the database: a restart does not give an attacker fresh tries.
#[test]
fn a_restart_keeps_the_failures_counted() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fixture(&data);
    let server = TestServer::start(&data);
    for n in 0..ALLOWED {
        assert_eq!(
            enrol_once(&server.url, "practitioner-north", &format!("guess {n}")),
            401
        );
    }
    assert_eq!(enrol_once(&server.url, "practitioner-north", PASSWORD), 429);
    drop(server);
    let server = TestServer::start(&data);
    assert_eq!(
        enrol_once(&server.url, "practitioner-north", PASSWORD),
        429,
        "still held back after a restart"
    );
}

/// An address that fails against many usernames is held back itself, so its guesses
/// stop counting against anyone; another person's sign-in from it waits too.
#[test]
fn an_address_guessing_many_usernames_is_held_back() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fixture(&data);
    let server = TestServer::start(&data);
    for n in 0..20 {
        assert_eq!(
            enrol_once(&server.url, &format!("nobody-{n}"), "a guess"),
            401
        );
    }
    assert_eq!(enrol_once(&server.url, "nobody-else", "a guess"), 429);
    assert_eq!(
        enrol_once(&server.url, "practitioner-north", PASSWORD),
        429,
        "this address waits, whoever it names"
    );
}

fn enrol_from(url: &str, forwarded_for: &str, username: &str, password: &str) -> u16 {
    enrol_as(url, Some(forwarded_for), username, password)
}

/// Behind a proxy the server is told to trust, each client is counted by the address
/// the proxy saw, so one client guessing holds back no one else; an address a client
/// wrote into X-Forwarded-For itself counts for nothing. A server not told of a proxy
/// believes no X-Forwarded-For.
#[test]
fn behind_a_trusted_proxy_each_client_address_is_counted_apart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fixture(&data);
    let server = TestServer::start_with(&data, &["--trusted-proxy", "127.0.0.1"]);
    for n in 0..20 {
        assert_eq!(
            enrol_from(
                &server.url,
                "203.0.113.7",
                &format!("nobody-{n}"),
                "a guess"
            ),
            401
        );
    }
    assert_eq!(
        enrol_from(&server.url, "203.0.113.7", "nobody-else", "a guess"),
        429
    );
    assert_eq!(
        enrol_from(
            &server.url,
            "198.51.100.1, 203.0.113.7",
            "nobody-else",
            "a guess"
        ),
        429,
        "a hop the client wrote before the proxy's does not change who it is"
    );
    assert_eq!(
        enrol_from(&server.url, "203.0.113.8", "practitioner-north", PASSWORD),
        201,
        "another client behind the same proxy is not held back"
    );
    drop(server);

    let untrusting = tempfile::tempdir().unwrap();
    let data = untrusting.path().join("data");
    fixture(&data);
    let server = TestServer::start(&data);
    for n in 0..20 {
        let forged = format!("203.0.113.{n}");
        assert_eq!(
            enrol_from(&server.url, &forged, &format!("nobody-{n}"), "a guess"),
            401
        );
    }
    assert_eq!(
        enrol_from(&server.url, "203.0.113.99", "practitioner-north", PASSWORD),
        429,
        "without a trusted proxy, the connection's own address is counted"
    );
}
