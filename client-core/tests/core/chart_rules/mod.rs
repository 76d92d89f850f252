//! The chart rules on worked examples, point by point, and on arbitrary input: a run
//! chart and an XmR chart read a measure as docs/domain.md says, explain each signal in one
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

mod baseline_examples;
mod mdc_examples;
mod run_chart_examples;
mod xmr_examples;

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
