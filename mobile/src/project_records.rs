//! A project's records beyond the phone's daily screens, offline: the charter and its
//! aim, change ideas with their evidence, a measure's revision and run chart baseline,
//! a coordinator's score of a monthly report and a senior manager's decision. Each
//! call is one transaction of the client core, or a refusal that changes nothing.

use crate::collaborative::{EvidenceInput, founding_detail, sources};
use crate::error::PraxisError;
use crate::input::{MeasureInput, date};
use crate::recording::{definition, id};
use crate::store::{PraxisStore, Recorded};
use praxis_core::domain::event::{self as core, Event};
use praxis_core::domain::record::Detail;
use praxis_core::store::queries;

/// The project charter: the aim (what, for whom, where, how much, by when) and who
/// leads it.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct CharterInput {
    pub what: String,
    pub for_whom: String,
    pub place: String,
    pub how_much: String,
    /// `YYYY-MM-DD`.
    pub by_when: String,
    pub senior_leader: String,
    pub day_to_day_lead: String,
    pub members: Vec<String>,
}

/// A change idea, with the change package items and the sources behind it.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ChangeIdeaInput {
    pub title: String,
    pub description: String,
    /// Items of the collaborative's change package this idea draws on.
    pub package_item_ids: Vec<String>,
    pub evidence: EvidenceInput,
}

/// A senior manager's decision, its rationale and the records it rests on.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ManagerDecisionInput {
    pub decision: String,
    pub rationale: String,
    pub rests_on_ids: Vec<String>,
}

#[uniffi::export]
impl PraxisStore {
    /// Sets the project's charter. It replaces the charter this device has seen; one
    /// set elsewhere without seeing it shows as a conflict.
    pub fn set_charter(
        &self,
        project_id: String,
        charter: CharterInput,
    ) -> Result<Recorded, PraxisError> {
        let charter = core::Charter {
            aim: core::Aim {
                what: charter.what,
                for_whom: charter.for_whom,
                where_: charter.place,
                how_much: charter.how_much,
                by_when: date(&charter.by_when, "by when")?,
            },
            senior_leader: charter.senior_leader,
            day_to_day_lead: charter.day_to_day_lead,
            members: charter.members,
        };
        self.record_in_project(&project_id, |store, project| {
            let replaces = match founding_detail(store, project)? {
                Some(Detail::Project { charter, .. }) => charter.heads,
                _ => Vec::new(),
            };
            Ok(Event::CharterSet { replaces, charter })
        })
    }

    pub fn propose_change_idea(
        &self,
        project_id: String,
        idea: ChangeIdeaInput,
    ) -> Result<Recorded, PraxisError> {
        self.record_in_project(&project_id, |store, _| {
            let mut evidence = Vec::new();
            for item in &idea.package_item_ids {
                evidence.push(core::EvidenceLink::PackageItem(id(store, item)?));
            }
            evidence.extend(
                sources(idea.evidence)
                    .into_iter()
                    .map(core::EvidenceLink::Source),
            );
            Ok(Event::ChangeIdeaProposed(core::ChangeIdea {
                title: idea.title,
                description: idea.description,
                evidence,
            }))
        })
    }

    /// A new definition of a measure. It replaces the definition this device has seen;
    /// one made elsewhere without seeing it shows as a conflict.
    pub fn revise_measure(
        &self,
        project_id: String,
        measure_id: String,
        measure: MeasureInput,
    ) -> Result<Recorded, PraxisError> {
        let definition = definition(measure)?;
        self.record_in_project(&project_id, |store, _| {
            let measure = id(store, &measure_id)?;
            let replaces = match queries::record(store.connection(), measure)?.map(|r| r.detail) {
                Some(Detail::Measure { definition }) => definition.heads,
                _ => Vec::new(),
            };
            Ok(Event::MeasureRevised {
                measure,
                replaces,
                definition,
            })
        })
    }

    /// How many first points the measure's run chart median rests on (6 to 104; 12
    /// unless set). It replaces the settings this device has seen; one made elsewhere
    /// without seeing it stands beside it until a new setting names both.
    pub fn set_baseline(
        &self,
        project_id: String,
        measure_id: String,
        points: u16,
    ) -> Result<Recorded, PraxisError> {
        self.record_in_project(&project_id, |store, _| {
            let measure = id(store, &measure_id)?;
            let replaces = queries::measure_series(store.connection(), measure)?
                .map(|s| s.baseline_settings.into_iter().map(|(id, _)| id).collect())
                .unwrap_or_default();
            Ok(Event::BaselineSet {
                measure,
                replaces,
                points,
            })
        })
    }

    /// The coordinator's score (`2.5`) of a team's monthly report, and why.
    pub fn give_coordinator_score(
        &self,
        project_id: String,
        report_id: String,
        score: String,
        justification: String,
    ) -> Result<Recorded, PraxisError> {
        let score = crate::input::score(&score)?;
        self.record_in_project(&project_id, |store, _| {
            Ok(Event::CoordinatorScoreGiven {
                report: id(store, &report_id)?,
                score,
                justification,
            })
        })
    }

    pub fn record_manager_decision(
        &self,
        project_id: String,
        decision: ManagerDecisionInput,
    ) -> Result<Recorded, PraxisError> {
        self.record_in_project(&project_id, |store, _| {
            Ok(Event::ManagerDecisionRecorded {
                decision: decision.decision,
                rationale: decision.rationale,
                rests_on: decision
                    .rests_on_ids
                    .iter()
                    .map(|r| id(store, r))
                    .collect::<Result<Vec<_>, _>>()?,
            })
        })
    }
}
