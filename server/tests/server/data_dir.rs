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

/// A data directory whose keys were kept as schema 6 kept them (a rowid table indexed
/// by id and by person) is upgraded in place: every key and its number kept, one
/// B-tree by id, and the server's indexes by stream and by person made again.
#[test]
fn keys_kept_before_schema_7_keep_their_numbers_and_the_servers_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    drop(SqliteStorage::open(&data).unwrap());
    let conn = rusqlite::Connection::open(data.join("praxis.sqlite3")).unwrap();
    conn.execute_batch(
        "DROP TABLE data_keys;
         CREATE TABLE data_keys (
             seq        INTEGER PRIMARY KEY,
             id         BLOB NOT NULL UNIQUE,
             stream     BLOB NOT NULL,
             subject    BLOB,
             wrapped    BLOB,
             made_at    INTEGER NOT NULL,
             erased_at  INTEGER,
             erasure    TEXT,
             sent       INTEGER NOT NULL DEFAULT 1
         ) STRICT;
         CREATE INDEX data_keys_by_subject ON data_keys(subject, stream) WHERE subject IS NOT NULL;
         CREATE INDEX data_keys_by_stream ON data_keys(stream, seq);
         INSERT INTO data_keys (seq, id, stream, subject, wrapped, made_at, erased_at, erasure)
         VALUES (4, x'01', x'aa', x'f0', x'0102', 10, NULL, NULL),
                (9, x'02', x'aa', NULL, NULL, 11, 12, 'The person asked');
         PRAGMA user_version = 6;
         DELETE FROM server_schema WHERE version > 10;",
    )
    .unwrap();
    drop(conn);

    drop(SqliteStorage::open(&data).unwrap());
    let conn = rusqlite::Connection::open(data.join("praxis.sqlite3")).unwrap();
    let keys: Vec<(Vec<u8>, Option<i64>, Option<String>)> = conn
        .prepare("SELECT id, seq, erasure FROM data_keys ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        keys,
        vec![
            (vec![1], Some(4), None),
            (vec![2], Some(9), Some("The person asked".into()))
        ]
    );
    let table: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'data_keys'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(table.contains("WITHOUT ROWID"), "{table}");
    let indexes: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'data_keys'
             AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(indexes, ["data_keys_by_stream", "data_keys_by_subject"]);
}
