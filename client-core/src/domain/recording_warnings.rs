//! What a person is told before a measurement is recorded, in every client (the
//! terminal, the phone API, the field app): a second value for a period that already
//! has one (replace it with a correction of that measurement, or keep both with a
//! reason), and a period that has not begun. Neither is refused by the domain: both
//! can be right (two counts of one week from two sources; a figure agreed ahead), so
//! the person decides, and says why when they go ahead.

use super::ids::EventId;
use super::views::Point;
use crate::dates::format_day;
use time::Date;

#[derive(Clone, Debug, PartialEq)]
pub enum RecordingWarning {
    /// The measure already has a value for a period that overlaps this one.
    SecondValue {
        existing: EventId,
        period_start: Date,
        period_end: Date,
        value: f64,
    },
    /// The period starts after today.
    FuturePeriod { period_start: Date, today: Date },
}

impl RecordingWarning {
    /// A stable name for the warning, for clients to tell them apart.
    pub fn code(&self) -> &'static str {
        match self {
            RecordingWarning::SecondValue { .. } => "second-value",
            RecordingWarning::FuturePeriod { .. } => "future-period",
        }
    }

    /// The measurement already recorded, for a second value.
    pub fn existing(&self) -> Option<EventId> {
        match self {
            RecordingWarning::SecondValue { existing, .. } => Some(*existing),
            RecordingWarning::FuturePeriod { .. } => None,
        }
    }

    /// The warning in a sentence, with what the person can do.
    pub fn message(&self) -> String {
        match self {
            RecordingWarning::SecondValue {
                period_start,
                period_end,
                value,
                ..
            } => {
                let period = if period_start == period_end {
                    format_day(*period_start)
                } else {
                    format!(
                        "{} to {}",
                        format_day(*period_start),
                        format_day(*period_end)
                    )
                };
                format!(
                    "This measure already has a value for {period}: {}. To replace it, correct that measurement; to keep both, say why.",
                    value_text(*value)
                )
            }
            RecordingWarning::FuturePeriod {
                period_start,
                today,
            } => format!(
                "The period starts on {}, after today ({}). Check the dates; to record it anyway, say why.",
                format_day(*period_start),
                format_day(*today)
            ),
        }
    }
}

/// A value as a person reads it: at most two decimals, none when whole.
fn value_text(x: f64) -> String {
    let text = format!("{x:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The warnings for recording a value of the measure whose recorded points are
/// `points`, for the period `period_start..=period_end`, on `today`.
pub fn measurement_warnings(
    points: &[Point],
    period_start: Date,
    period_end: Date,
    today: Date,
) -> Vec<RecordingWarning> {
    let mut warnings: Vec<RecordingWarning> = points
        .iter()
        .filter(|p| p.period_start <= period_end && period_start <= p.period_end)
        .map(|p| RecordingWarning::SecondValue {
            existing: p.id,
            period_start: p.period_start,
            period_end: p.period_end,
            value: p.plotted,
        })
        .collect();
    if period_start > today {
        warnings.push(RecordingWarning::FuturePeriod {
            period_start,
            today,
        });
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::MeasurementValue;
    use time::macros::date;

    fn point(start: Date, end: Date, value: f64) -> Point {
        Point {
            id: EventId::new(),
            period_start: start,
            period_end: end,
            value: MeasurementValue::Value(value),
            plotted: value,
            note: String::new(),
            corrected: false,
        }
    }

    #[test]
    fn a_period_that_has_a_value_or_has_not_begun_is_warned_of() {
        let weeks = [
            point(date!(2026 - 11 - 23), date!(2026 - 11 - 29), 40.0),
            point(date!(2026 - 11 - 30), date!(2026 - 12 - 06), 42.5),
        ];
        let today = date!(2026 - 12 - 06);
        // A new week: nothing to say.
        assert_eq!(
            measurement_warnings(
                &weeks,
                date!(2026 - 12 - 07),
                date!(2026 - 12 - 13),
                date!(2026 - 12 - 07)
            ),
            vec![]
        );
        // The same week again, and a period overlapping it.
        for (start, end) in [
            (date!(2026 - 11 - 30), date!(2026 - 12 - 06)),
            (date!(2026 - 12 - 01), date!(2026 - 12 - 01)),
        ] {
            let w = measurement_warnings(&weeks, start, end, today);
            assert_eq!(w.len(), 1);
            assert_eq!(w[0].code(), "second-value");
            assert_eq!(w[0].existing(), Some(weeks[1].id));
            assert!(
                w[0].message().contains("2026-11-30 to 2026-12-06: 42.5"),
                "{}",
                w[0].message()
            );
        }
        // A period after today, which has no value yet.
        let w = measurement_warnings(&weeks, date!(2026 - 12 - 14), date!(2026 - 12 - 20), today);
        assert_eq!(
            w.iter().map(|w| w.code()).collect::<Vec<_>>(),
            ["future-period"]
        );
        assert!(
            w[0].message()
                .contains("2026-12-14, after today (2026-12-06)")
        );
        // Today's own period is not the future.
        assert!(measurement_warnings(&[], today, today, today).is_empty());
    }
}
