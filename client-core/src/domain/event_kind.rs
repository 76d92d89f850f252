//! The kind of an event without its content: it names each Automerge change's
//! message, filters views, and is what roles are allowed to record.

use serde::{Deserialize, Serialize};

/// The kind of an event, without its content: names change messages, filters views.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    CollaborativeFounded,
    ScheduleSet,
    ProgressScaleAdopted,
    ChangePackageItemAdded,
    ProjectStarted,
    CharterSet,
    MeasureDefined,
    MeasureRevised,
    MeasurementRecorded,
    ChangeIdeaProposed,
    CyclePlanned,
    CycleDone,
    CycleStudied,
    CycleActed,
    ObservationRecorded,
    ActionPlanEntryAdded,
    LearningLogEntryAdded,
    MonthlyReportSubmitted,
    CoordinatorScoreGiven,
    ManagerDecisionRecorded,
    Correction,
    Resolution,
    OrganisationFounded,
    PersonAdded,
    TeamAdded,
    MembershipGranted,
    MembershipRevoked,
    DeviceEnrolled,
    DeviceRevoked,
    Quarantined,
    QuarantineReleased,
    QuarantineWithdrawn,
    ScoreSuggested,
    ExpectationStated,
    BaselineSet,
    WorkCarriedOver,
    DataErased,
    RetentionScheduleSet,
    LegalHoldPlaced,
    LegalHoldLifted,
}

impl EventKind {
    pub const ALL: [EventKind; 40] = [
        EventKind::CollaborativeFounded,
        EventKind::ScheduleSet,
        EventKind::ProgressScaleAdopted,
        EventKind::ChangePackageItemAdded,
        EventKind::ProjectStarted,
        EventKind::CharterSet,
        EventKind::MeasureDefined,
        EventKind::MeasureRevised,
        EventKind::MeasurementRecorded,
        EventKind::ChangeIdeaProposed,
        EventKind::CyclePlanned,
        EventKind::CycleDone,
        EventKind::CycleStudied,
        EventKind::CycleActed,
        EventKind::ObservationRecorded,
        EventKind::ActionPlanEntryAdded,
        EventKind::LearningLogEntryAdded,
        EventKind::MonthlyReportSubmitted,
        EventKind::CoordinatorScoreGiven,
        EventKind::ManagerDecisionRecorded,
        EventKind::Correction,
        EventKind::Resolution,
        EventKind::OrganisationFounded,
        EventKind::PersonAdded,
        EventKind::TeamAdded,
        EventKind::MembershipGranted,
        EventKind::MembershipRevoked,
        EventKind::DeviceEnrolled,
        EventKind::DeviceRevoked,
        EventKind::Quarantined,
        EventKind::QuarantineReleased,
        EventKind::QuarantineWithdrawn,
        EventKind::ScoreSuggested,
        EventKind::ExpectationStated,
        EventKind::BaselineSet,
        EventKind::WorkCarriedOver,
        EventKind::DataErased,
        EventKind::RetentionScheduleSet,
        EventKind::LegalHoldPlaced,
        EventKind::LegalHoldLifted,
    ];

    /// Kinds only the server records, in its organisation stream.
    pub fn is_administrative(&self) -> bool {
        matches!(
            self,
            EventKind::OrganisationFounded
                | EventKind::PersonAdded
                | EventKind::TeamAdded
                | EventKind::MembershipGranted
                | EventKind::MembershipRevoked
                | EventKind::DeviceEnrolled
                | EventKind::DeviceRevoked
        )
    }

    /// Kinds only the server records, in the streams of the work: a device that sends
    /// one is not believed.
    pub fn is_servers_own(&self) -> bool {
        matches!(
            self,
            EventKind::Quarantined
                | EventKind::DataErased
                | EventKind::RetentionScheduleSet
                | EventKind::LegalHoldPlaced
                | EventKind::LegalHoldLifted
        )
    }

    /// Kinds that change which events the views leave out: folding one rebuilds the
    /// stream's views (see `fold::held_back`).
    pub fn changes_what_is_held(&self) -> bool {
        matches!(self, EventKind::Quarantined | EventKind::QuarantineReleased)
    }

    pub fn name(&self) -> &'static str {
        match self {
            EventKind::CollaborativeFounded => "collaborative-founded",
            EventKind::ScheduleSet => "schedule-set",
            EventKind::ProgressScaleAdopted => "progress-scale-adopted",
            EventKind::ChangePackageItemAdded => "change-package-item-added",
            EventKind::ProjectStarted => "project-started",
            EventKind::CharterSet => "charter-set",
            EventKind::MeasureDefined => "measure-defined",
            EventKind::MeasureRevised => "measure-revised",
            EventKind::MeasurementRecorded => "measurement-recorded",
            EventKind::ChangeIdeaProposed => "change-idea-proposed",
            EventKind::CyclePlanned => "cycle-planned",
            EventKind::CycleDone => "cycle-done",
            EventKind::CycleStudied => "cycle-studied",
            EventKind::CycleActed => "cycle-acted",
            EventKind::ObservationRecorded => "observation-recorded",
            EventKind::ActionPlanEntryAdded => "action-plan-entry-added",
            EventKind::LearningLogEntryAdded => "learning-log-entry-added",
            EventKind::MonthlyReportSubmitted => "monthly-report-submitted",
            EventKind::CoordinatorScoreGiven => "coordinator-score-given",
            EventKind::ManagerDecisionRecorded => "manager-decision-recorded",
            EventKind::Correction => "correction",
            EventKind::Resolution => "resolution",
            EventKind::OrganisationFounded => "organisation-founded",
            EventKind::PersonAdded => "person-added",
            EventKind::TeamAdded => "team-added",
            EventKind::MembershipGranted => "membership-granted",
            EventKind::MembershipRevoked => "membership-revoked",
            EventKind::DeviceEnrolled => "device-enrolled",
            EventKind::DeviceRevoked => "device-revoked",
            EventKind::Quarantined => "quarantined",
            EventKind::QuarantineReleased => "quarantine-released",
            EventKind::QuarantineWithdrawn => "quarantine-withdrawn",
            EventKind::ScoreSuggested => "score-suggested",
            EventKind::ExpectationStated => "expectation-stated",
            EventKind::BaselineSet => "baseline-set",
            EventKind::WorkCarriedOver => "work-carried-over",
            EventKind::DataErased => "data-erased",
            EventKind::RetentionScheduleSet => "retention-schedule-set",
            EventKind::LegalHoldPlaced => "legal-hold-placed",
            EventKind::LegalHoldLifted => "legal-hold-lifted",
        }
    }

    pub fn from_name(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.name() == name)
    }
}
