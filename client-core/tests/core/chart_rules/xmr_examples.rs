//! The XmR chart on worked examples: limits, screening, the special-cause rules,
//! phases and target assurance.

use super::*;

// ---- XmR chart ----

fn xmr_chart(values: &[f64], settings: XmrSettings) -> XmrChart {
    xmr::analyse(values, &settings).unwrap()
}

#[test]
fn limits_are_the_mean_plus_or_minus_2_66_mean_moving_ranges_after_screening() {
    //  point:  1  2  3  4  5  6  7  8  9 10 11 12
    //  value: 10 11 10 11 10 11 10 11 10 11 10 17       mean 11
    //  mR:     -  1  1  1  1  1  1  1  1  1  1  7       mean 17/11
    // 7 > 3.267 × 17/11 = 5.05, so it is set aside: mean moving range 1, limits 8.34 and
    // 13.66, and 17 is above the upper limit.
    let values = [10., 11., 10., 11., 10., 11., 10., 11., 10., 11., 10., 17.];
    let chart = xmr_chart(&values, XmrSettings::new(HigherIsBetter));
    assert_eq!(chart.phases.len(), 1);
    let phase = &chart.phases[0];
    assert_eq!((phase.start, phase.end), (0, 12));
    assert!(close(phase.mean, 11.0));
    assert!(close(phase.mean_moving_range.unwrap(), 1.0));
    assert!(close(phase.upper.unwrap(), 13.66));
    assert!(close(phase.lower.unwrap(), 8.34));
    assert_eq!(phase.screened_out, vec![11]);
    assert_eq!(chart.moving_ranges[0], None);
    assert_eq!(chart.moving_ranges[11], Some(7.0));
    assert_eq!(rules(&chart.signals), vec![(Rule::OutsideLimits, vec![11])]);
    assert_eq!(chart.signals[0].reading, Some(Reading::Improvement));
    assert_eq!(
        chart.signals[0].explanation,
        "Point 12 (17) is above the upper limit (13.66): a special cause, here an improvement."
    );
    // Twelve points: a full baseline, no warning.
    assert!(chart.warnings.is_empty(), "{:?}", chart.warnings);

    // Unscreened, the jump widens the limits to 11 ± 2.66 × 17/11.
    let chart = xmr_chart(
        &values,
        XmrSettings::new(HigherIsBetter).without_screening(),
    );
    let phase = &chart.phases[0];
    assert!(close(phase.mean_moving_range.unwrap(), 17.0 / 11.0));
    assert!(close(phase.upper.unwrap(), 11.0 + 2.66 * 17.0 / 11.0));
    assert!(phase.screened_out.is_empty());
}

#[test]
fn screening_never_squeezes_the_limits_onto_the_mean() {
    // Only one moving range is not zero; setting it aside would leave no variation and
    // make every 0 a signal. It is kept.
    let chart = xmr_chart(&[0., 0., 0., 0., 0., 1.], XmrSettings::new(LowerIsBetter));
    let phase = &chart.phases[0];
    assert!(close(phase.mean_moving_range.unwrap(), 0.2));
    assert!(phase.screened_out.is_empty());
    assert_eq!(rules(&chart.signals), vec![(Rule::OutsideLimits, vec![5])]);
    assert_eq!(chart.signals[0].reading, Some(Reading::Concern));
}

#[test]
fn seven_points_on_one_side_of_the_mean_are_a_shift_and_six_are_not() {
    //  value: 12 8 12 8 | 11 11.5 11 11.5 11 11.5 11 | 7 9 7 8.5     mean 10
    //  side:   a b  a b |  a    a  a    a  a    a  a | b b b   b
    let values = [
        12., 8., 12., 8., 11., 11.5, 11., 11.5, 11., 11.5, 11., 7., 9., 7., 8.5,
    ];
    let chart = xmr_chart(&values, XmrSettings::new(LowerIsBetter));
    let phase = &chart.phases[0];
    assert!(close(phase.mean, 10.0));
    assert!(close(phase.mean_moving_range.unwrap(), 27.5 / 14.0));
    assert!(close(phase.upper.unwrap(), 15.225));
    assert_eq!(
        rules(&chart.signals),
        vec![(Rule::SevenOnOneSide, vec![4, 5, 6, 7, 8, 9, 10])]
    );
    assert_eq!(chart.signals[0].reading, Some(Reading::Concern));
    assert_eq!(
        chart.signals[0].explanation,
        "Seven points in a row, from point 5 to point 11, are above the mean: a shift, here a \
         concern."
    );

    // Six above, then below: mean still 10, no shift.
    let values = [
        12., 8., 12., 8., 11., 11.5, 11., 11.5, 11., 11.5, 9., 9., 9., 7., 8.5,
    ];
    let chart = xmr_chart(&values, XmrSettings::new(LowerIsBetter));
    assert!(close(chart.phases[0].mean, 10.0));
    assert!(chart.signals.is_empty(), "{:?}", chart.signals);
}

#[test]
fn seven_points_rising_are_a_trend_and_an_equal_value_breaks_it() {
    //  value: 14 8 13 10 | 9.5 10 10.5 11 11.5 12 12.5 | 8 14 9 13
    // Six increases from point 5 to point 11: seven points rising.
    let values = [
        14., 8., 13., 10., 9.5, 10., 10.5, 11., 11.5, 12., 12.5, 8., 14., 9., 13.,
    ];
    let chart = xmr_chart(&values, XmrSettings::new(HigherIsBetter));
    assert_eq!(
        rules(&chart.signals),
        vec![(Rule::SevenRisingOrFalling, (4..=10).collect())]
    );
    assert_eq!(chart.signals[0].reading, Some(Reading::Improvement));
    assert_eq!(
        chart.signals[0].explanation,
        "Seven points in a row, from point 5 to point 11, each higher than the one before: a \
         trend, here an improvement."
    );

    // 11, 11: on an XmR chart an equal value breaks the run (unlike a run chart).
    let values = [
        14., 8., 13., 10., 9.5, 10., 10.5, 11., 11., 12., 12.5, 8., 14., 9., 13.,
    ];
    assert!(
        xmr_chart(&values, XmrSettings::new(HigherIsBetter))
            .signals
            .is_empty()
    );
}

#[test]
fn two_of_three_points_near_a_limit_flag_the_two() {
    //  value: 10 10.5 10 10.5 10 10.5 10 10.5 12 10.5 12 10.5 10 10.5 10
    //  mean 10.5, mean moving range 11/14, σ = 2.66 × 11/14 ÷ 3, 2σ line 11.89;
    //  upper limit 12.59. Points 9 and 11 (12) are beyond the 2σ line, inside the limit.
    let values = [
        10., 10.5, 10., 10.5, 10., 10.5, 10., 10.5, 12., 10.5, 12., 10.5, 10., 10.5, 10.,
    ];
    // Read the Western Electric way: point 10 sits on the mean, so Making Data Count's
    // reading (all three on one side) sees nothing here (see mdc_examples).
    let chart = xmr_chart(
        &values,
        XmrSettings::new(HigherIsBetter).western_electric_two_of_three(),
    );
    let phase = &chart.phases[0];
    assert!(close(phase.mean, 10.5));
    assert!(close(phase.sigma().unwrap(), 2.66 * 11.0 / 14.0 / 3.0));
    assert!(close(phase.upper.unwrap(), 12.59));
    assert_eq!(
        rules(&chart.signals),
        vec![(Rule::TwoOfThreeNearLimit, vec![8, 10])]
    );
    assert_eq!(
        chart.signals[0].explanation,
        "Two of three points in a row, point 9 and point 11, are above 11.89, two thirds of the \
         way from the mean to the upper limit: a special cause, here an improvement."
    );

    // Three apart, they share no window of three.
    let values = [
        10., 10.5, 10., 10.5, 10., 10.5, 10., 10.5, 12., 10.5, 10., 12., 10., 10.5, 10.,
    ];
    assert!(
        xmr_chart(
            &values,
            XmrSettings::new(HigherIsBetter).western_electric_two_of_three()
        )
        .signals
        .is_empty()
    );
}

#[test]
fn recalculated_limits_give_each_phase_its_own_mean_and_signals() {
    // Twelve points around 20, then twelve around 30 after a change was adopted.
    let before = [20., 21., 19., 20., 22., 19., 21., 20., 19., 21., 20., 22.];
    let values: Vec<f64> = before
        .iter()
        .copied()
        .chain(before.iter().map(|v| v + 10.0))
        .collect();

    // One set of limits over both: the change shows as special causes.
    let chart = xmr_chart(&values, XmrSettings::new(HigherIsBetter));
    assert!(chart.signals.iter().any(|s| s.rule == Rule::SevenOnOneSide
        && s.points == (12..24).collect::<Vec<_>>()
        && s.reading == Some(Reading::Improvement)));
    assert!(chart.signals.iter().any(|s| s.rule == Rule::OutsideLimits));

    // Recalculated from point 13: two phases, each stable about its own mean.
    let chart = xmr_chart(
        &values,
        XmrSettings::new(HigherIsBetter).recalculated_from(12),
    );
    assert_eq!(
        chart
            .phases
            .iter()
            .map(|p| (p.start, p.end))
            .collect::<Vec<_>>(),
        vec![(0, 12), (12, 24)]
    );
    assert!(close(chart.phases[0].mean, 244.0 / 12.0));
    assert!(close(chart.phases[1].mean, 364.0 / 12.0));
    // mR 1 2 1 2 3 2 1 1 2 1 2 in each phase: 18/11. The jump between phases is no
    // moving range at all.
    assert!(close(
        chart.phases[0].mean_moving_range.unwrap(),
        18.0 / 11.0
    ));
    assert!(close(
        chart.phases[1].mean_moving_range.unwrap(),
        18.0 / 11.0
    ));
    assert_eq!(chart.moving_ranges[12], None);
    assert!(chart.signals.is_empty(), "{:?}", chart.signals);
    assert!(chart.warnings.is_empty(), "{:?}", chart.warnings);

    // Recalculated from point 17: the second phase rests on eight points.
    let chart = xmr_chart(
        &values,
        XmrSettings::new(HigherIsBetter).recalculated_from(16),
    );
    let short: Vec<_> = chart
        .warnings
        .iter()
        .filter(|w| w.kind == WarningKind::ShortBaseline)
        .collect();
    assert_eq!(short.len(), 1);
    assert_eq!(
        short[0].message,
        "The limits recalculated from point 17 rest on only eight points; with fewer than 12 \
         they are provisional, and so are the signals read against them."
    );
    // The first phase of sixteen points runs into the change.
    assert!(
        chart
            .signals
            .iter()
            .all(|s| s.points.iter().all(|&i| i < 16))
    );
}

#[test]
fn a_baseline_of_fewer_than_twelve_points_is_provisional() {
    let chart = xmr_chart(
        &[5., 6., 5., 7., 6., 5., 6., 7.],
        XmrSettings::new(HigherIsBetter),
    );
    assert_eq!(chart.warnings.len(), 1);
    assert_eq!(chart.warnings[0].kind, WarningKind::ShortBaseline);
    assert_eq!(
        chart.warnings[0].message,
        "The limits rest on only eight points; with fewer than 12 they are provisional, and so \
         are the signals read against them."
    );
    let eleven = xmr_chart(&[5.0; 11], XmrSettings::new(HigherIsBetter));
    assert!(warned(&eleven.warnings, WarningKind::ShortBaseline));
    let twelve = xmr_chart(&[5.0; 12], XmrSettings::new(HigherIsBetter));
    assert!(twelve.warnings.is_empty());
}

#[test]
fn a_phase_of_one_point_has_no_limits_and_bad_phase_starts_are_ignored() {
    let chart = xmr_chart(
        &[5., 6., 5., 7., 6., 5., 6., 7., 6., 5., 6., 5., 9.],
        XmrSettings::new(HigherIsBetter)
            .recalculated_from(12)
            .recalculated_from(12)
            .recalculated_from(0)
            .recalculated_from(40),
    );
    assert_eq!(chart.phases.len(), 2);
    let last = &chart.phases[1];
    assert_eq!((last.start, last.end), (12, 13));
    assert_eq!(
        (last.mean_moving_range, last.upper, last.lower),
        (None, None, None)
    );
    assert!(warned(&chart.warnings, WarningKind::NoLimits));
    let ignored = chart
        .warnings
        .iter()
        .find(|w| w.kind == WarningKind::PhaseStartIgnored)
        .unwrap();
    assert_eq!(
        ignored.message,
        "Limits cannot be recalculated from point 41: the chart has 13 points."
    );
}

#[test]
fn target_assurance_reads_the_target_against_the_last_limits() {
    // Limits 8.34 to 13.66, as in the first XmR example.
    let values = [10., 11., 10., 11., 10., 11., 10., 11., 10., 11., 10., 17.];
    let assurance = |direction, target| {
        xmr_chart(&values, XmrSettings::new(direction).target(target))
            .assurance
            .unwrap()
    };
    let a = assurance(HigherIsBetter, 12.0);
    assert_eq!(a.assurance, Assurance::Inconsistent);
    assert_eq!(
        a.explanation,
        "The target of 12 lies between the limits (8.34 to 13.66): the process will sometimes \
         meet it and sometimes not."
    );
    let a = assurance(HigherIsBetter, 15.0);
    assert_eq!(a.assurance, Assurance::ConsistentlyFail);
    assert_eq!(
        a.explanation,
        "The target of 15 is above the upper limit (13.66): as the process runs now it \
         will consistently fail to meet it; the process itself has to change."
    );
    assert_eq!(
        assurance(HigherIsBetter, 8.0).assurance,
        Assurance::ConsistentlyPass
    );
    assert_eq!(
        assurance(LowerIsBetter, 8.0).assurance,
        Assurance::ConsistentlyFail
    );
    assert_eq!(
        assurance(LowerIsBetter, 15.0).assurance,
        Assurance::ConsistentlyPass
    );
    assert_eq!(
        assurance(LowerIsBetter, 12.0).assurance,
        Assurance::Inconsistent
    );

    // A target exactly on a limit can be met by common-cause variation (NHSRplotthedots
    // compares strictly): hit and miss.
    let upper = xmr_chart(&values, XmrSettings::new(HigherIsBetter)).phases[0]
        .upper
        .unwrap();
    assert_eq!(
        assurance(HigherIsBetter, upper).assurance,
        Assurance::Inconsistent
    );

    // No target, no assurance; a last phase without limits, no assurance either.
    assert_eq!(
        xmr_chart(&values, XmrSettings::new(HigherIsBetter)).assurance,
        None
    );
    let one = xmr_chart(&[5.0], XmrSettings::new(HigherIsBetter).target(3.0));
    assert_eq!(one.assurance, None);
}

#[test]
fn an_empty_xmr_chart_has_no_phases() {
    let chart = xmr_chart(&[], XmrSettings::new(HigherIsBetter).target(1.0));
    assert!(chart.phases.is_empty() && chart.signals.is_empty() && chart.assurance.is_none());
    let flat = xmr_chart(&[3.0; 20], XmrSettings::new(HigherIsBetter));
    assert!(flat.signals.is_empty());
    assert_eq!(flat.phases[0].mean_moving_range, Some(0.0));
}

#[test]
fn charts_serialise_for_the_server() {
    let chart = run(&[1., 2., 1., 2., 1., 2., 9., 8., 9., 8., 9., 8.]);
    let json = serde_json::to_value(&chart).unwrap();
    assert_eq!(json["signals"][0]["rule"], "Shift");
    assert_eq!(json["signals"][0]["reading"], "Concern");
    assert_eq!(
        json["signals"][0]["points"],
        serde_json::json!([0, 1, 2, 3, 4, 5])
    );
    let chart = xmr_chart(
        &[10., 11., 10., 11., 10., 11., 10., 11., 10., 11., 10., 17.],
        XmrSettings::new(HigherIsBetter).target(12.0),
    );
    let json = serde_json::to_value(&chart).unwrap();
    assert_eq!(json["assurance"]["assurance"], "Inconsistent");
    assert_eq!(json["phases"][0]["screened_out"], serde_json::json!([11]));
}
