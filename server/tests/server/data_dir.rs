//! The data directory is the server's user's alone: made 0700 with its database file
//! 0600, and a start on a directory others can read says so, with the fix. What the
//! administrator's commands print from it cannot drive their terminal.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use praxis_server::storage::SqliteStorage;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// `praxis-server admin list` on `data`: what it printed, and on standard error.
fn admin_list(data: &std::path::Path) -> std::process::Output {
    Command::new(praxis_testkit::binary("praxis-server"))
        .arg("--data-dir")
        .arg(data)
        .args(["admin", "list"])
        .output()
        .unwrap()
}

#[test]
fn a_new_data_directory_is_the_servers_alone_and_a_wider_one_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    drop(SqliteStorage::open(&data).unwrap());
    assert_eq!(mode(&data), 0o700);
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }

    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = admin_list(&data);
    assert!(out.status.success());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains("readable by others")
            && said.contains(&format!("chmod 700 {}", data.display())),
        "{said}"
    );
}

/// What the administrator's commands print cannot drive their terminal: a name with
/// an escape sequence or a line break is shown escaped, on its one line.
#[test]
fn admin_lists_show_control_characters_escaped() {
    use praxis_server::storage::Storage;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let storage = SqliteStorage::open(&data).unwrap();
    storage
        .add_person("eve", "Eve\u{1b}]0;owned\u{7}\nperson        forged", "x")
        .unwrap();
    drop(storage);
    let out = admin_list(&data);
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(
        !shown.contains('\u{1b}') && !shown.contains('\u{7}'),
        "{shown:?}"
    );
    assert!(
        shown.contains("Eve\\u{1b}]0;owned\\u{7}\\u{a}person"),
        "{shown}"
    );
    assert_eq!(shown.lines().filter(|l| l.contains("forged")).count(), 1);
}
