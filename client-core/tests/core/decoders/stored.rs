//! Decoders of what the store keeps: view rows, the store file itself, and changes
//! merged from elsewhere; bad bytes give an error and change nothing.

use super::*;

// ---- stored view rows ----

fn stored_record_bodies(store: &Store) -> Vec<Vec<u8>> {
    let mut stmt = store
        .connection()
        .prepare("SELECT body FROM records ORDER BY id")
        .expect("query");
    stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("bodies")
}

fn store_with_records(path: &Path) -> (Store, StreamId) {
    let (mut store, _c, p) = common::store_with_project(path);
    let measure = store
        .record(p, Event::MeasureDefined(common::measure("Plans agreed")))
        .expect("measure")
        .id;
    store
        .record(
            p,
            Event::MeasurementRecorded(common::measurement(measure, 0, 3.0)),
        )
        .expect("measurement");
    let cycle = store
        .record(p, Event::CyclePlanned(common::plan(None)))
        .expect("plan")
        .id;
    store
        .record(
            p,
            Event::CycleDone {
                cycle,
                done: common::done(),
            },
        )
        .expect("do");
    (store, p)
}

#[test]
fn every_truncation_of_a_stored_record_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, _p) = store_with_records(&dir.path().join("s.sqlite3"));
    let bodies = stored_record_bodies(&store);
    assert!(bodies.len() >= 6, "{}", bodies.len());
    let mut as_recorded = 0;
    for body in &bodies {
        let record = decode_stored(body).expect("a stored record decodes");
        assert_eq!(&record.encode(), body, "it encodes back to the same bytes");
        if matches!(record, StoredRecord::AsRecorded { .. }) {
            as_recorded += 1;
        }
        for end in 0..body.len() {
            let err = decode_stored(&body[..end])
                .err()
                .unwrap_or_else(|| panic!("a record cut to {end} bytes decoded"));
            assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
            assert!(
                err.to_string().contains("stored data could not be read"),
                "{err}"
            );
        }
    }
    // Records nothing changed since their event are kept without its content; the
    // cycle, changed by its Do, is kept whole.
    assert!(
        (1..bodies.len()).contains(&as_recorded),
        "{as_recorded} of {} kept without their content",
        bodies.len()
    );
}

proptest! {
    #![proptest_config(proptest_config())]

    #[test]
    fn arbitrary_bytes_never_panic_the_record_decoder(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_stored(&bytes);
    }
}

#[test]
fn corrupted_stored_records_never_panic_the_decoder() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, _p) = store_with_records(&dir.path().join("s.sqlite3"));
    let bodies = stored_record_bodies(&store);
    let mut runner = proptest::test_runner::TestRunner::new(proptest_config());
    runner
        .run(
            &(
                0..bodies.len(),
                proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
            ),
            |(which, flips)| {
                let mut body = bodies[which].clone();
                for (at, value) in flips {
                    let i = at.index(body.len());
                    body[i] = value;
                }
                let _ = decode_stored(&body);
                Ok(())
            },
        )
        .expect("no panic");
}

// ---- Store::open ----

fn assert_not_a_store(path: &Path) {
    match Store::open(path) {
        Err(StoreError::NotAStore(p, why)) => {
            assert_eq!(p, path);
            assert!(!why.is_empty());
        }
        Err(other) => panic!("{} gave {other:?}, not NotAStore", path.display()),
        Ok(_) => panic!("{} opened as a store", path.display()),
    }
}

#[test]
fn a_file_of_random_bytes_is_not_a_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("random.sqlite3");
    let bytes: Vec<u8> = (0..8192u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&path, &bytes).expect("write");
    assert_not_a_store(&path);
    assert!(
        std::fs::read(&path).expect("read") == bytes,
        "the file was changed"
    );

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "Shopping: milk, bread").expect("write");
    assert_not_a_store(&text);
    assert_eq!(
        std::fs::read_to_string(&text).expect("read"),
        "Shopping: milk, bread"
    );

    let err = Store::open(&dir.path().join("missing.sqlite3"))
        .err()
        .expect("opened");
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    assert_not_a_store(dir.path());
}

#[test]
fn an_empty_sqlite_database_is_not_a_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = dir.path().join("empty.sqlite3");
    rusqlite::Connection::open(&empty)
        .and_then(|c| c.execute_batch("VACUUM"))
        .expect("make an empty database");
    assert_not_a_store(&empty);

    let zero = dir.path().join("zero.sqlite3");
    std::fs::write(&zero, b"").expect("write");
    assert_not_a_store(&zero);

    let other = dir.path().join("other-app.sqlite3");
    let conn = rusqlite::Connection::open(&other).expect("open");
    conn.execute_batch("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ann');")
        .expect("create");
    drop(conn);
    assert_not_a_store(&other);
    let conn = rusqlite::Connection::open(&other).expect("open");
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
        .expect("count");
    assert_eq!(tables, 1, "opening it as a store added tables");
}

/// Guards a fixed bug: `Store::open` sets `journal_mode=WAL` (a persistent setting written into
/// the file) before it checks that the file is a Praxis store, so pointing Praxis at
/// another program's database changes that database even though the open fails.
#[test]
fn failing_to_open_a_database_that_is_not_a_store_leaves_it_unchanged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let other = dir.path().join("other-app.sqlite3");
    let conn = rusqlite::Connection::open(&other).expect("open");
    conn.execute_batch("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ann');")
        .expect("create");
    drop(conn);
    let before = std::fs::read(&other).expect("read");
    assert_not_a_store(&other);
    assert!(
        std::fs::read(&other).expect("read") == before,
        "the file was changed"
    );
    let conn = rusqlite::Connection::open(&other).expect("open");
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .expect("journal mode");
    assert_eq!(
        mode, "delete",
        "opening it as a store changed its journal mode"
    );
}

#[test]
fn a_store_whose_identity_is_damaged_gives_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("s.sqlite3");
    drop(Store::create(&path, "Asha Patel").expect("create"));
    let conn = rusqlite::Connection::open(&path).expect("open");
    conn.execute("UPDATE meta SET value = x'0102' WHERE key = 'device'", [])
        .expect("damage");
    drop(conn);
    let err = Store::open(&path).err().expect("opened");
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
}

// ---- Store::merge_changes ----

/// Everything a merge could change, to compare before and after.
#[derive(Debug, PartialEq)]
struct Snapshot {
    events: Vec<Envelope>,
    records: Vec<praxis_core::domain::record::Record>,
    summary: praxis_core::domain::record::StreamSummary,
    changes: usize,
}

fn snapshot(store: &mut Store, stream: StreamId) -> Snapshot {
    Snapshot {
        events: queries::events(store.connection(), stream).expect("events"),
        records: queries::all_records(store.connection(), stream).expect("records"),
        summary: queries::summary(store.connection(), stream).expect("summary"),
        changes: store.changes_since(stream, &[]).expect("changes").len(),
    }
}

/// A replica `b` of a's project, and a change made on a's copy of the document
/// carrying `bytes` as if they were an event.
fn replica_and_foreign_change(dir: &Path, bytes: &[u8]) -> (Store, Store, StreamId, Vec<u8>) {
    let (mut a, p) = store_with_records(&dir.join("a.sqlite3"));
    let c = queries::stream_info(a.connection(), p)
        .expect("info")
        .collaborative
        .expect("collaborative");
    let b = common::replica(&mut a, &dir.join("b.sqlite3"), (c, p));
    let saved = a.save_document(p).expect("save");
    let mut document = StreamDocument::load(&saved, &[]).expect("load");
    let (_, change) = document
        .append(DeviceId::new(), "observation-recorded", 0, bytes)
        .expect("append");
    (a, b, p, change)
}

#[test]
fn merging_garbage_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut a, mut b, p, _) = replica_and_foreign_change(dir.path(), b"x");
    let before = snapshot(&mut b, p);
    for garbage in [
        b"not a change".to_vec(),
        Vec::new(),
        vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 1, 0],
    ] {
        let err = b.merge_changes(p, &[garbage]).expect_err("merged garbage");
        assert!(
            matches!(err, StoreError::Replication(ReplicationError::BadChange(_))),
            "{err:?}"
        );
        assert_eq!(snapshot(&mut b, p), before);
    }
    // A good batch with garbage in the middle is refused whole.
    a.record(p, Event::CyclePlanned(common::plan(None)))
        .expect("plan");
    let mut changes = a.changes_since(p, &[]).expect("changes");
    changes.insert(changes.len() - 1, b"garbage".to_vec());
    assert!(b.merge_changes(p, &changes).is_err());
    assert_eq!(snapshot(&mut b, p), before);
}

#[test]
fn merging_a_change_whose_bytes_are_not_an_event_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut a, mut b, p, bad) =
        replica_and_foreign_change(dir.path(), b"these bytes are not a Praxis event");
    assert!(StreamDocument::parse_changes(std::slice::from_ref(&bad)).is_ok());
    let before = snapshot(&mut b, p);

    let err = b
        .merge_changes(p, std::slice::from_ref(&bad))
        .expect_err("merged");
    assert!(matches!(err, StoreError::BadEvent(_)), "{err:?}");
    assert!(err.to_string().contains("Nothing was merged"), "{err}");
    assert_eq!(snapshot(&mut b, p), before);

    // All or nothing: with a good change beside it, neither is merged.
    let good = a
        .record(p, Event::CyclePlanned(common::plan(None)))
        .expect("plan")
        .id;
    let mut changes = a.changes_since(p, &[]).expect("changes");
    changes.push(bad.clone());
    assert!(matches!(
        b.merge_changes(p, &changes),
        Err(StoreError::BadEvent(_))
    ));
    assert_eq!(snapshot(&mut b, p), before);
    assert!(
        queries::event(b.connection(), good)
            .expect("event")
            .is_none()
    );

    // The refused change was not kept anywhere: the good one still merges, and the
    // store's document, reopened from disk, has no trace of the bad one.
    changes.pop();
    let merged = b.merge_changes(p, &changes).expect("merge");
    assert_eq!(merged.events, 1);
    let path = b.path().to_path_buf();
    drop(b);
    let mut b = Store::open(&path).expect("open");
    let after = snapshot(&mut b, p);
    assert_eq!(after.events.len(), before.events.len() + 1);
    assert_eq!(after.changes, before.changes + 1);
    let mut ours = a.changes_since(p, &[]).expect("changes");
    let mut theirs = b.changes_since(p, &[]).expect("changes");
    ours.sort();
    theirs.sort();
    assert_eq!(theirs, ours);
}

#[test]
fn merging_an_event_of_another_stream_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut stray = envelope(7, Body::Known(sample_event(EventKind::CycleDone)), 1);
    stray.stream = StreamId::new();
    let (_a, mut b, p, change) = replica_and_foreign_change(dir.path(), &stray.encode());
    let before = snapshot(&mut b, p);
    let err = b.merge_changes(p, &[change]).expect_err("merged");
    assert!(matches!(err, StoreError::WrongStream { .. }), "{err:?}");
    assert_eq!(snapshot(&mut b, p), before);
}

#[test]
fn merging_into_an_unknown_stream_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut a, mut b, p, _) = replica_and_foreign_change(dir.path(), b"x");
    let changes = a.changes_since(p, &[]).expect("changes");
    let before = snapshot(&mut b, p);
    let err = b
        .merge_changes(StreamId::new(), &changes)
        .expect_err("merged");
    assert!(matches!(err, StoreError::UnknownStream(_)), "{err:?}");
    assert_eq!(snapshot(&mut b, p), before);
}

/// Guards a fixed bug: nothing limits the size of what a person types, so `Store::record`
/// accepts an event whose encoding is over `MAX_EVENT_BYTES`. The store then cannot
/// read its own event back (queries::events and rebuilds fail with "stored data could
/// not be read"), and every other replica refuses the whole merge that carries it, so
/// the stream stops syncing for good.
#[test]
fn an_event_too_big_to_read_back_is_refused_when_recorded() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut store, _c, p) = common::store_with_project(&dir.path().join("s.sqlite3"));
    let result = store.record(p, observation_of(MAX_EVENT_BYTES));
    assert!(
        matches!(result, Err(StoreError::Refused(_))),
        "an oversized event was recorded: {result:?}"
    );
    assert!(queries::events(store.connection(), p).is_ok());
    assert!(store.rebuild_views(p).is_ok());
}

/// Guards a fixed bug: only a gated merge (the server's) refuses changes that do more than
/// append one event (`IncomingChange::foreign_ops`); `Store::merge_changes` and an
/// ungated `receive_sync_message` accept a change that deletes an event from the
/// stream's list. The merging store keeps its indexed copy, but its document no longer
/// holds the event, so a replica that syncs from it never receives it.
#[test]
fn a_change_that_deletes_an_event_is_refused() {
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ObjType, ROOT, ReadDoc, Value};

    let dir = tempfile::tempdir().expect("temp dir");
    let (mut a, mut b, p, _) = replica_and_foreign_change(dir.path(), b"x");
    let before = snapshot(&mut b, p);
    let saved = a.save_document(p).expect("save");
    let mut doc = AutoCommit::load(&saved).expect("load");
    let Ok(Some((Value::Object(ObjType::List), list))) = doc.get(ROOT, "events") else {
        panic!("the document has no event list");
    };
    doc.delete(&list, 0).expect("delete");
    doc.commit();
    let change = doc
        .get_last_local_change()
        .expect("a change")
        .raw_bytes()
        .to_vec();
    let result = b.merge_changes(p, &[change]);
    let kept = StreamDocument::load(&b.save_document(p).expect("save"), &[])
        .expect("load")
        .events()
        .len();
    assert!(result.is_err(), "a deletion was merged: {result:?}");
    assert_eq!(kept, before.events.len());
}

/// Guards a fixed bug found by the `stream_document` fuzz target (the bytes are its
/// find): Automerge applies a change whose operation names an element from outside
/// its own history, and then saves a document it cannot load. A store holding such a
/// damaged change compacted its document into those bytes and deleted its changes,
/// so the whole stream could never be read again; now compaction keeps what it has
/// when the compacted document does not load back.
#[test]
fn compaction_never_writes_a_document_it_cannot_read_back() {
    let saved = include_bytes!("fuzzed/unsaveable-document");
    let changes = [
        &include_bytes!("fuzzed/unsaveable-change-1")[..],
        &include_bytes!("fuzzed/unsaveable-change-2")[..],
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("s.sqlite3");
    let stream = StreamId::new();
    {
        let mut store = Store::create(&path, "Asha").expect("create");
        store
            .add_stream(
                stream,
                praxis_core::domain::record::StreamKind::Project,
                "Damaged",
                None,
            )
            .expect("add a stream");
        // The stream's stored document and two stored changes, as the damage left them.
        let conn = store.connection();
        let id = stream.as_uuid().as_bytes().to_vec();
        conn.execute(
            "UPDATE documents SET bytes = ?1 WHERE stream = ?2",
            rusqlite::params![&saved[..], &id],
        )
        .expect("store the document");
        for (seq, change) in changes.iter().enumerate() {
            let hash = automerge::Change::from_bytes(change.to_vec())
                .expect("a change")
                .hash();
            conn.execute(
                "INSERT INTO changes (stream, seq, hash, bytes) VALUES (?1, ?2, ?3, ?4)",
                rusqlite::params![&id, seq as i64 + 1, &hash.0[..], change],
            )
            .expect("store a change");
        }
        conn.execute(
            "UPDATE streams SET pending_changes = 2 WHERE id = ?1",
            rusqlite::params![&id],
        )
        .expect("count the changes");
        let before = store.changes_since(stream, &[]).expect("the stream loads");
        store.compact(stream).expect("compact");
        assert_eq!(store.changes_since(stream, &[]).expect("loads"), before);
    }
    let mut reopened = Store::open(&path).expect("open");
    let held = reopened
        .changes_since(stream, &[])
        .expect("the stream still loads after compaction");
    assert_eq!(
        held.len(),
        1 + 4 + 2,
        "genesis, four events and the two changes"
    );
}
