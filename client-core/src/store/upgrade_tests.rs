//! A store written before a schema change opens with the same events, views and
//! Automerge documents, and records on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::{Store, queries, schema};
use crate::domain::event::*;
use crate::domain::ids::StreamId;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use time::macros::date;

fn observation(text: &str, cycle: Option<crate::domain::ids::EventId>) -> Event {
    Event::ObservationRecorded(Observation {
        kind: ObservationKind::Observation,
        cycle,
        subject: Some("P-0001".into()),
        observed_on: date!(2026 - 02 - 03),
        text: text.into(),
    })
}

fn plan() -> Plan {
    Plan {
        change_idea: None,
        follows: None,
        scale: TestScale::VerySmall,
        objective: "Try a risk conversation guide on two visits".into(),
        predictions: vec![Prediction {
            question: "Will the person take part?".into(),
            prediction: "Yes".into(),
            reason: "The guide starts from what matters to them".into(),
        }],
        who: "A. Lee".into(),
        what: "Use the guide".into(),
        where_: "Home visits".into(),
        when: date!(2026 - 02 - 02),
        data_to_collect: "Whether a plan was agreed".into(),
    }
}

/// A store at the current schema with a collaborative (compacted) and a project
/// (with changes waiting beside its document).
fn current_store(path: &Path) -> (Store, StreamId, StreamId) {
    let (mut store, c, p) = super::tests::store_with_project(path);
    store.compact(c).unwrap();
    let cycle = store.record(p, Event::CyclePlanned(plan())).unwrap().id;
    store
        .record(p, observation("First visit", Some(cycle)))
        .unwrap();
    store
        .record_all(
            p,
            (0..20)
                .map(|i| observation(&format!("Visit {i}"), None))
                .collect(),
        )
        .unwrap();
    (store, c, p)
}

/// The same store as schema version 2 laid it out: the document in the streams row,
/// changes with AUTOINCREMENT, events and records with rowids; and the views as
/// version 1 of the fold kept them (the summary without its measure tallies).
fn as_version_2(from: &Path, to: &Path) {
    let conn = Connection::open(to).unwrap();
    for sql in &schema::MIGRATIONS[..2] {
        conn.execute_batch(sql).unwrap();
    }
    conn.pragma_update(None, "user_version", 2).unwrap();
    conn.execute("ATTACH DATABASE ?1 AS current", [from.to_str().unwrap()])
        .unwrap();
    conn.execute_batch(
        "INSERT INTO meta SELECT * FROM current.meta;
         INSERT INTO streams (id, kind, name, collaborative, document, pending_changes, summary, last_applied_hlc, last_applied_id)
             SELECT s.id, s.kind, s.name, s.collaborative, d.bytes, s.pending_changes, s.summary, s.last_applied_hlc, s.last_applied_id
             FROM current.streams s JOIN current.documents d ON d.stream = s.id;
         INSERT INTO changes (stream, hash, bytes)
             SELECT stream, hash, bytes FROM current.changes ORDER BY stream, seq;
         INSERT INTO events (id, stream, hlc, author, device, schema, kind, subject, bytes)
             SELECT id, stream, hlc, author, device, schema, kind, subject, bytes FROM current.events;
         INSERT INTO records (id, stream, kind, parent, position, body)
             SELECT id, stream, kind, parent, position, body FROM current.records;",
    )
    .unwrap();
    // No measures here: the tallies are an empty map, one byte at the summary's end.
    let ends: Vec<Vec<u8>> = conn
        .prepare("SELECT substr(summary, -1) FROM streams")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(ends.iter().all(|end| end == &[0]), "{ends:?}");
    conn.execute_batch(
        "UPDATE streams SET summary = substr(summary, 1, length(summary) - 1);
         UPDATE meta SET value = x'0000000000000001' WHERE key = 'views_version';",
    )
    .unwrap();
}

/// A store made now in `dir`, and a copy of it taken back to schema version 2 (its
/// path): with the collaborative's and the project's streams.
fn current_and_version_2(dir: &Path) -> (Store, PathBuf, [StreamId; 2]) {
    let (now, old) = (dir.join("now.sqlite3"), dir.join("old.sqlite3"));
    let (current, c, p) = current_store(&now);
    as_version_2(&now, &old);
    (current, old, [c, p])
}

#[test]
fn a_store_from_schema_version_2_opens_with_the_same_events_views_and_documents() {
    let dir = tempfile::tempdir().unwrap();
    let (mut current, old, [c, p]) = current_and_version_2(dir.path());

    let mut upgraded = Store::open(&old).unwrap();
    let version: i64 = upgraded
        .connection()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, schema::MIGRATIONS.len() as i64);
    assert_same_streams(&mut current, &mut upgraded, [c, p]);

    // It records on, and its views rebuild to what it maintained.
    upgraded
        .record(p, observation("After the upgrade", None))
        .unwrap();
    let records = queries::all_records(upgraded.connection(), p).unwrap();
    upgraded.rebuild_views(p).unwrap();
    assert_eq!(
        queries::all_records(upgraded.connection(), p).unwrap(),
        records
    );
    drop(upgraded);
    let mut reopened = Store::open(&old).unwrap();
    assert_eq!(
        reopened.changes_since(p, &[]).unwrap().len(),
        current.changes_since(p, &[]).unwrap().len() + 1
    );
}

/// A plain store from schema version 2 (a terminal store from before device stores were
/// encrypted, and before the schema's later migrations) is refused with its key as not
/// encrypted, then encrypted: migrated on the way, and the same events, views and
/// documents come out of the encrypted store.
#[test]
fn a_plain_store_from_schema_version_2_is_encrypted_with_the_same_events_views_and_documents() {
    use super::{StoreError, StoreKey, encrypt_plain_store};
    let dir = tempfile::tempdir().unwrap();
    let (mut current, old, [c, p]) = current_and_version_2(dir.path());
    let key = StoreKey::generate().unwrap();
    let before = std::fs::read(&old).unwrap();
    assert!(matches!(
        Store::open_encrypted(&old, &key),
        Err(StoreError::NotEncrypted(_))
    ));
    assert_eq!(std::fs::read(&old).unwrap(), before);

    let kept = encrypt_plain_store(&old, &key).unwrap();
    assert_eq!(kept.streams, 2);
    assert_eq!(kept.events, 24);
    assert!(matches!(Store::open(&old), Err(StoreError::NotAStore(..))));
    let mut encrypted = Store::open_encrypted(&old, &key).unwrap();
    assert_same_streams(&mut current, &mut encrypted, [c, p]);
    encrypted
        .record(p, observation("After the encryption", None))
        .unwrap();
    drop(encrypted);
    assert!(matches!(
        encrypt_plain_store(&old, &key),
        Err(StoreError::AlreadyEncrypted(_))
    ));
}

/// The two stores hold the same events, records, summaries and documents of `streams`.
fn assert_same_streams(a: &mut Store, b: &mut Store, streams: [StreamId; 2]) {
    for stream in streams {
        super::tests::share_keys(a, b, stream);
        let (x, y) = (a.connection(), b.connection());
        assert_eq!(
            queries::events(x, stream).unwrap(),
            queries::events(y, stream).unwrap()
        );
        assert_eq!(
            queries::all_records(x, stream).unwrap(),
            queries::all_records(y, stream).unwrap()
        );
        assert_eq!(
            queries::summary(x, stream).unwrap(),
            queries::summary(y, stream).unwrap()
        );
        assert_eq!(
            a.save_document(stream).unwrap(),
            b.save_document(stream).unwrap()
        );
    }
}

#[test]
fn records_kept_whole_by_views_version_2_are_kept_again_without_their_events_content() {
    let dir = tempfile::tempdir().unwrap();
    let now = dir.path().join("now.sqlite3");
    let (mut current, c, p) = current_store(&now);
    let records = queries::all_records(current.connection(), p).unwrap();
    let old = dir.path().join("old.sqlite3");
    current
        .connection()
        .execute("VACUUM INTO ?1", [old.to_str().unwrap()])
        .unwrap();
    {
        // Every record as views version 2 kept it: the record whole.
        let conn = Connection::open(&old).unwrap();
        for record in queries::all_records(&conn, c)
            .unwrap()
            .into_iter()
            .chain(records.iter().cloned())
        {
            conn.execute(
                "UPDATE records SET body = ?1 WHERE id = ?2",
                rusqlite::params![
                    postcard::to_stdvec(&record).unwrap(),
                    record.id.0.as_bytes().as_slice()
                ],
            )
            .unwrap();
        }
        conn.execute(
            "UPDATE meta SET value = ?1 WHERE key = 'views_version'",
            [2_i64.to_be_bytes()],
        )
        .unwrap();
    }
    let smaller = |path: &Path| -> i64 {
        Connection::open(path)
            .unwrap()
            .query_row("SELECT sum(length(body)) FROM records", [], |r| r.get(0))
            .unwrap()
    };
    let whole = smaller(&old);
    let mut upgraded = Store::open(&old).unwrap();
    assert_same_streams(&mut current, &mut upgraded, [c, p]);
    drop(upgraded);
    assert!(
        smaller(&old) * 3 < whole * 2,
        "the observations' records no longer carry their text: {} bytes, {whole} before",
        smaller(&old)
    );
}
