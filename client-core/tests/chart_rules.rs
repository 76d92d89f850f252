//! The chart rules on worked examples, point by point, and on arbitrary input: a run
//! chart and an XmR chart read a measure as DOMAIN.md says, explain each signal in one
//! sentence, and never panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::domain::charts::run_chart::{self, RunChart};
use praxis_core::domain::charts::xmr::{self, Assurance, XmrChart, XmrSettings};
use praxis_core::domain::charts::{ChartError, Reading, Rule, Series, Signal, WarningKind};
use praxis_core::domain::event::{Direction, Frequency, MeasurementValue};
use praxis_core::domain::ids::EventId;
use praxis_core::domain::views::Point;
use proptest::prelude::*;
use time::macros::date;

use Direction::{HigherIsBetter, LowerIsBetter};

fn run(values: &[f64]) -> RunChart {
    run_chart::analyse(values, HigherIsBetter).unwrap()
}

fn rules(signals: &[Signal]) -> Vec<(Rule, Vec<usize>)> {
    signals.iter().map(|s| (s.rule, s.points.clone())).collect()
}

fn warned(warnings: &[praxis_core::domain::charts::Warning], kind: WarningKind) -> bool {
    warnings.iter().any(|w| w.kind == kind)
}

/// Twenty points whose sides of the median follow `pattern` ('a' above, 'b' below),
/// valued so that no trend forms: below 1 or 2, above 8 or 9, by position.
fn from_sides(pattern: &str) -> Vec<f64> {
    pattern
        .chars()
        .enumerate()
        .map(|(i, side)| match side {
            'a' => 8.0 + (i % 2) as f64,
            _ => 1.0 + (i % 2) as f64,
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

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
    let chart = xmr_chart(&values, XmrSettings::new(HigherIsBetter));
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
        xmr_chart(&values, XmrSettings::new(HigherIsBetter))
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
        "The target of 15 is at or above the upper limit (13.66): as the process runs now it \
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

    // A target exactly on the good limit is met only by a special cause.
    let upper = xmr_chart(&values, XmrSettings::new(HigherIsBetter)).phases[0]
        .upper
        .unwrap();
    assert_eq!(
        assurance(HigherIsBetter, upper).assurance,
        Assurance::ConsistentlyFail
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

// ---- Any input ----

/// Finite values, often repeated and often on a small grid, with the odd extreme.
fn values() -> impl Strategy<Value = Vec<f64>> {
    let value = prop_oneof![
        6 => (0i32..6).prop_map(f64::from),
        3 => -1e6f64..1e6,
        1 => prop_oneof![Just(f64::MAX), Just(f64::MIN), Just(f64::MIN_POSITIVE), Just(-0.0)],
    ];
    prop::collection::vec(value, 0..80)
}

fn check_signals(signals: &[Signal], len: usize) {
    for s in signals {
        assert!(s.points.iter().all(|&i| i < len), "{s:?}");
        assert!(s.points.windows(2).all(|w| w[0] < w[1]), "{s:?}");
        assert!(!s.explanation.is_empty());
        assert!(s.explanation.ends_with('.'), "{}", s.explanation);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn run_charts_never_panic_and_flag_only_real_points(values in values(), lower in any::<bool>()) {
        let direction = if lower { LowerIsBetter } else { HigherIsBetter };
        let chart = run_chart::analyse(&values, direction).unwrap();
        prop_assert_eq!(chart.points, values.len());
        prop_assert!(chart.useful_points <= values.len());
        prop_assert!(chart.runs <= chart.useful_points);
        check_signals(&chart.signals, values.len());
        if let Some(anhoej) = &chart.anhoej {
            check_signals(&anhoej.signals, values.len());
            prop_assert_eq!(anhoej.crossings + 1, chart.runs);
        }
        for s in chart.signals.iter().filter(|s| s.rule == Rule::Shift) {
            prop_assert!(s.points.len() >= 6);
        }
    }

    #[test]
    fn xmr_charts_never_panic_and_phases_cover_every_point(
        values in values(),
        starts in prop::collection::vec(0usize..100, 0..4),
        target in prop::option::of(-10.0f64..10.0),
        screen in any::<bool>(),
    ) {
        let mut settings = XmrSettings::new(HigherIsBetter);
        settings.phase_starts = starts;
        settings.target = target;
        settings.screen_moving_ranges = screen;
        let chart = xmr::analyse(&values, &settings).unwrap();
        check_signals(&chart.signals, values.len());
        prop_assert_eq!(chart.moving_ranges.len(), values.len());
        let mut next = 0;
        for phase in &chart.phases {
            prop_assert_eq!(phase.start, next);
            prop_assert!(phase.end > phase.start);
            prop_assert!(phase.screened_out.iter().all(|&i| phase.start < i && i < phase.end));
            next = phase.end;
        }
        prop_assert_eq!(next, values.len());
        // No signal runs across a phase start.
        for s in &chart.signals {
            let phase = chart.phases.iter().find(|p| p.points().contains(&s.points[0])).unwrap();
            prop_assert!(s.points.iter().all(|i| phase.points().contains(i)));
        }
    }

    #[test]
    fn any_value_that_is_not_finite_is_refused(
        mut values in values(),
        bad in prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(f64::NEG_INFINITY)],
        at in any::<prop::sample::Index>(),
    ) {
        let i = at.index(values.len() + 1);
        values.insert(i, bad);
        let first_bad = values.iter().position(|v| !v.is_finite()).unwrap();
        let refused = |err: ChartError| matches!(err, ChartError::NotFinite { point, .. } if point == first_bad);
        prop_assert!(refused(run_chart::analyse(&values, HigherIsBetter).unwrap_err()));
        prop_assert!(refused(xmr::analyse(&values, &XmrSettings::new(LowerIsBetter)).unwrap_err()));
    }
}
