//! Steps several terminal tests take: the arguments of a charter, a plan or a report,
//! the measures and change package items a test starts from, and events as import lines.

use crate::session::*;
use praxis_core::domain::event::*;
use time::macros::date;

pub(crate) fn charter<'a>(how_much: &'a str, by_when: &'a str) -> Vec<&'a str> {
    vec![
        "charter",
        "--what",
        "people return home after a hospital stay",
        "--for-whom",
        "people over 85",
        "--where",
        "the borough",
        "--how-much",
        how_much,
        "--by-when",
        by_when,
        "--senior-leader",
        "Director of adult services",
        "--day-to-day-lead",
        "Team manager",
        "--member",
        "Ann",
        "--member",
        "Bob",
    ]
}

pub(crate) fn define_days(p: &Praxis) -> String {
    p.save(
        "measure-defined",
        &[
            "measure",
            "define",
            "--name",
            "Days from referral to home",
            "--kind",
            "outcome",
            "--definition",
            "Calendar days from the referral to the day the person is home",
            "--unit",
            "days",
            "--direction",
            "down",
            "--target",
            "10",
        ],
    )
}

pub(crate) fn define_plans(p: &Praxis) -> String {
    p.save(
        "measure-defined",
        &[
            "measure",
            "define",
            "--name",
            "Support plans with own goals",
            "--kind",
            "process",
            "--definition",
            "Plans written this month that state the person's goals in their words",
            "--numerator",
            "plans with the person's goals",
            "--denominator",
            "plans written",
            "--direction",
            "up",
            "--frequency",
            "monthly",
        ],
    )
}

/// Records `numerator` of `denominator` for the ratio measure `measure` over the
/// period `from` to `to`; returns the measurement's id.
pub(crate) fn record_ratio(
    p: &Praxis,
    measure: &str,
    (from, to): (&str, &str),
    numerator: &str,
    denominator: &str,
) -> String {
    p.save(
        "measurement-recorded",
        &[
            "measure",
            "record",
            measure,
            "--from",
            from,
            "--to",
            to,
            "--numerator",
            numerator,
            "--denominator",
            denominator,
        ],
    )
}

/// Records `value` for the measure `measure` over `from` to `to` (or the one day
/// `from` when `to` is not given); returns the measurement's id.
pub(crate) fn record_value(
    p: &Praxis,
    measure: &str,
    (from, to): (&str, Option<&str>),
    value: &str,
) -> String {
    let mut args = vec!["measure", "record", measure, "--from", from];
    if let Some(to) = to {
        args.extend(["--to", to]);
    }
    args.extend(["--value", value]);
    p.save("measurement-recorded", &args)
}

pub(crate) fn plan_args<'a>(objective: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "cycle",
        "plan",
        "--objective",
        objective,
        "--question",
        "Will the person take part in the conversation?",
        "--prediction",
        "Yes, for about 20 minutes",
        "--reason",
        "They asked to talk about going out alone",
        "--who",
        "Ann",
        "--what",
        "A risk conversation at the first visit",
        "--where",
        "The person's home",
        "--when",
        "2026-03-10",
        "--data",
        "Minutes of conversation; the person's own words",
    ];
    args.extend_from_slice(extra);
    args
}

pub(crate) fn package_item(p: &Praxis) -> String {
    p.save(
        "change-package-item-added",
        &[
            "collaborative",
            "package-item",
            "--title",
            "Positive risk-taking",
            "--research",
            "SCIE knowledge review",
        ],
    )
}

pub(crate) fn report_args(month: &str, score: &str) -> Vec<String> {
    [
        "report",
        "submit",
        "--month",
        month,
        "--measures",
        "Days to home down from 14 to 12",
        "--cycles",
        "Three cycles on one ramp",
        "--learning",
        "People want to talk about risk",
        "--barriers",
        "Cover for sickness",
        "--plans",
        "Spread to Eastside",
        "--self-score",
        score,
    ]
    .map(String::from)
    .to_vec()
}

pub(crate) fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

pub(crate) fn line(event: &Event) -> String {
    serde_json::to_string(event).expect("an event in JSON")
}

pub(crate) fn observation(text: &str, subject: Option<&str>) -> Event {
    Event::ObservationRecorded(Observation {
        kind: ObservationKind::Observation,
        cycle: None,
        subject: subject.map(String::from),
        observed_on: date!(2026 - 03 - 12),
        text: text.to_string(),
    })
}
