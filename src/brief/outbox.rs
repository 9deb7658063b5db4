//! The outbox: the changes this device's document made (local edits and updates applied from
//! peers) that the store has not persisted yet, and how a flush takes them.
//!
//! Every such transaction is queued as it commits. A flush that takes several stores them as
//! **one** update when it can: the blocks past the state before the first of them plus the
//! deletions they made (vendored yrs `encode_diff_with_deletes_v1`). The document has squashed
//! a run of typing into a few blocks by then, so 1,000 one-character updates (about 25 KB)
//! become one update of a few hundred bytes, which is what the log's size, automatic
//! compaction and the replay at open then pay for. It is never a merge of the updates' bytes
//! (yrs `merge_updates` is slow on thousands of small updates and can leave holes).
//!
//! A transaction's own update is encoded when something needs it: a peer's or an editor's
//! change (kept as it came, in case the document waits for something missing when the flush
//! comes), every change once the brief relays to peers ([`Brief::enable_relay`]), and every
//! change of a brief not marked [`Brief::store_only`]. A store-only brief's own edits (the CLI,
//! `replay`, the engine's typing path) are not encoded one by one: only their combined update
//! is, at the flush — that encoding was a fifth of a persisted replay.

use std::sync::atomic::Ordering;
use std::sync::Mutex;

use yrs::{IdSet, ReadTxn, StateVector, Transact, TransactionMut};

use super::{lock, Brief};

/// Updates waiting to be stored, with what it takes to store them as one.
#[derive(Default)]
pub(super) struct Outbox {
    /// Updates a failed flush put back: stored first, as they are.
    restored: Vec<Vec<u8>>,
    /// One entry per queued transaction: its update, or `None` for an own edit of a
    /// store-only brief (only the combined update holds it).
    updates: Vec<Option<Vec<u8>>>,
    /// The document's state before the first of `updates`.
    since: StateVector,
    /// Every deletion the transactions behind `updates` made.
    deletes: IdSet,
}

impl Outbox {
    /// Queues a committed transaction with its update, if it was encoded (called from the
    /// document's transaction observer).
    pub(super) fn push(&mut self, txn: &TransactionMut, update: Option<Vec<u8>>) {
        if self.updates.is_empty() {
            self.since = txn.before_state().clone();
            self.deletes = IdSet::new();
        }
        if !txn.delete_set().is_empty() {
            self.deletes.merge_with(txn.delete_set().clone());
        }
        self.updates.push(update);
    }

    pub(super) fn is_empty(&self) -> bool {
        self.updates.is_empty() && self.restored.is_empty()
    }
}

/// Whether a committed transaction's own update must be encoded (see the module doc): not for
/// an own edit (no origin) of a store-only brief that relays to nobody.
pub(super) fn needs_own_update(txn: &TransactionMut, store_only: bool, relaying: bool) -> bool {
    relaying || !store_only || txn.origin().is_some()
}

impl Brief {
    /// This brief's changes go to this device's store only (an engine that is not a running
    /// peer): its own edits are encoded together at the next flush, not one by one. Enabling
    /// relay encodes each change again, for peers.
    pub fn store_only(&self) {
        self.store_only.store(true, Ordering::Relaxed);
    }

    /// Takes the updates queued since the last call, in order, one per transaction — except
    /// that a run of own edits of a [`Brief::store_only`] brief comes as one combined update.
    pub fn take_outbox(&self) -> Vec<Vec<u8>> {
        let mut taken = std::mem::take(&mut *lock(&self.outbox));
        let mut out = std::mem::take(&mut taken.restored);
        if taken.updates.iter().any(Option::is_none) {
            out.push(self.combine(&taken));
        } else {
            out.extend(taken.updates.into_iter().flatten());
        }
        out
    }

    /// Takes the updates queued since the last call as few updates as possible: several
    /// become one update holding the same changes (see the module doc). Updates a failed
    /// flush put back come first, as they are.
    pub fn take_outbox_combined(&self) -> Vec<Vec<u8>> {
        // taken before the document is read: the transaction observer locks the outbox while
        // a transaction commits
        let mut taken = std::mem::take(&mut *lock(&self.outbox));
        let mut out = std::mem::take(&mut taken.restored);
        match taken.updates.as_mut_slice() {
            [] => {}
            [Some(one)] => out.push(std::mem::take(one)),
            _ => out.push(self.combine(&taken)),
        }
        out
    }

    /// The blocks past `since` and the queued deletions, as one update. Blocks integrated
    /// since then by transactions that are not in the outbox (rows loaded from this device's
    /// store) come along: stored twice, changed nothing. Like a transaction's own update it
    /// reads only the block store, never structs that wait for a missing change (yrs'
    /// pending update), so it is encoded the same way whether the document waits or not;
    /// what waits is stored by the flush after the transaction that integrates it.
    fn combine(&self, taken: &Outbox) -> Vec<u8> {
        self.doc
            .transact()
            .encode_diff_with_deletes_v1(&taken.since, &taken.deletes)
    }

    /// Puts updates back at the front of the outbox (a flush that failed). They are stored
    /// first and as they are by the next take; what was queued meanwhile still combines.
    pub fn restore_outbox(&self, mut updates: Vec<Vec<u8>>) {
        let mut ob = lock(&self.outbox);
        updates.append(&mut ob.restored);
        ob.restored = updates;
    }

    /// True if changes wait to be stored.
    pub fn has_pending(&self) -> bool {
        !lock(&self.outbox).is_empty()
    }
}

/// The shared outbox the transaction observer fills.
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
        // a client known only from a struct still pending counts 0 in the source's vector
        let clocks = |sv: StateVector| -> Vec<(u64, u32)> {
            let mut v: Vec<_> = sv
                .iter()
                .filter(|(_, k)| **k > 0)
                .map(|(c, k)| (c.get(), *k))
                .collect();
            v.sort();
            v
        };
        ta.snapshot().delete_set == tb.snapshot().delete_set
            && clocks(ta.state_vector()) == clocks(tb.state_vector())
            && a.section_markdown(Section::Problem) == b.section_markdown(Section::Problem)
            && a.title() == b.title()
    }

    /// A replica fed only what `take_outbox_combined` gives ends up identical to the source,
    /// whatever mixes into the source's outbox meanwhile: its own typing and deleting, whole
    /// paragraphs, a teammate's updates (from a peer: queued; sometimes out of order, so the
    /// source waits for a missing one across a take) and rows loaded from storage (not
    /// queued), flushes that fail and put their updates back — for a brief that encodes every
    /// transaction and for a store-only one (odd seeds). Seeded; the seed is printed.
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
            if seed % 2 == 1 {
                a.store_only();
            }
            let mut combined_some = false;
            let mut waited = false;
            let mut held: Vec<Vec<u8>> = Vec::new();
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
                            b.insert_text(Section::Problem, 1, "b");
                            let bl = b.section_text(Section::Problem).encode_utf16().count();
                            b.delete_text(Section::Problem, bl as u32 / 2, 1);
                            let mut updates = b.take_outbox();
                            if held.is_empty() && rng.gen_bool(0.3) {
                                // from a peer, "B" arrives after the next flush, "b" (typed
                                // after it) now: Ana waits for "B" across a take
                                held.push(updates.remove(0));
                            }
                            for u in updates {
                                if !held.is_empty() || rng.gen_bool(0.5) {
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
                if rng.gen_bool(0.2) {
                    // a flush that fails puts its updates back; typing goes on meanwhile
                    let failed = a.take_outbox_combined();
                    a.insert_text(Section::Problem, 0, "r");
                    a.restore_outbox(failed);
                }
                let (queued, restored) = {
                    let ob = lock(&a.outbox);
                    (ob.updates.len(), ob.restored.len())
                };
                waited |= super::super::waits_for_missing(&a.doc().transact());
                let taken = a.take_outbox_combined();
                combined_some |= queued > 1;
                assert!(
                    taken.len() <= restored + 1,
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
                for u in held.drain(..) {
                    a.apply_update_v1(&u).unwrap();
                }
            }
            assert!(combined_some, "seed {seed}: nothing was ever combined");
            assert!(waited, "seed {seed}: the source never waited across a take");
        }
    }
}
