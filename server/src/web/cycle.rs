//! The cycle page: the whole Plan, Do, Study and Act, its observations, the
//! measurements of the project's measures in the cycle's period, and the cycles it
//! follows and leads to. It reads the same `CycleView` as `GET /api/v1/cycles/{id}`.
//! Its Study shows each checkable prediction beside the data of the cycle's period and
//! the signals that followed, flagging those the data contradict; the team makes a
//! prediction checkable with a form (`POST /cycles/{id}/expectations`).

use super::RecordPath;
use super::forms::{
    Draft, FormOf, as_typed, fields, may, problem, record_form, refused_form, see_other, typed,
};
use super::layout::{csrf_field, page, scrolling};
use super::svg::value_text;
use super::{SignedIn, WebError, html_page};
use crate::access::{self, Id, Need, Of, Reader, Route};
use crate::error::ServerError;
use crate::state::AppState;
use crate::storage::{StreamAccess, Views};
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::response::Response;
use maud::{Markup, html};
use praxis_core::dates::{parse_day, today};
use praxis_core::domain::event::{Event, EventKind, Expectation, ExpectedChange};
use praxis_core::domain::ids::EventId;
use praxis_core::domain::prediction_check::{PredictionCheck, Verdict, change_words, test_day};
use praxis_core::domain::views::{CycleView, MeasureSeries};
use serde::Deserialize;
use time::Date;

/// The cycle's period: from its Plan's date to its last Do (or the Plan's date).
fn period(view: &CycleView) -> Option<(Date, Date)> {
    let start = view.plan.as_ref()?.when;
    let end = view
        .dos
        .iter()
        .map(|(_, d)| d.carried_out_on)
        .max()
        .unwrap_or(start)
        .max(start);
    Some((start, end))
}

pub async fn cycle(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(id, ..): RecordPath,
) -> Result<Response, WebError> {
    render(state, who, route, id, None).await
}

/// What the cycle page shows, read from `views` (the live ones, or a replica as it
/// stood) on `today`.
pub struct CycleRead {
    view: CycleView,
    series: Vec<MeasureSeries>,
    objectives: Vec<(EventId, String)>,
    checks: Vec<PredictionCheck>,
}

pub fn read(
    views: &dyn Views,
    access: &StreamAccess,
    id: EventId,
    today: Date,
) -> Result<CycleRead, ServerError> {
    let view = views
        .cycle(id)?
        .ok_or_else(|| ServerError::NotFound(format!("{id} is not a cycle.")))?;
    let detail = views.project_detail(access.stream_id)?;
    let mut series: Vec<MeasureSeries> = Vec::new();
    for m in &detail.overview.measures {
        if let Some(ms) = views.measure(m.id)? {
            series.push(ms);
        }
    }
    let objectives = detail
        .overview
        .cycles_by_stage
        .values()
        .flatten()
        .map(|c| (c.id, c.objective.clone()))
        .collect();
    let checks = views.prediction_checks(id, today)?;
    Ok(CycleRead {
        view,
        series,
        objectives,
        checks,
    })
}

/// The cycle page, with a refused form shown again as it was typed (`draft`).
async fn render(
    state: AppState,
    who: SignedIn,
    route: Route,
    id: EventId,
    draft: Option<Draft>,
) -> Result<Response, WebError> {
    let person = who.session.person;
    let (access, read) = state
        .with(move |s| {
            access::read(
                s,
                &Reader::Browser(person),
                &route,
                Of::Record(id),
                Need::Member,
                |s, access| read(s, access, id, today()),
            )
        })
        .await?;
    let (title, content) = content(read, &access, &who, draft.as_ref());
    Ok(html_page(page(&title, Some(&who.session), content)))
}

/// The page's title and content.
pub fn content(
    read: CycleRead,
    access: &StreamAccess,
    who: &SignedIn,
    draft: Option<&Draft>,
) -> (String, Markup) {
    let CycleRead {
        view,
        series,
        objectives,
        checks,
    } = read;
    let stream = access.stream_id;
    let objective_of = |id| {
        objectives
            .iter()
            .find(|(c, _)| *c == id)
            .map(|(_, o)| o.clone())
            .unwrap_or_else(|| format!("cycle {id}"))
    };
    let title = view
        .plan
        .as_ref()
        .map(|p| p.objective.clone())
        .unwrap_or_else(|| "Cycle".into());
    let span = period(&view);
    let content = html! {
        nav aria-label="Breadcrumb" { a href={ "/projects/" (stream) } { "Back to the team project" } }
        h1 { (title) }
        @if let Some(d) = draft { (d.notice()) }
        p.muted { "Stage: " (view.stage.label()) }
        @if let Some(f) = view.follows { p { "Follows " a href={ "/cycles/" (f) } { (objective_of(f)) } } }
        section aria-labelledby="plan-heading" {
            h2 id="plan-heading" { "Plan" }
            @if let Some(p) = &view.plan {
                dl {
                    dt { "Objective" } dd { (p.objective) }
                    dt { "Who" } dd { (p.who) }
                    dt { "What" } dd { (p.what) }
                    dt { "Where" } dd { (p.where_) }
                    dt { "When" } dd { (p.when) }
                    dt { "Data to collect" } dd { (p.data_to_collect) }
                }
                h3 { "Questions and predictions" }
                ul { @for q in &p.predictions { li { (q.question) " — predicted: " (q.prediction) " (because " (q.reason) ")" } } }
            }
        }
        section aria-labelledby="do-heading" {
            h2 id="do-heading" { "Do" }
            @if view.dos.is_empty() { p { "Not carried out yet." } }
            @for (_, d) in &view.dos {
                dl {
                    dt { "Carried out" } dd { (d.carried_out_on) " by " (d.carried_out_by) }
                    dt { "Observations" } dd { (d.observations) }
                    dt { "Problems" } dd { (d.problems) }
                    dt { "Unexpected" } dd { (d.surprises) }
                    dt { "Data gathered" } dd { (d.data_gathered) }
                }
            }
        }
        section aria-labelledby="study-heading" {
            h2 id="study-heading" { "Study" }
            @if view.studies.is_empty() { p { "Not studied yet." } }
            @for (_, st) in &view.studies {
                dl {
                    dt { "Analysis" } dd { (st.analysis) }
                    dt { "Compared with the predictions" } dd { (st.compared_with_predictions) }
                    dt { "What was learned" } dd { (st.learning) }
                }
            }
            (predictions_section(&view, &checks, &series, (access, who, draft)))
        }
        section aria-labelledby="act-heading" {
            h2 id="act-heading" { "Act" }
            @match (&view.act, &view.act_conflict) {
                (_, Some(versions)) => {
                    p.concern { "Two decisions were recorded without seeing each other; a resolution must name them all:" }
                    ul { @for v in versions { li { (v.value.decision.words()) ": " (v.value.reasons) } } }
                }
                (Some(a), None) => dl {
                    dt { "Decision" } dd { strong { (a.decision.words()) } }
                    dt { "Reasons" } dd { (a.reasons) }
                    dt { "What changes" } dd { (a.changes) }
                    dt { "Next step" } dd { (a.next_step) }
                },
                (None, None) => p { "No decision yet." },
            }
            @if !view.leads_to.is_empty() {
                p { "Leads to: "
                    @for (i, next) in view.leads_to.iter().enumerate() {
                        @if i > 0 { ", " }
                        a href={ "/cycles/" (next) } { (objective_of(*next)) }
                    }
                }
            }
        }
        section aria-labelledby="observations-heading" {
            h2 id="observations-heading" { "Observations" }
            @if view.observations.is_empty() { p { "None recorded." } }
            ul { @for o in &view.observations { li { (o.observation.observed_on) ": " (o.observation.text) @if let Some(s) = &o.observation.subject { " (" (s) ")" } } } }
        }
        section aria-labelledby="measurements-heading" {
            h2 id="measurements-heading" { "Measurements in the cycle's period" }
            @if let Some((from, to)) = span {
                p.muted { (from) " to " (to) }
                (scrolling("Measurements in the cycle's period", html! { table {
                    thead { tr { th { "Measure" } th { "Period" } th.num { "Value" } } }
                    tbody {
                        @for ms in &series {
                            @for p in ms.points.iter().filter(|p| p.period_end >= from && p.period_start <= to) {
                                tr {
                                    td { a href={ "/measures/" (ms.id) } { (ms.definition.as_ref().map(|d| d.name.clone()).unwrap_or_default()) } }
                                    td { (p.period_start) " to " (p.period_end) }
                                    td.num { (value_text(p.plotted)) }
                                }
                            }
                        }
                    }
                } }))
            }
        }
    };
    (title, content)
}

fn verdict_class(v: Verdict) -> &'static str {
    match v {
        Verdict::Supported => "improvement",
        Verdict::Contradicted => "concern",
        Verdict::NotYetShown | Verdict::NoData => "muted",
    }
}

/// Each checkable prediction beside the data of its period and the signals that
/// followed, and the form that makes a prediction checkable.
fn predictions_section(
    view: &CycleView,
    checks: &[PredictionCheck],
    series: &[MeasureSeries],
    (access, who, draft): (&StreamAccess, &SignedIn, Option<&Draft>),
) -> Markup {
    let contradicted = checks.iter().filter(|c| c.contradicted()).count();
    html! {
        section aria-labelledby="predictions-heading" id="predictions" {
            h3 id="predictions-heading" { "Predictions against the data" }
            @if checks.is_empty() { p { "No prediction of this cycle names a measure yet, so none can be checked against the data." } }
            @if contradicted > 0 {
                p.concern data-contradicted=(contradicted) {
                    "Flagged for the team's learning: the data contradict " (contradicted) " of " (checks.len()) " predictions. Say in the Study what the team learned from it."
                }
            }
            @for c in checks {
                div.card data-verdict=(format!("{:?}", c.verdict)) {
                    @if let Some(p) = &c.prediction { p { strong { (p.question) } " Predicted: " (p.prediction) "." } }
                    p { "Expected: " (c.measure_name) " would " (change_words(c.expectation.change)) ", from the test on " (c.from) " to " (c.expectation.by) "." }
                    p class=(verdict_class(c.verdict)) { strong { (capitalised(c.verdict.words())) } ": " (c.explanation) }
                    p.muted {
                        "Median before the test: " (c.before.map(value_text).unwrap_or_else(|| "no data".into()))
                        "; over the period: " (c.during.map(value_text).unwrap_or_else(|| "no data".into())) "."
                    }
                    @if !c.values.is_empty() {
                        (scrolling("The period's measurements", html! { table {
                            thead { tr { th { "Period from" } th.num { "Value" } } }
                            tbody { @for v in &c.values { tr { td { (v.period_start) } td.num { (value_text(v.value)) } } } }
                        } }))
                    }
                    @if !c.signals.is_empty() {
                        p { "Signals from the test on:" }
                        ul { @for s in &c.signals { li { (s) } } }
                    }
                }
            }
            (expectation_form(view, series, (access, who, draft)))
        }
    }
}

fn capitalised(words: &str) -> String {
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Makes one of the Plan's predictions checkable: a measure, the way it should move,
/// and the last day of the period.
fn expectation_form(
    view: &CycleView,
    series: &[MeasureSeries],
    (access, who, draft): (&StreamAccess, &SignedIn, Option<&Draft>),
) -> Markup {
    let of = FormOf::Expectation(view.id);
    let value = |name| typed(draft, of, name);
    let Some(plan) = &view.plan else {
        return html! {};
    };
    let by = match value("by") {
        "" => test_day(view)
            .map(|d| (d + time::Duration::weeks(4)).to_string())
            .unwrap_or_default(),
        typed => typed.to_string(),
    };
    let changes = [
        ("rise", "Rise"),
        ("fall", "Fall"),
        ("no-change", "Not change"),
        ("at-least", "Reach at least the value"),
        ("at-most", "Stay at or below the value"),
    ];
    html! {
        @if may(access, EventKind::ExpectationStated) && !series.is_empty() {
            h4 { "Make a prediction checkable" }
            form.stacked id=(of.anchor()) method="post" action={ "/cycles/" (view.id) "/expectations" } {
                (problem(draft, of))
                (csrf_field(&who.session))
                label for="prediction" { "Prediction" }
                select id="prediction" name="prediction" {
                    option value="" { "None of the Plan's" }
                    @for (i, p) in plan.predictions.iter().enumerate() {
                        option value=(i) selected[value("prediction") == i.to_string()] { (p.question) " (" (p.prediction) ")" }
                    }
                }
                label for="measure" { "Measure" }
                select id="measure" name="measure" required {
                    option value="" selected[value("measure").is_empty()] { "Choose a measure" }
                    @for m in series {
                        @let id = m.id.to_string();
                        option value=(id) selected[value("measure") == id] { (m.definition.as_ref().map(|d| d.name.clone()).unwrap_or_default()) }
                    }
                }
                label for="change" { "It will" }
                select id="change" name="change" required {
                    @for (code, words) in changes {
                        option value=(code) selected[value("change") == code] { (words) }
                    }
                }
                label for="value" { "Value (for at least or at most)" }
                input id="value" name="value" type="number" step="any" value=(value("value"));
                label for="by" { "By (the last day of the cycle's period)" }
                input id="by" name="by" type="date" required value=(by);
                button type="submit" { "Make it checkable" }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct ExpectationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    prediction: String,
    #[serde(default)]
    measure: String,
    change: String,
    #[serde(default)]
    value: String,
    by: String,
}

impl ExpectationForm {
    fn typed(&self) -> Vec<(String, String)> {
        as_typed(&[
            ("prediction", &self.prediction),
            ("measure", &self.measure),
            ("change", &self.change),
            ("value", &self.value),
            ("by", &self.by),
        ])
    }

    fn expectation(&self) -> Result<Expectation, ServerError> {
        let bad = |m: String| ServerError::BadRequest(m);
        let prediction = match self.prediction.trim() {
            "" => None,
            p => Some(
                p.parse::<u16>()
                    .map_err(|_| bad(format!("'{p}' is not one of the Plan's predictions.")))?,
            ),
        };
        let measure = self
            .measure
            .trim()
            .parse::<uuid::Uuid>()
            .map(EventId)
            .map_err(|_| bad("Choose a measure.".into()))?;
        let value = || {
            self.value
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| bad("Give the value the measure should reach, as a number.".into()))
        };
        let change = match self.change.as_str() {
            "rise" => ExpectedChange::Rise,
            "fall" => ExpectedChange::Fall,
            "no-change" => ExpectedChange::NoChange,
            "at-least" => ExpectedChange::AtLeast(value()?),
            "at-most" => ExpectedChange::AtMost(value()?),
            other => {
                return Err(bad(format!(
                    "'{other}' is not a change Praxis can check: choose rise, fall, not change, at least or at most."
                )));
            }
        };
        let by = parse_day(self.by.trim()).map_err(|_| {
            bad(format!(
                "'{}' is not a date: give the last day of the period.",
                self.by
            ))
        })?;
        Ok(Expectation {
            prediction,
            measure,
            change,
            by,
        })
    }
}

/// `POST /cycles/{id}/expectations`: a member of the team makes one of the cycle's
/// predictions checkable.
pub async fn expect(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(cycle, ..): RecordPath,
    form: Result<Form<ExpectationForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = fields(form)?;
    who.check_csrf(&f.csrf)?;
    let person = who.session.person;
    let (stream, _) = state
        .with(move |s| access::check_record(s, person, cycle, Need::Member))
        .await?;
    let recorded = record_form(&state, person, stream, || {
        Ok(Event::ExpectationStated {
            cycle,
            expectation: f.expectation()?,
        })
    })
    .await;
    match recorded {
        Ok(_) => Ok(see_other(format!("/cycles/{cycle}#predictions"))),
        Err(e) => {
            refused_form(FormOf::Expectation(cycle), f.typed(), e, |draft| {
                render(state, who, route, cycle, Some(draft))
            })
            .await
        }
    }
}
