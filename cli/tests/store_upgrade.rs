//! Upgrading a store the terminal client made before device stores were encrypted
//! (plain SQLite) into an encrypted one, through the real `praxis` binary: it refuses
//! the plain store with its own message and exit code and changes nothing, `praxis store
//! encrypt` encrypts it in place keeping every record and setting, a second run refuses,
//! a server's store is never taken for a device store, and a run killed at any moment
//! (or one that left its copy behind) leaves a whole store, plain or encrypted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{contains, run, with_bytes};

use praxis_core::domain::event::*;
use praxis_core::store::{Store, StoreFile, StoreKey};
use praxis_core::sync::{SERVER_SETTING, TOKEN_SETTING};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use time::macros::date;

const SECRET: &str = "Mr K's daughter keeps the spare key under the green pot";
/// What a plain store keeps in the clear (an observation's text is sealed even there).
const TOPIC: &str = "Independence where health-and-safety worries get in the way";
const OBSERVATIONS: usize = 40;
/// Where the old store says it syncs: nothing listens there, so a sync says it cannot
/// reach it (and not that the device is not enrolled).
const NOWHERE: &str = "http://127.0.0.1:1";
/// The exit code of a store that must be encrypted first.
const NOT_ENCRYPTED: i32 = 4;

fn praxis(store: &Path, args: &[&str]) -> Command {
    crate::common::praxis(store.parent().unwrap(), store, args)
}

fn json(store: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let (code, out, err) = run(praxis(store, &all));
    assert_eq!(code, 0, "praxis {args:?} failed: {err}");
    serde_json::from_str(&out).unwrap()
}

/// Every file in the directory, with its bytes.
fn directory(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    with_bytes(std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()))
        .into_iter()
        .collect()
}

/// How many events the store holds, in all its streams.
fn events_in(store: &Store) -> usize {
    let events: i64 = store
        .connection()
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .unwrap();
    events as usize
}

/// What the old plain store holds, to find again after the upgrade.
struct Recorded {
    name: String,
    device: String,
    ids: Vec<String>,
    texts: Vec<String>,
}

/// A store made the old way: praxis-core's `Store` opened without a key, with a
/// collaborative, a project, observations (case material among them), and the settings
/// an enrolment leaves (the server and the device's token).
fn plain_store(path: &Path, observations: usize) -> Recorded {
    let mut store = Store::create(path, "Ann Coordinator").unwrap();
    let collaborative = store
        .found_collaborative(CollaborativeFounded {
            name: "Promoting independence".into(),
            topic: TOPIC.into(),
            chosen_with: "Two workshops with people who use services".into(),
        })
        .unwrap();
    let project = store
        .start_project(ProjectStarted {
            collaborative: collaborative.stream,
            team: "Northside reablement".into(),
            organisation: "Borough Council".into(),
            title: "Home sooner".into(),
        })
        .unwrap();
    let mut ids = vec![collaborative.id.to_string(), project.id.to_string()];
    let mut texts = Vec::new();
    for n in 0..observations {
        let text = if n == 0 {
            SECRET.to_string()
        } else {
            format!("Visit {n}: the plan was talked through at the kitchen table")
        };
        let r = store
            .record(
                project.stream,
                Event::ObservationRecorded(Observation {
                    kind: if n % 2 == 0 {
                        ObservationKind::CaseMaterial
                    } else {
                        ObservationKind::Observation
                    },
                    cycle: None,
                    subject: Some(format!("P-{:04}", 400 + n)),
                    observed_on: date!(2026 - 03 - 02),
                    text: text.clone(),
                }),
            )
            .unwrap();
        ids.push(r.id.to_string());
        texts.push(text);
    }
    store.set_setting(SERVER_SETTING, NOWHERE).unwrap();
    store
        .set_setting(TOKEN_SETTING, "token-from-before")
        .unwrap();
    let identity = store.identity().clone();
    drop(store);
    Recorded {
        name: identity.name,
        device: identity.device.to_string(),
        ids,
        texts,
    }
}

/// Every record of `recorded` read back through the CLI, with the key it now needs.
fn reads_back(store: &Path, recorded: &Recorded) {
    let status = json(store, &["status"]);
    assert_eq!(status["identity"]["name"], recorded.name.as_str());
    assert_eq!(status["identity"]["device"], recorded.device.as_str());
    let events: u64 = status["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["events"].as_u64().unwrap())
        .sum();
    assert_eq!(events as usize, recorded.ids.len(), "{status}");
    let feed = json(store, &["feed", "--limit", "1000"]).to_string();
    for text in &recorded.texts {
        assert!(feed.contains(text.as_str()), "the feed lost '{text}'");
    }
    for id in &recorded.ids {
        let history = json(store, &["history", id]);
        assert!(history.to_string().contains(id.as_str()), "{id}: {history}");
    }
    // The enrolment's settings came along: a sync goes to the server the plain store
    // named (nothing listens there), rather than saying the device is not enrolled.
    let (code, _, err) = run(praxis(store, &["sync"]));
    assert_ne!(code, 0);
    assert!(err.contains("127.0.0.1:1"), "{err}");
    assert!(!err.contains("not enrolled"), "{err}");
}

#[test]
fn a_plain_store_is_refused_then_encrypted_in_place_keeping_every_record() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.sqlite3");
    let recorded = plain_store(&store, OBSERVATIONS);
    let before = directory(dir.path());
    assert!(
        contains(&before[&store], TOPIC) && !contains(&before[&store], SECRET),
        "the plain store holds its clear text, and the observation only sealed"
    );

    // Refused, with what to run, and nothing changes: without a key file, with one in
    // PRAXIS_KEY, and with --json.
    let (code, out, err) = run(praxis(&store, &["status"]));
    assert_eq!(code, NOT_ENCRYPTED, "{out}{err}");
    assert!(err.contains("is not encrypted"), "{err}");
    assert!(
        err.contains(&format!("praxis store encrypt --store {}", store.display())),
        "{err}"
    );
    assert!(!err.contains("key does not open"), "{err}");
    let key = StoreKey::generate().unwrap();
    let mut keyed = praxis(&store, &["overview"]);
    keyed.env("PRAXIS_KEY", key.to_hex());
    let (code, _, err) = run(keyed);
    assert_eq!(code, NOT_ENCRYPTED, "{err}");
    assert!(err.contains("praxis store encrypt"), "{err}");
    assert!(!err.contains("another key"), "{err}");
    let (code, _, err) = run(praxis(&store, &["--json", "feed"]));
    assert_eq!(code, NOT_ENCRYPTED, "{err}");
    let error: Value = serde_json::from_str(&err).unwrap();
    assert_eq!(error["error"], "not-encrypted");
    assert_eq!(
        directory(dir.path()),
        before,
        "a refused open changed a file"
    );

    // Encrypted in place, with a new key file as `praxis init` makes one.
    let (code, out, err) = run(praxis(&store, &["store", "encrypt"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("is now encrypted"), "{out}");
    assert!(
        out.contains(&format!("{} events in 2 streams", recorded.ids.len())),
        "{out}"
    );
    assert!(out.contains("2 settings"), "{out}");
    let key_file = dir.path().join("store.sqlite3.key");
    assert_eq!(std::fs::read_to_string(&key_file).unwrap().trim().len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the key file is readable by others");
    }
    assert!(!praxis_core::store::encrypting_path(&store).exists());
    assert_eq!(praxis_core::store::inspect(&store), StoreFile::Encrypted);
    for (file, bytes) in directory(dir.path()) {
        if file == key_file {
            continue;
        }
        for text in [
            SECRET,
            TOPIC,
            "Ann Coordinator",
            "token-from-before",
            "SQLite format 3",
        ] {
            assert!(
                !contains(&bytes, text),
                "{} holds '{text}' in the clear",
                file.display()
            );
        }
    }

    reads_back(&store, &recorded);
    // And it goes on recording.
    let (code, _, err) = run(praxis(&store, &["observe", "Recorded after the upgrade"]));
    assert_eq!(code, 0, "{err}");

    // A second run refuses, and changes nothing.
    let after = directory(dir.path());
    let (code, _, err) = run(praxis(&store, &["store", "encrypt"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("already encrypted"), "{err}");
    assert_eq!(directory(dir.path()), after);
}

#[test]
fn the_key_in_praxis_key_encrypts_it_and_no_key_file_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.sqlite3");
    let recorded = plain_store(&store, 3);
    let key = StoreKey::generate().unwrap();
    let mut encrypt = praxis(&store, &["store", "encrypt"]);
    encrypt.env("PRAXIS_KEY", key.to_hex());
    let (code, out, err) = run(encrypt);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("PRAXIS_KEY"), "{out}");
    assert!(!dir.path().join("store.sqlite3.key").exists());
    // The key opens it (and another does not).
    let opened = Store::open_encrypted(&store, &key).unwrap();
    assert_eq!(opened.identity().name, recorded.name);
    drop(opened);
    let wrong = StoreKey::generate().unwrap();
    assert!(matches!(
        Store::open_encrypted(&store, &wrong),
        Err(praxis_core::store::StoreError::WrongKey(_))
    ));
}

#[test]
fn what_is_not_a_plain_device_store_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();

    // Nothing there: refused, and no key file is made.
    let missing = dir.path().join("missing.sqlite3");
    let (code, _, err) = run(praxis(&missing, &["store", "encrypt"]));
    assert_eq!(code, 1);
    assert!(err.contains("no Praxis store"), "{err}");
    assert!(!dir.path().join("missing.sqlite3.key").exists());

    // A server's store is plain on purpose: never encrypted, never called a device
    // store that needs encrypting.
    let data = dir.path().join("server");
    drop(praxis_server::storage::SqliteStorage::open(&data).unwrap());
    let server = data.join("praxis.sqlite3");
    let before = directory(&data);
    let (code, _, err) = run(praxis(&server, &["store", "encrypt"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("server"), "{err}");
    assert!(!err.contains("already encrypted"), "{err}");
    let mut keyed = praxis(&server, &["status"]);
    keyed.env("PRAXIS_KEY", StoreKey::generate().unwrap().to_hex());
    let (code, _, err) = run(keyed);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("server"), "{err}");
    assert!(!err.contains("store encrypt"), "{err}");
    assert_eq!(directory(&data), before, "the server's store was touched");
    assert!(praxis_server::storage::SqliteStorage::open(&data).is_ok());

    // A SQLite database of something else.
    let other = dir.path().join("notes.sqlite3");
    rusqlite::Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('hello');")
        .unwrap();
    let before = std::fs::read(&other).unwrap();
    let (code, _, err) = run(praxis(&other, &["store", "encrypt"]));
    assert_eq!(code, 1);
    assert!(err.contains("no Praxis tables"), "{err}");
    assert_eq!(std::fs::read(&other).unwrap(), before);
    assert!(!dir.path().join("notes.sqlite3.key").exists());
}

/// A run interrupted before its copy took the plain store's place leaves the copy
/// behind: the plain store is untouched, opening it still says to encrypt it, and the
/// next run clears the copy away and encrypts.
#[test]
fn a_copy_left_by_an_interrupted_run_is_cleared_and_the_next_run_encrypts() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.sqlite3");
    let recorded = plain_store(&store, 5);
    let plain = std::fs::read(&store).unwrap();
    // What a killed run leaves: a partial encrypted copy and its journal.
    let copy = praxis_core::store::encrypting_path(&store);
    std::fs::write(&copy, vec![0x5a; 3 * 4096 + 100]).unwrap();
    std::fs::write(format!("{}-journal", copy.display()), b"half a journal").unwrap();

    let (code, _, err) = run(praxis(&store, &["status"]));
    assert_eq!(code, NOT_ENCRYPTED, "{err}");
    assert_eq!(std::fs::read(&store).unwrap(), plain);

    let (code, out, err) = run(praxis(&store, &["store", "encrypt"]));
    assert_eq!(code, 0, "{out}{err}");
    assert!(!copy.exists());
    assert!(!PathBuf::from(format!("{}-journal", copy.display())).exists());
    reads_back(&store, &recorded);
}

/// `praxis store encrypt` killed with SIGKILL at moments spread over a whole run: after
/// every kill the store is either the plain store, whole, or the encrypted one, whole,
/// and a run after it finishes the job.
#[cfg(unix)]
#[test]
fn a_run_killed_at_any_moment_leaves_a_whole_store() {
    use std::time::{Duration, Instant};
    const KILLS: u32 = 10;
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("original.sqlite3");
    let recorded = plain_store(&original, 400);
    let store = dir.path().join("store.sqlite3");

    // How long a whole run takes here, to spread the kills over it.
    std::fs::copy(&original, &store).unwrap();
    let started = Instant::now();
    let (code, _, err) = run(praxis(&store, &["store", "encrypt"]));
    assert_eq!(code, 0, "{err}");
    let whole = started.elapsed();

    let key_file = dir.path().join("store.sqlite3.key");
    let key = StoreKey::from_hex(&std::fs::read_to_string(&key_file).unwrap()).unwrap();
    let mut outcomes = BTreeMap::new();
    for kill in 0..KILLS {
        for suffix in ["", "-wal", "-shm", ".encrypting", ".encrypting-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", store.display()));
        }
        std::fs::copy(&original, &store).unwrap();
        let mut child = praxis(&store, &["store", "encrypt"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(
            whole.mul_f64(f64::from(kill) / f64::from(KILLS)) + Duration::from_micros(200),
        );
        let _ = child.kill();
        let _ = child.wait();

        let outcome = match praxis_core::store::inspect(&store) {
            StoreFile::Plain => {
                let copy_left = praxis_core::store::encrypting_path(&store).exists();
                // The plain store, whole: the old way still opens it and sees everything.
                let plain = Store::open(&store).unwrap();
                assert_eq!(events_in(&plain), recorded.ids.len(), "kill {kill}");
                drop(plain);
                if copy_left {
                    "plain, with a copy left"
                } else {
                    "plain"
                }
            }
            StoreFile::Encrypted => {
                let encrypted = Store::open_encrypted(&store, &key).unwrap();
                assert_eq!(events_in(&encrypted), recorded.ids.len(), "kill {kill}");
                drop(encrypted);
                "encrypted"
            }
            other => panic!("after kill {kill} the store is {other:?}"),
        };
        *outcomes.entry(outcome).or_insert(0) += 1;
        // Whatever was left, the next run (or the key) gets to an encrypted store.
        if outcome != "encrypted" {
            let (code, _, err) = run(praxis(&store, &["store", "encrypt"]));
            assert_eq!(code, 0, "after kill {kill}: {err}");
        }
        assert!(!praxis_core::store::encrypting_path(&store).exists());
        let status = json(&store, &["status"]);
        assert_eq!(status["identity"]["name"], recorded.name.as_str());
    }
    eprintln!("after {KILLS} kills: {outcomes:?}");
}
