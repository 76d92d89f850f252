//! The collaborative's dashboard: every team side by side (its latest self-assessed and
//! coordinator progress scores and the gap between them, cycles run per month, reports
//! due and late, measures showing improvement or concern, open conflicts) and where the
//! collaborative is in its calendar. Pure: the store gathers the inputs.

use super::charts::Reading;
use super::charts::icons::Icons;
use super::event::{Decision, Event, EventKind, Phase, PhaseKind, Score};
use super::ids::{EventId, StreamId};
use super::measure_chart;
use super::record::{Record, Stage};
use super::views::{self, MeasureSeries, ProjectOverview, ReportLine};
use serde::Serialize;
use time::{Date, Month};

/// How many months of cycles the dashboard shows, the current one last.
pub const MONTHS_SHOWN: usize = 6;

/// What the store gathers for one team's project.
pub struct TeamInput {
    pub overview: ProjectOverview,
    /// For each cycle carried out (past its Plan), the day its Plan set for the test.
    pub cycles_run_on: Vec<Date>,
    /// Each measure's latest reading: the reading of the signal, on either of its
    /// charts, whose last point is latest (`None` when its charts show no signal with a
    /// direction).
    pub measure_readings: Vec<(EventId, String, Option<Reading>)>,
    /// Each measure's variation and assurance icons for its current phase.
    pub measure_icons: Vec<MeasureIcons>,
}

/// A measure's name with Making Data Count's icons, as the dashboard lists it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MeasureIcons {
    pub measure: EventId,
    pub name: String,
    pub icons: Icons,
}

/// One project's views, wherever they are held: the store's tables for the live
/// dashboard, or a fold of the events up to some moment for the dashboard as it stood.
/// The dashboard reads both the same way.
pub trait ProjectViews {
    type Error;
    fn overview(&self) -> Result<ProjectOverview, Self::Error>;
    /// The project's records of one kind, in the store's order.
    fn records_of_kind(&self, kind: EventKind) -> Result<Vec<Record>, Self::Error>;
    /// The records that belong to `parent` (a cycle's steps, a measure's measurements).
    fn children(&self, parent: EventId) -> Result<Vec<Record>, Self::Error>;
    fn measure_series(&self, id: EventId) -> Result<Option<MeasureSeries>, Self::Error>;
}

/// The cycles among `cycles` (a project's `CyclePlanned` records) whose change was
/// adopted: (cycle, objective, day the change took effect). That is the day of the
/// cycle's last Do (its Plan's date if it has none): the test that the Act adopted,
/// whenever the Act itself was written down.
pub fn adoptions_among<V: ProjectViews>(
    project: &V,
    cycles: &[Record],
) -> Result<Vec<(EventId, String, Date)>, V::Error> {
    let adopt = Some(Stage::Act(Decision::Adopt));
    let adopted: Vec<Record> = cycles
        .iter()
        .filter(|c| c.stage() == adopt)
        .cloned()
        .collect();
    Ok(cycle_marks(project, &adopted)?.adopted)
}

/// The cycles among `cycles` whose change was adopted (as `adoptions_among`), and
/// those carried out: (cycle, objective, day of its first Do). One read of each
/// cycle's steps gives both.
pub fn cycle_marks<V: ProjectViews>(
    project: &V,
    cycles: &[Record],
) -> Result<CycleMarks, V::Error> {
    let adopt = Some(Stage::Act(Decision::Adopt));
    let mut marks = CycleMarks::default();
    for c in cycles.iter().filter(|c| !c.withdrawn) {
        if c.stage().is_none_or(|s| s == Stage::Plan) {
            continue;
        }
        let Some(view) = views::cycle_view(c, &project.children(c.id)?) else {
            continue;
        };
        let planned = view.plan.as_ref().map(|p| p.when);
        let dos = view.dos.iter().map(|(_, d)| d.carried_out_on);
        if c.stage() == adopt
            && let Some(day) = dos.clone().max().or(planned)
        {
            marks.adopted.push((c.id, c.title(), day));
        }
        if let Some(day) = dos.min() {
            marks.tested.push((c.id, c.title(), day));
        }
    }
    Ok(marks)
}

/// A project's cycles as a measure's time axis marks them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CycleMarks {
    /// (cycle, objective, the day its adopted change took effect).
    pub adopted: Vec<(EventId, String, Date)>,
    /// (cycle, objective, the day of its first Do).
    pub tested: Vec<(EventId, String, Date)>,
}

/// What the dashboard needs of one team's project.
pub fn team_input<V: ProjectViews>(project: &V) -> Result<TeamInput, V::Error> {
    let overview = project.overview()?;
    let cycles = project.records_of_kind(EventKind::CyclePlanned)?;
    let cycles_run_on = cycles
        .iter()
        .filter(|c| !c.withdrawn && c.stage().is_some_and(|s| s != Stage::Plan))
        .filter_map(|c| match &c.content {
            Event::CyclePlanned(p) => Some(p.when),
            _ => None,
        })
        .collect();
    let adopted = adoptions_among(project, &cycles)?;
    let mut measure_readings = Vec::with_capacity(overview.measures.len());
    let mut measure_icons = Vec::with_capacity(overview.measures.len());
    for m in &overview.measures {
        let Some(series) = project.measure_series(m.id)? else {
            continue;
        };
        let name = series
            .definition
            .as_ref()
            .map(|d| d.name.clone())
            .unwrap_or_default();
        let chart = measure_chart::measure_chart(series, &adopted, &[]);
        if let Some(xmr) = &chart.xmr {
            measure_icons.push(MeasureIcons {
                measure: m.id,
                name: name.clone(),
                icons: xmr.icons.clone(),
            });
        }
        measure_readings.push((m.id, name, chart.latest_reading()));
    }
    Ok(TeamInput {
        overview,
        cycles_run_on,
        measure_readings,
        measure_icons,
    })
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Calendar {
    /// The phase today falls in, if any.
    pub now: Option<Phase>,
    /// One plain sentence: "Action Period 2, until 31 May 2026".
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TeamLine {
    pub stream: StreamId,
    pub team: String,
    pub organisation: String,
    pub title: String,
    pub latest_report: Option<ReportLine>,
    /// The latest report's self-assessed score.
    pub self_score: Option<Score>,
    /// The coordinator's latest score of the latest report.
    pub coordinator_score: Option<Score>,
    /// Coordinator minus self score, in tenths (negative: the team rates itself higher).
    pub gap_tenths: Option<i32>,
    /// Cycles run in each of [`Dashboard::months`].
    pub cycles_per_month: Vec<usize>,
    /// The month whose report is due now (an action-period month still running).
    pub report_due: Option<Date>,
    /// Action-period months that have ended without a report.
    pub reports_late: Vec<Date>,
    pub measures: usize,
    pub improving: Vec<String>,
    pub concerning: Vec<String>,
    /// Each measure with its variation and assurance icons.
    pub measure_icons: Vec<MeasureIcons>,
    pub open_conflicts: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dashboard {
    pub stream: StreamId,
    pub name: String,
    pub today: Date,
    pub calendar: Calendar,
    /// The first day of each month shown, oldest first.
    pub months: Vec<Date>,
    pub teams: Vec<TeamLine>,
    pub open_conflicts: usize,
}

/// The first day of `day`'s month.
pub fn month_of(day: Date) -> Date {
    day.replace_day(1).unwrap_or(day)
}

fn previous_month(month: Date) -> Date {
    month_of(month_of(month).previous_day().unwrap_or(month))
}

fn next_month(month: Date) -> Date {
    let last = month_of(month).month().length(month.year());
    month_of(month)
        .replace_day(last)
        .ok()
        .and_then(|d| d.next_day())
        .unwrap_or(month)
}

pub fn phase_name(kind: PhaseKind) -> String {
    match kind {
        PhaseKind::Prework => "Prework".into(),
        PhaseKind::LearningSession(n) => format!("Learning Session {n}"),
        PhaseKind::ActionPeriod(n) => format!("Action Period {n}"),
        PhaseKind::ClosingEvent => "Closing event".into(),
    }
}

pub fn day_text(day: Date) -> String {
    format!("{} {} {}", day.day(), month_name(day.month()), day.year())
}

pub fn month_text(month: Date) -> String {
    format!("{} {}", month_name(month.month()), month.year())
}

fn month_name(m: Month) -> &'static str {
    match m {
        Month::January => "January",
        Month::February => "February",
        Month::March => "March",
        Month::April => "April",
        Month::May => "May",
        Month::June => "June",
        Month::July => "July",
        Month::August => "August",
        Month::September => "September",
        Month::October => "October",
        Month::November => "November",
        Month::December => "December",
    }
}

/// Where `today` falls in the schedule.
pub fn calendar(schedule: Option<&[Phase]>, today: Date) -> Calendar {
    let Some(phases) = schedule.filter(|p| !p.is_empty()) else {
        return Calendar {
            now: None,
            text: "The collaborative has no schedule yet.".into(),
        };
    };
    if let Some(p) = phases.iter().find(|p| p.starts <= today && today <= p.ends) {
        return Calendar {
            now: Some(p.clone()),
            text: format!("{}, until {}", phase_name(p.kind), day_text(p.ends)),
        };
    }
    let next = phases
        .iter()
        .filter(|p| p.starts > today)
        .min_by_key(|p| p.starts);
    let text = match next {
        Some(p) => format!(
            "Before {}, which starts {}",
            phase_name(p.kind),
            day_text(p.starts)
        ),
        None => "The schedule has ended.".into(),
    };
    Calendar { now: None, text }
}

/// Months (first days) overlapping an action period, up to `today`'s month.
fn reporting_months(schedule: &[Phase], today: Date) -> Vec<Date> {
    let mut months = Vec::new();
    for p in schedule
        .iter()
        .filter(|p| matches!(p.kind, PhaseKind::ActionPeriod(_)))
    {
        let mut m = month_of(p.starts);
        let last = month_of(p.ends.min(today));
        while m <= last && p.starts <= today {
            months.push(m);
            let next = next_month(m);
            if next == m {
                break;
            }
            m = next;
        }
    }
    months.sort();
    months.dedup();
    months
}

fn team_line(input: TeamInput, months: &[Date], due: &[Date], today: Date) -> TeamLine {
    let o = &input.overview;
    let (team, organisation, title) = o
        .project
        .as_ref()
        .map(|p| (p.team.clone(), p.organisation.clone(), p.title.clone()))
        .unwrap_or_else(|| {
            (
                "(project not yet received)".into(),
                String::new(),
                String::new(),
            )
        });
    let latest_report = o.reports.iter().max_by_key(|r| (r.month, r.id)).cloned();
    let self_score = latest_report.as_ref().map(|r| r.self_score);
    let coordinator_score = latest_report
        .as_ref()
        .and_then(|r| r.coordinator_scores.last().copied());
    let gap_tenths = match (self_score, coordinator_score) {
        (Some(s), Some(c)) => Some(i32::from(c.0) - i32::from(s.0)),
        _ => None,
    };
    let cycles_per_month = months
        .iter()
        .map(|m| {
            input
                .cycles_run_on
                .iter()
                .filter(|d| month_of(**d) == *m)
                .count()
        })
        .collect();
    let reported: Vec<Date> = o.reports.iter().map(|r| month_of(r.month)).collect();
    let this_month = month_of(today);
    let report_due = due
        .iter()
        .find(|m| **m == this_month && !reported.contains(m))
        .copied();
    let reports_late = due
        .iter()
        .filter(|m| **m < this_month && !reported.contains(m))
        .copied()
        .collect();
    let name_of = |r: Reading| {
        input
            .measure_readings
            .iter()
            .filter(|(_, _, x)| *x == Some(r))
            .map(|(_, n, _)| n.clone())
            .collect()
    };
    TeamLine {
        stream: o.stream,
        team,
        organisation,
        title,
        latest_report,
        self_score,
        coordinator_score,
        gap_tenths,
        cycles_per_month,
        report_due,
        reports_late,
        measures: o.measures.len(),
        improving: name_of(Reading::Improvement),
        concerning: name_of(Reading::Concern),
        measure_icons: input.measure_icons.clone(),
        open_conflicts: o.conflicts.len(),
    }
}

/// The dashboard of the collaborative `stream` named `name`, for the teams given.
pub fn dashboard(
    stream: StreamId,
    name: &str,
    schedule: Option<&[Phase]>,
    collaborative_conflicts: usize,
    teams: Vec<TeamInput>,
    today: Date,
) -> Dashboard {
    let mut months = vec![month_of(today)];
    while months.len() < MONTHS_SHOWN {
        let earlier = previous_month(months[months.len() - 1]);
        months.push(earlier);
    }
    months.reverse();
    let due = schedule
        .map(|s| reporting_months(s, today))
        .unwrap_or_default();
    let mut teams: Vec<TeamLine> = teams
        .into_iter()
        .map(|t| team_line(t, &months, &due, today))
        .collect();
    teams.sort_by(|a, b| (&a.team, a.stream).cmp(&(&b.team, b.stream)));
    let open_conflicts =
        collaborative_conflicts + teams.iter().map(|t| t.open_conflicts).sum::<usize>();
    Dashboard {
        stream,
        name: name.to_string(),
        today,
        calendar: calendar(schedule, today),
        months,
        teams,
        open_conflicts,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::domain::event::ProjectStarted;
    use std::collections::BTreeMap;
    use time::macros::date;

    fn schedule() -> Vec<Phase> {
        vec![
            Phase {
                kind: PhaseKind::LearningSession(1),
                starts: date!(2026 - 01 - 12),
                ends: date!(2026 - 01 - 12),
            },
            Phase {
                kind: PhaseKind::ActionPeriod(1),
                starts: date!(2026 - 01 - 13),
                ends: date!(2026 - 03 - 31),
            },
            Phase {
                kind: PhaseKind::LearningSession(2),
                starts: date!(2026 - 04 - 14),
                ends: date!(2026 - 04 - 14),
            },
            Phase {
                kind: PhaseKind::ActionPeriod(2),
                starts: date!(2026 - 04 - 15),
                ends: date!(2026 - 06 - 30),
            },
        ]
    }

    fn overview(reports: Vec<ReportLine>) -> ProjectOverview {
        ProjectOverview {
            stream: StreamId::new(),
            project: Some(ProjectStarted {
                collaborative: StreamId::new(),
                team: "Northside".into(),
                organisation: "Northshire CC".into(),
                title: "Positive risk".into(),
            }),
            charter: None,
            measures: Vec::new(),
            cycles_by_stage: BTreeMap::new(),
            ramps: Vec::new(),
            reports,
            change_ideas: Vec::new(),
            conflicts: Vec::new(),
            events: 0,
            unknown_events: 0,
        }
    }

    #[test]
    fn the_calendar_names_the_phase_today_falls_in_or_the_next() {
        let s = schedule();
        let c = calendar(Some(&s), date!(2026 - 05 - 02));
        assert_eq!(c.text, "Action Period 2, until 30 June 2026");
        let c = calendar(Some(&s), date!(2026 - 04 - 05));
        assert_eq!(
            c.text,
            "Before Learning Session 2, which starts 14 April 2026"
        );
        assert!(c.now.is_none());
        assert_eq!(
            calendar(None, date!(2026 - 04 - 05)).text,
            "The collaborative has no schedule yet."
        );
    }

    #[test]
    fn reports_due_late_and_the_gap_between_scores() {
        let s = schedule();
        let report = |month, own, coord: Vec<u16>| ReportLine {
            id: EventId::new(),
            month,
            self_score: Score(own),
            coordinator_scores: coord.into_iter().map(Score).collect(),
        };
        let team = TeamInput {
            overview: overview(vec![
                report(date!(2026 - 01 - 01), 15, vec![10]),
                report(date!(2026 - 03 - 01), 30, vec![25, 20]),
            ]),
            cycles_run_on: vec![
                date!(2026 - 03 - 02),
                date!(2026 - 03 - 30),
                date!(2026 - 05 - 01),
            ],
            measure_icons: Vec::new(),
            measure_readings: vec![
                (
                    EventId::new(),
                    "Plans agreed".into(),
                    Some(Reading::Improvement),
                ),
                (EventId::new(), "Falls".into(), Some(Reading::Concern)),
                (EventId::new(), "Visits".into(), None),
            ],
        };
        let d = dashboard(
            StreamId::new(),
            "Independence",
            Some(&s),
            1,
            vec![team],
            date!(2026 - 05 - 20),
        );
        assert_eq!(d.months.first(), Some(&date!(2025 - 12 - 01)));
        assert_eq!(d.months.last(), Some(&date!(2026 - 05 - 01)));
        let t = &d.teams[0];
        assert_eq!(t.self_score, Some(Score(30)));
        assert_eq!(t.coordinator_score, Some(Score(20)));
        assert_eq!(t.gap_tenths, Some(-10));
        // Dec, Jan, Feb, Mar, Apr, May.
        assert_eq!(t.cycles_per_month, vec![0, 0, 0, 2, 0, 1]);
        // Action periods cover Jan-Mar and Apr-Jun; Jan and Mar are reported.
        assert_eq!(
            t.reports_late,
            vec![date!(2026 - 02 - 01), date!(2026 - 04 - 01)]
        );
        assert_eq!(t.report_due, Some(date!(2026 - 05 - 01)));
        assert_eq!(t.improving, vec!["Plans agreed".to_string()]);
        assert_eq!(t.concerning, vec!["Falls".to_string()]);
        assert_eq!(d.open_conflicts, 1);
    }
}
