//! How the web view's JavaScript engine (JavaScriptCore) is tuned: two options, set in this
//! process's environment first thing in `main`, which the web process inherits (JSC reads
//! variables named `JSC_<option>` when its process starts). Either one set beforehand, to
//! anything, wins: that is how to measure without it.
//!
//! - **Optimizing tiers off** (`JSC_useDFGJIT=0`, which also turns off FTL). JSC runs code
//!   in four tiers: an interpreter, a baseline JIT, and two optimizing compilers (DFG, and
//!   FTL on top of it) that recompile hot functions on background threads. The UI's work
//!   comes in short bursts — decoding a brief, binding its editors, one keystroke's
//!   transaction — that are over before an optimized version would pay back its
//!   compilation. Measured with the large brief open (ARCHITECTURE.md, "Memory"): without
//!   the optimizing tiers the web process held about 19 MB less, and opening the brief and
//!   keystroke-to-stored were not slower.
//! - **No code cache** (`JSC_useCodeCache=0`). JSC keeps the compiled code of evaluated
//!   scripts in a cache in case the same text runs again. When engine messages reached the
//!   page through a Tauri channel — which delivers a message under 1 KiB by evaluating a
//!   script that carries it, dozens of new scripts a second in a live session — the typing
//!   window's web process grew 15–23 MB over the first minute of the joint-session benchmark
//!   (`bench/session-bench.mjs`) with the cache and 7–11 MB without, and keystroke-to-painted
//!   was not slower. Engine messages now come over the editor's WebSocket link
//!   (`groundwork::frontend::socket`) and command replies by Tauri's custom protocol, neither
//!   as a script; the option stays because a test driver's scripts never run twice either,
//!   and the page's own script is evaluated once, so nothing the app runs twice loses by it.

/// The tiers option.
pub const OPTIMIZING_TIERS: &str = "JSC_useDFGJIT";
/// The code cache option.
pub const CODE_CACHE: &str = "JSC_useCodeCache";

/// What was decided for one option, and why (logged at start and reported as a metric).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Set to "0" by the shell.
    Off,
    /// Left as set in the environment.
    AsSet,
}

/// Both decisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuning {
    pub tiers: Choice,
    pub code_cache: Choice,
}

impl Tuning {
    /// The metrics, each 0 when the shell turned the option off and 1 when it was left as
    /// set: `js_tiers` and `js_code_cache`, with their details.
    pub fn metrics(self) -> [(&'static str, f64, String); 2] {
        let one = |choice: Choice, var: &str, off: &str| match choice {
            Choice::Off => (0.0, format!("{off} ({var}=0)")),
            Choice::AsSet => (1.0, format!("{var} as set")),
        };
        let (t, td) = one(self.tiers, OPTIMIZING_TIERS, "interpreter and baseline JIT");
        let (c, cd) = one(self.code_cache, CODE_CACHE, "no code cache");
        [("js_tiers", t, td), ("js_code_cache", c, cd)]
    }
}

/// The rule for one option: set it to "0" unless it is already set. Pure, for the tests.
pub fn decide(already_set: bool) -> Choice {
    if already_set {
        Choice::AsSet
    } else {
        Choice::Off
    }
}

/// Decides and applies both decisions to this process's environment, which the web process
/// inherits. Must run first in `main`, before any thread exists.
pub fn apply() -> Tuning {
    let one = |var: &str| {
        let choice = decide(std::env::var_os(var).is_some());
        if choice == Choice::Off {
            std::env::set_var(var, "0");
        }
        choice
    };
    Tuning {
        tiers: one(OPTIMIZING_TIERS),
        code_cache: one(CODE_CACHE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_off_unless_someone_said_otherwise() {
        assert_eq!(decide(false), Choice::Off);
        assert_eq!(decide(true), Choice::AsSet);
    }

    #[test]
    fn each_decision_is_its_own_metric() {
        let t = Tuning {
            tiers: Choice::Off,
            code_cache: Choice::AsSet,
        };
        let m = t.metrics();
        assert_eq!((m[0].0, m[0].1), ("js_tiers", 0.0));
        assert_eq!((m[1].0, m[1].1), ("js_code_cache", 1.0));
        assert!(m[1].2.contains(CODE_CACHE));
    }
}
