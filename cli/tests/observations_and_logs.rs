//! Observations with and without a cycle, the action plan and the learning log.

use crate::session::*;
use crate::steps::*;
use serde_json::Value;

#[test]
fn observations_with_and_without_a_cycle() {
    let p = Praxis::with_project();
    let feed = p.ok(&["feed"]);
    assert_eq!(
        feed.trim(),
        "No observations yet (`praxis observe \"...\"`)."
    );
    let cycle = p.save("cycle-planned", &plan_args("A small test", &[]));

    let free = p.save(
        "observation-recorded",
        &["observe", "The team meeting ran over"],
    );
    let linked = p.save(
        "observation-recorded",
        &[
            "observe",
            "P-0413 was pleased to go to the shop alone",
            "--cycle",
            short(&cycle),
            "--subject",
            "P-0413",
            "--case-material",
            "--on",
            "2026-03-11",
        ],
    );
    let subject_only = p.save_text(
        "Observation saved",
        &[
            "observe",
            "Asked about the day centre",
            "--subject",
            "REF-77",
            "--on",
            "2026-03-09",
        ],
    );

    let feed = p.ok(&["feed"]);
    let lines: Vec<&str> = feed.lines().collect();
    assert_eq!(lines.len(), 3, "{feed}");
    assert!(
        feed.contains(&format!(
            "2026-03-11  {} [case material] about P-0413  P-0413 was pleased to go to the shop alone",
            short(&linked)
        )),
        "{feed}"
    );
    assert!(
        feed.contains(&format!(
            "{} about REF-77  Asked about the day centre",
            subject_only
        )),
        "{feed}"
    );
    assert!(
        feed.contains(&format!("{}  The team meeting ran over", short(&free))),
        "{feed}"
    );

    let items = p.json(&["feed", "--limit", "2"]);
    let items = items.as_array().expect("a list");
    assert_eq!(items.len(), 2, "--limit is respected");
    let all = p.json(&["feed"]);
    let all = all.as_array().expect("a list");
    assert_eq!(all.len(), 3);
    // Newest first.
    assert!(
        all[0]["id"]
            .as_str()
            .is_some_and(|i| i.ends_with(&subject_only)),
        "{all:?}"
    );
    let linked_item = all
        .iter()
        .find(|i| i["id"].as_str() == Some(linked.as_str()))
        .expect("the linked observation");
    assert_eq!(linked_item["observation"]["kind"], "CaseMaterial");
    assert_eq!(
        linked_item["observation"]["cycle"].as_str(),
        Some(cycle.as_str())
    );
    assert_eq!(linked_item["observation"]["subject"], "P-0413");
    assert_eq!(linked_item["observation"]["observed_on"], "2026-03-11");
    assert_eq!(linked_item["corrected"], false);
    let free_item = all
        .iter()
        .find(|i| i["id"].as_str() == Some(free.as_str()))
        .expect("the free observation");
    assert_eq!(free_item["observation"]["kind"], "Observation");
    assert_eq!(free_item["observation"]["cycle"], Value::Null);
    assert_eq!(free_item["observation"]["subject"], Value::Null);
    assert_eq!(
        free_item["recorded_by"],
        p.json(&["status"])["identity"]["person"],
        "recorded by the store's person"
    );

    // The cycle shows the observation that belongs to it.
    let view = p.json(&["cycle", "show", &cycle]);
    let observations = view["observations"].as_array().expect("observations");
    assert_eq!(observations.len(), 1);
    assert_eq!(observations[0]["id"].as_str(), Some(linked.as_str()));
    assert!(
        p.ok(&["cycle", "show", &cycle])
            .contains("P-0413 was pleased")
    );

    // Refusals: a name is not a pseudonymous reference.
    for name in ["Mary Jones", "Mary", "mrs.smith"] {
        p.refused(
            2,
            &["observe", "Went out alone", "--subject", name],
            &[
                &format!("'{name}' does not look like a pseudonymous reference"),
                "P-0413",
                "not by name",
            ],
        );
    }
    p.refused(2, &["observe", "  "], &["observation is missing"]);
    p.refused(
        2,
        &["observe", "Linked to nothing", "--cycle", &free],
        &["There is no planned cycle", "observation linked to a cycle"],
    );
    p.refused(
        1,
        &["observe", "x", "--cycle", "ffff9999"],
        &["Nothing here has the id 'ffff9999'"],
    );
    p.refused(
        1,
        &["observe", "x", "--on", "11/03/2026"],
        &["is not a date for --on"],
    );
}

// ---------------------------------------------------------------- SCIE templates

#[test]
fn action_plan_and_learning_log() {
    let p = Praxis::with_project();
    let entry = p.save(
        "action-plan-entry-added",
        &[
            "action-plan",
            "--now",
            "People wait 14 days to go home",
            "--achieve",
            "10 days",
            "--how",
            "Risk conversations at the first visit",
            "--who",
            "Ann: run the first tests",
            "--timescales",
            "By the end of action period 1",
        ],
    );
    let history = p.json(&["history", &entry]);
    assert_eq!(history["kind"], "action-plan-entry-added");
    let content = &history["current"]["ActionPlanEntryAdded"];
    assert_eq!(
        content["where_are_we_now"],
        "People wait 14 days to go home"
    );
    assert_eq!(content["what_do_we_want_to_achieve"], "10 days");
    assert_eq!(
        content["how_will_we_get_there"],
        "Risk conversations at the first visit"
    );
    assert_eq!(
        content["who_needs_to_take_what_action"],
        "Ann: run the first tests"
    );
    assert_eq!(content["timescales"], "By the end of action period 1");
    assert!(
        p.ok(&["history", &entry])
            .starts_with(&format!("action-plan-entry-added {}", short(&entry)))
    );

    let log = p.save_text(
        "Learning log entry saved",
        &[
            "learning-log",
            "--learning",
            "People want to talk about risk",
            "--action",
            "Add a question to the first-visit form",
            "--responsibility",
            "Team manager",
            "--implement-by",
            "2026-04-30",
        ],
    );
    let history = p.json(&["history", &log]);
    assert_eq!(
        history["current"]["LearningLogEntryAdded"]["implement_by"],
        "2026-04-30"
    );
    assert_eq!(
        history["current"]["LearningLogEntryAdded"]["responsibility"],
        "Team manager"
    );

    p.refused(
        2,
        &[
            "action-plan",
            "--now",
            "n",
            "--achieve",
            "a",
            "--how",
            "h",
            "--who",
            "w",
            "--timescales",
            " ",
        ],
        &["timescales is missing"],
    );
    p.refused(
        2,
        &[
            "action-plan",
            "--now",
            "",
            "--achieve",
            "a",
            "--how",
            "h",
            "--who",
            "w",
            "--timescales",
            "t",
        ],
        &["'Where are we now?' is missing"],
    );
    p.refused(
        1,
        &[
            "learning-log",
            "--learning",
            "l",
            "--action",
            "a",
            "--responsibility",
            "r",
            "--implement-by",
            "end of April",
        ],
        &["'end of April' is not a date for --implement-by"],
    );
    p.refused(
        2,
        &[
            "learning-log",
            "--learning",
            "l",
            "--action",
            "a",
            "--responsibility",
            " ",
            "--implement-by",
            "2026-04-30",
        ],
        &["responsibility is missing"],
    );
}

// ---------------------------------------------------------------- reports and decisions

/// Text that would drive the terminal (an escape sequence to clear the screen, a bell)
/// is shown escaped, and the JSON output keeps it as the record holds it.
#[test]
fn control_characters_in_a_record_are_shown_escaped() {
    let p = Praxis::with_project();
    p.save(
        "observation-recorded",
        &["observe", "Visit notes\u{1b}[2J\u{7} pasted from a message"],
    );
    let feed = p.ok(&["feed"]);
    assert!(
        !feed.contains('\u{1b}') && !feed.contains('\u{7}'),
        "{feed:?}"
    );
    assert!(
        feed.contains("Visit notes\\u{1b}[2J\\u{7} pasted"),
        "{feed}"
    );
}
