//! `praxis --help`, `init` and `status`: what a new store holds, and the refusals that leave none behind.

use crate::session::*;
use serde_json::Value;
use std::path::Path;

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
        (
            "cycle",
            &["plan", "do", "study", "act", "expect", "show"][..],
        ),
        ("report", &["submit", "suggest", "score"][..]),
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
        status.contains("Promoting independence  (1 events, 1 waiting to sync)"),
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
