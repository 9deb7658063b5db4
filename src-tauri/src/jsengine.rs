//! How the web view's JavaScript engine (JavaScriptCore) is tuned: three options, set in this
//! process's environment first thing in `main`, which the web process inherits (JSC reads
//! variables named `JSC_<option>` when its process starts). Any one set beforehand, to
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
//! - **Baseline JIT for hot code only** (`JSC_thresholdForJITAfterWarmUp=50000`, JSC's
//!   default 500). A function leaves the interpreter for the baseline JIT once its counter
//!   passes the threshold (about 15 a call, 1 a loop iteration): by default after some 30
//!   calls, so a live session compiles every function that typing, rendering remote edits
//!   and carets ever run, and each compiled function keeps its code and its inline caches
//!   and profiles on the web process's heap. At 50,000 a function compiles after some 3,000
//!   calls or a loop of 50,000 iterations: decoding a brief and the busiest editor paths
//!   still do. Measured in the joint-session benchmark (`bench/session-bench.mjs`, five
//!   runs each, and three more of the shell with it set): the typing window's web process
//!   grew 4.6–6.2 MB over the first minute instead of 6.9–11.1, 1–3 MB in the second, and
//!   held about 9 MB less (211 MB against 220). The price: opening the automerge-paper brief
//!   took 254–257 ms instead of 213–214 (medians of 5 and 7 opens, `bench/open-bench.mjs`;
//!   the target is 300), and keystroke-to-painted (`bench/pair-bench.mjs`, two runs) p99
//!   21–23 ms through a middle peer on a small brief (20–21 before; the target is 25) and
//!   34–36 on the large one (29–35 before).
//!   Lower thresholds saved less (5,000: nothing measurable), higher ones opened slower
//!   (100,000: 271 ms, 300,000: 288, none at all: about 480).

/// The tiers option.
pub const OPTIMIZING_TIERS: &str = "JSC_useDFGJIT";
/// The code cache option.
pub const CODE_CACHE: &str = "JSC_useCodeCache";
/// The baseline JIT's threshold.
pub const JIT_THRESHOLD: &str = "JSC_thresholdForJITAfterWarmUp";

/// One option the shell sets: its variable, the value it sets, the metric that reports the
/// decision and what that value means.
pub struct Setting {
    pub var: &'static str,
    pub value: &'static str,
    pub metric: &'static str,
    pub meaning: &'static str,
}

/// Every option the shell sets, in the order of [`Tuning::choices`].
pub const SETTINGS: [Setting; 3] = [
    Setting {
        var: OPTIMIZING_TIERS,
        value: "0",
        metric: "js_tiers",
        meaning: "interpreter and baseline JIT",
    },
    Setting {
        var: CODE_CACHE,
        value: "0",
        metric: "js_code_cache",
        meaning: "no code cache",
    },
    Setting {
        var: JIT_THRESHOLD,
        value: "50000",
        metric: "js_jit_threshold",
        meaning: "baseline JIT for hot code only",
    },
];

/// What was decided for one option, and why (logged at start and reported as a metric).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Set by the shell to its [`Setting::value`].
    Shell,
    /// Left as set in the environment.
    AsSet,
}

/// The decision for each of [`SETTINGS`], in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuning {
    pub choices: [Choice; SETTINGS.len()],
}

impl Tuning {
    /// One metric per setting, 0 when the shell set it and 1 when it was left as set
    /// (`js_tiers`, `js_code_cache`, `js_jit_threshold`), with what that means.
    pub fn metrics(self) -> Vec<(&'static str, f64, String)> {
        SETTINGS
            .iter()
            .zip(self.choices)
            .map(|(s, choice)| match choice {
                Choice::Shell => (
                    s.metric,
                    0.0,
                    format!("{} ({}={})", s.meaning, s.var, s.value),
                ),
                Choice::AsSet => (s.metric, 1.0, format!("{} as set", s.var)),
            })
            .collect()
    }
}

/// The rule for one option: the shell's value unless it is already set. Pure, for the tests.
pub fn decide(already_set: bool) -> Choice {
    if already_set {
        Choice::AsSet
    } else {
        Choice::Shell
    }
}

/// Decides and applies every setting to this process's environment, which the web process
/// inherits. Must run first in `main`, before any thread exists.
pub fn apply() -> Tuning {
    Tuning {
        choices: SETTINGS.map(|s| {
            let choice = decide(std::env::var_os(s.var).is_some());
            if choice == Choice::Shell {
                std::env::set_var(s.var, s.value);
            }
            choice
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_the_shells_unless_someone_said_otherwise() {
        assert_eq!(decide(false), Choice::Shell);
        assert_eq!(decide(true), Choice::AsSet);
    }

    #[test]
    fn each_decision_is_its_own_metric() {
        let t = Tuning {
            choices: [Choice::Shell, Choice::AsSet, Choice::Shell],
        };
        let m = t.metrics();
        assert_eq!((m[0].0, m[0].1), ("js_tiers", 0.0));
        assert_eq!((m[1].0, m[1].1), ("js_code_cache", 1.0));
        assert!(m[1].2.contains(CODE_CACHE));
        assert_eq!((m[2].0, m[2].1), ("js_jit_threshold", 0.0));
        assert!(m[2].2.contains("JSC_thresholdForJITAfterWarmUp=50000"));
    }
}
