//! A cycle's predictions made checkable from the cycle page, and read against the data
//! of the cycle's period: the demo's adopted guide shows the rise its team predicted,
//! and a prediction of no change is flagged for the team's learning.

use super::*;
use praxis_core::domain::event::{Decision, ExpectedChange};
use praxis_core::domain::record::Stage;

#[test]
fn a_prediction_made_checkable_is_read_against_the_data_and_a_contradicted_one_is_flagged() {
    let demo = demo();
    let s = storage(&demo.data);
    let (_, north, _) = streams(&s);
    let detail = s.project_detail(north).unwrap();
    let adopted = detail
        .overview
        .cycles_by_stage
        .values()
        .flatten()
        .find(|c| c.stage == Stage::Act(Decision::Adopt))
        .expect("an adopted cycle in the demo")
        .id;
    let measure = measure_named(&s, north, "Plans agreed with the person");
    let view = s.cycle(adopted).unwrap().unwrap();
    let tested = view
        .dos
        .iter()
        .map(|(_, d)| d.carried_out_on)
        .min()
        .unwrap();
    let by = (tested + time::Duration::weeks(8)).to_string();
    drop(s);

    let mut practitioner = Web::sign_in(&demo.server.url, "amira.hassan");
    let page = practitioner.get(&format!("/cycles/{adopted}"));
    assert!(
        page.body.contains("Make a prediction checkable"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("No prediction of this cycle names a measure yet")
    );
    let csrf = practitioner.csrf();
    let path = format!("/cycles/{adopted}/expectations");
    let measure_id = measure.to_string();

    // At least, without the value: refused, and the form comes back as typed.
    let refused = practitioner.post(
        &path,
        &[
            ("csrf", &csrf),
            ("prediction", "0"),
            ("measure", &measure_id),
            ("change", "at-least"),
            ("value", ""),
            ("by", &by),
        ],
    );
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused
            .body
            .contains("Give the value the measure should reach")
    );
    assert!(
        refused.body.contains(&format!("value=\"{by}\"")),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("<option value=\"at-least\" selected>")
    );
    // A period that ends before the test: the domain refuses it.
    let early = practitioner.post(
        &path,
        &[
            ("csrf", &csrf),
            ("measure", &measure_id),
            ("change", "rise"),
            ("by", "2020-01-01"),
        ],
    );
    assert_eq!(early.status, StatusCode::BAD_REQUEST, "{}", early.body);
    assert!(early.body.contains("before the test"), "{}", early.body);
    let events_before = storage(&demo.data).events(north).unwrap().len();

    // The team predicted the guide would raise plans agreed: the data's shift shows it.
    for change in ["rise", "no-change"] {
        let made = practitioner.post(
            &path,
            &[
                ("csrf", &csrf),
                ("prediction", "0"),
                ("measure", &measure_id),
                ("change", change),
                ("by", &by),
            ],
        );
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    }
    let s = storage(&demo.data);
    assert_eq!(s.events(north).unwrap().len(), events_before + 2);
    let checks = s
        .prediction_checks(adopted, praxis_core::dates::today())
        .unwrap();
    let verdicts: Vec<_> = checks
        .iter()
        .map(|c| (c.expectation.change, c.verdict))
        .collect();
    use praxis_core::domain::prediction_check::Verdict;
    assert_eq!(
        verdicts,
        vec![
            (ExpectedChange::Rise, Verdict::Supported),
            (ExpectedChange::NoChange, Verdict::Contradicted)
        ]
    );
    drop(s);
    let page = practitioner.get(&format!("/cycles/{adopted}")).body;
    assert!(page.contains("data-verdict=\"Supported\""), "{page}");
    assert!(page.contains("Supported by the data"));
    assert!(page.contains("A signal shows the predicted rise in Plans agreed with the person"));
    assert!(page.contains("data-verdict=\"Contradicted\""));
    assert!(
        page.contains("data-contradicted=\"1\"")
            && page.contains(
                "Flagged for the team's learning: the data contradict 1 of 2 predictions"
            ),
        "{page}"
    );
    assert!(page.contains("Signals from the test on:"));

    // Someone who only reads the team's work is not offered the form, nor may post it.
    let mut manager = Web::sign_in(&demo.server.url, "grace.mensah");
    let page = manager.get(&format!("/cycles/{adopted}")).body;
    assert!(page.contains("Predictions against the data"));
    assert!(!page.contains("Make a prediction checkable"));
    let csrf = manager.csrf();
    let refused = manager.post(
        &path,
        &[
            ("csrf", &csrf),
            ("measure", &measure_id),
            ("change", "rise"),
            ("by", &by),
        ],
    );
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
}
