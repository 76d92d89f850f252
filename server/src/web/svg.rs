//! Praxis's own small SVG charts: points joined by a line, centre and limit lines (over
//! the points they belong to), a target line, highlighted signal points, the cycles
//! adopted marked on the time axis, and where limits were recalculated. Each chart has
//! a title and a description for screen readers, and every point a tooltip; the page
//! shows the same data as a table beside it.
//!
//! A chart scales to the width it is given, text and all, so it is drawn for the
//! narrowest: a phone shows it about 350 px wide, where its 13-unit text is still 11 px
//! or more. The time axis names at most three periods, so they never overlap. The value
//! axis has round ticks (1, 2 or 5 times a power of ten) in the measure's unit, named
//! above it, and a percentage's axis stays within 0 and 100. A legend under the chart
//! names each kind of line and mark the chart shows.
//!
//! Long because the drawing and its tests belong together: the tests check the
//! geometry (scale, ticks, boundaries between phases) against the same private
//! functions the drawing uses, and they are half the file.

use maud::{Markup, html};
use praxis_core::domain::charts::Reading;

const WIDTH: f64 = 400.0;
const HEIGHT: f64 = 250.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 24.0;
const BOTTOM: f64 = 52.0;
/// The size of every text in the chart, in the chart's units.
const TEXT: &str = "13";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    Centre,
    Limit,
    Target,
}

/// A horizontal line over the points `from..to`.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    pub from: usize,
    pub to: usize,
    pub value: f64,
    pub kind: LineKind,
    pub label: String,
}

/// A point flagged by a signal.
#[derive(Clone, Debug, PartialEq)]
pub struct Flag {
    pub point: usize,
    pub reading: Option<Reading>,
    pub why: String,
}

/// A mark on the time axis at a point (a cycle adopted).
#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub point: usize,
    pub label: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Chart {
    /// Used for the ids of the title and description.
    pub id: String,
    pub title: String,
    pub description: String,
    pub labels: Vec<String>,
    pub values: Vec<f64>,
    pub lines: Vec<Line>,
    pub flags: Vec<Flag>,
    pub marks: Vec<Mark>,
    /// Cycles tested but not adopted, marked lightly on the time axis.
    pub tests: Vec<Mark>,
    /// Points from which limits are recalculated.
    pub recalculations: Vec<usize>,
    /// The values' unit, named above the value axis ("days", "visits"; "%" for a
    /// percentage).
    pub unit: String,
    /// The values are percentages: ticks read "40%" and the axis keeps within 0–100.
    pub percent: bool,
    /// Drawn small and many to a page (the board report): the points as a few dotted
    /// paths, one for each kind of point, rather than a circle with its tooltip each,
    /// which a printed page of 160 charts takes seconds to lay out.
    pub compact: bool,
}

/// A number for an SVG attribute: two decimals are plenty at this size.
fn n(x: f64) -> String {
    format!("{x:.2}")
}

/// A value as an axis or tooltip shows it.
pub fn value_text(x: f64) -> String {
    if x == x.trunc() && x.abs() < 1e12 {
        format!("{x:.0}")
    } else if x.abs() >= 100.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// The points whose period the time axis names, with how each is anchored so that
/// none runs off the chart: the first and the last, and the middle one when it keeps
/// clear of both (three dates fit side by side, four do not).
fn time_labels(count: usize) -> Vec<(usize, &'static str)> {
    match count {
        0 => Vec::new(),
        1 => vec![(0, "middle")],
        _ => {
            let last = count - 1;
            let middle = count / 2;
            let mut labels = vec![(0, "start")];
            if (0.4..=0.6).contains(&(middle as f64 / last as f64)) {
                labels.push((middle, "middle"));
            }
            labels.push((last, "end"));
            labels
        }
    }
}

struct Scale {
    lo: f64,
    hi: f64,
    /// The distance between ticks.
    step: f64,
    count: usize,
}

impl Scale {
    fn x(&self, index: usize) -> f64 {
        let span = WIDTH - LEFT - RIGHT;
        if self.count <= 1 {
            LEFT + span / 2.0
        } else {
            LEFT + span * index as f64 / (self.count - 1) as f64
        }
    }

    /// The x of the boundary just before `index` (half way from the previous point).
    fn boundary(&self, index: usize) -> f64 {
        if index == 0 {
            self.x(0)
        } else {
            (self.x(index - 1) + self.x(index)) / 2.0
        }
    }

    fn y(&self, value: f64) -> f64 {
        let span = HEIGHT - TOP - BOTTOM;
        TOP + span * (1.0 - (value - self.lo) / (self.hi - self.lo))
    }
}

/// The distance between round ticks for a span of values: 1, 2 or 5 times a power of
/// ten, so that the span holds at most `most` of them.
fn tick_step(span: f64, most: usize) -> f64 {
    let rough = span / most as f64;
    let power = 10f64.powf(rough.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| span / step <= most as f64)
        .unwrap_or(10.0 * power)
}

/// The most ticks the value axis has.
const MOST_TICKS: usize = 5;

fn scale(chart: &Chart) -> Scale {
    let all = chart
        .values
        .iter()
        .chain(chart.lines.iter().map(|l| &l.value))
        .copied()
        .filter(|v| v.is_finite());
    let (mut lo, mut hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() || !hi.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    if (hi - lo).abs() < f64::EPSILON {
        (lo, hi) = (lo - 1.0, hi + 1.0);
    }
    let step = tick_step(hi - lo, MOST_TICKS);
    let (mut lo, mut hi) = ((lo / step).floor() * step, (hi / step).ceil() * step);
    if chart.percent {
        (lo, hi) = (lo.max(0.0), hi.min(100.0));
        if hi <= lo {
            (lo, hi) = (0.0, 100.0);
        }
    }
    Scale {
        lo,
        hi,
        step,
        count: chart.values.len(),
    }
}

impl Scale {
    /// The round values the axis names, from its bottom to its top.
    fn ticks(&self) -> Vec<f64> {
        let first = (self.lo / self.step).ceil() as i64;
        let last = (self.hi / self.step).floor() as i64;
        (first..=last).map(|k| k as f64 * self.step).collect()
    }

    /// A tick's text: as many decimals as the step needs, and "%" on a percentage.
    fn tick_text(&self, value: f64, percent: bool) -> String {
        let decimals = (-self.step.log10().floor()).max(0.0) as usize;
        // Avoid "-0".
        let value = if value.abs() < self.step / 2.0 {
            0.0
        } else {
            value
        };
        format!("{value:.decimals$}{}", if percent { "%" } else { "" })
    }
}

fn flag_class(reading: Option<Reading>) -> &'static str {
    match reading {
        Some(Reading::Improvement) => "signal improvement",
        Some(Reading::Concern) => "signal concern",
        None => "signal neutral",
    }
}

fn flag_colour(reading: Option<Reading>) -> &'static str {
    match reading {
        Some(Reading::Improvement) => "#1b6fb5",
        Some(Reading::Concern) => "#c75300",
        None => "#6b3fa0",
    }
}

/// The points of a compact chart as dots: one path for the points no signal flags and
/// one for each reading, each point a zero-length stroke with round caps.
fn dot_paths(chart: &Chart, s: &Scale) -> Vec<(&'static str, &'static str, &'static str, String)> {
    let kinds: [(Option<Option<Reading>>, &str); 4] = [
        (None, "point"),
        (Some(Some(Reading::Improvement)), "signal improvement"),
        (Some(Some(Reading::Concern)), "signal concern"),
        (Some(None), "signal neutral"),
    ];
    kinds
        .into_iter()
        .filter_map(|(kind, class)| {
            let d: String = chart
                .values
                .iter()
                .enumerate()
                .filter(|(i, _)| {
                    chart
                        .flags
                        .iter()
                        .find(|f| f.point == *i)
                        .map(|f| f.reading)
                        == kind
                })
                .map(|(i, v)| format!("M{},{}h0", n(s.x(i)), n(s.y(*v))))
                .collect();
            let (colour, width) = match kind {
                None => ("#444", "7"),
                Some(reading) => (flag_colour(reading), "11"),
            };
            (!d.is_empty()).then_some((class, colour, width, d))
        })
        .collect()
}

/// What the legend names: each kind of line and mark the chart shows, in the colour
/// and dash the chart draws it, with its words.
fn legend_entries(chart: &Chart) -> Vec<(&'static str, String)> {
    let mut entries = vec![("series", "Values".to_string())];
    let names = |kind: LineKind| {
        let mut names: Vec<&str> = chart
            .lines
            .iter()
            .filter(|l| l.kind == kind)
            .map(|l| l.label.as_str())
            .collect();
        names.dedup();
        names.sort_unstable();
        names.dedup();
        names.join(", ")
    };
    for (kind, class) in [
        (LineKind::Centre, "centre"),
        (LineKind::Limit, "limit"),
        (LineKind::Target, "target"),
    ] {
        let text = names(kind);
        if !text.is_empty() {
            entries.push((class, text));
        }
    }
    for (reading, class, words) in [
        (
            Some(Reading::Improvement),
            "improvement",
            "Signal of improvement",
        ),
        (Some(Reading::Concern), "concern", "Signal of concern"),
        (None, "neutral", "Signal"),
    ] {
        if chart.flags.iter().any(|f| f.reading == reading) {
            entries.push((class, words.to_string()));
        }
    }
    if !chart.marks.is_empty() {
        entries.push(("adoption", "Change adopted".to_string()));
    }
    if chart.tests.iter().any(|t| t.point < chart.values.len()) {
        entries.push(("tested", "Cycle tested".to_string()));
    }
    if chart
        .recalculations
        .iter()
        .any(|r| *r > 0 && *r < chart.values.len())
    {
        entries.push(("recalculation", "Limits recalculated".to_string()));
    }
    entries
}

/// A legend entry's swatch: a short line or a dot as the chart draws it.
fn swatch(class: &str) -> Markup {
    let line = |colour: &str, dash: &str, width: &str| {
        html! { line x1="1" y1="7" x2="23" y2="7" stroke=(colour) stroke-width=(width) stroke-dasharray=(dash) {} }
    };
    let shape = match class {
        "series" => {
            html! { (line("#444", "none", "1.5")) circle cx="12" cy="7" r="3.5" fill="#444" {} }
        }
        "centre" => line("#2f5d50", "none", "1.5"),
        "limit" => line("#9a9a9a", "6 4", "1.5"),
        "target" => line("#b58a00", "2 3", "1.5"),
        "improvement" => {
            html! { circle cx="12" cy="7" r="5.5" fill=(flag_colour(Some(Reading::Improvement))) {} }
        }
        "concern" => {
            html! { circle cx="12" cy="7" r="5.5" fill=(flag_colour(Some(Reading::Concern))) {} }
        }
        "neutral" => html! { circle cx="12" cy="7" r="5.5" fill=(flag_colour(None)) {} },
        "adoption" => html! { polygon points="12,2 6,12 18,12" fill="#1a4f9c" {} },
        "tested" => {
            html! { polygon points="12,2 17,7 12,12 7,7" fill="#fff" stroke="#1a4f9c" stroke-width="1.5" {} }
        }
        _ => line("#2f5d50", "none", "2.5"),
    };
    html! { svg width="24" height="14" viewBox="0 0 24 14" aria-hidden="true" { (shape) } }
}

/// One legend for a page of compact charts (which draw none of their own): every
/// kind of line and mark a run chart may show.
pub fn run_chart_legend(id: &str) -> Markup {
    let entries = [
        ("series", "Values"),
        ("centre", "Median"),
        ("target", "Target"),
        ("improvement", "Signal of improvement"),
        ("concern", "Signal of concern"),
        ("adoption", "Change adopted"),
    ];
    html! {
        ul.legend data-legend=(id) {
            @for (class, words) in entries {
                li data-entry=(class) { (swatch(class)) " " (words) }
            }
        }
    }
}

/// The legend under a chart.
fn legend(chart: &Chart) -> Markup {
    html! {
        ul.legend data-legend=(chart.id) {
            @for (class, words) in legend_entries(chart) {
                li data-entry=(class) { (swatch(class)) " " (words) }
            }
        }
    }
}

/// The chart as inline SVG.
pub fn draw(chart: &Chart) -> Markup {
    let s = scale(chart);
    let title_id = format!("{}-title", chart.id);
    let desc_id = format!("{}-desc", chart.id);
    let path: String = chart
        .values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{}{},{}",
                if i == 0 { "M" } else { " L" },
                n(s.x(i)),
                n(s.y(*v))
            )
        })
        .collect();
    let ticks = s.ticks();
    let axis_y = HEIGHT - BOTTOM;
    html! {
        svg xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (WIDTH) " " (HEIGHT) }
            role="img" aria-labelledby={ (title_id) " " (desc_id) } data-chart=(chart.id) {
            title id=(title_id) { (chart.title) }
            desc id=(desc_id) { (chart.description) }
            g class="axes" stroke="#888" stroke-width="1" {
                line x1=(n(LEFT)) y1=(n(TOP)) x2=(n(LEFT)) y2=(n(axis_y)) {}
                line x1=(n(LEFT)) y1=(n(axis_y)) x2=(n(WIDTH - RIGHT)) y2=(n(axis_y)) {}
            }
            g class="y-ticks" font-size=(TEXT) fill="#555" text-anchor="end" {
                @for t in &ticks {
                    line x1=(n(LEFT - 3.0)) y1=(n(s.y(*t))) x2=(n(LEFT)) y2=(n(s.y(*t))) stroke="#888" {}
                    text x=(n(LEFT - 5.0)) y=(n(s.y(*t) + 4.5)) { (s.tick_text(*t, chart.percent)) }
                }
            }
            @if !chart.unit.is_empty() {
                text class="unit" x=(n(LEFT)) y=(n(TOP - 9.0)) font-size=(TEXT) fill="#555" text-anchor="middle" { (chart.unit) }
            }
            g class="x-labels" font-size=(TEXT) fill="#555" {
                @for (i, anchor) in time_labels(chart.labels.len()) {
                    @if let Some(label) = chart.labels.get(i) {
                        text x=(n(s.x(i))) y=(n(axis_y + 16.0)) text-anchor=(anchor) { (label) }
                    }
                }
            }
            @for l in &chart.lines {
                @let x1 = if l.from == 0 { s.x(0) } else { s.boundary(l.from) };
                @let x2 = if l.to >= chart.values.len() { s.x(chart.values.len().saturating_sub(1)) } else { s.boundary(l.to) };
                @let (colour, dash) = match l.kind {
                    LineKind::Centre => ("#2f5d50", "none"),
                    LineKind::Limit => ("#9a9a9a", "6 4"),
                    LineKind::Target => ("#b58a00", "2 3"),
                };
                line class={ "line-" (match l.kind { LineKind::Centre => "centre", LineKind::Limit => "limit", LineKind::Target => "target" }) }
                    x1=(n(x1)) y1=(n(s.y(l.value))) x2=(n(x2)) y2=(n(s.y(l.value)))
                    stroke=(colour) stroke-width="1.5" stroke-dasharray=(dash) {
                    title { (l.label) ": " (value_text(l.value)) }
                }
            }
            @for r in &chart.recalculations {
                @if *r > 0 && *r < chart.values.len() {
                    g class="recalculation" {
                        line x1=(n(s.boundary(*r))) y1=(n(TOP)) x2=(n(s.boundary(*r))) y2=(n(axis_y)) stroke="#2f5d50" stroke-width="2" {}
                        @let x = s.boundary(*r);
                        @let (at, anchor) = if x > WIDTH / 2.0 { (x - 4.0, "end") } else { (x + 4.0, "start") };
                        text x=(n(at)) y=(n(TOP + 12.0)) font-size=(TEXT) fill="#2f5d50" text-anchor=(anchor) { "limits recalculated" }
                    }
                }
            }
            @if chart.compact {
                // Small and many to a page: every adoption's line and triangle as one
                // path each, named by the legend rather than a label apiece.
                @let shown: Vec<f64> = chart.marks.iter().filter(|m| m.point < chart.values.len()).map(|m| s.x(m.point)).collect();
                @if !shown.is_empty() {
                    g class="adoption" {
                        path d=(shown.iter().map(|x| format!("M{},{}V{}", n(*x), n(TOP), n(axis_y))).collect::<String>()) stroke="#1a4f9c" stroke-width="1" stroke-dasharray="3 3" fill="none" {}
                        path d=(shown.iter().map(|x| format!("M{},{}l-6,10h12z", n(*x), n(axis_y + 22.0))).collect::<String>()) fill="#1a4f9c" {}
                    }
                }
            }
            @for m in chart.marks.iter().filter(|_| !chart.compact) {
                @if m.point < chart.values.len() {
                    g class="adoption" {
                        line x1=(n(s.x(m.point))) y1=(n(TOP)) x2=(n(s.x(m.point))) y2=(n(axis_y)) stroke="#1a4f9c" stroke-width="1" stroke-dasharray="3 3" {}
                        polygon points={ (n(s.x(m.point))) "," (n(axis_y + 22.0)) " " (n(s.x(m.point) - 6.0)) "," (n(axis_y + 32.0)) " " (n(s.x(m.point) + 6.0)) "," (n(axis_y + 32.0)) } fill="#1a4f9c" {
                            title { "Adopted: " (m.label) }
                        }
                        @let x = s.x(m.point);
                        @let anchor = if x < LEFT + 30.0 { "start" } else if x > WIDTH - RIGHT - 30.0 { "end" } else { "middle" };
                        text x=(n(x)) y=(n(axis_y + 46.0)) font-size=(TEXT) fill="#1a4f9c" text-anchor=(anchor) { "adopted" }
                    }
                }
            }
            @for t in &chart.tests {
                @if t.point < chart.values.len() {
                    @let x = s.x(t.point);
                    @let y = axis_y + 27.0;
                    polygon class="tested" points={ (n(x)) "," (n(y - 5.0)) " " (n(x + 5.0)) "," (n(y)) " " (n(x)) "," (n(y + 5.0)) " " (n(x - 5.0)) "," (n(y)) } fill="#fff" stroke="#1a4f9c" stroke-width="1.5" {
                        title { "Tested: " (t.label) }
                    }
                }
            }
            path class="series" d=(path) fill="none" stroke="#444" stroke-width="1.5" {}
            @if chart.compact {
                @for (class, colour, width, d) in dot_paths(chart, &s) {
                    path class=(class) d=(d) fill="none" stroke=(colour) stroke-width=(width) stroke-linecap="round" {}
                }
            } @else {
            @for (i, v) in chart.values.iter().enumerate() {
                @let flag = chart.flags.iter().find(|f| f.point == i);
                @let label = chart.labels.get(i).cloned().unwrap_or_default();
                @match flag {
                    Some(f) => {
                        circle class=(flag_class(f.reading)) cx=(n(s.x(i))) cy=(n(s.y(*v))) r="5.5" fill=(flag_colour(f.reading)) stroke="#fff" stroke-width="1" data-point=(i) {
                            title { (label) ": " (value_text(*v)) ". " (f.why) }
                        }
                    }
                    None => {
                        circle class="point" cx=(n(s.x(i))) cy=(n(s.y(*v))) r="3.5" fill="#444" data-point=(i) {
                            title { (label) ": " (value_text(*v)) }
                        }
                    }
                }
            }
            }
        }
        @if !chart.compact { (legend(chart)) }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn chart() -> Chart {
        Chart {
            id: "run".into(),
            title: "Run chart of <Plans>".into(),
            description: "Median 5".into(),
            labels: (1..=8).map(|i| format!("w{i}")).collect(),
            values: vec![1., 2., 3., 4., 5., 6., 7., 8.],
            lines: vec![
                Line {
                    from: 0,
                    to: 4,
                    value: 2.5,
                    kind: LineKind::Centre,
                    label: "Mean".into(),
                },
                Line {
                    from: 4,
                    to: 8,
                    value: 6.5,
                    kind: LineKind::Centre,
                    label: "Mean".into(),
                },
                Line {
                    from: 0,
                    to: 8,
                    value: 7.0,
                    kind: LineKind::Target,
                    label: "Target".into(),
                },
            ],
            flags: vec![
                Flag {
                    point: 6,
                    reading: Some(Reading::Improvement),
                    why: "Shift".into(),
                },
                Flag {
                    point: 7,
                    reading: Some(Reading::Concern),
                    why: "Shift".into(),
                },
            ],
            marks: vec![Mark {
                point: 4,
                label: "Risk guide".into(),
            }],
            tests: vec![Mark {
                point: 2,
                label: "Ask first (2026-02-03)".into(),
            }],
            recalculations: vec![4],
            unit: "visits".into(),
            percent: false,
            compact: false,
        }
    }

    #[test]
    fn every_point_is_drawn_and_signals_are_highlighted() {
        let svg = draw(&chart()).into_string();
        assert_eq!(svg.matches("data-point=").count(), 8);
        assert_eq!(svg.matches("class=\"point\"").count(), 6);
        assert_eq!(svg.matches("signal improvement").count(), 1);
        assert_eq!(svg.matches("signal concern").count(), 1);
        assert!(svg.contains("w7: 7. Shift"));
    }

    #[test]
    fn lines_marks_and_recalculation_are_where_they_belong() {
        let svg = draw(&chart()).into_string();
        assert_eq!(svg.matches("class=\"line-centre\"").count(), 2);
        assert_eq!(svg.matches("class=\"line-target\"").count(), 1);
        assert!(svg.contains("limits recalculated"));
        assert!(svg.contains("Adopted: Risk guide"));
        // The second phase's mean line starts half way between points 4 and 5 (indices 3, 4).
        let s = scale(&chart());
        let boundary = (s.x(3) + s.x(4)) / 2.0;
        assert!(svg.contains(&format!("x1=\"{}\"", n(boundary))));
        // y grows downwards: a higher value is nearer the top.
        assert!(s.y(8.0) < s.y(1.0));
    }

    #[test]
    fn the_chart_has_a_text_alternative_and_escapes_text() {
        let svg = draw(&chart()).into_string();
        assert!(svg.contains("role=\"img\""));
        assert!(svg.contains("aria-labelledby=\"run-title run-desc\""));
        assert!(svg.contains("<title id=\"run-title\">Run chart of &lt;Plans&gt;</title>"));
    }

    #[test]
    fn the_time_axis_names_at_most_three_periods_from_first_to_last() {
        assert_eq!(time_labels(0), vec![]);
        assert_eq!(time_labels(1), vec![(0, "middle")]);
        assert_eq!(time_labels(2), vec![(0, "start"), (1, "end")]);
        assert_eq!(
            time_labels(30),
            vec![(0, "start"), (15, "middle"), (29, "end")]
        );
        assert_eq!(
            time_labels(3),
            vec![(0, "start"), (1, "middle"), (2, "end")]
        );
        assert_eq!(time_labels(4), vec![(0, "start"), (3, "end")], "no room");
        let svg = draw(&chart()).into_string();
        assert_eq!(svg.matches(">w1<").count() + svg.matches(">w8<").count(), 2);
        assert_eq!(
            chart()
                .labels
                .iter()
                .filter(|l| svg.contains(&format!(">{l}<")))
                .count(),
            3
        );
    }

    #[test]
    fn the_value_axis_has_round_ticks_in_the_measures_unit() {
        assert_eq!(tick_step(18.9, 5), 5.0);
        assert_eq!(tick_step(0.34, 5), 0.1);
        assert_eq!(tick_step(100.0, 5), 20.0);
        assert_eq!(tick_step(7.0, 5), 2.0);
        // A limit at 28.4 and points from 30 to 80: ticks at every 20, from 20 to 80.
        let wide = Chart {
            values: vec![30.0, 45.5, 77.8, 80.0],
            lines: vec![Line {
                from: 0,
                to: 4,
                value: 28.4,
                kind: LineKind::Limit,
                label: "Lower limit".into(),
            }],
            percent: true,
            unit: "%".into(),
            ..chart()
        };
        let s = scale(&wide);
        assert_eq!(
            s.ticks(),
            vec![20.0, 40.0, 60.0, 80.0],
            "a step of 10 makes too many"
        );
        let svg = draw(&wide).into_string();
        for t in ["20%", "60%", "80%"] {
            assert!(svg.contains(&format!(">{t}<")), "{t} in {svg}");
        }
        assert!(!svg.contains("8.45") && !svg.contains(">-"));
        // A percentage's axis never runs below 0 or above 100.
        let low = Chart {
            values: vec![0.0, 2.0, 97.0, 100.0],
            lines: Vec::new(),
            ..wide
        };
        let s = scale(&low);
        assert_eq!((s.lo, s.hi), (0.0, 100.0));
        // Small values get the decimals their step needs, and the unit is named.
        let small = Chart {
            values: vec![0.12, 0.2, 0.31],
            lines: Vec::new(),
            ..chart()
        };
        let s = scale(&small);
        assert_eq!(s.tick_text(0.1, false), "0.10");
        assert_eq!(s.tick_text(-0.0001, false), "0.00");
        assert!(draw(&small).into_string().contains(">visits<"));
    }

    #[test]
    fn the_legend_names_what_the_chart_shows() {
        let entries: Vec<String> = legend_entries(&chart())
            .into_iter()
            .map(|(_, words)| words)
            .collect();
        assert_eq!(
            entries,
            [
                "Values",
                "Mean",
                "Target",
                "Signal of improvement",
                "Signal of concern",
                "Change adopted",
                "Cycle tested",
                "Limits recalculated"
            ]
        );
        let svg = draw(&chart()).into_string();
        assert!(
            svg.contains("<title>Tested: Ask first (2026-02-03)</title>"),
            "{svg}"
        );
        assert_eq!(svg.matches("class=\"tested\"").count(), 1);
        let bare = Chart {
            id: "b".into(),
            values: vec![1.0, 2.0],
            ..Chart::default()
        };
        assert_eq!(legend_entries(&bare).len(), 1);
        let svg = draw(&chart()).into_string();
        assert!(svg.contains("data-legend=\"run\""));
        assert!(svg.contains("data-entry=\"target\""));
    }

    #[test]
    fn a_compact_chart_draws_its_points_as_one_path_of_dots_for_each_kind() {
        let compact = Chart {
            compact: true,
            ..chart()
        };
        let svg = draw(&compact).into_string();
        assert!(!svg.contains("data-point="), "no circle a point");
        assert!(
            !svg.contains("data-legend"),
            "the page has one legend for all"
        );
        for class in [
            "class=\"point\"",
            "class=\"signal improvement\"",
            "class=\"signal concern\"",
        ] {
            assert_eq!(svg.matches(class).count(), 1, "{class}");
        }
        // Six plain points, each a dot in the one path.
        let plain = svg.split("class=\"point\" d=\"").nth(1).unwrap();
        assert_eq!(plain.split('"').next().unwrap().matches("h0").count(), 6);
        // Adoptions are one path of lines and one of triangles, without a label each.
        let many = Chart {
            marks: (0..5)
                .map(|point| Mark {
                    point,
                    label: format!("Change {point}"),
                })
                .collect(),
            ..compact.clone()
        };
        let svg = draw(&many).into_string();
        assert_eq!(svg.matches("class=\"adoption\"").count(), 1);
        let adoption = svg.split("class=\"adoption\"").nth(1).unwrap();
        let group = &adoption[..adoption.find("</g>").unwrap()];
        assert_eq!(group.matches("<path").count(), 2);
        assert_eq!(group.matches('z').count(), 5, "five triangles");
        assert!(!svg.contains("Adopted: Change"), "no tooltip apiece");
        assert!(!svg.contains(">adopted<"), "no label apiece");
    }

    #[test]
    fn a_flat_or_empty_series_still_draws() {
        let flat = Chart {
            id: "f".into(),
            values: vec![3.0; 4],
            labels: vec![String::new(); 4],
            ..Chart::default()
        };
        let svg = draw(&flat).into_string();
        assert!(!svg.contains("NaN"));
        let empty = Chart {
            id: "e".into(),
            ..Chart::default()
        };
        assert!(!draw(&empty).into_string().contains("NaN"));
    }
}
