//! The coordinator's collaborative (its schedule and change package), and how a team's
//! project starts on its lead's device with its charter, measures and change ideas.

use super::phone::Phone;
use super::records::Series;
use super::{DEMO_COLLABORATIVE, Made, Result, Seeder, internal};
use praxis_core::domain::event::*;
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::record::StreamKind;

impl Seeder<'_> {
    /// The coordinator's schedule and change package.
    pub(super) fn collaborative(
        &mut self,
        sam: &mut Phone,
        collaborative: StreamId,
    ) -> Result<Made> {
        sam.follow(
            self.storage,
            collaborative,
            StreamKind::Collaborative,
            DEMO_COLLABORATIVE,
            None,
        )?;
        let phases = [
            (PhaseKind::Prework, -150, -122),
            (PhaseKind::LearningSession(1), -121, -121),
            (PhaseKind::ActionPeriod(1), -120, -64),
            (PhaseKind::LearningSession(2), -63, -63),
            (PhaseKind::ActionPeriod(2), -62, 28),
            (PhaseKind::LearningSession(3), 29, 29),
            (PhaseKind::ActionPeriod(3), 30, 120),
            (PhaseKind::ClosingEvent, 150, 150),
        ];
        let schedule = phases
            .iter()
            .map(|&(kind, starts, ends)| {
                Ok(Phase {
                    kind,
                    starts: self.day(starts)?,
                    ends: self.day(ends)?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let package = sam.record_all(
            collaborative,
            vec![
                Event::ScheduleSet {
                    replaces: vec![],
                    schedule,
                },
                Event::ChangePackageItemAdded(ChangePackageItem {
                    title: "Positive risk-taking conversations".into(),
                    description: "Start from what the person wants to keep doing, talk through the risks with them (and the people they choose), and agree a plan that enables rather than restricts.".into(),
                    evidence: vec![
                        EvidenceSource {
                            kind: EvidenceKind::Research,
                            citation: "Carr S (2010) Enabling risk, ensuring safety: self-directed support and personal budgets. SCIE Report 36. London: Social Care Institute for Excellence".into(),
                        },
                        EvidenceSource {
                            kind: EvidenceKind::Research,
                            citation: "Mitchell W, Baxter K, Glendinning C (2012) Updated review of research on risk and adult social care in England. York: Joseph Rowntree Foundation".into(),
                        },
                        EvidenceSource {
                            kind: EvidenceKind::PracticeKnowledge,
                            citation: "Northshire practitioners' forum: what made risk conversations work on home visits (expert panel notes, prework)".into(),
                        },
                    ],
                }),
                Event::ChangePackageItemAdded(ChangePackageItem {
                    title: "Outcomes-focused assessment and review".into(),
                    description: "Ask what matters to the person and record the outcomes they want in their own words, then review against those outcomes rather than against services delivered.".into(),
                    evidence: vec![
                        EvidenceSource {
                            kind: EvidenceKind::Research,
                            citation: "Glendinning C, Clarke S, Hare P, Kotchetkova I, Maddison J, Newbronner L (2006) Outcomes-focused services for older people. SCIE Knowledge Review 13. Bristol: Policy Press".into(),
                        },
                        EvidenceSource {
                            kind: EvidenceKind::PracticeKnowledge,
                            citation: "Riverside carers' group: what a good review felt like (workshop notes, prework)".into(),
                        },
                    ],
                }),
            ],
        )?;
        sam.sync(self.storage, collaborative)?;
        Ok(Made {
            collaborative,
            package: package[1..].to_vec(),
        })
    }

    /// Starts a team's project on the lead's device and records its charter, measures,
    /// their weekly series and its change ideas; returns the stream, its name, the
    /// measures and the ideas.
    pub(super) fn project(
        &mut self,
        lead: &mut Phone,
        made: &Made,
        started: ProjectStarted,
        charter: Charter,
        series: &[Series],
        ideas: Vec<ChangeIdea>,
    ) -> Result<(StreamId, String, Vec<EventId>, Vec<EventId>)> {
        lead.follow(
            self.storage,
            made.collaborative,
            StreamKind::Collaborative,
            DEMO_COLLABORATIVE,
            None,
        )?;
        let name = format!("{} ({})", started.title, started.team);
        let stream = lead
            .store
            .start_project(started)
            .map_err(|e| internal(format!("{} starting a project", lead.username), e))?
            .stream;
        lead.record(
            stream,
            Event::CharterSet {
                replaces: vec![],
                charter,
            },
        )?;
        let measures = lead.record_all(
            stream,
            series
                .iter()
                .map(|s| Event::MeasureDefined(s.definition.clone()))
                .collect(),
        )?;
        let ideas = lead.record_all(
            stream,
            ideas.into_iter().map(Event::ChangeIdeaProposed).collect(),
        )?;
        Ok((stream, name, measures, ideas))
    }
}
