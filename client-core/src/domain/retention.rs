//! Retention: how long sealed personal content is kept, and what a legal hold keeps
//! beyond that. Read from the events alone, so every replica that holds the
//! collaborative's stream sees the same schedule and holds; the server acts on them.
//!
//! A project **closes** on the last day of its collaborative's schedule, or on the
//! latest day an observation of it was made, if that is later (a team that goes on
//! recording after the schedule keeps its project open). A data key is **due** for
//! erasure when every kind of record sealed under it has passed its period after that
//! day: the key is the unit that can be destroyed, and a person's key in a project
//! seals all their records there, so the longest period of those kinds decides. A key
//! sealing a kind the schedule does not name is kept. A Do's sealed free text (what was
//! observed while carrying out a test) is kept as observations are.

use super::envelope::Envelope;
use super::event::{Event, HoldCovers, ObservationKind, RetentionPeriod};
use super::hlc::Hlc;
use super::ids::{DataKeyId, EventId, PersonId, StreamId};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use time::Date;

/// The schedule that stands.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub id: EventId,
    pub set_by: PersonId,
    pub set_at: Hlc,
    pub periods: Vec<RetentionPeriod>,
    pub reason: String,
}

/// A legal hold in force.
#[derive(Clone, Debug, PartialEq)]
pub struct Hold {
    pub id: EventId,
    pub covers: HoldCovers,
    pub reason: String,
    pub placed_by: PersonId,
    pub placed_at: Hlc,
}

/// A collaborative's retention, as its stream records it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Retention {
    pub schedule: Option<Schedule>,
    pub holds: Vec<Hold>,
    /// The last day of the collaborative's schedule (of the standing versions, the
    /// latest), if it has one.
    pub schedule_ends: Option<Date>,
}

impl Retention {
    /// From the events of a collaborative's stream.
    pub fn of<'a>(collaborative: impl IntoIterator<Item = &'a Envelope>) -> Retention {
        let mut schedules = Vec::new();
        let mut phases = Vec::new();
        let mut replaced = HashSet::new();
        let mut holds = BTreeMap::new();
        let mut lifted = HashSet::new();
        for envelope in collaborative {
            match envelope.event() {
                Some(Event::RetentionScheduleSet {
                    replaces,
                    periods,
                    reason,
                }) => {
                    replaced.extend(replaces.iter().copied());
                    schedules.push(Schedule {
                        id: envelope.id,
                        set_by: envelope.author,
                        set_at: envelope.recorded_at,
                        periods: periods.clone(),
                        reason: reason.clone(),
                    });
                }
                Some(Event::ScheduleSet { replaces, schedule }) => {
                    replaced.extend(replaces.iter().copied());
                    let ends = schedule.iter().map(|p| p.ends).max();
                    phases.push((envelope.id, ends));
                }
                Some(Event::LegalHoldPlaced { covers, reason }) => {
                    holds.insert(
                        envelope.id,
                        Hold {
                            id: envelope.id,
                            covers: covers.clone(),
                            reason: reason.clone(),
                            placed_by: envelope.author,
                            placed_at: envelope.recorded_at,
                        },
                    );
                }
                Some(Event::LegalHoldLifted { hold, .. }) => {
                    lifted.insert(*hold);
                }
                _ => {}
            }
        }
        let schedule = schedules
            .into_iter()
            .filter(|s| !replaced.contains(&s.id))
            .max_by_key(|s| s.set_at);
        let schedule_ends = phases
            .into_iter()
            .filter(|(id, _)| !replaced.contains(id))
            .filter_map(|(_, ends)| ends)
            .max();
        Retention {
            schedule,
            holds: holds
                .into_values()
                .filter(|h| !lifted.contains(&h.id))
                .collect(),
            schedule_ends,
        }
    }

    /// The hold in force over a key of `stream`, sealing content about the person
    /// `tag` names (hex), if any.
    pub fn hold_over(&self, stream: StreamId, tag: Option<&str>) -> Option<&Hold> {
        self.holds.iter().find(|h| match &h.covers {
            HoldCovers::Project(held) => *held == stream,
            HoldCovers::Person { tag: held } => tag == Some(held.as_str()),
        })
    }

    /// The day a project whose observations were last made on `last_observed`
    /// closes.
    pub fn closes(&self, last_observed: Option<Date>) -> Option<Date> {
        self.schedule_ends.max(last_observed)
    }
}

/// What a project's events say about its sealed content: what is sealed under each
/// key, and the latest day an observation of it was made.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProjectContent {
    pub keys: BTreeMap<DataKeyId, SealedUnder>,
    pub last_observed: Option<Date>,
}

/// The records sealed under one key: their kinds, and how many (corrections count).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SealedUnder {
    pub kinds: BTreeSet<ObservationKind>,
    pub records: usize,
}

impl ProjectContent {
    pub fn of<'a>(project: impl IntoIterator<Item = &'a Envelope>) -> ProjectContent {
        let mut content = ProjectContent::default();
        for envelope in project {
            let Some(event) = envelope.event() else {
                continue;
            };
            let observed = match event {
                Event::ObservationRecorded(o) => Some(o.observed_on),
                _ => event.sealed().map(|s| s.observed_on),
            };
            content.last_observed = content.last_observed.max(observed);
            // A Do's sealed free text is kept as observations are.
            let kind = event
                .sealed()
                .map_or(ObservationKind::Observation, |s| s.kind);
            if let Some(key) = event.sealed_key() {
                let under = content.keys.entry(key).or_default();
                under.kinds.insert(kind);
                under.records += 1;
            }
        }
        content
    }
}

/// The last day content of `kinds` is kept, for a project closed on `closes`: the
/// longest of their periods after it. None when a kind has no period (it is kept).
pub fn kept_until(
    periods: &[RetentionPeriod],
    kinds: &BTreeSet<ObservationKind>,
    closes: Date,
) -> Option<Date> {
    let mut years = 0;
    for kind in kinds {
        years = years.max(periods.iter().find(|p| p.kind == *kind)?.years);
    }
    Some(years_after(closes, years))
}

/// The same day `years` later (28 February for 29 February in a common year).
pub fn years_after(day: Date, years: u16) -> Date {
    let year = day.year() + i32::from(years);
    day.replace_year(year)
        .or_else(|_| day.replace_day(28).and_then(|d| d.replace_year(year)))
        .unwrap_or(Date::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::envelope::Body;
    use crate::domain::event::{Phase, PhaseKind};
    use crate::domain::ids::DeviceId;
    use time::macros::date;

    fn envelope(n: u128, event: Event) -> Envelope {
        Envelope {
            id: EventId(uuid::Uuid::from_u128(n)),
            stream: StreamId(uuid::Uuid::from_u128(1)),
            author: PersonId(uuid::Uuid::from_u128(2)),
            device: DeviceId(uuid::Uuid::from_u128(3)),
            recorded_at: Hlc {
                millis: n as u64,
                counter: 0,
            },
            schema: event.schema(),
            body: Body::Known(event),
        }
    }

    fn periods(observation: u16) -> Vec<RetentionPeriod> {
        vec![RetentionPeriod {
            kind: ObservationKind::Observation,
            years: observation,
        }]
    }

    #[test]
    fn the_schedule_that_stands_and_the_holds_in_force() {
        let project = StreamId(uuid::Uuid::from_u128(9));
        let events = [
            envelope(
                10,
                Event::RetentionScheduleSet {
                    replaces: vec![],
                    periods: periods(8),
                    reason: "council policy".into(),
                },
            ),
            envelope(
                11,
                Event::RetentionScheduleSet {
                    replaces: vec![EventId(uuid::Uuid::from_u128(10))],
                    periods: periods(6),
                    reason: "policy revised".into(),
                },
            ),
            envelope(
                12,
                Event::LegalHoldPlaced {
                    covers: HoldCovers::Project(project),
                    reason: "inquiry".into(),
                },
            ),
            envelope(
                13,
                Event::LegalHoldPlaced {
                    covers: HoldCovers::Person {
                        tag: "ab".repeat(32),
                    },
                    reason: "complaint".into(),
                },
            ),
            envelope(
                14,
                Event::LegalHoldLifted {
                    hold: EventId(uuid::Uuid::from_u128(13)),
                    reason: "complaint closed".into(),
                },
            ),
            envelope(
                15,
                Event::ScheduleSet {
                    replaces: vec![],
                    schedule: vec![Phase {
                        kind: PhaseKind::ClosingEvent,
                        starts: date!(2018 - 03 - 01),
                        ends: date!(2018 - 03 - 31),
                    }],
                },
            ),
        ];
        let retention = Retention::of(&events);
        let schedule = retention.schedule.as_ref().unwrap();
        assert_eq!(schedule.periods, periods(6));
        assert_eq!(retention.holds.len(), 1);
        assert!(retention.hold_over(project, None).is_some());
        let other = StreamId(uuid::Uuid::from_u128(8));
        assert!(retention.hold_over(other, Some(&"ab".repeat(32))).is_none());
        // Closes at the schedule's end, or at a later observation.
        assert_eq!(retention.closes(None), Some(date!(2018 - 03 - 31)));
        assert_eq!(
            retention.closes(Some(date!(2019 - 01 - 05))),
            Some(date!(2019 - 01 - 05))
        );
    }

    #[test]
    fn a_key_is_kept_for_the_longest_period_of_what_it_seals() {
        let both = RetentionPeriod {
            kind: ObservationKind::CaseMaterial,
            years: 10,
        };
        let mut schedule = periods(8);
        let closes = date!(2016 - 02 - 29);
        let kinds = BTreeSet::from([ObservationKind::Observation]);
        assert_eq!(
            kept_until(&schedule, &kinds, closes),
            Some(date!(2024 - 02 - 29))
        );
        let kinds = BTreeSet::from([ObservationKind::Observation, ObservationKind::CaseMaterial]);
        // Case material has no period: kept.
        assert_eq!(kept_until(&schedule, &kinds, closes), None);
        schedule.push(both);
        assert_eq!(
            kept_until(&schedule, &kinds, closes),
            Some(date!(2026 - 02 - 28))
        );
    }
}
