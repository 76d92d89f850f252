//! The read API's views, each read on one connection within one snapshot. Nothing
//! here loads an Automerge document or writes.

use super::columns::timestamp;
use super::streams::streams_for;
use crate::storage::{EventView, Result, StorageError, StreamView};
use praxis_core::domain::dashboard::Dashboard;
use praxis_core::domain::ids::{EventId, PersonId, StreamId};
use praxis_core::domain::measure_chart::MeasureChart;
use praxis_core::domain::record::StreamKind;
use praxis_core::domain::views::{
    CycleView, FeedItem, MeasureSeries, ProjectDetail, RecordHistory,
};
use praxis_core::store::queries;
use rusqlite::Connection;

pub fn stream_view(conn: &Connection, stream: StreamId) -> Result<StreamView> {
    let info = queries::stream_info(conn, stream)?;
    match info.kind {
        StreamKind::Project => Ok(StreamView::Project(queries::project_overview(
            conn, stream,
        )?)),
        StreamKind::Collaborative => queries::collaborative(conn, stream)?
            .map(StreamView::Collaborative)
            .ok_or_else(|| StorageError::NotFound("The collaborative has no events yet.".into())),
        StreamKind::Organisation => Err(StorageError::NotFound("No such stream.".into())),
    }
}

/// A stream's events, sealed content opened (or said to be erased) as every reader
/// shows it.
pub fn events(conn: &Connection, stream: StreamId) -> Result<Vec<EventView>> {
    queries::events(conn, stream)?
        .into_iter()
        .map(|e| {
            let e = praxis_core::store::open_envelope(conn, e)?;
            Ok(EventView {
                id: e.id,
                kind: e.kind_name().to_string(),
                author: e.author,
                device: e.device,
                recorded_at: timestamp(e.recorded_at.millis as i64),
                schema: e.schema,
                body: e.event().cloned(),
            })
        })
        .collect()
}

pub fn stream_of(conn: &Connection, record: EventId) -> Result<Option<StreamId>> {
    Ok(queries::event(conn, record)?.map(|e| e.stream))
}

pub fn cycle(conn: &Connection, id: EventId) -> Result<Option<CycleView>> {
    Ok(queries::cycle(conn, id)?)
}

pub fn measure(conn: &Connection, id: EventId) -> Result<Option<MeasureSeries>> {
    Ok(queries::measure_series(conn, id)?)
}

pub fn feed(conn: &Connection, stream: StreamId, limit: u32) -> Result<Vec<FeedItem>> {
    Ok(queries::feed(conn, stream, limit)?)
}

pub fn unlinked_observations(conn: &Connection, stream: StreamId) -> Result<Vec<FeedItem>> {
    Ok(queries::unlinked_observations(conn, stream)?)
}

pub fn history(conn: &Connection, id: EventId) -> Result<Option<RecordHistory>> {
    Ok(queries::history(conn, id)?)
}

pub fn project_detail(conn: &Connection, stream: StreamId) -> Result<ProjectDetail> {
    if queries::stream_info(conn, stream)?.kind != StreamKind::Project {
        return Err(StorageError::NotFound(format!(
            "{stream} is not a team project."
        )));
    }
    Ok(queries::project_detail(conn, stream)?)
}

pub fn measure_chart(
    conn: &Connection,
    id: EventId,
    from: &[usize],
) -> Result<Option<MeasureChart>> {
    Ok(queries::measure_chart(conn, id, from)?)
}

/// The dashboard of a collaborative over the projects `person` may read.
pub fn dashboard(
    conn: &Connection,
    person: PersonId,
    collaborative: StreamId,
    today: time::Date,
) -> Result<Option<Dashboard>> {
    let projects: Vec<StreamId> = streams_for(conn, person)?
        .into_iter()
        .filter(|s| s.kind == StreamKind::Project && s.collaborative == Some(collaborative))
        .map(|s| s.stream_id)
        .collect();
    Ok(queries::dashboard(conn, collaborative, &projects, today)?)
}
