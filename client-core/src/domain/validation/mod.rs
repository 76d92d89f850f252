//! Commands are validated before they become events: a refusal says what is wrong and
//! how to put it right, and nothing is written. The server runs the same checks on
//! everything it receives. Long because the checks of every record kind stand in one
//! match, so a new schema version reads as one diff.

use super::event::*;
use super::fold::Views;
use super::ids::{EventId, PersonId, StreamId};
use super::record::{Detail, Record, StreamKind};
use serde::Serialize;
use std::fmt;

mod evidence;
mod records;
pub use evidence::BASELINE_RANGE;
pub use records::pseudonymous;
use records::*;

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

/// Checks `event`, recorded by `author`, against the stream it is to be recorded in.
pub fn validate(
    event: &Event,
    author: PersonId,
    views: &mut impl Views,
    collaborative: Option<&CollaborativeContext>,
    mode: Mode,
) -> Result<(), Refusal> {
    match mode {
        Mode::Device => check(event, author, views, collaborative, mode),
        Mode::Replica => check(
            event,
            author,
            &mut StandingAsSeen(views),
            collaborative,
            mode,
        ),
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
    author: PersonId,
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
            | Event::ChangePackageItemAdded(_)
            | Event::DataErased { .. }
            | Event::RetentionScheduleSet { .. }
            | Event::LegalHoldPlaced { .. }
            | Event::LegalHoldLifted { .. },
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
        (
            Event::Correction { .. }
            | Event::Resolution { .. }
            | Event::Quarantined { .. }
            | Event::QuarantineReleased { .. }
            | Event::QuarantineWithdrawn { .. }
            | Event::WorkCarriedOver { .. },
            _,
        ) => {}
        (
            Event::ScheduleSet { .. }
            | Event::ProgressScaleAdopted(_)
            | Event::ChangePackageItemAdded(_)
            | Event::DataErased { .. }
            | Event::RetentionScheduleSet { .. }
            | Event::LegalHoldPlaced { .. }
            | Event::LegalHoldLifted { .. },
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
        Event::DataErased { keys, reason, .. } => {
            required("reason for the erasure", reason)?;
            if keys.is_empty() {
                return refuse("The erasure names no data key.", "Name what is erased.");
            }
        }
        Event::RetentionScheduleSet {
            replaces,
            periods,
            reason,
        } => {
            required("reason for the schedule", reason)?;
            retention_periods(periods)?;
            for replaced in replaces {
                existing(
                    views,
                    *replaced,
                    "retention schedule",
                    EventKind::RetentionScheduleSet,
                )?;
            }
        }
        Event::LegalHoldPlaced { covers, reason } => {
            required("reason for the legal hold", reason)?;
            if let HoldCovers::Person { tag } = covers
                && (tag.len() != 64 || !tag.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                return refuse(
                    "A legal hold on a person names them by the server's keyed hash of their reference.",
                    "Place the hold through the server, by the person's reference.",
                );
            }
        }
        Event::LegalHoldLifted { hold, reason } => {
            required("reason for lifting the hold", reason)?;
            if let Some(r) = views.record(*hold)
                && r.kind == EventKind::LegalHoldPlaced
                && r.withdrawn
            {
                return refuse(
                    format!("The legal hold {} was lifted already.", hold.short()),
                    "Nothing to do: it no longer stops any erasure.",
                );
            }
            existing(views, *hold, "legal hold", EventKind::LegalHoldPlaced)?;
        }
        // Its content is sealed: only what stands in the clear is checked here; the
        // device checked the rest before sealing it, and the server opens it to check.
        Event::ObservationSealed(o) => {
            if let Some(cycle) = o.cycle {
                existing_cycle(views, cycle, "observation linked to a cycle")?;
            }
        }
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
        // Its free text is sealed: the server opens it to check it (`Unsealer::unsealable`).
        Event::CycleDoneSealed { cycle, done } => {
            existing_cycle(views, *cycle, "Do")?;
            required("name of who carried it out", &done.carried_out_by)?;
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
        Event::ScoreSuggested {
            report,
            score,
            suggestion,
        } => evidence::suggestion(views, author, (*report, *score), suggestion, collaborative)?,
        Event::ExpectationStated { cycle, expectation } => {
            evidence::expectation(views, *cycle, expectation)?
        }
        Event::BaselineSet {
            measure,
            replaces,
            points,
        } => evidence::baseline(views, *measure, replaces, *points)?,
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
        Event::Quarantined { reason, .. } => required("reason for holding it back", reason)?,
        Event::WorkCarriedOver {
            from_person_name,
            events,
            first_recorded,
            last_recorded,
            ..
        } => {
            required(
                "name of the person the work is carried over from",
                from_person_name,
            )?;
            if *events == 0 || first_recorded > last_recorded {
                return refuse(
                    "Work carried over names no records, or ends before it begins.",
                    "Carry over the records made on this device before it was enrolled.",
                );
            }
        }
        Event::QuarantineReleased { quarantine, reason } => {
            required("reason for releasing it", reason)?;
            unsettled(views, *quarantine, mode)?;
        }
        Event::QuarantineWithdrawn { quarantine, reason } => {
            required("reason for withdrawing it", reason)?;
            let record = unsettled(views, *quarantine, mode)?;
            if let Event::Quarantined {
                author: held_by, ..
            } = record.content
                && held_by != author
            {
                return refuse(
                    "Only the author of a held-back record may withdraw it.",
                    "Ask its author to withdraw it, or a coordinator to release it.",
                );
            }
        }
    }
    Ok(())
}

/// The quarantine `id`, still open (on a replica, settled or not: a release and a
/// withdrawal made apart both stand in the history, and the first is what counts).
fn unsettled(views: &mut impl Views, id: EventId, mode: Mode) -> Result<Record, Refusal> {
    let record = existing(views, id, "held-back record", EventKind::Quarantined)?;
    if let Detail::Quarantine {
        settled: Some(settled),
    } = &record.detail
        && mode == Mode::Device
    {
        return refuse(
            format!(
                "The held-back record {} was already {}.",
                id.short(),
                if settled.released {
                    "released"
                } else {
                    "withdrawn"
                }
            ),
            "Nothing more is needed.",
        );
    }
    Ok(record)
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

/// Longest retention period a schedule may set, in years.
pub const LONGEST_RETENTION: u16 = 150;

/// A retention schedule names each kind once, each for 1 to 150 years.
fn retention_periods(periods: &[RetentionPeriod]) -> Result<(), Refusal> {
    if periods.is_empty() {
        return refuse(
            "The retention schedule names no kind of record.",
            "Give a period for observations, case material or both.",
        );
    }
    for (i, period) in periods.iter().enumerate() {
        if periods[..i].iter().any(|p| p.kind == period.kind) {
            return refuse(
                format!("The schedule names {} twice.", period.kind.words()),
                "Give each kind of record one period.",
            );
        }
        if !(1..=LONGEST_RETENTION).contains(&period.years) {
            return refuse(
                format!(
                    "{} years is not a retention period Praxis keeps.",
                    period.years
                ),
                format!("Give a whole number of years from 1 to {LONGEST_RETENTION}."),
            );
        }
    }
    Ok(())
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
