//! What the phone's screens read: my team's projects, a project's overview, one cycle,
//! a measure's recent values with what the chart rules see in them, open conflicts, and
//! how many records wait to sync. Shaped by the client core's views (the terminal and
//! the server show the same), read without loading any Automerge document.

use crate::error::PraxisError;
use crate::input::{ActInput, Direction, DoInput, StudyInput, TestScale};
use crate::recording::{id, stream};
use crate::store::PraxisStore;
use praxis_core::domain::charts;
use praxis_core::domain::event::{Decision, Event, MeasureUnit, ObservationKind};
use praxis_core::domain::ids::StreamId;
use praxis_core::domain::measure_chart;
use praxis_core::domain::record::{Conflict, Stage, StreamKind};

use praxis_core::dates::format_day;
use praxis_core::store::{Store, queries};
use praxis_core::sync::PEER;

/// A team's improvement project on this device.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ProjectSummary {
    pub id: String,
    /// The last 8 characters of the id, as lists show it.
    pub short_id: String,
    pub title: String,
    pub team: String,
    pub organisation: String,
    pub collaborative_id: Option<String>,
    pub events: u64,
}

/// A measure as the overview lists it.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct MeasureLine {
    pub id: String,
    pub name: String,
    pub measurements: u64,
    pub latest_value: Option<f64>,
    pub latest_period_end: Option<String>,
    pub in_conflict: bool,
}

/// A cycle as the overview lists it.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct CycleLine {
    pub id: String,
    pub objective: String,
    /// `plan`, `do`, `study`, `act: adopt` (adapt, abandon), or `act in conflict`.
    pub stage: String,
    pub scale: TestScale,
    pub follows_id: Option<String>,
}

/// Two or more versions of one single-valued thing made without seeing each other;
/// shown until someone resolves it.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ConflictLine {
    pub stream_id: String,
    pub subject_id: String,
    /// What is in conflict, in words ("the charter", "the Act of cycle ...").
    pub what: String,
    pub version_ids: Vec<String>,
}

/// A project's overview: its aim, measures with their latest values, cycles by stage
/// and open conflicts.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct Overview {
    pub project: ProjectSummary,
    /// The aim statement, when the charter is set.
    pub aim: Option<String>,
    pub measures: Vec<MeasureLine>,
    pub cycles: Vec<CycleLine>,
    pub monthly_reports: u64,
    pub conflicts: Vec<ConflictLine>,
    pub events: u64,
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ObservationLine {
    pub id: String,
    pub text: String,
    pub case_material: bool,
    pub subject: Option<String>,
    pub observed_on: String,
}

/// One PDSA cycle, every stage recorded so far.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct CycleDetail {
    pub id: String,
    pub stage: String,
    pub objective: String,
    pub scale: Option<TestScale>,
    pub who: String,
    pub what: String,
    pub place: String,
    pub when: Option<String>,
    pub data_to_collect: String,
    pub dos: Vec<DoInput>,
    pub studies: Vec<StudyInput>,
    pub act: Option<ActInput>,
    pub act_in_conflict: bool,
    pub follows_id: Option<String>,
    pub leads_to_ids: Vec<String>,
    pub observations: Vec<ObservationLine>,
}

#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct MeasurePoint {
    pub id: String,
    pub period_start: String,
    pub period_end: String,
    /// The plotted value (a proportion as a percentage).
    pub value: f64,
    pub note: String,
}

/// Something a chart rule sees in the values.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ChartSignal {
    /// `run` (run chart, Anhøj's rules included) or `xmr` (XmR chart).
    pub chart: String,
    /// The rule in words (`shift`, `unusually long run`, `two of three near a limit`...).
    pub rule: String,
    /// The rule, its reading and its chart in words, as every client labels it
    /// ("shift (improvement) on the run chart").
    pub label: String,
    /// The points that make the signal, as indices into `MeasureDetail::points`; empty
    /// for a signal about the chart as a whole (too few runs, too few crossings).
    pub points: Vec<u32>,
    /// `improvement` or `concern` by the measure's direction, when the rule has one.
    pub reading: Option<String>,
    /// One plain sentence.
    pub explanation: String,
}

/// A measure's recent values and what the run chart and the XmR chart see in them.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct MeasureDetail {
    pub id: String,
    pub name: String,
    pub direction: Option<Direction>,
    pub target: Option<f64>,
    /// True for a proportion (measured as a numerator and a denominator).
    pub proportion: bool,
    pub points: Vec<MeasurePoint>,
    pub median: Option<f64>,
    /// Every signal of both charts read over the whole series (the same list the server
    /// and the terminal show), those about the points shown or the chart as a whole.
    pub signals: Vec<ChartSignal>,
    /// Making Data Count's variation icon for the current phase.
    pub variation: Option<MeasureIcon>,
    /// Making Data Count's assurance icon against the target.
    pub assurance: Option<MeasureIcon>,
    /// Limits of the analysis the reader should know (a short baseline...).
    pub warnings: Vec<String>,
}

/// A variation or assurance icon: its short label, Making Data Count's colour, and what a
/// screen reader says.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct MeasureIcon {
    pub label: String,
    /// `#rrggbb`.
    pub colour: String,
    pub words: String,
    pub provisional: bool,
}

#[uniffi::export]
impl PraxisStore {
    /// The team projects on this device (those of the teams this person works in).
    pub fn projects(&self) -> Result<Vec<ProjectSummary>, PraxisError> {
        let store = self.lock();
        queries::streams(store.connection())?
            .into_iter()
            .filter(|s| s.kind == StreamKind::Project)
            .map(|s| project_summary(&store, s.id))
            .collect()
    }

    /// A project's overview.
    pub fn overview(&self, project_id: String) -> Result<Overview, PraxisError> {
        let store = self.lock();
        let project = stream(&store, Some(&project_id), StreamKind::Project)?;
        overview(&store, project)
    }

    /// One cycle, by its id.
    pub fn cycle(&self, cycle_id: String) -> Result<CycleDetail, PraxisError> {
        let store = self.lock();
        let cycle = id(&store, &cycle_id)?;
        let view = queries::cycle(store.connection(), cycle)?
            .ok_or_else(|| PraxisError::invalid(format!("{} is not a cycle.", cycle.short())))?;
        let plan = view.plan.as_ref();
        Ok(CycleDetail {
            id: view.id.0.to_string(),
            stage: stage(view.stage),
            objective: plan.map(|p| p.objective.clone()).unwrap_or_default(),
            scale: plan.map(|p| p.scale.into()),
            who: plan.map(|p| p.who.clone()).unwrap_or_default(),
            what: plan.map(|p| p.what.clone()).unwrap_or_default(),
            place: plan.map(|p| p.where_.clone()).unwrap_or_default(),
            when: plan.map(|p| format_day(p.when)),
            data_to_collect: plan.map(|p| p.data_to_collect.clone()).unwrap_or_default(),
            dos: view
                .dos
                .iter()
                .map(|(_, d)| DoInput {
                    carried_out_on: format_day(d.carried_out_on),
                    carried_out_by: d.carried_out_by.clone(),
                    observations: d.observations.clone(),
                    problems: d.problems.clone(),
                    surprises: d.surprises.clone(),
                    data_gathered: d.data_gathered.clone(),
                })
                .collect(),
            studies: view
                .studies
                .iter()
                .map(|(_, s)| StudyInput {
                    analysis: s.analysis.clone(),
                    compared_with_predictions: s.compared_with_predictions.clone(),
                    learning: s.learning.clone(),
                })
                .collect(),
            act: view.act.as_ref().map(|a| ActInput {
                decision: a.decision.into(),
                reasons: a.reasons.clone(),
                changes: a.changes.clone(),
                next_step: a.next_step.clone(),
            }),
            act_in_conflict: view.act_conflict.is_some(),
            follows_id: view.follows.map(|f| f.0.to_string()),
            leads_to_ids: view.leads_to.iter().map(|l| l.0.to_string()).collect(),
            observations: view
                .observations
                .iter()
                .map(|o| ObservationLine {
                    id: o.id.0.to_string(),
                    text: o.observation.text.clone(),
                    case_material: o.observation.kind == ObservationKind::CaseMaterial,
                    subject: o.observation.subject.clone(),
                    observed_on: format_day(o.observation.observed_on),
                })
                .collect(),
        })
    }

    /// A measure's latest `recent` values (all when 0), in time order, with the run
    /// chart's and the XmR chart's signals read over the whole series.
    pub fn measure(&self, measure_id: String, recent: u32) -> Result<MeasureDetail, PraxisError> {
        let store = self.lock();
        let measure = id(&store, &measure_id)?;
        let chart = queries::measure_chart(store.connection(), measure, &[])?.ok_or_else(|| {
            PraxisError::invalid(format!("{} is not a measure.", measure.short()))
        })?;
        let all = chart.series.points.len();
        let first = if recent > 0 {
            all.saturating_sub(recent as usize)
        } else {
            0
        };
        let definition = chart.series.definition.as_ref();
        let mut detail = MeasureDetail {
            id: chart.series.id.0.to_string(),
            name: definition.map(|d| d.name.clone()).unwrap_or_default(),
            direction: definition.map(|d| d.direction.into()),
            target: definition.and_then(|d| d.target),
            proportion: definition.is_some_and(|d| matches!(d.unit, MeasureUnit::Ratio { .. })),
            points: chart.series.points[first..]
                .iter()
                .map(|p| MeasurePoint {
                    id: p.id.0.to_string(),
                    period_start: format_day(p.period_start),
                    period_end: format_day(p.period_end),
                    value: p.plotted,
                    note: p.note.clone(),
                })
                .collect(),
            median: chart.run_chart.as_ref().and_then(|r| r.median),
            signals: chart
                .signals()
                .iter()
                .filter(|s| s.covers.1 >= first)
                .map(|s| signal(s, first))
                .collect(),
            variation: None,
            assurance: None,
            warnings: Vec::new(),
        };
        detail.warnings.extend(chart.problem.clone());
        if let Some(run) = &chart.run_chart {
            detail
                .warnings
                .extend(run.warnings.iter().map(|w| w.message.clone()));
        }
        if let Some(xmr) = &chart.xmr {
            detail
                .warnings
                .extend(xmr.warnings.iter().map(|w| w.message.clone()));
            if let Some(a) = &xmr.assurance {
                detail.warnings.push(a.explanation.clone());
            }
            if let Some(p) = &xmr.proposal {
                detail.warnings.push(p.explanation.clone());
            }
            detail.variation = xmr.icons.variation.as_ref().map(icon);
            detail.assurance = xmr.icons.assurance.as_ref().map(icon);
        }
        Ok(detail)
    }

    /// Every open conflict on this device, in every stream.
    pub fn conflicts(&self) -> Result<Vec<ConflictLine>, PraxisError> {
        let store = self.lock();
        let mut lines = Vec::new();
        for s in queries::streams(store.connection())? {
            let summary = queries::summary(store.connection(), s.id)?;
            lines.extend(summary.conflicts.iter().map(|c| conflict(s.id, c)));
        }
        Ok(lines)
    }

    /// How many records made on this device the server is not yet known to have.
    pub fn waiting_to_sync(&self) -> Result<u64, PraxisError> {
        Ok(self.lock().waiting_to_sync(PEER)?)
    }

    /// What waits to sync in each collaborative and project this device holds.
    pub fn waiting_by_stream(&self) -> Result<Vec<StreamWaiting>, PraxisError> {
        let mut store = self.lock();
        let waiting = store.waiting_to_sync_by_stream(PEER)?;
        let streams = queries::streams(store.connection())?;
        Ok(waiting
            .into_iter()
            .filter_map(|(id, records)| {
                streams.iter().find(|s| s.id == id).map(|s| StreamWaiting {
                    stream_id: id.0.to_string(),
                    name: s.name.clone(),
                    records,
                })
            })
            .collect())
    }
}

/// Records recorded on this device that the server is not known to have yet, in one
/// collaborative or project.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct StreamWaiting {
    pub stream_id: String,
    pub name: String,
    pub records: u64,
}

fn project_summary(store: &Store, project: StreamId) -> Result<ProjectSummary, PraxisError> {
    let info = queries::stream_info(store.connection(), project)?;
    let summary = queries::summary(store.connection(), project)?;
    let started = match summary.founding {
        Some(f) => queries::record(store.connection(), f)?,
        None => None,
    };
    let (title, team, organisation) = match started.map(|r| r.content) {
        Some(Event::ProjectStarted(p)) => (p.title, p.team, p.organisation),
        _ => (info.name.clone(), String::new(), String::new()),
    };
    Ok(ProjectSummary {
        id: project.0.to_string(),
        short_id: project.short(),
        title,
        team,
        organisation,
        collaborative_id: info.collaborative.map(|c| c.0.to_string()),
        events: summary.events,
    })
}

fn overview(store: &Store, project: StreamId) -> Result<Overview, PraxisError> {
    let view = queries::project_overview(store.connection(), project)?;
    let info = queries::stream_info(store.connection(), project)?;
    let (title, team, organisation) = match &view.project {
        Some(p) => (p.title.clone(), p.team.clone(), p.organisation.clone()),
        None => (info.name.clone(), String::new(), String::new()),
    };
    let mut cycles: Vec<CycleLine> = view
        .cycles_by_stage
        .values()
        .flatten()
        .map(|c| CycleLine {
            id: c.id.0.to_string(),
            objective: c.objective.clone(),
            stage: stage(c.stage),
            scale: c.scale.into(),
            follows_id: c.follows.map(|f| f.0.to_string()),
        })
        .collect();
    cycles.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(Overview {
        project: ProjectSummary {
            id: project.0.to_string(),
            short_id: project.short(),
            title,
            team,
            organisation,
            collaborative_id: info.collaborative.map(|c| c.0.to_string()),
            events: view.events,
        },
        aim: view.charter.as_ref().map(|c| {
            let a = &c.aim;
            format!(
                "{} for {} in {}, {}, by {}",
                a.what,
                a.for_whom,
                a.where_,
                a.how_much,
                format_day(a.by_when)
            )
        }),
        measures: view
            .measures
            .iter()
            .map(|m| MeasureLine {
                id: m.id.0.to_string(),
                name: m
                    .definition
                    .as_ref()
                    .map(|d| d.name.clone())
                    .unwrap_or_default(),
                measurements: m.measurements as u64,
                latest_value: m.latest.as_ref().map(|p| p.plotted),
                latest_period_end: m.latest.as_ref().map(|p| format_day(p.period_end)),
                in_conflict: m.in_conflict,
            })
            .collect(),
        cycles,
        monthly_reports: view.reports.len() as u64,
        conflicts: view
            .conflicts
            .iter()
            .map(|c| conflict(project, c))
            .collect(),
        events: view.events,
    })
}

fn conflict(stream: StreamId, c: &Conflict) -> ConflictLine {
    ConflictLine {
        stream_id: stream.0.to_string(),
        subject_id: c.subject.0.to_string(),
        what: c.what.clone(),
        version_ids: c.versions.iter().map(|v| v.0.to_string()).collect(),
    }
}

/// A signal as the phone shows it, its points counted from `first`, the first point shown.
fn signal(s: &measure_chart::ChartSignal, first: usize) -> ChartSignal {
    ChartSignal {
        chart: match s.chart {
            measure_chart::ChartKind::Run => "run".to_string(),
            measure_chart::ChartKind::Xmr => "xmr".to_string(),
        },
        rule: s.signal.rule.words().to_string(),
        label: s.label(),
        points: s
            .signal
            .points
            .iter()
            .filter_map(|&p| p.checked_sub(first))
            .map(|p| u32::try_from(p).unwrap_or(u32::MAX))
            .collect(),
        reading: s.signal.reading.map(|r| r.words().to_string()),
        explanation: s.signal.explanation.clone(),
    }
}

fn icon<K>(i: &charts::icons::Icon<K>) -> MeasureIcon {
    MeasureIcon {
        label: i.label.clone(),
        colour: i.colour.clone(),
        words: i.words.clone(),
        provisional: i.provisional,
    }
}

fn stage(stage: Stage) -> String {
    match stage {
        Stage::Plan => "plan".into(),
        Stage::Do => "do".into(),
        Stage::Study => "study".into(),
        Stage::Act(Decision::Adopt) => "act: adopt".into(),
        Stage::Act(Decision::Adapt) => "act: adapt".into(),
        Stage::Act(Decision::Abandon) => "act: abandon".into(),
        Stage::ActInConflict => "act in conflict".into(),
    }
}
