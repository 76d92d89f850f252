//! Every score is recorded with the level the evidence supported: a team's report and
//! a coordinator's score each bring their `ScoreSuggested` in the same transaction, a
//! replica reads it, and a suggestion that does not match its score is refused.

use crate::common::{self, act, charter, done, measurement, plan, study};
use praxis_core::domain::event::*;
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::store::{Store, queries};
use time::macros::date;

fn monthly(month: time::Date, self_score: u16) -> MonthlyReport {
    MonthlyReport {
        month,
        measures: "Plans agreed rose from 2 to 8 in 10".into(),
        cycles: "One cycle adopted".into(),
        learning: "The guide helps".into(),
        barriers: "None".into(),
        plans: "Spread to the east team".into(),
        self_score: Score(self_score),
    }
}

/// A project with a charter, one outcome measure stepping from 2 to 8 in 10 after a
/// cycle whose change was adopted in early February, measured weekly to mid-April.
fn improving_project(store: &mut Store, p: StreamId) -> EventId {
    store
        .record(
            p,
            Event::CharterSet {
                replaces: vec![],
                charter: charter(),
            },
        )
        .expect("charter");
    let m = store
        .record(p, Event::MeasureDefined(common::measure("Plans agreed")))
        .expect("measure")
        .id;
    for week in 0..16u8 {
        let value = if week < 5 {
            2.0 + f64::from(week % 2)
        } else {
            8.0 + f64::from(week % 2)
        };
        store
            .record(p, Event::MeasurementRecorded(measurement(m, week, value)))
            .expect("measurement");
    }
    let cycle = store
        .record(p, Event::CyclePlanned(plan(None)))
        .expect("plan")
        .id;
    store
        .record(
            p,
            Event::CycleDone {
                cycle,
                done: done(),
            },
        )
        .expect("do");
    store
        .record(
            p,
            Event::CycleStudied {
                cycle,
                study: study(),
            },
        )
        .expect("study");
    store
        .record(
            p,
            Event::CycleActed {
                cycle,
                replaces: vec![],
                act: act(Decision::Adopt),
            },
        )
        .expect("act");
    m
}

fn suggestions(store: &Store, report: EventId) -> Vec<(EventId, ScoreSuggestion)> {
    queries::children(store.connection(), report)
        .expect("children")
        .into_iter()
        .filter_map(|r| match r.content {
            Event::ScoreSuggested {
                score, suggestion, ..
            } => Some((score, suggestion)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_report_and_a_coordinators_score_each_carry_the_level_the_evidence_supported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut a, c, p) = common::store_with_project(&dir.path().join("a.sqlite3"));
    improving_project(&mut a, p);
    let april = date!(2026 - 04 - 01);
    let expected = queries::suggested_score(a.connection(), p, april)
        .expect("suggest")
        .expect("the scale is here");
    // One outcome measure improving after an adopted change, its last 6 points held
    // above the baseline median: 4.5 on the IHI scale.
    assert_eq!(expected.level, Score(45), "{:?}", expected.steps);

    let before = queries::events(a.connection(), p).expect("events").len();
    let recorded = a
        .record(p, Event::MonthlyReportSubmitted(monthly(april, 35)))
        .expect("report");
    let after = queries::events(a.connection(), p).expect("events");
    assert_eq!(after.len(), before + 2, "the report and its suggestion");
    let found = suggestions(&a, recorded.id);
    assert_eq!(found.len(), 1);
    let (score, suggestion) = &found[0];
    assert_eq!(*score, recorded.id, "the report's own self-assessment");
    assert_eq!((suggestion.level, suggestion.given), (Score(45), Score(35)));
    assert_eq!(suggestion.evidence, expected.evidence);
    assert!(suggestion.rule.starts_with("1.0 needs an agreed charter"));

    let scored = a
        .record(
            p,
            Event::CoordinatorScoreGiven {
                report: recorded.id,
                score: Score(40),
                justification: "The gain is clear but spread has not begun".into(),
            },
        )
        .expect("score")
        .id;
    let found = suggestions(&a, recorded.id);
    assert_eq!(found.len(), 2);
    assert!(
        found
            .iter()
            .any(|(s, g)| *s == scored && g.given == Score(40) && g.level == Score(45))
    );

    // A replica reads both suggestions with the scores they belong to.
    let b = common::replica(&mut a, &dir.path().join("b.sqlite3"), (c, p));
    assert_eq!(suggestions(&b, recorded.id), found);
}

#[test]
fn a_report_for_a_month_before_the_evidence_suggests_from_what_was_there_then() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut a, _, p) = common::store_with_project(&dir.path().join("a.sqlite3"));
    improving_project(&mut a, p);
    // By the end of January: data, a cycle planned for February, nothing carried out.
    let january = queries::suggested_score(a.connection(), p, date!(2026 - 01 - 01))
        .expect("suggest")
        .expect("scale");
    assert_eq!(january.level, Score(20), "{:?}", january.steps);
    assert!(
        january.evidence.contains(
            &"Cycles by the end of January 2026: 0 planned, 0 carried out, 0 adopted.".to_string()
        ),
        "{:?}",
        january.evidence
    );
}

#[test]
fn a_suggestion_that_does_not_match_its_score_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut a, _, p) = common::store_with_project(&dir.path().join("a.sqlite3"));
    let report = a
        .record(
            p,
            Event::MonthlyReportSubmitted(monthly(date!(2026 - 03 - 01), 20)),
        )
        .expect("report")
        .id;
    let before = queries::events(a.connection(), p).expect("events").len();
    let suggested = |score: EventId, given: u16, level: u16| Event::ScoreSuggested {
        report,
        score,
        suggestion: ScoreSuggestion {
            level: Score(level),
            given: Score(given),
            rule: "the rule".into(),
            evidence: vec!["Charter: agreed.".into()],
        },
    };
    let wrong_given = a
        .record(p, suggested(report, 30, 20))
        .expect_err("wrong given");
    assert!(
        wrong_given
            .to_string()
            .contains("says 3.0 was given, but the score is 2.0"),
        "{wrong_given}"
    );
    let off_scale = a
        .record(p, suggested(report, 20, 7))
        .expect_err("off the scale");
    assert!(
        off_scale.to_string().contains("0.7 is not on"),
        "{off_scale}"
    );
    let not_a_score = a
        .record(p, suggested(EventId::new(), 20, 20))
        .expect_err("names no score");
    assert!(
        not_a_score
            .to_string()
            .contains("nor a coordinator's score"),
        "{not_a_score}"
    );
    // A report off the scale is refused, and no suggestion is left behind.
    let refused = a
        .record(
            p,
            Event::MonthlyReportSubmitted(monthly(date!(2026 - 04 - 01), 7)),
        )
        .expect_err("off the scale");
    assert!(refused.to_string().contains("not on"), "{refused}");
    assert_eq!(
        queries::events(a.connection(), p).expect("events").len(),
        before
    );
}

/// A measure whose first six weeks sit near 2.5 and the next fourteen near 6.5: its
/// median is 2.5 over six points, 4.5 over the usual twelve.
fn stepped_measure(store: &mut Store, p: StreamId) -> EventId {
    let m = store
        .record(p, Event::MeasureDefined(common::measure("Plans agreed")))
        .expect("measure")
        .id;
    for week in 0..20u8 {
        let value = if week < 6 { 2.0 } else { 6.0 } + f64::from(week % 2);
        store
            .record(p, Event::MeasurementRecorded(measurement(m, week, value)))
            .expect("measurement");
    }
    m
}

fn baseline_median(store: &Store, m: EventId) -> (f64, usize) {
    let chart = queries::measure_chart(store.connection(), m, &[])
        .expect("chart")
        .expect("a measure");
    let first = &chart.run_chart.expect("a run chart").stretches[0];
    (first.median, first.baseline_points)
}

#[test]
fn a_measures_baseline_freezes_its_median_and_two_set_apart_stand_until_one_names_both() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut a, c, p) = common::store_with_project(&dir.path().join("a.sqlite3"));
    let m = stepped_measure(&mut a, p);
    // Ratios of 10 are plotted as percentages.
    assert_eq!(baseline_median(&a, m), (45.0, 12), "the usual twelve");
    let six = a
        .record(
            p,
            Event::BaselineSet {
                measure: m,
                replaces: vec![],
                points: 6,
            },
        )
        .expect("baseline")
        .id;
    assert_eq!(baseline_median(&a, m), (25.0, 6));

    // Two people change it without seeing each other: both stand, the usual twelve
    // is used, until a setting names both.
    let mut b = common::replica(&mut a, &dir.path().join("b.sqlite3"), (c, p));
    let eight = a
        .record(
            p,
            Event::BaselineSet {
                measure: m,
                replaces: vec![six],
                points: 8,
            },
        )
        .expect("eight")
        .id;
    let ten = b
        .record(
            p,
            Event::BaselineSet {
                measure: m,
                replaces: vec![six],
                points: 10,
            },
        )
        .expect("ten")
        .id;
    let changes = b.changes_since(p, &[]).expect("changes");
    a.merge_changes(p, &changes).expect("merge");
    let series = queries::measure_series(a.connection(), m)
        .expect("series")
        .expect("a measure");
    assert_eq!(series.baseline_points(), None);
    let mut apart = series.baseline_settings.clone();
    apart.sort_by_key(|(_, points)| *points);
    assert_eq!(apart, vec![(eight, 8), (ten, 10)]);
    assert_eq!(baseline_median(&a, m).1, 12);
    a.record(
        p,
        Event::BaselineSet {
            measure: m,
            replaces: vec![eight, ten],
            points: 6,
        },
    )
    .expect("settled");
    let series = queries::measure_series(a.connection(), m)
        .expect("series")
        .expect("a measure");
    assert_eq!(
        (series.baseline_points(), series.baseline_settings.len()),
        (Some(6), 1)
    );
    assert_eq!(baseline_median(&a, m), (25.0, 6));

    // Refusals change nothing.
    let before = queries::events(a.connection(), p).expect("events").len();
    let few = a
        .record(
            p,
            Event::BaselineSet {
                measure: m,
                replaces: vec![],
                points: 3,
            },
        )
        .expect_err("too few");
    assert!(
        few.to_string().contains("must rest on 6 to 104 points"),
        "{few}"
    );
    let not_one = a
        .record(
            p,
            Event::BaselineSet {
                measure: m,
                replaces: vec![m],
                points: 12,
            },
        )
        .expect_err("not a baseline");
    assert!(
        not_one
            .to_string()
            .contains("is not a baseline of this measure"),
        "{not_one}"
    );
    let not_a_measure = a
        .record(
            p,
            Event::BaselineSet {
                measure: six,
                replaces: vec![],
                points: 12,
            },
        )
        .expect_err("not a measure");
    assert!(
        not_a_measure.to_string().contains("not a measure"),
        "{not_a_measure}"
    );
    assert_eq!(
        queries::events(a.connection(), p).expect("events").len(),
        before
    );
}
