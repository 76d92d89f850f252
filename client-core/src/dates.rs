//! Days, months and instants as Praxis writes and reads them, in one place: a day is
//! ISO 8601 (`2026-03-10`), a month is its first day or `2026-03`, and an instant is
//! RFC 3339 in UTC (`2026-03-10T17:40:00Z`), kept as milliseconds since the epoch.
//! No I/O except `today`, which reads the clock.

use time::format_description::BorrowedFormatItem;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

/// The ISO day: `2026-03-10`.
pub const DAY: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// A text that is not the day, month or instant it was meant to be.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("'{0}' is not a date: give it as year, month and day, such as 2026-03-10.")]
    Day(String),
    #[error("'{0}' is not a month: give it as year and month, such as 2026-05.")]
    Month(String),
    #[error(
        "'{0}' is not a date or a time: give a date (2026-03-10) or a date and time (2026-03-10T17:40:00Z)."
    )]
    Instant(String),
    #[error("{0} milliseconds since 1970 is not a moment Praxis can show.")]
    OutOfRange(i64),
}

/// Parses an ISO day (`2026-03-10`), ignoring surrounding spaces.
pub fn parse_day(text: &str) -> Result<Date, DateError> {
    Date::parse(text.trim(), DAY).map_err(|_| DateError::Day(text.to_string()))
}

/// Parses a month, `2026-05` (what a month input sends) or any day in it, as the
/// month's first day.
pub fn parse_month(text: &str) -> Result<Date, DateError> {
    let t = text.trim();
    let day = if t.len() == 7 {
        Date::parse(&format!("{t}-01"), DAY).ok()
    } else {
        Date::parse(t, DAY).ok()
    };
    day.and_then(|d| d.replace_day(1).ok())
        .ok_or_else(|| DateError::Month(text.to_string()))
}

/// Writes a day as ISO 8601: `2026-03-10`.
pub fn format_day(day: Date) -> String {
    day.format(DAY).unwrap_or_else(|_| {
        format!(
            "{:04}-{:02}-{:02}",
            day.year(),
            day.month() as u8,
            day.day()
        )
    })
}

/// Which end of a day a bare date stands for, when an instant is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayEnd {
    /// Its first millisecond (for the start of a range).
    Start,
    /// Its last millisecond (for the end of a range, or "as it stood on that day").
    End,
}

/// Parses an instant: an RFC 3339 date and time, or a day standing for its first or
/// last millisecond (UTC). Milliseconds since the epoch.
pub fn parse_instant(text: &str, bare_day: DayEnd) -> Result<i64, DateError> {
    let t = text.trim();
    if let Ok(instant) = OffsetDateTime::parse(t, &Rfc3339) {
        return Ok(millis_of(instant));
    }
    let day = Date::parse(t, DAY).map_err(|_| DateError::Instant(text.to_string()))?;
    let at = match bare_day {
        DayEnd::Start => day.midnight(),
        DayEnd::End => day
            .with_hms_milli(23, 59, 59, 999)
            .map_err(|_| DateError::Instant(text.to_string()))?,
    };
    Ok(millis_of(at.assume_utc()))
}

fn millis_of(instant: OffsetDateTime) -> i64 {
    (instant.unix_timestamp_nanos() / 1_000_000) as i64
}

/// The instant `millis` (since the epoch).
pub fn instant(millis: i64) -> Result<OffsetDateTime, DateError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .map_err(|_| DateError::OutOfRange(millis))
}

/// Writes an instant (milliseconds since the epoch) as RFC 3339 in UTC. One out of
/// range is written as the epoch, so a corrupt time never stops a page.
pub fn timestamp(millis: i64) -> String {
    instant(millis)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Today in UTC, by this machine's clock.
pub fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_day_reads_back_as_it_was_written() {
        let day = date!(2026 - 03 - 09);
        assert_eq!(format_day(day), "2026-03-09");
        assert_eq!(parse_day(" 2026-03-09 "), Ok(day));
        assert_eq!(parse_day("9 March"), Err(DateError::Day("9 March".into())));
    }

    #[test]
    fn a_month_is_its_first_day() {
        assert_eq!(parse_month("2026-05"), Ok(date!(2026 - 05 - 01)));
        assert_eq!(parse_month("2026-05-17"), Ok(date!(2026 - 05 - 01)));
        assert!(parse_month("2026-13").is_err());
        assert!(parse_month("May").is_err());
    }

    #[test]
    fn a_bare_day_stands_for_its_first_or_last_millisecond() {
        let start = parse_instant("2026-03-10", DayEnd::Start).unwrap_or_default();
        let end = parse_instant("2026-03-10", DayEnd::End).unwrap_or_default();
        assert_eq!(end - start, 86_400_000 - 1);
        assert_eq!(timestamp(start), "2026-03-10T00:00:00Z");
        let exact = parse_instant("2026-03-10T17:40:00Z", DayEnd::End).unwrap_or_default();
        assert_eq!(timestamp(exact), "2026-03-10T17:40:00Z");
        assert!(parse_instant("yesterday", DayEnd::Start).is_err());
    }
}
