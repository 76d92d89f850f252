//! The Northside team's story: Amira starts the project and tests a risk conversation
//! guide until it is adopted; Ben joins and tests writing the plan on the visit; both
//! decide the Act of the wider test while offline, differently, which leaves the demo's
//! one open conflict.
//!
//! Long because most of it is the story's words (four measures' weekly series and seven
//! cycles, as the team wrote them), and the steps that date them belong beside them.

use super::phone::Phone;
use super::records::{Pdsa, Series, ratio, ratios, unit, values};
use super::{DEMO_TEAMS, Made, Result, Seeder, internal};
use praxis_core::domain::event::*;
use praxis_core::domain::ids::{EventId, StreamId};
use std::collections::HashMap;

impl Seeder<'_> {
    /// Northside: Amira starts the project; Ben joins; both decide the Act of the
    /// wider test of the guide while offline, differently. Returns the stream, its
    /// name and its two monthly reports.
    pub(super) fn northside(
        &mut self,
        amira: &mut Phone,
        ben: &mut Phone,
        made: &Made,
    ) -> Result<(StreamId, String, Vec<EventId>)> {
        let series = series();
        let started = ProjectStarted {
            collaborative: made.collaborative,
            team: DEMO_TEAMS[0].0.into(),
            organisation: DEMO_TEAMS[0].1.into(),
            title: "Positive risk-taking on home visits".into(),
        };
        let charter = self.northside_charter()?;
        self.rewind(-121, 14 * 60);
        let (stream, name, measures, ideas) =
            self.project(amira, made, started, charter, &series, ideas(made))?;

        // What happens on which day, in the order it happens.
        enum Step {
            Week(usize),
            AmiraCycle(usize),
            AmiraNote(usize),
            BenJoins,
            BenCycle(usize),
            BenLearns,
            AmiraActs,
            BenActs,
            Report(usize),
        }
        const BEN_JOINS: i64 = -100;
        let weeks = self.weeks()?;
        let mut steps: Vec<(i64, i64, Step)> = Vec::new();
        for (i, monday) in weeks.iter().enumerate() {
            // Each week's figures are recorded on the Monday after it.
            steps.push((self.offset(*monday) + 7, 9 * 60, Step::Week(i)));
        }
        for (i, c) in amiras_cycles().iter().enumerate() {
            steps.push((c.day.min(-2), 15 * 60, Step::AmiraCycle(i)));
        }
        for (i, day) in [(0, -103), (1, -20), (2, -119)] {
            steps.push((day, 16 * 60 + 30, Step::AmiraNote(i)));
        }
        steps.push((BEN_JOINS, 11 * 60, Step::BenJoins));
        for (i, c) in bens_cycles().iter().enumerate() {
            steps.push((c.day.min(-2), 15 * 60, Step::BenCycle(i)));
        }
        steps.push((-35, 17 * 60, Step::BenLearns));
        // The wider test's Act, decided on both devices without either seeing the
        // other's: Amira's reaches the office that evening, Ben's on his Friday.
        steps.push((-23, 16 * 60, Step::AmiraActs));
        steps.push((-22, 15 * 60, Step::BenActs));
        for (i, back) in [2, 1].into_iter().enumerate() {
            let submitted = self.offset(self.month(back - 1)?) + 2;
            steps.push((submitted.min(-1), 11 * 60, Step::Report(i)));
        }
        steps.sort_by_key(|(day, minutes, _)| (*day, *minutes));

        let mut keys = HashMap::new();
        let mut reports = Vec::new();
        for (day, minutes, step) in steps {
            self.at(day, minutes, &mut [&mut *amira, &mut *ben])?;
            match step {
                Step::Week(i) => {
                    self.measurement(amira, stream, measures[0], &series[0], i)?;
                    self.measurement(amira, stream, measures[1], &series[1], i)?;
                    if self.offset(weeks[i]) + 7 > BEN_JOINS {
                        self.measurement(ben, stream, measures[2], &series[2], i)?;
                        self.measurement(ben, stream, measures[3], &series[3], i)?;
                    }
                }
                Step::AmiraCycle(i) => {
                    let cycle = &amiras_cycles()[i];
                    self.cycles(
                        amira,
                        stream,
                        &ideas,
                        std::slice::from_ref(cycle),
                        &mut keys,
                    )?;
                }
                Step::AmiraNote(i) => {
                    let note = self
                        .amiras_notes(keys.get("guide-1").copied())?
                        .swap_remove(i);
                    amira.record(stream, note)?;
                }
                Step::BenJoins => {
                    // Ben joins: he gets everything so far, and records the weeks of
                    // his two measures from before he joined.
                    ben.joins(self.storage, made.collaborative, (stream, &name))?;
                    for (i, monday) in weeks.iter().enumerate() {
                        if self.offset(*monday) + 7 <= BEN_JOINS {
                            self.measurement(ben, stream, measures[2], &series[2], i)?;
                            self.measurement(ben, stream, measures[3], &series[3], i)?;
                        }
                    }
                    let review = self.bens_notes()?.swap_remove(0);
                    ben.record(stream, review)?;
                }
                Step::BenCycle(i) => {
                    let cycle = &bens_cycles()[i];
                    self.cycles(ben, stream, &ideas, std::slice::from_ref(cycle), &mut keys)?;
                }
                Step::BenLearns => {
                    let learning = self.bens_notes()?.swap_remove(1);
                    ben.record(stream, learning)?;
                }
                Step::AmiraActs | Step::BenActs => {
                    let wider = *keys
                        .get("guide-3")
                        .ok_or_else(|| internal("the conflict", "no wider test"))?;
                    if matches!(step, Step::AmiraActs) {
                        amira.record(stream, amiras_act(wider))?;
                    } else {
                        ben.record(stream, bens_act(wider))?;
                    }
                }
                Step::Report(i) => {
                    let report = self.northside_reports()?.swap_remove(i);
                    reports.push(amira.record(stream, report)?);
                }
            }
        }
        self.flush(&mut [&mut *amira, &mut *ben])?;
        Ok((stream, name, reports))
    }

    fn northside_charter(&self) -> Result<Charter> {
        Ok(Charter {
            aim: Aim {
                what: "Agree a positive risk plan with the person at their assessment".into(),
                for_whom: "people over 75 referred because of worries about safety at home".into(),
                where_: "Northside adult social care team".into(),
                how_much: "from 22% to 75% of assessments".into(),
                by_when: self.day(120)?,
            },
            senior_leader: "Grace Mensah, Head of Adult Social Care".into(),
            day_to_day_lead: "Amira Hassan".into(),
            members: vec![
                "Amira Hassan".into(),
                "Ben Carter".into(),
                "Two members of the service users' forum".into(),
            ],
        })
    }

    fn amiras_notes(&self, guide_1: Option<EventId>) -> Result<Vec<Event>> {
        Ok(vec![
            self.observation(
                ObservationKind::Observation,
                guide_1,
                Some("P-0413"),
                -103,
                "P-0413 wants to keep going down the garden steps to feed the birds. We agreed a second handrail and a phone check-in at eleven instead of the move downstairs that was first suggested.",
            )?,
            self.observation(
                ObservationKind::Observation,
                None,
                None,
                -20,
                "At the team meeting colleagues said the guide helps most when the person's family is worried and the person is not.",
            )?,
            Event::ActionPlanEntryAdded(ActionPlanEntry {
                where_are_we_now: "About a fifth of assessments end with a risk plan agreed with the person; most record risks only as hazards".into(),
                what_do_we_want_to_achieve: "Three quarters of assessments end with a positive risk plan agreed with the person".into(),
                how_will_we_get_there: "Test a short risk conversation guide on first visits, then agree plans on the visit".into(),
                who_needs_to_take_what_action: "Amira and Ben test the guide; the team manager protects time at team meetings to share results".into(),
                timescales: "Guide tested by the end of Action Period 1; in use across the team by the end of Action Period 2".into(),
            }),
        ])
    }

    fn bens_notes(&self) -> Result<Vec<Event>> {
        Ok(vec![
            self.observation(
                ObservationKind::CaseMaterial,
                None,
                Some("P-0587"),
                -118,
                "Baseline case review: of ten recent assessments, eight recorded risks only as hazards to remove; two recorded what the person wanted to keep doing. P-0587's record lists 'falls risk: stairs' and nothing of her wish to keep her bedroom upstairs.",
            )?,
            Event::LearningLogEntryAdded(LearningLogEntry {
                learning_points: "Asking for agreement on the first visit rushes people; a draft left behind and a call two days later makes the plan theirs".into(),
                action_points: "Book the follow-up call before leaving the visit".into(),
                responsibility: "Ben Carter".into(),
                implement_by: self.day(14)?,
            }),
        ])
    }

    /// The team's two monthly reports, the older first.
    fn northside_reports(&self) -> Result<Vec<Event>> {
        Ok(vec![
            self.report(2, [
                "Plans agreed with the person 12-27% a week (baseline, median about 22%); guide used on up to 4 of 9 first visits; 22-28 days to a plan; visits about an hour",
                "Guide tested on two visits and adapted to one page; plan written at the kitchen table abandoned",
                "The opening question works; people want time before agreeing",
                "Urgent visits leave no time for the guide; two practitioners on leave",
                "Test the one-page guide on every first visit for two weeks",
            ], 25)?,
            self.report(1, [
                "Plans agreed with the person up from about 22% to 64-80% a week since the guide was adopted: eight weeks above the median; days to a plan 17-22; visits about 6 minutes longer",
                "One-page guide adopted and tested across the team; draft plan with a follow-up call tested",
                "The guide spreads by itself; the third question needs another form for people with dementia",
                "Visit length is creeping up; the form has no place for the plan",
                "Ask for the guide to be built into the assessment form; test a picture version of the third question",
            ], 35)?,
        ])
    }
}

/// The team's four measures and their weekly series.
fn series() -> [Series; 4] {
    [
        Series {
            definition: MeasureDefinition {
                target: Some(75.0),
                ..ratio(
                    "Plans agreed with the person",
                    MeasureKind::Outcome,
                    "Assessments of people referred with home-safety concerns that end with a positive risk plan agreed with the person (signed or recorded as agreed in their words)",
                    [
                        "assessments with a plan agreed with the person",
                        "assessments completed",
                    ],
                )
            },
            values: ratios(&[
                (2.0, 9.0),
                (3.0, 11.0),
                (2.0, 10.0),
                (1.0, 8.0),
                (3.0, 12.0),
                (2.0, 10.0),
                (3.0, 11.0),
                (2.0, 9.0),
                (5.0, 10.0),
                (6.0, 9.0),
                (7.0, 11.0),
                (7.0, 10.0),
                (8.0, 11.0),
                (7.0, 9.0),
                (9.0, 12.0),
                (8.0, 10.0),
            ]),
            notes: &[(8, "One-page guide adopted for every first visit (cycle 2)")],
        },
        Series {
            definition: MeasureDefinition {
                target: Some(90.0),
                ..ratio(
                    "First visits using the risk conversation guide",
                    MeasureKind::Process,
                    "First assessment visits where the practitioner used the risk conversation guide, from the visit record",
                    ["first visits using the guide", "first visits"],
                )
            },
            values: ratios(&[
                (0.0, 9.0),
                (1.0, 11.0),
                (2.0, 10.0),
                (1.0, 8.0),
                (2.0, 12.0),
                (3.0, 10.0),
                (2.0, 11.0),
                (4.0, 9.0),
                (8.0, 10.0),
                (8.0, 9.0),
                (10.0, 11.0),
                (9.0, 10.0),
                (10.0, 11.0),
                (9.0, 9.0),
                (11.0, 12.0),
                (10.0, 10.0),
            ]),
            notes: &[],
        },
        Series {
            definition: MeasureDefinition {
                target: Some(10.0),
                ..unit(
                    "Days from referral to an agreed plan",
                    MeasureKind::Outcome,
                    "Median calendar days from the referral being received to the plan being agreed with the person, for plans agreed that week",
                    "days",
                    Direction::LowerIsBetter,
                )
            },
            values: values(&[
                24.0, 27.0, 22.0, 25.0, 26.0, 23.0, 28.0, 24.0, 21.0, 22.0, 19.0, 20.0, 18.0, 19.0,
                17.0, 18.0,
            ]),
            notes: &[(6, "Two practitioners on leave")],
        },
        Series {
            definition: unit(
                "Length of the first assessment visit",
                MeasureKind::Balancing,
                "Average minutes from arrival to leaving on first assessment visits, from the visit record: the guide must not make visits much longer",
                "minutes",
                Direction::LowerIsBetter,
            ),
            values: values(&[
                62.0, 58.0, 65.0, 60.0, 63.0, 59.0, 61.0, 64.0, 70.0, 72.0, 68.0, 69.0, 66.0, 67.0,
                65.0, 66.0,
            ]),
            notes: &[],
        },
    ]
}

fn ideas(made: &Made) -> Vec<ChangeIdea> {
    vec![
                ChangeIdea {
                    title: "A one-page risk conversation guide for first visits".into(),
                    description: "Open with what the person wants to keep doing, then talk through what could go wrong and what would make it safer, in their words.".into(),
                    evidence: vec![EvidenceLink::PackageItem(made.package[0])],
                },
                ChangeIdea {
                    title: "Agree the plan on the visit, not back at the office".into(),
                    description: "Write the plan with the person before leaving, so it is theirs and nothing waits for a second contact.".into(),
                    evidence: vec![
                        EvidenceLink::PackageItem(made.package[0]),
                        EvidenceLink::Source(EvidenceSource {
                            kind: EvidenceKind::PracticeKnowledge,
                            citation: "Northside team meeting: plans written later are often not the person's".into(),
                        }),
                    ],
                },
            ]
}

/// Amira's tests of the guide, each as far as it got.
fn amiras_cycles() -> [Pdsa; 5] {
    [
        Pdsa {
            key: "guide-1",
            idea: Some(0),
            follows: None,
            scale: TestScale::VerySmall,
            day: -104,
            objective: "Try the risk conversation guide on two first visits",
            prediction: [
                "Will both people agree a plan on the visit?",
                "One of the two will",
                "The guide starts from what matters to them, but it is long",
            ],
            who_what_where: [
                "Amira Hassan",
                "Use the four-page guide from the first question",
                "Two first visits in Northside",
            ],
            data: "Whether a plan was agreed, and how long the conversation took",
            done: Some([
                "Amira Hassan",
                "Both people talked readily about what they wanted to keep doing; one agreed a plan",
                "The guide was too long to follow while talking; I lost my place",
                "A neighbour who helps every day had ideas nobody had asked for",
                "1 of 2 plans agreed; conversations took 25 and 40 minutes",
            ]),
            study: Some([
                "1 of 2 plans agreed, as predicted; the second person needed more time to think",
                "As predicted for the plans; the length of the guide got in the way more than expected",
                "The opening question works; the rest of the guide needs to fit on one page",
            ]),
            act: Some((
                Decision::Adapt,
                [
                    "The opening question works, the length does not",
                    "Cut the guide to one page with three questions",
                    "Test the one-page guide on all first visits for two weeks",
                ],
            )),
        },
        Pdsa {
            key: "guide-2",
            idea: Some(0),
            follows: Some("guide-1"),
            scale: TestScale::FollowUp,
            day: -70,
            objective: "Use the one-page guide on every first visit for two weeks",
            prediction: [
                "Will plans be agreed on at least half of the visits?",
                "Yes, on at least half",
                "The short guide keeps the conversation on what the person wants",
            ],
            who_what_where: [
                "Amira Hassan and Ben Carter",
                "Use the one-page guide on every first visit",
                "All first visits in Northside",
            ],
            data: "Plans agreed, visits using the guide, visit length",
            done: Some([
                "Amira Hassan and Ben Carter",
                "Used on 16 of 19 first visits; plans agreed on 11",
                "Three visits were urgent and the guide was skipped",
                "People asked to keep a copy of the guide",
                "11 of 19 plans agreed; visits about 8 minutes longer",
            ]),
            study: Some([
                "58% of visits ended with an agreed plan, against about 22% before",
                "Better than predicted",
                "The one-page guide works in ordinary visits; urgent visits need another way",
            ]),
            act: Some((
                Decision::Adopt,
                [
                    "Plans agreed more than doubled and visits grew only a little",
                    "The guide is used on every first visit from now on",
                    "Test it across the whole team for a month",
                ],
            )),
        },
        Pdsa {
            key: "guide-3",
            idea: Some(0),
            follows: Some("guide-2"),
            scale: TestScale::Wider,
            day: -30,
            objective: "Use the one-page guide across the whole Northside team for a month",
            prediction: [
                "Will colleagues who were not in the tests use it as well?",
                "Most will, on most visits",
                "It is one page and people have heard about it at team meetings",
            ],
            who_what_where: [
                "All eight Northside practitioners",
                "Use the one-page guide on every first visit",
                "Northside team",
            ],
            data: "Visits using the guide, plans agreed, what colleagues say about it",
            done: Some([
                "Northside team",
                "Used on most first visits; colleagues adapted the wording to their own style",
                "Two colleagues found the third question awkward with people with dementia",
                "Carers used the guide's questions themselves between visits",
                "Guide used on 38 of 42 first visits; 30 plans agreed",
            ]),
            study: Some([
                "90% of first visits used the guide and 71% ended with a plan",
                "As predicted for use; plans better than predicted",
                "The guide spreads by itself; the third question needs another form for people with dementia",
            ]),
            act: None,
        },
        Pdsa {
            key: "large-print",
            idea: Some(0),
            follows: None,
            scale: TestScale::VerySmall,
            day: 5,
            objective: "Offer the guide in large print and easy read on three visits",
            prediction: [
                "Will people read along and add their own points?",
                "Two of three will",
                "Several people asked for a copy they could read",
            ],
            who_what_where: [
                "Amira Hassan",
                "Bring large-print and easy-read copies",
                "Three first visits",
            ],
            data: "Whether the person used the copy, and what they added",
            done: None,
            study: None,
            act: None,
        },
        Pdsa {
            key: "who-joins",
            idea: Some(0),
            follows: None,
            scale: TestScale::VerySmall,
            day: -10,
            objective: "Ask the person who they would like to join the risk conversation",
            prediction: [
                "Will people name someone other than family?",
                "Some will name a neighbour or friend",
                "The first test showed neighbours matter",
            ],
            who_what_where: [
                "Amira Hassan",
                "Ask before the visit who should be there",
                "Two first visits",
            ],
            data: "Who was named, and who came",
            done: Some([
                "Amira Hassan",
                "One person asked for her neighbour, one for her son",
                "The son could only join by phone",
                "The neighbour brought a list of questions",
                "2 of 2 named someone; both came or called",
            ]),
            study: None,
            act: None,
        },
    ]
}

/// Ben's tests of agreeing the plan on the visit.
fn bens_cycles() -> [Pdsa; 2] {
    [
        Pdsa {
            key: "kitchen-table",
            idea: Some(1),
            follows: None,
            scale: TestScale::VerySmall,
            day: -90,
            objective: "Write the plan with the person at the kitchen table on three visits",
            prediction: [
                "Will the plan be agreed before leaving?",
                "Yes, on all three",
                "Nothing is left to do after the visit",
            ],
            who_what_where: [
                "Ben Carter",
                "Write the plan on the visit with the person",
                "Three first visits",
            ],
            data: "Plans agreed before leaving; how the person felt about it",
            done: Some([
                "Ben Carter",
                "Two people agreed a plan but said afterwards they had felt rushed",
                "The third visit ran out of time before the plan was written",
                "People wanted to talk it over with family before agreeing",
                "2 of 3 agreed; both said they felt rushed",
            ]),
            study: Some([
                "2 of 3 plans agreed, both felt rushed",
                "Worse than predicted",
                "Agreeing on the first visit takes the decision away from the person; they want time",
            ]),
            act: Some((
                Decision::Abandon,
                [
                    "People felt rushed into agreeing; that is the opposite of the aim",
                    "Stop asking for agreement on the first visit",
                    "Try leaving a draft and agreeing it at a follow-up call",
                ],
            )),
        },
        Pdsa {
            key: "draft-plan",
            idea: Some(1),
            follows: Some("kitchen-table"),
            scale: TestScale::VerySmall,
            day: -40,
            objective: "Leave a draft plan and agree it at a phone call two days later",
            prediction: [
                "Will people agree the plan at the call?",
                "Most will, with a change or two",
                "They have had time to talk it over",
            ],
            who_what_where: [
                "Ben Carter",
                "Leave a draft, call two days later",
                "Four first visits",
            ],
            data: "Plans agreed at the call; changes people made; days to an agreed plan",
            done: Some([
                "Ben Carter",
                "Three of four agreed at the call, each with changes of their own",
                "One person could not be reached for a week",
                "A daughter rewrote the plan with her mother, in her mother's words",
                "3 of 4 agreed at the call; 2 to 9 days to an agreed plan",
            ]),
            study: Some([
                "3 of 4 agreed, all with their own changes",
                "As predicted",
                "A draft left behind makes the plan the person's; the call needs a fixed time",
            ]),
            act: None,
        },
    ]
}

/// Offline, neither having seen the other's, Ben and Amira decide the wider test.
/// Amira's Act of the wider test of the guide: adopt.
fn amiras_act(wider: EventId) -> Event {
    Event::CycleActed {
        cycle: wider,
        replaces: vec![],
        act: Act {
            decision: Decision::Adopt,
            reasons: "Used on 90% of first visits and plans agreed on 71%: ready to implement"
                .into(),
            changes: "The guide becomes part of the assessment form".into(),
            next_step: "Ask the senior manager to build it into the form".into(),
        },
    }
}

/// Ben's Act of the same test, decided without seeing Amira's: adapt.
fn bens_act(wider: EventId) -> Event {
    Event::CycleActed {
        cycle: wider,
        replaces: vec![],
        act: Act {
            decision: Decision::Adapt,
            reasons: "Two colleagues found the third question awkward with people with dementia"
                .into(),
            changes: "Add a picture-based version of the third question".into(),
            next_step: "Test the picture version with two people with dementia".into(),
        },
    }
}
