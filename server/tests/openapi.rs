#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The OpenAPI document is served, is valid JSON, and describes the routes that exist:
//! every documented route answers (it is not the fallback), and every route the
//! server has is documented.

mod common;

use common::{TestServer, fixture};
use reqwest::blocking::Client;

/// The routes `api::router` defines; a new route must be added here and documented.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/api/openapi.json"),
    ("post", "/api/v1/devices"),
    ("get", "/api/v1/streams"),
    ("post", "/api/v1/streams/{stream_id}/sync"),
    ("get", "/api/v1/streams/{stream_id}"),
    ("get", "/api/v1/streams/{stream_id}/events"),
    ("get", "/api/v1/streams/{stream_id}/receipts"),
    ("get", "/api/v1/streams/{stream_id}/feed"),
    ("get", "/api/v1/records/{id}/history"),
    ("get", "/api/v1/cycles/{id}"),
    ("get", "/api/v1/measures/{id}"),
    ("get", "/api/v1/measures/{id}/chart"),
    ("get", "/api/v1/collaboratives/{stream_id}/dashboard"),
    ("get", "/api/v1/streams/{stream_id}/detail"),
    ("get", "/api/v1/audit/timeline"),
    ("get", "/api/v1/audit/access"),
    ("get", "/api/v1/audit/bundle"),
    ("get", "/api/v1/audit/decisions/{id}"),
    ("get", "/api/v1/audit/streams/{stream_id}/as-it-stood"),
    ("get", "/api/v1/audit/streams/{stream_id}/decisions"),
    ("get", "/api/v1/audit/streams/{stream_id}/integrity"),
];

#[test]
fn the_openapi_document_describes_exactly_the_routes_the_server_has() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    fixture(&data);
    let server = TestServer::start(&data);
    let doc: serde_json::Value = Client::new()
        .get(format!("{}/api/openapi.json", server.url))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push((method.clone(), path.clone()));
        }
    }
    documented.sort();
    let mut expected: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    expected.sort();
    assert_eq!(documented, expected);

    let id = "01a21811-3cd2-7194-ab0a-c489dee751ec";
    for (method, path) in ROUTES {
        let url = format!(
            "{}{}",
            server.url,
            path.replace("{stream_id}", id).replace("{id}", id)
        );
        let request = match *method {
            "get" => Client::new().get(&url),
            _ => Client::new().post(&url),
        };
        let response = request.send().unwrap();
        let status = response.status();
        let text = response.text().unwrap();
        assert!(
            !text.contains("no such page or API route"),
            "{method} {path} is documented but does not exist ({status})"
        );
    }
    let missing = Client::new()
        .get(format!("{}/api/v1/nothing-here", server.url))
        .send()
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.text().unwrap().contains("/api/openapi.json"));
}
