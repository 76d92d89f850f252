//! `praxis enrol --code` against a real server: a code the person made in the browser
//! enrols the terminal as theirs with no password typed, and it syncs; a refused code
//! exits 2 saying where to make a new one, and leaves no store behind; a code with a
//! username or a password, or one that cannot be a code, is the command's input to
//! correct.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_testkit::server::{PASSWORD, running};
use praxis_testkit::web::Web;

use crate::common::praxis_out as praxis;

#[test]
fn a_code_from_the_browser_enrols_the_terminal_which_then_syncs() {
    let setup = running();
    let d = setup.dir.path();
    let store = d.join("terminal.sqlite3");
    let mut web = Web::sign_in_as(&setup.server.url, "practitioner-north", PASSWORD);
    let (code, _) = web.enrolment_code();

    let enrolled = praxis(
        d,
        &store,
        &[
            "enrol",
            "--server",
            &setup.server.url,
            "--code",
            &code.to_lowercase(),
        ],
    )
    .ok();
    assert!(enrolled.contains("practitioner-north"), "{enrolled}");
    let synced = praxis(d, &store, &["--json", "sync"]).json();
    assert_eq!(synced["failed"], 0, "{synced}");
    assert!(
        synced["received_events"].as_u64().unwrap() > 0,
        "the collaborative's records came down: {synced}"
    );

    // The same code again, for another store: refused (2), and no store is left.
    let other = d.join("other.sqlite3");
    let refused = praxis(
        d,
        &other,
        &["enrol", "--server", &setup.server.url, "--code", &code],
    );
    assert_eq!(refused.code, 2, "{}{}", refused.stdout, refused.stderr);
    assert!(
        refused.stderr.contains("/devices/enrol") && refused.stderr.contains("new code"),
        "{}",
        refused.stderr
    );
    assert!(!other.exists(), "a refused enrolment left a store behind");
}

#[test]
fn a_code_with_a_username_or_that_cannot_be_a_code_is_refused_before_asking() {
    let setup = running();
    let d = setup.dir.path();
    let store = d.join("terminal.sqlite3");
    let url = &setup.server.url;

    // clap's own refusal of flags that cannot go together, as for every command.
    let both = praxis(
        d,
        &store,
        &[
            "enrol",
            "--server",
            url,
            "--code",
            "7KQ2-M9XD-4HTR-B3WN",
            "--username",
            "ann",
        ],
    );
    assert_eq!(both.code, 2, "{}{}", both.stdout, both.stderr);
    assert!(
        both.stderr.contains("--code") && both.stderr.contains("--username"),
        "{}",
        both.stderr
    );
    // A password typed with a code is the input to correct (1); one kept in
    // PRAXIS_PASSWORD for other enrolments is left unused.
    let with_password = praxis(
        d,
        &store,
        &[
            "enrol",
            "--server",
            url,
            "--code",
            "7KQ2-M9XD-4HTR-B3WN",
            "--password",
            "x",
        ],
    );
    assert_eq!(
        with_password.code, 1,
        "{}{}",
        with_password.stdout, with_password.stderr
    );
    assert!(
        with_password
            .stderr
            .contains("--code takes the place of --username and --password"),
        "{}",
        with_password.stderr
    );
    assert!(!store.exists());
    let mut kept = crate::common::praxis(
        d,
        &store,
        &["enrol", "--server", url, "--code", "7KQ2-M9XD-4HTR-B3WN"],
    );
    kept.env("PRAXIS_PASSWORD", PASSWORD);
    let (code, _, stderr) = crate::common::run(kept);
    assert_eq!(
        code, 2,
        "asked the server, which refused the code: {stderr}"
    );
    assert!(stderr.contains("/devices/enrol"), "{stderr}");

    let neither = praxis(d, &store, &["enrol", "--server", url]);
    assert_eq!(neither.code, 2, "{}{}", neither.stdout, neither.stderr);
    assert!(neither.stderr.contains("--username"), "{}", neither.stderr);

    // A code of the wrong form is the input to correct (1): nothing is sent.
    let short = praxis(
        d,
        &store,
        &["enrol", "--server", url, "--code", "7KQ2-M9XD"],
    );
    assert_eq!(short.code, 1, "{}{}", short.stdout, short.stderr);
    assert!(
        short.stderr.contains("16 letters and digits"),
        "{}",
        short.stderr
    );
    assert!(!store.exists());
}
