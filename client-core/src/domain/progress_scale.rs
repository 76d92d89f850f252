//! The IHI progress scale, the default a collaborative scores against until it adopts
//! its own version.

use super::event::{ProgressLevel, ProgressScale, Score};

impl ProgressScale {
    pub fn ihi() -> ProgressScale {
        let levels = [
            (5, "Intent to participate"),
            (10, "Charter and team established"),
            (15, "Planning for the project has begun"),
            (20, "Activity, but no changes (baseline, process study)"),
            (
                25,
                "Changes tested, but no improvement (most goals have a measure, graphed with targets)",
            ),
            (
                30,
                "Modest improvement (some changes succeed; about 20% of expected results)",
            ),
            (35, "Improvement in measures towards the goals"),
            (
                40,
                "Significant improvement (about half the goals reached; implementation begun)",
            ),
            (
                45,
                "Sustainable improvement (key measures show the gain holding)",
            ),
            (
                50,
                "Outstanding sustainable results (all goals met; organisational changes made)",
            ),
        ];
        ProgressScale {
            version: 1,
            name: "IHI progress scale".to_string(),
            levels: levels
                .into_iter()
                .map(|(s, m)| ProgressLevel {
                    score: Score(s),
                    meaning: m.to_string(),
                })
                .collect(),
        }
    }

    pub fn level(&self, score: Score) -> Option<&ProgressLevel> {
        self.levels.iter().find(|l| l.score == score)
    }

    /// The scores on the scale, for messages ("0.5, 1.0, ... 5.0").
    pub fn scores(&self) -> String {
        self.levels
            .iter()
            .map(|l| l.score.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ihi_scale_runs_from_half_to_five_in_halves() {
        let scale = ProgressScale::ihi();
        assert_eq!(scale.levels.len(), 10);
        assert!(scale.level(Score(35)).is_some());
        assert!(scale.level(Score(33)).is_none());
        assert_eq!(
            scale.scores(),
            "0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0"
        );
        assert_eq!("3.5".parse::<Score>(), Ok(Score(35)));
        assert_eq!("4".parse::<Score>(), Ok(Score(40)));
        assert!("3.55".parse::<Score>().is_err());
    }

    /// Guards a fixed bug found through the `request_body` fuzz target (a score form
    /// sending `score=7000.0`): a whole part of 6554 or more overflowed on its way to
    /// tenths, a panic in a debug build and another score entirely in a release build
    /// ("6558.6" was recorded as 5.0).
    #[test]
    fn a_score_too_large_to_hold_is_not_a_score() {
        for text in ["7000.0", "6554", "6558.6", "65535.9"] {
            let refused = text.parse::<Score>();
            assert!(
                refused
                    .as_ref()
                    .is_err_and(|e| e.contains("is not a score")),
                "{text} gave {refused:?}"
            );
        }
        assert_eq!("6553.5".parse::<Score>(), Ok(Score(65535)));
    }
}
