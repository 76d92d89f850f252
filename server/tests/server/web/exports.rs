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
    drop(s);
    let mut web = Web::sign_in(&demo.server.url, "sam.okafor");

    let csv_rows = |text: &str| -> Vec<csv::StringRecord> {
        csv::Reader::from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap())
            .collect()
    };
    let page = web.get(&format!("/measures/{measure}/data.csv?from=5"));
    assert_eq!(page.status, StatusCode::OK);
    let rows = csv_rows(&page.body);
    assert_eq!(rows.len(), chart.series.points.len());
    let signals = chart.signals();
    let mut chart_wide_seen = 0;
    for (i, (row, point)) in rows.iter().zip(&chart.series.points).enumerate() {
        assert_eq!(row[0], point.period_start.to_string());
        assert_eq!(row[2].parse::<f64>().unwrap(), point.plotted);
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
        assert_eq!(row[9].parse::<f64>().unwrap(), phase.mean);
        let run = chart.run_chart.as_ref().unwrap();
        let stretch = run
            .stretches
            .iter()
            .find(|s| s.start <= i && i < s.end)
            .unwrap();
        assert_eq!(row[13].parse::<f64>().unwrap(), stretch.median);
    }
    // Anhøj's signals reach the CSV: every chart-wide signal is on the rows it is about,
    // and an unusually long run on its own points.
    let about_chart: usize = signals
        .iter()
        .filter(|s| s.chart_wide())
        .map(|s| s.covers.1 + 1 - s.covers.0)
        .sum();
    assert_eq!(chart_wide_seen, about_chart);

    let reports = csv_rows(
        &web.get(&format!("/collaboratives/{collaborative}/reports.csv"))
            .body,
    );
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
    }
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
    }
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
