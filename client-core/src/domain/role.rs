//! Roles and what each may record. Memberships give a person a role for a team or a
//! whole collaborative; the server checks every event it receives against them.

use super::event_kind::EventKind;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Role {
    Practitioner,
    Advisor,
    Coordinator,
    SeniorManager,
    Auditor,
    Administrator,
    /// Erases personal content (with a reason and a legal basis), places and lifts
    /// legal holds, answers subject access requests. Reads no stream's records by
    /// the role (schema 5).
    DataProtectionOfficer,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::Practitioner,
        Role::Advisor,
        Role::Coordinator,
        Role::SeniorManager,
        Role::Auditor,
        Role::Administrator,
        Role::DataProtectionOfficer,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Role::Practitioner => "practitioner",
            Role::Advisor => "advisor",
            Role::Coordinator => "coordinator",
            Role::SeniorManager => "senior-manager",
            Role::Auditor => "auditor",
            Role::Administrator => "administrator",
            Role::DataProtectionOfficer => "data-protection-officer",
        }
    }

    pub fn from_name(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name)
    }

    /// Whether this role may record events of `kind` in a team's or collaborative's
    /// stream. Auditors record nothing; administrators act through the organisation.
    pub fn may_record(&self, kind: EventKind) -> bool {
        use EventKind as K;
        let team_work = matches!(
            kind,
            K::ProjectStarted
                | K::CharterSet
                | K::MeasureDefined
                | K::MeasureRevised
                | K::MeasurementRecorded
                | K::ChangeIdeaProposed
                | K::CyclePlanned
                | K::CycleDone
                | K::CycleStudied
                | K::CycleActed
                | K::ObservationRecorded
                | K::ActionPlanEntryAdded
                | K::LearningLogEntryAdded
                | K::MonthlyReportSubmitted
                | K::Correction
                | K::Resolution
                | K::QuarantineWithdrawn
                | K::ScoreSuggested
                | K::ExpectationStated
                | K::BaselineSet
                | K::WorkCarriedOver
        );
        match self {
            Role::Practitioner | Role::Advisor => team_work,
            Role::Coordinator => {
                team_work
                    || matches!(
                        kind,
                        K::CollaborativeFounded
                            | K::ScheduleSet
                            | K::ProgressScaleAdopted
                            | K::ChangePackageItemAdded
                            | K::CoordinatorScoreGiven
                            | K::QuarantineReleased
                    )
            }
            Role::SeniorManager => {
                matches!(
                    kind,
                    K::ManagerDecisionRecorded
                        | K::ObservationRecorded
                        | K::Correction
                        | K::Resolution
                        | K::QuarantineWithdrawn
                )
            }
            Role::Auditor | Role::Administrator | Role::DataProtectionOfficer => false,
        }
    }

    /// Whether the role may read streams at all (everyone but administrators, whose
    /// job is people and devices, not records, and data protection officers, who act
    /// on personal content by its reference without reading the teams' work).
    pub fn may_read(&self) -> bool {
        !matches!(self, Role::Administrator | Role::DataProtectionOfficer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_coordinators_score_and_only_managers_decide() {
        for role in Role::ALL {
            assert_eq!(
                role.may_record(EventKind::CoordinatorScoreGiven),
                role == Role::Coordinator
            );
            assert_eq!(
                role.may_record(EventKind::ManagerDecisionRecorded),
                role == Role::SeniorManager
            );
            assert_eq!(Role::from_name(role.name()), Some(role));
        }
        assert!(EventKind::ALL.iter().all(|k| !Role::Auditor.may_record(*k)));
        assert!(Role::Practitioner.may_record(EventKind::CycleDone));
        assert!(!Role::Practitioner.may_record(EventKind::ScheduleSet));
    }
}
