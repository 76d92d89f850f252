//! How long to wait before trying a failed request again: doubling pauses, a bounded
//! number of tries, and a server's `Retry-After` honoured up to a ceiling.

use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry {
    /// How many times a request is tried in all (1 = never again).
    pub tries: u32,
    /// The pause after the first failure; each later pause doubles it.
    pub first_delay: Duration,
    /// No pause is longer, whatever the server asks.
    pub max_delay: Duration,
}

impl Default for Retry {
    /// Five tries, starting at 200 ms: about 3 s in all before giving up.
    fn default() -> Self {
        Retry {
            tries: 5,
            first_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
        }
    }
}

impl Retry {
    /// Try once only.
    pub fn never() -> Self {
        Retry {
            tries: 1,
            ..Retry::default()
        }
    }

    /// The pause after `failures` failed tries (1 for the first), or what the server
    /// asked for if that is longer; never more than `max_delay`.
    pub fn delay(&self, failures: u32, asked: Option<Duration>) -> Duration {
        let doublings = failures.saturating_sub(1).min(16);
        let backoff = self.first_delay.saturating_mul(1 << doublings);
        backoff.max(asked.unwrap_or_default()).min(self.max_delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_double_and_are_bounded_and_a_servers_wait_is_honoured_up_to_the_ceiling() {
        let r = Retry::default();
        let ms = |n| r.delay(n, None).as_millis();
        assert_eq!([ms(1), ms(2), ms(3), ms(4)], [200, 400, 800, 1600]);
        assert_eq!(r.delay(40, None), r.max_delay);
        assert_eq!(
            r.delay(1, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
        assert_eq!(r.delay(1, Some(Duration::from_secs(3600))), r.max_delay);
    }
}
