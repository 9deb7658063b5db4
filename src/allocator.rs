//! The heap allocator every Groundwork binary uses (the CLI, the desktop app, the benchmarks):
//! mimalloc, declared by each binary as its `#[global_allocator]` with [`ALLOCATOR`].
//!
//! Opening a brief decodes its whole history: one small allocation per item, per key, per
//! string. glibc's allocator spent about a third of a large brief's decode in `malloc`/`free`
//! (and its chunk consolidation); mimalloc's per-thread free lists halve that. On the
//! automerge-paper brief a cold open went from 7.4 to 5.9 ms, and comment threads (small maps
//! of strings: the most allocation-heavy part of a brief) cost half as much to load
//! (`cargo bench --bench versions`; ARCHITECTURE.md, "Memory").
//!
//! Only Rust's allocations go through it: WebKit, GTK and SQLite keep glibc's allocator, which
//! the desktop app still trims after a burst of loads. mimalloc gives freed pages back by
//! itself, a short delay after they empty (its `purge_delay`, 10 ms). It is built without
//! transparent huge pages (`no_thp`): with them it asked the kernel for 2 MB pages, which held
//! 12 MB more in a headless peer and 25 MB more in the app's process (`bench/session-bench.mjs`;
//! 15.2 and 176 MB resident without them, as with glibc) and made a cold open zero whole huge
//! pages.

/// The allocator type, for `#[global_allocator] static A: Allocator = ALLOCATOR;`.
pub type Allocator = mimalloc::MiMalloc;

/// The allocator value to declare.
pub const ALLOCATOR: Allocator = mimalloc::MiMalloc;
