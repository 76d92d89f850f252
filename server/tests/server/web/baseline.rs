//! A measure's run chart baseline set from the measure page: the median rests on the
//! points the team chose, a refused number comes back as typed, and someone who only
//! reads the team's work is not offered the form.

use super::*;

#[test]
fn the_team_sets_how_many_points_a_measures_median_rests_on() {
    let demo = demo();
    let s = storage(&demo.data);
    let (_, north, _) = streams(&s);
    let measure = measure_named(&s, north, "Plans agreed with the person");
    let usual = s.measure_chart(measure, &[]).unwrap().unwrap();
    // The first median runs to the adopted guide, before its twelfth point.
    let first = usual.run_chart.unwrap().stretches[0].clone();
    assert_eq!(first.baseline_points, first.end.min(12));
    assert!(first.end > 6, "{first:?}");
    drop(s);

    let mut practitioner = Web::sign_in(&demo.server.url, "amira.hassan");
    let page = practitioner.get(&format!("/measures/{measure}")).body;
    assert!(page.contains("data-baseline=\"12\""), "{page}");
    assert!(page.contains("the usual number"));
    assert!(page.contains("Median frozen after its first 12 points"));
    let csrf = practitioner.csrf();
    let path = format!("/measures/{measure}/baseline");

    let refused = practitioner.post(&path, &[("csrf", &csrf), ("points", "3")]);
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    assert!(
        refused.body.contains("must rest on 6 to 104 points"),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("value=\"3\""),
        "the typed number is kept"
    );
    let unreadable = practitioner.post(&path, &[("csrf", &csrf), ("points", "eight")]);
    assert_eq!(unreadable.status, StatusCode::BAD_REQUEST);
    assert!(
        unreadable
            .body
            .contains("'eight' is not a number of points")
    );
    assert!(unreadable.body.contains("value=\"eight\""));

    let set = practitioner.post(&path, &[("csrf", &csrf), ("points", "8")]);
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    let page = practitioner.get(&format!("/measures/{measure}")).body;
    assert!(page.contains("data-baseline=\"8\""), "{page}");
    assert!(page.contains("as set for this measure"));
    assert!(page.contains("Median frozen after its first 8 points"));
    let chart = storage(&demo.data)
        .measure_chart(measure, &[])
        .unwrap()
        .unwrap();
    let first = &chart.run_chart.unwrap().stretches[0];
    assert_eq!(first.baseline_points, 8);
    // The form names the setting it replaces, so a second setting is not a conflict.
    let setting = chart.series.baseline_settings[0].0.to_string();
    assert!(page.contains(&format!("name=\"replaces\" value=\"{setting}\"")));
    let again = practitioner.post(
        &path,
        &[("csrf", &csrf), ("replaces", &setting), ("points", "7")],
    );
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    let series = storage(&demo.data).measure(measure).unwrap().unwrap();
    assert_eq!(series.baseline_points(), Some(7));
    assert_eq!(series.baseline_settings.len(), 1);

    // A senior manager reads the baseline but may not set it.
    let mut manager = Web::sign_in(&demo.server.url, "grace.mensah");
    let page = manager.get(&format!("/measures/{measure}")).body;
    assert!(page.contains("data-baseline=\"7\""));
    assert!(!page.contains("Set the baseline"));
    let csrf = manager.csrf();
    let refused = manager.post(&path, &[("csrf", &csrf), ("points", "12")]);
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
}
