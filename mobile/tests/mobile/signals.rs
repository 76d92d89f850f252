//! A measure's signals through the phone API: the same list, in the same words, as the
//! client core's one function gives the server and the terminal, Anhøj's rules and the
//! chart-wide signals included, with the variation and assurance icons.

use praxis_core::domain::ids::EventId;
use praxis_core::domain::measure_chart::ChartKind;
use praxis_core::store::queries;
use praxis_mobile::*;

/// Twenty weeks of days from referral to home: twelve about 20, then eight about 12.
const DAYS: [f64; 20] = [
    20., 22., 19., 21., 20., 23., 19., 21., 22., 20., 21., 19., 12., 11., 13., 12., 11., 12., 13.,
    11.,
];

#[test]
fn the_phone_shows_the_signals_every_client_shows() {
    let (_dir, store, project) = super::store_with_project();
    let measure = store
        .define_measure(
            project.clone(),
            MeasureInput {
                name: "Days from referral to home".into(),
                kind: MeasureKind::Outcome,
                operational_definition: "Calendar days from referral to home".into(),
                unit: Some("days".into()),
                numerator: None,
                denominator: None,
                direction: Direction::LowerIsBetter,
                target: Some(14.0),
                frequency: Frequency::Weekly,
            },
        )
        .unwrap();
    let monday = time::macros::date!(2026 - 01 - 05);
    for (i, days) in DAYS.iter().enumerate() {
        let start = monday + time::Duration::weeks(i as i64);
        store
            .record_measurement(
                project.clone(),
                MeasurementInput {
                    measure_id: measure.id.clone(),
                    period_start: start.to_string(),
                    period_end: (start + time::Duration::days(6)).to_string(),
                    value: Some(*days),
                    numerator: None,
                    denominator: None,
                    note: String::new(),
                },
            )
            .unwrap();
    }

    let id: EventId = measure.id.parse().unwrap();
    let chart = store
        .read(|s| queries::measure_chart(s.connection(), id, &[]))
        .unwrap()
        .unwrap();
    let expected: Vec<(String, Vec<u32>)> = chart
        .signals()
        .iter()
        .map(|s| {
            (
                s.label(),
                s.signal.points.iter().map(|&p| p as u32).collect(),
            )
        })
        .collect();
    assert!(
        chart
            .signals()
            .iter()
            .any(|s| s.chart == ChartKind::Run && s.signal.rule.words() == "unusually long run"),
        "Anhøj's rules see the drop: {expected:?}"
    );

    let shown = store.measure(measure.id.clone(), 0).unwrap();
    let got: Vec<(String, Vec<u32>)> = shown
        .signals
        .iter()
        .map(|s| (s.label.clone(), s.points.clone()))
        .collect();
    assert_eq!(got, expected);
    assert!(shown.signals.iter().any(|s| s.rule == "unusually long run"));
    assert!(
        shown
            .signals
            .iter()
            .all(|s| !s.rule.contains(char::is_uppercase)),
        "words, not internal names"
    );
    // The drop in days is good news on a measure where lower is better.
    let variation = shown.variation.unwrap();
    assert_eq!(variation.label, "Improving (low)");
    assert_eq!(variation.colour, "#289de0");
    assert!(
        variation
            .words
            .starts_with("Special cause variation, improving")
    );
    assert!(shown.assurance.is_some());
    assert!(
        shown
            .warnings
            .iter()
            .any(|w| w.contains("Recalculate the limits from the week of 30 March 2026")),
        "{:?}",
        shown.warnings
    );

    // The last five points: the same signals read over the whole series, their points
    // counted from the first point shown.
    let recent = store.measure(measure.id.clone(), 5).unwrap();
    assert_eq!(recent.points.len(), 5);
    for s in &recent.signals {
        assert!(s.points.iter().all(|&p| p < 5), "{s:?}");
        let whole = shown
            .signals
            .iter()
            .find(|w| w.label == s.label && w.explanation == s.explanation);
        assert!(whole.is_some(), "{s:?} is one of the whole series' signals");
    }
    assert!(
        recent
            .signals
            .iter()
            .any(|s| s.rule == "seven on one side of the mean")
    );
}
