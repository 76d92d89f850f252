//! The run chart: the series against its median, read by the four rules of Perla,
//! Provost & Murray (BMJ Qual Saf 2011), with Anhøj's rules alongside.
//!
//! - **Shift**: six or more points in a row on one side of the median. Points on the
//!   median neither count nor break the run.
//! - **Trend**: five or more points in a row all going up or all going down. A value
//!   repeated straight after itself counts once: it neither counts nor breaks the trend.
//! - **Runs**: a run ends where the line crosses the median; runs are counted over the
//!   useful points (those off the median) and judged against the runs table for 10 to 60
//!   useful points. Outside that range the rule is not applied, and a warning says so.
//! - **Astronomical point**: the source leaves this to judgement ("obviously different").
//!   Praxis uses a conservative, computable stand-in: Tukey's *far-out* fences. A point
//!   more than three interquartile ranges above the upper quartile, or below the lower
//!   quartile, of all the chart's values is astronomical (quartiles by linear
//!   interpolation, as Excel's QUARTILE.INC and R's default). For data from a steady
//!   process that is beyond about 4.7 standard deviations, and a shift of level does not
//!   trigger it, since the quartiles take in both levels. When the interquartile range is
//!   zero (at least half the values equal) the rule is not applied.
//! - **Baseline median**: as IHI and Life QI draw run charts, a measure's median is frozen
//!   once the first `baseline_points` (default 12) points are in and extended over the
//!   points after them, so a new point cannot move the line the others are judged by.
//!   From a point where a change was adopted a new median starts, frozen in the same way,
//!   once the points from there shift against the median extended from before (six or
//!   more of the shift's points at or after the adoption, the shift beginning before
//!   the next adoption); that shift stays among the signals, once, as the evidence of
//!   the change. Each stretch is read by the rules on its own. Bare values (`analyse`)
//!   use the median of all the points, as the rule tables do.
//!
//! Long because the four rules, the stretches and their tests read together: the tests
//! check the private run counting each rule rests on.

use super::anhoej::{self, Anhoej};
use super::runs::{Run, runs_about};
use super::runs_table::{self, ExpectedRuns};
use super::{
    ChartError, Reading, Rule, Series, Side, Signal, Warning, WarningKind, in_chart_order, reading,
    wording,
};
use crate::domain::event::Direction;
use serde::{Deserialize, Serialize};

/// Points in a row on one side of the median that make a shift.
pub const SHIFT_LENGTH: usize = 6;
/// Points in a row going one way that make a trend.
pub const TREND_LENGTH: usize = 5;
/// How many interquartile ranges beyond a quartile make a point astronomical.
pub const FAR_OUT: f64 = 3.0;
/// The points a measure's median rests on before it is frozen.
pub const BASELINE_POINTS: usize = 12;

/// How to draw a run chart: the measure's direction, when the median is frozen, and the
/// points (adopted changes) from which a new median starts.
#[derive(Clone, Debug, PartialEq)]
pub struct RunSettings {
    pub direction: Direction,
    /// The median rests on this many first points of each stretch; `None`: on all of them.
    pub baseline_points: Option<usize>,
    /// Indices of the points from which a new median starts, in any order.
    pub new_median_from: Vec<usize>,
}

impl RunSettings {
    /// The median frozen after the first 12 points, one stretch.
    pub fn new(direction: Direction) -> Self {
        RunSettings {
            direction,
            baseline_points: Some(BASELINE_POINTS),
            new_median_from: Vec::new(),
        }
    }

    /// The median frozen after the first `points` points (at least one).
    pub fn frozen_after(mut self, points: usize) -> Self {
        self.baseline_points = Some(points.max(1));
        self
    }

    /// The median of all the points, never frozen.
    pub fn whole_series_median(mut self) -> Self {
        self.baseline_points = None;
        self
    }

    /// A new median from the point at `index` (an adopted change).
    pub fn new_median_from(mut self, index: usize) -> Self {
        self.new_median_from.push(index);
        self
    }
}

/// A stretch of points with its own median, and what the rules found in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stretch {
    pub start: usize,
    /// One past the last point.
    pub end: usize,
    pub median: f64,
    /// How many of its first points the median rests on.
    pub baseline_points: usize,
    /// Whether the median is frozen (the baseline is complete) or still moves with new
    /// points.
    pub frozen: bool,
    pub useful_points: usize,
    pub runs: usize,
    /// Too few or too many runs in this stretch (also among the chart's signals).
    pub runs_signal: Option<Signal>,
    pub anhoej: Option<Anhoej>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunChart {
    /// The current centre line (the last stretch's); `None` for a series with no points.
    pub median: Option<f64>,
    /// Each stretch with its own median, in order; together they cover every point.
    pub stretches: Vec<Stretch>,
    pub points: usize,
    /// Points not on the median.
    pub useful_points: usize,
    pub runs: usize,
    /// What the runs table allows for the last stretch's `useful_points`; `None` outside
    /// 10 to 60.
    pub runs_expected: Option<ExpectedRuns>,
    /// Beyond these a point is astronomical; `None` when the rule is not applied.
    pub astronomical_fences: Option<Fences>,
    /// Signals by Perla, Provost & Murray's rules, in the order of their first point.
    pub signals: Vec<Signal>,
    /// Anhøj's rules over the last stretch; `None` when no point is off the median.
    /// Earlier stretches keep theirs in `stretches`.
    pub anhoej: Option<Anhoej>,
    pub warnings: Vec<Warning>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fences {
    pub lower: f64,
    pub upper: f64,
}

/// The run chart of bare values, named "point 1", "point 2", ... in explanations, about
/// the median of all the points.
pub fn analyse(values: &[f64], direction: Direction) -> Result<RunChart, ChartError> {
    analyse_series(&Series::numbered(values), direction)
}

/// The run chart of a series about the median of all its points. Refuses a series with a
/// value that is NaN or infinite.
pub fn analyse_series(series: &Series, direction: Direction) -> Result<RunChart, ChartError> {
    analyse_with(series, &RunSettings::new(direction).whole_series_median())
}

/// The run chart of a series drawn as `settings` say: each stretch (from the start and
/// from each new-median point) about its own median, frozen after its baseline.
pub fn analyse_with(series: &Series, settings: &RunSettings) -> Result<RunChart, ChartError> {
    series.check()?;
    let n = series.len();
    let mut candidates: Vec<usize> = settings
        .new_median_from
        .iter()
        .copied()
        .filter(|&s| s > 0 && s < n)
        .collect();
    candidates.sort_unstable();
    candidates.dedup();
    // A new median starts at an adopted change only once the points after it shift
    // against the median extended from before: the change is then shown to have moved
    // the process, and that shift stays among the signals as the evidence.
    let mut starts = vec![0];
    let mut evidence: Vec<Signal> = Vec::new();
    for (k, &candidate) in candidates.iter().enumerate() {
        let current = starts.last().copied().unwrap_or(0);
        // A shift that begins at or after the next adoption is that change's evidence.
        let next = candidates.get(k + 1).copied().unwrap_or(n);
        let baseline = settings
            .baseline_points
            .map_or(n - current, |b| b.min(n - current));
        let Some(extended) = stretch(&series.slice(current..n), baseline, settings.direction)
        else {
            continue;
        };
        let confirming = extended.signals.into_iter().find(|s| {
            s.rule == Rule::Shift
                && s.points
                    .iter()
                    .filter(|&&p| p + current >= candidate)
                    .count()
                    >= SHIFT_LENGTH
        });
        let confirming =
            confirming.filter(|s| s.points.first().is_none_or(|&p| p + current < next));
        if let Some(mut shift) = confirming {
            shift.points.iter_mut().for_each(|p| *p += current);
            evidence.push(shift);
            starts.push(candidate);
        }
    }
    let ends = starts.iter().skip(1).copied().chain([n]);
    let mut chart = RunChart {
        median: None,
        stretches: Vec::new(),
        points: n,
        useful_points: 0,
        runs: 0,
        runs_expected: None,
        astronomical_fences: None,
        signals: Vec::new(),
        anhoej: None,
        warnings: Vec::new(),
    };
    for (start, end) in starts.iter().copied().zip(ends).filter(|(s, e)| s < e) {
        let part = series.slice(start..end);
        let baseline = settings
            .baseline_points
            .map_or(end - start, |b| b.min(end - start));
        let Some(stretch) = stretch(&part, baseline, settings.direction) else {
            continue;
        };
        let shift = |points: &mut Vec<usize>| points.iter_mut().for_each(|p| *p += start);
        let mut signals = stretch.signals;
        signals.iter_mut().for_each(|s| shift(&mut s.points));
        let runs_signal = signals
            .iter()
            .find(|s| matches!(s.rule, Rule::TooFewRuns | Rule::TooManyRuns))
            .cloned();
        let mut anhoej = stretch.anhoej;
        if let Some(a) = anhoej.as_mut() {
            a.signals.iter_mut().for_each(|s| shift(&mut s.points));
        }
        let frozen = settings.baseline_points.is_some_and(|b| end - start >= b);
        if let (Some(b), false) = (settings.baseline_points, frozen) {
            chart.warnings.push(Warning {
                kind: WarningKind::MedianNotFrozen,
                message: format!(
                    "The median{} rests on all {} points so far; it is frozen once there are \
                     {b}, and extended over the points after them.",
                    if start == 0 {
                        String::new()
                    } else {
                        format!(" from {}", series.name(start))
                    },
                    wording::count(end - start),
                ),
            });
        }
        chart.signals.extend(signals);
        chart.warnings.extend(stretch.warnings);
        chart.median = Some(stretch.median);
        chart.useful_points = stretch.useful_points;
        chart.runs = stretch.runs;
        chart.runs_expected = stretch.runs_expected;
        chart.astronomical_fences = stretch.astronomical_fences;
        chart.anhoej = anhoej.clone();
        chart.stretches.push(Stretch {
            start,
            end,
            median: stretch.median,
            baseline_points: baseline,
            frozen,
            useful_points: stretch.useful_points,
            runs: stretch.runs,
            runs_signal,
            anhoej,
        });
    }
    // A shift that confirmed an adoption may also be found in its stretch: each
    // signal once.
    for shift in evidence {
        if !chart
            .signals
            .iter()
            .any(|s| s.rule == shift.rule && s.points == shift.points)
        {
            chart.signals.push(shift);
        }
    }
    in_chart_order(&mut chart.signals);
    Ok(chart)
}

/// What the rules find in one stretch, its points numbered from 0.
struct StretchReading {
    median: f64,
    useful_points: usize,
    runs: usize,
    runs_expected: Option<ExpectedRuns>,
    astronomical_fences: Option<Fences>,
    signals: Vec<Signal>,
    anhoej: Option<Anhoej>,
    warnings: Vec<Warning>,
}

/// One stretch read about the median of its first `baseline` points; `None` when empty.
fn stretch(series: &Series, baseline: usize, direction: Direction) -> Option<StretchReading> {
    let values = series.values();
    let median = median(&values[..baseline.min(values.len())])?;

    let runs = runs_about(values, median);
    let useful_points: usize = runs.iter().map(|r| r.points.len()).sum();
    let mut signals = Vec::new();
    let mut warnings = Vec::new();

    for run in runs.iter().filter(|r| r.points.len() >= SHIFT_LENGTH) {
        signals.push(shift(series, run, direction));
    }
    for trend in trends(values) {
        signals.push(trend.signal(series, direction));
    }

    let runs_expected = runs_table::expected_runs(useful_points);
    match runs_expected {
        Some(expected) => signals.extend(runs_signal(runs.len(), useful_points, expected)),
        None => warnings.push(runs_rule_not_applied(useful_points)),
    }

    let astronomical_fences = fences(values);
    match astronomical_fences {
        Some(fences) => {
            for (i, &x) in values.iter().enumerate() {
                if x > fences.upper || x < fences.lower {
                    signals.push(astronomical(series, i, x, fences, direction));
                }
            }
        }
        None => warnings.push(Warning {
            kind: WarningKind::AstronomicalRuleNotApplied,
            message: "The middle half of the values has no spread (at least half of them are \
                      equal), so no point is judged astronomical."
                .to_string(),
        }),
    }

    Some(StretchReading {
        median,
        useful_points,
        runs: runs.len(),
        runs_expected,
        astronomical_fences,
        signals,
        anhoej: anhoej::analyse(series, &runs, direction),
        warnings,
    })
}

/// The median; the mean of the middle two for an even count. `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let sorted = sorted(values);
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    if n % 2 == 1 {
        return Some(sorted[n / 2]);
    }
    let (a, b) = (sorted[n / 2 - 1], sorted[n / 2]);
    // Halves first, so two values near the largest f64 do not overflow.
    Some(if a == b { a } else { a / 2.0 + b / 2.0 })
}

fn sorted(values: &[f64]) -> Vec<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted
}

/// The quantile at `p` by linear interpolation between order statistics (R's type 7).
fn quantile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let h = last as f64 * p;
    let below = (h.floor() as usize).min(last);
    let above = (below + 1).min(last);
    let fraction = h - below as f64;
    // A weighted mean of the two, which cannot overflow.
    Some(sorted[below] * (1.0 - fraction) + sorted[above] * fraction)
}

fn fences(values: &[f64]) -> Option<Fences> {
    let sorted = sorted(values);
    let (q1, q3) = (quantile(&sorted, 0.25)?, quantile(&sorted, 0.75)?);
    let spread = q3 - q1;
    (spread > 0.0).then_some(Fences {
        lower: q1 - FAR_OUT * spread,
        upper: q3 + FAR_OUT * spread,
    })
}

fn shift(series: &Series, run: &Run, direction: Direction) -> Signal {
    let reading = Some(reading(direction, run.side == Side::Above));
    let first = run.points.first().copied().unwrap_or(0);
    let last = run.points.last().copied().unwrap_or(0);
    let count = wording::count(run.points.len());
    let explanation = if last - first + 1 == run.points.len() {
        format!(
            "{count} points in a row, {}, are {} the median: a shift{}.",
            wording::span(series, first, last),
            run.side.word(),
            wording::here(reading),
        )
    } else {
        format!(
            "{count} points {} are {} the median and none {} it (points on the median \
             neither count nor break the run): a shift{}.",
            wording::span(series, first, last),
            run.side.word(),
            match run.side {
                Side::Above => "below",
                Side::Below => "above",
            },
            wording::here(reading),
        )
    };
    Signal {
        rule: Rule::Shift,
        points: run.points.clone(),
        reading,
        explanation: wording::sentence(explanation),
    }
}

/// Points in a row all going one way, a value repeated straight after itself counted once.
struct Trend {
    first: usize,
    last: usize,
    /// The points that count: the distinct values along the way.
    counted: usize,
    rising: bool,
}

impl Trend {
    fn signal(&self, series: &Series, direction: Direction) -> Signal {
        let reading = Some(reading(direction, self.rising));
        let repeated = if self.last - self.first + 1 > self.counted {
            " (a value repeated straight after itself counts once)"
        } else {
            ""
        };
        Signal {
            rule: Rule::Trend,
            points: (self.first..=self.last).collect(),
            reading,
            explanation: wording::sentence(format!(
                "{} points in a row, {}, each {} than the one before{repeated}: a trend{}.",
                wording::count(self.counted),
                wording::span(series, self.first, self.last),
                if self.rising { "higher" } else { "lower" },
                wording::here(reading),
            )),
        }
    }
}

fn trends(values: &[f64]) -> Vec<Trend> {
    // The first point of each group of equal consecutive values.
    let groups: Vec<usize> = (0..values.len())
        .filter(|&i| i == 0 || values[i] != values[i - 1])
        .collect();
    // Between consecutive groups the line goes up or down, never flat.
    let rising: Vec<bool> = groups
        .windows(2)
        .map(|pair| values[pair[1]] > values[pair[0]])
        .collect();
    let mut trends = Vec::new();
    let mut start = 0;
    for end in 1..=rising.len() {
        if end < rising.len() && rising[end] == rising[start] {
            continue;
        }
        // Steps start..end, all the same way, join groups start..=end.
        let counted = end - start + 1;
        if counted >= TREND_LENGTH {
            trends.push(Trend {
                // From the last point of the first group to the first of the last.
                first: groups[start + 1] - 1,
                last: groups[end],
                counted,
                rising: rising[start],
            });
        }
        start = end;
    }
    trends
}

fn runs_signal(runs: usize, useful_points: usize, expected: ExpectedRuns) -> Option<Signal> {
    if runs < expected.fewest {
        Some(Signal {
            rule: Rule::TooFewRuns,
            points: Vec::new(),
            reading: None,
            explanation: format!(
                "Only {} runs for {useful_points} points off the median, fewer than the {} \
                 that chance gives: too few runs, a sign the process has shifted.",
                wording::count(runs),
                expected.fewest,
            ),
        })
    } else if runs > expected.most {
        Some(Signal {
            rule: Rule::TooManyRuns,
            points: Vec::new(),
            reading: None,
            explanation: format!(
                "{runs} runs for {useful_points} points off the median, more than the {} that \
                 chance gives: too many runs, a sign the values alternate, as when two \
                 processes are mixed in one measure.",
                expected.most,
            ),
        })
    } else {
        None
    }
}

fn runs_rule_not_applied(useful_points: usize) -> Warning {
    let message = if useful_points < runs_table::FEWEST_USEFUL_POINTS {
        format!(
            "{} off the median; the runs rule needs at least {}, so it is not applied yet.",
            match useful_points {
                0 => "No point is".to_string(),
                1 => "Only one point is".to_string(),
                n => format!("Only {} points are", wording::count(n)),
            },
            runs_table::FEWEST_USEFUL_POINTS,
        )
    } else {
        format!(
            "{useful_points} points are off the median; the runs table stops at {}, so the \
             runs rule is not applied (Anhøj's crossings rule covers any number of points).",
            runs_table::MOST_USEFUL_POINTS,
        )
    };
    Warning {
        kind: WarningKind::RunsRuleNotApplied,
        message,
    }
}

fn astronomical(
    series: &Series,
    point: usize,
    value: f64,
    fences: Fences,
    direction: Direction,
) -> Signal {
    let high = value > fences.upper;
    let reading: Option<Reading> = Some(reading(direction, high));
    let (side, fence, quartile) = if high {
        ("above", fences.upper, "upper")
    } else {
        ("below", fences.lower, "lower")
    };
    Signal {
        rule: Rule::AstronomicalPoint,
        points: vec![point],
        reading,
        explanation: wording::sentence(format!(
            "{} ({}) is far {side} the rest of the data, beyond {} (three interquartile \
             ranges past the {quartile} quartile): an astronomical point{}.",
            series.name(point),
            wording::value(value),
            wording::value(fence),
            wording::here(reading),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(
            median(&[f64::MAX, f64::MAX, 0.0, 0.0]),
            Some(f64::MAX / 2.0)
        );
    }

    #[test]
    fn quartiles_interpolate_like_excel() {
        let s = sorted(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]);
        assert_eq!(quantile(&s, 0.25), Some(2.75));
        assert_eq!(quantile(&s, 0.75), Some(6.25));
        assert_eq!(quantile(&[5.0], 0.75), Some(5.0));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn trends_join_over_repeats() {
        let t = trends(&[1.0, 1.0, 2.0, 3.0, 3.0, 4.0, 5.0, 5.0]);
        assert_eq!(t.len(), 1);
        assert_eq!(
            (t[0].first, t[0].last, t[0].counted, t[0].rising),
            (1, 6, 5, true)
        );
        // A peak ends one trend and starts the next.
        let t = trends(&[1.0, 2.0, 3.0, 4.0, 5.0, 4.0, 3.0, 2.0, 1.0]);
        assert_eq!(
            t.iter()
                .map(|t| (t.first, t.last, t.rising))
                .collect::<Vec<_>>(),
            vec![(0, 4, true), (4, 8, false)]
        );
        assert!(trends(&[]).is_empty());
        assert!(trends(&[2.0; 9]).is_empty());
    }
}
