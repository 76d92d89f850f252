//! Single sign-on through a real OpenID Connect provider (`oidc-provider`, certified,
//! run by Node), in headless Chromium: a person signs in to the pages and to the field
//! app through the provider and never types a Praxis password; an answer Praxis must
//! not trust (an ID token issued to another application, for another sign-in, or
//! expired) and a person Praxis does not know are each refused with what happened,
//! and nothing is created: no person, no session, no device.

use fantoccini::{Client, Locator};
use praxis_server::storage::{Storage, Views};
use praxis_testkit::browser::{Driver, click_link, press, text_of, type_into, wait_for};
use praxis_testkit::oidc::{Misbehaviour, PROVIDER_NAME, server_with_provider};
use std::path::Path;

/// What the server holds that a sign-in could create: people, devices, live sessions.
fn held(data: &Path) -> (usize, usize, i64) {
    let storage = praxis_testkit::server::open_storage(data).unwrap();
    let people = storage.people().unwrap().len();
    let devices = storage.devices().unwrap().len();
    drop(storage);
    let db = rusqlite::Connection::open(data.join("praxis.sqlite3")).unwrap();
    let sessions: i64 = db
        .query_row("SELECT count(*) FROM sessions", [], |r| r.get(0))
        .unwrap();
    (people, devices, sessions)
}

/// From Praxis's sign-in page through the provider's own sign-in and consent pages,
/// as `login`; ends wherever the provider sends the browser back to.
async fn through_the_provider(client: &Client, login: &str) {
    press(client, "#sign-in-sso").await;
    type_into(client, "input[name=login]", login).await;
    type_into(
        client,
        "input[name=password]",
        "any password the provider takes",
    )
    .await;
    press(client, "button[type=submit]").await;
    // The provider asks once whether Praxis may have the person's email and profile.
    wait_for(
        client,
        Locator::XPath("//button[@type='submit'][contains(., 'Continue')]"),
    )
    .await
    .click()
    .await
    .unwrap();
}

/// Signs in through the provider as `login` in a new browser on `profile`, where Praxis
/// refuses the answer: what the sign-in page says, once it is seen that the browser is
/// still signed out.
async fn refused(driver: &Driver, profile: &Path, server: &str, login: &str) -> String {
    let browser = driver.desktop(profile, 1280, 1024).await;
    browser.goto(&format!("{server}/")).await.unwrap();
    through_the_provider(&browser, login).await;
    let problem = text_of(&browser, "p.error").await;
    assert!(problem.contains("Nobody was signed in"), "{problem}");
    // Still signed out: the home page sends the browser to sign in.
    browser.goto(&format!("{server}/")).await.unwrap();
    wait_for(&browser, Locator::Css("#username")).await;
    assert_eq!(path_of(&browser).await, "/sign-in");
    browser.close().await;
    problem
}

async fn path_of(client: &Client) -> String {
    client.current_url().await.unwrap().path().to_string()
}

/// A person of the demo signs in through the provider, on a desktop browser (where
/// they make the one-time code that enrols their terminal client) and then in the
/// field app on a phone, and the administrator to the administration page: the
/// provider's `preferred_username` names them. No Praxis password is typed, and no one
/// new is created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_signs_in_through_the_provider_to_the_pages_and_the_field_app() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (_provider, server) = server_with_provider(
        &data,
        Misbehaviour::None,
        &["--demo", "--oidc-username-claim", "preferred_username"],
    );
    let (people, _, _) = held(&data);
    let driver = Driver::start().await;

    let desktop = driver
        .desktop(&dir.path().join("desktop"), 1280, 1024)
        .await;
    desktop.goto(&format!("{}/", server.url)).await.unwrap();
    let button = text_of(&desktop, "#sign-in-sso").await;
    assert_eq!(button, format!("Sign in with {PROVIDER_NAME}"));
    through_the_provider(&desktop, "amira.hassan").await;
    wait_for(
        &desktop,
        Locator::XPath("//h1[contains(., 'Your collaboratives and teams')]"),
    )
    .await;
    let who = text_of(&desktop, ".who").await;
    assert!(who.contains("Signed in as Amira Hassan"), "{who}");
    assert_eq!(path_of(&desktop).await, "/");
    // Signed in for the next page too: the session holds.
    desktop
        .goto(&format!("{}/field/", server.url))
        .await
        .unwrap();
    wait_for(&desktop, Locator::Css("a.card")).await;

    // The terminal client, enrolled through the provider: a one-time code made in the
    // signed-in browser, typed in the terminal; no password anywhere.
    desktop
        .goto(&format!("{}/devices/enrol", server.url))
        .await
        .unwrap();
    press(
        &desktop,
        "form[action='/devices/enrol'] button[type=submit]",
    )
    .await;
    let code = text_of(&desktop, "[data-enrolment-code]").await;
    let shown = text_of(&desktop, "pre code").await;
    assert_eq!(
        shown,
        format!("praxis enrol --server {} --code {code}", server.url),
        "the page names the server by its public address"
    );
    desktop.close().await;
    let store = dir.path().join("terminal.sqlite3");
    let terminal = |args: &[&str]| {
        let out = std::process::Command::new(praxis_testkit::binary("praxis"))
            .env_remove("PRAXIS_PASSWORD")
            .env("XDG_DATA_HOME", dir.path().join("xdg"))
            .arg("--store")
            .arg(&store)
            .args(args)
            .output()
            .unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "praxis {args:?}: {said}");
        said
    };
    let enrolled = terminal(&[
        "enrol",
        "--server",
        &server.url,
        "--code",
        &code,
        "--device-name",
        "Amira's laptop",
    ]);
    assert!(enrolled.contains("Amira Hassan"), "{enrolled}");
    let synced: serde_json::Value = serde_json::from_str(&terminal(&["--json", "sync"])).unwrap();
    assert_eq!(synced["failed"], 0, "{synced}");
    assert!(
        synced["received_events"].as_u64().unwrap() > 0,
        "Amira's teams' records came down to the terminal: {synced}"
    );

    // The field app on a phone: its sign-in link leads through the provider and back
    // to the app, which enrols the phone and loads Amira's projects.
    let phone = driver.phone(&dir.path().join("phone")).await;
    phone.goto(&format!("{}/field/", server.url)).await.unwrap();
    click_link(&phone, "Sign in").await;
    through_the_provider(&phone, "amira.hassan").await;
    wait_for(&phone, Locator::Css("a.card")).await;
    assert_eq!(path_of(&phone).await, "/field/");
    phone.close().await;

    let (people_after, _, sessions) = held(&data);
    assert_eq!(
        people_after, people,
        "signing in through the provider creates no person"
    );
    assert_eq!(sessions, 2, "one session for each browser that signed in");
}

/// Each answer Praxis must not trust is refused on the sign-in page, saying why, and
/// creates nothing; then a person Praxis does not know is refused; then the same
/// provider, behaving, signs in the person Praxis knows by their email.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_answers_and_unknown_people_are_refused_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Set up as an administrator would for single sign-on: people with their work
    // email as username and no password.
    let admin = |args: &[&str]| {
        let out = std::process::Command::new(praxis_testkit::binary("praxis-server"))
            .arg("admin")
            .args(args)
            .arg("--data-dir")
            .arg(&data)
            .args(praxis_testkit::server::engine_options(&data))
            .env_remove("PRAXIS_NEW_PASSWORD")
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "admin {args:?}: {said}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        said
    };
    admin(&[
        "create-collaborative",
        "--name",
        "Independence at home",
        "--topic",
        "Promoting independence",
        "--chosen-with",
        "The service users' forum",
    ]);
    admin(&[
        "create-team",
        "--collaborative",
        "Independence at home",
        "--name",
        "Northside",
        "--organisation",
        "Northshire County Council",
    ]);
    for (username, name) in [
        ("asha.patel@council.example", "Asha Patel"),
        ("unverified.ben@council.example", "Ben Carter"),
    ] {
        let said = admin(&["create-person", "--username", username, "--name", name]);
        assert!(said.contains(&format!("{name} has no password")), "{said}");
        admin(&[
            "grant",
            "--username",
            username,
            "--role",
            "practitioner",
            "--team",
            "Northside",
        ]);
    }
    let before = held(&data);
    let driver = Driver::start().await;

    for (misbehaviour, said) in [
        (
            Misbehaviour::WrongAudience,
            "its ID token was issued to another application, not to Praxis",
        ),
        (
            Misbehaviour::WrongNonce,
            "its ID token belongs to another sign-in (the nonce does not match)",
        ),
        (Misbehaviour::Expired, "its ID token has expired"),
    ] {
        let (_provider, server) = server_with_provider(&data, misbehaviour, &[]);
        let profile = dir.path().join(format!("{misbehaviour:?}"));
        let problem = refused(&driver, &profile, &server.url, "asha.patel@council.example").await;
        assert!(problem.contains(said), "{misbehaviour:?}: {problem}");
        drop(server);
        assert_eq!(held(&data), before, "{misbehaviour:?} created nothing");
    }

    let (provider, server) = server_with_provider(&data, Misbehaviour::None, &[]);
    for (who, login, said) in [
        (
            "someone the provider knows but Praxis does not",
            "mallory@elsewhere.example",
            "as 'mallory@elsewhere.example', but nobody in Praxis has that username",
        ),
        (
            "a person Praxis knows, by an address the provider never verified",
            "unverified.ben@council.example",
            "the provider says your email address is not verified",
        ),
    ] {
        let profile = dir.path().join(login);
        let problem = refused(&driver, &profile, &server.url, login).await;
        assert!(problem.contains(said), "{who}: {problem}");
        assert_eq!(held(&data), before, "{who}: nothing created");
    }

    // A sign-in answer this browser did not begin (or one used already) is refused.
    let forged = reqwest::Client::new()
        .get(format!(
            "{}/sign-in/sso/callback?code=stolen&state=someone-elses",
            server.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert!(
        forged
            .text()
            .await
            .unwrap()
            .contains("This sign-in was not begun in this browser")
    );
    assert_eq!(held(&data), before, "a forged answer created nothing");

    // The provider behaving: the person Praxis knows by their email is signed in;
    // and again after the provider has begun signing with a new key, which the server
    // has not read yet (its keys are read again when a signature needs one).
    let provider = provider.restart();
    for (profile, the_time) in [("asha", "first"), ("asha-after-new-key", "second")] {
        let asha = driver.desktop(&dir.path().join(profile), 1280, 1024).await;
        asha.goto(&format!("{}/", server.url)).await.unwrap();
        through_the_provider(&asha, "asha.patel@council.example").await;
        let home = asha
            .wait()
            .for_element(Locator::XPath(
                "//h1[contains(., 'Your collaboratives and teams')] | //p[contains(@class, 'error')]",
            ))
            .await
            .unwrap();
        assert_eq!(
            home.text().await.unwrap(),
            "Your collaboratives and teams",
            "signed in the {the_time} time"
        );
        asha.close().await;
    }
    drop(provider);
    let (people, devices, sessions) = held(&data);
    assert_eq!((people, devices, sessions), (before.0, before.1, 2));
}

/// A server set up for a provider it cannot use does not start, and says what to fix:
/// settings missing, or an issuer that does not answer.
#[test]
fn a_server_set_up_wrongly_for_single_sign_on_says_what_to_fix_and_does_not_start() {
    let dir = tempfile::tempdir().unwrap();
    let serve = |options: &[&str]| {
        std::process::Command::new(praxis_testkit::binary("praxis-server"))
            .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path().join("data"))
            .args(options)
            .output()
            .unwrap()
    };
    let without_address = serve(&[
        "--oidc-issuer",
        "http://127.0.0.1:9",
        "--oidc-client-id",
        "praxis",
        "--oidc-client-secret",
        "s",
    ]);
    assert!(!without_address.status.success());
    let said = String::from_utf8_lossy(&without_address.stderr);
    assert!(said.contains("--public-url"), "{said}");

    let port = praxis_testkit::oidc::free_port().to_string();
    let issuer = format!("http://127.0.0.1:{port}");
    let unreachable = serve(&[
        "--oidc-issuer",
        &issuer,
        "--oidc-client-id",
        "praxis",
        "--oidc-client-secret",
        "s",
        "--public-url",
        "http://127.0.0.1:8080",
    ]);
    assert!(!unreachable.status.success());
    let said = String::from_utf8_lossy(&unreachable.stderr);
    assert!(
        said.contains(&format!(
            "single sign-on: the OpenID Connect provider at {issuer} could not be used"
        )),
        "{said}"
    );
    assert!(
        !String::from_utf8_lossy(&unreachable.stdout).contains("listening"),
        "it never listened"
    );
}
