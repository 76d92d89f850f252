//! Valid records of every kind the end-to-end scenarios record, and small helpers
//! around a phone's store, shared by the authorization, schedule and crash tests.

use praxis_core::domain::event::*;
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::record::Detail;
use praxis_core::store::{Store, queries};
use time::macros::date;

pub fn observation(text: &str) -> Event {
    cycle_observation(text, None)
}

/// An observation, made during `cycle` when one is given.
pub fn cycle_observation(text: &str, cycle: Option<EventId>) -> Event {
    Event::ObservationRecorded(Observation {
        kind: ObservationKind::Observation,
        cycle,
        subject: Some("P-0413".into()),
        observed_on: date!(2026 - 11 - 20),
        text: text.into(),
    })
}

pub fn plan(objective: &str) -> Event {
    Event::CyclePlanned(cycle_plan(objective))
}

/// A new cycle's plan: a very small test with one prediction.
pub fn cycle_plan(objective: &str) -> Plan {
    Plan {
        change_idea: None,
        follows: None,
        scale: TestScale::VerySmall,
        objective: objective.into(),
        predictions: vec![Prediction {
            question: "Will people take part?".into(),
            prediction: "Both will".into(),
            reason: "It starts from what matters to them".into(),
        }],
        who: "A. Lee".into(),
        what: "Use the guide".into(),
        where_: "Home visits".into(),
        when: date!(2026 - 11 - 02),
        data_to_collect: "Whether a plan was agreed".into(),
    }
}

pub fn done(cycle: EventId) -> Event {
    Event::CycleDone {
        cycle,
        done: Do {
            carried_out_on: date!(2026 - 11 - 03),
            carried_out_by: "A. Lee".into(),
            observations: "Both engaged".into(),
            problems: String::new(),
            surprises: String::new(),
            data_gathered: "2 of 2".into(),
        },
    }
}

pub fn studied(cycle: EventId) -> Event {
    Event::CycleStudied {
        cycle,
        study: Study {
            analysis: "2 of 2".into(),
            compared_with_predictions: "As predicted".into(),
            learning: "It helps".into(),
        },
    }
}

pub fn acted(cycle: EventId, replaces: Vec<EventId>, decision: Decision) -> Event {
    Event::CycleActed {
        cycle,
        replaces,
        act: Act {
            decision,
            reasons: "What we saw".into(),
            changes: String::new(),
            next_step: String::new(),
        },
    }
}

pub fn measure(name: &str) -> Event {
    Event::MeasureDefined(MeasureDefinition {
        name: name.into(),
        kind: MeasureKind::Process,
        operational_definition: "Visits with a risk plan agreed, out of all visits".into(),
        unit: MeasureUnit::Ratio {
            numerator: "visits with a plan".into(),
            denominator: "visits".into(),
        },
        direction: Direction::HigherIsBetter,
        target: Some(80.0),
        frequency: Frequency::Weekly,
    })
}

pub fn measurement(measure: EventId, numerator: u8) -> Event {
    Event::MeasurementRecorded(Measurement {
        measure,
        period_start: date!(2026 - 11 - 02),
        period_end: date!(2026 - 11 - 08),
        value: MeasurementValue::Ratio {
            numerator: f64::from(numerator % 11),
            denominator: 10.0,
        },
        note: String::new(),
    })
}

pub fn report() -> Event {
    Event::MonthlyReportSubmitted(MonthlyReport {
        month: date!(2026 - 11 - 01),
        measures: "Plans agreed on 6 of 10 visits".into(),
        cycles: "Two cycles of the risk conversation guide".into(),
        learning: "Families want to be asked first".into(),
        barriers: String::new(),
        plans: "Widen the test".into(),
        self_score: Score(20),
    })
}

pub fn score(report: EventId) -> Event {
    Event::CoordinatorScoreGiven {
        report,
        score: Score(25),
        justification: "Changes tested; the measure is graphed with its target".into(),
    }
}

pub fn decision(rests_on: EventId) -> Event {
    Event::ManagerDecisionRecorded {
        decision: "Fund a second worker for the test".into(),
        rationale: "The report shows the change works on a small scale".into(),
        rests_on: vec![rests_on],
    }
}

pub fn package_item(title: &str) -> Event {
    Event::ChangePackageItemAdded(ChangePackageItem {
        title: title.into(),
        description: "Start the conversation from what matters to the person".into(),
        evidence: vec![EvidenceSource {
            kind: EvidenceKind::Research,
            citation: "SCIE knowledge review".into(),
        }],
    })
}

/// The versions of a cycle's Act nobody has replaced yet, as the device sees them.
pub fn act_heads(store: &Store, cycle: EventId) -> Vec<EventId> {
    match queries::record(store.connection(), cycle)
        .expect("read")
        .expect("the cycle is here")
        .detail
    {
        Detail::Cycle { act, .. } => act.heads,
        other => panic!("{cycle} is not a cycle: {other:?}"),
    }
}

/// The ids of the stream's events on the device, sorted.
pub fn event_ids(store: &Store, stream: StreamId) -> Vec<EventId> {
    let mut ids: Vec<EventId> = queries::events(store.connection(), stream)
        .expect("events")
        .into_iter()
        .map(|e| e.id)
        .collect();
    ids.sort();
    ids
}

/// The ids of the events the server's read API lists for the stream, sorted (with any
/// duplicates kept, so a duplicate shows).
pub fn server_event_ids(events: &serde_json::Value) -> Vec<EventId> {
    let mut ids: Vec<EventId> = events["events"]
        .as_array()
        .expect("an events array")
        .iter()
        .map(|e| e["id"].as_str().expect("an id").parse().expect("a UUID"))
        .collect();
    ids.sort();
    ids
}
