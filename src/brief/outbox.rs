//! The outbox: the changes this device's document made (local edits and updates applied from
//! peers) that the store has not persisted yet, and how a flush takes them.
//!
//! Every such transaction's update is queued as yrs emits it. A flush that takes several stores
//! them as **one** update when it can: the blocks past the state before the first of them plus
//! the deletions they made (vendored yrs `encode_diff_with_deletes_v1`). The document has
//! squashed a run of typing into a few blocks by then, so 1,000 one-character updates (about
//! 25 KB) become one update of a few hundred bytes, which is what the log's size, automatic
//! compaction and the replay at open then pay for. It is never a merge of the updates' bytes
//! (yrs `merge_updates` is slow on thousands of small updates and can leave holes).

use std::sync::Mutex;

use yrs::{IdSet, ReadTxn, StateVector, Transact, TransactionMut};

use super::{lock, Brief};

/// Updates waiting to be stored, with what it takes to store them as one.
#[derive(Default)]
pub(super) struct Outbox {
    updates: Vec<Vec<u8>>,
    /// The document's state before the first of `updates`; `None` when they cannot be
    /// re-encoded as one (some were put back by a failed flush, already combined).
    since: Option<StateVector>,
    /// Every deletion the transactions behind `updates` made.
    deletes: IdSet,
}

impl Outbox {
    /// Queues a transaction's update (called from the document's update observer).
    pub(super) fn push(&mut self, txn: &TransactionMut, update: &[u8]) {
        if self.updates.is_empty() {
            self.since = Some(txn.before_state().clone());
            self.deletes = IdSet::new();
        }
        if self.since.is_some() {
            self.deletes.merge_with(txn.delete_set().clone());
        }
        self.updates.push(update.to_vec());
    }

    pub(super) fn is_empty(&self) -> bool {
        self.updates.is_empty()
    }
}

impl Brief {
    /// Takes the updates queued since the last call, in order, one per transaction.
    pub fn take_outbox(&self) -> Vec<Vec<u8>> {
        std::mem::take(&mut *lock(&self.outbox)).updates
    }

    /// Takes the updates queued since the last call as few updates as possible: several
    /// become one update holding the same changes (see the module doc). What the document
    /// cannot re-encode (it waits for missing changes, or some were put back by a failed
    /// flush) comes as it was queued.
    pub fn take_outbox_combined(&self) -> Vec<Vec<u8>> {
        // taken before the document is read: the update observer locks the outbox while a
        // transaction commits
        let taken = std::mem::take(&mut *lock(&self.outbox));
        let Some(since) = taken.since.as_ref().filter(|_| taken.updates.len() > 1) else {
            return taken.updates;
        };
        let txn = self.doc.transact();
        if super::waits_for_missing(&txn) {
            return taken.updates;
        }
        // Blocks integrated since `since` by transactions that are not in the outbox (rows
        // loaded from this device's store) come along: stored twice, changed nothing.
        vec![txn.encode_diff_with_deletes_v1(since, &taken.deletes)]
    }

    /// Puts updates back at the front of the outbox (a flush that failed). They are stored
    /// as they are from now on: the next [`Brief::take_outbox_combined`] does not combine.
    pub fn restore_outbox(&self, mut updates: Vec<Vec<u8>>) {
        let mut ob = lock(&self.outbox);
        updates.append(&mut ob.updates);
        ob.updates = updates;
        ob.since = None;
    }

    /// True if changes wait to be stored.
    pub fn has_pending(&self) -> bool {
        !lock(&self.outbox).is_empty()
    }
}

/// The shared outbox the update observer fills.
pub(super) type SharedOutbox = std::sync::Arc<Mutex<Outbox>>;

#[cfg(test)]
mod tests {
    use super::super::test_support::member;
    use super::*;
    use crate::model::{Role, Section, Template};
    use rand::{Rng, SeedableRng};
    use yrs::updates::decoder::Decode;

    /// Everything a replica can compare: content and the exact set of items and deletions.
    fn same(a: &Brief, b: &Brief) -> bool {
        let (ta, tb) = (a.doc().transact(), b.doc().transact());
        ta.snapshot() == tb.snapshot()
            && ta.state_vector() == tb.state_vector()
            && a.section_markdown(Section::Problem) == b.section_markdown(Section::Problem)
            && a.title() == b.title()
    }

    /// A replica fed only what `take_outbox_combined` gives ends up identical to the source,
    /// whatever mixes into the source's outbox meanwhile: its own typing and deleting, whole
    /// paragraphs, a teammate's updates (from a peer: queued) and rows loaded from storage
    /// (not queued). Seeded; the seed is printed.
    #[test]
    fn combined_updates_carry_exactly_the_queued_changes() {
        for seed in 0..40u64 {
            println!("seed {seed}");
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let a = Brief::create("t", Template::ProblemFirst, member("a", "Ana", Role::Pm));
            let b = Brief::empty(a.id(), member("b", "Ben", Role::Engineer));
            let c = Brief::empty(a.id(), member("c", "Cy", Role::Designer));
            b.apply_update_v1(&a.encode_state_v1()).unwrap();
            c.apply_update_v1(&a.encode_state_v1()).unwrap();
            a.take_outbox();
            b.take_outbox();
            let mut combined_some = false;
            for _round in 0..30 {
                for _ in 0..rng.gen_range(0..25) {
                    let len = a.section_text(Section::Problem).encode_utf16().count() as u32;
                    match rng.gen_range(0..10) {
                        0..=4 => a.insert_text(Section::Problem, rng.gen_range(0..=len), "xy"),
                        5 | 6 => a.delete_text(
                            Section::Problem,
                            rng.gen_range(0..=len),
                            rng.gen_range(1..4),
                        ),
                        7 => a.append_paragraph(Section::Problem, "para"),
                        _ => {
                            // Ben's edit reaches Ana: from a peer (queued) or as a row this
                            // device stored already (not queued)
                            b.insert_text(Section::Problem, 0, "B");
                            let bl = b.section_text(Section::Problem).encode_utf16().count();
                            b.delete_text(Section::Problem, bl as u32 / 2, 1);
                            for u in b.take_outbox() {
                                if rng.gen_bool(0.5) {
                                    a.apply_update_v1(&u).unwrap();
                                } else {
                                    // the store holds this row: the replica, which is
                                    // what the store holds, has it too
                                    c.apply_update_v1(&u).unwrap();
                                    let u = yrs::Update::decode_v1(&u).unwrap();
                                    a.apply_decoded(vec![u]).unwrap();
                                }
                            }
                        }
                    }
                }
                let queued = lock(&a.outbox).updates.len();
                let taken = a.take_outbox_combined();
                combined_some |= queued > 1;
                assert!(
                    taken.len() <= 1,
                    "seed {seed}: {queued} updates not combined"
                );
                for u in &taken {
                    c.apply_update_v1(u).unwrap();
                }
                b.apply_update_v1(&a.encode_diff_v1(&b.state_vector()))
                    .unwrap();
                b.take_outbox();
                assert!(
                    same(&a, &c),
                    "seed {seed}: the replica differs from the source"
                );
            }
            assert!(combined_some, "seed {seed}: nothing was ever combined");
        }
    }
}
