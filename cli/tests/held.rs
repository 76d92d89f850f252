//! `praxis held` against a real server: a senior manager records a decision with no
//! signal while the office ends her senior-manager role (she stays a practitioner).
//! Her sync is not refused: the server holds the decision back, `praxis held` shows it
//! and why, and she withdraws it; it stays out of her views.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::domain::role::Role;
use praxis_server::storage::{SqliteStorage, Storage, Views};
use praxis_testkit::server::TestServer;
use serde_json::Value;

use crate::common::{Out, praxis_out as praxis};

fn ok(out: Out) -> String {
    out.ok()
}

fn json(out: Out) -> Value {
    out.json()
}

#[test]
fn a_decision_held_back_at_sync_is_shown_with_its_reason_and_withdrawn_by_its_author() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = d.join("data");
    let server = TestServer::start_with(&data, &["--demo"]);
    let storage = SqliteStorage::open(&data).unwrap();
    let grace = storage
        .people()
        .unwrap()
        .into_iter()
        .find(|p| p.username == "grace.mensah")
        .unwrap()
        .id;
    let manager = storage
        .memberships()
        .unwrap()
        .into_iter()
        .find(|m| m.person == grace && m.role == Role::SeniorManager)
        .unwrap();
    storage
        .grant(grace, Role::Practitioner, manager.scope)
        .unwrap();

    let store = d.join("grace.sqlite3");
    ok(praxis(
        d,
        &store,
        &[
            "enrol",
            "--server",
            &server.url,
            "--username",
            "grace.mensah",
            "--password",
            "praxis-demo",
        ],
    ));
    ok(praxis(d, &store, &["sync"]));
    let projects = json(praxis(d, &store, &["--json", "project", "list"]));
    let project = projects[0]["id"].as_str().unwrap().to_string();
    let feed = json(praxis(
        d,
        &store,
        &["--json", "--project", &project, "feed", "--limit", "1"],
    ));
    let evidence = feed[0]["id"].as_str().unwrap().to_string();
    let nothing = ok(praxis(d, &store, &["held"]));
    assert_eq!(nothing.trim(), "Nothing is held back.");

    // Her role ends while her laptop is offline; she records a decision.
    storage
        .revoke_membership(manager.id, "Moved to another directorate")
        .unwrap();
    ok(praxis(
        d,
        &store,
        &[
            "--project",
            &project,
            "decide",
            "--decision",
            "Spread the guide to the duty team",
            "--rationale",
            "The run chart shows a sustained shift",
            "--rests-on",
            &evidence,
        ],
    ));
    // Status says what waits, in which stream, before the sync.
    let status = ok(praxis(d, &store, &["status"]));
    assert!(status.contains(", 1 waiting to sync)"), "{status}");
    assert!(
        status
            .trim_end()
            .ends_with("1 record waits to sync: `praxis sync` sends it."),
        "{status}"
    );
    // The sync goes through, and says that something is held back.
    let synced = ok(praxis(d, &store, &["sync"]));
    let status = ok(praxis(d, &store, &["status"]));
    assert!(
        status.trim_end().ends_with("Nothing waits to sync."),
        "{status}"
    );
    assert!(
        synced.contains("1 record is held back by the server"),
        "{synced}"
    );
    let held = json(praxis(d, &store, &["--json", "held"]));
    let held = held.as_array().unwrap();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0]["kind"], "manager-decision-recorded");
    assert_eq!(held[0]["status"], "held");
    let reason = held[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("may not record a manager-decision-recorded"),
        "{reason}"
    );
    let text = ok(praxis(d, &store, &["held"]));
    assert!(text.contains("Spread the guide to the duty team"), "{text}");
    assert!(text.contains("praxis held withdraw"), "{text}");

    // A withdrawal needs a reason; then it is recorded and synced.
    let quarantine = held[0]["quarantine"].as_str().unwrap().to_string();
    let refused = praxis(
        d,
        &store,
        &["held", "withdraw", &quarantine, "--reason", " "],
    );
    assert_eq!(refused.code, 2, "{}{}", refused.stdout, refused.stderr);
    assert!(
        refused
            .stderr
            .contains("reason for withdrawing it is missing")
    );
    ok(praxis(
        d,
        &store,
        &[
            "held",
            "withdraw",
            &quarantine,
            "--reason",
            "My role had ended; the new manager will decide",
        ],
    ));
    ok(praxis(d, &store, &["sync"]));
    assert_eq!(
        ok(praxis(d, &store, &["held"])).trim(),
        "Nothing is held back."
    );
    let all = json(praxis(d, &store, &["--json", "held", "--all"]));
    assert_eq!(all[0]["status"], "withdrawn");
    let detail = storage
        .project_detail(praxis_core::domain::ids::StreamId(
            uuid::Uuid::parse_str(&project).unwrap(),
        ))
        .unwrap();
    assert!(
        !detail
            .decisions
            .iter()
            .any(|x| x.decision == "Spread the guide to the duty team"),
        "the withdrawn decision is in no view on the server"
    );
}
