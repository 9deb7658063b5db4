//! When to try storing a brief's changes again after a failed write, and when to say so.
//!
//! While the disk is full every write fails the same way; trying every tick (50 ms) and
//! logging each failure would flood the log and spin the disk for nothing. Each brief that
//! fails waits twice as long before its next background attempt (from one tick up to
//! [`MAX_DELAY`]), and a failure is logged once when it starts or changes kind, and once more
//! when storing works again. An explicit flush (the app asking "is it stored?") always tries
//! at once: it is the user waiting, not a loop.

use std::collections::HashMap;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Longest wait between background attempts.
pub const MAX_DELAY: Duration = Duration::from_secs(5);

#[derive(Debug)]
struct Failing {
    delay: Duration,
    next: Instant,
    error: String,
}

/// What a caller should log after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Log {
    /// Nothing new to say.
    Quiet,
    /// Storing started failing, or now fails differently: log this error.
    Failing,
    /// Storing works again after failing.
    Recovered,
}

/// Per-brief retry state of the background store loop.
#[derive(Debug)]
pub struct StoreRetry {
    first_delay: Duration,
    failing: HashMap<Uuid, Failing>,
}

impl StoreRetry {
    /// `first_delay` is the wait after a first failure (the loop's tick).
    pub fn new(first_delay: Duration) -> StoreRetry {
        StoreRetry {
            first_delay,
            failing: HashMap::new(),
        }
    }

    /// True if the background loop should try to store `brief` now.
    pub fn due(&self, brief: Uuid, now: Instant) -> bool {
        self.failing.get(&brief).is_none_or(|f| now >= f.next)
    }

    /// Records a failed attempt; the next background one waits twice as long as the last.
    pub fn failed(&mut self, brief: Uuid, now: Instant, error: &str) -> Log {
        match self.failing.get_mut(&brief) {
            Some(f) => {
                f.delay = (f.delay * 2).min(MAX_DELAY);
                f.next = now + f.delay;
                if f.error == error {
                    Log::Quiet
                } else {
                    f.error = error.to_string();
                    Log::Failing
                }
            }
            None => {
                self.failing.insert(
                    brief,
                    Failing {
                        delay: self.first_delay,
                        next: now + self.first_delay,
                        error: error.to_string(),
                    },
                );
                Log::Failing
            }
        }
    }

    /// Records a successful store.
    pub fn stored(&mut self, brief: Uuid) -> Log {
        match self.failing.remove(&brief) {
            Some(_) => Log::Recovered,
            None => Log::Quiet,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_brief_backs_off_and_is_logged_once_per_change() {
        let tick = Duration::from_millis(50);
        let mut r = StoreRetry::new(tick);
        let (b, other) = (Uuid::new_v4(), Uuid::new_v4());
        let t0 = Instant::now();
        assert!(r.due(b, t0));
        assert_eq!(r.failed(b, t0, "disk full"), Log::Failing);
        // a minute of a full disk, trying whenever due, one tick at a time
        let (mut attempts, mut logged) = (1, 1);
        let mut now = t0;
        while now < t0 + Duration::from_secs(60) {
            now += tick;
            if r.due(b, now) {
                attempts += 1;
                if r.failed(b, now, "disk full") != Log::Quiet {
                    logged += 1;
                }
            }
        }
        assert_eq!(logged, 1, "the same failure is logged once");
        // 50 ms doubling to 5 s: 8 attempts reach 5 s, then one per 5 s
        assert!(
            (12..=22).contains(&attempts),
            "{attempts} attempts in a minute (1,200 without backoff)"
        );
        assert!(r.due(other, now), "other briefs are not held back");
        assert_eq!(r.failed(b, now + MAX_DELAY, "io error"), Log::Failing);
        assert_eq!(r.stored(b), Log::Recovered);
        assert!(r.due(b, now + MAX_DELAY));
        assert_eq!(r.stored(b), Log::Quiet);
    }
}
