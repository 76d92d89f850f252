//! The harness the terminal tests share: a store of its own in a temporary directory,
//! the real `praxis` binary run on it, and its output read as text or JSON.

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

/// What one run of `praxis` gave.
#[derive(Debug)]
pub(crate) struct Out {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

/// A store in a temporary directory, and the ids of what the setup recorded.
pub(crate) struct Praxis {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) store: PathBuf,
    /// The collaborative's stream, when founded.
    pub(crate) collaborative: String,
    /// The project's stream, when started.
    pub(crate) project: String,
}

impl Praxis {
    /// A temporary directory with no store in it yet.
    pub(crate) fn empty() -> Praxis {
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
    pub(crate) fn with_collaborative() -> Praxis {
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
    pub(crate) fn with_project() -> Praxis {
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
    pub(crate) fn command(&self) -> Command {
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
    pub(crate) fn run(&self, args: &[&str]) -> Out {
        let mut all = vec!["--store", self.store.to_str().expect("a UTF-8 path")];
        all.extend_from_slice(args);
        self.raw(&all)
    }

    /// Runs `praxis args...`, naming no store.
    pub(crate) fn raw(&self, args: &[&str]) -> Out {
        let out = self.command().args(args).output().expect("praxis runs");
        Out {
            code: out.status.code().expect("praxis exited, not killed"),
            stdout: String::from_utf8(out.stdout).expect("UTF-8 on stdout"),
            stderr: String::from_utf8(out.stderr).expect("UTF-8 on stderr"),
        }
    }

    /// Runs a command that must succeed; its text output.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
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
    pub(crate) fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let text = self.ok(&all);
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("praxis {args:?} did not print JSON ({e}): {text}"))
    }

    /// Records something with `--json`; checks the answer and gives the record's id.
    pub(crate) fn save(&self, kind: &str, args: &[&str]) -> String {
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
    pub(crate) fn save_text(&self, sentence: &str, args: &[&str]) -> String {
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
    pub(crate) fn counts(&self) -> Vec<(String, i64)> {
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

    pub(crate) fn events(&self) -> i64 {
        self.counts().iter().map(|(_, n)| n).sum()
    }

    /// Runs a command that must be refused with `code`, in text and in JSON: the
    /// message holds every one of `says`, and nothing is written. Gives the message.
    pub(crate) fn refused(&self, code: i32, args: &[&str], says: &[&str]) -> String {
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

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

pub(crate) fn short(id: &str) -> &str {
    &id[id.len() - 8..]
}

pub(crate) fn keys(v: &Value) -> Vec<String> {
    v.as_object().expect("an object").keys().cloned().collect()
}
