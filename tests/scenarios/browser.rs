#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The web pages in a real browser: headless Chromium driven through chromedriver
//! (Debian's `chromium` and `chromium-driver`), against the real server with the demo
//! collaborative. A coordinator signs in, opens the dashboard, opens a measure whose
//! data has a shift and sees it flagged and explained, scores a monthly report and
//! sees the score on the dashboard; a practitioner of another team is refused that
//! team's pages. Everything is done as a person would: typing, clicking links and
//! buttons. A phone's browser restarted on its profile is still signed in, and cut off
//! the network it reaches nothing.

use fantoccini::{Client, Locator};
use praxis_core::domain::ids::StreamId;
use praxis_core::domain::record::StreamKind;
use praxis_server::demo::DEMO_PASSWORD;
use praxis_server::storage::{Storage, Views};
use praxis_testkit::browser::{Driver, click_link, press, text_of, type_into, wait_for};
use praxis_testkit::server::TestServer;

async fn sign_in(client: &Client, server: &str, username: &str) {
    praxis_testkit::browser::sign_in(client, server, username, DEMO_PASSWORD).await;
}

async fn body_text(client: &Client) -> String {
    text_of(client, "main").await
}

/// A stream of the demo's coordinator, of `kind`, whose name holds `named`.
fn coordinators_stream(data: &std::path::Path, kind: StreamKind, named: &str) -> StreamId {
    let s = praxis_testkit::server::open_storage(data).unwrap();
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
        .find(|x| x.kind == kind && x.name.contains(named))
        .unwrap()
        .stream_id
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
    let north = coordinators_stream(&data, StreamKind::Project, "Northside");
    let river = coordinators_stream(&data, StreamKind::Project, "Riverside");
    let driver = Driver::start().await;

    // The coordinator.
    let client = driver
        .desktop(&dir.path().join("coordinator-profile"), 1280, 1024)
        .await;
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
        Locator::Css("form[action$='/score'] select[name=score]"),
    )
    .await;
    // A report the coordinator has scored keeps its form folded away.
    if !score_box.is_displayed().await.unwrap() {
        client
            .find(Locator::XPath(
                "(//form[contains(@action, '/score')])[1]/ancestor::details/summary",
            ))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }
    // The score is chosen from the scale, each level with its meaning.
    let levels = score_box.find_all(Locator::Css("option")).await.unwrap();
    assert_eq!(levels.len(), 11, "a level to choose and the ten levels");
    assert_eq!(
        levels[6].text().await.unwrap(),
        "3.0: Modest improvement (some changes succeed; about 20% of expected results)"
    );
    let score = if before.trim() == "4.5" { "4.0" } else { "4.5" };
    score_box.select_by_value(score).await.unwrap();
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

    // From the dashboard's count to the queue, where the demo's open conflict is
    // settled: one version kept, with why.
    client
        .find(Locator::Css("p[data-waiting] a[href$='#conflicts']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let keep = wait_for(
        &client,
        Locator::Css("article[data-conflict] select[name=keep]"),
    )
    .await;
    let versions = keep.find_all(Locator::Css("option")).await.unwrap();
    assert_eq!(
        versions.len(),
        3,
        "a version to choose and the two versions"
    );
    keep.select_by_index(2).await.unwrap();
    type_into(
        &client,
        "article[data-conflict] textarea[name=reason]",
        "The team agreed the adapted guide at the review",
    )
    .await;
    press(&client, "article[data-conflict] button[type=submit]").await;
    wait_for(
        &client,
        Locator::XPath("//p[contains(., 'No open conflicts.')]"),
    )
    .await;
    let settled = praxis_testkit::server::open_storage(&data)
        .unwrap()
        .events(north)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "resolution")
        .count();
    assert_eq!(
        settled, 1,
        "the resolution is an event of the team's stream"
    );
    client.close().await;

    // A practitioner of the Riverside team is refused the Northside team's pages.
    let client = driver
        .desktop(&dir.path().join("practitioner-profile"), 1280, 1024)
        .await;
    sign_in(&client, &server.url, "dev.patel").await;
    let home = body_text(&client).await;
    assert!(home.contains("Outcomes-focused reviews"));
    assert!(!home.contains("Positive risk-taking"));
    // On her team's page, a report the server refuses comes back as she typed it,
    // saying what to change.
    client
        .goto(&format!("{}/projects/{river}", server.url))
        .await
        .unwrap();
    type_into(
        &client,
        "#report-form textarea[name=measures]",
        "Reviews on time: 7 of 9",
    )
    .await;
    type_into(
        &client,
        "#report-form textarea[name=cycles]",
        "One cycle of the checklist",
    )
    .await;
    type_into(
        &client,
        "#report-form textarea[name=learning]",
        "Ask the person first",
    )
    .await;
    // Spaces pass the browser's check for a filled field, not the server's.
    type_into(&client, "#report-form textarea[name=plans]", "   ").await;
    client
        .find(Locator::Css("#report-form select[name=self_score]"))
        .await
        .unwrap()
        .select_by_value("2.0")
        .await
        .unwrap();
    press(&client, "#report-form button[type=submit]").await;
    let problem = wait_for(&client, Locator::Css("#report-form p[data-form-problem]"))
        .await
        .text()
        .await
        .unwrap();
    assert!(problem.contains("Plans"), "{problem}");
    let kept = client
        .find(Locator::Css("#report-form textarea[name=learning]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("Ask the person first"));
    let chosen = client
        .find(Locator::Css("#report-form select[name=self_score]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(chosen.as_deref(), Some("2.0"));
    assert!(
        body_text(&client)
            .await
            .contains("What you sent was not recorded")
    );
    client
        .goto(&format!("{}/projects/{north}", server.url))
        .await
        .unwrap();
    let refusal = wait_for(&client, Locator::Css("p.error"))
        .await
        .text()
        .await
        .unwrap();
    assert!(refusal.contains("that you may read"), "{refusal}");
    assert!(!body_text(&client).await.contains("Positive risk-taking"));
    client.close().await;
}

/// A team's report reaches its coordinator's score through the queue, with the level
/// the evidence suggests beside each choice and recorded with each score.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_reaches_its_score_through_the_queue_with_the_evidence_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start_with(&data, &["--demo"]);
    let river = coordinators_stream(&data, StreamKind::Project, "Riverside");
    let driver = Driver::start().await;

    // The practitioner submits this month's report, the evidence's level beside her
    // choice.
    let client = driver
        .desktop(&dir.path().join("practitioner-profile"), 1280, 1024)
        .await;
    sign_in(&client, &server.url, "dev.patel").await;
    client
        .goto(&format!("{}/projects/{river}", server.url))
        .await
        .unwrap();
    let suggested = wait_for(&client, Locator::Css("#report-form div[data-suggested]"))
        .await
        .attr("data-suggested")
        .await
        .unwrap()
        .unwrap();
    let words = text_of(&client, "#report-form div[data-suggested]").await;
    assert!(words.contains(&format!("suggests {suggested}")), "{words}");
    for (field, text) in [
        ("measures", "Reviews in the person's words: 6 of 9"),
        ("cycles", "The checklist tested on five reviews"),
        ("learning", "Ask the person first"),
        ("plans", "Spread the checklist"),
    ] {
        type_into(
            &client,
            &format!("#report-form textarea[name={field}]"),
            text,
        )
        .await;
    }
    let self_score = if suggested == "3.5" { "3.0" } else { "3.5" };
    client
        .find(Locator::Css("#report-form select[name=self_score]"))
        .await
        .unwrap()
        .select_by_value(self_score)
        .await
        .unwrap();
    press(&client, "#report-form button[type=submit]").await;
    // The new report on the page the form leads to (the page before it holds the
    // demo's older reports, each with a suggestion of its own).
    let recorded = wait_for(
        &client,
        Locator::XPath(
            "//article[contains(., \"Reviews in the person's words: 6 of 9\")]//dd[@data-self-score]/span[@data-recorded-suggestion]",
        ),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        recorded.contains(&format!("the evidence suggested {suggested}")),
        "{recorded}"
    );
    client.close().await;

    // The coordinator follows the dashboard's count to the queue, and the queue to the
    // report, and scores it as the evidence suggests.
    let client = driver
        .desktop(&dir.path().join("coordinator-profile"), 1280, 1024)
        .await;
    sign_in(&client, &server.url, "sam.okafor").await;
    click_link(&client, "Dashboard").await;
    let waiting = wait_for(
        &client,
        Locator::Css("p[data-waiting] a[href$='#to-score']"),
    )
    .await;
    assert!(
        waiting
            .text()
            .await
            .unwrap()
            .starts_with("1 report to score")
    );
    waiting.click().await.unwrap();
    let entry = wait_for(&client, Locator::Css("li[data-awaiting-score] a")).await;
    assert!(entry.text().await.unwrap().contains("Riverside"));
    entry.click().await.unwrap();
    let form = wait_for(
        &client,
        Locator::XPath("//form[contains(@action, '/score') and .//div[@data-suggested]]"),
    )
    .await;
    let report = form
        .attr("action")
        .await
        .unwrap()
        .unwrap()
        .trim_start_matches("/reports/")
        .trim_end_matches("/score")
        .to_string();
    let beside = form
        .find(Locator::Css("div[data-suggested]"))
        .await
        .unwrap()
        .attr("data-suggested")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(beside, suggested, "the same evidence, the same suggestion");
    form.find(Locator::Css("select[name=score]"))
        .await
        .unwrap()
        .select_by_value(&suggested)
        .await
        .unwrap();
    form.find(Locator::Css("textarea[name=justification]"))
        .await
        .unwrap()
        .send_keys("The evidence and the report agree")
        .await
        .unwrap();
    form.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let given = wait_for(
        &client,
        Locator::XPath(
            "//p[@data-coordinator-score and contains(., 'The evidence and the report agree')]",
        ),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(given.contains("as suggested"), "{given}");
    click_link(&client, "The collaborative's dashboard").await;
    wait_for(&client, Locator::Css("p[data-waiting]")).await;
    client
        .find(Locator::Css("p[data-waiting] a[href$='#to-score']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(
        &client,
        Locator::XPath("//p[contains(., 'Every report has a coordinator')]"),
    )
    .await;
    client.close().await;

    // Both scores came with the level the evidence suggested, in the team's stream.
    let s = praxis_testkit::server::open_storage(&data).unwrap();
    let suggestions: Vec<_> = s
        .events(river)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "score-suggested")
        .filter_map(|e| match e.body {
            Some(praxis_core::domain::event::Event::ScoreSuggested {
                report: r,
                suggestion,
                ..
            }) if r.to_string() == report => {
                Some((suggestion.given.to_string(), suggestion.level.to_string()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        suggestions,
        vec![
            (self_score.to_string(), suggested.clone()),
            (suggested.clone(), suggested.clone())
        ]
    );
}

/// What the field app relies on: a browser restarted on its profile is still signed in
/// (its cookies are on disk), and one cut off the network reaches nothing until it is
/// given the network back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_browser_keeps_its_profile_and_an_offline_one_reaches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(&dir.path().join("data"), &["--demo"]);
    let driver = Driver::start().await;
    let phone = driver.phone(&dir.path().join("phone-profile")).await;
    sign_in(&phone, &server.url, "dev.patel").await;
    assert_eq!(phone.widths().await.1, 390, "a phone's viewport");

    phone.set_offline(true).await;
    let reached = match phone.goto(&format!("{}/", server.url)).await {
        Ok(()) => body_text(&phone).await.contains("Outcomes-focused reviews"),
        Err(_) => false,
    };
    assert!(!reached, "an offline browser reached the server");
    phone.set_offline(false).await;

    let phone = phone.restart().await;
    phone.goto(&format!("{}/", server.url)).await.unwrap();
    let home = wait_for(
        &phone,
        Locator::XPath("//h1[contains(., 'Your collaboratives and teams')]"),
    )
    .await;
    assert!(home.is_displayed().await.unwrap());
    assert!(body_text(&phone).await.contains("Outcomes-focused reviews"));
    assert_eq!(phone.widths().await.1, 390, "still a phone");
    phone.close().await;
}

/// The monthly board report as a PDF: the same page, printed on A4 by the headless
/// Chromium the server finds on its `PATH`, one page for the summary and at least one
/// for each team.
#[test]
fn the_board_report_prints_as_an_a4_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = TestServer::start_with(&data, &["--demo"]);
    let collaborative = coordinators_stream(&data, StreamKind::Collaborative, "");
    let mut coordinator = praxis_testkit::web::Web::sign_in(&server.url, "sam.okafor");
    let month = praxis_core::dates::today().to_string()[..7].to_string();
    let page = coordinator.get(&format!(
        "/collaboratives/{collaborative}/report?month={month}"
    ));
    let teams = page.body.matches("<section class=\"team\"").count();
    assert_eq!(teams, 2, "the demo's two teams");
    let pdf = coordinator.get(&format!(
        "/collaboratives/{collaborative}/report.pdf?month={month}"
    ));
    assert_eq!(pdf.status, 200, "{}", pdf.body);
    assert!(pdf.body.starts_with("%PDF-"), "a PDF");
    let name = pdf.disposition.unwrap_or_default();
    assert!(
        name.contains("board-report-") && name.ends_with(&format!("-{month}.pdf\"")),
        "{name}"
    );
    // A4 is 210 × 297 mm: 595.3 × 841.9 points.
    let media = pdf
        .body
        .split("/MediaBox [0 0 ")
        .skip(1)
        .map(|rest| {
            let size: Vec<f64> = rest
                .split(']')
                .next()
                .unwrap()
                .split_whitespace()
                .map(|n| n.parse().unwrap())
                .collect();
            (size[0], size[1])
        })
        .collect::<Vec<_>>();
    assert!(!media.is_empty(), "the PDF names its page size");
    for (width, height) in media {
        assert!(
            (width - 595.3).abs() < 1.5 && (height - 841.9).abs() < 1.5,
            "an A4 page, not {width} × {height}"
        );
    }
    let pages = pdf.body.matches("/Type /Page").count() - pdf.body.matches("/Type /Pages").count();
    assert!(
        pages > teams,
        "{pages} pages for {teams} teams and the summary"
    );
    // A month that is not one is refused before anything is printed.
    let bad = coordinator.get(&format!(
        "/collaboratives/{collaborative}/report.pdf?month=May"
    ));
    assert_eq!(bad.status, 400);
}
