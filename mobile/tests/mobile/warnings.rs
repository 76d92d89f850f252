//! Warnings before a measurement is recorded, through the phone API: a second value
//! for a period that has one, and a period that has not begun. Asking records nothing.

use praxis_mobile::*;

#[test]
fn the_phone_warns_of_a_second_value_and_of_a_period_not_yet_begun() {
    let (_dir, store, project) = super::store_with_project();
    let measure = store
        .define_measure(
            project.clone(),
            MeasureInput {
                name: "Visits with a plan".into(),
                kind: MeasureKind::Process,
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
    let week = |start: time::Date, value: f64| MeasurementInput {
        measure_id: measure.id.clone(),
        period_start: start.to_string(),
        period_end: (start + time::Duration::days(6)).to_string(),
        value: Some(value),
        numerator: None,
        denominator: None,
        note: String::new(),
    };
    let monday = time::macros::date!(2026 - 11 - 02);
    let first = store
        .record_measurement(project.clone(), week(monday, 7.0))
        .unwrap();

    // The same week again: the value there, and its id to correct it.
    let warnings = store.measurement_warnings(week(monday, 9.0)).unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].code, "second-value");
    assert_eq!(warnings[0].existing_id.as_deref(), Some(first.id.as_str()));
    assert!(
        warnings[0]
            .message
            .contains("already has a value for 2026-11-02 to 2026-11-08: 7."),
        "{}",
        warnings[0].message
    );
    // The next week: nothing to say. A week a year ahead: not begun.
    assert!(
        store
            .measurement_warnings(week(monday + time::Duration::weeks(1), 8.0))
            .unwrap()
            .is_empty()
    );
    let ahead = praxis_core::dates::today() + time::Duration::days(365);
    let warnings = store.measurement_warnings(week(ahead, 8.0)).unwrap();
    assert_eq!(
        warnings.iter().map(|w| w.code.as_str()).collect::<Vec<_>>(),
        ["future-period"]
    );
    assert_eq!(warnings[0].existing_id, None);
    // A measure that is not one is refused, saying so.
    let mut wrong = week(monday, 1.0);
    wrong.measure_id = project.clone();
    assert!(store.measurement_warnings(wrong).is_err());
    // Asking recorded nothing.
    let detail = store.measure(measure.id.clone(), 0).unwrap();
    assert_eq!(detail.points.len(), 1);
}
