//! A record for a team the person has left is refused on that record while the others
//! go through; signing out clears the phone; a revoked device's app shows nothing
//! after its next contact.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_for_a_team_the_person_left_is_refused_and_the_others_go_through() {
    let Demo {
        dir,
        data,
        server,
        storage,
    } = demo();
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
    let Demo {
        dir,
        data,
        server,
        storage,
    } = demo();
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
}
