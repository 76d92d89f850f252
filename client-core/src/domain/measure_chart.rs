//! A measure as its charts show it: the series with its run chart and XmR chart, the
//! cycles adopted during it marked on the time axis, and where the XmR limits are
//! recalculated. One view, so the JSON API and the web page read the same thing.

use super::charts::run_chart::{self, RunChart, RunSettings};
use super::charts::xmr::{self, XmrChart, XmrSettings};
use super::charts::{Series, Signal};
use super::event::{MeasureDefinition, MeasureUnit};
use super::ids::EventId;
use super::views::MeasureSeries;
use serde::Serialize;
use time::Date;

/// A cycle whose change was adopted, placed on the measure's time axis.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Adoption {
    pub cycle: EventId,
    pub objective: String,
    /// The day the adopted change took effect (the day of the test the Act adopted).
    pub adopted_on: Date,
    /// The first point whose period starts after the day of adoption (the first measured
    /// wholly with the change in place; the day itself was the test); `None` when none is
    /// yet. Recalculating the limits, and a new run chart median, start here.
    pub point: Option<usize>,
}

/// A cycle carried out whose change was not (or not yet) adopted, placed on the
/// measure's time axis at its test: the run chart annotates every change tried.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CycleTest {
    pub cycle: EventId,
    pub objective: String,
    /// The day of its first Do.
    pub tested_on: Date,
    /// The point whose period holds the day (or the first after it); `None` when no
    /// point is there yet.
    pub point: Option<usize>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MeasureChart {
    pub series: MeasureSeries,
    /// `None` when the measure has no single definition (its revisions conflict) or a
    /// value cannot be charted; `problem` says which.
    pub run_chart: Option<RunChart>,
    pub xmr: Option<XmrChart>,
    /// The points the XmR limits are recalculated from, as asked (in order, in range).
    pub recalculated_from: Vec<usize>,
    pub adoptions: Vec<Adoption>,
    /// Cycles tested but not adopted, in the order of their tests.
    pub tests: Vec<CycleTest>,
    pub problem: Option<String>,
}

/// Which chart a signal was read on. Anhøj's rules read the run chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ChartKind {
    Run,
    Xmr,
}

impl ChartKind {
    pub fn words(self) -> &'static str {
        match self {
            ChartKind::Run => "run chart",
            ChartKind::Xmr => "XmR chart",
        }
    }
}

/// A signal of either chart, with the points it speaks about: its own, or for a signal
/// about the chart as a whole (too few runs, too few crossings) every point of the
/// stretch it was read over.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChartSignal {
    pub chart: ChartKind,
    pub signal: Signal,
    /// The first and last point the signal speaks about.
    pub covers: (usize, usize),
}

impl ChartSignal {
    /// "shift (improvement) on the run chart".
    pub fn label(&self) -> String {
        format!("{} on the {}", self.signal.label(), self.chart.words())
    }

    /// Whether the signal is about the chart as a whole rather than some of its points.
    pub fn chart_wide(&self) -> bool {
        self.signal.points.is_empty()
    }

    /// Whether the signal flags `point` (for a chart-wide one: `point` is in its stretch).
    pub fn about(&self, point: usize) -> bool {
        if self.chart_wide() {
            self.covers.0 <= point && point <= self.covers.1
        } else {
            self.signal.points.contains(&point)
        }
    }
}

impl MeasureChart {
    /// Every signal of both charts: the run chart's rules, Anhøj's rules over each of its
    /// stretches, then the XmR chart's special causes. The one list every client shows.
    pub fn signals(&self) -> Vec<ChartSignal> {
        let mut all = Vec::new();
        let span = |s: &Signal| {
            (
                s.points.first().copied().unwrap_or(0),
                s.points.last().copied().unwrap_or(0),
            )
        };
        if let Some(run) = &self.run_chart {
            all.extend(
                run.signals
                    .iter()
                    .filter(|s| !s.points.is_empty())
                    .map(|signal| ChartSignal {
                        chart: ChartKind::Run,
                        signal: signal.clone(),
                        covers: span(signal),
                    }),
            );
            for stretch in &run.stretches {
                let covers = (stretch.start, stretch.end.saturating_sub(1));
                let anhoej = stretch.anhoej.iter().flat_map(|a| a.signals.iter());
                all.extend(
                    stretch
                        .runs_signal
                        .iter()
                        .chain(anhoej)
                        .map(|signal| ChartSignal {
                            chart: ChartKind::Run,
                            covers: if signal.points.is_empty() {
                                covers
                            } else {
                                span(signal)
                            },
                            signal: signal.clone(),
                        }),
                );
            }
        }
        if let Some(xmr) = &self.xmr {
            all.extend(xmr.signals.iter().map(|signal| ChartSignal {
                chart: ChartKind::Xmr,
                signal: signal.clone(),
                covers: span(signal),
            }));
        }
        all
    }

    /// The reading of the signal, on either chart, whose last point is latest: what the
    /// measure shows now (`None` when no signal has a direction).
    /// The chart with the cycles `tested` `(cycle, objective, day of its first Do)`
    /// placed on its time axis; those adopted are already marked as adoptions.
    pub fn with_tests(mut self, tested: &[(EventId, String, Date)]) -> Self {
        let points = &self.series.points;
        let mut tests: Vec<CycleTest> = tested
            .iter()
            .filter(|(cycle, _, _)| !self.adoptions.iter().any(|a| a.cycle == *cycle))
            .map(|(cycle, objective, on)| CycleTest {
                cycle: *cycle,
                objective: objective.clone(),
                tested_on: *on,
                point: points.iter().position(|p| p.period_end >= *on),
            })
            .collect();
        tests.sort_by_key(|t| (t.tested_on, t.cycle));
        self.tests = tests;
        self
    }

    pub fn latest_reading(&self) -> Option<super::charts::Reading> {
        self.signals()
            .into_iter()
            .filter(|s| s.signal.reading.is_some())
            .filter_map(|s| s.signal.points.last().map(|p| (*p, s.signal.reading)))
            .max_by_key(|(p, _)| *p)
            .and_then(|(_, r)| r)
    }

    /// Every signal of both charts that flags `point`, chart-wide ones left out.
    pub fn signals_at(&self, point: usize) -> impl Iterator<Item = ChartSignal> {
        self.signals()
            .into_iter()
            .filter(move |s| s.signal.points.contains(&point))
    }
}

/// How a measure's XmR chart is drawn from its definition: its direction and target,
/// and a percentage's limits clamped to 0 and 100.
pub fn xmr_settings(definition: &MeasureDefinition) -> XmrSettings {
    let mut settings = XmrSettings::new(definition.direction);
    settings.target = definition.target;
    if matches!(definition.unit, MeasureUnit::Ratio { .. }) {
        settings = settings.bounded(0.0, 100.0);
    }
    settings
}

/// The charts of `series`, with adoptions `(cycle, objective, adopted on)` and the XmR
/// limits recalculated from the points `recalculate_from` (out-of-range ones are
/// ignored with a warning by the chart rules).
pub fn measure_chart(
    series: MeasureSeries,
    adoptions: &[(EventId, String, Date)],
    recalculate_from: &[usize],
) -> MeasureChart {
    let mut recalculated_from: Vec<usize> = recalculate_from.to_vec();
    recalculated_from.sort_unstable();
    recalculated_from.dedup();
    let mut adoptions: Vec<Adoption> = adoptions
        .iter()
        .map(|(cycle, objective, on)| Adoption {
            cycle: *cycle,
            objective: objective.clone(),
            adopted_on: *on,
            point: series.points.iter().position(|p| p.period_start > *on),
        })
        .collect();
    adoptions.sort_by_key(|a| (a.adopted_on, a.cycle));
    let Some(definition) = series.definition.clone() else {
        return MeasureChart {
            series,
            run_chart: None,
            xmr: None,
            recalculated_from,
            adoptions,
            tests: Vec::new(),
            problem: Some(
                "The measure's definition is in conflict: resolve it before its charts can be read."
                    .into(),
            ),
        };
    };
    let values = Series::of_measure(&series.points, definition.frequency);
    let mut settings = xmr_settings(&definition);
    settings.phase_starts = recalculated_from.clone();
    let mut run_settings = RunSettings::new(definition.direction);
    if let Some(points) = series.baseline_points() {
        run_settings = run_settings.frozen_after(usize::from(points));
    }
    run_settings.new_median_from = adoptions.iter().filter_map(|a| a.point).collect();
    let run = run_chart::analyse_with(&values, &run_settings);
    let xmr = xmr::analyse_series(&values, &settings);
    let problem = match (&run, &xmr) {
        (Err(e), _) | (_, Err(e)) => Some(e.to_string()),
        _ => None,
    };
    MeasureChart {
        series,
        run_chart: run.ok(),
        xmr: xmr.ok(),
        recalculated_from,
        adoptions,
        tests: Vec::new(),
        problem,
    }
}

/// A measure's series for the domain's tests: weekly values from 5 January 2026 of an
/// outcome measure where higher is better.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use crate::domain::event::*;
    use crate::domain::views::Point;
    use time::macros::date;

    pub(crate) fn weekly_series(values: &[f64], target: Option<f64>) -> MeasureSeries {
        let start = date!(2026 - 01 - 05);
        MeasureSeries {
            id: EventId::new(),
            definition: Some(MeasureDefinition {
                name: "Plans agreed".into(),
                kind: MeasureKind::Outcome,
                operational_definition: "Assessments with a plan agreed".into(),
                unit: MeasureUnit::Unit("plans".into()),
                direction: Direction::HigherIsBetter,
                target,
                frequency: Frequency::Weekly,
            }),
            revisions: 0,
            conflict: None,
            baseline_settings: Vec::new(),
            points: values
                .iter()
                .enumerate()
                .map(|(i, v)| Point {
                    id: EventId::new(),
                    period_start: start + time::Duration::weeks(i as i64),
                    period_end: start + time::Duration::weeks(i as i64) + time::Duration::days(6),
                    value: MeasurementValue::Value(*v),
                    plotted: *v,
                    note: String::new(),
                    corrected: false,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::charts::Rule;
    use time::macros::date;

    fn series(values: &[f64]) -> MeasureSeries {
        super::fixtures::weekly_series(values, Some(20.0))
    }

    #[test]
    fn an_adoption_marks_the_first_point_measured_after_it_and_limits_recalculate_there() {
        let values = [
            5., 6., 5., 7., 6., 5., 6., 12., 13., 12., 14., 13., 12., 13.,
        ];
        let cycle = EventId::new();
        let adopted = (cycle, "Risk guide".to_string(), date!(2026 - 02 - 20));
        let plain = measure_chart(series(&values), std::slice::from_ref(&adopted), &[]);
        // 2026-02-20 falls in week 7 (starting 16 Feb); the first week starting after is 8th point (index 7).
        assert_eq!(plain.adoptions[0].point, Some(7));
        assert_eq!(plain.xmr.as_ref().unwrap().phases.len(), 1);
        // The points after the adoption shift against the median extended from before,
        // so the run chart starts a new median there (6 before, 13 after) and keeps the
        // shift as the evidence.
        let run = plain.run_chart.as_ref().unwrap();
        let medians: Vec<(usize, f64)> =
            run.stretches.iter().map(|s| (s.start, s.median)).collect();
        assert_eq!(medians, vec![(0, 6.0), (7, 13.0)]);
        let shifts: Vec<&Vec<usize>> = run
            .signals
            .iter()
            .filter(|s| s.rule == Rule::Shift)
            .map(|s| &s.points)
            .collect();
        assert_eq!(shifts, vec![&(7..14).collect::<Vec<_>>()]);
        let at_last: Vec<_> = plain.signals_at(13).collect();
        assert!(at_last.iter().any(|s| s.chart == ChartKind::Run));
        assert!(at_last.iter().any(|s| s.chart == ChartKind::Xmr));
        // Without the adoption, one median: the same shift, and no second stretch.
        let unadopted = measure_chart(series(&values), &[], &[]);
        let run = unadopted.run_chart.as_ref().unwrap();
        assert_eq!(run.stretches.len(), 1);
        assert!(run.signals.iter().any(|s| s.rule == Rule::Shift));

        let recalculated = measure_chart(series(&values), &[adopted], &[7, 7, 99]);
        assert_eq!(recalculated.recalculated_from, vec![7, 99]);
        let xmr = recalculated.xmr.unwrap();
        assert_eq!(xmr.phases.len(), 2);
        assert_eq!(xmr.phases[1].start, 7);
        assert_eq!(xmr.phases[0].mean, 40.0 / 7.0);
        assert!(
            !xmr.warnings.is_empty(),
            "point 99 is out of range and said so"
        );
    }

    #[test]
    fn cycles_tested_are_placed_at_their_test_and_adopted_ones_are_not_repeated() {
        let values = [5., 6., 5., 7., 6., 5., 6., 12., 13., 12.];
        let (adopted, tried, late) = (EventId::new(), EventId::new(), EventId::new());
        let chart = measure_chart(
            series(&values),
            &[(adopted, "Risk guide".into(), date!(2026 - 02 - 20))],
            &[],
        )
        .with_tests(&[
            // In week 7 (16 to 22 February), after the week the guide was tried.
            (tried, "Ask first".into(), date!(2026 - 01 - 14)),
            (adopted, "Risk guide".into(), date!(2026 - 02 - 18)),
            (late, "Call back".into(), date!(2026 - 12 - 01)),
        ]);
        let tests: Vec<(EventId, Option<usize>)> =
            chart.tests.iter().map(|t| (t.cycle, t.point)).collect();
        // 14 January falls in the second week (12 to 18 January); a test after the last
        // point has no point yet.
        assert_eq!(tests, vec![(tried, Some(1)), (late, None)]);
    }

    #[test]
    fn a_measure_in_conflict_has_no_charts_and_says_why() {
        let mut s = series(&[1., 2., 3.]);
        s.definition = None;
        let chart = measure_chart(s, &[], &[]);
        assert!(chart.run_chart.is_none() && chart.xmr.is_none());
        assert!(chart.problem.unwrap().contains("conflict"));
    }

    #[test]
    fn a_value_that_cannot_be_charted_is_named() {
        let chart = measure_chart(series(&[1., f64::NAN, 3.]), &[], &[]);
        assert!(chart.run_chart.is_none());
        assert!(chart.problem.unwrap().contains("not a number"));
    }
}
