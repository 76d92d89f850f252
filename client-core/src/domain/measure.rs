//! A measure's definition and its measurements, as events carry them.

use super::ids::EventId;
use serde::{Deserialize, Serialize};
use time::Date;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MeasureKind {
    Outcome,
    Process,
    Balancing,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum MeasureUnit {
    /// A value in a unit ("days", "visits").
    Unit(String),
    /// A proportion: numerator out of denominator.
    Ratio {
        numerator: String,
        denominator: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Frequency {
    Daily,
    Weekly,
    Fortnightly,
    Monthly,
    Quarterly,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeasureDefinition {
    pub name: String,
    pub kind: MeasureKind,
    pub operational_definition: String,
    pub unit: MeasureUnit,
    pub direction: Direction,
    pub target: Option<f64>,
    pub frequency: Frequency,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum MeasurementValue {
    Value(f64),
    Ratio { numerator: f64, denominator: f64 },
}

impl MeasurementValue {
    /// The plotted value: a ratio as a percentage.
    pub fn plotted(&self) -> f64 {
        match self {
            MeasurementValue::Value(v) => *v,
            MeasurementValue::Ratio {
                numerator,
                denominator,
            } => {
                if *denominator == 0.0 {
                    0.0
                } else {
                    100.0 * numerator / denominator
                }
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    pub measure: EventId,
    /// The first and last day of the period measured.
    pub period_start: Date,
    pub period_end: Date,
    pub value: MeasurementValue,
    pub note: String,
}
