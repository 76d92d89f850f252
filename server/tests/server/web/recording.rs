//! What people record in the browser, and the measure page's signals and recalculation.

use super::*;

#[test]
fn reports_scores_and_decisions_from_the_browser_are_events_by_the_person_signed_in() {
    let demo = demo();
    let s = storage(&demo.data);
    let (collaborative, north, _) = streams(&s);
    let amira = person(&s, "amira.hassan");
    let sam = person(&s, "sam.okafor");
    let grace = person(&s, "grace.mensah");
    let events_before = s.events(north).unwrap().len();
    drop(s);
    let url = &demo.server.url;

    // A practitioner submits the month's report.
    let mut practitioner = Web::sign_in(url, "amira.hassan");
    let csrf = practitioner.csrf();
    let report_form = [
        ("csrf", csrf.as_str()),
        ("month", "2031-03"),
        ("measures", "Plans agreed rose to 80%"),
        ("cycles", "Two cycles of the guide"),
        ("learning", "Start from what matters"),
        ("barriers", "Cover in March"),
        ("plans", "Spread to the duty team"),
        ("self_score", "3.5"),
    ];
    // Without the session's CSRF token nothing is recorded.
    let mut forged = report_form;
    forged[0] = ("csrf", "wrong");
    let refused = practitioner.post(&format!("/projects/{north}/reports"), &forged);
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // A score that is not a score is refused, saying how to write one.
    let mut bad = report_form;
    bad[7] = ("self_score", "three");
    let refused = practitioner.post(&format!("/projects/{north}/reports"), &bad);
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("write it like 3.5"),
        "{}",
        refused.body
    );
    // The page comes back with the form as it was typed and what to change, signed in.
    assert!(
        refused.body.contains("data-form-problem"),
        "{}",
        refused.body
    );
    for typed in [
        "Plans agreed rose to 80%",
        "Start from what matters",
        "Cover in March",
    ] {
        assert!(
            refused.body.contains(typed),
            "{typed} kept: {}",
            refused.body
        );
    }
    assert!(refused.body.contains("Sign out"), "{}", refused.body);
    // An empty field is named, and the rest kept.
    let mut blank = report_form;
    blank[6] = ("plans", "   ");
    let refused = practitioner.post(&format!("/projects/{north}/reports"), &blank);
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(
        refused.body.contains("Fill in &#39;Plans&#39;")
            || refused.body.contains("Fill in 'Plans'"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("Two cycles of the guide"));
    // The team's page offers the team its report form, the score chosen from the
    // collaborative's scale with each level's meaning.
    let page = practitioner.get(&format!("/projects/{north}")).body;
    assert!(page.contains("Submit this month's report"));
    assert!(
        page.contains("<option value=\"2.5\">2.5: Changes tested, but no improvement"),
        "{page}"
    );
    // Beside the choice, the level the evidence suggests, with the rule and evidence.
    assert!(page.contains("data-suggested=\""), "{page}");
    assert!(page.contains("The rule and the evidence"));
    assert!(page.contains("You decide."));
    assert_eq!(
        storage(&demo.data).events(north).unwrap().len(),
        events_before,
        "refused forms record nothing"
    );
    let submitted = practitioner.post(&format!("/projects/{north}/reports"), &report_form);
    assert_eq!(
        submitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        submitted.body
    );
    // A practitioner may not score it.
    let s = storage(&demo.data);
    let report = s
        .project_detail(north)
        .unwrap()
        .reports
        .into_iter()
        .find(|r| r.report.month.to_string() == "2031-03-01")
        .unwrap();
    assert_eq!(report.by, amira);
    drop(s);
    let not_hers = practitioner.post(
        &format!("/reports/{}/score", report.id),
        &[("csrf", &csrf), ("score", "3.0"), ("justification", "self")],
    );
    assert_eq!(not_hers.status, StatusCode::FORBIDDEN);

    // The coordinator scores it with a justification; the dashboard shows both scores.
    let mut coordinator = Web::sign_in(url, "sam.okafor");
    let csrf = coordinator.csrf();
    let scored = coordinator.post(
        &format!("/reports/{}/score", report.id),
        &[
            ("csrf", &csrf),
            ("score", "2.5"),
            (
                "justification",
                "Changes tested; the rise is four weeks old",
            ),
        ],
    );
    assert_eq!(scored.status, StatusCode::SEE_OTHER, "{}", scored.body);
    let s = storage(&demo.data);
    let board = s
        .dashboard(sam, collaborative, time::macros::date!(2031 - 03 - 20))
        .unwrap()
        .unwrap();
    let row = board.teams.iter().find(|t| t.stream == north).unwrap();
    assert_eq!(row.self_score.unwrap().to_string(), "3.5");
    assert_eq!(row.coordinator_score.unwrap().to_string(), "2.5");
    assert_eq!(row.gap_tenths, Some(-10));
    drop(s);
    let page = coordinator.get(&format!("/projects/{north}")).body;
    assert!(page.contains("Changes tested; the rise is four weeks old"));
    // Both scores show the level the evidence suggested when they were given.
    let expected = storage(&demo.data)
        .suggested_score(north, time::macros::date!(2031 - 03 - 01))
        .unwrap()
        .unwrap();
    let beside = format!(
        "data-recorded-suggestion=\"{}\">(the evidence suggested {};",
        expected.level, expected.level
    );
    assert_eq!(page.matches(&beside).count(), 2, "{page}");
    // Once scored, the coordinator's form folds away; a coordinator is not offered the
    // team's report form.
    assert!(
        page.contains(&format!("<details class=\"rescore\"><summary>Change your score</summary><form class=\"stacked\" id=\"score-form-{}\"", report.id)),
        "{page}"
    );
    assert!(!page.contains("Submit this month's report"));

    // The senior manager records a decision resting on the report and a cycle. A
    // decision left without its rationale comes back as typed.
    let cycle = storage(&demo.data)
        .project_detail(north)
        .unwrap()
        .overview
        .cycles_by_stage
        .values()
        .flatten()
        .next()
        .unwrap()
        .id;
    let mut manager = Web::sign_in(url, "grace.mensah");
    let csrf = manager.csrf();
    let (report_id, cycle_id) = (report.id.to_string(), cycle.to_string());
    let unfinished = manager.post(
        &format!("/projects/{north}/decisions"),
        &[
            ("csrf", &csrf),
            ("decision", "Fund the guide for every team"),
            ("rationale", ""),
            ("rests_on", &report_id),
            ("rests_on", &cycle_id),
        ],
    );
    assert_eq!(unfinished.status, StatusCode::BAD_REQUEST);
    assert!(unfinished.body.contains("Fund the guide for every team"));
    for id in [&report_id, &cycle_id] {
        assert!(
            unfinished
                .body
                .contains(&format!("value=\"{id}\" selected")),
            "{id} still chosen: {}",
            unfinished.body
        );
    }
    let decided = manager.post(
        &format!("/projects/{north}/decisions"),
        &[
            ("csrf", &csrf),
            ("decision", "Fund the guide for every team"),
            ("rationale", "Plans agreed doubled and held"),
            ("rests_on", &report_id),
            ("rests_on", &cycle_id),
        ],
    );
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.body);

    // Each is an event in the stream authored by the person, on their browser device,
    // with a receipt for its change.
    let s = storage(&demo.data);
    let events = s.events(north).unwrap();
    let by_kind = |kind: EventKind| events.iter().rev().find(|e| e.kind == kind.name()).unwrap();
    let submitted = by_kind(EventKind::MonthlyReportSubmitted);
    let score = by_kind(EventKind::CoordinatorScoreGiven);
    let decision = by_kind(EventKind::ManagerDecisionRecorded);
    assert_eq!(
        (submitted.author, score.author, decision.author),
        (amira, sam, grace)
    );
    match &decision.body {
        Some(Event::ManagerDecisionRecorded { rests_on, .. }) => {
            assert_eq!(rests_on, &vec![report.id, cycle])
        }
        other => panic!("{other:?}"),
    }
    let devices = s.devices().unwrap();
    let browser = devices.iter().find(|d| d.id == score.device).unwrap();
    assert_eq!(browser.name, "Web browser");
    assert_eq!(browser.person, sam);
    let receipts = s.receipts(north).unwrap();
    for e in [submitted, score, decision] {
        assert!(
            receipts
                .iter()
                .any(|r| r.events == vec![e.id] && r.device == e.device),
            "a receipt for {}",
            e.kind
        );
    }
    // The report and the score each came with the level the evidence suggested,
    // naming the score it belongs to, by the same person, with a receipt of its own.
    let suggestions: Vec<_> = events
        .iter()
        .filter(|e| e.kind == EventKind::ScoreSuggested.name())
        .collect();
    for (scored, given) in [(submitted, "self"), (score, "coordinator")] {
        let found = suggestions
            .iter()
            .find(|e| matches!(&e.body, Some(Event::ScoreSuggested { score, .. }) if *score == scored.id))
            .unwrap_or_else(|| panic!("a suggestion with the {given} score"));
        assert_eq!(found.author, scored.author);
        assert!(receipts.iter().any(|r| r.events == vec![found.id]));
    }
    assert_eq!(events.len(), events_before + 5);
}

#[test]
fn the_measure_page_explains_each_signal_and_recalculates_limits_from_an_adoption() {
    let demo = demo();
    let s = storage(&demo.data);
    let (collaborative, north, _) = streams(&s);
    let measure = first_measure(&s, north);
    let chart = s.measure_chart(measure, &[]).unwrap().unwrap();
    let adoption = chart
        .adoptions
        .iter()
        .find_map(|a| a.point)
        .expect("an adopted cycle");
    drop(s);
    let mut web = Web::sign_in(&demo.server.url, "sam.okafor");
    let page = web.get(&format!("/measures/{measure}"));
    assert_eq!(page.status, StatusCode::OK);
    // Every signal of both charts is explained in words.
    let signals = chart.signals();
    assert!(!signals.is_empty());
    for signal in &signals {
        let e = &signal.signal.explanation;
        assert!(
            page.body.contains(&e.replace('\'', "&#39;")) || page.body.contains(e.as_str()),
            "{e}"
        );
    }
    // Each point of the shift is highlighted on the run chart, and only those points
    // that some signal flags.
    let start = page.body.find("data-chart=\"run-chart\"").unwrap();
    let run_svg = &page.body[start..start + page.body[start..].find("</svg>").unwrap()];
    // Every cycle tested and not adopted is marked at its test, with its objective.
    assert!(!chart.tests.is_empty(), "the demo's adapted cycles");
    assert_eq!(
        run_svg.matches("class=\"tested\"").count(),
        chart.tests.iter().filter(|t| t.point.is_some()).count()
    );
    for t in &chart.tests {
        assert!(
            run_svg.contains(&format!(
                "<title>Tested: {} ({})</title>",
                t.objective, t.tested_on
            )),
            "{}",
            t.objective
        );
        assert!(!chart.adoptions.iter().any(|a| a.cycle == t.cycle));
    }
    assert!(page.body.contains("data-entry=\"tested\""));
    let circles: Vec<&str> = run_svg.split("<circle").skip(1).collect();
    assert_eq!(circles.len(), chart.series.points.len());
    for (i, circle) in circles.iter().enumerate() {
        let flagged = chart.signals_at(i).any(|s| {
            chart
                .run_chart
                .as_ref()
                .unwrap()
                .signals
                .contains(&s.signal)
        });
        assert_eq!(circle.contains("class=\"signal "), flagged, "point {i}");
    }
    assert!(page.body.contains("role=\"img\""));
    assert!(page.body.contains(&format!("data-propose=\"{adoption}\"")));
    // The step change: special cause, improving, at the latest point; and the chart
    // proposes recalculating from the first point after it, where the adoption does too.
    let xmr = chart.xmr.as_ref().unwrap();
    let variation = xmr.icons.variation.as_ref().unwrap();
    assert_eq!(
        variation.kind,
        praxis_core::domain::charts::icons::Variation::ImprovingHigh
    );
    assert!(page.body.contains("data-icon=\"ImprovingHigh\""));
    assert!(
        page.body
            .contains(&format!("aria-label=\"{}\"", variation.words))
    );
    let proposal = xmr.proposal.as_ref().unwrap();
    assert_eq!(proposal.from, adoption, "the first point after the change");
    assert!(
        page.body
            .contains(&format!("data-propose-shift=\"{adoption}\""))
    );
    let assurance = xmr.assurance.as_ref().unwrap();
    assert!(
        assurance.explanation.contains("shifted"),
        "{}",
        assurance.explanation
    );
    // The same icons, with their words, beside the measure on the project page and the
    // collaborative's dashboard.
    let said = format!("aria-label=\"{}\"", variation.words);
    let project_page = web.get(&format!("/projects/{north}"));
    assert!(project_page.body.contains(&said));
    let dashboard = web.get(&format!("/collaboratives/{collaborative}"));
    assert!(dashboard.body.contains("Variation and assurance"));
    assert!(dashboard.body.contains(&said));
    // The read is in the access log, by the person, under their browser device.
    let s = storage(&demo.data);
    let sam = person(&s, "sam.okafor");
    let logged = s.access_log(&[north]).unwrap();
    let entry = logged
        .iter()
        .find(|e| e.route == "GET /measures/{id}" && e.record == Some(measure))
        .expect("the measure page's read is logged");
    assert_eq!(entry.person, sam);
    let device = s
        .devices()
        .unwrap()
        .into_iter()
        .find(|d| d.id == entry.device)
        .unwrap();
    assert_eq!((device.person, device.name.as_str()), (sam, "Web browser"));
    drop(s);
    // Recalculating from the adoption draws two phases and says where.
    let again = web.get(&format!("/measures/{measure}?from={adoption}"));
    assert_eq!(again.status, StatusCode::OK);
    assert!(again.body.contains("limits recalculated"));
    let stretches = chart.run_chart.as_ref().unwrap().stretches.len();
    assert_eq!(stretches, 2, "a new run chart median from the adoption");
    assert_eq!(
        again.body.matches("class=\"line-centre\"").count(),
        stretches + 2,
        "run medians + two XmR means"
    );
    // A point that is not a number is refused, saying how to write it.
    let bad = web.get(&format!("/measures/{measure}?from=soon"));
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("0 is the first"));
}
