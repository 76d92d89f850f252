//! Reads. They take a `&Connection`, never load a stream's Automerge document, and
//! read only the rows a view needs.

use super::StoreError;
use super::codec::{blob_uuid, uuid_blob};
pub use super::person_names::person_names;
use super::sealing::read_record;
use crate::domain::envelope::Envelope;
use crate::domain::event::Event;
use crate::domain::event::EventKind;
use crate::domain::ids::{EventId, StreamId};
use crate::domain::record::{Detail, Record, StreamKind, StreamSummary};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StreamInfo {
    pub id: StreamId,
    pub kind: StreamKind,
    pub name: String,
    pub collaborative: Option<StreamId>,
    pub events: i64,
}

fn stream_kind(name: &str) -> Result<StreamKind, StoreError> {
    StreamKind::from_name(name)
        .ok_or_else(|| StoreError::Corrupt(format!("a stream of kind '{name}'")))
}

type StreamRow = (Vec<u8>, String, String, Option<Vec<u8>>, Vec<u8>);

fn stream_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StreamRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn to_info(row: StreamRow) -> Result<StreamInfo, StoreError> {
    let summary: StreamSummary = postcard::from_bytes(&row.4)
        .map_err(|e| StoreError::Corrupt(format!("a stream summary: {e}")))?;
    Ok(StreamInfo {
        id: StreamId(blob_uuid(&row.0)?),
        kind: stream_kind(&row.1)?,
        name: row.2,
        collaborative: row.3.map(|c| blob_uuid(&c).map(StreamId)).transpose()?,
        events: summary.events as i64,
    })
}

const STREAM_COLUMNS: &str = "id, kind, name, collaborative, summary";

pub fn streams(conn: &Connection) -> Result<Vec<StreamInfo>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {STREAM_COLUMNS} FROM streams ORDER BY kind, name"
    ))?;
    let rows = stmt
        .query_map([], stream_row)?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(to_info).collect()
}

pub fn stream_info(conn: &Connection, stream: StreamId) -> Result<StreamInfo, StoreError> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {STREAM_COLUMNS} FROM streams WHERE id = ?1"
        ))?
        .query_row([uuid_blob(&stream.0)], stream_row)
        .optional()?
        .ok_or(StoreError::UnknownStream(stream))?;
    to_info(row)
}

pub fn summary(conn: &Connection, stream: StreamId) -> Result<StreamSummary, StoreError> {
    let bytes: Vec<u8> = conn
        .prepare_cached("SELECT summary FROM streams WHERE id = ?1")?
        .query_row([uuid_blob(&stream.0)], |r| r.get(0))
        .optional()?
        .ok_or(StoreError::UnknownStream(stream))?;
    postcard::from_bytes(&bytes).map_err(|e| StoreError::Corrupt(format!("a stream summary: {e}")))
}

pub fn record(conn: &Connection, id: EventId) -> Result<Option<Record>, StoreError> {
    let body: Option<Vec<u8>> = conn
        .prepare_cached("SELECT body FROM records WHERE id = ?1")?
        .query_row([uuid_blob(&id.0)], |r| r.get(0))
        .optional()?;
    body.map(|b| read_record(conn, &b)).transpose()
}

fn records_where(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<Record>, StoreError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let bodies = stmt
        .query_map(args, |r| r.get::<_, Vec<u8>>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    bodies.iter().map(|b| read_record(conn, b)).collect()
}

/// Records of one kind in a stream, oldest first.
pub fn records_of_kind(
    conn: &Connection,
    stream: StreamId,
    kind: EventKind,
) -> Result<Vec<Record>, StoreError> {
    records_where(
        conn,
        "SELECT body FROM records WHERE stream = ?1 AND kind = ?2 ORDER BY position, id",
        params![uuid_blob(&stream.0), kind.name()],
    )
}

/// The records that belong to `parent` (a measure's measurements, a cycle's Do...).
pub fn children(conn: &Connection, parent: EventId) -> Result<Vec<Record>, StoreError> {
    records_where(
        conn,
        "SELECT body FROM records WHERE parent = ?1 ORDER BY position, id",
        [uuid_blob(&parent.0)],
    )
}

/// Every record of a stream, for comparing replicas.
pub fn all_records(conn: &Connection, stream: StreamId) -> Result<Vec<Record>, StoreError> {
    records_where(
        conn,
        "SELECT body FROM records WHERE stream = ?1 ORDER BY id",
        [uuid_blob(&stream.0)],
    )
}

/// Finds the record or event whose id is `text`, in full or by its last digits.
pub fn resolve_id(conn: &Connection, text: &str) -> Result<Vec<EventId>, StoreError> {
    let t = text.trim().to_ascii_lowercase().replace('-', "");
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_hexdigit()) {
        return Ok(Vec::new());
    }
    if let Ok(id) = uuid::Uuid::parse_str(&t) {
        return Ok(vec![EventId(id)]);
    }
    let mut stmt =
        conn.prepare_cached("SELECT id FROM events WHERE lower(hex(id)) LIKE '%' || ?1 LIMIT 5")?;
    let ids = stmt
        .query_map([t], |r| r.get::<_, Vec<u8>>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    ids.iter().map(|b| blob_uuid(b).map(EventId)).collect()
}

/// Finds a stream by its id, its last digits, or a word of its name.
pub fn resolve_stream(conn: &Connection, text: &str) -> Result<Vec<StreamInfo>, StoreError> {
    let t = text.trim().to_lowercase();
    Ok(streams(conn)?
        .into_iter()
        .filter(|s| {
            let hex = s.id.0.simple().to_string();
            s.id.to_string() == t
                || (t.len() >= 4 && hex.ends_with(&t.replace('-', "")))
                || s.name.to_lowercase().contains(&t)
        })
        .collect())
}

/// Events of a stream in fold order, decoded.
pub fn events(conn: &Connection, stream: StreamId) -> Result<Vec<Envelope>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT bytes FROM events WHERE stream = ?1 ORDER BY hlc, id")?;
    let mut rows = stmt.query([uuid_blob(&stream.0)])?;
    let mut events = Vec::new();
    // Decoded from SQLite's own buffer: no copy of the bytes.
    while let Some(row) = rows.next()? {
        let corrupt =
            |e: &dyn std::fmt::Display| StoreError::Corrupt(format!("a stored event: {e}"));
        let bytes = row.get_ref(0)?.as_blob().map_err(|e| corrupt(&e))?;
        events.push(Envelope::decode(bytes).map_err(|e| corrupt(&e))?);
    }
    Ok(events)
}

/// One event by id.
pub fn event(conn: &Connection, id: EventId) -> Result<Option<Envelope>, StoreError> {
    let bytes: Option<Vec<u8>> = conn
        .prepare_cached("SELECT bytes FROM events WHERE id = ?1")?
        .query_row([uuid_blob(&id.0)], |r| r.get(0))
        .optional()?;
    bytes
        .map(|b| {
            Envelope::decode(&b).map_err(|e| StoreError::Corrupt(format!("a stored event: {e}")))
        })
        .transpose()
}

/// The record an event created or acted on.
pub fn subject_of(conn: &Connection, id: EventId) -> Result<Option<EventId>, StoreError> {
    let subject: Option<Option<Vec<u8>>> = conn
        .prepare_cached("SELECT subject FROM events WHERE id = ?1")?
        .query_row([uuid_blob(&id.0)], |r| r.get(0))
        .optional()?;
    subject
        .flatten()
        .map(|s| blob_uuid(&s).map(EventId))
        .transpose()
}

use crate::domain::event::{Phase, ProgressScale};
use crate::domain::views::{
    self, CycleView, FeedItem, MeasureCount, MeasureSeries, OverviewInput, ProjectOverview,
    RecordHistory,
};

pub fn project_overview(
    conn: &Connection,
    stream: StreamId,
) -> Result<ProjectOverview, StoreError> {
    let summary = summary(conn, stream)?;
    let project = summary
        .founding
        .map(|f| record(conn, f))
        .transpose()?
        .flatten();
    let measure_records = records_of_kind(conn, stream, EventKind::MeasureDefined)?;
    let mut measures = Vec::with_capacity(measure_records.len());
    for m in &measure_records {
        measures.push(measure_count(conn, &summary, m)?);
    }
    let report_records = records_of_kind(conn, stream, EventKind::MonthlyReportSubmitted)?;
    let mut report_children = Vec::with_capacity(report_records.len());
    for r in &report_records {
        report_children.push(children(conn, r.id)?);
    }
    let cycles = records_of_kind(conn, stream, EventKind::CyclePlanned)?;
    let change_ideas = records_of_kind(conn, stream, EventKind::ChangeIdeaProposed)?;
    Ok(views::project_overview(OverviewInput {
        summary: &summary,
        project: project.as_ref(),
        measures,
        cycles: cycles.iter().collect(),
        reports: report_records
            .iter()
            .zip(&report_children)
            .map(|(r, c)| (r, c.iter().collect()))
            .collect(),
        change_ideas: change_ideas.iter().collect(),
    }))
}

/// How many of a measure's measurements stand and the latest, from the tally the fold
/// keeps; the series is read only when the tally does not know which is latest.
fn measure_count<'a>(
    conn: &Connection,
    summary: &StreamSummary,
    measure: &'a Record,
) -> Result<MeasureCount<'a>, StoreError> {
    let tally = summary
        .measurements
        .get(&measure.id)
        .cloned()
        .unwrap_or_default();
    let latest = match tally.latest {
        Some((_, _, id)) => record(conn, id)?.as_ref().and_then(views::point),
        None => None,
    };
    if tally.latest_known() && latest.is_some() == (tally.standing > 0) {
        return Ok(MeasureCount {
            measure,
            measurements: tally.standing as usize,
            latest,
        });
    }
    Ok(MeasureCount::of(measure, &children(conn, measure.id)?))
}

pub fn cycle(conn: &Connection, id: EventId) -> Result<Option<CycleView>, StoreError> {
    let Some(cycle) = record(conn, id)? else {
        return Ok(None);
    };
    let children = children(conn, id)?;
    Ok(views::cycle_view(&cycle, &children))
}

pub fn measure_series(conn: &Connection, id: EventId) -> Result<Option<MeasureSeries>, StoreError> {
    match record(conn, id)? {
        Some(m) if m.kind == EventKind::MeasureDefined => {
            Ok(Some(views::measure_series(&m, &children(conn, id)?)))
        }
        _ => Ok(None),
    }
}

/// The newest observations of a stream that stand (not withdrawn), newest first.
pub fn feed(conn: &Connection, stream: StreamId, limit: u32) -> Result<Vec<FeedItem>, StoreError> {
    let mut items = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT body FROM records WHERE stream = ?1 AND kind = ?2 ORDER BY position DESC, id DESC LIMIT ?3 OFFSET ?4",
    )?;
    let page = limit.max(16);
    let mut offset = 0u32;
    while (items.len() as u32) < limit {
        let bodies = stmt
            .query_map(
                params![
                    uuid_blob(&stream.0),
                    EventKind::ObservationRecorded.name(),
                    page,
                    offset
                ],
                |r| r.get::<_, Vec<u8>>(0),
            )?
            .collect::<Result<Vec<_>, _>>()?;
        for body in &bodies {
            if let Some(item) = views::feed_item(&read_record(conn, body)?) {
                items.push(item);
            }
        }
        if (bodies.len() as u32) < page {
            break;
        }
        offset += page;
    }
    items.truncate(limit as usize);
    Ok(items)
}

/// A project's observations and case material that belong to no cycle and stand (not
/// withdrawn), newest observed first; of two observed the same day, the later recorded
/// first.
pub fn unlinked_observations(
    conn: &Connection,
    stream: StreamId,
) -> Result<Vec<FeedItem>, StoreError> {
    let mut items: Vec<FeedItem> = records_where(
        conn,
        "SELECT body FROM records WHERE stream = ?1 AND kind = ?2 AND parent IS NULL ORDER BY position, id",
        params![uuid_blob(&stream.0), EventKind::ObservationRecorded.name()],
    )?
    .iter()
    .filter_map(views::feed_item)
    .collect();
    items.sort_by(|a, b| {
        (b.observation.observed_on, b.recorded_at).cmp(&(a.observation.observed_on, a.recorded_at))
    });
    Ok(items)
}

/// The history of the record `id` names, or of the record the event `id` acted on.
pub fn history(conn: &Connection, id: EventId) -> Result<Option<RecordHistory>, StoreError> {
    let subject = match record(conn, id)? {
        Some(_) => id,
        None => match subject_of(conn, id)? {
            Some(s) => s,
            None => return Ok(None),
        },
    };
    let Some(rec) = record(conn, subject)? else {
        return Ok(None);
    };
    let original = event(conn, subject)?
        .and_then(|e| e.event().cloned())
        .map(|e| super::sealing::open_event(conn, e))
        .transpose()?;
    Ok(Some(views::record_history(&rec, original)))
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CollaborativeView {
    pub stream: StreamId,
    pub name: String,
    pub topic: String,
    pub chosen_with: String,
    pub schedule: Option<Vec<Phase>>,
    pub schedule_in_conflict: bool,
    pub scale: ProgressScale,
    pub change_package: Vec<(EventId, String)>,
    pub projects: Vec<StreamInfo>,
    pub conflicts: Vec<crate::domain::record::Conflict>,
}

pub fn collaborative(
    conn: &Connection,
    stream: StreamId,
) -> Result<Option<CollaborativeView>, StoreError> {
    let summary = summary(conn, stream)?;
    let Some(founding) = summary
        .founding
        .map(|f| record(conn, f))
        .transpose()?
        .flatten()
    else {
        return Ok(None);
    };
    let (Event::CollaborativeFounded(c), Detail::Collaborative { schedule, scales }) =
        (&founding.content, &founding.detail)
    else {
        return Ok(None);
    };
    Ok(Some(CollaborativeView {
        stream,
        name: c.name.clone(),
        topic: c.topic.clone(),
        chosen_with: c.chosen_with.clone(),
        schedule: schedule.current().cloned(),
        schedule_in_conflict: schedule.conflict().is_some(),
        scale: scales
            .iter()
            .max_by_key(|s| s.version)
            .cloned()
            .unwrap_or_else(ProgressScale::ihi),
        change_package: records_of_kind(conn, stream, EventKind::ChangePackageItemAdded)?
            .iter()
            .filter(|r| !r.withdrawn)
            .map(|r| (r.id, r.title()))
            .collect(),
        projects: streams(conn)?
            .into_iter()
            .filter(|s| s.collaborative == Some(stream))
            .collect(),
        conflicts: summary.conflicts,
    }))
}

use crate::domain::dashboard::{self, Dashboard, ProjectViews};
use crate::domain::measure_chart::{self, MeasureChart};
use crate::domain::prediction_check::{self, PredictionCheck};
use crate::domain::score_evidence::{self, SuggestedScore};

/// A project's views as the store holds them.
struct Stored<'a> {
    conn: &'a Connection,
    stream: StreamId,
}

impl ProjectViews for Stored<'_> {
    type Error = StoreError;
    fn overview(&self) -> Result<ProjectOverview, StoreError> {
        project_overview(self.conn, self.stream)
    }
    fn records_of_kind(&self, kind: EventKind) -> Result<Vec<Record>, StoreError> {
        records_of_kind(self.conn, self.stream, kind)
    }
    fn children(&self, parent: EventId) -> Result<Vec<Record>, StoreError> {
        children(self.conn, parent)
    }
    fn measure_series(&self, id: EventId) -> Result<Option<MeasureSeries>, StoreError> {
        measure_series(self.conn, id)
    }
}

/// The level of the collaborative's progress scale the project's evidence supports for
/// the month starting on (or containing) `month`; `None` when the collaborative's scale
/// is not on this device.
pub fn suggested_score(
    conn: &Connection,
    stream: StreamId,
    month: time::Date,
) -> Result<Option<SuggestedScore>, StoreError> {
    let Some(context) = super::recording::collaborative_context(conn, stream)? else {
        return Ok(None);
    };
    let evidence = score_evidence::evidence(&Stored { conn, stream }, month)?;
    Ok(Some(score_evidence::suggest(&evidence, &context.scale)))
}

/// A cycle's checkable predictions, each against its measure's charts as of `today`.
pub fn prediction_checks(
    conn: &Connection,
    cycle: EventId,
    today: time::Date,
) -> Result<Vec<PredictionCheck>, StoreError> {
    let Some(view) = self::cycle(conn, cycle)? else {
        return Ok(Vec::new());
    };
    let mut checks = Vec::with_capacity(view.expectations.len());
    for (id, expectation) in &view.expectations {
        if let Some(chart) = measure_chart(conn, expectation.measure, &[])? {
            checks.push(prediction_check::check(
                &view,
                *id,
                expectation,
                &chart,
                today,
            ));
        }
    }
    Ok(checks)
}

/// A measure's charts, with the XmR limits recalculated from the points `from`.
pub fn measure_chart(
    conn: &Connection,
    id: EventId,
    from: &[usize],
) -> Result<Option<MeasureChart>, StoreError> {
    let Some(series) = measure_series(conn, id)? else {
        return Ok(None);
    };
    let Some(stream) = event(conn, id)?.map(|e| e.stream) else {
        return Ok(None);
    };
    let cycles = records_of_kind(conn, stream, EventKind::CyclePlanned)?;
    let marks = dashboard::cycle_marks(&Stored { conn, stream }, &cycles)?;
    Ok(Some(
        measure_chart::measure_chart(series, &marks.adopted, from).with_tests(&marks.tested),
    ))
}

/// The dashboard of a collaborative over the project streams `projects` (those the
/// reader may see), as of `today`.
pub fn dashboard(
    conn: &Connection,
    collaborative: StreamId,
    projects: &[StreamId],
    today: time::Date,
) -> Result<Option<Dashboard>, StoreError> {
    let Some(view) = self::collaborative(conn, collaborative)? else {
        return Ok(None);
    };
    let teams = projects
        .iter()
        .map(|stream| {
            dashboard::team_input(&Stored {
                conn,
                stream: *stream,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(dashboard::dashboard(
        collaborative,
        &view.name,
        view.schedule.as_deref(),
        view.conflicts.len(),
        teams,
        today,
    )))
}

/// A project's overview with its action plan, learning log, reports (with scores) and
/// managers' decisions.
pub fn project_detail(
    conn: &Connection,
    stream: StreamId,
) -> Result<views::ProjectDetail, StoreError> {
    let overview = project_overview(conn, stream)?;
    let live = |kind| -> Result<Vec<Record>, StoreError> {
        Ok(records_of_kind(conn, stream, kind)?
            .into_iter()
            .filter(|r| !r.withdrawn)
            .collect())
    };
    let action_plan = live(EventKind::ActionPlanEntryAdded)?
        .into_iter()
        .filter_map(|r| match r.content {
            Event::ActionPlanEntryAdded(e) => Some((r.id, e)),
            _ => None,
        })
        .collect();
    let learning_log = live(EventKind::LearningLogEntryAdded)?
        .into_iter()
        .filter_map(|r| match r.content {
            Event::LearningLogEntryAdded(e) => Some((r.id, e)),
            _ => None,
        })
        .collect();
    let mut reports = Vec::new();
    for r in live(EventKind::MonthlyReportSubmitted)? {
        if let Some(detail) = views::report_detail(&r, &children(conn, r.id)?) {
            reports.push(detail);
        }
    }
    reports.sort_by_key(|r| (r.report.month, r.id));
    let decisions = live(EventKind::ManagerDecisionRecorded)?
        .iter()
        .filter_map(views::decision_line)
        .collect();
    Ok(views::ProjectDetail {
        overview,
        action_plan,
        learning_log,
        reports,
        decisions,
    })
}

/// The heads of every stream whose heads are known (see `Store::heads`), by stream.
pub fn known_heads(
    conn: &Connection,
) -> Result<std::collections::HashMap<StreamId, Vec<automerge::ChangeHash>>, StoreError> {
    let mut statement =
        conn.prepare_cached("SELECT id, heads FROM streams WHERE heads IS NOT NULL")?;
    let rows = statement.query_map([], |r| {
        Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
    })?;
    let mut known = std::collections::HashMap::new();
    for row in rows {
        let (id, heads) = row?;
        known.insert(StreamId(blob_uuid(&id)?), super::heads::decode(&heads)?);
    }
    Ok(known)
}
