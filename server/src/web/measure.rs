//! The measure page: its definition, a run chart and an XmR chart drawn as SVG with
//! every signal highlighted and explained in one sentence, the cycles adopted on the
//! time axis, limits recalculated from a chosen point (an adoption proposes its own),
//! and the data as a table. It reads the same `MeasureChart` view as
//! `GET /api/v1/measures/{id}/chart`. The team sets how many first points the run
//! chart's median rests on (`POST /measures/{id}/baseline`).

use super::RecordPath;
use super::forms::{Draft, FormOf, may, problem, record_form, refused_form, see_other, typed};
use super::layout::{csrf_field, page, scrolling};
use super::measure_charts::{
    icons, labels, reading_class, reading_text, run_svg, unit_text, xmr_svg,
};
use super::svg;
use super::{SignedIn, WebError, html_page};
use crate::access::{self, Id, Need, Route};
use crate::error::ServerError;
use crate::state::AppState;
use crate::storage::StreamAccess;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::Response;
use maud::{Markup, html};
use praxis_core::domain::charts::run_chart::BASELINE_POINTS;
use praxis_core::domain::charts::{Signal, Warning};
use praxis_core::domain::event::{Event, EventKind};
use praxis_core::domain::ids::EventId;
use praxis_core::domain::measure_chart::MeasureChart;
use praxis_core::domain::validation::BASELINE_RANGE;
use praxis_core::protocol::ChartQuery;

fn signal_list(signals: &[Signal], empty: &str) -> Markup {
    html! {
        @if signals.is_empty() {
            p { (empty) }
        } @else {
            ul.signals {
                @for s in signals {
                    li class=(reading_class(s.reading)) data-rule=(format!("{:?}", s.rule)) {
                        strong { (reading_text(s.reading)) ": " }
                        (s.explanation)
                    }
                }
            }
        }
    }
}

fn warning_list(warnings: &[Warning]) -> Markup {
    html! {
        @for w in warnings {
            p.warning data-warning=(format!("{:?}", w.kind)) { (w.message) }
        }
    }
}

fn recalculate_link(id: impl std::fmt::Display, points: &[usize]) -> String {
    if points.is_empty() {
        format!("/measures/{id}")
    } else {
        let list: Vec<String> = points.iter().map(|p| p.to_string()).collect();
        format!("/measures/{id}?from={}", list.join(","))
    }
}

pub async fn measure(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(id, ..): RecordPath,
    Query(q): Query<ChartQuery>,
) -> Result<Response, WebError> {
    render(state, who, route, id, q, None).await
}

/// The measure page, with a refused form shown again as it was typed (`draft`).
async fn render(
    state: AppState,
    who: SignedIn,
    route: Route,
    id: EventId,
    q: ChartQuery,
    draft: Option<Draft>,
) -> Result<Response, WebError> {
    let person = who.session.person;
    let (access, view) = super::measure_charts::read_chart(&state, person, route, id, &q).await?;
    let (name, content) = content(view, &access, &who, draft.as_ref());
    Ok(html_page(page(&name, Some(&who.session), content)))
}

/// The page's title and content, for a measure's charts (the live ones, or those of
/// a replica as it stood).
pub fn content(
    view: MeasureChart,
    access: &StreamAccess,
    who: &SignedIn,
    draft: Option<&Draft>,
) -> (String, Markup) {
    let id = view.series.id;
    let stream = access.stream_id;
    let name = view
        .series
        .definition
        .as_ref()
        .map(|d| d.name.clone())
        .unwrap_or_else(|| "Measure in conflict".into());
    let run = run_svg(&view, "run-chart");
    let xmr = xmr_svg(&view, "xmr-chart");
    let content = html! {
        nav aria-label="Breadcrumb" { a href={ "/projects/" (stream) } { "Back to the team project" } }
        h1 { (name) }
        @if let Some(d) = draft { (d.notice()) }
        (icons(&view))
        @if let Some(d) = &view.series.definition {
            dl {
                dt { "Kind" } dd { (d.kind.words()) " measure, " (d.frequency.words()) }
                dt { "Definition" } dd { (d.operational_definition) }
                dt { "Unit" } dd { (unit_text(&d.unit)) }
                dt { "Direction of improvement" } dd { (d.direction.words()) }
                dt { "Target" } dd { @match d.target { Some(t) => (svg::value_text(t)), None => "none set" } }
            }
        }
        @if let Some(p) = &view.problem {
            p.error role="alert" { (p) }
        }
        @if view.series.points.is_empty() {
            p.notice { "No measurements have been recorded yet." }
        }
        @if let (Some(chart), Some(rc)) = (&run, &view.run_chart) {
            section aria-labelledby="run-heading" {
                h2 id="run-heading" { "Run chart" }
                figure.chart { (svg::draw(chart)) figcaption.muted { "Median frozen after its first " (baseline_of(&view)) " points and extended, with a new median from each adopted change; signals by Perla, Provost & Murray's rules are highlighted (blue: improvement, orange: concern)." } }
                h3 { "What the run chart shows" }
                (signal_list(&rc.signals, "No shift, trend, unusual number of runs or astronomical point: the variation looks like chance alone."))
                @if let Some(a) = &rc.anhoej {
                    p.muted { "Anhøj's rules: longest run " (a.longest_run) " (signal above " (a.longest_run_limit) "), " (a.crossings) " median crossings (signal below " (a.fewest_crossings) ")." }
                }
                (warning_list(&rc.warnings))
                (baseline_section(&view, (access, who, draft)))
            }
        }
        @if let (Some(chart), Some(x)) = (&xmr, &view.xmr) {
            section aria-labelledby="xmr-heading" {
                h2 id="xmr-heading" { "XmR chart" }
                figure.chart { (svg::draw(chart)) figcaption.muted { "Mean and process limits (mean ± 2.66 × mean moving range) for each phase, a percentage's limits kept within 0 and 100; special causes by Making Data Count's four rules (two of three as NHSRplotthedots reads it) are highlighted." } }
                h3 { "What the XmR chart shows" }
                (signal_list(&x.signals, "No special cause: the process is stable within its limits."))
                @if let Some(a) = &x.assurance {
                    p.notice data-assurance=(format!("{:?}", a.assurance)) { strong { "Target: " } (a.explanation) }
                }
                (warning_list(&x.warnings))
                (scrolling("Phases", html! { table {
                    caption { "Phases" }
                    thead { tr { th { "From" } th { "To" } th.num { "Mean" } th.num { "Lower limit" } th.num { "Upper limit" } } }
                    tbody {
                        @for p in &x.phases {
                            tr {
                                td { (labels(&view).get(p.start).cloned().unwrap_or_default()) }
                                td { (labels(&view).get(p.end.saturating_sub(1)).cloned().unwrap_or_default()) }
                                td.num { (svg::value_text(p.mean)) }
                                td.num { @match p.lower { Some(v) => (svg::value_text(v)), None => "none" } }
                                td.num { @match p.upper { Some(v) => (svg::value_text(v)), None => "none" } }
                            }
                        }
                    }
                } }))
            }
        }
        section aria-labelledby="recalc-heading" {
            h2 id="recalc-heading" { "Recalculating the limits" }
            @if let Some(p) = view.xmr.as_ref().and_then(|x| x.proposal.as_ref()) {
                p.notice {
                    (p.explanation) " "
                    a href=(recalculate_link(id, &with_point(&view.recalculated_from, p.from))) data-propose-shift=(p.from) { "Recalculate the limits from " (labels(&view).get(p.from).cloned().unwrap_or_default()) }
                }
            }
            @if view.recalculated_from.is_empty() {
                p { "The limits are calculated from all the points." }
            } @else {
                p { "Limits are recalculated from: "
                    @for (i, p) in view.recalculated_from.iter().enumerate() {
                        @if i > 0 { ", " }
                        (labels(&view).get(*p).cloned().unwrap_or_else(|| format!("point {}", p + 1)))
                    }
                    ". " a href=(recalculate_link(id, &[])) { "Calculate from all the points again" }
                }
            }
            @if !view.adoptions.is_empty() {
                h3 { "Changes adopted" }
                ul {
                    @for a in &view.adoptions {
                        li {
                            a href={ "/cycles/" (a.cycle) } { (a.objective) }
                            " adopted on " (a.adopted_on) ". "
                            @match a.point {
                                Some(p) => {
                                    a href=(recalculate_link(id, &[p])) data-propose=(p) { "Recalculate the limits from " (labels(&view).get(p).cloned().unwrap_or_default()) }
                                }
                                None => span.muted { "No measurement since yet." }
                            }
                        }
                    }
                }
            }
            @if view.series.points.len() > 1 {
                form method="get" action={ "/measures/" (id) } {
                    label for="from" { "Recalculate the limits from " }
                    select id="from" name="from" {
                        @for (i, p) in view.series.points.iter().enumerate().skip(1) {
                            option value=(i) selected[view.recalculated_from.contains(&i)] { (p.period_start) }
                        }
                    }
                    " "
                    button type="submit" { "Recalculate" }
                }
            }
        }
        section aria-labelledby="data-heading" {
            h2 id="data-heading" { "The data" }
            p { a href={ "/measures/" (id) "/data.csv" (q_suffix(&view.recalculated_from)) } { "Download as CSV, with the signals" } }
            (scrolling("The data", html! { table {
                thead { tr { th { "Period" } th.num { "Value" } th { "Signals" } th { "Note" } } }
                tbody {
                    @for (i, p) in view.series.points.iter().enumerate() {
                        tr data-point=(i) {
                            td { (p.period_start) " to " (p.period_end) }
                            td.num { (svg::value_text(p.plotted)) }
                            td { @for (k, s) in view.signals_at(i).enumerate() { @if k > 0 { ", " } span class=(reading_class(s.signal.reading)) { (s.signal.label()) " on the " (s.chart.words()) } } }
                            td { (p.note) @if p.corrected { " (corrected)" } }
                        }
                    }
                }
            } }))
        }
    };
    (name, content)
}

fn q_suffix(points: &[usize]) -> String {
    if points.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = points.iter().map(|p| p.to_string()).collect();
        format!("?from={}", list.join(","))
    }
}

/// The recalculation points with `point` added.
fn with_point(points: &[usize], point: usize) -> Vec<usize> {
    let mut all = points.to_vec();
    all.push(point);
    all.sort_unstable();
    all.dedup();
    all
}

/// How many first points the run chart's median rests on.
fn baseline_of(view: &MeasureChart) -> usize {
    view.series
        .baseline_points()
        .map(usize::from)
        .unwrap_or(BASELINE_POINTS)
}

/// The run chart's baseline: how many first points its median rests on, settings made
/// without seeing each other, and the form that sets it.
fn baseline_section(
    view: &MeasureChart,
    (access, who, draft): (&StreamAccess, &SignedIn, Option<&Draft>),
) -> Markup {
    let id = view.series.id;
    let of = FormOf::Baseline(id);
    let settings = &view.series.baseline_settings;
    let points = match typed(draft, of, "points") {
        "" => baseline_of(view).to_string(),
        typed => typed.to_string(),
    };
    html! {
        h3 id="baseline" { "Baseline" }
        p data-baseline=(baseline_of(view)) {
            "The median rests on the first " (baseline_of(view)) " points"
            @if view.series.baseline_points().is_some() { ", as set for this measure." } @else { ", the usual number." }
        }
        @if settings.len() > 1 {
            p.concern data-baseline-conflict=(settings.len()) {
                "Baselines of "
                @for (i, (_, n)) in settings.iter().enumerate() { @if i > 0 { " and " } (n) }
                " points were set without seeing each other; the usual " (BASELINE_POINTS) " are used until a new setting replaces them all."
            }
        }
        @if may(access, EventKind::BaselineSet) {
            form.stacked id=(of.anchor()) method="post" action={ "/measures/" (id) "/baseline" } {
                (problem(draft, of))
                (csrf_field(&who.session))
                @for (setting, _) in settings { input type="hidden" name="replaces" value=(setting); }
                label for="points" { "Freeze the median after this many first points (" (BASELINE_RANGE.start()) " to " (BASELINE_RANGE.end()) ")" }
                input id="points" name="points" type="number" min=(BASELINE_RANGE.start()) max=(BASELINE_RANGE.end()) required value=(points);
                button type="submit" { "Set the baseline" }
            }
        }
    }
}

/// `POST /measures/{id}/baseline`: a member of the team sets how many first points the
/// run chart's median rests on, replacing the settings the page showed.
pub async fn set_baseline(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(measure, ..): RecordPath,
    body: Bytes,
) -> Result<Response, WebError> {
    let fields = super::forms::form_fields(&body);
    who.check_csrf(super::forms::field(&fields, "csrf"))?;
    let person = who.session.person;
    let (stream, _) = state
        .with(move |s| access::check_record(s, person, measure, Need::Member))
        .await?;
    let typed = super::forms::field(&fields, "points").to_string();
    let recorded = record_form(&state, person, stream, || {
        let points: u16 = typed.trim().parse().map_err(|_| {
            ServerError::BadRequest(format!(
                "'{typed}' is not a number of points: give a whole number from {} to {}.",
                BASELINE_RANGE.start(),
                BASELINE_RANGE.end()
            ))
        })?;
        let replaces = fields
            .iter()
            .filter(|(n, _)| n == "replaces")
            .map(|(_, v)| access::parse_id::<EventId>(v))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Event::BaselineSet {
            measure,
            replaces,
            points,
        })
    })
    .await;
    match recorded {
        Ok(_) => Ok(see_other(format!("/measures/{measure}#baseline"))),
        Err(e) => {
            let typed = vec![("points".to_string(), typed)];
            refused_form(FormOf::Baseline(measure), typed, e, |draft| {
                render(
                    state,
                    who,
                    route,
                    measure,
                    ChartQuery::default(),
                    Some(draft),
                )
            })
            .await
        }
    }
}
