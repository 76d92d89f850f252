//! The field app (`/field/`) in a real phone browser (headless Chromium with a 390 px
//! touch screen), against the real server with the demo collaborative, behind a proxy
//! that can take the signal away or lose the server's answers: recording offline and
//! syncing with an answer lost (`offline`), every kind of record and every screen on a
//! phone (`kinds`), refusals, sign-out and revocation (`refusals`). This file holds
//! what they share.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod kinds;
mod offline;
mod refusals;

use fantoccini::{Client, Locator};
use praxis_core::domain::envelope::Envelope;
use praxis_core::domain::event::Event;
use praxis_core::domain::ids::{EventId, PersonId, StreamId};
use praxis_core::domain::record::StreamKind;
use praxis_server::demo::DEMO_PASSWORD;
use praxis_server::storage::{SqliteStorage, Storage, Views};
use praxis_testkit::browser::{Browser, Driver, press, sign_in, text_of, type_into, wait_for};
use praxis_testkit::proxy::{Mode, Proxy};
use praxis_testkit::server::TestServer;
use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a step may take before the test calls it stuck. A bound, not a timing.
pub(super) const STUCK: Duration = Duration::from_secs(240);

/// The real server with the demo collaborative on a data directory of its own, and
/// its storage opened beside it (for the test to look at what the office holds).
/// Fields drop in this order: the server stops before its directory goes.
pub(super) struct Demo {
    pub storage: SqliteStorage,
    pub server: TestServer,
    pub data: std::path::PathBuf,
    pub dir: tempfile::TempDir,
}

pub(super) fn demo() -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start_with(&data, &["--demo"]);
    let storage = praxis_testkit::server::open_storage(&data).unwrap();
    Demo {
        storage,
        server,
        data,
        dir,
    }
}

pub(super) fn person(storage: &SqliteStorage, username: &str) -> PersonId {
    storage
        .people()
        .unwrap()
        .into_iter()
        .find(|p| p.username == username)
        .unwrap_or_else(|| panic!("the demo has no {username}"))
        .id
}

pub(super) fn project_of(storage: &SqliteStorage, person: PersonId, team: &str) -> StreamId {
    storage
        .streams_for(person)
        .unwrap()
        .into_iter()
        .find(|s| s.kind == StreamKind::Project && s.name.contains(team))
        .unwrap_or_else(|| panic!("no {team} project for {person}"))
        .stream_id
}

pub(super) fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

pub(super) fn admin(data: &Path, args: &[&str]) -> String {
    let out = Command::new(praxis_testkit::binary("praxis-server"))
        .arg("--data-dir")
        .arg(data)
        .args(praxis_testkit::server::engine_options(data))
        .arg("admin")
        .args(args)
        .output()
        .expect("praxis-server admin runs");
    assert!(
        out.status.success(),
        "admin {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Polls `check` until it holds; fails after `STUCK` saying `what`.
pub(super) async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = std::time::Instant::now();
    while !check().await {
        assert!(started.elapsed() < STUCK, "waited in vain for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// How many records the app's banner says wait to go (refused ones not counted).
pub(super) async fn waiting(client: &Client) -> Option<u64> {
    let banner = client.find(Locator::Css("[data-waiting]")).await.ok()?;
    banner.attr("data-waiting").await.ok()??.parse().ok()
}

pub(super) async fn until_waiting(client: &Client, n: u64) {
    until(&format!("the app to show {n} waiting"), || async {
        waiting(client).await == Some(n)
    })
    .await;
}

/// Opens the app's screen at `#/route` (a same-page move once the app is open).
pub(super) async fn open(client: &Client, proxy: &Proxy, route: &str) {
    client
        .goto(&format!("{}/field/#/{route}", proxy.url()))
        .await
        .unwrap();
}

/// Signs in on the web and opens the field app, online, until it shows the person's
/// projects and its service worker holds the shell.
pub(super) async fn load_the_app(phone: &Browser, proxy: &Proxy, username: &str) {
    sign_in(phone, proxy.url(), username, DEMO_PASSWORD).await;
    open(phone, proxy, "").await;
    wait_for(phone, Locator::Css("a.card")).await;
    let ready = phone
        .execute_async(
            "const done = arguments[arguments.length - 1];
             navigator.serviceWorker.ready.then(() => done(true), (e) => done(String(e)));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        ready,
        serde_json::json!(true),
        "the service worker is ready"
    );
}

pub(super) async fn observe(
    client: &Client,
    proxy: &Proxy,
    stream: StreamId,
    subject: &str,
    text: &str,
) {
    open(client, proxy, &format!("p/{stream}/observation")).await;
    wait_for(client, Locator::Css("#f-text")).await;
    type_into(client, "#f-subject", subject).await;
    type_into(client, "#f-text", text).await;
    press(client, "#record button[type=submit]").await;
    wait_for(
        client,
        Locator::XPath("//p[@role='status'][contains(., 'Saved on this phone')]"),
    )
    .await;
}

/// What the phone's browser holds of Praxis in IndexedDB: records and snapshots.
pub(super) async fn held_locally(client: &Client) -> (u64, u64) {
    let answer = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const req = indexedDB.open('praxis-field');
             req.onsuccess = () => {
               const db = req.result;
               const tx = db.transaction(['outbox', 'snapshots']);
               const a = tx.objectStore('outbox').count();
               const b = tx.objectStore('snapshots').count();
               tx.oncomplete = () => done([a.result, b.result]);
             };
             req.onerror = () => done(String(req.error));",
            vec![],
        )
        .await
        .unwrap();
    (
        answer[0].as_u64().unwrap_or_else(|| panic!("{answer}")),
        answer[1].as_u64().unwrap_or_else(|| panic!("{answer}")),
    )
}

/// Fills the form open at `#/route` (field ids and what to type), saves it, and waits
/// for the phone to confirm.
pub(super) async fn fill(client: &Client, proxy: &Proxy, route: &str, fields: &[(&str, &str)]) {
    open(client, proxy, route).await;
    wait_for(client, Locator::Css("#record")).await;
    for (field, text) in fields {
        type_into(client, &format!("#f-{field}"), text).await;
    }
    press(client, "#record button[type=submit]").await;
    wait_for(
        client,
        Locator::XPath("//p[@role='status'][contains(., 'Saved on this phone')]"),
    )
    .await;
}
