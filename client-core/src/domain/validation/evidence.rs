//! What makes a suggested score, a checkable prediction and a measure's baseline
//! acceptable: each names a record of this project that it belongs to, and says
//! nothing its record contradicts.

use super::*;

/// A suggestion names a score of `report` (the report's own self-assessment, or a
/// coordinator's score of it) given by the same person, and the score given.
pub(super) fn suggestion(
    views: &mut impl Views,
    author: PersonId,
    (report, score): (EventId, EventId),
    suggestion: &ScoreSuggestion,
    collaborative: Option<&CollaborativeContext>,
) -> Result<(), Refusal> {
    let report = &existing(
        views,
        report,
        "monthly report",
        EventKind::MonthlyReportSubmitted,
    )?;
    let scored = if score == report.id {
        report.clone()
    } else {
        match views.record(score) {
            Some(r)
                if r.kind == EventKind::CoordinatorScoreGiven && r.parent == Some(report.id) =>
            {
                r
            }
            _ => {
                return refuse(
                    format!(
                        "{} is neither the report {} nor a coordinator's score of it.",
                        score.short(),
                        report.id.short()
                    ),
                    "Name the report itself, or a coordinator's score of that report.",
                );
            }
        }
    };
    let given = match &scored.content {
        Event::MonthlyReportSubmitted(r) => r.self_score,
        Event::CoordinatorScoreGiven { score, .. } => *score,
        _ => return refuse("The score named is not a score.", "Name a score."),
    };
    if scored.created.author != author {
        return refuse(
            "A suggestion is recorded with the score it belongs to, by whoever gave that score.",
            "Give the score yourself: the suggestion is recorded with it.",
        );
    }
    if suggestion.given != given {
        return refuse(
            format!(
                "The suggestion says {} was given, but the score is {given}.",
                suggestion.given
            ),
            "Record the suggestion with the score it was made for.",
        );
    }
    on_scale(suggestion.level, collaborative)?;
    required("rule behind the suggestion", &suggestion.rule)?;
    if suggestion.evidence.iter().all(|e| e.trim().is_empty()) {
        return refuse(
            "The suggestion gives no evidence.",
            "List what the rule read: cycles, measures, signals.",
        );
    }
    Ok(())
}

/// An expectation names a measure of this project and one of the Plan's predictions,
/// and its period ends on or after the day of the test.
pub(super) fn expectation(
    views: &mut impl Views,
    cycle: EventId,
    expectation: &Expectation,
) -> Result<(), Refusal> {
    let cycle = &existing_cycle(views, cycle, "prediction")?;
    existing(
        views,
        expectation.measure,
        "measure",
        EventKind::MeasureDefined,
    )?;
    let Event::CyclePlanned(plan) = &cycle.content else {
        return refuse("The cycle has no Plan.", "Plan the cycle first.");
    };
    if let Some(index) = expectation.prediction
        && usize::from(index) >= plan.predictions.len()
    {
        return refuse(
            format!(
                "The Plan of '{}' has {} predictions, so there is no prediction {}.",
                cycle.title(),
                plan.predictions.len(),
                index + 1
            ),
            "Choose one of the Plan's predictions, or none.",
        );
    }
    if expectation.by < plan.when {
        return refuse(
            format!(
                "The period ends on {}, before the test on {}.",
                expectation.by, plan.when
            ),
            "Give the last day of the cycle's period, on or after the day of the test.",
        );
    }
    match expectation.change {
        ExpectedChange::AtLeast(v) | ExpectedChange::AtMost(v) => finite("expected value", v),
        ExpectedChange::Rise | ExpectedChange::Fall | ExpectedChange::NoChange => Ok(()),
    }
}

/// The fewest and most points a run chart's baseline may rest on: fewer than a shift's
/// six cannot show one against it; two years of weekly points is more than any
/// baseline needs.
pub const BASELINE_RANGE: std::ops::RangeInclusive<u16> = 6..=104;

/// A baseline names a measure of this project, replaces only baselines of it, and
/// rests on between 6 and 104 points.
pub(super) fn baseline(
    views: &mut impl Views,
    measure: EventId,
    replaces: &[EventId],
    points: u16,
) -> Result<(), Refusal> {
    let record = existing(views, measure, "measure", EventKind::MeasureDefined)?;
    if !BASELINE_RANGE.contains(&points) {
        return refuse(
            format!(
                "A baseline of {points} points: the median of '{}' must rest on {} to {} points.",
                record.title(),
                BASELINE_RANGE.start(),
                BASELINE_RANGE.end()
            ),
            "Give between 6 and 104 points (12 is usual).",
        );
    }
    for id in replaces {
        match views.record(*id) {
            Some(r) if r.kind == EventKind::BaselineSet && r.parent == Some(measure) => {}
            _ => {
                return refuse(
                    format!("{} is not a baseline of this measure.", id.short()),
                    "Name only the measure's current baseline settings as replaced.",
                );
            }
        }
    }
    Ok(())
}
