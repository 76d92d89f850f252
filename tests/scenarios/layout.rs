//! Every page fits its screen: on a phone (390 px wide, touch) and on a 1,366 px wide
//! desktop window, no page of the demo collaborative scrolls sideways
//! (`document.documentElement.scrollWidth <= window.innerWidth`). On the phone the text
//! of the charts (a measure's, a project's) is at least 11 px tall, and the links of
//! navigation and the controls of forms at least 44 px. The pages are reached as a
//! person reaches them, by following links: the coordinator's dashboard, printable
//! report, project, measure and cycle pages; a practitioner's project page with the
//! monthly report form, and another team's page refused; the auditor's pages. The
//! printable report, laid out for print, shows the report alone.

use fantoccini::{Client, Locator};
use praxis_server::demo::DEMO_PASSWORD;
use praxis_testkit::browser::{Browser, Driver, click_link, press, sign_in, wait_for};
use praxis_testkit::server::TestServer;

/// The smallest chart text a person should have to read on a phone, in CSS pixels.
const SMALLEST_CHART_TEXT: f64 = 11.0;

/// Which elements stick out of the viewport on the right, to say what to fix.
const WIDEST: &str = r#"
const limit = arguments[0];
const out = [];
for (const e of document.body.querySelectorAll('*')) {
  const r = e.getBoundingClientRect();
  if (r.right > limit + 0.5 && r.width > 0) {
    const name = e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().replace(/\s+/g, '.') : '');
    out.push(name + ' to ' + Math.round(r.right) + ' px');
  }
}
return out.slice(0, 6).join('; ');
"#;

/// What a person reads on a phone: the on-screen size of each visible text of the
/// page's charts (its font size times the chart's scale), in CSS pixels.
const CHART_TEXT: &str = r#"
const sizes = [];
for (const t of document.querySelectorAll('figure.chart svg text')) {
  const r = t.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) continue;
  const scale = t.ownerSVGElement.getScreenCTM().a;
  sizes.push(parseFloat(getComputedStyle(t).fontSize) * scale);
}
return sizes;
"#;

/// The texts of the page's charts that do not lie wholly inside their chart (a date
/// label cut at the edge), each with its text.
const CUT_CHART_TEXT: &str = r#"
const cut = [];
for (const t of document.querySelectorAll('figure.chart > svg text')) {
  const r = t.getBoundingClientRect();
  const c = t.ownerSVGElement.getBoundingClientRect();
  if (r.width === 0) continue;
  if (r.left < c.left - 0.5 || r.right > c.right + 0.5 || r.top < c.top - 0.5 || r.bottom > c.bottom + 0.5)
    cut.push('"' + t.textContent + '"');
}
return cut.join(', ');
"#;

/// The links of navigation (the site's, breadcrumbs, lists of pages to go to) and the
/// controls of forms shorter than a fingertip (44 px).
const SMALL_TARGETS: &str = r#"
const small = [];
for (const e of document.querySelectorAll('nav a, .links a, button, input:not([type=hidden]), select, textarea')) {
  const r = e.getBoundingClientRect();
  if (r.width > 0 && r.height < 44) small.push(e.tagName.toLowerCase() + ' "' + (e.textContent || e.name).trim() + '" ' + r.height.toFixed(1) + ' px');
}
return small.join('; ');
"#;

/// The pages that do not fit, each with its widths and what sticks out, and on a phone
/// the touch targets too small; every page's widths are printed as it is checked.
struct Survey<'a> {
    browser: &'a Browser,
    screen: &'static str,
    /// The screen's width: on a phone a page too wide can widen the viewport itself.
    screen_width: Option<u64>,
    failures: Vec<String>,
}

impl Survey<'_> {
    async fn check(&mut self, page: &str) {
        // What a reader may unfold must fit as well.
        self.browser
            .execute(
                "document.querySelectorAll('details').forEach(d => d.open = true);",
                vec![],
            )
            .await
            .unwrap();
        let (width, viewport) = self.browser.widths().await;
        let url = self.browser.current_url().await.unwrap();
        eprintln!("{}, {page}: {width} of {viewport} px", self.screen);
        if self.screen_width.is_some() {
            let small = self.browser.execute(SMALL_TARGETS, vec![]).await.unwrap();
            let small = small.as_str().unwrap_or_default();
            if !small.is_empty() {
                self.failures.push(format!(
                    "{page} on the {}: touch targets under 44 px tall: {small}",
                    self.screen
                ));
            }
        }
        if width > viewport || self.screen_width.is_some_and(|w| viewport > w) {
            let limit = self.screen_width.unwrap_or(viewport);
            let widest = self
                .browser
                .execute(WIDEST, vec![limit.into()])
                .await
                .unwrap();
            self.failures.push(format!(
                "{} on the {}: {width} px wide in a {viewport} px window ({url}); sticking out: {}",
                page,
                self.screen,
                widest.as_str().unwrap_or_default()
            ));
        }
    }

    /// On a desktop the teams side by side fit whole, with no column scrolled out of
    /// sight in the table's own box.
    async fn check_teams_whole(&mut self) {
        let widths = self
            .browser
            .execute(
                "const b = document.querySelector('table.teams').closest('.scroll'); return [b.scrollWidth, b.clientWidth];",
                vec![],
            )
            .await
            .unwrap();
        let (table, shown) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
        eprintln!(
            "{}, the teams side by side: {table} of {shown} px",
            self.screen
        );
        if table > shown {
            self.failures.push(format!(
                "the teams side by side on the {}: {table} px wide in a {shown} px box",
                self.screen
            ));
        }
    }
}

/// How the printable report prints: without the site's header, navigation or forms,
/// each table whole (not in a box of its own) and the page no wider than the window.
const PRINTED: &str = r#"
const shown = s => [...document.querySelectorAll(s)].filter(e => getComputedStyle(e).display !== 'none').length;
const boxes = [...document.querySelectorAll('.scroll')].filter(b => getComputedStyle(b).overflowX !== 'visible').length;
return { header: shown('header.site'), nav: shown('nav'), forms: shown('form'), tables: shown('table'), boxes: boxes, width: document.documentElement.scrollWidth, viewport: window.innerWidth };
"#;

async fn sign_out(client: &Client) {
    press(client, "header.site form button[type=submit]").await;
    wait_for(client, Locator::Css("#username")).await;
}

async fn heading(client: &Client, text: &str) {
    wait_for(
        client,
        Locator::XPath(&format!("//h1[contains(., \"{text}\")]")),
    )
    .await;
}

/// Follows the first link that `css` selects.
async fn follow(client: &Client, css: &str) {
    follow_to(client, Locator::Css(css)).await;
}

async fn follow_to(client: &Client, link: Locator<'_>) {
    client
        .find(link)
        .await
        .unwrap_or_else(|e| panic!("no link {link:?}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn printed_report(browser: &Browser) {
    let media = |media: &str| serde_json::json!({ "media": media });
    browser
        .devtools("Emulation.setEmulatedMedia", media("print"))
        .await;
    let printed = browser.execute(PRINTED, vec![]).await.unwrap();
    browser
        .devtools("Emulation.setEmulatedMedia", media(""))
        .await;
    let count = |k: &str| printed[k].as_u64().unwrap();
    assert_eq!(
        (
            count("header"),
            count("nav"),
            count("forms"),
            count("boxes")
        ),
        (0, 0, 0, 0),
        "printed, the report shows only the report: {printed}"
    );
    assert!(count("tables") >= 1, "{printed}");
    assert!(count("width") <= count("viewport"), "{printed}");
}

/// From an audit page, back to the list of streams audited by the breadcrumbs.
async fn back_to_audit(client: &Client) {
    if client.find(Locator::LinkText("Audit")).await.is_err() {
        click_link(client, "Timeline").await;
        heading(client, "Timeline of").await;
    }
    click_link(client, "Audit").await;
    heading(client, "Audit").await;
}

/// Visits one page of every kind on `browser`, checking each.
async fn survey<'a>(
    browser: &'a Browser,
    server: &str,
    screen: &'static str,
    screen_width: Option<u64>,
) -> Survey<'a> {
    let mut survey = Survey {
        browser,
        screen,
        screen_width,
        failures: Vec::new(),
    };
    let client: &Client = browser;

    // Signed out: the sign-in form.
    client.goto(&format!("{server}/")).await.unwrap();
    wait_for(client, Locator::Css("#username")).await;
    survey.check("the sign-in page").await;

    // The coordinator: home, dashboard, printable report, project, measure, cycle.
    sign_in(client, server, "sam.okafor", DEMO_PASSWORD).await;
    survey.check("the home page").await;
    click_link(client, "Dashboard").await;
    heading(client, "Independence at home").await;
    survey.check("the dashboard").await;
    if screen_width.is_none() {
        survey.check_teams_whole().await;
    }
    click_link(client, "Board report for the month").await;
    heading(client, "board report for").await;
    survey.check("the printable report").await;
    if screen_width.is_none() {
        printed_report(browser).await;
    }
    client.back().await.unwrap();
    heading(client, "Independence at home").await;
    client
        .find(Locator::Css("p[data-waiting] a[href$='#to-score']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    heading(client, "what waits").await;
    survey.check("the coordinator's queue").await;
    client.back().await.unwrap();
    heading(client, "Independence at home").await;
    click_link(client, "Northside adult social care team").await;
    heading(client, "Positive risk-taking").await;
    survey.check("a project page with the scoring form").await;
    let northside = client.current_url().await.unwrap();
    click_link(client, "Plans agreed with the person").await;
    wait_for(client, Locator::Css("svg[data-chart='xmr-chart']")).await;
    survey.check("a measure page").await;
    click_link(client, "Back to the team project").await;
    heading(client, "Positive risk-taking").await;
    follow(
        client,
        "section[aria-labelledby='cycles-heading'] a[href^='/cycles/']",
    )
    .await;
    wait_for(client, Locator::Css("#act-heading")).await;
    survey.check("a cycle page").await;
    sign_out(client).await;

    // A practitioner: the project page with the monthly report form.
    sign_in(client, server, "amira.hassan", DEMO_PASSWORD).await;
    follow(client, "main a[href^='/projects/']").await;
    wait_for(client, Locator::Css("form[action$='/reports']")).await;
    survey
        .check("a project page with the monthly report form")
        .await;
    sign_out(client).await;

    // A practitioner of another team, refused the Northside team's page.
    sign_in(client, server, "dev.patel", DEMO_PASSWORD).await;
    client.goto(northside.as_str()).await.unwrap();
    wait_for(client, Locator::Css("p.error")).await;
    survey.check("a page refused").await;
    client.back().await.unwrap();
    heading(client, "Your collaboratives and teams").await;
    sign_out(client).await;

    // The auditor: the streams audited, a timeline, a decision in its context, the
    // integrity check, a dashboard as it stood and the access log.
    sign_in(client, server, "irene.novak", DEMO_PASSWORD).await;
    click_link(client, "Audit: replay the history of decisions").await;
    heading(client, "Audit").await;
    survey.check("the audit page").await;
    follow_to(
        client,
        Locator::XPath("//a[starts-with(@href, '/audit/streams/') and contains(., 'Northside')]"),
    )
    .await;
    heading(client, "Timeline of").await;
    survey.check("a timeline").await;
    client
        .goto(&format!(
            "{server}/audit/timeline?kind=manager-decision-recorded"
        ))
        .await
        .unwrap();
    heading(client, "Timeline").await;
    follow(client, "a[href^='/audit/decisions/']").await;
    heading(client, " by ").await;
    survey.check("a decision in its context").await;
    back_to_audit(client).await;
    follow(client, "a[href$='/integrity']").await;
    heading(client, "Integrity of").await;
    survey.check("an integrity check").await;
    back_to_audit(client).await;
    // The collaborative as it stood, with its dashboard.
    follow_to(
        client,
        Locator::XPath(
            "//li[contains(., 'Independence at home')]/a[contains(@href, '/as-it-stood')]",
        ),
    )
    .await;
    let at = wait_for(client, Locator::Css("input[name=at]")).await;
    at.send_keys("2099-01-01").await.unwrap();
    press(client, "main form button[type=submit]").await;
    wait_for(client, Locator::Css("[data-as-it-stood]")).await;
    survey.check("a dashboard as it stood").await;
    back_to_audit(client).await;
    click_link(client, "The access log: who read which records").await;
    heading(client, "Who read which records").await;
    survey.check("the access log").await;
    sign_out(client).await;

    // The administrator: teams, people, roles, devices and their history.
    sign_in(client, server, "jordan.lee", DEMO_PASSWORD).await;
    click_link(client, "Administration: teams, people, roles and devices").await;
    heading(client, "Administration").await;
    survey.check("the administration page").await;
    sign_out(client).await;
    survey
}

async fn chart_text_is_legible(phone: &Browser, page: &str) {
    let sizes = phone.execute(CHART_TEXT, vec![]).await.unwrap();
    let sizes: Vec<f64> = sizes
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_f64())
        .collect();
    assert!(
        sizes.len() >= 10,
        "the charts' axes on {page} are labelled: {sizes:?}"
    );
    let cut = phone.execute(CUT_CHART_TEXT, vec![]).await.unwrap();
    assert_eq!(
        cut.as_str(),
        Some(""),
        "chart text on {page} runs off its chart on a phone"
    );
    let smallest = sizes.iter().copied().fold(f64::INFINITY, f64::min);
    eprintln!("phone, {page}, the smallest chart text: {smallest:.1} px");
    assert!(
        smallest >= SMALLEST_CHART_TEXT,
        "chart text on {page} on a phone is {smallest:.1} px at the smallest, under {SMALLEST_CHART_TEXT} px"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_a_phone_and_a_desktop_without_sideways_scrolling() {
    let dir = tempfile::tempdir().unwrap();
    let server = TestServer::start_with(&dir.path().join("data"), &["--demo"]);
    let driver = Driver::start().await;
    let mut failures = Vec::new();

    let phone = driver.phone(&dir.path().join("phone-profile")).await;
    let seen = survey(&phone, &server.url, "phone", Some(390)).await;
    failures.extend(seen.failures);

    // The charts are legible on the phone: a measure's, and the project's small ones.
    sign_in(&phone, &server.url, "sam.okafor", DEMO_PASSWORD).await;
    click_link(&phone, "Dashboard").await;
    click_link(&phone, "Northside adult social care team").await;
    click_link(&phone, "Plans agreed with the person").await;
    wait_for(&phone, Locator::Css("svg[data-chart='xmr-chart']")).await;
    chart_text_is_legible(&phone, "a measure page").await;
    click_link(&phone, "Back to the team project").await;
    heading(&phone, "Positive risk-taking").await;
    chart_text_is_legible(&phone, "a project page").await;
    phone.close().await;

    let desktop = driver
        .desktop(&dir.path().join("desktop-profile"), 1366, 900)
        .await;
    let seen = survey(&desktop, &server.url, "desktop", None).await;
    failures.extend(seen.failures);
    desktop.close().await;

    assert!(
        failures.is_empty(),
        "pages that do not fit their screen:\n{}",
        failures.join("\n")
    );
}
