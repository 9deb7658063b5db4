//! What versions cost on the automerge-paper brief (issue 15, point 3): the trace's 259,778
//! edits typed into the problem statement (one transaction each, as the editor makes them),
//! then 20 versions, each after a paragraph more was written. Prints, side by side with the
//! same brief without versions: the encoded state (bytes) and what one version adds, the time
//! to load the brief from its state, to save a version, to compute a version's difference from
//! now, and to restore one section; and the yrs-snapshot alternative's cost (the same brief
//! with garbage collection off, which snapshots need); and opening the brief (load and the
//! editor view) with 200 comment threads against none, split into load and view. Exits
//! non-zero if a restore does not give the version's text back.
//!
//! Run: `cargo bench --bench versions` (or `scripts/bench.sh`). GROUNDWORK_TRACE=path overrides
//! the trace file.

/// mimalloc, as in every Groundwork binary (`groundwork::allocator` says why)
#[global_allocator]
static ALLOC: groundwork::allocator::Allocator = groundwork::allocator::ALLOCATOR;

use groundwork::brief::{Brief, Member, VersionKind};
use groundwork::trace::Trace;
use groundwork::typing::SectionTypist;
use groundwork::{Role, Section, Template};
use std::path::PathBuf;
use std::time::{Duration, Instant};
use yrs::updates::decoder::Decode;

fn trace_path() -> PathBuf {
    std::env::var_os("GROUNDWORK_TRACE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/automerge-paper.json.gz")
        })
}

fn me() -> Member {
    Member {
        device: "ab".repeat(32),
        name: "Bench".into(),
        role: Role::Engineer,
    }
}

fn typed(trace: &Trace) -> Brief {
    let b = Brief::create("automerge-paper", Template::ProblemFirst, me());
    {
        let mut t = SectionTypist::new(&b, Section::Problem).expect("a typist");
        for p in &trace.patches {
            if p.delete > 0 {
                t.delete(p.pos, p.delete);
            }
            if !p.insert.is_empty() {
                t.insert(p.pos, &p.insert);
            }
        }
    }
    b
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn load(state: &[u8]) -> (Brief, Duration) {
    let start = Instant::now();
    let update = yrs::Update::decode_v1(state).expect("a state");
    let b = Brief::loaded(uuid::Uuid::new_v4(), me(), vec![update]).expect("loads");
    (b, start.elapsed())
}

fn main() {
    let trace = Trace::load(&trace_path()).expect("the automerge-paper trace (../shared/data)");
    eprintln!("[versions] typing {} edits…", trace.patches.len());
    let plain = typed(&trace);
    let plain_state = plain.encode_state_v1();

    let b = typed(&trace);
    let mut save = Vec::new();
    let mut ids = Vec::new();
    for i in 0..20 {
        b.append_paragraph(
            Section::Problem,
            &format!("Paragraph {i} written after version {i}, so the next version differs."),
        );
        let start = Instant::now();
        ids.push(
            b.save_version(&format!("v{i}"), VersionKind::Named)
                .expect("saved"),
        );
        save.push(start.elapsed());
    }
    let versioned_state = b.encode_state_v1();
    let per_version = (versioned_state.len() - plain_state.len()) / 20;

    let mut diffs = Vec::new();
    for id in ids.iter().take(5) {
        let start = Instant::now();
        let d = b.version_diff(id).expect("a diff");
        diffs.push(start.elapsed());
        assert!(d.iter().any(|s| s.changed));
    }
    let mut restores = Vec::new();
    for id in ids.iter().take(3) {
        let want = b.version_markdown(id, Section::Problem).unwrap().unwrap();
        let start = Instant::now();
        b.restore_version(id, Some(Section::Problem))
            .expect("restored");
        restores.push(start.elapsed());
        if b.section_markdown(Section::Problem) != want {
            eprintln!("[versions] FAILED: the restore did not give the version's text back");
            std::process::exit(1);
        }
    }

    let opens_plain: Vec<Duration> = (0..5).map(|_| load(&plain_state).1).collect();
    let opens_versioned: Vec<Duration> = (0..5).map(|_| load(&versioned_state).1).collect();

    // the alternative: yrs snapshots need the brief's garbage collection off, which keeps every
    // deleted character of the history in the document; the same history, bare, both ways
    let bare = |skip_gc: bool| -> usize {
        use yrs::{ReadTxn, Text, Transact};
        let doc = yrs::Doc::with_options(yrs::Options {
            skip_gc,
            ..yrs::Options::default()
        });
        let text = doc.get_or_insert_text("body:problem");
        for p in &trace.patches {
            let mut txn = doc.transact_mut();
            if p.delete > 0 {
                text.remove_range(&mut txn, p.pos, p.delete);
            }
            if !p.insert.is_empty() {
                text.insert(&mut txn, p.pos, &p.insert);
            }
        }
        let txn = doc.transact();
        txn.encode_state_as_update_v1(&yrs::StateVector::default())
            .len()
    };
    let (gc_off, gc_on) = (bare(true), bare(false));

    // 200 comment threads on the same brief: opening it (load, then the editor view, which
    // reads every thread and resolves its anchors) against none
    let c = typed(&trace);
    let mut made = 0;
    for b in c.section_blocks(Section::Problem) {
        if made == 200 {
            break;
        }
        let quote: String = b.text().chars().take(10).collect();
        if quote.chars().count() < 10 {
            continue;
        }
        if let Some((i, l)) = c.find_quote(Section::Problem, &quote) {
            c.add_comment(Section::Problem, i, l, "A comment on these words.", None)
                .expect("a thread");
            made += 1;
        }
    }
    let commented_state = c.encode_state_v1();
    // (load, editor view) of one open
    let open_with = |state: &[u8]| {
        let (b, load) = load(state);
        let start = Instant::now();
        std::hint::black_box(groundwork::frontend::editor_view(&b));
        (load, start.elapsed())
    };
    // the two take turns, the order flipped every round (a fixed order favours one slot)
    let (mut commented, mut uncommented) = (Vec::new(), Vec::new());
    for round in 0..15 {
        if round % 2 == 0 {
            commented.push(open_with(&commented_state));
            uncommented.push(open_with(&plain_state));
        } else {
            uncommented.push(open_with(&plain_state));
            commented.push(open_with(&commented_state));
        }
    }
    let parts = |runs: &[(Duration, Duration)]| -> (Vec<Duration>, Vec<Duration>, Vec<Duration>) {
        (
            runs.iter().map(|(l, v)| *l + *v).collect(),
            runs.iter().map(|(l, _)| *l).collect(),
            runs.iter().map(|(_, v)| *v).collect(),
        )
    };
    let (opens_commented, loads_commented, views_commented) = parts(&commented);
    let (opens_uncommented, loads_uncommented, views_uncommented) = parts(&uncommented);
    let open_ratio = median(opens_commented.clone()).as_secs_f64()
        / median(opens_uncommented.clone()).as_secs_f64();

    println!(
        "\n## Versions on the automerge-paper brief ({} edits, {} characters)\n",
        trace.patches.len(),
        trace.end.chars().count()
    );
    println!("| figure | with 20 versions | without versions | target |");
    println!("|---|---|---|---|");
    println!(
        "| encoded state (bytes) | {} | {} | |",
        versioned_state.len(),
        plain_state.len()
    );
    println!("| bytes per version (a paragraph changed between versions) | {per_version} | | |");
    println!(
        "| load the brief from its state, median of 5 (ms) | {} | {} | within 1.2x |",
        ms(median(opens_versioned)),
        ms(median(opens_plain))
    );
    println!(
        "| save a version, median of 20 (ms) | {} | | |",
        ms(median(save))
    );
    println!(
        "| a version's difference from now, median of 5 (ms) | {} | | <= 300 ms |",
        ms(median(diffs))
    );
    println!(
        "| restore one section, median of 3 (ms) | {} | | <= 300 ms |",
        ms(median(restores))
    );
    println!(
        "| open the brief (load + editor view) with {made} comment threads vs none, median of 15, in turns (ms) | {} | {} | within 1.2x |",
        ms(median(opens_commented)),
        ms(median(opens_uncommented))
    );
    println!("| open with threads / without | {open_ratio:.2}x | | <= 1.20x |");
    println!(
        "| of which: load / editor view (ms) | {} / {} | {} / {} | |",
        ms(median(loads_commented)),
        ms(median(views_commented)),
        ms(median(loads_uncommented)),
        ms(median(views_uncommented))
    );
    println!("| the alternative: the bare history with gc off, as yrs snapshots need (bytes) | {gc_off} | {gc_on} (gc on) | |");
}
