//! The special-cause rules of an XmR chart, applied within one phase: a point outside
//! the limits, seven on one side of the mean, seven rising or falling, and two of three
//! near a limit, in the reading the settings choose.

use super::phase::{Phase, SHIFT_LENGTH, TREND_LENGTH, TwoOfThree};
use super::{Reading, Rule, Series, Side, Signal, reading, wording};
use crate::domain::event::Direction;
use std::cmp::Ordering;

pub(super) fn special_causes(
    series: &Series,
    phase: &Phase,
    direction: Direction,
    two_of_three_rule: TwoOfThree,
) -> Vec<Signal> {
    let values = series.values();
    let mut signals = Vec::new();

    if let (Some(upper), Some(lower)) = (phase.upper, phase.lower) {
        for i in phase.points() {
            let x = values[i];
            if x > upper || x < lower {
                let high = x > upper;
                let reading = Some(reading(direction, high));
                signals.push(Signal {
                    rule: Rule::OutsideLimits,
                    points: vec![i],
                    reading,
                    explanation: wording::sentence(format!(
                        "{} ({}) is {}: a special cause{}.",
                        series.name(i),
                        wording::value(x),
                        if high {
                            format!("above the upper limit ({})", wording::value(upper))
                        } else {
                            format!("below the lower limit ({})", wording::value(lower))
                        },
                        wording::here(reading),
                    )),
                });
            }
        }
    }

    signals.extend(shifts(series, phase, direction));
    signals.extend(trends(series, phase, direction));
    if let Some(sigma) = phase.sigma() {
        for side in [Side::Above, Side::Below] {
            let groups = match two_of_three_rule {
                TwoOfThree::MakingDataCount => {
                    two_of_three_between_lines(series, phase, sigma, side)
                }
                TwoOfThree::WesternElectric => two_of_three_beyond_line(series, phase, sigma, side),
            };
            signals.extend(groups.into_iter().map(|points| {
                two_of_three_signal(
                    series,
                    phase,
                    sigma,
                    side,
                    direction,
                    points,
                    two_of_three_rule,
                )
            }));
        }
    }
    signals
}

/// Seven or more points in a row on one side of the mean; a point on the mean breaks it.
fn shifts(series: &Series, phase: &Phase, direction: Direction) -> Vec<Signal> {
    let values = series.values();
    let mut runs: Vec<(Option<Side>, Vec<usize>)> = Vec::new();
    for i in phase.points() {
        let side = Side::of(values[i], phase.mean);
        match runs.last_mut() {
            Some((run_side, points)) if side.is_some() && *run_side == side => points.push(i),
            _ => runs.push((side, vec![i])),
        }
    }
    runs.into_iter()
        .filter(|(_, points)| points.len() >= SHIFT_LENGTH)
        .filter_map(|(side, points)| {
            let side = side?;
            let reading = Some(reading(direction, side == Side::Above));
            Some(Signal {
                rule: Rule::SevenOnOneSide,
                explanation: wording::sentence(format!(
                    "{} points in a row, {}, are {} the mean: a shift{}.",
                    wording::count(points.len()),
                    span_of(series, &points),
                    side.word(),
                    wording::here(reading),
                )),
                points,
                reading,
            })
        })
        .collect()
}

/// Seven or more points in a row each higher, or each lower, than the one before; an
/// equal value breaks the run.
fn trends(series: &Series, phase: &Phase, direction: Direction) -> Vec<Signal> {
    let values = series.values();
    // (rising, first point, last point) of each stretch of steps the same way.
    let mut runs: Vec<(bool, usize, usize)> = Vec::new();
    for i in phase.start + 1..phase.end {
        let rising = match values[i].partial_cmp(&values[i - 1]) {
            Some(Ordering::Greater) => true,
            Some(Ordering::Less) => false,
            _ => continue,
        };
        match runs.last_mut() {
            Some((run_rising, _, last)) if *run_rising == rising && *last == i - 1 => *last = i,
            _ => runs.push((rising, i - 1, i)),
        }
    }
    runs.into_iter()
        .filter(|&(_, first, last)| last + 1 - first >= TREND_LENGTH)
        .map(|(rising, first, last)| {
            let reading = Some(reading(direction, rising));
            Signal {
                rule: Rule::SevenRisingOrFalling,
                points: (first..=last).collect(),
                reading,
                explanation: wording::sentence(format!(
                    "{} points in a row, {}, each {} than the one before: a trend{}.",
                    wording::count(last + 1 - first),
                    wording::span(series, first, last),
                    if rising { "higher" } else { "lower" },
                    wording::here(reading),
                )),
            }
        })
        .collect()
}

/// The 2σ line on `side`: two thirds of the way from the mean to the (unclamped) limit.
fn two_sigma_line(phase: &Phase, sigma: f64, side: Side) -> f64 {
    match side {
        Side::Above => phase.mean + 2.0 * sigma,
        Side::Below => phase.mean - 2.0 * sigma,
    }
}

/// Making Data Count's reading, as NHSRplotthedots computes it: three points in a row
/// all on `side` of the mean (a point on the mean breaks the window), at least two of
/// them beyond the 2σ line but not beyond the limit. Those points are flagged; a point
/// beyond the limit is the outside-limits signal, not this one. Overlapping windows make
/// one signal.
fn two_of_three_between_lines(
    series: &Series,
    phase: &Phase,
    sigma: f64,
    side: Side,
) -> Vec<Vec<usize>> {
    let values = series.values();
    let line = two_sigma_line(phase, sigma, side);
    let limit = match side {
        Side::Above => phase.upper,
        Side::Below => phase.lower,
    };
    let close = |i: usize| {
        let x = values[i];
        match side {
            Side::Above => x > line && limit.is_none_or(|l| x <= l),
            Side::Below => x < line && limit.is_none_or(|l| x >= l),
        }
    };
    let on_side = |i: usize| Side::of(values[i], phase.mean) == Some(side);
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut last_window: Option<usize> = None;
    for w in phase.start..phase.end.saturating_sub(2) {
        let window = w..w + 3;
        if !window.clone().all(on_side) || window.clone().filter(|&i| close(i)).count() < 2 {
            continue;
        }
        let overlaps = last_window.is_some_and(|last| w <= last + 2);
        if !overlaps {
            groups.push(Vec::new());
        }
        if let Some(group) = groups.last_mut() {
            for i in window.filter(|&i| close(i)) {
                if !group.contains(&i) {
                    group.push(i);
                }
            }
        }
        last_window = Some(w);
    }
    groups
}

/// The Western Electric-like reading, kept as a named option: two of three points in a
/// row beyond the 2σ line on one side, counting points beyond the limits too, whatever
/// the third point does. The points beyond the line are flagged; overlapping windows make
/// one signal.
fn two_of_three_beyond_line(
    series: &Series,
    phase: &Phase,
    sigma: f64,
    side: Side,
) -> Vec<Vec<usize>> {
    let values = series.values();
    if phase.end - phase.start < 3 {
        return Vec::new();
    }
    let line = two_sigma_line(phase, sigma, side);
    let beyond = |i: usize| match side {
        Side::Above => values[i] > line,
        Side::Below => values[i] < line,
    };
    // In a phase of three or more, two points beyond the line at most two apart always
    // share a window of three.
    let flagged: Vec<usize> = phase
        .points()
        .filter(|&i| beyond(i))
        .filter(|&i| {
            let near = i.saturating_sub(2).max(phase.start)..(i + 3).min(phase.end);
            near.filter(|&j| j != i).any(beyond)
        })
        .collect();

    let mut groups: Vec<Vec<usize>> = Vec::new();
    for i in flagged {
        match groups.last_mut() {
            Some(group) if group.last().is_some_and(|&last| i - last <= 2) => group.push(i),
            _ => groups.push(vec![i]),
        }
    }
    groups
}

fn two_of_three_signal(
    series: &Series,
    phase: &Phase,
    sigma: f64,
    side: Side,
    direction: Direction,
    points: Vec<usize>,
    rule: TwoOfThree,
) -> Signal {
    let line = two_sigma_line(phase, sigma, side);
    let limit = match side {
        Side::Above => "upper",
        Side::Below => "lower",
    };
    let reading: Option<Reading> = Some(reading(direction, side == Side::Above));
    let inside = match rule {
        TwoOfThree::MakingDataCount => format!(
            " and not beyond it, in three points in a row {} the mean",
            side.word()
        ),
        TwoOfThree::WesternElectric => String::new(),
    };
    let explanation = if points.len() == 2 {
        format!(
            "Two of three points in a row, {}, are {} {}, two thirds of the way from the \
             mean to the {limit} limit{inside}: a special cause{}.",
            wording::list(series, &points),
            side.word(),
            wording::value(line),
            wording::here(reading),
        )
    } else {
        format!(
            "{} points, {}, are {} {}, two thirds of the way from the mean to the {limit} \
             limit{inside}, at least two in every three in a row: a special cause{}.",
            wording::count(points.len()),
            wording::list(series, &points),
            side.word(),
            wording::value(line),
            wording::here(reading),
        )
    };
    Signal {
        rule: Rule::TwoOfThreeNearLimit,
        points,
        reading,
        explanation: wording::sentence(explanation),
    }
}

fn span_of(series: &Series, points: &[usize]) -> String {
    wording::span(
        series,
        points.first().copied().unwrap_or(0),
        points.last().copied().unwrap_or(0),
    )
}
