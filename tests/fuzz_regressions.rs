//! Replays every committed fuzz input — the seed corpus (`fuzz/corpus/<target>/`) and every
//! input a fuzzer ever found a crash with (`fuzz/regressions/<target>/`) — through the same
//! functions the fuzz targets call (`groundwork::fuzzing`), so a normal `cargo test` fails if
//! any of them panics again.
//!
//! `cargo test --test fuzz_regressions -- --ignored write_seed_corpus` (run by
//! `scripts/fuzz.sh`) writes the seed corpus anew from real traffic: the messages, frames,
//! stored rows, invites and exports of briefs that replay the editing traces in
//! `../shared/data` and sync them between two peers.

use groundwork::brief::{Brief, Member, NewDecision};
use groundwork::model::{ConcernKind, Role, Section, Template};
use groundwork::sync::{self, Frame};
use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz")
}

#[test]
fn every_committed_fuzz_input_runs_clean() {
    let mut ran = 0;
    for (name, target) in groundwork::fuzzing::TARGETS {
        for kind in ["corpus", "regressions"] {
            let dir = fuzz_dir().join(kind).join(name);
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                let data = std::fs::read(e.path()).unwrap();
                let run = std::panic::catch_unwind(|| target(&data));
                assert!(run.is_ok(), "{name}: {} panics", e.path().display());
                ran += 1;
            }
        }
        assert!(
            fuzz_dir().join("corpus").join(name).is_dir(),
            "no seed corpus for the {name} target"
        );
    }
    eprintln!("{ran} fuzz inputs replayed");
}

/// Decodes the committed `stored_blob` input `name` as a v2 snapshot and checks it is refused
/// as malformed in the way `kind` says, without a panic, and that the store refuses the row.
fn refused_at_once(name: &str, kind: yrs::encoding::read::MalformedKind) {
    use yrs::encoding::read::Error;
    use yrs::updates::decoder::Decode;
    let bomb = std::fs::read(fuzz_dir().join("regressions/stored_blob").join(name)).unwrap();
    let run = std::panic::catch_unwind(|| yrs::Update::decode_v2(&bomb));
    assert!(
        matches!(&run, Ok(Err(Error::Malformed(k))) if std::mem::discriminant(k) == std::mem::discriminant(&kind)),
        "{:?}",
        run.map(|r| r.map(|_| ()))
    );
    // the row as the store reads it: a typed refusal, not a panic
    let row = groundwork::blob::encode(groundwork::blob::BlobKind::Snapshot, &bomb);
    assert!(groundwork::store::check_row(&row).is_err());
}

/// A stored snapshot (v2) whose run-length columns repeat a block without end: 613 bytes that
/// made yrs allocate 2 GB before its clock overflowed (found by the `stored_blob` fuzzer). The
/// patched decoder refuses an update declaring more blocks than its input can hold.
#[test]
fn a_snapshot_repeating_a_block_without_end_is_refused_at_once() {
    refused_at_once(
        "oom-0f31425e78e0b70bd253e380199bf521d6ec4ca4",
        yrs::encoding::read::MalformedKind::TooManyBlocks,
    );
}

/// A stored snapshot (v2) with one JSON block declaring 2.7 billion values, each an empty
/// string the run-length string column repeats without end: 828 bytes that made yrs fill 4 GB
/// with empty strings (found by the `stored_blob` fuzzer). The patched decoder spends declared
/// values from the same budget as blocks and refuses more than the input can hold.
#[test]
fn a_snapshot_repeating_an_empty_string_without_end_is_refused_at_once() {
    refused_at_once(
        "oom-1c28bc550407e143a8102b99d60e41199dcef8d7",
        yrs::encoding::read::MalformedKind::TooManyValues,
    );
}

/// A v1 update of one block whose content is a single `Any` value: arrays nested `depth`
/// deep around a null.
fn nested_any_update(depth: usize) -> Vec<u8> {
    // one client (1) with one block at clock 0; info 8 = Any content, no origins, so a
    // named root parent follows ("t"); one value; then an empty delete set
    let mut u = vec![1, 1, 1, 0, 8, 1, 1, b't', 1];
    for _ in 0..depth {
        u.extend([117, 1]); // an array of one value
    }
    u.push(126); // null
    u.push(0);
    u
}

/// A stored row (a batch of one v1 update) holding one `Any` value nested 100,000 arrays
/// deep. The fuzzer found its like: yrs decoded `Any` recursively, one stack frame per level,
/// so reading the row overflowed the stack and aborted the process (no panic to catch). The
/// patched decoder refuses nesting past `yrs::any::MAX_DECODE_DEPTH` as malformed; the row is
/// committed under `fuzz/regressions/stored_blob/` for the fuzz replay above.
#[test]
fn a_row_nesting_values_without_end_is_refused_not_a_stack_overflow() {
    use yrs::encoding::read::{Error, MalformedKind};
    use yrs::updates::decoder::Decode;
    // the shape is right: a shallow one decodes, and as deep as the limit allows still does
    assert!(yrs::Update::decode_v1(&nested_any_update(3)).is_ok());
    assert!(yrs::Update::decode_v1(&nested_any_update(yrs::any::MAX_DECODE_DEPTH)).is_ok());
    let deep = nested_any_update(100_000);
    assert!(matches!(
        yrs::Update::decode_v1(&deep),
        Err(Error::Malformed(MalformedKind::TooDeep))
    ));
    let row = groundwork::blob::encode(
        groundwork::blob::BlobKind::UpdateBatch,
        &groundwork::blob::encode_batch([deep.as_slice()]),
    );
    assert!(groundwork::store::check_row(&row).is_err());
    let committed = fuzz_dir().join("regressions/stored_blob/stack-overflow-nested-any");
    if !committed.exists() {
        std::fs::write(&committed, &row).unwrap();
    }
    assert_eq!(std::fs::read(&committed).unwrap(), row);
}

fn member(name: &str) -> Member {
    Member {
        device: name.into(),
        name: name.into(),
        role: Role::Pm,
    }
}

/// A brief with every kind of entry and the first `edits` patches of a trace typed into a
/// section as the editor does.
fn traced(trace: &str, edits: usize) -> Brief {
    let b = Brief::create("Onboarding drop-off", Template::ProblemFirst, member("ana"));
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data")
        .join(trace);
    if let Ok(t) = groundwork::trace::Trace::load(&path) {
        let mut typist = groundwork::typing::SectionTypist::new(&b, Section::Evidence).unwrap();
        for p in t.patches.iter().take(edits) {
            if p.delete > 0 {
                typist.delete(p.pos, p.delete);
            }
            if !p.insert.is_empty() {
                typist.insert(p.pos, &p.insert);
            }
        }
    }
    b.set_section(
        Section::Problem,
        "New admins **quit** at step 3.\n\n- a\n- b",
    );
    b.add_decision(NewDecision {
        decision: "Ship a checklist".into(),
        context: "cheap".into(),
        decided_by: vec![Role::Pm, Role::Engineer],
        rests_on: vec![Section::Problem],
        ..Default::default()
    })
    .unwrap();
    b.add_concern(Role::Engineer, ConcernKind::Feasibility, "auth is fragile")
        .unwrap();
    b.add_question("Who owns billing?").unwrap();
    b.sign_off(Role::Pm);
    b
}

#[test]
#[ignore = "writes the seed corpus; run by scripts/fuzz.sh"]
fn write_seed_corpus() {
    let mut seeds: Vec<(&str, Vec<u8>)> = Vec::new();
    for (trace, edits) in [
        ("automerge-paper.json.gz", 300),
        ("seph-blog1.json.gz", 300),
    ] {
        let a = traced(trace, edits);
        let b = Brief::empty(a.id(), member("ben"));
        // a real exchange: step 1, the step 2 answering it, then live updates
        let step1 = sync::step1(&b);
        let step2 = sync::handle(&a, &step1).unwrap().replies.remove(0);
        sync::handle(&b, &step2).unwrap();
        a.take_outbox();
        for i in 0..4 {
            a.insert_text(Section::Workaround, 0, &format!("edit {i} "));
        }
        let updates = a.take_outbox();
        seeds.push(("sync_message", step1.clone()));
        seeds.push(("sync_message", step2.clone()));
        for u in &updates {
            seeds.push(("sync_message", sync::update_message(u.clone())));
            seeds.push(("update", u.clone()));
        }
        seeds.push(("update", a.encode_state_v1()));
        let mut awareness = yrs::sync::Awareness::new(a.doc().clone());
        awareness
            .set_local_state(serde_json::json!({"name": "Ana", "role": "pm", "device": "ab", "section": "problem"}))
            .unwrap();
        let aw = yrs::updates::encoder::Encode::encode_v1(&awareness.update().unwrap());
        seeds.push(("awareness", aw.clone()));
        seeds.push((
            "sync_message",
            yrs::updates::encoder::Encode::encode_v1(&yrs::sync::Message::Awareness(
                awareness.update().unwrap(),
            )),
        ));
        seeds.push(("sync_message", vec![3]));
        let topic = [7u8; 16];
        for message in [step1.clone(), updates[0].clone()] {
            seeds.push(("frame", Frame::Brief { topic, message }.encode()));
        }
        seeds.push((
            "frame",
            Frame::Hello {
                version: 1,
                name: "Ana".into(),
                role: "pm".into(),
                tags: vec![[1; 32], [2; 32]],
            }
            .encode(),
        ));
        seeds.push(("frame", Frame::Ping.encode()));
        seeds.push((
            "frame",
            Frame::Links {
                topic,
                devices: vec![[3; 32], [4; 32]],
            }
            .encode(),
        ));
        seeds.push((
            "stored_blob",
            groundwork::blob::encode_batch(updates.iter().map(|u| u.as_slice())),
        ));
        seeds.push((
            "stored_blob",
            groundwork::blob::encode(
                groundwork::blob::BlobKind::SnapshotV1Deflate,
                &groundwork::blob::deflate(&a.encode_state_v1(), groundwork::blob::Effort::Fast),
            ),
        ));
        seeds.push(("markdown", groundwork::export::to_markdown(&a).into_bytes()));
        // a peer session: its step 1, the step 2 it would answer, live updates, a tick, the
        // editor's own update, a redial
        let mut session = Vec::new();
        let mut chunk = |tag: u8, body: &[u8]| {
            session.push(tag);
            session.extend_from_slice(&(body.len() as u16).to_le_bytes());
            session.extend_from_slice(body);
        };
        chunk(1, &step1);
        chunk(1, &step2);
        for u in &updates {
            chunk(1, &sync::update_message(u.clone()));
        }
        chunk(3, &[0, 0, 8, 0]);
        chunk(2, &sync::update_message(updates[0].clone()));
        chunk(0, &Frame::Ping.encode());
        chunk(4, &[]);
        chunk(1, &[3]);
        seeds.push(("peer", session));
        let invite = groundwork::invite::Invite {
            brief: a.id(),
            secret: [9; 32],
            code: [4; 8],
            expires_at: 1_900_000_000,
        };
        seeds.push(("invite", invite.encode().into_bytes()));
    }
    // the first handshake record a real initiator sends
    let rt = tokio::runtime::Runtime::new().unwrap();
    let first = rt.block_on(async {
        use tokio::io::AsyncReadExt;
        let (ours, mut theirs) = tokio::io::duplex(1 << 16);
        let dial = tokio::spawn(groundwork::transport::connect(ours, &[5u8; 32]));
        let mut buf = vec![0u8; 34];
        theirs.read_exact(&mut buf).await.unwrap();
        dial.abort();
        buf
    });
    seeds.push(("handshake", first));
    for (target, data) in seeds {
        let dir = fuzz_dir().join("corpus").join(target);
        std::fs::create_dir_all(&dir).unwrap();
        let name = blake3::hash(&data).to_hex()[..16].to_string();
        std::fs::write(dir.join(name), data).unwrap();
    }
}
