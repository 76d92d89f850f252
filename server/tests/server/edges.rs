//! What every answer carries on its way out: security headers on pages, API answers
//! and errors alike, HSTS only when the server is told it is behind TLS, and one JSON
//! error shape for the API's errors that no handler wrote (a method the route does
//! not take, a body too large, a query string that does not parse).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_testkit::server::{PASSWORD, TestServer, fixture};
use reqwest::blocking::{Client, Response};
use serde_json::Value;

fn header(response: &Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

fn json_error(response: Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status(), status);
    assert!(
        header(&response, "content-type").starts_with("application/json"),
        "{status} answers JSON"
    );
    let body: Value = response.json().unwrap();
    assert_eq!(body["error"], code, "{body}");
    assert!(!body["message"].as_str().unwrap().is_empty(), "{body}");
    assert!(body["details"].is_array(), "{body}");
    body
}

#[test]
fn every_answer_carries_the_security_headers_and_api_errors_one_shape() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fixture(&data);
    let server = TestServer::start(&data);
    let client = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    for path in ["/sign-in", "/api/v1/streams", "/no/such/page", "/field/"] {
        let answer = client.get(format!("{}{path}", server.url)).send().unwrap();
        let csp = header(&answer, "content-security-policy");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("script-src 'self' 'unsafe-inline'"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(
            header(&answer, "x-content-type-options"),
            "nosniff",
            "{path}"
        );
        assert_eq!(header(&answer, "referrer-policy"), "same-origin", "{path}");
        assert_eq!(
            header(&answer, "strict-transport-security"),
            "",
            "{path}: no HSTS over plain HTTP"
        );
        let cache = header(&answer, "cache-control");
        if path == "/field/" {
            assert_eq!(
                cache, "no-cache",
                "the field app's shell holds no one's data"
            );
        } else {
            assert_eq!(cache, "no-store", "{path}");
        }
    }

    let wrong_method = client
        .delete(format!("{}/api/v1/streams", server.url))
        .send()
        .unwrap();
    json_error(wrong_method, 405, "method_not_allowed");
    let too_large = client
        .post(format!("{}/api/v1/devices", server.url))
        .header("content-type", "application/json")
        .body(vec![b' '; 200 * 1024])
        .send()
        .unwrap();
    json_error(too_large, 413, "too_large");
    let enrolled: Value = client
        .post(format!("{}/api/v1/devices", server.url))
        .json(&serde_json::json!({"username": "practitioner-north", "password": PASSWORD, "device_name": "phone"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let bad_query = client
        .get(format!(
            "{}/api/v1/measures/01a21811-3cd2-7194-ab0a-c489dee751ec/chart?from=several",
            server.url
        ))
        .bearer_auth(enrolled["token"].as_str().unwrap())
        .send()
        .unwrap();
    json_error(bad_query, 400, "bad_request");
    json_error(
        client
            .get(format!("{}/api/v1/nothing-here", server.url))
            .send()
            .unwrap(),
        404,
        "not_found",
    );
}

#[test]
fn a_server_behind_tls_says_so_with_hsts() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fixture(&data);
    let server = TestServer::start_with(&data, &["--behind-tls"]);
    let answer = Client::new()
        .get(format!("{}/sign-in", server.url))
        .send()
        .unwrap();
    assert!(header(&answer, "strict-transport-security").starts_with("max-age="));
}

/// Reads from `stream` until the server closes it, for at most `bound`; true when it
/// closed. A bound, not a timing: the server's own limit is far below it.
fn closed_within(stream: &mut std::net::TcpStream, bound: std::time::Duration) -> bool {
    use std::io::Read;
    stream
        .set_read_timeout(Some(std::time::Duration::from_millis(200)))
        .unwrap();
    let started = std::time::Instant::now();
    let mut buffer = [0u8; 1024];
    while started.elapsed() < bound {
        match stream.read(&mut buffer) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return true,
        }
    }
    false
}

/// A client that never finishes its request's headers is cut off, and no more
/// connections than the cap are served at once: the next waits until one closes.
#[test]
fn slow_headers_are_cut_off_and_open_connections_are_capped() {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fixture(&data);
    let server =
        TestServer::start_with(&data, &["--header-timeout", "1", "--max-connections", "2"]);
    let addr = server.url.trim_start_matches("http://").to_string();

    let mut slow = TcpStream::connect(&addr).unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: praxis\r\n")
        .unwrap();
    assert!(
        closed_within(&mut slow, Duration::from_secs(30)),
        "a request whose headers never end is cut off"
    );

    drop(server);
    // Two connections held open after a request each: the cap. (The header timeout
    // also ends a connection that sends nothing more, so it is long here.)
    let server = TestServer::start_with(
        &data,
        &["--header-timeout", "300", "--max-connections", "2"],
    );
    let addr = server.url.trim_start_matches("http://").to_string();
    let ask = |stream: &mut TcpStream| {
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: praxis\r\n\r\n")
            .unwrap();
    };
    let answered = |stream: &mut TcpStream, wait: Duration| -> bool {
        stream.set_read_timeout(Some(wait)).unwrap();
        let mut buffer = [0u8; 256];
        matches!(stream.read(&mut buffer), Ok(n) if n > 0 && buffer.starts_with(b"HTTP/1.1 200"))
    };
    let mut first = TcpStream::connect(&addr).unwrap();
    ask(&mut first);
    assert!(answered(&mut first, Duration::from_secs(30)));
    let mut second = TcpStream::connect(&addr).unwrap();
    ask(&mut second);
    assert!(answered(&mut second, Duration::from_secs(30)));
    let mut third = TcpStream::connect(&addr).unwrap();
    ask(&mut third);
    assert!(
        !answered(&mut third, Duration::from_secs(2)),
        "a third connection waits while two are open"
    );
    drop(first);
    assert!(
        answered(&mut third, Duration::from_secs(30)),
        "and is served once one closes"
    );
}
