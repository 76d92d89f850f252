#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The OpenAPI document is served, is valid JSON, and describes the routes that exist:
//! every documented route answers (it is not the fallback), and every route the
//! server has is documented. Each answer the server builds from a `praxis_core::protocol`
//! type is documented field by field: what the type writes, with every optional field
//! present and absent, is checked against the document's schema for the route.
//! Long because every documented answer is built here beside the others, one example
//! value per protocol type, so a new field shows up as one diff.

use praxis_core::domain::ids::{DeviceId, EventId, PersonId, StreamId};
use praxis_core::domain::record::StreamKind;
use praxis_core::protocol::audit::{
    AccessEntry, AsItStood, DecisionBrief, DecisionContext, DecisionMade, Decisions, DeviceRef,
    EventEntry, Integrity, PersonRef, Point, RestsOn, SeenEvent, Timeline, TimelineEntry,
};
use praxis_core::protocol::field::{
    FieldOutcome, FieldRecord, FieldRecords, FieldResult, FieldResults, FieldSnapshot,
};
use praxis_core::protocol::{
    Credentials, Enrolled, EnrolmentRequest, ErrorBody, PersonName, RefusedDetail, StreamEntry,
    StreamList,
};
use praxis_testkit::server::{TestServer, fixture};
use reqwest::blocking::Client;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The routes `api::routes` defines; a new route must be added here and documented.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/api/openapi.json"),
    ("post", "/api/v1/devices"),
    ("get", "/api/v1/streams"),
    ("post", "/api/v1/streams/{stream_id}/sync"),
    ("post", "/api/v1/keys"),
    ("get", "/api/v1/subjects/{reference}"),
    ("post", "/api/v1/records/{id}/erasure"),
    ("post", "/api/v1/subjects/{reference}/erasure"),
    ("get", "/api/v1/collaboratives/{stream_id}/retention"),
    ("put", "/api/v1/collaboratives/{stream_id}/retention"),
    ("post", "/api/v1/collaboratives/{stream_id}/legal-holds"),
    ("post", "/api/v1/legal-holds/{id}/lift"),
    ("post", "/api/v1/streams/{stream_id}/changes"),
    ("get", "/api/v1/streams/{stream_id}/changes"),
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
    ("post", "/api/v1/field/records"),
    ("get", "/api/v1/field/snapshot"),
    ("post", "/api/v1/field/sign-out"),
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
            "put" => Client::new().put(&url),
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

/// Checks values against the document's schemas, field by field, and remembers which
/// fields of each named schema some value wrote.
struct Checker<'a> {
    doc: &'a Value,
    written: BTreeMap<String, BTreeSet<String>>,
    problems: Vec<String>,
}

impl<'a> Checker<'a> {
    fn new(doc: &'a Value) -> Self {
        Checker {
            doc,
            written: BTreeMap::new(),
            problems: Vec::new(),
        }
    }

    fn schema(&self, name: &str) -> &'a Value {
        &self.doc["components"]["schemas"][name]
    }

    fn check(&mut self, schema: &'a Value, value: &Value, at: &str) {
        if let Some(reference) = schema["$ref"].as_str() {
            let name = reference.trim_start_matches("#/components/schemas/");
            let target = self.schema(name);
            if target.is_null() {
                self.problems
                    .push(format!("{at}: {reference} is not defined"));
                return;
            }
            if let Some(fields) = value.as_object() {
                self.written
                    .entry(name.to_string())
                    .or_default()
                    .extend(fields.keys().cloned());
            }
            return self.check(target, value, &format!("{at} ({name})"));
        }
        if let Some(alternatives) = schema["oneOf"].as_array() {
            let mut fits = Vec::new();
            let mut misfits = Vec::new();
            for alternative in alternatives {
                let mut trial = Checker::new(self.doc);
                trial.check(alternative, value, at);
                if trial.problems.is_empty() {
                    fits.push(trial.written);
                } else {
                    misfits.extend(trial.problems);
                }
            }
            match fits.len() {
                1 => {
                    for (name, fields) in fits.remove(0) {
                        self.written.entry(name).or_default().extend(fields);
                    }
                }
                0 => self.problems.push(format!(
                    "{at}: {value} fits none of the alternatives: {}",
                    misfits.join("; ")
                )),
                n => self.problems.push(format!(
                    "{at}: {value} fits {n} of the alternatives, not exactly one"
                )),
            }
            return;
        }
        if let Some(constant) = schema.get("const")
            && constant != value
        {
            self.problems
                .push(format!("{at}: {value} is not the documented {constant}"));
        }
        if let Some(allowed) = schema["enum"].as_array()
            && !value.is_null()
            && !allowed.contains(value)
        {
            self.problems
                .push(format!("{at}: {value} is not one of the documented values"));
        }
        let types: Vec<&str> = match &schema["type"] {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => return, // Any value: the view or content itself.
        };
        let actual = match value {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        };
        let fits = types.contains(&actual) || (actual == "integer" && types.contains(&"number"));
        if !fits {
            self.problems.push(format!(
                "{at}: written as {actual}, documented as {types:?}"
            ));
            return;
        }
        match value {
            Value::Object(fields) => {
                let Some(properties) = schema["properties"].as_object() else {
                    return;
                };
                for (key, field) in fields {
                    match properties.get(key) {
                        Some(s) => self.check(s, field, &format!("{at}.{key}")),
                        None => self
                            .problems
                            .push(format!("{at}.{key} is written but not documented")),
                    }
                }
                for required in schema["required"].as_array().into_iter().flatten() {
                    let key = required.as_str().unwrap_or_default();
                    if !fields.contains_key(key) {
                        self.problems.push(format!(
                            "{at}.{key} is documented as required but not written"
                        ));
                    }
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.check(&schema["items"], item, &format!("{at}[{i}]"));
                }
            }
            _ => {}
        }
    }

    /// Every field a named schema documents was written by some value checked.
    fn every_documented_field_written(&mut self) {
        for (name, written) in &self.written {
            let documented: BTreeSet<String> = self.schema(name)["properties"]
                .as_object()
                .map(|p| p.keys().cloned().collect())
                .unwrap_or_default();
            for field in documented.difference(written) {
                self.problems.push(format!(
                    "{name}.{field} is documented but no answer writes it"
                ));
            }
        }
    }
}

fn person(username: Option<&str>) -> PersonRef {
    PersonRef {
        id: PersonId::new(),
        username: username.map(str::to_string),
        name: "Asha".into(),
    }
}

fn device() -> DeviceRef {
    DeviceRef {
        id: DeviceId::new(),
        name: "Asha's phone".into(),
    }
}

fn seen(why_not_seen: Option<&str>, full: bool) -> SeenEvent {
    SeenEvent {
        event_id: EventId::new(),
        kind: "observation-recorded".into(),
        author: person(Some("asha")),
        device: device(),
        recorded_at: "2026-03-10T17:40:00Z".into(),
        received_at: full.then(|| "2026-03-10T17:41:00Z".into()),
        title: full.then(|| "Falls at night".into()),
        why_not_seen: why_not_seen.map(str::to_string),
    }
}

fn event_entry(full: bool) -> TimelineEntry {
    TimelineEntry::Event(EventEntry {
        stream: StreamId::new(),
        stream_name: "Falls".into(),
        event_id: EventId::new(),
        kind: "cycle-acted".into(),
        author: person(full.then_some("asha")),
        roles: vec!["coordinator".into()],
        device: device(),
        recorded_at: "2026-03-10T17:40:00Z".into(),
        received_at: "2026-03-10T17:41:00Z".into(),
        received_from: full.then(device),
        recorded_on_server: !full,
        delay_seconds: 60,
        late: full,
        receipt: full.then_some(7),
        change_hash: full.then(|| "ab12".into()),
        content: None,
    })
}

fn access_entry(full: bool) -> TimelineEntry {
    TimelineEntry::Access(AccessEntry {
        seq: 3,
        stream: StreamId::new(),
        stream_name: full.then(|| "Falls".into()),
        at: "2026-03-10T17:42:00Z".into(),
        person: person(Some("irene")),
        device: device(),
        route: "GET /api/v1/cycles/{id}".into(),
        record: full.then(EventId::new),
    })
}

/// Each answer the API documents, written by its `protocol` type with every optional
/// field both present and absent.
fn answers() -> Vec<(&'static str, &'static str, Value)> {
    let to = |v: &dyn erased::Json| v.json();
    let decision = |full: bool| DecisionMade {
        event_id: EventId::new(),
        kind: "manager-decision-recorded".into(),
        is_decision: true,
        author: person(Some("sam")),
        device: device(),
        recorded_at: "2026-03-10T17:40:00Z".into(),
        received_at: full.then(|| "2026-03-10T17:41:00Z".into()),
        change_hash: full.then(|| "ab12".into()),
        depends_on: full.then(|| vec!["cd34".into()]),
        content: None,
    };
    let stream = |full: bool| StreamEntry {
        stream_id: StreamId::new(),
        kind: if full {
            StreamKind::Project
        } else {
            StreamKind::Collaborative
        },
        name: "Falls".into(),
        collaborative: full.then(StreamId::new),
        team: full.then(EventId::new),
        role: "coordinator,auditor".into(),
        roles: vec!["coordinator".into(), "auditor".into()],
        read_only: false,
        heads: full.then(|| vec!["ab12".into()]),
    };
    let mut answers = Vec::new();
    for full in [true, false] {
        answers.extend([
            (
                "/api/v1/streams",
                "get",
                to(&StreamList {
                    streams: vec![stream(full)],
                    people: vec![PersonName {
                        id: PersonId::new(),
                        name: "Asha Patel".into(),
                    }],
                }),
            ),
            (
                "/api/v1/audit/timeline",
                "get",
                to(&Timeline {
                    entries: vec![event_entry(full), access_entry(full)],
                }),
            ),
            (
                "/api/v1/audit/access",
                "get",
                to(&Timeline {
                    entries: vec![access_entry(full)],
                }),
            ),
            (
                "/api/v1/audit/streams/{stream_id}/decisions",
                "get",
                to(&Decisions {
                    decisions: vec![DecisionBrief {
                        event_id: EventId::new(),
                        kind: "resolution".into(),
                        author: person(None),
                        recorded_at: "2026-03-10T17:40:00Z".into(),
                        title: full.then(|| "Keep the new rota".into()),
                    }],
                }),
            ),
            (
                "/api/v1/audit/decisions/{id}",
                "get",
                to(&DecisionContext::<Value> {
                    decision: decision(full),
                    rests_on: vec![RestsOn {
                        record: EventId::new(),
                        had_seen: full,
                    }],
                    seen: vec![seen(None, full)],
                    not_seen: vec![seen(Some("not yet at the office"), full)],
                    view_as_seen: json!({"stream": "a view"}),
                }),
            ),
            (
                "/api/v1/audit/streams/{stream_id}/integrity",
                "get",
                to(&Integrity::<Value> {
                    stream: StreamId::new(),
                    intact: full,
                    problems: vec!["change ab12 has no receipt".into()],
                    verification: json!({"streams": []}),
                    recorded_before_sealing: vec![EventId::new()],
                }),
            ),
            (
                "/api/v1/audit/streams/{stream_id}/as-it-stood",
                "get",
                to(&AsItStood::<Value> {
                    stream: StreamId::new(),
                    point: if full {
                        Point::After {
                            event: EventId::new(),
                            at: "2026-03-10T17:41:00Z".into(),
                        }
                    } else {
                        Point::At {
                            at: "2026-03-10T23:59:59.999Z".into(),
                        }
                    },
                    events: 12,
                    view: "overview".into(),
                    id: full.then(EventId::new),
                    as_it_stood: json!({"stream": "a view"}),
                }),
            ),
        ]);
    }
    answers.push((
        "/api/v1/devices",
        "post",
        to(&Enrolled {
            device_id: DeviceId::new(),
            actor_id: "00ff".into(),
            token: "pxd_00".into(),
            person_id: PersonId::new(),
            name: "Asha".into(),
            teams: vec![praxis_core::protocol::TeamPlace {
                collaborative: StreamId::new(),
                team: EventId::new(),
                name: "Northside".into(),
                organisation: "Northshire County Council".into(),
            }],
        }),
    ));
    answers
}

/// Serializes any answer type to JSON, for the table of answers above.
mod erased {
    pub trait Json {
        fn json(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap()
        }
    }
}

#[test]
fn every_documented_answer_has_exactly_the_fields_its_protocol_type_writes() {
    let doc: Value = serde_json::from_str(praxis_server::api::OPENAPI).unwrap();
    let mut checker = Checker::new(&doc);
    for (path, method, answer) in answers() {
        let code = if method == "post" { "201" } else { "200" };
        let schema =
            &doc["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"];
        assert!(
            schema["$ref"].is_string(),
            "{method} {path} answers a protocol type; document it as one"
        );
        checker.check(schema, &answer, &format!("{method} {path}"));
    }
    let error = ErrorBody {
        error: "changes_refused".into(),
        message: "1 of the changes were refused".into(),
        details: vec![RefusedDetail {
            change: "ab12".into(),
            event: Some(EventId::new()),
            kind: None,
            reason: "As a practitioner you may not record a resolution here.".into(),
        }],
    };
    checker.check(
        &doc["components"]["responses"]["Error"]["content"]["application/json"]["schema"],
        &serde_json::to_value(&error).unwrap(),
        "an error",
    );
    for credentials in [
        Credentials::password("asha", "secret"),
        Credentials::EnrolmentCode("7KQ2-M9XD-4HTR-B3WN".into()),
    ] {
        let enrolment = EnrolmentRequest {
            credentials,
            device_name: "Asha's phone".into(),
        };
        checker.check(
            &doc["paths"]["/api/v1/devices"]["post"]["requestBody"]["content"]["application/json"]
                ["schema"],
            &serde_json::to_value(&enrolment).unwrap(),
            "the enrolment request",
        );
    }
    field_app(&doc, &mut checker);
    checker.every_documented_field_written();
    assert!(checker.problems.is_empty(), "{:#?}", checker.problems);

    // The check can fail: a field the type writes but the document lacks is named.
    let mut short = doc.clone();
    short["components"]["schemas"]["PersonRef"]["properties"]
        .as_object_mut()
        .unwrap()
        .remove("username");
    let mut checker = Checker::new(&short);
    checker.check(
        &short["components"]["schemas"]["Timeline"],
        &to_json(&Timeline {
            entries: vec![access_entry(true)],
        }),
        "timeline",
    );
    assert!(
        checker
            .problems
            .iter()
            .any(|p| p.contains("username is written but not documented")),
        "{:?}",
        checker.problems
    );
}

fn to_json(value: &impl serde::Serialize) -> Value {
    serde_json::to_value(value).unwrap()
}

/// The field app's request and answers, every optional field present and absent.
fn field_app<'a>(doc: &'a Value, checker: &mut Checker<'a>) {
    use praxis_core::domain::event::{Event, Observation, ObservationKind};
    use praxis_core::domain::hlc::Hlc;
    let records = FieldRecords {
        records: vec![FieldRecord {
            id: EventId::new(),
            stream: StreamId::new(),
            recorded_at: Hlc {
                millis: 1_796_000_000_000,
                counter: 2,
            },
            event: Event::ObservationRecorded(Observation {
                kind: ObservationKind::Observation,
                cycle: None,
                subject: Some("P-0413".into()),
                observed_on: time::macros::date!(2026 - 12 - 06),
                text: "Asked what matters first.".into(),
            }),
        }],
    };
    let route = &doc["paths"]["/api/v1/field/records"]["post"];
    checker.check(
        &route["requestBody"]["content"]["application/json"]["schema"],
        &serde_json::to_value(&records).unwrap(),
        "the field app's records",
    );
    let results = FieldResults {
        results: vec![
            FieldResult {
                id: EventId::new(),
                outcome: FieldOutcome::Recorded,
                received_at: Some("2026-12-06T09:00:00Z".into()),
                problem: None,
                fix: None,
            },
            FieldResult {
                id: EventId::new(),
                outcome: FieldOutcome::Refused,
                received_at: None,
                problem: Some("You are not a member of the team.".into()),
                fix: Some("Discard it.".into()),
            },
            FieldResult {
                id: EventId::new(),
                outcome: FieldOutcome::AlreadyRecorded,
                received_at: Some("2026-12-06T09:00:00Z".into()),
                problem: None,
                fix: None,
            },
        ],
    };
    checker.check(
        &route["responses"]["200"]["content"]["application/json"]["schema"],
        &serde_json::to_value(&results).unwrap(),
        "post /api/v1/field/records",
    );
    let snapshot = FieldSnapshot {
        person_id: PersonId::new(),
        name: "Amira Hassan".into(),
        device_id: DeviceId::new(),
        projects: vec![json!({"stream_id": StreamId::new()})],
    };
    checker.check(
        &doc["paths"]["/api/v1/field/snapshot"]["get"]["responses"]["200"]["content"]
            ["application/json"]["schema"],
        &serde_json::to_value(&snapshot).unwrap(),
        "get /api/v1/field/snapshot",
    );
}
