//! Each kind of record, and each record, in a line a person reads: "Measurement
//! recorded", "Act of a cycle: Adopt (it worked on both wards)". The auditor's
//! timeline and exports use these, so nobody has to read `cycle-acted` or JSON.

use super::event::{Event, ObservationKind};
use super::event_kind::EventKind;
use super::record::{month_label, title_of};

/// At most this many characters of free text go into a line.
const TEXT_IN_A_LINE: usize = 90;

impl EventKind {
    /// The kind in words, for lists and filters.
    pub fn words(&self) -> &'static str {
        match self {
            EventKind::CollaborativeFounded => "Collaborative founded",
            EventKind::ScheduleSet => "Schedule set",
            EventKind::ProgressScaleAdopted => "Progress scale adopted",
            EventKind::ChangePackageItemAdded => "Change package item added",
            EventKind::ProjectStarted => "Team project started",
            EventKind::CharterSet => "Charter set",
            EventKind::MeasureDefined => "Measure defined",
            EventKind::MeasureRevised => "Measure revised",
            EventKind::MeasurementRecorded => "Measurement recorded",
            EventKind::ChangeIdeaProposed => "Change idea proposed",
            EventKind::CyclePlanned => "Cycle planned (Plan)",
            EventKind::CycleDone => "Cycle carried out (Do)",
            EventKind::CycleStudied => "Cycle studied (Study)",
            EventKind::CycleActed => "Cycle decided (Act)",
            EventKind::ObservationRecorded => "Observation recorded",
            EventKind::ActionPlanEntryAdded => "Action plan entry added",
            EventKind::LearningLogEntryAdded => "Learning log entry added",
            EventKind::MonthlyReportSubmitted => "Monthly report submitted",
            EventKind::CoordinatorScoreGiven => "Coordinator's score given",
            EventKind::ManagerDecisionRecorded => "Senior manager's decision",
            EventKind::Correction => "Correction",
            EventKind::Resolution => "Conflict resolved",
            EventKind::OrganisationFounded => "Organisation founded",
            EventKind::PersonAdded => "Person added",
            EventKind::TeamAdded => "Team added",
            EventKind::MembershipGranted => "Role granted",
            EventKind::MembershipRevoked => "Role revoked",
            EventKind::DeviceEnrolled => "Device enrolled",
            EventKind::DeviceRevoked => "Device revoked",
            EventKind::Quarantined => "Held back at sync",
            EventKind::QuarantineReleased => "Held record released",
            EventKind::QuarantineWithdrawn => "Held record withdrawn",
            EventKind::ScoreSuggested => "Score suggested by the evidence",
            EventKind::ExpectationStated => "Prediction made checkable",
            EventKind::BaselineSet => "Baseline length set",
            EventKind::WorkCarriedOver => "Work carried over from before enrolment",
            EventKind::DataErased => "Personal content erased",
            EventKind::RetentionScheduleSet => "Retention schedule set",
            EventKind::LegalHoldPlaced => "Legal hold placed",
            EventKind::LegalHoldLifted => "Legal hold lifted",
        }
    }
}

/// Free text cut to fit a line, on a character boundary.
fn cut(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= TEXT_IN_A_LINE {
        text
    } else {
        let mut kept: String = text.chars().take(TEXT_IN_A_LINE - 1).collect();
        kept.push('…');
        kept
    }
}

/// What a record says, in one line.
pub fn one_line(event: &Event) -> String {
    match event {
        Event::ScheduleSet { schedule, .. } => format!("{} phases", schedule.len()),
        Event::ProgressScaleAdopted(_) => "the collaborative's progress scale".into(),
        Event::CharterSet { charter, .. } => format!("aim: {}", cut(&charter.aim.what)),
        Event::MeasureRevised { definition, .. } => cut(&definition.name),
        Event::MeasurementRecorded(m) => format!(
            "{} for {} to {}{}",
            m.value.plotted(),
            m.period_start,
            m.period_end,
            if m.note.trim().is_empty() {
                String::new()
            } else {
                format!(" ({})", cut(&m.note))
            }
        ),
        Event::CyclePlanned(p) => format!("{} ({})", cut(&p.objective), p.scale.words()),
        Event::CycleDone { done, .. } => format!(
            "carried out on {} by {}",
            done.carried_out_on,
            cut(&done.carried_out_by)
        ),
        Event::CycleStudied { study, .. } => cut(&study.learning),
        Event::CycleActed { act, .. } => format!("{}: {}", act.decision.words(), cut(&act.reasons)),
        Event::ObservationRecorded(o) => format!(
            "{} of {}: {}",
            match o.kind {
                ObservationKind::Observation => "observation",
                ObservationKind::CaseMaterial => "case material",
            },
            o.observed_on,
            cut(&o.text)
        ),
        Event::MonthlyReportSubmitted(r) => format!(
            "for {}, self-assessed {}",
            month_label(r.month),
            r.self_score
        ),
        Event::CoordinatorScoreGiven {
            score,
            justification,
            ..
        } => format!("{score}: {}", cut(justification)),
        Event::ManagerDecisionRecorded {
            decision,
            rationale,
            rests_on,
        } => format!(
            "{}, because {} (resting on {} record{})",
            cut(decision),
            cut(rationale),
            rests_on.len(),
            if rests_on.len() == 1 { "" } else { "s" }
        ),
        Event::Correction {
            reason,
            replacement,
            ..
        } => format!(
            "{}: {}",
            if replacement.is_some() {
                "replaced"
            } else {
                "withdrawn"
            },
            cut(reason)
        ),
        Event::Resolution {
            settles, reason, ..
        } => format!("{} versions settled: {}", settles.len(), cut(reason)),
        Event::PersonAdded { username, name, .. } => format!("{name} ({username})"),
        Event::TeamAdded {
            name, organisation, ..
        } => format!("{name}, {organisation}"),
        Event::MembershipGranted { role, .. } => format!("as {}", role.name()),
        Event::MembershipRevoked { reason, .. }
        | Event::DeviceRevoked { reason, .. }
        | Event::Quarantined { reason, .. }
        | Event::QuarantineReleased { reason, .. }
        | Event::QuarantineWithdrawn { reason, .. } => cut(reason),
        Event::DeviceEnrolled { name, .. } => cut(name),
        Event::ScoreSuggested { suggestion, .. } => format!(
            "the evidence suggested {}, {} was given",
            suggestion.level, suggestion.given
        ),
        Event::ExpectationStated { expectation, .. } => {
            format!("to be read by {}", expectation.by)
        }
        Event::BaselineSet { points, .. } => format!("the median rests on {points} points"),
        Event::WorkCarriedOver {
            from_person_name,
            events,
            ..
        } => format!(
            "{events} records made on the device before it was enrolled, carried over from {from_person_name}"
        ),
        other => cut(&title_of(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_words_and_long_text_is_cut() {
        for kind in EventKind::ALL {
            assert!(!kind.words().is_empty());
            assert!(!kind.words().contains('-'), "{}", kind.words());
        }
        let long = "word ".repeat(50);
        let line = cut(&long);
        assert_eq!(line.chars().count(), TEXT_IN_A_LINE);
        assert!(line.ends_with('…'));
        assert_eq!(cut("  two\n words "), "two words");
    }
}
