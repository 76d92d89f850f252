//! Replaying a generated history on several replicas and checking they converge.

use super::*;

fn run(history: &History, coverage: &mut Coverage) -> Result<(), TestCaseError> {
    let dir = scratch_dir();
    let mut replicas = Replicas::new(dir.path(), history.replicas)?;
    for (n, step) in history.steps.iter().enumerate() {
        match step {
            Step::Record {
                replica,
                action,
                pick,
            } => {
                let event = event_for(&replicas, *replica, action, pick, n, coverage)?;
                replicas.record(*replica, event)?;
            }
            Step::ConcurrentActs {
                first,
                offset,
                pick,
                decisions,
                exchange,
            } => {
                let second = (first + offset) % history.replicas;
                let cycle = studied_cycle(&mut replicas, *first, pick)?;
                replicas.sync(*first, second, &Delivery::All, coverage)?;
                replicas.sync(second, *first, &Delivery::All, coverage)?;
                for (replica, decision) in [(*first, decisions.0), (second, decisions.1)] {
                    let record = queries::record(replicas.stores[replica].connection(), cycle)
                        .map_err(fail)?
                        .ok_or_else(|| fail("the synced cycle is missing"))?;
                    let heads = cycle_parts(&record).map(|(_, _, h)| h).unwrap_or_default();
                    let (replaces, act) = act(decision, heads);
                    replicas.record(
                        replica,
                        Event::CycleActed {
                            cycle,
                            replaces,
                            act,
                        },
                    )?;
                }
                coverage.conflicts_arisen += 1;
                if *exchange {
                    replicas.sync(*first, second, &Delivery::All, coverage)?;
                    replicas.sync(second, *first, &Delivery::All, coverage)?;
                }
            }
            Step::Sync { from, to, delivery } => {
                replicas.sync(*from, *to, delivery, coverage)?;
            }
        }
    }
    for (from, to, delivery) in &history.final_syncs {
        replicas.sync(*from, *to, delivery, coverage)?;
    }
    // Bring everyone up to date through replica 0.
    for i in 1..history.replicas {
        replicas.sync(i, 0, &Delivery::All, coverage)?;
    }
    for i in 1..history.replicas {
        replicas.sync(0, i, &Delivery::All, coverage)?;
    }
    check_converged(&mut replicas, coverage)
}

/// Everyone holds every event, and every way of computing the views agrees.
fn check_converged(replicas: &mut Replicas, coverage: &mut Coverage) -> Result<(), TestCaseError> {
    let mut expected: Option<(Vec<Record>, StreamSummary, StreamSummary)> = None;
    for (i, store) in replicas.stores.iter_mut().enumerate() {
        let mut ids = BTreeSet::new();
        for stream in [replicas.collaborative, replicas.project] {
            for event in queries::events(store.connection(), stream).map_err(fail)? {
                ids.insert(event.id);
            }
        }
        let missing: Vec<_> = replicas.recorded.difference(&ids).collect();
        let unexpected: Vec<_> = ids.difference(&replicas.recorded).collect();
        if !missing.is_empty() || !unexpected.is_empty() {
            return Err(fail(format!(
                "replica {i} lacks events {missing:?} and has unrecorded ones {unexpected:?}"
            )));
        }

        let p = replicas.project;
        let records = queries::all_records(store.connection(), p).map_err(fail)?;
        let summary = queries::summary(store.connection(), p).map_err(fail)?;
        let collaborative =
            queries::summary(store.connection(), replicas.collaborative).map_err(fail)?;

        let events = queries::events(store.connection(), p).map_err(fail)?;
        let folded = MemoryViews::fold_all(p, &events);
        let folded_records: Vec<Record> = folded
            .records
            .values()
            .map(|r| open_record(store.connection(), r.clone()))
            .collect::<Result<_, _>>()
            .map_err(fail)?;
        same_records(&records, &folded_records, i, "a fold of its events")?;
        same(
            &summary,
            &folded.summary,
            i,
            "the summary folded from its events",
        )?;

        store.rebuild_views(p).map_err(fail)?;
        let rebuilt = queries::all_records(store.connection(), p).map_err(fail)?;
        same_records(&records, &rebuilt, i, "its views rebuilt")?;
        let rebuilt_summary = queries::summary(store.connection(), p).map_err(fail)?;
        same(&summary, &rebuilt_summary, i, "its summary rebuilt")?;

        match &expected {
            None => expected = Some((records, summary, collaborative)),
            Some((r0, s0, c0)) => {
                same_records(&records, r0, i, "replica 0's views")?;
                same(&summary, s0, i, "replica 0's summary")?;
                same(&collaborative, c0, i, "replica 0's collaborative")?;
            }
        }
    }
    if let Some((_, summary, _)) = &expected {
        coverage.events += summary.events as usize;
        if !summary.conflicts.is_empty() {
            coverage.cases_ending_in_conflict += 1;
        }
    }
    coverage.cases += 1;
    Ok(())
}

fn same<T: PartialEq + std::fmt::Debug>(
    ours: &T,
    other: &T,
    replica: usize,
    what: &str,
) -> Result<(), TestCaseError> {
    if ours == other {
        return Ok(());
    }
    Err(fail(format!(
        "replica {replica} differs from {what}:\n  {ours:?}\nvs\n  {other:?}"
    )))
}

/// Compares views record by record, to report the first that differs, not all.
fn same_records(
    ours: &[Record],
    other: &[Record],
    replica: usize,
    what: &str,
) -> Result<(), TestCaseError> {
    let ids = |records: &[Record]| records.iter().map(|r| r.id).collect::<Vec<_>>();
    same(
        &ids(ours),
        &ids(other),
        replica,
        &format!("{what} (record ids)"),
    )?;
    for (a, b) in ours.iter().zip(other) {
        same(a, b, replica, what)?;
    }
    Ok(())
}

/// Stores live in memory-backed storage where there is one: the property is about
/// convergence, not about how long `fsync` takes.
fn scratch_dir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir()
        && let Ok(dir) = tempfile::tempdir_in(shm)
    {
        return dir;
    }
    tempfile::tempdir().expect("a temporary directory")
}

#[test]
fn replicas_that_exchanged_the_same_events_show_identical_views() {
    let coverage = RefCell::new(Coverage::default());
    let mut runner = TestRunner::new(Config {
        cases: 28,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&history(), |history| {
        run(&history, &mut coverage.borrow_mut())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let coverage = coverage.into_inner();
    // The cases must have exercised what the property is about.
    assert!(coverage.cases >= 28, "{coverage:?}");
    assert!(coverage.events >= 28 * 10, "{coverage:?}");
    assert!(coverage.conflicts_arisen > 0, "{coverage:?}");
    assert!(coverage.cases_ending_in_conflict > 0, "{coverage:?}");
    assert!(coverage.resolutions > 0, "{coverage:?}");
    assert!(coverage.corrections > 0, "{coverage:?}");
    assert!(coverage.rebuilding_merges > 0, "{coverage:?}");
    assert!(coverage.incremental_merges > 0, "{coverage:?}");
    println!("{coverage:?}");
}
