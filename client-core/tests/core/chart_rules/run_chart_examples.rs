//! The run chart on worked examples: shifts, trends, runs, astronomical points.

use super::*;

// ---- Run chart: shift ----

#[test]
fn points_on_the_median_neither_count_nor_break_a_shift() {
    //  point:   1  2  3  4  5  6  7  8  9 10 11 12 13
    //  value:   4  3  6  5  7  8  5  9  7  6  2  3  1      median 5
    //  side:    b  b  a  =  a  a  =  a  a  a  b  b  b
    // Six points above (3, 5, 6, 8, 9, 10) with two on the median among them: a shift.
    let values = [4., 3., 6., 5., 7., 8., 5., 9., 7., 6., 2., 3., 1.];
    let chart = run(&values);
    assert_eq!(chart.median, Some(5.0));
    assert_eq!(chart.useful_points, 11);
    // Runs: b b | a a a a a a | b b b.
    assert_eq!(chart.runs, 3);
    // 11 useful points: fewer than 3 or more than 10 runs would be a signal; 3 is not.
    let expected = chart.runs_expected.unwrap();
    assert_eq!((expected.fewest, expected.most), (3, 10));
    assert_eq!(
        rules(&chart.signals),
        vec![(Rule::Shift, vec![2, 4, 5, 7, 8, 9])]
    );
    let shift = &chart.signals[0];
    assert_eq!(shift.reading, Some(Reading::Improvement));
    assert_eq!(
        shift.explanation,
        "Six points from point 3 to point 10 are above the median and none below it (points \
         on the median neither count nor break the run): a shift, here an improvement."
    );
    assert!(chart.warnings.is_empty(), "{:?}", chart.warnings);

    // The same shift on a measure where lower is better is a concern.
    let chart = run_chart::analyse(&values, LowerIsBetter).unwrap();
    assert_eq!(chart.signals[0].reading, Some(Reading::Concern));
    assert!(
        chart.signals[0]
            .explanation
            .ends_with("a shift, here a concern.")
    );

    // Put point 10 on the median: five above is not a shift.
    let values = [4., 3., 6., 5., 7., 8., 5., 9., 7., 5., 2., 3., 1.];
    let chart = run(&values);
    assert_eq!(chart.median, Some(5.0));
    assert!(chart.signals.is_empty(), "{:?}", chart.signals);
}

#[test]
fn a_shift_in_a_row_says_so() {
    // 1 2 1 2 1 2 below, then 9 8 9 8 9 8 above; median 5.
    let chart = run(&[1., 2., 1., 2., 1., 2., 9., 8., 9., 8., 9., 8.]);
    assert_eq!(
        rules(&chart.signals),
        vec![
            (Rule::Shift, vec![0, 1, 2, 3, 4, 5]),
            (Rule::Shift, vec![6, 7, 8, 9, 10, 11]),
            // Two runs for twelve useful points: fewer than 3 is too few.
            (Rule::TooFewRuns, vec![]),
        ]
    );
    assert_eq!(chart.signals[0].reading, Some(Reading::Concern));
    assert_eq!(
        chart.signals[1].explanation,
        "Six points in a row, from point 7 to point 12, are above the median: a shift, here an \
         improvement."
    );
}

// ---- Run chart: trend ----

#[test]
fn a_repeated_value_counts_once_in_a_trend() {
    //  point:  1  2  3  4  5  6  7  8  9 10 11 12
    //  value: 10 12 11 13 13 15 16 18 14 12 11 13
    // From point 3 to point 8 the line rises through 11, 13, 15, 16, 18: five distinct
    // values, the repeated 13 neither counting nor breaking.
    let chart = run(&[10., 12., 11., 13., 13., 15., 16., 18., 14., 12., 11., 13.]);
    assert_eq!(
        rules(&chart.signals),
        vec![(Rule::Trend, vec![2, 3, 4, 5, 6, 7])]
    );
    assert_eq!(chart.signals[0].reading, Some(Reading::Improvement));
    assert_eq!(
        chart.signals[0].explanation,
        "Five points in a row, from point 3 to point 8, each higher than the one before (a \
         value repeated straight after itself counts once): a trend, here an improvement."
    );

    // 11, 13, 13, 15, 16: five points but four distinct values, not a trend.
    let chart = run(&[10., 12., 11., 13., 13., 15., 16., 14., 12., 11., 13., 10.]);
    assert!(
        !chart.signals.iter().any(|s| s.rule == Rule::Trend),
        "{:?}",
        chart.signals
    );
}

#[test]
fn a_falling_trend_on_a_lower_is_better_measure_is_an_improvement() {
    let chart = run_chart::analyse(&[9., 7., 8., 6., 5., 4., 3., 5., 6.], LowerIsBetter).unwrap();
    assert_eq!(
        rules(&chart.signals),
        vec![(Rule::Trend, vec![2, 3, 4, 5, 6])]
    );
    assert_eq!(chart.signals[0].reading, Some(Reading::Improvement));
    assert!(
        chart.signals[0]
            .explanation
            .contains("each lower than the one before")
    );
}

// ---- Run chart: runs ----

#[test]
fn twenty_useful_points_allow_six_to_sixteen_runs() {
    let count = |pattern: &str| {
        let chart = run(&from_sides(pattern));
        assert_eq!(chart.useful_points, 20, "{pattern}");
        let runs_signals: Vec<Rule> = chart
            .signals
            .iter()
            .map(|s| s.rule)
            .filter(|r| matches!(r, Rule::TooFewRuns | Rule::TooManyRuns))
            .collect();
        (chart.runs, runs_signals)
    };
    assert_eq!(count("bbbbaaaabbbaaabbbaaa"), (6, vec![]));
    assert_eq!(count("bbbbaaaaabbbaaaaabbb"), (5, vec![Rule::TooFewRuns]));
    assert_eq!(count("bbaabbaababababababa"), (16, vec![]));
    assert_eq!(count("bbaabaababababababab"), (17, vec![Rule::TooManyRuns]));
}

#[test]
fn seventeen_runs_in_twenty_points_are_too_many() {
    // b b | a a | b | a a | b | a | b | a | b | a | b | a | b | a | b : 17 runs,
    // ten points either side.
    let pattern = "bbaabaababababababab";
    assert_eq!(pattern.chars().filter(|&c| c == 'a').count(), 10);
    let chart = run(&from_sides(pattern));
    assert_eq!((chart.useful_points, chart.runs), (20, 17));
    let too_many = chart
        .signals
        .iter()
        .find(|s| s.rule == Rule::TooManyRuns)
        .unwrap();
    assert!(too_many.points.is_empty());
    assert_eq!(too_many.reading, None);
    assert_eq!(
        too_many.explanation,
        "17 runs for 20 points off the median, more than the 16 that chance gives: too many \
         runs, a sign the values alternate, as when two processes are mixed in one measure."
    );
}

#[test]
fn two_long_runs_are_too_few_runs_and_break_every_run_rule() {
    // Ten points at 1-3, then ten at 7-9: median 5, two runs of ten.
    let values = [
        3., 1., 2., 1., 3., 2., 1., 2., 3., 1., 8., 9., 7., 8., 9., 7., 8., 9., 8., 7.,
    ];
    let chart = run(&values);
    assert_eq!(chart.median, Some(5.0));
    assert_eq!((chart.useful_points, chart.runs), (20, 2));
    assert_eq!(
        rules(&chart.signals),
        vec![
            (Rule::Shift, (0..10).collect()),
            (Rule::Shift, (10..20).collect()),
            (Rule::TooFewRuns, vec![]),
        ]
    );
    assert_eq!(
        chart.signals[2].explanation,
        "Only two runs for 20 points off the median, fewer than the 6 that chance gives: too \
         few runs, a sign the process has shifted."
    );

    // Anhøj: 20 useful points allow a longest run of 7 and at least 6 crossings.
    let anhoej = chart.anhoej.unwrap();
    assert_eq!(
        (
            anhoej.longest_run,
            anhoej.longest_run_limit,
            anhoej.crossings,
            anhoej.fewest_crossings
        ),
        (10, 7, 1, 6)
    );
    assert_eq!(
        rules(&anhoej.signals),
        vec![
            (Rule::LongRun, (0..10).collect()),
            (Rule::LongRun, (10..20).collect()),
            (Rule::FewCrossings, vec![]),
        ]
    );
    assert_eq!(anhoej.signals[0].reading, Some(Reading::Concern));
    assert_eq!(
        anhoej.signals[2].explanation,
        "The line crosses the median only once, fewer than the 6 crossings chance gives for 20 \
         points off the median (Anhøj's rule): a sign the process has shifted."
    );
}

#[test]
fn with_fewer_than_ten_useful_points_the_runs_rule_is_not_applied() {
    // 1 5 2 6 3 7 4 8 5: median 5, two points on it, seven useful.
    let chart = run(&[1., 5., 2., 6., 3., 7., 4., 8., 5.]);
    assert_eq!(chart.useful_points, 7);
    assert_eq!(chart.runs_expected, None);
    let warning = chart
        .warnings
        .iter()
        .find(|w| w.kind == WarningKind::RunsRuleNotApplied)
        .unwrap();
    assert_eq!(
        warning.message,
        "Only seven points are off the median; the runs rule needs at least 10, so it is not \
         applied yet."
    );
    assert!(chart.signals.is_empty(), "{:?}", chart.signals);
}

#[test]
fn beyond_sixty_useful_points_the_runs_table_stops() {
    let values: Vec<f64> = (0..70).map(f64::from).collect();
    let chart = run(&values);
    assert_eq!(chart.useful_points, 70);
    assert_eq!(chart.runs_expected, None);
    assert_eq!(
        chart.warnings[0].message,
        "70 points are off the median; the runs table stops at 60, so the runs rule is not \
         applied (Anhøj's crossings rule covers any number of points)."
    );
    // Anhøj's rules still apply: two runs of 35 cross the median once.
    let anhoej = chart.anhoej.unwrap();
    assert_eq!((anhoej.crossings, anhoej.fewest_crossings), (1, 28));
    assert!(anhoej.signals.iter().any(|s| s.rule == Rule::FewCrossings));
}

// ---- Run chart: astronomical point ----

#[test]
fn a_point_far_beyond_the_quartiles_is_astronomical() {
    //  value: 10 11 9 10 12 10 11 9 10 45 10 11
    //  quartiles 10 and 11, interquartile range 1: fences at 7 and 14.
    let values = [10., 11., 9., 10., 12., 10., 11., 9., 10., 45., 10., 11.];
    let chart = run_chart::analyse(&values, LowerIsBetter).unwrap();
    let fences = chart.astronomical_fences.unwrap();
    assert_eq!((fences.lower, fences.upper), (7.0, 14.0));
    assert_eq!(
        rules(&chart.signals),
        vec![(Rule::AstronomicalPoint, vec![9])]
    );
    assert_eq!(chart.signals[0].reading, Some(Reading::Concern));
    assert_eq!(
        chart.signals[0].explanation,
        "Point 10 (45) is far above the rest of the data, beyond 14 (three interquartile \
         ranges past the upper quartile): an astronomical point, here a concern."
    );
}

#[test]
fn a_change_of_level_is_not_an_astronomical_point() {
    let values = [
        10., 11., 9., 10., 11., 9., 10., 11., 30., 31., 29., 30., 31., 29., 30., 31.,
    ];
    let chart = run(&values);
    assert!(
        !chart
            .signals
            .iter()
            .any(|s| s.rule == Rule::AstronomicalPoint)
    );
    // It is a shift.
    assert!(chart.signals.iter().any(|s| s.rule == Rule::Shift));
}

#[test]
fn with_no_spread_in_the_middle_half_no_point_is_astronomical() {
    let chart = run(&[0., 0., 0., 0., 0., 0., 0., 0., 3., 0.]);
    assert_eq!(chart.astronomical_fences, None);
    assert!(warned(
        &chart.warnings,
        WarningKind::AstronomicalRuleNotApplied
    ));
    assert!(chart.signals.is_empty());
}

// ---- Run chart: degenerate input ----

#[test]
fn empty_single_and_constant_series_have_no_signals() {
    let empty = run(&[]);
    assert_eq!((empty.median, empty.points, empty.runs), (None, 0, 0));
    assert!(empty.signals.is_empty() && empty.warnings.is_empty() && empty.anhoej.is_none());

    let one = run(&[7.0]);
    assert_eq!((one.median, one.useful_points, one.runs), (Some(7.0), 0, 0));
    assert!(one.signals.is_empty() && one.anhoej.is_none());
    assert!(warned(&one.warnings, WarningKind::RunsRuleNotApplied));
    assert_eq!(
        one.warnings[0].message,
        "No point is off the median; the runs rule needs at least 10, so it is not applied yet."
    );

    let flat = run(&[4.0; 15]);
    assert_eq!((flat.median, flat.useful_points), (Some(4.0), 0));
    assert!(flat.signals.is_empty() && flat.anhoej.is_none());
}

#[test]
fn a_value_that_is_not_a_number_is_refused_and_named() {
    let err = run_chart::analyse(&[1.0, 2.0, f64::NAN, 4.0], HigherIsBetter).unwrap_err();
    assert_eq!(
        err,
        ChartError::NotFinite {
            point: 2,
            name: "point 3".into(),
            value: "NaN".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "point 3 is recorded as NaN, which is not a number that can be charted; correct that \
         measurement and the chart can be drawn"
    );
    let err = xmr::analyse(&[f64::INFINITY], &XmrSettings::new(HigherIsBetter)).unwrap_err();
    assert!(
        matches!(err, ChartError::NotFinite { point: 0, .. }),
        "{err:?}"
    );
    let err = xmr::analyse(
        &[1.0, 2.0],
        &XmrSettings::new(HigherIsBetter).target(f64::NAN),
    )
    .unwrap_err();
    assert!(matches!(err, ChartError::TargetNotFinite(_)), "{err:?}");
}

#[test]
fn a_measures_points_are_named_by_their_period() {
    let weeks = [
        date!(2025 - 01 - 06),
        date!(2025 - 01 - 13),
        date!(2025 - 01 - 20),
        date!(2025 - 01 - 27),
        date!(2025 - 02 - 03),
        date!(2025 - 02 - 10),
        date!(2025 - 02 - 17),
        date!(2025 - 02 - 24),
        date!(2025 - 03 - 03),
        date!(2025 - 03 - 10),
        date!(2025 - 03 - 17),
        date!(2025 - 03 - 24),
    ];
    let values = [1., 2., 1., 2., 1., 2., 9., 8., 9., 8., 9., 8.];
    let points: Vec<Point> = weeks
        .iter()
        .zip(values)
        .map(|(&start, v)| Point {
            id: EventId::new(),
            period_start: start,
            period_end: start + time::Duration::days(6),
            value: MeasurementValue::Value(v),
            plotted: v,
            note: String::new(),
            corrected: false,
        })
        .collect();
    let series = Series::of_measure(&points, Frequency::Weekly);
    let chart = run_chart::analyse_series(&series, HigherIsBetter).unwrap();
    assert_eq!(
        chart.signals[1].explanation,
        "Six points in a row, from the week of 17 February 2025 to the week of 24 March 2025, \
         are above the median: a shift, here an improvement."
    );
}
