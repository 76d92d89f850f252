//! The project page's forms, offered only to the roles that record what they send: a
//! team member submits the month's report, a coordinator scores one, a senior manager
//! records a decision resting on any of the team's reports and cycles. A score is
//! chosen from the collaborative's progress scale, each level with its meaning, beside
//! the level the team's evidence suggests with its rule and evidence. A form
//! the server refuses comes back as it was typed, with what to change (`Draft`).

use super::layout::csrf_field;
use super::{SignedIn, WebError};
use crate::error::ServerError;
use crate::state::AppState;
use crate::storage::StreamAccess;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use praxis_core::dates::today;
use praxis_core::domain::dashboard::{month_of, month_text};
use praxis_core::domain::event::{Event, EventKind, ProgressScale, ScoreSuggestion};
use praxis_core::domain::ids::{EventId, PersonId, StreamId};
use praxis_core::domain::role::Role;
use praxis_core::domain::score_evidence::{SuggestedScore, difference};
use praxis_core::domain::views::{ProjectDetail, ReportDetail};
use time::Date;

/// A form's fields, or a page saying what was wrong with them.
pub fn fields<T>(form: Result<Form<T>, FormRejection>) -> Result<T, WebError> {
    form.map(|Form(f)| f).map_err(|e| {
        WebError::from(ServerError::BadRequest(format!(
            "The form could not be read ({}). Open the page again and fill in every field.",
            e.body_text()
        )))
    })
}

/// Whether the person's roles in the stream let them record `kind`: the forms on
/// offer are only those.
pub fn may(access: &StreamAccess, kind: EventKind) -> bool {
    access.roles.iter().any(|r| r.may_record(kind))
}

/// Which form a draft belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormOf {
    Report,
    Score(EventId),
    Decision,
    /// A checkable prediction of a cycle.
    Expectation(EventId),
    /// A measure's run chart baseline.
    Baseline(EventId),
}

impl FormOf {
    /// The id of the form on the page, for the link from the problem at its top.
    pub fn anchor(&self) -> String {
        match self {
            FormOf::Report => "report-form".into(),
            FormOf::Score(report) => format!("score-form-{report}"),
            FormOf::Decision => "decision-form".into(),
            FormOf::Expectation(_) => "expectation-form".into(),
            FormOf::Baseline(_) => "baseline-form".into(),
        }
    }
}

/// What a person typed into a form the server refused, and why it was refused.
#[derive(Clone, Debug)]
pub struct Draft {
    pub of: FormOf,
    pub fields: Vec<(String, String)>,
    pub problem: String,
}

impl Draft {
    /// A draft of the form, when the refusal is about what was typed (a field missing
    /// or not valid, a record the domain refuses), rather than about who sent it.
    pub fn of_refusal(of: FormOf, fields: Vec<(String, String)>, e: &WebError) -> Option<Draft> {
        let WebError::Server(e) = e else {
            return None;
        };
        matches!(e.status().as_u16(), 400 | 409 | 422).then(|| Draft {
            of,
            fields,
            problem: e.to_string(),
        })
    }

    /// The problem and a link to the form, at the top of the page.
    pub fn notice(&self) -> Markup {
        html! {
            p.error role="alert" data-error="form" {
                "What you sent was not recorded: " (self.problem) " "
                a href={ "#" (self.of.anchor()) } { "Change it in the form below." }
            }
        }
    }
}

/// The named fields as they were typed, for a `Draft`.
pub fn as_typed(fields: &[(&str, &String)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(name, value)| (name.to_string(), (*value).clone()))
        .collect()
}

/// The page again with the refused form as it was typed (`render` draws the page
/// with the draft), answered with the refusal's status. A refusal about who sent the
/// form, rather than what was typed, is the error's own page.
pub async fn refused_form<Page>(
    of: FormOf,
    typed: Vec<(String, String)>,
    e: WebError,
    render: impl FnOnce(Draft) -> Page,
) -> Result<Response, WebError>
where
    Page: std::future::Future<Output = Result<Response, WebError>>,
{
    let Some(draft) = Draft::of_refusal(of, typed, &e) else {
        return Err(e);
    };
    let status = match &e {
        WebError::Server(s) => s.status(),
        WebError::SignIn { .. } => StatusCode::BAD_REQUEST,
    };
    let mut page = render(draft).await?;
    *page.status_mut() = status;
    Ok(page)
}

/// Records the one event a form makes (`make` reads and checks the typed fields),
/// authored by `person` in `stream`, through `Storage::record_for`: the same role
/// check as the sync gate, the domain's validation and a receipt, in one transaction.
/// Gives the recorded event's id.
pub async fn record_form(
    state: &AppState,
    person: PersonId,
    stream: StreamId,
    make: impl FnOnce() -> Result<Event, WebError>,
) -> Result<Option<EventId>, WebError> {
    let event = make()?;
    let ids = state
        .with(move |s| Ok(s.record_for(person, stream, vec![event])?))
        .await?;
    Ok(ids.first().copied())
}

/// After a form is recorded: on to `location` (303 See Other).
pub fn see_other(location: String) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// Every value typed into field `name` (a list that may choose several).
fn typed_all<'a>(draft: Option<&'a Draft>, of: FormOf, name: &str) -> Vec<&'a str> {
    draft
        .filter(|d| d.of == of)
        .map(|d| {
            d.fields
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
                .collect()
        })
        .unwrap_or_default()
}

/// The value typed into field `name` of form `of`, if the draft is of that form.
pub fn typed<'a>(draft: Option<&'a Draft>, of: FormOf, name: &str) -> &'a str {
    typed_all(draft, of, name).first().copied().unwrap_or("")
}

pub fn problem(draft: Option<&Draft>, of: FormOf) -> Markup {
    html! {
        @if let Some(d) = draft.filter(|d| d.of == of) {
            p.error role="alert" data-form-problem { (d.problem) }
        }
    }
}

/// A choice of a level of the collaborative's progress scale, each with its meaning;
/// nothing chosen until the person chooses.
fn scale_choice(id: &str, name: &str, label: &str, scale: &ProgressScale, chosen: &str) -> Markup {
    html! {
        label for=(id) { (label) " (" (scale.name) ")" }
        select id=(id) name=(name) required {
            option value="" selected[chosen.is_empty()] { "Choose a level" }
            @for l in &scale.levels {
                @let value = l.score.to_string();
                option value=(value) selected[chosen.trim() == value] { (value) ": " (l.meaning) }
            }
        }
    }
}

/// Whether the person works in the team (rather than coordinating or managing it):
/// only the team submits its monthly report.
fn in_the_team(access: &StreamAccess) -> bool {
    access
        .roles
        .iter()
        .any(|r| matches!(r, Role::Practitioner | Role::Advisor))
}

/// Whether the report form is offered to the person.
pub fn offers_report_form(access: &StreamAccess) -> bool {
    in_the_team(access) && may(access, EventKind::MonthlyReportSubmitted)
}

/// The level the evidence supports, with the rule's steps and the evidence behind it,
/// shown before a score is chosen.
pub fn suggestion_box(suggested: Option<&SuggestedScore>, month: Date) -> Markup {
    let Some(s) = suggested else {
        return html! {};
    };
    html! {
        div.suggestion data-suggested=(s.level) {
            p { strong { "The evidence for " (month_text(month)) " suggests " (s.level) } ": " (s.meaning) "." }
            details {
                summary { "The rule and the evidence" }
                ul.steps {
                    @for step in &s.steps {
                        li class=(if step.met { "met" } else { "unmet" }) {
                            (step.score) " needs " (step.needs) ": " @if step.met { "met" } @else { "not yet" }
                        }
                    }
                }
                ul { @for e in &s.evidence { li { (e) } } }
            }
            p.muted { "You decide. The suggestion is recorded with your score, and so is any difference from it." }
        }
    }
}

/// A recorded suggestion beside the score given ("suggested 4.5: 1.0 below").
pub fn suggested_text(suggested: Option<&ScoreSuggestion>) -> Markup {
    html! {
        @if let Some(s) = suggested {
            " " span.muted data-recorded-suggestion=(s.level) {
                "(the evidence suggested " (s.level) "; " (difference(s.given, s.level)) ")"
            }
        }
    }
}

/// The month's report, for the team's own members.
pub fn report_form(
    stream: StreamId,
    access: &StreamAccess,
    who: &SignedIn,
    (scale, suggested): (&ProgressScale, Option<&SuggestedScore>),
    draft: Option<&Draft>,
) -> Markup {
    let of = FormOf::Report;
    let value = |name| typed(draft, of, name);
    let month = match value("month") {
        "" => month_of(today())
            .to_string()
            .get(..7)
            .unwrap_or_default()
            .to_string(),
        typed => typed.to_string(),
    };
    html! {
        @if offers_report_form(access) {
            h3 { "Submit this month's report" }
            form.stacked id=(of.anchor()) method="post" action={ "/projects/" (stream) "/reports" } {
                (problem(draft, of))
                (csrf_field(&who.session))
                label for="month" { "Month" }
                input id="month" name="month" type="month" required value=(month);
                label for="measures" { "Measures" } textarea id="measures" name="measures" required { (value("measures")) }
                label for="cycles" { "Cycles run" } textarea id="cycles" name="cycles" required { (value("cycles")) }
                label for="learning" { "What was learned" } textarea id="learning" name="learning" required { (value("learning")) }
                label for="barriers" { "Barriers" } textarea id="barriers" name="barriers" { (value("barriers")) }
                label for="plans" { "Plans" } textarea id="plans" name="plans" required { (value("plans")) }
                (suggestion_box(suggested, month_of(today())))
                (scale_choice("self_score", "self_score", "Self-assessed progress score", scale, value("self_score")))
                button type="submit" { "Submit the report" }
            }
        }
    }
}

/// A coordinator's score of a report. Once they have scored it, the form folds away
/// behind "Change your score".
pub fn score_form(
    r: &ReportDetail,
    access: &StreamAccess,
    who: &SignedIn,
    (scale, suggested): (&ProgressScale, Option<&SuggestedScore>),
    draft: Option<&Draft>,
) -> Markup {
    let of = FormOf::Score(r.id);
    let mine = r.scores.iter().any(|s| s.by == who.session.person);
    let open = draft.is_some_and(|d| d.of == of);
    let form = html! {
        form.stacked id=(of.anchor()) method="post" action={ "/reports/" (r.id) "/score" } {
            (problem(draft, of))
            (csrf_field(&who.session))
            (suggestion_box(suggested, r.report.month))
            (scale_choice(&format!("score-{}", r.id), "score", "Your score", scale, typed(draft, of, "score")))
            label for={ "justification-" (r.id) } { "Justification" }
            textarea id={ "justification-" (r.id) } name="justification" required { (typed(draft, of, "justification")) }
            button type="submit" { @if mine { "Change your score" } @else { "Score this report" } }
        }
    };
    html! {
        @if may(access, EventKind::CoordinatorScoreGiven) {
            @if mine {
                details.rescore open[open] { summary { "Change your score" } (form) }
            } @else {
                (form)
            }
        }
    }
}

/// A senior manager's decision, resting on any of the team's reports and cycles.
pub fn decision_form(
    stream: StreamId,
    detail: &ProjectDetail,
    access: &StreamAccess,
    who: &SignedIn,
    draft: Option<&Draft>,
) -> Markup {
    let of = FormOf::Decision;
    let chosen = typed_all(draft, of, "rests_on");
    let is_chosen = |id: &EventId| chosen.contains(&id.to_string().as_str());
    let cycles: Vec<_> = detail.overview.cycles_by_stage.values().flatten().collect();
    html! {
        @if may(access, EventKind::ManagerDecisionRecorded) {
            form.stacked id=(of.anchor()) method="post" action={ "/projects/" (stream) "/decisions" } {
                (problem(draft, of))
                (csrf_field(&who.session))
                label for="decision" { "Decision" } textarea id="decision" name="decision" required { (typed(draft, of, "decision")) }
                label for="rationale" { "Rationale" } textarea id="rationale" name="rationale" required { (typed(draft, of, "rationale")) }
                @if !detail.reports.is_empty() || !cycles.is_empty() {
                    label for="rests_on" { "Resting on (choose any; hold Ctrl or ⌘ to choose several)" }
                    select id="rests_on" name="rests_on" multiple size="6" {
                        @if !detail.reports.is_empty() {
                            optgroup label="Monthly reports" {
                                @for r in detail.reports.iter().rev() { option value=(r.id) selected[is_chosen(&r.id)] { "Report for " (month_text(r.report.month)) } }
                            }
                        }
                        @if !cycles.is_empty() {
                            optgroup label="PDSA cycles" {
                                @for c in &cycles { option value=(c.id) selected[is_chosen(&c.id)] { (c.objective) " (" (c.stage.label()) ")" } }
                            }
                        }
                    }
                }
                button type="submit" { "Record the decision" }
            }
        }
    }
}

/// The fields of a form body, in order, a name repeated for each value it has.
pub fn form_fields(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

/// The one value of field `name`, or empty.
pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}
