//! The timeline, the integrity check and the bundle, and who may read the audit trail.

use super::*;

#[test]
fn the_timeline_shows_who_recorded_what_when_it_reached_the_office_and_who_read_it() {
    let s = scenario();
    let token = &s.auditor.token;
    // Asha reads the cycle: the read is in the access log.
    s.server
        .get_json(&format!("/api/v1/cycles/{}", s.cycle), &s.asha.token);
    let timeline = s.server.get_json(
        &format!("/api/v1/audit/timeline?stream={}", s.project),
        token,
    );
    let entries = timeline["entries"].as_array().unwrap();
    let decision = events_of(entries, "manager-decision-recorded");
    assert_eq!(decision.len(), 1);
    assert_eq!(decision[0]["author"]["username"], "senior-manager-north");
    assert_eq!(decision[0]["roles"], serde_json::json!(["senior-manager"]));
    assert_eq!(
        decision[0]["device"]["name"],
        "senior-manager-north's phone"
    );
    assert_eq!(decision[0]["late"], false);
    assert!(decision[0]["received_at"].is_string() && decision[0]["recorded_at"].is_string());
    // It came from the manager's phone, in a change the receipt log names.
    assert_eq!(
        decision[0]["received_from"]["name"],
        "senior-manager-north's phone"
    );
    assert_eq!(decision[0]["recorded_on_server"], false);
    let change = decision[0]["change_hash"].as_str().unwrap();
    assert!(
        change.len() == 64 && change.bytes().all(|b| b.is_ascii_hexdigit()),
        "{change}"
    );
    assert!(decision[0]["receipt"].as_i64().is_some_and(|n| n > 0));
    // The collaborative was founded by an administrator, on the server: no receipt.
    let founding = s.server.get_json(
        &format!(
            "/api/v1/audit/timeline?stream={}&kind=collaborative-founded",
            s.collaborative
        ),
        token,
    );
    let founding = &founding["entries"][0];
    assert_eq!(founding["recorded_on_server"], true, "{founding:#}");
    assert!(founding["received_from"].is_null() && founding["change_hash"].is_null());
    assert!(founding["receipt"].is_null());
    assert_eq!(
        decision[0]["content"]["ManagerDecisionRecorded"]["decision"],
        "Fund the guide for every Northside assessment"
    );
    // Ben's records reached the office after the decision recorded after them: late.
    for e in entries.iter().filter(|e| e["entry"] == "event") {
        let late = s
            .late
            .iter()
            .any(|l| e["event_id"].as_str() == Some(&l.to_string()));
        assert_eq!(e["late"], late, "{e:#}");
    }
    let read = entries
        .iter()
        .find(|e| e["entry"] == "access" && e["route"] == "GET /api/v1/cycles/{id}")
        .expect("Asha's read of the cycle");
    assert_eq!(read["person"]["username"], "practitioner-north");
    assert_eq!(read["record"], s.cycle.to_string());
    // Filters: person, kind, cycle, team, period.
    let q = |query: &str| -> Vec<Value> {
        s.server
            .get_json(&format!("/api/v1/audit/timeline?{query}"), token)["entries"]
            .as_array()
            .unwrap()
            .clone()
    };
    let bens = q(&format!(
        "stream={}&person=practitioner2-north&kind=",
        s.project
    ));
    assert_eq!(
        ids(&Value::Array(bens)),
        vec![s.late[0].to_string(), s.late[1].to_string()]
    );
    assert_eq!(q("kind=coordinator-score-given").len(), 1);
    let of_cycle = q(&format!("cycle={}", s.cycle));
    let kinds: Vec<&str> = of_cycle
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["cycle-planned", "cycle-done", "observation-recorded"]
    );
    let north = q("team=Northside&kind=project-started");
    assert_eq!(north.len(), 1);
    assert!(q("from=2100-01-01").is_empty());
    let reads = s
        .server
        .get_json("/api/v1/audit/access?person=practitioner-north", token);
    assert!(
        reads["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["entry"] == "access" && e["person"]["username"] == "practitioner-north")
    );
    assert!(!reads["entries"].as_array().unwrap().is_empty());
    // The auditor's own reads are in the log too.
    let own = q("kind=access&person=auditor-north");
    assert!(
        own.iter()
            .any(|e| e["route"] == "GET /api/v1/audit/timeline")
    );
    // A kind that does not exist is refused with what to give.
    let bad = s.server.get("/api/v1/audit/timeline?kind=nonsense", token);
    assert_eq!(bad.status(), 400);

    // Ben becomes the team's coordinator: his practitioner membership is revoked and a
    // coordinator's granted. His records still show the role they arrived under.
    {
        let storage = praxis_testkit::server::open_storage(&s.server.data_dir).unwrap();
        let ben = storage
            .people()
            .unwrap()
            .into_iter()
            .find(|p| p.username == "practitioner2-north")
            .unwrap()
            .id;
        let practitioner = storage
            .memberships()
            .unwrap()
            .into_iter()
            .find(|m| m.person == ben && m.role == Role::Practitioner)
            .unwrap();
        storage
            .revoke_membership(practitioner.id, "Now the team's coordinator")
            .unwrap();
        storage
            .grant(ben, Role::Coordinator, practitioner.scope)
            .unwrap();
        let now = storage.access(ben, s.project).unwrap().unwrap();
        assert_eq!(now.roles, vec![Role::Coordinator]);
    }
    let bens = q(&format!(
        "stream={}&person=practitioner2-north&kind=",
        s.project
    ));
    assert_eq!(bens.len(), 2);
    for e in &bens {
        assert_eq!(e["roles"], serde_json::json!(["practitioner"]), "{e:#}");
    }
}

#[test]
fn the_history_is_intact_and_the_bundle_verifies_with_nothing_else() {
    let s = scenario();
    let token = &s.auditor.token;
    let integrity = s.server.get_json(
        &format!("/api/v1/audit/streams/{}/integrity", s.project),
        token,
    );
    assert_eq!(integrity["intact"], true, "{integrity:#}");
    let response = s.server.get("/api/v1/audit/bundle", token);
    assert_eq!(response.status(), 200);
    let digest = response
        .headers()
        .get("x-praxis-manifest-sha256")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    let bytes = response.bytes().unwrap();
    let verification = bundle::verify(&bytes).unwrap();
    assert!(verification.intact(), "{:#?}", verification.findings);
    assert_eq!(verification.manifest_sha256, digest);
    let project = verification
        .streams
        .iter()
        .find(|v| v.stream == s.project)
        .unwrap();
    assert_eq!(
        project.receipts, project.events,
        "every event of the project reached the server from a device"
    );
    // The collaborative stream is in it too (its events recorded on the server).
    assert_eq!(verification.streams.len(), 2);
}

#[test]
fn only_auditors_read_the_audit_trail_and_auditors_record_nothing() {
    let s = scenario();
    // Others may not read the audit trail.
    for path in [
        format!("/api/v1/audit/timeline?stream={}", s.project),
        format!("/api/v1/audit/decisions/{}", s.decision),
        format!("/api/v1/audit/streams/{}/integrity", s.project),
        format!("/api/v1/audit/bundle?stream={}", s.project),
    ] {
        let answer = s.server.get(&path, &s.asha.token);
        assert_eq!(answer.status(), 403, "{path}");
        assert!(answer.text().unwrap().contains("auditor role"));
    }
    // An auditor's device sending a record through the sync API is refused with why,
    // and nothing of it is applied.
    let mut auditor = s.auditor;
    let before = s.server.events_in(s.project, &auditor.token);
    let dir = tempfile::tempdir().unwrap();
    let mut forged = Store::create(&dir.path().join("forged.sqlite3"), "auditor-north").unwrap();
    forged
        .adopt_identity(auditor.store.identity().clone())
        .unwrap();
    for info in queries::streams(auditor.store.connection()).unwrap() {
        forged
            .add_stream(info.id, info.kind, &info.name, info.collaborative)
            .unwrap();
        let changes = auditor.store.changes_since(info.id, &[]).unwrap();
        forged.merge_changes(info.id, &changes).unwrap();
    }
    let server_heads = heads(&mut auditor.store, s.project);
    let recorded = forged
        .record(s.project, observation("An auditor's note", None))
        .unwrap()
        .id;
    let changes = forged.changes_since(s.project, &server_heads).unwrap();
    assert_eq!(changes.len(), 1);
    let message = automerge::sync::Message {
        heads: heads(&mut forged, s.project),
        need: Vec::new(),
        have: Vec::new(),
        changes: changes.into(),
        flags: None,
        version: automerge::sync::MessageVersion::V1,
    };
    let answer = reqwest::blocking::Client::new()
        .post(format!(
            "{}/api/v1/streams/{}/sync",
            s.server.url, s.project
        ))
        .bearer_auth(&auditor.token)
        .header("content-type", "application/octet-stream")
        .body(message.encode())
        .send()
        .unwrap();
    assert_eq!(answer.status(), 422);
    let body: Value = answer.json().unwrap();
    assert_eq!(body["error"], "changes_refused");
    let refused = &body["details"][0];
    assert_eq!(refused["event"], recorded.to_string());
    assert!(
        refused["reason"]
            .as_str()
            .unwrap()
            .contains("may read this stream but not record in it"),
        "{body:#}"
    );
    let after = s.server.events_in(s.project, &auditor.token);
    assert_eq!(after, before, "nothing was applied");
    // The phone itself refuses before writing anything.
    let on_phone = auditor
        .store
        .record(s.project, observation("An auditor's note", None));
    assert!(on_phone.is_err());
}
