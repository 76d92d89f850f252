#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Wrong passwords, repeated failures, expired tokens and revoked phones: each refused
//! with a message that says what to do.

use praxis_core::store::Store;
use praxis_core::sync::{Credentials, NoProgress, Retry, Server, SyncError};
use praxis_server::storage::Storage;
use praxis_testkit::server::{PASSWORD, Phone, TestServer, fixture};
use reqwest::blocking::Client;
use std::sync::atomic::AtomicBool;

fn enrol(server: &TestServer, username: &str, password: &str) -> (u16, serde_json::Value) {
    let response = Client::new()
        .post(format!("{}/api/v1/devices", server.url))
        .json(&serde_json::json!({ "username": username, "password": password, "device_name": "phone" }))
        .send()
        .unwrap();
    (response.status().as_u16(), response.json().unwrap())
}

#[test]
fn wrong_passwords_are_refused_and_repeated_failures_are_slowed_down() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fixture(&data);
    let server = TestServer::start(&data);
    let (status, body) = enrol(&server, "practitioner-north", "not the password");
    assert_eq!(status, 401);
    assert_eq!(body["error"], "wrong_credentials");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("username or password is wrong")
    );
    let (status, _) = enrol(&server, "nobody-at-all", PASSWORD);
    assert_eq!(
        status, 401,
        "an unknown username reads like a wrong password"
    );
    for _ in 0..4 {
        enrol(&server, "practitioner-north", "still wrong");
    }
    let (status, body) = enrol(&server, "practitioner-north", PASSWORD);
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"], "rate_limited");
    assert!(body["message"].as_str().unwrap().contains("seconds"));
    // Another person is not affected.
    let (status, body) = enrol(&server, "practitioner2-north", PASSWORD);
    assert_eq!(status, 201, "{body}");
    assert!(body["token"].as_str().unwrap().len() >= 64);
    // Malformed enrolment.
    let response = Client::new()
        .post(format!("{}/api/v1/devices", server.url))
        .body("{")
        .send()
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[test]
fn an_expired_token_and_a_revoked_phone_are_told_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fixture(&data);
    {
        let server = TestServer::start_with(&data, &["--token-days", "0"]);
        let mut store = Store::create(&dir.path().join("expired.sqlite3"), "x").unwrap();
        let client = Server::new(&server.url).unwrap().with_retry(Retry::never());
        client
            .enrol(
                &mut store,
                &Credentials::password("practitioner-north", PASSWORD),
                "old phone",
            )
            .unwrap();
        let err = client
            .sync(&mut store, &mut NoProgress, &AtomicBool::new(false))
            .unwrap_err();
        assert!(err.to_string().contains("expired"), "{err}");
    }
    let server = TestServer::start(&data);
    let mut phone = Phone::enrol(dir.path(), &server.url, "practitioner-north");
    phone.sync();
    let storage = praxis_testkit::server::open_storage(&data).unwrap();
    storage
        .revoke_device(phone.store.identity().device, "reported lost")
        .unwrap();
    let err = phone
        .server
        .sync(&mut phone.store, &mut NoProgress, &AtomicBool::new(false))
        .unwrap_err();
    assert!(matches!(err, SyncError::Revoked(_)), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("revoked")
            && message.contains("reported lost")
            && message.contains("enrol"),
        "{message}"
    );
    let response = server.get("/api/v1/streams", &phone.token);
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().unwrap();
    assert_eq!(body["error"], "device_revoked");
}

/// A device's name is shown in lists, pages and logs: at enrolment it may not be too
/// long or hold control characters, and nothing is enrolled when it is refused.
#[test]
fn a_device_name_too_long_or_with_control_characters_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fixture(&data);
    let server = TestServer::start(&data);
    let devices = praxis_testkit::server::open_storage(&data)
        .unwrap()
        .devices()
        .unwrap()
        .len();
    for name in ["a\nforged line", &"x".repeat(61), "bell\u{7}", "   "] {
        let response = Client::new()
            .post(format!("{}/api/v1/devices", server.url))
            .json(&serde_json::json!({"username": "practitioner-north", "password": PASSWORD, "device_name": name}))
            .send()
            .unwrap();
        assert_eq!(response.status(), 400, "{name:?}");
        let body: serde_json::Value = response.json().unwrap();
        assert!(body["message"].as_str().unwrap().contains("name"), "{body}");
    }
    assert_eq!(
        praxis_testkit::server::open_storage(&data)
            .unwrap()
            .devices()
            .unwrap()
            .len(),
        devices
    );
    let (status, _) = enrol(&server, "practitioner-north", PASSWORD);
    assert_eq!(status, 201, "a plain name is taken");
}
