//! Which key a record is sealed under, as recording finds it in the keyring's memory
//! (`subject_keys.rs`), whatever else happened to the keys since: an erasure on another
//! connection, a batch that did not commit, keys taken from a server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::tests::{observation, share_keys, store_with_project};
use super::{KeyChange, Store, key_changes, queries};
use crate::domain::event::{Event, Observation, ObservationKind};
use crate::domain::ids::{DataKeyId, EventId, StreamId};
use time::macros::date;

fn about(subject: &str, text: &str) -> Event {
    Event::ObservationRecorded(Observation {
        kind: ObservationKind::Observation,
        cycle: None,
        subject: Some(subject.into()),
        observed_on: date!(2026 - 02 - 03),
        text: text.into(),
    })
}

/// The key the recorded event was sealed under.
fn key_of(store: &Store, id: EventId) -> DataKeyId {
    queries::event(store.connection(), id)
        .unwrap()
        .unwrap()
        .event()
        .and_then(Event::sealed_key)
        .expect("a sealed event")
}

fn text_of(store: &Store, id: EventId) -> String {
    match queries::record(store.connection(), id)
        .unwrap()
        .unwrap()
        .content
    {
        Event::ObservationRecorded(o) => o.text,
        other => format!("{other:?}"),
    }
}

fn erase(store: &mut Store, stream: StreamId, id: DataKeyId) {
    let erased = KeyChange::Erased {
        id,
        stream,
        at: 1_796_000_000_000,
        reason: "The person asked".into(),
    };
    assert_eq!(store.take_key_changes(&[(1, erased)]).unwrap(), 1);
}

#[test]
fn a_persons_records_share_a_key_and_others_have_their_own() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _, p) = store_with_project(&dir.path().join("s.sqlite3"));
    let first = store.record(p, about("P-0001", "First")).unwrap().id;
    let second = store.record(p, about("P-0001", "Second")).unwrap().id;
    let other = store.record(p, about("P-0002", "Other")).unwrap().id;
    assert_eq!(key_of(&store, first), key_of(&store, second));
    assert_ne!(key_of(&store, first), key_of(&store, other));

    // Opened again, the store reads the stream's keys and uses the same one.
    drop(store);
    let mut store = Store::open(&dir.path().join("s.sqlite3")).unwrap();
    let third = store.record(p, about("P-0001", "Third")).unwrap().id;
    assert_eq!(key_of(&store, first), key_of(&store, third));
    for (id, text) in [(first, "First"), (third, "Third"), (other, "Other")] {
        assert_eq!(text_of(&store, id), text);
    }
}

#[test]
fn a_key_erased_through_another_connection_is_not_used_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.sqlite3");
    let (mut store, _, p) = store_with_project(&path);
    let first = store.record(p, about("P-0001", "First")).unwrap().id;
    let key = key_of(&store, first);

    // Another connection to the same store (another process) takes the erasure.
    let mut beside = Store::open(&path).unwrap();
    erase(&mut beside, p, key);
    drop(beside);

    let after = store.record(p, about("P-0001", "After")).unwrap().id;
    assert_ne!(
        key_of(&store, after),
        key,
        "a destroyed key sealed a new record"
    );
    assert_eq!(text_of(&store, after), "After");
    assert!(
        text_of(&store, first).contains("erased on"),
        "{}",
        text_of(&store, first)
    );
}

#[test]
fn a_key_made_in_a_batch_that_was_refused_is_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _, p) = store_with_project(&dir.path().join("s.sqlite3"));
    store.record(p, about("P-0001", "Known")).unwrap();
    // The first record about P-0002 makes a key; the batch is then refused whole.
    let refused = Event::Correction {
        corrects: EventId::new(),
        reason: "Nothing to correct".into(),
        replacement: None,
    };
    store
        .record_all(p, vec![about("P-0002", "Refused"), refused])
        .unwrap_err();
    let kept = store.record(p, about("P-0002", "Kept")).unwrap().id;
    assert_eq!(text_of(&store, kept), "Kept");
    let held = store
        .connection()
        .query_row(
            "SELECT count(*) FROM data_keys WHERE id = ?1 AND wrapped IS NOT NULL",
            [super::codec::uuid_blob(&key_of(&store, kept).0)],
            |r| r.get::<_, i64>(0),
        )
        .unwrap();
    assert_eq!(held, 1, "the record's key is held");
    assert_eq!(
        store.keys_to_send().unwrap().len(),
        2,
        "P-0001's and P-0002's"
    );
}

#[test]
fn a_device_finds_keys_by_id_alone_and_a_server_numbers_and_indexes_them() {
    let dir = tempfile::tempdir().unwrap();
    let indexes = |store: &Store| -> Vec<String> {
        let mut statement = store
            .connection()
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'data_keys'
                 AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name",
            )
            .unwrap();
        statement
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let (mut device, _, p) = store_with_project(&dir.path().join("device.sqlite3"));
    device.record(p, observation("On the device")).unwrap();
    assert!(indexes(&device).is_empty(), "{:?}", indexes(&device));
    let numbers: Vec<Option<i64>> = device
        .connection()
        .prepare("SELECT seq FROM data_keys")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        numbers,
        vec![None],
        "a device numbers no change to its keys"
    );

    // A store that tells others of its keys numbers each change, stream by stream.
    let (mut server, _, q) = store_with_project(&dir.path().join("server.sqlite3"));
    server.use_master_key(&[7u8; 32]).unwrap();
    server.record(q, about("P-0001", "One")).unwrap();
    let second = server.record(q, about("P-0002", "Two")).unwrap().id;
    let changes = key_changes(server.connection(), q, 0).unwrap();
    let numbered: Vec<i64> = changes.iter().map(|(seq, _)| *seq).collect();
    assert_eq!(numbered, vec![1, 2]);
    let key = key_of(&server, second);
    let tx = server.connection().unchecked_transaction().unwrap();
    super::erase_key(&tx, key, q, 1_796_000_000_000, "The person asked").unwrap();
    tx.commit().unwrap();
    let after: Vec<i64> = key_changes(server.connection(), q, 2)
        .unwrap()
        .iter()
        .map(|(seq, _)| *seq)
        .collect();
    assert_eq!(after, vec![3], "the erasure is the stream's next change");

    // What a device holds, unnumbered, is all a change (as the tests' stand-in server
    // hands it on, `share_keys`).
    let mut reader = Store::create(&dir.path().join("reader.sqlite3"), "Ben Okafor").unwrap();
    share_keys(&device, &mut reader, p);
    let held: i64 = reader
        .connection()
        .query_row(
            "SELECT count(*) FROM data_keys WHERE wrapped IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(held, 1);
}
