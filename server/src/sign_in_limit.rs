//! Failed sign-ins per username, kept in memory: after five within five minutes, the
//! username is refused until the window has passed.

use crate::error::ServerError;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed sign-ins per username: after `MAX_FAILURES` within `WINDOW`, refuse until the
/// window has passed.
pub struct SignInLimiter {
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

const MAX_FAILURES: u32 = 5;
const WINDOW: Duration = Duration::from_secs(300);

impl Default for SignInLimiter {
    fn default() -> Self {
        SignInLimiter {
            failures: Mutex::new(HashMap::new()),
        }
    }
}

impl SignInLimiter {
    pub fn check(&self, username: &str) -> Result<(), ServerError> {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((count, since)) = failures.get(username)
            && *count >= MAX_FAILURES
        {
            let left = WINDOW.saturating_sub(since.elapsed());
            if !left.is_zero() {
                return Err(ServerError::RateLimited(left.as_secs().max(1)));
            }
        }
        Ok(())
    }

    pub fn failed(&self, username: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let entry = failures
            .entry(username.to_string())
            .or_insert((0, Instant::now()));
        if entry.1.elapsed() > WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
        if failures.len() > 100_000 {
            failures.retain(|_, (_, since)| since.elapsed() <= WINDOW);
        }
    }

    pub fn succeeded(&self, username: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(username);
    }
}
