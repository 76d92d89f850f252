//! A stream's views as they stood at some point in its history: the same fold as the
//! live views (`fold::apply` over `MemoryViews`), applied to the events up to that
//! point, and shaped by the same functions in `views`. Nothing is stored for it: the
//! caller chooses the events (by when the server received them, or by what an author
//! had seen), this folds them.

use super::charts::run_chart::RunChart;
use super::charts::xmr::XmrChart;
use super::dashboard::{self, Dashboard, ProjectViews};
use super::envelope::Envelope;
use super::event::{Event, EventKind};
use super::fold::MemoryViews;
use super::ids::{EventId, StreamId};
use super::record::{Detail, Record};
use super::views::{
    self, CycleView, MeasureCount, MeasureSeries, OverviewInput, ProjectOverview, RecordHistory,
};
use serde::Serialize;
use std::collections::HashMap;
use std::convert::Infallible;
use time::Date;

/// The views of one stream folded from a chosen set of its events.
pub struct StreamAsItStood {
    views: MemoryViews,
    /// The first content of each record that has been corrected since.
    originals: HashMap<EventId, Event>,
}

/// A measure's series as it stood, read on a run chart and an XmR chart.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MeasureChart {
    pub series: MeasureSeries,
    pub run_chart: Option<RunChart>,
    pub xmr: Option<XmrChart>,
    /// Why a chart could not be drawn (no definition to go by, a value not a number).
    pub not_charted: Option<String>,
}

/// A monthly report with the coordinator's scores of it, as they stood.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportView {
    pub id: EventId,
    pub report: Event,
    pub withdrawn: bool,
    pub coordinator_scores: Vec<(EventId, Event)>,
    pub history: RecordHistory,
}

impl StreamAsItStood {
    /// Folds `events` (in any order: they are sorted into fold order first).
    pub fn fold<'a>(stream: StreamId, events: impl IntoIterator<Item = &'a Envelope>) -> Self {
        let events: Vec<&Envelope> = events.into_iter().collect();
        let views = MemoryViews::fold_all(stream, events.iter().copied());
        // A record's content is its first event's until it is corrected: only the
        // corrected ones keep their original beside them.
        let originals = events
            .iter()
            .filter_map(|e| {
                let original = e.event()?;
                let record = views.records.get(&e.id)?;
                (record.content != *original).then(|| (e.id, original.clone()))
            })
            .collect();
        StreamAsItStood { views, originals }
    }

    pub fn views(&self) -> &MemoryViews {
        &self.views
    }

    /// How many events were folded.
    pub fn events(&self) -> u64 {
        self.views.summary.events
    }

    /// The records `keep` chooses, in the store's order.
    fn sorted(&self, keep: impl Fn(&Record) -> bool) -> Vec<&Record> {
        let mut records: Vec<&Record> = self.views.records.values().filter(|r| keep(r)).collect();
        in_store_order(&mut records);
        records
    }

    fn of_kind(&self, kind: EventKind) -> Vec<&Record> {
        self.sorted(|r| r.kind == kind)
    }

    fn children(&self, parent: EventId) -> Vec<&Record> {
        self.sorted(|r| r.parent == Some(parent))
    }

    /// The children of each of `parents`, in the store's order, in one pass.
    fn children_of(&self, parents: &[&Record]) -> Vec<Vec<&Record>> {
        let index: HashMap<EventId, usize> =
            parents.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
        let mut children = vec![Vec::new(); parents.len()];
        for r in self.views.records.values() {
            if let Some(&i) = r.parent.as_ref().and_then(|p| index.get(p)) {
                children[i].push(r);
            }
        }
        for c in &mut children {
            in_store_order(c);
        }
        children
    }

    pub fn record(&self, id: EventId) -> Option<&Record> {
        self.views.records.get(&id)
    }

    /// The project's overview (aim, measures, cycles by stage, ramps, reports).
    pub fn project_overview(&self) -> ProjectOverview {
        let summary = &self.views.summary;
        let project = summary.founding.and_then(|f| self.record(f));
        let measure_records = self.of_kind(EventKind::MeasureDefined);
        let reports = self.of_kind(EventKind::MonthlyReportSubmitted);
        let parents: Vec<&Record> = measure_records.iter().chain(&reports).copied().collect();
        let mut children = self.children_of(&parents).into_iter();
        let measures = measure_records
            .iter()
            .zip(children.by_ref())
            .map(|(m, c)| MeasureCount::of(m, c))
            .collect();
        views::project_overview(OverviewInput {
            summary,
            project,
            measures,
            cycles: self.of_kind(EventKind::CyclePlanned),
            reports: reports.into_iter().zip(children).collect(),
            change_ideas: self.of_kind(EventKind::ChangeIdeaProposed),
        })
    }

    pub fn cycle(&self, id: EventId) -> Option<CycleView> {
        let children: Vec<Record> = self.children(id).into_iter().cloned().collect();
        views::cycle_view(self.record(id)?, &children)
    }

    pub fn measure_series(&self, id: EventId) -> Option<MeasureSeries> {
        match self.record(id) {
            Some(m) if m.kind == EventKind::MeasureDefined => {
                Some(views::measure_series(m, self.children(id)))
            }
            _ => None,
        }
    }

    /// The measure's series with the chart rules' signals, as they stood: the same
    /// charts as today's (`measure_chart::measure_chart`), with the changes adopted by
    /// then, so a run chart's new median starts at an adoption as it did on the day.
    pub fn measure_chart(&self, id: EventId) -> Option<MeasureChart> {
        let series = self.measure_series(id)?;
        let cycles = match self.records_of_kind(EventKind::CyclePlanned) {
            Ok(cycles) => cycles,
            Err(never) => match never {},
        };
        let adopted = match super::dashboard::adoptions_among(self, &cycles) {
            Ok(adopted) => adopted,
            Err(never) => match never {},
        };
        let chart = super::measure_chart::measure_chart(series, &adopted, &[]);
        Some(MeasureChart {
            series: chart.series,
            run_chart: chart.run_chart,
            xmr: chart.xmr,
            not_charted: chart.problem,
        })
    }

    /// The collaborative's dashboard as it stood, this being the collaborative's stream
    /// and `projects` its projects' streams folded up to the same moment, as of `today`
    /// (that moment's date). `None` when the collaborative had not been founded yet.
    /// Projects that held no events yet are left out.
    pub fn dashboard(&self, projects: &[StreamAsItStood], today: Date) -> Option<Dashboard> {
        let summary = &self.views.summary;
        let founding = summary.founding.and_then(|f| self.record(f))?;
        let (Event::CollaborativeFounded(founded), Detail::Collaborative { schedule, .. }) =
            (&founding.content, &founding.detail)
        else {
            return None;
        };
        let teams = projects
            .iter()
            .filter(|p| p.events() > 0)
            .map(|p| match dashboard::team_input(p) {
                Ok(team) => team,
                Err(never) => match never {},
            })
            .collect();
        Some(dashboard::dashboard(
            summary.stream,
            &founded.name,
            schedule.current().map(Vec::as_slice),
            summary.conflicts.len(),
            teams,
            today,
        ))
    }

    /// A record's history with its corrections, as it stood.
    pub fn history(&self, id: EventId) -> Option<RecordHistory> {
        let record = self.record(id)?;
        let original = self.originals.get(&id).unwrap_or(&record.content).clone();
        Some(views::record_history(record, Some(original)))
    }

    /// A monthly report and the coordinator's scores of it, as they stood.
    pub fn report(&self, id: EventId) -> Option<ReportView> {
        let record = self.record(id)?;
        if record.kind != EventKind::MonthlyReportSubmitted {
            return None;
        }
        let scores = match &record.detail {
            Detail::Report { coordinator_scores } => coordinator_scores.clone(),
            _ => Vec::new(),
        };
        Some(ReportView {
            id,
            report: record.content.clone(),
            withdrawn: record.withdrawn,
            coordinator_scores: scores
                .iter()
                .filter_map(|s| self.record(*s))
                .filter(|s| !s.withdrawn)
                .map(|s| (s.id, s.content.clone()))
                .collect(),
            history: self.history(id)?,
        })
    }
}

/// The store's order of records: by the position of the event that made each.
fn in_store_order(records: &mut [&Record]) {
    records.sort_by_key(|r| (r.created.at.sort_key(), r.id));
}

impl ProjectViews for StreamAsItStood {
    type Error = Infallible;
    fn overview(&self) -> Result<ProjectOverview, Infallible> {
        Ok(self.project_overview())
    }
    fn records_of_kind(&self, kind: EventKind) -> Result<Vec<Record>, Infallible> {
        Ok(self.of_kind(kind).into_iter().cloned().collect())
    }
    fn children(&self, parent: EventId) -> Result<Vec<Record>, Infallible> {
        Ok(StreamAsItStood::children(self, parent)
            .into_iter()
            .cloned()
            .collect())
    }
    fn measure_series(&self, id: EventId) -> Result<Option<MeasureSeries>, Infallible> {
        Ok(StreamAsItStood::measure_series(self, id))
    }
}
