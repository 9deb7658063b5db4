//! Closing the window without losing edits that are still on their way to the engine.
//!
//! The UI listens for the window's close request, so Tauri holds the window open and asks it
//! (`onCloseRequested`). The UI commits what is being typed (a title not yet confirmed with
//! Enter), waits until the engine has acknowledged every edit as stored, and only then lets the
//! window go. If edits cannot be stored, it keeps the window open, says so and calls
//! `hold_close`. A UI that does not answer (hung, or its web process gone) must not make the
//! window impossible to close: the shell closes it [`GRACE`] after the request unless the UI
//! held it. A second request while the UI holds the window is answered the same way.

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::time::Duration;

/// How long the UI has to store what is in flight before the shell closes the window anyway.
pub const GRACE: Duration = Duration::from_secs(5);

/// Close requests, numbered, and the last one the UI chose to hold.
#[derive(Debug, Default)]
pub struct Guard {
    requested: AtomicU64,
    held: AtomicU64,
}

impl Guard {
    /// A close was requested; returns its number.
    pub fn requested(&self) -> u64 {
        self.requested.fetch_add(1, SeqCst) + 1
    }

    /// The UI keeps the window open (it shows why) for the latest request.
    pub fn hold(&self) {
        self.held.store(self.requested.load(SeqCst), SeqCst);
    }

    /// After [`GRACE`]: whether request `n` was left unanswered, so the shell closes the window.
    pub fn unanswered(&self, n: u64) -> bool {
        self.held.load(SeqCst) < n
    }
}

#[cfg(test)]
mod tests {
    use super::Guard;

    #[test]
    fn a_request_the_ui_did_not_hold_closes() {
        let g = Guard::default();
        let first = g.requested();
        assert!(g.unanswered(first));
        g.hold();
        assert!(!g.unanswered(first));
        // asked again while held: this request is open until the UI holds it too
        let second = g.requested();
        assert!(g.unanswered(second));
        assert!(!g.unanswered(first));
        g.hold();
        assert!(!g.unanswered(second));
    }
}
