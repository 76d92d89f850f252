//! A measure's run chart as IHI and Life QI draw it: the median frozen after a baseline
//! of the first points (12 unless set), extended over the points after it, and a new
//! median, frozen the same way, from a point where a change was adopted.

use super::*;
use praxis_core::domain::charts::run_chart::RunSettings;

/// Median 10 over these twelve.
const BASELINE: [f64; 12] = [8., 12., 9., 11., 10., 8., 12., 9., 11., 10., 8., 12.];

fn then(after: &[f64]) -> Vec<f64> {
    BASELINE.iter().chain(after).copied().collect()
}

/// (what, values, settings, medians by stretch (start, median, frozen), shift points)
type Case = (
    &'static str,
    Vec<f64>,
    RunSettings,
    Vec<(usize, f64, bool)>,
    Vec<Vec<usize>>,
);

fn drawn(values: &[f64], settings: &RunSettings) -> RunChart {
    run_chart::analyse_with(&Series::numbered(values), settings).unwrap()
}

#[test]
fn the_median_is_frozen_after_the_baseline_and_extended() {
    let higher = then(&[20.; 8]);
    let after_change = then(&[19., 21., 20., 22., 18., 20., 21., 19.]);
    // (what, values, settings, medians by stretch (start, median, frozen), shift points)
    let table: Vec<Case> = vec![
        (
            "eight high points do not move the frozen median of 10",
            higher.clone(),
            RunSettings::new(HigherIsBetter),
            vec![(0, 10.0, true)],
            vec![(11..20).collect()],
        ),
        (
            "over all the points the same eight pull the median up to 12, and the baseline \
             itself now reads as a shift below it",
            higher.clone(),
            RunSettings::new(HigherIsBetter).whole_series_median(),
            vec![(0, 12.0, false)],
            vec![vec![0, 2, 3, 4, 5, 7, 8, 9, 10], (12..20).collect()],
        ),
        (
            "a baseline of six points: the median of the first six",
            higher.clone(),
            RunSettings::new(HigherIsBetter).frozen_after(6),
            vec![(0, 9.5, true)],
            vec![(11..20).collect()],
        ),
        (
            "fewer points than the baseline: the median of all, not frozen yet",
            BASELINE[..8].to_vec(),
            RunSettings::new(HigherIsBetter),
            vec![(0, 9.5, false)],
            vec![],
        ),
        (
            "a new median from the adopted change, which the shift against the extended \
             median confirms: 10 before, 20 after, and the shift kept as the evidence",
            after_change.clone(),
            RunSettings::new(HigherIsBetter).new_median_from(12),
            vec![(0, 10.0, true), (12, 20.0, false)],
            vec![(11..20).collect()],
        ),
        (
            "an adopted change the data do not (yet) show: no new median",
            then(&[10., 9., 11., 8., 12., 10., 9., 11.]),
            RunSettings::new(HigherIsBetter).new_median_from(12),
            vec![(0, 10.0, true)],
            vec![],
        ),
        (
            "without the adoption the change is a shift about the frozen median",
            after_change.clone(),
            RunSettings::new(HigherIsBetter),
            vec![(0, 10.0, true)],
            vec![(11..20).collect()],
        ),
    ];
    for (what, values, settings, medians, shifts) in table {
        let chart = drawn(&values, &settings);
        let got: Vec<(usize, f64, bool)> = chart
            .stretches
            .iter()
            .map(|s| (s.start, s.median, s.frozen))
            .collect();
        assert_eq!(got, medians, "{what}");
        let got_shifts: Vec<Vec<usize>> = chart
            .signals
            .iter()
            .filter(|s| s.rule == Rule::Shift)
            .map(|s| s.points.clone())
            .collect();
        assert_eq!(got_shifts, shifts, "{what}");
        assert_eq!(chart.median, medians.last().map(|m| m.1), "{what}");
        let unfrozen = medians.iter().any(|m| !m.2) && settings.baseline_points.is_some();
        assert_eq!(
            warned(&chart.warnings, WarningKind::MedianNotFrozen),
            unfrozen,
            "{what}: {:?}",
            chart.warnings
        );
    }
}

#[test]
fn each_stretch_is_read_on_its_own_and_says_when_its_median_is_not_frozen() {
    let chart = drawn(
        &then(&[19., 21., 20., 22., 18., 20., 21., 19.]),
        &RunSettings::new(HigherIsBetter).new_median_from(12),
    );
    assert_eq!(chart.stretches[0].end, 12);
    assert_eq!(chart.stretches[1].baseline_points, 8);
    // Anhøj's rules read each stretch: both have their own counts.
    assert!(chart.stretches.iter().all(|s| s.anhoej.is_some()));
    let warning = chart
        .warnings
        .iter()
        .find(|w| w.kind == WarningKind::MedianNotFrozen)
        .unwrap();
    assert_eq!(
        warning.message,
        "The median from point 13 rests on all eight points so far; it is frozen once there \
         are 12, and extended over the points after them."
    );
    // A new median asked for outside the series is ignored.
    let chart = drawn(
        &BASELINE,
        &RunSettings::new(HigherIsBetter).new_median_from(40),
    );
    assert_eq!(chart.stretches.len(), 1);
}

/// A step after several adoptions: the step confirms the change adopted last before
/// it, not every earlier one, and its shift is listed once.
#[test]
fn a_step_confirms_the_change_adopted_last_before_it_and_is_listed_once() {
    let level: Vec<f64> = BASELINE.iter().cycle().take(24).copied().collect();
    let step: Vec<f64> = (0..30).map(|i| 20.0 + (i % 3) as f64).collect();
    let values = then(&[level, step].concat());
    let mut settings = RunSettings::new(HigherIsBetter);
    for adopted in [14, 20, 26, 32] {
        settings = settings.new_median_from(adopted);
    }
    let chart = drawn(&values, &settings);
    let starts: Vec<usize> = chart.stretches.iter().map(|s| s.start).collect();
    assert_eq!(
        starts,
        [0, 32],
        "a new median from the last change before the step"
    );
    assert!(chart.signals.iter().any(|s| s.rule == Rule::Shift));
    for (i, a) in chart.signals.iter().enumerate() {
        for b in &chart.signals[i + 1..] {
            assert!(
                !(a.rule == b.rule && a.points == b.points),
                "listed twice: {}",
                a.explanation
            );
        }
    }
}
