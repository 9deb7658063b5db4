//! Kill -9 at random moments: every edit the engine acknowledged ("ack i" printed after its
//! flush returned) is present afterwards, and `PRAGMA integrity_check` is ok. Seeded: set
//! GROUNDWORK_TEST_SEED to replay a run; GROUNDWORK_CRASH_ROUNDS for more rounds.

mod common;
use common::*;
use rand::{Rng, SeedableRng};
use std::io::{BufRead, BufReader};
use std::process::Stdio;

#[test]
fn sigkill_at_random_moments_loses_no_acknowledged_edit() {
    let seed: u64 = std::env::var("GROUNDWORK_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random);
    let rounds: usize = std::env::var("GROUNDWORK_CRASH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(25);
    println!("crash test seed {seed} ({rounds} rounds); replay with GROUNDWORK_TEST_SEED={seed}");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let id = ok(dir, &["new", "kill me"]);
    let mut acked: Vec<usize> = Vec::new();
    let mut next = 0usize;
    for round in 0..rounds {
        let compact_every = rng.gen_range(5..40).to_string();
        let mut child = cmd(dir)
            .args([
                "stress",
                &id,
                "--count",
                "100000",
                "--start",
                &next.to_string(),
                "--compact-every",
                &compact_every,
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let kill_after = rng.gen_range(1..80);
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut seen = 0;
        while seen < kill_after {
            let line = lines.next().expect("writer ended early").unwrap();
            if let Some(i) = line.strip_prefix("ack ") {
                acked.push(i.parse().unwrap());
                seen += 1;
            }
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        next = acked.last().unwrap() + 1 + 1000 * (round + 1);
    }
    let v = show_json(dir, &id);
    let evidence = v["sections"]["evidence"].as_str().unwrap().to_string();
    let present: std::collections::HashSet<&str> = evidence.split("\n\n").collect();
    let missing: Vec<usize> = acked
        .iter()
        .copied()
        .filter(|i| !present.contains(format!("edit-{i}").as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "seed {seed}: acknowledged edits lost: {missing:?}"
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = groundwork::Store::open(dir).await.unwrap();
        assert_eq!(store.integrity_check().await.unwrap(), "ok", "seed {seed}");
    });
    println!(
        "{} acknowledged edits over {rounds} kills, all present",
        acked.len()
    );
}
