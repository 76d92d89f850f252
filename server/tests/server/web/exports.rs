//! CSV exports and the printable collaborative report.

use super::*;
use praxis_core::domain::measure_chart::ChartKind;

#[test]
fn csv_exports_read_back_as_the_views_they_come_from() {
    let demo = demo();
    let s = storage(&demo.data);
    let (collaborative, north, south) = streams(&s);
    let measure = first_measure(&s, north);
    let sam = person(&s, "sam.okafor");
    let chart = s.measure_chart(measure, &[5]).unwrap().unwrap();
    let details = [
        s.project_detail(north).unwrap(),
        s.project_detail(south).unwrap(),
    ];
    let people = s.people().unwrap();
    let cycle_views: Vec<_> = details[0]
        .overview
        .cycles_by_stage
        .values()
        .flatten()
        .map(|c| s.cycle(c.id).unwrap().unwrap())
        .collect();
    drop(s);
    let mut web = Web::sign_in(&demo.server.url, "sam.okafor");

    // Every export is UTF-8 with a byte-order mark, for spreadsheets.
    let csv_rows = |text: &str| -> Vec<csv::StringRecord> {
        let text = text
            .strip_prefix('\u{feff}')
            .expect("a byte-order mark first");
        csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap())
            .collect()
    };
    let today = praxis_core::dates::today().to_string();
    let page = web.get(&format!("/measures/{measure}/data.csv?from=5"));
    assert_eq!(page.status, StatusCode::OK);
    let name = chart
        .series
        .definition
        .as_ref()
        .unwrap()
        .name
        .to_lowercase();
    let slug: String = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    assert_eq!(
        page.disposition.as_deref(),
        Some(format!("attachment; filename=\"{slug}-{today}.csv\"").as_str()),
        "a file name a person can read"
    );
    let rows = csv_rows(&page.body);
    // Computed values are rounded to two places.
    let close = |cell: &str, value: f64| {
        let read: f64 = cell.parse().unwrap();
        assert!((read - value).abs() <= 0.005, "{cell} for {value}");
        assert!(
            cell.split('.').nth(1).is_none_or(|d| d.len() <= 2),
            "{cell} is rounded"
        );
    };
    assert_eq!(rows.len(), chart.series.points.len());
    let signals = chart.signals();
    let mut chart_wide_seen = 0;
    for (i, (row, point)) in rows.iter().zip(&chart.series.points).enumerate() {
        assert_eq!(row[0], point.period_start.to_string());
        close(&row[2], point.plotted);
        // Each column lists, in words, the signals the one list of signals has there.
        let expected = |kind: Option<ChartKind>| {
            signals
                .iter()
                .filter(|s| s.about(i))
                .filter(|s| match kind {
                    Some(k) => s.chart == k && !s.chart_wide(),
                    None => s.chart_wide(),
                })
                .map(|s| match kind {
                    Some(_) => s.signal.label(),
                    None => s.label(),
                })
                .collect::<Vec<_>>()
        };
        let listed = |cell: &str| -> Vec<String> {
            if cell.is_empty() {
                Vec::new()
            } else {
                cell.split("; ").map(String::from).collect()
            }
        };
        assert_eq!(
            listed(&row[7]),
            expected(Some(ChartKind::Run)),
            "run chart signals at point {i}"
        );
        assert_eq!(
            listed(&row[8]),
            expected(Some(ChartKind::Xmr)),
            "XmR signals at point {i}"
        );
        assert_eq!(
            listed(&row[12]),
            expected(None),
            "chart-wide signals at point {i}"
        );
        chart_wide_seen += listed(&row[12]).len();
        for cell in [&row[7], &row[8], &row[12]] {
            assert!(
                !cell.contains("SevenOnOneSide")
                    && !cell.contains("TwoOfThree")
                    && !cell.contains("Shift"),
                "words, not internal names: {cell}"
            );
        }
        let xmr = chart.xmr.as_ref().unwrap();
        let phase = xmr.phases.iter().find(|p| p.points().contains(&i)).unwrap();
        close(&row[9], phase.mean);
        let run = chart.run_chart.as_ref().unwrap();
        let stretch = run
            .stretches
            .iter()
            .find(|s| s.start <= i && i < s.end)
            .unwrap();
        close(&row[13], stretch.median);
    }
    // Anhøj's signals reach the CSV: every chart-wide signal is on the rows it is about,
    // and an unusually long run on its own points.
    let about_chart: usize = signals
        .iter()
        .filter(|s| s.chart_wide())
        .map(|s| s.covers.1 + 1 - s.covers.0)
        .sum();
    assert_eq!(chart_wide_seen, about_chart);

    let page = web.get(&format!("/collaboratives/{collaborative}/reports.csv"));
    assert_eq!(
        page.disposition.as_deref(),
        Some(
            format!("attachment; filename=\"monthly-reports-independence-at-home-{today}.csv\"")
                .as_str()
        )
    );
    let reports = csv_rows(&page.body);
    let expected: Vec<_> = details.iter().flat_map(|d| d.reports.iter()).collect();
    assert_eq!(reports.len(), expected.len());
    assert!(!expected.is_empty());
    for r in &expected {
        let row = reports
            .iter()
            .find(|row| row[1] == r.id.to_string())
            .unwrap();
        assert_eq!(row[2], r.report.month.to_string());
        assert_eq!(row[3], r.report.self_score.to_string());
        assert_eq!(
            row[4],
            r.scores
                .last()
                .map(|x| x.score.to_string())
                .unwrap_or_default()
        );
        assert_eq!(row[8], r.report.learning);
        // Who submitted it and who scored it, by name.
        let name = |id| people.iter().find(|p| p.id == id).unwrap().name.clone();
        assert_eq!(row[11], name(r.by));
        // When each was recorded, and the level the evidence suggested with each.
        assert_eq!(row[12], r.on.wall_time().date().to_string());
        let level = |s: Option<&praxis_core::domain::event::ScoreSuggestion>| {
            s.map(|s| s.level.to_string()).unwrap_or_default()
        };
        assert_eq!(row[13], level(r.suggested.as_ref()));
        assert!(
            !row[13].is_empty(),
            "the demo's reports carry their suggestion"
        );
        let last = r.scores.last();
        assert_eq!(row[14], last.map(|x| name(x.by)).unwrap_or_default());
        assert_eq!(
            row[15],
            last.map(|x| x.on.wall_time().date().to_string())
                .unwrap_or_default()
        );
        assert_eq!(row[16], level(last.and_then(|x| x.suggested.as_ref())));
    }

    let cycles = csv_rows(&web.get(&format!("/projects/{north}/cycles.csv")).body);
    let lines: Vec<_> = details[0]
        .overview
        .cycles_by_stage
        .values()
        .flatten()
        .collect();
    assert_eq!(cycles.len(), lines.len());
    for c in lines {
        let row = cycles
            .iter()
            .find(|row| row[0] == c.id.to_string())
            .unwrap();
        assert_eq!(row[1], c.objective);
        assert_eq!(&row[2], c.stage.label());
        // The Plan's day and owner, and what the Study learned.
        let view = cycle_views.iter().find(|v| v.id == c.id).unwrap();
        let plan = view.plan.as_ref().unwrap();
        assert_eq!(row[5], plan.when.to_string());
        assert_eq!(row[6], plan.who);
        let learning: Vec<_> = view
            .studies
            .iter()
            .map(|(_, s)| s.learning.clone())
            .collect();
        assert_eq!(row[10], learning.join("; "));
        if let Some((_, done)) = view.dos.last() {
            assert_eq!(row[8], done.carried_out_on.to_string());
        }
    }
    let studied = cycles.iter().filter(|row| !row[10].is_empty()).count();
    assert!(
        studied > 0,
        "the demo's studied cycles carry their learning"
    );
    let _ = sam;
}

#[test]
fn the_collaborative_report_prints_every_team_for_a_month() {
    let demo = demo();
    let s = storage(&demo.data);
    let (collaborative, north, south) = streams(&s);
    let north_detail = s.project_detail(north).unwrap();
    let south_detail = s.project_detail(south).unwrap();
    drop(s);
    let latest = north_detail.reports.last().unwrap();
    let month = latest.report.month.to_string()[..7].to_string();
    let mut web = Web::sign_in(&demo.server.url, "grace.mensah");
    let page = web.get(&format!(
        "/collaboratives/{collaborative}/report?month={month}"
    ));
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("@media print"), "a print stylesheet");
    // Each team's measures with their icons and the words a screen reader says.
    assert!(page.body.contains("Variation and assurance"));
    assert!(page.body.contains("data-icon=") && page.body.contains("role=\"img\" aria-label=\""));
    let team = north_detail.overview.project.as_ref().unwrap().team.clone();
    assert!(page.body.contains(&team));
    let escaped = |t: &str| t.replace('\'', "&#39;").replace('&', "&amp;");
    assert!(
        page.body.contains(&latest.report.learning)
            || page.body.contains(&escaped(&latest.report.learning)),
        "the month's report is in it"
    );
    for score in &latest.scores {
        assert!(page.body.contains(&score.score.to_string()));
        // With the level the evidence suggested when it was given.
        let suggested = score.suggested.as_ref().expect("recorded with the score");
        assert!(page.body.contains(&format!(
            "data-recorded-suggestion=\"{}\">(the evidence suggested {};",
            suggested.level, suggested.level
        )));
    }
    // Each measure as a small chart with its legend; the month's cycles; the months
    // each team's report came late; a month back and on, and the PDF of the month.
    assert_eq!(
        page.body.matches("data-chart=\"run-").count(),
        north_detail.overview.measures.len(),
        "a small run chart for every measure"
    );
    assert!(page.body.contains("data-legend="));
    for list in ["Started", "Finished", "Adopted"] {
        assert!(
            page.body.contains(&format!("data-cycles=\"{list}\"")),
            "{list}"
        );
    }
    assert!(page.body.contains("data-late"));
    assert!(page.body.contains("rel=\"prev\"") && page.body.contains("rel=\"next\""));
    assert!(page.body.contains(&format!("/report.pdf?month={month}")));
    // Decisions of the month only, each with its date, its decider and what it rests on.
    let decided_in = |d: &praxis_core::domain::views::DecisionLine| {
        d.on.wall_time().date().to_string()[..7].to_string()
    };
    let this_month = praxis_core::dates::today().to_string()[..7].to_string();
    let decisions_now = web.get(&format!(
        "/collaboratives/{collaborative}/report?month={this_month}"
    ));
    assert!(!north_detail.decisions.is_empty(), "the demo has decisions");
    for d in &north_detail.decisions {
        let shown = decisions_now
            .body
            .contains(&format!("data-decision=\"{}\"", d.id));
        assert_eq!(shown, decided_in(d) == this_month, "{}", d.decision);
        if shown {
            assert!(
                decisions_now
                    .body
                    .contains(&format!("datetime=\"{}\"", d.on.wall_time().date()))
            );
            if let Some(r) = north_detail
                .reports
                .iter()
                .find(|r| d.rests_on.contains(&r.id))
            {
                assert!(decisions_now.body.contains(&format!(
                    "the report for {}",
                    praxis_core::domain::dashboard::month_text(r.report.month)
                )));
            }
        }
    }
    assert!(
        decisions_now.body.contains("Decided by Grace Mensah"),
        "{}",
        decisions_now.body
    );
    // A senior manager of Northside sees only Northside.
    let other = south_detail.overview.project.as_ref().unwrap().team.clone();
    assert!(!page.body.contains(&other));

    // The coordinator's report has both teams; a month that is not one is refused.
    let mut coordinator = Web::sign_in(&demo.server.url, "sam.okafor");
    let all = coordinator.get(&format!(
        "/collaboratives/{collaborative}/report?month={month}"
    ));
    assert!(all.body.contains(&team) && all.body.contains(&other));
    let bad = coordinator.get(&format!("/collaboratives/{collaborative}/report?month=May"));
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("such as month=2026-05"));
    // The dashboard says where the collaborative is in its calendar.
    let dashboard = coordinator.get(&format!("/collaboratives/{collaborative}"));
    assert!(dashboard.body.contains("Where we are:"));
    assert!(
        dashboard.body.contains("Action Period 2"),
        "the demo is seeded in Action Period 2"
    );
}

/// A cell that a spreadsheet would run as a formula is exported as text; numbers,
/// negative ones included, stay numbers.
#[test]
fn csv_cells_that_look_like_formulas_are_exported_as_text() {
    let demo = demo();
    let s = storage(&demo.data);
    let (_, north, _) = streams(&s);
    let sam = person(&s, "sam.okafor");
    let plan = praxis_testkit::records::plan("=HYPERLINK(\"http://evil.example\",\"Open\")");
    s.record_for(sam, north, vec![plan]).unwrap();
    drop(s);
    let mut web = Web::sign_in(&demo.server.url, "sam.okafor");
    let page = web.get(&format!("/projects/{north}/cycles.csv"));
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("'=HYPERLINK("),
        "the formula is neutralised: {}",
        page.body
    );
    assert!(!page.body.contains(",=HYPERLINK("), "{}", page.body);
}
