//! Replicas that have exchanged the same events show identical views, whatever order
//! the changes arrived in: a property over generated histories recorded offline on 3
//! or 4 devices (measures, measurements, PDSA cycles, observations, corrections and
//! concurrent Act decisions that conflict), merged pairwise in random orders.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;
use crate::common::numbered_observation;
use praxis_core::domain::event::*;
use praxis_core::domain::fold::MemoryViews;
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::domain::record::{Detail, Record, StreamKind, StreamSummary};
use praxis_core::store::{Store, key_changes, open_record, queries};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::Path;

/// What a practitioner records on one device.
#[derive(Clone, Debug)]
enum Action {
    DefineMeasure,
    ReviseMeasure,
    Measurement { numerator: u8 },
    SetCharter,
    Plan { follow: bool },
    Do,
    Study,
    Act(Decision),
    Observation { on_cycle: bool },
    Correct { withdraw: bool },
    Resolve,
}

/// How one replica's changes reach another.
#[derive(Clone, Debug)]
enum Delivery {
    /// Every change, in the sender's order.
    All,
    /// Every change, in a shuffled order (dependencies arrive after what needs them).
    Shuffled(u64),
    /// Some of the changes, shuffled: the rest come in a later sync.
    Some(u64),
}

#[derive(Clone, Debug)]
enum Step {
    Record {
        replica: usize,
        action: Action,
        pick: Index,
    },
    /// Two replicas that have synced both decide the Act of the same cycle offline.
    ConcurrentActs {
        first: usize,
        offset: usize,
        pick: Index,
        decisions: (Decision, Decision),
        /// Whether they sync straight after, so both see the conflict.
        exchange: bool,
    },
    Sync {
        from: usize,
        to: usize,
        delivery: Delivery,
    },
}

#[derive(Clone, Debug)]
struct History {
    replicas: usize,
    steps: Vec<Step>,
    /// Pairwise syncs at the end, before everyone is brought up to date.
    final_syncs: Vec<(usize, usize, Delivery)>,
}

fn decision() -> impl Strategy<Value = Decision> {
    prop_oneof![
        Just(Decision::Adopt),
        Just(Decision::Adapt),
        Just(Decision::Abandon)
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        2 => Just(Action::DefineMeasure),
        1 => Just(Action::ReviseMeasure),
        5 => (0u8..=10).prop_map(|numerator| Action::Measurement { numerator }),
        1 => Just(Action::SetCharter),
        3 => any::<bool>().prop_map(|follow| Action::Plan { follow }),
        3 => Just(Action::Do),
        3 => Just(Action::Study),
        3 => decision().prop_map(Action::Act),
        3 => any::<bool>().prop_map(|on_cycle| Action::Observation { on_cycle }),
        2 => any::<bool>().prop_map(|withdraw| Action::Correct { withdraw }),
        4 => Just(Action::Resolve),
    ]
}

fn delivery() -> impl Strategy<Value = Delivery> {
    prop_oneof![
        2 => Just(Delivery::All),
        2 => any::<u64>().prop_map(Delivery::Shuffled),
        1 => any::<u64>().prop_map(Delivery::Some),
    ]
}

fn history() -> impl Strategy<Value = History> {
    (3usize..=4).prop_flat_map(|replicas| {
        let step = prop_oneof![
            8 => (0..replicas, action(), any::<Index>())
                .prop_map(|(replica, action, pick)| Step::Record { replica, action, pick }),
            1 => (0..replicas, 1..replicas, any::<Index>(), (decision(), decision()), any::<bool>())
                .prop_map(|(first, offset, pick, decisions, exchange)| Step::ConcurrentActs {
                    first,
                    offset,
                    pick,
                    decisions,
                    exchange,
                }),
            3 => (0..replicas, 0..replicas, delivery())
                .prop_map(|(from, to, delivery)| Step::Sync { from, to, delivery }),
        ];
        (
            proptest::collection::vec(step, 15..40),
            proptest::collection::vec((0..replicas, 0..replicas, delivery()), 0..10),
        )
            .prop_map(move |(steps, final_syncs)| History {
                replicas,
                steps,
                final_syncs,
            })
    })
}

/// A small deterministic generator for shuffles, so a failing case replays exactly.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// What happened across all cases, to check the property was exercised.
#[derive(Default, Debug)]
struct Coverage {
    cases: usize,
    events: usize,
    conflicts_arisen: usize,
    resolutions: usize,
    cases_ending_in_conflict: usize,
    corrections: usize,
    rebuilding_merges: usize,
    incremental_merges: usize,
}

struct Replicas {
    stores: Vec<Store>,
    collaborative: StreamId,
    project: StreamId,
    recorded: BTreeSet<EventId>,
}

fn fail(what: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(what.to_string())
}

impl Replicas {
    /// One store founds the collaborative and the project; the others get them merged.
    fn new(dir: &Path, n: usize) -> Result<Replicas, TestCaseError> {
        let (first, collaborative, project) = common::store_with_project(&dir.join("0.sqlite3"));
        let mut stores = vec![first];
        for i in 1..n {
            let mut store =
                Store::create(&dir.join(format!("{i}.sqlite3")), &format!("Person {i}"))
                    .map_err(fail)?;
            store
                .add_stream(
                    collaborative,
                    StreamKind::Collaborative,
                    "collaborative",
                    None,
                )
                .map_err(fail)?;
            store
                .add_stream(project, StreamKind::Project, "project", Some(collaborative))
                .map_err(fail)?;
            stores.push(store);
        }
        let mut replicas = Replicas {
            stores,
            collaborative,
            project,
            recorded: BTreeSet::new(),
        };
        for event in queries::events(replicas.stores[0].connection(), project).map_err(fail)? {
            replicas.recorded.insert(event.id);
        }
        for event in
            queries::events(replicas.stores[0].connection(), collaborative).map_err(fail)?
        {
            replicas.recorded.insert(event.id);
        }
        for i in 1..n {
            replicas.sync(0, i, &Delivery::All, &mut Coverage::default())?;
        }
        Ok(replicas)
    }

    fn sync(
        &mut self,
        from: usize,
        to: usize,
        delivery: &Delivery,
        coverage: &mut Coverage,
    ) -> Result<(), TestCaseError> {
        if from == to {
            return Ok(());
        }
        for stream in [self.collaborative, self.project] {
            let mut changes = self.stores[from].changes_since(stream, &[]).map_err(fail)?;
            match delivery {
                Delivery::All => {}
                Delivery::Shuffled(seed) => SplitMix(*seed).shuffle(&mut changes),
                Delivery::Some(seed) => {
                    let mut rng = SplitMix(*seed);
                    rng.shuffle(&mut changes);
                    let keep = (rng.next() % (changes.len() as u64 + 1)) as usize;
                    changes.truncate(keep);
                }
            }
            // The keys go with the changes, as a sync's key exchange gives them.
            let keys = key_changes(self.stores[from].connection(), stream, 0).map_err(fail)?;
            self.stores[to].take_key_changes(&keys).map_err(fail)?;
            let merged = self.stores[to]
                .merge_changes(stream, &changes)
                .map_err(|e| fail(format!("merging {from} into {to}: {e}")))?;
            if merged.rebuilt {
                coverage.rebuilding_merges += 1;
            } else if merged.events > 0 {
                coverage.incremental_merges += 1;
            }
        }
        Ok(())
    }

    fn record(&mut self, replica: usize, event: Event) -> Result<EventId, TestCaseError> {
        let kind = event.kind();
        let recorded = self.stores[replica]
            .record(self.project, event)
            .map_err(|e| fail(format!("replica {replica} refused a {}: {e}", kind.name())))?;
        self.recorded.insert(recorded.id);
        Ok(recorded.id)
    }

    fn records(&self, replica: usize, kind: EventKind) -> Result<Vec<Record>, TestCaseError> {
        queries::records_of_kind(self.stores[replica].connection(), self.project, kind)
            .map_err(fail)
    }

    fn summary(&self, replica: usize) -> Result<StreamSummary, TestCaseError> {
        queries::summary(self.stores[replica].connection(), self.project).map_err(fail)
    }

    fn founding(&self, replica: usize) -> Result<Record, TestCaseError> {
        let founding = self
            .summary(replica)?
            .founding
            .ok_or_else(|| fail("the project has no founding event"))?;
        queries::record(self.stores[replica].connection(), founding)
            .map_err(fail)?
            .ok_or_else(|| fail("the project's record is missing"))
    }
}

fn cycle_parts(record: &Record) -> Option<(usize, usize, Vec<EventId>)> {
    match &record.detail {
        Detail::Cycle {
            dos, studies, act, ..
        } => Some((dos.len(), studies.len(), act.heads.clone())),
        _ => None,
    }
}

fn pick<'a, T>(items: &'a [T], at: &Index) -> Option<&'a T> {
    (!items.is_empty()).then(|| &items[at.index(items.len())])
}

fn act(decision: Decision, replaces: Vec<EventId>) -> (Vec<EventId>, Act) {
    (
        replaces,
        Act {
            decision,
            reasons: format!("{decision:?} after the team meeting"),
            changes: "None".into(),
            next_step: "Widen the test".into(),
        },
    )
}

/// The event `action` becomes on `replica`, given what that replica holds; an
/// observation when there is nothing to act on.
fn event_for(
    replicas: &Replicas,
    replica: usize,
    action: &Action,
    at: &Index,
    n: usize,
    coverage: &mut Coverage,
) -> Result<Event, TestCaseError> {
    let fallback = numbered_observation(None, n);
    Ok(match action {
        Action::DefineMeasure => Event::MeasureDefined(common::measure(&format!("Measure {n}"))),
        Action::ReviseMeasure => {
            let measures = replicas.records(replica, EventKind::MeasureDefined)?;
            let Some(m) = pick(&measures, at) else {
                return Ok(fallback);
            };
            let Detail::Measure { definition } = &m.detail else {
                return Err(fail("a measure without a definition"));
            };
            let mut revised = common::measure(&format!("Measure {n} (revised)"));
            if n.is_multiple_of(2) {
                revised.unit = MeasureUnit::Unit("visits".into());
                revised.target = None;
            }
            Event::MeasureRevised {
                measure: m.id,
                replaces: definition.heads.clone(),
                definition: revised,
            }
        }
        Action::Measurement { numerator } => {
            let measures: Vec<Record> = replicas
                .records(replica, EventKind::MeasureDefined)?
                .into_iter()
                .filter(|m| m.measure_definition().is_some())
                .collect();
            let Some(m) = pick(&measures, at) else {
                return Ok(fallback);
            };
            let mut measurement = common::measurement(m.id, (n % 40) as u8, *numerator as f64);
            if let Some(MeasureUnit::Unit(_)) = m.measure_definition().map(|d| &d.unit) {
                measurement.value = MeasurementValue::Value(*numerator as f64 * 1.5);
            }
            Event::MeasurementRecorded(measurement)
        }
        Action::SetCharter => {
            let Detail::Project { charter, .. } = replicas.founding(replica)?.detail else {
                return Err(fail("the project has no charter register"));
            };
            let mut text = common::charter();
            text.aim.how_much = format!("from 20% to {}% of assessments", 50 + n);
            Event::CharterSet {
                replaces: charter.heads.clone(),
                charter: text,
            }
        }
        Action::Plan { follow } => {
            let cycles = replicas.records(replica, EventKind::CyclePlanned)?;
            let follows = if *follow {
                pick(&cycles, at).map(|c| c.id)
            } else {
                None
            };
            Event::CyclePlanned(common::plan(follows))
        }
        Action::Do => {
            let cycles = replicas.records(replica, EventKind::CyclePlanned)?;
            let Some(c) = pick(&cycles, at) else {
                return Ok(fallback);
            };
            Event::CycleDone {
                cycle: c.id,
                done: common::done(),
            }
        }
        Action::Study => {
            let done: Vec<Record> = replicas
                .records(replica, EventKind::CyclePlanned)?
                .into_iter()
                .filter(|c| cycle_parts(c).is_some_and(|(dos, _, _)| dos > 0))
                .collect();
            let Some(c) = pick(&done, at) else {
                return Ok(fallback);
            };
            Event::CycleStudied {
                cycle: c.id,
                study: common::study(),
            }
        }
        Action::Act(decision) => {
            let studied: Vec<Record> = replicas
                .records(replica, EventKind::CyclePlanned)?
                .into_iter()
                .filter(|c| cycle_parts(c).is_some_and(|(_, studies, _)| studies > 0))
                .collect();
            let Some(c) = pick(&studied, at) else {
                return Ok(fallback);
            };
            let heads = cycle_parts(c)
                .map(|(_, _, heads)| heads)
                .unwrap_or_default();
            let (replaces, act) = act(*decision, heads);
            Event::CycleActed {
                cycle: c.id,
                replaces,
                act,
            }
        }
        Action::Observation { on_cycle } => {
            let cycles = replicas.records(replica, EventKind::CyclePlanned)?;
            let cycle = if *on_cycle {
                pick(&cycles, at).map(|c| c.id)
            } else {
                None
            };
            numbered_observation(cycle, n)
        }
        Action::Correct { withdraw } => {
            let mut correctable = replicas.records(replica, EventKind::ObservationRecorded)?;
            if *withdraw {
                correctable.extend(replicas.records(replica, EventKind::MeasurementRecorded)?);
                correctable.extend(replicas.records(replica, EventKind::CycleDone)?);
            }
            let Some(r) = pick(&correctable, at) else {
                return Ok(fallback);
            };
            coverage.corrections += 1;
            let replacement = match (&r.content, withdraw) {
                (_, true) => None,
                (Event::ObservationRecorded(o), false) => {
                    Some(Replacement::Observation(Observation {
                        text: format!("{} (corrected {n})", o.text),
                        ..o.clone()
                    }))
                }
                _ => return Err(fail("only observations are corrected in place")),
            };
            Event::Correction {
                corrects: r.id,
                reason: format!("Correction {n}"),
                replacement,
            }
        }
        Action::Resolve => {
            let conflicts = replicas.summary(replica)?.conflicts;
            let Some(conflict) = pick(&conflicts, at) else {
                return Ok(fallback);
            };
            coverage.resolutions += 1;
            Event::Resolution {
                subject: conflict.subject,
                settles: conflict.versions.clone(),
                keep: conflict.versions[n % conflict.versions.len()],
                reason: format!("Agreed at meeting {n}"),
            }
        }
    })
}

/// Makes sure `replica` has a studied cycle, and returns one.
fn studied_cycle(
    replicas: &mut Replicas,
    replica: usize,
    at: &Index,
) -> Result<EventId, TestCaseError> {
    let studied: Vec<EventId> = replicas
        .records(replica, EventKind::CyclePlanned)?
        .into_iter()
        .filter(|c| cycle_parts(c).is_some_and(|(_, studies, _)| studies > 0))
        .map(|c| c.id)
        .collect();
    if let Some(id) = pick(&studied, at) {
        return Ok(*id);
    }
    let cycle = replicas.record(replica, Event::CyclePlanned(common::plan(None)))?;
    replicas.record(
        replica,
        Event::CycleDone {
            cycle,
            done: common::done(),
        },
    )?;
    replicas.record(
        replica,
        Event::CycleStudied {
            cycle,
            study: common::study(),
        },
    )?;
    Ok(cycle)
}

mod replay;
