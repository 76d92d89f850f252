//! Recording offline after a browser restart, and syncing when the signal returns with
//! the first answer lost: the office sees each record once, with its author, the
//! phone's time and a receipt.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_practitioner_records_offline_and_the_office_sees_each_record_once() {
    let Demo {
        dir,
        data: _data,
        server,
        storage,
    } = demo();
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
    // All three for today's period: a second value for a period warns, keeps what was
    // typed, and is saved once the person says why in the note.
    let mut warned = 0;
    for (n, value) in ["3", "5", "4"].into_iter().enumerate() {
        open(&phone, &proxy, &format!("p/{north}/measurement/{measure}")).await;
        wait_for(&phone, Locator::Css("#f-day")).await;
        let field = if phone.find(Locator::Css("#f-value")).await.is_ok() {
            type_into(&phone, "#f-value", value).await;
            "#f-value"
        } else {
            type_into(&phone, "#f-numerator", value).await;
            type_into(&phone, "#f-denominator", "10").await;
            "#f-numerator"
        };
        press(&phone, "#record button[type=submit]").await;
        let outcome = wait_for(
            &phone,
            Locator::XPath(
                "//p[@role='status'][contains(., 'Saved on this phone')] | //p[@role='alert'][contains(@class, 'problem')]",
            ),
        )
        .await;
        if outcome.attr("role").await.unwrap().as_deref() == Some("alert") {
            let problem = outcome.text().await.unwrap();
            assert!(problem.contains("already has a value for"), "{problem}");
            let kept = phone
                .find(Locator::Css(field))
                .await
                .unwrap()
                .prop("value")
                .await
                .unwrap();
            assert_eq!(kept.as_deref(), Some(value), "what was typed is kept");
            type_into(
                &phone,
                "#f-note",
                &format!("Count {n} from another visit list"),
            )
            .await;
            press(&phone, "#record button[type=submit]").await;
            wait_for(
                &phone,
                Locator::XPath("//p[@role='status'][contains(., 'Saved on this phone')]"),
            )
            .await;
            warned += 1;
        }
    }
    assert!(
        warned >= 2,
        "the second and third values for the period were warned of"
    );
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
