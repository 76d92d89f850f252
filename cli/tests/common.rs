//! What the `praxis` tests share: running the real binary (none of the caller's store
//! or key settings leak in, and the data directory is the test's own), and the
//! testkit's reading of files' bytes to look for text left in the clear.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

/// `praxis --store <store> <args>`, run in `dir`.
pub fn praxis(dir: &Path, store: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_praxis"));
    c.env_remove("PRAXIS_STORE")
        .env_remove("PRAXIS_PROJECT")
        .env_remove("PRAXIS_PASSWORD")
        .env_remove("PRAXIS_KEY")
        .env_remove("PRAXIS_KEY_FILE")
        .env("XDG_DATA_HOME", dir.join("xdg"))
        .current_dir(dir)
        .arg("--store")
        .arg(store)
        .args(args);
    c
}

/// Runs it to the end: (exit code, stdout, stderr).
pub fn run(mut c: Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = c.output().expect("praxis runs");
    (
        status.code().expect("praxis exited"),
        String::from_utf8(stdout).unwrap(),
        String::from_utf8(stderr).unwrap(),
    )
}

pub use praxis_testkit::clear_text::{contains, with_bytes};

/// What one run of `praxis` gave.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `praxis --store <store> <args>` in `dir` to the end.
pub fn praxis_out(dir: &Path, store: &Path, args: &[&str]) -> Out {
    let (code, stdout, stderr) = run(praxis(dir, store, args));
    Out {
        code,
        stdout,
        stderr,
    }
}

impl Out {
    /// What it printed, once it is known to have succeeded.
    #[allow(clippy::unwrap_used)]
    pub fn ok(self) -> String {
        assert_eq!(self.code, 0, "{}{}", self.stdout, self.stderr);
        self.stdout
    }

    /// What it printed as JSON (`--json`), once it is known to have succeeded.
    #[allow(clippy::expect_used)]
    pub fn json(self) -> serde_json::Value {
        serde_json::from_str(&self.ok()).expect("JSON on stdout")
    }
}
