//! The auditor's timeline in plain language: every record of the streams they audit,
//! and every read of them, in the order they reached the office, with people's names,
//! local dates and times, a line on what each record says and a link to where it
//! lives (its id beside it). Drop-down filters for stream, team, person and kind, a
//! date range, pages of results, and the same filtered timeline as CSV or JSON.

use super::export::{csv_response, file_name};
use super::layout::{page, scrolling};
use super::{SignedIn, StreamPath, WebError, counted, html_page, query_value};
use crate::access::{self, Id, Reader, Route, parse_id};
use crate::audit::{self, TimelineFilter};
use crate::error::ServerError;
use crate::local_time::LocalTime;
use crate::state::AppState;
use crate::storage::{Person, StreamAccess, Team};
use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use praxis_core::domain::event::Event;
use praxis_core::domain::event_kind::EventKind;
use praxis_core::domain::ids::StreamId;
use praxis_core::domain::record::StreamKind;
use praxis_core::domain::summary::one_line;
use praxis_core::protocol::audit::{EventEntry, Timeline, TimelineEntry};
use serde::Deserialize;
use std::collections::HashMap;

/// Entries on one page of the timeline.
pub const PER_PAGE: usize = 50;

/// The filters, as the form and the export links give them.
#[derive(Clone, Deserialize, Default)]
pub struct TimelineQuery {
    stream: Option<String>,
    team: Option<String>,
    person: Option<String>,
    pub(super) kind: Option<String>,
    /// Local dates (or dates and times), first and last.
    from: Option<String>,
    to: Option<String>,
    page: Option<usize>,
}

fn given(value: &Option<String>) -> Option<String> {
    value
        .as_ref()
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

impl TimelineQuery {
    fn filter(&self, local: &LocalTime) -> Result<TimelineFilter, ServerError> {
        let instant = |name: &str, value: &Option<String>, end: bool| {
            given(value)
                .map(|v| {
                    local
                        .parse(&v, end)
                        .map_err(|e| ServerError::BadRequest(format!("{e} (for {name})")))
                })
                .transpose()
        };
        Ok(TimelineFilter {
            stream: given(&self.stream)
                .map(|s| parse_id::<StreamId>(&s))
                .transpose()?,
            team: given(&self.team),
            person: given(&self.person),
            cycle: None,
            kind: given(&self.kind),
            from: instant("from", &self.from, false)?,
            to: instant("to", &self.to, true)?,
        })
    }

    /// The query again, with another page (or none, for the exports).
    fn with_page(&self, page: Option<usize>) -> String {
        let mut parts = Vec::new();
        for (name, value) in [
            ("stream", &self.stream),
            ("team", &self.team),
            ("person", &self.person),
            ("kind", &self.kind),
            ("from", &self.from),
            ("to", &self.to),
        ] {
            if let Some(v) = given(value) {
                parts.push(format!("{name}={}", query_value(&v)));
            }
        }
        if let Some(p) = page {
            parts.push(format!("page={p}"));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

/// What the form offers to choose from.
struct Choices {
    streams: Vec<StreamAccess>,
    teams: Vec<Team>,
    people: Vec<Person>,
}

/// The filtered timeline and the choices, read under the auditor's access, logged.
async fn read(
    state: &AppState,
    person: praxis_core::domain::ids::PersonId,
    route: Route,
    filter: TimelineFilter,
) -> Result<(Vec<TimelineEntry>, Choices), ServerError> {
    state
        .with(move |s| {
            let entries = audit::timeline(s, person, &filter)?;
            let streams = access::audited_streams(s, person)?;
            let collaboratives: Vec<StreamId> = streams
                .iter()
                .filter_map(|a| match a.kind {
                    StreamKind::Collaborative => Some(a.stream_id),
                    _ => a.collaborative,
                })
                .collect();
            let teams = s
                .teams()?
                .into_iter()
                .filter(|t| collaboratives.contains(&t.collaborative))
                .collect();
            let mut people = s.people()?;
            people.sort_by(|a, b| a.name.cmp(&b.name));
            let reads: Vec<_> = match filter.stream {
                Some(stream) => vec![(stream, None)],
                None => streams.iter().map(|a| (a.stream_id, None)).collect(),
            };
            Reader::Browser(person).log(s, &route, &reads)?;
            Ok((
                entries,
                Choices {
                    streams,
                    teams,
                    people,
                },
            ))
        })
        .await
}

/// `GET /audit/timeline`
pub async fn timeline(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Query(query): Query<TimelineQuery>,
) -> Result<Response, WebError> {
    show(state, who, route, query).await
}

/// `GET /audit/streams/{id}`: the timeline of one stream.
pub async fn stream_timeline(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(stream, ..): StreamPath,
    Query(mut query): Query<TimelineQuery>,
) -> Result<Response, WebError> {
    query.stream = Some(stream.to_string());
    show(state, who, route, query).await
}

pub(super) async fn show(
    state: AppState,
    who: SignedIn,
    route: Route,
    query: TimelineQuery,
) -> Result<Response, WebError> {
    let local = state.local_time().clone();
    let filter = query.filter(&local)?;
    let (entries, choices) = read(&state, who.session.person, route, filter).await?;
    let pages = entries.len().div_ceil(PER_PAGE).max(1);
    let page_number = query.page.unwrap_or(1).clamp(1, pages);
    let first = (page_number - 1) * PER_PAGE;
    let shown = &entries[first.min(entries.len())..(first + PER_PAGE).min(entries.len())];
    let kinds: HashMap<StreamId, StreamKind> = choices
        .streams
        .iter()
        .map(|s| (s.stream_id, s.kind))
        .collect();
    let one_stream = given(&query.stream).and_then(|s| {
        choices
            .streams
            .iter()
            .find(|a| a.stream_id.to_string() == s)
    });
    let reads_only = given(&query.kind).as_deref() == Some("access");
    let title = match (reads_only, one_stream) {
        (true, Some(s)) => format!("Who read which records of {}", s.name),
        (true, None) => "Who read which records".to_string(),
        (false, Some(s)) => format!("Timeline of {}", s.name),
        (false, None) => "Timeline".to_string(),
    };
    let selected = |value: &Option<String>, option: &str| given(value).as_deref() == Some(option);
    let content = html! {
        nav aria-label="Breadcrumb" { a href="/audit" { "Audit" } }
        h1 { (title) }
        p.muted { "Every record in the order it reached the office, with who recorded it, where and when, and every read of the records. Times are " (local.name()) " time. A record is late when it reached the office after a record made after it had already arrived." }
        @if let Some(s) = one_stream {
            p.links {
                a href={ "/audit/streams/" (s.stream_id) "/as-it-stood" } { "The pages as they stood at a moment" } " · "
                a href={ "/audit/streams/" (s.stream_id) "/integrity" } { "Integrity" }
            }
        }
        form.stacked.filters method="get" action="/audit/timeline" {
            label { "Stream" select name="stream" {
                option value="" { "All I audit" }
                @for s in &choices.streams {
                    option value=(s.stream_id) selected[selected(&query.stream, &s.stream_id.to_string())] { (s.name) }
                }
            } }
            label { "Team" select name="team" {
                option value="" { "Any" }
                @for t in &choices.teams {
                    option value=(t.id) selected[selected(&query.team, &t.id.to_string())] { (t.name) }
                }
            } }
            label { "Person" select name="person" {
                option value="" { "Anyone" }
                @for p in &choices.people {
                    option value=(p.id) selected[selected(&query.person, &p.id.to_string())] { (p.name) }
                }
            } }
            label { "What" select name="kind" {
                option value="" { "Everything" }
                option value="access" selected[selected(&query.kind, "access")] { "Reads of records" }
                @for k in EventKind::ALL {
                    option value=(k.name()) selected[selected(&query.kind, k.name())] { (k.words()) }
                }
            } }
            label { "From" input type="date" name="from" value=(query.from.clone().unwrap_or_default()); }
            label { "To" input type="date" name="to" value=(query.to.clone().unwrap_or_default()); }
            button type="submit" { "Filter" }
        }
        p data-entries=(entries.len()) {
            (counted(entries.len(), "entry", "entries"))
            @if entries.len() > PER_PAGE { ", " (first + 1) " to " (first + shown.len()) " shown" }
            " · Download: "
            a href={ "/audit/timeline.csv" (query.with_page(None)) } { "CSV" } " · "
            a href={ "/audit/timeline.json" (query.with_page(None)) } { "JSON" }
        }
        (table(shown, &local, &kinds))
        @if pages > 1 {
            nav.pages aria-label="Pages" {
                @if page_number > 1 { a rel="prev" href={ "/audit/timeline" (query.with_page(Some(page_number - 1))) } { "Earlier" } " " }
                "Page " (page_number) " of " (pages)
                @if page_number < pages { " " a rel="next" href={ "/audit/timeline" (query.with_page(Some(page_number + 1))) } { "Later" } }
            }
        }
    };
    Ok(html_page(page(&title, Some(&who.session), content)))
}

/// Where a record is shown: its own page, or the page it belongs on.
pub fn record_href(entry: &EventEntry, kind: Option<StreamKind>) -> Option<String> {
    let stream = entry.stream;
    let id = entry.event_id;
    let on_stream = || match kind {
        Some(StreamKind::Project) => Some(format!("/projects/{stream}")),
        Some(StreamKind::Collaborative) => Some(format!("/collaboratives/{stream}")),
        _ => None,
    };
    match entry.content.as_ref()? {
        Event::CyclePlanned(_) => Some(format!("/cycles/{id}")),
        Event::CycleDone { cycle, .. }
        | Event::CycleStudied { cycle, .. }
        | Event::CycleActed { cycle, .. }
        | Event::ExpectationStated { cycle, .. } => Some(format!("/cycles/{cycle}")),
        Event::ObservationRecorded(o) => match o.cycle {
            Some(cycle) => Some(format!("/cycles/{cycle}")),
            None => on_stream(),
        },
        Event::MeasureDefined(_) => Some(format!("/measures/{id}")),
        Event::MeasureRevised { measure, .. }
        | Event::BaselineSet { measure, .. }
        | Event::MeasurementRecorded(praxis_core::domain::event::Measurement { measure, .. }) => {
            Some(format!("/measures/{measure}"))
        }
        Event::MonthlyReportSubmitted(_) => on_stream().map(|p| format!("{p}#report-{id}")),
        Event::CoordinatorScoreGiven { report, .. } | Event::ScoreSuggested { report, .. } => {
            on_stream().map(|p| format!("{p}#report-{report}"))
        }
        _ => on_stream(),
    }
}

fn table(
    entries: &[TimelineEntry],
    local: &LocalTime,
    kinds: &HashMap<StreamId, StreamKind>,
) -> Markup {
    html! {
        (scrolling("Timeline", html! { table.stack.timeline {
            thead { tr { th { "Reached the office" } th { "What" } th { "Record" } th { "Who" } th { "Device" } th { "Recorded on the device" } } }
            tbody {
                @for entry in entries {
                    @match entry {
                        TimelineEntry::Access(a) => {
                            tr.access {
                                td data-label="Reached the office" { (local.text_of(&a.at)) }
                                td data-label="What" { "Read" }
                                td data-label="Record" {
                                    code { (a.route) }
                                    @if let Some(name) = &a.stream_name { " of " (name) }
                                    @if let Some(r) = a.record { " " small.id { (r) } }
                                }
                                td data-label="Who" { (a.person.name) }
                                td data-label="Device" { (a.device.name) }
                                td { }
                            }
                        }
                        TimelineEntry::Event(e) => {
                            @let kind = EventKind::from_name(&e.kind);
                            tr class=(if e.late { "late" } else { "event" }) data-event=(e.event_id) {
                                td data-label="Reached the office" {
                                    (local.text_of(&e.received_at))
                                    @if e.late { " " strong { "late" } " (" (delay_words(e.delay_seconds)) " after it was recorded)" }
                                }
                                td data-label="What" {
                                    @let words = kind.map(|k| k.words()).unwrap_or("A record of a newer Praxis");
                                    @if e.is_decision() {
                                        a href={ "/audit/decisions/" (e.event_id) } { (words) }
                                    } @else { (words) }
                                    br; span.muted { (e.stream_name) }
                                }
                                td data-label="Record" {
                                    @let line = e.content.as_ref().map(one_line).unwrap_or_default();
                                    @match record_href(e, kinds.get(&e.stream).copied()) {
                                        Some(href) => a href=(href) { (line) },
                                        None => (line),
                                    }
                                    " " small.id { (e.event_id) }
                                }
                                td data-label="Who" { (e.author.name) @if !e.roles.is_empty() { " (" (e.roles.join(", ")) ")" } }
                                td data-label="Device" { (e.device.name) }
                                td data-label="Recorded on the device" { (local.text_of(&e.recorded_at)) }
                            }
                        }
                    }
                }
            }
        } }))
    }
}

/// A delay in words: "40 s", "3 h 20 min", "12 days".
fn delay_words(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s} s"),
        s if s < 2 * 3600 => format!("{} min", s / 60),
        s if s < 2 * 86_400 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        s => format!("{} days", s / 86_400),
    }
}

/// `GET /audit/timeline.json`: the filtered timeline, every entry, as the API's
/// `Timeline`.
pub async fn timeline_json(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Query(query): Query<TimelineQuery>,
) -> Result<Response, WebError> {
    let filter = query.filter(state.local_time())?;
    let (entries, _) = read(&state, who.session.person, route, filter).await?;
    Ok(Json(Timeline { entries }).into_response())
}

/// The CSV's columns, one row per entry.
pub const CSV_COLUMNS: [&str; 16] = [
    "reached_office",
    "reached_office_local",
    "entry",
    "kind",
    "what",
    "summary",
    "stream",
    "stream_name",
    "record",
    "person",
    "person_id",
    "roles",
    "device",
    "recorded_on_device",
    "late",
    "receipt",
];

/// `GET /audit/timeline.csv`: the filtered timeline, every entry, one row each.
pub async fn timeline_csv(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Query(query): Query<TimelineQuery>,
) -> Result<Response, WebError> {
    let local = state.local_time().clone();
    let filter = query.filter(&local)?;
    let (entries, _) = read(&state, who.session.person, route, filter).await?;
    let mut rows = vec![CSV_COLUMNS.iter().map(|c| c.to_string()).collect()];
    for entry in &entries {
        rows.push(match entry {
            TimelineEntry::Event(e) => vec![
                e.received_at.clone(),
                local.text_of(&e.received_at),
                "record".into(),
                e.kind.clone(),
                EventKind::from_name(&e.kind)
                    .map(|k| k.words().to_string())
                    .unwrap_or_default(),
                e.content.as_ref().map(one_line).unwrap_or_default(),
                e.stream.to_string(),
                e.stream_name.clone(),
                e.event_id.to_string(),
                e.author.name.clone(),
                e.author.id.to_string(),
                e.roles.join(" "),
                e.device.name.clone(),
                e.recorded_at.clone(),
                e.late.to_string(),
                e.receipt.map(|r| r.to_string()).unwrap_or_default(),
            ],
            TimelineEntry::Access(a) => vec![
                a.at.clone(),
                local.text_of(&a.at),
                "read".into(),
                "access".into(),
                "Read".into(),
                a.route.clone(),
                a.stream.to_string(),
                a.stream_name.clone().unwrap_or_default(),
                a.record.map(|r| r.to_string()).unwrap_or_default(),
                a.person.name.clone(),
                a.person.id.to_string(),
                String::new(),
                a.device.name.clone(),
                String::new(),
                "false".into(),
                String::new(),
            ],
        });
    }
    csv_response(&file_name(&["audit", "timeline"]), rows)
}
