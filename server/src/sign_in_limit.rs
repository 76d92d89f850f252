//! Sign-in attempts per username, kept in memory. An attempt takes its place in the
//! count *before* its password is checked (the ~25 ms argon2 hash), so a burst of
//! guesses sent at once cannot all be checked before the first failure is counted:
//! with `MAX_FAILURES` failed or unfinished attempts within `WINDOW`, the next one
//! is refused until the window has passed. A success clears the count. And the
//! argon2 work itself is capped (`Hashing`): each hash takes 19 MiB, so a flood of
//! sign-ins for unknown usernames is answered "busy" at once instead of running them
//! all.

use crate::error::ServerError;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub struct SignInLimiter {
    attempts: Mutex<HashMap<String, Count>>,
    hashing: Arc<Semaphore>,
}

/// Failed and unfinished attempts for one username since `since`.
#[derive(Clone, Copy)]
struct Count {
    failed: u32,
    open: u32,
    since: Instant,
}

const MAX_FAILURES: u32 = 5;
const WINDOW: Duration = Duration::from_secs(300);
/// Password hashes that may run at once, per core.
const HASHES_PER_CORE: usize = 2;

impl Default for SignInLimiter {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        SignInLimiter {
            attempts: Mutex::new(HashMap::new()),
            hashing: Arc::new(Semaphore::new(cores * HASHES_PER_CORE)),
        }
    }
}

/// An attempt that holds its place in the count. Unless `succeeded` is called, it
/// counts as a failure when dropped (also when its request is abandoned midway).
pub struct Attempt<'a> {
    limiter: &'a SignInLimiter,
    username: String,
    done: bool,
}

impl Attempt<'_> {
    pub fn succeeded(mut self) {
        self.done = true;
        self.limiter.lock().remove(&self.username);
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut attempts = self.limiter.lock();
        if let Some(count) = attempts.get_mut(&self.username) {
            count.open = count.open.saturating_sub(1);
            count.failed += 1;
        }
    }
}

impl SignInLimiter {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Count>> {
        // A map of counters: a panic elsewhere cannot leave it torn.
        self.attempts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes a place for an attempt on `username`, or refuses when the failed and
    /// unfinished attempts in the window already reach the limit.
    pub fn begin(&self, username: &str) -> Result<Attempt<'_>, ServerError> {
        let mut attempts = self.lock();
        if attempts.len() > 100_000 {
            attempts.retain(|_, c| c.open > 0 || c.since.elapsed() <= WINDOW);
        }
        let count = attempts.entry(username.to_string()).or_insert(Count {
            failed: 0,
            open: 0,
            since: Instant::now(),
        });
        if count.open == 0 && count.since.elapsed() > WINDOW {
            *count = Count {
                failed: 0,
                open: 0,
                since: Instant::now(),
            };
        }
        if count.failed + count.open >= MAX_FAILURES {
            let left = WINDOW.saturating_sub(count.since.elapsed());
            return Err(ServerError::RateLimited(left.as_secs().max(1)));
        }
        count.open += 1;
        Ok(Attempt {
            limiter: self,
            username: username.to_string(),
            done: false,
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
