//! The evidence behind scores and predictions in the terminal: the level a month's
//! records suggest (`praxis report suggest`), printed again beside each score given,
//! and a prediction made checkable (`praxis cycle expect`) read against the data of the
//! cycle's period by `praxis cycle show`.

use crate::session::*;
use crate::steps::*;

/// Weekly days-to-home from 12 January 2026: eight weeks near 15, then seven near 8
/// from the week of the test (10 March).
fn record_days(p: &Praxis, measure: &str) {
    let values = [14, 15, 14, 16, 15, 14, 15, 14, 9, 8, 9, 8, 7, 8, 9];
    let start = time::macros::date!(2026 - 01 - 12);
    for (week, value) in values.iter().enumerate() {
        let from = start + time::Duration::weeks(week as i64);
        let to = from + time::Duration::days(6);
        record_value(
            p,
            measure,
            (&from.to_string(), Some(&to.to_string())),
            &value.to_string(),
        );
    }
}

#[test]
fn a_months_evidence_suggests_a_level_and_each_score_is_shown_beside_it() {
    let p = Praxis::with_project();
    let bare = p.ok(&["report", "suggest", "--month", "2026-03"]);
    assert!(
        bare.starts_with("The evidence for 2026-03 suggests 0.5: Intent to participate."),
        "{bare}"
    );
    assert!(
        bare.contains("1.0 needs an agreed charter: not yet"),
        "{bare}"
    );

    p.ok(&charter("from 14 to 10 days", "2027-03-31"));
    let days = define_days(&p);
    record_days(&p, &days);
    let suggested = p.json(&["report", "suggest", "--month", "2026-03"]);
    assert_eq!(suggested["level"], "2.0", "{suggested}");
    let steps = suggested["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 9);
    assert_eq!(steps[2]["met"], true, "measurements recorded");
    assert_eq!(steps[3]["met"], false, "no cycle carried out");
    assert!(
        suggested["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == "Measures: 1 (1 outcome), 1 with data, 1 with data for March 2026."),
        "{suggested}"
    );

    // The report and the coordinator's score each print the suggestion beside them.
    let submitted = p.ok(&strs(&report_args("2026-03", "2.5")));
    assert!(
        submitted.contains(
            "The evidence suggested 2.0 (Activity, but no changes (baseline, process study)): 0.5 above the suggestion."
        ),
        "{submitted}"
    );
    let report = p.json(&["overview"])["reports"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let scored = p.ok(&[
        "report",
        "score",
        &report,
        "--score",
        "2.0",
        "--justification",
        "A baseline, nothing tested yet",
    ]);
    assert!(scored.contains("The evidence suggested 2.0"), "{scored}");
    assert!(scored.contains(": as suggested."), "{scored}");

    // A month that cannot be read.
    p.refused(1, &["report", "suggest", "--month", "March"], &["YYYY-MM"]);
}

#[test]
fn a_prediction_made_checkable_is_read_against_the_data_of_the_cycles_period() {
    let p = Praxis::with_project();
    let days = define_days(&p);
    record_days(&p, &days);
    let cycle = p.save(
        "cycle-planned",
        &plan_args("Ask about going home first", &[]),
    );
    let fall = p.save(
        "expectation-stated",
        &[
            "cycle",
            "expect",
            short(&cycle),
            "--measure",
            short(&days),
            "--change",
            "fall",
            "--by",
            "2026-04-26",
            "--prediction",
            "1",
        ],
    );
    p.save(
        "expectation-stated",
        &[
            "cycle",
            "expect",
            short(&cycle),
            "--measure",
            short(&days),
            "--change",
            "at-most",
            "--value",
            "5",
            "--by",
            "2026-04-26",
        ],
    );
    let shown = p.ok(&["cycle", "show", short(&cycle)]);
    assert!(shown.contains("PREDICTIONS AGAINST THE DATA"), "{shown}");
    assert!(
        shown.contains(
            "Will the person take part in the conversation? Predicted: Yes, for about 20 minutes"
        ),
        "{shown}"
    );
    assert!(
        shown.contains(
            "Expected: Days from referral to home would fall, from 2026-03-10 to 2026-04-26."
        ),
        "{shown}"
    );
    assert!(
        shown.contains("SUPPORTED BY THE DATA: A signal shows the predicted fall"),
        "{shown}"
    );
    assert!(
        shown.contains("CONTRADICTED BY THE DATA: Days from referral to home's median over the period was 8: it did not stay at or below 5."),
        "{shown}"
    );
    assert!(
        shown.contains("Median before the test 14.5; over the period 8 (7 values)."),
        "{shown}"
    );
    assert!(
        shown.contains("Flagged for the team's learning: the data contradict 1 of 2 predictions")
    );
    let json = p.json(&["cycle", "show", short(&cycle)]);
    let checks = json["prediction_checks"].as_array().unwrap();
    assert_eq!(checks.len(), 2);
    assert_eq!(checks[0]["expectation_id"], fall.as_str());
    assert_eq!(checks[0]["verdict"], "Supported");
    assert_eq!(checks[1]["verdict"], "Contradicted");

    // Refusals change nothing.
    let before = p.counts();
    p.refused(
        1,
        &[
            "cycle",
            "expect",
            short(&cycle),
            "--measure",
            short(&days),
            "--change",
            "at-least",
            "--by",
            "2026-04-26",
        ],
        &["Give --value"],
    );
    p.refused(
        2,
        &[
            "cycle",
            "expect",
            short(&cycle),
            "--measure",
            short(&days),
            "--change",
            "rise",
            "--by",
            "2026-04-26",
            "--prediction",
            "2",
        ],
        &["has 1 predictions, so there is no prediction 2"],
    );
    p.refused(
        2,
        &[
            "cycle",
            "expect",
            short(&cycle),
            "--measure",
            short(&days),
            "--change",
            "rise",
            "--by",
            "2026-01-01",
        ],
        &["before the test on 2026-03-10"],
    );
    p.refused(
        2,
        &[
            "cycle",
            "expect",
            short(&cycle),
            "--measure",
            short(&cycle),
            "--change",
            "rise",
            "--by",
            "2026-04-26",
        ],
        &["not a measure"],
    );
    assert_eq!(p.counts(), before);
}
