//! Failed sign-ins, counted per username and per client address, with a backoff
//! rather than a fixed lockout. The counts are in the database (a restart does not
//! clear them); what is in memory is only the attempts being checked now.
//!
//! An attempt takes its place *before* its password is checked (the ~25 ms argon2
//! hash), so guesses sent at once cannot all be checked before the first failure is
//! counted: while a key's failed and unfinished attempts reach `allowed`, the next
//! waits for a backoff from the last failure that doubles with each further one, up
//! to `MAX_WAIT`. An address that fails against many usernames is held back too, so
//! its failures stop counting against any one person. A success clears the
//! username's count (not the address's). And the argon2 work itself is capped: each
//! hash takes 19 MiB, so a flood of sign-ins is answered "busy" at once beyond a few.

use crate::error::ServerError;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Failed attempts a username may have before the backoff.
pub const USER_ALLOWED: u32 = 5;
/// Failed attempts an address may have, over every username, before the backoff.
pub const ADDRESS_ALLOWED: u32 = 20;
/// The first wait after the allowed failures; each further failure doubles it.
const FIRST_WAIT: Duration = Duration::from_secs(30);
const MAX_WAIT: Duration = Duration::from_secs(15 * 60);
/// A count whose last failure is this old starts again.
pub const FORGET_AFTER: Duration = Duration::from_secs(24 * 3600);
/// Password hashes that may run at once, per core.
const HASHES_PER_CORE: usize = 2;

pub struct SignInLimiter {
    open: Mutex<HashMap<String, u32>>,
    /// Held from reading a key's stored failures to taking its place, so no attempt
    /// reads a count another has not yet written while that one's place is gone.
    pub reserving: tokio::sync::Mutex<()>,
    hashing: Arc<Semaphore>,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        SignInLimiter {
            open: Mutex::new(HashMap::new()),
            reserving: tokio::sync::Mutex::new(()),
            hashing: Arc::new(Semaphore::new(cores * HASHES_PER_CORE)),
        }
    }
}

/// The keys a sign-in counts against, each with how many it may fail.
pub fn keys(username: &str, address: Option<IpAddr>) -> Vec<(String, u32)> {
    let mut keys = vec![(format!("user:{}", username.to_lowercase()), USER_ALLOWED)];
    keys.extend(address_keys(address));
    keys
}

/// The keys an attempt with no username (an enrolment code) counts against: its
/// client address, when it is known.
pub fn address_keys(address: Option<IpAddr>) -> Vec<(String, u32)> {
    address
        .map(|a| (format!("address:{a}"), ADDRESS_ALLOWED))
        .into_iter()
        .collect()
}

/// How long a key must still wait, given its stored failures (count, milliseconds
/// since the last) and its attempts being checked now; `None` when it may go on.
fn wait(allowed: u32, stored: Option<(u32, i64)>, open: u32) -> Option<Duration> {
    let (failed, since_ms) = stored.unwrap_or((0, i64::MAX));
    if failed + open < allowed {
        return None;
    }
    if open > 0 || failed < allowed {
        // Enough are being checked already: try again once they are.
        return Some(Duration::from_secs(1));
    }
    let doublings = (failed - allowed).min(16);
    let wait = FIRST_WAIT.saturating_mul(1 << doublings).min(MAX_WAIT);
    let since = Duration::from_millis(u64::try_from(since_ms).unwrap_or(0));
    (since < wait).then(|| wait - since)
}

/// An attempt that holds its place while it is checked; dropped, it gives it back.
pub struct Attempt<'a> {
    limiter: &'a SignInLimiter,
    keys: Vec<String>,
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        let mut open = self.limiter.lock();
        for key in &self.keys {
            if let Some(n) = open.get_mut(key) {
                *n = n.saturating_sub(1);
                if *n == 0 {
                    open.remove(key);
                }
            }
        }
    }
}

impl SignInLimiter {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, u32>> {
        // A map of counters: a panic elsewhere cannot leave it torn.
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a place for an attempt counted against `keys` (each with its stored
    /// failures), or refuses with how long to wait.
    pub fn begin(
        &self,
        keys: &[(String, u32)],
        stored: &[Option<(u32, i64)>],
    ) -> Result<Attempt<'_>, ServerError> {
        let mut open = self.lock();
        let longest = keys
            .iter()
            .zip(stored)
            .filter_map(|((key, allowed), s)| {
                wait(*allowed, *s, open.get(key).copied().unwrap_or(0))
            })
            .max();
        if let Some(wait) = longest {
            tracing::warn!(wait_s = wait.as_secs().max(1), "sign-in held back");
            return Err(ServerError::RateLimited(wait.as_secs().max(1)));
        }
        for (key, _) in keys {
            *open.entry(key.clone()).or_insert(0) += 1;
        }
        Ok(Attempt {
            limiter: self,
            keys: keys.iter().map(|(k, _)| k.clone()).collect(),
        })
    }

    /// A turn to hash a password, or "busy" at once when every turn is taken.
    pub fn hashing(&self) -> Result<OwnedSemaphorePermit, ServerError> {
        self.hashing.clone().try_acquire_owned().map_err(|_| {
            ServerError::Busy(
                "The server is checking many sign-ins at once. Try again in a few seconds.".into(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_grows_with_each_failure_past_the_allowed() {
        assert_eq!(wait(5, None, 0), None);
        assert_eq!(wait(5, Some((4, 0)), 0), None);
        assert_eq!(wait(5, Some((4, 0)), 1), Some(Duration::from_secs(1)));
        assert_eq!(wait(5, Some((5, 0)), 0), Some(FIRST_WAIT));
        assert_eq!(wait(5, Some((5, 30_000)), 0), None);
        assert_eq!(wait(5, Some((6, 30_000)), 0), Some(Duration::from_secs(30)));
        assert_eq!(wait(5, Some((40, 0)), 0), Some(MAX_WAIT));
    }
}
