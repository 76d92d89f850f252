//! Hybrid logical clock. Orders events so that an event always sorts after every event
//! its author had seen, whatever the device clocks say, while staying close to wall time.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A hybrid logical clock reading: wall-clock milliseconds and a counter that breaks
/// ties within one millisecond (and carries causality past a clock that runs behind).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct Hlc {
    pub millis: u64,
    pub counter: u32,
}

impl Hlc {
    pub const ZERO: Hlc = Hlc {
        millis: 0,
        counter: 0,
    };

    /// The next reading after `last`, given the wall clock now.
    pub fn tick(last: Hlc, wall_millis: u64) -> Hlc {
        if wall_millis > last.millis {
            Hlc {
                millis: wall_millis,
                counter: 0,
            }
        } else {
            Hlc {
                millis: last.millis,
                counter: last.counter.saturating_add(1),
            }
        }
    }

    /// The clock after seeing a reading from elsewhere: never behind it.
    pub fn observe(self, seen: Hlc) -> Hlc {
        self.max(seen)
    }

    /// A single sortable integer (milliseconds in the high bits). Fits SQLite's i64 for
    /// any date before the year 10,000.
    pub fn sort_key(&self) -> i64 {
        ((self.millis as i64) << 20) | (self.counter.min(0xF_FFFF) as i64)
    }

    pub fn from_sort_key(key: i64) -> Hlc {
        Hlc {
            millis: (key >> 20) as u64,
            counter: (key & 0xF_FFFF) as u32,
        }
    }

    /// The wall-clock part as a UTC date-time.
    pub fn wall_time(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::from_unix_timestamp_nanos(self.millis as i128 * 1_000_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
    }
}

impl fmt::Debug for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.millis, self.counter)
    }
}

/// Milliseconds since the Unix epoch, from the system clock.
pub fn wall_millis_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Where a store reads the time: the system clock, or the clock of a story that a
/// seed moves on by hand (the demo, whose months of work are recorded and received at
/// the times the story gives them). Nothing but a seed makes a story clock.
#[derive(Clone, Debug, Default)]
pub struct WallClock(Option<std::sync::Arc<std::sync::atomic::AtomicU64>>);

impl WallClock {
    /// The system clock.
    pub fn system() -> WallClock {
        WallClock(None)
    }

    /// A story's clock, at `millis` until it is moved on.
    pub fn story(millis: u64) -> WallClock {
        WallClock(Some(std::sync::Arc::new(
            std::sync::atomic::AtomicU64::new(millis),
        )))
    }

    /// Moves a story's clock to `millis` (every copy of it shows the same time). The
    /// system clock cannot be set: then nothing changes.
    pub fn set(&self, millis: u64) {
        if let Some(story) = &self.0 {
            story.store(millis, std::sync::atomic::Ordering::SeqCst);
        }
    }

    /// Ends a story: every copy of it follows the system clock from now on.
    pub fn end_story(&self) {
        self.set(0);
    }

    /// Milliseconds since the Unix epoch, by this clock.
    pub fn now(&self) -> u64 {
        match &self.0 {
            Some(story) => match story.load(std::sync::atomic::Ordering::SeqCst) {
                0 => wall_millis_now(),
                millis => millis,
            },
            None => wall_millis_now(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_moves_forward_even_when_the_wall_clock_goes_back() {
        let a = Hlc::tick(Hlc::ZERO, 1000);
        let b = Hlc::tick(a, 900);
        assert!(b > a);
        let c = Hlc::tick(
            b.observe(Hlc {
                millis: 5000,
                counter: 3,
            }),
            1000,
        );
        assert_eq!(
            c,
            Hlc {
                millis: 5000,
                counter: 4
            }
        );
    }

    #[test]
    fn sort_key_round_trips_and_orders() {
        let a = Hlc {
            millis: 1_790_000_000_000,
            counter: 7,
        };
        let b = Hlc {
            millis: 1_790_000_000_000,
            counter: 8,
        };
        assert_eq!(Hlc::from_sort_key(a.sort_key()), a);
        assert!(a.sort_key() < b.sort_key());
    }
}
