//! The methodology's words for the values of its records, as every client prints them:
//! "a very small test", "adopt", "outcome", "higher is better". One place, so the web
//! pages, the CSVs and the terminal say the same and never print an internal name.

use super::event::{Decision, Direction, Frequency, MeasureKind, ObservationKind, TestScale};

impl TestScale {
    pub fn words(self) -> &'static str {
        match self {
            TestScale::VerySmall => "very small test",
            TestScale::FollowUp => "follow-up test",
            TestScale::Wider => "wider test",
            TestScale::Implementation => "implementation",
            TestScale::Spread => "spread",
        }
    }
}

impl Decision {
    pub fn words(self) -> &'static str {
        match self {
            Decision::Adopt => "Adopt",
            Decision::Adapt => "Adapt",
            Decision::Abandon => "Abandon",
        }
    }
}

impl MeasureKind {
    pub fn words(self) -> &'static str {
        match self {
            MeasureKind::Outcome => "outcome",
            MeasureKind::Process => "process",
            MeasureKind::Balancing => "balancing",
        }
    }
}

impl Direction {
    pub fn words(self) -> &'static str {
        match self {
            Direction::HigherIsBetter => "higher is better",
            Direction::LowerIsBetter => "lower is better",
        }
    }
}

impl ObservationKind {
    pub fn words(self) -> &'static str {
        match self {
            ObservationKind::Observation => "observations",
            ObservationKind::CaseMaterial => "case material",
        }
    }

    /// The name the API and the forms use.
    pub fn name(self) -> &'static str {
        match self {
            ObservationKind::Observation => "observation",
            ObservationKind::CaseMaterial => "case-material",
        }
    }

    pub fn from_name(name: &str) -> Option<ObservationKind> {
        [ObservationKind::Observation, ObservationKind::CaseMaterial]
            .into_iter()
            .find(|k| k.name() == name)
    }
}

impl Frequency {
    pub fn words(self) -> &'static str {
        match self {
            Frequency::Daily => "daily",
            Frequency::Weekly => "weekly",
            Frequency::Fortnightly => "fortnightly",
            Frequency::Monthly => "monthly",
            Frequency::Quarterly => "quarterly",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_word_is_an_internal_name() {
        let all = [
            TestScale::VerySmall.words(),
            TestScale::FollowUp.words(),
            Decision::Adopt.words(),
            MeasureKind::Balancing.words(),
            Direction::LowerIsBetter.words(),
            Frequency::Fortnightly.words(),
        ];
        for w in all {
            assert!(
                !w.chars().skip(1).any(char::is_uppercase),
                "{w} reads like a type name"
            );
        }
        assert_eq!(TestScale::VerySmall.words(), "very small test");
    }
}
