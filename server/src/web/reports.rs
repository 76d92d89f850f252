//! Monthly reports from the browser: a team member submits the month's report, a
//! coordinator scores it with a justification, a senior manager records a decision
//! with its rationale. Each is an event authored by the person signed in, recorded
//! through `Storage::record_for`: the same role check as the sync gate, the domain's
//! validation, and a receipt, in one transaction.

use super::forms::{
    FormOf, as_typed, field, fields, form_fields, record_form, refused_form, see_other,
};
use super::project;
use super::{RecordPath, StreamPath};
use super::{SignedIn, WebError};
use crate::access::{Id, Need, Route, check_record, parse_id};
use crate::error::ServerError;
use crate::state::AppState;
use axum::Form;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::response::Response;
use praxis_core::dates::parse_month;
use praxis_core::domain::event::{Event, MonthlyReport, Score};
use praxis_core::domain::ids::{EventId, StreamId};
use serde::Deserialize;

fn required(name: &str, value: &str) -> Result<String, WebError> {
    let v = value.trim();
    if v.is_empty() {
        Err(ServerError::BadRequest(format!("Fill in '{name}': it cannot be empty.")).into())
    } else {
        Ok(v.to_string())
    }
}

fn parse_score(text: &str) -> Result<Score, WebError> {
    text.parse::<Score>()
        .map_err(|e| WebError::from(ServerError::BadRequest(e)))
}

fn back_to(stream: StreamId, anchor: Option<EventId>) -> Response {
    see_other(match anchor {
        Some(a) => format!("/projects/{stream}#report-{a}"),
        None => format!("/projects/{stream}"),
    })
}

#[derive(Deserialize)]
pub struct ReportForm {
    #[serde(default)]
    csrf: String,
    month: String,
    measures: String,
    cycles: String,
    learning: String,
    #[serde(default)]
    barriers: String,
    plans: String,
    self_score: String,
}

/// "2026-05" (what a month input sends) or a full date, as the month's first day.
fn month(text: &str) -> Result<time::Date, WebError> {
    parse_month(text).map_err(|e| WebError::from(ServerError::BadRequest(e.to_string())))
}

impl ReportForm {
    fn typed(&self) -> Vec<(String, String)> {
        as_typed(&[
            ("month", &self.month),
            ("measures", &self.measures),
            ("cycles", &self.cycles),
            ("learning", &self.learning),
            ("barriers", &self.barriers),
            ("plans", &self.plans),
            ("self_score", &self.self_score),
        ])
    }
}

/// The project page again with the refused form as it was typed, when the refusal is
/// about what was typed; otherwise the error's own page.
async fn again(
    state: AppState,
    who: SignedIn,
    route: Route,
    stream: StreamId,
    of: FormOf,
    fields: Vec<(String, String)>,
    e: WebError,
) -> Result<Response, WebError> {
    refused_form(of, fields, e, |draft| {
        project::render(state, who, route, stream, Some(draft))
    })
    .await
}

pub async fn submit(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(stream, ..): StreamPath,
    form: Result<Form<ReportForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = fields(form)?;
    who.check_csrf(&f.csrf)?;
    let person = who.session.person;
    let recorded = record_form(&state, person, stream, || {
        Ok(Event::MonthlyReportSubmitted(MonthlyReport {
            month: month(&f.month)?,
            measures: required("Measures", &f.measures)?,
            cycles: required("Cycles run", &f.cycles)?,
            learning: required("What was learned", &f.learning)?,
            barriers: f.barriers.trim().to_string(),
            plans: required("Plans", &f.plans)?,
            self_score: parse_score(&f.self_score)?,
        }))
    })
    .await;
    match recorded {
        Ok(report) => Ok(back_to(stream, report)),
        Err(e) => again(state, who, route, stream, FormOf::Report, f.typed(), e).await,
    }
}

#[derive(Deserialize)]
pub struct ScoreForm {
    #[serde(default)]
    csrf: String,
    score: String,
    justification: String,
}

pub async fn score(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(report, ..): RecordPath,
    form: Result<Form<ScoreForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = fields(form)?;
    who.check_csrf(&f.csrf)?;
    let person = who.session.person;
    let (stream, _) = state
        .with(move |s| check_record(s, person, report, Need::Member))
        .await?;
    let recorded = record_form(&state, person, stream, || {
        Ok(Event::CoordinatorScoreGiven {
            report,
            score: parse_score(&f.score)?,
            justification: required("Justification", &f.justification)?,
        })
    })
    .await;
    match recorded {
        Ok(_) => Ok(back_to(stream, Some(report))),
        Err(e) => {
            let typed = vec![
                ("score".to_string(), f.score.clone()),
                ("justification".to_string(), f.justification.clone()),
            ];
            again(state, who, route, stream, FormOf::Score(report), typed, e).await
        }
    }
}

#[derive(Deserialize)]
pub struct HeldForm {
    #[serde(default)]
    csrf: String,
    reason: String,
}

/// `POST /held/{id}/release` (a coordinator) and `/held/{id}/withdraw` (the author):
/// settles a held-back record with a reason.
async fn settle_held(
    state: AppState,
    who: SignedIn,
    quarantine: EventId,
    form: Result<Form<HeldForm>, FormRejection>,
    release: bool,
) -> Result<Response, WebError> {
    let f = fields(form)?;
    who.check_csrf(&f.csrf)?;
    let reason = required("Why", &f.reason)?;
    let event = if release {
        Event::QuarantineReleased { quarantine, reason }
    } else {
        Event::QuarantineWithdrawn { quarantine, reason }
    };
    let person = who.session.person;
    let stream = state
        .with(move |s| {
            let (stream, _) = check_record(s, person, quarantine, Need::Member)?;
            s.record_for(person, stream, vec![event])?;
            Ok::<_, ServerError>(stream)
        })
        .await?;
    Ok(back_to(stream, None))
}

pub async fn release_held(
    State(state): State<AppState>,
    who: SignedIn,
    Id(quarantine, ..): RecordPath,
    form: Result<Form<HeldForm>, FormRejection>,
) -> Result<Response, WebError> {
    settle_held(state, who, quarantine, form, true).await
}

pub async fn withdraw_held(
    State(state): State<AppState>,
    who: SignedIn,
    Id(quarantine, ..): RecordPath,
    form: Result<Form<HeldForm>, FormRejection>,
) -> Result<Response, WebError> {
    settle_held(state, who, quarantine, form, false).await
}

/// `POST /projects/{id}/decisions`: a decision with its rationale, resting on any
/// number of the team's records (`rests_on` once for each).
pub async fn decide(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(stream, ..): StreamPath,
    body: Bytes,
) -> Result<Response, WebError> {
    let typed = form_fields(&body);
    who.check_csrf(field(&typed, "csrf"))?;
    let person = who.session.person;
    let recorded = record_form(&state, person, stream, || {
        let rests_on = typed
            .iter()
            .filter(|(n, v)| n == "rests_on" && !v.trim().is_empty())
            .map(|(_, v)| parse_id::<EventId>(v.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Event::ManagerDecisionRecorded {
            decision: required("Decision", field(&typed, "decision"))?,
            rationale: required("Rationale", field(&typed, "rationale"))?,
            rests_on,
        })
    })
    .await;
    match recorded {
        Ok(_) => Ok(back_to(stream, None)),
        Err(e) => {
            let typed = typed.into_iter().filter(|(n, _)| n != "csrf").collect();
            again(state, who, route, stream, FormOf::Decision, typed, e).await
        }
    }
}
