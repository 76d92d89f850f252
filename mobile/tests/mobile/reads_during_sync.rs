//! A phone app reads its store while a sync waits on the server: the real server
//! (seeded with the demo) on 127.0.0.1 holds its answer to the first request of a
//! stream's sync (a sync message, or the fast path's changes) until the test has read
//! the store through `PraxisStore`, then answers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::extract::Request;
use axum::middleware::{self, Next};
use praxis_mobile::{CancelToken, PraxisStore, generate_key};
use praxis_server::app::router;
use praxis_server::demo::DEMO_PASSWORD;
use praxis_server::state::AppState;
use praxis_server::storage::SqliteStorage;
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;

/// What happened, in order, on the server and in the test.
type Log = Arc<Mutex<Vec<&'static str>>>;

/// The server holds the first request of a stream's sync it gets until it is released.
struct Hold {
    arrived: Mutex<mpsc::Sender<()>>,
    release: Mutex<Option<oneshot::Receiver<()>>>,
    log: Log,
}

/// Only so a store that stays locked fails the test instead of hanging it: the order
/// in the log, not this time, is what the test asserts.
const SAFETY_NET: Duration = Duration::from_secs(30);

fn start_server(data_dir: &Path, hold: Arc<Hold>) -> String {
    let story = praxis_server::demo::story_clock();
    let mut storage =
        SqliteStorage::open_with_clock(data_dir, story.clone()).expect("server storage");
    praxis_server::demo::seed(&mut storage, &story).expect("the demo seeds");
    let app = router(AppState::new(Box::new(storage), 30)).layer(middleware::from_fn(
        move |request: Request, next: Next| {
            let hold = hold.clone();
            async move {
                let path = request.uri().path();
                let release = if path.ends_with("/sync") || path.ends_with("/changes") {
                    hold.release.lock().unwrap().take()
                } else {
                    None
                };
                let held = release.is_some();
                if let Some(release) = release {
                    hold.log.lock().unwrap().push("held");
                    hold.arrived.lock().unwrap().send(()).unwrap();
                    let _ = tokio::time::timeout(SAFETY_NET, release).await;
                }
                let response = next.run(request).await;
                if held {
                    hold.log.lock().unwrap().push("answered");
                }
                response
            }
        },
    ));
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("a port on 127.0.0.1");
    let url = format!("http://{}", listener.local_addr().expect("its address"));
    std::thread::spawn(move || {
        runtime.block_on(async move {
            let _ = axum::serve(listener, app).await;
        })
    });
    url
}

#[test]
fn the_store_can_be_read_while_a_sync_waits_on_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let (arrived_tx, arrived) = mpsc::channel();
    let (release, release_rx) = oneshot::channel();
    let log: Log = Arc::default();
    let hold = Arc::new(Hold {
        arrived: Mutex::new(arrived_tx),
        release: Mutex::new(Some(release_rx)),
        log: log.clone(),
    });
    let url = start_server(&dir.path().join("server"), hold);

    let phone = PraxisStore::create(
        dir.path().join("phone.sqlite3").display().to_string(),
        "Amira".into(),
        generate_key().unwrap(),
    )
    .unwrap();
    phone
        .enrol(
            url,
            "amira.hassan".into(),
            DEMO_PASSWORD.into(),
            "Amira's phone".into(),
        )
        .unwrap();

    let syncing = {
        let phone = phone.clone();
        std::thread::spawn(move || phone.sync(Arc::new(crate::Quiet), CancelToken::new()))
    };
    arrived.recv().expect("the sync sends a message");
    // The server holds its answer: the store must still be free for the app.
    let identity = phone.identity().unwrap();
    let waiting = phone.waiting_to_sync().unwrap();
    log.lock().unwrap().push("read");
    // Already gone when the server stopped holding on its own: the log tells.
    let _ = release.send(());

    let results = syncing.join().unwrap().unwrap();
    assert_eq!(*log.lock().unwrap(), ["held", "read", "answered"]);
    assert_eq!(identity.name, "Amira Hassan");
    assert_eq!(waiting, 0);
    assert!(results.iter().all(|r| r.synced), "{results:?}");
    assert!(
        !phone.projects().unwrap().is_empty(),
        "the sync brought the team's project"
    );
}
