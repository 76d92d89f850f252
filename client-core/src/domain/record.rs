//! What the views hold: one `Record` per thing recorded (a measure, a cycle, an
//! observation...) as it currently stands, and one `StreamSummary` per stream.

use super::envelope::Stamp;
use super::event::{
    Act, Charter, Decision, Event, EventKind, MeasureDefinition, Phase, ProgressScale,
};
use super::ids::{EventId, StreamId};
use super::register::Register;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub stamp: Stamp,
    pub kind: EventKind,
    /// One plain sentence on what this event did to the record.
    pub what: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Detail {
    Plain,
    Collaborative {
        schedule: Register<Vec<Phase>>,
        scales: Vec<ProgressScale>,
    },
    Project {
        charter: Register<Charter>,
        reports: Vec<(time::Date, EventId)>,
    },
    Measure {
        definition: Register<MeasureDefinition>,
    },
    Cycle {
        dos: Vec<EventId>,
        studies: Vec<EventId>,
        act: Register<Act>,
        leads_to: Vec<EventId>,
    },
    Report {
        coordinator_scores: Vec<EventId>,
    },
    /// A held-back event (the record is the server's `Quarantined`), and how it was
    /// settled, if it was: the first release or withdrawal stands.
    Quarantine {
        settled: Option<Settlement>,
    },
}

/// How a quarantine ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settlement {
    /// True when a coordinator released the event, false when its author withdrew it.
    pub released: bool,
    pub by: Stamp,
    pub reason: String,
}

/// A record as it currently stands: its content with corrections applied, and every
/// event that touched it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: EventId,
    pub kind: EventKind,
    pub parent: Option<EventId>,
    pub created: Stamp,
    pub content: Event,
    pub withdrawn: bool,
    pub history: Vec<HistoryEntry>,
    pub detail: Detail,
}

/// Where a PDSA cycle has got to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
pub enum Stage {
    Plan,
    Do,
    Study,
    Act(Decision),
    /// Two Act decisions were made without seeing each other.
    ActInConflict,
}

impl Stage {
    pub fn label(&self) -> &'static str {
        match self {
            Stage::Plan => "planned",
            Stage::Do => "done, to study",
            Stage::Study => "studied, to decide",
            Stage::Act(Decision::Adopt) => "adopted",
            Stage::Act(Decision::Adapt) => "adapted",
            Stage::Act(Decision::Abandon) => "abandoned",
            Stage::ActInConflict => "decision in conflict",
        }
    }
}

impl Record {
    pub fn stage(&self) -> Option<Stage> {
        match &self.detail {
            Detail::Cycle {
                dos, studies, act, ..
            } => Some(if act.conflict().is_some() {
                Stage::ActInConflict
            } else if let Some(a) = act.current() {
                Stage::Act(a.decision)
            } else if !studies.is_empty() {
                Stage::Study
            } else if !dos.is_empty() {
                Stage::Do
            } else {
                Stage::Plan
            }),
            _ => None,
        }
    }

    pub fn measure_definition(&self) -> Option<&MeasureDefinition> {
        match &self.detail {
            // While revisions conflict there is no one definition to go by.
            Detail::Measure { definition } if !definition.is_empty() => definition.current(),
            Detail::Measure { .. } => match &self.content {
                Event::MeasureDefined(d) => Some(d),
                _ => None,
            },
            _ => None,
        }
    }

    /// A short title for lists.
    pub fn title(&self) -> String {
        match &self.content {
            Event::MeasureDefined(d) => self
                .measure_definition()
                .map(|c| c.name.clone())
                .unwrap_or(d.name.clone()),
            other => title_of(other),
        }
    }
}

/// What a record made by `event` is called, as first recorded.
pub fn title_of(event: &Event) -> String {
    match event {
        Event::CollaborativeFounded(c) => c.name.clone(),
        Event::ProjectStarted(p) => p.title.clone(),
        Event::MeasureDefined(d) => d.name.clone(),
        Event::ChangePackageItemAdded(i) => i.title.clone(),
        Event::ChangeIdeaProposed(i) => i.title.clone(),
        Event::CyclePlanned(p) => p.objective.clone(),
        Event::ObservationRecorded(o) => o.text.clone(),
        Event::MonthlyReportSubmitted(r) => format!("report for {}", month_label(r.month)),
        Event::ManagerDecisionRecorded { decision, .. } => decision.clone(),
        Event::LearningLogEntryAdded(l) => l.learning_points.clone(),
        Event::ActionPlanEntryAdded(a) => a.what_do_we_want_to_achieve.clone(),
        Event::MeasurementRecorded(m) => format!("{} for {}", m.value.plotted(), m.period_end),
        other => other.kind().name().to_string(),
    }
}

pub fn month_label(month: time::Date) -> String {
    format!("{} {}", month.month(), month.year())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StreamKind {
    Collaborative,
    Project,
    /// The server's record of people, teams, memberships and devices.
    Organisation,
}

impl StreamKind {
    pub const ALL: [StreamKind; 3] = [
        StreamKind::Collaborative,
        StreamKind::Project,
        StreamKind::Organisation,
    ];

    /// The kind as the API, the store and the audit bundle write it.
    pub fn name(self) -> &'static str {
        match self {
            StreamKind::Collaborative => "collaborative",
            StreamKind::Project => "project",
            StreamKind::Organisation => "organisation",
        }
    }

    /// The kind `name()` writes as `name`.
    pub fn from_name(name: &str) -> Option<StreamKind> {
        StreamKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// Concurrent versions of one single-valued thing, waiting for a resolution.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conflict {
    pub subject: EventId,
    /// What is in conflict, in words ("the charter", "the Act of cycle ...").
    pub what: String,
    pub versions: Vec<EventId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StreamSummary {
    pub stream: StreamId,
    pub kind: Option<StreamKind>,
    /// The stream's first event: the collaborative or the project.
    pub founding: Option<EventId>,
    pub events: u64,
    /// Events from a newer Praxis, kept but not read until this one is updated.
    pub unknown_events: u64,
    pub counts: BTreeMap<EventKind, u64>,
    pub conflicts: Vec<Conflict>,
    /// Per measure (by its id), its measurements that stand and the latest of them,
    /// so the project's overview need not read every measurement.
    pub measurements: BTreeMap<EventId, MeasureTally>,
}

/// Where a measurement sorts in its series: period start, period end, then id.
pub type SeriesKey = (time::Date, time::Date, EventId);

/// A measure's measurements as the fold counts them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MeasureTally {
    /// Measurements of the measure that stand (not withdrawn).
    pub standing: u64,
    /// The standing measurement that sorts last. Once that one is withdrawn or moved
    /// back, which one is last is not known without reading the series: then this is
    /// `None` although some stand.
    pub latest: Option<SeriesKey>,
}

impl MeasureTally {
    /// A measurement comes to stand.
    pub fn add(&mut self, key: SeriesKey) {
        if self.standing == 0 || self.latest.is_some_and(|latest| key > latest) {
            self.latest = Some(key);
        }
        self.standing += 1;
    }

    /// A standing measurement is withdrawn.
    pub fn remove(&mut self, key: SeriesKey) {
        self.standing = self.standing.saturating_sub(1);
        if self.latest == Some(key) || self.standing == 0 {
            self.latest = None;
        }
    }

    /// A standing measurement is corrected and still stands.
    pub fn moved(&mut self, from: SeriesKey, to: SeriesKey) {
        if self.latest == Some(from) {
            self.latest = (to >= from).then_some(to);
        } else if self.latest.is_some_and(|latest| to > latest) {
            self.latest = Some(to);
        }
    }

    /// Whether `latest` tells which measurement is last (or that none stands).
    pub fn latest_known(&self) -> bool {
        self.latest.is_some() || self.standing == 0
    }
}

impl Record {
    /// Where this record sorts in its measure's series, if it is a measurement that
    /// stands; with the measure it belongs to.
    pub fn series_key(&self) -> Option<(EventId, SeriesKey)> {
        match (&self.content, self.parent) {
            (Event::MeasurementRecorded(m), Some(measure)) if !self.withdrawn => {
                Some((measure, (m.period_start, m.period_end, self.id)))
            }
            _ => None,
        }
    }
}

impl StreamSummary {
    pub fn new(stream: StreamId) -> Self {
        StreamSummary {
            stream,
            kind: None,
            founding: None,
            events: 0,
            unknown_events: 0,
            counts: BTreeMap::new(),
            conflicts: Vec::new(),
            measurements: BTreeMap::new(),
        }
    }
}
