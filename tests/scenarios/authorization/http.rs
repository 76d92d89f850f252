//! The matrix's HTTP client: each request with or without a device token, and its
//! answer's status, JSON and accepted-events count.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::domain::ids::StreamId;
use serde_json::Value;

/// The route that enrols a device.
pub(super) const ENROL_ROUTE: &str = "/api/v1/devices";

fn answered(
    request: reqwest::blocking::RequestBuilder,
    token: Option<&str>,
) -> reqwest::blocking::Response {
    let request = match token {
        Some(t) => request.bearer_auth(t),
        None => request,
    };
    request.send().expect("the server answers")
}

pub(super) struct Http {
    pub client: reqwest::blocking::Client,
    pub base: String,
}

pub(super) struct Answer {
    pub status: u16,
    pub json: Value,
    pub accepted: Option<usize>,
}

impl Http {
    pub fn send(&self, request: reqwest::blocking::RequestBuilder, token: Option<&str>) -> Answer {
        let response = answered(request, token);
        let status = response.status().as_u16();
        let accepted = response
            .headers()
            .get(praxis_server::api::EVENTS_ACCEPTED)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        let bytes = response.bytes().expect("a body");
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            json,
            accepted,
        }
    }

    /// A GET whose body may not be JSON: the answer, and the body when it is not.
    pub fn get_bytes(&self, path: &str, token: Option<&str>) -> (Answer, Option<Vec<u8>>) {
        let response = answered(self.client.get(format!("{}{path}", self.base)), token);
        let status = response.status().as_u16();
        let bytes = response.bytes().expect("a body").to_vec();
        let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let raw = json.is_null().then_some(bytes);
        (
            Answer {
                status,
                json,
                accepted: None,
            },
            raw,
        )
    }

    /// Gives the server the data keys `store` made, as a device's sync does before it
    /// sends changes (the answer does not matter: a cell's sync says what it says).
    pub fn give_keys(&self, store: &praxis_core::store::Store, token: Option<&str>) {
        let made: Vec<_> = store
            .keys_to_send()
            .expect("keys")
            .iter()
            .map(praxis_core::protocol::keys::OfferedKey::of)
            .collect();
        if made.is_empty() {
            return;
        }
        let request = praxis_core::protocol::keys::KeysRequest {
            made,
            streams: Vec::new(),
        };
        self.send(
            self.client
                .post(format!("{}/api/v1/keys", self.base))
                .json(&request),
            token,
        );
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.send(self.client.get(format!("{}{path}", self.base)), token)
    }

    pub fn push(
        &self,
        stream: StreamId,
        token: Option<&str>,
        base: &[automerge::ChangeHash],
        changes: Vec<u8>,
    ) -> Answer {
        let request = self
            .client
            .post(format!("{}/api/v1/streams/{stream}/changes", self.base))
            .header("content-type", "application/octet-stream")
            .header(
                praxis_core::protocol::BASE_HEADS,
                praxis_core::protocol::heads_text(base),
            )
            .body(changes);
        self.send(request, token)
    }

    pub fn sync(&self, stream: StreamId, token: Option<&str>, message: Vec<u8>) -> Answer {
        let request = self
            .client
            .post(format!("{}/api/v1/streams/{stream}/sync", self.base))
            .header("content-type", "application/octet-stream")
            .body(message);
        self.send(request, token)
    }

    pub fn enrol(&self, username: &str, password: &str) -> Answer {
        let body = serde_json::json!({
            "username": username,
            "password": password,
            "device_name": "A device from the matrix",
        });
        self.send(
            self.client
                .post(format!("{}{ENROL_ROUTE}", self.base))
                .json(&body),
            None,
        )
    }

    /// The events the server's `Quarantined` events in the stream hold back.
    pub fn held_back(&self, stream: StreamId, token: &str) -> Vec<String> {
        let answer = self.get(&format!("/api/v1/streams/{stream}/events"), Some(token));
        assert_eq!(answer.status, 200, "reading events: {}", answer.json);
        answer.json["events"]
            .as_array()
            .expect("events")
            .iter()
            .filter_map(|e| e["body"]["Quarantined"]["held"].as_str().map(String::from))
            .collect()
    }

    /// How many events the server holds in the stream, as an all-seeing reader sees.
    pub fn event_count(&self, stream: StreamId, token: &str) -> usize {
        let answer = self.get(&format!("/api/v1/streams/{stream}/events"), Some(token));
        assert_eq!(answer.status, 200, "counting events: {}", answer.json);
        answer.json["events"].as_array().expect("events").len()
    }
}
