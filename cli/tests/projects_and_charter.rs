//! Projects started, listed and chosen with `--project`, and a charter and its revision.

use crate::session::*;
use crate::steps::*;

#[test]
fn projects_start_list_and_are_chosen_with_project() {
    let p = Praxis::with_project();
    let list = p.ok(&["project", "list"]);
    assert_eq!(
        list.trim(),
        format!(
            "{}  Home sooner (Northside reablement)  (1 events)",
            short(&p.project)
        )
    );
    let second = p.json(&[
        "project",
        "start",
        "--team",
        "Eastside",
        "--organisation",
        "Care Trust",
        "--title",
        "Fewer falls",
    ])["stream"]
        .as_str()
        .expect("a stream")
        .to_string();
    let list = p.json(&["project", "list"]);
    let list = list.as_array().expect("a list");
    assert_eq!(list.len(), 2);
    assert!(list.iter().all(|s| s["kind"] == "Project"));
    assert!(
        list.iter()
            .all(|s| s["collaborative"].as_str() == Some(p.collaborative.as_str()))
    );

    // With two projects, a project command needs --project.
    let message = p.refused(1, &["overview"], &["Several projects match", "--project"]);
    assert!(message.contains("Fewer falls"), "{message}");
    // By a word of the title, by the stream's short id, in full.
    let overview = p.json(&["--project", "falls", "overview"]);
    assert_eq!(overview["project"]["title"], "Fewer falls");
    let overview = p.json(&["--project", short(&p.project), "overview"]);
    assert_eq!(overview["project"]["title"], "Home sooner");
    let overview = p.json(&["--project", &second, "overview"]);
    assert_eq!(overview["project"]["team"], "Eastside");
    assert_eq!(overview["stream"].as_str(), Some(second.as_str()));
    p.refused(
        1,
        &["--project", "gardening", "overview"],
        &["No project here matches 'gardening'", "praxis project list"],
    );
    // Records go to the project chosen.
    p.save(
        "observation-recorded",
        &["--project", "falls", "observe", "A fall at night"],
    );
    assert_eq!(
        p.json(&["--project", "falls", "feed"])
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        p.json(&["--project", "sooner", "feed"])
            .as_array()
            .map(Vec::len),
        Some(0)
    );

    // Refusals of project start.
    p.refused(
        2,
        &[
            "project",
            "start",
            "--team",
            " ",
            "--organisation",
            "O",
            "--title",
            "T",
        ],
        &["The team is missing"],
    );
    let bare = Praxis::empty();
    bare.ok(&["init", "--name", "Ann"]);
    bare.refused(
        1,
        &[
            "project",
            "start",
            "--team",
            "T",
            "--organisation",
            "O",
            "--title",
            "X",
        ],
        &["no collaborative", "praxis collaborative found"],
    );
    bare.refused(
        1,
        &["overview"],
        &["no project on this device", "praxis project start"],
    );

    // A store made without a collaborative founds one afterwards; a project started
    // there names itself by the one id it is known by.
    let founded = bare.ok(&[
        "collaborative",
        "found",
        "--name",
        "Falls",
        "--topic",
        "Falls at home",
        "--chosen-with",
        "A workshop with people who had fallen",
    ]);
    assert!(
        founded.starts_with("Collaborative 'Falls' founded: "),
        "{founded}"
    );
    let started = bare.ok(&[
        "project",
        "start",
        "--team",
        "Westside",
        "--organisation",
        "O",
        "--title",
        "Steady at home",
    ]);
    let stream = bare.json(&["project", "list"])[0]["id"]
        .as_str()
        .expect("the project")
        .to_string();
    let id = short(&stream);
    assert_eq!(
        started.trim_end(),
        format!(
            "Project 'Steady at home' started: {id}.\nName it with --project {id} when this device holds several projects."
        )
    );

    // What waits to sync, for each stream and in all, before the device is enrolled.
    let status = bare.ok(&["status"]);
    assert!(
        status.contains(&format!(
            "{id}  Steady at home (Westside)  (1 events, 1 waiting to sync)"
        )),
        "{status}"
    );
    let json = bare.json(&["status"]);
    let total = json["waiting_to_sync"].as_u64().expect("a count");
    let events: i64 = bare.counts().iter().map(|(_, n)| n).sum();
    assert_eq!(total as i64, events, "everything here was recorded here");
    assert_eq!(json["enrolled"], false);
    assert!(
        status.trim_end().ends_with(&format!(
            "{total} records wait to sync, recorded before this device was enrolled: `praxis enrol` it with a server, then `praxis sync`."
        )),
        "{status}"
    );
}

// ---------------------------------------------------------------- charter

#[test]
fn charter_and_its_revision() {
    let p = Praxis::with_project();
    let overview = p.ok(&["overview"]);
    assert!(
        overview.contains("Aim: no charter yet (`praxis charter`)."),
        "{overview}"
    );

    p.refused(
        2,
        &charter("some", "2027-06-30"),
        &["some is not a number", "with a number"],
    );
    p.refused(
        1,
        &charter("from 40% to 75%", "soon"),
        &["'soon' is not a date for --by-when", "YYYY-MM-DD"],
    );
    p.refused(
        1,
        &charter("from 40% to 75%", "2027-02-30"),
        &["is not a date"],
    );
    p.refused(2, &charter("  ", "2027-06-30"), &["how much is missing"]);

    let first = p.save_text("Charter saved", &charter("from 40% to 75%", "2027-06-30"));
    let overview = p.ok(&["overview"]);
    assert!(
        overview.contains(
            "Aim: people return home after a hospital stay for people over 85 in the borough: from 40% to 75% by 2027-06-30."
        ),
        "{overview}"
    );
    assert!(
        overview
            .contains("Senior leader Director of adult services; day-to-day lead Team manager."),
        "{overview}"
    );
    let revised = p.save("charter-set", &charter("from 40% to 80%", "2027-09-30"));
    let overview = p.json(&["overview"]);
    assert_eq!(overview["charter"]["aim"]["how_much"], "from 40% to 80%");
    assert_eq!(overview["charter"]["aim"]["by_when"], "2027-09-30");
    assert_eq!(
        overview["charter"]["members"],
        serde_json::json!(["Ann", "Bob"])
    );
    assert!(overview["conflicts"].as_array().is_some_and(Vec::is_empty));
    // The charter belongs to the project: its history lists both versions.
    let history = p.json(&["history", &revised]);
    assert_eq!(history["kind"], "project-started");
    let entries = history["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 3, "{history}");
    assert!(
        entries[1]["stamp"]["event"]
            .as_str()
            .is_some_and(|e| e.ends_with(&first))
    );
    assert_eq!(
        entries[2]["stamp"]["event"].as_str(),
        Some(revised.as_str())
    );
    // A charter is revised, not corrected: the event that set it is not a record, and
    // the project it belongs to is revised, not corrected.
    p.refused(
        1,
        &["correct", &revised, "--reason", "typo", "--withdraw"],
        &["is not a record that can be corrected"],
    );
    let founding = history["id"]
        .as_str()
        .expect("the project's id")
        .to_string();
    p.refused(
        2,
        &["correct", &founding, "--reason", "typo", "--withdraw"],
        &["A project-started is not corrected but revised"],
    );
}

// ---------------------------------------------------------------- measures
