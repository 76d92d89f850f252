//! Any schedule of offline recording and syncing converges: three phones (two
//! practitioners of Northside and the collaborative's coordinator) record in two
//! streams (Northside's project, and the collaborative's stream where the coordinator
//! adds change-package items) in a random order of offline records and syncs, with
//! concurrent Act decisions on one cycle. Meanwhile the office ends and grants again
//! the coordinator's role over the collaborative (she stays a practitioner of the
//! team), so some of what she records offline reaches the server after her role ended:
//! the server holds it back instead of refusing it. After every phone syncs twice
//! more, no sync was refused, the phones and the server hold exactly the events
//! recorded plus the server's quarantines (none lost, none twice, every quarantine
//! naming an event of hers), and all show identical views.
//!
//! One server runs for the whole property; every case gets its own collaborative,
//! team, people and phones, so cases do not see each other's streams.

use praxis_core::domain::event::{
    ChangeIdea, CollaborativeFounded, Decision, Event, EventKind, EvidenceKind, EvidenceLink,
    EvidenceSource, Scope,
};
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::role::Role;
use praxis_core::store::queries;
use praxis_server::storage::{Storage, Views};
use praxis_testkit::server::{Phone, TestServer, person};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

const PRACTITIONER: usize = 0;
pub(crate) const COORDINATOR: usize = 2;
pub(crate) const DEVICES: usize = 3;

/// Events held back over every case of the run, for the run's summary.
static HELD: AtomicUsize = AtomicUsize::new(0);

#[derive(Clone, Copy, Debug)]
enum What {
    /// An observation in the project.
    Observation,
    /// A measurement of the project's measure.
    Measurement(u8),
    /// A new cycle's Plan.
    Cycle,
    /// An Act on the shared cycle, replacing the versions this device has seen; when
    /// the device sees a conflict, a resolution of it instead.
    Act(Decision),
    /// The coordinator: a change-package item in the collaborative's stream. A
    /// practitioner: a change idea linked to the newest item the phone holds.
    Package,
}

#[derive(Clone, Copy, Debug)]
enum Step {
    Record {
        device: usize,
        what: What,
    },
    Sync {
        device: usize,
    },
    /// The office ends the coordinator's role over the collaborative, or grants it
    /// again.
    CoordinatorRole {
        granted: bool,
    },
}

fn what() -> impl Strategy<Value = What> {
    prop_oneof![
        Just(What::Observation),
        any::<u8>().prop_map(What::Measurement),
        Just(What::Cycle),
        prop_oneof![
            Just(Decision::Adopt),
            Just(Decision::Adapt),
            Just(Decision::Abandon)
        ]
        .prop_map(What::Act),
        Just(What::Package),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        3 => (0..DEVICES, what()).prop_map(|(device, what)| Step::Record { device, what }),
        // Her change-package items are what a role that ended holds back.
        1 => Just(Step::Record { device: COORDINATOR, what: What::Package }),
        2 => (0..DEVICES).prop_map(|device| Step::Sync { device }),
        1 => any::<bool>().prop_map(|granted| Step::CoordinatorRole { granted }),
    ]
}

/// One case's collaborative and team, and its people's usernames.
pub(crate) fn collaborative(data: &Path, case: usize) -> (StreamId, [String; DEVICES]) {
    let mut storage = praxis_testkit::server::open_storage(data).expect("storage");
    let collaborative = storage
        .add_collaborative(CollaborativeFounded {
            name: format!("Case {case}"),
            topic: "Positive risk-taking".into(),
            chosen_with: "The service users' forum".into(),
        })
        .expect("collaborative");
    let team = storage
        .add_team(collaborative, "Northside", "Northshire County Council")
        .expect("team");
    let usernames = [
        format!("practitioner-{case}"),
        format!("practitioner2-{case}"),
        format!("coordinator-{case}"),
    ];
    person(
        &mut storage,
        &usernames[0],
        Role::Practitioner,
        Scope::Team(team),
    );
    person(
        &mut storage,
        &usernames[1],
        Role::Practitioner,
        Scope::Team(team),
    );
    person(
        &mut storage,
        &usernames[2],
        Role::Coordinator,
        Scope::Collaborative(collaborative),
    );
    let coordinator = storage
        .people()
        .expect("people")
        .into_iter()
        .find(|p| p.username == usernames[2])
        .expect("the coordinator")
        .id;
    storage
        .grant(coordinator, Role::Practitioner, Scope::Team(team))
        .expect("grant");
    (collaborative, usernames)
}

fn sync(phone: &mut Phone) -> Result<(), TestCaseError> {
    let reports = phone.sync();
    prop_assert!(
        reports.iter().all(|r| r.synced()),
        "every stream syncs: {reports:?}"
    );
    Ok(())
}

/// Ends the coordinator's role over the collaborative, or grants it again; nothing
/// when it already stands so.
fn coordinator_role(data: &Path, username: &str, collaborative: StreamId, granted: bool) {
    let storage = praxis_testkit::server::open_storage(data).expect("storage");
    let person = storage
        .people()
        .expect("people")
        .into_iter()
        .find(|p| p.username == username)
        .expect("the coordinator")
        .id;
    let standing = storage
        .memberships()
        .expect("memberships")
        .into_iter()
        .find(|m| m.person == person && m.role == Role::Coordinator && m.revoked_at.is_none());
    match (standing, granted) {
        (Some(m), false) => storage
            .revoke_membership(m.id, "Moved to another directorate")
            .expect("revoke"),
        (None, true) => {
            storage
                .grant(
                    person,
                    Role::Coordinator,
                    Scope::Collaborative(collaborative),
                )
                .expect("grant");
        }
        _ => {}
    }
}

/// Records `what` on `phone`; returns the stream and id of the event, or `None` when
/// the phone itself refuses it (it knows, from its last sync, that the role is gone).
fn record(
    phone: &mut Phone,
    device: usize,
    what: What,
    collaborative: StreamId,
    project: StreamId,
    cycle: EventId,
    measure: EventId,
) -> Option<(StreamId, EventId)> {
    let (stream, event) = match what {
        What::Observation => (
            project,
            praxis_testkit::records::observation("Seen on a visit"),
        ),
        What::Measurement(n) => (project, praxis_testkit::records::measurement(measure, n)),
        What::Cycle => (
            project,
            praxis_testkit::records::plan("Try the guide again"),
        ),
        What::Act(decision) => {
            let heads = praxis_testkit::records::act_heads(&phone.store, cycle);
            if heads.len() > 1 {
                let event = Event::Resolution {
                    subject: cycle,
                    keep: heads[0],
                    settles: heads,
                    reason: "Agreed at the team meeting".into(),
                };
                (project, event)
            } else {
                (
                    project,
                    praxis_testkit::records::acted(cycle, heads, decision),
                )
            }
        }
        What::Package if device == COORDINATOR => (
            collaborative,
            praxis_testkit::records::package_item("Ask what matters first"),
        ),
        What::Package => {
            let newest = queries::records_of_kind(
                phone.store.connection(),
                collaborative,
                EventKind::ChangePackageItemAdded,
            )
            .expect("package items")
            .into_iter()
            .map(|r| r.id)
            .max();
            let evidence = match newest {
                Some(item) => EvidenceLink::PackageItem(item),
                None => EvidenceLink::Source(EvidenceSource {
                    kind: EvidenceKind::PracticeKnowledge,
                    citation: "What the team saw".into(),
                }),
            };
            let idea = ChangeIdea {
                title: "A risk conversation guide".into(),
                description: String::new(),
                evidence: vec![evidence],
            };
            (project, Event::ChangeIdeaProposed(idea))
        }
    };
    match phone.store.record(stream, event) {
        Ok(recorded) => Some((stream, recorded.id)),
        Err(e) if device == COORDINATOR && e.to_string().contains("the server would refuse it") => {
            None
        }
        Err(e) => panic!("device {device} records {what:?}: {e}"),
    }
}

/// Runs one schedule in a fresh collaborative and checks that everything converged.
fn run_case(
    server: &TestServer,
    dir: &Path,
    case: usize,
    steps: &[Step],
) -> Result<(), TestCaseError> {
    let (collaborative, usernames) = collaborative(&server.data_dir, case);
    let case_dir = dir.join(format!("case-{case}"));
    let mut phones: Vec<Phone> = usernames
        .iter()
        .map(|u| Phone::enrol(&case_dir, &server.url, u))
        .collect();
    let mut recorded: Vec<(StreamId, EventId)> = Vec::new();

    // The project, a measure and a studied cycle, on every phone.
    sync(&mut phones[PRACTITIONER])?;
    let phone = &mut phones[PRACTITIONER];
    let project =
        praxis_testkit::server::start_project(&mut phone.store, collaborative, "Northside");
    let founding = queries::summary(phone.store.connection(), project)
        .expect("summary")
        .founding
        .expect("the project started");
    recorded.push((project, founding));
    let mut setup = |event| {
        let id = phone.store.record(project, event).expect("record").id;
        recorded.push((project, id));
        id
    };
    let measure = setup(praxis_testkit::records::measure("Visits with a plan"));
    let cycle = setup(praxis_testkit::records::plan("Try the guide"));
    setup(praxis_testkit::records::done(cycle));
    setup(praxis_testkit::records::studied(cycle));
    for phone in &mut phones {
        sync(phone)?;
    }
    let coordinator_token = phones[COORDINATOR].token.clone();
    let server_ids = |stream: StreamId| {
        praxis_testkit::records::server_event_ids(&server.get_json(
            &format!("/api/v1/streams/{stream}/events"),
            &coordinator_token,
        ))
    };
    // The collaborative's founding, made on the server.
    for id in server_ids(collaborative) {
        recorded.push((collaborative, id));
    }

    for step in steps {
        match *step {
            Step::Record { device, what } => recorded.extend(record(
                &mut phones[device],
                device,
                what,
                collaborative,
                project,
                cycle,
                measure,
            )),
            Step::Sync { device } => sync(&mut phones[device])?,
            Step::CoordinatorRole { granted } => coordinator_role(
                &server.data_dir,
                &usernames[COORDINATOR],
                collaborative,
                granted,
            ),
        }
    }
    for _ in 0..2 {
        for phone in &mut phones {
            sync(phone)?;
        }
    }

    let coordinator_id = phones[COORDINATOR].store.identity().person;
    for stream in [collaborative, project] {
        let mut expected: Vec<EventId> = recorded
            .iter()
            .filter(|(s, _)| *s == stream)
            .map(|(_, id)| *id)
            .collect();
        // The server's own quarantines, each naming an event of the coordinator's.
        for held in praxis_core::store::held_back(phones[0].store.connection(), stream, true)
            .expect("held back")
        {
            prop_assert_eq!(held.author, coordinator_id, "only her events are held");
            prop_assert!(
                expected.contains(&held.event),
                "the held event was recorded"
            );
            expected.push(held.quarantine);
            HELD.fetch_add(1, Ordering::Relaxed);
        }
        expected.sort();
        let on_server = server_ids(stream);
        prop_assert_eq!(
            &on_server,
            &expected,
            "the server holds every event of stream {} exactly once",
            stream
        );
        let first = queries::all_records(phones[0].store.connection(), stream).expect("records");
        for (device, phone) in phones.iter().enumerate() {
            prop_assert_eq!(
                &praxis_testkit::records::event_ids(&phone.store, stream),
                &expected,
                "device {} holds every event of stream {} exactly once",
                device,
                stream
            );
            let records = queries::all_records(phone.store.connection(), stream).expect("records");
            prop_assert!(
                records == first,
                "device {device} shows the same records of stream {stream} as device 0"
            );
        }
    }
    // The server shows the same views as the phones.
    let conn = phones[0].store.connection();
    let overview = server.get_json(&format!("/api/v1/streams/{project}"), &coordinator_token);
    let here = serde_json::to_value(queries::project_overview(conn, project).expect("overview"))
        .expect("JSON");
    prop_assert_eq!(&overview["Project"], &here, "the project's overview");
    let view = server.get_json(
        &format!("/api/v1/streams/{collaborative}"),
        &coordinator_token,
    );
    let here = serde_json::to_value(
        queries::collaborative(conn, collaborative)
            .expect("collaborative")
            .expect("founded"),
    )
    .expect("JSON");
    prop_assert_eq!(&view["Collaborative"], &here, "the collaborative's view");
    let on_server = server.get_json(&format!("/api/v1/cycles/{cycle}"), &coordinator_token);
    let here = serde_json::to_value(
        queries::cycle(conn, cycle)
            .expect("cycle")
            .expect("a cycle"),
    )
    .expect("JSON");
    prop_assert_eq!(&on_server, &here, "the shared cycle, with any conflict");
    Ok(())
}

/// Runs `case` on schedules of `steps` (`PROPTEST_CASES` of them, 10 unless set),
/// every case against one server in a data directory of its own; gives how many ran.
pub(crate) fn run_schedules<S: Strategy>(
    steps: S,
    case: impl Fn(&TestServer, &Path, usize, &S::Value) -> Result<(), TestCaseError>,
) -> usize {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    praxis_testkit::server::open_storage(&data).expect("a data directory");
    let server = TestServer::start(&data);
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(10);
    let mut runner = TestRunner::new(Config {
        cases,
        max_shrink_iters: 64,
        failure_persistence: None,
        ..Config::default()
    });
    let n = AtomicUsize::new(0);
    let result = runner.run(&steps, |steps| {
        case(
            &server,
            dir.path(),
            n.fetch_add(1, Ordering::Relaxed),
            &steps,
        )
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    n.load(Ordering::Relaxed)
}

#[test]
fn any_schedule_of_offline_records_and_syncs_converges_without_loss_or_duplicates() {
    let cases = run_schedules(
        proptest::collection::vec(step(), 4..32),
        |server, dir, n, steps| run_case(server, dir, n, steps),
    );
    println!(
        "{cases} schedules, {} events held back, none lost, none blocked",
        HELD.load(Ordering::Relaxed)
    );
}
