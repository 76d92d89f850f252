//! The fold: how each event changes the views. Deterministic and total: the same
//! events in the same (causal) order give the same views on every replica, and an
//! event that names something missing changes nothing rather than failing, because a
//! replica must be able to fold whatever it holds.
//!
//! Long because what every kind of event does to the views stands in one match, as
//! the kinds themselves stand side by side in `event.rs`.

use super::envelope::{Envelope, Stamp};
use super::event::{Do, Event, EventKind, HoldCovers, Replacement, SealedDo};
use super::ids::{EventId, StreamId};
use super::record::{
    Conflict, Detail, HistoryEntry, Record, SeriesKey, Settlement, StreamKind, StreamSummary,
};
use super::register::Register;
use std::collections::{BTreeMap, HashSet};

/// Where the fold reads and writes views: SQLite in the store, memory in tests and
/// rebuilds.
pub trait Views {
    fn record(&mut self, id: EventId) -> Option<Record>;
    fn put(&mut self, record: Record);
    fn summary(&mut self) -> StreamSummary;
    fn put_summary(&mut self, summary: StreamSummary);

    /// Changes the record `id` where it stands; false if there is none. By default a
    /// copy is read, changed and put back; views that can change it in place do.
    fn update(&mut self, id: EventId, change: impl FnOnce(&mut Record)) -> bool
    where
        Self: Sized,
    {
        match self.record(id) {
            Some(mut record) => {
                change(&mut record);
                self.put(record);
                true
            }
            None => false,
        }
    }

    /// The summary, for the fold to change and give back with `put_summary` (nothing
    /// reads the summary in between). By default a copy; views that can lend theirs do.
    fn take_summary(&mut self) -> StreamSummary {
        self.summary()
    }
}

/// Views held in memory.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryViews {
    pub summary: StreamSummary,
    pub records: BTreeMap<EventId, Record>,
}

impl MemoryViews {
    pub fn new(stream: StreamId) -> Self {
        MemoryViews {
            summary: StreamSummary::new(stream),
            records: BTreeMap::new(),
        }
    }

    /// Folds events given in any order: sorts them into fold order first, and leaves
    /// out those held back among them.
    pub fn fold_all<'a>(stream: StreamId, events: impl IntoIterator<Item = &'a Envelope>) -> Self {
        let mut events: Vec<&Envelope> = events.into_iter().collect();
        events.sort_by_key(|e| e.order_key());
        let held = held_back(events.iter().copied());
        let mut views = MemoryViews::new(stream);
        for e in events.into_iter().filter(|e| !held.contains(&e.id)) {
            apply(&mut views, e);
        }
        views
    }
}

impl Views for MemoryViews {
    fn record(&mut self, id: EventId) -> Option<Record> {
        self.records.get(&id).cloned()
    }
    fn put(&mut self, record: Record) {
        self.records.insert(record.id, record);
    }
    fn summary(&mut self) -> StreamSummary {
        self.summary.clone()
    }
    fn put_summary(&mut self, summary: StreamSummary) {
        self.summary = summary;
    }
    fn update(&mut self, id: EventId, change: impl FnOnce(&mut Record)) -> bool {
        self.records.get_mut(&id).map(change).is_some()
    }
    fn take_summary(&mut self) -> StreamSummary {
        let stream = self.summary.stream;
        std::mem::replace(&mut self.summary, StreamSummary::new(stream))
    }
}

/// The events held back among `events`: each a `Quarantined` names, unless a
/// coordinator released it. The views leave them out wherever they sit in the order,
/// so a fold over a set of events first takes these out of it; folding an event that
/// changes this set (`EventKind::changes_what_is_held`) into views that already hold
/// later events rebuilds them.
pub fn held_back<'a>(events: impl IntoIterator<Item = &'a Envelope>) -> HashSet<EventId> {
    let mut quarantines = BTreeMap::new();
    let mut released = HashSet::new();
    for envelope in events {
        match envelope.event() {
            Some(Event::Quarantined { held, .. }) => {
                quarantines.insert(envelope.id, *held);
            }
            Some(Event::QuarantineReleased { quarantine, .. }) => {
                released.insert(*quarantine);
            }
            _ => {}
        }
    }
    quarantines
        .into_iter()
        .filter(|(quarantine, _)| !released.contains(quarantine))
        .map(|(_, held)| held)
        .collect()
}

/// Folds one event into the views.
pub fn apply(views: &mut impl Views, envelope: &Envelope) {
    let mut summary = views.take_summary();
    summary.events += 1;
    let Some(event) = envelope.event() else {
        summary.unknown_events += 1;
        views.put_summary(summary);
        return;
    };
    *summary.counts.entry(event.kind()).or_default() += 1;
    let stamp = envelope.stamp();
    let id = envelope.id;
    let founding = summary.founding;
    let new_record = |detail: Detail, what: String| Record {
        id,
        kind: event.kind(),
        parent: event.parent(),
        created: stamp,
        content: event.clone(),
        withdrawn: false,
        history: vec![HistoryEntry {
            stamp,
            kind: event.kind(),
            what,
        }],
        detail,
    };

    match event {
        Event::CollaborativeFounded(c) => {
            if summary.founding.is_none() {
                summary.founding = Some(id);
                summary.kind = Some(StreamKind::Collaborative);
            }
            let detail = Detail::Collaborative {
                schedule: Register::default(),
                scales: Vec::new(),
            };
            views.put(new_record(
                detail,
                format!("collaborative '{}' founded", c.name),
            ));
        }
        Event::ProjectStarted(p) => {
            if summary.founding.is_none() {
                summary.founding = Some(id);
                summary.kind = Some(StreamKind::Project);
            }
            let detail = Detail::Project {
                charter: Register::default(),
                reports: Vec::new(),
            };
            views.put(new_record(
                detail,
                format!("project '{}' started by {}", p.title, p.team),
            ));
        }
        Event::ScheduleSet { replaces, schedule } => {
            update(
                views,
                &mut summary,
                founding,
                stamp,
                event.kind(),
                "schedule set",
                |d| {
                    if let Detail::Collaborative {
                        schedule: register, ..
                    } = d
                    {
                        register.apply(stamp, replaces.clone(), schedule.clone());
                    }
                },
            );
        }
        Event::ProgressScaleAdopted(scale) => {
            let what = format!(
                "progress scale '{}' version {} adopted",
                scale.name, scale.version
            );
            update(
                views,
                &mut summary,
                founding,
                stamp,
                event.kind(),
                &what,
                |d| {
                    if let Detail::Collaborative { scales, .. } = d {
                        scales.push(scale.clone());
                    }
                },
            );
        }
        Event::CharterSet { replaces, charter } => {
            let what = if replaces.is_empty() {
                "charter agreed"
            } else {
                "charter revised"
            };
            update(
                views,
                &mut summary,
                founding,
                stamp,
                event.kind(),
                what,
                |d| {
                    if let Detail::Project {
                        charter: register, ..
                    } = d
                    {
                        register.apply(stamp, replaces.clone(), charter.clone());
                    }
                },
            );
        }
        Event::MeasureDefined(definition) => {
            let mut register = Register::default();
            register.apply(stamp, Vec::new(), definition.clone());
            let what = format!("measure '{}' defined", definition.name);
            views.put(new_record(
                Detail::Measure {
                    definition: register,
                },
                what,
            ));
        }
        Event::MeasureRevised {
            measure,
            replaces,
            definition,
        } => {
            update(
                views,
                &mut summary,
                Some(*measure),
                stamp,
                event.kind(),
                "definition revised",
                |d| {
                    if let Detail::Measure {
                        definition: register,
                    } = d
                    {
                        register.apply(stamp, replaces.clone(), definition.clone());
                    }
                },
            );
        }
        Event::CyclePlanned(plan) => {
            let detail = Detail::Cycle {
                dos: Vec::new(),
                studies: Vec::new(),
                act: Register::default(),
                leads_to: Vec::new(),
            };
            views.put(new_record(detail, "Plan recorded".to_string()));
            if let Some(follows) = plan.follows {
                link_child(views, follows, |d| {
                    if let Detail::Cycle { leads_to, .. } = d {
                        leads_to.push(id);
                    }
                });
            }
        }
        Event::CycleDone {
            cycle,
            done:
                Do {
                    carried_out_on: on,
                    carried_out_by: by,
                    ..
                },
        }
        | Event::CycleDoneSealed {
            cycle,
            done:
                SealedDo {
                    carried_out_on: on,
                    carried_out_by: by,
                    ..
                },
        } => {
            views.put(new_record(Detail::Plain, "Do recorded".to_string()));
            let what = format!("Do recorded: carried out on {on} by {by}");
            update(
                views,
                &mut summary,
                Some(*cycle),
                stamp,
                event.kind(),
                &what,
                |d| {
                    if let Detail::Cycle { dos, .. } = d {
                        dos.push(id);
                    }
                },
            );
        }
        Event::CycleStudied { cycle, .. } => {
            views.put(new_record(Detail::Plain, "Study recorded".to_string()));
            update(
                views,
                &mut summary,
                Some(*cycle),
                stamp,
                event.kind(),
                "Study recorded",
                |d| {
                    if let Detail::Cycle { studies, .. } = d {
                        studies.push(id);
                    }
                },
            );
        }
        Event::CycleActed {
            cycle,
            replaces,
            act,
        } => {
            let what = format!("Act: {:?}, because {}", act.decision, act.reasons);
            update(
                views,
                &mut summary,
                Some(*cycle),
                stamp,
                event.kind(),
                &what,
                |d| {
                    if let Detail::Cycle { act: register, .. } = d {
                        register.apply(stamp, replaces.clone(), act.clone());
                    }
                },
            );
        }
        Event::MonthlyReportSubmitted(report) => {
            let what = format!(
                "monthly report submitted, self-assessed score {}",
                report.self_score
            );
            views.put(new_record(
                Detail::Report {
                    coordinator_scores: Vec::new(),
                },
                what,
            ));
            let month = report.month;
            if let Some(founding) = summary.founding {
                link_child(views, founding, |d| {
                    if let Detail::Project { reports, .. } = d {
                        reports.push((month, id));
                    }
                });
            }
        }
        Event::CoordinatorScoreGiven { report, score, .. } => {
            views.put(new_record(
                Detail::Plain,
                format!("coordinator scored {score}"),
            ));
            let what = format!("coordinator scored {score}");
            update(
                views,
                &mut summary,
                Some(*report),
                stamp,
                event.kind(),
                &what,
                |d| {
                    if let Detail::Report { coordinator_scores } = d {
                        coordinator_scores.push(id);
                    }
                },
            );
        }
        Event::OrganisationFounded { .. } => {
            if summary.founding.is_none() {
                summary.founding = Some(id);
                summary.kind = Some(StreamKind::Organisation);
            }
            views.put(new_record(
                Detail::Plain,
                "organisation founded".to_string(),
            ));
        }
        Event::PersonAdded { .. }
        | Event::TeamAdded { .. }
        | Event::MembershipGranted { .. }
        | Event::DeviceEnrolled { .. } => {
            views.put(new_record(
                Detail::Plain,
                format!("{} recorded", event.kind().name()),
            ));
        }
        Event::MembershipRevoked { membership, reason } => {
            let what = format!("membership revoked: {reason}");
            update(
                views,
                &mut summary,
                Some(*membership),
                stamp,
                event.kind(),
                &what,
                |_| {},
            );
            views.update(*membership, |r| r.withdrawn = true);
        }
        Event::DeviceRevoked { reason, .. } => {
            views.put(new_record(
                Detail::Plain,
                format!("device revoked: {reason}"),
            ));
        }
        Event::DataErased {
            keys,
            reason,
            legal_basis,
            ..
        } => {
            views.put(new_record(
                Detail::Plain,
                format!(
                    "personal content under {} erased ({}): {reason}",
                    match keys.len() {
                        1 => "1 data key".to_string(),
                        n => format!("{n} data keys"),
                    },
                    legal_basis.words()
                ),
            ));
        }
        Event::RetentionScheduleSet { periods, .. } => {
            let periods: Vec<String> = periods
                .iter()
                .map(|p| format!("{} {} years", p.kind.words(), p.years))
                .collect();
            views.put(new_record(
                Detail::Plain,
                format!(
                    "retention schedule set: {} after the project closes",
                    periods.join(", ")
                ),
            ));
        }
        Event::LegalHoldPlaced { covers, reason } => {
            views.put(new_record(
                Detail::Plain,
                format!(
                    "legal hold placed on {}: {reason}",
                    match covers {
                        HoldCovers::Person { .. } => "a person's content".to_string(),
                        HoldCovers::Project(stream) => format!("project {}", stream.short()),
                    }
                ),
            ));
        }
        Event::LegalHoldLifted { hold, reason } => {
            let what = format!("legal hold lifted: {reason}");
            update(
                views,
                &mut summary,
                Some(*hold),
                stamp,
                event.kind(),
                &what,
                |_| {},
            );
            views.update(*hold, |r| r.withdrawn = true);
        }
        Event::ChangePackageItemAdded(_)
        | Event::MeasurementRecorded(_)
        | Event::ChangeIdeaProposed(_)
        | Event::ObservationRecorded(_)
        | Event::ObservationSealed(_)
        | Event::ActionPlanEntryAdded(_)
        | Event::LearningLogEntryAdded(_)
        | Event::ManagerDecisionRecorded { .. }
        | Event::ScoreSuggested { .. }
        | Event::ExpectationStated { .. }
        | Event::BaselineSet { .. } => {
            let record = new_record(
                Detail::Plain,
                format!("{} recorded", describe(event.kind())),
            );
            if let Some((measure, key)) = record.series_key() {
                summary.measurements.entry(measure).or_default().add(key);
            }
            views.put(record);
        }
        Event::Correction {
            corrects,
            reason,
            replacement,
        } => {
            correct(
                views,
                &mut summary,
                stamp,
                *corrects,
                reason,
                replacement.as_ref(),
            );
        }
        Event::WorkCarriedOver {
            from_person_name,
            events,
            ..
        } => {
            views.put(new_record(
                Detail::Plain,
                format!(
                    "{events} {} made on this device before it was enrolled, carried over from {from_person_name}",
                    if *events == 1 { "record" } else { "records" }
                ),
            ));
        }
        Event::Quarantined { held, reason, .. } => {
            views.put(new_record(
                Detail::Quarantine { settled: None },
                format!("event {} held back: {reason}", held.short()),
            ));
        }
        Event::QuarantineReleased { quarantine, reason }
        | Event::QuarantineWithdrawn { quarantine, reason } => {
            let released = matches!(event, Event::QuarantineReleased { .. });
            let what = if released {
                format!("released: {reason}")
            } else {
                format!("withdrawn by its author: {reason}")
            };
            update(
                views,
                &mut summary,
                Some(*quarantine),
                stamp,
                event.kind(),
                &what,
                |d| {
                    if let Detail::Quarantine { settled } = d
                        && settled.is_none()
                    {
                        *settled = Some(Settlement {
                            released,
                            by: stamp,
                            reason: reason.clone(),
                        });
                    }
                },
            );
        }
        Event::Resolution {
            subject,
            settles,
            keep,
            reason,
        } => {
            let what = format!("conflict resolved, keeping {}: {reason}", keep.short());
            update(
                views,
                &mut summary,
                Some(*subject),
                stamp,
                event.kind(),
                &what,
                |d| match d {
                    Detail::Collaborative { schedule, .. } => {
                        settle(schedule, stamp, settles, *keep)
                    }
                    Detail::Project { charter, .. } => settle(charter, stamp, settles, *keep),
                    Detail::Measure { definition } => settle(definition, stamp, settles, *keep),
                    Detail::Cycle { act, .. } => settle(act, stamp, settles, *keep),
                    Detail::Plain | Detail::Report { .. } | Detail::Quarantine { .. } => {}
                },
            );
        }
    }
    views.put_summary(summary);
}

fn describe(kind: EventKind) -> &'static str {
    match kind {
        EventKind::ChangePackageItemAdded => "change package item",
        EventKind::MeasurementRecorded => "measurement",
        EventKind::ChangeIdeaProposed => "change idea",
        EventKind::ObservationRecorded => "observation",
        EventKind::ActionPlanEntryAdded => "action plan entry",
        EventKind::LearningLogEntryAdded => "learning log entry",
        EventKind::ManagerDecisionRecorded => "manager's decision",
        EventKind::ScoreSuggested => "suggested score",
        EventKind::ExpectationStated => "checkable prediction",
        EventKind::BaselineSet => "run chart baseline",
        other => other.name(),
    }
}

fn settle<T: Clone>(register: &mut Register<T>, stamp: Stamp, settles: &[EventId], keep: EventId) {
    if let Some(kept) = register.version(keep).map(|v| v.value.clone()) {
        register.apply(stamp, settles.to_vec(), kept);
    }
}

/// Changes the detail of an existing record, notes it in the record's history, and
/// keeps the stream's list of open conflicts in step with the record's register.
fn update(
    views: &mut impl Views,
    summary: &mut StreamSummary,
    subject: Option<EventId>,
    stamp: Stamp,
    kind: EventKind,
    what: &str,
    change: impl FnOnce(&mut Detail),
) {
    let Some(subject) = subject else {
        return;
    };
    views.update(subject, |record| {
        change(&mut record.detail);
        record.history.push(HistoryEntry {
            stamp,
            kind,
            what: what.to_string(),
        });
        refresh_conflict(summary, record);
    });
}

fn link_child(views: &mut impl Views, parent: EventId, change: impl FnOnce(&mut Detail)) {
    views.update(parent, |record| change(&mut record.detail));
}

fn correct(
    views: &mut impl Views,
    summary: &mut StreamSummary,
    stamp: Stamp,
    corrects: EventId,
    reason: &str,
    replacement: Option<&Replacement>,
) {
    views.update(corrects, |record| {
        let before = record.series_key();
        let what = match replacement {
            Some(r) => match record.content.corrected_by(r) {
                Some(content) => {
                    record.content = content;
                    record.withdrawn = false;
                    format!("corrected: {reason}")
                }
                // A correction that does not fit the record changes nothing.
                None => return,
            },
            None => {
                record.withdrawn = true;
                format!("withdrawn: {reason}")
            }
        };
        record.history.push(HistoryEntry {
            stamp,
            kind: EventKind::Correction,
            what,
        });
        retally(summary, before, record.series_key());
    });
}

/// Keeps the measures' tallies in step with a measurement corrected or withdrawn.
fn retally(
    summary: &mut StreamSummary,
    before: Option<(EventId, SeriesKey)>,
    after: Option<(EventId, SeriesKey)>,
) {
    match (before, after) {
        (Some((m, from)), Some((n, to))) if m == n => {
            summary.measurements.entry(m).or_default().moved(from, to);
        }
        (before, after) => {
            if let Some((m, from)) = before {
                summary.measurements.entry(m).or_default().remove(from);
            }
            if let Some((n, to)) = after {
                summary.measurements.entry(n).or_default().add(to);
            }
        }
    }
}

fn refresh_conflict(summary: &mut StreamSummary, record: &Record) {
    let (what, heads) = match &record.detail {
        Detail::Collaborative { schedule, .. } => ("the schedule".to_string(), &schedule.heads),
        Detail::Project { charter, .. } => ("the charter and aim".to_string(), &charter.heads),
        Detail::Measure { definition } => (
            format!("the definition of measure '{}'", record.title()),
            &definition.heads,
        ),
        Detail::Cycle { act, .. } => (
            format!("the Act decision of cycle '{}'", record.title()),
            &act.heads,
        ),
        Detail::Plain | Detail::Report { .. } | Detail::Quarantine { .. } => return,
    };
    summary.conflicts.retain(|c| c.subject != record.id);
    if heads.len() > 1 {
        summary.conflicts.push(Conflict {
            subject: record.id,
            what,
            versions: heads.clone(),
        });
        summary.conflicts.sort_by_key(|c| c.subject);
    }
}
