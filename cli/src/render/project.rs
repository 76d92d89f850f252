//! A collaborative's and a project's views: the collaborative, a project's overview,
//! a measure's series, a cycle, the feed and a record's history.

use super::{Names, Output, author, when};
use anyhow::Result;
use praxis_core::domain::event::*;
use praxis_core::domain::measure_chart::MeasureChart;
pub(super) use praxis_core::domain::prediction_check::number as value_text;
use praxis_core::domain::prediction_check::{PredictionCheck, change_words};
use praxis_core::domain::record::HistoryEntry;
use praxis_core::domain::views::{
    CycleView, FeedItem, MeasureSeries, ProjectOverview, RecordHistory,
};
use praxis_core::store::queries::CollaborativeView;
use std::fmt::Write;

pub fn collaborative(view: &CollaborativeView) -> Result<Output> {
    let mut t = format!(
        "{}\nTopic: {}\nChosen with people who use services: {}\n",
        view.name, view.topic, view.chosen_with
    );
    match (&view.schedule, view.schedule_in_conflict) {
        (_, true) => t.push_str("\nSchedule: in conflict, see `praxis conflicts`\n"),
        (None, _) => t.push_str("\nSchedule: not set\n"),
        (Some(phases), _) => {
            t.push_str("\nSchedule:\n");
            for p in phases {
                let _ = writeln!(t, "  {:<20} {} to {}", phase_name(p.kind), p.starts, p.ends);
            }
        }
    }
    let _ = writeln!(
        t,
        "\nProgress scale: {} (version {})",
        view.scale.name, view.scale.version
    );
    for l in &view.scale.levels {
        let _ = writeln!(t, "  {}  {}", l.score, l.meaning);
    }
    t.push_str("\nChange package:\n");
    if view.change_package.is_empty() {
        t.push_str("  (empty)\n");
    }
    for (id, title) in &view.change_package {
        let _ = writeln!(t, "  {}  {}", id.short(), title);
    }
    t.push_str("\nProjects here:\n");
    for p in &view.projects {
        let _ = writeln!(t, "  {}  {}", p.id.short(), p.name);
    }
    Output::of(view, t.trim_end().to_string())
}

fn phase_name(kind: PhaseKind) -> String {
    match kind {
        PhaseKind::Prework => "Prework".into(),
        PhaseKind::LearningSession(n) => format!("Learning session {n}"),
        PhaseKind::ActionPeriod(n) => format!("Action period {n}"),
        PhaseKind::ClosingEvent => "Closing event".into(),
    }
}

fn value(v: &MeasurementValue) -> String {
    match v {
        MeasurementValue::Value(x) => format!("{x}"),
        MeasurementValue::Ratio {
            numerator,
            denominator,
        } => {
            format!("{numerator}/{denominator} ({:.1}%)", v.plotted())
        }
    }
}

pub fn overview(o: &ProjectOverview, charts: &[MeasureChart]) -> Result<Output> {
    let mut t = String::new();
    if let Some(p) = &o.project {
        let _ = writeln!(t, "{}\n{} ({})", p.title, p.team, p.organisation);
    }
    match &o.charter {
        Some(c) => {
            let a = &c.aim;
            let _ = writeln!(
                t,
                "\nAim: {} for {} in {}: {} by {}.",
                a.what, a.for_whom, a.where_, a.how_much, a.by_when
            );
            let _ = writeln!(
                t,
                "Senior leader {}; day-to-day lead {}.",
                c.senior_leader, c.day_to_day_lead
            );
        }
        None if o
            .conflicts
            .iter()
            .any(|c| Some(c.subject) == o.project.as_ref().map(|_| c.subject)) =>
        {
            t.push_str("\nAim: in conflict, see `praxis conflicts`.\n");
        }
        None => t.push_str("\nAim: no charter yet (`praxis charter`).\n"),
    }
    t.push_str("\nMeasures:\n");
    if o.measures.is_empty() {
        t.push_str("  none yet (`praxis measure define`)\n");
    }
    for m in &o.measures {
        let name = m
            .definition
            .as_ref()
            .map(|d| d.name.as_str())
            .unwrap_or("(definition in conflict)");
        let latest = match &m.latest {
            Some(p) => format!("latest {} for {}", value(&p.value), p.period_end),
            None => "no data yet".into(),
        };
        let kind = m
            .definition
            .as_ref()
            .map(|d| d.kind.words().to_string())
            .unwrap_or_default();
        let _ = writeln!(
            t,
            "  {}  {:<32} {:<9} {} ({} points)",
            m.id.short(),
            name,
            kind,
            latest,
            m.measurements
        );
        if let Some(chart) = charts.iter().find(|c| c.series.id == m.id) {
            super::measure::now(&mut t, chart);
        }
    }
    t.push_str("\nCycles by stage:\n");
    if o.cycles_by_stage.is_empty() {
        t.push_str("  none yet (`praxis cycle plan`)\n");
    }
    for (stage, cycles) in &o.cycles_by_stage {
        let _ = writeln!(t, "  {stage}:");
        for c in cycles {
            let _ = writeln!(t, "    {}  {}", c.id.short(), c.objective);
        }
    }
    if o.ramps.iter().any(|r| r.steps.len() > 1) {
        t.push_str("\nRamps:\n");
        for r in o.ramps.iter().filter(|r| r.steps.len() > 1) {
            for s in &r.steps {
                let _ = writeln!(
                    t,
                    "  {}{} {} [{}]",
                    "  ".repeat(s.depth),
                    s.cycle.id.short(),
                    s.cycle.objective,
                    s.cycle.stage.label()
                );
            }
        }
    }
    if !o.reports.is_empty() {
        t.push_str("\nMonthly reports:\n");
        for r in &o.reports {
            let coord = r
                .coordinator_scores
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            let coord = if coord.is_empty() {
                "not yet scored".to_string()
            } else {
                format!("coordinator {coord}")
            };
            let _ = writeln!(
                t,
                "  {}  {}  self {}, {}",
                r.id.short(),
                praxis_core::domain::record::month_label(r.month),
                r.self_score,
                coord
            );
        }
    }
    if !o.conflicts.is_empty() {
        t.push_str("\nOpen conflicts:\n");
        for c in &o.conflicts {
            let _ = writeln!(
                t,
                "  {}  {} ({} versions): `praxis resolve {} --keep ...`",
                c.subject.short(),
                c.what,
                c.versions.len(),
                c.subject.short()
            );
        }
    }
    let _ = write!(t, "\n{} events", o.events);
    if o.unknown_events > 0 {
        let _ = write!(
            t,
            "; {} from a newer Praxis are kept but not shown: update Praxis to read them",
            o.unknown_events
        );
    }
    let mut out = Output::of(o, t)?;
    if let Some(object) = out.json.as_object_mut() {
        object.insert(
            "measure_charts".into(),
            super::measure::overview_json(charts)?,
        );
    }
    Ok(out)
}

pub fn series(s: &MeasureSeries) -> Result<Output> {
    let mut t = String::new();
    match &s.definition {
        Some(d) => {
            let _ = writeln!(
                t,
                "{} ({} measure, {})",
                d.name,
                d.kind.words(),
                d.direction.words()
            );
            let _ = writeln!(t, "Definition: {}", d.operational_definition);
            if let Some(target) = d.target {
                let _ = writeln!(t, "Target: {target}");
            }
        }
        None => t.push_str("The definition is in conflict: see `praxis conflicts`.\n"),
    }
    if s.revisions > 0 {
        let _ = writeln!(t, "Revised {} times.", s.revisions);
    }
    t.push('\n');
    if s.points.is_empty() {
        t.push_str("No measurements yet.");
    }
    for p in &s.points {
        let _ = writeln!(
            t,
            "  {} to {}  {:>16}{}  {}",
            p.period_start,
            p.period_end,
            value(&p.value),
            if p.corrected { " (corrected)" } else { "" },
            p.note
        );
    }
    Output::of(s, t.trim_end().to_string())
}

fn history_lines(t: &mut String, entries: &[HistoryEntry], names: &Names) {
    for h in entries {
        let _ = writeln!(
            t,
            "  {}  {}  by {}  {}",
            when(h.stamp.at),
            h.stamp.event.short(),
            author(names, h.stamp.author),
            h.what
        );
    }
}

/// One checkable prediction with what the data say.
fn predicted(t: &mut String, c: &PredictionCheck) {
    if let Some(p) = &c.prediction {
        let _ = writeln!(t, "  {} Predicted: {}", p.question, p.prediction);
    }
    let _ = writeln!(
        t,
        "  Expected: {} would {}, from {} to {}.",
        c.measure_name,
        change_words(c.expectation.change),
        c.from,
        c.expectation.by
    );
    let _ = writeln!(
        t,
        "  {}: {}",
        c.verdict.words().to_uppercase(),
        c.explanation
    );
    let median = |m: Option<f64>| m.map(value_text).unwrap_or_else(|| "no data".into());
    let _ = writeln!(
        t,
        "  Median before the test {}; over the period {} ({} values).",
        median(c.before),
        median(c.during),
        c.values.len()
    );
    for s in &c.signals {
        let _ = writeln!(t, "  Signal: {s}");
    }
}

pub fn cycle(c: &CycleView, checks: &[PredictionCheck], names: &Names) -> Result<Output> {
    let mut t = String::new();
    if let Some(p) = &c.plan {
        let _ = writeln!(
            t,
            "Cycle {}: {}  [{}]",
            c.id.short(),
            p.objective,
            c.stage.label()
        );
        if let Some(f) = c.follows {
            let _ = writeln!(t, "Follows cycle {}", f.short());
        }
        let _ = writeln!(t, "\nPLAN ({})", p.scale.words());
        for q in &p.predictions {
            let _ = writeln!(
                t,
                "  Q: {}\n     predicted: {} (because {})",
                q.question, q.prediction, q.reason
            );
        }
        let _ = writeln!(
            t,
            "  Who: {}. What: {}. Where: {}. When: {}.",
            p.who, p.what, p.where_, p.when
        );
        let _ = writeln!(t, "  Data to collect: {}", p.data_to_collect);
    }
    for (id, d) in &c.dos {
        let _ = writeln!(
            t,
            "\nDO {} (carried out {} by {})",
            id.short(),
            d.carried_out_on,
            d.carried_out_by
        );
        let _ = writeln!(t, "  Observations: {}", d.observations);
        if !d.problems.is_empty() {
            let _ = writeln!(t, "  Problems: {}", d.problems);
        }
        if !d.surprises.is_empty() {
            let _ = writeln!(t, "  Surprises: {}", d.surprises);
        }
        if !d.data_gathered.is_empty() {
            let _ = writeln!(t, "  Data: {}", d.data_gathered);
        }
    }
    for (id, s) in &c.studies {
        let _ = writeln!(t, "\nSTUDY {}", id.short());
        if !s.analysis.is_empty() {
            let _ = writeln!(t, "  Analysis: {}", s.analysis);
        }
        let _ = writeln!(
            t,
            "  Against the predictions: {}\n  Learning: {}",
            s.compared_with_predictions, s.learning
        );
    }
    if !checks.is_empty() {
        t.push_str("\nPREDICTIONS AGAINST THE DATA\n");
        for check in checks {
            predicted(&mut t, check);
        }
        let contradicted = checks.iter().filter(|c| c.contradicted()).count();
        if contradicted > 0 {
            let _ = writeln!(
                t,
                "  Flagged for the team's learning: the data contradict {contradicted} of {} predictions. Say what was learned in the Study.",
                checks.len()
            );
        }
    }
    if let Some(a) = &c.act {
        let _ = writeln!(t, "\nACT: {}\n  Reasons: {}", a.decision.words(), a.reasons);
        if !a.changes.is_empty() {
            let _ = writeln!(t, "  Changes: {}", a.changes);
        }
        if !a.next_step.is_empty() {
            let _ = writeln!(t, "  Next: {}", a.next_step);
        }
    }
    if let Some(versions) = &c.act_conflict {
        t.push_str("\nACT: in conflict, decided without seeing each other:\n");
        for v in versions {
            let _ = writeln!(
                t,
                "  {}  {}: {} (by {})",
                v.stamp.event.short(),
                v.value.decision.words(),
                v.value.reasons,
                author(names, v.stamp.author)
            );
        }
        let _ = writeln!(
            t,
            "  Settle it: praxis resolve {} --keep <version> --reason \"...\"",
            c.id.short()
        );
    }
    if !c.leads_to.is_empty() {
        let _ = writeln!(
            t,
            "\nLeads to: {}",
            c.leads_to
                .iter()
                .map(|i| i.short())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if !c.observations.is_empty() {
        t.push_str("\nObservations:\n");
        for o in &c.observations {
            let _ = writeln!(
                t,
                "  {}  {}  {}",
                o.observation.observed_on,
                o.id.short(),
                o.observation.text
            );
        }
    }
    t.push_str("\nHistory:\n");
    history_lines(&mut t, &c.history, names);
    let mut json = serde_json::to_value(c)?;
    json["prediction_checks"] = serde_json::to_value(checks)?;
    Ok(Output::new(json, t.trim_end().to_string()))
}

pub fn feed(items: &[FeedItem]) -> Result<Output> {
    let mut t = String::new();
    if items.is_empty() {
        t.push_str("No observations yet (`praxis observe \"...\"`).");
    }
    for i in items {
        let o = &i.observation;
        let kind = match o.kind {
            ObservationKind::Observation => "",
            ObservationKind::CaseMaterial => " [case material]",
        };
        let subject = o
            .subject
            .as_deref()
            .map(|s| format!(" about {s}"))
            .unwrap_or_default();
        let _ = writeln!(
            t,
            "{}  {}{}{}{}  {}",
            o.observed_on,
            i.id.short(),
            kind,
            subject,
            if i.corrected { " (corrected)" } else { "" },
            o.text
        );
    }
    Output::of(&items, t.trim_end().to_string())
}

pub fn history(h: &RecordHistory, names: &Names) -> Result<Output> {
    let mut t = format!(
        "{} {}{}\n",
        h.kind.name(),
        h.id.short(),
        if h.withdrawn { " (withdrawn)" } else { "" }
    );
    if h.original.as_ref() != Some(&h.current) {
        let _ = writeln!(
            t,
            "As first recorded: {}",
            serde_json::to_string(&h.original)?
        );
        let _ = writeln!(
            t,
            "As it stands now:  {}",
            serde_json::to_string(&h.current)?
        );
    }
    t.push_str("History:\n");
    history_lines(&mut t, &h.entries, names);
    Output::of(h, t.trim_end().to_string())
}

/// The level the project's evidence supports for a month, with the rule's steps and
/// the evidence.
pub fn suggested_score(s: &praxis_mobile::SuggestedScore, month: &str) -> Result<Output> {
    let mut t = format!(
        "The evidence for {month} suggests {}: {}.\n\nTHE RULE, STEP BY STEP\n",
        s.level, s.meaning
    );
    for step in &s.steps {
        let _ = writeln!(
            t,
            "  {} needs {}: {}",
            step.score,
            step.needs,
            if step.met { "met" } else { "not yet" }
        );
    }
    t.push_str("\nTHE EVIDENCE\n");
    for e in &s.evidence {
        let _ = writeln!(t, "  {e}");
    }
    t.push_str(
        "\nYou decide: a score is recorded with this suggestion and any difference from it.",
    );
    Ok(Output::new(
        serde_json::json!({
            "level": s.level,
            "meaning": s.meaning,
            "steps": s.steps.iter().map(|st| serde_json::json!({"score": st.score, "needs": st.needs, "met": st.met})).collect::<Vec<_>>(),
            "evidence": s.evidence,
            "rule": s.rule,
        }),
        t,
    ))
}
