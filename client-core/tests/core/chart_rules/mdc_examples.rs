//! Making Data Count as NHSRplotthedots publishes it: the two-of-three rule (and where the
//! Western Electric-like reading differs), the variation and assurance icons of the
//! current phase, the recalculation a sustained shift proposes, and bounded limits.

use super::*;
use praxis_core::domain::charts::icons::{AssuranceIcon, Variation};
use praxis_core::domain::charts::xmr::TwoOfThree;

/// Twelve points of steady variation about 10.75 (moving ranges 1, 0.5, 1, 1.5 ...).
const BASE: [f64; 12] = [
    10., 11., 10.5, 11.5, 10., 11., 10.5, 11.5, 10., 11., 10.5, 11.5,
];

fn with_tail(tail: &[f64]) -> Vec<f64> {
    BASE.iter().chain(tail).copied().collect()
}

/// (what the series shows, values, direction, Making Data Count's flags, Western
/// Electric-like flags)
type Case = (
    &'static str,
    Vec<f64>,
    Direction,
    Vec<Vec<usize>>,
    Vec<Vec<usize>>,
);

fn two_of_three(values: &[f64], variant: TwoOfThree, direction: Direction) -> Vec<Vec<usize>> {
    let mut settings = XmrSettings::new(direction);
    settings.two_of_three = variant;
    xmr::analyse(values, &settings)
        .unwrap()
        .signals
        .into_iter()
        .filter(|s| s.rule == Rule::TwoOfThreeNearLimit)
        .map(|s| s.points)
        .collect()
}

#[test]
fn two_of_three_counts_only_points_between_the_lines_all_three_on_one_side() {
    use TwoOfThree::{MakingDataCount, WesternElectric};
    // (what the series shows, tail after BASE, direction, Making Data Count's flags,
    // the Western Electric-like flags). Limits and 2σ lines as NHSRplotthedots computes
    // them: for the first, mean 11.08, 2σ line 13.04, upper limit 14.02.
    let table: [Case; 6] = [
        (
            "two between the lines above, the third above the mean: both readings flag",
            with_tail(&[13.2, 11.5, 13.2, 11., 10.5, 11.]),
            HigherIsBetter,
            vec![vec![12, 14]],
            vec![vec![12, 14]],
        ),
        (
            "the third point below the mean: not Making Data Count's signal",
            with_tail(&[13.6, 10., 13.6, 11., 10.5, 11.]),
            HigherIsBetter,
            vec![],
            vec![vec![12, 14]],
        ),
        (
            "one of the two beyond the upper limit: that is the outside-limits signal only",
            with_tail(&[13.6, 11.5, 16., 11., 10.5, 11.]),
            HigherIsBetter,
            vec![],
            vec![vec![12, 14]],
        ),
        (
            "two between the lines below, the third below the mean",
            with_tail(&[8.0, 10.0, 7.9, 11., 10.5, 11.]),
            LowerIsBetter,
            vec![vec![12, 14]],
            vec![vec![12, 14]],
        ),
        (
            "the middle point on the mean breaks the window (the existing example)",
            vec![
                10., 10.5, 10., 10.5, 10., 10.5, 10., 10.5, 12., 10.5, 12., 10.5, 10., 10.5, 10.,
            ],
            HigherIsBetter,
            vec![],
            vec![vec![8, 10]],
        ),
        (
            "steady variation: neither reading flags anything",
            BASE.to_vec(),
            HigherIsBetter,
            vec![],
            vec![],
        ),
    ];
    for (what, values, direction, mdc, western) in table {
        assert_eq!(
            two_of_three(&values, MakingDataCount, direction),
            mdc,
            "Making Data Count: {what}"
        );
        assert_eq!(
            two_of_three(&values, WesternElectric, direction),
            western,
            "Western Electric: {what}"
        );
    }
    // Making Data Count's reading is the default.
    assert_eq!(
        XmrSettings::new(HigherIsBetter).two_of_three,
        TwoOfThree::MakingDataCount
    );
    let chart = xmr::analyse(
        &with_tail(&[13.6, 11.5, 16., 11., 10.5, 11.]),
        &XmrSettings::new(HigherIsBetter),
    )
    .unwrap();
    assert_eq!(rules(&chart.signals), vec![(Rule::OutsideLimits, vec![14])]);
    let chart = xmr::analyse(
        &with_tail(&[13.2, 11.5, 13.2, 11., 10.5, 11.]),
        &XmrSettings::new(HigherIsBetter),
    )
    .unwrap();
    assert_eq!(
        chart.signals[0].explanation,
        "Two of three points in a row, point 13 and point 15, are above 13.04, two thirds of \
         the way from the mean to the upper limit and not beyond it, in three points in a row \
         above the mean: a special cause, here an improvement."
    );
}

fn icons_of(
    values: &[f64],
    settings: XmrSettings,
) -> (Option<Variation>, Option<AssuranceIcon>, XmrChart) {
    let chart = xmr::analyse(values, &settings).unwrap();
    (
        chart.icons.variation.as_ref().map(|i| i.kind),
        chart.icons.assurance.as_ref().map(|i| i.kind),
        chart,
    )
}

#[test]
fn the_variation_icon_is_the_kind_of_the_latest_point() {
    // Steady, then seven above the mean at the end: special cause, high.
    let shifted = with_tail(&[12., 12.2, 12.1, 12.3, 12., 12.2, 12.1]);
    let table = [
        (
            "steady",
            BASE.to_vec(),
            HigherIsBetter,
            Variation::CommonCause,
        ),
        (
            "high, higher is better",
            shifted.clone(),
            HigherIsBetter,
            Variation::ImprovingHigh,
        ),
        (
            "high, lower is better",
            shifted.clone(),
            LowerIsBetter,
            Variation::ConcerningHigh,
        ),
        (
            "an outside point, then back to normal: the latest point is common cause",
            with_tail(&[20., 11., 10.5]),
            HigherIsBetter,
            Variation::CommonCause,
        ),
        (
            "low last point, higher is better",
            with_tail(&[10., 11., 2.]),
            HigherIsBetter,
            Variation::ConcerningLow,
        ),
        (
            "low last point, lower is better",
            with_tail(&[10., 11., 2.]),
            LowerIsBetter,
            Variation::ImprovingLow,
        ),
    ];
    for (what, values, direction, expected) in table {
        let (variation, _, chart) = icons_of(&values, XmrSettings::new(direction));
        assert_eq!(variation, Some(expected), "{what}");
        let icon = chart.icons.variation.unwrap();
        assert_eq!(
            icon.words,
            expected.words(),
            "{what}: a full baseline is not provisional"
        );
        assert!(!icon.provisional);
    }
    assert_eq!(Variation::ImprovingHigh.colour(), "#289de0");
    assert_eq!(Variation::ConcerningLow.colour(), "#fab428");
    assert_eq!(Variation::CommonCause.colour(), "#7b7d7d");

    // A measure with no direction: special cause, neither good nor bad.
    let series = Series::numbered(&shifted);
    let chart = xmr::analyse(&shifted, &XmrSettings::new(HigherIsBetter)).unwrap();
    let phase = &chart.phases[0];
    assert_eq!(
        praxis_core::domain::charts::icons::variation(&series, phase, &chart.signals, None),
        Variation::NeitherHigh
    );
}

#[test]
fn the_assurance_icon_reads_the_target_against_the_current_phase() {
    // Limits 8.34 to 13.66, as in the first XmR example.
    let values = [10., 11., 10., 11., 10., 11., 10., 11., 10., 11., 10., 17.];
    let table = [
        (HigherIsBetter, 15.0, AssuranceIcon::ConsistentlyMissed),
        (HigherIsBetter, 12.0, AssuranceIcon::HitAndMiss),
        (HigherIsBetter, 8.0, AssuranceIcon::ConsistentlyMet),
        (LowerIsBetter, 15.0, AssuranceIcon::ConsistentlyMet),
        (LowerIsBetter, 12.0, AssuranceIcon::HitAndMiss),
        (LowerIsBetter, 8.0, AssuranceIcon::ConsistentlyMissed),
    ];
    for (direction, target, expected) in table {
        let (_, assurance, chart) = icons_of(&values, XmrSettings::new(direction).target(target));
        assert_eq!(assurance, Some(expected), "{direction:?}, target {target}");
        let icon = chart.icons.assurance.unwrap();
        assert!(icon.words.starts_with(expected.words()), "{}", icon.words);
        assert!(
            icon.words.contains(&format!("target {target}")),
            "{}",
            icon.words
        );
    }
    assert_eq!(AssuranceIcon::ConsistentlyMet.colour(), "#289de0");
    assert_eq!(AssuranceIcon::ConsistentlyMissed.colour(), "#fab428");

    // No target: no assurance icon, and a note says why.
    let (variation, assurance, chart) = icons_of(&values, XmrSettings::new(HigherIsBetter));
    assert!(variation.is_some());
    assert_eq!(assurance, None);
    assert!(chart.icons.notes.iter().any(|n| n.contains("No target")));

    // Only the current phase counts: before the change the target of 25 is out of reach,
    // after it the process meets it every time.
    let before = [10., 11., 10., 11., 10., 11., 10., 11., 10., 11., 10., 11.];
    let both: Vec<f64> = before
        .iter()
        .chain(before.iter().map(|v| v + 20.0).collect::<Vec<_>>().iter())
        .copied()
        .collect();
    let (_, whole, chart) = icons_of(&both, XmrSettings::new(HigherIsBetter).target(25.0));
    assert_eq!(
        whole,
        Some(AssuranceIcon::ConsistentlyMissed),
        "one phase over both levels"
    );
    assert!(
        chart.icons.assurance.unwrap().provisional,
        "the shift leaves these limits behind"
    );
    assert!(chart.assurance.unwrap().explanation.contains("shifted"));
    let (_, current, chart) = icons_of(
        &both,
        XmrSettings::new(HigherIsBetter)
            .target(25.0)
            .recalculated_from(12),
    );
    assert_eq!(current, Some(AssuranceIcon::ConsistentlyMet));
    let a = chart.assurance.unwrap();
    assert_eq!(a.phase_start, 12);
    assert!(a.explanation.starts_with("Against the limits recalculated from point 13, the target of 25 is below the lower limit"), "{}", a.explanation);
}

#[test]
fn a_short_phase_gives_provisional_icons_and_one_point_gives_none() {
    let (variation, assurance, chart) = icons_of(
        &[10., 11., 10., 11., 10.],
        XmrSettings::new(HigherIsBetter).target(20.0),
    );
    assert_eq!(variation, Some(Variation::CommonCause));
    assert_eq!(assurance, Some(AssuranceIcon::ConsistentlyMissed));
    let icons = &chart.icons;
    assert!(icons.variation.as_ref().unwrap().provisional);
    assert!(icons.assurance.as_ref().unwrap().provisional);
    assert!(
        icons
            .variation
            .as_ref()
            .unwrap()
            .words
            .contains("Provisional: the limits rest on only five points")
    );
    assert!(icons.notes.iter().any(|n| n.contains("five points")));

    // Recalculated from the last point: that phase has no limits, so no icons, said why.
    let values: Vec<f64> = BASE.iter().copied().chain([30.0]).collect();
    let (variation, assurance, chart) = icons_of(
        &values,
        XmrSettings::new(HigherIsBetter)
            .target(20.0)
            .recalculated_from(12),
    );
    assert_eq!((variation, assurance), (None, None));
    assert!(
        chart.icons.notes[0].contains("one point"),
        "{:?}",
        chart.icons.notes
    );

    let (variation, assurance, chart) = icons_of(&[], XmrSettings::new(HigherIsBetter));
    assert_eq!((variation, assurance), (None, None));
    assert!(!chart.icons.notes.is_empty());
}

#[test]
fn a_sustained_shift_proposes_recalculating_from_its_first_point() {
    // Twelve points about 10.75, then from point 13 on a new level about 20.
    let after = [20., 21., 20.5, 19.5, 20., 21., 20.5, 19.5];
    let values = with_tail(&after);
    let chart = xmr::analyse(&values, &XmrSettings::new(HigherIsBetter)).unwrap();
    let proposal = chart.proposal.unwrap();
    assert_eq!(
        proposal.from, 12,
        "the first point after the change, not one before"
    );
    assert!(proposal.provisional, "eight points are fewer than twelve");
    assert_eq!(
        proposal.explanation,
        "The points from point 13 on stay on one side of the mean: the process has shifted. \
         Recalculate the limits from point 13, the first point after the change. The new \
         limits would rest on only eight points, so they would be provisional until there are 12."
    );
    // Recalculated there, the new phase does not flag its own first point.
    let chart = xmr::analyse(
        &values,
        &XmrSettings::new(HigherIsBetter).recalculated_from(12),
    )
    .unwrap();
    assert!(chart.proposal.is_none());
    assert!(chart.signals.is_empty(), "{:?}", chart.signals);
    assert!(warned(&chart.warnings, WarningKind::ShortBaseline));

    // A steady chart proposes nothing.
    assert!(
        xmr::analyse(&BASE, &XmrSettings::new(HigherIsBetter))
            .unwrap()
            .proposal
            .is_none()
    );
}

#[test]
fn a_percentage_has_its_limits_clamped_to_0_and_100() {
    let values = [0., 12., 0., 15., 2., 0., 14., 1., 0., 10., 3., 0.];
    let chart = xmr::analyse(
        &values,
        &XmrSettings::new(HigherIsBetter).bounded(0.0, 100.0),
    )
    .unwrap();
    let phase = &chart.phases[0];
    assert_eq!(phase.lower, Some(0.0));
    assert!(phase.upper.unwrap() <= 100.0);
    let free = xmr::analyse(&values, &XmrSettings::new(HigherIsBetter)).unwrap();
    assert!(
        free.phases[0].lower.unwrap() < 0.0,
        "unbounded, the lower limit goes below 0"
    );
    let high = xmr::analyse(
        &[98., 100., 97., 100., 99., 100., 96., 100.],
        &XmrSettings::new(HigherIsBetter).bounded(0.0, 100.0),
    )
    .unwrap();
    assert_eq!(high.phases[0].upper, Some(100.0));
}
