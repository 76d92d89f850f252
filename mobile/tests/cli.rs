//! The `praxis` terminal client end to end: the real binary, each test in a store of
//! its own. Every record kind is recorded and read back in text and JSON, and every
//! refusal is checked for its exit code, a helpful message on stderr and that nothing
//! was written (the event counts of `praxis --json status` are unchanged).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_core::domain::event::*;
use praxis_core::domain::ids::EventId;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use time::macros::date;

/// What one run of `praxis` gave.
#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

/// A store in a temporary directory, and the ids of what the setup recorded.
struct Praxis {
    dir: tempfile::TempDir,
    store: PathBuf,
    /// The collaborative's stream, when founded.
    collaborative: String,
    /// The project's stream, when started.
    project: String,
}

impl Praxis {
    /// A temporary directory with no store in it yet.
    fn empty() -> Praxis {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = dir.path().join("store.sqlite3");
        Praxis {
            dir,
            store,
            collaborative: String::new(),
            project: String::new(),
        }
    }

    /// A store with a collaborative founded in it.
    fn with_collaborative() -> Praxis {
        let mut p = Praxis::empty();
        let out = p.json(&[
            "init",
            "--name",
            "Ann Coordinator",
            "--collaborative",
            "Promoting independence",
            "--topic",
            "Independence where health-and-safety worries get in the way",
            "--chosen-with",
            "Two workshops with people who use services",
        ]);
        p.collaborative = out["collaborative"]["stream"]
            .as_str()
            .expect("the collaborative's stream")
            .to_string();
        p
    }

    /// A store with a collaborative and one team's project.
    fn with_project() -> Praxis {
        let mut p = Praxis::with_collaborative();
        let out = p.json(&[
            "project",
            "start",
            "--team",
            "Northside reablement",
            "--organisation",
            "Borough Council",
            "--title",
            "Home sooner",
        ]);
        assert_eq!(out["kind"], "project-started");
        p.project = out["stream"]
            .as_str()
            .expect("the project's stream")
            .to_string();
        p
    }

    /// `praxis` in the temporary directory, with no store named.
    fn command(&self) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_praxis"));
        c.env_remove("PRAXIS_STORE")
            .env_remove("PRAXIS_PROJECT")
            .env_remove("PRAXIS_KEY")
            .env_remove("PRAXIS_KEY_FILE")
            .env("XDG_DATA_HOME", self.dir.path().join("xdg"))
            .current_dir(self.dir.path());
        c
    }

    /// Runs `praxis --store STORE args...`.
    fn run(&self, args: &[&str]) -> Out {
        let mut all = vec!["--store", self.store.to_str().expect("a UTF-8 path")];
        all.extend_from_slice(args);
        self.raw(&all)
    }

    /// Runs `praxis args...`, naming no store.
    fn raw(&self, args: &[&str]) -> Out {
        let out = self.command().args(args).output().expect("praxis runs");
        Out {
            code: out.status.code().expect("praxis exited, not killed"),
            stdout: String::from_utf8(out.stdout).expect("UTF-8 on stdout"),
            stderr: String::from_utf8(out.stderr).expect("UTF-8 on stderr"),
        }
    }

    /// Runs a command that must succeed; its text output.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.code, 0,
            "praxis {args:?} failed: {}\n{}",
            out.stderr, out.stdout
        );
        assert!(out.stderr.is_empty(), "praxis {args:?}: {}", out.stderr);
        out.stdout
    }

    /// Runs a command that must succeed with `--json`; its JSON output.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let text = self.ok(&all);
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("praxis {args:?} did not print JSON ({e}): {text}"))
    }

    /// Records something with `--json`; checks the answer and gives the record's id.
    fn save(&self, kind: &str, args: &[&str]) -> String {
        let out = self.json(args);
        assert_eq!(out["saved"], true, "{out}");
        assert_eq!(out["kind"], kind, "{out}");
        let id = out["id"].as_str().expect("an id").to_string();
        assert_eq!(id.len(), 36, "a full UUID: {id}");
        assert_eq!(out["short_id"].as_str(), Some(short(&id)), "{out}");
        assert!(
            out["stream"].as_str().is_some_and(|s| s.len() == 36),
            "{out}"
        );
        assert!(out["recorded_at"]["millis"].as_u64().is_some(), "{out}");
        id
    }

    /// Records something in text form; checks the sentence and gives the short id.
    fn save_text(&self, sentence: &str, args: &[&str]) -> String {
        let out = self.ok(args);
        assert!(out.starts_with(sentence), "expected '{sentence}...': {out}");
        assert!(out.contains("(saved "), "{out}");
        let short = out[sentence.len()..]
            .trim_start_matches(':')
            .split_whitespace()
            .next()
            .expect("a short id")
            .to_string();
        assert_eq!(short.len(), 8, "{out}");
        short
    }

    /// Every stream with its number of events, as `praxis --json status` shows them.
    fn counts(&self) -> Vec<(String, i64)> {
        let status = self.json(&["status"]);
        status["streams"]
            .as_array()
            .expect("streams")
            .iter()
            .map(|s| {
                (
                    s["id"].as_str().expect("a stream id").to_string(),
                    s["events"].as_i64().expect("an event count"),
                )
            })
            .collect()
    }

    fn events(&self) -> i64 {
        self.counts().iter().map(|(_, n)| n).sum()
    }

    /// Runs a command that must be refused with `code`, in text and in JSON: the
    /// message holds every one of `says`, and nothing is written. Gives the message.
    fn refused(&self, code: i32, args: &[&str], says: &[&str]) -> String {
        let before = self.counts();
        let out = self.run(args);
        assert_eq!(
            out.code, code,
            "praxis {args:?}: exit code; stderr: {}",
            out.stderr
        );
        assert!(
            out.stdout.is_empty(),
            "praxis {args:?} printed: {}",
            out.stdout
        );
        let message = out
            .stderr
            .strip_prefix("praxis: ")
            .unwrap_or_else(|| panic!("praxis {args:?}: stderr is not 'praxis: ...': {out:?}"))
            .trim_end()
            .to_string();
        for s in says {
            assert!(
                message.contains(s),
                "praxis {args:?}: the message does not say '{s}': {message}"
            );
        }
        assert!(!message.contains("panicked"), "{message}");
        assert_eq!(self.counts(), before, "praxis {args:?} wrote something");

        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert_eq!(out.code, code, "praxis {all:?}: {}", out.stderr);
        assert!(out.stdout.is_empty(), "praxis {all:?}: {}", out.stdout);
        let error: Value = serde_json::from_str(out.stderr.trim())
            .unwrap_or_else(|e| panic!("praxis {all:?}: stderr is not JSON ({e}): {out:?}"));
        assert_eq!(
            error["error"],
            if code == 2 { "refused" } else { "error" },
            "{error}"
        );
        assert_eq!(error["message"].as_str(), Some(message.as_str()), "{error}");
        assert_eq!(self.counts(), before, "praxis {all:?} wrote something");
        message
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn short(id: &str) -> &str {
    &id[id.len() - 8..]
}

fn keys(v: &Value) -> Vec<String> {
    v.as_object().expect("an object").keys().cloned().collect()
}

// ---------------------------------------------------------------- help and setup

#[test]
fn help_lists_every_command() {
    let p = Praxis::empty();
    let help = p.ok(&["--help"]);
    for command in [
        "init",
        "status",
        "collaborative",
        "project",
        "charter",
        "measure",
        "idea",
        "cycle",
        "observe",
        "action-plan",
        "learning-log",
        "report",
        "decide",
        "correct",
        "resolve",
        "overview",
        "conflicts",
        "feed",
        "history",
        "import",
        "rebuild",
    ] {
        assert!(
            help.lines()
                .any(|l| l.trim_start().starts_with(&format!("{command} "))),
            "--help does not list {command}:\n{help}"
        );
    }
    for flag in ["--store", "--project", "--json", "PRAXIS_STORE"] {
        assert!(help.contains(flag), "--help does not mention {flag}");
    }
    assert!(help.contains("praxis init"), "{help}");

    for (command, subcommands) in [
        (
            "collaborative",
            &["show", "schedule", "scale", "package-item"][..],
        ),
        ("project", &["start", "list"][..]),
        ("measure", &["define", "revise", "record", "show"][..]),
        ("cycle", &["plan", "do", "study", "act", "show"][..]),
        ("report", &["submit", "score"][..]),
    ] {
        let help = p.ok(&[command, "--help"]);
        for sub in subcommands {
            assert!(
                help.lines()
                    .any(|l| l.trim_start().starts_with(&format!("{sub} "))),
                "praxis {command} --help does not list {sub}:\n{help}"
            );
        }
    }
    let plan = p.ok(&["cycle", "plan", "--help"]);
    for flag in [
        "--question",
        "--prediction",
        "--reason",
        "--follows",
        "--idea",
    ] {
        assert!(plan.contains(flag), "cycle plan --help lacks {flag}");
    }
    let observe = p.ok(&["observe", "--help"]);
    assert!(observe.contains("pseudonymous"), "{observe}");
    assert!(observe.contains("--case-material"), "{observe}");
    let version = p.ok(&["--version"]);
    assert!(version.starts_with("praxis "), "{version}");
}

#[test]
fn init_founds_a_collaborative_and_status_shows_it() {
    let p = Praxis::empty();
    let text = p.ok(&[
        "init",
        "--name",
        "Ann Coordinator",
        "--collaborative",
        "Promoting independence",
        "--topic",
        "Independence",
        "--chosen-with",
        "Workshops",
    ]);
    assert!(text.contains("Store created at"), "{text}");
    assert!(text.contains("for Ann Coordinator"), "{text}");
    assert!(
        text.contains("Collaborative 'Promoting independence' founded"),
        "{text}"
    );
    assert!(text.contains("praxis project start"), "{text}");
    assert!(p.store.exists());

    let status = p.ok(&["status"]);
    assert!(status.starts_with("Ann Coordinator on device "), "{status}");
    assert!(status.contains("collaborative"), "{status}");
    assert!(
        status.contains("Promoting independence  (1 events)"),
        "{status}"
    );

    let status = p.json(&["status"]);
    assert_eq!(status["identity"]["name"], "Ann Coordinator");
    assert_eq!(status["store"].as_str(), p.store.to_str());
    let streams = status["streams"].as_array().expect("streams");
    assert_eq!(streams.len(), 1);
    assert_eq!(streams[0]["kind"], "Collaborative");
    assert_eq!(streams[0]["name"], "Promoting independence");
    assert_eq!(streams[0]["events"], 1);
    assert_eq!(streams[0]["collaborative"], Value::Null);

    // The JSON form of init.
    let q = Praxis::empty();
    let out = q.json(&[
        "init",
        "--name",
        "Bea",
        "--collaborative",
        "Over 85s",
        "--topic",
        "Outcomes-focused assessment",
        "--chosen-with",
        "Panel",
    ]);
    assert_eq!(out["identity"]["name"], "Bea");
    // Not "collaborative-founded" as the record commands print it (reported).
    assert_eq!(out["collaborative"]["kind"], "collaborative-founded");
    assert_eq!(out["store"].as_str(), q.store.to_str());

    // A store with no collaborative yet.
    let r = Praxis::empty();
    let text = r.ok(&["init", "--name", "Cal"]);
    assert!(text.contains("Store created"), "{text}");
    assert!(
        r.ok(&["status"])
            .contains("No collaborative or project here yet.")
    );
    assert_eq!(
        r.json(&["init", "--store", "x.db", "--name", "Di"])["collaborative"],
        Value::Null
    );
}

#[test]
fn init_on_an_existing_store_is_refused_and_changes_nothing() {
    let p = Praxis::with_collaborative();
    let who = p.json(&["status"])["identity"].clone();
    let message = p.refused(
        1,
        &["init", "--name", "Someone else"],
        &["already holds a Praxis store"],
    );
    assert!(
        message.contains(p.store.to_str().expect("a path")),
        "{message}"
    );
    p.refused(
        1,
        &[
            "init",
            "--name",
            "Someone else",
            "--collaborative",
            "Another",
            "--topic",
            "t",
            "--chosen-with",
            "c",
        ],
        &["already holds a Praxis store"],
    );
    assert_eq!(
        p.json(&["status"])["identity"],
        who,
        "the identity was replaced"
    );
}

#[test]
fn a_refused_founding_leaves_no_store_behind() {
    let p = Praxis::empty();
    // A collaborative needs its topic and how it was chosen.
    let out = p.run(&["init", "--name", "Ann", "--collaborative", "C"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--topic"), "{out:?}");
    let out = p.run(&[
        "init",
        "--name",
        "Ann",
        "--collaborative",
        "C",
        "--topic",
        " ",
        "--chosen-with",
        "x",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("The topic is missing"), "{out:?}");
    for suffix in ["", "-wal", "-shm"] {
        let f = format!("{}{suffix}", p.store.display());
        assert!(!Path::new(&f).exists(), "{f} was left behind");
    }
    let out = p.run(&["init", "--name", "  "]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("name is missing"), "{out:?}");
    assert!(!p.store.exists());
}

#[test]
fn a_wrong_store_path_says_how_to_create_one() {
    let p = Praxis::empty();
    let missing = p.path("nowhere/store.sqlite3");
    let missing = missing.to_str().expect("a path");
    for args in [
        &["status"][..],
        &["overview"][..],
        &["observe", "a note"][..],
    ] {
        let mut all = vec!["--store", missing];
        all.extend_from_slice(args);
        let out = p.raw(&all);
        assert_eq!(out.code, 1, "{out:?}");
        assert!(out.stdout.is_empty());
        assert!(out.stderr.contains("praxis init"), "{out:?}");
        assert!(out.stderr.contains(missing), "{out:?}");
        all.insert(0, "--json");
        let out = p.raw(&all);
        assert_eq!(out.code, 1, "{out:?}");
        let error: Value = serde_json::from_str(out.stderr.trim()).expect("JSON on stderr");
        assert_eq!(error["error"], "error");
        assert!(
            error["message"]
                .as_str()
                .is_some_and(|m| m.contains("praxis init"))
        );
    }
    assert!(!Path::new(missing).exists(), "a store was created");
    assert!(!p.path("nowhere").exists(), "a directory was created");

    // Without --store, the default place (under XDG_DATA_HOME) is named.
    let out = p.raw(&["status"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("praxis init"), "{out:?}");
    assert!(out.stderr.contains("xdg/praxis/store.sqlite3"), "{out:?}");

    // PRAXIS_STORE names the store as --store does.
    let q = Praxis::with_collaborative();
    let out = q
        .command()
        .env("PRAXIS_STORE", &q.store)
        .args(["--json", "status"])
        .output()
        .expect("praxis runs");
    assert_eq!(out.status.code(), Some(0));
    let status: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(status["store"].as_str(), q.store.to_str());

    // A file that is not a store is named as such, and left as it was.
    let text = p.path("notes.txt");
    std::fs::write(&text, "not a database, just notes\n").expect("write");
    let out = p.raw(&["--store", text.to_str().expect("a path"), "status"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("is not a Praxis store"), "{out:?}");
    assert_eq!(
        std::fs::read_to_string(&text).expect("read"),
        "not a database, just notes\n"
    );
}

// ---------------------------------------------------------------- the collaborative

#[test]
fn collaborative_show_schedule_scale_and_change_package() {
    let p = Praxis::with_project();
    let show = p.ok(&["collaborative", "show"]);
    assert!(
        show.starts_with("Promoting independence\nTopic: "),
        "{show}"
    );
    assert!(show.contains("Schedule: not set"), "{show}");
    assert!(
        show.contains("Progress scale: IHI progress scale (version 1)"),
        "{show}"
    );
    assert!(
        show.contains("  2.5  Changes tested, but no improvement"),
        "{show}"
    );
    assert!(show.contains("Change package:\n  (empty)"), "{show}");
    assert!(
        show.contains("Home sooner (Northside reablement)"),
        "{show}"
    );

    let schedule = p.save(
        "schedule-set",
        &[
            "collaborative",
            "schedule",
            "--phase",
            "prework:2026-01-05:2026-02-27",
            "--phase",
            "ls1:2026-03-02:2026-03-02",
            "--phase",
            "ap1:2026-03-03:2026-05-29",
        ],
    );
    assert_eq!(
        p.json(&["status"])["streams"]
            .as_array()
            .expect("streams")
            .iter()
            .find(|s| s["kind"] == "Collaborative")
            .expect("the collaborative")["id"],
        Value::String(p.collaborative.clone())
    );
    // A revision of the calendar.
    p.save_text(
        "Schedule saved",
        &[
            "collaborative",
            "schedule",
            "--phase",
            "prework:2026-01-05:2026-02-27",
            "--phase",
            "ls1:2026-03-02:2026-03-03",
            "--phase",
            "ap1:2026-03-04:2026-05-29",
            "--phase",
            "ls2:2026-06-01:2026-06-01",
            "--phase",
            "closing:2026-12-01:2026-12-01",
        ],
    );
    let item = p.save(
        "change-package-item-added",
        &[
            "collaborative",
            "package-item",
            "--title",
            "Positive risk-taking conversations",
            "--description",
            "Talk through risks with the person",
            "--research",
            "SCIE knowledge review 20",
            "--practice",
            "Northside team practice",
        ],
    );
    let scale = p.save(
        "progress-scale-adopted",
        &[
            "collaborative",
            "scale",
            "--version",
            "2",
            "--name",
            "Our progress scale",
            "--level",
            "1.0=Team formed",
            "--level",
            "2.0=Testing changes",
            "--level",
            "3.0=Improving",
        ],
    );
    assert_ne!(item, scale);

    let show = p.ok(&["collaborative", "show"]);
    assert!(
        show.contains("Learning session 1   2026-03-02 to 2026-03-03"),
        "{show}"
    );
    assert!(show.contains("Closing event"), "{show}");
    assert!(
        show.contains("Progress scale: Our progress scale (version 2)"),
        "{show}"
    );
    assert!(show.contains("  2.0  Testing changes"), "{show}");
    assert!(
        show.contains(&format!(
            "{}  Positive risk-taking conversations",
            short(&item)
        )),
        "{show}"
    );
    let view = p.json(&["collaborative", "show"]);
    assert_eq!(view["name"], "Promoting independence");
    assert_eq!(view["schedule"].as_array().map(Vec::len), Some(5));
    assert_eq!(view["schedule"][0]["kind"], "Prework");
    assert_eq!(view["schedule"][1]["kind"]["LearningSession"], 1);
    assert_eq!(view["schedule"][4]["kind"], "ClosingEvent");
    assert_eq!(view["scale"]["version"], 2);
    assert_eq!(view["scale"]["levels"][1]["score"], 20);
    assert_eq!(view["change_package"][0][0].as_str(), Some(item.as_str()));
    assert_eq!(view["projects"].as_array().map(Vec::len), Some(1));
    let history = p.json(&["history", &schedule]);
    assert_eq!(
        history["kind"], "collaborative-founded",
        "the schedule is the collaborative's"
    );
    assert!(history["entries"].as_array().is_some_and(|e| {
        e.iter()
            .any(|e| e["stamp"]["event"].as_str() == Some(schedule.as_str()))
    }));

    // Refusals.
    p.refused(
        2,
        &[
            "collaborative",
            "scale",
            "--version",
            "2",
            "--name",
            "Again",
            "--level",
            "1.0=x",
        ],
        &["not newer than version 2", "Number the new scale 3"],
    );
    p.refused(
        2,
        &[
            "collaborative",
            "scale",
            "--version",
            "3",
            "--name",
            "Down",
            "--level",
            "2.0=a",
            "--level",
            "1.0=b",
        ],
        &["comes after", "lowest to highest"],
    );
    p.refused(
        1,
        &[
            "collaborative",
            "scale",
            "--version",
            "3",
            "--name",
            "N",
            "--level",
            "two",
        ],
        &["is not SCORE=MEANING"],
    );
    p.refused(
        2,
        &[
            "collaborative",
            "schedule",
            "--phase",
            "ls1:2026-03-02:2026-03-01",
        ],
        &["ends (2026-03-01) before it starts (2026-03-02)"],
    );
    p.refused(
        2,
        &[
            "collaborative",
            "schedule",
            "--phase",
            "ls1:2026-03-02:2026-03-10",
            "--phase",
            "ap1:2026-03-05:2026-04-10",
        ],
        &["starts before phase 1 ends", "without overlaps"],
    );
    p.refused(
        1,
        &[
            "collaborative",
            "schedule",
            "--phase",
            "ls0:2026-03-02:2026-03-02",
        ],
        &["needs a number from 1 to 9"],
    );
    p.refused(
        1,
        &[
            "collaborative",
            "schedule",
            "--phase",
            "party:2026-03-02:2026-03-02",
        ],
        &["is not a phase"],
    );
    p.refused(
        1,
        &[
            "collaborative",
            "schedule",
            "--phase",
            "ls1:2026-03-32:2026-04-02",
        ],
        &["is not a date for the phase's start", "YYYY-MM-DD"],
    );
    p.refused(
        2,
        &["collaborative", "package-item", "--title", "No evidence"],
        &["No evidence source is given"],
    );
}

// ---------------------------------------------------------------- projects

#[test]
fn projects_start_list_and_are_chosen_with_project() {
    let p = Praxis::with_project();
    let list = p.ok(&["project", "list"]);
    assert_eq!(
        list.trim(),
        format!(
            "{}  Home sooner (Northside reablement)  (1 events)",
            short(&p.project)
        )
    );
    let second = p.json(&[
        "project",
        "start",
        "--team",
        "Eastside",
        "--organisation",
        "Care Trust",
        "--title",
        "Fewer falls",
    ])["stream"]
        .as_str()
        .expect("a stream")
        .to_string();
    let list = p.json(&["project", "list"]);
    let list = list.as_array().expect("a list");
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|s| s["kind"] == "Project"));
    assert!(
        list.iter()
            .all(|s| s["collaborative"].as_str() == Some(p.collaborative.as_str()))
    );

    // With two projects, a project command needs --project.
    let message = p.refused(1, &["overview"], &["Several projects match", "--project"]);
    assert!(message.contains("Fewer falls"), "{message}");
    // By a word of the title, by the stream's short id, in full.
    let overview = p.json(&["--project", "falls", "overview"]);
    assert_eq!(overview["project"]["title"], "Fewer falls");
    let overview = p.json(&["--project", short(&p.project), "overview"]);
    assert_eq!(overview["project"]["title"], "Home sooner");
    let overview = p.json(&["--project", &second, "overview"]);
    assert_eq!(overview["project"]["team"], "Eastside");
    assert_eq!(overview["stream"].as_str(), Some(second.as_str()));
    p.refused(
        1,
        &["--project", "gardening", "overview"],
        &["No project here matches 'gardening'", "praxis project list"],
    );
    // Records go to the project chosen.
    p.save(
        "observation-recorded",
        &["--project", "falls", "observe", "A fall at night"],
    );
    assert_eq!(
        p.json(&["--project", "falls", "feed"])
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        p.json(&["--project", "sooner", "feed"])
            .as_array()
            .map(Vec::len),
        Some(0)
    );

    // Refusals of project start.
    p.refused(
        2,
        &[
            "project",
            "start",
            "--team",
            " ",
            "--organisation",
            "O",
            "--title",
            "T",
        ],
        &["The team is missing"],
    );
    let bare = Praxis::empty();
    bare.ok(&["init", "--name", "Ann"]);
    bare.refused(
        1,
        &[
            "project",
            "start",
            "--team",
            "T",
            "--organisation",
            "O",
            "--title",
            "X",
        ],
        &["no collaborative", "praxis init --collaborative"],
    );
    bare.refused(
        1,
        &["overview"],
        &["no project on this device", "praxis project start"],
    );
}

// ---------------------------------------------------------------- charter

fn charter<'a>(how_much: &'a str, by_when: &'a str) -> Vec<&'a str> {
    vec![
        "charter",
        "--what",
        "people return home after a hospital stay",
        "--for-whom",
        "people over 85",
        "--where",
        "the borough",
        "--how-much",
        how_much,
        "--by-when",
        by_when,
        "--senior-leader",
        "Director of adult services",
        "--day-to-day-lead",
        "Team manager",
        "--member",
        "Ann",
        "--member",
        "Bob",
    ]
}

#[test]
fn charter_and_its_revision() {
    let p = Praxis::with_project();
    let overview = p.ok(&["overview"]);
    assert!(
        overview.contains("Aim: no charter yet (`praxis charter`)."),
        "{overview}"
    );

    p.refused(
        2,
        &charter("some", "2027-06-30"),
        &["some is not a number", "with a number"],
    );
    p.refused(
        1,
        &charter("from 40% to 75%", "soon"),
        &["'soon' is not a date for --by-when", "YYYY-MM-DD"],
    );
    p.refused(
        1,
        &charter("from 40% to 75%", "2027-02-30"),
        &["is not a date"],
    );
    p.refused(2, &charter("  ", "2027-06-30"), &["how much is missing"]);

    let first = p.save_text("Charter saved", &charter("from 40% to 75%", "2027-06-30"));
    let overview = p.ok(&["overview"]);
    assert!(
        overview.contains(
            "Aim: people return home after a hospital stay for people over 85 in the borough: from 40% to 75% by 2027-06-30."
        ),
        "{overview}"
    );
    assert!(
        overview
            .contains("Senior leader Director of adult services; day-to-day lead Team manager."),
        "{overview}"
    );
    let revised = p.save("charter-set", &charter("from 40% to 80%", "2027-09-30"));
    let overview = p.json(&["overview"]);
    assert_eq!(overview["charter"]["aim"]["how_much"], "from 40% to 80%");
    assert_eq!(overview["charter"]["aim"]["by_when"], "2027-09-30");
    assert_eq!(
        overview["charter"]["members"],
        serde_json::json!(["Ann", "Bob"])
    );
    assert!(overview["conflicts"].as_array().is_some_and(Vec::is_empty));
    // The charter belongs to the project: its history lists both versions.
    let history = p.json(&["history", &revised]);
    assert_eq!(history["kind"], "project-started");
    let entries = history["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 3, "{history}");
    assert!(
        entries[1]["stamp"]["event"]
            .as_str()
            .is_some_and(|e| e.ends_with(&first))
    );
    assert_eq!(
        entries[2]["stamp"]["event"].as_str(),
        Some(revised.as_str())
    );
    // A charter is revised, not corrected: the event that set it is not a record, and
    // the project it belongs to is revised, not corrected.
    p.refused(
        1,
        &["correct", &revised, "--reason", "typo", "--withdraw"],
        &["is not a record that can be corrected"],
    );
    let founding = history["id"]
        .as_str()
        .expect("the project's id")
        .to_string();
    p.refused(
        2,
        &["correct", &founding, "--reason", "typo", "--withdraw"],
        &["A project-started is not corrected but revised"],
    );
}

// ---------------------------------------------------------------- measures

fn define_days(p: &Praxis) -> String {
    p.save(
        "measure-defined",
        &[
            "measure",
            "define",
            "--name",
            "Days from referral to home",
            "--kind",
            "outcome",
            "--definition",
            "Calendar days from the referral to the day the person is home",
            "--unit",
            "days",
            "--direction",
            "down",
            "--target",
            "10",
        ],
    )
}

fn define_plans(p: &Praxis) -> String {
    p.save(
        "measure-defined",
        &[
            "measure",
            "define",
            "--name",
            "Support plans with own goals",
            "--kind",
            "process",
            "--definition",
            "Plans written this month that state the person's goals in their words",
            "--numerator",
            "plans with the person's goals",
            "--denominator",
            "plans written",
            "--direction",
            "up",
            "--frequency",
            "monthly",
        ],
    )
}

#[test]
fn measures_define_revise_record_and_show() {
    let p = Praxis::with_project();
    let overview = p.ok(&["overview"]);
    assert!(
        overview.contains("none yet (`praxis measure define`)"),
        "{overview}"
    );
    let days = define_days(&p);
    let plans = define_plans(&p);
    p.save_text(
        "Measure defined",
        &[
            "measure",
            "define",
            "--name",
            "Staff sickness",
            "--kind",
            "balancing",
            "--definition",
            "Days lost",
            "--unit",
            "days",
            "--direction",
            "down",
        ],
    );

    p.save(
        "measurement-recorded",
        &[
            "measure",
            "record",
            short(&days),
            "--from",
            "2026-03-02",
            "--to",
            "2026-03-08",
            "--value",
            "14",
            "--note",
            "baseline",
        ],
    );
    p.save_text(
        "Measurement saved",
        &[
            "measure",
            "record",
            &days,
            "--from",
            "2026-03-09",
            "--to",
            "2026-03-15",
            "--value",
            "12.5",
        ],
    );
    p.save(
        "measurement-recorded",
        &[
            "measure",
            "record",
            &plans,
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--numerator",
            "3",
            "--denominator",
            "10",
        ],
    );
    p.save(
        "measurement-recorded",
        &[
            "measure",
            "record",
            &plans,
            "--from",
            "2026-04-01",
            "--to",
            "2026-04-30",
            "--numerator",
            "6",
            "--denominator",
            "8",
        ],
    );
    // A single day when --to is not given.
    let day = p.save(
        "measurement-recorded",
        &[
            "measure",
            "record",
            &days,
            "--from",
            "2026-03-16",
            "--value",
            "11",
        ],
    );
    let history = p.json(&["history", &day]);
    assert_eq!(
        history["current"]["MeasurementRecorded"]["period_end"],
        "2026-03-16"
    );

    p.save_text(
        "Measure revised",
        &[
            "measure",
            "revise",
            &days,
            "--name",
            "Median days from referral to home",
            "--kind",
            "outcome",
            "--definition",
            "Median over the week of calendar days from referral to home",
            "--unit",
            "days",
            "--direction",
            "down",
            "--target",
            "9",
        ],
    );

    let show = p.ok(&["measure", "show", &days]);
    assert!(
        show.starts_with("Median days from referral to home (Outcome, lower is better)"),
        "{show}"
    );
    assert!(show.contains("Target: 9"), "{show}");
    assert!(show.contains("Revised 1 times."), "{show}");
    assert!(show.contains("2026-03-02 to 2026-03-08"), "{show}");
    assert!(show.contains("baseline"), "{show}");
    let series = p.json(&["measure", "show", &days]);
    assert_eq!(series["revisions"], 1);
    assert_eq!(series["definition"]["target"], 9.0);
    let points = series["points"].as_array().expect("points");
    assert_eq!(points.len(), 3);
    assert_eq!(points[0]["value"]["Value"], 14.0);
    assert_eq!(points[1]["plotted"], 12.5);
    assert_eq!(points[2]["period_start"], "2026-03-16");

    let show = p.ok(&["measure", "show", short(&plans)]);
    assert!(show.contains("3/10 (30.0%)"), "{show}");
    assert!(show.contains("6/8 (75.0%)"), "{show}");
    let series = p.json(&["measure", "show", &plans]);
    assert_eq!(series["points"][1]["plotted"], 75.0);
    assert_eq!(series["points"][1]["value"]["Ratio"]["denominator"], 8.0);
    assert_eq!(
        series["definition"]["unit"]["Ratio"]["numerator"],
        "plans with the person's goals"
    );

    let overview = p.ok(&["overview"]);
    assert!(
        overview.contains("Median days from referral to home"),
        "{overview}"
    );
    assert!(
        overview.contains("latest 11 for 2026-03-16 (3 points)"),
        "{overview}"
    );
    assert!(
        overview.contains("latest 6/8 (75.0%) for 2026-04-30 (2 points)"),
        "{overview}"
    );
    assert!(overview.contains("Staff sickness"), "{overview}");
    assert!(overview.contains("no data yet"), "{overview}");
    let overview = p.json(&["overview"]);
    let measures = overview["measures"].as_array().expect("measures");
    assert_eq!(measures.len(), 3);
    let line = |id: &str| {
        measures
            .iter()
            .find(|m| m["id"].as_str() == Some(id))
            .unwrap_or_else(|| panic!("measure {id} in the overview"))
            .clone()
    };
    assert_eq!(line(&days)["latest"]["value"]["Value"], 11.0);
    assert_eq!(line(&days)["measurements"], 3);
    assert_eq!(line(&days)["definition"]["kind"], "Outcome");
    assert_eq!(line(&days)["in_conflict"], false);
    assert_eq!(line(&plans)["latest"]["plotted"], 75.0);
    assert_eq!(line(&plans)["latest"]["value"]["Ratio"]["numerator"], 6.0);

    // Refusals.
    p.refused(
        2,
        &[
            "measure",
            "record",
            &plans,
            "--from",
            "2026-05-01",
            "--value",
            "3",
        ],
        &["is a proportion", "Give the numerator and the denominator"],
    );
    p.refused(
        2,
        &[
            "measure",
            "record",
            &days,
            "--from",
            "2026-05-01",
            "--numerator",
            "3",
            "--denominator",
            "4",
        ],
        &["is counted in days", "Give a single value"],
    );
    p.refused(
        2,
        &[
            "measure",
            "record",
            &plans,
            "--from",
            "2026-05-01",
            "--numerator",
            "11",
            "--denominator",
            "10",
        ],
        &["11 out of 10 is not a proportion"],
    );
    p.refused(
        2,
        &[
            "measure",
            "record",
            &plans,
            "--from",
            "2026-05-01",
            "--numerator",
            "1",
            "--denominator",
            "0",
        ],
        &["is not a proportion"],
    );
    // An id in full that is nobody's, and a short one.
    let nobody = "01a20000-0000-7000-8000-00000000beef";
    p.refused(
        2,
        &[
            "measure",
            "record",
            nobody,
            "--from",
            "2026-05-01",
            "--value",
            "3",
        ],
        &["There is no measure 0000beef", "praxis overview"],
    );
    p.refused(
        1,
        &[
            "measure",
            "record",
            "abcd1234",
            "--from",
            "2026-05-01",
            "--value",
            "3",
        ],
        &["Nothing here has the id 'abcd1234'"],
    );
    // A measurement is not a measure.
    p.refused(
        2,
        &[
            "measure",
            "record",
            &day,
            "--from",
            "2026-05-01",
            "--value",
            "3",
        ],
        &["is a record of kind 'measurement-recorded', not a measure"],
    );
    p.refused(
        2,
        &[
            "measure",
            "record",
            &days,
            "--from",
            "2026-05-08",
            "--to",
            "2026-05-01",
            "--value",
            "3",
        ],
        &["The period ends (2026-05-01) before it starts (2026-05-08)"],
    );
    p.refused(
        1,
        &[
            "measure", "record", &days, "--from", "8 May", "--value", "3",
        ],
        &["'8 May' is not a date for --from", "YYYY-MM-DD"],
    );
    p.refused(
        1,
        &["measure", "record", &days, "--from", "2026-05-01"],
        &["Give either --value, or --numerator and --denominator"],
    );
    p.refused(
        1,
        &[
            "measure",
            "define",
            "--name",
            "N",
            "--kind",
            "process",
            "--definition",
            "d",
            "--direction",
            "up",
        ],
        &["Give either --unit", "--numerator and --denominator"],
    );
    p.refused(
        2,
        &[
            "measure",
            "define",
            "--name",
            "N",
            "--kind",
            "process",
            "--definition",
            " ",
            "--unit",
            "u",
            "--direction",
            "up",
        ],
        &["operational definition is missing"],
    );
    p.refused(
        1,
        &["measure", "show", &day],
        &["is not a measure", "praxis overview"],
    );
}

// ---------------------------------------------------------------- ideas and cycles

fn plan_args<'a>(objective: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "cycle",
        "plan",
        "--objective",
        objective,
        "--question",
        "Will the person take part in the conversation?",
        "--prediction",
        "Yes, for about 20 minutes",
        "--reason",
        "They asked to talk about going out alone",
        "--who",
        "Ann",
        "--what",
        "A risk conversation at the first visit",
        "--where",
        "The person's home",
        "--when",
        "2026-03-10",
        "--data",
        "Minutes of conversation; the person's own words",
    ];
    args.extend_from_slice(extra);
    args
}

fn package_item(p: &Praxis) -> String {
    p.save(
        "change-package-item-added",
        &[
            "collaborative",
            "package-item",
            "--title",
            "Positive risk-taking",
            "--research",
            "SCIE knowledge review",
        ],
    )
}

#[test]
fn ideas_and_a_ramp_of_cycles() {
    let p = Praxis::with_project();
    let item = package_item(&p);
    let idea = p.save(
        "change-idea-proposed",
        &[
            "idea",
            "--title",
            "Talk about risk at the first visit",
            "--description",
            "Ask what matters before what could go wrong",
            "--package-item",
            short(&item),
            "--research",
            "SCIE practice guide 34",
            "--practice",
            "What the Eastside team does",
        ],
    );
    let history = p.json(&["history", &idea]);
    let evidence = &history["current"]["ChangeIdeaProposed"]["evidence"];
    assert_eq!(evidence[0]["PackageItem"].as_str(), Some(item.as_str()));
    assert_eq!(evidence[1]["Source"]["kind"], "Research");
    assert_eq!(evidence[2]["Source"]["kind"], "PracticeKnowledge");
    assert_eq!(
        evidence[2]["Source"]["citation"],
        "What the Eastside team does"
    );
    p.save_text(
        "Change idea saved",
        &[
            "idea",
            "--title",
            "Second idea",
            "--practice",
            "Team meeting",
        ],
    );

    p.refused(
        2,
        &["idea", "--title", "Without evidence"],
        &["not linked to any evidence"],
    );
    // A package item id that names something else (the idea itself).
    p.refused(
        2,
        &["idea", "--title", "x", "--package-item", &idea],
        &[
            "There is no change-package item",
            "praxis collaborative show",
        ],
    );

    let overview = p.ok(&["overview"]);
    assert!(
        overview.contains("none yet (`praxis cycle plan`)"),
        "{overview}"
    );
    let first = p.save(
        "cycle-planned",
        &plan_args(
            "Try a risk conversation with one person",
            &["--idea", short(&idea)],
        ),
    );
    let cycle = p.json(&["cycle", "show", &first]);
    assert_eq!(cycle["stage"], "Plan");
    assert_eq!(cycle["plan"]["change_idea"].as_str(), Some(idea.as_str()));
    assert_eq!(cycle["plan"]["scale"], "VerySmall");

    // Act before Study, Study before Do.
    p.refused(
        2,
        &[
            "cycle",
            "act",
            &first,
            "--decision",
            "adopt",
            "--reasons",
            "it worked",
        ],
        &["has not been studied yet", "praxis cycle study"],
    );
    p.refused(
        2,
        &[
            "cycle",
            "study",
            &first,
            "--compared",
            "c",
            "--learning",
            "l",
        ],
        &["has no Do yet", "praxis cycle do"],
    );
    // Do and Act on an id that is not a cycle.
    p.refused(
        2,
        &[
            "cycle",
            "do",
            &idea,
            "--on",
            "2026-03-10",
            "--by",
            "Ann",
            "--observations",
            "o",
        ],
        &[
            "There is no planned cycle",
            "for this Do: it needs a cycle with a Plan",
            "praxis cycle plan",
        ],
    );
    p.refused(
        2,
        &[
            "cycle",
            "act",
            &idea,
            "--decision",
            "adopt",
            "--reasons",
            "r",
        ],
        &["There is no planned cycle", "praxis cycle plan"],
    );
    p.refused(
        2,
        &[
            "cycle",
            "study",
            &item,
            "--compared",
            "c",
            "--learning",
            "l",
        ],
        &["There is no planned cycle"],
    );
    p.refused(
        1,
        &[
            "cycle",
            "do",
            &first,
            "--on",
            "yesterday",
            "--by",
            "Ann",
            "--observations",
            "o",
        ],
        &["'yesterday' is not a date for --on"],
    );
    p.refused(
        2,
        &[
            "cycle",
            "do",
            &first,
            "--on",
            "2026-03-10",
            "--by",
            "Ann",
            "--observations",
            " ",
        ],
        &["observations is missing"],
    );

    p.save_text(
        "Do recorded",
        &[
            "cycle",
            "do",
            short(&first),
            "--on",
            "2026-03-10",
            "--by",
            "Ann",
            "--observations",
            "Mrs P talked for 25 minutes",
            "--problems",
            "The TV was on",
            "--surprises",
            "Her son joined in",
            "--data",
            "25 minutes",
        ],
    );
    assert_eq!(p.json(&["cycle", "show", &first])["stage"], "Do");
    p.save(
        "cycle-studied",
        &[
            "cycle",
            "study",
            &first,
            "--analysis",
            "One conversation",
            "--compared",
            "Longer than predicted",
            "--learning",
            "People want to talk about risk",
        ],
    );
    p.refused(
        2,
        &[
            "cycle",
            "act",
            &first,
            "--decision",
            "adapt",
            "--reasons",
            " ",
        ],
        &["reasons for the decision is missing"],
    );
    p.save(
        "cycle-acted",
        &[
            "cycle",
            "act",
            &first,
            "--decision",
            "adapt",
            "--reasons",
            "Worked; try with more people",
            "--changes",
            "Turn the TV off",
            "--next",
            "Three people next week",
        ],
    );

    // A follow-up cycle on the ramp, and a third one after it.
    let second = p.save(
        "cycle-planned",
        &plan_args(
            "Try it with three people",
            &[
                "--follows",
                short(&first),
                "--scale",
                "follow-up",
                "--idea",
                &idea,
            ],
        ),
    );
    let third = p.save(
        "cycle-planned",
        &plan_args(
            "Try it across the team",
            &["--follows", &second, "--scale", "wider"],
        ),
    );
    let apart = p.save("cycle-planned", &plan_args("Unrelated test", &[]));
    p.refused(
        2,
        &plan_args("Follows nothing", &["--follows", &idea]),
        &["There is no planned cycle", "follow-up cycle"],
    );
    p.refused(
        2,
        &plan_args("Tests a measure", &["--idea", &item]),
        &["There is no change idea", "praxis overview"],
    );
    p.refused(
        1,
        &plan_args("Bad day", &[])
            .into_iter()
            .map(|a| if a == "2026-03-10" { "2026-3-1x" } else { a })
            .collect::<Vec<_>>(),
        &["is not a date for --when"],
    );
    let mut unbalanced = plan_args("Two questions", &["--question", "Another?"]);
    unbalanced.push("--prediction");
    unbalanced.push("p2");
    p.refused(
        1,
        &unbalanced,
        &["Give one --prediction and one --reason for each --question"],
    );

    let text = p.ok(&["cycle", "show", &first]);
    assert!(
        text.starts_with(&format!(
            "Cycle {}: Try a risk conversation with one person  [adapted]",
            short(&first)
        )),
        "{text}"
    );
    for part in [
        "PLAN (VerySmall test)",
        "Q: Will the person take part in the conversation?",
        "predicted: Yes, for about 20 minutes (because They asked to talk about going out alone)",
        "Who: Ann. What: A risk conversation at the first visit. Where: The person's home. When: 2026-03-10.",
        "DO ",
        "Problems: The TV was on",
        "Surprises: Her son joined in",
        "STUDY ",
        "Against the predictions: Longer than predicted",
        "ACT: Adapt",
        "Next: Three people next week",
        &format!("Leads to: {}", short(&second)),
        "History:",
        "Plan recorded",
    ] {
        assert!(text.contains(part), "cycle show lacks '{part}':\n{text}");
    }
    let text = p.ok(&["cycle", "show", &second]);
    assert!(
        text.contains(&format!("Follows cycle {}", short(&first))),
        "{text}"
    );
    assert!(text.contains("PLAN (FollowUp test)"), "{text}");

    let cycle = p.json(&["cycle", "show", &first]);
    assert_eq!(cycle["stage"]["Act"], "Adapt");
    assert_eq!(cycle["act"]["decision"], "Adapt");
    assert_eq!(cycle["act"]["changes"], "Turn the TV off");
    assert_eq!(cycle["dos"].as_array().map(Vec::len), Some(1));
    assert_eq!(cycle["dos"][0][1]["carried_out_by"], "Ann");
    assert_eq!(
        cycle["studies"][0][1]["learning"],
        "People want to talk about risk"
    );
    assert_eq!(cycle["leads_to"], serde_json::json!([second]));
    assert_eq!(cycle["history"].as_array().map(Vec::len), Some(4));
    assert_eq!(
        p.json(&["cycle", "show", &second])["follows"].as_str(),
        Some(first.as_str())
    );

    // A revised Act is single-valued: the new one replaces the old one.
    p.save(
        "cycle-acted",
        &[
            "cycle",
            "act",
            &first,
            "--decision",
            "adopt",
            "--reasons",
            "Three people confirmed it",
        ],
    );
    assert_eq!(
        p.json(&["cycle", "show", &first])["act"]["decision"],
        "Adopt"
    );

    let overview = p.ok(&["overview"]);
    assert!(
        overview.contains("Cycles by stage:\n  adopted:\n"),
        "{overview}"
    );
    assert!(overview.contains("  planned:\n"), "{overview}");
    assert!(overview.contains("Ramps:\n"), "{overview}");
    assert!(
        overview.contains(&format!(
            "  {} Try a risk conversation with one person [adopted]",
            short(&first)
        )),
        "{overview}"
    );
    assert!(
        overview.contains(&format!(
            "    {} Try it with three people [planned]",
            short(&second)
        )),
        "{overview}"
    );
    assert!(
        overview.contains(&format!(
            "      {} Try it across the team [planned]",
            short(&third)
        )),
        "{overview}"
    );

    let overview = p.json(&["overview"]);
    assert_eq!(
        keys(&overview["cycles_by_stage"]),
        vec!["adopted", "planned"]
    );
    assert_eq!(
        overview["cycles_by_stage"]["planned"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    assert_eq!(
        overview["cycles_by_stage"]["adopted"][0]["id"].as_str(),
        Some(first.as_str())
    );
    let ramps = overview["ramps"].as_array().expect("ramps");
    assert_eq!(
        ramps.len(),
        2,
        "one ramp of three, one test alone: {ramps:?}"
    );
    let ramp = ramps
        .iter()
        .find(|r| r["steps"].as_array().is_some_and(|s| s.len() == 3))
        .expect("the ramp of three cycles");
    let steps: Vec<(String, u64)> = ramp["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["cycle"]["id"].as_str().expect("id").to_string(),
                s["depth"].as_u64().expect("depth"),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![(first.clone(), 0), (second.clone(), 1), (third.clone(), 2)]
    );
    assert_eq!(ramp["steps"][1]["cycle"]["scale"], "FollowUp");
    assert!(
        ramps
            .iter()
            .any(|r| r["steps"][0]["cycle"]["id"].as_str() == Some(apart.as_str()))
    );
    let ideas = overview["change_ideas"].as_array().expect("change ideas");
    assert_eq!(ideas.len(), 2);
    assert_eq!(ideas[0][0].as_str(), Some(idea.as_str()));

    p.refused(
        1,
        &["cycle", "show", &idea],
        &["is not a cycle", "praxis overview"],
    );
}

// ---------------------------------------------------------------- observations

#[test]
fn observations_with_and_without_a_cycle() {
    let p = Praxis::with_project();
    let feed = p.ok(&["feed"]);
    assert_eq!(
        feed.trim(),
        "No observations yet (`praxis observe \"...\"`)."
    );
    let cycle = p.save("cycle-planned", &plan_args("A small test", &[]));

    let free = p.save(
        "observation-recorded",
        &["observe", "The team meeting ran over"],
    );
    let linked = p.save(
        "observation-recorded",
        &[
            "observe",
            "P-0413 was pleased to go to the shop alone",
            "--cycle",
            short(&cycle),
            "--subject",
            "P-0413",
            "--case-material",
            "--on",
            "2026-03-11",
        ],
    );
    let subject_only = p.save_text(
        "Observation saved",
        &[
            "observe",
            "Asked about the day centre",
            "--subject",
            "REF-77",
            "--on",
            "2026-03-09",
        ],
    );

    let feed = p.ok(&["feed"]);
    let lines: Vec<&str> = feed.lines().collect();
    assert_eq!(lines.len(), 3, "{feed}");
    assert!(
        feed.contains(&format!(
            "2026-03-11  {} [case material] about P-0413  P-0413 was pleased to go to the shop alone",
            short(&linked)
        )),
        "{feed}"
    );
    assert!(
        feed.contains(&format!(
            "{} about REF-77  Asked about the day centre",
            subject_only
        )),
        "{feed}"
    );
    assert!(
        feed.contains(&format!("{}  The team meeting ran over", short(&free))),
        "{feed}"
    );

    let items = p.json(&["feed", "--limit", "2"]);
    let items = items.as_array().expect("a list");
    assert_eq!(items.len(), 2, "--limit is respected");
    let all = p.json(&["feed"]);
    let all = all.as_array().expect("a list");
    assert_eq!(all.len(), 3);
    // Newest first.
    assert!(
        all[0]["id"]
            .as_str()
            .is_some_and(|i| i.ends_with(&subject_only)),
        "{all:?}"
    );
    let linked_item = all
        .iter()
        .find(|i| i["id"].as_str() == Some(linked.as_str()))
        .expect("the linked observation");
    assert_eq!(linked_item["observation"]["kind"], "CaseMaterial");
    assert_eq!(
        linked_item["observation"]["cycle"].as_str(),
        Some(cycle.as_str())
    );
    assert_eq!(linked_item["observation"]["subject"], "P-0413");
    assert_eq!(linked_item["observation"]["observed_on"], "2026-03-11");
    assert_eq!(linked_item["corrected"], false);
    let free_item = all
        .iter()
        .find(|i| i["id"].as_str() == Some(free.as_str()))
        .expect("the free observation");
    assert_eq!(free_item["observation"]["kind"], "Observation");
    assert_eq!(free_item["observation"]["cycle"], Value::Null);
    assert_eq!(free_item["observation"]["subject"], Value::Null);
    assert_eq!(
        free_item["recorded_by"],
        p.json(&["status"])["identity"]["person"],
        "recorded by the store's person"
    );

    // The cycle shows the observation that belongs to it.
    let view = p.json(&["cycle", "show", &cycle]);
    let observations = view["observations"].as_array().expect("observations");
    assert_eq!(observations.len(), 1);
    assert_eq!(observations[0]["id"].as_str(), Some(linked.as_str()));
    assert!(
        p.ok(&["cycle", "show", &cycle])
            .contains("P-0413 was pleased")
    );

    // Refusals: a name is not a pseudonymous reference.
    for name in ["Mary Jones", "Mary", "mrs.smith"] {
        p.refused(
            2,
            &["observe", "Went out alone", "--subject", name],
            &[
                &format!("'{name}' does not look like a pseudonymous reference"),
                "P-0413",
                "not by name",
            ],
        );
    }
    p.refused(2, &["observe", "  "], &["observation is missing"]);
    p.refused(
        2,
        &["observe", "Linked to nothing", "--cycle", &free],
        &["There is no planned cycle", "observation linked to a cycle"],
    );
    p.refused(
        1,
        &["observe", "x", "--cycle", "ffff9999"],
        &["Nothing here has the id 'ffff9999'"],
    );
    p.refused(
        1,
        &["observe", "x", "--on", "11/03/2026"],
        &["is not a date for --on"],
    );
}

// ---------------------------------------------------------------- SCIE templates

#[test]
fn action_plan_and_learning_log() {
    let p = Praxis::with_project();
    let entry = p.save(
        "action-plan-entry-added",
        &[
            "action-plan",
            "--now",
            "People wait 14 days to go home",
            "--achieve",
            "10 days",
            "--how",
            "Risk conversations at the first visit",
            "--who",
            "Ann: run the first tests",
            "--timescales",
            "By the end of action period 1",
        ],
    );
    let history = p.json(&["history", &entry]);
    assert_eq!(history["kind"], "action-plan-entry-added");
    let content = &history["current"]["ActionPlanEntryAdded"];
    assert_eq!(
        content["where_are_we_now"],
        "People wait 14 days to go home"
    );
    assert_eq!(content["what_do_we_want_to_achieve"], "10 days");
    assert_eq!(
        content["how_will_we_get_there"],
        "Risk conversations at the first visit"
    );
    assert_eq!(
        content["who_needs_to_take_what_action"],
        "Ann: run the first tests"
    );
    assert_eq!(content["timescales"], "By the end of action period 1");
    assert!(
        p.ok(&["history", &entry])
            .starts_with(&format!("action-plan-entry-added {}", short(&entry)))
    );

    let log = p.save_text(
        "Learning log entry saved",
        &[
            "learning-log",
            "--learning",
            "People want to talk about risk",
            "--action",
            "Add a question to the first-visit form",
            "--responsibility",
            "Team manager",
            "--implement-by",
            "2026-04-30",
        ],
    );
    let history = p.json(&["history", &log]);
    assert_eq!(
        history["current"]["LearningLogEntryAdded"]["implement_by"],
        "2026-04-30"
    );
    assert_eq!(
        history["current"]["LearningLogEntryAdded"]["responsibility"],
        "Team manager"
    );

    p.refused(
        2,
        &[
            "action-plan",
            "--now",
            "n",
            "--achieve",
            "a",
            "--how",
            "h",
            "--who",
            "w",
            "--timescales",
            " ",
        ],
        &["timescales is missing"],
    );
    p.refused(
        2,
        &[
            "action-plan",
            "--now",
            "",
            "--achieve",
            "a",
            "--how",
            "h",
            "--who",
            "w",
            "--timescales",
            "t",
        ],
        &["'Where are we now?' is missing"],
    );
    p.refused(
        1,
        &[
            "learning-log",
            "--learning",
            "l",
            "--action",
            "a",
            "--responsibility",
            "r",
            "--implement-by",
            "end of April",
        ],
        &["'end of April' is not a date for --implement-by"],
    );
    p.refused(
        2,
        &[
            "learning-log",
            "--learning",
            "l",
            "--action",
            "a",
            "--responsibility",
            " ",
            "--implement-by",
            "2026-04-30",
        ],
        &["responsibility is missing"],
    );
}

// ---------------------------------------------------------------- reports and decisions

fn report_args(month: &str, score: &str) -> Vec<String> {
    [
        "report",
        "submit",
        "--month",
        month,
        "--measures",
        "Days to home down from 14 to 12",
        "--cycles",
        "Three cycles on one ramp",
        "--learning",
        "People want to talk about risk",
        "--barriers",
        "Cover for sickness",
        "--plans",
        "Spread to Eastside",
        "--self-score",
        score,
    ]
    .map(String::from)
    .to_vec()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn monthly_reports_and_coordinator_scores() {
    let p = Praxis::with_project();
    let march = p.save(
        "monthly-report-submitted",
        &strs(&report_args("2026-03", "2.5")),
    );
    let april = p.save_text(
        "Monthly report submitted",
        &strs(&report_args("2026-04", "3.0")),
    );

    p.save(
        "coordinator-score-given",
        &[
            "report",
            "score",
            short(&march),
            "--score",
            "2.0",
            "--justification",
            "No change tested under varied conditions yet",
        ],
    );
    p.save_text(
        "Coordinator's score saved",
        &[
            "report",
            "score",
            &april,
            "--score",
            "3.0",
            "--justification",
            "Agreed",
        ],
    );

    let overview = p.ok(&["overview"]);
    assert!(overview.contains("Monthly reports:"), "{overview}");
    assert!(
        overview.contains(&format!(
            "{}  March 2026  self 2.5, coordinator 2.0",
            short(&march)
        )),
        "{overview}"
    );
    assert!(
        overview.contains(&format!("{april}  April 2026  self 3.0, coordinator 3.0")),
        "{overview}"
    );
    let overview = p.json(&["overview"]);
    let reports = overview["reports"].as_array().expect("reports");
    assert_eq!(reports.len(), 2);
    let line = reports
        .iter()
        .find(|r| r["id"].as_str() == Some(march.as_str()))
        .expect("March's report");
    assert_eq!(line["month"], "2026-03-01");
    assert_eq!(line["self_score"], 25, "scores are in tenths");
    assert_eq!(line["coordinator_scores"], serde_json::json!([20]));

    // Refusals.
    p.refused(
        2,
        &strs(&report_args("2026-05", "3.3")),
        &[
            "3.3 is not on the IHI progress scale",
            "0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0",
        ],
    );
    p.refused(
        2,
        &[
            "report",
            "score",
            &march,
            "--score",
            "3.3",
            "--justification",
            "j",
        ],
        &["3.3 is not on the IHI progress scale"],
    );
    p.refused(
        1,
        &[
            "report",
            "score",
            &march,
            "--score",
            "3.25",
            "--justification",
            "j",
        ],
        &["'3.25' is not a score: write it like 3.5"],
    );
    p.refused(
        2,
        &strs(&report_args("2026-03", "3.0")),
        &[
            "The report for March 2026 was already submitted",
            short(&march),
            "praxis correct",
        ],
    );
    p.refused(
        1,
        &strs(&report_args("March", "3.0")),
        &["'March' is not a month", "YYYY-MM"],
    );
    p.refused(
        1,
        &strs(&report_args("2026-13", "3.0")),
        &["'2026-13' is not a month"],
    );
    p.refused(
        2,
        &[
            "report",
            "score",
            &march,
            "--score",
            "2.5",
            "--justification",
            " ",
        ],
        &["justification of the score is missing"],
    );
    let idea = p.save(
        "change-idea-proposed",
        &["idea", "--title", "i", "--practice", "p"],
    );
    p.refused(
        2,
        &[
            "report",
            "score",
            &idea,
            "--score",
            "2.5",
            "--justification",
            "j",
        ],
        &["not a monthly report"],
    );

    // An adopted scale of the collaborative is the one scores are checked against.
    p.save(
        "progress-scale-adopted",
        &[
            "collaborative",
            "scale",
            "--version",
            "2",
            "--name",
            "Thirds",
            "--level",
            "1.0=a",
            "--level",
            "3.3=b",
        ],
    );
    p.save(
        "monthly-report-submitted",
        &strs(&report_args("2026-05", "3.3")),
    );
    p.refused(
        2,
        &strs(&report_args("2026-06", "2.5")),
        &["2.5 is not on the Thirds (version 2)", "1.0, 3.3"],
    );
}

#[test]
fn manager_decisions_rest_on_records() {
    let p = Praxis::with_project();
    let report = p.save(
        "monthly-report-submitted",
        &strs(&report_args("2026-03", "2.5")),
    );
    let cycle = p.save("cycle-planned", &plan_args("A test", &[]));
    let decision = p.save(
        "manager-decision-recorded",
        &[
            "decide",
            "--decision",
            "Spread risk conversations to every team",
            "--rationale",
            "Tested small, then wider; days to home fell",
            "--rests-on",
            short(&report),
            "--rests-on",
            &cycle,
        ],
    );
    let history = p.json(&["history", &decision]);
    let content = &history["current"]["ManagerDecisionRecorded"];
    assert_eq!(
        content["decision"],
        "Spread risk conversations to every team"
    );
    assert_eq!(content["rests_on"], serde_json::json!([report, cycle]));
    let text = p.ok(&["history", &decision]);
    assert!(
        text.starts_with(&format!("manager-decision-recorded {}", short(&decision))),
        "{text}"
    );

    p.refused(
        1,
        &[
            "decide",
            "--decision",
            "d",
            "--rationale",
            "r",
            "--rests-on",
            "deadbeef",
        ],
        &["Nothing here has the id 'deadbeef'"],
    );
    p.refused(
        2,
        &[
            "decide",
            "--decision",
            "d",
            "--rationale",
            "r",
            "--rests-on",
            "01a20000-0000-7000-8000-0000deadbeef",
        ],
        &["rests on deadbeef, which is not a record of this project"],
    );
    p.refused(
        2,
        &[
            "decide",
            "--decision",
            "d",
            "--rationale",
            " ",
            "--rests-on",
            &report,
        ],
        &["rationale is missing"],
    );
    let out = p.run(&["decide", "--decision", "d", "--rationale", "r"]);
    assert_eq!(
        out.code, 2,
        "clap refuses a decision without --rests-on: {out:?}"
    );
    assert!(out.stderr.contains("--rests-on"), "{out:?}");
}

// ---------------------------------------------------------------- corrections

#[test]
fn corrections_keep_the_original_in_the_history() {
    let p = Praxis::with_project();
    let days = define_days(&p);
    let plans = define_plans(&p);
    let note = p.save(
        "observation-recorded",
        &["observe", "Mrs P went out alne", "--on", "2026-03-10"],
    );
    let gone = p.save(
        "observation-recorded",
        &["observe", "Recorded in the wrong project"],
    );
    let value = p.save(
        "measurement-recorded",
        &[
            "measure",
            "record",
            &days,
            "--from",
            "2026-03-02",
            "--to",
            "2026-03-08",
            "--value",
            "41",
        ],
    );
    let ratio = p.save(
        "measurement-recorded",
        &[
            "measure",
            "record",
            &plans,
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--numerator",
            "3",
            "--denominator",
            "10",
        ],
    );
    let entry = p.save(
        "action-plan-entry-added",
        &[
            "action-plan",
            "--now",
            "14 dayz",
            "--achieve",
            "10 days",
            "--how",
            "h",
            "--who",
            "w",
            "--timescales",
            "t",
        ],
    );

    // The text of an observation.
    p.save_text(
        "Correction saved",
        &[
            "correct",
            short(&note),
            "--reason",
            "typo",
            "--text",
            "Mrs P went out alone",
        ],
    );
    // The value of a measurement, and a ratio.
    p.save(
        "correction",
        &[
            "correct",
            &value,
            "--reason",
            "digits swapped",
            "--value",
            "14",
        ],
    );
    p.save(
        "correction",
        &[
            "correct",
            &ratio,
            "--reason",
            "recount",
            "--numerator",
            "4",
            "--denominator",
            "10",
        ],
    );
    // Withdrawn.
    p.save_text(
        "Record withdrawn",
        &["correct", &gone, "--reason", "wrong project", "--withdraw"],
    );
    // Any other kind, as JSON.
    let replacement = serde_json::to_string(&Replacement::ActionPlanEntry(ActionPlanEntry {
        where_are_we_now: "14 days".into(),
        what_do_we_want_to_achieve: "10 days".into(),
        how_will_we_get_there: "h".into(),
        who_needs_to_take_what_action: "w".into(),
        timescales: "t".into(),
    }))
    .expect("JSON");
    p.save(
        "correction",
        &[
            "correct",
            &entry,
            "--reason",
            "typo",
            "--replacement",
            &replacement,
        ],
    );

    // History shows the correction.
    let text = p.ok(&["history", &note]);
    assert!(
        text.starts_with(&format!("observation-recorded {}\n", short(&note))),
        "{text}"
    );
    assert!(text.contains("As first recorded: "), "{text}");
    assert!(text.contains("Mrs P went out alne"), "{text}");
    assert!(text.contains("As it stands now:  "), "{text}");
    assert!(text.contains("corrected: typo"), "{text}");
    let history = p.json(&["history", &note]);
    assert_eq!(
        history["original"]["ObservationRecorded"]["text"],
        "Mrs P went out alne"
    );
    assert_eq!(
        history["current"]["ObservationRecorded"]["text"],
        "Mrs P went out alone"
    );
    assert_eq!(
        history["current"]["ObservationRecorded"]["observed_on"],
        "2026-03-10"
    );
    assert_eq!(history["withdrawn"], false);
    let entries = history["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["kind"], "correction");
    assert_eq!(entries[1]["what"], "corrected: typo");
    // Any event that touched the record names it too.
    let correction = entries[1]["stamp"]["event"]
        .as_str()
        .expect("the correction's id");
    assert_eq!(
        p.json(&["history", correction])["id"].as_str(),
        Some(note.as_str())
    );

    let history = p.json(&["history", &gone]);
    assert_eq!(history["withdrawn"], true);
    assert!(p.ok(&["history", &gone]).contains("(withdrawn)"));
    assert!(
        p.ok(&["history", &gone])
            .contains("withdrawn: wrong project")
    );

    let history = p.json(&["history", &value]);
    assert_eq!(
        history["original"]["MeasurementRecorded"]["value"]["Value"],
        41.0
    );
    assert_eq!(
        history["current"]["MeasurementRecorded"]["value"]["Value"],
        14.0
    );
    assert_eq!(
        p.json(&["history", &entry])["current"]["ActionPlanEntryAdded"]["where_are_we_now"],
        "14 days"
    );

    // The views show the corrected records, and no withdrawn one.
    let feed = p.json(&["feed"]);
    let feed = feed.as_array().expect("a list");
    assert_eq!(
        feed.len(),
        1,
        "the withdrawn observation is not in the feed"
    );
    assert_eq!(feed[0]["corrected"], true);
    assert_eq!(feed[0]["observation"]["text"], "Mrs P went out alone");
    assert!(
        p.ok(&["feed"])
            .contains("(corrected)  Mrs P went out alone")
    );
    let series = p.json(&["measure", "show", &days]);
    assert_eq!(series["points"][0]["value"]["Value"], 14.0);
    assert_eq!(series["points"][0]["corrected"], true);
    assert!(p.ok(&["measure", "show", &days]).contains("14 (corrected)"));
    let overview = p.json(&["overview"]);
    let plans_line = overview["measures"]
        .as_array()
        .expect("measures")
        .iter()
        .find(|m| m["id"].as_str() == Some(plans.as_str()))
        .expect("the ratio measure")
        .clone();
    assert_eq!(plans_line["latest"]["plotted"], 40.0);

    // Refusals.
    p.refused(
        2,
        &["correct", &days, "--reason", "r", "--withdraw"],
        &["A measure-defined is not corrected but revised"],
    );
    p.refused(
        2,
        &["correct", &note, "--reason", " ", "--text", "x"],
        &["reason for the correction is missing"],
    );
    p.refused(
        2,
        &[
            "correct",
            &value,
            "--reason",
            "r",
            "--numerator",
            "1",
            "--denominator",
            "2",
        ],
        &["is counted in days"],
    );
    p.refused(
        1,
        &["correct", &entry, "--reason", "r", "--text", "x"],
        &[
            "Say what the corrected action-plan-entry-added is",
            "--replacement",
        ],
    );
    p.refused(
        1,
        &[
            "correct",
            &entry,
            "--reason",
            "r",
            "--replacement",
            "{not json",
        ],
        &["--replacement is not a corrected record in JSON"],
    );
    let other_kind = serde_json::to_string(&Replacement::Study(Study {
        analysis: String::new(),
        compared_with_predictions: "c".into(),
        learning: "l".into(),
    }))
    .expect("JSON");
    p.refused(
        2,
        &[
            "correct",
            &entry,
            "--reason",
            "r",
            "--replacement",
            &other_kind,
        ],
        &["The correction does not match the record"],
    );
    // A correction cannot move a measurement to another measure.
    let moved = serde_json::to_string(&Replacement::Measurement(Measurement {
        measure: plans.parse::<EventId>().expect("an id"),
        period_start: date!(2026 - 03 - 02),
        period_end: date!(2026 - 03 - 08),
        value: MeasurementValue::Ratio {
            numerator: 1.0,
            denominator: 2.0,
        },
        note: String::new(),
    }))
    .expect("JSON");
    p.refused(
        2,
        &["correct", &value, "--reason", "r", "--replacement", &moved],
        &["changes what was recorded, not what it belongs to"],
    );
    let before = p.counts();
    let out = p.run(&[
        "correct",
        &note,
        "--reason",
        "r",
        "--text",
        "x",
        "--withdraw",
    ]);
    assert_eq!(out.code, 2, "clap refuses --text with --withdraw: {out:?}");
    assert!(out.stderr.contains("cannot be used with"), "{out:?}");
    assert_eq!(p.counts(), before);
}

// ---------------------------------------------------------------- conflicts

#[test]
fn conflicts_and_resolve_with_no_conflict() {
    let p = Praxis::with_project();
    let cycle = p.save("cycle-planned", &plan_args("A test", &[]));
    assert_eq!(p.ok(&["conflicts"]).trim(), "No open conflicts.");
    assert_eq!(p.json(&["conflicts"]), serde_json::json!([]));
    assert!(
        p.json(&["overview"])["conflicts"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );
    // A conflict needs two replicas; one store alone has none to resolve.
    p.refused(
        1,
        &["resolve", short(&cycle), "--keep", &cycle, "--reason", "r"],
        &[
            &format!("There is no open conflict on {}", short(&cycle)),
            "praxis conflicts",
        ],
    );
    p.refused(
        1,
        &["resolve", "beefbeef", "--keep", &cycle, "--reason", "r"],
        &["Nothing here has the id"],
    );
}

// ---------------------------------------------------------------- import and rebuild

fn line(event: &Event) -> String {
    serde_json::to_string(event).expect("an event in JSON")
}

fn observation(text: &str, subject: Option<&str>) -> Event {
    Event::ObservationRecorded(Observation {
        kind: ObservationKind::Observation,
        cycle: None,
        subject: subject.map(String::from),
        observed_on: date!(2026 - 03 - 12),
        text: text.to_string(),
    })
}

#[test]
fn import_is_all_or_nothing_and_rebuild_gives_the_same_views() {
    let p = Praxis::with_project();
    let days = define_days(&p);
    let measure: EventId = days.parse().expect("an id");
    let before = p.events();

    let good = [
        observation("Imported from the paper log", Some("P-0001")),
        Event::MeasurementRecorded(Measurement {
            measure,
            period_start: date!(2026 - 03 - 02),
            period_end: date!(2026 - 03 - 08),
            value: MeasurementValue::Value(13.0),
            note: "from the paper log".into(),
        }),
        Event::ActionPlanEntryAdded(ActionPlanEntry {
            where_are_we_now: "n".into(),
            what_do_we_want_to_achieve: "a".into(),
            how_will_we_get_there: "h".into(),
            who_needs_to_take_what_action: "w".into(),
            timescales: "t".into(),
        }),
        Event::LearningLogEntryAdded(LearningLogEntry {
            learning_points: "l".into(),
            action_points: "a".into(),
            responsibility: "r".into(),
            implement_by: date!(2026 - 04 - 30),
        }),
        observation("A second imported note", None),
    ];
    let file = p.path("good.jsonl");
    let mut text: String = good.iter().map(|e| line(e) + "\n").collect();
    text.push('\n'); // blank lines are skipped
    std::fs::write(&file, text).expect("write");
    let out = p.json(&["import", file.to_str().expect("a path")]);
    assert_eq!(out["imported"], 5);
    let ids: Vec<String> = out["ids"]
        .as_array()
        .expect("ids")
        .iter()
        .map(|i| i.as_str().expect("an id").to_string())
        .collect();
    assert_eq!(ids.len(), 5);
    assert_eq!(p.events(), before + 5);
    assert_eq!(
        p.json(&["history", &ids[1]])["current"]["MeasurementRecorded"]["note"],
        "from the paper log"
    );
    assert_eq!(p.json(&["feed"]).as_array().map(Vec::len), Some(2));
    assert_eq!(
        p.json(&["measure", "show", &days])["points"][0]["value"]["Value"],
        13.0
    );
    // Text form.
    let text = p.ok(&["import", file.to_str().expect("a path")]);
    assert_eq!(text.trim(), "Imported 5 events.");
    assert_eq!(p.events(), before + 10);

    // One invalid event in the middle: nothing is imported.
    let bad = [
        observation("Fine", None),
        observation("Names a person", Some("John Smith")),
        observation("Fine too", None),
    ];
    let file = p.path("bad.jsonl");
    std::fs::write(
        &file,
        bad.iter().map(|e| line(e) + "\n").collect::<String>(),
    )
    .expect("write");
    let path = file.to_str().expect("a path");
    // A refusal during import is a refusal like any other.
    let before_bad = p.counts();
    let out = p.run(&["import", path]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("Event 2 of 3"), "{out:?}");
    assert!(
        out.stderr
            .contains("'John Smith' does not look like a pseudonymous reference"),
        "{out:?}"
    );
    assert!(out.stderr.contains("Nothing was imported"), "{out:?}");
    assert!(out.stdout.is_empty());
    assert_eq!(p.counts(), before_bad, "part of the file was imported");
    let out = p.run(&["--json", "import", path]);
    assert_eq!(out.code, 2, "{out:?}");
    let error: Value = serde_json::from_str(out.stderr.trim()).expect("JSON on stderr");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("Nothing was imported"))
    );
    assert_eq!(p.counts(), before_bad);

    // An event that refers to a measure that is not there, at the end.
    let dangling = [
        observation("Fine", None),
        Event::MeasurementRecorded(Measurement {
            measure: EventId::new(),
            period_start: date!(2026 - 03 - 02),
            period_end: date!(2026 - 03 - 08),
            value: MeasurementValue::Value(1.0),
            note: String::new(),
        }),
    ];
    std::fs::write(
        &file,
        dangling.iter().map(|e| line(e) + "\n").collect::<String>(),
    )
    .expect("write");
    let out = p.run(&["import", path]);
    assert!(matches!(out.code, 1 | 2), "{out:?}");
    assert!(
        out.stderr.contains("Event 2 of 2: There is no measure"),
        "{out:?}"
    );
    assert_eq!(p.counts(), before_bad);

    // A line that is not an event.
    std::fs::write(
        &file,
        format!("{}\nnot an event\n{}\n", line(&bad[0]), line(&bad[2])),
    )
    .expect("write");
    p.refused(
        1,
        &["import", path],
        &[
            "line 2 of",
            "is not a Praxis event in JSON",
            "nothing was imported",
        ],
    );
    // A file that is not there.
    p.refused(
        1,
        &["import", "missing.jsonl"],
        &["cannot read missing.jsonl"],
    );
    // An event of the collaborative does not go into the project.
    let wrong_stream = Event::ProgressScaleAdopted(ProgressScale {
        version: 2,
        name: "n".into(),
        levels: vec![ProgressLevel {
            score: Score(10),
            meaning: "m".into(),
        }],
    });
    std::fs::write(&file, line(&wrong_stream) + "\n").expect("write");
    let out = p.run(&["import", path]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("belongs to the collaborative, not to a team's project"),
        "{out:?}"
    );
    assert_eq!(p.counts(), before_bad);

    // Rebuild folds the same views again.
    let overview = p.json(&["overview"]);
    let feed = p.json(&["feed", "--limit", "1000"]);
    let series = p.json(&["measure", "show", &days]);
    let history = p.json(&["history", &ids[0]]);
    let total = p.events();
    let rebuilt = p.json(&["rebuild"]);
    assert_eq!(rebuilt["events"].as_i64(), Some(total));
    assert_eq!(
        p.ok(&["rebuild"]).trim(),
        format!("Views rebuilt from {total} events.")
    );
    assert_eq!(p.json(&["overview"]), overview);
    assert_eq!(p.json(&["feed", "--limit", "1000"]), feed);
    assert_eq!(p.json(&["measure", "show", &days]), series);
    assert_eq!(p.json(&["history", &ids[0]]), history);
    assert_eq!(p.events(), total, "rebuild records nothing");
}

#[test]
fn overview_of_a_whole_project_survives_a_rebuild() {
    let p = Praxis::with_project();
    p.save_text("Charter saved", &charter("from 40% to 75%", "2027-06-30"));
    let days = define_days(&p);
    p.save(
        "measurement-recorded",
        &[
            "measure",
            "record",
            &days,
            "--from",
            "2026-03-02",
            "--value",
            "14",
        ],
    );
    let first = p.save("cycle-planned", &plan_args("First", &[]));
    p.save(
        "cycle-done",
        &[
            "cycle",
            "do",
            &first,
            "--on",
            "2026-03-10",
            "--by",
            "Ann",
            "--observations",
            "o",
        ],
    );
    p.save(
        "cycle-planned",
        &plan_args("Second", &["--follows", &first]),
    );
    let report = p.save(
        "monthly-report-submitted",
        &strs(&report_args("2026-03", "2.0")),
    );
    p.save(
        "coordinator-score-given",
        &[
            "report",
            "score",
            &report,
            "--score",
            "1.5",
            "--justification",
            "j",
        ],
    );
    p.save(
        "observation-recorded",
        &["observe", "Note", "--cycle", &first],
    );

    let text = p.ok(&["overview"]);
    assert!(
        text.starts_with("Home sooner\nNorthside reablement (Borough Council)\n"),
        "{text}"
    );
    assert!(text.contains("  done, to study:\n"), "{text}");
    assert!(text.contains("self 2.0, coordinator 1.5"), "{text}");
    assert!(
        text.trim_end()
            .ends_with(&format!("{} events", p.events() - 1)),
        "{text}"
    );
    let overview = p.json(&["overview"]);
    assert_eq!(
        keys(&overview["cycles_by_stage"]),
        vec!["done, to study", "planned"]
    );
    assert_eq!(
        overview["events"].as_i64(),
        Some(p.events() - 1),
        "the project's events"
    );
    assert_eq!(overview["unknown_events"], 0);
    p.ok(&["rebuild"]);
    assert_eq!(p.json(&["overview"]), overview);
    assert_eq!(p.ok(&["overview"]), text);
}
