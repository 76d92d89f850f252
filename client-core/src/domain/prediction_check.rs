//! A cycle's predictions against the data: each checkable prediction
//! (`Event::ExpectationStated`) beside the measurements of the cycle's period, the
//! median before the test, and the signals on the measure's charts from the test on.
//! A prediction the data contradict is flagged, for the team's learning in its Study.

use super::charts::run_chart::median;
use super::event::{Expectation, ExpectedChange, Prediction};
use super::ids::EventId;
use super::measure_chart::MeasureChart;
use super::views::CycleView;
use serde::Serialize;
use time::Date;

/// What the data say about one expectation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Verdict {
    /// A signal on the measure's charts moved the way predicted, or a value predicted
    /// was reached.
    Supported,
    /// Nothing contradicts it, but no signal shows it yet.
    NotYetShown,
    /// The data moved the other way, showed a change where none was predicted, or the
    /// period ended short of the value predicted.
    Contradicted,
    /// No measurement of the period yet.
    NoData,
}

impl Verdict {
    pub fn words(self) -> &'static str {
        match self {
            Verdict::Supported => "supported by the data",
            Verdict::NotYetShown => "not yet shown by the data",
            Verdict::Contradicted => "contradicted by the data",
            Verdict::NoData => "no data yet",
        }
    }
}

/// One measurement of the period, as the check read it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PeriodValue {
    pub period_start: Date,
    pub value: f64,
}

/// An expectation checked against its measure's charts.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PredictionCheck {
    pub expectation_id: EventId,
    pub expectation: Expectation,
    /// The Plan's prediction it makes checkable, if it names one.
    pub prediction: Option<Prediction>,
    pub measure_name: String,
    /// The day of the test: the cycle's first Do, or its Plan's date.
    pub from: Date,
    /// The median of the measurements before the test.
    pub before: Option<f64>,
    pub values: Vec<PeriodValue>,
    pub during: Option<f64>,
    /// The signals on the measure's charts from the test on, in words.
    pub signals: Vec<String>,
    pub verdict: Verdict,
    pub explanation: String,
}

impl PredictionCheck {
    pub fn contradicted(&self) -> bool {
        self.verdict == Verdict::Contradicted
    }
}

/// The expected change in words ("rise", "reach at least 60").
pub fn change_words(change: ExpectedChange) -> String {
    match change {
        ExpectedChange::Rise => "rise".into(),
        ExpectedChange::Fall => "fall".into(),
        ExpectedChange::NoChange => "not change".into(),
        ExpectedChange::AtLeast(v) => format!("reach at least {}", number(v)),
        ExpectedChange::AtMost(v) => format!("stay at or below {}", number(v)),
    }
}

/// A value to one decimal place, without a trailing ".0".
pub fn number(v: f64) -> String {
    let rounded = (v * 10.0).round() / 10.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.1}")
    }
}

/// The day a cycle's test began: its first Do, or the day its Plan set.
pub fn test_day(cycle: &CycleView) -> Option<Date> {
    let planned = cycle.plan.as_ref().map(|p| p.when);
    cycle
        .dos
        .iter()
        .map(|(_, d)| d.carried_out_on)
        .min()
        .or(planned)
}

/// Checks `expectation` (recorded as `id`) of `cycle` against `chart`, the charts of
/// the measure it names, as of `today`.
pub fn check(
    cycle: &CycleView,
    id: EventId,
    expectation: &Expectation,
    chart: &MeasureChart,
    today: Date,
) -> PredictionCheck {
    let from = test_day(cycle).unwrap_or(expectation.by);
    let points = &chart.series.points;
    let before_values: Vec<f64> = points
        .iter()
        .filter(|p| p.period_end < from)
        .map(|p| p.plotted)
        .collect();
    let in_period: Vec<usize> = (0..points.len())
        .filter(|&i| points[i].period_end >= from && points[i].period_start <= expectation.by)
        .collect();
    let values: Vec<PeriodValue> = in_period
        .iter()
        .map(|&i| PeriodValue {
            period_start: points[i].period_start,
            value: points[i].plotted,
        })
        .collect();
    let before = median(&before_values);
    let during = median(&values.iter().map(|v| v.value).collect::<Vec<_>>());
    // The signals from the test on, each with the way it moved (against the median
    // before the test, or the chart's own centre line without one).
    let first = in_period.first().copied();
    let centre = before.or(chart.run_chart.as_ref().and_then(|r| r.median));
    let mut signals = Vec::new();
    let (mut up, mut down) = (false, false);
    if let Some(first) = first {
        for s in chart.signals() {
            if !s.signal.points.iter().any(|&p| p >= first) {
                continue;
            }
            signals.push(s.label());
            if s.chart_wide() || s.signal.points.is_empty() {
                continue;
            }
            let mean = s
                .signal
                .points
                .iter()
                .filter_map(|&p| points.get(p).map(|pt| pt.plotted))
                .sum::<f64>()
                / s.signal.points.len() as f64;
            match centre {
                Some(c) if mean > c => up = true,
                Some(c) if mean < c => down = true,
                _ => {}
            }
        }
    }
    let over = today > expectation.by;
    let measure_name = chart
        .series
        .definition
        .as_ref()
        .map(|d| d.name.clone())
        .unwrap_or_default();
    let (verdict, explanation) = match (during, expectation.change) {
        (None, _) => (
            Verdict::NoData,
            format!(
                "No measurement of {measure_name} from {from} to {} yet.",
                expectation.by
            ),
        ),
        (Some(during), ExpectedChange::Rise | ExpectedChange::Fall) => {
            let rise = expectation.change == ExpectedChange::Rise;
            let (with, against) = if rise { (up, down) } else { (down, up) };
            let moved_against = before.is_some_and(|b| if rise { during < b } else { during > b });
            let way = if rise { "rise" } else { "fall" };
            if against && !with {
                (
                    Verdict::Contradicted,
                    format!(
                        "A signal shows {measure_name} moved the other way from the predicted {way}."
                    ),
                )
            } else if with {
                (
                    Verdict::Supported,
                    format!("A signal shows the predicted {way} in {measure_name}."),
                )
            } else if over && moved_against {
                (
                    Verdict::Contradicted,
                    format!(
                        "Over the period {measure_name}'s median was {} against {} before the test: the other way from the predicted {way}.",
                        number(during),
                        before.map(number).unwrap_or_default()
                    ),
                )
            } else {
                (
                    Verdict::NotYetShown,
                    format!("No signal of the predicted {way} in {measure_name} yet."),
                )
            }
        }
        (Some(_), ExpectedChange::NoChange) => {
            if up || down {
                (
                    Verdict::Contradicted,
                    format!(
                        "A signal shows {measure_name} changed, where no change was predicted."
                    ),
                )
            } else if over {
                (
                    Verdict::Supported,
                    format!("No signal of a change in {measure_name} over the period."),
                )
            } else {
                (
                    Verdict::NotYetShown,
                    format!("No signal of a change in {measure_name} so far."),
                )
            }
        }
        (Some(during), ExpectedChange::AtLeast(v) | ExpectedChange::AtMost(v)) => {
            let at_least = matches!(expectation.change, ExpectedChange::AtLeast(_));
            let met = if at_least { during >= v } else { during <= v };
            let said = change_words(expectation.change);
            if met {
                (
                    Verdict::Supported,
                    format!(
                        "{measure_name}'s median over the period, {}, did {said}.",
                        number(during)
                    ),
                )
            } else if over {
                (
                    Verdict::Contradicted,
                    format!(
                        "{measure_name}'s median over the period was {}: it did not {said}.",
                        number(during)
                    ),
                )
            } else {
                (
                    Verdict::NotYetShown,
                    format!(
                        "{measure_name}'s median so far is {}; the period runs to {}.",
                        number(during),
                        expectation.by
                    ),
                )
            }
        }
    };
    let prediction = expectation.prediction.and_then(|i| {
        cycle
            .plan
            .as_ref()
            .and_then(|p| p.predictions.get(usize::from(i)).cloned())
    });
    PredictionCheck {
        expectation_id: id,
        expectation: expectation.clone(),
        prediction,
        measure_name,
        from,
        before,
        values,
        during,
        signals,
        verdict,
        explanation,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::event::*;
    use crate::domain::measure_chart::fixtures::weekly_series;
    use crate::domain::measure_chart::measure_chart;
    use crate::domain::record::Stage;
    use time::macros::date;

    const START: Date = date!(2026 - 01 - 05);

    /// Weekly values of a measure where higher is better, from 5 January 2026.
    fn chart(values: &[f64]) -> MeasureChart {
        measure_chart(weekly_series(values, None), &[], &[])
    }

    /// A cycle tested in week `week` (its Do), with one prediction.
    fn cycle(week: i64) -> CycleView {
        let day = START + time::Duration::weeks(week);
        CycleView {
            id: EventId::new(),
            stage: Stage::Do,
            plan: Some(Plan {
                change_idea: None,
                follows: None,
                scale: TestScale::VerySmall,
                objective: "Try the guide".into(),
                predictions: vec![Prediction {
                    question: "Will more plans be agreed?".into(),
                    prediction: "Yes, most".into(),
                    reason: "The guide starts from what matters".into(),
                }],
                who: "A. Lee".into(),
                what: "Use the guide".into(),
                where_: "Home visits".into(),
                when: day - time::Duration::days(1),
                data_to_collect: "Plans agreed".into(),
            }),
            dos: vec![(
                EventId::new(),
                Do {
                    carried_out_on: day,
                    carried_out_by: "A. Lee".into(),
                    observations: String::new(),
                    problems: String::new(),
                    surprises: String::new(),
                    data_gathered: String::new(),
                },
            )],
            studies: vec![],
            act: None,
            act_conflict: None,
            follows: None,
            leads_to: vec![],
            observations: vec![],
            expectations: vec![],
            history: vec![],
        }
    }

    fn expect(change: ExpectedChange, by_week: i64) -> Expectation {
        Expectation {
            prediction: Some(0),
            measure: EventId::new(),
            change,
            by: START + time::Duration::weeks(by_week) + time::Duration::days(6),
        }
    }

    const LOW: [f64; 8] = [3., 4., 3., 5., 4., 3., 4., 4.];

    fn then(after: &[f64]) -> Vec<f64> {
        LOW.iter().chain(after).copied().collect()
    }

    #[test]
    fn each_prediction_is_read_against_the_data_of_its_period() {
        use ExpectedChange::*;
        use Verdict::*;
        let up = then(&[8., 9., 8., 9., 10., 9., 8.]);
        let down = then(&[1., 0., 1., 1., 0., 1., 0.]);
        let flat = then(&[4., 3., 4., 5., 3., 4., 4.]);
        let lower_no_signal = then(&[3., 3.]);
        let after_period = date!(2026 - 12 - 01);
        let during_period = START + time::Duration::weeks(9);
        // (values, expected change, period's last week, today, verdict, words in the explanation)
        type Row<'a> = (&'a [f64], ExpectedChange, i64, Date, Verdict, &'a str);
        let table: [Row; 14] = [
            (
                &up,
                Rise,
                14,
                after_period,
                Supported,
                "signal shows the predicted rise",
            ),
            (
                &up,
                Fall,
                14,
                after_period,
                Contradicted,
                "moved the other way",
            ),
            (&down, Fall, 14, after_period, Supported, "predicted fall"),
            (&down, Rise, 14, after_period, Contradicted, "other way"),
            (
                &flat,
                Rise,
                14,
                after_period,
                NotYetShown,
                "No signal of the predicted rise",
            ),
            (
                &flat,
                NoChange,
                14,
                after_period,
                Supported,
                "No signal of a change",
            ),
            (
                &up,
                NoChange,
                14,
                after_period,
                Contradicted,
                "no change was predicted",
            ),
            (&flat, NoChange, 14, during_period, NotYetShown, "so far"),
            // Lower over a finished period, without a signal: contradicted by the medians.
            (
                &lower_no_signal,
                Rise,
                9,
                after_period,
                Contradicted,
                "median was 3 against 4 before",
            ),
            (
                &lower_no_signal,
                Rise,
                9,
                during_period,
                NotYetShown,
                "No signal",
            ),
            (
                &up,
                AtLeast(8.0),
                14,
                after_period,
                Supported,
                "did reach at least 8",
            ),
            (
                &flat,
                AtLeast(8.0),
                14,
                after_period,
                Contradicted,
                "did not reach at least 8",
            ),
            (
                &flat,
                AtLeast(8.0),
                14,
                during_period,
                NotYetShown,
                "the period runs to",
            ),
            (
                &LOW,
                Rise,
                14,
                after_period,
                NoData,
                "No measurement of Plans agreed",
            ),
        ];
        for (i, (values, change, by_week, today, verdict, words)) in table.into_iter().enumerate() {
            let c = cycle(8);
            let e = expect(change, by_week);
            let checked = check(&c, EventId::new(), &e, &chart(values), today);
            assert_eq!(checked.verdict, verdict, "row {i}: {checked:?}");
            assert!(
                checked.explanation.contains(words),
                "row {i}: {}",
                checked.explanation
            );
            assert_eq!(checked.from, START + time::Duration::weeks(8));
            assert_eq!(checked.contradicted(), verdict == Contradicted);
            assert_eq!(
                checked.prediction.as_ref().map(|p| p.prediction.as_str()),
                Some("Yes, most")
            );
        }
    }

    #[test]
    fn the_check_shows_the_period_medians_and_the_signals_that_followed() {
        let values = then(&[8., 9., 8., 9., 10., 9., 8.]);
        let c = cycle(8);
        let e = expect(ExpectedChange::Rise, 11);
        let checked = check(
            &c,
            EventId::new(),
            &e,
            &chart(&values),
            date!(2026 - 12 - 01),
        );
        assert_eq!(checked.before, Some(4.0));
        // Weeks 8 to 11 are the period.
        assert_eq!(
            checked.values.iter().map(|v| v.value).collect::<Vec<_>>(),
            vec![8., 9., 8., 9.]
        );
        assert_eq!(checked.during, Some(8.5));
        assert!(
            checked
                .signals
                .iter()
                .any(|s| s.contains("shift") || s.contains("Shift")),
            "{:?}",
            checked.signals
        );
        assert_eq!(
            change_words(ExpectedChange::AtMost(2.5)),
            "stay at or below 2.5"
        );
    }
}
