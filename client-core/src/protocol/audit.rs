//! What the auditor's routes answer (`/api/v1/audit/`): the timeline of events and
//! reads, decisions and what their makers had seen, a stream's integrity, and views as
//! they stood. Times are RFC 3339 (`dates::timestamp`).

use crate::audit::bundle::Verification;
use crate::domain::as_it_stood::{MeasureChart, ReportView};
use crate::domain::dashboard::Dashboard;
use crate::domain::event::Event;
use crate::domain::ids::{DeviceId, EventId, PersonId, StreamId};
use crate::domain::record::{Record, StreamSummary};
use crate::domain::views::{CycleView, ProjectOverview, RecordHistory};
use serde::{Deserialize, Serialize};

/// A person as the audit trail names them; `username` is `None` for the server itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRef {
    pub id: PersonId,
    pub username: Option<String>,
    pub name: String,
}

/// A device as the audit trail names it ("the server" for the server's own).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRef {
    pub id: DeviceId,
    pub name: String,
}

/// `GET /api/v1/audit/timeline` and `/access`: entries in the order they reached the
/// server.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    pub entries: Vec<TimelineEntry>,
}

/// One entry of the timeline: an event of a stream, or a read of one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "entry", rename_all = "snake_case")]
// Entries are made once per answer and serialized straight away; boxing the larger
// one would only add an allocation per event.
#[allow(clippy::large_enum_variant)]
pub enum TimelineEntry {
    Event(EventEntry),
    Access(AccessEntry),
}

/// An event as the timeline shows it: who recorded it, holding which roles when it
/// arrived, where and when, when it reached the server and from where, and whether it
/// came in late.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventEntry {
    pub stream: StreamId,
    pub stream_name: String,
    pub event_id: EventId,
    /// As `EventKind::name` writes it ("cycle-acted").
    pub kind: String,
    pub author: PersonRef,
    /// The author's roles for the stream when the event arrived, as `Role::name`.
    pub roles: Vec<String>,
    pub device: DeviceRef,
    /// The device's time (its hybrid logical clock).
    pub recorded_at: String,
    pub received_at: String,
    /// The device whose sync brought it; `None` for an event the server recorded.
    pub received_from: Option<DeviceRef>,
    pub recorded_on_server: bool,
    pub delay_seconds: i64,
    /// It reached the server after an event recorded later had already arrived.
    pub late: bool,
    /// The receipt's sequence number.
    pub receipt: Option<i64>,
    pub change_hash: Option<String>,
    /// `None` for an event of a newer schema than the server's.
    pub content: Option<Event>,
}

impl EventEntry {
    /// Whether this is a decision an auditor replays (see `DecisionContext`).
    pub fn is_decision(&self) -> bool {
        DECISION_KINDS.contains(&self.kind.as_str())
    }
}

/// The kinds of event that are decisions, as `EventKind::name` writes them.
pub const DECISION_KINDS: [&str; 4] = [
    "cycle-acted",
    "coordinator-score-given",
    "manager-decision-recorded",
    "resolution",
];

/// A read of a stream (or a record in it) from the access log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccessEntry {
    pub seq: i64,
    pub stream: StreamId,
    pub stream_name: Option<String>,
    pub at: String,
    pub person: PersonRef,
    /// The device read from (a person's browser has a device of its own).
    pub device: DeviceRef,
    /// The route read, as `GET /api/v1/cycles/{id}`.
    pub route: String,
    pub record: Option<EventId>,
}

/// `GET /api/v1/audit/streams/{stream_id}/decisions`, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decisions {
    pub decisions: Vec<DecisionBrief>,
}

/// A decision in a list of them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionBrief {
    pub event_id: EventId,
    pub kind: String,
    pub author: PersonRef,
    pub recorded_at: String,
    pub title: Option<String>,
}

/// `GET /api/v1/audit/decisions/{id}`: what the maker of a decision had seen when
/// making it, what existed but had not reached them, and the stream as they saw it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionContext<V = View> {
    pub decision: DecisionMade,
    pub rests_on: Vec<RestsOn>,
    pub seen: Vec<SeenEvent>,
    pub not_seen: Vec<SeenEvent>,
    /// The stream's overview folded from what the decider had seen.
    pub view_as_seen: V,
}

/// The decision itself, with the Automerge change that carried it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionMade {
    pub event_id: EventId,
    pub kind: String,
    /// False when the event asked about is not one of `DECISION_KINDS`.
    pub is_decision: bool,
    pub author: PersonRef,
    pub device: DeviceRef,
    pub recorded_at: String,
    pub received_at: Option<String>,
    pub change_hash: Option<String>,
    pub depends_on: Option<Vec<String>>,
    pub content: Option<Event>,
}

/// A record a manager's decision names as resting on, and whether the decider had it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestsOn {
    pub record: EventId,
    pub had_seen: bool,
}

/// An event beside a decision: seen by its maker, or not (then with why not).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeenEvent {
    pub event_id: EventId,
    pub kind: String,
    pub author: PersonRef,
    pub device: DeviceRef,
    pub recorded_at: String,
    pub received_at: Option<String>,
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why_not_seen: Option<String>,
}

/// `GET /api/v1/audit/streams/{stream_id}/integrity`: whether the stream's change
/// graph and receipt log check out, each problem in a sentence, and the bundle
/// verifier's full findings (`audit::bundle::Verification`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Integrity<F = Verification> {
    pub stream: StreamId,
    pub intact: bool,
    pub problems: Vec<String>,
    pub verification: F,
    /// Records whose personal content was recorded before sealing (schema 4 and
    /// earlier): in the clear in the history, so an erasure by key cannot reach them.
    #[serde(default)]
    pub recorded_before_sealing: Vec<EventId>,
}

/// A point in a stream's history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "point", rename_all = "kebab-case")]
pub enum Point {
    /// The server's knowledge at this instant.
    At { at: String },
    /// The server's knowledge just after this event reached it (at `at`).
    After { event: EventId, at: String },
}

/// `GET /api/v1/audit/streams/{stream_id}/as-it-stood`: one view of the stream as the
/// server held it at a point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AsItStood<V = View> {
    pub stream: StreamId,
    pub point: Point,
    /// How many events the server held at the point (for the dashboard, across the
    /// collaborative's stream and its projects').
    pub events: usize,
    /// Which view: overview, cycle, measure, report, history or dashboard.
    pub view: String,
    pub id: Option<EventId>,
    pub as_it_stood: V,
}

/// The views a stream can be read as at a point, serialized as the view itself.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum View {
    Project(ProjectOverview),
    Collaborative(CollaborativeOverview),
    Cycle(CycleView),
    Measure(Box<MeasureChart>),
    Report(Box<ReportView>),
    History(RecordHistory),
    Dashboard(Dashboard),
}

/// A collaborative's overview: its summary and founding record.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CollaborativeOverview {
    pub summary: StreamSummary,
    pub founding: Option<Record>,
}

/// The views `AsItStood::view` names, the dashboard last.
pub const VIEWS: [&str; 6] = [
    "overview", "cycle", "measure", "report", "history", DASHBOARD,
];
/// The view of a collaborative's stream that is its dashboard.
pub const DASHBOARD: &str = "dashboard";

#[cfg(test)]
mod tests {
    use super::*;

    fn person() -> PersonRef {
        PersonRef {
            id: PersonId::new(),
            username: None,
            name: "the server".into(),
        }
    }

    fn device() -> DeviceRef {
        DeviceRef {
            id: DeviceId::new(),
            name: "the server".into(),
        }
    }

    #[test]
    fn a_client_reads_back_the_timeline_the_server_writes() {
        let timeline = Timeline {
            entries: vec![
                TimelineEntry::Event(EventEntry {
                    stream: StreamId::new(),
                    stream_name: "Falls".into(),
                    event_id: EventId::new(),
                    kind: "cycle-acted".into(),
                    author: person(),
                    roles: vec![],
                    device: device(),
                    recorded_at: "2026-03-10T17:40:00Z".into(),
                    received_at: "2026-03-10T17:40:00Z".into(),
                    received_from: None,
                    recorded_on_server: true,
                    delay_seconds: 0,
                    late: false,
                    receipt: None,
                    change_hash: None,
                    content: None,
                }),
                TimelineEntry::Access(AccessEntry {
                    seq: 1,
                    stream: StreamId::new(),
                    stream_name: None,
                    at: "2026-03-10T17:41:00Z".into(),
                    person: person(),
                    device: device(),
                    route: "GET /api/v1/audit/timeline".into(),
                    record: None,
                }),
            ],
        };
        let json = serde_json::to_value(&timeline).unwrap_or_default();
        assert_eq!(json["entries"][0]["entry"], "event");
        assert_eq!(json["entries"][1]["entry"], "access");
        let back: Option<Timeline> = serde_json::from_value(json).ok();
        assert_eq!(back, Some(timeline));
        let entry = match back.as_ref().map(|t| &t.entries[0]) {
            Some(TimelineEntry::Event(e)) => e.is_decision(),
            _ => false,
        };
        assert!(entry, "cycle-acted is a decision");
    }

    #[test]
    fn a_point_names_itself_and_a_view_is_written_as_itself() {
        let answer = AsItStood::<serde_json::Value> {
            stream: StreamId::new(),
            point: Point::At {
                at: "2026-03-10T23:59:59.999Z".into(),
            },
            events: 3,
            view: "overview".into(),
            id: None,
            as_it_stood: serde_json::json!({"events": 3}),
        };
        let json = serde_json::to_value(&answer).unwrap_or_default();
        assert_eq!(json["point"]["point"], "at");
        assert_eq!(json["as_it_stood"]["events"], 3);
        let back: Option<AsItStood<serde_json::Value>> = serde_json::from_value(json).ok();
        assert_eq!(back, Some(answer));
    }
}
