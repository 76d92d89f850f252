//! The Riverside team's story: Dev starts the project and tests opening reviews with
//! "what matters to you?" until it is adopted; Chloe, the team's advisor, joins, tests
//! more, and the team reports on two months.

use super::phone::Phone;
use super::records::{Pdsa, Series, ratio, ratios, unit, values};
use super::{DEMO_TEAMS, Made, Result, Seeder};
use praxis_core::domain::event::*;
use praxis_core::domain::ids::{EventId, StreamId};
use std::collections::HashMap;

impl Seeder<'_> {
    /// Riverside: Dev starts the project; Chloe, the team's advisor, joins. Returns the
    /// stream, its name and its two monthly reports.
    pub(super) fn riverside(
        &mut self,
        dev: &mut Phone,
        chloe: &mut Phone,
        made: &Made,
    ) -> Result<(StreamId, String, Vec<EventId>)> {
        let series = series();
        let started = ProjectStarted {
            collaborative: made.collaborative,
            team: DEMO_TEAMS[1].0.into(),
            organisation: DEMO_TEAMS[1].1.into(),
            title: "Outcomes-focused reviews for people over 85".into(),
        };
        let charter = self.riverside_charter()?;
        self.rewind(-121, 15 * 60);
        let (stream, name, measures, ideas) =
            self.project(dev, made, started, charter, &series, ideas(made))?;

        // What happens on which day, in the order it happens.
        enum Step {
            Week(usize),
            DevCycle(usize),
            DevNote(usize),
            ChloeJoins,
            ChloeCycle(usize),
            ChloeRecords(usize),
        }
        const CHLOE_JOINS: i64 = -85;
        let weeks = self.weeks()?;
        let mut steps: Vec<(i64, i64, Step)> = Vec::new();
        for (i, monday) in weeks.iter().enumerate() {
            steps.push((self.offset(*monday) + 7, 8 * 60 + 30, Step::Week(i)));
        }
        for (i, c) in devs_cycles().iter().enumerate() {
            steps.push((c.day.min(-2), 14 * 60, Step::DevCycle(i)));
        }
        steps.push((-94, 16 * 60, Step::DevNote(0)));
        steps.push((-50, 16 * 60, Step::DevNote(1)));
        steps.push((CHLOE_JOINS, 10 * 60, Step::ChloeJoins));
        for (i, c) in chloes_cycles().iter().enumerate() {
            steps.push((c.day.min(-2), 13 * 60, Step::ChloeCycle(i)));
        }
        // Her action plan entry soon after she joins, then the monthly reports.
        steps.push((CHLOE_JOINS + 3, 12 * 60, Step::ChloeRecords(1)));
        for (i, back) in [2, 1].into_iter().enumerate() {
            let submitted = self.offset(self.month(back - 1)?) + 3;
            steps.push((submitted.min(-1), 12 * 60, Step::ChloeRecords(2 + i)));
        }
        steps.sort_by_key(|(day, minutes, _)| (*day, *minutes));

        let mut keys = HashMap::new();
        let mut reports = Vec::new();
        for (day, minutes, step) in steps {
            self.at(day, minutes, &mut [&mut *dev, &mut *chloe])?;
            match step {
                Step::Week(i) => {
                    for (m, s) in measures.iter().zip(&series) {
                        self.measurement(dev, stream, *m, s, i)?;
                    }
                }
                Step::DevCycle(i) => {
                    let cycle = &devs_cycles()[i];
                    self.cycles(dev, stream, &ideas, std::slice::from_ref(cycle), &mut keys)?;
                }
                Step::DevNote(i) => {
                    let note = self
                        .devs_notes(keys.get("opening-1").copied())?
                        .swap_remove(i);
                    dev.record(stream, note)?;
                }
                Step::ChloeJoins => {
                    // Chloe, the team's advisor, joins, with a case review from before.
                    chloe.joins(self.storage, made.collaborative, (stream, &name))?;
                    let review = self.chloes_notes_and_reports()?.swap_remove(0);
                    chloe.record(stream, review)?;
                }
                Step::ChloeCycle(i) => {
                    let cycle = &chloes_cycles()[i];
                    self.cycles(
                        chloe,
                        stream,
                        &ideas,
                        std::slice::from_ref(cycle),
                        &mut keys,
                    )?;
                }
                Step::ChloeRecords(i) => {
                    let record = self.chloes_notes_and_reports()?.swap_remove(i);
                    let id = chloe.record(stream, record)?;
                    if i >= 2 {
                        reports.push(id);
                    }
                }
            }
        }
        self.flush(&mut [&mut *dev, &mut *chloe])?;
        Ok((stream, name, reports))
    }

    fn riverside_charter(&self) -> Result<Charter> {
        Ok(Charter {
            aim: Aim {
                what: "Record the outcomes the person wants, in their own words, at every review"
                    .into(),
                for_whom: "people over 85 receiving home support".into(),
                where_: "Riverside home support team".into(),
                how_much: "from 30% to 80% of reviews".into(),
                by_when: self.day(120)?,
            },
            senior_leader: "Henry Walsh, Director of Operations".into(),
            day_to_day_lead: "Dev Patel".into(),
            members: vec!["Dev Patel".into(), "Chloe Evans".into()],
        })
    }

    fn devs_notes(&self, opening_1: Option<EventId>) -> Result<Vec<Event>> {
        Ok(vec![
            self.observation(
                ObservationKind::Observation,
                opening_1,
                Some("P-1128"),
                -94,
                "P-1128 said what matters is walking to the corner shop on her own again. Nobody had written that down in three years of reviews.",
            )?,
            Event::LearningLogEntryAdded(LearningLogEntry {
                learning_points: "An open question alone does not work for people with memory difficulties; a picture card does".into(),
                action_points: "Keep a set of prompt cards in every support worker's bag".into(),
                responsibility: "Dev Patel".into(),
                implement_by: self.day(21)?,
            }),
        ])
    }

    /// Chloe's observation and action plan entry, then the team's two monthly reports.
    fn chloes_notes_and_reports(&self) -> Result<Vec<Event>> {
        Ok(vec![
            self.observation(
                ObservationKind::CaseMaterial,
                None,
                Some("P-0932"),
                -115,
                "Baseline case review: in eight of the last ten reviews, outcomes were written as services ('continue 2 calls a day'). P-0932's review records her carer's view but not her own.",
            )?,
            Event::ActionPlanEntryAdded(ActionPlanEntry {
                where_are_we_now: "About 30% of reviews record any outcome in the person's own words".into(),
                what_do_we_want_to_achieve: "80% of reviews record the outcomes the person wants, in their words".into(),
                how_will_we_get_there: "Open every review with 'What matters to you?'; let the person choose who joins; change the form".into(),
                who_needs_to_take_what_action: "Dev and Chloe run the tests; Henry Walsh agrees the new review form with quality assurance".into(),
                timescales: "Opening question in use by the end of Action Period 2; new form by Learning Session 3".into(),
            }),
            self.report(2, [
                "Outcomes in the person's words 50-75% a week, up from about 30%; the person chose who joins in up to 4 of 9 reviews; reviews 52-58 minutes",
                "Opening question adopted; family invitations abandoned",
                "The question works; inviting family by default does not",
                "People with memory difficulties find the open question hard",
                "Test the question in all reviews and adapt it for people with memory difficulties",
            ], 20)?,
            self.report(1, [
                "Outcomes in the person's words 75-89% a week; the person chose who joins in 5-7 of 9 reviews; reviews about 53 minutes",
                "Prompt card tested across the team; the person choosing who joins tested on three reviews",
                "The prompt card makes the question work for people with memory difficulties",
                "Cards get lost; the review form has nowhere to write outcomes",
                "Test a new review form; keep prompt cards in every bag",
            ], 30)?,
        ])
    }
}

/// The team's measures and their weekly series.
fn series() -> [Series; 3] {
    [
        Series {
            definition: MeasureDefinition {
                target: Some(80.0),
                ..ratio(
                    "Reviews recording the person's own outcomes",
                    MeasureKind::Outcome,
                    "Reviews of people over 85 where the review form records at least one outcome in the person's own words",
                    [
                        "reviews with outcomes in the person's words",
                        "reviews completed",
                    ],
                )
            },
            values: ratios(&[
                (2.0, 7.0),
                (3.0, 8.0),
                (2.0, 6.0),
                (3.0, 8.0),
                (4.0, 9.0),
                (5.0, 8.0),
                (5.0, 7.0),
                (6.0, 9.0),
                (6.0, 8.0),
                (7.0, 9.0),
                (6.0, 8.0),
                (7.0, 8.0),
                (6.0, 7.0),
                (8.0, 9.0),
                (7.0, 8.0),
                (7.0, 9.0),
            ]),
            notes: &[(4, "'What matters to you?' opening adopted")],
        },
        Series {
            definition: MeasureDefinition {
                target: Some(70.0),
                ..ratio(
                    "Reviews where the person chose who joins",
                    MeasureKind::Process,
                    "Reviews where the person was asked beforehand who they would like to be there, from the review form",
                    [
                        "reviews where the person chose who joins",
                        "reviews completed",
                    ],
                )
            },
            values: ratios(&[
                (0.0, 7.0),
                (0.0, 8.0),
                (1.0, 6.0),
                (1.0, 8.0),
                (2.0, 9.0),
                (2.0, 8.0),
                (3.0, 7.0),
                (4.0, 9.0),
                (4.0, 8.0),
                (5.0, 9.0),
                (5.0, 8.0),
                (6.0, 8.0),
                (5.0, 7.0),
                (6.0, 9.0),
                (6.0, 8.0),
                (7.0, 9.0),
            ]),
            notes: &[],
        },
        Series {
            definition: unit(
                "Review length",
                MeasureKind::Balancing,
                "Average minutes per review, from the visit log: reviews must not grow so long that other visits suffer",
                "minutes",
                Direction::LowerIsBetter,
            ),
            values: values(&[
                45.0, 50.0, 48.0, 52.0, 55.0, 58.0, 54.0, 56.0, 53.0, 55.0, 52.0, 54.0, 51.0, 53.0,
                52.0, 50.0,
            ]),
            notes: &[],
        },
    ]
}

fn ideas(made: &Made) -> Vec<ChangeIdea> {
    vec![
        ChangeIdea {
            title: "Open every review with 'What matters to you?'".into(),
            description:
                "Ask first what matters to the person now, before going through the care plan."
                    .into(),
            evidence: vec![EvidenceLink::PackageItem(made.package[1])],
        },
        ChangeIdea {
            title: "Let the person choose who joins the review".into(),
            description:
                "Ask beforehand who they would like there: family, a friend, a neighbour, nobody."
                    .into(),
            evidence: vec![
                EvidenceLink::PackageItem(made.package[1]),
                EvidenceLink::Source(EvidenceSource {
                    kind: EvidenceKind::PracticeKnowledge,
                    citation:
                        "Riverside carers' group workshop: reviews felt like being talked about"
                            .into(),
                }),
            ],
        },
    ]
}

/// Dev's tests of the opening question, each as far as it got.
fn devs_cycles() -> [Pdsa; 3] {
    [
        Pdsa {
            key: "opening-1",
            idea: Some(0),
            follows: None,
            scale: TestScale::VerySmall,
            day: -95,
            objective: "Open three reviews with 'What matters to you?'",
            prediction: [
                "Will people name outcomes of their own?",
                "Two of three will",
                "The question invites them to, where the care plan does not",
            ],
            who_what_where: [
                "Dev Patel",
                "Ask the question before the care plan",
                "Three reviews",
            ],
            data: "Outcomes recorded in the person's words",
            done: Some([
                "Dev Patel",
                "All three named something: a walk to the shop, a grandson's visit, cooking again",
                "One review ran 20 minutes over",
                "One person had never been asked before and was moved",
                "3 of 3 recorded outcomes in their own words",
            ]),
            study: Some([
                "3 of 3 reviews recorded the person's own outcomes",
                "Better than predicted",
                "The question works; the form has nowhere good to write the answer",
            ]),
            act: Some((
                Decision::Adopt,
                [
                    "It worked for everyone it was tried with",
                    "Every review starts with the question",
                    "Use it in all reviews for two weeks",
                ],
            )),
        },
        Pdsa {
            key: "opening-2",
            idea: Some(0),
            follows: Some("opening-1"),
            scale: TestScale::FollowUp,
            day: -60,
            objective: "Use the opening question in every review for two weeks",
            prediction: [
                "Will outcomes be recorded in most reviews?",
                "In at least three quarters",
                "It worked three times out of three",
            ],
            who_what_where: [
                "Dev Patel and Chloe Evans",
                "Open every review with the question",
                "All Riverside reviews",
            ],
            data: "Reviews with outcomes in the person's words; review length",
            done: Some([
                "Dev Patel and Chloe Evans",
                "Used in 15 of 17 reviews",
                "People with memory difficulties found the open question hard",
                "Families often answered for the person",
                "11 of 17 recorded outcomes in the person's words",
            ]),
            study: Some([
                "65% recorded outcomes, up from about 30%",
                "Below the three quarters predicted",
                "An open question alone does not work for people with memory difficulties",
            ]),
            act: Some((
                Decision::Adapt,
                [
                    "It works for most people but not for people with memory difficulties",
                    "Add a prompt card with pictures of everyday things",
                    "Test the prompt card in a wider group of reviews",
                ],
            )),
        },
        Pdsa {
            key: "opening-3",
            idea: Some(0),
            follows: Some("opening-2"),
            scale: TestScale::Wider,
            day: -25,
            objective: "Use the question with the prompt card in all reviews for a month",
            prediction: [
                "Will people with memory difficulties name outcomes too?",
                "Most will",
                "The pictures give them something to point to",
            ],
            who_what_where: [
                "Riverside support workers",
                "Question and prompt card at every review",
                "All Riverside reviews",
            ],
            data: "Outcomes recorded, split by whether the person has memory difficulties",
            done: Some([
                "Riverside support workers",
                "Used in 31 of 33 reviews; people pointed at the garden and the kettle most",
                "The cards got lost between visits",
                "People kept the cards and used them with their carers",
                "25 of 33 recorded outcomes; 7 of 10 with memory difficulties",
            ]),
            study: Some([
                "76% recorded outcomes; 70% of people with memory difficulties",
                "As predicted",
                "The card makes the question work for people with memory difficulties",
            ]),
            act: None,
        },
    ]
}

/// Chloe's tests.
fn chloes_cycles() -> [Pdsa; 3] {
    [
        Pdsa {
            key: "family-invite",
            idea: Some(1),
            follows: None,
            scale: TestScale::VerySmall,
            day: -80,
            objective: "Invite a family member to two reviews by phone",
            prediction: [
                "Will families help the person say what matters?",
                "Yes",
                "Families know the person well",
            ],
            who_what_where: [
                "Chloe Evans",
                "Phone a family member and invite them",
                "Two reviews",
            ],
            data: "Who spoke; outcomes recorded in the person's words",
            done: Some([
                "Chloe Evans",
                "In both reviews the family member did most of the talking",
                "One person said afterwards she had not wanted her son there",
                "The son had worries the person did not share",
                "0 of 2 outcomes in the person's own words",
            ]),
            study: Some([
                "No outcomes in the person's words",
                "The opposite of the prediction",
                "Inviting family by default takes the review away from the person",
            ]),
            act: Some((
                Decision::Abandon,
                [
                    "It made the review less the person's own",
                    "Do not invite family by default",
                    "Ask the person who they would like to join instead",
                ],
            )),
        },
        Pdsa {
            key: "person-chooses",
            idea: Some(1),
            follows: Some("family-invite"),
            scale: TestScale::VerySmall,
            day: -12,
            objective: "Ask the person beforehand who they would like at their review",
            prediction: [
                "Will people choose someone, and will they still speak for themselves?",
                "Most will choose someone and still lead",
                "They chose them",
            ],
            who_what_where: [
                "Chloe Evans",
                "Ask at the visit before the review",
                "Three reviews",
            ],
            data: "Who was chosen; who spoke; outcomes in the person's words",
            done: Some([
                "Chloe Evans",
                "Two chose a friend, one chose nobody; all three led their review",
                "Arranging a time that suited the friend took two calls",
                "The person who chose nobody said it was the best review she had had",
                "3 of 3 outcomes in the person's own words",
            ]),
            study: None,
            act: None,
        },
        Pdsa {
            key: "own-words-form",
            idea: Some(0),
            follows: None,
            scale: TestScale::VerySmall,
            day: 7,
            objective: "Try a review form with a box for outcomes in the person's words at the top",
            prediction: [
                "Will support workers fill the box in?",
                "Yes, on most reviews",
                "It is the first thing on the form",
            ],
            who_what_where: ["Chloe Evans", "Use the new form", "Four reviews"],
            data: "Boxes filled in; how long the form takes",
            done: None,
            study: None,
            act: None,
        },
    ]
}
