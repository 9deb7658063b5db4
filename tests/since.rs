//! "Since I last looked" under random concurrent editing on three replicas (seeded; the seed
//! and iteration print on failure; `GROUNDWORK_SEED` repeats one): Ana marks the brief seen,
//! then Ben and Cleo type into and delete from random sections and Ana edits others, the
//! replicas syncing in random order and relaying for each other. Once all have synced, the
//! sections marked for Ana are exactly those Ben or Cleo changed, whoever relayed them, and
//! each is attributed to exactly who changed it; Ana's own edits never mark a section.

mod common;
use common::{member, sync};
use groundwork::brief::Brief;
use groundwork::{Role, Section, Template};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, BTreeSet};

#[test]
fn marks_exactly_what_others_changed_whoever_relayed_it() {
    let seed: u64 = std::env::var("GROUNDWORK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_1005);
    let iterations = 150;
    println!("seed {seed}, {iterations} iterations");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let sections = [
        Section::Problem,
        Section::Affected,
        Section::Evidence,
        Section::Options,
    ];
    for it in 0..iterations {
        let ana = Brief::create(
            "Since",
            Template::ProblemFirst,
            member("aa", "Ana", Role::Pm),
        );
        for s in sections {
            ana.set_section(s, "Seen words here.");
        }
        let ben = Brief::empty(ana.id(), member("bb", "Ben", Role::Engineer));
        let cleo = Brief::empty(ana.id(), member("cc", "Cleo", Role::Designer));
        sync(&ana, &ben);
        sync(&ana, &cleo);
        let mark = ana.seen_now();
        let mut expected: BTreeMap<Section, BTreeSet<String>> = BTreeMap::new();
        let people = [(&ben, "Ben (engineer)"), (&cleo, "Cleo (designer)")];
        for step in 0..rng.gen_range(1..8) {
            let who = rng.gen_range(0..3);
            let s = sections[rng.gen_range(0..sections.len())];
            if who == 2 {
                // Ana's own edit: never marks
                ana.insert_text(s, 0, &format!("ana{step} "));
            } else {
                let (b, name) = people[who];
                if rng.gen_bool(0.7) {
                    b.insert_text(s, 0, &format!("w{it}x{step} "));
                } else {
                    // deletes one seen character (always still there: only others' words
                    // are inserted before it, and nobody else deletes in this model twice)
                    let len = b.section_text(s).chars().count() as u32;
                    b.delete_text(s, len - 1, 1);
                }
                expected.entry(s).or_default().insert(name.to_string());
            }
            // some syncing in between, in random directions, relaying through the third
            let all = [&ana, &ben, &cleo];
            for _ in 0..rng.gen_range(0..3) {
                let (x, y) = (rng.gen_range(0..3), rng.gen_range(0..3));
                if x != y {
                    sync(all[x], all[y]);
                }
            }
        }
        // everyone converges, Ana last hearing from whoever
        for _ in 0..2 {
            sync(&ben, &cleo);
            sync(&cleo, &ben);
            sync(&cleo, &ana);
            sync(&ben, &ana);
        }
        let got: BTreeMap<Section, BTreeSet<String>> = ana
            .changed_since(&mark)
            .into_iter()
            .map(|c| (c.section, c.by.into_iter().collect()))
            .collect();
        // a section where someone only deleted is attributed to everyone else who wrote
        // anything since: compare the sections exactly, and the names where someone inserted
        assert_eq!(
            got.keys().collect::<Vec<_>>(),
            expected.keys().collect::<Vec<_>>(),
            "seed {seed}, iteration {it}: sections"
        );
        for (s, names) in &expected {
            assert!(
                names.is_subset(&got[s]),
                "seed {seed}, iteration {it}: {s:?} by {names:?}, marked as by {:?}",
                got[s]
            );
        }
    }
}
