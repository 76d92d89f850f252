//! Change ideas with their evidence, and PDSA cycles: each stage in order, and a ramp
//! of cycles that follow one another.

use crate::session::*;
use crate::steps::*;

/// The change package item and a change idea drawing on it: (item, idea).
fn propose_idea(p: &Praxis) -> (String, String) {
    let item = package_item(p);
    let idea = p.save(
        "change-idea-proposed",
        &[
            "idea",
            "--title",
            "Talk about risk at the first visit",
            "--description",
            "Ask what matters before what could go wrong",
            "--package-item",
            short(&item),
            "--research",
            "SCIE practice guide 34",
            "--practice",
            "What the Eastside team does",
        ],
    );
    (item, idea)
}

/// A second change idea, resting on practice-based knowledge only.
fn propose_second_idea(p: &Praxis) {
    p.save_text(
        "Change idea saved",
        &[
            "idea",
            "--title",
            "Second idea",
            "--practice",
            "Team meeting",
        ],
    );
}

/// The first cycle planned: a very small test of the idea.
fn plan_first(p: &Praxis, idea: &str) -> String {
    p.save(
        "cycle-planned",
        &plan_args(
            "Try a risk conversation with one person",
            &["--idea", short(idea)],
        ),
    )
}

fn do_first(p: &Praxis, first: &str) {
    p.save_text(
        "Do recorded",
        &[
            "cycle",
            "do",
            short(first),
            "--on",
            "2026-03-10",
            "--by",
            "Ann",
            "--observations",
            "Mrs P talked for 25 minutes",
            "--problems",
            "The TV was on",
            "--surprises",
            "Her son joined in",
            "--data",
            "25 minutes",
        ],
    );
}

fn study_first(p: &Praxis, first: &str) {
    p.save(
        "cycle-studied",
        &[
            "cycle",
            "study",
            first,
            "--analysis",
            "One conversation",
            "--compared",
            "Longer than predicted",
            "--learning",
            "People want to talk about risk",
        ],
    );
}

/// Act: adapt, and try it with more people.
fn act_first(p: &Praxis, first: &str) {
    p.save(
        "cycle-acted",
        &[
            "cycle",
            "act",
            first,
            "--decision",
            "adapt",
            "--reasons",
            "Worked; try with more people",
            "--changes",
            "Turn the TV off",
            "--next",
            "Three people next week",
        ],
    );
}

#[test]
fn change_ideas_rest_on_the_change_package() {
    let p = Praxis::with_project();
    let (item, idea) = propose_idea(&p);
    let history = p.json(&["history", &idea]);
    let evidence = &history["current"]["ChangeIdeaProposed"]["evidence"];
    assert_eq!(evidence[0]["PackageItem"].as_str(), Some(item.as_str()));
    assert_eq!(evidence[1]["Source"]["kind"], "Research");
    assert_eq!(evidence[2]["Source"]["kind"], "PracticeKnowledge");
    assert_eq!(
        evidence[2]["Source"]["citation"],
        "What the Eastside team does"
    );
    propose_second_idea(&p);

    p.refused(
        2,
        &["idea", "--title", "Without evidence"],
        &["not linked to any evidence"],
    );
    // A package item id that names something else (the idea itself).
    p.refused(
        2,
        &["idea", "--title", "x", "--package-item", &idea],
        &[
            "There is no change-package item",
            "praxis collaborative show",
        ],
    );
}

#[test]
fn a_cycle_is_planned_done_studied_and_acted_in_order() {
    let p = Praxis::with_project();
    let (item, idea) = propose_idea(&p);
    let overview = p.ok(&["overview"]);
    assert!(
        overview.contains("none yet (`praxis cycle plan`)"),
        "{overview}"
    );
    let first = plan_first(&p, &idea);
    let cycle = p.json(&["cycle", "show", &first]);
    assert_eq!(cycle["stage"], "Plan");
    assert_eq!(cycle["plan"]["change_idea"].as_str(), Some(idea.as_str()));
    assert_eq!(cycle["plan"]["scale"], "VerySmall");

    // Act before Study, Study before Do.
    p.refused(
        2,
        &[
            "cycle",
            "act",
            &first,
            "--decision",
            "adopt",
            "--reasons",
            "it worked",
        ],
        &["has not been studied yet", "praxis cycle study"],
    );
    p.refused(
        2,
        &[
            "cycle",
            "study",
            &first,
            "--compared",
            "c",
            "--learning",
            "l",
        ],
        &["has no Do yet", "praxis cycle do"],
    );
    // Do and Act on an id that is not a cycle.
    p.refused(
        2,
        &[
            "cycle",
            "do",
            &idea,
            "--on",
            "2026-03-10",
            "--by",
            "Ann",
            "--observations",
            "o",
        ],
        &[
            "There is no planned cycle",
            "for this Do: it needs a cycle with a Plan",
            "praxis cycle plan",
        ],
    );
    p.refused(
        2,
        &[
            "cycle",
            "act",
            &idea,
            "--decision",
            "adopt",
            "--reasons",
            "r",
        ],
        &["There is no planned cycle", "praxis cycle plan"],
    );
    p.refused(
        2,
        &[
            "cycle",
            "study",
            &item,
            "--compared",
            "c",
            "--learning",
            "l",
        ],
        &["There is no planned cycle"],
    );
    p.refused(
        1,
        &[
            "cycle",
            "do",
            &first,
            "--on",
            "yesterday",
            "--by",
            "Ann",
            "--observations",
            "o",
        ],
        &["'yesterday' is not a date for --on"],
    );
    p.refused(
        2,
        &[
            "cycle",
            "do",
            &first,
            "--on",
            "2026-03-10",
            "--by",
            "Ann",
            "--observations",
            " ",
        ],
        &["observations is missing"],
    );

    do_first(&p, &first);
    assert_eq!(p.json(&["cycle", "show", &first])["stage"], "Do");
    study_first(&p, &first);
    p.refused(
        2,
        &[
            "cycle",
            "act",
            &first,
            "--decision",
            "adapt",
            "--reasons",
            " ",
        ],
        &["reasons for the decision is missing"],
    );
    act_first(&p, &first);
}

#[test]
fn cycles_form_a_ramp_and_the_overview_shows_it() {
    let p = Praxis::with_project();
    let (item, idea) = propose_idea(&p);
    propose_second_idea(&p);
    let first = plan_first(&p, &idea);
    do_first(&p, &first);
    study_first(&p, &first);
    act_first(&p, &first);

    // A follow-up cycle on the ramp, and a third one after it.
    let second = p.save(
        "cycle-planned",
        &plan_args(
            "Try it with three people",
            &[
                "--follows",
                short(&first),
                "--scale",
                "follow-up",
                "--idea",
                &idea,
            ],
        ),
    );
    let third = p.save(
        "cycle-planned",
        &plan_args(
            "Try it across the team",
            &["--follows", &second, "--scale", "wider"],
        ),
    );
    let apart = p.save("cycle-planned", &plan_args("Unrelated test", &[]));
    p.refused(
        2,
        &plan_args("Follows nothing", &["--follows", &idea]),
        &["There is no planned cycle", "follow-up cycle"],
    );
    p.refused(
        2,
        &plan_args("Tests a measure", &["--idea", &item]),
        &["There is no change idea", "praxis overview"],
    );
    p.refused(
        1,
        &plan_args("Bad day", &[])
            .into_iter()
            .map(|a| if a == "2026-03-10" { "2026-3-1x" } else { a })
            .collect::<Vec<_>>(),
        &["is not a date for --when"],
    );
    let mut unbalanced = plan_args("Two questions", &["--question", "Another?"]);
    unbalanced.push("--prediction");
    unbalanced.push("p2");
    p.refused(
        1,
        &unbalanced,
        &["Give one --prediction and one --reason for each --question"],
    );

    let text = p.ok(&["cycle", "show", &first]);
    assert!(
        text.starts_with(&format!(
            "Cycle {}: Try a risk conversation with one person  [adapted]",
            short(&first)
        )),
        "{text}"
    );
    for part in [
        "PLAN (very small test)",
        "Q: Will the person take part in the conversation?",
        "predicted: Yes, for about 20 minutes (because They asked to talk about going out alone)",
        "Who: Ann. What: A risk conversation at the first visit. Where: The person's home. When: 2026-03-10.",
        "DO ",
        "Problems: The TV was on",
        "Surprises: Her son joined in",
        "STUDY ",
        "Against the predictions: Longer than predicted",
        "ACT: Adapt",
        "Next: Three people next week",
        &format!("Leads to: {}", short(&second)),
        "History:",
        "Plan recorded",
    ] {
        assert!(text.contains(part), "cycle show lacks '{part}':\n{text}");
    }
    let text = p.ok(&["cycle", "show", &second]);
    assert!(
        text.contains(&format!("Follows cycle {}", short(&first))),
        "{text}"
    );
    assert!(text.contains("PLAN (follow-up test)"), "{text}");

    let cycle = p.json(&["cycle", "show", &first]);
    assert_eq!(cycle["stage"]["Act"], "Adapt");
    assert_eq!(cycle["act"]["decision"], "Adapt");
    assert_eq!(cycle["act"]["changes"], "Turn the TV off");
    assert_eq!(cycle["dos"].as_array().map(Vec::len), Some(1));
    assert_eq!(cycle["dos"][0][1]["carried_out_by"], "Ann");
    assert_eq!(
        cycle["studies"][0][1]["learning"],
        "People want to talk about risk"
    );
    assert_eq!(cycle["leads_to"], serde_json::json!([second]));
    assert_eq!(cycle["history"].as_array().map(Vec::len), Some(4));
    assert_eq!(
        p.json(&["cycle", "show", &second])["follows"].as_str(),
        Some(first.as_str())
    );

    // A revised Act is single-valued: the new one replaces the old one.
    p.save(
        "cycle-acted",
        &[
            "cycle",
            "act",
            &first,
            "--decision",
            "adopt",
            "--reasons",
            "Three people confirmed it",
        ],
    );
    assert_eq!(
        p.json(&["cycle", "show", &first])["act"]["decision"],
        "Adopt"
    );

    let overview = p.ok(&["overview"]);
    assert!(
        overview.contains("Cycles by stage:\n  adopted:\n"),
        "{overview}"
    );
    assert!(overview.contains("  planned:\n"), "{overview}");
    assert!(overview.contains("Ramps:\n"), "{overview}");
    assert!(
        overview.contains(&format!(
            "  {} Try a risk conversation with one person [adopted]",
            short(&first)
        )),
        "{overview}"
    );
    assert!(
        overview.contains(&format!(
            "    {} Try it with three people [planned]",
            short(&second)
        )),
        "{overview}"
    );
    assert!(
        overview.contains(&format!(
            "      {} Try it across the team [planned]",
            short(&third)
        )),
        "{overview}"
    );

    let overview = p.json(&["overview"]);
    assert_eq!(
        keys(&overview["cycles_by_stage"]),
        vec!["adopted", "planned"]
    );
    assert_eq!(
        overview["cycles_by_stage"]["planned"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    assert_eq!(
        overview["cycles_by_stage"]["adopted"][0]["id"].as_str(),
        Some(first.as_str())
    );
    let ramps = overview["ramps"].as_array().expect("ramps");
    assert_eq!(
        ramps.len(),
        2,
        "one ramp of three, one test alone: {ramps:?}"
    );
    let ramp = ramps
        .iter()
        .find(|r| r["steps"].as_array().is_some_and(|s| s.len() == 3))
        .expect("the ramp of three cycles");
    let steps: Vec<(String, u64)> = ramp["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| {
            (
                s["cycle"]["id"].as_str().expect("id").to_string(),
                s["depth"].as_u64().expect("depth"),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![(first.clone(), 0), (second.clone(), 1), (third.clone(), 2)]
    );
    assert_eq!(ramp["steps"][1]["cycle"]["scale"], "FollowUp");
    assert!(
        ramps
            .iter()
            .any(|r| r["steps"][0]["cycle"]["id"].as_str() == Some(apart.as_str()))
    );
    let ideas = overview["change_ideas"].as_array().expect("change ideas");
    assert_eq!(ideas.len(), 2);
    assert_eq!(ideas[0][0].as_str(), Some(idea.as_str()));

    p.refused(
        1,
        &["cycle", "show", &idea],
        &["is not a cycle", "praxis overview"],
    );
}
