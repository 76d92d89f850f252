//! The evidence behind scores and predictions through the phone API: the level a
//! month's records suggest is the core's, and is recorded with the report; a
//! prediction made checkable is read against the data as the core reads it.

use praxis_core::domain::event::Event;
use praxis_core::domain::ids::EventId;
use praxis_core::store::queries;
use praxis_mobile::*;

#[allow(clippy::unwrap_used)]
fn event_id(text: &str) -> EventId {
    EventId(text.parse().unwrap())
}

#[test]
fn the_phone_suggests_a_score_records_it_with_the_report_and_checks_a_prediction() {
    let (_dir, store, project) = super::store_with_project();
    let measure = store
        .define_measure(
            project.clone(),
            MeasureInput {
                name: "Visits with a plan".into(),
                kind: MeasureKind::Outcome,
                operational_definition: "Visits that end with a plan agreed".into(),
                unit: Some("visits".into()),
                numerator: None,
                denominator: None,
                direction: Direction::HigherIsBetter,
                target: None,
                frequency: Frequency::Weekly,
            },
        )
        .unwrap();
    let monday = time::macros::date!(2026 - 01 - 05);
    let values = [3., 4., 3., 5., 4., 3., 4., 4., 8., 9., 8., 9., 10., 9., 8.];
    for (week, value) in values.iter().enumerate() {
        let start = monday + time::Duration::weeks(week as i64);
        store
            .record_measurement(
                project.clone(),
                MeasurementInput {
                    measure_id: measure.id.clone(),
                    period_start: start.to_string(),
                    period_end: (start + time::Duration::days(6)).to_string(),
                    value: Some(*value),
                    numerator: None,
                    denominator: None,
                    note: String::new(),
                },
            )
            .unwrap();
    }

    // The run chart's baseline, set twice: the second replaces the first.
    store
        .set_baseline(project.clone(), measure.id.clone(), 6)
        .unwrap();
    let set = store
        .set_baseline(project.clone(), measure.id.clone(), 8)
        .unwrap();
    assert_eq!(set.kind, "baseline-set");
    let series = store.read(|s| {
        queries::measure_series(s.connection(), event_id(&measure.id))
            .unwrap()
            .unwrap()
    });
    assert_eq!(series.baseline_points(), Some(8));
    assert_eq!(series.baseline_settings, vec![(event_id(&set.id), 8)]);
    let too_few = store
        .set_baseline(project.clone(), measure.id.clone(), 2)
        .unwrap_err();
    assert!(too_few.to_string().contains("6 to 104"), "{too_few}");
    store
        .set_baseline(project.clone(), measure.id.clone(), 12)
        .unwrap();

    // The same suggestion as the core's, in words a screen can show.
    let suggested = store
        .suggested_score(project.clone(), "2026-04".into())
        .unwrap();
    let core = store.read(|s| {
        let p = queries::streams(s.connection())
            .unwrap()
            .into_iter()
            .find(|x| x.id.0.to_string() == project)
            .unwrap()
            .id;
        queries::suggested_score(s.connection(), p, time::macros::date!(2026 - 04 - 01))
            .unwrap()
            .unwrap()
    });
    assert_eq!(suggested.level, core.level.to_string());
    assert_eq!(suggested.evidence, core.evidence);
    assert_eq!(suggested.steps.len(), core.steps.len());
    assert!(
        store
            .suggested_score(project.clone(), "April".into())
            .unwrap_err()
            .to_string()
            .contains("YYYY-MM")
    );

    // A report is recorded with it.
    let report = store
        .submit_monthly_report(
            project.clone(),
            MonthlyReportInput {
                month: "2026-04".into(),
                measures: "Up".into(),
                cycles: "None yet".into(),
                learning: "Visits help".into(),
                barriers: "Time".into(),
                plans: "Test the guide".into(),
                self_score: "3.0".into(),
            },
        )
        .unwrap();
    let recorded = store.read(|s| {
        queries::children(s.connection(), event_id(&report.id))
            .unwrap()
            .into_iter()
            .find_map(|r| match r.content {
                Event::ScoreSuggested { suggestion, .. } => Some(suggestion),
                _ => None,
            })
            .unwrap()
    });
    assert_eq!(recorded.level.to_string(), suggested.level);
    assert_eq!(recorded.given.to_string(), "3.0");

    // A prediction made checkable, read against the data.
    let cycle = store
        .plan_cycle(
            project.clone(),
            PlanInput {
                change_idea_id: None,
                follows_id: None,
                scale: TestScale::VerySmall,
                objective: "Try the guide".into(),
                predictions: vec![PredictionInput {
                    question: "Will more visits end with a plan?".into(),
                    prediction: "Yes".into(),
                    reason: "It did elsewhere".into(),
                }],
                who: "Asha".into(),
                what: "The guide".into(),
                place: "Home visits".into(),
                when: "2026-03-02".into(),
                data_to_collect: "Plans agreed".into(),
            },
        )
        .unwrap();
    let expectation = |change| ExpectationInput {
        prediction_index: Some(0),
        measure_id: measure.id.clone(),
        change,
        by: "2026-04-19".into(),
    };
    let stated = store
        .state_expectation(
            project.clone(),
            cycle.id.clone(),
            expectation(ExpectedChange::Rise),
        )
        .unwrap();
    assert_eq!(stated.kind, "expectation-stated");
    store
        .state_expectation(
            project.clone(),
            cycle.id.clone(),
            expectation(ExpectedChange::AtMost { value: 5.0 }),
        )
        .unwrap();
    let bad = store
        .state_expectation(
            project.clone(),
            cycle.id.clone(),
            ExpectationInput {
                prediction_index: Some(3),
                ..expectation(ExpectedChange::Fall)
            },
        )
        .unwrap_err();
    assert!(bad.to_string().contains("no prediction 4"), "{bad}");

    let checks = store.prediction_checks(cycle.id.clone()).unwrap();
    assert_eq!(checks.len(), 2);
    assert_eq!(checks[0].expectation_id, stated.id);
    assert_eq!(checks[0].verdict, "supported", "{:?}", checks[0]);
    assert_eq!(
        checks[0].expected,
        "Visits with a plan would rise, from 2026-03-02 to 2026-04-19"
    );
    assert_eq!(
        checks[0].prediction.as_deref(),
        Some("Will more visits end with a plan? Predicted: Yes")
    );
    assert_eq!(checks[0].median_before, Some(4.0));
    assert_eq!(checks[0].values.len(), 7);
    assert!(!checks[0].signals.is_empty());
    assert_eq!(checks[1].verdict, "contradicted");
    let core = store.read(|s| {
        queries::prediction_checks(
            s.connection(),
            event_id(&cycle.id),
            praxis_core::dates::today(),
        )
        .unwrap()
    });
    assert_eq!(
        checks
            .iter()
            .map(|c| c.explanation.clone())
            .collect::<Vec<_>>(),
        core.iter()
            .map(|c| c.explanation.clone())
            .collect::<Vec<_>>()
    );
}
