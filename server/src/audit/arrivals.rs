//! When each event reached the server, by the receipt log, and which events came in
//! late.

use super::Result;
use crate::storage::Storage;
use praxis_core::domain::envelope::Envelope;
use praxis_core::domain::ids::{DeviceId, EventId, StreamId};
use std::collections::{HashMap, HashSet};

/// When an event reached the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Arrival {
    /// Milliseconds since the epoch, on the server's clock.
    pub at: i64,
    /// The receipt's sequence number; 0 for an event the server recorded itself.
    pub seq: i64,
}

/// When each event of the stream reached the server and, when read `with_sources`,
/// from which device, in which change.
pub struct Arrivals {
    times: HashMap<EventId, Arrival>,
    sources: HashMap<EventId, (DeviceId, String)>,
}

impl Arrivals {
    /// When each event reached the server: by its receipt, or, for an event the server
    /// recorded itself, by its own time.
    pub fn read(storage: &dyn Storage, events: &[Envelope], stream: StreamId) -> Result<Arrivals> {
        let mut times = HashMap::with_capacity(events.len());
        for a in storage.arrivals(stream)? {
            times.insert(
                a.event,
                Arrival {
                    at: a.received_at,
                    seq: a.seq,
                },
            );
        }
        Ok(Arrivals::completed(times, HashMap::new(), events))
    }

    /// As `read`, with the device and change that brought each event.
    pub fn with_sources(
        storage: &dyn Storage,
        events: &[Envelope],
        stream: StreamId,
    ) -> Result<Arrivals> {
        let mut times = HashMap::with_capacity(events.len());
        let mut sources = HashMap::with_capacity(events.len());
        for r in storage.receipt_log(stream)? {
            for e in &r.events {
                times.insert(
                    *e,
                    Arrival {
                        at: r.received_at,
                        seq: r.seq,
                    },
                );
                sources.insert(*e, (r.device, r.change_hash.clone()));
            }
        }
        Ok(Arrivals::completed(times, sources, events))
    }

    /// With the events no receipt names: those the server recorded itself.
    fn completed(
        mut times: HashMap<EventId, Arrival>,
        sources: HashMap<EventId, (DeviceId, String)>,
        events: &[Envelope],
    ) -> Arrivals {
        for e in events {
            times.entry(e.id).or_insert(Arrival {
                at: e.recorded_at.millis as i64,
                seq: 0,
            });
        }
        Arrivals { times, sources }
    }

    /// The device and change that brought the event; `None` for one the server recorded
    /// itself (or when read without sources).
    pub fn source(&self, event: EventId) -> Option<&(DeviceId, String)> {
        self.sources.get(&event)
    }

    /// The last receipt of the moment `at`: one sync message's events all arrive then.
    pub fn last_seq_at(&self, at: i64) -> Option<i64> {
        self.times
            .values()
            .filter(|a| a.at == at)
            .map(|a| a.seq)
            .max()
    }

    pub fn of(&self, event: EventId) -> Option<Arrival> {
        self.times.get(&event).copied()
    }

    /// Events that reached the server after it already held an event recorded later
    /// (by the hybrid logical clock): records that came in late, after the views had
    /// moved on without them.
    pub fn late(&self, events: &[Envelope]) -> HashSet<EventId> {
        let mut by_arrival: Vec<(&Envelope, Arrival)> = events
            .iter()
            .filter_map(|e| self.of(e.id).map(|a| (e, a)))
            .collect();
        by_arrival.sort_by_key(|(e, a)| (*a, e.order_key()));
        let mut late = HashSet::new();
        let mut latest_before = None;
        let mut i = 0;
        while i < by_arrival.len() {
            // One sync message's events arrive together: compare with earlier ones.
            let at = by_arrival[i].1;
            let mut j = i;
            while j < by_arrival.len() && by_arrival[j].1 == at {
                if latest_before.is_some_and(|l| by_arrival[j].0.order_key() < l) {
                    late.insert(by_arrival[j].0.id);
                }
                j += 1;
            }
            for (e, _) in &by_arrival[i..j] {
                latest_before =
                    Some(latest_before.map_or(e.order_key(), |l: (_, _)| l.max(e.order_key())));
            }
            i = j;
        }
        late
    }
}
