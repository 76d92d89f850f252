//! The data protection officer's retention page (`/data-protection/retention`): for
//! each collaborative they act for, the schedule that stands and a form to set a new
//! one, the legal holds in force with a form to lift each and one to place another,
//! and what is due on a day (today, or `?as_of=`): what the next run erases and what a
//! hold keeps. Each form goes through the storage call its API route uses.

use super::data_protection::officer_of;
use super::layout::{csrf_field, page};
use super::{SignedIn, WebError, html_page};
use crate::api::{day, hold_on, periods};
use crate::error::ServerError;
use crate::state::AppState;
use crate::storage::RetentionReport;
use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use maud::{Markup, html};
use praxis_core::domain::ids::{EventId, StreamId};
use serde::Deserialize;

#[derive(Deserialize)]
pub struct AsOf {
    as_of: Option<String>,
}

async fn show(
    state: &AppState,
    who: &SignedIn,
    as_of: Option<&str>,
    done: Option<&str>,
) -> Result<Response, WebError> {
    let as_of = day(as_of)?;
    let person = who.session.person;
    let reports = state
        .with(move |s| {
            officer_of(s, person)?;
            Ok(s.retention(Some(person), as_of)?)
        })
        .await?;
    Ok(html_page(page(
        "Retention and legal holds",
        Some(&who.session),
        content(who, &reports, done),
    )))
}

fn content(who: &SignedIn, reports: &[RetentionReport], done: Option<&str>) -> Markup {
    html! {
        h1 { "Retention and legal holds" }
        p { a href="/data-protection" { "Back to data protection" } }
        @if let Some(done) = done {
            div.notice role="status" data-done { p { (done) } }
        }
        @for r in reports {
            section data-collaborative=(r.collaborative) {
                h2 { (r.name) }
                h3 { "Schedule" }
                @match &r.schedule {
                    None => p data-schedule="none" { "No retention schedule: everything is kept." },
                    Some(s) => p data-schedule=(s.id) {
                        @for (i, p) in s.periods.iter().enumerate() {
                            @if i > 0 { ", " }
                            (p.kind) " " (p.years) " years"
                        }
                        " after the project closes. Set by " (s.set_by) " on " (&s.set_at[..10]) ": " (s.reason)
                    },
                }
                form.stacked method="post" action="/data-protection/retention/schedule" {
                    (csrf_field(&who.session))
                    input type="hidden" name="collaborative" value=(r.collaborative);
                    p { "A project closes on the last day of its collaborative's schedule, or on the day its last observation was made, if later. A kind left empty is kept." }
                    label for={"observation-" (r.collaborative)} { "Observations: years after the project closes" }
                    input id={"observation-" (r.collaborative)} name="observation_years" inputmode="numeric";
                    label for={"case-material-" (r.collaborative)} { "Case material: years after the project closes" }
                    input id={"case-material-" (r.collaborative)} name="case_material_years" inputmode="numeric";
                    label for={"schedule-reason-" (r.collaborative)} { "Reason (the policy it follows)" }
                    input id={"schedule-reason-" (r.collaborative)} name="reason" required;
                    button type="submit" { "Set the schedule" }
                }
                h3 { "Legal holds" }
                @if r.holds.is_empty() { p { "None in force." } }
                @for h in &r.holds {
                    form.stacked method="post" action={"/data-protection/retention/holds/" (h.id) "/lift"} data-hold=(h.id) {
                        (csrf_field(&who.session))
                        p { "On " (h.covers) ": " (h.reason) " (placed by " (h.placed_by) " on " (&h.placed_at[..10]) ")" }
                        label for={"lift-" (h.id)} { "Reason for lifting it" }
                        input id={"lift-" (h.id)} name="reason" required;
                        button type="submit" { "Lift the hold" }
                    }
                }
                form.stacked method="post" action="/data-protection/retention/holds" {
                    (csrf_field(&who.session))
                    input type="hidden" name="collaborative" value=(r.collaborative);
                    p { "Nothing a hold covers is erased, by a retention run or by you, until it is lifted." }
                    label for={"hold-reference-" (r.collaborative)} { "A person's pseudonymous reference" }
                    input id={"hold-reference-" (r.collaborative)} name="reference" placeholder="P-0413";
                    label for={"hold-project-" (r.collaborative)} { "or a project" }
                    select id={"hold-project-" (r.collaborative)} name="project" {
                        option value="" { "(none)" }
                        @for (id, name) in &r.projects { option value=(id) { (name) } }
                    }
                    label for={"hold-reason-" (r.collaborative)} { "Reason (an inquiry, a complaint, litigation)" }
                    input id={"hold-reason-" (r.collaborative)} name="reason" required;
                    button type="submit" { "Place the hold" }
                }
                h3 { "Due on " (r.as_of) }
                form method="get" action="/data-protection/retention" {
                    label for={"as-of-" (r.collaborative)} { "As of another day" }
                    input id={"as-of-" (r.collaborative)} name="as_of" type="date" value=(r.as_of);
                    button type="submit" { "Show" }
                }
                @if r.due.is_empty() {
                    p { "Nothing has passed its retention period." }
                } @else {
                    table {
                        thead { tr { th { "Project" } th { "Records" } th { "Kinds" } th { "Closed" } th { "Kept until" } th { "Then" } } }
                        tbody { @for d in &r.due {
                            tr data-due=(d.key) data-held=[d.held_by] {
                                td { (d.stream_name) }
                                td { (d.records) }
                                td { (d.kinds.join(", ")) }
                                td { (d.project_closed) }
                                td { (d.kept_until) }
                                td { @match d.held_by {
                                    Some(h) => { "kept by legal hold " (h.short()) },
                                    None => "erased by the next run",
                                } }
                            }
                        } }
                    }
                }
            }
        }
    }
}

/// `GET /data-protection/retention`
pub async fn index(
    State(state): State<AppState>,
    who: SignedIn,
    Query(q): Query<AsOf>,
) -> Result<Response, WebError> {
    show(&state, &who, q.as_of.as_deref(), None).await
}

fn read<T>(form: Result<Form<T>, FormRejection>) -> Result<T, ServerError> {
    form.map(|Form(f)| f).map_err(|e| {
        ServerError::BadRequest(format!(
            "The form could not be read: {e}. Open the page again."
        ))
    })
}

#[derive(Deserialize)]
pub struct ScheduleForm {
    csrf: String,
    collaborative: StreamId,
    #[serde(default)]
    observation_years: String,
    #[serde(default)]
    case_material_years: String,
    reason: String,
}

/// `POST /data-protection/retention/schedule`
pub async fn set_schedule(
    State(state): State<AppState>,
    who: SignedIn,
    form: Result<Form<ScheduleForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = read(form)?;
    who.check_csrf(&f.csrf)?;
    let mut asked = Vec::new();
    for (kind, years) in [
        ("observation", &f.observation_years),
        ("case-material", &f.case_material_years),
    ] {
        let years = years.trim();
        if years.is_empty() {
            continue;
        }
        let years: u16 = years.parse().map_err(|_| {
            ServerError::BadRequest(format!(
                "'{years}' is not a number of years: give a whole number such as 8."
            ))
        })?;
        asked.push((kind.to_string(), years));
    }
    let periods = periods(&asked)?;
    let person = who.session.person;
    let (collaborative, reason) = (f.collaborative, f.reason);
    state
        .with(move |s| Ok(s.set_retention(person, collaborative, periods, &reason)?))
        .await?;
    show(&state, &who, None, Some("The retention schedule is set.")).await
}

#[derive(Deserialize)]
pub struct HoldForm {
    csrf: String,
    collaborative: StreamId,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    project: String,
    reason: String,
}

/// `POST /data-protection/retention/holds`
pub async fn place_hold(
    State(state): State<AppState>,
    who: SignedIn,
    form: Result<Form<HoldForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = read(form)?;
    who.check_csrf(&f.csrf)?;
    let project = match f.project.trim() {
        "" => None,
        p => Some(
            p.parse::<StreamId>()
                .map_err(|_| ServerError::BadRequest("Choose the project from the list.".into()))?,
        ),
    };
    let on = hold_on(Some(&f.reference), project)?;
    let person = who.session.person;
    let (collaborative, reason) = (f.collaborative, f.reason);
    state
        .with(move |s| Ok(s.place_hold(person, collaborative, on, &reason)?))
        .await?;
    show(&state, &who, None, Some("The legal hold is placed.")).await
}

#[derive(Deserialize)]
pub struct LiftForm {
    csrf: String,
    reason: String,
}

/// `POST /data-protection/retention/holds/{id}/lift`
pub async fn lift_hold(
    State(state): State<AppState>,
    who: SignedIn,
    crate::access::Id(hold, ..): crate::access::Id<EventId, WebError>,
    form: Result<Form<LiftForm>, FormRejection>,
) -> Result<Response, WebError> {
    let f = read(form)?;
    who.check_csrf(&f.csrf)?;
    let person = who.session.person;
    state
        .with(move |s| Ok(s.lift_hold(person, hold, &f.reason)?))
        .await?;
    show(&state, &who, None, Some("The legal hold is lifted.")).await
}
