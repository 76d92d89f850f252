//! Corrections and withdrawals keep the original in the history; resolving where there is no conflict.

use crate::session::*;
use crate::steps::*;
use praxis_core::domain::event::*;
use praxis_core::domain::ids::EventId;
use time::macros::date;

/// What the corrections correct: two measures, observations (`note`, and `gone` to
/// withdraw), a value and a ratio measurement, and an action plan entry.
struct Corrected {
    days: String,
    plans: String,
    note: String,
    gone: String,
    value: String,
    ratio: String,
    entry: String,
}

fn record_what_is_corrected(p: &Praxis) -> Corrected {
    let days = define_days(p);
    let plans = define_plans(p);
    let note = p.save(
        "observation-recorded",
        &["observe", "Mrs P went out alne", "--on", "2026-03-10"],
    );
    let gone = p.save(
        "observation-recorded",
        &["observe", "Recorded in the wrong project"],
    );
    let value = record_value(p, &days, ("2026-03-02", Some("2026-03-08")), "41");
    let ratio = record_ratio(p, &plans, ("2026-03-01", "2026-03-31"), "3", "10");
    let entry = p.save(
        "action-plan-entry-added",
        &[
            "action-plan",
            "--now",
            "14 dayz",
            "--achieve",
            "10 days",
            "--how",
            "h",
            "--who",
            "w",
            "--timescales",
            "t",
        ],
    );
    Corrected {
        days,
        plans,
        note,
        gone,
        value,
        ratio,
        entry,
    }
}

#[test]
fn corrections_keep_the_original_in_the_history() {
    let p = Praxis::with_project();
    let Corrected {
        days,
        plans,
        note,
        gone,
        value,
        ratio,
        entry,
    } = record_what_is_corrected(&p);
    // The text of an observation.
    p.save_text(
        "Correction saved",
        &[
            "correct",
            short(&note),
            "--reason",
            "typo",
            "--text",
            "Mrs P went out alone",
        ],
    );
    // The value of a measurement, and a ratio.
    p.save(
        "correction",
        &[
            "correct",
            &value,
            "--reason",
            "digits swapped",
            "--value",
            "14",
        ],
    );
    p.save(
        "correction",
        &[
            "correct",
            &ratio,
            "--reason",
            "recount",
            "--numerator",
            "4",
            "--denominator",
            "10",
        ],
    );
    // Withdrawn.
    p.save_text(
        "Record withdrawn",
        &["correct", &gone, "--reason", "wrong project", "--withdraw"],
    );
    // Any other kind, as JSON.
    let replacement = serde_json::to_string(&Replacement::ActionPlanEntry(ActionPlanEntry {
        where_are_we_now: "14 days".into(),
        what_do_we_want_to_achieve: "10 days".into(),
        how_will_we_get_there: "h".into(),
        who_needs_to_take_what_action: "w".into(),
        timescales: "t".into(),
    }))
    .expect("JSON");
    p.save(
        "correction",
        &[
            "correct",
            &entry,
            "--reason",
            "typo",
            "--replacement",
            &replacement,
        ],
    );

    // History shows the correction.
    let text = p.ok(&["history", &note]);
    assert!(
        text.starts_with(&format!("observation-recorded {}\n", short(&note))),
        "{text}"
    );
    assert!(text.contains("As first recorded: "), "{text}");
    assert!(text.contains("Mrs P went out alne"), "{text}");
    assert!(text.contains("As it stands now:  "), "{text}");
    assert!(text.contains("corrected: typo"), "{text}");
    let history = p.json(&["history", &note]);
    assert_eq!(
        history["original"]["ObservationRecorded"]["text"],
        "Mrs P went out alne"
    );
    assert_eq!(
        history["current"]["ObservationRecorded"]["text"],
        "Mrs P went out alone"
    );
    assert_eq!(
        history["current"]["ObservationRecorded"]["observed_on"],
        "2026-03-10"
    );
    assert_eq!(history["withdrawn"], false);
    let entries = history["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1]["kind"], "correction");
    assert_eq!(entries[1]["what"], "corrected: typo");
    // Any event that touched the record names it too.
    let correction = entries[1]["stamp"]["event"]
        .as_str()
        .expect("the correction's id");
    assert_eq!(
        p.json(&["history", correction])["id"].as_str(),
        Some(note.as_str())
    );

    let history = p.json(&["history", &gone]);
    assert_eq!(history["withdrawn"], true);
    assert!(p.ok(&["history", &gone]).contains("(withdrawn)"));
    assert!(
        p.ok(&["history", &gone])
            .contains("withdrawn: wrong project")
    );

    let history = p.json(&["history", &value]);
    assert_eq!(
        history["original"]["MeasurementRecorded"]["value"]["Value"],
        41.0
    );
    assert_eq!(
        history["current"]["MeasurementRecorded"]["value"]["Value"],
        14.0
    );
    assert_eq!(
        p.json(&["history", &entry])["current"]["ActionPlanEntryAdded"]["where_are_we_now"],
        "14 days"
    );

    // The views show the corrected records, and no withdrawn one.
    let feed = p.json(&["feed"]);
    let feed = feed.as_array().expect("a list");
    assert_eq!(
        feed.len(),
        1,
        "the withdrawn observation is not in the feed"
    );
    assert_eq!(feed[0]["corrected"], true);
    assert_eq!(feed[0]["observation"]["text"], "Mrs P went out alone");
    assert!(
        p.ok(&["feed"])
            .contains("(corrected)  Mrs P went out alone")
    );
    let series = p.json(&["measure", "show", &days]);
    assert_eq!(series["points"][0]["value"]["Value"], 14.0);
    assert_eq!(series["points"][0]["corrected"], true);
    assert!(p.ok(&["measure", "show", &days]).contains("14 (corrected)"));
    let overview = p.json(&["overview"]);
    let plans_line = overview["measures"]
        .as_array()
        .expect("measures")
        .iter()
        .find(|m| m["id"].as_str() == Some(plans.as_str()))
        .expect("the ratio measure")
        .clone();
    assert_eq!(plans_line["latest"]["plotted"], 40.0);
}

#[test]
fn corrections_that_cannot_be_made_are_refused_and_change_nothing() {
    let p = Praxis::with_project();
    let Corrected {
        days,
        plans,
        note,
        value,
        entry,
        ..
    } = record_what_is_corrected(&p);
    p.refused(
        2,
        &["correct", &days, "--reason", "r", "--withdraw"],
        &["A measure-defined is not corrected but revised"],
    );
    p.refused(
        2,
        &["correct", &note, "--reason", " ", "--text", "x"],
        &["reason for the correction is missing"],
    );
    p.refused(
        2,
        &[
            "correct",
            &value,
            "--reason",
            "r",
            "--numerator",
            "1",
            "--denominator",
            "2",
        ],
        &["is counted in days"],
    );
    p.refused(
        1,
        &["correct", &entry, "--reason", "r", "--text", "x"],
        &[
            "Say what the corrected action-plan-entry-added is",
            "--replacement",
        ],
    );
    let replace_entry = |replacement| {
        [
            "correct",
            &entry,
            "--reason",
            "r",
            "--replacement",
            replacement,
        ]
    };
    p.refused(
        1,
        &replace_entry("{not json"),
        &["--replacement is not a corrected record in JSON"],
    );
    let other_kind = serde_json::to_string(&Replacement::Study(Study {
        analysis: String::new(),
        compared_with_predictions: "c".into(),
        learning: "l".into(),
    }))
    .expect("JSON");
    p.refused(
        2,
        &replace_entry(&other_kind),
        &["The correction does not match the record"],
    );
    // A correction cannot move a measurement to another measure.
    let moved = serde_json::to_string(&Replacement::Measurement(Measurement {
        measure: plans.parse::<EventId>().expect("an id"),
        period_start: date!(2026 - 03 - 02),
        period_end: date!(2026 - 03 - 08),
        value: MeasurementValue::Ratio {
            numerator: 1.0,
            denominator: 2.0,
        },
        note: String::new(),
    }))
    .expect("JSON");
    p.refused(
        2,
        &["correct", &value, "--reason", "r", "--replacement", &moved],
        &["changes what was recorded, not what it belongs to"],
    );
    let before = p.counts();
    let out = p.run(&[
        "correct",
        &note,
        "--reason",
        "r",
        "--text",
        "x",
        "--withdraw",
    ]);
    assert_eq!(out.code, 2, "clap refuses --text with --withdraw: {out:?}");
    assert!(out.stderr.contains("cannot be used with"), "{out:?}");
    assert_eq!(p.counts(), before);
}

// ---------------------------------------------------------------- conflicts

#[test]
fn conflicts_and_resolve_with_no_conflict() {
    let p = Praxis::with_project();
    let cycle = p.save("cycle-planned", &plan_args("A test", &[]));
    assert_eq!(p.ok(&["conflicts"]).trim(), "No open conflicts.");
    assert_eq!(p.json(&["conflicts"]), serde_json::json!([]));
    assert!(
        p.json(&["overview"])["conflicts"]
            .as_array()
            .is_some_and(Vec::is_empty)
    );
    // A conflict needs two replicas; one store alone has none to resolve.
    p.refused(
        1,
        &["resolve", short(&cycle), "--keep", &cycle, "--reason", "r"],
        &[
            &format!("There is no open conflict on {}", short(&cycle)),
            "praxis conflicts",
        ],
    );
    p.refused(
        1,
        &["resolve", "beefbeef", "--keep", &cycle, "--reason", "r"],
        &["Nothing here has the id"],
    );
}

// ---------------------------------------------------------------- import and rebuild
