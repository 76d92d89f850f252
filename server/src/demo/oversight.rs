//! Oversight of the teams' work: the coordinator scores each monthly report, and the
//! senior managers record decisions resting on them.

use super::phone::Phone;
use super::{DEMO_COLLABORATIVE, Result, Seeder, TeamProject};
use praxis_core::domain::event::{Event, Score};
use praxis_core::domain::ids::StreamId;
use praxis_core::domain::record::StreamKind;

impl Seeder<'_> {
    /// The coordinator follows both projects and scores their reports.
    pub(super) fn coordinator_scores(
        &mut self,
        sam: &mut Phone,
        collaborative: StreamId,
        north: &TeamProject,
        river: &TeamProject,
    ) -> Result<()> {
        for (stream, name, _) in [north, river] {
            sam.follow(
                self.storage,
                *stream,
                StreamKind::Project,
                name,
                Some(collaborative),
            )?;
        }
        let scores = [
            (
                north.2[0],
                25,
                "Agree with the team's 2.5: the guide was tested twice and changed after the first test, and every measure has a baseline graphed against its target, but no measure has moved yet.",
            ),
            (
                north.2[1],
                30,
                "The team scored 3.5. Plans agreed with the person show a clear shift (eight weeks above the median) since the one-page guide was adopted, which is real progress; but days to an agreed plan and the guide's use across the whole team have not moved yet, so this is modest improvement (3.0) rather than improvement across the measures.",
            ),
            (
                river.2[0],
                20,
                "Agree with 2.0: a good baseline from case material, and the first small test is planned, but nothing has been tested yet this month.",
            ),
            (
                river.2[1],
                25,
                "The team scored 3.0; I score 2.5. Two changes were tested and one adopted, and reviews in the person's own words are rising, but the run chart shows no signal yet and the family-invitation test was abandoned. Worth watching review length.",
            ),
        ];
        for (report, score, justification) in scores {
            let stream = if north.2.contains(&report) {
                north.0
            } else {
                river.0
            };
            sam.record(
                stream,
                Event::CoordinatorScoreGiven {
                    report,
                    score: Score(score),
                    justification: justification.into(),
                },
            )?;
        }
        sam.sync(self.storage, north.0)?;
        sam.sync(self.storage, river.0)?;
        Ok(())
    }

    /// The senior managers decide, resting on their team's reports.
    pub(super) fn managers_decide(
        &mut self,
        grace: &mut Phone,
        henry: &mut Phone,
        collaborative: StreamId,
        north: &TeamProject,
        river: &TeamProject,
    ) -> Result<()> {
        for (manager, (stream, name, reports), decision, rationale) in [
            (
                grace,
                north,
                "Build the one-page risk conversation guide into the Northside assessment form, and fund large-print and easy-read versions",
                "The report for last month shows plans agreed with the person rising from about a quarter of assessments to three quarters since the guide was adopted, with visits only slightly longer. Making it part of the form holds the gain and lets it spread.",
            ),
            (
                henry,
                river,
                "Give Riverside support workers 15 minutes more per review for the next three months",
                "The report shows reviews in the person's own words rising after the 'what matters to you?' opening was adopted, and review length rising with them. Protecting the time keeps the change from being squeezed out while the team tests the next step.",
            ),
        ] {
            manager.follow(
                self.storage,
                collaborative,
                StreamKind::Collaborative,
                DEMO_COLLABORATIVE,
                None,
            )?;
            manager.follow(
                self.storage,
                *stream,
                StreamKind::Project,
                name,
                Some(collaborative),
            )?;
            manager.record(
                *stream,
                Event::ManagerDecisionRecorded {
                    decision: decision.into(),
                    rationale: rationale.into(),
                    rests_on: reports.clone(),
                },
            )?;
            manager.sync(self.storage, *stream)?;
        }
        Ok(())
    }
}
