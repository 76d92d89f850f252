//! How results read: plain sentences and aligned lists for people, JSON for scripts.

use crate::exit::Exit;
use anyhow::Result;
use praxis_core::domain::event::*;
use praxis_core::domain::hlc::Hlc;
use praxis_core::domain::record::HistoryEntry;
use praxis_core::domain::views::{
    CycleView, FeedItem, MeasureSeries, ProjectOverview, RecordHistory,
};
use praxis_core::domain::ids::{EventId, PersonId};
use praxis_core::store::Identity;
use praxis_core::domain::record::{Conflict, StreamSummary};
use praxis_core::store::queries::{CollaborativeView, StreamInfo};
use praxis_mobile::Recorded;
use std::path::Path;
use praxis_core::sync::{Enrolment, PlannedStream, StreamReport, SyncProgress};
use serde::Serialize;
use std::fmt::Write;
use std::time::Duration;

/// What a command shows: the same content as JSON and as text.
pub struct Output {
    pub json: serde_json::Value,
    pub text: String,
    /// How the run ends: done, or a sync that left some streams unsynced, or an
    /// audit that found something altered.
    pub exit: Exit,
}

impl Output {
    pub fn new(json: serde_json::Value, text: String) -> Self {
        Output {
            json,
            text,
            exit: Exit::Done,
        }
    }

    fn of(value: &impl Serialize, text: String) -> Result<Self> {
        Ok(Output::new(serde_json::to_value(value)?, text))
    }
}

fn when(at: Hlc) -> String {
    let t = at.wall_time();
    format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute())
}

/// The last 8 characters of an id, as the lists show it.
pub fn short(id: &str) -> &str {
    id.char_indices()
        .rev()
        .nth(7)
        .map_or(id, |(at, _)| &id[at..])
}

/// A record just saved, as `--json` shows it.
pub fn recorded_json(r: &Recorded) -> serde_json::Value {
    serde_json::json!({
        "id": r.id,
        "stream": r.stream_id,
        "kind": r.kind,
        "at": saved_at(r),
    })
}

fn saved_at(r: &Recorded) -> Hlc {
    Hlc {
        millis: r.recorded_at_millis,
        counter: r.recorded_at_counter,
    }
}

pub fn recorded(r: &Recorded, what: &str) -> Output {
    let mut first = what.chars();
    let what = match first.next() {
        Some(c) => c.to_uppercase().collect::<String>() + first.as_str(),
        None => String::new(),
    };
    Output::new(
        serde_json::json!({ "saved": true, "id": r.id, "short_id": short(&r.id), "stream": r.stream_id, "kind": r.kind, "recorded_at": saved_at(r) }),
        format!("{what}: {} (saved {}).", short(&r.id), when(saved_at(r))),
    )
}

/// Who records here, where the store is, and each stream with its summary.
pub fn status(
    id: &Identity,
    path: &Path,
    streams: &[(StreamSummary, StreamInfo)],
) -> Result<Output> {
    let mut text = format!(
        "{} on device {}\nStore: {}\n",
        id.name,
        id.device.short(),
        path.display()
    );
    if streams.is_empty() {
        text.push_str("No collaborative or project here yet.\n");
    }
    for (summary, s) in streams {
        let _ = write!(
            text,
            "\n{:<14} {}  {}  ({} events",
            format!("{:?}", s.kind).to_lowercase(),
            s.id.short(),
            s.name,
            s.events
        );
        if summary.unknown_events > 0 {
            let _ = write!(
                text,
                ", {} from a newer Praxis: update to read them",
                summary.unknown_events
            );
        }
        if !summary.conflicts.is_empty() {
            let _ = write!(text, ", {} open conflicts", summary.conflicts.len());
        }
        text.push(')');
    }
    Output::of(
        &serde_json::json!({
            "identity": id,
            "store": path,
            "streams": streams.iter().map(|(_, s)| s).collect::<Vec<_>>(),
        }),
        text,
    )
}

pub fn projects(projects: &[StreamInfo]) -> Result<Output> {
    let mut text = String::new();
    if projects.is_empty() {
        text.push_str("No projects yet. Start one with `praxis project start`.");
    }
    for p in projects {
        let _ = writeln!(text, "{}  {}  ({} events)", p.id.short(), p.name, p.events);
    }
    Output::of(&projects, text.trim_end().to_string())
}

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

fn direction(d: Direction) -> &'static str {
    match d {
        Direction::HigherIsBetter => "higher is better",
        Direction::LowerIsBetter => "lower is better",
    }
}

pub fn overview(o: &ProjectOverview) -> Result<Output> {
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
            .map(|d| format!("{:?}", d.kind).to_lowercase())
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
    Output::of(o, t)
}

/// A version of a thing in conflict: who recorded it, and when.
pub struct VersionShown {
    pub id: EventId,
    pub recorded_at: Hlc,
    pub author: PersonId,
}

/// The open conflicts, each with the name of its stream and its versions.
pub fn conflicts(open: &[(String, Conflict, Vec<VersionShown>)]) -> Result<Output> {
    let mut t = String::new();
    for (stream, c, versions) in open {
        let _ = writeln!(t, "{}  {} in {}", c.subject.short(), c.what, stream);
        for v in versions {
            let _ = writeln!(
                t,
                "    version {}  recorded {} by {}",
                v.id.short(),
                when(v.recorded_at),
                v.author.short()
            );
        }
        let _ = writeln!(
            t,
            "  Settle it: praxis resolve {} --keep <version> --reason \"...\"",
            c.subject.short()
        );
    }
    if open.is_empty() {
        t.push_str("No open conflicts.");
    }
    let all: Vec<_> = open.iter().map(|(_, c, _)| c).collect();
    Output::of(&all, t.trim_end().to_string())
}

pub fn series(s: &MeasureSeries) -> Result<Output> {
    let mut t = String::new();
    match &s.definition {
        Some(d) => {
            let _ = writeln!(t, "{} ({:?}, {})", d.name, d.kind, direction(d.direction));
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

fn history_lines(t: &mut String, entries: &[HistoryEntry]) {
    for h in entries {
        let _ = writeln!(
            t,
            "  {}  {}  by {}  {}",
            when(h.stamp.at),
            h.stamp.event.short(),
            h.stamp.author.short(),
            h.what
        );
    }
}

pub fn cycle(c: &CycleView) -> Result<Output> {
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
        let _ = writeln!(t, "\nPLAN ({:?} test)", p.scale);
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
    if let Some(a) = &c.act {
        let _ = writeln!(t, "\nACT: {:?}\n  Reasons: {}", a.decision, a.reasons);
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
                "  {}  {:?}: {} (by {})",
                v.stamp.event.short(),
                v.value.decision,
                v.value.reasons,
                v.stamp.author.short()
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
    history_lines(&mut t, &c.history);
    Output::of(c, t.trim_end().to_string())
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

pub fn history(h: &RecordHistory) -> Result<Output> {
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
    history_lines(&mut t, &h.entries);
    Output::of(h, t.trim_end().to_string())
}

fn stream_kind(kind: praxis_core::domain::record::StreamKind) -> String {
    format!("{kind:?}").to_lowercase()
}

pub fn enrolled(e: &Enrolment, store: &std::path::Path) -> Result<Output> {
    let text = format!(
        "This device is enrolled with {} as {} (device {}, \"{}\").\nStore: {}\nNext: `praxis sync`.",
        e.server,
        e.name,
        e.device.short(),
        e.device_name,
        store.display()
    );
    Output::of(&serde_json::json!({ "enrolled": e, "store": store }), text)
}

/// A plain store encrypted in place: what it kept, and where its key is.
pub fn encrypted(
    store: &std::path::Path,
    kept: &praxis_core::store::Encrypted,
    key_place: &str,
    new_key: bool,
) -> Result<Output> {
    let text = format!(
        "The store at {} is now encrypted. Kept, and checked against the plain store: {} events in {} streams, {} changes, {} settings.\nIts key: {key_place}{}",
        store.display(),
        kept.events,
        kept.streams,
        kept.changes,
        kept.settings,
        if new_key {
            " (new; keep a copy of it: without it the store cannot be read)."
        } else {
            "."
        }
    );
    Output::of(
        &serde_json::json!({ "store": store, "kept": kept, "key": key_place, "new_key": new_key }),
        text,
    )
}

/// Progress lines on stderr while a sync runs (none with `--json`).
pub struct SyncLines {
    pub shown: bool,
    /// The totals last shown for the current stream, so a message that moved
    /// nothing adds no line.
    pub last: (usize, usize),
}

impl SyncLines {
    pub fn new(shown: bool) -> Self {
        SyncLines {
            shown,
            last: (0, 0),
        }
    }
}

impl SyncProgress for SyncLines {
    fn planned(&mut self, streams: &[PlannedStream]) {
        if self.shown {
            eprintln!(
                "Syncing {} stream{}.",
                streams.len(),
                if streams.len() == 1 { "" } else { "s" }
            );
        }
    }

    fn stream_started(&mut self, s: &PlannedStream, index: usize, of: usize) {
        if self.shown {
            let new = if s.add_here {
                ", new here"
            } else if s.new_on_server {
                ", new on the server"
            } else {
                ""
            };
            self.last = (0, 0);
            eprintln!(
                "[{}/{of}] {} {}  {}{new}",
                index + 1,
                stream_kind(s.kind),
                s.stream.short(),
                s.name
            );
        }
    }

    fn round_done(&mut self, _s: &PlannedStream, so_far: &StreamReport) {
        let totals = (so_far.sent_events, so_far.received_events);
        if self.shown && totals != self.last {
            self.last = totals;
            eprintln!(
                "      message {}: {} up, {} down so far",
                so_far.rounds, so_far.sent_events, so_far.received_events
            );
        }
    }

    fn retrying(
        &mut self,
        _s: Option<&PlannedStream>,
        failures: u32,
        delay: Duration,
        reason: &str,
    ) {
        if self.shown {
            eprintln!(
                "      {reason}; trying again in {:.1} s (failed {failures} time{})",
                delay.as_secs_f64(),
                if failures == 1 { "" } else { "s" }
            );
        }
    }

    fn stream_finished(&mut self, r: &StreamReport) {
        if self.shown {
            match &r.error {
                None => eprintln!(
                    "      synced: {} up, {} down",
                    r.sent_events, r.received_events
                ),
                Some(e) => eprintln!("      not synced: {}", e.message),
            }
        }
    }
}

/// The per-stream report of a sync: events up and down, and why any stream did not
/// sync. Ends with `Exit::SomeStreamsUnsynced` when one did not.
pub fn synced(server: &str, reports: &[StreamReport]) -> Result<Output> {
    let up: usize = reports.iter().map(|r| r.sent_events).sum();
    let down: usize = reports.iter().map(|r| r.received_events).sum();
    let failed = reports.iter().filter(|r| !r.synced()).count();
    let except = match failed {
        0 => String::new(),
        1 => " except 1 stream".into(),
        n => format!(" except {n} streams"),
    };
    let mut t = format!("Synced with {server}{except}: {up} events up, {down} down.\n");
    if reports.is_empty() {
        t.push_str("The server shares no collaborative or project with this device yet.\n");
    }
    let width = reports
        .iter()
        .map(|r| r.name.chars().count())
        .max()
        .unwrap_or(0);
    for r in reports {
        let _ = write!(
            t,
            "\n{:<14} {}  {:<width$}  ",
            r.kind.map(stream_kind).unwrap_or_else(|| "unknown".into()),
            r.stream.short(),
            r.name
        );
        match &r.error {
            None => {
                let _ = write!(t, "{:>5} up {:>5} down", r.sent_events, r.received_events);
                if r.added_here {
                    t.push_str("  (new here)");
                } else if r.new_on_server {
                    t.push_str("  (new on the server)");
                }
            }
            Some(e) => {
                let _ = write!(t, "NOT SYNCED: {}", e.message);
                for refused in &e.refused {
                    let _ = write!(
                        t,
                        "\n    {} {}: {}",
                        refused.kind.as_deref().unwrap_or("change"),
                        refused.event.map(|id| id.short()).unwrap_or_else(|| refused
                            .change
                            .chars()
                            .take(8)
                            .collect()),
                        refused.reason
                    );
                }
            }
        }
    }
    if failed > 0 {
        let _ = write!(
            t,
            "\n\n{failed} of {} streams did not sync; everything recorded here is kept on this device. \
             Do what the server says (a refusal for a role is for the office to settle), then sync again.",
            reports.len()
        );
    }
    let mut output = Output::of(
        &serde_json::json!({
            "server": server,
            "sent_events": up,
            "received_events": down,
            "failed": failed,
            "streams": reports,
        }),
        t.trim_end().to_string(),
    )?;
    if failed > 0 {
        output.exit = Exit::SomeStreamsUnsynced;
    }
    Ok(output)
}
