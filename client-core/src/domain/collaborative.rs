//! What a collaborative is founded with and adopts: its calendar, its progress scale,
//! and its change package with the evidence behind each item.

use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CollaborativeFounded {
    pub name: String,
    pub topic: String,
    /// How people who use services were involved in choosing the topic.
    pub chosen_with: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PhaseKind {
    Prework,
    LearningSession(u8),
    ActionPeriod(u8),
    ClosingEvent,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    pub kind: PhaseKind,
    pub starts: Date,
    pub ends: Date,
}

/// A progress score in tenths (3.5 is 35), so scores compare exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Score(pub u16);

impl std::fmt::Display for Score {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

impl std::str::FromStr for Score {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (whole, tenth) = match s.trim().split_once('.') {
            Some((w, t)) => (w, t),
            None => (s.trim(), "0"),
        };
        let bad = || format!("'{s}' is not a score: write it like 3.5");
        let whole: u16 = whole.parse().map_err(|_| bad())?;
        if tenth.len() != 1 {
            return Err(bad());
        }
        let tenth: u16 = tenth.parse().map_err(|_| bad())?;
        whole
            .checked_mul(10)
            .and_then(|tenths| tenths.checked_add(tenth))
            .map(Score)
            .ok_or_else(bad)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProgressLevel {
    pub score: Score,
    pub meaning: String,
}

/// A versioned progress scale. Collaboratives may adapt the IHI scale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProgressScale {
    pub version: u32,
    pub name: String,
    pub levels: Vec<ProgressLevel>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EvidenceKind {
    /// Research evidence: SCIE knowledge reviews, practice guides, studies.
    Research,
    /// Practice-based knowledge.
    PracticeKnowledge,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EvidenceSource {
    pub kind: EvidenceKind,
    pub citation: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChangePackageItem {
    pub title: String,
    pub description: String,
    pub evidence: Vec<EvidenceSource>,
}
