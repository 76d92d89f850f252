//! The collaborative: its schedule, progress scale and change package.

use crate::session::*;
use serde_json::Value;

#[test]
fn collaborative_show_schedule_scale_and_change_package() {
    let p = Praxis::with_project();
    let show = p.ok(&["collaborative", "show"]);
    assert!(
        show.starts_with("Promoting independence\nTopic: "),
        "{show}"
    );
    assert!(show.contains("Schedule: not set"), "{show}");
    assert!(
        show.contains("Progress scale: IHI progress scale (version 1)"),
        "{show}"
    );
    assert!(
        show.contains("  2.5  Changes tested, but no improvement"),
        "{show}"
    );
    assert!(show.contains("Change package:\n  (empty)"), "{show}");
    assert!(
        show.contains("Home sooner (Northside reablement)"),
        "{show}"
    );

    let schedule = p.save(
        "schedule-set",
        &[
            "collaborative",
            "schedule",
            "--phase",
            "prework:2026-01-05:2026-02-27",
            "--phase",
            "ls1:2026-03-02:2026-03-02",
            "--phase",
            "ap1:2026-03-03:2026-05-29",
        ],
    );
    assert_eq!(
        p.json(&["status"])["streams"]
            .as_array()
            .expect("streams")
            .iter()
            .find(|s| s["kind"] == "Collaborative")
            .expect("the collaborative")["id"],
        Value::String(p.collaborative.clone())
    );
    // A revision of the calendar.
    p.save_text(
        "Schedule saved",
        &[
            "collaborative",
            "schedule",
            "--phase",
            "prework:2026-01-05:2026-02-27",
            "--phase",
            "ls1:2026-03-02:2026-03-03",
            "--phase",
            "ap1:2026-03-04:2026-05-29",
            "--phase",
            "ls2:2026-06-01:2026-06-01",
            "--phase",
            "closing:2026-12-01:2026-12-01",
        ],
    );
    let item = p.save(
        "change-package-item-added",
        &[
            "collaborative",
            "package-item",
            "--title",
            "Positive risk-taking conversations",
            "--description",
            "Talk through risks with the person",
            "--research",
            "SCIE knowledge review 20",
            "--practice",
            "Northside team practice",
        ],
    );
    let scale = p.save(
        "progress-scale-adopted",
        &[
            "collaborative",
            "scale",
            "--version",
            "2",
            "--name",
            "Our progress scale",
            "--level",
            "1.0=Team formed",
            "--level",
            "2.0=Testing changes",
            "--level",
            "3.0=Improving",
        ],
    );
    assert_ne!(item, scale);

    let show = p.ok(&["collaborative", "show"]);
    assert!(
        show.contains("Learning session 1   2026-03-02 to 2026-03-03"),
        "{show}"
    );
    assert!(show.contains("Closing event"), "{show}");
    assert!(
        show.contains("Progress scale: Our progress scale (version 2)"),
        "{show}"
    );
    assert!(show.contains("  2.0  Testing changes"), "{show}");
    assert!(
        show.contains(&format!(
            "{}  Positive risk-taking conversations",
            short(&item)
        )),
        "{show}"
    );
    let view = p.json(&["collaborative", "show"]);
    assert_eq!(view["name"], "Promoting independence");
    assert_eq!(view["schedule"].as_array().map(Vec::len), Some(5));
    assert_eq!(view["schedule"][0]["kind"], "Prework");
    assert_eq!(view["schedule"][1]["kind"]["LearningSession"], 1);
    assert_eq!(view["schedule"][4]["kind"], "ClosingEvent");
    assert_eq!(view["scale"]["version"], 2);
    assert_eq!(view["scale"]["levels"][1]["score"], 20);
    assert_eq!(view["change_package"][0][0].as_str(), Some(item.as_str()));
    assert_eq!(view["projects"].as_array().map(Vec::len), Some(1));
    let history = p.json(&["history", &schedule]);
    assert_eq!(
        history["kind"], "collaborative-founded",
        "the schedule is the collaborative's"
    );
    assert!(history["entries"].as_array().is_some_and(|e| {
        e.iter()
            .any(|e| e["stamp"]["event"].as_str() == Some(schedule.as_str()))
    }));

    // Refusals.
    p.refused(
        2,
        &[
            "collaborative",
            "scale",
            "--version",
            "2",
            "--name",
            "Again",
            "--level",
            "1.0=x",
        ],
        &["not newer than version 2", "Number the new scale 3"],
    );
    p.refused(
        2,
        &[
            "collaborative",
            "scale",
            "--version",
            "3",
            "--name",
            "Down",
            "--level",
            "2.0=a",
            "--level",
            "1.0=b",
        ],
        &["comes after", "lowest to highest"],
    );
    p.refused(
        1,
        &[
            "collaborative",
            "scale",
            "--version",
            "3",
            "--name",
            "N",
            "--level",
            "two",
        ],
        &["is not SCORE=MEANING"],
    );
    p.refused(
        2,
        &[
            "collaborative",
            "schedule",
            "--phase",
            "ls1:2026-03-02:2026-03-01",
        ],
        &["ends (2026-03-01) before it starts (2026-03-02)"],
    );
    p.refused(
        2,
        &[
            "collaborative",
            "schedule",
            "--phase",
            "ls1:2026-03-02:2026-03-10",
            "--phase",
            "ap1:2026-03-05:2026-04-10",
        ],
        &["starts before phase 1 ends", "without overlaps"],
    );
    p.refused(
        1,
        &[
            "collaborative",
            "schedule",
            "--phase",
            "ls0:2026-03-02:2026-03-02",
        ],
        &["needs a number from 1 to 9"],
    );
    p.refused(
        1,
        &[
            "collaborative",
            "schedule",
            "--phase",
            "party:2026-03-02:2026-03-02",
        ],
        &["is not a phase"],
    );
    p.refused(
        1,
        &[
            "collaborative",
            "schedule",
            "--phase",
            "ls1:2026-03-32:2026-04-02",
        ],
        &["is not a date for the phase's start", "YYYY-MM-DD"],
    );
    p.refused(
        2,
        &["collaborative", "package-item", "--title", "No evidence"],
        &["No evidence source is given"],
    );
}

// ---------------------------------------------------------------- projects
