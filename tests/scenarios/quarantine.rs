//! Quarantine instead of a blocked stream. A senior manager records a decision on her
//! phone with no signal; while she is offline her senior-manager role ends. When she
//! syncs, the server holds the decision back (kept, receipted with the reason, out of
//! every view, named in the audit timeline) and takes everything she recorded after
//! it. Her phone shows the held-back decision and why; a coordinator releases it on the
//! project's page in the browser, and it counts everywhere from then on. A second decision, held back the same way, is
//! withdrawn by its author and stays out of every view. Every replica shows the same
//! views throughout.

use praxis_core::domain::event::*;
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::record::Record;
use praxis_core::domain::role::Role;
use praxis_core::store::{Store, held_back, queries};
use praxis_server::storage::{SqliteStorage, Storage, Views};
use praxis_testkit::records::observation;
use praxis_testkit::server::{PASSWORD, Phone, running, start_project};
use praxis_testkit::web::Web;
use reqwest::StatusCode;

fn decision(text: &str, rests_on: EventId) -> Event {
    Event::ManagerDecisionRecorded {
        decision: text.into(),
        rationale: "The run chart shows a sustained shift".into(),
        rests_on: vec![rests_on],
    }
}

fn records(store: &Store, stream: StreamId) -> Vec<Record> {
    queries::all_records(store.connection(), stream).expect("records")
}

fn decisions(store: &Store, stream: StreamId) -> Vec<String> {
    queries::project_detail(store.connection(), stream)
        .expect("detail")
        .decisions
        .into_iter()
        .map(|d| d.decision)
        .collect()
}

/// The server's records of the stream, as its storage folds them.
fn server_records(storage: &SqliteStorage, stream: StreamId) -> Vec<Record> {
    storage
        .read(|c| Ok(queries::all_records(c, stream)?))
        .expect("server records")
}

fn sync_all(phones: &mut [&mut Phone]) {
    for phone in phones.iter_mut() {
        if let Err(e) = phone.try_sync() {
            panic!("{e}");
        }
    }
}

#[test]
fn a_decision_recorded_after_the_role_ended_is_held_back_and_nothing_after_it_is_blocked() {
    let setup = running();
    let data = setup.server.data_dir.clone();
    let storage = praxis_testkit::server::open_storage(&data).expect("storage");
    let grace_id = storage
        .people()
        .unwrap()
        .into_iter()
        .find(|p| p.username == "senior-manager-north")
        .unwrap()
        .id;
    // She is also a practitioner in the team, so she still syncs the project after her
    // senior-manager role ends.
    storage
        .grant(
            grace_id,
            Role::Practitioner,
            Scope::Team(setup.fixture.north),
        )
        .unwrap();

    let mut asha = setup.enrol("practitioner-north");
    asha.sync();
    let project = start_project(&mut asha.store, setup.fixture.collaborative, "Northside");
    let evidence = asha
        .store
        .record(project, observation("Families asked for the guide"))
        .unwrap()
        .id;
    asha.sync();
    let mut grace = setup.enrol("senior-manager-north");
    let mut coordinator = setup.enrol("coordinator-north");
    sync_all(&mut [&mut grace, &mut coordinator]);

    // Offline: a decision, then an observation after it.
    let held = grace
        .store
        .record(
            project,
            decision("Spread the guide to the duty team", evidence),
        )
        .unwrap()
        .id;
    let second = grace
        .store
        .record(project, decision("Stop the pilot in March", evidence))
        .unwrap()
        .id;
    let after = grace
        .store
        .record(project, observation("Visit after the decision"))
        .unwrap()
        .id;
    // Meanwhile the office ends her senior-manager role.
    let manager_role = storage
        .memberships()
        .unwrap()
        .into_iter()
        .find(|m| m.person == grace_id && m.role == Role::SeniorManager)
        .unwrap();
    storage
        .revoke_membership(manager_role.id, "Moved to another directorate")
        .unwrap();

    // Her sync goes through: nothing is refused, nothing waits.
    let reports = grace.try_sync().expect("the sync is not blocked");
    let report = reports.iter().find(|r| r.stream == project).unwrap();
    assert_eq!(report.sent_events, 3, "{report:?}");
    assert_eq!(
        grace.store.waiting_to_sync("server").unwrap_or(0),
        0,
        "nothing is left waiting"
    );

    // The server holds both; the observation counts, the decision is held back.
    let events = storage.envelopes(project).unwrap();
    assert!(events.iter().any(|e| e.id == held));
    assert!(events.iter().any(|e| e.id == after));
    let quarantine = events
        .iter()
        .find_map(|e| match e.event() {
            Some(Event::Quarantined {
                held: h, reason, ..
            }) if *h == held => Some((e.id, reason.clone())),
            _ => None,
        })
        .expect("the server recorded why it held the decision back");
    assert!(
        quarantine
            .1
            .contains("may not record a manager-decision-recorded"),
        "{}",
        quarantine.1
    );
    let on_server = server_records(&storage, project);
    assert!(on_server.iter().any(|r| r.id == after));
    assert!(!on_server.iter().any(|r| r.id == held));
    let receipts = storage.receipts(project).unwrap();
    let receipt = receipts
        .iter()
        .find(|r| r.events.contains(&held))
        .expect("the held change is receipted");
    assert!(receipt.refused.is_some(), "{receipt:?}");
    assert!(
        receipts
            .iter()
            .any(|r| r.events.contains(&after) && r.refused.is_none())
    );

    // Her phone shows both held back, and why; her views leave them out like the
    // server's.
    let shown = held_back(grace.store.connection(), project, false).unwrap();
    assert_eq!(shown.len(), 2);
    assert_eq!(shown[0].event, held);
    assert_eq!(shown[1].event, second);
    assert_eq!(shown[0].quarantine, quarantine.0);
    assert_eq!(shown[0].title, "Spread the guide to the duty team");
    assert!(decisions(&grace.store, project).is_empty());
    sync_all(&mut [&mut coordinator, &mut asha]);
    assert_eq!(records(&grace.store, project), on_server);
    assert_eq!(records(&coordinator.store, project), on_server);
    assert_eq!(records(&asha.store, project), on_server);

    // The audit timeline names the quarantine.
    let auditor = setup.enrol("auditor-north");
    let timeline = setup.server.get_json(
        &format!("/api/v1/audit/timeline?stream={project}&kind=quarantined"),
        &auditor.token,
    );
    let entries = timeline["entries"].as_array().expect("entries");
    assert!(
        entries
            .iter()
            .any(|e| e["event_id"] == quarantine.0.to_string()),
        "{timeline}"
    );

    // The history is intact, and the bundle, receipts with their reasons and all,
    // verifies with nothing else.
    let integrity = setup.server.get_json(
        &format!("/api/v1/audit/streams/{project}/integrity"),
        &auditor.token,
    );
    assert_eq!(integrity["intact"], true, "{integrity:#}");
    let bundle = setup
        .server
        .get("/api/v1/audit/bundle", &auditor.token)
        .bytes()
        .unwrap();
    let verification = praxis_core::audit::bundle::verify(&bundle).unwrap();
    assert!(verification.intact(), "{:#?}", verification.findings);

    // In the browser, the coordinator sees both on the project's page and releases the
    // first: it counts everywhere, in its place in the history. A practitioner may not.
    let url = &setup.server.url;
    let mut practitioner = Web::sign_in_as(url, "practitioner-north", PASSWORD);
    let csrf = practitioner.csrf();
    let refused = practitioner.post(
        &format!("/held/{}/release", quarantine.0),
        &[("csrf", &csrf), ("reason", "Looks fine to me")],
    );
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let mut office = Web::sign_in_as(url, "coordinator-north", PASSWORD);
    let page = office.get(&format!("/projects/{project}"));
    assert!(page.body.contains("Held back at sync (2)"), "{}", page.body);
    assert!(page.body.contains("Spread the guide to the duty team"));
    let csrf = office.csrf();
    let empty = office.post(
        &format!("/held/{}/release", quarantine.0),
        &[("csrf", &csrf), ("reason", " ")],
    );
    assert_eq!(empty.status, StatusCode::BAD_REQUEST, "{}", empty.body);
    let released = office.post(
        &format!("/held/{}/release", quarantine.0),
        &[
            ("csrf", &csrf),
            (
                "reason",
                "Decided while she still held the role; confirmed with the director",
            ),
        ],
    );
    assert_eq!(released.status, StatusCode::SEE_OTHER, "{}", released.body);
    sync_all(&mut [&mut coordinator, &mut grace, &mut asha]);
    for store in [&grace.store, &coordinator.store, &asha.store] {
        assert_eq!(
            decisions(store, project),
            ["Spread the guide to the duty team"]
        );
        let still = held_back(store.connection(), project, false).unwrap();
        assert_eq!(still.len(), 1);
        assert_eq!(still[0].event, second);
    }
    let on_server = server_records(&storage, project);
    assert!(on_server.iter().any(|r| r.id == held));
    assert_eq!(records(&grace.store, project), on_server);
    assert_eq!(records(&asha.store, project), on_server);

    // The second decision is withdrawn by its author.
    let shown = held_back(grace.store.connection(), project, false).unwrap();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].event, second);
    // Nobody else may withdraw it.
    let refused = asha.store.record(
        project,
        Event::QuarantineWithdrawn {
            quarantine: shown[0].quarantine,
            reason: "Not mine".into(),
        },
    );
    assert!(refused.is_err(), "only its author withdraws it");
    asha.sync();
    grace
        .store
        .record(
            project,
            Event::QuarantineWithdrawn {
                quarantine: shown[0].quarantine,
                reason: "My role had ended; the new manager will decide".into(),
            },
        )
        .unwrap();
    sync_all(&mut [&mut grace, &mut coordinator, &mut asha]);
    let settled = held_back(coordinator.store.connection(), project, true).unwrap();
    let withdrawn = settled.iter().find(|h| h.event == second).unwrap();
    assert!(!withdrawn.settled.as_ref().unwrap().released);
    let on_server = server_records(&storage, project);
    assert!(!on_server.iter().any(|r| r.id == second));
    for store in [&grace.store, &coordinator.store, &asha.store] {
        assert_eq!(records(store, project), on_server);
    }
}
