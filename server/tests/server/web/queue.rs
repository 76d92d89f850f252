//! The coordinator's queue: what waits on whom, linked from the dashboard, and the
//! demo's open conflict resolved from it.

use super::*;

#[test]
fn the_coordinators_queue_lists_what_waits_and_resolves_a_conflict() {
    let demo = demo();
    let s = storage(&demo.data);
    let (collaborative, north, south) = streams(&s);
    let details = [
        s.project_detail(north).unwrap(),
        s.project_detail(south).unwrap(),
    ];
    drop(s);
    let to_score: Vec<_> = details
        .iter()
        .flat_map(|d| d.reports.iter().filter(|r| r.scores.is_empty()))
        .collect();
    let to_decide: Vec<_> = details
        .iter()
        .flat_map(|d| {
            d.reports.iter().filter(|r| {
                !r.scores.is_empty() && !d.decisions.iter().any(|x| x.rests_on.contains(&r.id))
            })
        })
        .collect();
    let conflict = details
        .iter()
        .flat_map(|d| d.overview.conflicts.iter())
        .next()
        .expect("the demo's open conflict")
        .clone();

    let mut coordinator = Web::sign_in(&demo.server.url, "sam.okafor");
    // The dashboard's counts link to the queue.
    let dashboard = coordinator.get(&format!("/collaboratives/{collaborative}"));
    let queue = format!("/collaboratives/{collaborative}/queue");
    assert!(
        dashboard
            .body
            .contains(&format!("href=\"{queue}#to-score\""))
    );
    assert!(
        dashboard.body.contains("1 open conflict<"),
        "{}",
        dashboard.body
    );

    let page = coordinator.get(&queue);
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(
        page.body.matches("data-awaiting-score=").count(),
        to_score.len()
    );
    for r in &to_score {
        assert!(
            page.body
                .contains(&format!("data-awaiting-score=\"{}\"", r.id))
        );
    }
    assert_eq!(
        page.body.matches("data-awaiting-decision=").count(),
        to_decide.len()
    );
    // The conflict with each version's author and time, and a form to settle it.
    assert!(
        page.body
            .contains(&format!("data-conflict=\"{}\"", conflict.subject))
    );
    for v in &conflict.versions {
        assert!(page.body.contains(&format!("data-version=\"{v}\"")));
    }
    assert!(page.body.contains(&format!(
        "action=\"/conflicts/{}/resolve\"",
        conflict.subject
    )));
    let csrf = coordinator.csrf();
    let path = format!("/conflicts/{}/resolve", conflict.subject);
    // A version that is not the conflict's, or no reason: refused, nothing recorded.
    let events_before = storage(&demo.data).events(north).unwrap().len()
        + storage(&demo.data).events(south).unwrap().len();
    let stranger = conflict.subject.to_string();
    let refused = coordinator.post(
        &path,
        &[("csrf", &csrf), ("keep", &stranger), ("reason", "Because")],
    );
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused
            .body
            .contains("one of the conflict&#39;s own versions")
            || refused.body.contains("one of the conflict's own versions"),
        "{}",
        refused.body
    );
    let keep = conflict.versions[1].to_string();
    let unexplained = coordinator.post(&path, &[("csrf", &csrf), ("keep", &keep), ("reason", " ")]);
    assert_eq!(unexplained.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        storage(&demo.data).events(north).unwrap().len()
            + storage(&demo.data).events(south).unwrap().len(),
        events_before
    );
    let resolved = coordinator.post(
        &path,
        &[
            ("csrf", &csrf),
            ("keep", &keep),
            ("reason", "The team adopted it at the review"),
        ],
    );
    assert_eq!(resolved.status, StatusCode::SEE_OTHER, "{}", resolved.body);
    assert_eq!(
        resolved.location.as_deref(),
        Some(format!("{queue}#conflicts").as_str())
    );
    let page = coordinator.get(&queue);
    assert!(
        !page.body.contains("data-conflict="),
        "the conflict is settled"
    );
    assert!(page.body.contains("No open conflicts."));
    // Resolving it again finds nothing to settle.
    let again = coordinator.post(
        &path,
        &[("csrf", &csrf), ("keep", &keep), ("reason", "Again")],
    );
    assert_eq!(again.status, StatusCode::CONFLICT);
    // A practitioner of the other team cannot settle Northside's records.
    let mut other = Web::sign_in(&demo.server.url, "dev.patel");
    let csrf = other.csrf();
    let refused = other.post(
        &path,
        &[("csrf", &csrf), ("keep", &keep), ("reason", "Mine")],
    );
    assert!(
        refused.status == StatusCode::NOT_FOUND || refused.status == StatusCode::FORBIDDEN,
        "{}",
        refused.status
    );
}
