#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The web pages in a real browser: headless Chromium driven through chromedriver
//! (Debian's `chromium` and `chromium-driver`), against the real server with the demo
//! collaborative. A coordinator signs in, opens the dashboard, opens a measure whose
//! data has a shift and sees it flagged and explained, scores a monthly report and
//! sees the score on the dashboard; a practitioner of another team is refused that
//! team's pages. Everything is done as a person would: typing, clicking links and
//! buttons.

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use praxis_core::domain::record::StreamKind;
use praxis_server::demo::DEMO_PASSWORD;
use praxis_server::storage::{SqliteStorage, Storage};
use praxis_testkit::server::TestServer;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free port of 127.0.0.1; killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn require(path: &str) {
    assert!(
        Path::new(path).exists(),
        "{path} is missing: the browser tests need Debian's chromium and chromium-driver. \
         Install them with `apt-get install -y chromium chromium-driver` (scripts/test does)."
    );
}

async fn driver() -> Driver {
    require(CHROMIUM);
    require(CHROMEDRIVER);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let url = format!("http://127.0.0.1:{port}");
    let driver = Driver { child, url };
    // Bounded wait for chromedriver to answer.
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return driver;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not listen on {} within 10 s", driver.url);
}

/// A fresh headless Chromium session with its own profile directory.
async fn browser(driver: &Driver, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
                format!("--user-data-dir={}", profile.display()),
                "--window-size=1280,1024",
            ],
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a Chromium session through chromedriver")
}

async fn sign_in(client: &Client, server: &str, username: &str) {
    client.goto(&format!("{server}/")).await.unwrap();
    // Not signed in: the site sends the browser to the sign-in form.
    let username_box = wait_for(client, Locator::Css("#username")).await;
    assert!(
        client
            .current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/sign-in")
    );
    username_box.send_keys(username).await.unwrap();
    type_into(client, "#password", DEMO_PASSWORD).await;
    press(client, "form button[type=submit]").await;
    wait_for(
        client,
        Locator::XPath("//h1[contains(., 'Your collaboratives and teams')]"),
    )
    .await;
}

async fn click_link(client: &Client, text: &str) {
    client
        .find(Locator::LinkText(text))
        .await
        .unwrap_or_else(|e| panic!("no link '{text}': {e}"))
        .click()
        .await
        .unwrap();
}

/// Waits (fantoccini's bounded wait) for an element to appear, and returns it.
async fn wait_for(client: &Client, locator: Locator<'_>) -> Element {
    client
        .wait()
        .for_element(locator)
        .await
        .unwrap_or_else(|e| panic!("waited in vain for {locator:?}: {e}"))
}

/// Types `text` into the field that `css` selects.
async fn type_into(client: &Client, css: &str, text: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no field '{css}': {e}"))
        .send_keys(text)
        .await
        .unwrap();
}

/// Clicks the button that `css` selects.
async fn press(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no button '{css}': {e}"))
        .click()
        .await
        .unwrap();
}

/// The text of the element that `css` selects.
async fn text_of(client: &Client, css: &str) -> String {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element '{css}': {e}"))
        .text()
        .await
        .unwrap()
}

async fn body_text(client: &Client) -> String {
    text_of(client, "main").await
}

/// The coordinator's score cell of the Northside row on the dashboard.
async fn northside_coordinator_score(client: &Client) -> String {
    text_of(
        client,
        "tr[data-team='Northside adult social care team'] td[data-coordinator-score]",
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn managers_read_and_score_in_the_browser_and_others_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start_with(&data, &["--demo"]);
    let north = {
        let s = SqliteStorage::open(&data).unwrap();
        let sam = s
            .people()
            .unwrap()
            .into_iter()
            .find(|p| p.username == "sam.okafor")
            .unwrap()
            .id;
        s.streams_for(sam)
            .unwrap()
            .into_iter()
            .find(|x| x.kind == StreamKind::Project && x.name.contains("Northside"))
            .unwrap()
            .stream_id
    };
    let driver = driver().await;

    // The coordinator.
    let client = browser(&driver, &dir.path().join("coordinator-profile")).await;
    sign_in(&client, &server.url, "sam.okafor").await;
    click_link(&client, "Dashboard").await;
    wait_for(
        &client,
        Locator::XPath("//h1[contains(., 'Independence at home')]"),
    )
    .await;
    let dashboard = body_text(&client).await;
    assert!(dashboard.contains("Where we are:"), "{dashboard}");
    assert!(dashboard.contains("Riverside home support team"));
    let before = northside_coordinator_score(&client).await;

    // A measure whose data has a shift: flagged on the chart and explained.
    click_link(&client, "Northside adult social care team").await;
    wait_for(
        &client,
        Locator::XPath("//h1[contains(., 'Positive risk-taking')]"),
    )
    .await;
    click_link(&client, "Plans agreed with the person").await;
    wait_for(&client, Locator::Css("svg[data-chart='run-chart']")).await;
    let flagged = client
        .find_all(Locator::Css("svg[data-chart='run-chart'] circle.signal"))
        .await
        .unwrap();
    assert!(flagged.len() >= 6, "a shift flags six or more points");
    let shift = text_of(&client, "li[data-rule='Shift']").await;
    assert!(shift.contains("in a row"), "{shift}");
    assert!(shift.contains("median: a shift"), "{shift}");
    let alternative = client
        .find(Locator::Css("svg[data-chart='run-chart'] desc"))
        .await
        .unwrap()
        .html(true)
        .await
        .unwrap();
    assert!(
        alternative.contains("shift"),
        "the chart's text alternative names it"
    );

    // Score the latest monthly report, then see the score on the dashboard.
    click_link(&client, "Back to the team project").await;
    let score_box = wait_for(
        &client,
        Locator::Css("form[action$='/score'] input[name=score]"),
    )
    .await;
    let score = if before.trim() == "4.5" { "4.0" } else { "4.5" };
    score_box.send_keys(score).await.unwrap();
    type_into(
        &client,
        "form[action$='/score'] textarea[name=justification]",
        "Plans agreed held above the target for four weeks",
    )
    .await;
    press(&client, "form[action$='/score'] button[type=submit]").await;
    wait_for(
        &client,
        Locator::XPath("//p[contains(., 'Plans agreed held above the target for four weeks')]"),
    )
    .await;
    click_link(&client, "The collaborative's dashboard").await;
    wait_for(
        &client,
        Locator::Css("tr[data-team='Northside adult social care team']"),
    )
    .await;
    assert_eq!(northside_coordinator_score(&client).await, score);
    client.close().await.unwrap();

    // A practitioner of the Riverside team is refused the Northside team's pages.
    let client = browser(&driver, &dir.path().join("practitioner-profile")).await;
    sign_in(&client, &server.url, "dev.patel").await;
    let home = body_text(&client).await;
    assert!(home.contains("Outcomes-focused reviews"));
    assert!(!home.contains("Positive risk-taking"));
    client
        .goto(&format!("{}/projects/{north}", server.url))
        .await
        .unwrap();
    let refusal = wait_for(&client, Locator::Css("p.error"))
        .await
        .text()
        .await
        .unwrap();
    assert!(refusal.contains("not a member of the team"), "{refusal}");
    assert!(!body_text(&client).await.contains("Positive risk-taking"));
    client.close().await.unwrap();
}
