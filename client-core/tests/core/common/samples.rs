//! One fixed example of every event kind (and of every kind of correction), with
//! fixed ids, clocks and dates, so encodings can be pinned and decoders fed real
//! bytes. The matches are exhaustive on purpose: a new kind does not compile until it
//! has a sample here.

use praxis_core::domain::envelope::{Body, Envelope};
use praxis_core::domain::event::*;
use praxis_core::domain::hlc::Hlc;
use praxis_core::domain::ids::{DataKeyId, DeviceId, EventId, PersonId, StreamId};
use praxis_core::domain::role::Role;
use praxis_core::domain::sealing::Sealed;
use time::macros::date;
use uuid::Uuid;

/// A fixed, UUIDv7-shaped event id numbered `n`.
pub fn event_id(n: u128) -> EventId {
    EventId(Uuid::from_u128(
        0x0190_a5e0_0000_7000_8000_0000_0000_0000 | n,
    ))
}

pub const STREAM: StreamId = StreamId(Uuid::from_u128(0x0190_a5e0_0000_7000_8000_5e00_0000_0001));
pub const COLLABORATIVE: StreamId =
    StreamId(Uuid::from_u128(0x0190_a5e0_0000_7000_8000_c011_0000_0001));
pub const AUTHOR: PersonId = PersonId(Uuid::from_u128(0x0190_a5e0_0000_7000_8000_9e50_0000_0001));
pub const DEVICE: DeviceId = DeviceId(Uuid::from_u128(0x0190_a5e0_0000_7000_8000_de71_0000_0001));

/// The records the samples refer to (a measure, a cycle, a report...).
pub const MEASURE: u128 = 0x101;
pub const CYCLE: u128 = 0x102;
pub const REPORT: u128 = 0x103;
pub const PACKAGE_ITEM: u128 = 0x104;
pub const CHANGE_IDEA: u128 = 0x105;
pub const TEAM: u128 = 0x106;
pub const MEMBERSHIP: u128 = 0x107;
pub const PERSON: PersonId = PersonId(Uuid::from_u128(0x0190_a5e0_0000_7000_8000_9e50_0000_0002));

fn text(s: &str) -> String {
    s.to_string()
}

pub fn measure_definition() -> MeasureDefinition {
    MeasureDefinition {
        name: text("Plans agreed"),
        kind: MeasureKind::Outcome,
        operational_definition: text("Assessments with a positive risk plan agreed"),
        unit: MeasureUnit::Ratio {
            numerator: text("assessments with a plan"),
            denominator: text("assessments"),
        },
        direction: Direction::HigherIsBetter,
        target: Some(75.0),
        frequency: Frequency::Weekly,
    }
}

pub fn measurement() -> Measurement {
    Measurement {
        measure: event_id(MEASURE),
        period_start: date!(2026 - 01 - 05),
        period_end: date!(2026 - 01 - 11),
        value: MeasurementValue::Ratio {
            numerator: 3.0,
            denominator: 8.0,
        },
        note: text("Two assessments postponed"),
    }
}

pub fn package_item() -> ChangePackageItem {
    ChangePackageItem {
        title: text("Risk conversation guide"),
        description: text("Start from what matters to the person"),
        evidence: vec![EvidenceSource {
            kind: EvidenceKind::Research,
            citation: text("SCIE knowledge review 2010"),
        }],
    }
}

pub fn change_idea() -> ChangeIdea {
    ChangeIdea {
        title: text("Use the guide on first visits"),
        description: text("Practitioners use the guide on the first home visit"),
        evidence: vec![
            EvidenceLink::PackageItem(event_id(PACKAGE_ITEM)),
            EvidenceLink::Source(EvidenceSource {
                kind: EvidenceKind::PracticeKnowledge,
                citation: text("Northside team meeting, 12 January"),
            }),
        ],
    }
}

pub fn plan() -> Plan {
    Plan {
        change_idea: Some(event_id(CHANGE_IDEA)),
        follows: None,
        scale: TestScale::VerySmall,
        objective: text("Try the guide on two visits"),
        predictions: vec![Prediction {
            question: text("Will the person take part?"),
            prediction: text("Yes"),
            reason: text("The guide starts from what matters to them"),
        }],
        who: text("A. Lee"),
        what: text("Use the guide"),
        where_: text("Home visits"),
        when: date!(2026 - 02 - 02),
        data_to_collect: text("Whether a plan was agreed"),
    }
}

pub fn done() -> Do {
    Do {
        carried_out_on: date!(2026 - 02 - 03),
        carried_out_by: text("A. Lee"),
        observations: text("Both people engaged"),
        problems: text("One visit ran late"),
        surprises: text("A daughter joined in"),
        data_gathered: text("2 of 2 plans agreed"),
    }
}

pub fn study() -> Study {
    Study {
        analysis: text("2 of 2"),
        compared_with_predictions: text("As predicted"),
        learning: text("The guide helps"),
    }
}

pub fn observation() -> Observation {
    Observation {
        kind: ObservationKind::CaseMaterial,
        cycle: Some(event_id(CYCLE)),
        subject: Some(text("P-0413")),
        observed_on: date!(2026 - 02 - 03),
        text: text("Wanted to keep cooking; agreed a plan for the hob"),
    }
}

/// An observation sealed under a data key: fixed bytes, so its encoding can be pinned
/// (a real seal draws a random nonce).
pub fn sealed_observation() -> SealedObservation {
    SealedObservation {
        kind: ObservationKind::CaseMaterial,
        cycle: Some(event_id(CYCLE)),
        observed_on: date!(2026 - 02 - 03),
        content: Sealed {
            key: DataKeyId(Uuid::from_u128(0x5c)),
            nonce: [0x24; 24],
            ciphertext: (0u8..72).map(|b| b.wrapping_mul(37)).collect(),
        },
    }
}

pub fn sealed_do() -> SealedDo {
    SealedDo {
        carried_out_on: date!(2026 - 02 - 04),
        carried_out_by: text("S. Patel"),
        content: Sealed {
            key: DataKeyId(Uuid::from_u128(0x5e)),
            nonce: [0x42; 24],
            ciphertext: (0u8..96).map(|b| b.wrapping_mul(41)).collect(),
        },
    }
}

pub fn action_plan_entry() -> ActionPlanEntry {
    ActionPlanEntry {
        where_are_we_now: text("20% of assessments have a plan"),
        what_do_we_want_to_achieve: text("75% by June"),
        how_will_we_get_there: text("Test the guide"),
        who_needs_to_take_what_action: text("S. Patel: train the team"),
        timescales: text("By March"),
    }
}

pub fn learning_log_entry() -> LearningLogEntry {
    LearningLogEntry {
        learning_points: text("Families want to be asked"),
        action_points: text("Invite a relative"),
        responsibility: text("A. Lee"),
        implement_by: date!(2026 - 03 - 31),
    }
}

pub fn monthly_report() -> MonthlyReport {
    MonthlyReport {
        month: date!(2026 - 02 - 01),
        measures: text("Plans agreed up from 20% to 38%"),
        cycles: text("Two cycles"),
        learning: text("Families want to be asked"),
        barriers: text("Staff sickness"),
        plans: text("Widen the test"),
        self_score: Score(25),
    }
}

/// A sample of `kind`. Exhaustive: a new kind needs a sample before this compiles.
pub fn sample_event(kind: EventKind) -> Event {
    match kind {
        EventKind::CollaborativeFounded => Event::CollaborativeFounded(CollaborativeFounded {
            name: text("Independence at home"),
            topic: text("Promoting independence where health-and-safety worries get in the way"),
            chosen_with: text("A workshop with the service users' forum"),
        }),
        EventKind::ScheduleSet => Event::ScheduleSet {
            replaces: vec![event_id(0x201)],
            schedule: vec![
                Phase {
                    kind: PhaseKind::Prework,
                    starts: date!(2026 - 01 - 05),
                    ends: date!(2026 - 01 - 30),
                },
                Phase {
                    kind: PhaseKind::LearningSession(1),
                    starts: date!(2026 - 02 - 02),
                    ends: date!(2026 - 02 - 02),
                },
                Phase {
                    kind: PhaseKind::ActionPeriod(1),
                    starts: date!(2026 - 02 - 03),
                    ends: date!(2026 - 04 - 30),
                },
                Phase {
                    kind: PhaseKind::ClosingEvent,
                    starts: date!(2026 - 12 - 01),
                    ends: date!(2026 - 12 - 01),
                },
            ],
        },
        EventKind::ProgressScaleAdopted => Event::ProgressScaleAdopted(ProgressScale {
            version: 2,
            name: text("Northshire scale"),
            levels: vec![
                ProgressLevel {
                    score: Score(5),
                    meaning: text("Intent to participate"),
                },
                ProgressLevel {
                    score: Score(50),
                    meaning: text("Outstanding sustainable results"),
                },
            ],
        }),
        EventKind::ChangePackageItemAdded => Event::ChangePackageItemAdded(package_item()),
        EventKind::ProjectStarted => Event::ProjectStarted(ProjectStarted {
            collaborative: COLLABORATIVE,
            team: text("Northside adult team"),
            organisation: text("Northshire County Council"),
            title: text("Positive risk-taking in home visits"),
        }),
        EventKind::CharterSet => Event::CharterSet {
            replaces: vec![],
            charter: Charter {
                aim: Aim {
                    what: text("Agree a positive risk plan"),
                    for_whom: text("adults over 85 living at home"),
                    where_: text("Northside"),
                    how_much: text("from 20% to 75% of assessments"),
                    by_when: date!(2027 - 06 - 30),
                },
                senior_leader: text("J. Okafor"),
                day_to_day_lead: text("S. Patel"),
                members: vec![text("A. Lee"), text("R. Gomez")],
            },
        },
        EventKind::MeasureDefined => Event::MeasureDefined(measure_definition()),
        EventKind::MeasureRevised => Event::MeasureRevised {
            measure: event_id(MEASURE),
            replaces: vec![event_id(MEASURE)],
            definition: MeasureDefinition {
                name: text("Days to first visit"),
                kind: MeasureKind::Process,
                operational_definition: text("Days from referral to first visit"),
                unit: MeasureUnit::Unit(text("days")),
                direction: Direction::LowerIsBetter,
                target: None,
                frequency: Frequency::Monthly,
            },
        },
        EventKind::MeasurementRecorded => Event::MeasurementRecorded(measurement()),
        EventKind::ChangeIdeaProposed => Event::ChangeIdeaProposed(change_idea()),
        EventKind::CyclePlanned => Event::CyclePlanned(plan()),
        EventKind::CycleDone => Event::CycleDone {
            cycle: event_id(CYCLE),
            done: done(),
        },
        EventKind::CycleStudied => Event::CycleStudied {
            cycle: event_id(CYCLE),
            study: study(),
        },
        EventKind::CycleActed => Event::CycleActed {
            cycle: event_id(CYCLE),
            replaces: vec![event_id(0x202), event_id(0x203)],
            act: Act {
                decision: Decision::Adapt,
                reasons: text("It worked once in two"),
                changes: text("Shorter guide"),
                next_step: text("Try with 5 visits"),
            },
        },
        EventKind::ObservationRecorded => Event::ObservationRecorded(observation()),
        EventKind::ActionPlanEntryAdded => Event::ActionPlanEntryAdded(action_plan_entry()),
        EventKind::LearningLogEntryAdded => Event::LearningLogEntryAdded(learning_log_entry()),
        EventKind::MonthlyReportSubmitted => Event::MonthlyReportSubmitted(monthly_report()),
        EventKind::CoordinatorScoreGiven => Event::CoordinatorScoreGiven {
            report: event_id(REPORT),
            score: Score(20),
            justification: text("No change tested yet"),
        },
        EventKind::ManagerDecisionRecorded => Event::ManagerDecisionRecorded {
            decision: text("Adopt the guide in all adult teams"),
            rationale: text("Plans agreed rose from 20% to 70%"),
            rests_on: vec![event_id(REPORT), event_id(CYCLE)],
        },
        EventKind::Correction => Event::Correction {
            corrects: event_id(0x204),
            reason: text("Wrong week"),
            replacement: Some(Replacement::Measurement(measurement())),
        },
        EventKind::Resolution => Event::Resolution {
            subject: event_id(CYCLE),
            settles: vec![event_id(0x202), event_id(0x203)],
            keep: event_id(0x203),
            reason: text("Agreed at the team meeting"),
        },
        EventKind::OrganisationFounded => Event::OrganisationFounded {
            name: text("Northshire County Council"),
        },
        EventKind::PersonAdded => Event::PersonAdded {
            person: PERSON,
            username: text("alee"),
            name: text("A. Lee"),
        },
        EventKind::TeamAdded => Event::TeamAdded {
            collaborative: COLLABORATIVE,
            name: text("Northside adult team"),
            organisation: text("Northshire County Council"),
        },
        EventKind::MembershipGranted => Event::MembershipGranted {
            person: PERSON,
            role: Role::Practitioner,
            scope: Scope::Team(event_id(TEAM)),
        },
        EventKind::MembershipRevoked => Event::MembershipRevoked {
            membership: event_id(MEMBERSHIP),
            reason: text("Moved to another team"),
        },
        EventKind::DeviceEnrolled => Event::DeviceEnrolled {
            device: DEVICE,
            person: PERSON,
            name: text("A. Lee's phone"),
        },
        EventKind::DeviceRevoked => Event::DeviceRevoked {
            device: DEVICE,
            reason: text("Lost on a home visit"),
        },
        EventKind::Quarantined => Event::Quarantined {
            held: event_id(0x51),
            author: AUTHOR,
            reason: text("senior-manager may not record a manager-decision-recorded here"),
        },
        EventKind::QuarantineReleased => Event::QuarantineReleased {
            quarantine: event_id(0x52),
            reason: text("The role was granted again from the first of the month"),
        },
        EventKind::QuarantineWithdrawn => Event::QuarantineWithdrawn {
            quarantine: event_id(0x53),
            reason: text("Recorded on the wrong team's project"),
        },
        EventKind::ScoreSuggested => Event::ScoreSuggested {
            report: event_id(0x54),
            score: event_id(0x55),
            suggestion: ScoreSuggestion {
                level: Score(30),
                given: Score(35),
                rule: text("3.0 needs a change adopted or a measure improving"),
                evidence: vec![text("Cycles: 4 planned, 3 carried out, 1 adopted.")],
            },
        },
        EventKind::ExpectationStated => Event::ExpectationStated {
            cycle: event_id(0x56),
            expectation: Expectation {
                prediction: Some(0),
                measure: event_id(0x57),
                change: ExpectedChange::AtLeast(60.0),
                by: date!(2026 - 03 - 31),
            },
        },
        EventKind::BaselineSet => Event::BaselineSet {
            measure: event_id(0x58),
            replaces: vec![event_id(0x59)],
            points: 20,
        },
        EventKind::WorkCarriedOver => Event::WorkCarriedOver {
            from_person: PersonId(Uuid::from_u128(0x5a)),
            from_person_name: text("Dev on the laptop"),
            from_device: DeviceId(Uuid::from_u128(0x5b)),
            events: 12,
            first_recorded: Hlc {
                millis: 1_772_409_600_000,
                counter: 0,
            },
            last_recorded: Hlc {
                millis: 1_772_496_000_000,
                counter: 3,
            },
        },
        EventKind::DataErased => Event::DataErased {
            keys: vec![DataKeyId(Uuid::from_u128(0x5c))],
            streams: vec![STREAM],
            reason: text("The person asked; no care is provided to them any more"),
            legal_basis: LegalBasis::NoLongerNecessary,
        },
        EventKind::RetentionScheduleSet => Event::RetentionScheduleSet {
            replaces: vec![],
            periods: vec![
                RetentionPeriod {
                    kind: ObservationKind::Observation,
                    years: 8,
                },
                RetentionPeriod {
                    kind: ObservationKind::CaseMaterial,
                    years: 8,
                },
            ],
            reason: text("The council's records retention policy, adult social care"),
        },
        EventKind::LegalHoldPlaced => Event::LegalHoldPlaced {
            covers: HoldCovers::Project(STREAM),
            reason: text("Safeguarding adults review under way"),
        },
        EventKind::LegalHoldLifted => Event::LegalHoldLifted {
            hold: EventId(Uuid::from_u128(0x5d)),
            reason: text("The review has reported"),
        },
    }
}

/// Every kind of correction: a withdrawal (`None`) and one replacement of each kind.
pub fn sample_replacements() -> Vec<Option<Replacement>> {
    let all = vec![
        None,
        Some(Replacement::ChangePackageItem(package_item())),
        Some(Replacement::Measurement(measurement())),
        Some(Replacement::ChangeIdea(change_idea())),
        Some(Replacement::Plan(plan())),
        Some(Replacement::Do(done())),
        Some(Replacement::Study(study())),
        Some(Replacement::Observation(observation())),
        Some(Replacement::ActionPlanEntry(action_plan_entry())),
        Some(Replacement::LearningLogEntry(learning_log_entry())),
        Some(Replacement::MonthlyReport(monthly_report())),
        Some(Replacement::CoordinatorScore {
            score: Score(30),
            justification: text("Some changes succeed"),
        }),
        Some(Replacement::ManagerDecision {
            decision: text("Adopt the guide in two teams"),
            rationale: text("Tested in one team only"),
            rests_on: vec![event_id(REPORT)],
        }),
        Some(Replacement::SealedObservation(sealed_observation())),
        Some(Replacement::SealedDo(sealed_do())),
    ];
    // Exhaustive, so a new kind of replacement does not compile until it is listed.
    let position = |r: &Option<Replacement>| match r {
        None => 0,
        Some(Replacement::ChangePackageItem(_)) => 1,
        Some(Replacement::Measurement(_)) => 2,
        Some(Replacement::ChangeIdea(_)) => 3,
        Some(Replacement::Plan(_)) => 4,
        Some(Replacement::Do(_)) => 5,
        Some(Replacement::Study(_)) => 6,
        Some(Replacement::Observation(_)) => 7,
        Some(Replacement::ActionPlanEntry(_)) => 8,
        Some(Replacement::LearningLogEntry(_)) => 9,
        Some(Replacement::MonthlyReport(_)) => 10,
        Some(Replacement::CoordinatorScore { .. }) => 11,
        Some(Replacement::ManagerDecision { .. }) => 12,
        Some(Replacement::SealedObservation(_)) => 13,
        Some(Replacement::SealedDo(_)) => 14,
    };
    assert!(
        all.iter().enumerate().all(|(i, r)| position(r) == i),
        "every kind of replacement is listed once, in order"
    );
    all
}

/// The envelope of the `n`th sample, with fixed ids and clock.
pub fn envelope(n: u128, body: Body, schema: u16) -> Envelope {
    Envelope {
        id: event_id(n),
        stream: STREAM,
        author: AUTHOR,
        device: DEVICE,
        recorded_at: Hlc {
            millis: 1_790_000_000_000 + n as u64,
            counter: n as u32 % 3,
        },
        schema,
        body,
    }
}

/// The sample of `kind` in its envelope.
pub fn sample_envelope(kind: EventKind) -> Envelope {
    let n = EventKind::ALL
        .iter()
        .position(|k| *k == kind)
        .expect("every kind is in EventKind::ALL") as u128
        + 1;
    let event = sample_event(kind);
    let schema = event.schema();
    envelope(n, Body::Known(event), schema)
}

/// Every sample, in the order of `EventKind::ALL`.
pub fn all_sample_envelopes() -> Vec<Envelope> {
    EventKind::ALL.into_iter().map(sample_envelope).collect()
}

/// Bytes as lower-case hex, 32 bytes to a line, so a diff shows where they changed.
pub fn hex_lines(bytes: &[u8]) -> String {
    bytes
        .chunks(32)
        .map(|line| line.iter().map(|b| format!("{b:02x}")).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}
