//! Fixed-window rate limits kept in memory, keyed by address or username.
//!
//! A fixed window lets through at most twice the limit across a window
//! boundary; for login and submission abuse that is good enough, and it
//! needs one counter per key instead of a log of times.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

/// At most `max` events per `window_secs`.
#[derive(Clone, Copy, Debug)]
pub struct RateLimit {
    /// Events allowed per window.
    pub max: u32,
    /// Window length, seconds.
    pub window_secs: u64,
}

impl RateLimit {
    /// `max` per `window_secs`.
    pub const fn new(max: u32, window_secs: u64) -> RateLimit {
        RateLimit { max, window_secs }
    }
}

/// Keys tracked at most; past this, expired windows are dropped, and if
/// none has expired the table is cleared (a flood of distinct keys must
/// not grow memory without bound; clearing errs towards letting through).
const MAX_KEYS: usize = 100_000;

/// Counters per key.
#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    /// Counts one event for `key`; false when it is over `limit`.
    pub fn allow(&self, key: &str, limit: RateLimit) -> bool {
        let now = Instant::now();
        let window = std::time::Duration::from_secs(limit.window_secs);
        let mut map = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_KEYS && !map.contains_key(key) {
            map.retain(|_, (start, _)| now.duration_since(*start) < window);
            if map.len() >= MAX_KEYS {
                map.clear();
            }
        }
        let entry = map.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 >= limit.max {
            return false;
        }
        entry.1 += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_past_the_limit_per_key() {
        let l = RateLimiter::default();
        let lim = RateLimit::new(2, 3600);
        assert!(l.allow("a", lim));
        assert!(l.allow("a", lim));
        assert!(!l.allow("a", lim));
        assert!(l.allow("b", lim));
    }

    #[test]
    fn a_zero_window_never_refuses() {
        let l = RateLimiter::default();
        for _ in 0..10 {
            assert!(l.allow("a", RateLimit::new(1, 0)));
        }
    }
}
