//! The field app's speed in a real phone browser (headless Chromium, 390 px touch
//! screen) against the real `praxis-server` with the demo collaborative, over
//! loopback through a proxy that can take the signal away.
//!
//! Measured, from the app's own performance marks (`app.js`):
//! - first load: bytes transferred (compressed, as the browser counts them) until the
//!   person's projects are on screen, and the time until the app is usable and until
//!   the projects show (it enrols the browser and fetches the snapshot first);
//! - opening offline, after a browser restart: time until the app is usable (`RUNS`
//!   restarts, median and worst);
//! - recording an observation offline: from the tap on "Save" until the screen
//!   confirms it (`RECORDS` observations, median and worst);
//! - syncing 200 waiting records when the signal returns: from the start of the sync
//!   to the screen showing nothing waiting (sent, taken by the server, the snapshot
//!   fetched again).
//!
//! Targets: first load ≤ 300 KB and usable ≤ 1 s; opening offline ≤ 300 ms; recording
//! ≤ 50 ms; syncing 200 records ≤ 3 s.
//!
//! `cargo bench -p praxis-server --bench field_app`. Run without `--bench` it is a
//! smoke run: 2 restarts, 3 records, 20 to sync.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use fantoccini::{Client, Locator};
use praxis_core::domain::record::StreamKind;
use praxis_server::demo::DEMO_PASSWORD;
use praxis_server::storage::{SqliteStorage, Storage, Views};
use praxis_testkit::browser::{Driver, press, sign_in, type_into, wait_for};
use praxis_testkit::proxy::{Mode, Proxy};
use praxis_testkit::server::TestServer;
use serde_json::Value;
use std::time::Duration;

struct Sizes {
    runs: usize,
    records: usize,
    to_sync: usize,
}

/// A performance mark's time (ms since the page's start), waiting for it to be made.
async fn mark(client: &Client, name: &str) -> f64 {
    for _ in 0..600 {
        let v = client
            .execute(
                &format!(
                    "const m = performance.getEntriesByName('{name}'); return m.length ? m[m.length - 1].startTime : null;"
                ),
                vec![],
            )
            .await
            .unwrap();
        if let Some(t) = v.as_f64() {
            return t;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the app never marked {name}");
}

async fn marks(client: &Client, name: &str) -> Vec<f64> {
    let v = client
        .execute(
            &format!("return performance.getEntriesByName('{name}').map(m => m.startTime);"),
            vec![],
        )
        .await
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_f64().unwrap())
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn worst(v: &[f64]) -> f64 {
    v.iter().copied().fold(0.0, f64::max)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let sizes = if full {
        Sizes {
            runs: 7,
            records: 20,
            to_sync: 200,
        }
    } else {
        Sizes {
            runs: 2,
            records: 3,
            to_sync: 20,
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start_with(&data, &["--demo"]);
    let storage = SqliteStorage::open(&data).unwrap();
    let amira = storage
        .people()
        .unwrap()
        .into_iter()
        .find(|p| p.username == "amira.hassan")
        .unwrap()
        .id;
    let north = storage
        .streams_for(amira)
        .unwrap()
        .into_iter()
        .find(|s| s.kind == StreamKind::Project && s.name.contains("Northside"))
        .unwrap()
        .stream_id;
    let proxy = Proxy::start(&server.url).await;
    let driver = Driver::start().await;
    let app = format!("{}/field/", proxy.url());

    // First load, online, on a fresh profile.
    let phone = driver.phone(&dir.path().join("phone")).await;
    sign_in(&phone, proxy.url(), "amira.hassan", DEMO_PASSWORD).await;
    phone.goto(&app).await.unwrap();
    let usable = mark(&phone, "praxis-ready").await;
    let shown = mark(&phone, "praxis-sync-end").await;
    wait_for(&phone, Locator::Css("a.card")).await;
    let transferred: Value = phone
        .execute(
            "const nav = performance.getEntriesByType('navigation')[0];
             const res = performance.getEntriesByType('resource');
             return [nav.transferSize, res.reduce((n, r) => n + r.transferSize, 0), res.length];",
            vec![],
        )
        .await
        .unwrap();
    let bytes = transferred[0].as_f64().unwrap() + transferred[1].as_f64().unwrap();
    phone
        .execute_async(
            "const done = arguments[arguments.length - 1]; navigator.serviceWorker.ready.then(() => done(true));",
            vec![],
        )
        .await
        .unwrap();
    println!(
        "first load: {:.1} KB transferred in {} requests; usable after {usable:.0} ms, projects shown after {shown:.0} ms",
        bytes / 1024.0,
        transferred[2].as_u64().unwrap() + 1
    );

    // Opening offline after a browser restart.
    proxy.set(Mode::Offline);
    let mut phone = phone;
    let mut opening = Vec::new();
    for _ in 0..sizes.runs {
        phone = phone.restart().await;
        phone.goto(&app).await.unwrap();
        opening.push(mark(&phone, "praxis-ready").await);
        wait_for(&phone, Locator::Css("a.card")).await;
    }
    println!(
        "opening offline: median {:.0} ms, worst {:.0} ms over {} restarts",
        median(opening.clone()),
        worst(&opening),
        sizes.runs
    );

    // Recording offline.
    for n in 0..sizes.records {
        phone
            .goto(&format!("{app}#/p/{north}/observation"))
            .await
            .unwrap();
        wait_for(&phone, Locator::Css("#f-text")).await;
        type_into(&phone, "#f-subject", &format!("P-{:04}", 100 + n)).await;
        type_into(&phone, "#f-text", &format!("Bench visit {n}.")).await;
        press(&phone, "#record button[type=submit]").await;
        wait_for(
            &phone,
            Locator::XPath("//p[@role='status'][contains(., 'Saved on this phone')]"),
        )
        .await;
    }
    let taps = marks(&phone, "praxis-record").await;
    let saved = marks(&phone, "praxis-saved").await;
    let recording: Vec<f64> = taps.iter().zip(&saved).map(|(t, s)| s - t).collect();
    assert_eq!(recording.len(), sizes.records);
    println!(
        "recording offline: median {:.1} ms, worst {:.1} ms over {} observations",
        median(recording.clone()),
        worst(&recording),
        sizes.records
    );

    // Syncing what waits: the observations above and more made the same way, kept
    // through the app's own store module.
    let more = sizes.to_sync - sizes.records;
    let kept = phone
        .execute_async(
            &format!(
                "const done = arguments[arguments.length - 1];
                 import('/field/store.js').then(async (store) => {{
                   const who = await store.current();
                   for (let n = 0; n < {more}; n++) {{
                     const id = crypto.randomUUID();
                     await store.keep({{ id, person: who.person_id, stream: '{north}',
                       recorded_at: await store.tick(who.person_id), made: Date.now(),
                       event: {{ ObservationRecorded: {{ kind: 'Observation', cycle: null,
                         subject: 'P-' + (2000 + n), observed_on: new Date().toISOString().slice(0, 10),
                         text: 'Bench visit ' + n + ' kept before the signal returned.' }} }} }});
                   }}
                   done((await store.waiting(who.person_id)).length);
                 }}, (e) => done(String(e)));"
            ),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(kept.as_u64(), Some(sizes.to_sync as u64), "{kept}");
    let before = storage.events(north).unwrap().len();
    proxy.set(Mode::Online);
    let started = phone
        .execute("return performance.now();", vec![])
        .await
        .unwrap()
        .as_f64()
        .unwrap();
    press(&phone, "#sync").await;
    for _ in 0..1200 {
        if phone.find(Locator::Css("[data-waiting='0']")).await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let screen = phone
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        phone.find(Locator::Css("[data-waiting='0']")).await.is_ok(),
        "the app still shows records waiting: {screen}"
    );
    let ends = marks(&phone, "praxis-sync-end").await;
    let starts = marks(&phone, "praxis-sync-start").await;
    let start = starts.iter().copied().find(|s| *s >= started).unwrap();
    let end = ends.iter().copied().find(|e| *e >= start).unwrap();
    assert_eq!(
        storage.events(north).unwrap().len(),
        before + sizes.to_sync,
        "every waiting record reached the server once"
    );
    println!(
        "syncing {} waiting records: {:.0} ms",
        sizes.to_sync,
        end - start
    );
}
