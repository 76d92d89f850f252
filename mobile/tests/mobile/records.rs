//! The records the phone API makes beyond the daily screens, through `PraxisStore`
//! only: the collaborative's schedule, progress scale and change package; a project's
//! charter, change ideas, measure revisions, coordinators' scores and managers'
//! decisions; corrections, resolutions, imports and a rebuild. Each is read back
//! through the API, and each refusal changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_mobile::*;

/// A new store in `dir` with a collaborative and a project: (store, collaborative, project).
fn store(dir: &tempfile::TempDir) -> (std::sync::Arc<PraxisStore>, String, String) {
    let path = dir.path().join("store.sqlite3");
    let store = PraxisStore::create(
        path.display().to_string(),
        "Ann Coordinator".into(),
        generate_key().unwrap(),
    )
    .unwrap();
    let collaborative = store
        .found_collaborative(
            "Promoting independence".into(),
            "Independence where worries about risk get in the way".into(),
            "Two workshops with people who use services".into(),
        )
        .unwrap()
        .stream_id;
    let project = store
        .start_project(
            None,
            "Northside".into(),
            "Northshire CC".into(),
            "Home from hospital".into(),
        )
        .unwrap()
        .stream_id;
    (store, collaborative, project)
}

fn events(store: &PraxisStore, project: &str) -> u64 {
    store.overview(project.to_string()).unwrap().events
}

fn charter(how_much: &str) -> CharterInput {
    CharterInput {
        what: "people return home after a hospital stay".into(),
        for_whom: "people over 85".into(),
        place: "the borough".into(),
        how_much: how_much.into(),
        by_when: "2027-06-30".into(),
        senior_leader: "Director of adult services".into(),
        day_to_day_lead: "Team manager".into(),
        members: vec!["Ann".into(), "Bob".into()],
    }
}

fn days() -> MeasureInput {
    MeasureInput {
        name: "Days from referral to home".into(),
        kind: MeasureKind::Outcome,
        operational_definition: "Calendar days from the referral to the day home".into(),
        unit: Some("days".into()),
        numerator: None,
        denominator: None,
        direction: Direction::LowerIsBetter,
        target: Some(10.0),
        frequency: Frequency::Weekly,
    }
}

fn observation(text: &str) -> ObservationInput {
    ObservationInput {
        text: text.into(),
        case_material: false,
        cycle_id: None,
        subject: None,
        observed_on: Some("2026-03-11".into()),
    }
}

#[test]
fn the_collaborative_records_its_schedule_scale_and_change_package() {
    let dir = tempfile::tempdir().unwrap();
    let (store, collaborative, project) = store(&dir);
    let phase = |kind, starts: &str, ends: &str| PhaseInput {
        kind,
        starts: starts.into(),
        ends: ends.into(),
    };
    let schedule = store
        .set_schedule(
            None,
            vec![
                phase(PhaseKind::Prework, "2026-01-05", "2026-02-27"),
                phase(
                    PhaseKind::LearningSession { number: 1 },
                    "2026-03-02",
                    "2026-03-02",
                ),
                phase(PhaseKind::ClosingEvent, "2026-12-01", "2026-12-01"),
            ],
        )
        .unwrap();
    assert_eq!(schedule.kind, "schedule-set");
    assert_eq!(schedule.stream_id, collaborative);
    assert!(schedule.recorded_at_millis > 0);

    let scale = store
        .adopt_progress_scale(
            Some(collaborative.clone()),
            ProgressScaleInput {
                version: 2,
                name: "Our progress scale".into(),
                levels: vec![
                    ProgressLevelInput {
                        score: "1.0".into(),
                        meaning: "Team formed".into(),
                    },
                    ProgressLevelInput {
                        score: "2.5".into(),
                        meaning: " Testing changes ".into(),
                    },
                ],
            },
        )
        .unwrap();
    assert_eq!(scale.kind, "progress-scale-adopted");
    let item = store
        .add_change_package_item(
            None,
            ChangePackageItemInput {
                title: "Positive risk-taking conversations".into(),
                description: "Talk through risks with the person".into(),
                evidence: EvidenceInput {
                    research: vec!["SCIE knowledge review 20".into()],
                    practice: vec!["Northside team practice".into()],
                },
            },
        )
        .unwrap();
    assert_eq!(item.kind, "change-package-item-added");
    assert_eq!(item.stream_id, collaborative);

    // A change idea drawing on the package item, in the project.
    let idea = store
        .propose_change_idea(
            project.clone(),
            ChangeIdeaInput {
                title: "Talk about risk at the first visit".into(),
                description: "".into(),
                package_item_ids: vec![item.id[item.id.len() - 8..].to_string()],
                evidence: EvidenceInput::default(),
            },
        )
        .unwrap();
    assert_eq!(idea.kind, "change-idea-proposed");
    assert_eq!(idea.stream_id, project);

    // Refusals change nothing: a learning session numbered 0, a score that is not one,
    // a package item that is not there.
    let before = events(&store, &project);
    let refused = store.set_schedule(
        None,
        vec![phase(
            PhaseKind::LearningSession { number: 0 },
            "2026-03-02",
            "2026-03-02",
        )],
    );
    assert!(
        matches!(&refused, Err(PraxisError::InvalidInput(m)) if m.contains("numbered 1 to 9")),
        "{refused:?}"
    );
    let refused = store.adopt_progress_scale(
        None,
        ProgressScaleInput {
            version: 3,
            name: "n".into(),
            levels: vec![ProgressLevelInput {
                score: "high".into(),
                meaning: "m".into(),
            }],
        },
    );
    assert!(
        matches!(&refused, Err(PraxisError::InvalidInput(m)) if m.contains("'high' is not a score")),
        "{refused:?}"
    );
    let refused = store.propose_change_idea(
        project.clone(),
        ChangeIdeaInput {
            title: "t".into(),
            description: "d".into(),
            package_item_ids: vec!["beefbeef".into()],
            evidence: EvidenceInput::default(),
        },
    );
    assert!(matches!(refused, Err(PraxisError::InvalidInput(_))));
    assert_eq!(events(&store, &project), before);
}

#[test]
fn a_project_records_its_charter_measures_scores_and_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _, project) = store(&dir);
    store
        .set_charter(project.clone(), charter("from 40% to 75%"))
        .unwrap();
    // A revision replaces the charter this device has seen: no conflict.
    let revised = store
        .set_charter(project.clone(), charter("from 40% to 80%"))
        .unwrap();
    assert_eq!(revised.kind, "charter-set");
    let overview = store.overview(project.clone()).unwrap();
    assert!(
        overview.aim.as_deref().is_some_and(|a| a.contains("80%")),
        "{overview:?}"
    );
    assert!(overview.conflicts.is_empty(), "{overview:?}");
    assert!(store.conflicts().unwrap().is_empty());

    let measure = store.define_measure(project.clone(), days()).unwrap();
    let revision = store
        .revise_measure(
            project.clone(),
            measure.id.clone(),
            MeasureInput {
                name: "Days from referral to home (calendar)".into(),
                ..days()
            },
        )
        .unwrap();
    assert_eq!(revision.kind, "measure-revised");
    let shown = store.measure(measure.id.clone(), 10).unwrap();
    assert_eq!(shown.name, "Days from referral to home (calendar)");

    let report = store
        .submit_monthly_report(
            project.clone(),
            MonthlyReportInput {
                month: "2026-03".into(),
                measures: "Days fell".into(),
                cycles: "Two".into(),
                learning: "Talk early".into(),
                barriers: "".into(),
                plans: "Spread".into(),
                self_score: "2.5".into(),
            },
        )
        .unwrap();
    let score = store
        .give_coordinator_score(
            project.clone(),
            report.id.clone(),
            "2.0".into(),
            "Changes tested, not yet improving".into(),
        )
        .unwrap();
    assert_eq!(score.kind, "coordinator-score-given");
    let decision = store
        .record_manager_decision(
            project.clone(),
            ManagerDecisionInput {
                decision: "Fund a second team".into(),
                rationale: "The days fell".into(),
                rests_on_ids: vec![report.id.clone(), measure.id.clone()],
            },
        )
        .unwrap();
    assert_eq!(decision.kind, "manager-decision-recorded");

    let before = events(&store, &project);
    let refused = store.set_charter(
        project.clone(),
        CharterInput {
            by_when: "soon".into(),
            ..charter("x")
        },
    );
    assert!(
        matches!(refused, Err(PraxisError::InvalidInput(_))),
        "{refused:?}"
    );
    let refused = store.give_coordinator_score(
        project.clone(),
        report.id.clone(),
        "eleven".into(),
        "j".into(),
    );
    assert!(
        matches!(refused, Err(PraxisError::InvalidInput(_))),
        "{refused:?}"
    );
    assert_eq!(events(&store, &project), before);
}

#[test]
fn corrections_resolutions_imports_and_a_rebuild() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _, project) = store(&dir);
    let seen = store
        .record_observation(project.clone(), observation("Mrs Q went home on day 9"))
        .unwrap();
    let corrected = store
        .correct(
            seen.id.clone(),
            CorrectionInput {
                reason: "It was day 8".into(),
                text: Some("Mrs Q went home on day 8".into()),
                ..CorrectionInput::default()
            },
        )
        .unwrap();
    assert_eq!(corrected.kind, "correction");
    assert_eq!(corrected.stream_id, project);
    let withdrawn = store
        .correct(
            seen.id.clone(),
            CorrectionInput {
                reason: "Recorded in the wrong project".into(),
                withdraw: true,
                ..CorrectionInput::default()
            },
        )
        .unwrap();
    assert_eq!(withdrawn.kind, "correction");

    let before = events(&store, &project);
    // A value does not correct an observation.
    let refused = store.correct(
        seen.id.clone(),
        CorrectionInput {
            reason: "r".into(),
            value: Some(3.0),
            ..CorrectionInput::default()
        },
    );
    assert!(
        matches!(&refused, Err(PraxisError::InvalidInput(m)) if m.contains("Say what the corrected observation-recorded is")),
        "{refused:?}"
    );
    // One store alone has no conflict to resolve.
    let refused = store.resolve_conflict(seen.id.clone(), seen.id.clone(), "r".into());
    assert!(
        matches!(&refused, Err(PraxisError::InvalidInput(m)) if m.contains("There is no open conflict")),
        "{refused:?}"
    );
    assert_eq!(events(&store, &project), before);

    // An import is all or nothing.
    let line = |text: &str| {
        format!(
            r#"{{"ObservationRecorded":{{"kind":"Observation","cycle":null,"subject":null,"observed_on":"2026-03-11","text":"{text}"}}}}"#
        )
    };
    let imported = store
        .import_events(
            project.clone(),
            "paper.jsonl".into(),
            format!("{}\n\n{}\n", line("First"), line("Second")),
        )
        .unwrap();
    assert_eq!(imported.len(), 2);
    assert!(imported.iter().all(|r| r.kind == "observation-recorded"));
    let before = events(&store, &project);
    // The project started, the observation, its two corrections and the two imported.
    assert_eq!(before, 6);
    let refused = store.import_events(
        project.clone(),
        "paper.jsonl".into(),
        format!("{}\nnot an event\n", line("Third")),
    );
    assert!(
        matches!(&refused, Err(PraxisError::InvalidInput(m)) if m.contains("line 2 of paper.jsonl is not a Praxis event in JSON; nothing was imported")),
        "{refused:?}"
    );
    let refused = store.import_events(
        project.clone(),
        "paper.jsonl".into(),
        format!(
            "{}\n{}\n",
            line("Fourth"),
            r#"{"ProgressScaleAdopted":{"version":2,"name":"n","levels":[{"score":10,"meaning":"m"}]}}"#
        ),
    );
    assert!(
        matches!(&refused, Err(e) if e.to_string().starts_with("Nothing was imported: ")),
        "{refused:?}"
    );
    assert_eq!(events(&store, &project), before);

    // The views fold again from the events, to the same overview.
    let overview = store.overview(project.clone()).unwrap();
    let total = store.rebuild_views().unwrap();
    assert!(total >= before, "{total} events in every stream");
    assert_eq!(store.overview(project).unwrap(), overview);
}
