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
//! itself a short delay after they empty (its `purge_delay`, 10 ms) — but only when it is next
//! used; [`release`] does it at once. It is built without
//! transparent huge pages (`no_thp`): with them it asked the kernel for 2 MB pages, which held
//! 12 MB more in a headless peer and 25 MB more in the app's process (`bench/session-bench.mjs`;
//! 15.2 and 176 MB resident without them, as with glibc) and made a cold open zero whole huge
//! pages.

/// The allocator type, for `#[global_allocator] static A: Allocator = ALLOCATOR;`.
pub type Allocator = mimalloc::MiMalloc;

/// The allocator value to declare.
pub const ALLOCATOR: Allocator = mimalloc::MiMalloc;

/// Gives the free memory mimalloc holds back to the system now, instead of after its purge
/// delay (which only runs when the allocator is next used): the calling thread's free pages
/// and those of threads that ended. Cheap when there is none; the desktop app calls it once a
/// burst of loads has settled, next to glibc's `malloc_trim` for the C libraries' heap.
pub fn release() {
    // SAFETY: mi_collect only walks mimalloc's own heaps and takes their locks; it may be
    // called from any thread at any time, whether or not mimalloc is the global allocator.
    unsafe { libmimalloc_sys::mi_collect(true) }
}
