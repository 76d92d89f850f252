//! The auditor's pages: the streams they audit, each stream's timeline (events and
//! reads, late arrivals marked, with filters), a view as it stood, a decision's
//! context, the integrity check, the access log and the audit bundle. They read the
//! same functions as `/api/v1/audit/` (`crate::audit`), need the auditor role, and each
//! read is written to the access log under the person's browser device.

use super::layout::page;
use super::{SignedIn, WebError, html_page, query_value};
use crate::api::{AppState, parse_record, parse_stream};
use crate::audit::{self, Of, Reader, TimelineFilter};
use crate::error::ServerError;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use praxis_core::domain::dashboard::day_text;
use serde::Deserialize;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn millis(name: &str, value: &str, end_of_day: bool) -> Result<i64, ServerError> {
    if let Ok(t) = time::OffsetDateTime::parse(value, &Rfc3339) {
        return Ok((t.unix_timestamp_nanos() / 1_000_000) as i64);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(value, &format).map_err(|_| {
        ServerError::BadRequest(format!(
            "'{value}' for {name} is not a date (2026-03-10) or a date and time (2026-03-10T17:40:00Z)."
        ))
    })?;
    let t = if end_of_day {
        date.with_hms_milli(23, 59, 59, 999)
            .map_err(|e| ServerError::BadRequest(e.to_string()))?
    } else {
        date.midnight()
    };
    Ok((t.assume_utc().unix_timestamp_nanos() / 1_000_000) as i64)
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
        .with(move |s| audit::audited_streams(s, person))
        .await?;
    Ok(html_page(page(
        "Audit",
        Some(&who.session),
        html! {
            h1 { "Audit" }
            @if streams.is_empty() {
                p.notice { "You are not an auditor for any team or collaborative. Ask an administrator to grant the auditor role." }
            }
            ul {
                @for s in &streams {
                    li {
                        a href={ "/audit/streams/" (s.stream_id) } { (s.name) } " · "
                        a href={ "/audit/streams/" (s.stream_id) "/integrity" } { "integrity" } " · "
                        a href={ "/audit/streams/" (s.stream_id) "/as-it-stood" } { "as it stood" } " · "
                        a href={ "/audit/streams/" (s.stream_id) "/bundle.tar" } { "audit bundle" }
                    }
                }
            }
            p { a href="/audit/access" { "The access log: who read which records" } }
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

fn timeline_table(entries: &[Value]) -> Markup {
    html! {
        table {
            thead { tr { th { "Reached the office" } th { "What" } th { "Who" } th { "Device" } th { "Recorded on the device" } th { "Content" } } }
            tbody {
                @for e in entries {
                    @if e["entry"] == "access" {
                        tr.access {
                            td { (text(&e["at"])) }
                            td { "read: " (text(&e["route"])) }
                            td { (text(&e["person"]["name"])) }
                            td { (text(&e["device"]["name"])) }
                            td { }
                            td { @if !e["record"].is_null() { (text(&e["record"])) } }
                        }
                    } @else {
                        tr class=(if e["late"] == true { "late" } else { "event" }) {
                            td {
                                (text(&e["received_at"]))
                                @if e["late"] == true { " " strong { "late" } " (" (text(&e["delay_seconds"])) " s after it was recorded)" }
                            }
                            td {
                                @if matches!(e["kind"].as_str(), Some("cycle-acted" | "coordinator-score-given" | "manager-decision-recorded" | "resolution")) {
                                    a href={ "/audit/decisions/" (text(&e["event_id"])) } { (text(&e["kind"])) }
                                } @else { (text(&e["kind"])) }
                            }
                            td { (text(&e["author"]["name"])) " (" (e["roles"].as_array().map(|r| r.iter().map(text).collect::<Vec<_>>().join(", ")).unwrap_or_default()) ")" }
                            td { (text(&e["device"]["name"])) }
                            td { (text(&e["recorded_at"])) }
                            td { details { summary { (text(&e["event_id"])) } pre { (serde_json::to_string_pretty(&e["content"]).unwrap_or_default()) } } }
                        }
                    }
                }
            }
        }
    }
}

pub async fn timeline(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
    Query(form): Query<TimelineForm>,
) -> Result<Response, WebError> {
    let stream = parse_stream(&id)?;
    let person = who.session.person;
    let filter = TimelineFilter {
        stream: Some(stream),
        person: some(&form.person),
        team: None,
        cycle: some(&form.cycle).map(|c| parse_record(&c)).transpose()?,
        kind: some(&form.kind),
        from: some(&form.from)
            .map(|f| millis("from", &f, false))
            .transpose()?,
        to: some(&form.to).map(|t| millis("to", &t, true)).transpose()?,
    };
    let (name, entries) = state
        .with(move |s| {
            let access = audit::auditable(s, person, stream)?;
            let entries = audit::timeline(s, person, &filter)?;
            s.log_browser_access(person, "GET /audit/streams/{id}", &[(stream, None)])?;
            Ok::<_, ServerError>((access.name, entries))
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
    Path(id): Path<String>,
    Query(form): Query<AsItStoodForm>,
) -> Result<Response, WebError> {
    let stream = parse_stream(&id)?;
    let person = who.session.person;
    let at = some(&form.at).map(|t| millis("at", &t, true)).transpose()?;
    let after = some(&form.after).map(|a| parse_record(&a)).transpose()?;
    let record = some(&form.id).map(|r| parse_record(&r)).transpose()?;
    let view = some(&form.view).unwrap_or_else(|| "overview".into());
    let asked = at.is_some() || after.is_some();
    let shown_view = view.clone();
    let (name, shown) = state
        .with(move |s| {
            let access = audit::auditable(s, person, stream)?;
            let shown = if asked && shown_view == audit::DASHBOARD {
                let (point, dashboard, held) =
                    audit::dashboard_as_it_stood(s, person, &access, at, after)?;
                let value = audit::to_value(&dashboard)?;
                Some((point, held, value, Some(dashboard)))
            } else if asked {
                let (point, folded, held) = audit::as_it_stood(s, stream, at, after)?;
                let value =
                    audit::to_value(&audit::view_of(&folded, access.kind, &shown_view, record)?)?;
                Some((point, held.len(), value, None))
            } else {
                None
            };
            let mut reads = vec![(stream, record)];
            if let Some((_, _, _, Some(d))) = &shown {
                reads.extend(d.teams.iter().map(|t| (t.stream, None)));
            }
            s.log_browser_access(person, "GET /audit/streams/{id}/as-it-stood", &reads)?;
            Ok::<_, ServerError>((access.name, shown))
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
                    @for v in ["overview", "cycle", "measure", "report", "history", audit::DASHBOARD] {
                        option value=(v) selected[v == view] { (v) }
                    }
                } }
                label { " Record " input name="id" value=(value(&form.id)); }
                button type="submit" { "Show" }
            }
            @if let Some((point, events, value, dashboard)) = &shown {
                p { (events) " records had reached the office " (serde_json::to_value(point).map(|p| text(&p["at"])).unwrap_or_default()) "." }
                @if let Some(d) = dashboard {
                    h2 { "Dashboard of " (d.name) " as it stood on " (day_text(d.today)) }
                    p.notice data-calendar { strong { "Where the collaborative was: " } (d.calendar.text) }
                    (super::dashboard::teams_table(d))
                }
                @if view == "overview" && value["measures"].is_array() {
                    h2 { "Measures" }
                    ul { @for m in value["measures"].as_array().into_iter().flatten() {
                        li { (text(&m["definition"]["name"])) ": " (text(&m["measurements"])) " measurements" }
                    } }
                    h2 { "Cycles" }
                    ul { @for (stage, cycles) in value["cycles_by_stage"].as_object().into_iter().flatten() {
                        li { (stage) ": " (cycles.as_array().map(|c| c.len()).unwrap_or(0)) }
                    } }
                    h2 { "Reports" }
                    ul { @for r in value["reports"].as_array().into_iter().flatten() {
                        li { (text(&r["month"])) ": self-assessed " (text(&r["self_score"])) ", coordinator " (r["coordinator_scores"].to_string()) }
                    } }
                    @if value["conflicts"].as_array().is_some_and(|c| !c.is_empty()) { p.notice { "Open conflicts: " (value["conflicts"].as_array().map(|c| c.len()).unwrap_or(0)) } }
                }
                details open[view != "overview"] { summary { "Everything in this view" } pre { (serde_json::to_string_pretty(value).unwrap_or_default()) } }
            }
        },
    )))
}

pub async fn decision(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let id = parse_record(&id)?;
    let person = who.session.person;
    let (access, context) = state
        .with(move |s| {
            audit::audited(
                s,
                Reader::Browser(person),
                "GET /audit/decisions/{id}",
                Of::Record(id),
                |s, access| audit::decision_context(s, access.stream_id, id),
            )
        })
        .await?;
    let stream = access.stream_id;
    let d = &context["decision"];
    let list = |key: &str| context[key].as_array().cloned().unwrap_or_default();
    Ok(html_page(page(
        "Decision in context",
        Some(&who.session),
        html! {
            nav aria-label="Breadcrumb" { a href={ "/audit/streams/" (stream) } { "Timeline" } }
            h1 { (text(&d["kind"])) " by " (text(&d["author"]["name"])) }
            dl {
                dt { "Recorded on the device" } dd { (text(&d["recorded_at"])) " (" (text(&d["device"]["name"])) ")" }
                dt { "Reached the office" } dd { (text(&d["received_at"])) }
                dt { "Change" } dd { code { (text(&d["change_hash"])) } }
            }
            pre { (serde_json::to_string_pretty(&d["content"]).unwrap_or_default()) }
            @if !list("rests_on").is_empty() {
                h2 { "The records it rests on" }
                ul { @for r in list("rests_on") {
                    li { (text(&r["record"])) ": " @if r["had_seen"] == true { "seen by the decider" } @else { strong { "not seen by the decider" } } }
                } }
            }
            h2 { "What the decider had seen (" (list("seen").len()) ")" }
            ul.seen { @for e in list("seen") {
                li { (text(&e["recorded_at"])) " " (text(&e["kind"])) " by " (text(&e["author"]["name"])) ": " (text(&e["title"])) }
            } }
            h2 { "What existed but had not reached them (" (list("not_seen").len()) ")" }
            ul.not-seen { @for e in list("not_seen") {
                li { (text(&e["recorded_at"])) " " (text(&e["kind"])) " by " (text(&e["author"]["name"])) ": " (text(&e["title"])) " — " (text(&e["why_not_seen"])) }
            } }
            h2 { "The project as they saw it" }
            details { summary { "Overview" } pre { (serde_json::to_string_pretty(&context["view_as_seen"]).unwrap_or_default()) } }
        },
    )))
}

pub async fn integrity(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let stream = parse_stream(&id)?;
    let person = who.session.person;
    let (access, report) = state
        .with(move |s| {
            audit::audited(
                s,
                Reader::Browser(person),
                "GET /audit/streams/{id}/integrity",
                Of::Stream(stream),
                |s, access| audit::integrity(s, access),
            )
        })
        .await?;
    let name = access.name;
    let intact = report["intact"] == true;
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
                ul { @for p in report["problems"].as_array().into_iter().flatten() { li { (text(p)) } } }
            }
            p { "Download the " a href={ "/audit/streams/" (stream) "/bundle.tar" } { "audit bundle" } " and check it anywhere with " code { "praxis audit verify" } "." }
        },
    )))
}

pub async fn bundle(
    State(state): State<AppState>,
    who: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let stream = parse_stream(&id)?;
    let person = who.session.person;
    let (_, (bytes, digest)) = state
        .with(move |s| {
            audit::audited(
                s,
                Reader::Browser(person),
                "GET /audit/streams/{id}/bundle.tar",
                Of::Stream(stream),
                |s, access| audit::export(s, std::slice::from_ref(access)),
            )
        })
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
                HeaderValue::from_static("application/x-tar"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (
                header::HeaderName::from_static(crate::api::MANIFEST_DIGEST),
                digest,
            ),
        ],
        bytes,
    )
        .into_response())
}

pub async fn access(
    State(state): State<AppState>,
    who: SignedIn,
    Query(form): Query<TimelineForm>,
) -> Result<Response, WebError> {
    let person = who.session.person;
    let filter = TimelineFilter {
        person: some(&form.person),
        kind: Some("access".into()),
        from: some(&form.from)
            .map(|f| millis("from", &f, false))
            .transpose()?,
        to: some(&form.to).map(|t| millis("to", &t, true)).transpose()?,
        ..TimelineFilter::default()
    };
    let entries = state
        .with(move |s| {
            let entries = audit::timeline(s, person, &filter)?;
            let reads: Vec<_> = audit::audited_streams(s, person)?
                .into_iter()
                .map(|access| (access.stream_id, None))
                .collect();
            s.log_browser_access(person, "GET /audit/access", &reads)?;
            Ok::<_, ServerError>(entries)
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
