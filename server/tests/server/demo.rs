//! The demo collaborative, seeded into a fresh server, checked through the `Storage`
//! trait only: people in every role, two living projects, one open conflict, records
//! that came from the people's own devices, and a second seeding that changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::domain::event::{Event, MeasureKind, MeasureUnit, ObservationKind, PhaseKind};
use praxis_core::domain::hlc::WallClock;
use praxis_core::domain::ids::{DeviceId, PersonId, StreamId};
use praxis_core::domain::record::StreamKind;
use praxis_core::domain::role::Role;
use praxis_server::auth::verify_password;
use praxis_server::demo::{self, DEMO_COLLABORATIVE, DEMO_PASSWORD, DEMO_PEOPLE, DEMO_TEAMS};
use praxis_server::storage::{SqliteStorage, Storage, StreamView, Views};
use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

/// The tests seed one at a time, so each can see that seeding leaves no temporary
/// directory of this process behind.
static SEEDING: Mutex<()> = Mutex::new(());

fn demo_dirs_left() -> usize {
    std::fs::read_dir(std::env::temp_dir())
        .expect("the temporary directory")
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!("praxis-demo-{}-", std::process::id()))
        })
        .count()
}

fn person(storage: &SqliteStorage, username: &str) -> PersonId {
    storage
        .people()
        .expect("people")
        .into_iter()
        .find(|p| p.username == username)
        .unwrap_or_else(|| panic!("no person {username}"))
        .id
}

/// Every stream's events, the people, devices and memberships: what a second seeding
/// must leave as it is.
fn counts(storage: &SqliteStorage) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    counts.insert("people".into(), storage.people().expect("people").len());
    counts.insert("devices".into(), storage.devices().expect("devices").len());
    counts.insert(
        "memberships".into(),
        storage.memberships().expect("memberships").len(),
    );
    counts.insert("teams".into(), storage.teams().expect("teams").len());
    counts.insert(
        "organisation".into(),
        storage
            .events(storage.organisation())
            .expect("events")
            .len(),
    );
    let coordinator = person(storage, "sam.okafor");
    for s in storage.streams_for(coordinator).expect("streams") {
        counts.insert(
            s.name.clone(),
            storage.events(s.stream_id).expect("events").len(),
        );
        counts.insert(
            format!("{} receipts", s.name),
            storage.receipts(s.stream_id).expect("receipts").len(),
        );
    }
    counts
}

#[test]
fn the_demo_is_a_living_collaborative_seeded_through_devices_and_only_once() {
    let _one_at_a_time = SEEDING.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let story = demo::story_clock();
    let mut storage =
        praxis_testkit::server::open_storage_with_clock(dir.path(), story.clone()).unwrap();
    demo::seed(&mut storage, &story).unwrap();
    assert_eq!(
        demo_dirs_left(),
        0,
        "the devices' temporary stores are removed"
    );

    // ---- people, roles, memberships, password ----
    let people = storage.people().unwrap();
    let memberships = storage.memberships().unwrap();
    for role in Role::ALL {
        assert!(
            DEMO_PEOPLE.iter().any(|(_, _, r)| *r == role.name()),
            "no demo person is {}",
            role.name()
        );
    }
    for (username, name, role) in DEMO_PEOPLE {
        let p = people
            .iter()
            .find(|p| p.username == *username)
            .unwrap_or_else(|| panic!("{username} was not added"));
        assert_eq!(p.name, *name);
        let role = Role::from_name(role).unwrap();
        assert!(
            memberships
                .iter()
                .any(|m| m.person == p.id && m.role == role && !m.revoked()),
            "{username} is not a {}",
            role.name()
        );
        let (_, _, hash) = storage.credentials(username).unwrap().unwrap();
        assert!(verify_password(DEMO_PASSWORD, &hash), "{username}");
    }
    let practitioners_per_team: Vec<usize> = storage
        .teams()
        .unwrap()
        .iter()
        .map(|t| {
            memberships
                .iter()
                .filter(|m| {
                    m.role == Role::Practitioner
                        && m.scope == praxis_core::domain::event::Scope::Team(t.id)
                })
                .count()
        })
        .collect();
    assert_eq!(practitioners_per_team.len(), 2);
    assert!(practitioners_per_team.iter().all(|n| *n >= 1));
    // The data protection officer's retention schedule stands, and nothing of the
    // story is due yet.
    let kate = people.iter().find(|p| p.username == "kate.obi").unwrap();
    let today = time::OffsetDateTime::now_utc().date();
    let retention = storage.retention(Some(kate.id), today).unwrap();
    assert_eq!(retention.len(), 1);
    let schedule = retention[0].schedule.as_ref().expect("a schedule");
    assert_eq!(schedule.set_by, "Kate Obi");
    assert_eq!(schedule.periods.len(), 2);
    assert!(retention[0].due.is_empty(), "{retention:?}");
    assert!(practitioners_per_team.iter().any(|n| *n >= 2));

    // ---- the collaborative: two teams of two organisations, schedule, package ----
    let collaboratives = storage.collaboratives().unwrap();
    assert_eq!(collaboratives.len(), 1);
    let (collaborative, name) = collaboratives[0].clone();
    assert_eq!(name, DEMO_COLLABORATIVE);
    let teams = storage.teams().unwrap();
    assert_eq!(teams.len(), DEMO_TEAMS.len());
    assert!(teams.iter().all(|t| t.collaborative == collaborative));
    let organisations: HashSet<&str> = teams.iter().map(|t| t.organisation.as_str()).collect();
    assert_eq!(organisations.len(), 2);
    let StreamView::Collaborative(view) = storage.stream_view(collaborative).unwrap() else {
        panic!("not a collaborative");
    };
    let today = time::OffsetDateTime::now_utc().date();
    let schedule = view.schedule.expect("a schedule");
    let now = schedule
        .iter()
        .find(|p| p.starts <= today && today <= p.ends)
        .expect("today is in a phase");
    assert!(matches!(now.kind, PhaseKind::ActionPeriod(_)), "{now:?}");
    assert!(
        schedule.iter().any(|p| p.kind == PhaseKind::Prework)
            && schedule
                .iter()
                .any(|p| matches!(p.kind, PhaseKind::LearningSession(_)))
    );
    assert_eq!(view.change_package.len(), 2);
    assert!(view.conflicts.is_empty());
    let coordinator = person(&storage, "sam.okafor");
    let coordinator_devices: HashSet<DeviceId> = storage
        .devices()
        .unwrap()
        .iter()
        .filter(|d| d.person == coordinator)
        .map(|d| d.id)
        .collect();
    let collaborative_events = storage.events(collaborative).unwrap();
    let package: Vec<_> = collaborative_events
        .iter()
        .filter(|e| e.kind == "change-package-item-added")
        .collect();
    assert!(package.iter().all(|e| e.author == coordinator
        && coordinator_devices.contains(&e.device)
        && matches!(&e.body, Some(Event::ChangePackageItemAdded(i)) if !i.evidence.is_empty())));
    assert!(
        storage
            .receipts(collaborative)
            .unwrap()
            .iter()
            .all(|r| coordinator_devices.contains(&r.device))
    );

    // ---- the two projects ----
    let projects: Vec<StreamId> = storage
        .streams_for(coordinator)
        .unwrap()
        .into_iter()
        .filter(|s| s.kind == StreamKind::Project)
        .map(|s| s.stream_id)
        .collect();
    assert_eq!(projects.len(), 2);
    let person_of_device: BTreeMap<DeviceId, PersonId> = storage
        .devices()
        .unwrap()
        .iter()
        .map(|d| (d.id, d.person))
        .collect();
    let senior_managers: HashSet<PersonId> = memberships
        .iter()
        .filter(|m| m.role == Role::SeniorManager)
        .map(|m| m.person)
        .collect();
    let mut conflicts = 0;
    let mut shift_seen = false;
    for stream in &projects {
        let StreamView::Project(overview) = storage.stream_view(*stream).unwrap() else {
            panic!("not a project");
        };
        let title = overview.project.as_ref().unwrap().title.clone();
        let charter = overview.charter.as_ref().expect("a charter");
        assert!(charter.aim.how_much.chars().any(|c| c.is_ascii_digit()));
        assert!(charter.aim.by_when > today);

        // Measures: a balanced set, ratio and unit, with targets and weekly data.
        assert!(overview.measures.len() >= 3, "{title}");
        let definitions: Vec<_> = overview
            .measures
            .iter()
            .map(|m| m.definition.clone().unwrap())
            .collect();
        for kind in [
            MeasureKind::Outcome,
            MeasureKind::Process,
            MeasureKind::Balancing,
        ] {
            assert!(definitions.iter().any(|d| d.kind == kind), "{title}");
        }
        assert!(
            definitions
                .iter()
                .any(|d| matches!(d.unit, MeasureUnit::Ratio { .. }))
        );
        assert!(
            definitions
                .iter()
                .any(|d| matches!(d.unit, MeasureUnit::Unit(_)))
        );
        assert!(definitions.iter().any(|d| d.target.is_some()));
        for m in &overview.measures {
            assert!(m.measurements >= 12, "{title}: {}", m.measurements);
            let latest = m.latest.as_ref().unwrap();
            assert!(latest.period_end < today);
            assert!(latest.period_end >= today - time::Duration::days(14));
            let series = storage.measure(m.id).unwrap().unwrap();
            let mut sorted: Vec<f64> = series.points.iter().map(|p| p.plotted).collect();
            sorted.sort_by(f64::total_cmp);
            let n = sorted.len();
            let median = (sorted[(n - 1) / 2] + sorted[n / 2]) / 2.0;
            let mut run = 0;
            let mut longest = 0;
            for p in &series.points {
                if p.plotted > median {
                    run += 1;
                    longest = longest.max(run);
                } else if p.plotted < median {
                    run = 0;
                }
            }
            if longest >= 6 && series.points.last().unwrap().plotted > median {
                shift_seen = true;
            }
        }

        // Cycles in every stage, and a ramp.
        for stage in [
            "planned",
            "done, to study",
            "studied, to decide",
            "adopted",
            "adapted",
            "abandoned",
        ] {
            assert!(
                overview
                    .cycles_by_stage
                    .get(stage)
                    .is_some_and(|c| !c.is_empty()),
                "{title} has no cycle {stage}: {:?}",
                overview.cycles_by_stage.keys()
            );
        }
        assert!(
            overview.ramps.iter().any(|r| r.steps.len() >= 2),
            "{title} has no ramp"
        );
        assert!(
            overview
                .ramps
                .iter()
                .flat_map(|r| &r.steps)
                .any(|s| s.depth >= 1 && s.cycle.follows.is_some())
        );
        assert!(overview.change_ideas.len() >= 2);

        // Reports with self scores and the coordinator's.
        assert!(overview.reports.len() >= 2, "{title}");
        assert!(overview.reports.iter().all(|r| r.month.day() == 1));
        assert!(
            overview
                .reports
                .iter()
                .all(|r| !r.coordinator_scores.is_empty()),
            "{title}"
        );
        let reports: HashSet<_> = overview.reports.iter().map(|r| r.id).collect();

        conflicts += overview.conflicts.len();
        if !overview.conflicts.is_empty() {
            assert_eq!(overview.conflicts[0].versions.len(), 2);
            assert_eq!(
                overview.cycles_by_stage["decision in conflict"].len(),
                1,
                "{title}"
            );
            let cycle = storage
                .cycle(overview.conflicts[0].subject)
                .unwrap()
                .unwrap();
            let versions = cycle.act_conflict.expect("an Act in conflict");
            let authors: HashSet<PersonId> = versions.iter().map(|v| v.stamp.author).collect();
            assert_eq!(authors.len(), 2, "two practitioners decided");
            assert_ne!(versions[0].value.decision, versions[1].value.decision);
        }

        // Who recorded what, from where.
        let events = storage.events(*stream).unwrap();
        for e in &events {
            assert_eq!(
                person_of_device.get(&e.device),
                Some(&e.author),
                "{title}: {} came from a device of its author",
                e.kind
            );
        }
        let decision = events
            .iter()
            .find_map(|e| match &e.body {
                Some(Event::ManagerDecisionRecorded { rests_on, .. }) => Some((e.author, rests_on)),
                _ => None,
            })
            .expect("a senior manager's decision");
        assert!(senior_managers.contains(&decision.0));
        assert!(decision.1.iter().any(|r| reports.contains(r)));
        assert!(events.iter().any(|e| matches!(&e.body,
            Some(Event::CoordinatorScoreGiven { justification, .. })
                if e.author == coordinator && !justification.is_empty())));
        let observations: Vec<_> = events
            .iter()
            .filter_map(|e| match &e.body {
                Some(Event::ObservationRecorded(o)) => Some(o),
                _ => None,
            })
            .collect();
        assert!(observations.iter().any(|o| o.subject.is_some()));
        assert!(
            observations
                .iter()
                .any(|o| o.kind == ObservationKind::CaseMaterial)
        );
        assert!(observations.iter().any(|o| o.cycle.is_some()));
        for kind in ["action-plan-entry-added", "learning-log-entry-added"] {
            assert!(events.iter().any(|e| e.kind == kind), "{title}: {kind}");
        }
        assert!(!storage.feed(*stream, 50).unwrap().is_empty());

        let receipts = storage.receipts(*stream).unwrap();
        assert_eq!(receipts.len(), events.len(), "{title}");
        let devices: HashSet<DeviceId> = receipts.iter().map(|r| r.device).collect();
        assert!(devices.len() >= 4, "{title}: {} devices", devices.len());
    }
    assert_eq!(conflicts, 1, "exactly one open conflict");
    assert!(shift_seen, "a measure shows a shift above its median");

    // ---- seeding again changes nothing ----
    let before = counts(&storage);
    demo::seed(&mut storage, &story).unwrap();
    assert_eq!(counts(&storage), before);
    drop(storage);
    let mut reopened = praxis_testkit::server::open_storage(dir.path()).unwrap();
    demo::seed(&mut reopened, &WallClock::system()).unwrap();
    assert_eq!(counts(&reopened), before);
}

#[test]
fn the_demo_seeds_on_any_day_with_today_in_an_action_period() {
    use time::macros::date;
    let _one_at_a_time = SEEDING.lock().unwrap_or_else(|p| p.into_inner());
    // New Year's Day, a month's last day, a Sunday, a Monday, a Tuesday and a
    // Saturday (the story is told as of the last Sunday, whatever the day).
    for today in [
        date!(2027 - 01 - 01),
        date!(2026 - 03 - 31),
        date!(2026 - 06 - 07),
        date!(2026 - 06 - 08),
        date!(2026 - 12 - 08),
        date!(2026 - 12 - 12),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let story = demo::story_clock();
        let mut storage =
            praxis_testkit::server::open_storage_with_clock(dir.path(), story.clone()).unwrap();
        demo::seed_as_of(&mut storage, today, &story).unwrap();
        story.end_story();
        let (collaborative, _) = storage.collaboratives().unwrap()[0];
        let StreamView::Collaborative(view) = storage.stream_view(collaborative).unwrap() else {
            panic!("not a collaborative");
        };
        let phase = view
            .schedule
            .unwrap()
            .into_iter()
            .find(|p| p.starts <= today && today <= p.ends)
            .unwrap();
        assert!(matches!(phase.kind, PhaseKind::ActionPeriod(_)), "{today}");
        let mut conflicts = 0;
        for project in view.projects {
            let StreamView::Project(overview) = storage.stream_view(project.id).unwrap() else {
                panic!("not a project");
            };
            conflicts += overview.conflicts.len();
            for m in &overview.measures {
                let end = m.latest.as_ref().unwrap().period_end;
                // The demo is told as of the last Sunday: the week before the one
                // that ended then is the last recorded.
                let sunday =
                    today - time::Duration::days(today.weekday().number_days_from_sunday().into());
                assert_eq!(end, sunday - time::Duration::days(7), "{today}");
            }
            let months: Vec<_> = overview.reports.iter().map(|r| r.month).collect();
            assert_eq!(months.len(), 2, "{today}");
            assert!(
                months.iter().all(|m| m.day() == 1 && *m < today),
                "{today}: {months:?}"
            );
        }
        assert_eq!(conflicts, 1, "{today}");
        assert_eq!(demo_dirs_left(), 0, "{today}");
    }
}
