//! The views people look at, assembled from records: the project overview, one cycle,
//! a measure's series, the observation feed and a record's history. Pure functions:
//! the store loads the records, these shape them, so the terminal, the phone and the
//! server show the same thing.

use super::event::*;
use super::ids::{EventId, StreamId};
use super::record::{Conflict, Detail, HistoryEntry, Record, Stage, StreamSummary};
use super::register::Version;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use time::Date;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MeasureLine {
    pub id: EventId,
    pub definition: Option<MeasureDefinition>,
    pub in_conflict: bool,
    pub measurements: usize,
    pub latest: Option<Point>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CycleLine {
    pub id: EventId,
    pub objective: String,
    pub stage: Stage,
    pub scale: TestScale,
    pub follows: Option<EventId>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RampStep {
    pub depth: usize,
    pub cycle: CycleLine,
}

/// A ramp: a first small test and the cycles that followed from it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Ramp {
    pub steps: Vec<RampStep>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportLine {
    pub id: EventId,
    pub month: Date,
    pub self_score: Score,
    pub coordinator_scores: Vec<Score>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProjectOverview {
    pub stream: StreamId,
    pub project: Option<ProjectStarted>,
    pub charter: Option<Charter>,
    pub measures: Vec<MeasureLine>,
    pub cycles_by_stage: BTreeMap<String, Vec<CycleLine>>,
    pub ramps: Vec<Ramp>,
    pub reports: Vec<ReportLine>,
    pub change_ideas: Vec<(EventId, String)>,
    pub conflicts: Vec<Conflict>,
    pub events: u64,
    pub unknown_events: u64,
}

/// A measurement as plotted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Point {
    pub id: EventId,
    pub period_start: Date,
    pub period_end: Date,
    pub value: MeasurementValue,
    pub plotted: f64,
    pub note: String,
    pub corrected: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MeasureSeries {
    pub id: EventId,
    pub definition: Option<MeasureDefinition>,
    pub revisions: usize,
    pub conflict: Option<Vec<Version<MeasureDefinition>>>,
    pub points: Vec<Point>,
    /// The baseline settings no other replaces (setting, points): one in force, or
    /// several made without seeing each other, until a new one names them all.
    pub baseline_settings: Vec<(EventId, u16)>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CycleView {
    pub id: EventId,
    pub stage: Stage,
    pub plan: Option<Plan>,
    pub dos: Vec<(EventId, Do)>,
    pub studies: Vec<(EventId, Study)>,
    pub act: Option<Act>,
    pub act_conflict: Option<Vec<Version<Act>>>,
    pub follows: Option<EventId>,
    pub leads_to: Vec<EventId>,
    pub observations: Vec<FeedItem>,
    /// The Plan's predictions made checkable: which measure should move which way.
    pub expectations: Vec<(EventId, Expectation)>,
    pub history: Vec<HistoryEntry>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FeedItem {
    pub id: EventId,
    pub observation: Observation,
    pub recorded_by: super::ids::PersonId,
    pub recorded_at: super::hlc::Hlc,
    pub corrected: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RecordHistory {
    pub id: EventId,
    pub kind: EventKind,
    pub original: Option<Event>,
    pub current: Event,
    pub withdrawn: bool,
    pub entries: Vec<HistoryEntry>,
}

fn cycle_line(record: &Record) -> Option<CycleLine> {
    match &record.content {
        Event::CyclePlanned(plan) => Some(CycleLine {
            id: record.id,
            objective: plan.objective.clone(),
            stage: record.stage()?,
            scale: plan.scale,
            follows: plan.follows,
        }),
        _ => None,
    }
}

/// A measurement as plotted, if it stands.
pub fn point(record: &Record) -> Option<Point> {
    match &record.content {
        Event::MeasurementRecorded(m) if !record.withdrawn => Some(Point {
            id: record.id,
            period_start: m.period_start,
            period_end: m.period_end,
            value: m.value.clone(),
            plotted: m.value.plotted(),
            note: m.note.clone(),
            corrected: record.history.len() > 1,
        }),
        _ => None,
    }
}

/// Points in time order (by period, then id, so ties are the same everywhere).
pub fn points<'r>(measurements: impl IntoIterator<Item = &'r Record>) -> Vec<Point> {
    let mut points: Vec<Point> = measurements.into_iter().filter_map(point).collect();
    points.sort_by(|a, b| {
        (a.period_start, a.period_end, a.id).cmp(&(b.period_start, b.period_end, b.id))
    });
    points
}

/// A measure in the overview: how many of its measurements stand, and the latest.
pub struct MeasureCount<'a> {
    pub measure: &'a Record,
    pub measurements: usize,
    pub latest: Option<Point>,
}

impl<'a> MeasureCount<'a> {
    /// Counted from all of the measure's measurements.
    pub fn of<'r>(measure: &'a Record, measurements: impl IntoIterator<Item = &'r Record>) -> Self {
        let mut points = points(measurements);
        MeasureCount {
            measure,
            measurements: points.len(),
            latest: points.pop(),
        }
    }
}

pub struct OverviewInput<'a> {
    pub summary: &'a StreamSummary,
    pub project: Option<&'a Record>,
    pub measures: Vec<MeasureCount<'a>>,
    pub cycles: Vec<&'a Record>,
    /// Each report with its children (the coordinator's scores among them).
    pub reports: Vec<(&'a Record, Vec<&'a Record>)>,
    pub change_ideas: Vec<&'a Record>,
}

pub fn project_overview(input: OverviewInput<'_>) -> ProjectOverview {
    let (project, charter) = match input.project {
        Some(Record {
            content: Event::ProjectStarted(p),
            detail: Detail::Project { charter, .. },
            ..
        }) => (Some(p.clone()), charter.current().cloned()),
        _ => (None, None),
    };
    let measures = input
        .measures
        .into_iter()
        .filter(|c| !c.measure.withdrawn)
        .map(|c| MeasureLine {
            id: c.measure.id,
            definition: c.measure.measure_definition().cloned(),
            in_conflict: matches!(&c.measure.detail, Detail::Measure { definition } if definition.conflict().is_some()),
            measurements: c.measurements,
            latest: c.latest,
        })
        .collect();
    let lines: Vec<CycleLine> = input
        .cycles
        .iter()
        .copied()
        .filter(|c| !c.withdrawn)
        .filter_map(cycle_line)
        .collect();
    let mut cycles_by_stage: BTreeMap<String, Vec<CycleLine>> = BTreeMap::new();
    for line in &lines {
        cycles_by_stage
            .entry(line.stage.label().to_string())
            .or_default()
            .push(line.clone());
    }
    let reports = input
        .reports
        .iter()
        .filter_map(|(r, scores)| match &r.content {
            Event::MonthlyReportSubmitted(report) if !r.withdrawn => Some(ReportLine {
                id: r.id,
                month: report.month,
                self_score: report.self_score,
                coordinator_scores: scores
                    .iter()
                    .filter(|s| !s.withdrawn)
                    .filter_map(|s| match &s.content {
                        Event::CoordinatorScoreGiven { score, .. } => Some(*score),
                        _ => None,
                    })
                    .collect(),
            }),
            _ => None,
        })
        .collect();
    ProjectOverview {
        stream: input.summary.stream,
        project,
        charter,
        measures,
        ramps: ramps(&lines),
        cycles_by_stage,
        reports,
        change_ideas: input
            .change_ideas
            .iter()
            .filter(|r| !r.withdrawn)
            .map(|r| (r.id, r.title()))
            .collect(),
        conflicts: input.summary.conflicts.clone(),
        events: input.summary.events,
        unknown_events: input.summary.unknown_events,
    }
}

/// Ramps of linked cycles: each cycle that follows none (or one not here) starts a
/// ramp; the cycles following it come after it, one level deeper.
pub fn ramps(cycles: &[CycleLine]) -> Vec<Ramp> {
    let ids: HashSet<EventId> = cycles.iter().map(|c| c.id).collect();
    let mut children: BTreeMap<EventId, Vec<&CycleLine>> = BTreeMap::new();
    for c in cycles {
        if let Some(f) = c.follows.filter(|f| ids.contains(f)) {
            children.entry(f).or_default().push(c);
        }
    }
    let mut ramps = Vec::new();
    for root in cycles
        .iter()
        .filter(|c| !c.follows.is_some_and(|f| ids.contains(&f)))
    {
        let mut steps = Vec::new();
        let mut stack = vec![(root, 0usize)];
        while let Some((cycle, depth)) = stack.pop() {
            steps.push(RampStep {
                depth,
                cycle: cycle.clone(),
            });
            if let Some(next) = children.get(&cycle.id) {
                for child in next.iter().rev() {
                    stack.push((child, depth + 1));
                }
            }
        }
        ramps.push(Ramp { steps });
    }
    ramps
}

pub fn measure_series<'r>(
    measure: &Record,
    measurements: impl IntoIterator<Item = &'r Record>,
) -> MeasureSeries {
    let (revisions, conflict) = match &measure.detail {
        Detail::Measure { definition } => (
            definition.versions.len().saturating_sub(1),
            definition
                .conflict()
                .map(|v| v.into_iter().cloned().collect()),
        ),
        _ => (0, None),
    };
    let children: Vec<&Record> = measurements.into_iter().collect();
    let baselines = baseline_heads(&children);
    MeasureSeries {
        id: measure.id,
        definition: measure.measure_definition().cloned(),
        revisions,
        conflict,
        points: points(children.iter().copied()),
        baseline_settings: baselines,
    }
}

impl MeasureSeries {
    /// How many first points the run chart's median rests on, as set for this measure
    /// (`None`: the usual 12, none being set or several in conflict).
    pub fn baseline_points(&self) -> Option<u16> {
        match self.baseline_settings.as_slice() {
            [(_, points)] => Some(*points),
            _ => None,
        }
    }
}

/// A measure's baseline settings that no other setting replaces, in record order:
/// one is the baseline in force, several are a conflict.
fn baseline_heads(children: &[&Record]) -> Vec<(EventId, u16)> {
    let settings: Vec<(EventId, &Vec<EventId>, u16)> = children
        .iter()
        .filter(|r| !r.withdrawn)
        .filter_map(|r| match &r.content {
            Event::BaselineSet {
                replaces, points, ..
            } => Some((r.id, replaces, *points)),
            _ => None,
        })
        .collect();
    settings
        .iter()
        .filter(|(id, _, _)| {
            !settings
                .iter()
                .any(|(_, replaces, _)| replaces.contains(id))
        })
        .map(|(id, _, points)| (*id, *points))
        .collect()
}

pub fn feed_item(record: &Record) -> Option<FeedItem> {
    match &record.content {
        Event::ObservationRecorded(o) if !record.withdrawn => Some(FeedItem {
            id: record.id,
            observation: o.clone(),
            recorded_by: record.created.author,
            recorded_at: record.created.at,
            corrected: record.history.len() > 1,
        }),
        _ => None,
    }
}

/// One cycle with its whole Plan, Do, Study and Act; `children` are the records that
/// belong to it (its Dos, Studies and observations).
pub fn cycle_view(cycle: &Record, children: &[Record]) -> Option<CycleView> {
    let Detail::Cycle { act, leads_to, .. } = &cycle.detail else {
        return None;
    };
    let plan = match &cycle.content {
        Event::CyclePlanned(p) => Some(p.clone()),
        _ => None,
    };
    let live = || children.iter().filter(|c| !c.withdrawn);
    Some(CycleView {
        id: cycle.id,
        stage: cycle.stage()?,
        follows: plan.as_ref().and_then(|p| p.follows),
        plan,
        dos: live()
            .filter_map(|c| match &c.content {
                Event::CycleDone { done, .. } => Some((c.id, done.clone())),
                _ => None,
            })
            .collect(),
        studies: live()
            .filter_map(|c| match &c.content {
                Event::CycleStudied { study, .. } => Some((c.id, study.clone())),
                _ => None,
            })
            .collect(),
        act: act.current().cloned(),
        act_conflict: act.conflict().map(|v| v.into_iter().cloned().collect()),
        leads_to: leads_to.clone(),
        observations: children.iter().filter_map(feed_item).collect(),
        expectations: live()
            .filter_map(|c| match &c.content {
                Event::ExpectationStated { expectation, .. } => Some((c.id, expectation.clone())),
                _ => None,
            })
            .collect(),
        history: cycle.history.clone(),
    })
}

/// A record's history; `original` is the content of the event that created it.
pub fn record_history(record: &Record, original: Option<Event>) -> RecordHistory {
    RecordHistory {
        id: record.id,
        kind: record.kind,
        original,
        current: record.content.clone(),
        withdrawn: record.withdrawn,
        entries: record.history.clone(),
    }
}

/// A coordinator's score of a monthly report, with its justification.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScoreLine {
    pub id: EventId,
    pub score: Score,
    pub justification: String,
    pub by: super::ids::PersonId,
    /// When it was recorded, on its author's device.
    pub on: super::hlc::Hlc,
    /// The level the evidence supported when the score was given (recorded with it
    /// since schema 3).
    pub suggested: Option<ScoreSuggestion>,
}

/// A monthly report as it stands, with the coordinator's scores of it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportDetail {
    pub id: EventId,
    pub report: MonthlyReport,
    pub by: super::ids::PersonId,
    /// When it was submitted, on its author's device.
    pub on: super::hlc::Hlc,
    /// The level the evidence supported when the team assessed itself.
    pub suggested: Option<ScoreSuggestion>,
    pub scores: Vec<ScoreLine>,
}

/// A senior manager's decision, with its rationale and the records it rests on.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DecisionLine {
    pub id: EventId,
    pub decision: String,
    pub rationale: String,
    pub rests_on: Vec<EventId>,
    pub by: super::ids::PersonId,
    pub on: super::hlc::Hlc,
}

/// Everything a team project page shows beyond its overview: the SCIE action plan and
/// learning log, the monthly reports with their scores, and managers' decisions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProjectDetail {
    pub overview: ProjectOverview,
    pub action_plan: Vec<(EventId, ActionPlanEntry)>,
    pub learning_log: Vec<(EventId, LearningLogEntry)>,
    pub reports: Vec<ReportDetail>,
    pub decisions: Vec<DecisionLine>,
}

/// A report and its score records (its children), if the report stands.
pub fn report_detail(report: &Record, children: &[Record]) -> Option<ReportDetail> {
    let suggested = |id: EventId| {
        children.iter().find_map(|c| match &c.content {
            Event::ScoreSuggested {
                score, suggestion, ..
            } if *score == id => Some(suggestion.clone()),
            _ => None,
        })
    };
    match &report.content {
        Event::MonthlyReportSubmitted(r) if !report.withdrawn => Some(ReportDetail {
            id: report.id,
            report: r.clone(),
            by: report.created.author,
            on: report.created.at,
            suggested: suggested(report.id),
            scores: children
                .iter()
                .filter(|s| !s.withdrawn)
                .filter_map(|s| match &s.content {
                    Event::CoordinatorScoreGiven {
                        score,
                        justification,
                        ..
                    } => Some(ScoreLine {
                        id: s.id,
                        score: *score,
                        justification: justification.clone(),
                        by: s.created.author,
                        on: s.created.at,
                        suggested: suggested(s.id),
                    }),
                    _ => None,
                })
                .collect(),
        }),
        _ => None,
    }
}

pub fn decision_line(record: &Record) -> Option<DecisionLine> {
    match &record.content {
        Event::ManagerDecisionRecorded {
            decision,
            rationale,
            rests_on,
        } if !record.withdrawn => Some(DecisionLine {
            id: record.id,
            decision: decision.clone(),
            rationale: rationale.clone(),
            rests_on: rests_on.clone(),
            by: record.created.author,
            on: record.created.at,
        }),
        _ => None,
    }
}
