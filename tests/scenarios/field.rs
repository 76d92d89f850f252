//! The field scenarios, end to end: phones enrol, record offline, sync in any order;
//! the office and teammates see the same thing; conflicts show everywhere until
//! resolved.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::domain::event::*;
use praxis_core::domain::record::Stage;
use praxis_core::store::queries;
use praxis_testkit::records::{acted, cycle_plan, done, observation, studied};
use praxis_testkit::server::{running, start_project};
use time::macros::date;

/// The cycle each scenario plans.
fn plan() -> Plan {
    cycle_plan("Try a risk conversation guide on two visits")
}

#[test]
fn a_practitioner_records_offline_syncs_and_the_office_and_a_teammate_see_it() {
    let setup = running();

    let mut asha = setup.enrol("practitioner-north");
    let first = asha.sync();
    assert!(first.iter().all(|r| r.synced()), "{first:?}");
    // Offline: a new project, an observation, a cycle.
    let project = start_project(&mut asha.store, setup.fixture.collaborative, "Northside");
    asha.store
        .record(project, observation("Daughter joined the conversation"))
        .unwrap();
    let cycle = asha
        .store
        .record(project, Event::CyclePlanned(plan()))
        .unwrap()
        .id;

    let reports = asha.sync();
    let report = reports
        .iter()
        .find(|r| r.stream == project)
        .expect("the project synced");
    assert!(report.synced(), "{report:?}");
    assert_eq!(report.sent_events, 3);

    // The office sees it through the read API, as a coordinator's device reads it.
    let coordinator = setup.enrol("coordinator");
    let overview = setup
        .server
        .get_json(&format!("/api/v1/streams/{project}"), &coordinator.token);
    assert_eq!(
        overview["Project"]["cycles_by_stage"]["planned"][0]["id"],
        cycle.to_string()
    );
    let receipts = setup.server.get_json(
        &format!("/api/v1/streams/{project}/receipts"),
        &coordinator.token,
    );
    assert_eq!(receipts["receipts"].as_array().unwrap().len(), 3);
    let events = setup.server.get_json(
        &format!("/api/v1/streams/{project}/events"),
        &coordinator.token,
    );
    assert_eq!(events["events"].as_array().unwrap().len(), 3);

    // A teammate's phone receives it.
    let mut ben = setup.enrol("practitioner2-north");
    let reports = ben.sync();
    let report = reports
        .iter()
        .find(|r| r.stream == project)
        .expect("ben got the project");
    assert_eq!(report.received_events, 3);
    assert_eq!(
        queries::all_records(ben.store.connection(), project).unwrap(),
        queries::all_records(asha.store.connection(), project).unwrap()
    );
    // A practitioner of the other team never receives it.
    let mut other = setup.enrol("practitioner-south");
    other.sync();
    assert!(!other.project_streams().contains(&project));
    // A sync with nothing new sends and receives nothing.
    let again = asha.sync();
    assert!(
        again
            .iter()
            .all(|r| r.sent_events == 0 && r.received_events == 0),
        "{again:?}"
    );
}

#[test]
fn concurrent_decisions_conflict_everywhere_until_a_resolution_reaches_every_replica() {
    let setup = running();
    let mut asha = setup.enrol("practitioner-north");
    let mut ben = setup.enrol("practitioner2-north");
    asha.sync();
    let project = start_project(&mut asha.store, setup.fixture.collaborative, "Northside");
    let cycle = asha
        .store
        .record(project, Event::CyclePlanned(plan()))
        .unwrap()
        .id;
    asha.store.record(project, done(cycle)).unwrap();
    asha.store.record(project, studied(cycle)).unwrap();
    asha.sync();
    ben.sync();

    // Both decide offline without seeing each other's decision.
    let adopt = asha
        .store
        .record(project, acted(cycle, vec![], Decision::Adopt))
        .unwrap()
        .id;
    let abandon = ben
        .store
        .record(project, acted(cycle, vec![], Decision::Abandon))
        .unwrap()
        .id;
    // They sync in either order; a second round brings the other's decision.
    ben.sync();
    asha.sync();
    ben.sync();
    let coordinator = setup.enrol("coordinator");
    for phone in [&asha, &ben] {
        let view = queries::cycle(phone.store.connection(), cycle)
            .unwrap()
            .unwrap();
        assert_eq!(view.stage, Stage::ActInConflict);
    }
    let on_server = setup
        .server
        .get_json(&format!("/api/v1/cycles/{cycle}"), &coordinator.token);
    assert_eq!(on_server["stage"], "ActInConflict");
    let overview = setup
        .server
        .get_json(&format!("/api/v1/streams/{project}"), &coordinator.token);
    assert_eq!(
        overview["Project"]["conflicts"].as_array().unwrap().len(),
        1
    );

    // Ben resolves it, keeping Asha's decision; everyone sees the resolution.
    ben.store
        .record(
            project,
            Event::Resolution {
                subject: cycle,
                settles: vec![adopt, abandon],
                keep: adopt,
                reason: "Agreed at the team meeting".into(),
            },
        )
        .unwrap();
    ben.sync();
    asha.sync();
    for phone in [&asha, &ben] {
        let view = queries::cycle(phone.store.connection(), cycle)
            .unwrap()
            .unwrap();
        assert_eq!(view.stage, Stage::Act(Decision::Adopt));
        assert!(
            queries::summary(phone.store.connection(), project)
                .unwrap()
                .conflicts
                .is_empty()
        );
    }
    let on_server = setup
        .server
        .get_json(&format!("/api/v1/cycles/{cycle}"), &coordinator.token);
    assert_eq!(on_server["stage"]["Act"], "Adopt");
    assert_eq!(
        queries::all_records(asha.store.connection(), project).unwrap(),
        queries::all_records(ben.store.connection(), project).unwrap()
    );
}

#[test]
fn a_record_the_server_would_refuse_is_refused_on_the_phone_before_it_is_written() {
    let setup = running();
    let mut asha = setup.enrol("practitioner-north");
    asha.sync();
    let project = start_project(&mut asha.store, setup.fixture.collaborative, "Northside");
    let report = asha
        .store
        .record(
            project,
            Event::MonthlyReportSubmitted(MonthlyReport {
                month: date!(2026 - 10 - 01),
                measures: "Plans agreed rose".into(),
                cycles: "Two".into(),
                learning: "The guide helps".into(),
                barriers: String::new(),
                plans: String::new(),
                self_score: Score(25),
            }),
        )
        .unwrap()
        .id;
    asha.sync();
    asha.sync();
    let before = queries::events(asha.store.connection(), project)
        .unwrap()
        .len();
    let score = Event::CoordinatorScoreGiven {
        report,
        score: Score(20),
        justification: "Steady".into(),
    };
    let err = asha.store.record(project, score).unwrap_err();
    assert!(
        err.to_string()
            .contains("practitioner may not record a coordinator-score-given"),
        "{err}"
    );
    assert_eq!(
        queries::events(asha.store.connection(), project)
            .unwrap()
            .len(),
        before
    );
    // In the collaborative's stream a team member may only read.
    let item = Event::ChangePackageItemAdded(ChangePackageItem {
        title: "Positive risk-taking".into(),
        description: String::new(),
        evidence: vec![EvidenceSource {
            kind: EvidenceKind::Research,
            citation: "SCIE Report 36".into(),
        }],
    });
    let err = asha
        .store
        .record(setup.fixture.collaborative, item)
        .unwrap_err();
    assert!(err.to_string().contains("may only read"), "{err}");
    // Nothing stuck: the stream still syncs both ways.
    let reports = asha.sync();
    assert!(reports.iter().all(|r| r.synced()), "{reports:?}");
}

/// Automerge's Bloom filters answer "maybe held" for about one change in a hundred that
/// the peer does not hold. When a new project's `ProjectStarted` is such a change, the
/// phone's first full message carries only the observation after it; the server cannot
/// apply that yet and, the stream still being empty, does not keep it. The server then
/// asks for both in turn, and the phone must send the observation a second time.
#[test]
fn a_bloom_filter_false_positive_does_not_stall_a_new_projects_first_sync() {
    use automerge::sync::BloomFilter;
    use praxis_core::domain::record::StreamKind;
    use praxis_core::replication::StreamDocument;
    use praxis_core::store::Store;

    let setup = running();
    let mut phone = setup.enrol("practitioner-north");
    phone.sync();

    // Start projects on a scratch replica of this phone until one's `ProjectStarted`
    // is a false positive in the filter of a document holding only the genesis.
    let mut scratch = Store::create(&setup.dir.path().join("scratch.sqlite3"), "scratch").unwrap();
    scratch
        .adopt_identity(phone.store.identity().clone())
        .unwrap();
    scratch
        .add_stream(
            setup.fixture.collaborative,
            StreamKind::Collaborative,
            "c",
            None,
        )
        .unwrap();
    let collaborative = phone
        .store
        .changes_since(setup.fixture.collaborative, &[])
        .unwrap();
    scratch
        .merge_changes(setup.fixture.collaborative, &collaborative)
        .unwrap();
    let mut found = None;
    for _ in 0..5_000 {
        let project = start_project(&mut scratch, setup.fixture.collaborative, "Northside");
        // A plan, not an observation: an observation is sealed under a key the scratch
        // store keeps, and only the changes move to the phone here.
        scratch
            .record(project, Event::CyclePlanned(cycle_plan("first")))
            .unwrap();
        let genesis = StreamDocument::genesis(project).unwrap().heads();
        let changes = scratch.changes_since(project, &genesis).unwrap();
        let started = automerge::Change::try_from(changes[0].as_slice())
            .unwrap()
            .hash();
        if BloomFilter::from_hashes(genesis.iter()).contains_hash(&started) {
            found = Some((project, changes));
            break;
        }
    }
    let (project, changes) =
        found.expect("one start in a hundred or so is a false positive; none in 5,000");

    // The phone holds that project, started here, and syncs it for the first time.
    phone
        .store
        .add_stream(
            project,
            StreamKind::Project,
            "Positive risk plans (Northside)",
            Some(setup.fixture.collaborative),
        )
        .unwrap();
    phone.store.merge_changes(project, &changes).unwrap();
    let reports = phone.sync();
    assert!(reports.iter().all(|r| r.synced()), "{reports:?}");
    let on_server = setup
        .server
        .get_json(&format!("/api/v1/streams/{project}/events"), &phone.token);
    assert_eq!(
        on_server["events"].as_array().unwrap().len(),
        2,
        "{on_server}"
    );
    assert_eq!(phone.store.waiting_to_sync("server").unwrap(), 0);
}
