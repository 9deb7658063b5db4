//! The action model of the randomized tests: the edits ([`Edit`]) and world actions
//! ([`Action`]) one run is made of, drawn from a seeded generator with a [`Mix`] of
//! likelihoods. `tests/sim.rs` draws a network-heavy mix, `tests/model.rs` a storage-heavy
//! one; [`super::World`] carries the actions out.

use groundwork::brief::NewDecision;
use groundwork::{Brief, ConcernKind, ConcernStatus, Role, Section};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// An edit to a brief, made through the engine's API (on a replica) or on an editor's
/// document.
#[derive(Debug, Clone)]
pub enum Edit {
    SetSection(Section, String),
    Append(Section, String),
    Insert(Section, u32, String),
    Delete(Section, u32, u32),
    Title(String),
    Decision(String, Section, Role),
    Concern(Role, ConcernKind, String),
    ConcernStatus(usize, ConcernStatus),
    Question(String),
    SignOff(Role),
}

const WORDS: &[&str] = &[
    "churn", "é", "😀", "latency", "admins", "\n", " ", "billing", "日本", "x",
];

fn text(rng: &mut ChaCha8Rng) -> String {
    (0..rng.gen_range(1..5))
        .map(|_| *WORDS.choose(rng).unwrap())
        .collect::<Vec<_>>()
        .join(" ")
}

impl Edit {
    pub fn random(rng: &mut ChaCha8Rng, step: usize) -> Edit {
        let sec = *Section::ALL.choose(rng).unwrap();
        let role = *Role::ALL.choose(rng).unwrap();
        match rng.gen_range(0..100) {
            0..=11 => Edit::SetSection(sec, text(rng)),
            12..=29 => Edit::Append(sec, text(rng)),
            30..=54 => Edit::Insert(sec, rng.gen_range(0..40), text(rng)),
            55..=66 => Edit::Delete(sec, rng.gen_range(0..40), rng.gen_range(1..10)),
            67..=70 => Edit::Title(text(rng)),
            71..=76 => Edit::Decision(format!("d{step}"), sec, role),
            77..=82 => Edit::Concern(
                role,
                *ConcernKind::ALL.choose(rng).unwrap(),
                format!("c{step}"),
            ),
            83..=86 => Edit::ConcernStatus(
                rng.gen_range(0..8),
                *ConcernStatus::ALL.choose(rng).unwrap(),
            ),
            87..=92 => Edit::Question(format!("q{step}")),
            _ => Edit::SignOff(role),
        }
    }

    pub fn apply(&self, b: &Brief) {
        match self {
            Edit::SetSection(s, t) => b.set_section(*s, t),
            Edit::Append(s, t) => b.append_paragraph(*s, t),
            Edit::Insert(s, at, t) => b.insert_text(*s, *at, t),
            Edit::Delete(s, at, n) => b.delete_text(*s, *at, *n),
            Edit::Title(t) => b.set_title(t),
            Edit::Decision(d, s, r) => {
                b.add_decision(NewDecision {
                    decision: d.clone(),
                    context: "because".into(),
                    decided_by: vec![*r],
                    rests_on: vec![*s],
                    ..Default::default()
                })
                .unwrap();
            }
            Edit::Concern(r, k, t) => {
                b.add_concern(*r, *k, t).unwrap();
            }
            Edit::ConcernStatus(i, st) => {
                let cs = b.concerns();
                if let Some(c) = cs.get(*i % cs.len().max(1)) {
                    b.set_concern_status(&c.id, *st).unwrap();
                }
            }
            Edit::Question(t) => {
                b.add_question(t).unwrap();
            }
            Edit::SignOff(r) => b.sign_off(*r),
        }
    }
}

/// One step of a run.
#[derive(Debug, Clone)]
pub enum Action {
    /// An edit through the engine's API on a replica (as the CLI or an op from the app).
    Edit { replica: usize, edit: Edit },
    /// An edit in a replica's attached editor (attached first if none is).
    EditorEdit { replica: usize, edit: Edit },
    /// The editor of a replica detaches.
    Detach { replica: usize },
    /// Frames in flight are delivered in random order, some dropped, some duplicated.
    Deliver { count: usize },
    /// `from` dials `to` (a second connection between them is a duplicate to resolve).
    Dial { from: usize, to: usize },
    /// A connection between the two closes (a partition).
    Hangup { a: usize, b: usize },
    /// Time passes on a replica: its machine ticks (relay, resync, pings, idle links,
    /// presence).
    Tick { replica: usize, ms: u64 },
    /// A replica stores what it holds: that acknowledges it.
    Flush { replica: usize },
    /// A replica stores and compacts.
    Compact { replica: usize },
    /// A clean restart: stored, then reopened from the database.
    Restart { replica: usize },
    /// A crash: reopened from the database, unstored edits gone.
    Crash { replica: usize },
}

/// How often each kind of action comes up (weights).
#[derive(Debug, Clone, Copy)]
pub struct Mix {
    pub edit: u32,
    pub editor_edit: u32,
    pub detach: u32,
    pub deliver: u32,
    pub dial: u32,
    pub hangup: u32,
    pub tick: u32,
    pub flush: u32,
    pub compact: u32,
    pub restart: u32,
    pub crash: u32,
}

impl Mix {
    /// For the network simulation: faults and reconnections.
    pub const NETWORK: Mix = Mix {
        edit: 25,
        editor_edit: 12,
        detach: 1,
        deliver: 35,
        dial: 5,
        hangup: 4,
        tick: 8,
        flush: 6,
        compact: 1,
        restart: 2,
        crash: 1,
    };
    /// For the model test: storage, compaction, restarts and crashes.
    pub const STORAGE: Mix = Mix {
        edit: 30,
        editor_edit: 12,
        detach: 2,
        deliver: 20,
        dial: 4,
        hangup: 2,
        tick: 5,
        flush: 10,
        compact: 5,
        restart: 4,
        crash: 4,
    };
}

impl Action {
    pub fn random(rng: &mut ChaCha8Rng, n: usize, mix: &Mix, step: usize) -> Action {
        let weights = [
            mix.edit,
            mix.editor_edit,
            mix.detach,
            mix.deliver,
            mix.dial,
            mix.hangup,
            mix.tick,
            mix.flush,
            mix.compact,
            mix.restart,
            mix.crash,
        ];
        let total: u32 = weights.iter().sum();
        let mut pick = rng.gen_range(0..total);
        let mut kind = 0;
        while pick >= weights[kind] {
            pick -= weights[kind];
            kind += 1;
        }
        let replica = rng.gen_range(0..n);
        let other = (replica + rng.gen_range(1..n)) % n;
        match kind {
            0 => Action::Edit {
                replica,
                edit: Edit::random(rng, step),
            },
            1 => Action::EditorEdit {
                replica,
                edit: Edit::random(rng, step),
            },
            2 => Action::Detach { replica },
            3 => Action::Deliver {
                count: rng.gen_range(1..8),
            },
            4 => Action::Dial {
                from: replica,
                to: other,
            },
            5 => Action::Hangup {
                a: replica,
                b: other,
            },
            6 => Action::Tick {
                replica,
                ms: rng.gen_range(0..2_500),
            },
            7 => Action::Flush { replica },
            8 => Action::Compact { replica },
            9 => Action::Restart { replica },
            _ => Action::Crash { replica },
        }
    }
}
