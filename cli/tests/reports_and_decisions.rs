//! Monthly reports, coordinators' scores and managers' decisions.

use crate::session::*;
use crate::steps::*;

#[test]
fn monthly_reports_and_coordinator_scores() {
    let p = Praxis::with_project();
    let march = p.save(
        "monthly-report-submitted",
        &strs(&report_args("2026-03", "2.5")),
    );
    let april = p.save_text(
        "Monthly report submitted",
        &strs(&report_args("2026-04", "3.0")),
    );

    p.save(
        "coordinator-score-given",
        &[
            "report",
            "score",
            short(&march),
            "--score",
            "2.0",
            "--justification",
            "No change tested under varied conditions yet",
        ],
    );
    p.save_text(
        "Coordinator's score saved",
        &[
            "report",
            "score",
            &april,
            "--score",
            "3.0",
            "--justification",
            "Agreed",
        ],
    );

    let overview = p.ok(&["overview"]);
    assert!(overview.contains("Monthly reports:"), "{overview}");
    assert!(
        overview.contains(&format!(
            "{}  March 2026  self 2.5, coordinator 2.0",
            short(&march)
        )),
        "{overview}"
    );
    assert!(
        overview.contains(&format!("{april}  April 2026  self 3.0, coordinator 3.0")),
        "{overview}"
    );
    let overview = p.json(&["overview"]);
    let reports = overview["reports"].as_array().expect("reports");
    assert_eq!(reports.len(), 2);
    let line = reports
        .iter()
        .find(|r| r["id"].as_str() == Some(march.as_str()))
        .expect("March's report");
    assert_eq!(line["month"], "2026-03-01");
    assert_eq!(line["self_score"], 25, "scores are in tenths");
    assert_eq!(line["coordinator_scores"], serde_json::json!([20]));

    // Refusals.
    p.refused(
        2,
        &strs(&report_args("2026-05", "3.3")),
        &[
            "3.3 is not on the IHI progress scale",
            "0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0",
        ],
    );
    p.refused(
        2,
        &[
            "report",
            "score",
            &march,
            "--score",
            "3.3",
            "--justification",
            "j",
        ],
        &["3.3 is not on the IHI progress scale"],
    );
    p.refused(
        1,
        &[
            "report",
            "score",
            &march,
            "--score",
            "3.25",
            "--justification",
            "j",
        ],
        &["'3.25' is not a score: write it like 3.5"],
    );
    p.refused(
        2,
        &strs(&report_args("2026-03", "3.0")),
        &[
            "The report for March 2026 was already submitted",
            short(&march),
            "praxis correct",
        ],
    );
    p.refused(
        1,
        &strs(&report_args("March", "3.0")),
        &["'March' is not a month", "YYYY-MM"],
    );
    p.refused(
        1,
        &strs(&report_args("2026-13", "3.0")),
        &["'2026-13' is not a month"],
    );
    p.refused(
        2,
        &[
            "report",
            "score",
            &march,
            "--score",
            "2.5",
            "--justification",
            " ",
        ],
        &["justification of the score is missing"],
    );
    let idea = p.save(
        "change-idea-proposed",
        &["idea", "--title", "i", "--practice", "p"],
    );
    p.refused(
        2,
        &[
            "report",
            "score",
            &idea,
            "--score",
            "2.5",
            "--justification",
            "j",
        ],
        &["not a monthly report"],
    );

    // An adopted scale of the collaborative is the one scores are checked against.
    p.save(
        "progress-scale-adopted",
        &[
            "collaborative",
            "scale",
            "--version",
            "2",
            "--name",
            "Thirds",
            "--level",
            "1.0=a",
            "--level",
            "3.3=b",
        ],
    );
    p.save(
        "monthly-report-submitted",
        &strs(&report_args("2026-05", "3.3")),
    );
    p.refused(
        2,
        &strs(&report_args("2026-06", "2.5")),
        &["2.5 is not on the Thirds (version 2)", "1.0, 3.3"],
    );
}

#[test]
fn manager_decisions_rest_on_records() {
    let p = Praxis::with_project();
    let report = p.save(
        "monthly-report-submitted",
        &strs(&report_args("2026-03", "2.5")),
    );
    let cycle = p.save("cycle-planned", &plan_args("A test", &[]));
    let decision = p.save(
        "manager-decision-recorded",
        &[
            "decide",
            "--decision",
            "Spread risk conversations to every team",
            "--rationale",
            "Tested small, then wider; days to home fell",
            "--rests-on",
            short(&report),
            "--rests-on",
            &cycle,
        ],
    );
    let history = p.json(&["history", &decision]);
    let content = &history["current"]["ManagerDecisionRecorded"];
    assert_eq!(
        content["decision"],
        "Spread risk conversations to every team"
    );
    assert_eq!(content["rests_on"], serde_json::json!([report, cycle]));
    let text = p.ok(&["history", &decision]);
    assert!(
        text.starts_with(&format!("manager-decision-recorded {}", short(&decision))),
        "{text}"
    );

    let decide = |rationale, rests_on| {
        [
            "decide",
            "--decision",
            "d",
            "--rationale",
            rationale,
            "--rests-on",
            rests_on,
        ]
    };
    p.refused(
        1,
        &decide("r", "deadbeef"),
        &["Nothing here has the id 'deadbeef'"],
    );
    p.refused(
        2,
        &decide("r", "01a20000-0000-7000-8000-0000deadbeef"),
        &["rests on deadbeef, which is not a record of this project"],
    );
    p.refused(2, &decide(" ", &report), &["rationale is missing"]);
    let out = p.run(&["decide", "--decision", "d", "--rationale", "r"]);
    assert_eq!(
        out.code, 2,
        "clap refuses a decision without --rests-on: {out:?}"
    );
    assert!(out.stderr.contains("--rests-on"), "{out:?}");
}

// ---------------------------------------------------------------- corrections
