//! The live pages as they stood at a moment, for auditors: the project, cycle, measure,
//! dashboard and board report pages, read from a replica that holds exactly the records that had
//! reached the office by then (`audit::replica_as_it_stood`), under a banner naming
//! the moment. The moment is in the path, `/audit/as-it-stood/{moment}/…`: a date, a
//! date and time (the collaboratives' local time, or with an offset), or
//! `after-{event}` for the moment a record arrived. Links between these pages keep
//! to the moment; nothing on them can record anything.

use super::forms::Draft;
use super::layout::page;
use super::{SignedIn, WebError, html_page};
use crate::access::{self, Need, Reader, Route, parse_id};
use crate::audit::replica_as_it_stood;
use crate::error::ServerError;
use crate::local_time::LocalTime;
use crate::state::AppState;
use crate::storage::{Storage, StreamAccess, Views};
use axum::extract::{Path, Query, State};
use axum::response::Response;
use maud::{Markup, PreEscaped, html};
use praxis_core::domain::dashboard::Dashboard;
use praxis_core::domain::ids::{EventId, PersonId, StreamId};
use praxis_core::protocol::ChartQuery;
use praxis_core::protocol::audit::Point;

/// A moment of the office's history, as a path segment gives it.
#[derive(Clone, Debug)]
pub struct Moment {
    at: Option<i64>,
    after: Option<EventId>,
    /// As given, to keep links at the same moment.
    segment: String,
}

impl Moment {
    pub fn parse(segment: &str, local: &LocalTime) -> Result<Moment, ServerError> {
        let (at, after) = match segment.strip_prefix("after-") {
            Some(event) => (None, Some(parse_id::<EventId>(event)?)),
            None => (
                Some(
                    local
                        .parse(segment, true)
                        .map_err(|e| ServerError::BadRequest(format!("{e} (for the moment)")))?,
                ),
                None,
            ),
        };
        Ok(Moment {
            at,
            after,
            segment: segment.to_string(),
        })
    }

    /// Where a page is shown at this moment.
    pub fn path(segment: &str, page: &str, id: impl std::fmt::Display) -> String {
        format!(
            "/audit/as-it-stood/{}/{page}/{id}",
            super::query_value(segment)
        )
    }
}

/// What a page as it stood needs besides its own read: the moment, the stream, and
/// how many records the office held.
struct Stood {
    point: Point,
    /// The moment, which the page is read as of (its local date).
    millis: i64,
    held: usize,
    access: StreamAccess,
}

/// Reads a page of `stream` as it stood, for an auditor of it: builds the replica,
/// reads the page from it with no role that could record, and logs the read.
async fn stood<T: Send + 'static>(
    state: &AppState,
    person: PersonId,
    route: Route,
    of: Of,
    moment: &Moment,
    read: impl FnOnce(&dyn Views, &StreamAccess, time::Date) -> Result<T, ServerError> + Send + 'static,
) -> Result<(Stood, T), ServerError> {
    let (at, after) = (moment.at, moment.after);
    let local = state.local_time().clone();
    state
        .with(move |s| {
            let (stream, record) = of.stream(s)?;
            let access = access::check(s, person, stream, Need::Auditor)?;
            let (point, millis, replica) = replica_as_it_stood(s, person, &access, at, after)?;
            // As an auditor reads it: nothing on the page may record.
            let shown = StreamAccess {
                roles: Vec::new(),
                read_only: true,
                ..access
            };
            let day = local
                .date(millis)
                .ok_or_else(|| ServerError::BadRequest("That moment is out of range.".into()))?;
            let read = read(&replica, &shown, day)?;
            let held = replica.events()?;
            Reader::Browser(person).log(s, &route, &[(stream, record)])?;
            Ok((
                Stood {
                    point,
                    millis,
                    held,
                    access: shown,
                },
                read,
            ))
        })
        .await
}

/// What a page is of: a stream, or a record in one.
#[derive(Clone, Copy)]
enum Of {
    Stream(StreamId),
    Record(EventId),
}

impl Of {
    fn stream(self, storage: &dyn Storage) -> Result<(StreamId, Option<EventId>), ServerError> {
        match self {
            Of::Stream(stream) => Ok((stream, None)),
            Of::Record(record) => storage
                .stream_of(record)?
                .map(|stream| (stream, Some(record)))
                .ok_or_else(|| {
                    ServerError::NotFound(format!("There is no record {record} on this server."))
                }),
        }
    }
}

/// The banner over a page as it stood, and the page with its links kept at the moment.
fn shown(
    state: &AppState,
    who: &SignedIn,
    stood: &Stood,
    moment: &Moment,
    live: String,
    (title, content): (String, Markup),
) -> Response {
    let local = state.local_time();
    let when = match &stood.point {
        Point::At { .. } => format!("at {}", local.text(stood.millis)),
        Point::After { event, .. } => format!(
            "just after record {event} reached the office, {}",
            local.text(stood.millis)
        ),
    };
    let stream = stood.access.stream_id;
    let banner = html! {
        div.notice.as-it-stood role="note" data-as-it-stood=(moment.segment) data-held=(stood.held) {
            strong { "As it stood " (when) }
            p { "The office then held " (stood.held) " records of " (stood.access.name) ". This is the page as it would have been shown; whatever reached the office later is left out, and nothing here can be recorded." }
            p.links {
                a href=(live) { "The page as it is now" } " · "
                a href={ "/audit/streams/" (stream) } { "Timeline" } " · "
                a href={ "/audit/streams/" (stream) "/as-it-stood" } { "Another moment" }
            }
        }
    };
    let kept = keep_at_moment(&content.into_string(), &moment.segment);
    html_page(page(
        &format!("{title} (as it stood)"),
        Some(&who.session),
        html! { (banner) (PreEscaped(kept)) },
    ))
}

/// Links to the pages that have an "as it stood" (projects, cycles, measures and
/// collaboratives' dashboards) go to it at the same moment; other links within the
/// site (downloads, queues, forms) would show today's records, so they are dropped.
fn keep_at_moment(html: &str, segment: &str) -> String {
    const PAGES: [&str; 4] = ["projects", "cycles", "measures", "collaboratives"];
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    loop {
        let start = match (rest.find(" href=\"/"), rest.find(" action=\"/")) {
            (Some(h), Some(a)) => h.min(a),
            (Some(h), None) => h,
            (None, Some(a)) => a,
            (None, None) => break,
        };
        let attribute_len = if rest[start..].starts_with(" href=\"") {
            7
        } else {
            9
        };
        let value_start = start + attribute_len;
        let Some(value_len) = rest[value_start..].find('"') else {
            break;
        };
        let value = &rest[value_start..value_start + value_len];
        out.push_str(&rest[..start]);
        let mut parts = value.trim_start_matches('/').splitn(2, '/');
        let (page, tail) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        let id_end = tail.find(['?', '#', '/']).unwrap_or(tail.len());
        let after_id = &tail[id_end..];
        // The board report is a collaborative's page too (its PDF is not).
        let report = page == "collaboratives"
            && after_id.starts_with("/report")
            && !after_id.starts_with("/report.");
        let is_page = PAGES.contains(&page) && (!after_id.starts_with('/') || report);
        if is_page {
            out.push_str(&rest[start..value_start]);
            out.push_str(&Moment::path(segment, page, &tail[..id_end]));
            out.push_str(&tail[id_end..]);
            out.push('"');
        } else if attribute_len == 9 {
            // A form that would record or read today: kept, but going nowhere.
            out.push_str(" action=\"#\"");
        }
        rest = &rest[value_start + value_len + 1..];
    }
    out.push_str(rest);
    out
}

/// `GET /audit/as-it-stood/{moment}/projects/{id}`
pub async fn project(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Path((segment, id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let moment = Moment::parse(&segment, state.local_time())?;
    let stream = parse_id::<StreamId>(&id)?;
    let (stood, read) = stood(
        &state,
        who.session.person,
        route,
        Of::Stream(stream),
        &moment,
        super::project::read,
    )
    .await?;
    let content = super::project::content(read, &stood.access, &who, None::<&Draft>);
    Ok(shown(
        &state,
        &who,
        &stood,
        &moment,
        format!("/projects/{stream}"),
        content,
    ))
}

/// `GET /audit/as-it-stood/{moment}/cycles/{id}`
pub async fn cycle(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Path((segment, id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let moment = Moment::parse(&segment, state.local_time())?;
    let id = parse_id::<EventId>(&id)?;
    let (stood, read) = stood(
        &state,
        who.session.person,
        route,
        Of::Record(id),
        &moment,
        move |views, access, day| {
            super::cycle::read(views, access, id, day).map_err(|e| not_then(e, "cycle"))
        },
    )
    .await?;
    let content = super::cycle::content(read, &stood.access, &who, None);
    Ok(shown(
        &state,
        &who,
        &stood,
        &moment,
        format!("/cycles/{id}"),
        content,
    ))
}

/// `GET /audit/as-it-stood/{moment}/measures/{id}`, with the limits recalculated
/// from the points `from` names, as on the live page.
pub async fn measure(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Path((segment, id)): Path<(String, String)>,
    Query(q): Query<ChartQuery>,
) -> Result<Response, WebError> {
    let moment = Moment::parse(&segment, state.local_time())?;
    let id = parse_id::<EventId>(&id)?;
    let from = q.points().map_err(ServerError::BadRequest)?;
    let (stood, read) = stood(
        &state,
        who.session.person,
        route,
        Of::Record(id),
        &moment,
        move |views, _, _| {
            views
                .measure_chart(id, &from)?
                .ok_or_else(|| not_then(ServerError::NotFound(String::new()), "measure"))
        },
    )
    .await?;
    let content = super::measure::content(read, &stood.access, &who, None);
    Ok(shown(
        &state,
        &who,
        &stood,
        &moment,
        format!("/measures/{id}"),
        content,
    ))
}

/// `GET /audit/as-it-stood/{moment}/collaboratives/{id}`: the dashboard as it stood,
/// over the collaborative's projects the auditor audits.
pub async fn dashboard(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Path((segment, id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let moment = Moment::parse(&segment, state.local_time())?;
    let stream = parse_id::<StreamId>(&id)?;
    let person = who.session.person;
    let (stood, read) = stood(
        &state,
        person,
        route,
        Of::Stream(stream),
        &moment,
        move |views, _, day| {
            let (d, teams) = dashboard_then(views, person, stream, day)?;
            let details = super::dashboard::details(views, &teams)?;
            Ok((d, details))
        },
    )
    .await?;
    let (d, details) = read;
    let content = (d.name.clone(), super::dashboard::content(&d, &details));
    Ok(shown(
        &state,
        &who,
        &stood,
        &moment,
        format!("/collaboratives/{stream}"),
        content,
    ))
}

/// `GET /audit/as-it-stood/{moment}/collaboratives/{id}/report`: the board report as
/// it stood, for the month asked for or the moment's month.
pub async fn board_report(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Path((segment, id)): Path<(String, String)>,
    Query(q): Query<super::board_report::MonthQuery>,
) -> Result<Response, WebError> {
    let moment = Moment::parse(&segment, state.local_time())?;
    let stream = parse_id::<StreamId>(&id)?;
    let person = who.session.person;
    let (stood, (d, (teams, names), month, day)) = stood(
        &state,
        person,
        route,
        Of::Stream(stream),
        &moment,
        move |views, _, day| {
            let (d, teams) = dashboard_then(views, person, stream, day)?;
            let month = super::board_report::month_asked(&q, day)?;
            let read = super::board_report::teams_read(views, &teams)?;
            Ok((d, read, month, day))
        },
    )
    .await?;
    let content = super::board_report::report_content(&d, (&teams, &names), month, day);
    Ok(shown(
        &state,
        &who,
        &stood,
        &moment,
        format!(
            "/collaboratives/{stream}/report?month={}",
            &month.to_string()[..7]
        ),
        content,
    ))
}

/// The collaborative's dashboard as of `day` in the replica, and its teams' streams.
fn dashboard_then(
    views: &dyn Views,
    person: PersonId,
    stream: StreamId,
    day: time::Date,
) -> Result<(Dashboard, Vec<StreamId>), ServerError> {
    let d = views.dashboard(person, stream, day)?.ok_or_else(|| {
        ServerError::NotFound(format!(
            "{stream} was not yet a founded collaborative at that moment."
        ))
    })?;
    let teams = d.teams.iter().map(|t| t.stream).collect();
    Ok((d, teams))
}

/// A record the replica did not hold: it had not reached the office by then.
fn not_then(e: ServerError, what: &str) -> ServerError {
    match e {
        ServerError::NotFound(_) => ServerError::NotFound(format!(
            "There was no such {what} at that moment: it had not reached the office yet."
        )),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::keep_at_moment;

    #[test]
    fn links_to_pages_keep_the_moment_and_others_are_dropped() {
        let html = r#"<a href="/cycles/c1">A</a> <a href="/measures/m1?from=3">B</a> <a href="/measures/m1/data.csv">C</a> <form method="get" action="/measures/m1"></form> <form method="post" action="/projects/p1/reports"></form> <a href="/collaboratives/c/report?month=2026-10">D</a> <a href="/collaboratives/c/report.pdf?month=2026-10">E</a>"#;
        assert_eq!(
            keep_at_moment(html, "2026-11-15"),
            r##"<a href="/audit/as-it-stood/2026-11-15/cycles/c1">A</a> <a href="/audit/as-it-stood/2026-11-15/measures/m1?from=3">B</a> <a>C</a> <form method="get" action="/audit/as-it-stood/2026-11-15/measures/m1"></form> <form method="post" action="#"></form> <a href="/audit/as-it-stood/2026-11-15/collaboratives/c/report?month=2026-10">D</a> <a>E</a>"##
        );
    }
}
