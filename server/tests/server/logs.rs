//! The server's log, as a log shipper reads it (`--log-format json`): one JSON object
//! per line, each request with its method, the route matched, its status and time,
//! and the device behind it; refusals named by their code; never a token or a
//! password.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_testkit::server::{PASSWORD, fixture};
use reqwest::blocking::Client;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn requests_and_refusals_are_logged_as_json_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fixture(&data);
    let mut server = Command::new(praxis_testkit::binary("praxis-server"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--data-dir",
        ])
        .arg(&data)
        .args(praxis_testkit::server::engine_options(&data))
        .env("RUST_LOG", "praxis_server=info,tower_http=info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(server.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line
        .trim()
        .strip_prefix("praxis-server listening on ")
        .expect("the server says where it listens")
        .to_string();

    let client = Client::new();
    let enrolled: Value = client
        .post(format!("{url}/api/v1/devices"))
        .json(&serde_json::json!({"username": "practitioner-north", "password": PASSWORD, "device_name": "phone"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let token = enrolled["token"].as_str().unwrap().to_string();
    let device = enrolled["device_id"].as_str().unwrap().to_string();
    assert_eq!(
        client
            .get(format!("{url}/api/v1/streams"))
            .bearer_auth(&token)
            .send()
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        client
            .get(format!("{url}/api/v1/streams"))
            .bearer_auth("pxd_not-a-token")
            .send()
            .unwrap()
            .status(),
        401
    );
    server.kill().unwrap();
    let _ = server.wait();
    let log: Vec<Value> = BufReader::new(server.stderr.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .map(|l| serde_json::from_str(&l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let text = serde_json::to_string(&log).unwrap();
    assert!(!text.contains(&token), "the log holds no token");
    assert!(!text.contains(PASSWORD), "the log holds no password");
    let answered = |status: u64| {
        log.iter().find(|e| {
            e["fields"]["message"] == "answered"
                && e["fields"]["status"] == status
                && e["span"]["route"] == "/api/v1/streams"
        })
    };
    let ok = answered(200).unwrap_or_else(|| panic!("the read is logged: {text}"));
    assert_eq!(ok["span"]["method"], "GET");
    assert_eq!(ok["span"]["device"], device.as_str(), "{ok}");
    assert!(ok["fields"]["latency_ms"].is_u64(), "{ok}");
    answered(401).unwrap_or_else(|| panic!("the refusal is logged: {text}"));
    assert!(
        log.iter()
            .any(|e| e["fields"]["message"] == "refused"
                && e["fields"]["code"] == "sign_in_required"),
        "{text}"
    );
}
