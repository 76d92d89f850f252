#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The field app (`/field/`) in a real phone browser (headless Chromium with a 390 px
//! touch screen), against the real server with the demo collaborative, behind a proxy
//! that can take the signal away or lose the server's answers. A practitioner loads
//! the app, loses signal, restarts the browser, records offline, and syncs when the
//! signal returns, with an answer lost on the way; the office sees every record once,
//! with its author, its device time and a receipt. A record for a team the person has
//! left is refused on that record while the others go through. Signing out clears the
//! phone, and a revoked device's app shows nothing after its next contact.

use fantoccini::{Client, Locator};
use praxis_core::domain::envelope::Envelope;
use praxis_core::domain::event::Event;
use praxis_core::domain::ids::{EventId, PersonId, StreamId};
use praxis_core::domain::record::StreamKind;
use praxis_server::demo::DEMO_PASSWORD;
use praxis_server::storage::{SqliteStorage, Storage};
use praxis_testkit::browser::{Browser, Driver, press, sign_in, text_of, type_into, wait_for};
use praxis_testkit::proxy::{Mode, Proxy};
use praxis_testkit::server::TestServer;
use std::collections::HashSet;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a step may take before the test calls it stuck. A bound, not a timing.
const STUCK: Duration = Duration::from_secs(90);

fn person(storage: &SqliteStorage, username: &str) -> PersonId {
    storage
        .people()
        .unwrap()
        .into_iter()
        .find(|p| p.username == username)
        .unwrap_or_else(|| panic!("the demo has no {username}"))
        .id
}

fn project_of(storage: &SqliteStorage, person: PersonId, team: &str) -> StreamId {
    storage
        .streams_for(person)
        .unwrap()
        .into_iter()
        .find(|s| s.kind == StreamKind::Project && s.name.contains(team))
        .unwrap_or_else(|| panic!("no {team} project for {person}"))
        .stream_id
}

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn admin(data: &Path, args: &[&str]) -> String {
    let out = Command::new(praxis_testkit::binary("praxis-server"))
        .arg("--data-dir")
        .arg(data)
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
async fn until<F, Fut>(what: &str, mut check: F)
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
async fn waiting(client: &Client) -> Option<u64> {
    let banner = client.find(Locator::Css("[data-waiting]")).await.ok()?;
    banner.attr("data-waiting").await.ok()??.parse().ok()
}

async fn until_waiting(client: &Client, n: u64) {
    until(&format!("the app to show {n} waiting"), || async {
        waiting(client).await == Some(n)
    })
    .await;
}

/// Opens the app's screen at `#/route` (a same-page move once the app is open).
async fn open(client: &Client, proxy: &Proxy, route: &str) {
    client
        .goto(&format!("{}/field/#/{route}", proxy.url()))
        .await
        .unwrap();
}

/// Signs in on the web and opens the field app, online, until it shows the person's
/// projects and its service worker holds the shell.
async fn load_the_app(phone: &Browser, proxy: &Proxy, username: &str) {
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

async fn observe(client: &Client, proxy: &Proxy, stream: StreamId, subject: &str, text: &str) {
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
async fn held_locally(client: &Client) -> (u64, u64) {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_practitioner_records_offline_and_the_office_sees_each_record_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start_with(&data, &["--demo"]);
    let storage = SqliteStorage::open(&data).unwrap();
    let amira = person(&storage, "amira.hassan");
    let north = project_of(&storage, amira, "Northside");
    let detail = storage.project_detail(north).unwrap();
    let measure = detail.overview.measures.first().expect("a measure").id;
    let cycle = detail
        .overview
        .cycles_by_stage
        .get("planned")
        .and_then(|c| c.first())
        .expect("the demo's Northside project has a planned cycle")
        .id;
    let before: HashSet<EventId> = storage
        .envelopes(north)
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    let proxy = Proxy::start(&server.url).await;
    let driver = Driver::start().await;

    // 1. Online: sign in and load the app.
    let phone = driver.phone(&dir.path().join("phone")).await;
    load_the_app(&phone, &proxy, "amira.hassan").await;

    // 2. No signal, and the browser restarted.
    proxy.set(Mode::Offline);
    let phone = phone.restart().await;
    let started = now_millis();

    // 3. The app opens from what the phone holds; 20 observations, 3 measurements and a Do.
    open(&phone, &proxy, "").await;
    wait_for(&phone, Locator::Css("a.card")).await;
    for n in 0..20 {
        observe(
            &phone,
            &proxy,
            north,
            &format!("P-{:04}", 400 + n),
            &format!("Field visit {n}: asked what matters first."),
        )
        .await;
    }
    for value in ["3", "5", "4"] {
        open(&phone, &proxy, &format!("p/{north}/measurement/{measure}")).await;
        wait_for(&phone, Locator::Css("#f-day")).await;
        if phone.find(Locator::Css("#f-value")).await.is_ok() {
            type_into(&phone, "#f-value", value).await;
        } else {
            type_into(&phone, "#f-numerator", value).await;
            type_into(&phone, "#f-denominator", "10").await;
        }
        press(&phone, "#record button[type=submit]").await;
        wait_for(
            &phone,
            Locator::XPath("//p[@role='status'][contains(., 'Saved on this phone')]"),
        )
        .await;
    }
    open(&phone, &proxy, &format!("p/{north}/do/{cycle}")).await;
    wait_for(&phone, Locator::Css("#f-observations")).await;
    type_into(&phone, "#f-carried_out_by", "Amira Hassan").await;
    type_into(
        &phone,
        "#f-observations",
        "Tried the new conversation guide on two visits.",
    )
    .await;
    press(&phone, "#record button[type=submit]").await;

    // 4. They wait, and the screen says so; the server has none of them.
    until_waiting(&phone, 24).await;
    let banner = text_of(&phone, "[data-waiting]").await;
    assert!(
        banner.contains("24 records waiting to go") && banner.contains("safe on this phone"),
        "{banner}"
    );
    assert_eq!(storage.envelopes(north).unwrap().len(), before.len());

    // 5. The signal comes back, but the first answer is lost on the way: the server
    // takes everything, the phone does not learn it.
    proxy.set(Mode::DropAnswers);
    press(&phone, "#sync").await;
    until("the server to take the 24 records", || async {
        storage.envelopes(north).unwrap().len() == before.len() + 24
    })
    .await;
    until_waiting(&phone, 24).await;
    // Then a good signal: the phone sends them again, and each is held once.
    proxy.set(Mode::Online);
    press(&phone, "#sync").await;
    until_waiting(&phone, 0).await;
    let finished = now_millis();

    let envelopes: Vec<Envelope> = storage.envelopes(north).unwrap();
    let new: Vec<&Envelope> = envelopes
        .iter()
        .filter(|e| !before.contains(&e.id))
        .collect();
    assert_eq!(new.len(), 24, "each record once, none twice");
    let field_device = storage
        .devices()
        .unwrap()
        .into_iter()
        .find(|d| d.person == amira && d.name == "Field app in a browser")
        .expect("the app enrolled the browser as Amira's device");
    let receipts = storage.receipts(north).unwrap();
    for e in &new {
        assert_eq!(e.author, amira, "the right author");
        assert_eq!(e.device, field_device.id, "made on the phone's browser");
        assert!(
            (started..=finished).contains(&e.recorded_at.millis),
            "its time is the phone's, from when it was made offline"
        );
        assert_eq!(
            receipts.iter().filter(|r| r.events.contains(&e.id)).count(),
            1,
            "one receipt for {}",
            e.id
        );
    }
    let texts: Vec<String> = new
        .iter()
        .filter_map(|e| match e.event() {
            Some(Event::ObservationRecorded(o)) => Some(o.text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(texts.len(), 20);
    assert_eq!(texts.iter().collect::<HashSet<_>>().len(), 20);

    // 6. The coordinator's browser shows the Do, by its author.
    let office = driver.desktop(&dir.path().join("office"), 1366, 900).await;
    sign_in(&office, &server.url, "sam.okafor", DEMO_PASSWORD).await;
    office
        .goto(&format!("{}/cycles/{cycle}", server.url))
        .await
        .unwrap();
    let page = text_of(&office, "main").await;
    assert!(
        page.contains("Tried the new conversation guide on two visits."),
        "{page}"
    );
    assert!(page.contains("Amira Hassan"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_for_a_team_the_person_left_is_refused_and_the_others_go_through() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start_with(&data, &["--demo"]);
    admin(
        &data,
        &[
            "grant",
            "--username",
            "amira.hassan",
            "--role",
            "practitioner",
            "--team",
            "Riverside home support team",
        ],
    );
    let storage = SqliteStorage::open(&data).unwrap();
    let amira = person(&storage, "amira.hassan");
    let north = project_of(&storage, amira, "Northside");
    let river = project_of(&storage, amira, "Riverside");
    let proxy = Proxy::start(&server.url).await;
    let driver = Driver::start().await;
    let phone = driver.phone(&dir.path().join("phone")).await;
    load_the_app(&phone, &proxy, "amira.hassan").await;

    proxy.set(Mode::Offline);
    observe(
        &phone,
        &proxy,
        river,
        "P-0900",
        "Riverside visit while still a member.",
    )
    .await;
    observe(&phone, &proxy, north, "P-0901", "Northside visit.").await;
    // A real name as the subject is refused on the phone, before anything is kept.
    open(&phone, &proxy, &format!("p/{north}/observation")).await;
    wait_for(&phone, Locator::Css("#f-text")).await;
    type_into(&phone, "#f-subject", "Mary Smith").await;
    type_into(&phone, "#f-text", "Named the person.").await;
    press(&phone, "#record button[type=submit]").await;
    let problem = text_of(&phone, ".problem").await;
    assert!(problem.contains("pseudonymous"), "{problem}");
    until_waiting(&phone, 2).await;

    // Meanwhile Amira leaves the Riverside team.
    let membership = storage
        .memberships()
        .unwrap()
        .into_iter()
        .find(|m| m.person == amira && m.revoked_at.is_none() && matches!(m.scope, praxis_core::domain::event::Scope::Team(t) if storage.teams().unwrap().iter().any(|x| x.id == t && x.name.contains("Riverside"))))
        .expect("Amira's Riverside membership")
        .id;
    admin(
        &data,
        &[
            "revoke-membership",
            &membership.to_string(),
            "--reason",
            "Moved to Northside only",
        ],
    );

    proxy.set(Mode::Online);
    press(&phone, "#sync").await;
    until_waiting(&phone, 0).await;
    open(&phone, &proxy, "waiting").await;
    let refused = text_of(&phone, "li.refused").await;
    assert!(
        refused.contains("Riverside visit while still a member."),
        "{refused}"
    );
    assert!(refused.contains("not a member of the team"), "{refused}");
    let held = |stream| {
        storage
            .envelopes(stream)
            .unwrap()
            .into_iter()
            .filter_map(|e| match e.event() {
                Some(Event::ObservationRecorded(o)) => Some(o.text.clone()),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    assert!(held(north).contains(&"Northside visit.".to_string()));
    assert!(!held(river).contains(&"Riverside visit while still a member.".to_string()));
    // The person discards it once they have what they need.
    press(&phone, "[data-discard]").await;
    until("the refused record to be discarded", || async {
        phone.find(Locator::Css("li.refused")).await.is_err()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_out_clears_the_phone_and_a_revoked_device_shows_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start_with(&data, &["--demo"]);
    let storage = SqliteStorage::open(&data).unwrap();
    let ben = person(&storage, "ben.carter");
    let north = project_of(&storage, ben, "Northside");
    let proxy = Proxy::start(&server.url).await;
    let driver = Driver::start().await;

    // Signing out deletes what the phone held, and offline it then shows nothing.
    let phone = driver.phone(&dir.path().join("phone")).await;
    load_the_app(&phone, &proxy, "ben.carter").await;
    assert_eq!(held_locally(&phone).await, (0, 1));
    press(&phone, "#sign-out").await;
    wait_for(
        &phone,
        Locator::XPath("//main[contains(., 'You are signed out')]"),
    )
    .await;
    assert_eq!(held_locally(&phone).await, (0, 0));
    proxy.set(Mode::Offline);
    let phone = phone.restart().await;
    open(&phone, &proxy, "").await;
    wait_for(&phone, Locator::XPath("//a[contains(., 'Sign in')]")).await;
    assert!(phone.find(Locator::Css("a.card")).await.is_err());
    proxy.set(Mode::Online);

    // A device revoked while the phone was away: its next contact deletes everything.
    let phone = driver.phone(&dir.path().join("phone-2")).await;
    load_the_app(&phone, &proxy, "dev.patel").await;
    let dev = person(&storage, "dev.patel");
    let device = storage
        .devices()
        .unwrap()
        .into_iter()
        .find(|d| d.person == dev && d.name == "Field app in a browser")
        .expect("Dev's field app device")
        .id;
    proxy.set(Mode::Offline);
    observe(
        &phone,
        &proxy,
        project_of(&storage, dev, "Riverside"),
        "P-0777",
        "Recorded before the phone was lost.",
    )
    .await;
    admin(
        &data,
        &[
            "revoke-device",
            &device.to_string(),
            "--reason",
            "Phone lost",
        ],
    );
    proxy.set(Mode::Online);
    press(&phone, "#sync").await;
    wait_for(
        &phone,
        Locator::XPath("//main[contains(., 'access to Praxis was withdrawn')]"),
    )
    .await;
    assert_eq!(held_locally(&phone).await, (0, 0));
    assert!(phone.find(Locator::Css("a.card")).await.is_err());
    let _ = north;
}

/// Fills the form open at `#/route` (field ids and what to type), saves it, and waits
/// for the phone to confirm.
async fn fill(client: &Client, proxy: &Proxy, route: &str, fields: &[(&str, &str)]) {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_field_record_reaches_the_office() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start_with(&data, &["--demo"]);
    let storage = SqliteStorage::open(&data).unwrap();
    let amira = person(&storage, "amira.hassan");
    let north = project_of(&storage, amira, "Northside");
    let stages = storage
        .project_detail(north)
        .unwrap()
        .overview
        .cycles_by_stage;
    let at = |stage: &str| {
        stages
            .get(stage)
            .and_then(|c| c.first())
            .unwrap_or_else(|| {
                panic!("the demo's Northside project has a cycle {stage}: {stages:?}")
            })
            .id
    };
    let (done, studied) = (at("done, to study"), at("studied, to decide"));
    let before = storage.envelopes(north).unwrap().len();
    let proxy = Proxy::start(&server.url).await;
    let driver = Driver::start().await;
    let phone = driver.phone(&dir.path().join("phone")).await;
    load_the_app(&phone, &proxy, "amira.hassan").await;
    proxy.set(Mode::Offline);

    let p = format!("p/{north}");
    fill(
        &phone,
        &proxy,
        &format!("{p}/plan"),
        &[
            ("objective", "Try the guide with one more person"),
            ("question", "Will the person say more about what matters?"),
            ("prediction", "Yes, on two of three visits"),
            ("reason", "It worked on the first visits"),
            ("who", "Amira"),
            ("what", "Use the conversation guide"),
            ("where_", "Home visits"),
            ("data_to_collect", "What the person said first"),
        ],
    )
    .await;
    fill(
        &phone,
        &proxy,
        &format!("{p}/study/{done}"),
        &[
            (
                "analysis",
                "Two of three people talked about their garden first.",
            ),
            ("compared_with_predictions", "As predicted."),
            ("learning", "Start with what the person enjoys."),
        ],
    )
    .await;
    fill(
        &phone,
        &proxy,
        &format!("{p}/act/{studied}"),
        &[
            ("reasons", "It helped every time."),
            ("next_step", "Test it with the whole team."),
        ],
    )
    .await;
    fill(
        &phone,
        &proxy,
        &format!("{p}/action-plan"),
        &[
            ("where_are_we_now", "Risk talk comes first."),
            (
                "what_do_we_want_to_achieve",
                "Talk about what matters first.",
            ),
            ("how_will_we_get_there", "A short guide for visits."),
            ("who_needs_to_take_what_action", "Amira drafts it."),
            ("timescales", "By the end of the month."),
        ],
    )
    .await;
    fill(
        &phone,
        &proxy,
        &format!("{p}/learning-log"),
        &[
            ("learning_points", "People open up about what they enjoy."),
            ("action_points", "Share at the team meeting."),
            ("responsibility", "Amira"),
        ],
    )
    .await;
    until_waiting(&phone, 5).await;
    // Every screen fits the phone: nothing scrolls sideways.
    for route in [
        String::new(),
        p.clone(),
        format!("{p}/observation"),
        format!("{p}/plan"),
        format!("{p}/do/{done}"),
        "waiting".to_string(),
    ] {
        open(&phone, &proxy, &route).await;
        wait_for(&phone, Locator::Css("main h1")).await;
        let (page, screen) = phone.widths().await;
        assert!(
            page <= screen,
            "#/{route} is {page} px wide on a {screen} px phone"
        );
    }

    proxy.set(Mode::Online);
    press(&phone, "#sync").await;
    until_waiting(&phone, 0).await;
    assert!(
        phone.find(Locator::Css("li.refused")).await.is_err()
            && !text_of(&phone, "main").await.contains("refused"),
        "no record was refused"
    );
    let kinds: Vec<String> = storage
        .envelopes(north)
        .unwrap()
        .iter()
        .skip(before)
        .map(|e| e.kind_name().to_string())
        .collect();
    for kind in [
        "cycle-planned",
        "cycle-studied",
        "cycle-acted",
        "action-plan-entry-added",
        "learning-log-entry-added",
    ] {
        assert!(
            kinds.iter().any(|k| k == kind),
            "{kind} reached the office: {kinds:?}"
        );
    }
}
