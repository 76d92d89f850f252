//! Crash test: the real `praxis` binary is killed with SIGKILL at random moments while
//! it writes, many times over. After every kill the store must open, every record the
//! CLI reported as saved must be there, and nothing may be half-written: an import is
//! all or nothing, and `praxis rebuild` folds the same views as those the store holds.
//!
//! Three kinds of writer are killed: `praxis import` of a batch of events (one long
//! transaction, so most kills land inside it), `praxis observe` (one record per
//! process) and `praxis rebuild` (which rewrites every view in one transaction).
//!
//! The run is random but reproducible: it prints its seed, and `PRAXIS_CRASH_SEED=...`
//! runs the same sequence of writers and delays again.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(unix)]

use praxis_core::domain::event::*;
use praxis_core::domain::ids::EventId;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use time::macros::date;

/// How many writers to kill, at most.
const KILLS: usize = 50;
/// Stop starting writers after this long, so a slow machine still finishes in time.
const BUDGET: Duration = Duration::from_secs(35);
/// Events in one import: observations, then one measurement.
const BATCH: usize = 150;

/// xorshift64*: small, and enough to spread kills over a write.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn seed() -> u64 {
    match std::env::var("PRAXIS_CRASH_SEED") {
        Ok(s) => s.parse().expect("PRAXIS_CRASH_SEED is a number"),
        Err(_) => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("a clock after 1970")
                .as_nanos() as u64;
            nanos | 1
        }
    }
}

fn praxis(store: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_praxis"));
    c.env_remove("PRAXIS_STORE")
        .env_remove("PRAXIS_PROJECT")
        .env_remove("PRAXIS_KEY")
        .env_remove("PRAXIS_KEY_FILE")
        .arg("--store")
        .arg(store)
        .arg("--json");
    c
}

/// Runs a command that must succeed; its JSON output.
fn json(store: &Path, args: &[&str]) -> Value {
    let out = praxis(store).args(args).output().expect("praxis runs");
    assert!(
        out.status.success(),
        "praxis {args:?} failed ({:?}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "praxis {args:?} did not print JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// The number of events in the store: the store must open for this.
fn events(store: &Path) -> i64 {
    json(store, &["status"])["streams"]
        .as_array()
        .expect("streams")
        .iter()
        .map(|s| s["events"].as_i64().expect("an event count"))
        .sum()
}

/// Every observation in the feed, by id, with its text.
fn observations(store: &Path) -> BTreeMap<String, String> {
    let feed = json(store, &["feed", "--limit", "1000000"]);
    let mut all = BTreeMap::new();
    for item in feed.as_array().expect("a list") {
        let id = item["id"].as_str().expect("an id").to_string();
        let text = item["observation"]["text"]
            .as_str()
            .expect("a text")
            .to_string();
        assert!(all.insert(id, text).is_none(), "an observation twice");
    }
    all
}

/// What the views show: the overview and the whole feed.
fn views(store: &Path) -> (Value, Value) {
    (
        json(store, &["overview"]),
        json(store, &["feed", "--limit", "1000000"]),
    )
}

fn measurements(overview: &Value) -> u64 {
    overview["measures"][0]["measurements"]
        .as_u64()
        .expect("the measure's count")
}

/// A file of `BATCH` events tagged `tag`: observations `tag/0`... and a measurement.
fn batch(dir: &Path, tag: &str, measure: EventId) -> PathBuf {
    let mut text = String::new();
    for k in 0..BATCH - 1 {
        let event = Event::ObservationRecorded(Observation {
            kind: if k % 3 == 0 {
                ObservationKind::CaseMaterial
            } else {
                ObservationKind::Observation
            },
            cycle: None,
            subject: (k % 2 == 0).then(|| format!("P-{k:04}")),
            observed_on: date!(2026 - 03 - 12),
            text: format!("{tag}/{k} imported from the paper log of the team meeting"),
        });
        text.push_str(&serde_json::to_string(&event).expect("JSON"));
        text.push('\n');
    }
    let event = Event::MeasurementRecorded(Measurement {
        measure,
        period_start: date!(2026 - 03 - 02),
        period_end: date!(2026 - 03 - 08),
        value: MeasurementValue::Value(12.0),
        note: tag.to_string(),
    });
    text.push_str(&serde_json::to_string(&event).expect("JSON"));
    text.push('\n');
    let path = dir.join(format!("{tag}.jsonl"));
    std::fs::write(&path, text).expect("write the batch");
    path
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Writer {
    Import,
    Observe,
    Rebuild,
}

#[test]
fn killed_writers_leave_a_whole_store() {
    let started = Instant::now();
    let seed = seed();
    println!("crash test seed: {seed} (PRAXIS_CRASH_SEED={seed} repeats this run)");
    let mut rng = Rng(seed);

    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = dir.path().join("store.sqlite3");
    json(
        &store,
        &[
            "init",
            "--name",
            "Ann",
            "--collaborative",
            "Independence",
            "--topic",
            "Promoting independence",
            "--chosen-with",
            "Workshops with people who use services",
        ],
    );
    json(
        &store,
        &[
            "project",
            "start",
            "--team",
            "Northside",
            "--organisation",
            "Borough",
            "--title",
            "Home sooner",
        ],
    );
    let measure = json(
        &store,
        &[
            "measure",
            "define",
            "--name",
            "Days to home",
            "--kind",
            "outcome",
            "--definition",
            "Days from referral to home",
            "--unit",
            "days",
            "--direction",
            "down",
        ],
    )["id"]
        .as_str()
        .expect("the measure's id")
        .parse::<EventId>()
        .expect("an id");

    // How long each writer takes when left alone, so kills land inside the write.
    let time = |args: &[&str]| {
        let t = Instant::now();
        json(&store, args);
        t.elapsed()
    };
    let warm = batch(dir.path(), "warm", measure);
    let import_time = time(&["import", warm.to_str().expect("a path")]);
    let observe_time = time(&["observe", "warm-up note"]);
    let rebuild_time = time(&["rebuild"]);
    println!(
        "an import of {BATCH} events takes {import_time:?}, an observation {observe_time:?}, a rebuild {rebuild_time:?}"
    );

    let mut took = [import_time, observe_time, rebuild_time];
    let mut count = events(&store);
    // Every observation the CLI reported as saved, and each import batch by its tag.
    let mut saved: BTreeSet<String> = observations(&store).into_keys().collect();
    let mut batches: BTreeMap<String, bool> = BTreeMap::from([("warm".to_string(), true)]);
    let mut committed_batches = 1;
    let mut killed = 0;
    let mut reported_then_killed = 0;
    let mut finished = 0;
    let mut iterations = 0;

    while iterations < KILLS && started.elapsed() < BUDGET {
        iterations += 1;
        let writer = match rng.below(10) {
            0..=5 => Writer::Import,
            6..=8 => Writer::Observe,
            _ => Writer::Rebuild,
        };
        let tag = format!("b{iterations}");
        let (mut command, expected, kind) = match writer {
            Writer::Import => {
                let file = batch(dir.path(), &tag, measure);
                let mut c = praxis(&store);
                c.arg("import").arg(file);
                (c, BATCH as i64, 0)
            }
            Writer::Observe => {
                let mut c = praxis(&store);
                c.args(["observe", &format!("{tag}/0 a single note")]);
                (c, 1, 1)
            }
            Writer::Rebuild => (
                {
                    let mut c = praxis(&store);
                    c.arg("rebuild");
                    c
                },
                0,
                2,
            ),
        };
        let before_views = (writer == Writer::Rebuild).then(|| views(&store));

        // Kill at a moment spread over the whole write, and a little after it.
        let window = took[kind].as_micros() as u64 * 13 / 10;
        let delay = Duration::from_micros(rng.below(window));
        let child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("praxis starts");
        let mut child = child;
        std::thread::sleep(delay);
        // SIGKILL; an error only means the child has already exited.
        let _ = child.kill();
        let out = child.wait_with_output().expect("the child is reaped");
        let was_killed = out.status.signal() == Some(9);
        // Follow the machine's pace: a writer killed had not finished, one that
        // finished was quicker than the delay.
        took[kind] = if was_killed {
            took[kind].mul_f64(1.15)
        } else {
            took[kind].mul_f64(0.9)
        };
        if was_killed {
            killed += 1;
        } else {
            assert!(
                out.status.success(),
                "{writer:?} failed on its own ({:?}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }

        // What the CLI reported as saved before it died.
        let reported: Vec<String> = match serde_json::from_slice::<Value>(&out.stdout) {
            Ok(v) => match writer {
                Writer::Import => {
                    assert_eq!(v["imported"].as_i64(), Some(BATCH as i64), "{v}");
                    v["ids"]
                        .as_array()
                        .expect("ids")
                        .iter()
                        .map(|i| i.as_str().expect("an id").to_string())
                        .collect()
                }
                Writer::Observe => {
                    assert_eq!(v["saved"], true, "{v}");
                    vec![v["id"].as_str().expect("an id").to_string()]
                }
                Writer::Rebuild => Vec::new(),
            },
            Err(_) => {
                assert!(
                    was_killed,
                    "{writer:?} was not killed yet printed no JSON: {}",
                    String::from_utf8_lossy(&out.stdout)
                );
                Vec::new()
            }
        };
        if !was_killed {
            finished += 1;
        }
        if was_killed && !out.stdout.is_empty() {
            reported_then_killed += 1;
        }

        // The store opens, and grew by nothing or by the whole write.
        let now = events(&store);
        let grew = now - count;
        assert!(
            grew == 0 || grew == expected,
            "iteration {iterations} ({writer:?}, killed after {delay:?}): the store grew by {grew} events, not 0 or {expected} (seed {seed})"
        );
        if !was_killed || !reported.is_empty() {
            assert_eq!(
                grew, expected,
                "iteration {iterations}: {writer:?} reported success yet the store grew by {grew} (seed {seed})"
            );
        }
        count = now;

        // Every observation reported saved is there, and no import is there in part.
        let feed = observations(&store);
        let mut reported_observations = reported.clone();
        if writer == Writer::Import && !reported.is_empty() {
            // The last event of a batch is the measurement, not in the feed.
            let measurement = reported_observations.pop().expect("the measurement");
            let history = json(&store, &["history", &measurement]);
            assert_eq!(
                history["current"]["MeasurementRecorded"]["note"], tag,
                "{history}"
            );
        }
        for id in saved.iter().chain(&reported_observations) {
            assert!(
                feed.contains_key(id),
                "iteration {iterations}: observation {id}, reported saved, is not there (seed {seed})"
            );
        }
        if writer == Writer::Import {
            batches.insert(tag.clone(), grew > 0);
            if grew > 0 {
                committed_batches += 1;
            }
        }
        // What was written, reported or not (a kill between the commit and the print).
        if grew > 0 {
            saved.extend(
                feed.iter()
                    .filter(|(_, text)| text.starts_with(&format!("{tag}/")))
                    .map(|(id, _)| id.clone()),
            );
        }
        let mut per_tag: BTreeMap<&str, usize> = BTreeMap::new();
        for text in feed.values() {
            if let Some((t, _)) = text.split_once('/') {
                *per_tag.entry(t).or_default() += 1;
            }
        }
        for (t, committed) in &batches {
            let n = per_tag.get(t.as_str()).copied().unwrap_or(0);
            assert_eq!(
                n,
                if *committed { BATCH - 1 } else { 0 },
                "iteration {iterations}: batch {t} has {n} of its {} observations (seed {seed})",
                BATCH - 1
            );
        }
        assert_eq!(
            feed.len(),
            saved.len(),
            "iteration {iterations}: observations that nobody recorded (seed {seed})"
        );

        // The views agree with the events: a rebuild changes nothing, a killed rebuild
        // leaves the views as they were.
        if let Some(before) = before_views {
            assert_eq!(
                views(&store),
                before,
                "iteration {iterations}: a killed rebuild changed the views (seed {seed})"
            );
        }
        if writer == Writer::Rebuild || iterations % 8 == 0 {
            let (overview, feed) = views(&store);
            assert_eq!(
                overview["events"].as_i64(),
                Some(count - 1),
                "the project's events"
            );
            assert_eq!(measurements(&overview), committed_batches);
            let rebuilt = json(&store, &["rebuild"]);
            assert_eq!(rebuilt["events"].as_i64(), Some(count));
            assert_eq!(
                views(&store),
                (overview, feed),
                "iteration {iterations}: rebuild folded other views (seed {seed})"
            );
        }
    }

    // A last look: the whole store, rebuilt, is what the CLI reported.
    let (overview, _) = views(&store);
    assert_eq!(measurements(&overview), committed_batches);
    json(&store, &["rebuild"]);
    assert_eq!(views(&store).0, overview);
    println!(
        "{iterations} writers, {killed} killed while running ({reported_then_killed} after reporting), {finished} finished, \
         {committed_batches} of {} imports committed, {count} events, in {:?}",
        batches.len(),
        started.elapsed()
    );
    assert!(iterations >= 10, "only {iterations} writers in {BUDGET:?}");
    assert!(
        killed >= iterations / 3,
        "only {killed} of {iterations} writers were killed while running: the kills miss the writes"
    );
}
