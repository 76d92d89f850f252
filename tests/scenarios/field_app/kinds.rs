//! Every kind of record the field app makes reaches the office, and every screen fits
//! a phone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_field_record_reaches_the_office() {
    let Demo {
        dir,
        data: _data,
        server,
        storage,
    } = demo();
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

    // The signal returns: the app sends what waits by itself, without a tap.
    proxy.set(Mode::Online);
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
