//! The runs table: how many runs about the median chance gives for a number of useful
//! points (points not on the median). Fewer runs than the lower limit, or more than the
//! upper, is a signal.
//!
//! Source: Perla, Provost & Murray, "The run chart", BMJ Qual Saf 2011;20:46–51, Table 1,
//! as in Provost & Murray, *The Health Care Data Guide* (2011); both derive it from Swed &
//! Eisenhart (1943), about 5% in each tail. The table covers 10 to 60 useful points;
//! outside that range the runs rule is not applied (Anhøj's crossings rule covers any
//! number of points).

use serde::{Deserialize, Serialize};

/// The fewest useful points the runs rule is applied to.
pub const FEWEST_USEFUL_POINTS: usize = 10;
/// The most useful points the table covers.
pub const MOST_USEFUL_POINTS: usize = 60;

/// The number of runs chance gives: from `fewest` to `most`, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedRuns {
    /// Fewer runs than this are too few.
    pub fewest: usize,
    /// More runs than this are too many.
    pub most: usize,
}

/// (useful points, lower limit, upper limit), as printed.
const TABLE: [(usize, usize, usize); 51] = [
    (10, 3, 9),
    (11, 3, 10),
    (12, 3, 11),
    (13, 4, 11),
    (14, 4, 12),
    (15, 5, 12),
    (16, 5, 13),
    (17, 5, 13),
    (18, 6, 14),
    (19, 6, 15),
    (20, 6, 16),
    (21, 7, 16),
    (22, 7, 17),
    (23, 7, 17),
    (24, 8, 18),
    (25, 8, 18),
    (26, 9, 19),
    (27, 10, 19),
    (28, 10, 20),
    (29, 10, 20),
    (30, 11, 21),
    (31, 11, 22),
    (32, 11, 23),
    (33, 11, 23),
    (34, 12, 24),
    (35, 13, 24),
    (36, 13, 25),
    (37, 13, 25),
    (38, 14, 26),
    (39, 14, 26),
    (40, 15, 27),
    (41, 16, 27),
    (42, 16, 28),
    (43, 17, 28),
    (44, 17, 29),
    (45, 17, 30),
    (46, 17, 31),
    (47, 18, 31),
    (48, 18, 32),
    (49, 19, 32),
    (50, 19, 33),
    (51, 20, 33),
    (52, 20, 34),
    (53, 21, 34),
    (54, 21, 35),
    (55, 22, 35),
    (56, 22, 36),
    (57, 23, 36),
    (58, 23, 37),
    (59, 24, 38),
    (60, 24, 38),
];

/// The runs chance gives for this many useful points; `None` outside 10 to 60.
pub fn expected_runs(useful_points: usize) -> Option<ExpectedRuns> {
    TABLE
        .iter()
        .find(|(n, _, _)| *n == useful_points)
        .map(|&(_, fewest, most)| ExpectedRuns { fewest, most })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_entries() {
        let at = |n| expected_runs(n).map(|e| (e.fewest, e.most));
        assert_eq!(at(10), Some((3, 9)));
        assert_eq!(at(15), Some((5, 12)));
        // 20 useful points: fewer than 6 or more than 16 runs is a signal.
        assert_eq!(at(20), Some((6, 16)));
        assert_eq!(at(27), Some((10, 19)));
        assert_eq!(at(30), Some((11, 21)));
        assert_eq!(at(40), Some((15, 27)));
        assert_eq!(at(60), Some((24, 38)));
    }

    #[test]
    fn covers_ten_to_sixty_useful_points_and_nothing_else() {
        assert_eq!(expected_runs(9), None);
        assert_eq!(expected_runs(61), None);
        assert_eq!(expected_runs(0), None);
        for n in FEWEST_USEFUL_POINTS..=MOST_USEFUL_POINTS {
            assert!(expected_runs(n).is_some(), "{n}");
        }
        assert_eq!(TABLE.len(), MOST_USEFUL_POINTS - FEWEST_USEFUL_POINTS + 1);
    }

    #[test]
    fn limits_never_fall_as_points_grow() {
        for pair in TABLE.windows(2) {
            let [(n, lower, upper), (m, next_lower, next_upper)] = pair else {
                unreachable!("windows of two")
            };
            assert_eq!(n + 1, *m);
            assert!(lower <= next_lower && upper <= next_upper, "{n} → {m}");
            assert!(lower < upper);
        }
    }

    /// P(R = r) for the number of runs R in a random arrangement of `a` points above and
    /// `b` below the median (Swed & Eisenhart 1943).
    fn runs_distribution(a: usize, b: usize) -> Vec<f64> {
        fn choose(n: usize, k: usize) -> f64 {
            if k > n {
                return 0.0;
            }
            (0..k).fold(1.0, |c, i| c * (n - i) as f64 / (i + 1) as f64)
        }
        let total = choose(a + b, a);
        (0..=a + b)
            .map(|r| {
                let ways = if r < 2 {
                    0.0
                } else if r % 2 == 0 {
                    let k = r / 2;
                    2.0 * choose(a - 1, k - 1) * choose(b - 1, k - 1)
                } else {
                    let k = (r - 1) / 2;
                    choose(a - 1, k) * choose(b - 1, k - 1)
                        + choose(a - 1, k - 1) * choose(b - 1, k)
                };
                ways / total
            })
            .collect()
    }

    /// A transcription check against the mathematics behind the table: with the useful
    /// points split as evenly as the median splits them, each tail holds at most 5%, and
    /// for an even number of points (an exact half either side) the limits are exactly
    /// the largest r with P(R ≤ r) ≤ 5% and its mirror image n + 2 − r.
    #[test]
    fn every_entry_agrees_with_swed_and_eisenhart() {
        for &(n, lower, upper) in &TABLE {
            let p = runs_distribution(n / 2, n - n / 2);
            let too_few: f64 = p[..lower].iter().sum();
            let too_many: f64 = p[upper + 1..].iter().sum();
            assert!(too_few <= 0.05, "{n}: P(R < {lower}) = {too_few}");
            assert!(too_many <= 0.05, "{n}: P(R > {upper}) = {too_many}");
            if n % 2 == 0 {
                let mut cumulative = 0.0;
                let largest = (0..=n)
                    .take_while(|&r| {
                        cumulative += p[r];
                        cumulative <= 0.05
                    })
                    .last()
                    .unwrap_or(0);
                assert_eq!(lower, largest, "{n}: lower limit");
                assert_eq!(upper, n + 2 - largest, "{n}: upper limit");
            }
        }
    }
}
