//! Measures defined, revised, recorded and shown with their chart signals, and the
//! refusals of what a measure or a measurement cannot be.

use crate::session::*;
use crate::steps::*;

/// The measures and measurements both tests start from: days from referral to home
/// (three weekly values), plans with the person's goals (two monthly proportions) and
/// staff sickness (none yet); `day` is the single-day measurement.
struct Measured {
    days: String,
    plans: String,
    day: String,
}

fn measured(p: &Praxis) -> Measured {
    let days = define_days(p);
    let plans = define_plans(p);
    p.save_text(
        "Measure defined",
        &[
            "measure",
            "define",
            "--name",
            "Staff sickness",
            "--kind",
            "balancing",
            "--definition",
            "Days lost",
            "--unit",
            "days",
            "--direction",
            "down",
        ],
    );

    p.save(
        "measurement-recorded",
        &[
            "measure",
            "record",
            short(&days),
            "--from",
            "2026-03-02",
            "--to",
            "2026-03-08",
            "--value",
            "14",
            "--note",
            "baseline",
        ],
    );
    p.save_text(
        "Measurement saved",
        &[
            "measure",
            "record",
            &days,
            "--from",
            "2026-03-09",
            "--to",
            "2026-03-15",
            "--value",
            "12.5",
        ],
    );
    record_ratio(p, &plans, ("2026-03-01", "2026-03-31"), "3", "10");
    record_ratio(p, &plans, ("2026-04-01", "2026-04-30"), "6", "8");
    // A single day when --to is not given.
    let day = record_value(p, &days, ("2026-03-16", None), "11");
    Measured { days, plans, day }
}

#[test]
fn measures_define_revise_record_and_show() {
    let p = Praxis::with_project();
    let overview = p.ok(&["overview"]);
    assert!(
        overview.contains("none yet (`praxis measure define`)"),
        "{overview}"
    );
    let Measured { days, plans, day } = measured(&p);
    let history = p.json(&["history", &day]);
    assert_eq!(
        history["current"]["MeasurementRecorded"]["period_end"],
        "2026-03-16"
    );

    p.save_text(
        "Measure revised",
        &[
            "measure",
            "revise",
            &days,
            "--name",
            "Median days from referral to home",
            "--kind",
            "outcome",
            "--definition",
            "Median over the week of calendar days from referral to home",
            "--unit",
            "days",
            "--direction",
            "down",
            "--target",
            "9",
        ],
    );

    let show = p.ok(&["measure", "show", &days]);
    assert!(
        show.starts_with("Median days from referral to home (outcome measure, lower is better)"),
        "{show}"
    );
    assert!(show.contains("Target: 9"), "{show}");
    assert!(show.contains("Revised 1 times."), "{show}");
    assert!(show.contains("2026-03-02 to 2026-03-08"), "{show}");
    assert!(show.contains("baseline"), "{show}");
    let series = p.json(&["measure", "show", &days]);
    assert_eq!(series["revisions"], 1);
    assert_eq!(series["definition"]["target"], 9.0);
    let points = series["points"].as_array().expect("points");
    assert_eq!(points.len(), 3);
    assert_eq!(points[0]["value"]["Value"], 14.0);
    assert_eq!(points[1]["plotted"], 12.5);
    assert_eq!(points[2]["period_start"], "2026-03-16");

    let show = p.ok(&["measure", "show", short(&plans)]);
    assert!(show.contains("3/10 (30.0%)"), "{show}");
    assert!(show.contains("6/8 (75.0%)"), "{show}");
    let series = p.json(&["measure", "show", &plans]);
    assert_eq!(series["points"][1]["plotted"], 75.0);
    assert_eq!(series["points"][1]["value"]["Ratio"]["denominator"], 8.0);
    assert_eq!(
        series["definition"]["unit"]["Ratio"]["numerator"],
        "plans with the person's goals"
    );

    let overview = p.ok(&["overview"]);
    assert!(
        overview.contains("Median days from referral to home"),
        "{overview}"
    );
    assert!(
        overview.contains("latest 11 for 2026-03-16 (3 points)"),
        "{overview}"
    );
    assert!(
        overview.contains("latest 6/8 (75.0%) for 2026-04-30 (2 points)"),
        "{overview}"
    );
    assert!(overview.contains("Staff sickness"), "{overview}");
    assert!(overview.contains("no data yet"), "{overview}");
    let overview = p.json(&["overview"]);
    let measures = overview["measures"].as_array().expect("measures");
    assert_eq!(measures.len(), 3);
    let line = |id: &str| {
        measures
            .iter()
            .find(|m| m["id"].as_str() == Some(id))
            .unwrap_or_else(|| panic!("measure {id} in the overview"))
            .clone()
    };
    assert_eq!(line(&days)["latest"]["value"]["Value"], 11.0);
    assert_eq!(line(&days)["measurements"], 3);
    assert_eq!(line(&days)["definition"]["kind"], "Outcome");
    assert_eq!(line(&days)["in_conflict"], false);
    assert_eq!(line(&plans)["latest"]["plotted"], 75.0);
    assert_eq!(line(&plans)["latest"]["value"]["Ratio"]["numerator"], 6.0);
}

#[test]
fn measure_refusals_say_what_to_do_and_change_nothing() {
    let p = Praxis::with_project();
    let Measured { days, plans, day } = measured(&p);
    // Refusals.
    p.refused(
        2,
        &[
            "measure",
            "record",
            &plans,
            "--from",
            "2026-05-01",
            "--value",
            "3",
        ],
        &["is a proportion", "Give the numerator and the denominator"],
    );
    p.refused(
        2,
        &[
            "measure",
            "record",
            &days,
            "--from",
            "2026-05-01",
            "--numerator",
            "3",
            "--denominator",
            "4",
        ],
        &["is counted in days", "Give a single value"],
    );
    p.refused(
        2,
        &[
            "measure",
            "record",
            &plans,
            "--from",
            "2026-05-01",
            "--numerator",
            "11",
            "--denominator",
            "10",
        ],
        &["11 out of 10 is not a proportion"],
    );
    p.refused(
        2,
        &[
            "measure",
            "record",
            &plans,
            "--from",
            "2026-05-01",
            "--numerator",
            "1",
            "--denominator",
            "0",
        ],
        &["is not a proportion"],
    );
    // An id in full that is nobody's, and a short one.
    let nobody = "01a20000-0000-7000-8000-00000000beef";
    p.refused(
        2,
        &[
            "measure",
            "record",
            nobody,
            "--from",
            "2026-05-01",
            "--value",
            "3",
        ],
        &["There is no measure 0000beef", "praxis overview"],
    );
    p.refused(
        1,
        &[
            "measure",
            "record",
            "abcd1234",
            "--from",
            "2026-05-01",
            "--value",
            "3",
        ],
        &["Nothing here has the id 'abcd1234'"],
    );
    // A measurement is not a measure.
    p.refused(
        2,
        &[
            "measure",
            "record",
            &day,
            "--from",
            "2026-05-01",
            "--value",
            "3",
        ],
        &["is a record of kind 'measurement-recorded', not a measure"],
    );
    p.refused(
        2,
        &[
            "measure",
            "record",
            &days,
            "--from",
            "2026-05-08",
            "--to",
            "2026-05-01",
            "--value",
            "3",
        ],
        &["The period ends (2026-05-01) before it starts (2026-05-08)"],
    );
    p.refused(
        1,
        &[
            "measure", "record", &days, "--from", "8 May", "--value", "3",
        ],
        &["'8 May' is not a date for --from", "YYYY-MM-DD"],
    );
    p.refused(
        1,
        &["measure", "record", &days, "--from", "2026-05-01"],
        &["Give either --value, or --numerator and --denominator"],
    );
    p.refused(
        1,
        &[
            "measure",
            "define",
            "--name",
            "N",
            "--kind",
            "process",
            "--definition",
            "d",
            "--direction",
            "up",
        ],
        &["Give either --unit", "--numerator and --denominator"],
    );
    p.refused(
        2,
        &[
            "measure",
            "define",
            "--name",
            "N",
            "--kind",
            "process",
            "--definition",
            " ",
            "--unit",
            "u",
            "--direction",
            "up",
        ],
        &["operational definition is missing"],
    );
    p.refused(
        1,
        &["measure", "show", &day],
        &["is not a measure", "praxis overview"],
    );
}

/// Twenty weeks of days from referral to home: twelve about 20, then eight about 12.
const DAYS: [&str; 20] = [
    "20", "22", "19", "21", "20", "23", "19", "21", "22", "20", "21", "19", "12", "11", "13", "12",
    "11", "12", "13", "11",
];

#[test]
fn measure_show_and_overview_give_the_signals_the_phone_gives() {
    let p = Praxis::with_project();
    let days = define_days(&p);
    let monday = time::macros::date!(2026 - 01 - 05);
    for (i, value) in DAYS.iter().enumerate() {
        let start = monday + time::Duration::weeks(i as i64);
        let end = (start + time::Duration::days(6)).to_string();
        record_value(&p, &days, (&start.to_string(), Some(&end)), value);
    }

    let show = p.ok(&["measure", "show", &days]);
    let json = p.json(&["measure", "show", &days]);
    let labels: Vec<String> = json["signals"]
        .as_array()
        .expect("signals")
        .iter()
        .map(|s| {
            let rule = &s["signal"];
            assert!(
                rule["explanation"]
                    .as_str()
                    .is_some_and(|e| show.contains(e)),
                "{s}"
            );
            s["signal"]["points"].to_string()
        })
        .collect();
    assert!(!labels.is_empty());
    assert!(show.contains("Variation: Improving (low)."), "{show}");
    assert!(show.contains("Assurance: Target"), "{show}");
    assert!(
        show.contains("unusually long run (improvement) on the run chart: "),
        "{show}"
    );
    assert!(
        !show.contains("SevenOnOneSide") && !show.contains("LongRun"),
        "{show}"
    );

    // The phone API over the same store lists the same signals, in the same words.
    let key = std::fs::read_to_string(format!("{}.key", p.store.display())).unwrap();
    let key = praxis_core::store::StoreKey::from_hex(&key).unwrap();
    let phone = praxis_mobile::PraxisStore::open_with_key(&p.store, &key).unwrap();
    let shown = phone.measure(days.clone(), 0).unwrap();
    drop(phone);
    let in_text: Vec<&str> = show
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .filter(|l| l.contains(" chart: "))
        .collect();
    let from_phone: Vec<String> = shown
        .signals
        .iter()
        .map(|s| format!("{}: {}", s.label, s.explanation))
        .collect();
    assert_eq!(in_text, from_phone);
    let points: Vec<String> = shown
        .signals
        .iter()
        .map(|s| serde_json::to_string(&s.points).unwrap())
        .collect();
    assert_eq!(labels, points);

    // The overview shows each measure's icons and what it shows at its latest point.
    let overview = p.ok(&["overview"]);
    assert!(overview.contains("Improving (low)"), "{overview}");
    let now: Vec<&str> = shown
        .signals
        .iter()
        .filter(|s| s.points.is_empty() || s.points.contains(&19))
        .map(|s| s.label.as_str())
        .collect();
    assert!(!now.is_empty());
    assert!(
        overview.contains(&format!("signals now: {}", now.join(", "))),
        "{overview}"
    );
    let json = p.json(&["overview"]);
    assert_eq!(
        json["measure_charts"][0]["signals"]
            .as_array()
            .map(Vec::len),
        Some(shown.signals.len())
    );
}

/// A second value for a week that has one, or a week not yet begun, is not recorded
/// until the person says why; the warning says how to replace the value instead.
#[test]
fn a_second_value_or_a_future_period_needs_a_reason() {
    let p = Praxis::with_project();
    let Measured { days, .. } = measured(&p);
    let again = [
        "measure",
        "record",
        &days,
        "--from",
        "2026-03-09",
        "--to",
        "2026-03-15",
        "--value",
        "13",
    ];
    let told = p.refused(
        2,
        &again,
        &[
            "already has a value for 2026-03-09 to 2026-03-15: 12.5",
            "praxis correct ",
            "--anyway",
        ],
    );
    assert!(!told.contains("after today"), "{told}");
    let ahead = (praxis_core::dates::today() + time::Duration::days(400)).to_string();
    p.refused(
        2,
        &["measure", "record", &days, "--from", &ahead, "--value", "9"],
        &["after today", "--anyway"],
    );
    // An empty reason is no reason.
    let mut empty = again.to_vec();
    empty.extend(["--anyway", " "]);
    p.refused(2, &empty, &["already has a value"]);
    // With a reason it is recorded, the reason kept in its note.
    let mut kept = again.to_vec();
    kept.extend([
        "--note",
        "duty log",
        "--anyway",
        "A second count from the duty log",
    ]);
    p.save_text("Measurement saved", &kept);
    let show = p.ok(&["measure", "show", &days]);
    assert!(
        show.contains("duty log (A second count from the duty log)"),
        "{show}"
    );
}

#[test]
fn a_measures_baseline_is_set_and_shown() {
    let p = Praxis::with_project();
    let days = define_days(&p);
    for (week, value) in [14, 15, 13, 16, 15, 14, 9, 8, 9, 8, 7, 8, 9, 8]
        .iter()
        .enumerate()
    {
        let from = time::macros::date!(2026 - 01 - 12) + time::Duration::weeks(week as i64);
        let to = from + time::Duration::days(6);
        record_value(
            &p,
            &days,
            (&from.to_string(), Some(&to.to_string())),
            &value.to_string(),
        );
    }
    let usual = p.ok(&["measure", "show", short(&days)]);
    assert!(
        usual.contains("Run chart median: 11, resting on the first 12 points (the usual number)."),
        "{usual}"
    );
    p.save_text(
        "Baseline set: the median rests on the first 6 points",
        &["measure", "baseline", short(&days), "--points", "6"],
    );
    let set = p.ok(&["measure", "show", short(&days)]);
    assert!(
        set.contains(
            "Run chart median: 14.5, resting on the first 6 points (as set for this measure)."
        ),
        "{set}"
    );
    let json = p.json(&["measure", "show", short(&days)]);
    assert_eq!(json["baseline_settings"][0][1], 6, "{json}");
    p.refused(
        2,
        &["measure", "baseline", short(&days), "--points", "200"],
        &["must rest on 6 to 104 points"],
    );
}
