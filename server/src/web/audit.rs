//! The auditor's pages: the streams they audit, each stream's timeline (events and
//! reads, late arrivals marked, with filters), a view as it stood, a decision's
//! context, the integrity check, the access log and the audit bundle. They read the
//! same functions as `/api/v1/audit/` (`crate::audit`), need the auditor role, and each
//! read is written to the access log under the person's browser device.

use super::layout::{page, scrolling};
use super::teams_table::teams_table;
use super::{RecordPath, SignedIn, StreamPath, WebError, html_page, query_value};
use crate::access::{self, Id, Need, Of, Reader, Route, parse_id};
use crate::audit::{self, TimelineFilter};
use crate::error::ServerError;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use praxis_core::dates::{DayEnd, parse_instant};
use praxis_core::domain::dashboard::{Dashboard, day_text};
use praxis_core::domain::ids::EventId;
use praxis_core::protocol::audit::{DASHBOARD, Point, TimelineEntry, VIEWS, View};
use praxis_core::protocol::{BUNDLE_CONTENT_TYPE, MANIFEST_DIGEST};
use serde::Deserialize;

/// A date and time, or a date standing for its first or last millisecond.
fn millis(name: &str, value: &str, end: DayEnd) -> Result<i64, ServerError> {
    parse_instant(value, end).map_err(|e| ServerError::BadRequest(format!("{e} (for {name})")))
}

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
            p.links { a href="/audit/access" { "The access log: who read which records" } }
        },
    )))
}

#[derive(Deserialize, Default)]
pub struct TimelineForm {
    person: Option<String>,
    cycle: Option<String>,
    kind: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

fn timeline_table(entries: &[TimelineEntry]) -> Markup {
    html! {
        (scrolling("Timeline", html! { table.stack {
            thead { tr { th { "Reached the office" } th { "What" } th { "Who" } th { "Device" } th { "Recorded on the device" } th { "Content" } } }
            tbody {
                @for entry in entries {
                    @match entry {
                        TimelineEntry::Access(a) => {
                            tr.access {
                                td data-label="Reached the office" { (a.at) }
                                td data-label="What" { "read: " (a.route) }
                                td data-label="Who" { (a.person.name) }
                                td data-label="Device" { (a.device.name) }
                                td { }
                                td data-label="Record" { @if let Some(r) = a.record { (r) } }
                            }
                        }
                        TimelineEntry::Event(e) => {
                            tr class=(if e.late { "late" } else { "event" }) {
                                td data-label="Reached the office" {
                                    (e.received_at)
                                    @if e.late { " " strong { "late" } " (" (e.delay_seconds) " s after it was recorded)" }
                                }
                                td data-label="What" {
                                    @if e.is_decision() {
                                        a href={ "/audit/decisions/" (e.event_id) } { (e.kind) }
                                    } @else { (e.kind) }
                                }
                                td data-label="Who" { (e.author.name) " (" (e.roles.join(", ")) ")" }
                                td data-label="Device" { (e.device.name) }
                                td data-label="Recorded on the device" { (e.recorded_at) }
                                td data-label="Content" { details { summary { (e.event_id) } pre { (pretty(&e.content)) } } }
                            }
                        }
                    }
                }
            }
        } }))
    }
}

pub async fn timeline(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(stream, ..): StreamPath,
    Query(form): Query<TimelineForm>,
) -> Result<Response, WebError> {
    let person = who.session.person;
    let filter = TimelineFilter {
        stream: Some(stream),
        person: some(&form.person),
        team: None,
        cycle: record(&form.cycle)?,
        kind: some(&form.kind),
        from: some(&form.from)
            .map(|f| millis("from", &f, DayEnd::Start))
            .transpose()?,
        to: some(&form.to)
            .map(|t| millis("to", &t, DayEnd::End))
            .transpose()?,
    };
    let (name, entries) = state
        .with(move |s| {
            let access = access::check(s, person, stream, Need::Auditor)?;
            let entries = audit::timeline(s, person, &filter)?;
            Reader::Browser(person).log(s, &route, &[(stream, None)])?;
            Ok((access.name, entries))
        })
        .await?;
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    Ok(html_page(page(
        &format!("Timeline of {name}"),
        Some(&who.session),
        html! {
            nav aria-label="Breadcrumb" { a href="/audit" { "Audit" } }
            h1 { "Timeline of " (name) }
            p.muted { "Every record in the order it reached the office, with who recorded it, where and when, and every read of the records. A record is late when it reached the office after a record made after it had already arrived." }
            form method="get" {
                label { "Person " input name="person" value=(value(&form.person)); }
                label { " Kind " input name="kind" value=(value(&form.kind)); }
                label { " Cycle " input name="cycle" value=(value(&form.cycle)); }
                label { " From " input name="from" value=(value(&form.from)); }
                label { " To " input name="to" value=(value(&form.to)); }
                button type="submit" { "Filter" }
            }
            p { (entries.len()) " entries" }
            (timeline_table(&entries))
        },
    )))
}

#[derive(Deserialize, Default)]
pub struct AsItStoodForm {
    at: Option<String>,
    after: Option<String>,
    view: Option<String>,
    id: Option<String>,
}

pub async fn as_it_stood(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(stream, ..): StreamPath,
    Query(form): Query<AsItStoodForm>,
) -> Result<Response, WebError> {
    let person = who.session.person;
    let at = some(&form.at)
        .map(|t| millis("at", &t, DayEnd::End))
        .transpose()?;
    let after = record(&form.after)?;
    let record = record(&form.id)?;
    let view = some(&form.view).unwrap_or_else(|| "overview".into());
    let asked = at.is_some() || after.is_some();
    let shown_view = view.clone();
    let (name, shown) = state
        .with(move |s| {
            let access = access::check(s, person, stream, Need::Auditor)?;
            let shown: Option<(Point, usize, View)> = if asked && shown_view == DASHBOARD {
                let (point, dashboard, held) =
                    audit::dashboard_as_it_stood(s, person, &access, at, after)?;
                Some((point, held, View::Dashboard(dashboard)))
            } else if asked {
                let (point, folded, held) = audit::as_it_stood(s, stream, at, after)?;
                let view = audit::view_of(&folded, access.kind, &shown_view, record)?;
                Some((point, held.len(), view))
            } else {
                None
            };
            let mut reads = vec![(stream, record)];
            if let Some((_, _, View::Dashboard(d))) = &shown {
                reads.extend(d.teams.iter().map(|t| (t.stream, None)));
            }
            Reader::Browser(person).log(s, &route, &reads)?;
            Ok((access.name, shown))
        })
        .await?;
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    Ok(html_page(page(
        &format!("{name} as it stood"),
        Some(&who.session),
        html! {
            nav aria-label="Breadcrumb" { a href={ "/audit/streams/" (stream) } { "Timeline" } }
            h1 { (name) " as it stood" }
            p.muted { "What the office held at a moment: the records that had reached it by then, shown as the live pages would have shown them." }
            form method="get" {
                label { "At (date, or date and time) " input name="at" value=(value(&form.at)); }
                label { " or just after the record " input name="after" value=(value(&form.after)); }
                label { " View " select name="view" {
                    @for v in VIEWS {
                        option value=(v) selected[v == view] { (v) }
                    }
                } }
                label { " Record " input name="id" value=(value(&form.id)); }
                button type="submit" { "Show" }
            }
            @if let Some((point, events, shown)) = &shown {
                p { (events) " records had reached the office " (point_text(point)) "." }
                @match shown {
                    View::Dashboard(d) => (dashboard_as_it_stood(d)),
                    View::Project(o) => {
                        h2 { "Measures" }
                        ul { @for m in &o.measures {
                            li { (m.definition.as_ref().map(|d| d.name.as_str()).unwrap_or("a measure in conflict")) ": " (m.measurements) " measurements" }
                        } }
                        h2 { "Cycles" }
                        ul { @for (stage, cycles) in &o.cycles_by_stage {
                            li { (stage) ": " (cycles.len()) }
                        } }
                        h2 { "Reports" }
                        ul { @for r in &o.reports {
                            li { (r.month) ": self-assessed " (r.self_score) ", coordinator " (r.coordinator_scores.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")) }
                        } }
                        @if !o.conflicts.is_empty() { p.notice { "Open conflicts: " (o.conflicts.len()) } }
                    }
                    _ => {}
                }
                details open[view != "overview"] { summary { "Everything in this view" } pre { (pretty(shown)) } }
            }
        },
    )))
}

fn point_text(point: &Point) -> &str {
    match point {
        Point::At { at } | Point::After { at, .. } => at,
    }
}

fn dashboard_as_it_stood(d: &Dashboard) -> Markup {
    html! {
        h2 { "Dashboard of " (d.name) " as it stood on " (day_text(d.today)) }
        p.notice data-calendar { strong { "Where the collaborative was: " } (d.calendar.text) }
        (teams_table(d))
    }
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
    let d = &context.decision;
    Ok(html_page(page(
        "Decision in context",
        Some(&who.session),
        html! {
            nav aria-label="Breadcrumb" { a href={ "/audit/streams/" (stream) } { "Timeline" } }
            h1 { (d.kind) " by " (d.author.name) }
            dl {
                dt { "Recorded on the device" } dd { (d.recorded_at) " (" (d.device.name) ")" }
                dt { "Reached the office" } dd { (d.received_at.as_deref().unwrap_or("")) }
                dt { "Change" } dd { code { (d.change_hash.as_deref().unwrap_or("")) } }
            }
            pre { (pretty(&d.content)) }
            @if !context.rests_on.is_empty() {
                h2 { "The records it rests on" }
                ul { @for r in &context.rests_on {
                    li { (r.record) ": " @if r.had_seen { "seen by the decider" } @else { strong { "not seen by the decider" } } }
                } }
            }
            h2 { "What the decider had seen (" (context.seen.len()) ")" }
            ul.seen { @for e in &context.seen {
                li { (e.recorded_at) " " (e.kind) " by " (e.author.name) ": " (e.title.as_deref().unwrap_or("")) }
            } }
            h2 { "What existed but had not reached them (" (context.not_seen.len()) ")" }
            ul.not-seen { @for e in &context.not_seen {
                li { (e.recorded_at) " " (e.kind) " by " (e.author.name) ": " (e.title.as_deref().unwrap_or("")) " — " (e.why_not_seen.as_deref().unwrap_or("")) }
            } }
            h2 { "The project as they saw it" }
            details { summary { "Overview" } pre { (pretty(&context.view_as_seen)) } }
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

pub async fn access(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Query(form): Query<TimelineForm>,
) -> Result<Response, WebError> {
    let person = who.session.person;
    let filter = TimelineFilter {
        person: some(&form.person),
        kind: Some("access".into()),
        from: some(&form.from)
            .map(|f| millis("from", &f, DayEnd::Start))
            .transpose()?,
        to: some(&form.to)
            .map(|t| millis("to", &t, DayEnd::End))
            .transpose()?,
        ..TimelineFilter::default()
    };
    let entries = state
        .with(move |s| {
            let entries = audit::timeline(s, person, &filter)?;
            let reads: Vec<_> = access::audited_streams(s, person)?
                .into_iter()
                .map(|access| (access.stream_id, None))
                .collect();
            Reader::Browser(person).log(s, &route, &reads)?;
            Ok(entries)
        })
        .await?;
    Ok(html_page(page(
        "Access log",
        Some(&who.session),
        html! {
            nav aria-label="Breadcrumb" { a href="/audit" { "Audit" } }
            h1 { "Who read which records" }
            form method="get" {
                label { "Person " input name="person" value=(form.person.clone().unwrap_or_default()); }
                button type="submit" { "Filter" }
            }
            (timeline_table(&entries))
        },
    )))
}
