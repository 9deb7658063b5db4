//! The merge receipt: what a catch-up from a peer merged into this brief — changes made while
//! this device was not connected to their author, arriving after a reconnect or relayed later
//! through another peer.
//!
//! A *catch-up* is the first sync step 2 a peer link brings for a brief (the peer's answer to
//! the step 1 sent when the link came up); later step 2s (anti-entropy) and live updates are
//! not, so a teammate typing live never produces a receipt. A brief that was empty before
//! (joining it) produces none either.
//!
//! For each part the catch-up changed, the receipt says who made those changes (the members of
//! the client ids it brought, a deletion's author by its tick) and whether this device changed
//! the same part while apart (one of its edit sessions the peer's state vector, heard on the
//! same link just before, does not cover): those are marked for review. It also lists the
//! sign-offs that were fresh before and stale after, and the decisions that gained a changed
//! section. Receipts of several catch-ups add up until the person dismisses them.

use super::*;
use std::collections::BTreeSet;

/// One part of the brief a catch-up changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
pub struct ReceiptItem {
    pub part: Part,
    /// Who made the changes ("Ben Okafor (engineer)"), as the brief's members say.
    pub by: Vec<String>,
    /// This device changed the part too while apart: review it.
    pub both: bool,
}

/// A decision that rests on a section the catch-up changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
pub struct FlaggedDecision {
    pub id: String,
    pub decision: String,
    pub sections: Vec<Section>,
}

/// What merged; see the module doc.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
pub struct MergeReceipt {
    pub items: Vec<ReceiptItem>,
    /// Roles whose sign-off went stale because of the merge.
    pub stale_signoffs: Vec<Role>,
    pub flagged_decisions: Vec<FlaggedDecision>,
}

impl MergeReceipt {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && self.stale_signoffs.is_empty() && self.flagged_decisions.is_empty()
    }

    /// Adds a later receipt to this one (parts, people, roles and decisions united).
    pub fn add(&mut self, other: MergeReceipt) {
        for item in other.items {
            match self.items.iter_mut().find(|i| i.part == item.part) {
                Some(i) => {
                    i.both |= item.both;
                    for p in item.by {
                        if !i.by.contains(&p) {
                            i.by.push(p);
                        }
                    }
                }
                None => self.items.push(item),
            }
        }
        self.items.sort_by_key(|i| i.part);
        for r in other.stale_signoffs {
            if !self.stale_signoffs.contains(&r) {
                self.stale_signoffs.push(r);
            }
        }
        for d in other.flagged_decisions {
            match self.flagged_decisions.iter_mut().find(|x| x.id == d.id) {
                Some(x) => {
                    for s in d.sections {
                        if !x.sections.contains(&s) {
                            x.sections.push(s);
                        }
                    }
                }
                None => self.flagged_decisions.push(d),
            }
        }
    }

    /// One line per item, for a terminal: "Problem statement: changed by Ben (engineer) and
    /// here while apart — review".
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for i in &self.items {
            let by = if i.by.is_empty() {
                "someone".to_string()
            } else {
                i.by.join(", ")
            };
            out.push(if i.both {
                format!(
                    "{}: changed by {by} and here while apart — review",
                    i.part.label()
                )
            } else {
                format!("{}: changed by {by}", i.part.label())
            });
        }
        for r in &self.stale_signoffs {
            out.push(format!("{} sign-off went stale", r.label()));
        }
        for d in &self.flagged_decisions {
            let sections: Vec<&str> = d.sections.iter().map(|s| s.label()).collect();
            out.push(format!(
                "decision \"{}\" rests on changed {}",
                d.decision,
                sections.join(", ")
            ));
        }
        out
    }
}

/// What the brief looked like as a catch-up began; see [`Brief::begin_catch_up`].
pub struct CatchUp {
    stale: Vec<Role>,
    decisions: HashMap<String, Vec<Section>>,
    /// Parts this device changed that the peer had not seen.
    mine_unseen: BTreeSet<Part>,
}

/// Parts and client ids remote transactions touched while a catch-up is captured.
#[derive(Debug, Default)]
pub(super) struct Captured {
    pub parts: BTreeSet<Part>,
    pub clients: BTreeSet<u64>,
}

impl Brief {
    /// Notes what a catch-up could change, before its update is applied. `peer_sv` is the
    /// state vector the peer sent on the same link (its sync step 1), if it did. `None` when
    /// the brief is empty (being joined): nothing to report then.
    pub fn begin_catch_up(&self, peer_sv: Option<&StateVector>) -> Option<CatchUp> {
        if self.state_vector() == StateVector::default() {
            return None;
        }
        let sessions = lock(&self.ledger).all();
        let mine_unseen = sessions
            .iter()
            .filter(|s| peer_sv.is_none_or(|sv| !s.seen_by(sv)))
            .map(|s| s.part)
            .collect();
        let status = self.signoff_status();
        *lock(&self.captured) = Some(Captured::default());
        Some(CatchUp {
            stale: status
                .signoffs
                .iter()
                .filter(|s| s.stale)
                .map(|s| s.role)
                .collect(),
            decisions: self
                .decisions()
                .into_iter()
                .map(|d| (d.id, d.changed_since))
                .collect(),
            mine_unseen,
        })
    }

    /// What the catch-up begun with `before` merged, if anything.
    pub fn end_catch_up(&self, before: CatchUp) -> Option<MergeReceipt> {
        let captured = lock(&self.captured).take()?;
        if captured.parts.is_empty() {
            return None;
        }
        let mut by: Vec<String> = Vec::new();
        for c in &captured.clients {
            if let Some(m) = self.member_for_client(*c) {
                let name = format!("{} ({})", m.name, m.role);
                if m.device != self.local().device && !by.contains(&name) {
                    by.push(name);
                }
            }
        }
        let items = captured
            .parts
            .iter()
            .map(|p| ReceiptItem {
                part: *p,
                by: by.clone(),
                both: before.mine_unseen.contains(p),
            })
            .collect();
        let stale_signoffs = self
            .signoff_status()
            .signoffs
            .iter()
            .filter(|s| s.stale && !before.stale.contains(&s.role))
            .map(|s| s.role)
            .collect();
        let flagged_decisions = self
            .decisions()
            .into_iter()
            .filter_map(|d| {
                let had = before.decisions.get(&d.id).cloned().unwrap_or_default();
                let new: Vec<Section> = d
                    .changed_since
                    .iter()
                    .filter(|s| !had.contains(s))
                    .copied()
                    .collect();
                (!new.is_empty()).then_some(FlaggedDecision {
                    id: d.id,
                    decision: d.decision,
                    sections: new,
                })
            })
            .collect();
        let receipt = MergeReceipt {
            items,
            stale_signoffs,
            flagged_decisions,
        };
        (!receipt.is_empty()).then_some(receipt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    fn member(device: &str, name: &str, role: Role) -> Member {
        Member {
            device: device.into(),
            name: name.into(),
            role,
        }
    }

    fn sync(from: &Brief, to: &Brief) {
        to.apply_update_v1(&from.encode_diff_v1(&to.state_vector()))
            .unwrap();
    }

    /// `to` catches up with `from` as a peer link would: `from`'s state vector first, then
    /// its diff, captured.
    fn catch_up(from: &Brief, to: &Brief) -> Option<MergeReceipt> {
        catch_up_with(from, to, &from.state_vector())
    }

    /// [`catch_up`] with the state vector `from` sent when the link came up (both sides
    /// send theirs before either applies the other's step 2).
    fn catch_up_with(from: &Brief, to: &Brief, from_sv: &StateVector) -> Option<MergeReceipt> {
        let before = to.begin_catch_up(Some(from_sv));
        sync(from, to);
        to.end_catch_up(before?)
    }

    fn parts(r: &MergeReceipt) -> Vec<(Part, bool)> {
        r.items.iter().map(|i| (i.part, i.both)).collect()
    }

    #[test]
    fn a_catch_up_lists_parts_changed_elsewhere_and_on_both_sides() {
        let a = Brief::create(
            "Onboarding",
            Template::ProblemFirst,
            member("aa", "Ana", Role::Pm),
        );
        a.set_section(Section::Problem, "New admins quit at step 3.");
        let b = Brief::empty(a.id(), member("bb", "Ben", Role::Engineer));
        sync(&a, &b);
        a.sign_off(Role::Pm);
        let id = a
            .add_decision(NewDecision {
                decision: "Ship a checklist".into(),
                rests_on: vec![Section::Evidence],
                ..NewDecision::default()
            })
            .unwrap();
        sync(&a, &b);
        // apart: both change the problem, each one more section
        a.insert_text(Section::Problem, 0, "ANA ");
        a.set_section(Section::Affected, "Workspace admins");
        b.insert_text(Section::Problem, 0, "BEN ");
        b.set_section(Section::Evidence, "40 tickets a week");
        let (sv_a, sv_b) = (a.state_vector(), b.state_vector());
        let r = catch_up_with(&b, &a, &sv_b).expect("a receipt");
        assert_eq!(
            parts(&r),
            vec![
                (Part::Section(Section::Problem), true),
                (Part::Section(Section::Evidence), false),
            ]
        );
        assert!(r
            .items
            .iter()
            .all(|i| i.by == vec!["Ben (engineer)".to_string()]));
        // A's own edit had made the sign-off stale already: not the merge's doing
        assert_eq!(r.stale_signoffs, vec![]);
        assert_eq!(r.flagged_decisions.len(), 1);
        assert_eq!(r.flagged_decisions[0].id, id);
        assert_eq!(r.flagged_decisions[0].sections, vec![Section::Evidence]);
        // the other way round: B sees A's affected section, and the problem for review
        let r = catch_up_with(&a, &b, &sv_a).expect("a receipt");
        assert_eq!(
            parts(&r),
            vec![
                (Part::Section(Section::Problem), true),
                (Part::Section(Section::Affected), false),
            ]
        );
        assert!(r.items.iter().all(|i| i.by == vec!["Ana (pm)".to_string()]));
        // nothing new: no receipt
        assert!(catch_up(&a, &b).is_none());
        // A signs off again; a change from B to the problem space makes it stale
        a.sign_off(Role::Pm);
        sync(&a, &b);
        b.append_paragraph(Section::Evidence, "And churn.");
        let r = catch_up(&b, &a).expect("a receipt");
        assert_eq!(r.stale_signoffs, vec![Role::Pm]);
        assert!(r.flagged_decisions.is_empty(), "flagged already: {r:?}");
    }

    #[test]
    fn changes_relayed_later_name_their_author_and_a_join_has_no_receipt() {
        let a = Brief::create(
            "Onboarding",
            Template::ProblemFirst,
            member("aa", "Ana", Role::Pm),
        );
        a.set_section(Section::Problem, "New admins quit at step 3.");
        let b = Brief::empty(a.id(), member("bb", "Ben", Role::Engineer));
        let c = Brief::empty(a.id(), member("cc", "Cleo", Role::Designer));
        // joining: the whole brief arrives, nothing to review
        assert!(catch_up(&a, &b).is_none());
        assert!(catch_up(&b, &c).is_none());
        // C is away; A and B go on live
        c.set_section(Section::Risks, "SSO rework");
        a.set_section(Section::Nogos, "No new roles");
        sync(&a, &b);
        // C comes back next to B only: A's change arrives relayed, by A
        let r = catch_up(&b, &c).expect("a receipt");
        assert_eq!(parts(&r), vec![(Part::Section(Section::Nogos), false)]);
        assert_eq!(r.items[0].by, vec!["Ana (pm)".to_string()]);
        // a deletion alone is attributed by its tick
        a.delete_text(Section::Nogos, 0, 3);
        sync(&a, &b);
        let r = catch_up(&b, &c).expect("a receipt");
        assert_eq!(parts(&r), vec![(Part::Section(Section::Nogos), false)]);
        assert_eq!(r.items[0].by, vec!["Ana (pm)".to_string()]);
    }

    #[test]
    fn receipts_add_up_until_dismissed() {
        let mut r = MergeReceipt {
            items: vec![ReceiptItem {
                part: Part::Section(Section::Problem),
                by: vec!["Ben (engineer)".into()],
                both: false,
            }],
            ..MergeReceipt::default()
        };
        r.add(MergeReceipt {
            items: vec![
                ReceiptItem {
                    part: Part::Section(Section::Problem),
                    by: vec!["Cleo (designer)".into()],
                    both: true,
                },
                ReceiptItem {
                    part: Part::Title,
                    by: vec![],
                    both: false,
                },
            ],
            stale_signoffs: vec![Role::Pm],
            ..MergeReceipt::default()
        });
        assert_eq!(r.items.len(), 2);
        assert_eq!(r.items[0].part, Part::Title);
        assert!(r.items[1].both);
        assert_eq!(r.items[1].by.len(), 2);
        assert_eq!(r.lines().len(), 3);
        assert!(r.lines()[1].ends_with("review"), "{:?}", r.lines());
    }
}
