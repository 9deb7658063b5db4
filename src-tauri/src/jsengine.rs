//! How the web view's JavaScript engine (JavaScriptCore) is tuned.
//!
//! JSC runs code in four tiers: an interpreter, a baseline JIT, and two optimizing compilers
//! (DFG, and FTL on top of it) that recompile hot functions on background threads. The UI's
//! work comes in short bursts — decoding a brief, binding its editors, one keystroke's
//! transaction — that are over before an optimized version would pay back its compilation.
//! Measured with the large brief open (ARCHITECTURE.md, "Memory"): without the optimizing
//! tiers the web process held about 19 MB less, and opening the brief and keystroke-to-stored
//! were not slower. So the app starts WebKit with `JSC_useDFGJIT=0` (which also turns off
//! FTL); the interpreter and the baseline JIT stay.
//!
//! `JSC_useDFGJIT` set beforehand, to anything, wins: that is how to measure with them on.

/// JSC reads its options from variables named `JSC_<option>` when its process starts.
pub const OPTIMIZING_TIERS: &str = "JSC_useDFGJIT";

/// What was decided, and why (logged at start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tiers {
    /// Interpreter and baseline JIT only.
    Baseline,
    /// Left as set in the environment.
    AsSet,
}

impl Tiers {
    /// The `js_tiers` metric: 0 for baseline only, 1 when left as set; and its detail.
    pub fn metric(self) -> (f64, String) {
        match self {
            Tiers::Baseline => (
                0.0,
                format!("interpreter and baseline JIT ({OPTIMIZING_TIERS}=0)"),
            ),
            Tiers::AsSet => (1.0, format!("{OPTIMIZING_TIERS} as set")),
        }
    }
}

/// The rule: set `JSC_useDFGJIT=0` unless it is already set. Pure, for the tests.
pub fn decide(already_set: bool) -> Tiers {
    if already_set {
        Tiers::AsSet
    } else {
        Tiers::Baseline
    }
}

/// Decides and applies the decision to this process's environment, which the web process
/// inherits. Must run first in `main`, before any thread exists.
pub fn apply() -> Tiers {
    let decision = decide(std::env::var_os(OPTIMIZING_TIERS).is_some());
    if decision == Tiers::Baseline {
        std::env::set_var(OPTIMIZING_TIERS, "0");
    }
    decision
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optimizing_tiers_are_off_unless_someone_said_otherwise() {
        assert_eq!(decide(false), Tiers::Baseline);
        assert_eq!(decide(true), Tiers::AsSet);
    }
}
