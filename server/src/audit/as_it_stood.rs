//! A stream's views, or a collaborative's dashboard, as the server held them at a
//! point: the events received by then (by the receipt log's times alone), folded.

use super::{Arrival, Arrivals, Result};
use crate::access::audited_streams;
use crate::error::ServerError;
use crate::storage::{Replica, Storage, StreamAccess};
use praxis_core::audit::change_graph::ChangeGraph;
use praxis_core::dates::timestamp;
use praxis_core::domain::as_it_stood::StreamAsItStood;
use praxis_core::domain::dashboard::Dashboard;
use praxis_core::domain::envelope::Envelope;
use praxis_core::domain::ids::{EventId, PersonId, StreamId};
use praxis_core::domain::record::StreamKind;
use praxis_core::protocol::audit::{CollaborativeOverview, Point, View};
use std::collections::HashSet;

/// Where a point is in the receipt log: everything that arrived up to it was held.
fn limit_of(
    at: Option<i64>,
    after: Option<EventId>,
    arrivals: &[&Arrivals],
) -> Result<(Point, Arrival)> {
    match (at, after) {
        (Some(at), None) => Ok((
            Point::At { at: timestamp(at) },
            Arrival { at, seq: i64::MAX },
        )),
        (None, Some(event)) => {
            let Some((arrival, holder)) = arrivals
                .iter()
                .find_map(|a| a.of(event).map(|arrival| (arrival, a)))
            else {
                return Err(ServerError::NotFound(format!(
                    "There is no event {event} in the streams you asked about."
                )));
            };
            // The whole sync message that brought it: every receipt of that moment.
            let last = holder.last_seq_at(arrival.at).unwrap_or(arrival.seq);
            Ok((
                Point::After {
                    event,
                    at: timestamp(arrival.at),
                },
                Arrival {
                    at: arrival.at,
                    seq: last,
                },
            ))
        }
        _ => Err(ServerError::BadRequest(
            "Give either `at` (a date and time, such as 2026-03-10T17:40:00Z) or `after` (an event id), not both.".into(),
        )),
    }
}

/// The events of a stream the server held at `limit`.
fn held_at(events: Vec<Envelope>, arrivals: &Arrivals, limit: Arrival) -> Vec<Envelope> {
    events
        .into_iter()
        .filter(|e| arrivals.of(e.id).is_some_and(|a| a <= limit))
        .collect()
}

/// The stream's events as the server held them at a point, folded.
pub fn as_it_stood(
    storage: &dyn Storage,
    stream: StreamId,
    at: Option<i64>,
    after: Option<EventId>,
) -> Result<(Point, StreamAsItStood, Vec<Envelope>)> {
    let events = storage.envelopes(stream)?;
    let arrivals = Arrivals::read(storage, &events, stream)?;
    let (point, limit) = limit_of(at, after, &[&arrivals])?;
    let held = held_at(events, &arrivals, limit);
    let folded = StreamAsItStood::fold(stream, &held);
    Ok((point, folded, held))
}

/// A collaborative's dashboard as the server held it at a point: the collaborative's
/// stream and those of its projects the person audits, each folded up to the same
/// moment, read as of that moment's date. With how many events were held in all.
pub fn dashboard_as_it_stood(
    storage: &dyn Storage,
    person: PersonId,
    access: &StreamAccess,
    at: Option<i64>,
    after: Option<EventId>,
) -> Result<(Point, Dashboard, usize)> {
    if access.kind != StreamKind::Collaborative {
        return Err(ServerError::BadRequest(format!(
            "{} is a team's project: the dashboard view is of a collaborative's stream.",
            access.name
        )));
    }
    let collaborative = access.stream_id;
    let mut streams = vec![collaborative];
    streams.extend(
        audited_streams(storage, person)?
            .into_iter()
            .filter(|s| s.kind == StreamKind::Project && s.collaborative == Some(collaborative))
            .map(|s| s.stream_id),
    );
    let mut read = Vec::with_capacity(streams.len());
    for stream in streams {
        let events = storage.envelopes(stream)?;
        let arrivals = Arrivals::read(storage, &events, stream)?;
        read.push((stream, events, arrivals));
    }
    let all: Vec<&Arrivals> = read.iter().map(|(_, _, a)| a).collect();
    let (point, limit) = limit_of(at, after, &all)?;
    let mut held = 0;
    let folds: Vec<StreamAsItStood> = read
        .into_iter()
        .map(|(stream, events, arrivals)| {
            let events = held_at(events, &arrivals, limit);
            held += events.len();
            StreamAsItStood::fold(stream, &events)
        })
        .collect();
    let today = praxis_core::dates::instant(limit.at)
        .map_err(|e| ServerError::BadRequest(e.to_string()))?
        .date();
    let (whole, projects) = folds
        .split_first()
        .ok_or_else(|| ServerError::Internal("no collaborative stream was read".into()))?;
    let dashboard = whole.dashboard(projects, today).ok_or_else(|| {
        ServerError::NotFound(format!(
            "{collaborative} was not yet a founded collaborative at that point; the dashboard view is of a collaborative's stream."
        ))
    })?;
    Ok((point, dashboard, held))
}

/// One view of a stream as it stood: `view` is overview, cycle, measure, report or
/// history (the last four with `id`).
pub fn view_of(
    folded: &StreamAsItStood,
    kind: StreamKind,
    view: &str,
    id: Option<EventId>,
) -> Result<View> {
    let missing = |what: &str| {
        ServerError::NotFound(format!(
            "There was no {what} with that id in the stream at that point."
        ))
    };
    let need_id = || {
        id.ok_or_else(|| {
            ServerError::BadRequest(format!("The {view} view needs `id`: the record's id."))
        })
    };
    let value = match view {
        "overview" => match kind {
            StreamKind::Project => View::Project(folded.project_overview()),
            _ => {
                let summary = &folded.views().summary;
                View::Collaborative(CollaborativeOverview {
                    summary: summary.clone(),
                    founding: summary.founding.and_then(|f| folded.record(f)).cloned(),
                })
            }
        },
        "cycle" => View::Cycle(folded.cycle(need_id()?).ok_or_else(|| missing("cycle"))?),
        "measure" => View::Measure(Box::new(
            folded
                .measure_chart(need_id()?)
                .ok_or_else(|| missing("measure"))?,
        )),
        "report" => View::Report(Box::new(
            folded
                .report(need_id()?)
                .ok_or_else(|| missing("monthly report"))?,
        )),
        "history" => View::History(
            folded
                .history(need_id()?)
                .ok_or_else(|| missing("record"))?,
        ),
        other => {
            return Err(ServerError::BadRequest(format!(
                "'{other}' is not a view; give overview, cycle, measure, report or history (or dashboard, for a collaborative)."
            )));
        }
    };
    Ok(value)
}

/// The streams a page as it stood reads: a project with its collaborative (for its
/// progress scale), or a collaborative with those of its projects the person audits.
fn streams_read_with(
    storage: &dyn Storage,
    person: PersonId,
    access: &StreamAccess,
) -> Result<Vec<StreamId>> {
    match access.kind {
        StreamKind::Project => Ok(access
            .collaborative
            .into_iter()
            .chain([access.stream_id])
            .collect()),
        StreamKind::Collaborative => {
            let mut streams = vec![access.stream_id];
            streams.extend(
                audited_streams(storage, person)?
                    .into_iter()
                    .filter(|s| {
                        s.kind == StreamKind::Project && s.collaborative == Some(access.stream_id)
                    })
                    .map(|s| s.stream_id),
            );
            Ok(streams)
        }
        StreamKind::Organisation => Err(ServerError::BadRequest(
            "The organisation's stream has no pages to show as they stood; read its timeline."
                .into(),
        )),
    }
}

/// A replica holding exactly the changes the server held at a point of the stream
/// and those read with it (`streams_read_with`): the live pages read from it are the
/// pages as they stood.
pub fn replica_as_it_stood(
    storage: &dyn Storage,
    person: PersonId,
    access: &StreamAccess,
    at: Option<i64>,
    after: Option<EventId>,
) -> Result<(Point, i64, Replica)> {
    let mut read = Vec::new();
    for stream in streams_read_with(storage, person, access)? {
        let events = storage.envelopes(stream)?;
        let arrivals = Arrivals::read(storage, &events, stream)?;
        read.push((stream, events, arrivals));
    }
    let all: Vec<&Arrivals> = read.iter().map(|(_, _, a)| a).collect();
    let (point, limit) = limit_of(at, after, &all)?;
    let mut replica = Replica::new(storage.people()?)?;
    for (stream, events, arrivals) in read {
        let held: HashSet<EventId> = held_at(events, &arrivals, limit)
            .iter()
            .map(|e| e.id)
            .collect();
        let changes = storage.stream_changes(stream)?;
        let graph = ChangeGraph::from_changes(&changes)
            .map_err(|e| ServerError::Internal(format!("stream {stream}: {e}")))?;
        // The genesis change carries no event and is always held.
        let kept: Vec<Vec<u8>> = changes
            .into_iter()
            .zip(graph.nodes())
            .filter(|(_, node)| node.events.iter().all(|e| held.contains(&e.id)))
            .map(|(change, _)| change)
            .collect();
        let info = storage.stream_info(stream)?;
        replica.hold(stream, info.kind, &info.name, info.collaborative, &kept)?;
        replica.hold_keys(&storage.stream_keys(stream)?)?;
    }
    Ok((point, limit.at, replica))
}
