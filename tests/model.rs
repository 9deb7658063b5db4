//! One model of random actions drives this test: several replicas of a brief, each with its
//! own data directory (real SQLite), make random edits to every part of the brief, sync
//! pairwise by state vector, flush, compact, reopen from their database, or "crash" (drop
//! unflushed edits). At the end every replica holds identical content and state vectors, and
//! each one reopened from its own database equals what it held in memory.
//!
//! Seeded: the base seed is printed; GROUNDWORK_TEST_SEED=N replays one seed,
//! GROUNDWORK_MODEL_SEEDS=N runs more seeds.

mod common;
use groundwork::brief::NewDecision;
use groundwork::{Brief, ConcernKind, ConcernStatus, Engine, Role, Section, Template};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Seeds that once failed, kept as regression inputs and run every time.
/// - 1347506585: compaction rebuilt the doc with byte offsets while briefs use UTF-16; an edit
///   inside a surrogate pair then underflowed yrs' length bookkeeping (a panic).
const REGRESSION_SEEDS: &[u64] = &[1347506585];

const WORDS: &[&str] = &[
    "churn", "é", "😀", "latency", "admins", "\n", " ", "billing", "日本", "x",
];

fn text(rng: &mut ChaCha8Rng) -> String {
    (0..rng.gen_range(1..6))
        .map(|_| *WORDS.choose(rng).unwrap())
        .collect::<Vec<_>>()
        .join(" ")
}

struct Replica {
    _dir: tempfile::TempDir,
    engine: Engine,
    brief: Brief,
}

async fn run_seed(seed: u64, steps: usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    groundwork::brief::seed_client_ids(Some(seed));
    let n = rng.gen_range(2..=4);
    let mut reps: Vec<Replica> = Vec::new();
    let first = tempfile::tempdir().unwrap();
    let e0 = Engine::open(first.path()).await.unwrap();
    let b0 = e0.create("model", Template::ProblemFirst).await.unwrap();
    let id = b0.id();
    let genesis = b0.encode_state_v1();
    reps.push(Replica {
        _dir: first,
        engine: e0,
        brief: b0,
    });
    for _ in 1..n {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(dir.path()).await.unwrap();
        let brief = engine.adopt(id).await.unwrap();
        brief.apply_update_v1(&genesis).unwrap();
        engine.flush(&brief).await.unwrap();
        reps.push(Replica {
            _dir: dir,
            engine,
            brief,
        });
    }
    for step in 0..steps {
        let i = rng.gen_range(0..n);
        let sec = *Section::ALL.choose(&mut rng).unwrap();
        let r = &reps[i];
        match rng.gen_range(0..100) {
            0..=14 => r.brief.set_section(sec, &text(&mut rng)),
            15..=29 => r.brief.append_paragraph(sec, &text(&mut rng)),
            30..=44 => {
                let pos = rng.gen_range(0..40);
                r.brief.insert_text(sec, pos, &text(&mut rng));
            }
            45..=52 => {
                let (pos, len) = (rng.gen_range(0..40), rng.gen_range(0..10));
                r.brief.delete_text(sec, pos, len);
            }
            53..=55 => r.brief.set_title(&text(&mut rng)),
            56..=58 => {
                let _ = r.brief.add_decision(NewDecision {
                    decision: format!("d{step}"),
                    context: text(&mut rng),
                    decided_by: vec![*Role::ALL.choose(&mut rng).unwrap()],
                    rests_on: vec![sec],
                    ..Default::default()
                });
            }
            59..=61 => {
                let kind = *ConcernKind::ALL.choose(&mut rng).unwrap();
                let role = *Role::ALL.choose(&mut rng).unwrap();
                r.brief
                    .add_concern(role, kind, &format!("c{step}"))
                    .unwrap();
            }
            62..=63 => {
                let cs = r.brief.concerns();
                if let Some(c) = cs.choose(&mut rng) {
                    let st = *ConcernStatus::ALL.choose(&mut rng).unwrap();
                    r.brief.set_concern_status(&c.id, st).unwrap();
                }
            }
            64..=65 => {
                r.brief.add_question(&format!("q{step}")).unwrap();
            }
            66..=68 => r.brief.sign_off(*Role::ALL.choose(&mut rng).unwrap()),
            69..=84 => {
                let j = rng.gen_range(0..n);
                if i != j {
                    let sv = reps[j].brief.state_vector();
                    let diff = reps[i].brief.encode_diff_v1(&sv);
                    reps[j].brief.apply_update_v1(&diff).unwrap();
                }
            }
            85..=91 => {
                r.engine.flush(&r.brief).await.unwrap();
            }
            92..=94 => {
                r.engine.flush(&r.brief).await.unwrap();
                r.engine.compact(id).await.unwrap();
            }
            95..=97 => {
                // clean restart: flush, then reopen from the database
                r.engine.flush(&r.brief).await.unwrap();
                let before = serde_json::to_value(r.brief.view()).unwrap();
                let reopened = r.engine.open_brief(id).await.unwrap();
                assert!(reopened.quarantined.is_empty());
                assert_eq!(
                    serde_json::to_value(reopened.brief.view()).unwrap(),
                    before,
                    "seed {seed} step {step}: reopen differs"
                );
                reps[i].brief = reopened.brief;
            }
            _ => {
                // crash: unflushed edits are gone (they were never acknowledged)
                let reopened = r.engine.open_brief(id).await.unwrap();
                reps[i].brief = reopened.brief;
            }
        }
    }
    // settle: everyone flushes and exchanges everything, twice round the ring
    for _ in 0..2 {
        for i in 0..n {
            for j in 0..n {
                if i != j {
                    let sv = reps[j].brief.state_vector();
                    let diff = reps[i].brief.encode_diff_v1(&sv);
                    reps[j].brief.apply_update_v1(&diff).unwrap();
                }
            }
        }
    }
    let expected = serde_json::to_value(reps[0].brief.view()).unwrap();
    let sv0 = reps[0].brief.state_vector();
    for (i, r) in reps.iter().enumerate() {
        assert_eq!(
            serde_json::to_value(r.brief.view()).unwrap(),
            expected,
            "seed {seed}: replica {i} content differs"
        );
        assert_eq!(
            r.brief.state_vector(),
            sv0,
            "seed {seed}: replica {i} state vector differs"
        );
        assert!(
            !r.brief.has_missing_dependencies(),
            "seed {seed}: replica {i} has pending updates"
        );
        r.engine.flush(&r.brief).await.unwrap();
        let reopened = r.engine.open_brief(id).await.unwrap().brief;
        assert_eq!(
            serde_json::to_value(reopened.view()).unwrap(),
            expected,
            "seed {seed}: replica {i} reopened differs"
        );
        assert_eq!(
            reopened.state_vector(),
            sv0,
            "seed {seed}: replica {i} reopened state vector differs"
        );
    }
}

#[test]
fn random_sessions_converge_and_persist() {
    let base: u64 = rand::random::<u32>() as u64;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    common::run_seeds(
        "model test",
        "GROUNDWORK_MODEL_SEEDS",
        200,
        base,
        REGRESSION_SEEDS,
        |seed| rt.block_on(run_seed(seed, 150)),
    );
}
