//! `praxis import` is all or nothing, and `praxis rebuild` gives the same views.

use crate::session::*;
use crate::steps::*;
use praxis_core::domain::event::*;
use praxis_core::domain::ids::EventId;
use serde_json::Value;
use time::macros::date;

#[test]
fn import_is_all_or_nothing_and_rebuild_gives_the_same_views() {
    let p = Praxis::with_project();
    let days = define_days(&p);
    let measure: EventId = days.parse().expect("an id");
    let before = p.events();

    let good = [
        observation("Imported from the paper log", Some("P-0001")),
        Event::MeasurementRecorded(Measurement {
            measure,
            period_start: date!(2026 - 03 - 02),
            period_end: date!(2026 - 03 - 08),
            value: MeasurementValue::Value(13.0),
            note: "from the paper log".into(),
        }),
        Event::ActionPlanEntryAdded(ActionPlanEntry {
            where_are_we_now: "n".into(),
            what_do_we_want_to_achieve: "a".into(),
            how_will_we_get_there: "h".into(),
            who_needs_to_take_what_action: "w".into(),
            timescales: "t".into(),
        }),
        Event::LearningLogEntryAdded(LearningLogEntry {
            learning_points: "l".into(),
            action_points: "a".into(),
            responsibility: "r".into(),
            implement_by: date!(2026 - 04 - 30),
        }),
        observation("A second imported note", None),
    ];
    let file = p.path("good.jsonl");
    let mut text: String = good.iter().map(|e| line(e) + "\n").collect();
    text.push('\n'); // blank lines are skipped
    std::fs::write(&file, text).expect("write");
    let out = p.json(&["import", file.to_str().expect("a path")]);
    assert_eq!(out["imported"], 5);
    let ids: Vec<String> = out["ids"]
        .as_array()
        .expect("ids")
        .iter()
        .map(|i| i.as_str().expect("an id").to_string())
        .collect();
    assert_eq!(ids.len(), 5);
    assert_eq!(p.events(), before + 5);
    assert_eq!(
        p.json(&["history", &ids[1]])["current"]["MeasurementRecorded"]["note"],
        "from the paper log"
    );
    assert_eq!(p.json(&["feed"]).as_array().map(Vec::len), Some(2));
    assert_eq!(
        p.json(&["measure", "show", &days])["points"][0]["value"]["Value"],
        13.0
    );
    // Text form.
    let text = p.ok(&["import", file.to_str().expect("a path")]);
    assert_eq!(text.trim(), "Imported 5 events.");
    assert_eq!(p.events(), before + 10);

    // One invalid event in the middle: nothing is imported.
    let bad = [
        observation("Fine", None),
        observation("Names a person", Some("John Smith")),
        observation("Fine too", None),
    ];
    let file = p.path("bad.jsonl");
    std::fs::write(
        &file,
        bad.iter().map(|e| line(e) + "\n").collect::<String>(),
    )
    .expect("write");
    let path = file.to_str().expect("a path");
    // A refusal during import is a refusal like any other.
    let before_bad = p.counts();
    let out = p.run(&["import", path]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("Event 2 of 3"), "{out:?}");
    assert!(
        out.stderr
            .contains("'John Smith' does not look like a pseudonymous reference"),
        "{out:?}"
    );
    assert!(out.stderr.contains("Nothing was imported"), "{out:?}");
    assert!(out.stdout.is_empty());
    assert_eq!(p.counts(), before_bad, "part of the file was imported");
    let out = p.run(&["--json", "import", path]);
    assert_eq!(out.code, 2, "{out:?}");
    let error: Value = serde_json::from_str(out.stderr.trim()).expect("JSON on stderr");
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("Nothing was imported"))
    );
    assert_eq!(p.counts(), before_bad);

    // An event that refers to a measure that is not there, at the end.
    let dangling = [
        observation("Fine", None),
        Event::MeasurementRecorded(Measurement {
            measure: EventId::new(),
            period_start: date!(2026 - 03 - 02),
            period_end: date!(2026 - 03 - 08),
            value: MeasurementValue::Value(1.0),
            note: String::new(),
        }),
    ];
    std::fs::write(
        &file,
        dangling.iter().map(|e| line(e) + "\n").collect::<String>(),
    )
    .expect("write");
    let out = p.run(&["import", path]);
    assert!(matches!(out.code, 1 | 2), "{out:?}");
    assert!(
        out.stderr.contains("Event 2 of 2: There is no measure"),
        "{out:?}"
    );
    assert_eq!(p.counts(), before_bad);

    // A line that is not an event.
    std::fs::write(
        &file,
        format!("{}\nnot an event\n{}\n", line(&bad[0]), line(&bad[2])),
    )
    .expect("write");
    p.refused(
        1,
        &["import", path],
        &[
            "line 2 of",
            "is not a Praxis event in JSON",
            "nothing was imported",
        ],
    );
    // A file that is not there.
    p.refused(
        1,
        &["import", "missing.jsonl"],
        &["cannot read missing.jsonl"],
    );
    // An event of the collaborative does not go into the project.
    let wrong_stream = Event::ProgressScaleAdopted(ProgressScale {
        version: 2,
        name: "n".into(),
        levels: vec![ProgressLevel {
            score: Score(10),
            meaning: "m".into(),
        }],
    });
    std::fs::write(&file, line(&wrong_stream) + "\n").expect("write");
    let out = p.run(&["import", path]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(
        out.stderr
            .contains("belongs to the collaborative, not to a team's project"),
        "{out:?}"
    );
    assert_eq!(p.counts(), before_bad);

    // Rebuild folds the same views again.
    let overview = p.json(&["overview"]);
    let feed = p.json(&["feed", "--limit", "1000"]);
    let series = p.json(&["measure", "show", &days]);
    let history = p.json(&["history", &ids[0]]);
    let total = p.events();
    let rebuilt = p.json(&["rebuild"]);
    assert_eq!(rebuilt["events"].as_i64(), Some(total));
    assert_eq!(
        p.ok(&["rebuild"]).trim(),
        format!("Views rebuilt from {total} events.")
    );
    assert_eq!(p.json(&["overview"]), overview);
    assert_eq!(p.json(&["feed", "--limit", "1000"]), feed);
    assert_eq!(p.json(&["measure", "show", &days]), series);
    assert_eq!(p.json(&["history", &ids[0]]), history);
    assert_eq!(p.events(), total, "rebuild records nothing");
}

#[test]
fn overview_of_a_whole_project_survives_a_rebuild() {
    let p = Praxis::with_project();
    p.save_text("Charter saved", &charter("from 40% to 75%", "2027-06-30"));
    let days = define_days(&p);
    record_value(&p, &days, ("2026-03-02", None), "14");
    let first = p.save("cycle-planned", &plan_args("First", &[]));
    p.save(
        "cycle-done",
        &[
            "cycle",
            "do",
            &first,
            "--on",
            "2026-03-10",
            "--by",
            "Ann",
            "--observations",
            "o",
        ],
    );
    p.save(
        "cycle-planned",
        &plan_args("Second", &["--follows", &first]),
    );
    let report = p.save(
        "monthly-report-submitted",
        &strs(&report_args("2026-03", "2.0")),
    );
    p.save(
        "coordinator-score-given",
        &[
            "report",
            "score",
            &report,
            "--score",
            "1.5",
            "--justification",
            "j",
        ],
    );
    p.save(
        "observation-recorded",
        &["observe", "Note", "--cycle", &first],
    );

    let text = p.ok(&["overview"]);
    assert!(
        text.starts_with("Home sooner\nNorthside reablement (Borough Council)\n"),
        "{text}"
    );
    assert!(text.contains("  done, to study:\n"), "{text}");
    assert!(text.contains("self 2.0, coordinator 1.5"), "{text}");
    assert!(
        text.trim_end()
            .ends_with(&format!("{} events", p.events() - 1)),
        "{text}"
    );
    let overview = p.json(&["overview"]);
    assert_eq!(
        keys(&overview["cycles_by_stage"]),
        vec!["done, to study", "planned"]
    );
    assert_eq!(
        overview["events"].as_i64(),
        Some(p.events() - 1),
        "the project's events"
    );
    assert_eq!(overview["unknown_events"], 0);
    p.ok(&["rebuild"]);
    assert_eq!(p.json(&["overview"]), overview);
    assert_eq!(p.ok(&["overview"]), text);
}
