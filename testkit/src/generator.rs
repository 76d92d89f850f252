//! Valid project events in a realistic mix: measurements of two measures,
//! observations, and PDSA cycles that move through Do, Study and Act.

use praxis_core::domain::event::*;
use praxis_core::domain::ids::{EventId, StreamId};
use praxis_core::store::Recorded;
use std::collections::VecDeque;
use time::macros::date;

#[derive(Clone, Copy)]
enum Next {
    Do,
    Study,
    Act,
}

/// Makes valid project events. A cycle's Do, Study and Act need its id, which exists
/// only once its Plan is recorded: call [`Generator::learn`] with what was recorded.
#[derive(Clone)]
pub struct Generator {
    ratio: EventId,
    unit: EventId,
    /// Planned cycles and the stage each goes to next.
    cycles: VecDeque<(EventId, Next)>,
    /// The last cycle acted on, for the next Plan to follow on its ramp.
    last_acted: Option<EventId>,
    /// Position in the mix.
    slot: u64,
    /// Varies the content.
    n: u64,
}

impl Generator {
    pub fn new(ratio: EventId, unit: EventId) -> Generator {
        Generator {
            ratio,
            unit,
            cycles: VecDeque::new(),
            last_acted: None,
            slot: 0,
            n: 0,
        }
    }

    /// The ratio measure the generator records measurements of.
    pub fn ratio(&self) -> EventId {
        self.ratio
    }

    /// The unit measure the generator records measurements of.
    pub fn unit(&self) -> EventId {
        self.unit
    }

    pub fn learn(&mut self, recorded: &[Recorded]) {
        for r in recorded {
            if r.kind == EventKind::CyclePlanned {
                self.cycles.push_back((r.id, Next::Do));
            }
        }
    }

    /// A mix: per ten events, four measurements (two per measure), three observations,
    /// one Plan and two steps of earlier cycles (or observations while none is open).
    pub fn batch(&mut self, n: usize) -> Vec<Event> {
        (0..n).map(|_| self.next_event()).collect()
    }

    pub fn next_event(&mut self) -> Event {
        self.slot += 1;
        match self.slot % 10 {
            0 | 2 => self.ratio_measurement(),
            1 | 3 => self.unit_measurement(),
            4..=6 => self.observation(),
            7 => self.plan(),
            _ => self.cycle_step().unwrap_or_else(|| self.observation()),
        }
    }

    fn period(&self) -> (time::Date, time::Date) {
        let start = date!(2020 - 01 - 06) + time::Duration::days((self.n % 3000) as i64);
        (start, start + time::Duration::days(6))
    }

    pub fn ratio_measurement(&mut self) -> Event {
        self.n += 1;
        let (period_start, period_end) = self.period();
        Event::MeasurementRecorded(Measurement {
            measure: self.ratio,
            period_start,
            period_end,
            value: MeasurementValue::Ratio {
                numerator: (self.n % 11) as f64,
                denominator: 10.0,
            },
            note: if self.n.is_multiple_of(7) {
                "Two assessments were done by phone".into()
            } else {
                String::new()
            },
        })
    }

    pub fn unit_measurement(&mut self) -> Event {
        self.n += 1;
        let (period_start, period_end) = self.period();
        Event::MeasurementRecorded(Measurement {
            measure: self.unit,
            period_start,
            period_end,
            value: MeasurementValue::Value((self.n % 40) as f64 + 0.5),
            note: String::new(),
        })
    }

    pub fn observation(&mut self) -> Event {
        self.n += 1;
        let cycle = if self.n.is_multiple_of(5) {
            self.cycles.back().map(|(c, _)| *c)
        } else {
            None
        };
        Event::ObservationRecorded(Observation {
            kind: if self.n.is_multiple_of(4) {
                ObservationKind::CaseMaterial
            } else {
                ObservationKind::Observation
            },
            cycle,
            subject: Some(format!("P-{:04}", self.n % 10_000)),
            observed_on: date!(2026 - 02 - 03) + time::Duration::days((self.n % 400) as i64),
            text: format!(
                "Visit {}: talked through what matters to the person before the risks; \
                 the family agreed to try the plan for two weeks and review it together.",
                self.n
            ),
        })
    }

    pub fn plan(&mut self) -> Event {
        self.n += 1;
        Event::CyclePlanned(Plan {
            objective: format!("Try a risk conversation guide on two visits ({})", self.n),
            ..guide_plan(self.last_acted.take())
        })
    }

    /// The next step of the oldest open cycle: its Do, then its Study, then its Act.
    fn cycle_step(&mut self) -> Option<Event> {
        let (cycle, next) = self.cycles.pop_front()?;
        Some(match next {
            Next::Do => {
                self.cycles.push_front((cycle, Next::Study));
                Event::CycleDone {
                    cycle,
                    done: Do {
                        carried_out_on: date!(2026 - 02 - 03),
                        carried_out_by: "A. Lee".into(),
                        observations: "Both people engaged".into(),
                        problems: "One visit ran late".into(),
                        surprises: "A daughter joined in".into(),
                        data_gathered: "2 of 2 plans agreed".into(),
                    },
                }
            }
            Next::Study => {
                self.cycles.push_front((cycle, Next::Act));
                Event::CycleStudied {
                    cycle,
                    study: Study {
                        analysis: "2 of 2".into(),
                        compared_with_predictions: "As predicted".into(),
                        learning: "The guide helps".into(),
                    },
                }
            }
            Next::Act => {
                self.last_acted = Some(cycle);
                Event::CycleActed {
                    cycle,
                    replaces: vec![],
                    act: Act {
                        decision: match self.n % 3 {
                            0 => Decision::Adopt,
                            1 => Decision::Adapt,
                            _ => Decision::Abandon,
                        },
                        reasons: "It worked twice".into(),
                        changes: "None".into(),
                        next_step: "Try with 5 visits".into(),
                    },
                }
            }
        })
    }
}

/// A very small test of the risk conversation guide, following on `follows` when given.
pub fn guide_plan(follows: Option<EventId>) -> Plan {
    Plan {
        change_idea: None,
        follows,
        scale: TestScale::VerySmall,
        objective: "Try a risk conversation guide on two visits".into(),
        predictions: vec![Prediction {
            question: "Will the person take part in the plan?".into(),
            prediction: "Yes, both will".into(),
            reason: "The guide starts from what matters to them".into(),
        }],
        who: "A. Lee".into(),
        what: "Use the guide".into(),
        where_: "Home visits".into(),
        when: date!(2026 - 02 - 02),
        data_to_collect: "Whether a plan was agreed".into(),
    }
}

/// The collaborative every store-level test and bench founds.
pub fn founded() -> CollaborativeFounded {
    CollaborativeFounded {
        name: "Independence at home".into(),
        topic: "Promoting independence where health-and-safety worries get in the way".into(),
        chosen_with: "Chosen at a workshop with members of the service users' forum".into(),
    }
}

/// The Northside team's project in `collaborative`.
pub fn project_started(collaborative: StreamId) -> ProjectStarted {
    ProjectStarted {
        collaborative,
        team: "Northside adult team".into(),
        organisation: "Northshire County Council".into(),
        title: "Positive risk-taking in home visits".into(),
    }
}

pub fn charter() -> Charter {
    Charter {
        aim: Aim {
            what: "Agree a positive risk plan".into(),
            for_whom: "adults over 85 living at home".into(),
            where_: "Northside".into(),
            how_much: "from 20% to 75% of assessments".into(),
            by_when: date!(2027 - 06 - 30),
        },
        senior_leader: "J. Okafor".into(),
        day_to_day_lead: "S. Patel".into(),
        members: vec!["A. Lee".into(), "R. Gomez".into()],
    }
}

pub fn ratio_measure() -> MeasureDefinition {
    MeasureDefinition {
        name: "Plans agreed".into(),
        kind: MeasureKind::Outcome,
        operational_definition: "Assessments with a positive risk plan agreed with the person"
            .into(),
        unit: MeasureUnit::Ratio {
            numerator: "assessments with a plan".into(),
            denominator: "assessments".into(),
        },
        direction: Direction::HigherIsBetter,
        target: Some(75.0),
        frequency: Frequency::Weekly,
    }
}

pub fn unit_measure() -> MeasureDefinition {
    MeasureDefinition {
        name: "Days from referral to visit".into(),
        kind: MeasureKind::Process,
        operational_definition: "Median days from referral to the first home visit".into(),
        unit: MeasureUnit::Unit("days".into()),
        direction: Direction::LowerIsBetter,
        target: Some(7.0),
        frequency: Frequency::Weekly,
    }
}
