//! Data protection on a collaborative's scale, through the server's storage:
//! - a subject access request for a person with records in 10 streams of 10,000
//!   events each (`Storage::subject_access`: their keys found, every stream's events
//!   read for what was sealed under them, the records opened, the access log written);
//! - erasing a person with 1,000 records across those 10 streams
//!   (`Storage::erase_subject`: the keys found, destroyed and the erasure recorded in
//!   one transaction, the log truncated after).
//!
//! The streams are recorded on a practitioner's phone (the mix of the core's benches,
//! whose observations are about thousands of people, plus 100 observations in each
//! stream about each of three people) and reach the server through `Storage::sync`
//! (not timed). Each erasure is of another of the three people, so each is timed on
//! the same data.
//!
//! Targets: subject access ≤ 2 s, erasure ≤ 1 s.
//! `cargo bench -p praxis-server --bench data_protection`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use praxis_core::domain::event::*;
use praxis_core::domain::role::Role;
use praxis_server::storage::{SqliteStorage, Storage, SubjectReader};
use praxis_testkit::Generator;
use std::time::{Duration, Instant};
use support::{enrolled, founded, phone, sync};
use time::macros::date;

const STREAMS: usize = 10;
const EVENTS_PER_STREAM: usize = 10_000;
const BATCH: usize = 1_000;
/// The people whose records the bench asks for and erases.
const PEOPLE: [&str; 3] = ["X-0001", "X-0002", "X-0003"];
/// Each person's observations in each stream.
const PER_PERSON: usize = 100;
const TEAM: &str = "Northside adult team";

fn about(person: &str, n: usize) -> Event {
    Event::ObservationRecorded(Observation {
        kind: ObservationKind::CaseMaterial,
        cycle: None,
        subject: Some(person.into()),
        observed_on: date!(2026 - 03 - 10),
        text: format!("Visit {n}: the plan was reviewed with {person}'s family at home."),
    })
}

fn main() {
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let storage = SqliteStorage::open(&dir.path().join("data")).unwrap();
    let collaborative = founded(&storage);
    let team = storage
        .add_team(collaborative, TEAM, "Northshire County Council")
        .unwrap();
    let (device, _) = enrolled(
        &storage,
        "asha",
        "Asha",
        Role::Practitioner,
        Scope::Team(team),
    );
    let (officer, _) = enrolled(
        &storage,
        "kate",
        "Kate",
        Role::DataProtectionOfficer,
        Scope::Collaborative(collaborative),
    );
    let mut phone = phone(
        &dir.path().join("phone.sqlite3"),
        &storage,
        &device,
        "Asha",
        collaborative,
    );
    let setting_up = Instant::now();
    for s in 0..STREAMS {
        let project = phone
            .start_project(ProjectStarted {
                collaborative,
                team: TEAM.into(),
                organisation: "Northshire County Council".into(),
                title: format!("Project {s}"),
            })
            .unwrap()
            .stream;
        let measures = phone
            .record_all(
                project,
                vec![
                    Event::MeasureDefined(praxis_testkit::ratio_measure()),
                    Event::MeasureDefined(praxis_testkit::unit_measure()),
                ],
            )
            .unwrap();
        let mut generator = Generator::new(measures[0].id, measures[1].id);
        let ours: Vec<Event> = (0..PER_PERSON)
            .flat_map(|n| PEOPLE.map(|p| about(p, n)))
            .collect();
        phone.record_all(project, ours).unwrap();
        let mut recorded = 3 + PER_PERSON * PEOPLE.len();
        while recorded < EVENTS_PER_STREAM {
            let n = BATCH.min(EVENTS_PER_STREAM - recorded);
            let events = phone.record_all(project, generator.batch(n)).unwrap();
            generator.learn(&events);
            recorded += n;
        }
        sync(&mut phone, &storage, &device, project);
    }
    eprintln!(
        "set up {STREAMS} streams of {EVENTS_PER_STREAM} events in {:.1} s",
        setting_up.elapsed().as_secs_f64()
    );

    let mut times: Vec<Duration> = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let access = storage
            .subject_access(
                Some(officer.person),
                SubjectReader::Server,
                "bench",
                PEOPLE[0],
            )
            .unwrap();
        times.push(start.elapsed());
        assert_eq!(access.records.len(), STREAMS * PER_PERSON);
    }
    times.sort();
    println!(
        "subject access, {} records in {STREAMS} streams of {EVENTS_PER_STREAM} events: median {:.0} ms (fastest {:.0}, slowest {:.0}); target 2,000 ms",
        STREAMS * PER_PERSON,
        times[times.len() / 2].as_secs_f64() * 1000.0,
        times[0].as_secs_f64() * 1000.0,
        times[times.len() - 1].as_secs_f64() * 1000.0
    );

    for person in PEOPLE {
        let start = Instant::now();
        let erasure = storage
            .erase_subject(
                officer.person,
                person,
                "The person asked",
                LegalBasis::Objection,
            )
            .unwrap();
        let took = start.elapsed();
        assert_eq!(erasure.streams.len(), STREAMS);
        println!(
            "erasing {person}: {} records across {} streams, {} keys, in {:.0} ms; target 1,000 ms",
            STREAMS * PER_PERSON,
            erasure.streams.len(),
            erasure.keys,
            took.as_secs_f64() * 1000.0
        );
    }
}
