//! Dates and times as people read them: in the collaboratives' time zone (one per
//! server, `praxis-server serve --time-zone`, Europe/London unless set), with the
//! day's name and the zone's abbreviation. Everything stored stays in UTC; only the
//! pages speak local time.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// The time zone the pages speak unless the server is told otherwise.
pub const DEFAULT_TIME_ZONE: &str = "Europe/London";

#[derive(Clone, Debug)]
pub struct LocalTime {
    zone: TimeZone,
    name: String,
}

impl Default for LocalTime {
    fn default() -> Self {
        LocalTime::named(DEFAULT_TIME_ZONE).unwrap_or_else(|_| LocalTime {
            zone: TimeZone::UTC,
            name: "UTC".into(),
        })
    }
}

impl LocalTime {
    /// The IANA time zone `name` (such as Europe/London), or what to give instead.
    pub fn named(name: &str) -> Result<LocalTime, String> {
        TimeZone::get(name)
            .map(|zone| LocalTime {
                zone,
                name: name.to_string(),
            })
            .map_err(|_| {
                format!(
                    "'{name}' is not a time zone; give one such as Europe/London or Europe/Dublin (an IANA name)."
                )
            })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Milliseconds since the epoch, as "Tue 3 Mar 2026, 17:40 GMT".
    pub fn text(&self, millis: i64) -> String {
        match Timestamp::from_millisecond(millis) {
            Ok(t) => t
                .to_zoned(self.zone.clone())
                .strftime("%a %-d %b %Y, %H:%M %Z")
                .to_string(),
            Err(_) => format!("{millis} ms after 1970"),
        }
    }

    /// An RFC 3339 time (as the audit answers give them) in local words; text that is
    /// not one stays as it is.
    pub fn text_of(&self, rfc3339: &str) -> String {
        match rfc3339.parse::<Timestamp>() {
            Ok(t) => self.text(t.as_millisecond()),
            Err(_) => rfc3339.to_string(),
        }
    }

    /// The local date of an instant, for pages read "as of" that day.
    pub fn date(&self, millis: i64) -> Option<time::Date> {
        let t = Timestamp::from_millisecond(millis).ok()?;
        let d = t.to_zoned(self.zone.clone()).date();
        let month = time::Month::try_from(u8::try_from(d.month()).ok()?).ok()?;
        time::Date::from_calendar_date(i32::from(d.year()), month, u8::try_from(d.day()).ok()?).ok()
    }

    /// A local date and time such as 2026-03-03T17:40 or 2026-03-03 17:40, or a
    /// date (its first or last millisecond), as milliseconds since the epoch; a time
    /// with an offset or Z is read as given.
    pub fn parse(&self, value: &str, end_of_day: bool) -> Result<i64, String> {
        let value = value.trim();
        if let Ok(t) = value.parse::<Timestamp>() {
            return Ok(t.as_millisecond());
        }
        let local = value.replacen(' ', "T", 1);
        let civil = if let Some(d) = (!local.contains('T'))
            .then(|| value.parse::<jiff::civil::Date>().ok())
            .flatten()
        {
            if end_of_day {
                d.at(23, 59, 59, 999_000_000)
            } else {
                d.at(0, 0, 0, 0)
            }
        } else if let Ok(dt) = local.parse::<jiff::civil::DateTime>() {
            dt
        } else {
            return Err(format!(
                "'{value}' is not a date or time; give one such as 2026-03-03 or 2026-03-03T17:40 ({} time).",
                self.name
            ));
        };
        civil
            .to_zoned(self.zone.clone())
            .map(|z| z.timestamp().as_millisecond())
            .map_err(|e| format!("'{value}' is not a time in {}: {e}", self.name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn london_speaks_gmt_in_winter_and_bst_in_summer() {
        let london = LocalTime::named("Europe/London").unwrap();
        // 2026-01-15T12:00:00Z and 2026-07-15T12:00:00Z.
        assert_eq!(london.text(1_768_478_400_000), "Thu 15 Jan 2026, 12:00 GMT");
        assert_eq!(london.text(1_784_116_800_000), "Wed 15 Jul 2026, 13:00 BST");
        assert_eq!(
            london.parse("2026-07-15T13:00", false),
            Ok(1_784_116_800_000)
        );
        assert_eq!(
            london.parse("2026-07-15", true).map(|m| london.text(m)),
            Ok("Wed 15 Jul 2026, 23:59 BST".to_string())
        );
        assert_eq!(
            london.date(1_784_116_800_000),
            Some(time::macros::date!(2026 - 07 - 15))
        );
        assert!(london.parse("tomorrow", false).is_err());
        assert!(LocalTime::named("Mars/Olympus").is_err());
    }
}
