//! `praxis enrol` and `praxis sync` where no server is needed: what a person sees when
//! the device is not enrolled or the server cannot be reached, and that nothing in the
//! store changes then. Syncing with a real server is tested with the server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

/// A port nothing listens on: connecting is refused at once.
const CLOSED: &str = "http://127.0.0.1:1";

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

struct Device {
    dir: tempfile::TempDir,
    store: PathBuf,
}

impl Device {
    /// A temporary directory with no store in it yet.
    fn empty() -> Device {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = dir.path().join("store.sqlite3");
        Device { dir, store }
    }

    /// A store made with `praxis init`, holding nothing yet.
    fn initialised() -> Device {
        let d = Device::empty();
        let out = d.run(&["init", "--name", "Ann Coordinator"]);
        assert_eq!(out.code, 0, "init: {}", out.stderr);
        d
    }

    /// Runs `praxis --store STORE args...` with none of the user's settings.
    fn run(&self, args: &[&str]) -> Out {
        let out = Command::new(env!("CARGO_BIN_EXE_praxis"))
            .env_remove("PRAXIS_STORE")
            .env_remove("PRAXIS_PROJECT")
            .env_remove("PRAXIS_PASSWORD")
            .env_remove("PRAXIS_KEY")
            .env_remove("PRAXIS_KEY_FILE")
            .env("XDG_DATA_HOME", self.dir.path().join("xdg"))
            .current_dir(self.dir.path())
            .arg("--store")
            .arg(&self.store)
            .args(args)
            .output()
            .expect("praxis runs");
        Out {
            code: out.status.code().expect("praxis exited, not killed"),
            stdout: String::from_utf8(out.stdout).expect("UTF-8 on stdout"),
            stderr: String::from_utf8(out.stderr).expect("UTF-8 on stderr"),
        }
    }

    /// Who the store says its user is, and on which device.
    fn identity(&self) -> Value {
        let out = self.run(&["--json", "status"]);
        assert_eq!(out.code, 0, "status: {}", out.stderr);
        let status: Value = serde_json::from_str(&out.stdout).expect("status prints JSON");
        status["identity"].clone()
    }

    /// Runs a command that must fail with exit code 1, in text and in JSON; the
    /// message (the same in both) holds every one of `says`. Gives the message.
    fn fails(&self, args: &[&str], says: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.code, 1, "praxis {args:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "praxis {args:?}: {}", out.stdout);
        let message = out
            .stderr
            .strip_prefix("praxis: ")
            .unwrap_or_else(|| {
                panic!(
                    "praxis {args:?}: stderr is not 'praxis: ...': {}",
                    out.stderr
                )
            })
            .trim_end()
            .to_string();
        for s in says {
            // Messages are sentences: the first word may be capitalised.
            assert!(
                message.to_lowercase().contains(&s.to_lowercase()),
                "praxis {args:?} does not say '{s}': {message}"
            );
        }
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert_eq!(out.code, 1, "praxis {all:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "praxis {all:?}: {}", out.stdout);
        let error: Value = serde_json::from_str(out.stderr.trim())
            .unwrap_or_else(|e| panic!("praxis {all:?}: stderr is not JSON ({e}): {}", out.stderr));
        assert_eq!(error["error"], "error", "{error}");
        assert_eq!(error["message"].as_str(), Some(message.as_str()), "{error}");
        message
    }
}

#[test]
fn help_lists_enrol_and_sync() {
    let d = Device::empty();
    let out = d.run(&["--help"]);
    assert_eq!(out.code, 0);
    for command in ["enrol", "sync"] {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.trim_start().starts_with(&format!("{command} "))),
            "--help does not list {command}:\n{}",
            out.stdout
        );
    }
    let enrol = d.run(&["enrol", "--help"]).stdout;
    for flag in [
        "--server",
        "--username",
        "--password",
        "--device-name",
        "PRAXIS_PASSWORD",
    ] {
        assert!(enrol.contains(flag), "enrol --help lacks {flag}:\n{enrol}");
    }
}

#[test]
fn sync_on_a_store_never_enrolled_says_to_enrol_first_and_changes_nothing() {
    let d = Device::initialised();
    let before = d.identity();
    d.fails(
        &["sync"],
        &["not enrolled", "enrol first with `praxis enrol"],
    );
    assert_eq!(d.identity(), before);
}

#[test]
fn sync_with_no_store_says_how_to_make_one() {
    let d = Device::empty();
    d.fails(&["sync"], &["no Praxis store", "praxis init"]);
    assert!(!d.store.exists());
}

#[test]
fn enrol_when_the_server_cannot_be_reached_says_so_and_leaves_the_identity_unchanged() {
    let d = Device::initialised();
    let before = d.identity();
    let message = d.fails(
        &[
            "enrol",
            "--server",
            CLOSED,
            "--username",
            "ann",
            "--password",
            "correct horse",
        ],
        &[
            "cannot reach the server at http://127.0.0.1:1",
            "you are offline or the server is down",
            "enrol again later",
        ],
    );
    assert!(
        !message.contains("correct horse"),
        "the password is shown: {message}"
    );
    assert_eq!(d.identity(), before);
    // Nothing of the server was saved: the store is still not enrolled.
    d.fails(&["sync"], &["enrol first"]);
}

#[test]
fn enrol_takes_the_password_from_the_environment() {
    let d = Device::initialised();
    let out = Command::new(env!("CARGO_BIN_EXE_praxis"))
        .env_remove("PRAXIS_STORE")
        .env("PRAXIS_PASSWORD", "correct horse")
        .arg("--store")
        .arg(&d.store)
        .args(["enrol", "--server", CLOSED, "--username", "ann"])
        .output()
        .expect("praxis runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // It got as far as the server, so the password was taken.
    assert!(stderr.contains("Cannot reach the server"), "{stderr}");
}

#[test]
fn a_failed_enrolment_on_a_new_device_leaves_no_store_behind() {
    let d = Device::empty();
    d.fails(
        &[
            "enrol",
            "--server",
            CLOSED,
            "--username",
            "ann",
            "--password",
            "pw",
        ],
        &["cannot reach the server"],
    );
    assert!(
        !d.store.exists(),
        "a store was left at {}",
        d.store.display()
    );
}

#[test]
fn enrol_without_a_password_or_with_a_bad_address_says_what_to_give() {
    let d = Device::initialised();
    let before = d.identity();
    d.fails(
        &["enrol", "--server", CLOSED, "--username", "ann"],
        &["--password", "PRAXIS_PASSWORD"],
    );
    d.fails(
        &[
            "enrol",
            "--server",
            "praxis.example.org",
            "--username",
            "ann",
            "--password",
            "pw",
        ],
        &["'praxis.example.org' is not a server address", "https://"],
    );
    d.fails(
        &[
            "enrol",
            "--server",
            CLOSED,
            "--username",
            " ",
            "--password",
            "pw",
        ],
        &["username is empty"],
    );
    assert_eq!(d.identity(), before);
}
