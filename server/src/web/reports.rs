//! Monthly reports from the browser: a team member submits the month's report, a
//! coordinator scores it with a justification, a senior manager records a decision
//! with its rationale. Each is an event authored by the person signed in, recorded
//! through `Storage::record_for`: the same role check as the sync gate, the domain's
//! validation, and a receipt, in one transaction.

use super::{RecordPath, StreamPath};
use super::{SignedIn, WebError};
use crate::access::{Id, Need, check_record, parse_id};
use crate::error::ServerError;
use crate::state::AppState;
use axum::Form;
use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use praxis_core::dates::parse_month;
use praxis_core::domain::event::{Event, MonthlyReport, Score};
use praxis_core::domain::ids::{EventId, StreamId};
use serde::Deserialize;

/// A form's fields, or a page saying what was wrong with them.
fn fields<T>(form: Result<Form<T>, FormRejection>) -> Result<T, WebError> {
    form.map(|Form(f)| f).map_err(|e| {
        WebError::from(ServerError::BadRequest(format!(
            "The form could not be read ({}). Open the page again and fill in every field.",
            e.body_text()
        )))
    })
}

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
    let location = match anchor {
        Some(a) => format!("/projects/{stream}#report-{a}"),
        None => format!("/projects/{stream}"),
    };
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
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

pub async fn submit(
    State(state): State<AppState>,
    who: SignedIn,
    Id(stream, ..): StreamPath,
    form: Result<Form<ReportForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = fields(form)?;
    who.check_csrf(&f.csrf)?;
    let event = Event::MonthlyReportSubmitted(MonthlyReport {
        month: month(&f.month)?,
        measures: required("Measures", &f.measures)?,
        cycles: required("Cycles run", &f.cycles)?,
        learning: required("What was learned", &f.learning)?,
        barriers: f.barriers.trim().to_string(),
        plans: required("Plans", &f.plans)?,
        self_score: parse_score(&f.self_score)?,
    });
    let person = who.session.person;
    let ids = state
        .with(move |s| Ok(s.record_for(person, stream, vec![event])?))
        .await?;
    Ok(back_to(stream, ids.first().copied()))
}

#[derive(Deserialize)]
pub struct ScoreForm {
    #[serde(default)]
    csrf: String,
    score: String,
    justification: String,
}

pub async fn score_report(
    state: AppState,
    who: SignedIn,
    report: EventId,
    f: ScoreForm,
) -> Result<Response, WebError> {
    who.check_csrf(&f.csrf)?;
    let event = Event::CoordinatorScoreGiven {
        report,
        score: parse_score(&f.score)?,
        justification: required("Justification", &f.justification)?,
    };
    let person = who.session.person;
    let stream = state
        .with(move |s| {
            let (stream, _) = check_record(s, person, report, Need::Member)?;
            s.record_for(person, stream, vec![event])?;
            Ok::<_, ServerError>(stream)
        })
        .await?;
    Ok(back_to(stream, Some(report)))
}

pub async fn score(
    State(state): State<AppState>,
    who: SignedIn,
    Id(report, ..): RecordPath,
    form: Result<Form<ScoreForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = fields(form)?;
    score_report(state, who, report, f).await
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

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    decision: String,
    rationale: String,
    #[serde(default)]
    rests_on: String,
}

pub async fn decide(
    State(state): State<AppState>,
    who: SignedIn,
    Id(stream, ..): StreamPath,
    form: Result<Form<DecisionForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = fields(form)?;
    who.check_csrf(&f.csrf)?;
    let rests_on = match f.rests_on.trim() {
        "" => Vec::new(),
        r => vec![parse_id::<EventId>(r)?],
    };
    let event = Event::ManagerDecisionRecorded {
        decision: required("Decision", &f.decision)?,
        rationale: required("Rationale", &f.rationale)?,
        rests_on,
    };
    let person = who.session.person;
    state
        .with(move |s| Ok(s.record_for(person, stream, vec![event])?))
        .await?;
    Ok(back_to(stream, None))
}
