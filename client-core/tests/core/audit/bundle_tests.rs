//! The audit bundle: made from a stream, verified with nothing else, and every
//! alteration named.

use super::*;
use praxis_testkit::receipts_for;

// ---- the audit bundle ----

struct Made {
    _team: Team,
    project: StreamId,
    changes: Vec<Vec<u8>>,
    bytes: Vec<u8>,
}

fn made() -> Made {
    let mut t = team();
    let changes = t.b.changes_since(t.project, &[]).unwrap();
    let receipts = receipts_for(&changes);
    let (bytes, manifest) = bundle::write(
        vec![StreamContent {
            stream: t.project,
            name: "Positive risk-taking".into(),
            kind: "project".into(),
            changes: changes.clone(),
            receipts,
        }],
        "2026-03-10T17:40:00Z",
    )
    .unwrap();
    assert_eq!(manifest.streams[0].changes.count, changes.len());
    assert_eq!(
        bundle::verify(&bytes).unwrap().manifest_sha256,
        bundle::manifest_sha256(&manifest).unwrap()
    );
    Made {
        project: t.project,
        _team: t,
        changes,
        bytes,
    }
}

fn files_of(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = tar::Archive::new(bytes);
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let name = e.path().unwrap().to_string_lossy().into_owned();
            let mut content = Vec::new();
            e.read_to_end(&mut content).unwrap();
            (name, content)
        })
        .collect()
}

fn archive(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, content) in files {
        let mut header = tar::Header::new_ustar();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(&mut header, name, content.as_slice())
            .unwrap();
    }
    builder.into_inner().unwrap()
}

/// The bundle with one file's bytes changed by `edit`.
fn tampered(made: &Made, file: &str, edit: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut files = files_of(&made.bytes);
    let (_, content) = files.iter_mut().find(|(n, _)| n.ends_with(file)).unwrap();
    edit(content);
    archive(&files)
}

fn findings(bytes: &[u8]) -> Vec<Finding> {
    bundle::verify(bytes).unwrap().findings
}

fn hash_of(change: &[u8]) -> String {
    automerge::Change::from_bytes(change.to_vec())
        .unwrap()
        .hash()
        .to_string()
}

#[test]
fn an_untouched_bundle_verifies_and_says_what_it_holds() {
    let m = made();
    let v = bundle::verify(&m.bytes).unwrap();
    assert!(v.intact(), "{:#?}", v.findings);
    assert_eq!(v.streams.len(), 1);
    assert_eq!(v.streams[0].changes, m.changes.len());
    assert_eq!(v.streams[0].events, m.changes.len() - 1, "all but genesis");
    assert_eq!(v.streams[0].receipts, m.changes.len() - 1);
    // Rewritten byte for byte, it is still intact (the format does not depend on tar's
    // incidental header fields).
    assert!(
        bundle::verify(&archive(&files_of(&m.bytes)))
            .unwrap()
            .intact()
    );
}

#[test]
fn a_flipped_byte_names_the_file_and_the_change() {
    let m = made();
    // A byte in the middle of the sixth change's content.
    let k = 5;
    let offset: usize = m.changes[..k].iter().map(Vec::len).sum::<usize>() + m.changes[k].len() - 3;
    let bytes = tampered(&m, "changes.automerge", |c| c[offset] ^= 0x01);
    let found = findings(&bytes);
    let file = format!("streams/{}/changes.automerge", m.project);
    assert!(found.contains(&Finding::FileAltered { file }), "{found:#?}");
    assert!(
        found
            .iter()
            .any(|f| matches!(f, Finding::ChangeAltered { index, .. } if *index == k + 1)),
        "{found:#?}"
    );
    let text: Vec<String> = found.iter().map(|f| f.to_string()).collect();
    assert!(
        text.iter()
            .any(|t| t.contains("change #6") && t.contains("altered")),
        "{text:#?}"
    );
}

#[test]
fn a_dropped_change_is_named_by_its_hash() {
    let m = made();
    let k = 7;
    let dropped = hash_of(&m.changes[k]);
    let bytes = tampered(&m, "changes.automerge", |c| {
        *c = m
            .changes
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != k)
            .flat_map(|(_, c)| c.clone())
            .collect();
    });
    let found = findings(&bytes);
    assert!(
        found
            .iter()
            .any(|f| matches!(f, Finding::ChangeMissing { missing, .. } if *missing == dropped)),
        "{found:#?}"
    );
    assert!(
        found.iter().any(
            |f| matches!(f, Finding::ReceiptForMissingChange { change, .. } if *change == dropped)
        ),
        "{found:#?}"
    );
    assert!(found.iter().any(|f| matches!(f, Finding::ChangeCountDiffers { manifest, found, .. } if *manifest == found + 1)));
}

#[test]
fn dropping_the_last_change_is_named_too() {
    let m = made();
    let last = hash_of(m.changes.last().unwrap());
    let bytes = tampered(&m, "changes.automerge", |c| {
        *c = m.changes[..m.changes.len() - 1].concat();
    });
    let found = findings(&bytes);
    assert!(
        found
            .iter()
            .any(|f| matches!(f, Finding::HeadMissing { head, .. } if *head == last)),
        "{found:#?}"
    );
    assert!(
        found.iter().any(
            |f| matches!(f, Finding::ReceiptForMissingChange { change, .. } if *change == last)
        ),
        "{found:#?}"
    );
}

#[test]
fn reordered_changes_are_named() {
    let m = made();
    // Two changes in a row by the same device: the second depends on the first.
    let graph = ChangeGraph::from_changes(&m.changes).unwrap();
    let k = (1..m.changes.len() - 1)
        .find(|i| graph.nodes()[i + 1].deps.contains(&graph.nodes()[*i].hash))
        .unwrap();
    let mut order: Vec<Vec<u8>> = m.changes.clone();
    order.swap(k, k + 1);
    let bytes = tampered(&m, "changes.automerge", |c| *c = order.concat());
    let found = findings(&bytes);
    let moved = graph.nodes()[k + 1].hash.to_string();
    assert!(
        found.iter().any(|f| matches!(f, Finding::ChangeOutOfOrder { hash, index, .. } if *hash == moved && *index == k + 1)),
        "{found:#?}"
    );
    // Swapping two changes neither depends on is named as a reordering as well.
    let (i, j) = (1..m.changes.len())
        .flat_map(|i| (i + 1..m.changes.len()).map(move |j| (i, j)))
        .find(|(i, j)| {
            let (a, b) = (&graph.nodes()[*i], &graph.nodes()[*j]);
            !b.deps.contains(&a.hash)
                && (i + 1..*j).all(|x| {
                    let n = &graph.nodes()[x];
                    !n.deps.contains(&a.hash) && !b.deps.contains(&n.hash)
                })
        })
        .unwrap();
    let mut order = m.changes.clone();
    order.swap(i, j);
    let found = findings(&tampered(&m, "changes.automerge", |c| *c = order.concat()));
    assert!(
        found.contains(&Finding::ChangesReordered { stream: m.project }),
        "{found:#?}"
    );
}

#[test]
fn an_edited_receipt_is_named_by_its_line() {
    let m = made();
    let bytes = tampered(&m, "receipts.jsonl", |c| {
        let text = String::from_utf8(c.clone()).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut third: serde_json::Value = serde_json::from_str(&lines[2]).unwrap();
        // Reached the office a day earlier than it did.
        third["received_at"] = (third["received_at"].as_i64().unwrap() - 86_400_000).into();
        lines[2] = third.to_string();
        *c = format!("{}\n", lines.join("\n")).into_bytes();
    });
    let found = findings(&bytes);
    let file = format!("streams/{}/receipts.jsonl", m.project);
    assert!(found.contains(&Finding::FileAltered { file }), "{found:#?}");
    assert!(
        found.contains(&Finding::ReceiptAltered {
            stream: m.project,
            line: 3,
            seq: 3
        }),
        "{found:#?}"
    );
    assert_eq!(
        found
            .iter()
            .filter(|f| matches!(f, Finding::ReceiptAltered { .. }))
            .count(),
        1,
        "only the edited line: {found:#?}"
    );
    // A receipt that names another device than the one whose actor made the change.
    let other = praxis_core::domain::ids::DeviceId::new();
    let bytes = tampered(&m, "receipts.jsonl", |c| {
        let text = String::from_utf8(c.clone()).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut first: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        first["device"] = other.to_string().into();
        lines[0] = first.to_string();
        *c = format!("{}\n", lines.join("\n")).into_bytes();
    });
    assert!(
        findings(&bytes)
            .iter()
            .any(|f| matches!(f, Finding::ReceiptDisagrees { seq: 1, .. }))
    );
    // A dropped receipt line breaks the chain where it was.
    let bytes = tampered(&m, "receipts.jsonl", |c| {
        let text = String::from_utf8(c.clone()).unwrap();
        let lines: Vec<&str> = text.lines().filter(|l| !l.contains("\"seq\":4,")).collect();
        *c = format!("{}\n", lines.join("\n")).into_bytes();
    });
    let found = findings(&bytes);
    assert!(
        found
            .iter()
            .any(|f| matches!(f, Finding::ReceiptAltered { seq: 5, .. })),
        "{found:#?}"
    );
}

#[test]
fn a_bundle_that_is_not_one_is_refused_with_what_to_do() {
    let err = bundle::verify(b"not a tar archive at all").unwrap_err();
    assert!(
        err.to_string().contains("not an audit bundle") || err.to_string().contains("manifest"),
        "{err}"
    );
    let m = made();
    let without: Vec<(String, Vec<u8>)> = files_of(&m.bytes)
        .into_iter()
        .filter(|(n, _)| n != "manifest.json")
        .collect();
    let err = bundle::verify(&archive(&without)).unwrap_err();
    assert!(err.to_string().contains("no manifest.json"), "{err}");
    // An added file is named.
    let mut files = files_of(&m.bytes);
    files.push(("streams/extra.txt".into(), b"hello".to_vec()));
    assert!(
        findings(&archive(&files)).contains(&Finding::UnexpectedFile {
            file: "streams/extra.txt".into()
        })
    );
}

#[test]
fn a_long_stream_is_checked_in_parts_and_still_names_the_change() {
    let dir = tempfile::tempdir().unwrap();
    let (mut store, _, project) = store_with_project(&dir.path().join("long.sqlite3"));
    let events: Vec<Event> = (0..1500).map(|n| numbered_observation(None, n)).collect();
    store.record_all(project, events).unwrap();
    let changes = store.changes_since(project, &[]).unwrap();
    assert_eq!(changes.len(), 1502);
    let (bytes, _) = bundle::write(
        vec![StreamContent {
            stream: project,
            name: "Long".into(),
            kind: "project".into(),
            receipts: receipts_for(&changes),
            changes: changes.clone(),
        }],
        "2026-03-10T17:40:00Z",
    )
    .unwrap();
    assert!(bundle::verify(&bytes).unwrap().intact());
    let k = 1234;
    let offset: usize = changes[..k].iter().map(Vec::len).sum::<usize>() + changes[k].len() - 2;
    let m = Made {
        _team: team(),
        project,
        changes,
        bytes,
    };
    let found = findings(&tampered(&m, "changes.automerge", |c| c[offset] ^= 0x40));
    assert!(
        found
            .iter()
            .any(|f| matches!(f, Finding::ChangeAltered { index, .. } if *index == k + 1)),
        "{found:#?}"
    );
}

/// Guards a fixed bug found by the `stream_document` fuzz target: Automerge panics
/// parsing this change (the bytes are the fuzzer's find), and verifying a bundle
/// that held it took the verifier down instead of naming the change.
#[test]
fn a_change_automerge_cannot_parse_is_named_not_a_panic() {
    let m = made();
    let k = 5;
    let start: usize = m.changes[..k].iter().map(Vec::len).sum();
    let end = start + m.changes[k].len();
    let unparsable = include_bytes!("../decoders/fuzzed/overflowing-change");
    let bytes = tampered(&m, "changes.automerge", |c| {
        c.splice(start..end, unparsable.iter().copied());
    });
    let found = findings(&bytes);
    assert!(
        found.iter().any(|f| matches!(
            f,
            Finding::ChangeUnreadable { index, .. } | Finding::ChangeAltered { index, .. }
                if *index == k + 1
        )),
        "{found:#?}"
    );
}
