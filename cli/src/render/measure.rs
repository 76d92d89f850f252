//! A measure as the terminal shows it: its values, Making Data Count's variation and
//! assurance icons in words, and every signal of both charts from the client core's one
//! list, so the terminal says what the server and the phone say.

use super::Output;
use anyhow::Result;
use praxis_core::domain::charts::icons::Icons;
use praxis_core::domain::measure_chart::MeasureChart;
use std::fmt::Write;

/// `praxis measure show`: the series, then what the charts see in it.
pub fn measure(chart: &MeasureChart) -> Result<Output> {
    let shown = super::series(&chart.series)?;
    let mut t = shown.text;
    t.push('\n');
    reading(&mut t, chart);
    let mut json = shown.json;
    if let Some(object) = json.as_object_mut() {
        object.insert("signals".into(), serde_json::to_value(chart.signals())?);
        object.insert(
            "icons".into(),
            serde_json::to_value(chart.xmr.as_ref().map(|x| &x.icons))?,
        );
    }
    Ok(Output::new(json, t.trim_end().to_string()))
}

/// The icons, the signals with their sentences, any proposal and the warnings.
fn reading(t: &mut String, chart: &MeasureChart) {
    if let Some(problem) = &chart.problem {
        let _ = writeln!(t, "\n{problem}");
        return;
    }
    if let Some(xmr) = &chart.xmr {
        t.push('\n');
        icons(t, &xmr.icons);
    }
    if let Some(run) = chart.run_chart.as_ref().and_then(|r| r.stretches.first()) {
        let settings = &chart.series.baseline_settings;
        let _ = writeln!(
            t,
            "\nRun chart median: {}, resting on the first {} points{}.",
            praxis_core::domain::prediction_check::number(run.median),
            run.baseline_points,
            match (chart.series.baseline_points(), settings.len()) {
                (Some(_), _) => " (as set for this measure)".to_string(),
                (None, n) if n > 1 => format!(
                    " (baselines of {} points were set without seeing each other: `praxis measure baseline` settles it)",
                    settings
                        .iter()
                        .map(|(_, p)| p.to_string())
                        .collect::<Vec<_>>()
                        .join(" and ")
                ),
                _ => " (the usual number)".to_string(),
            }
        );
    }
    let signals = chart.signals();
    if signals.is_empty() {
        t.push_str("\nNo signals: the variation looks like chance alone.\n");
    } else {
        t.push_str("\nSignals:\n");
        for s in &signals {
            let _ = writeln!(t, "  {}: {}", s.label(), s.signal.explanation);
        }
    }
    if let Some(p) = chart.xmr.as_ref().and_then(|x| x.proposal.as_ref()) {
        let _ = writeln!(t, "\n{}", p.explanation);
    }
    if let Some(a) = chart.xmr.as_ref().and_then(|x| x.assurance.as_ref()) {
        let _ = writeln!(t, "\nTarget: {}", a.explanation);
    }
    let warnings = chart
        .run_chart
        .iter()
        .flat_map(|r| r.warnings.iter())
        .chain(chart.xmr.iter().flat_map(|x| x.warnings.iter()));
    for w in warnings {
        let _ = writeln!(t, "Note: {}", w.message);
    }
}

fn icons(t: &mut String, icons: &Icons) {
    if let Some(v) = &icons.variation {
        let _ = writeln!(t, "Variation: {}. {}", v.label, v.words);
    }
    if let Some(a) = &icons.assurance {
        let _ = writeln!(t, "Assurance: {}. {}", a.label, a.words);
    }
    if icons.variation.is_none() {
        for n in &icons.notes {
            let _ = writeln!(t, "{n}");
        }
    }
}

/// The overview's lines under a measure: its icons and what it shows now (the signals at
/// its latest point and those about the chart as a whole).
pub(super) fn now(t: &mut String, chart: &MeasureChart) {
    let Some(xmr) = &chart.xmr else {
        return;
    };
    let mut badges: Vec<String> = Vec::new();
    if let Some(v) = &xmr.icons.variation {
        badges.push(v.label.clone());
    }
    if let Some(a) = &xmr.icons.assurance {
        badges.push(a.label.clone());
    }
    if !badges.is_empty()
        && (xmr.icons.variation.as_ref().is_some_and(|v| v.provisional)
            || xmr.icons.assurance.as_ref().is_some_and(|a| a.provisional))
    {
        badges.push("provisional".into());
    }
    if !badges.is_empty() {
        let _ = writeln!(t, "      {}", badges.join("; "));
    }
    let Some(latest) = chart.series.points.len().checked_sub(1) else {
        return;
    };
    let now: Vec<String> = chart
        .signals()
        .iter()
        .filter(|s| s.about(latest))
        .map(|s| s.label())
        .collect();
    if !now.is_empty() {
        let _ = writeln!(t, "      signals now: {}", now.join(", "));
    }
}

/// What the overview's JSON adds for each measure: its icons and every signal.
pub(super) fn overview_json(charts: &[MeasureChart]) -> Result<serde_json::Value> {
    let lines: Vec<serde_json::Value> = charts
        .iter()
        .map(|c| {
            Ok(serde_json::json!({
                "measure": c.series.id,
                "icons": serde_json::to_value(c.xmr.as_ref().map(|x| &x.icons))?,
                "signals": serde_json::to_value(c.signals())?,
            }))
        })
        .collect::<Result<_>>()?;
    Ok(serde_json::Value::Array(lines))
}
