//! "What changed since I last looked", for the person on this device: a [`SeenMark`] is what
//! this device had when its person last had the brief open (a yrs snapshot — state vector and
//! delete set — plus each section's text then); [`Brief::changed_since`] says which sections
//! other people changed after it, by whom and how much, with the difference word by word.
//!
//! It is computed from what this device had (the snapshot), never from clocks, so it is right
//! after offline work, merges and changes relayed through other peers. Characters count for the
//! client that inserted them: this device's own clients (the engine's, its editors') never
//! count. A deletion leaves no author in the text, so lost words are counted for others when this
//! device made no deletion of its own since the mark (its deletion tick, `edit_sessions`, did
//! not move), and named for every other device that wrote anything since (a deleter always
//! did), which can name one too many. (A deletion this device made inside a transaction that also typed — typing
//! over a selection — moves no tick: with the brief open that is seen anyway, the mark being
//! taken when it closes.)
//! Not I/O: the engine stores marks in its settings (`seen:<brief id>`).

use super::*;
use similar::{ChangeTag, TextDiff};
use yrs::types::text::{ChangeKind, YChange};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::Snapshot;

/// What this device had when its person last looked at the brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct SeenMark {
    /// The yrs snapshot (v1 encoding), hex.
    pub snapshot: String,
    /// Each section's Markdown then.
    pub texts: BTreeMap<String, String>,
    pub at: String,
    /// Every device's deletion tick then (see `edit_sessions`): if this device's own moved
    /// since, it deleted something itself.
    #[serde(default)]
    pub ticks: BTreeMap<String, String>,
}

/// A section others changed since the mark.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SectionChange {
    pub section: Section,
    /// Who ("Ben Okafor (engineer)"), as the brief's members say.
    pub by: Vec<String>,
    /// Characters they inserted, and characters the section lost.
    pub inserted: u32,
    pub deleted: u32,
    /// The difference from what was seen, word by word.
    pub ops: Vec<DiffOp>,
}

/// The engine setting a brief's mark is kept under.
pub fn seen_key(brief: Uuid) -> String {
    format!("seen:{brief}")
}

impl Brief {
    fn ticks<T: ReadTxn>(txn: &T) -> BTreeMap<String, String> {
        let Some(ticks) = txn.get_map("ticks") else {
            return BTreeMap::new();
        };
        ticks
            .iter(txn)
            .map(|(k, v)| (k.to_string(), v.to_string(txn)))
            .collect()
    }

    /// A mark of what this device has now.
    pub fn seen_now(&self) -> SeenMark {
        // an owed deletion is ticked before the mark, and the next deletion after it is
        // ticked at once: whether this device deleted since the mark is read from its tick
        self.settle_ticks(0);
        lock(&self.ledger).restart_ticks();
        let txn = self.doc.transact();
        let snapshot = crate::identity::hex(&txn.snapshot().encode_v1());
        let texts = Section::ALL
            .iter()
            .map(|s| {
                let md = crate::body::render_markdown(self.body(*s), &txn);
                (s.as_str().to_string(), md)
            })
            .collect();
        SeenMark {
            snapshot,
            texts,
            at: now_rfc3339(),
            ticks: Self::ticks(&txn),
        }
    }

    /// The sections others changed since `mark` (none if the mark cannot be read).
    pub fn changed_since(&self, mark: &SeenMark) -> Vec<SectionChange> {
        let Some(seen) =
            crate::identity::unhex(&mark.snapshot).and_then(|b| Snapshot::decode_v1(&b).ok())
        else {
            return Vec::new();
        };
        // what the document holds now, once for every section (it walks the whole store);
        // when it is what was seen, nothing changed
        let current = self.doc.transact().snapshot();
        if current == seen {
            return Vec::new();
        }
        let own = self.local().device;
        let mut who: HashMap<u64, Option<Member>> = HashMap::new();
        let mut member = |c: u64| {
            who.entry(c)
                .or_insert_with(|| self.member_for_client(c))
                .clone()
        };
        let label = |m: &Option<Member>, c: u64| match m {
            Some(m) => format!("{} ({})", m.name, m.role),
            None => format!("unknown (client {c})"),
        };
        // clients of other devices that wrote anything since the mark
        let now_sv = self.state_vector();
        let mut moved: Vec<String> = Vec::new();
        for (c, clock) in now_sv.iter() {
            if *clock > seen.state_map.get(c) {
                let m = member(c.get());
                if m.as_ref().is_none_or(|m| m.device != own) {
                    let l = label(&m, c.get());
                    if !moved.contains(&l) {
                        moved.push(l);
                    }
                }
            }
        }
        // this device deleted something itself since the mark if its tick moved
        let own_deleted = {
            let txn = self.doc.transact();
            Self::ticks(&txn).get(&own) != mark.ticks.get(&own)
        };
        let mut out = Vec::new();
        for s in Section::ALL {
            let text = self.body(*s).clone();
            let chunks = {
                let mut txn = self.doc.transact_mut_with(Origin::from("groundwork:since"));
                text.diff_range(&mut txn, Some(&current), Some(&seen), |c: YChange| {
                    (c.kind == ChangeKind::Added, c.id.client.get())
                })
            };
            let mut inserted = 0u32;
            let mut by: Vec<String> = Vec::new();
            for ch in chunks {
                let (Some((true, client)), Out::Any(Any::String(t))) = (ch.ychange, &ch.insert)
                else {
                    continue;
                };
                let m = member(client);
                if m.as_ref().is_some_and(|m| m.device == own) {
                    continue;
                }
                inserted += t.chars().count() as u32;
                let l = label(&m, client);
                if !by.contains(&l) {
                    by.push(l);
                }
            }
            let then = mark
                .texts
                .get(s.as_str())
                .map(|md| super::versions::plain_of(md))
                .unwrap_or_default();
            let now = self.section_text(*s);
            if then == now && inserted == 0 {
                continue;
            }
            let ops = word_diff(&then, &now);
            let deleted: u32 = ops
                .iter()
                .filter(|o| o.op == "delete")
                .map(|o| o.text.chars().count() as u32)
                .sum();
            if deleted > 0 && !own_deleted {
                // lost words are someone else's when this device deleted nothing itself; a
                // deletion names no author, so every device that wrote anything since is named
                // (a deleter always did: its tick, or its first edit's member record)
                for d in &moved {
                    if !by.contains(d) {
                        by.push(d.clone());
                    }
                }
            }
            if by.is_empty() {
                continue;
            }
            out.push(SectionChange {
                section: *s,
                by,
                inserted,
                deleted,
                ops,
            });
        }
        out
    }
}

/// `then` → `now` word by word, runs of one kind merged.
pub(super) fn word_diff(then: &str, now: &str) -> Vec<DiffOp> {
    let diff = TextDiff::from_words(then, now);
    let mut ops: Vec<DiffOp> = Vec::new();
    for c in diff.iter_all_changes() {
        let op = match c.tag() {
            ChangeTag::Equal => "equal",
            ChangeTag::Insert => "insert",
            ChangeTag::Delete => "delete",
        };
        match ops.last_mut() {
            Some(last) if last.op == op => last.text.push_str(c.value()),
            _ => ops.push(DiffOp {
                op: op.to_string(),
                text: c.value().to_string(),
                by: Vec::new(),
            }),
        }
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{member, sync};
    use super::*;
    use crate::model::Role;

    #[test]
    fn marks_exactly_the_sections_others_changed() {
        let a = Brief::create("S", Template::ProblemFirst, member("aa", "Ana", Role::Pm));
        a.set_section(Section::Problem, "New admins quit at step 3.");
        a.set_section(
            Section::Evidence,
            "40 tickets a week. Mostly from large teams.",
        );
        let b = Brief::empty(a.id(), member("bb", "Ben", Role::Engineer));
        sync(&a, &b);
        let mark = a.seen_now();
        assert!(a.changed_since(&mark).is_empty());

        // Ben: types into the problem, only deletes in the evidence; Ana: her own edit
        b.insert_text(Section::Problem, 0, "Half of ");
        let len = "40 tickets a week.".len() as u32;
        b.delete_text(
            Section::Evidence,
            len,
            " Mostly from large teams.".len() as u32,
        );
        a.set_section(Section::Affected, "Workspace admins");
        // relayed through a third replica: the same
        let c = Brief::empty(a.id(), member("cc", "Cleo", Role::Designer));
        sync(&a, &c);
        sync(&b, &c);
        sync(&c, &a);

        let changes = a.changed_since(&mark);
        let got: Vec<(Section, Vec<String>)> =
            changes.iter().map(|c| (c.section, c.by.clone())).collect();
        assert_eq!(
            got,
            vec![
                (Section::Problem, vec!["Ben (engineer)".to_string()]),
                (Section::Evidence, vec!["Ben (engineer)".to_string()]),
            ],
            "{changes:?}"
        );
        assert_eq!(changes[0].inserted, "Half of ".len() as u32);
        assert!(changes[1]
            .ops
            .iter()
            .any(|o| o.op == "delete" && o.text.contains("Mostly")));
        // seen again: nothing
        assert!(a.changed_since(&a.seen_now()).is_empty());
        // an unreadable mark is no marks, not a crash
        let bad = SeenMark {
            snapshot: "zz".into(),
            ..mark
        };
        assert!(a.changed_since(&bad).is_empty());
    }

    /// A deletion owed its clock (the second of a session) is ticked by the mark, and the
    /// session's next deletion after the mark ticks at once: Ana's own lost words are never
    /// put on Ben, who only wrote elsewhere.
    #[test]
    fn own_deletions_mid_session_around_a_mark_stay_own() {
        let a = Brief::create("S", Template::ProblemFirst, member("aa", "Ana", Role::Pm));
        a.set_section(Section::Problem, "New admins quit at step 3.");
        let b = Brief::empty(a.id(), member("bb", "Ben", Role::Engineer));
        a.delete_text(Section::Problem, 0, 1);
        a.delete_text(Section::Problem, 0, 1);
        sync(&a, &b);
        let mark = a.seen_now();
        sync(&a, &b);
        assert!(a.changed_since(&mark).is_empty());
        b.insert_text(Section::Evidence, 0, "Ben was here.");
        sync(&b, &a);
        a.delete_text(Section::Problem, 0, 1);
        let got: Vec<Section> = a.changed_since(&mark).iter().map(|c| c.section).collect();
        assert_eq!(got, vec![Section::Evidence]);
    }
}
