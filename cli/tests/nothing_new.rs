//! `praxis sync` against a real server when little or nothing is new: the server lists
//! each stream's heads, and only the streams whose heads differ from this device's are
//! exchanged (in either direction); the others settle without a round.

use praxis_testkit::server::{PASSWORD, running};
use serde_json::Value;

use crate::common::praxis_out as praxis;

/// Each stream's name and how many sync messages went for it.
fn rounds(synced: &Value) -> Vec<(String, u64)> {
    synced["streams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["rounds"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn only_the_streams_that_differ_are_synced() {
    let setup = running();
    let d = setup.dir.path();
    let url = &setup.server.url;
    let (asha, ben) = (d.join("asha.sqlite3"), d.join("ben.sqlite3"));
    for (store, username) in [(&asha, "practitioner-north"), (&ben, "practitioner2-north")] {
        praxis(
            d,
            store,
            &[
                "enrol",
                "--server",
                url,
                "--username",
                username,
                "--password",
                PASSWORD,
            ],
        )
        .ok();
        praxis(d, store, &["sync"]).ok();
    }
    let started = praxis(
        d,
        &asha,
        &[
            "--json",
            "project",
            "start",
            "--team",
            "Northside",
            "--organisation",
            "Northshire County Council",
            "--title",
            "Home sooner",
        ],
    )
    .json();
    let project = started["stream"].as_str().unwrap().to_string();
    praxis(d, &asha, &["sync"]).ok();

    // Nothing new: no stream is asked about.
    let again = praxis(d, &asha, &["--json", "sync"]).json();
    assert_eq!(again["failed"], 0, "{again}");
    assert!(rounds(&again).iter().all(|(_, r)| *r == 0), "{again}");

    // A record here: only its project is exchanged, and it reaches the server.
    praxis(
        d,
        &asha,
        &[
            "observe",
            "The person led the visit",
            "--subject",
            "P-0413",
            "--project",
            &project,
        ],
    )
    .ok();
    let sent = praxis(d, &asha, &["--json", "sync"]).json();
    assert_eq!(sent["sent_events"], 1, "{sent}");
    for (name, r) in rounds(&sent) {
        assert_eq!(r > 0, name.starts_with("Home sooner"), "{name}: {sent}");
    }

    // A record that reached the server from another device: only that project is
    // exchanged, and the record arrives.
    praxis(d, &ben, &["sync"]).ok();
    praxis(
        d,
        &ben,
        &[
            "observe",
            "A second visit",
            "--subject",
            "P-0413",
            "--project",
            &project,
        ],
    )
    .ok();
    praxis(d, &ben, &["sync"]).ok();
    let received = praxis(d, &asha, &["--json", "sync"]).json();
    assert_eq!(received["received_events"], 1, "{received}");
    for (name, r) in rounds(&received) {
        assert_eq!(r > 0, name.starts_with("Home sooner"), "{name}: {received}");
    }
}
