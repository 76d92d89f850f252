//! Commands are validated before they become events: a refusal says what is wrong and
//! how to put it right, and nothing is written. The server runs the same checks on
//! everything it receives.

use super::event::*;
use super::fold::Views;
use super::ids::{EventId, StreamId};
use super::record::{Detail, Record, StreamKind};
use serde::Serialize;
use std::fmt;

/// Why a command was refused, and what to do about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub problem: String,
    pub fix: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.problem, self.fix)
    }
}

impl std::error::Error for Refusal {}

fn refuse<T>(problem: impl Into<String>, fix: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal {
        problem: problem.into(),
        fix: fix.into(),
    })
}

/// What a project stream needs to know of its collaborative's stream.
#[derive(Clone, Debug)]
pub struct CollaborativeContext {
    pub stream: StreamId,
    pub scale: ProgressScale,
    pub package_items: Vec<EventId>,
}

fn required(field: &str, value: &str) -> Result<(), Refusal> {
    if value.trim().is_empty() {
        return refuse(
            format!("The {field} is missing."),
            format!("Give the {field}."),
        );
    }
    Ok(())
}

fn finite(field: &str, value: f64) -> Result<(), Refusal> {
    if !value.is_finite() {
        return refuse(
            format!("The {field} is not a number."),
            format!("Give the {field} as a number."),
        );
    }
    Ok(())
}

/// Checks `event` against the stream it is to be recorded in.
pub fn validate(
    event: &Event,
    views: &mut impl Views,
    collaborative: Option<&CollaborativeContext>,
    mode: Mode,
) -> Result<(), Refusal> {
    match mode {
        Mode::Device => check(event, views, collaborative, mode),
        Mode::Replica => check(event, &mut StandingAsSeen(views), collaborative, mode),
    }
}

/// Where a check runs, which decides whether rules about the latest state apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// On the recording device, against everything it knows now: all rules apply.
    Device,
    /// On a replica receiving an event recorded elsewhere: only rules the author could
    /// check apply. Whether a register was up to date, a report the first of its month
    /// or a record not yet withdrawn depends on what had reached the author, so
    /// concurrent changes are accepted and shown as conflicts instead.
    Replica,
}

/// Views in which withdrawn records still stand: a withdrawal its author had not seen
/// must not make an event unacceptable.
struct StandingAsSeen<'v, V>(&'v mut V);

impl<V: Views> Views for StandingAsSeen<'_, V> {
    fn record(&mut self, id: EventId) -> Option<Record> {
        self.0.record(id).map(|mut r| {
            r.withdrawn = false;
            r
        })
    }
    fn put(&mut self, record: Record) {
        self.0.put(record)
    }
    fn summary(&mut self) -> super::record::StreamSummary {
        self.0.summary()
    }
    fn put_summary(&mut self, summary: super::record::StreamSummary) {
        self.0.put_summary(summary)
    }
}

fn check(
    event: &Event,
    views: &mut impl Views,
    collaborative: Option<&CollaborativeContext>,
    mode: Mode,
) -> Result<(), Refusal> {
    let summary = views.summary();
    let in_organisation = match summary.kind {
        Some(kind) => kind == StreamKind::Organisation,
        None => matches!(event, Event::OrganisationFounded { .. }),
    };
    if event.kind().is_administrative() != in_organisation {
        return refuse(
            format!(
                "A {} cannot be recorded in this stream.",
                event.kind().name()
            ),
            "People, teams, memberships and devices are recorded by the server in its organisation stream; records of the work go in a collaborative's or project's stream.",
        );
    }
    match (event, summary.kind) {
        (Event::OrganisationFounded { .. }, None) | (_, Some(StreamKind::Organisation)) => {}
        (
            Event::CollaborativeFounded(_)
            | Event::ProjectStarted(_)
            | Event::OrganisationFounded { .. },
            Some(_),
        ) => {
            return refuse(
                "This stream already has its collaborative or project.",
                "Start a new project or collaborative in a stream of its own.",
            );
        }
        (Event::CollaborativeFounded(_) | Event::ProjectStarted(_), None) => {}
        (_, None) => {
            return refuse(
                "This stream has no collaborative or project yet.",
                "Found the collaborative or start the project first.",
            );
        }
        (
            Event::ScheduleSet { .. }
            | Event::ProgressScaleAdopted(_)
            | Event::ChangePackageItemAdded(_),
            Some(StreamKind::Project),
        ) => {
            return refuse(
                format!(
                    "A {} belongs to the collaborative, not to a team's project.",
                    event.kind().name()
                ),
                "Record it in the collaborative's stream.",
            );
        }
        (Event::Correction { .. } | Event::Resolution { .. }, _) => {}
        (
            Event::ScheduleSet { .. }
            | Event::ProgressScaleAdopted(_)
            | Event::ChangePackageItemAdded(_),
            Some(StreamKind::Collaborative),
        ) => {}
        (_, Some(StreamKind::Collaborative)) => {
            return refuse(
                format!(
                    "A {} belongs to a team's project, not to the collaborative.",
                    event.kind().name()
                ),
                "Record it in the team's project stream.",
            );
        }
        (_, Some(StreamKind::Project)) => {}
    }
    let founding = summary.founding;

    match event {
        Event::OrganisationFounded { name } => required("organisation's name", name)?,
        Event::PersonAdded { username, name, .. } => {
            required("username", username)?;
            required("person's name", name)?;
        }
        Event::TeamAdded {
            name, organisation, ..
        } => {
            required("team's name", name)?;
            required("organisation", organisation)?;
        }
        Event::MembershipGranted { .. } | Event::DeviceEnrolled { .. } => {}
        Event::MembershipRevoked { membership, reason } => {
            existing(
                views,
                *membership,
                "membership",
                EventKind::MembershipGranted,
            )?;
            required("reason", reason)?;
        }
        Event::DeviceRevoked { reason, .. } => required("reason", reason)?,
        Event::CollaborativeFounded(c) => {
            required("collaborative's name", &c.name)?;
            required("topic", &c.topic)?;
            required(
                "account of how people who use services chose the topic",
                &c.chosen_with,
            )?;
        }
        Event::ScheduleSet { replaces, schedule } => {
            if schedule.is_empty() {
                return refuse(
                    "The schedule has no phases.",
                    "List the prework, learning sessions and action periods with their dates.",
                );
            }
            for (i, phase) in schedule.iter().enumerate() {
                if phase.ends < phase.starts {
                    return refuse(
                        format!(
                            "Phase {} ends ({}) before it starts ({}).",
                            i + 1,
                            phase.ends,
                            phase.starts
                        ),
                        "Give an end date on or after the start date.",
                    );
                }
                if let Some(next) = schedule.get(i + 1)
                    && next.starts < phase.ends
                {
                    return refuse(
                        format!("Phase {} starts before phase {} ends.", i + 2, i + 1),
                        "List the phases in order, without overlaps.",
                    );
                }
            }
            let register = founding_record(views, founding).and_then(|r| match r.detail {
                Detail::Collaborative { schedule, .. } => Some(schedule),
                _ => None,
            });
            up_to_date(
                mode,
                "schedule",
                register
                    .as_ref()
                    .map(|r| (r.heads.clone(), r.is_up_to_date(replaces))),
            )?;
        }
        Event::ProgressScaleAdopted(scale) => {
            required("scale's name", &scale.name)?;
            if scale.levels.is_empty() {
                return refuse(
                    "The progress scale has no levels.",
                    "Give each score with its meaning.",
                );
            }
            for pair in scale.levels.windows(2) {
                if pair[1].score <= pair[0].score {
                    return refuse(
                        format!(
                            "Score {} comes after {} on the scale.",
                            pair[1].score, pair[0].score
                        ),
                        "List the scores from lowest to highest, each once.",
                    );
                }
            }
            for level in &scale.levels {
                required(&format!("meaning of score {}", level.score), &level.meaning)?;
            }
            let current = founding_record(views, founding)
                .and_then(|r| match r.detail {
                    Detail::Collaborative { scales, .. } => scales.iter().map(|s| s.version).max(),
                    _ => None,
                })
                .unwrap_or(ProgressScale::ihi().version);
            if scale.version <= current {
                return refuse(
                    format!(
                        "Version {} of the progress scale is not newer than version {current}.",
                        scale.version
                    ),
                    format!("Number the new scale {}.", current + 1),
                );
            }
        }
        Event::ChangePackageItemAdded(item) => {
            required("title", &item.title)?;
            evidence_sources(&item.evidence)?;
        }
        Event::ProjectStarted(p) => {
            required("team", &p.team)?;
            required("organisation", &p.organisation)?;
            required("project's title", &p.title)?;
            match collaborative {
                Some(c) if c.stream == p.collaborative => {}
                _ => {
                    return refuse(
                        format!(
                            "The collaborative {} is not on this device.",
                            p.collaborative
                        ),
                        "Name a collaborative this device holds (praxis status lists them), or sync first.",
                    );
                }
            }
        }
        Event::CharterSet { replaces, charter } => {
            let aim = &charter.aim;
            required("aim's what", &aim.what)?;
            required("aim's for whom", &aim.for_whom)?;
            required("aim's where", &aim.where_)?;
            required("aim's how much", &aim.how_much)?;
            if !aim.how_much.chars().any(|c| c.is_ascii_digit()) {
                return refuse(
                    format!(
                        "The aim's 'how much' ({}) has no number in it: some is not a number.",
                        aim.how_much
                    ),
                    "Say how much, with a number (for example 'from 40% to 75%').",
                );
            }
            required("senior leader", &charter.senior_leader)?;
            required("day-to-day lead", &charter.day_to_day_lead)?;
            let register = founding_record(views, founding).and_then(|r| match r.detail {
                Detail::Project { charter, .. } => Some(charter),
                _ => None,
            });
            up_to_date(
                mode,
                "charter",
                register
                    .as_ref()
                    .map(|r| (r.heads.clone(), r.is_up_to_date(replaces))),
            )?;
        }
        Event::MeasureDefined(definition) => measure_definition(definition)?,
        Event::MeasureRevised {
            measure,
            replaces,
            definition,
        } => {
            let record = existing(views, *measure, "measure", EventKind::MeasureDefined)?;
            measure_definition(definition)?;
            if let Detail::Measure {
                definition: register,
            } = &record.detail
            {
                up_to_date(
                    mode,
                    "measure's definition",
                    Some((register.heads.clone(), register.is_up_to_date(replaces))),
                )?;
            }
        }
        Event::MeasurementRecorded(m) => measurement(views, m)?,
        Event::ChangeIdeaProposed(idea) => change_idea(idea, collaborative)?,
        Event::CyclePlanned(plan) => self::plan(views, plan)?,
        Event::CycleDone { cycle, done } => {
            existing_cycle(views, *cycle, "Do")?;
            self::done(done)?;
        }
        Event::CycleStudied { cycle, study } => {
            let record = existing_cycle(views, *cycle, "Study")?;
            if matches!(&record.detail, Detail::Cycle { dos, .. } if dos.is_empty()) {
                return refuse(
                    format!(
                        "Cycle '{}' has no Do yet, so there is nothing to study.",
                        record.title()
                    ),
                    "Record the Do first (praxis cycle do).",
                );
            }
            self::study(study)?;
        }
        Event::CycleActed {
            cycle,
            replaces,
            act,
        } => {
            let record = existing_cycle(views, *cycle, "Act")?;
            if let Detail::Cycle {
                studies,
                act: register,
                ..
            } = &record.detail
            {
                if studies.is_empty() {
                    return refuse(
                        format!("Cycle '{}' has not been studied yet.", record.title()),
                        "Record the Study first (praxis cycle study): an Act rests on what was learned.",
                    );
                }
                up_to_date(
                    mode,
                    "Act decision",
                    Some((register.heads.clone(), register.is_up_to_date(replaces))),
                )?;
            }
            required("reasons for the decision", &act.reasons)?;
        }
        Event::ObservationRecorded(o) => observation(views, o)?,
        Event::ActionPlanEntryAdded(a) => action_plan_entry(a)?,
        Event::LearningLogEntryAdded(l) => learning_log_entry(l)?,
        Event::MonthlyReportSubmitted(report) => {
            monthly_report(report, collaborative)?;
            if mode == Mode::Device
                && let Some(Detail::Project { reports, .. }) =
                    founding_record(views, founding).map(|r| r.detail)
                && let Some((_, existing)) = reports.iter().find(|(m, _)| *m == report.month)
            {
                return refuse(
                    format!(
                        "The report for {} was already submitted ({}).",
                        super::record::month_label(report.month),
                        existing.short()
                    ),
                    "Correct that report instead (praxis correct).",
                );
            }
        }
        Event::CoordinatorScoreGiven {
            report,
            score,
            justification,
        } => {
            existing(
                views,
                *report,
                "monthly report",
                EventKind::MonthlyReportSubmitted,
            )?;
            on_scale(*score, collaborative)?;
            required("justification of the score", justification)?;
        }
        Event::ManagerDecisionRecorded {
            decision,
            rationale,
            rests_on,
        } => {
            manager_decision(views, decision, rationale, rests_on)?;
        }
        Event::Correction {
            corrects,
            reason,
            replacement,
        } => {
            correction(
                views,
                *corrects,
                reason,
                replacement.as_ref(),
                collaborative,
            )?;
        }
        Event::Resolution {
            subject,
            settles,
            keep,
            reason,
        } => {
            resolution(views, *subject, settles, *keep, reason, mode)?;
        }
    }
    Ok(())
}

fn founding_record(views: &mut impl Views, founding: Option<EventId>) -> Option<Record> {
    founding.and_then(|f| views.record(f))
}

fn up_to_date(mode: Mode, what: &str, state: Option<(Vec<EventId>, bool)>) -> Result<(), Refusal> {
    if mode == Mode::Replica {
        return Ok(());
    }
    match state {
        Some((_, true)) | None => Ok(()),
        Some((heads, false)) if heads.len() > 1 => refuse(
            format!(
                "The {what} is in conflict: {} versions were recorded without seeing each other.",
                heads.len()
            ),
            "Resolve the conflict first (praxis resolve), then revise it.",
        ),
        Some(_) => refuse(
            format!("The {what} was changed since the version this change was based on."),
            "Look at the current version and make the change again.",
        ),
    }
}

fn existing(
    views: &mut impl Views,
    id: EventId,
    what: &str,
    kind: EventKind,
) -> Result<Record, Refusal> {
    match views.record(id) {
        Some(r) if r.kind == kind && !r.withdrawn => Ok(r),
        Some(r) if r.kind == kind => refuse(
            format!("The {what} {} was withdrawn.", id.short()),
            format!("Choose a {what} that stands."),
        ),
        Some(r) => refuse(
            format!(
                "{} is a record of kind '{}', not a {what}.",
                id.short(),
                r.kind.name()
            ),
            format!("Give the id of a {what}."),
        ),
        None => refuse(
            format!("There is no {what} {} in this project.", id.short()),
            format!("Check the id (praxis overview lists each {what})."),
        ),
    }
}

fn existing_cycle(views: &mut impl Views, cycle: EventId, stage: &str) -> Result<Record, Refusal> {
    match views.record(cycle) {
        Some(r) if r.kind == EventKind::CyclePlanned => Ok(r),
        _ => refuse(
            format!(
                "There is no planned cycle {} for this {stage}: it needs a cycle with a Plan.",
                cycle.short()
            ),
            "Plan the cycle first (praxis cycle plan), or check its id (praxis overview).",
        ),
    }
}

fn evidence_sources(sources: &[EvidenceSource]) -> Result<(), Refusal> {
    if sources.is_empty() {
        return refuse(
            "No evidence source is given.",
            "Name at least one source: research or practice knowledge.",
        );
    }
    for s in sources {
        required("evidence source's citation", &s.citation)?;
    }
    Ok(())
}

fn measure_definition(d: &MeasureDefinition) -> Result<(), Refusal> {
    required("measure's name", &d.name)?;
    required("operational definition", &d.operational_definition)?;
    match &d.unit {
        MeasureUnit::Unit(u) => required("unit", u)?,
        MeasureUnit::Ratio {
            numerator,
            denominator,
        } => {
            required("numerator", numerator)?;
            required("denominator", denominator)?;
        }
    }
    if let Some(t) = d.target {
        finite("target", t)?;
    }
    Ok(())
}

fn measurement(views: &mut impl Views, m: &Measurement) -> Result<(), Refusal> {
    let record = existing(views, m.measure, "measure", EventKind::MeasureDefined)?;
    if m.period_end < m.period_start {
        return refuse(
            format!(
                "The period ends ({}) before it starts ({}).",
                m.period_end, m.period_start
            ),
            "Give the first and last day of the period measured.",
        );
    }
    let Some(definition) = record.measure_definition() else {
        return refuse(
            format!("Measure '{}' has conflicting definitions.", record.title()),
            "Resolve the conflict first (praxis resolve).",
        );
    };
    match (&definition.unit, &m.value) {
        (MeasureUnit::Unit(_), MeasurementValue::Value(v)) => finite("value", *v)?,
        (
            MeasureUnit::Ratio { .. },
            MeasurementValue::Ratio {
                numerator,
                denominator,
            },
        ) => {
            finite("numerator", *numerator)?;
            finite("denominator", *denominator)?;
            if *denominator <= 0.0 || *numerator < 0.0 || numerator > denominator {
                return refuse(
                    format!("{numerator} out of {denominator} is not a proportion."),
                    "Give a denominator above 0 and a numerator from 0 up to the denominator.",
                );
            }
        }
        (MeasureUnit::Unit(u), MeasurementValue::Ratio { .. }) => {
            return refuse(
                format!(
                    "Measure '{}' is counted in {u}, not as a numerator and denominator.",
                    record.title()
                ),
                "Give a single value.",
            );
        }
        (
            MeasureUnit::Ratio {
                numerator,
                denominator,
            },
            MeasurementValue::Value(_),
        ) => {
            return refuse(
                format!(
                    "Measure '{}' is a proportion ({numerator} / {denominator}).",
                    record.title()
                ),
                "Give the numerator and the denominator.",
            );
        }
    }
    Ok(())
}

fn change_idea(
    idea: &ChangeIdea,
    collaborative: Option<&CollaborativeContext>,
) -> Result<(), Refusal> {
    required("title", &idea.title)?;
    if idea.evidence.is_empty() {
        return refuse(
            "The change idea is not linked to any evidence.",
            "Link it to a change-package item or name a source.",
        );
    }
    for link in &idea.evidence {
        match link {
            EvidenceLink::Source(s) => required("evidence source's citation", &s.citation)?,
            EvidenceLink::PackageItem(item) => {
                if !collaborative.is_some_and(|c| c.package_items.contains(item)) {
                    return refuse(
                        format!(
                            "There is no change-package item {} in the collaborative.",
                            item.short()
                        ),
                        "Check the id (praxis collaborative show lists the change package).",
                    );
                }
            }
        }
    }
    Ok(())
}

fn plan(views: &mut impl Views, plan: &Plan) -> Result<(), Refusal> {
    required("objective", &plan.objective)?;
    if plan.predictions.is_empty() {
        return refuse(
            "The Plan has no question and prediction.",
            "Say what you expect to happen, and why.",
        );
    }
    for p in &plan.predictions {
        required("question", &p.question)?;
        required("prediction", &p.prediction)?;
        required(
            &format!("reason for the prediction '{}'", p.prediction),
            &p.reason,
        )?;
    }
    required("who", &plan.who)?;
    required("what", &plan.what)?;
    required("where", &plan.where_)?;
    required("data to collect", &plan.data_to_collect)?;
    if let Some(idea) = plan.change_idea {
        existing(views, idea, "change idea", EventKind::ChangeIdeaProposed)?;
    }
    if let Some(follows) = plan.follows {
        existing_cycle(views, follows, "follow-up cycle")?;
    }
    Ok(())
}

fn done(done: &Do) -> Result<(), Refusal> {
    required("name of who carried it out", &done.carried_out_by)?;
    required("observations", &done.observations)
}

fn study(study: &Study) -> Result<(), Refusal> {
    required(
        "comparison with the predictions",
        &study.compared_with_predictions,
    )?;
    required("learning", &study.learning)
}

/// A pseudonymous reference: short, no spaces, with a number in it ("P-0413"), so a
/// name is not written by mistake.
pub fn pseudonymous(subject: &str) -> bool {
    !subject.is_empty()
        && subject.len() <= 32
        && !subject.chars().any(char::is_whitespace)
        && subject.chars().any(|c| c.is_ascii_digit())
}

fn observation(views: &mut impl Views, o: &Observation) -> Result<(), Refusal> {
    required("observation", &o.text)?;
    if let Some(cycle) = o.cycle {
        existing_cycle(views, cycle, "observation linked to a cycle")?;
    }
    if let Some(subject) = &o.subject
        && !pseudonymous(subject)
    {
        return refuse(
            format!("'{subject}' does not look like a pseudonymous reference."),
            "Refer to the person by a reference such as P-0413 (no spaces, with a number), not by name.",
        );
    }
    Ok(())
}

fn action_plan_entry(a: &ActionPlanEntry) -> Result<(), Refusal> {
    required("'Where are we now?'", &a.where_are_we_now)?;
    required(
        "'What do we want to achieve?'",
        &a.what_do_we_want_to_achieve,
    )?;
    required("'How will we get there?'", &a.how_will_we_get_there)?;
    required(
        "'Who needs to take what action?'",
        &a.who_needs_to_take_what_action,
    )?;
    required("timescales", &a.timescales)
}

fn learning_log_entry(l: &LearningLogEntry) -> Result<(), Refusal> {
    required("learning points", &l.learning_points)?;
    required("action points", &l.action_points)?;
    required("responsibility", &l.responsibility)
}

fn on_scale(score: Score, collaborative: Option<&CollaborativeContext>) -> Result<(), Refusal> {
    let Some(c) = collaborative else {
        return refuse(
            "The collaborative's progress scale is not on this device.",
            "Sync the collaborative's stream first.",
        );
    };
    if c.scale.level(score).is_none() {
        return refuse(
            format!(
                "{score} is not on the {} (version {}).",
                c.scale.name, c.scale.version
            ),
            format!("Choose one of: {}.", c.scale.scores()),
        );
    }
    Ok(())
}

fn monthly_report(
    r: &MonthlyReport,
    collaborative: Option<&CollaborativeContext>,
) -> Result<(), Refusal> {
    if r.month.day() != 1 {
        return refuse(
            format!("{} is not the first day of a month.", r.month),
            "Give the month reported on as its first day (for example 2026-03-01).",
        );
    }
    required("measures section", &r.measures)?;
    required("cycles section", &r.cycles)?;
    required("learning section", &r.learning)?;
    on_scale(r.self_score, collaborative)
}

fn manager_decision(
    views: &mut impl Views,
    decision: &str,
    rationale: &str,
    rests_on: &[EventId],
) -> Result<(), Refusal> {
    required("decision", decision)?;
    required("rationale", rationale)?;
    if rests_on.is_empty() {
        return refuse(
            "The decision names no records it rests on.",
            "Name the reports, cycles or measures behind it.",
        );
    }
    for id in rests_on {
        if views.record(*id).is_none() {
            return refuse(
                format!(
                    "The decision rests on {}, which is not a record of this project.",
                    id.short()
                ),
                "Check the id (praxis overview lists the records).",
            );
        }
    }
    Ok(())
}

fn correction(
    views: &mut impl Views,
    corrects: EventId,
    reason: &str,
    replacement: Option<&Replacement>,
    collaborative: Option<&CollaborativeContext>,
) -> Result<(), Refusal> {
    required("reason for the correction", reason)?;
    let Some(record) = views.record(corrects) else {
        return refuse(
            format!("There is no record {} to correct.", corrects.short()),
            "Check the id (praxis history shows a record's id).",
        );
    };
    if matches!(
        record.detail,
        Detail::Collaborative { .. } | Detail::Project { .. } | Detail::Measure { .. }
    ) {
        return refuse(
            format!("A {} is not corrected but revised.", record.kind.name()),
            "Revise it instead (praxis charter, praxis measure revise, praxis collaborative schedule).",
        );
    }
    let Some(replacement) = replacement else {
        return Ok(());
    };
    let Some(corrected) = record.content.corrected_by(replacement) else {
        return refuse(
            format!(
                "The correction does not match the record: {} is a {}.",
                corrects.short(),
                record.kind.name()
            ),
            "Give the corrected content of the same kind of record.",
        );
    };
    if corrected.parent() != record.content.parent()
        || matches!((&corrected, &record.content), (Event::CyclePlanned(a), Event::CyclePlanned(b)) if a.follows != b.follows)
        || matches!((&corrected, &record.content), (Event::MonthlyReportSubmitted(a), Event::MonthlyReportSubmitted(b)) if a.month != b.month)
    {
        return refuse(
            "A correction changes what was recorded, not what it belongs to.",
            "Keep the same measure, cycle, report or month; withdraw the record and record a new one to move it.",
        );
    }
    match &corrected {
        Event::ChangePackageItemAdded(i) => {
            required("title", &i.title)?;
            evidence_sources(&i.evidence)
        }
        Event::MeasurementRecorded(m) => measurement(views, m),
        Event::ChangeIdeaProposed(i) => change_idea(i, collaborative),
        Event::CyclePlanned(p) => plan(views, p),
        Event::CycleDone { done: d, .. } => done(d),
        Event::CycleStudied { study: s, .. } => study(s),
        Event::ObservationRecorded(o) => observation(views, o),
        Event::ActionPlanEntryAdded(a) => action_plan_entry(a),
        Event::LearningLogEntryAdded(l) => learning_log_entry(l),
        Event::MonthlyReportSubmitted(r) => monthly_report(r, collaborative),
        Event::CoordinatorScoreGiven {
            score,
            justification,
            ..
        } => {
            on_scale(*score, collaborative)?;
            required("justification of the score", justification)
        }
        Event::ManagerDecisionRecorded {
            decision,
            rationale,
            rests_on,
        } => manager_decision(views, decision, rationale, rests_on),
        _ => Ok(()),
    }
}

fn resolution(
    views: &mut impl Views,
    subject: EventId,
    settles: &[EventId],
    keep: EventId,
    reason: &str,
    mode: Mode,
) -> Result<(), Refusal> {
    required("reason for the resolution", reason)?;
    let Some(record) = views.record(subject) else {
        return refuse(
            format!("There is no record {}.", subject.short()),
            "Check the id (praxis conflicts lists them).",
        );
    };
    let heads = match &record.detail {
        Detail::Collaborative { schedule, .. } => schedule.heads.clone(),
        Detail::Project { charter, .. } => charter.heads.clone(),
        Detail::Measure { definition } => definition.heads.clone(),
        Detail::Cycle { act, .. } => act.heads.clone(),
        Detail::Plain | Detail::Report { .. } => Vec::new(),
    };
    if heads.len() < 2 && mode == Mode::Device {
        return refuse(
            format!("There is no open conflict on {}.", record.title()),
            "praxis conflicts lists the open conflicts.",
        );
    }
    let mut named = settles.to_vec();
    named.sort();
    named.dedup();
    if mode == Mode::Replica {
        // Another version may have arrived since the author resolved: the resolution
        // must only name versions of this thing, and keep one of them.
        let versions: Vec<EventId> = match &record.detail {
            Detail::Collaborative { schedule, .. } => {
                schedule.versions.iter().map(|v| v.stamp.event).collect()
            }
            Detail::Project { charter, .. } => {
                charter.versions.iter().map(|v| v.stamp.event).collect()
            }
            Detail::Measure { definition } => {
                definition.versions.iter().map(|v| v.stamp.event).collect()
            }
            Detail::Cycle { act, .. } => act.versions.iter().map(|v| v.stamp.event).collect(),
            Detail::Plain | Detail::Report { .. } => Vec::new(),
        };
        if named.len() < 2 || !named.iter().all(|n| versions.contains(n)) || !named.contains(&keep)
        {
            return refuse(
                "The resolution names versions that are not versions of this record.",
                "Name the conflicting versions and keep one of them.",
            );
        }
        return Ok(());
    }
    if named != heads {
        let list = heads
            .iter()
            .map(|h| h.short())
            .collect::<Vec<_>>()
            .join(", ");
        return refuse(
            "The resolution must name every conflicting version, and only those.",
            format!("Name these versions: {list}."),
        );
    }
    if !heads.contains(&keep) {
        return refuse(
            format!("{} is not one of the conflicting versions.", keep.short()),
            "Keep one of the versions the resolution names.",
        );
    }
    Ok(())
}
