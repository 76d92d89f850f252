//! How a measure is drawn and worded on every page: its run and XmR charts as SVG
//! (with the signals flagged and the cycles adopted marked), and the words for its
//! kind, frequency, unit, direction and readings.

use super::svg::{self, Chart, Flag, Line, LineKind, Mark};
use crate::access::{self, Need, Of, Reader, Route};
use crate::error::ServerError;
use crate::state::AppState;
use crate::storage::StreamAccess;
use maud::{Markup, html};
use praxis_core::domain::charts::icons::{Icon, Icons};
use praxis_core::domain::charts::{Reading, Signal};
use praxis_core::domain::event::{MeasureDefinition, MeasureUnit};
use praxis_core::domain::ids::EventId;
use praxis_core::domain::measure_chart::MeasureChart;
use praxis_core::protocol::ChartQuery;

/// A measure's charts, limits recalculated from the points the query names, read by
/// the person signed in: the one read the measure page and its CSV share.
pub async fn read_chart(
    state: &AppState,
    person: praxis_core::domain::ids::PersonId,
    route: Route,
    id: EventId,
    query: &ChartQuery,
) -> Result<(StreamAccess, MeasureChart), ServerError> {
    let from = query.points().map_err(ServerError::BadRequest)?;
    access::read_on(
        state,
        Reader::Browser(person),
        route,
        Of::Record(id),
        Need::Member,
        move |s, _| {
            s.measure_chart(id, &from)?
                .ok_or_else(|| ServerError::NotFound(format!("{id} is not a measure.")))
        },
    )
    .await
}

pub fn unit_text(u: &MeasureUnit) -> String {
    match u {
        MeasureUnit::Unit(u) => u.clone(),
        MeasureUnit::Ratio {
            numerator,
            denominator,
        } => format!("% ({numerator} of {denominator})"),
    }
}

/// The unit named above a chart's value axis.
fn axis_unit(u: &MeasureUnit) -> String {
    match u {
        MeasureUnit::Unit(u) => u.clone(),
        MeasureUnit::Ratio { .. } => "%".into(),
    }
}

pub fn reading_class(r: Option<Reading>) -> &'static str {
    match r {
        Some(Reading::Improvement) => "improvement",
        Some(Reading::Concern) => "concern",
        None => "neutral",
    }
}

pub fn reading_text(r: Option<Reading>) -> &'static str {
    match r {
        Some(Reading::Improvement) => "Improvement",
        Some(Reading::Concern) => "Concern",
        None => "Signal",
    }
}

fn flags(signals: &[Signal]) -> Vec<Flag> {
    let mut flags: Vec<Flag> = Vec::new();
    for s in signals {
        for p in &s.points {
            match flags.iter_mut().find(|f| f.point == *p) {
                // A point in several signals names each once.
                Some(f) if f.why.contains(s.explanation.as_str()) => {}
                Some(f) => {
                    f.why.push(' ');
                    f.why.push_str(&s.explanation);
                    if f.reading.is_none() {
                        f.reading = s.reading;
                    }
                }
                None => flags.push(Flag {
                    point: *p,
                    reading: s.reading,
                    why: s.explanation.clone(),
                }),
            }
        }
    }
    flags
}

fn marks(view: &MeasureChart) -> Vec<Mark> {
    view.adoptions
        .iter()
        .filter_map(|a| {
            a.point.map(|point| Mark {
                point,
                label: a.objective.clone(),
            })
        })
        .collect()
}

/// The cycles tested but not adopted, each at its test.
fn tested(view: &MeasureChart) -> Vec<Mark> {
    view.tests
        .iter()
        .filter_map(|t| {
            t.point.map(|point| Mark {
                point,
                label: format!("{} ({})", t.objective, t.tested_on),
            })
        })
        .collect()
}

pub fn labels(view: &MeasureChart) -> Vec<String> {
    view.series
        .points
        .iter()
        .map(|p| p.period_start.to_string())
        .collect()
}

fn target_line(definition: &MeasureDefinition, count: usize) -> Option<Line> {
    definition.target.map(|t| Line {
        from: 0,
        to: count,
        value: t,
        kind: LineKind::Target,
        label: "Target".into(),
    })
}

/// The run chart as an SVG chart, or `None` when it cannot be drawn.
pub fn run_svg(view: &MeasureChart, id: &str) -> Option<Chart> {
    let run = view.run_chart.as_ref()?;
    let definition = view.series.definition.as_ref()?;
    let count = view.series.points.len();
    // Each stretch's median, frozen after its baseline and extended to its end.
    let lines_of_median = run.stretches.iter().map(|s| Line {
        from: s.start,
        to: s.end,
        value: s.median,
        kind: LineKind::Centre,
        label: "Median".into(),
    });
    let mut lines: Vec<Line> = lines_of_median.collect();
    lines.extend(target_line(definition, count));
    Some(Chart {
        id: id.into(),
        title: format!("Run chart of {}", definition.name),
        description: format!(
            "{} points{}; {} signal(s): {}",
            count,
            run.median
                .map(|m| format!(", median {}", svg::value_text(m)))
                .unwrap_or_default(),
            run.signals.len(),
            run.signals
                .iter()
                .map(|s| s.explanation.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ),
        labels: labels(view),
        values: view.series.points.iter().map(|p| p.plotted).collect(),
        lines,
        flags: flags(&run.signals),
        marks: marks(view),
        tests: tested(view),
        recalculations: Vec::new(),
        unit: axis_unit(&definition.unit),
        percent: matches!(definition.unit, MeasureUnit::Ratio { .. }),
        compact: false,
    })
}

/// The XmR chart as an SVG chart, or `None` when it cannot be drawn.
pub fn xmr_svg(view: &MeasureChart, id: &str) -> Option<Chart> {
    let xmr = view.xmr.as_ref()?;
    let definition = view.series.definition.as_ref()?;
    let count = view.series.points.len();
    let mut lines = Vec::new();
    for phase in &xmr.phases {
        lines.push(Line {
            from: phase.start,
            to: phase.end,
            value: phase.mean,
            kind: LineKind::Centre,
            label: "Mean".into(),
        });
        for (limit, name) in [(phase.upper, "Upper limit"), (phase.lower, "Lower limit")] {
            if let Some(v) = limit {
                lines.push(Line {
                    from: phase.start,
                    to: phase.end,
                    value: v,
                    kind: LineKind::Limit,
                    label: name.into(),
                });
            }
        }
    }
    lines.extend(target_line(definition, count));
    Some(Chart {
        id: id.into(),
        title: format!("XmR chart of {}", definition.name),
        description: format!(
            "{} points in {} phase(s); {} special cause signal(s): {}",
            count,
            xmr.phases.len(),
            xmr.signals.len(),
            xmr.signals
                .iter()
                .map(|s| s.explanation.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ),
        labels: labels(view),
        values: view.series.points.iter().map(|p| p.plotted).collect(),
        lines,
        flags: flags(&xmr.signals),
        marks: marks(view),
        tests: Vec::new(),
        recalculations: xmr.phases.iter().map(|p| p.start).collect(),
        unit: axis_unit(&definition.unit),
        percent: matches!(definition.unit, MeasureUnit::Ratio { .. }),
        compact: false,
    })
}

/// One of Making Data Count's icons as a labelled badge: a disc in the icon's colour
/// with its letter (styled text, light enough for a printed page of hundreds), the
/// label beside it, and the sentence a screen reader says.
fn badge<K: std::fmt::Debug>(icon: &Icon<K>, letter: &str) -> Markup {
    html! {
        span.badge data-icon=(format!("{:?}", icon.kind)) data-provisional[icon.provisional] {
            span.icon role="img" aria-label=(icon.words) style={ "background-color: " (icon.colour) } { (letter) }
            " " span aria-hidden="true" { (icon.label) @if icon.provisional { " (provisional)" } }
        }
    }
}

/// The measure's variation and assurance icons for its current phase, with why one is
/// missing or provisional.
pub fn icons(view: &MeasureChart) -> Markup {
    match view.xmr.as_ref() {
        Some(x) => icon_badges(&x.icons),
        None => html! {},
    }
}

/// The badges of a measure's icons, with the notes on any missing or provisional.
pub fn icon_badges(icons: &Icons) -> Markup {
    html! {
        p.icons {
            @if let Some(v) = &icons.variation {
                @let letter = match v.label.as_str() {
                    l if l.contains("(high)") => "H",
                    l if l.contains("(low)") => "L",
                    _ => "~",
                };
                (badge(v, letter)) " "
            }
            @if let Some(a) = &icons.assurance {
                @let letter = match a.kind {
                    praxis_core::domain::charts::icons::AssuranceIcon::ConsistentlyMet => "P",
                    praxis_core::domain::charts::icons::AssuranceIcon::ConsistentlyMissed => "F",
                    praxis_core::domain::charts::icons::AssuranceIcon::HitAndMiss => "?",
                };
                (badge(a, letter))
            }
            @for n in &icons.notes { " " span.muted { (n) } }
        }
    }
}

/// A measure's run chart, small, as the project page and the board report show it;
/// or why it cannot be drawn. `compact` draws its points as dots without tooltips, for
/// a page of many charts meant for print.
pub fn small_chart(chart: &MeasureChart, compact: bool) -> Markup {
    let id = format!("run-{}", chart.series.id);
    html! {
        @if let Some(c) = run_svg(chart, &id).map(|c| svg::Chart { compact, ..c }) {
            figure.chart { (svg::draw(&c)) }
        } @else if let Some(p) = &chart.problem {
            p.error { (p) }
        }
    }
}
