//! How the charts speak: numbers as words, values as people write them, periods by
//! the measure's frequency, lists of points.

use super::{Reading, Series};
use crate::domain::event::Frequency;
use time::Date;

/// "six", "twelve", "37".
pub(super) fn count(n: usize) -> String {
    const WORDS: [&str; 21] = [
        "no",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    WORDS
        .get(n)
        .map_or_else(|| n.to_string(), |w| w.to_string())
}

/// The sentence with its first letter in capitals.
pub(super) fn sentence(text: String) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

/// A value as a person would write it: whole numbers without decimals, others to a
/// couple of significant decimals ("13.66", "0.00123").
pub(super) fn value(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    if x == 0.0 {
        return "0".to_string();
    }
    if x == x.trunc() && x.abs() < 1e15 {
        return format!("{x:.0}");
    }
    let magnitude = x.abs().log10().floor() as i64;
    let decimals = (2 - magnitude).clamp(2, 12) as usize;
    let text = format!("{x:.decimals$}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// ", here an improvement" / ", here a concern" / "".
pub(super) fn here(reading: Option<Reading>) -> &'static str {
    match reading {
        Some(Reading::Improvement) => ", here an improvement",
        Some(Reading::Concern) => ", here a concern",
        None => "",
    }
}

/// "from point 9 to point 14".
pub(super) fn span(series: &Series, first: usize, last: usize) -> String {
    format!("from {} to {}", series.name(first), series.name(last))
}

/// "point 5 and point 7", "point 5, point 7 and point 8".
pub(super) fn list(series: &Series, points: &[usize]) -> String {
    let names: Vec<&str> = points.iter().map(|&i| series.name(i)).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// A period named the way the team collects it.
pub(super) fn period(start: Date, frequency: Frequency) -> String {
    let day = format!("{} {} {}", start.day(), start.month(), start.year());
    let month = format!("{} {}", start.month(), start.year());
    match frequency {
        Frequency::Daily => day,
        Frequency::Weekly => format!("the week of {day}"),
        Frequency::Fortnightly => format!("the fortnight of {day}"),
        Frequency::Monthly => month,
        Frequency::Quarterly => format!("the quarter from {month}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn values_read_as_people_write_them() {
        assert_eq!(value(17.0), "17");
        assert_eq!(value(13.66), "13.66");
        assert_eq!(value(11.0 + 2.66 * 17.0 / 11.0), "15.11");
        assert_eq!(value(0.001234), "0.00123");
        assert_eq!(value(-2.5), "-2.5");
        assert_eq!(value(-0.0), "0");
        assert_eq!(value(0.1 + 0.2), "0.3");
    }

    #[test]
    fn counts_are_words_up_to_twenty() {
        assert_eq!(count(6), "six");
        assert_eq!(count(20), "twenty");
        assert_eq!(count(37), "37");
        assert_eq!(sentence(count(7)), "Seven");
        assert_eq!(sentence(String::new()), "");
    }

    #[test]
    fn periods_are_named_by_frequency() {
        let d = date!(2025 - 03 - 03);
        assert_eq!(period(d, Frequency::Weekly), "the week of 3 March 2025");
        assert_eq!(period(d, Frequency::Monthly), "March 2025");
        assert_eq!(period(d, Frequency::Daily), "3 March 2025");
        assert_eq!(
            period(d, Frequency::Quarterly),
            "the quarter from March 2025"
        );
    }

    #[test]
    fn lists_join_with_and() {
        let s = Series::numbered(&[1.0, 2.0, 3.0]);
        assert_eq!(list(&s, &[0]), "point 1");
        assert_eq!(list(&s, &[0, 2]), "point 1 and point 3");
        assert_eq!(list(&s, &[0, 1, 2]), "point 1, point 2 and point 3");
    }
}
