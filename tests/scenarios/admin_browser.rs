#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Administration in a real browser (headless Chromium through chromedriver), against
//! the real server with the demo collaborative: everything done as an administrator
//! would, typing and pressing buttons, and checked in the organisation stream.

use fantoccini::{Client, Locator};
use praxis_core::domain::ids::StreamId;
use praxis_server::demo::DEMO_PASSWORD;
use praxis_server::storage::Storage;
use praxis_testkit::browser::{Driver, click_link, press, text_of, type_into, wait_for};
use praxis_testkit::server::TestServer;

async fn sign_in(client: &Client, server: &str, username: &str) {
    praxis_testkit::browser::sign_in(client, server, username, DEMO_PASSWORD).await;
}

/// Presses a form's button and waits for the page its answer brings (the old page
/// gone, so nothing is read from it), which says what was done.
async fn submit(client: &Client, css: &str) {
    let old = wait_for(client, Locator::Css("html")).await;
    press(client, css).await;
    let started = std::time::Instant::now();
    while old.tag_name().await.is_ok() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the form's answer did not replace the page within 30 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    wait_for(client, Locator::Css("[data-done]")).await;
}

async fn body_text(client: &Client) -> String {
    text_of(client, "main").await
}

/// The demo's collaborative.
fn the_collaborative(data: &std::path::Path) -> StreamId {
    let s = praxis_testkit::server::open_storage(data).unwrap();
    s.collaboratives().unwrap()[0].0
}

/// An administrator, in the browser: adds a team and a person, grants the person a
/// role, issues a one-time code with which the person sets their own password and
/// signs in, and revokes a device. Each change is a record of the organisation
/// stream, shown in the page's history; a coordinator is refused the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_administrator_manages_teams_people_roles_and_devices_in_the_browser() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start_with(&data, &["--demo"]);
    let (organisation_before, device) = {
        let s = praxis_testkit::server::open_storage(&data).unwrap();
        let device = s
            .devices()
            .unwrap()
            .into_iter()
            .find(|d| d.name == "Ben's phone")
            .unwrap()
            .id;
        (s.envelopes(s.organisation_stream()).unwrap().len(), device)
    };
    let driver = Driver::start().await;
    let client = driver
        .desktop(&dir.path().join("admin-profile"), 1280, 1024)
        .await;
    sign_in(&client, &server.url, "jordan.lee").await;
    click_link(&client, "Administration: teams, people, roles and devices").await;
    wait_for(&client, Locator::Css("h1")).await;

    // A collaborative.
    type_into(
        &client,
        "#collaborative-name",
        "Safer discharge from hospital",
    )
    .await;
    type_into(
        &client,
        "#collaborative-topic",
        "Going home safely after a stay in hospital",
    )
    .await;
    type_into(
        &client,
        "#collaborative-chosen-with",
        "Chosen with the carers' forum",
    )
    .await;
    submit(
        &client,
        "form[action='/admin/collaboratives'] button[type=submit]",
    )
    .await;
    assert!(
        body_text(&client)
            .await
            .contains("Safer discharge from hospital")
    );

    // A team.
    type_into(&client, "#team-name", "Eastside reablement team").await;
    type_into(&client, "#team-organisation", "Northshire County Council").await;
    submit(&client, "form[action='/admin/teams'] button[type=submit]").await;
    assert!(
        body_text(&client)
            .await
            .contains("Eastside reablement team")
    );

    // A person, with a one-time code to set their password.
    type_into(&client, "#person-username", "farah.ali").await;
    type_into(&client, "#person-name", "Farah Ali").await;
    submit(&client, "form[action='/admin/people'] button[type=submit]").await;
    let code = wait_for(&client, Locator::Css("[data-done] code[data-code]"))
        .await
        .text()
        .await
        .unwrap();
    assert!(code.len() >= 20, "a code: {code}");

    // A role for her in the new team.
    let farah = wait_for(&client, Locator::Css("tr[data-person='farah.ali']")).await;
    drop(farah);
    let person_value = client
        .find(Locator::XPath(
            "//select[@id='grant-person']/option[contains(., 'farah.ali')]",
        ))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .unwrap();
    let team_value = client
        .find(Locator::XPath(
            "//select[@id='grant-scope']/option[contains(., 'Eastside reablement team')]",
        ))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .unwrap();
    for (select, value) in [
        ("#grant-person", person_value.as_str()),
        ("#grant-role", "practitioner"),
        ("#grant-scope", team_value.as_str()),
    ] {
        client
            .find(Locator::Css(select))
            .await
            .unwrap()
            .select_by_value(value)
            .await
            .unwrap();
    }
    press(
        &client,
        "form[action='/admin/memberships'] button[type=submit]",
    )
    .await;
    let row = text_of(&client, "tr[data-person='farah.ali']").await;
    assert!(
        row.contains("practitioner for Eastside reablement team"),
        "{row}"
    );

    // A device revoked.
    type_into(
        &client,
        &format!("tr[data-device='{device}'] input[name=reason]"),
        "Lost on a home visit",
    )
    .await;
    submit(
        &client,
        &format!("tr[data-device='{device}'] button[type=submit]"),
    )
    .await;
    let row = text_of(&client, &format!("tr[data-device='{device}']")).await;
    assert!(
        row.contains("revoked") && row.contains("Lost on a home visit"),
        "{row}"
    );

    // The history names each change.
    let history = text_of(&client, "#history").await;
    for words in [
        "Team added",
        "Person added",
        "Role granted",
        "Device revoked",
    ] {
        assert!(history.contains(words), "{words} in {history}");
    }
    client.close().await;

    // Farah sets her own password with the code, once, and signs in.
    let client = driver
        .desktop(&dir.path().join("farah-profile"), 1280, 1024)
        .await;
    client
        .goto(&format!("{}/set-password", server.url))
        .await
        .unwrap();
    type_into(&client, "#username", "farah.ali").await;
    type_into(&client, "#code", &code).await;
    type_into(&client, "#password", "a long new password").await;
    type_into(&client, "#again", "a long new password").await;
    press(&client, "main form button[type=submit]").await;
    wait_for(
        &client,
        Locator::XPath("//h1[contains(., 'Your password is set')]"),
    )
    .await;
    praxis_testkit::browser::sign_in(&client, &server.url, "farah.ali", "a long new password")
        .await;
    wait_for(
        &client,
        Locator::XPath("//h1[contains(., 'Your collaboratives and teams')]"),
    )
    .await;
    client.close().await;

    // The organisation stream holds the four changes; the code works only once.
    {
        let s = praxis_testkit::server::open_storage(&data).unwrap();
        let after = s.envelopes(s.organisation_stream()).unwrap().len();
        assert_eq!(
            after,
            organisation_before + 4,
            "team, person, role, revocation"
        );
    }
    // The form-level checks use a blocking HTTP client, off the async runtime.
    let url = server.url.clone();
    let collaborative = the_collaborative(&data);
    tokio::task::spawn_blocking(move || {
        let mut web = praxis_testkit::web::Web::new(&url);
        // A password too short, or typed differently twice, is refused and spends
        // nothing.
        for (password, again, says) in [
            ("short", "short", "too short"),
            ("a long password", "a long passw0rd", "differ"),
        ] {
            let refused = web.post(
                "/set-password",
                &[
                    ("username", "farah.ali"),
                    ("code", "not-a-real-code"),
                    ("password", password),
                    ("again", again),
                ],
            );
            assert_eq!(refused.status, 400);
            assert!(refused.body.contains(says), "{}", refused.body);
        }
        let again = web.post(
            "/set-password",
            &[
                ("username", "farah.ali"),
                ("code", &code),
                ("password", "another password"),
                ("again", "another password"),
            ],
        );
        assert_eq!(again.status, 400);
        assert!(again.body.contains("used or has expired"), "{}", again.body);

        // A coordinator is refused the page and its forms.
        let mut sam = praxis_testkit::web::Web::sign_in(&url, "sam.okafor");
        let page = sam.get("/admin");
        assert_eq!(page.status, 403);
        assert!(page.body.contains("for administrators"), "{}", page.body);
        let csrf = sam.csrf();
        let refused = sam.post(
            "/admin/teams",
            &[
                ("csrf", &csrf),
                ("collaborative", &collaborative.to_string()),
                ("name", "Sam's own team"),
                ("organisation", "Nowhere"),
            ],
        );
        assert_eq!(refused.status, 403);
    })
    .await
    .unwrap();
    let s = praxis_testkit::server::open_storage(&data).unwrap();
    assert!(
        !s.teams()
            .unwrap()
            .iter()
            .any(|t| t.name == "Sam's own team")
    );
}
