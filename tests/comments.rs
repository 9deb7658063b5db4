//! Comment anchors under random concurrent editing on three replicas (seeded; the seed prints,
//! `GROUNDWORK_SEED` repeats one): Ana comments on a phrase, then all three type and delete
//! at random places of the paragraph, before, inside and after the phrase, syncing in random
//! order and relaying for each other. Once all have synced, the thread reads the same on every
//! replica — the same words, or "on deleted text" everywhere — and when nobody deleted
//! anything the anchored words still hold every character of the phrase, in order. Also the
//! CLI: `comment`, `reply`, `resolve`, `comments`, and the Markdown export carrying open
//! threads with their words, escaped.

mod common;
use common::{fails, member, ok, sync};
use groundwork::brief::Brief;
use groundwork::{Role, Section, Template};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn subsequence(needle: &str, hay: &str) -> bool {
    let mut h = hay.chars();
    needle.chars().all(|c| h.any(|x| x == c))
}

#[test]
fn anchors_read_the_same_on_every_replica() {
    let seed: u64 = std::env::var("GROUNDWORK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0xc0_44e7);
    let iterations = 200;
    println!("seed {seed}, {iterations} iterations");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for it in 0..iterations {
        let ana = Brief::create("C", Template::ProblemFirst, member("aa", "Ana", Role::Pm));
        ana.set_section(Section::Problem, "New admins quit at step three of setup.");
        let ben = Brief::empty(ana.id(), member("bb", "Ben", Role::Engineer));
        let cleo = Brief::empty(ana.id(), member("cc", "Cleo", Role::Designer));
        sync(&ana, &ben);
        sync(&ana, &cleo);
        let quote = "quit at step three";
        let (i, l) = ana.find_quote(Section::Problem, quote).unwrap();
        let id = ana
            .add_comment(Section::Problem, i, l, "Which step?", None)
            .unwrap();
        let all = [&ana, &ben, &cleo];
        let mut deleted = false;
        for step in 0..rng.gen_range(1..12) {
            let b = all[rng.gen_range(0..3)];
            let len = b.section_text(Section::Problem).chars().count() as u32;
            if rng.gen_bool(0.65) || len < 2 {
                let at = rng.gen_range(0..=len);
                b.insert_text(Section::Problem, at, &format!("<{it}.{step}>"));
            } else {
                let at = rng.gen_range(0..len - 1);
                let n = rng.gen_range(1..=(len - at).min(8));
                b.delete_text(Section::Problem, at, n);
                deleted = true;
            }
            for _ in 0..rng.gen_range(0..3) {
                let (x, y) = (rng.gen_range(0..3), rng.gen_range(0..3));
                if x != y {
                    sync(all[x], all[y]);
                }
            }
        }
        for _ in 0..2 {
            for x in 0..3 {
                for y in 0..3 {
                    if x != y {
                        sync(all[x], all[y]);
                    }
                }
            }
        }
        let read: Vec<Option<String>> = all
            .iter()
            .map(|b| b.find_thread(&id).unwrap().anchored)
            .collect();
        assert!(
            read.iter().all(|r| r == &read[0]),
            "seed {seed}, iteration {it}: replicas disagree: {read:?}"
        );
        if !deleted {
            let a = read[0].clone().unwrap_or_default();
            assert!(
                subsequence(quote, &a),
                "seed {seed}, iteration {it}: {a:?} lost part of {quote:?}"
            );
        }
    }
}

#[test]
fn the_cli_comments_replies_resolves_and_exports_open_threads() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    ok(dir, &["identity", "--name", "Ana", "--role", "pm"]);
    let id = ok(dir, &["new", "Comments"]);
    ok(dir, &["set", &id, "problem", "New admins quit at step 3."]);
    let t = ok(
        dir,
        &[
            "comment",
            &id,
            "problem",
            "--quote",
            "step 3",
            "Which <b>step</b>?",
        ],
    );
    ok(dir, &["reply", &id, &t[..8], "Billing, *probably*."]);
    let listed = ok(dir, &["comments", &id]);
    assert!(
        listed.contains("open  problem  Problem statement  on \u{201c}step 3\u{201d}"),
        "{listed}"
    );
    assert!(
        listed.contains("Ana (pm): Billing, *probably*."),
        "{listed}"
    );
    let md = ok(dir, &["export", &id, "--format", "md"]);
    let at = md.find("## Comments").expect("open threads exported");
    assert!(
        md[at..].contains("Which \\<b\\>step\\</b\\>?"),
        "escaped: {md}"
    );
    assert!(
        md[at..].contains("Billing, \\*probably\\*."),
        "escaped: {md}"
    );
    let html = ok(dir, &["export", &id, "--format", "html"]);
    assert!(
        html.contains("Which &lt;b&gt;step&lt;/b&gt;?") && !html.contains("<b>step"),
        "{html}"
    );
    ok(dir, &["resolve", &id, &t]);
    assert!(ok(dir, &["comments", &id]).contains("resolved"));
    assert!(!ok(dir, &["export", &id, "--format", "md"]).contains("## Comments"));
    ok(dir, &["resolve", &id, &t, "--reopen"]);
    assert!(ok(dir, &["comments", &id]).contains("  open  "));
    assert!(
        fails(dir, &["comment", &id, "problem", "--quote", "nope", "x"], 1)
            .contains("not in that section")
    );
    assert!(fails(dir, &["reply", &id, "ffffffff", "x"], 1).contains("no comment thread"));
}
