//! A real browser for end-to-end tests: Debian's headless Chromium driven through
//! chromedriver on 127.0.0.1. A session is a desktop window of a given size or a phone
//! (390 px wide, touch, a mobile user agent), on a profile directory of its own that
//! outlives the session, so a test can restart the browser and find its service
//! workers, caches and IndexedDB again. The network can be cut and restored, and
//! DevTools commands sent for the rest.

use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use std::ops::Deref;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// The phone every phone session emulates: a 390 × 844 CSS-pixel screen at three
/// device pixels per CSS pixel, with touch.
pub const PHONE_WIDTH: u32 = 390;
pub const PHONE_HEIGHT: u32 = 844;
const PHONE_USER_AGENT: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 \
     (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36";

fn require(path: &str) {
    assert!(
        Path::new(path).exists(),
        "{path} is missing: the browser tests need Debian's chromium and chromium-driver. \
         Install them with `apt-get install -y chromium chromium-driver` (scripts/test does)."
    );
}

/// chromedriver on a free port of 127.0.0.1, in a process group of its own; the group
/// (chromedriver and every Chromium it started, even one whose session a failed or
/// finished test never closed) is killed when dropped.
pub struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    /// Starts chromedriver and waits (at most 10 s) until it listens.
    pub async fn start() -> Driver {
        require(CHROMIUM);
        require(CHROMEDRIVER);
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port on 127.0.0.1 for chromedriver")
            .port();
        let child = Command::new(CHROMEDRIVER)
            .process_group(0)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{CHROMEDRIVER} did not start: {e}"));
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
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

    /// A desktop browser window of `width` × `height` on the profile directory `profile`.
    pub async fn desktop(&self, profile: &Path, width: u32, height: u32) -> Browser {
        Browser::open(&self.url, profile, Screen::Desktop { width, height }).await
    }

    /// A phone: a 390 px wide viewport with touch and a mobile user agent, on the
    /// profile directory `profile`.
    pub async fn phone(&self, profile: &Path) -> Browser {
        Browser::open(&self.url, profile, Screen::Phone).await
    }
}

/// What a session's screen is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Desktop { width: u32, height: u32 },
    Phone,
}

/// A Chromium session; it derefs to fantoccini's `Client`. Dropping it leaves the
/// browser to chromedriver's end; `close` or `restart` end it at once.
pub struct Browser {
    client: Client,
    driver: String,
    profile: PathBuf,
    screen: Screen,
}

impl Deref for Browser {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self.client
    }
}

fn capabilities(profile: &Path, screen: Screen) -> serde_json::Map<String, serde_json::Value> {
    let (width, height) = match screen {
        Screen::Desktop { width, height } => (width, height),
        Screen::Phone => (PHONE_WIDTH, PHONE_HEIGHT),
    };
    let mut options = serde_json::json!({
        "binary": CHROMIUM,
        "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync",
            format!("--user-data-dir={}", profile.display()),
            format!("--window-size={width},{height}"),
        ],
    });
    if screen == Screen::Phone {
        options["mobileEmulation"] = serde_json::json!({
            "deviceMetrics": {
                "width": PHONE_WIDTH, "height": PHONE_HEIGHT, "pixelRatio": 3.0, "touch": true,
            },
            "userAgent": PHONE_USER_AGENT,
        });
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    caps
}

impl Browser {
    async fn open(driver: &str, profile: &Path, screen: Screen) -> Browser {
        std::fs::create_dir_all(profile)
            .unwrap_or_else(|e| panic!("the profile directory {}: {e}", profile.display()));
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities(profile, screen))
            .connect(driver)
            .await
            .unwrap_or_else(|e| panic!("a Chromium session through chromedriver: {e}"));
        Browser {
            client,
            driver: driver.to_string(),
            profile: profile.to_path_buf(),
            screen,
        }
    }

    /// The profile directory the browser keeps its data in.
    pub fn profile(&self) -> &Path {
        &self.profile
    }

    pub fn screen(&self) -> Screen {
        self.screen
    }

    /// Ends the session: Chromium quits, its profile directory stays.
    pub async fn close(self) {
        self.client
            .close()
            .await
            .unwrap_or_else(|e| panic!("closing the Chromium session: {e}"));
    }

    /// Quits Chromium and starts it again on the same profile directory and screen, as
    /// a person closing and reopening their browser: service workers, caches, IndexedDB
    /// and cookies that outlive a session are still there.
    pub async fn restart(self) -> Browser {
        let (driver, profile, screen) = (self.driver.clone(), self.profile.clone(), self.screen);
        self.close().await;
        Browser::open(&driver, &profile, screen).await
    }

    /// Cuts the browser off the network (`true`) or gives it back (`false`), through
    /// chromedriver's network conditions.
    pub async fn set_offline(&self, offline: bool) {
        self.client
            .issue_cmd(Chromedriver {
                path: "chromium/network_conditions",
                body: serde_json::json!({
                    "network_conditions": {
                        "offline": offline,
                        "latency": 0,
                        "download_throughput": -1,
                        "upload_throughput": -1,
                    }
                }),
            })
            .await
            .unwrap_or_else(|e| panic!("setting the network offline={offline}: {e}"));
    }

    /// Sends a Chrome DevTools Protocol command through chromedriver, for what
    /// WebDriver cannot do (such as `Emulation.setEmulatedMedia` to lay a page out for
    /// printing), and returns its answer.
    pub async fn devtools(&self, command: &str, params: serde_json::Value) -> serde_json::Value {
        self.client
            .issue_cmd(Chromedriver {
                path: "goog/cdp/execute",
                body: serde_json::json!({ "cmd": command, "params": params }),
            })
            .await
            .unwrap_or_else(|e| panic!("the DevTools command {command}: {e}"))
    }

    /// The page's width as laid out and the viewport's, in CSS pixels: the page
    /// scrolls sideways when the first is the larger.
    pub async fn widths(&self) -> (u64, u64) {
        let answer = self
            .client
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await
            .unwrap_or_else(|e| panic!("measuring the page's width: {e}"));
        let width = |i: usize| {
            answer
                .get(i)
                .and_then(serde_json::Value::as_u64)
                .unwrap_or_else(|| panic!("the page's widths as two numbers, not {answer}"))
        };
        (width(0), width(1))
    }
}

/// A command of chromedriver's own: `POST /session/{id}/<path>` with a JSON body.
#[derive(Debug)]
struct Chromedriver {
    path: &'static str,
    body: serde_json::Value,
}

impl WebDriverCompatibleCommand for Chromedriver {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

/// Signs in through the sign-in form the site sends a signed-out visitor of `/` to,
/// and waits for the home page.
pub async fn sign_in(client: &Client, server: &str, username: &str, password: &str) {
    client
        .goto(&format!("{server}/"))
        .await
        .unwrap_or_else(|e| panic!("opening {server}/: {e}"));
    let username_box = wait_for(client, Locator::Css("#username")).await;
    let path = client
        .current_url()
        .await
        .map(|u| u.path().to_string())
        .unwrap_or_default();
    assert!(
        path.ends_with("/sign-in"),
        "a signed-out visitor is sent to the sign-in form, not {path}"
    );
    username_box
        .send_keys(username)
        .await
        .unwrap_or_else(|e| panic!("typing the username: {e}"));
    type_into(client, "#password", password).await;
    press(client, "form button[type=submit]").await;
    wait_for(
        client,
        Locator::XPath("//h1[contains(., 'Your collaboratives and teams')]"),
    )
    .await;
}

/// Clicks the link whose text is `text`, once it is there.
pub async fn click_link(client: &Client, text: &str) {
    wait_for(client, Locator::LinkText(text))
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking the link '{text}': {e}"));
}

/// Waits (fantoccini's bounded wait, 30 s) for an element to appear, and returns it.
/// Every helper here waits so, as a page built by a script may not be whole yet.
pub async fn wait_for(client: &Client, locator: Locator<'_>) -> Element {
    client
        .wait()
        .for_element(locator)
        .await
        .unwrap_or_else(|e| panic!("waited in vain for {locator:?}: {e}"))
}

/// Types `text` into the field that `css` selects, once it is there.
pub async fn type_into(client: &Client, css: &str, text: &str) {
    wait_for(client, Locator::Css(css))
        .await
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("typing into '{css}': {e}"));
}

/// Clicks the button that `css` selects, once it is there.
pub async fn press(client: &Client, css: &str) {
    wait_for(client, Locator::Css(css))
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("pressing '{css}': {e}"));
}

/// The text of the element that `css` selects, once it is there. An element the page
/// replaced between finding and reading it (a page still arriving) is found again,
/// for at most 30 s.
pub async fn text_of(client: &Client, css: &str) -> String {
    let started = std::time::Instant::now();
    loop {
        match wait_for(client, Locator::Css(css)).await.text().await {
            Ok(text) => return text,
            Err(fantoccini::error::CmdError::Standard(e))
                if e.error == fantoccini::error::ErrorStatus::StaleElementReference
                    && started.elapsed() < Duration::from_secs(30) =>
            {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("the text of '{css}': {e}"),
        }
    }
}
