//! The collaborative's own records, offline: its schedule of learning sessions and
//! action periods, the progress scale teams score against, and its change package.
//! Each call is one transaction of the client core, or a refusal that changes nothing.

use crate::error::PraxisError;
use crate::input::{date, score};
use crate::recording::stream;
use crate::store::{PraxisStore, Recorded};
use praxis_core::domain::event::{self as core, Event};
use praxis_core::domain::record::{Detail, StreamKind};
use praxis_core::store::{Store, queries};

/// A phase of the collaborative's timetable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum PhaseKind {
    Prework,
    /// Learning session 1 to 9.
    LearningSession {
        number: u8,
    },
    /// Action period 1 to 9.
    ActionPeriod {
        number: u8,
    },
    ClosingEvent,
}

/// One phase and its dates (`YYYY-MM-DD`).
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct PhaseInput {
    pub kind: PhaseKind,
    pub starts: String,
    pub ends: String,
}

/// A level of the progress scale: a score (`2.5`) and what it means.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ProgressLevelInput {
    pub score: String,
    pub meaning: String,
}

/// A (new version of the) progress scale.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ProgressScaleInput {
    pub version: u32,
    pub name: String,
    pub levels: Vec<ProgressLevelInput>,
}

/// The evidence behind a change: research citations and practice-based knowledge.
#[derive(Clone, Debug, Default, PartialEq, uniffi::Record)]
pub struct EvidenceInput {
    pub research: Vec<String>,
    pub practice: Vec<String>,
}

/// An item of the change package.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct ChangePackageItemInput {
    pub title: String,
    pub description: String,
    pub evidence: EvidenceInput,
}

#[uniffi::export]
impl PraxisStore {
    /// Sets the collaborative's schedule (the only collaborative on this device when
    /// `collaborative_id` is `None`). It replaces the schedule this device has seen;
    /// one set elsewhere without seeing it shows as a conflict.
    pub fn set_schedule(
        &self,
        collaborative_id: Option<String>,
        phases: Vec<PhaseInput>,
    ) -> Result<Recorded, PraxisError> {
        let schedule = phases
            .into_iter()
            .map(phase)
            .collect::<Result<Vec<_>, _>>()?;
        self.record_in_collaborative(collaborative_id.as_deref(), |store, c| {
            let replaces = match founding_detail(store, c)? {
                Some(Detail::Collaborative { schedule, .. }) => schedule.heads,
                _ => Vec::new(),
            };
            Ok(Event::ScheduleSet { replaces, schedule })
        })
    }

    /// Adopts a (new version of the) progress scale.
    pub fn adopt_progress_scale(
        &self,
        collaborative_id: Option<String>,
        scale: ProgressScaleInput,
    ) -> Result<Recorded, PraxisError> {
        let levels = scale
            .levels
            .into_iter()
            .map(|l| {
                Ok(core::ProgressLevel {
                    score: score(&l.score)?,
                    meaning: l.meaning.trim().to_string(),
                })
            })
            .collect::<Result<Vec<_>, PraxisError>>()?;
        let scale = core::ProgressScale {
            version: scale.version,
            name: scale.name,
            levels,
        };
        self.record_in_collaborative(collaborative_id.as_deref(), |_, _| {
            Ok(Event::ProgressScaleAdopted(scale))
        })
    }

    /// Adds an item to the change package, with the evidence behind it.
    pub fn add_change_package_item(
        &self,
        collaborative_id: Option<String>,
        item: ChangePackageItemInput,
    ) -> Result<Recorded, PraxisError> {
        let item = core::ChangePackageItem {
            title: item.title,
            description: item.description,
            evidence: sources(item.evidence),
        };
        self.record_in_collaborative(collaborative_id.as_deref(), |_, _| {
            Ok(Event::ChangePackageItemAdded(item))
        })
    }
}

impl PraxisStore {
    /// Records the event `make` builds in the collaborative `collaborative_id` names.
    fn record_in_collaborative(
        &self,
        collaborative_id: Option<&str>,
        make: impl FnOnce(&Store, praxis_core::domain::ids::StreamId) -> Result<Event, PraxisError>,
    ) -> Result<Recorded, PraxisError> {
        let mut store = self.lock();
        let c = stream(&store, collaborative_id, StreamKind::Collaborative)?;
        let event = make(&store, c)?;
        Ok(store.record(c, event)?.into())
    }
}

fn phase(p: PhaseInput) -> Result<core::Phase, PraxisError> {
    let number = |n: u8| {
        if (1..=9).contains(&n) {
            Ok(n)
        } else {
            Err(PraxisError::invalid(format!(
                "Learning sessions and action periods are numbered 1 to 9, not {n}."
            )))
        }
    };
    Ok(core::Phase {
        kind: match p.kind {
            PhaseKind::Prework => core::PhaseKind::Prework,
            PhaseKind::LearningSession { number: n } => {
                core::PhaseKind::LearningSession(number(n)?)
            }
            PhaseKind::ActionPeriod { number: n } => core::PhaseKind::ActionPeriod(number(n)?),
            PhaseKind::ClosingEvent => core::PhaseKind::ClosingEvent,
        },
        starts: date(&p.starts, "the phase's start")?,
        ends: date(&p.ends, "the phase's end")?,
    })
}

/// The research and practice-based sources, research first.
pub(crate) fn sources(evidence: EvidenceInput) -> Vec<core::EvidenceSource> {
    evidence
        .research
        .into_iter()
        .map(|citation| core::EvidenceSource {
            kind: core::EvidenceKind::Research,
            citation,
        })
        .chain(
            evidence
                .practice
                .into_iter()
                .map(|citation| core::EvidenceSource {
                    kind: core::EvidenceKind::PracticeKnowledge,
                    citation,
                }),
        )
        .collect()
}

/// What the stream's founding record holds now (its single-valued parts' heads).
pub(crate) fn founding_detail(
    store: &Store,
    stream: praxis_core::domain::ids::StreamId,
) -> Result<Option<Detail>, PraxisError> {
    let summary = queries::summary(store.connection(), stream)?;
    Ok(summary
        .founding
        .map(|f| queries::record(store.connection(), f))
        .transpose()?
        .flatten()
        .map(|r| r.detail))
}
