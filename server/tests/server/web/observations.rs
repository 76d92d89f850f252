//! The project page shows the team's observations and case material that belong to no
//! cycle, newest first, with their kind, date, subject reference, text and author, and
//! only to those who may read the project.

use super::{demo, storage, streams};
use praxis_testkit::web::Web;
use reqwest::StatusCode;

/// The part of a project page under the heading of unlinked observations.
fn unlinked(page: &str) -> &str {
    let start = page
        .find("Observations and case material not linked to a cycle")
        .unwrap_or_else(|| panic!("no section of unlinked observations: {page}"));
    let rest = &page[start..];
    &rest[..rest.find("</section>").unwrap()]
}

#[test]
fn the_project_page_lists_observations_linked_to_no_cycle_newest_first() {
    let demo = demo();
    let s = storage(&demo.data);
    let (_, north, south) = streams(&s);
    drop(s);

    let mut amira = Web::sign_in(&demo.server.url, "amira.hassan");
    let page = amira.get(&format!("/projects/{north}"));
    assert_eq!(page.status, StatusCode::OK);
    let section = unlinked(&page.body);
    let meeting = section
        .find("At the team meeting colleagues said the guide helps most")
        .expect("Amira's observation from the team meeting");
    let baseline = section
        .find("Baseline case review: of ten recent assessments")
        .expect("Ben's baseline case review");
    assert!(meeting < baseline, "newest observed first: {section}");
    let [first, second]: [&str; 2] = section
        .split("<li class=\"card\"")
        .skip(1)
        .collect::<Vec<_>>()
        .try_into()
        .unwrap_or_else(|_| panic!("two unlinked observations: {section}"));
    assert!(first.contains(">Observation<"), "{first}");
    assert!(first.contains("Recorded by Amira Hassan"), "{first}");
    assert!(!first.contains("about"), "it names no one: {first}");
    assert!(second.contains(">Case material<"), "{second}");
    assert!(second.contains("about <span class=\"subject\">P-0587</span>"));
    assert!(second.contains("Recorded by Ben Carter"), "{second}");
    // An observation made within a cycle is on the cycle's page, not here.
    assert!(!section.contains("P-0413"), "{section}");

    // Another team's case material is on its own page, and only there.
    assert!(!section.contains("P-0932"));
    let mut dev = Web::sign_in(&demo.server.url, "dev.patel");
    let theirs = dev.get(&format!("/projects/{south}"));
    assert!(unlinked(&theirs.body).contains("P-0932"));
    let refused = dev.get(&format!("/projects/{north}"));
    assert_eq!(refused.status, StatusCode::NOT_FOUND);
    assert!(!refused.body.contains("P-0587"));
}
