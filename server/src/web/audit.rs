//! The auditor's pages: the streams they audit, each stream's timeline (events and
//! reads, late arrivals marked, with filters), a view as it stood, a decision's
//! context, the integrity check, the access log and the audit bundle. They read the
//! same functions as `/api/v1/audit/` (`crate::audit`), need the auditor role, and each
//! read is written to the access log under the person's browser device.

use super::as_it_stood::Moment;
use super::audit_timeline::TimelineQuery;
use super::forms::see_other;
use super::layout::{page, scrolling};
use super::{RecordPath, SignedIn, StreamPath, WebError, html_page, query_value};
use crate::access::{self, Id, Need, Of, Reader, Route, parse_id};
use crate::audit;
use crate::error::ServerError;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use maud::html;
use praxis_core::domain::event_kind::EventKind;
use praxis_core::domain::ids::EventId;
use praxis_core::domain::record::StreamKind;
use praxis_core::domain::summary::one_line;
use praxis_core::protocol::audit::SeenEvent;
use praxis_core::protocol::{BUNDLE_CONTENT_TYPE, MANIFEST_DIGEST};
use serde::Deserialize;

/// Pretty JSON of what a page shows in full, for the reader to unfold.
fn pretty(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

fn record(value: &Option<String>) -> Result<Option<EventId>, ServerError> {
    some(value).map(|r| parse_id::<EventId>(&r)).transpose()
}

fn some(value: &Option<String>) -> Option<String> {
    value
        .as_ref()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

pub async fn index(State(state): State<AppState>, who: SignedIn) -> Result<Response, WebError> {
    let person = who.session.person;
    let streams = state
        .with(move |s| access::audited_streams(s, person))
        .await?;
    Ok(html_page(page(
        "Audit",
        Some(&who.session),
        html! {
            h1 { "Audit" }
            @if streams.is_empty() {
                p.notice { "You are not an auditor for any team or collaborative. Ask an administrator to grant the auditor role." }
            }
            ul.links {
                @for s in &streams {
                    li {
                        a href={ "/audit/streams/" (s.stream_id) } { (s.name) } " · "
                        a href={ "/audit/streams/" (s.stream_id) "/integrity" } { "integrity" } " · "
                        a href={ "/audit/streams/" (s.stream_id) "/as-it-stood" } { "as it stood" } " · "
                        a href={ "/audit/streams/" (s.stream_id) "/bundle.tar" } { "audit bundle" }
                    }
                }
            }
            p.links {
                a href="/audit/timeline" { "Everything you audit, in one timeline" } " · "
                a href="/audit/access" { "The access log: who read which records" }
            }
        },
    )))
}

#[derive(Deserialize, Default)]
pub struct AsItStoodForm {
    at: Option<String>,
    after: Option<String>,
}

/// Asks for a moment, then shows the stream's page as it stood then: a project's page,
/// or a collaborative's dashboard, from which links keep to the moment.
pub async fn as_it_stood(
    State(state): State<AppState>,
    who: SignedIn,
    Id(stream, ..): StreamPath,
    Query(form): Query<AsItStoodForm>,
) -> Result<Response, WebError> {
    let person = who.session.person;
    let access = state
        .with(move |s| access::check(s, person, stream, Need::Auditor))
        .await?;
    let page_of = match access.kind {
        StreamKind::Collaborative => "collaboratives",
        StreamKind::Project => "projects",
        StreamKind::Organisation => {
            return Err(ServerError::BadRequest(
                "The organisation's stream has no pages to show as they stood; read its timeline."
                    .into(),
            )
            .into());
        }
    };
    let segment = match (some(&form.at), record(&form.after)?) {
        (Some(_), Some(_)) => {
            return Err(ServerError::BadRequest(
                "Give either a date and time or a record, not both.".into(),
            )
            .into());
        }
        (Some(at), None) => {
            state
                .local_time()
                .parse(&at, true)
                .map_err(|e| ServerError::BadRequest(format!("{e} (for the moment)")))?;
            Some(at)
        }
        (None, Some(after)) => Some(format!("after-{after}")),
        (None, None) => None,
    };
    if let Some(segment) = segment {
        return Ok(see_other(Moment::path(&segment, page_of, stream)));
    }
    let zone = state.local_time().name().to_string();
    Ok(html_page(page(
        &format!("{} as it stood", access.name),
        Some(&who.session),
        html! {
            nav aria-label="Breadcrumb" { a href={ "/audit/streams/" (stream) } { "Timeline" } }
            h1 { (access.name) " as it stood" }
            p.muted { "The pages as the office would have shown them at a moment: built from the records that had reached it by then, and nothing after. Links on them keep to that moment." }
            form.stacked method="get" {
                label for="at" { "At a date, or a date and time (" (zone) "), such as 2026-11-15 or 2026-11-15 17:40" }
                input id="at" name="at";
                label for="after" { "Or just after a record reached the office (its id, from the timeline)" }
                input id="after" name="after";
                button type="submit" { "Show the pages" }
            }
        },
    )))
}

pub async fn decision(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(id, ..): RecordPath,
) -> Result<Response, WebError> {
    let person = who.session.person;
    let (access, context) = access::read_on(
        &state,
        Reader::Browser(person),
        route,
        Of::Record(id),
        Need::Auditor,
        move |s, access| audit::decision_context(s, access.stream_id, id),
    )
    .await?;
    let stream = access.stream_id;
    let local = state.local_time();
    let d = &context.decision;
    let words = |kind: &str| {
        EventKind::from_name(kind)
            .map(|k| k.words().to_string())
            .unwrap_or_else(|| kind.to_string())
    };
    let title_of = |record: EventId| {
        context
            .seen
            .iter()
            .chain(&context.not_seen)
            .find(|e| e.event_id == record)
            .map(|e| {
                format!(
                    "{}: {}",
                    words(&e.kind),
                    e.title.clone().unwrap_or_default()
                )
            })
    };
    let listed = |events: &[SeenEvent], not_seen: bool| {
        html! {
            (scrolling("Records", html! { table.stack {
                thead { tr { th { "Recorded" } th { "What" } th { "Who" } @if not_seen { th { "Why it had not reached them" } } } }
                tbody { @for e in events {
                    tr data-event=(e.event_id) {
                        td data-label="Recorded" { (local.text_of(&e.recorded_at)) }
                        td data-label="What" { (words(&e.kind)) @if let Some(t) = &e.title { ": " (t) } " " small.id { (e.event_id) } }
                        td data-label="Who" { (e.author.name) }
                        @if not_seen { td data-label="Why it had not reached them" { (e.why_not_seen.as_deref().unwrap_or("")) } }
                    }
                } }
            } }))
        }
    };
    let as_it_stood = Moment::path(&format!("after-{}", d.event_id), "projects", stream);
    Ok(html_page(page(
        "Decision in context",
        Some(&who.session),
        html! {
            nav aria-label="Breadcrumb" { a href={ "/audit/streams/" (stream) } { "Timeline" } }
            h1 { (words(&d.kind)) " by " (d.author.name) }
            @if let Some(content) = &d.content { p.notice { (one_line(content)) } }
            dl {
                dt { "Recorded on the device" } dd { (local.text_of(&d.recorded_at)) " (" (d.device.name) ")" }
                dt { "Reached the office" } dd { (d.received_at.as_deref().map(|t| local.text_of(t)).unwrap_or_else(|| "not recorded".into())) }
                dt { "Record" } dd { code { (d.event_id) } }
                dt { "Change" } dd { code { (d.change_hash.as_deref().unwrap_or("")) } }
            }
            p.links { a href=(as_it_stood) { "The project's pages as they stood when this reached the office" } }
            @if !context.rests_on.is_empty() {
                h2 { "The records it rests on" }
                ul { @for r in &context.rests_on {
                    li data-rests-on=(r.record) {
                        (title_of(r.record).unwrap_or_else(|| "a record".into())) " " small.id { (r.record) } ": "
                        @if r.had_seen { "seen by the decider" } @else { strong { "not seen by the decider" } }
                    }
                } }
            }
            h2 { "What the decider had seen (" (context.seen.len()) ")" }
            div.seen { (listed(&context.seen, false)) }
            h2 { "What existed but had not reached them (" (context.not_seen.len()) ")" }
            div.not-seen { (listed(&context.not_seen, true)) }
            @if let Some(content) = &d.content { details { summary { "Everything the record says" } pre { (pretty(content)) } } }
        },
    )))
}

pub async fn integrity(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(stream, ..): StreamPath,
) -> Result<Response, WebError> {
    let person = who.session.person;
    let (access, report) = access::read_on(
        &state,
        Reader::Browser(person),
        route,
        Of::Stream(stream),
        Need::Auditor,
        move |s, access| audit::integrity(s, access),
    )
    .await?;
    let name = access.name;
    let intact = report.intact;
    Ok(html_page(page(
        &format!("Integrity of {name}"),
        Some(&who.session),
        html! {
            nav aria-label="Breadcrumb" { a href={ "/audit/streams/" (stream) } { "Timeline" } }
            h1 { "Integrity of " (name) }
            @if intact {
                p.intact { "The history is intact: every change's hash and dependencies check out, and the receipt log agrees with the changes." }
            } @else {
                p.error role="alert" { "The history is NOT intact:" }
                ul { @for p in &report.problems { li { (p) } } }
            }
            p { "Download the " a href={ "/audit/streams/" (stream) "/bundle.tar" } { "audit bundle" } " and check it anywhere with " code { "praxis audit verify" } "." }
        },
    )))
}

pub async fn bundle(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(stream, ..): StreamPath,
) -> Result<Response, WebError> {
    let person = who.session.person;
    let (_, (bytes, digest)) = access::read_on(
        &state,
        Reader::Browser(person),
        route,
        Of::Stream(stream),
        Need::Auditor,
        move |s, access| audit::export(s, std::slice::from_ref(access)),
    )
    .await?;
    let digest = HeaderValue::from_str(&digest)
        .map_err(|e| WebError::from(ServerError::Internal(e.to_string())))?;
    let disposition = HeaderValue::from_str(&format!(
        "attachment; filename=\"praxis-audit-{}.tar\"",
        query_value(&stream.to_string())
    ))
    .map_err(|e| WebError::from(ServerError::Internal(e.to_string())))?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(BUNDLE_CONTENT_TYPE),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (header::HeaderName::from_static(MANIFEST_DIGEST), digest),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /audit/access`: the reads of the records the auditor audits, as the timeline
/// shows them.
pub async fn access(
    state: State<AppState>,
    who: SignedIn,
    route: Route,
    Query(mut query): Query<TimelineQuery>,
) -> Result<Response, WebError> {
    query.kind = Some("access".into());
    super::audit_timeline::show(state.0, who, route, query).await
}
