//! Many streams in one sync, under any schedule: a team's people record offline in
//! some of their collaborative's streams and not in others, start projects offline,
//! and take up new devices, syncing in a random order against a real server. A model
//! of what each device and the server hold says, before every sync, which streams
//! differ; each sync must then:
//! - report every stream the device or the server holds, once;
//! - ask nothing about a stream held alike on both sides (no request for it);
//! - send exactly the events the server lacks and take exactly those it lacks here;
//! - settle in one request a stream where only one side has something new (the
//!   device's changes go up at once, or a device that holds none of a stream takes it
//!   whole).
//!
//! After every device syncs twice more, each device and the server hold every event
//! recorded exactly once, and every device shows the same records.
//!
//! One server runs for the whole property; every case gets its own collaborative,
//! team and people (those of `schedules`), so cases do not see each other's streams.

use crate::schedules::{COORDINATOR, DEVICES, collaborative, run_schedules};
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::store::queries;
use praxis_core::sync::StreamReport;
use praxis_testkit::server::{Phone, TestServer};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Projects the practitioner starts (and syncs) before the schedule.
const PROJECTS: usize = 3;
/// Devices a case may grow to, the first one of each person included.
const MOST_DEVICES: usize = 5;

/// Over every case of the run, for the run's summary.
static SETTLED_WITHOUT_ASKING: AtomicUsize = AtomicUsize::new(0);
static IN_ONE_REQUEST: AtomicUsize = AtomicUsize::new(0);

#[derive(Clone, Copy, Debug)]
enum Step {
    /// The device records in the `stream`-th stream it holds (taken modulo their
    /// number): a change-package item in the collaborative's stream for the
    /// coordinator, an observation in a project otherwise.
    Record {
        device: usize,
        stream: usize,
    },
    Sync {
        device: usize,
    },
    /// The device's person starts a project offline (once the device holds the
    /// collaborative).
    StartProject {
        device: usize,
    },
    /// The device's person enrols another device, which holds nothing yet.
    NewDevice {
        device: usize,
    },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        5 => (0..MOST_DEVICES, 0..8usize).prop_map(|(device, stream)| Step::Record { device, stream }),
        4 => (0..MOST_DEVICES).prop_map(|device| Step::Sync { device }),
        1 => (0..MOST_DEVICES).prop_map(|device| Step::StartProject { device }),
        1 => (0..MOST_DEVICES).prop_map(|device| Step::NewDevice { device }),
    ]
}

/// What a replica holds: each stream's event ids.
type Held = BTreeMap<StreamId, BTreeSet<EventId>>;

struct Device {
    phone: Phone,
    /// Which of the case's people (an index into its usernames).
    person: usize,
    /// What the model says the device holds.
    held: Held,
}

fn actual(phone: &Phone) -> Held {
    queries::streams(phone.store.connection())
        .expect("streams")
        .into_iter()
        .map(|s| {
            let ids = praxis_testkit::records::event_ids(&phone.store, s.id);
            (s.id, ids.into_iter().collect())
        })
        .collect()
}

/// Syncs one device and checks every stream's report against the model, then
/// brings the model up to date.
fn sync(device: &mut Device, server: &mut Held) -> Result<(), TestCaseError> {
    let reports: Vec<StreamReport> = device.phone.sync();
    let expected: BTreeSet<StreamId> = device.held.keys().chain(server.keys()).copied().collect();
    let reported: Vec<StreamId> = reports.iter().map(|r| r.stream).collect();
    prop_assert_eq!(
        reported.iter().copied().collect::<BTreeSet<_>>(),
        expected,
        "every stream held here or on the server is reported"
    );
    prop_assert_eq!(reported.len(), reports.len(), "no stream reported twice");
    let empty = BTreeSet::new();
    for report in &reports {
        prop_assert!(report.synced(), "the stream syncs: {report:?}");
        let here = device.held.get(&report.stream).unwrap_or(&empty);
        let there = server.get(&report.stream).unwrap_or(&empty);
        let to_send = here.difference(there).count();
        let to_take = there.difference(here).count();
        prop_assert_eq!(report.sent_events, to_send, "events sent: {:?}", report);
        prop_assert_eq!(
            report.received_events,
            to_take,
            "events taken: {:?}",
            report
        );
        if here == there {
            prop_assert_eq!(report.rounds, 0, "a stream held alike is not asked about");
            SETTLED_WITHOUT_ASKING.fetch_add(1, Ordering::Relaxed);
        } else if to_take == 0 || here.is_empty() {
            prop_assert_eq!(
                report.rounds,
                1,
                "one side has nothing new: one request settles it: {:?}",
                report
            );
            IN_ONE_REQUEST.fetch_add(1, Ordering::Relaxed);
        } else {
            prop_assert!(report.rounds >= 1, "a stream that differs is exchanged");
        }
        let both: BTreeSet<EventId> = here.union(there).copied().collect();
        device.held.insert(report.stream, both.clone());
        server.insert(report.stream, both);
    }
    Ok(())
}

fn record(device: &mut Device, stream: usize, collaborative: StreamId) {
    let streams: Vec<StreamId> = device
        .held
        .keys()
        .copied()
        .filter(|s| *s != collaborative || device.person == COORDINATOR)
        .filter(|s| {
            // Only the collaborative's stream and projects (not the organisation's).
            *s == collaborative
                || queries::summary(device.phone.store.connection(), *s)
                    .is_ok_and(|summary| summary.founding.is_some())
        })
        .collect();
    if streams.is_empty() {
        return;
    }
    let chosen = streams[stream % streams.len()];
    let event = if chosen == collaborative {
        praxis_testkit::records::package_item("Ask what matters first")
    } else {
        praxis_testkit::records::observation("Seen on a visit")
    };
    let id = device
        .phone
        .store
        .record(chosen, event)
        .unwrap_or_else(|e| panic!("record in {chosen}: {e}"))
        .id;
    device.held.entry(chosen).or_default().insert(id);
}

fn run_case(
    server: &TestServer,
    dir: &Path,
    case: usize,
    steps: &[Step],
) -> Result<(), TestCaseError> {
    let (collaborative, usernames) = collaborative(&server.data_dir, case);
    let case_dir = dir.join(format!("case-{case}"));
    let mut devices: Vec<Device> = (0..DEVICES)
        .map(|person| Device {
            phone: Phone::enrol(&case_dir, &server.url, &usernames[person]),
            person,
            held: Held::new(),
        })
        .collect();

    // The team's projects, with a measure each, on every device.
    let practitioner = &mut devices[0].phone;
    practitioner.sync();
    for _ in 0..PROJECTS {
        let project = praxis_testkit::server::start_project(
            &mut practitioner.store,
            collaborative,
            "Northside",
        );
        practitioner
            .store
            .record(
                project,
                praxis_testkit::records::measure("Visits with a plan"),
            )
            .expect("a measure");
    }
    for device in &mut devices {
        device.phone.sync();
        device.held = actual(&device.phone);
    }
    let mut on_server = devices[0].held.clone();
    for device in &devices {
        prop_assert_eq!(&device.held, &on_server, "every device starts alike");
    }
    prop_assert_eq!(
        on_server.len(),
        PROJECTS + 1,
        "the collaborative and its projects"
    );

    for step in steps {
        match *step {
            Step::Record { device, stream } => {
                let n = devices.len();
                record(&mut devices[device % n], stream, collaborative);
            }
            Step::Sync { device } => {
                let n = devices.len();
                sync(&mut devices[device % n], &mut on_server)?;
            }
            Step::StartProject { device } => {
                let n = devices.len();
                let device = &mut devices[device % n];
                if !device.held.contains_key(&collaborative) {
                    // A device that has not synced yet holds no collaborative.
                    continue;
                }
                let project = praxis_testkit::server::start_project(
                    &mut device.phone.store,
                    collaborative,
                    "Northside",
                );
                let ids = praxis_testkit::records::event_ids(&device.phone.store, project);
                device.held.insert(project, ids.into_iter().collect());
            }
            Step::NewDevice { device } => {
                if devices.len() < MOST_DEVICES {
                    let person = devices[device % devices.len()].person;
                    devices.push(Device {
                        phone: Phone::enrol(&case_dir, &server.url, &usernames[person]),
                        person,
                        held: Held::new(),
                    });
                }
            }
        }
    }
    for _ in 0..2 {
        for device in &mut devices {
            sync(device, &mut on_server)?;
        }
    }

    let token = devices
        .iter()
        .find(|d| d.person == COORDINATOR)
        .map(|d| d.phone.token.clone())
        .expect("the coordinator's device");
    for (stream, ids) in &on_server {
        let listed = praxis_testkit::records::server_event_ids(
            &server.get_json(&format!("/api/v1/streams/{stream}/events"), &token),
        );
        prop_assert_eq!(
            &listed,
            &ids.iter().copied().collect::<Vec<_>>(),
            "the server holds every event of stream {} exactly once",
            stream
        );
    }
    for (n, device) in devices.iter().enumerate() {
        prop_assert_eq!(
            &device.held,
            &on_server,
            "device {} holds what the server does",
            n
        );
        for (stream, ids) in &on_server {
            prop_assert_eq!(
                &praxis_testkit::records::event_ids(&device.phone.store, *stream),
                &ids.iter().copied().collect::<Vec<_>>(),
                "device {} holds every event of stream {} exactly once",
                n,
                stream
            );
            let records = |d: &Device| {
                queries::all_records(d.phone.store.connection(), *stream).expect("records")
            };
            prop_assert!(
                records(device) == records(&devices[0]),
                "device {n} shows the same records of stream {stream} as device 0"
            );
        }
    }
    Ok(())
}

#[test]
fn any_schedule_across_many_streams_asks_only_about_the_streams_that_differ() {
    let cases = run_schedules(
        proptest::collection::vec(step(), 4..40),
        |server, dir, n, steps| run_case(server, dir, n, steps),
    );
    println!(
        "{cases} schedules: {} streams settled without a request, {} in one request",
        SETTLED_WITHOUT_ASKING.load(Ordering::Relaxed),
        IN_ONE_REQUEST.load(Ordering::Relaxed)
    );
}
