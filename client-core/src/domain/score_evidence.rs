//! The level of the progress scale a team's evidence supports for a month: read from
//! its cycles run and adopted, its measures with data, the signals of improvement on
//! its outcome measures, and whether those gains held. Shown beside every score before
//! it is given, and recorded with it (`Event::ScoreSuggested`). The person still
//! decides; the suggestion only makes the evidence and the rule plain.

use super::charts::Reading;
use super::charts::icons::AssuranceIcon;
use super::dashboard::{ProjectViews, cycle_marks, month_text};
use super::event::{
    Direction, Event, EventKind, MeasureKind, ProgressScale, Score, ScoreSuggestion,
};
use super::measure_chart;
use serde::Serialize;
use time::Date;

/// How many of an outcome measure's latest points must stay on the better side of its
/// baseline median for its gain to count as sustained.
pub const SUSTAINED_POINTS: usize = 6;

/// The rule, step by step: each level of the IHI scale needs its own evidence and that
/// of every level below it.
pub const RULE: &str = "1.0 needs an agreed charter; 1.5 a measure or a planned cycle; \
2.0 measurements recorded; 2.5 a cycle carried out and at least half the measures with \
data for the month; 3.0 a change adopted or a measure improving; 3.5 an outcome measure \
improving; 4.0 half the outcome measures improving and a change adopted; 4.5 half the \
outcome measures improving with the gain held for their last 6 points; 5.0 every outcome \
measure improving, held, and consistently meeting its target. The suggestion is the \
highest level of the collaborative's scale at or below the level reached.";

/// What a project's records show by the end of a month.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ScoreEvidence {
    /// The first day of the month reported on.
    pub month: Option<Date>,
    pub charter: bool,
    pub measures: usize,
    pub outcome_measures: usize,
    /// Measures with any measurement of a period starting by the month's end.
    pub measures_with_data: usize,
    /// Measures with a measurement of a period that overlaps the month.
    pub measures_with_data_in_month: usize,
    pub cycles_planned: usize,
    /// Cycles carried out (a Do) on or before the month's end.
    pub cycles_run: usize,
    /// Cycles whose change was adopted, in effect by the month's end.
    pub cycles_adopted: usize,
    /// Measures whose charts, up to the month's end, last signalled improvement.
    pub improving: Vec<String>,
    pub improving_outcomes: Vec<String>,
    /// Improving outcome measures whose last points stay better than their baseline.
    pub sustained_outcomes: Vec<String>,
    /// Outcome measures whose current limits consistently meet their target.
    pub outcomes_meeting_target: Vec<String>,
}

/// One level of the rule with whether the evidence reaches it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Step {
    pub score: Score,
    pub needs: &'static str,
    pub met: bool,
}

/// The level suggested on the collaborative's scale, the rule's steps and the evidence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SuggestedScore {
    pub level: Score,
    pub meaning: String,
    /// The highest step of the rule the evidence reaches (on the IHI scale).
    pub reached: Score,
    pub steps: Vec<Step>,
    pub evidence: Vec<String>,
    pub rule: &'static str,
}

impl SuggestedScore {
    /// What is recorded with a score of `given`.
    pub fn recorded_with(&self, given: Score) -> ScoreSuggestion {
        ScoreSuggestion {
            level: self.level,
            given,
            rule: self.rule.to_string(),
            evidence: self.evidence.clone(),
        }
    }
}

/// The difference of `given` from the suggested `level`, in words ("0.5 above").
pub fn difference(given: Score, level: Score) -> String {
    match given.cmp(&level) {
        std::cmp::Ordering::Equal => "as suggested".to_string(),
        std::cmp::Ordering::Greater => format!("{} above the suggestion", Score(given.0 - level.0)),
        std::cmp::Ordering::Less => format!("{} below the suggestion", Score(level.0 - given.0)),
    }
}

/// The last day of the month that starts on (or contains) `month`.
fn month_end(month: Date) -> Date {
    let first = month.replace_day(1).unwrap_or(month);
    let next = if first.month() == time::Month::December {
        Date::from_calendar_date(first.year() + 1, time::Month::January, 1)
    } else {
        Date::from_calendar_date(first.year(), first.month().next(), 1)
    };
    next.map(|d| d.previous_day().unwrap_or(d)).unwrap_or(first)
}

/// What `project`'s records show by the end of `month`.
pub fn evidence<V: ProjectViews>(project: &V, month: Date) -> Result<ScoreEvidence, V::Error> {
    let first = month.replace_day(1).unwrap_or(month);
    let last = month_end(first);
    let overview = project.overview()?;
    let cycles = project.records_of_kind(EventKind::CyclePlanned)?;
    let mut evidence = ScoreEvidence {
        month: Some(first),
        charter: overview.charter.is_some(),
        ..ScoreEvidence::default()
    };
    evidence.cycles_planned = cycles
        .iter()
        .filter(|c| !c.withdrawn)
        .filter(|c| matches!(&c.content, Event::CyclePlanned(p) if p.when <= last))
        .count();
    let marks = cycle_marks(project, &cycles)?;
    // A cycle's first Do by the month's end means it was carried out by then.
    evidence.cycles_run = marks.tested.iter().filter(|(_, _, on)| *on <= last).count();
    let adopted: Vec<_> = marks
        .adopted
        .into_iter()
        .filter(|(_, _, on)| *on <= last)
        .collect();
    evidence.cycles_adopted = adopted.len();
    for line in &overview.measures {
        let Some(mut series) = project.measure_series(line.id)? else {
            continue;
        };
        let Some(definition) = series.definition.clone() else {
            continue;
        };
        evidence.measures += 1;
        let outcome = definition.kind == MeasureKind::Outcome;
        if outcome {
            evidence.outcome_measures += 1;
        }
        series.points.retain(|p| p.period_start <= last);
        if series.points.is_empty() {
            continue;
        }
        evidence.measures_with_data += 1;
        if series
            .points
            .iter()
            .any(|p| p.period_end >= first && p.period_start <= last)
        {
            evidence.measures_with_data_in_month += 1;
        }
        let values: Vec<f64> = series.points.iter().map(|p| p.plotted).collect();
        let chart = measure_chart::measure_chart(series, &adopted, &[]);
        if chart.latest_reading() != Some(Reading::Improvement) {
            continue;
        }
        evidence.improving.push(definition.name.clone());
        if !outcome {
            continue;
        }
        evidence.improving_outcomes.push(definition.name.clone());
        let baseline = chart
            .run_chart
            .as_ref()
            .and_then(|r| r.stretches.first())
            .map(|s| s.median);
        let better = |v: f64, median: f64| match definition.direction {
            Direction::HigherIsBetter => v > median,
            Direction::LowerIsBetter => v < median,
        };
        if let Some(median) = baseline
            && values.len() > SUSTAINED_POINTS
            && values[values.len() - SUSTAINED_POINTS..]
                .iter()
                .all(|v| better(*v, median))
        {
            evidence.sustained_outcomes.push(definition.name.clone());
        }
        if chart
            .xmr
            .as_ref()
            .and_then(|x| x.icons.assurance.as_ref())
            .is_some_and(|a| a.kind == AssuranceIcon::ConsistentlyMet)
        {
            evidence
                .outcomes_meeting_target
                .push(definition.name.clone());
        }
    }
    Ok(evidence)
}

/// Whether `part` is at least half of `whole` (and `whole` is not nothing).
fn half_of(part: usize, whole: usize) -> bool {
    whole > 0 && part * 2 >= whole
}

/// The level `evidence` supports on `scale`, with the rule's steps and the evidence in
/// words.
pub fn suggest(evidence: &ScoreEvidence, scale: &ProgressScale) -> SuggestedScore {
    let e = evidence;
    let outcomes = e.outcome_measures;
    let steps = vec![
        (10, "an agreed charter", e.charter),
        (
            15,
            "a measure or a planned cycle",
            e.measures > 0 || e.cycles_planned > 0,
        ),
        (20, "measurements recorded", e.measures_with_data > 0),
        (
            25,
            "a cycle carried out and half the measures with data for the month",
            e.cycles_run > 0 && half_of(e.measures_with_data_in_month, e.measures),
        ),
        (
            30,
            "a change adopted or a measure improving",
            e.cycles_adopted > 0 || !e.improving.is_empty(),
        ),
        (
            35,
            "an outcome measure improving",
            !e.improving_outcomes.is_empty(),
        ),
        (
            40,
            "half the outcome measures improving and a change adopted",
            half_of(e.improving_outcomes.len(), outcomes) && e.cycles_adopted > 0,
        ),
        (
            45,
            "half the outcome measures improving with the gain held",
            half_of(e.sustained_outcomes.len(), outcomes),
        ),
        (
            50,
            "every outcome measure improving, held and meeting its target",
            outcomes > 0
                && e.sustained_outcomes.len() == outcomes
                && e.outcomes_meeting_target.len() == outcomes,
        ),
    ];
    let steps: Vec<Step> = steps
        .into_iter()
        .map(|(score, needs, met)| Step {
            score: Score(score),
            needs,
            met,
        })
        .collect();
    let reached = steps
        .iter()
        .take_while(|s| s.met)
        .last()
        .map(|s| s.score)
        .unwrap_or(Score(5));
    let level = scale
        .levels
        .iter()
        .rev()
        .find(|l| l.score <= reached)
        .or(scale.levels.first());
    SuggestedScore {
        level: level.map(|l| l.score).unwrap_or(reached),
        meaning: level.map(|l| l.meaning.clone()).unwrap_or_default(),
        reached,
        steps,
        evidence: sentences(e),
        rule: RULE,
    }
}

fn names(list: &[String]) -> String {
    if list.is_empty() {
        "none".to_string()
    } else {
        list.join(", ")
    }
}

fn sentences(e: &ScoreEvidence) -> Vec<String> {
    let month = e.month.map(month_text).unwrap_or_default();
    vec![
        format!(
            "Charter: {}.",
            if e.charter {
                "agreed"
            } else {
                "not yet agreed"
            }
        ),
        format!(
            "Cycles by the end of {month}: {} planned, {} carried out, {} adopted.",
            e.cycles_planned, e.cycles_run, e.cycles_adopted
        ),
        format!(
            "Measures: {} ({} outcome), {} with data, {} with data for {month}.",
            e.measures, e.outcome_measures, e.measures_with_data, e.measures_with_data_in_month
        ),
        format!("Improving: {}.", names(&e.improving)),
        format!(
            "Outcome measures improving: {} of {}: {}.",
            e.improving_outcomes.len(),
            e.outcome_measures,
            names(&e.improving_outcomes)
        ),
        format!(
            "Gain held for the last {SUSTAINED_POINTS} points: {}.",
            names(&e.sustained_outcomes)
        ),
        format!(
            "Consistently meeting the target: {}.",
            names(&e.outcomes_meeting_target)
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::ProgressLevel;
    use time::macros::date;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    /// Evidence of a project with two outcome measures and one process measure.
    fn base() -> ScoreEvidence {
        ScoreEvidence {
            month: Some(date!(2026 - 11 - 01)),
            measures: 3,
            outcome_measures: 2,
            ..ScoreEvidence::default()
        }
    }

    #[test]
    fn each_row_of_evidence_suggests_its_level_and_says_why() {
        let charter = ScoreEvidence {
            charter: true,
            measures: 0,
            outcome_measures: 0,
            ..base()
        };
        let measured = ScoreEvidence {
            charter: true,
            measures_with_data: 3,
            measures_with_data_in_month: 1,
            cycles_planned: 2,
            ..base()
        };
        let tested = ScoreEvidence {
            cycles_run: 1,
            measures_with_data_in_month: 2,
            ..measured.clone()
        };
        let adopted = ScoreEvidence {
            cycles_adopted: 1,
            ..tested.clone()
        };
        let process_only = ScoreEvidence {
            improving: names(&["Visits on time"]),
            ..tested.clone()
        };
        let one_outcome = ScoreEvidence {
            improving: names(&["Plans agreed"]),
            improving_outcomes: names(&["Plans agreed"]),
            ..tested.clone()
        };
        let half_with_adoption = ScoreEvidence {
            cycles_adopted: 2,
            ..one_outcome.clone()
        };
        let held = ScoreEvidence {
            sustained_outcomes: names(&["Plans agreed"]),
            ..half_with_adoption.clone()
        };
        let all = ScoreEvidence {
            improving_outcomes: names(&["Plans agreed", "Waits"]),
            sustained_outcomes: names(&["Plans agreed", "Waits"]),
            outcomes_meeting_target: names(&["Plans agreed", "Waits"]),
            ..held.clone()
        };
        let all_but_target = ScoreEvidence {
            outcomes_meeting_target: names(&["Plans agreed"]),
            ..all.clone()
        };
        // Held but without the adoption 4.0 needs: the steps stop at 3.5.
        let held_without_adoption = ScoreEvidence {
            cycles_adopted: 0,
            ..held.clone()
        };
        // Data for the month on too few measures stops at 2.0, whatever the signals.
        let thin_month = ScoreEvidence {
            measures_with_data_in_month: 1,
            ..all.clone()
        };
        let table = [
            (ScoreEvidence::default(), 5, "an agreed charter"),
            (charter, 10, "a measure or a planned cycle"),
            (
                measured,
                20,
                "a cycle carried out and half the measures with data for the month",
            ),
            (tested, 25, "a change adopted or a measure improving"),
            (adopted, 30, "an outcome measure improving"),
            (process_only, 30, "an outcome measure improving"),
            (
                one_outcome,
                35,
                "half the outcome measures improving and a change adopted",
            ),
            (
                half_with_adoption,
                40,
                "half the outcome measures improving with the gain held",
            ),
            (
                held,
                45,
                "every outcome measure improving, held and meeting its target",
            ),
            (all_but_target, 45, "every outcome measure improving"),
            (all, 50, ""),
            (
                held_without_adoption,
                35,
                "half the outcome measures improving and a change adopted",
            ),
            (
                thin_month,
                20,
                "a cycle carried out and half the measures with data for the month",
            ),
        ];
        let scale = ProgressScale::ihi();
        for (i, (evidence, level, missing)) in table.into_iter().enumerate() {
            let s = suggest(&evidence, &scale);
            assert_eq!(s.level, Score(level), "row {i}: {evidence:?}");
            assert_eq!(s.reached, Score(level), "row {i}");
            assert_eq!(s.meaning, scale.level(Score(level)).unwrap().meaning);
            // The first step not met is the reason it stops there.
            let first_unmet = s.steps.iter().find(|st| !st.met).map(|st| st.needs);
            match first_unmet {
                Some(needs) => assert!(needs.starts_with(missing), "row {i}: stops at '{needs}'"),
                None => assert_eq!(missing, "", "row {i}"),
            }
            assert_eq!(s.rule, RULE);
            assert_eq!(s.evidence.len(), 7, "row {i}");
        }
    }

    #[test]
    fn the_evidence_is_given_in_words_with_the_measures_named() {
        let e = ScoreEvidence {
            charter: true,
            cycles_planned: 4,
            cycles_run: 3,
            cycles_adopted: 1,
            improving: names(&["Plans agreed", "Visits on time"]),
            improving_outcomes: names(&["Plans agreed"]),
            ..base()
        };
        let s = suggest(&e, &ProgressScale::ihi());
        assert!(s.evidence.contains(
            &"Cycles by the end of November 2026: 4 planned, 3 carried out, 1 adopted.".to_string()
        ));
        assert!(
            s.evidence
                .contains(&"Outcome measures improving: 1 of 2: Plans agreed.".to_string())
        );
        assert!(
            s.evidence
                .contains(&"Gain held for the last 6 points: none.".to_string())
        );
    }

    #[test]
    fn a_scale_without_the_level_reached_suggests_the_highest_level_below_it() {
        let coarse = ProgressScale {
            version: 2,
            name: "Five steps".into(),
            levels: [
                (10, "Started"),
                (20, "Measuring"),
                (30, "Improving"),
                (50, "Sustained"),
            ]
            .into_iter()
            .map(|(s, m)| ProgressLevel {
                score: Score(s),
                meaning: m.into(),
            })
            .collect(),
        };
        let e = ScoreEvidence {
            charter: true,
            cycles_planned: 1,
            cycles_run: 1,
            cycles_adopted: 1,
            measures_with_data: 3,
            measures_with_data_in_month: 3,
            improving: names(&["Plans agreed"]),
            improving_outcomes: names(&["Plans agreed"]),
            sustained_outcomes: names(&["Plans agreed"]),
            ..base()
        };
        let s = suggest(&e, &coarse);
        assert_eq!(s.reached, Score(45));
        assert_eq!((s.level, s.meaning.as_str()), (Score(30), "Improving"));
        // Below the scale's lowest level, its lowest level.
        let s = suggest(&ScoreEvidence::default(), &coarse);
        assert_eq!(s.level, Score(10));
    }

    #[test]
    fn a_difference_from_the_suggestion_is_put_in_words() {
        assert_eq!(difference(Score(35), Score(30)), "0.5 above the suggestion");
        assert_eq!(difference(Score(20), Score(30)), "1.0 below the suggestion");
        assert_eq!(difference(Score(30), Score(30)), "as suggested");
    }
}
