//! CSV exports: a measure's data with its signals and limits, a project's cycles, and a
//! collaborative's monthly reports. Each is written from the same view its page and the
//! JSON API show, with the `csv` crate (quoting and escaping as RFC 4180 has it), in
//! UTF-8 with a byte-order mark (so a spreadsheet reads the accents), under a file name
//! a person can read (what it is, and the day), with computed values rounded.

use super::{RecordPath, StreamPath};
use super::{SignedIn, WebError};
use crate::access::{self, Id, Need, Of, Reader, Route, check};
use crate::error::ServerError;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use praxis_core::dates::today;
use praxis_core::domain::event::MeasurementValue;
use praxis_core::domain::ids::EventId;
use praxis_core::domain::ids::PersonId;
use praxis_core::domain::measure_chart::{ChartKind, MeasureChart};
use praxis_core::domain::views::{CycleView, ProjectDetail};
use praxis_core::protocol::ChartQuery;
use std::collections::HashMap;

/// A cell a spreadsheet would take for a formula (one that begins with `=`, `+`, `-`,
/// `@`, a tab or a carriage return, as OWASP lists them) gets a leading `'`, so it is
/// shown as text; a number stays a number.
fn neutralised(cell: String) -> String {
    let formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if formula && cell.parse::<f64>().map_or(true, |n| !n.is_finite()) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// A file name a person can read: the words given, in lower case joined by hyphens,
/// then the day of the export (`plans-agreed-2026-12-06.csv`).
pub(super) fn file_name(words: &[&str]) -> String {
    format!("{}-{}.csv", slug(words), today())
}

/// Words as a file name's part: lower-case letters and digits joined by hyphens, at
/// most 60 characters ("export" when nothing is left).
pub(super) fn slug(words: &[&str]) -> String {
    let mut name = String::new();
    for c in words.join(" ").chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    let name: String = name.trim_end_matches('-').chars().take(60).collect();
    let name = name.trim_end_matches('-');
    if name.is_empty() { "export" } else { name }.to_string()
}

pub(super) fn csv_response(name: &str, rows: Vec<Vec<String>>) -> Result<Response, WebError> {
    // The byte-order mark tells a spreadsheet the file is UTF-8.
    let mut writer = csv::Writer::from_writer("\u{feff}".as_bytes().to_vec());
    for row in rows {
        let row: Vec<String> = row.into_iter().map(neutralised).collect();
        writer
            .write_record(&row)
            .map_err(|e| ServerError::Internal(format!("writing CSV: {e}")))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ServerError::Internal(format!("writing CSV: {e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// A computed value to two decimal places, without trailing zeros (22.22, 50, 12.5).
fn rounded(x: f64) -> String {
    let r = (x * 100.0).round() / 100.0;
    if r == 0.0 { 0.0f64 } else { r }.to_string()
}

fn number(x: Option<f64>) -> String {
    x.map(rounded).unwrap_or_default()
}

/// The header and one row per point of a measure's chart view.
pub fn measure_rows(view: &MeasureChart) -> Vec<Vec<String>> {
    let mut rows = vec![
        [
            "period_start",
            "period_end",
            "value",
            "numerator",
            "denominator",
            "note",
            "corrected",
            "run_chart_signals",
            "xmr_signals",
            "xmr_mean",
            "xmr_lower_limit",
            "xmr_upper_limit",
            "chart_signals",
            "run_chart_median",
        ]
        .map(String::from)
        .to_vec(),
    ];
    // The same list every client shows, in words.
    let signals = view.signals();
    for (i, p) in view.series.points.iter().enumerate() {
        let on = |chart: Option<ChartKind>| {
            signals
                .iter()
                .filter(|s| s.about(i))
                .filter(|s| match chart {
                    Some(kind) => s.chart == kind && !s.chart_wide(),
                    None => s.chart_wide(),
                })
                .map(|s| match chart {
                    Some(_) => s.signal.label(),
                    None => s.label(),
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let median = view.run_chart.as_ref().and_then(|r| {
            r.stretches
                .iter()
                .find(|s| s.start <= i && i < s.end)
                .map(|s| s.median)
        });
        let phase = view
            .xmr
            .as_ref()
            .and_then(|x| x.phases.iter().find(|ph| ph.points().contains(&i)));
        let (numerator, denominator) = match &p.value {
            MeasurementValue::Ratio {
                numerator,
                denominator,
            } => (numerator.to_string(), denominator.to_string()),
            MeasurementValue::Value(_) => (String::new(), String::new()),
        };
        rows.push(vec![
            p.period_start.to_string(),
            p.period_end.to_string(),
            rounded(p.plotted),
            numerator,
            denominator,
            p.note.clone(),
            p.corrected.to_string(),
            on(Some(ChartKind::Run)),
            on(Some(ChartKind::Xmr)),
            number(phase.map(|ph| ph.mean)),
            number(phase.and_then(|ph| ph.lower)),
            number(phase.and_then(|ph| ph.upper)),
            on(None),
            number(median),
        ]);
    }
    rows
}

pub async fn measure_csv(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(id, ..): RecordPath,
    Query(q): Query<ChartQuery>,
) -> Result<Response, WebError> {
    let (_, view) =
        super::measure_charts::read_chart(&state, who.session.person, route, id, &q).await?;
    let name = view
        .series
        .definition
        .as_ref()
        .map(|d| d.name.clone())
        .unwrap_or_else(|| format!("measure {id}"));
    csv_response(&file_name(&[&name]), measure_rows(&view))
}

/// The header and one row per cycle of a project: its Plan (when, who, predictions),
/// its Do (when and by whom it was last carried out), what its Study learned and its
/// Act, from each cycle's view in `views`.
pub fn cycle_rows(detail: &ProjectDetail, views: &HashMap<EventId, CycleView>) -> Vec<Vec<String>> {
    let mut rows = vec![
        [
            "cycle",
            "objective",
            "stage",
            "scale",
            "follows",
            "planned_for",
            "who",
            "predictions",
            "carried_out_on",
            "carried_out_by",
            "learning",
            "decision",
            "next_step",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let mut cycles: Vec<_> = detail.overview.cycles_by_stage.values().flatten().collect();
    cycles.sort_by_key(|c| c.id);
    for c in cycles {
        let view = views.get(&c.id);
        let plan = view.and_then(|v| v.plan.as_ref());
        let done = view.and_then(|v| v.dos.last()).map(|(_, d)| d);
        let act = view.and_then(|v| v.act.as_ref());
        rows.push(vec![
            c.id.to_string(),
            c.objective.clone(),
            c.stage.label().to_string(),
            c.scale.words().to_string(),
            c.follows.map(|f| f.to_string()).unwrap_or_default(),
            plan.map(|p| p.when.to_string()).unwrap_or_default(),
            plan.map(|p| p.who.clone()).unwrap_or_default(),
            plan.map(|p| {
                p.predictions
                    .iter()
                    .map(|x| format!("{}: {}", x.question, x.prediction))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default(),
            done.map(|d| d.carried_out_on.to_string())
                .unwrap_or_default(),
            done.map(|d| d.carried_out_by.clone()).unwrap_or_default(),
            view.map(|v| {
                v.studies
                    .iter()
                    .map(|(_, s)| s.learning.clone())
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default(),
            act.map(|a| format!("{:?}", a.decision).to_lowercase())
                .unwrap_or_default(),
            act.map(|a| a.next_step.clone()).unwrap_or_default(),
        ]);
    }
    rows
}

pub async fn cycles_csv(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(stream, ..): StreamPath,
) -> Result<Response, WebError> {
    let person = who.session.person;
    let (_, (detail, views)) = access::read_on(
        &state,
        Reader::Browser(person),
        route,
        Of::Stream(stream),
        Need::Member,
        move |s, _| {
            let detail = s.project_detail(stream)?;
            let mut views = HashMap::new();
            for c in detail.overview.cycles_by_stage.values().flatten() {
                if let Some(view) = s.cycle(c.id)? {
                    views.insert(c.id, view);
                }
            }
            Ok((detail, views))
        },
    )
    .await?;
    let project = detail
        .overview
        .project
        .as_ref()
        .map(|p| format!("{} {}", p.team, p.title))
        .unwrap_or_else(|| stream.to_string());
    csv_response(
        &file_name(&["cycles", &project]),
        cycle_rows(&detail, &views),
    )
}

/// The level the evidence suggested with a score, empty for a score recorded before
/// suggestions were.
fn suggested(s: Option<&praxis_core::domain::event::ScoreSuggestion>) -> String {
    s.map(|s| s.level.to_string()).unwrap_or_default()
}

/// The header and one row per monthly report of the projects given, with the
/// coordinator's latest score, who submitted and scored it (by `name`) and when, and
/// the level the evidence suggested with each score.
pub fn report_rows(
    details: &[ProjectDetail],
    name: impl Fn(PersonId) -> String,
) -> Vec<Vec<String>> {
    let mut rows = vec![
        [
            "team",
            "report",
            "month",
            "self_score",
            "coordinator_score",
            "coordinator_justification",
            "measures",
            "cycles",
            "learning",
            "barriers",
            "plans",
            "submitted_by",
            "submitted_on",
            "suggested_with_self_score",
            "scored_by",
            "scored_on",
            "suggested_with_coordinator_score",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for d in details {
        let team = d
            .overview
            .project
            .as_ref()
            .map(|p| p.team.clone())
            .unwrap_or_default();
        for r in &d.reports {
            let last = r.scores.last();
            rows.push(vec![
                team.clone(),
                r.id.to_string(),
                r.report.month.to_string(),
                r.report.self_score.to_string(),
                last.map(|s| s.score.to_string()).unwrap_or_default(),
                last.map(|s| s.justification.clone()).unwrap_or_default(),
                r.report.measures.clone(),
                r.report.cycles.clone(),
                r.report.learning.clone(),
                r.report.barriers.clone(),
                r.report.plans.clone(),
                name(r.by),
                r.on.wall_time().date().to_string(),
                suggested(r.suggested.as_ref()),
                last.map(|s| name(s.by)).unwrap_or_default(),
                last.map(|s| s.on.wall_time().date().to_string())
                    .unwrap_or_default(),
                suggested(last.and_then(|s| s.suggested.as_ref())),
            ]);
        }
    }
    rows
}

pub async fn reports_csv(
    State(state): State<AppState>,
    who: SignedIn,
    route: Route,
    Id(stream, ..): StreamPath,
) -> Result<Response, WebError> {
    let person = who.session.person;
    let (details, names, collaborative) = state
        .with(move |s| {
            check(s, person, stream, Need::Member)?;
            let dashboard = s.dashboard(person, stream, today())?.ok_or_else(|| {
                ServerError::NotFound(format!("{stream} is not a collaborative."))
            })?;
            let mut details = Vec::new();
            let mut reads = vec![(stream, None)];
            for t in &dashboard.teams {
                details.push(s.project_detail(t.stream)?);
                reads.push((t.stream, None));
            }
            Reader::Browser(person).log(s, &route, &reads)?;
            let names: HashMap<PersonId, String> =
                s.people()?.into_iter().map(|p| (p.id, p.name)).collect();
            Ok((details, names, dashboard.name))
        })
        .await?;
    let rows = report_rows(&details, |p| super::people::person_name(&names, p));
    csv_response(&file_name(&["monthly reports", &collaborative]), rows)
}
