#![allow(clippy::unwrap_used, clippy::expect_used)]
//! One-time enrolment codes through the person's own path: signed in to the browser,
//! they make a code on `/devices/enrol` and type it on a device, which enrols as
//! theirs through `POST /api/v1/devices` with no password. A code works once, while
//! it lasts, and only from a form of their session; a refused code enrols nothing.

use praxis_core::domain::ids::PersonId;
use praxis_core::store::Store;
use praxis_core::sync::{Credentials, NoProgress, Retry, Server, SyncError};
use praxis_server::auth::token_hash;
use praxis_server::storage::{Storage, Views};
use praxis_testkit::server::{PASSWORD, running};
use praxis_testkit::web::Web;
use reqwest::StatusCode;
use reqwest::blocking::Client;
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// Makes a code through the page's form, as the signed-in person does.
fn make_code(web: &mut Web) -> (String, String) {
    let (code, page) = web.enrolment_code();
    (code, page.body)
}

/// `POST /api/v1/devices` with a code: the status and the JSON answer.
fn enrol_with(url: &str, code: &str) -> (u16, serde_json::Value) {
    let response = Client::new()
        .post(format!("{url}/api/v1/devices"))
        .json(&serde_json::json!({ "enrolment_code": code, "device_name": "Asha's phone" }))
        .send()
        .unwrap();
    (response.status().as_u16(), response.json().unwrap())
}

fn devices(data: &Path) -> usize {
    praxis_testkit::server::open_storage(data)
        .unwrap()
        .devices()
        .unwrap()
        .len()
}

fn person(data: &Path, username: &str) -> PersonId {
    praxis_testkit::server::open_storage(data)
        .unwrap()
        .people()
        .unwrap()
        .into_iter()
        .find(|p| p.username == username)
        .unwrap()
        .id
}

fn refused_for_its_code(status: u16, body: &serde_json::Value) {
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"], "wrong_enrolment_code", "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("/devices/enrol") && message.contains("new code"),
        "{message}"
    );
}

#[test]
fn a_code_made_in_the_browser_enrols_a_device_once_which_then_syncs_as_its_person() {
    let setup = running();
    let url = &setup.server.url;
    let data = setup.dir.path().join("data");
    let asha = person(&data, "practitioner-north");
    let mut web = Web::sign_in_as(url, "practitioner-north", PASSWORD);
    assert!(
        web.get("/").body.contains("href=\"/devices/enrol\""),
        "linked from the pages"
    );
    let (code, page) = make_code(&mut web);
    assert_eq!(code.len(), 19, "four groups of four: {code}");
    assert!(
        page.contains(&format!("praxis enrol --server {url} --code {code}")),
        "the page gives the command to type: {page}"
    );

    // Typed in small letters without dashes, it enrols a device as the person.
    let before = devices(&data);
    let typed = code.replace('-', "").to_lowercase();
    let (status, enrolled) = enrol_with(url, &typed);
    assert_eq!(status, 201, "{enrolled}");
    assert_eq!(enrolled["person_id"], asha.to_string());
    let token = enrolled["token"].as_str().unwrap();
    let streams = setup.server.get_json("/api/v1/streams", token);
    assert!(
        streams["streams"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "Independence at home"),
        "{streams}"
    );
    assert_eq!(devices(&data), before + 1);

    // The same code again: refused, saying where to make a new one; no device.
    let (status, body) = enrol_with(url, &code);
    refused_for_its_code(status, &body);
    assert_eq!(devices(&data), before + 1);

    // A device of the client core enrols with a new code and syncs as the person.
    let (code, _) = make_code(&mut web);
    let mut store = Store::create(&setup.dir.path().join("phone.sqlite3"), "phone").unwrap();
    let server = Server::new(url).unwrap().with_retry(Retry::never());
    let enrolment = server
        .enrol(
            &mut store,
            &Credentials::EnrolmentCode(code.clone()),
            "Asha's tablet",
        )
        .unwrap();
    assert_eq!(enrolment.person, asha);
    assert_eq!(store.identity().person, asha);
    let reports = server
        .sync(&mut store, &mut NoProgress, &AtomicBool::new(false))
        .unwrap();
    assert!(
        !reports.is_empty() && reports.iter().all(|r| r.synced()),
        "{reports:?}"
    );
    let mut again = Store::create(&setup.dir.path().join("other.sqlite3"), "other").unwrap();
    let err = server
        .enrol(
            &mut again,
            &Credentials::EnrolmentCode(code),
            "another phone",
        )
        .unwrap_err();
    assert!(matches!(err, SyncError::WrongEnrolmentCode(_)), "{err:?}");
    assert!(err.to_string().contains("/devices/enrol"), "{err}");
    assert_eq!(devices(&data), before + 2);
}

#[test]
fn an_expired_or_replaced_code_is_refused_and_enrols_nothing() {
    let setup = running();
    let url = &setup.server.url;
    let data = setup.dir.path().join("data");
    let mut web = Web::sign_in_as(url, "practitioner-north", PASSWORD);
    let (first, _) = make_code(&mut web);
    let (second, _) = make_code(&mut web);
    let before = devices(&data);
    let (status, body) = enrol_with(url, &first);
    refused_for_its_code(status, &body);

    // A code past its time (issued here to last no time at all) is refused too.
    praxis_testkit::server::open_storage(&data)
        .unwrap()
        .issue_enrolment_code(
            person(&data, "practitioner-south"),
            &token_hash("7KQ2M9XD4HTRB3WN"),
            0,
        )
        .unwrap();
    let (status, body) = enrol_with(url, "7KQ2-M9XD-4HTR-B3WN");
    refused_for_its_code(status, &body);
    assert_eq!(devices(&data), before);

    let (status, body) = enrol_with(url, &second);
    assert_eq!(status, 201, "the newest code works: {body}");
}

#[test]
fn a_form_without_the_session_token_makes_no_code_and_a_stranger_is_sent_to_sign_in() {
    let setup = running();
    let url = &setup.server.url;
    let mut web = Web::sign_in_as(url, "practitioner-north", PASSWORD);
    let (code, _) = make_code(&mut web);
    for form in [&[("csrf", "")][..], &[("csrf", "made-up")][..], &[][..]] {
        let refused = web.post("/devices/enrol", form);
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
        assert!(!refused.body.contains("data-enrolment-code"));
    }
    // No new code was made: one would have spent the earlier code, which still works.
    let (status, body) = enrol_with(url, &code);
    assert_eq!(status, 201, "{body}");

    let mut stranger = Web::new(url);
    let page = stranger.get("/devices/enrol");
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(
        page.location.as_deref(),
        Some("/sign-in?next=/devices/enrol")
    );
    let posted = stranger.post("/devices/enrol", &[("csrf", "made-up")]);
    assert_eq!(posted.status, StatusCode::SEE_OTHER);
}

/// Codes cannot be guessed in bulk: past the failures a client address is allowed,
/// it waits before any code of its is tried, even a right one.
#[test]
fn guessing_codes_in_bulk_is_held_back() {
    let setup = running();
    let url = &setup.server.url;
    let mut web = Web::sign_in_as(url, "practitioner-north", PASSWORD);
    let (code, _) = make_code(&mut web);
    for i in 0..praxis_server::sign_in_limit::ADDRESS_ALLOWED {
        let (status, body) = enrol_with(url, &format!("AAAA-BBBB-CCCC-{i:04}"));
        refused_for_its_code(status, &body);
    }
    let (status, body) = enrol_with(url, &code);
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"], "rate_limited");
    assert!(
        body["message"].as_str().unwrap().contains("seconds"),
        "{body}"
    );
}

#[test]
fn a_request_with_a_code_and_a_password_both_is_refused() {
    let setup = running();
    let response = Client::new()
        .post(format!("{}/api/v1/devices", setup.server.url))
        .json(&serde_json::json!({
            "username": "practitioner-north", "password": PASSWORD,
            "enrolment_code": "7KQ2-M9XD-4HTR-B3WN", "device_name": "phone"
        }))
        .send()
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().unwrap();
    assert!(
        body["message"].as_str().unwrap().contains("enrolment_code"),
        "{body}"
    );
}
