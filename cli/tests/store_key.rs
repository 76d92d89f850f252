//! The terminal's store key: made at `praxis init` into a key file readable by its
//! owner only, or given in `PRAXIS_KEY` / `PRAXIS_KEY_FILE`; a wrong or missing key is
//! refused with what to do, and changes nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{praxis, run};

use std::path::{Path, PathBuf};
use std::process::Command;

const COLLABORATIVE: &str = "Promoting independence at home";

fn init(dir: &Path, store: &Path) -> Command {
    praxis(
        dir,
        store,
        &[
            "init",
            "--name",
            "Ann Coordinator",
            "--collaborative",
            COLLABORATIVE,
            "--topic",
            "Independence where health-and-safety worries get in the way",
            "--chosen-with",
            "Two workshops with people who use services",
        ],
    )
}

fn files(store: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|s| PathBuf::from(format!("{}{s}", store.display())))
        .filter(|p| p.exists())
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect()
}

#[test]
fn init_makes_a_key_file_only_its_owner_can_read_and_the_store_is_unreadable_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.sqlite3");
    let (code, _, err) = run(init(dir.path(), &store));
    assert_eq!(code, 0, "{err}");
    let key_file = dir.path().join("store.sqlite3.key");
    let key = std::fs::read_to_string(&key_file).unwrap();
    assert_eq!(key.trim().len(), 64, "{key}");
    assert!(key.trim().chars().all(|c| c.is_ascii_hexdigit()));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    for (file, bytes) in files(&store) {
        assert!(
            !bytes
                .windows(COLLABORATIVE.len())
                .any(|w| w == COLLABORATIVE.as_bytes()),
            "{} holds the collaborative's name in the clear",
            file.display()
        );
    }
    let (code, out, err) = run(praxis(dir.path(), &store, &["collaborative", "show"]));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(COLLABORATIVE), "{out}");

    // The key elsewhere: named by PRAXIS_KEY_FILE, or given in PRAXIS_KEY.
    let moved = dir.path().join("keys").join("praxis.key");
    std::fs::create_dir_all(moved.parent().unwrap()).unwrap();
    std::fs::rename(&key_file, &moved).unwrap();
    let before = files(&store);
    let (code, _, err) = run(praxis(dir.path(), &store, &["status"]));
    assert_eq!(code, 1);
    assert!(err.contains("PRAXIS_KEY_FILE"), "{err}");
    assert!(err.contains(&key_file.display().to_string()), "{err}");
    let mut c = praxis(dir.path(), &store, &["collaborative", "show"]);
    c.env("PRAXIS_KEY_FILE", &moved);
    let (code, out, err) = run(c);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(COLLABORATIVE));
    let mut c = praxis(dir.path(), &store, &["collaborative", "show"]);
    c.env("PRAXIS_KEY", key.trim());
    assert_eq!(run(c).0, 0);

    // A wrong key is refused, says so, and changes nothing.
    let mut c = praxis(dir.path(), &store, &["observe", "A note"]);
    c.env("PRAXIS_KEY", "ab".repeat(32));
    let (code, out, err) = run(c);
    assert_eq!(code, 1, "{out}");
    assert!(err.contains("The key does not open the store"), "{err}");
    assert!(!err.contains("file is not a database"), "{err}");
    let mut c = praxis(dir.path(), &store, &["status"]);
    c.env("PRAXIS_KEY", "not a key");
    let (code, _, err) = run(c);
    assert_eq!(code, 1);
    assert!(
        err.contains("PRAXIS_KEY") && err.contains("hexadecimal"),
        "{err}"
    );
    assert_eq!(files(&store), before, "a refused key changed the store");
}

#[test]
fn a_failed_init_leaves_no_key_file_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store.sqlite3");
    let (code, _, err) = run(praxis(dir.path(), &store, &["init", "--name", " "]));
    assert_eq!(code, 2, "{err}");
    assert!(!store.exists());
    assert!(!dir.path().join("store.sqlite3.key").exists());
}
