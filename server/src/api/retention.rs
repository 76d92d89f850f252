//! A data protection officer's retention routes: the schedule and holds of a
//! collaborative with what is due (`GET /api/v1/collaboratives/{id}/retention`, the
//! dry run, `?as_of=` for another day); setting the schedule (`PUT` the same);
//! placing a legal hold (`POST /api/v1/collaboratives/{id}/legal-holds`) and lifting
//! one (`POST /api/v1/legal-holds/{id}/lift`).

use super::auth::AuthDevice;
use crate::access::Id;
use crate::error::ServerError;
use crate::state::AppState;
use crate::storage::HoldOn;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use praxis_core::domain::event::{ObservationKind, RetentionPeriod};
use praxis_core::domain::ids::{EventId, StreamId};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
pub struct AsOf {
    as_of: Option<String>,
}

/// A day as `YYYY-MM-DD`, or today.
pub fn day(given: Option<&str>) -> Result<time::Date, ServerError> {
    match given.map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(praxis_core::dates::today()),
        Some(d) => time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
            .map_err(|_| {
                ServerError::BadRequest(format!("'{d}' is not a day: give it as 2031-04-30."))
            }),
    }
}

pub async fn report(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Id(collaborative, ..): Id<StreamId>,
    Query(query): Query<AsOf>,
) -> Result<Response, ServerError> {
    let as_of = day(query.as_of.as_deref())?;
    let report = state
        .with(move |s| {
            let found = s
                .retention(Some(device.person), as_of)?
                .into_iter()
                .find(|r| r.collaborative == collaborative);
            found.ok_or_else(|| {
                ServerError::NotFound(format!(
                    "There is no collaborative {collaborative} that you are data protection officer for."
                ))
            })
        })
        .await?;
    Ok(Json(report).into_response())
}

#[derive(Deserialize)]
struct PeriodAsked {
    kind: String,
    years: u16,
}

#[derive(Deserialize)]
struct ScheduleAsked {
    periods: Vec<PeriodAsked>,
    reason: String,
}

fn json_of<'a, T: Deserialize<'a>>(body: &'a [u8], shape: &str) -> Result<T, ServerError> {
    serde_json::from_slice(body)
        .map_err(|e| ServerError::BadRequest(format!("Send JSON {shape} ({e}).")))
}

/// The periods asked for, by kind name.
pub fn periods(asked: &[(String, u16)]) -> Result<Vec<RetentionPeriod>, ServerError> {
    asked
        .iter()
        .map(|(kind, years)| {
            let kind = ObservationKind::from_name(kind.trim()).ok_or_else(|| {
                ServerError::BadRequest(format!(
                    "'{kind}' is not a kind of record a schedule keeps: give observation or case-material."
                ))
            })?;
            Ok(RetentionPeriod {
                kind,
                years: *years,
            })
        })
        .collect()
}

pub async fn set_schedule(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Id(collaborative, ..): Id<StreamId>,
    body: Bytes,
) -> Result<Response, ServerError> {
    let asked: ScheduleAsked = json_of(
        &body,
        r#"{"periods": [{"kind": "observation", "years": 8}], "reason"}"#,
    )?;
    let periods = periods(
        &asked
            .periods
            .into_iter()
            .map(|p| (p.kind, p.years))
            .collect::<Vec<_>>(),
    )?;
    let id = state
        .with(move |s| Ok(s.set_retention(device.person, collaborative, periods, &asked.reason)?))
        .await?;
    Ok(Json(json!({ "schedule": id })).into_response())
}

#[derive(Deserialize)]
struct HoldAsked {
    reference: Option<String>,
    project: Option<StreamId>,
    reason: String,
}

/// What a hold is asked to cover: a person by reference, or a project; one of them.
pub fn hold_on(reference: Option<&str>, project: Option<StreamId>) -> Result<HoldOn, ServerError> {
    match (reference.map(str::trim).filter(|r| !r.is_empty()), project) {
        (Some(reference), None) => {
            if !praxis_core::domain::validation::pseudonymous(reference) {
                return Err(ServerError::BadRequest(format!(
                    "'{reference}' is not a pseudonymous reference such as P-0413: Praxis refers to people only so."
                )));
            }
            Ok(HoldOn::Person(reference.to_string()))
        }
        (None, Some(project)) => Ok(HoldOn::Project(project)),
        _ => Err(ServerError::BadRequest(
            "Say what the hold covers: a person's reference or a project, one of them.".into(),
        )),
    }
}

pub async fn place_hold(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Id(collaborative, ..): Id<StreamId>,
    body: Bytes,
) -> Result<Response, ServerError> {
    let asked: HoldAsked = json_of(
        &body,
        r#"{"reference": "P-0413", "reason"} or {"project": "<stream id>", "reason"}"#,
    )?;
    let on = hold_on(asked.reference.as_deref(), asked.project)?;
    let id = state
        .with(move |s| Ok(s.place_hold(device.person, collaborative, on, &asked.reason)?))
        .await?;
    Ok(Json(json!({ "hold": id })).into_response())
}

#[derive(Deserialize)]
struct LiftAsked {
    reason: String,
}

pub async fn lift_hold(
    State(state): State<AppState>,
    AuthDevice(device): AuthDevice,
    Id(hold, ..): Id<EventId>,
    body: Bytes,
) -> Result<Response, ServerError> {
    let asked: LiftAsked = json_of(&body, r#"{"reason"}"#)?;
    let id = state
        .with(move |s| Ok(s.lift_hold(device.person, hold, &asked.reason)?))
        .await?;
    Ok(Json(json!({ "lifted": id })).into_response())
}
