//! The server killed with SIGKILL in the middle of syncs loses nothing: phones with
//! hundreds of offline records each sync in threads, recording more between syncs,
//! while the test kills the server at a random moment, restarts it on the same data
//! directory, and lets the phones sync again; several times. At the end every event a
//! phone recorded is on the server exactly once, the receipt log names each of them
//! exactly once (from the device that recorded it), every replica shows the same
//! views, and a further sync has nothing left to send.
//!
//! The random moments come from a seed printed at the start; set `CRASH_SEED` to
//! replay one.

use praxis_core::domain::event::Event;
use praxis_core::domain::ids::{DeviceId, EventId, StreamId};
use praxis_core::store::queries;
use praxis_core::sync::{NoProgress, Retry, Server};
use praxis_testkit::rng::Rng;
use praxis_testkit::server::{Phone, TestServer, fixture};
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// Phones, and the team whose project each records in.
const PHONES: [(&str, &str); 5] = [
    ("practitioner-north", "Northside"),
    ("practitioner2-north", "Northside"),
    ("advisor-north", "Northside"),
    ("practitioner-south", "Southside"),
    ("practitioner2-south", "Southside"),
];
/// Records each phone holds before it first syncs them.
const OFFLINE: usize = 400;
/// How often the server is killed and restarted.
const KILLS: usize = 4;
/// At most this many syncs per phone between two kills.
const SYNCS_PER_ROUND: usize = 40;
/// Records a phone makes before each of those syncs.
const BETWEEN_SYNCS: usize = 5;
/// The latest moment of a kill after the phones start syncing, in milliseconds.
const LATEST_KILL_MS: u64 = 3000;

/// Records `n` observations and, now and then, a cycle, each as its own event.
fn record(phone: &mut Phone, stream: StreamId, n: usize, recorded: &mut Vec<EventId>) {
    let events: Vec<Event> = (0..n)
        .map(|i| {
            if i % 10 == 9 {
                praxis_testkit::records::plan("Try the guide on another visit")
            } else {
                praxis_testkit::records::observation(&format!("Visit note {}", recorded.len() + i))
            }
        })
        .collect();
    for chunk in events.chunks(50) {
        let done = phone
            .store
            .record_all(stream, chunk.to_vec())
            .expect("recorded offline");
        recorded.extend(done.into_iter().map(|r| r.id));
    }
}

/// Points the phone at the server's new address; its token stays valid.
fn repoint(phone: &mut Phone, url: &str) {
    phone
        .store
        .set_setting("server", url)
        .expect("server setting");
    phone.server = Server::new(url).expect("url").with_retry(Retry::never());
}

struct Round {
    phone: Phone,
    recorded: Vec<EventId>,
    completed: usize,
    failed: Option<String>,
}

/// Records and syncs until a sync fails (the server died) or the round's syncs run out.
fn sync_until_killed(mut phone: Phone, stream: StreamId) -> Round {
    let mut recorded = Vec::new();
    let mut completed = 0;
    let mut failed = None;
    for _ in 0..SYNCS_PER_ROUND {
        record(&mut phone, stream, BETWEEN_SYNCS, &mut recorded);
        match phone
            .server
            .sync(&mut phone.store, &mut NoProgress, &AtomicBool::new(false))
        {
            Ok(_) => completed += 1,
            Err(e) => {
                failed = Some(e.to_string());
                break;
            }
        }
    }
    Round {
        phone,
        recorded,
        completed,
        failed,
    }
}

#[test]
fn killing_the_server_in_the_middle_of_syncs_loses_nothing() {
    let mut rng = Rng::new(praxis_testkit::rng::seed("CRASH_SEED"));

    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let fx = fixture(&data);
    let mut server = TestServer::start(&data);
    let reader = Phone::enrol(dir.path(), &server.url, "coordinator");

    // Each team's project, started on its first phone and synced to the others.
    let mut phones: Vec<Phone> = PHONES
        .iter()
        .map(|(username, _)| Phone::enrol(dir.path(), &server.url, username))
        .collect();
    let mut recorded: Vec<Vec<EventId>> = vec![Vec::new(); PHONES.len()];
    let mut projects: HashMap<&str, StreamId> = HashMap::new();
    for (i, (_, team)) in PHONES.iter().enumerate() {
        let phone = &mut phones[i];
        phone.sync();
        if !projects.contains_key(team) {
            let stream =
                praxis_testkit::server::start_project(&mut phone.store, fx.collaborative, team);
            let founding = queries::summary(phone.store.connection(), stream)
                .expect("summary")
                .founding
                .expect("started");
            recorded[i].push(founding);
            projects.insert(team, stream);
            phone.sync();
        }
    }
    let stream_of = |i: usize| projects[PHONES[i].1];
    for (i, phone) in phones.iter_mut().enumerate() {
        phone.sync();
        assert!(phone.project_streams().contains(&stream_of(i)));
        record(phone, stream_of(i), OFFLINE, &mut recorded[i]);
    }

    // Sync in threads; kill the server at a random moment; restart; again.
    let mut failed_syncs = 0;
    let mut completed_syncs = 0;
    for kill in 0..KILLS {
        let threads: Vec<_> = phones
            .drain(..)
            .enumerate()
            .map(|(i, phone)| {
                let stream = stream_of(i);
                std::thread::spawn(move || sync_until_killed(phone, stream))
            })
            .collect();
        std::thread::sleep(Duration::from_millis(rng.below(LATEST_KILL_MS)));
        server.kill();
        for (i, thread) in threads.into_iter().enumerate() {
            let round = thread.join().expect("the phone's thread ends");
            recorded[i].extend(round.recorded);
            completed_syncs += round.completed;
            if let Some(error) = round.failed {
                failed_syncs += 1;
                eprintln!("kill {kill}: {} stopped: {error}", PHONES[i].0);
            }
            phones.push(round.phone);
        }
        server = TestServer::start(&data);
        for phone in &mut phones {
            repoint(phone, &server.url);
        }
        let held: Vec<usize> = projects
            .values()
            .map(|stream| {
                let path = format!("/api/v1/streams/{stream}/events");
                server.get_json(&path, &reader.token)["events"]
                    .as_array()
                    .map_or(0, Vec::len)
            })
            .collect();
        eprintln!("after kill {kill}: the server holds {held:?} events of the projects");
    }
    eprintln!("{completed_syncs} syncs completed, {failed_syncs} cut off by a kill");

    // After the last restart every phone syncs to the end, twice so that each gets
    // what the others sent; a third sync has nothing left to exchange.
    for _ in 0..2 {
        for phone in &mut phones {
            let reports = phone.sync();
            assert!(reports.iter().all(|r| r.synced()), "{reports:?}");
        }
    }
    for phone in &mut phones {
        let reports = phone.sync();
        assert!(
            reports
                .iter()
                .all(|r| r.synced() && r.sent_events == 0 && r.received_events == 0),
            "nothing left to sync: {reports:?}"
        );
    }

    let devices: Vec<DeviceId> = phones.iter().map(|p| p.store.identity().device).collect();
    for (team, stream) in &projects {
        let mine: Vec<usize> = (0..PHONES.len())
            .filter(|i| PHONES[*i].1 == *team)
            .collect();
        let mut expected: Vec<EventId> = mine
            .iter()
            .flat_map(|i| recorded[*i].iter().copied())
            .collect();
        expected.sort();
        let on_server = praxis_testkit::records::server_event_ids(
            &server.get_json(&format!("/api/v1/streams/{stream}/events"), &reader.token),
        );
        assert_eq!(
            on_server.len(),
            expected.len(),
            "{team}: the server holds as many events as were recorded"
        );
        assert_eq!(
            on_server, expected,
            "{team}: every recorded event exactly once"
        );

        // The receipt log names each event once, as received from the device that
        // recorded it.
        let receipts =
            server.get_json(&format!("/api/v1/streams/{stream}/receipts"), &reader.token);
        let mut received: HashMap<EventId, Vec<DeviceId>> = HashMap::new();
        for receipt in receipts["receipts"].as_array().expect("receipts") {
            let device: DeviceId = receipt["device"]
                .as_str()
                .expect("device")
                .parse()
                .expect("a device id");
            for event in receipt["events"].as_array().expect("events") {
                let id: EventId = event.as_str().expect("id").parse().expect("an event id");
                received.entry(id).or_default().push(device);
            }
        }
        assert_eq!(
            received.len(),
            expected.len(),
            "{team}: a receipt per event"
        );
        for i in &mine {
            for id in &recorded[*i] {
                assert_eq!(
                    received.get(id),
                    Some(&vec![devices[*i]]),
                    "{team}: event {id} has one receipt, from the phone that recorded it"
                );
            }
        }

        // Identical views on every phone of the team and on the server.
        let first = &phones[mine[0]];
        let records = queries::all_records(first.store.connection(), *stream).expect("records");
        for i in &mine {
            let phone = &phones[*i];
            assert_eq!(
                praxis_testkit::records::event_ids(&phone.store, *stream),
                expected
            );
            assert!(
                queries::all_records(phone.store.connection(), *stream).expect("records")
                    == records,
                "{team}: {} shows the same records",
                PHONES[*i].0
            );
        }
        let overview = server.get_json(&format!("/api/v1/streams/{stream}"), &reader.token);
        let here = serde_json::to_value(
            queries::project_overview(first.store.connection(), *stream).expect("overview"),
        )
        .expect("JSON");
        assert_eq!(overview["Project"], here, "{team}: the server's overview");
    }
}
