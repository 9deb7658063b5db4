//! Giving freed heap back to the system. Loading a brief (for the list's search text, or to
//! open it) decodes its whole history: tens of megabytes allocated and freed within
//! milliseconds; a burst of typing flushes and compacts. Allocators keep freed memory for
//! reuse, so the app would carry that peak for as long as it runs. Once such a burst settles,
//! [`Trimmer::soon`] hands the free pages back: mimalloc's (Rust's heap,
//! `groundwork::allocator`) with `mi_collect`, glibc's (the C libraries': GTK, SQLite) with
//! `malloc_trim` (ARCHITECTURE.md, "Memory").

use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// How long after the last load or edit the trim runs: they come in bursts (the list loads
/// every brief it has not summarised yet, an open follows a list, keystrokes follow each
/// other), one trim per burst is enough.
const SETTLE: Duration = Duration::from_millis(500);

/// Schedules heap trims; cheap to clone and to call from any command.
#[derive(Clone)]
pub struct Trimmer {
    wake: Arc<Notify>,
}

impl Trimmer {
    /// Starts the background task that trims once loads have settled.
    pub fn start() -> Trimmer {
        let wake = Arc::new(Notify::new());
        let task = wake.clone();
        tauri::async_runtime::spawn(async move {
            loop {
                task.notified().await;
                // a burst of loads: wait until none came for SETTLE
                while tokio::time::timeout(SETTLE, task.notified()).await.is_ok() {}
                let released = tauri::async_runtime::spawn_blocking(trim).await;
                if let Ok(Some((before, after))) = released {
                    tracing::debug!(before_kib = before, after_kib = after, "heap trimmed");
                }
            }
        });
        Trimmer { wake }
    }

    /// A load or an edit just finished: trim once things are quiet.
    pub fn soon(&self) {
        self.wake.notify_one();
    }
}

/// Hands free heap pages back to the system; resident KiB before and after where known.
pub fn trim() -> Option<(u64, u64)> {
    let before = resident_kib();
    release();
    Some((before?, resident_kib()?))
}

fn release() {
    groundwork::allocator::release();
    trim_c_heap();
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn trim_c_heap() {
    // SAFETY: malloc_trim only walks glibc's own arenas; it takes their locks and is safe to
    // call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn trim_c_heap() {}

/// This process's resident memory in KiB (Linux), for the log line.
fn resident_kib() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4)
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::*;

    /// Both heaps, one after the other (the figures are the whole process's resident memory,
    /// so the two must not run at once).
    #[test]
    fn trim_gives_freed_heap_back() {
        rusts_freed_heap();
        the_c_heaps_freed_pages();
    }

    /// Rust's heap: 64 MiB of small blocks freed. mimalloc purges freed pages only when it is
    /// next used; the trim gives them back at once.
    fn rusts_freed_heap() {
        let blocks: Vec<Box<[u8; 1024]>> = (0..65_536)
            .map(|i| Box::new([(i % 251) as u8; 1024]))
            .collect();
        assert!(blocks.iter().all(|b| b[1023] < 251));
        drop(blocks);
        let (before, after) = trim().expect("/proc/self/statm");
        assert!(
            before.saturating_sub(after) > 32 * 1024,
            "trim released only {} KiB (resident {before} -> {after} KiB)",
            before.saturating_sub(after)
        );
    }

    /// The C libraries' heap (glibc): most of 64 MiB of small blocks freed while every 64th
    /// stays alive, so the heap cannot shrink from its top by itself: only a trim gives the
    /// free pages back.
    fn the_c_heaps_freed_pages() {
        // SAFETY: plain malloc/free of blocks this test owns; each is written before read and
        // freed once.
        unsafe {
            let blocks: Vec<*mut u8> = (0..65_536)
                .map(|i| {
                    let p = libc::malloc(1024) as *mut u8;
                    assert!(!p.is_null());
                    std::ptr::write_bytes(p, (i % 251) as u8, 1024);
                    p
                })
                .collect();
            let mut kept = Vec::new();
            for (i, p) in blocks.into_iter().enumerate() {
                if i % 64 == 0 {
                    kept.push(p);
                } else {
                    libc::free(p as *mut libc::c_void);
                }
            }
            let (before, after) = trim().expect("/proc/self/statm");
            assert!(
                before.saturating_sub(after) > 32 * 1024,
                "trim released only {} KiB (resident {before} -> {after} KiB)",
                before.saturating_sub(after)
            );
            assert_eq!(kept.len(), 1024);
            for (i, p) in kept.into_iter().enumerate() {
                assert_eq!(*p, ((i * 64) % 251) as u8);
                libc::free(p as *mut libc::c_void);
            }
        }
    }
}
