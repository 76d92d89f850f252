//! `praxis audit` against a real server seeded with the demo collaborative: the
//! auditor enrols, reads the timeline, the decisions and their contexts, a view as it
//! stood and the integrity check, exports a bundle, and verifies it with the server
//! gone and no store at all; a byte changed in the bundle is found and named.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_testkit::server::TestServer;
use serde_json::Value;
use std::path::Path;

/// `praxis-server serve --demo`: the demo collaborative, its people and records.
fn start_demo(data: &Path) -> TestServer {
    TestServer::start_with(data, &["--demo"])
}

use crate::common::{Out, praxis_out as praxis};

fn json(out: &Out) -> Value {
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    serde_json::from_str(&out.stdout).expect("JSON on stdout")
}

#[test]
fn an_auditor_replays_decisions_exports_a_bundle_and_verifies_it_offline() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let store = d.join("irene.sqlite3");
    let server = start_demo(&d.join("data"));
    let out = praxis(
        d,
        &store,
        &[
            "enrol",
            "--server",
            &server.url,
            "--username",
            "irene.novak",
            "--password",
            "praxis-demo",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = praxis(d, &store, &["sync"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);

    // The timeline of every stream she audits, with who, where, when and how late.
    let timeline = json(&praxis(d, &store, &["--json", "audit", "timeline"]));
    let entries = timeline["entries"].as_array().unwrap();
    let events: Vec<&Value> = entries.iter().filter(|e| e["entry"] == "event").collect();
    assert!(events.len() > 50, "the demo's records");
    assert!(events.iter().all(|e| e["author"]["name"].is_string()
        && e["received_at"].is_string()
        && e["recorded_at"].is_string()));
    let text = praxis(
        d,
        &store,
        &["audit", "timeline", "--kind", "manager-decision-recorded"],
    );
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        text.stdout.contains("manager-decision-recorded by"),
        "{}",
        text.stdout
    );

    // A manager's decision, and what its maker had seen.
    let decision = events
        .iter()
        .find(|e| e["kind"] == "manager-decision-recorded")
        .expect("the demo has a manager's decision");
    let stream = decision["stream"].as_str().unwrap();
    // Filters travel encoded: a name with a space, and a time with its offset's '+'.
    let maker = decision["author"]["name"].as_str().unwrap();
    let by_maker = json(&praxis(
        d,
        &store,
        &[
            "--json",
            "audit",
            "timeline",
            "--person",
            maker,
            "--from",
            "2000-01-01T00:00:00+01:00",
        ],
    ));
    let theirs = by_maker["entries"].as_array().unwrap();
    assert!(!theirs.is_empty(), "{maker} recorded the decision");
    assert!(
        theirs
            .iter()
            .all(|e| e["author"]["name"] == maker || e["person"]["name"] == maker),
        "{by_maker:#}"
    );
    let id = decision["event_id"].as_str().unwrap();
    let listed = json(&praxis(
        d,
        &store,
        &["--json", "audit", "decisions", "--stream", stream],
    ));
    assert!(
        listed["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["event_id"] == id)
    );
    let context = json(&praxis(d, &store, &["--json", "audit", "decision", id]));
    assert_eq!(context["decision"]["event_id"], id);
    assert!(!context["seen"].as_array().unwrap().is_empty());
    let text = praxis(d, &store, &["audit", "decision", id]);
    assert!(text.stdout.contains("Had seen"), "{}", text.stdout);

    // The project just after the decision reached the office.
    let stood = json(&praxis(
        d,
        &store,
        &[
            "--json",
            "audit",
            "as-it-stood",
            "--stream",
            stream,
            "--after",
            id,
        ],
    ));
    assert_eq!(stood["point"]["point"], "after");
    assert!(stood["as_it_stood"]["measures"].is_array());
    // The collaborative's dashboard at the same moment, every team she audits in it.
    let collaborative = events
        .iter()
        .find(|e| e["kind"] == "collaborative-founded")
        .expect("the demo's collaborative")["stream"]
        .as_str()
        .unwrap();
    let dashboard = json(&praxis(
        d,
        &store,
        &[
            "--json",
            "audit",
            "as-it-stood",
            "--stream",
            collaborative,
            "--after",
            id,
            "--view",
            "dashboard",
        ],
    ));
    let teams = dashboard["as_it_stood"]["teams"].as_array().unwrap();
    assert!(teams.len() > 1, "{dashboard:#}");
    assert!(teams.iter().any(|t| t["stream"] == stream));

    let integrity = json(&praxis(
        d,
        &store,
        &["--json", "audit", "integrity", "--stream", stream],
    ));
    assert_eq!(integrity["intact"], true, "{integrity:#}");

    // The bundle, then the server gone.
    let bundle = d.join("audit.tar");
    let exported = json(&praxis(
        d,
        &store,
        &[
            "--json",
            "audit",
            "export",
            "--out",
            bundle.to_str().unwrap(),
        ],
    ));
    drop(server);
    // No store, no server: only the bundle.
    let nowhere = d.join("no-store-here.sqlite3");
    let verified = praxis(d, &nowhere, &["audit", "verify", bundle.to_str().unwrap()]);
    assert_eq!(verified.code, 0, "{}{}", verified.stdout, verified.stderr);
    assert!(
        verified.stdout.contains("The bundle is intact"),
        "{}",
        verified.stdout
    );
    assert!(
        verified
            .stdout
            .contains(exported["manifest_sha256"].as_str().unwrap())
    );
    assert!(!nowhere.exists(), "verify made no store");

    // One byte changed, somewhere in a change of the stream: found and named.
    let mut bytes = std::fs::read(&bundle).unwrap();
    let name = format!("streams/{stream}/changes.automerge");
    // The file's tar header starts with its name, on a 512-byte boundary (the
    // manifest names the file too, but not there).
    let at = (0..bytes.len())
        .step_by(512)
        .find(|at| bytes[*at..].starts_with(name.as_bytes()))
        .expect("the stream's changes are in the bundle");
    // Past the tar header (512 bytes) into the file's content.
    bytes[at + 512 + 200] ^= 0x20;
    std::fs::write(&bundle, &bytes).unwrap();
    let tampered = praxis(d, &nowhere, &["audit", "verify", bundle.to_str().unwrap()]);
    assert_eq!(tampered.code, 4, "{}{}", tampered.stdout, tampered.stderr);
    assert!(tampered.stdout.contains("ALTERED"), "{}", tampered.stdout);
    assert!(tampered.stdout.contains(&name), "{}", tampered.stdout);
    assert!(tampered.stdout.contains("change #"), "{}", tampered.stdout);
}

#[test]
fn verifying_something_that_is_not_a_bundle_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let file = d.join("notes.txt");
    std::fs::write(&file, "not a bundle").unwrap();
    let out = praxis(
        d,
        &d.join("s.sqlite3"),
        &["audit", "verify", file.to_str().unwrap()],
    );
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("audit bundle") || out.stderr.contains("manifest"),
        "{}",
        out.stderr
    );
    let out = praxis(d, &d.join("s.sqlite3"), &["audit", "verify", "missing.tar"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("cannot read the bundle"),
        "{}",
        out.stderr
    );
}
