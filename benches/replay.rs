//! Replays ../shared/data/automerge-paper.json.gz (259,778 edits) into a brief section through
//! the engine with persistence on, and side by side into a bare yrs document with no
//! persistence (the ceiling). Prints edits/s, bytes on disk before and after compaction, the
//! v2-encoded state size, cold-open time, and per-edit durable latency. Exits non-zero if any
//! replay does not reproduce the trace's final text.
//!
//! Run: `cargo bench --bench replay` (or `scripts/bench.sh`). GROUNDWORK_TRACE=path overrides
//! the trace file.

/// mimalloc, as in every Groundwork binary (`groundwork::allocator` says why)
#[global_allocator]
static ALLOC: groundwork::allocator::Allocator = groundwork::allocator::ALLOCATOR;

use groundwork::brief::new_doc;
use groundwork::trace::Trace;
use groundwork::{Engine, Section, Template};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use yrs::{GetString, Text, Transact};

fn trace_path() -> PathBuf {
    std::env::var_os("GROUNDWORK_TRACE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/automerge-paper.json.gz")
        })
}

/// The ceiling: the same edits into the same yrs type shape (a section's body: one Y.Text
/// whose first block marker precedes the text), one transaction per edit, no persistence.
fn bare_yrs(trace: &Trace) -> (Duration, String) {
    let doc = new_doc(uuid::Uuid::new_v4(), 7);
    let text = doc.get_or_insert_text("body:problem");
    {
        let mut txn = doc.transact_mut();
        groundwork::body::insert_marker(
            &mut txn,
            &text,
            0,
            &groundwork::body::BlockAttrs::paragraph(),
        );
    }
    let start = Instant::now();
    for p in &trace.patches {
        let mut txn = doc.transact_mut();
        if p.delete > 0 {
            text.remove_range(&mut txn, p.pos + 1, p.delete);
        }
        if !p.insert.is_empty() {
            text.insert(&mut txn, p.pos + 1, &p.insert);
        }
    }
    let elapsed = start.elapsed();
    let txn = doc.transact();
    let out = groundwork::body::blocks(&text, &txn)
        .first()
        .map(|b| b.text())
        .unwrap_or_default();
    (elapsed, out)
}

/// The notes' setup: a root Y.Text with yrs' default byte offsets.
fn bare_ytext_bytes(trace: &Trace) -> (Duration, String) {
    let doc = yrs::Doc::new();
    let text = doc.get_or_insert_text("t");
    let start = Instant::now();
    for p in &trace.patches {
        let mut txn = doc.transact_mut();
        if p.delete > 0 {
            text.remove_range(&mut txn, p.pos, p.delete);
        }
        if !p.insert.is_empty() {
            text.insert(&mut txn, p.pos, &p.insert);
        }
    }
    let elapsed = start.elapsed();
    let out = text.get_string(&doc.transact());
    (elapsed, out)
}

struct Run {
    elapsed: Duration,
    flushes: usize,
    id: uuid::Uuid,
    disk: u64,
    v2_len: usize,
}

fn persisted_replay(
    rt: &tokio::runtime::Runtime,
    trace: &Trace,
    dir: &std::path::Path,
    auto: bool,
) -> Run {
    rt.block_on(async {
        let mut engine = Engine::open(dir).await.expect("open");
        if !auto {
            engine.set_compact_after(None);
        }
        let brief = engine
            .create("automerge-paper", Template::ProblemFirst)
            .await
            .expect("create");
        let start = Instant::now();
        let mut last = Instant::now();
        let mut flushes = 0usize;
        for p in &trace.patches {
            if p.delete > 0 {
                brief.delete_text(Section::Problem, p.pos, p.delete);
            }
            if !p.insert.is_empty() {
                brief.insert_text(Section::Problem, p.pos, &p.insert);
            }
            if last.elapsed() >= Duration::from_millis(5) {
                engine.flush(&brief).await.expect("flush");
                flushes += 1;
                last = Instant::now();
            }
        }
        // put away as the CLI and a running peer put a brief away when they are done
        engine.settle(&brief).await.expect("settle");
        let elapsed = start.elapsed();
        if brief.section_text(Section::Problem) != trace.end {
            eprintln!("FAIL: engine replay does not match endContent");
            std::process::exit(1);
        }
        let run = Run {
            elapsed,
            flushes: flushes + 1,
            id: brief.id(),
            disk: engine.store().disk_bytes(),
            v2_len: brief.encode_state_v2().len(),
        };
        engine.store().close().await;
        run
    })
}

/// Opens the data directory and the brief from scratch; returns the time and whether the
/// text matches the trace.
fn cold_open(
    rt: &tokio::runtime::Runtime,
    dir: &std::path::Path,
    id: uuid::Uuid,
    trace: &Trace,
) -> (Duration, bool) {
    rt.block_on(async {
        let t = Instant::now();
        let engine = Engine::open(dir).await.expect("open");
        let b = engine.open_brief(id).await.expect("open brief").brief;
        let elapsed = t.elapsed();
        let ok = b.section_text(Section::Problem) == trace.end;
        engine.store().close().await;
        (elapsed, ok)
    })
}

/// Seven cold opens of the same data directory, sorted; `failed` is set if one did not
/// reproduce the trace.
fn cold_opens(
    rt: &tokio::runtime::Runtime,
    dir: &std::path::Path,
    id: uuid::Uuid,
    trace: &Trace,
    failed: &mut bool,
) -> Vec<Duration> {
    let mut opens: Vec<Duration> = (0..7)
        .map(|_| {
            let (d, ok) = cold_open(rt, dir, id, trace);
            *failed |= !ok;
            d
        })
        .collect();
    opens.sort();
    opens
}

/// How many times the bare and the persisted replay run, in turns.
const ROUNDS: usize = 3;

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` passes nothing useful either way.
    let path = trace_path();
    let trace = match Trace::load(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let n = trace.patches.len();
    println!(
        "trace: {} ({n} edits, final length {})",
        path.display(),
        trace.end.len()
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut failed = false;

    // 1. bare yrs, no persistence, and 2. through the engine, persisted, group commit every
    // 5 ms, default auto-compaction: in turns, ROUNDS times each, medians (one run of each
    // moved by ±15 % with this machine's pace)
    let mut bares = Vec::with_capacity(ROUNDS);
    let mut runs = Vec::with_capacity(ROUNDS);
    let mut dir = tempfile::tempdir().expect("tempdir");
    for _ in 0..ROUNDS {
        let (bare, bare_text) = bare_yrs(&trace);
        if bare_text != trace.end {
            eprintln!("FAIL: bare yrs replay does not match endContent");
            failed = true;
        }
        bares.push(bare);
        dir = tempfile::tempdir().expect("tempdir");
        runs.push(persisted_replay(&rt, &trace, dir.path(), true));
    }
    bares.sort();
    let bare = pct(&bares, 0.5);
    let run = runs.pop().expect("a round ran");
    let mut persisted: Vec<Duration> = runs.iter().map(|r| r.elapsed).collect();
    persisted.push(run.elapsed);
    persisted.sort();
    let persisted = pct(&persisted, 0.5);
    let opens_default = cold_opens(&rt, dir.path(), run.id, &trace, &mut failed);

    let (bare_bytes, t2) = bare_ytext_bytes(&trace);
    if t2 != trace.end {
        eprintln!("FAIL: bare Y.Text replay does not match endContent");
        failed = true;
    }

    // 3. the same with auto-compaction off: one long log, then one compaction
    let raw_dir = tempfile::tempdir().expect("tempdir");
    let raw = persisted_replay(&rt, &trace, raw_dir.path(), false);
    let (open_log, ok) = cold_open(&rt, raw_dir.path(), raw.id, &trace);
    failed |= !ok;
    let (compact_time, after) = rt.block_on(async {
        let engine = Engine::open(raw_dir.path()).await.expect("open");
        let t = Instant::now();
        engine.compact(raw.id).await.expect("compact");
        let el = t.elapsed();
        let after = engine.store().disk_bytes();
        engine.store().close().await;
        (el, after)
    });
    let opens = cold_opens(&rt, raw_dir.path(), raw.id, &trace, &mut failed);

    // 4. durable latency of single edits: one flush (fsync'd transaction) per keystroke
    let lat_dir = tempfile::tempdir().expect("tempdir");
    let mut lat: Vec<Duration> = rt.block_on(async {
        let engine = Engine::open(lat_dir.path()).await.expect("open");
        let brief = engine
            .create("latency", Template::ProblemFirst)
            .await
            .expect("create");
        let mut v = Vec::with_capacity(5000);
        for p in trace.patches.iter().take(5000) {
            let t = Instant::now();
            if p.delete > 0 {
                brief.delete_text(Section::Problem, p.pos, p.delete);
            }
            if !p.insert.is_empty() {
                brief.insert_text(Section::Problem, p.pos, &p.insert);
            }
            engine.flush(&brief).await.expect("flush");
            v.push(t.elapsed());
        }
        v
    });
    lat.sort();

    let eps = |d: Duration| n as f64 / d.as_secs_f64();
    println!();
    println!(
        "{:<52} {:>14} {:>14}",
        "replay of automerge-paper", "time", "edits/s"
    );
    println!(
        "{:<52} {:>12.2} s {:>14.0}",
        format!("bare yrs, same body Y.Text + UTF-16 (median of {ROUNDS})"),
        bare.as_secs_f64(),
        eps(bare)
    );
    println!(
        "{:<52} {:>12.2} s {:>14.0}",
        "bare yrs, root Y.Text, byte offsets (notes' setup)",
        bare_bytes.as_secs_f64(),
        eps(bare_bytes)
    );
    println!(
        "{:<52} {:>12.2} s {:>14.0}",
        format!(
            "engine, persisted, median of {ROUNDS} (~{} flushes)",
            run.flushes
        ),
        persisted.as_secs_f64(),
        eps(persisted)
    );
    println!(
        "{:<52} {:>12.2} s {:>14.0}",
        "engine, persisted, auto-compaction off",
        raw.elapsed.as_secs_f64(),
        eps(raw.elapsed)
    );
    println!(
        "{:<52} {:>14.2}x  (target <= 2.0x)",
        "persisted / bare (default engine, medians)",
        persisted.as_secs_f64() / bare.as_secs_f64()
    );
    println!(
        "{:<52} {:>12} s",
        "reference: Yjs in Node + y-leveldb (issue text)", "29-33"
    );
    println!();
    println!("{:<52} {:>14}", "v2-encoded state of the brief", run.v2_len);
    println!(
        "{:<52} {:>14}",
        "bytes on disk, default engine (auto-compacted)", run.disk
    );
    println!(
        "{:<52} {:>14}",
        "bytes on disk before compaction (auto off)", raw.disk
    );
    println!("{:<52} {:>14}", "bytes on disk after compaction", after);
    println!(
        "{:<52} {:>14.2}x  (target <= 1.2x)",
        "compacted db / v2 state",
        after as f64 / raw.v2_len as f64
    );
    println!(
        "{:<52} {:>12.1} ms",
        "compaction of the whole 259,778-edit log",
        compact_time.as_secs_f64() * 1e3
    );
    println!();
    println!(
        "{:<52} {:>12.1} ms  (target <= 10 ms)",
        "cold open, default engine (median of 7)",
        pct(&opens_default, 0.5).as_secs_f64() * 1e3
    );
    println!(
        "{:<52} {:>12.1} ms",
        "cold open, whole uncompacted log",
        open_log.as_secs_f64() * 1e3
    );
    println!(
        "{:<52} {:>12.1} ms  (target <= 10 ms)",
        "cold open, compacted (median of 7)",
        pct(&opens, 0.5).as_secs_f64() * 1e3
    );
    println!(
        "{:<52} {:>12.1} ms",
        "cold open, compacted (max of 7)",
        opens[opens.len() - 1].as_secs_f64() * 1e3
    );
    println!(
        "{:<52} {:>12} ms",
        "reference: Yjs + y-leveldb cold open (issue text)", "70-80"
    );
    println!();
    println!(
        "{:<52} {:>9.3} / {:.3} / {:.3} ms",
        "one edit applied + durably stored, p50/p99/max",
        pct(&lat, 0.5).as_secs_f64() * 1e3,
        pct(&lat, 0.99).as_secs_f64() * 1e3,
        lat[lat.len() - 1].as_secs_f64() * 1e3
    );
    if failed {
        eprintln!("FAIL: a replay or reopen did not reproduce the trace");
        std::process::exit(1);
    }
}
