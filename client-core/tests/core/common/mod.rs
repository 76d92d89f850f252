//! Builders shared by the integration tests: a collaborative, a project and the
//! records a team makes, recorded through the public store API.
#![allow(dead_code)]

pub mod samples;

use praxis_core::domain::event::*;
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::record::StreamKind;
use praxis_core::store::Store;
use time::macros::date;

pub use praxis_testkit::{charter, founded, guide_plan as plan, project_started as project};

/// The testkit's ratio measure under another name.
pub fn measure(name: &str) -> MeasureDefinition {
    MeasureDefinition {
        name: name.into(),
        ..praxis_testkit::ratio_measure()
    }
}

pub fn measurement(measure: EventId, week: u8, numerator: f64) -> Measurement {
    let start = date!(2026 - 01 - 05) + time::Duration::weeks(week as i64);
    Measurement {
        measure,
        period_start: start,
        period_end: start + time::Duration::days(6),
        value: MeasurementValue::Ratio {
            numerator,
            denominator: 10.0,
        },
        note: String::new(),
    }
}

pub fn done() -> Do {
    Do {
        carried_out_on: date!(2026 - 02 - 03),
        carried_out_by: "A. Lee".into(),
        observations: "Both people engaged".into(),
        problems: "One visit ran late".into(),
        surprises: "A daughter joined in".into(),
        data_gathered: "2 of 2 plans agreed".into(),
    }
}

pub fn study() -> Study {
    Study {
        analysis: "2 of 2".into(),
        compared_with_predictions: "As predicted".into(),
        learning: "The guide helps".into(),
    }
}

pub fn act(decision: Decision) -> Act {
    Act {
        decision,
        reasons: "It worked twice".into(),
        changes: "None".into(),
        next_step: "Try with 5 visits".into(),
    }
}

/// A store with a collaborative and one project in it.
pub fn store_with_project(path: &std::path::Path) -> (Store, StreamId, StreamId) {
    let mut store = Store::create(path, "Asha Patel").expect("create");
    let c = store.found_collaborative(founded()).expect("found").stream;
    let p = store.start_project(project(c)).expect("start").stream;
    (store, c, p)
}

/// Observation `n`, made during `cycle` when one is given.
pub fn numbered_observation(cycle: Option<EventId>, n: usize) -> Event {
    Event::ObservationRecorded(Observation {
        kind: ObservationKind::Observation,
        cycle,
        subject: Some(format!("P-{n:04}")),
        observed_on: date!(2026 - 02 - 03),
        text: format!("Observation {n}"),
    })
}

/// A second person's store at `path` holding a copy of `from`'s collaborative and
/// project.
pub fn replica(
    from: &mut Store,
    path: &std::path::Path,
    (collaborative, project): (StreamId, StreamId),
) -> Store {
    let mut b = Store::create(path, "Rui Gomez").expect("create");
    b.add_stream(
        collaborative,
        StreamKind::Collaborative,
        "collaborative",
        None,
    )
    .expect("add");
    b.add_stream(project, StreamKind::Project, "project", Some(collaborative))
        .expect("add");
    for s in [collaborative, project] {
        let changes = from.changes_since(s, &[]).expect("changes");
        b.merge_changes(s, &changes).expect("merge");
    }
    b
}
