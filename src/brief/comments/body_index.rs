//! The one walk over a commented section (for [`Brief::comments`](super::Brief::comments)):
//! where each thread's ends lie now and the words between them, found by reading the section's
//! visible items once, looking only for the characters anchors name and keeping only the words
//! between a thread's ends.

use super::super::*;
use yrs::block::ItemContent;
use yrs::{Assoc, StickyIndex, ID};

/// A thread's two ends as decoded (`None`: missing or not a relative position).
pub(super) type Anchors = (Option<StickyIndex>, Option<StickyIndex>);

/// What a section's one walk looks for: the characters anchors name alone, and the pairs of a
/// thread's first and last character.
#[derive(Default)]
pub(super) struct Wanted {
    pub(super) ids: Vec<ID>,
    pub(super) pairs: Vec<(ID, ID)>,
}

/// A commented section as read for [`Brief::comments`]: the one walk, and the section read
/// whole if some thread's words were not kept.
pub(super) struct SectionRead {
    pub(super) kept: BodyIndex,
    pub(super) whole: Option<BodyIndex>,
}

/// Which text a [`BodyIndex`] keeps.
pub(super) enum Keep {
    /// All of it (a quote being made; tests).
    All,
    /// Only what lies between each pair's first character and its last, as far as the walk
    /// meets them in order: the words threads are on.
    Between(Vec<(ID, ID)>),
}

/// A section's body as one walk over its visible items reads it (yrs' `for_each_visible`, a
/// Groundwork patch): the body index of each character an anchor names, and the UTF-16 units of
/// the text it keeps, with the body indexes of their block markers. Both the anchors' offsets
/// and the words they are on come from it, so opening a brief with many threads reads each
/// commented section once. Only the named characters are looked for ([`Named`]) and only the
/// words between two ends are kept, so the walk keeps next to nothing per item.
pub(super) struct BodyIndex {
    /// The characters anchors name, with their body index once the walk met them.
    named: Named,
    /// The body's length in units.
    len: u32,
    /// Runs of kept units: (body index of the first, where it starts in `units`), in order.
    runs: Vec<(u32, u32)>,
    /// The kept units; a marker's unit is a placeholder (never read as text).
    units: Vec<u16>,
    /// Body indexes of the kept units that are not text (block markers), in order.
    markers: Vec<u32>,
}

impl BodyIndex {
    /// Reads `body`, looking for the characters `wanted` names and keeping the text `keep` says.
    pub(super) fn of<T: ReadTxn>(
        body: &TextRef,
        txn: &T,
        wanted: Vec<ID>,
        keep: Keep,
    ) -> BodyIndex {
        let (all, pairs) = match keep {
            Keep::All => (true, Vec::new()),
            Keep::Between(pairs) => (false, pairs),
        };
        let mut named = Named::new(wanted, pairs);
        let mut index = 0u32;
        let mut runs: Vec<(u32, u32)> = Vec::new();
        let mut units: Vec<u16> = Vec::new();
        let mut markers: Vec<u32> = Vec::new();
        body.for_each_visible(txn, |id, len, content| {
            let open = named.open > 0;
            let opened = named.meet(id, len, index);
            if all || open || opened {
                if runs
                    .last()
                    .is_none_or(|(at, from)| at + (units.len() as u32 - from) != index)
                {
                    runs.push((index, units.len() as u32));
                }
                match content {
                    // ASCII (most text) widens byte by byte, which the compiler vectorises
                    ItemContent::String(s) if s.as_str().is_ascii() => {
                        units.extend(s.as_str().bytes().map(u16::from))
                    }
                    ItemContent::String(s) => units.extend(s.as_str().encode_utf16()),
                    _ => {
                        markers.extend(index..index + len);
                        units.extend(std::iter::repeat_n(0, len as usize));
                    }
                }
            }
            index += len;
        });
        BodyIndex {
            named,
            len: index,
            runs,
            units,
            markers,
        }
    }

    /// The body index a sticky index stands for, if it was looked for and its character is
    /// visible here.
    pub(super) fn offset(&self, s: &StickyIndex) -> Option<u32> {
        let at = self.named.at(s.id()?)?;
        Some(if s.assoc == Assoc::After { at } else { at + 1 })
    }

    /// The characters between two body indexes: markers left out, the stretches of text
    /// between them joined by "\n" (empty ones dropped), as the blocks read. `None` if the
    /// walk did not keep them all.
    pub(super) fn text(&self, from: u32, to: u32) -> Option<String> {
        let to = to.min(self.len);
        if from >= to {
            return Some(String::new());
        }
        // the run holding `from` must hold `to` too
        let run = self
            .runs
            .partition_point(|(at, _)| *at <= from)
            .checked_sub(1)?;
        let (at, start) = self.runs[run];
        let end = self
            .runs
            .get(run + 1)
            .map_or(self.units.len() as u32, |r| r.1);
        if to - at > end - start {
            return None;
        }
        let unit = |b: u32| (start + b - at) as usize;
        let first = self.markers.partition_point(|m| *m < from);
        let mut parts: Vec<String> = Vec::new();
        let mut lo = from;
        for &m in self.markers[first..].iter().take_while(|m| **m < to) {
            if lo < m {
                parts.push(String::from_utf16_lossy(&self.units[unit(lo)..unit(m)]));
            }
            lo = m + 1;
        }
        if lo < to {
            parts.push(String::from_utf16_lossy(&self.units[unit(lo)..unit(to)]));
        }
        Some(parts.join("\n"))
    }
}

/// The characters anchors name, looked for during one walk over a body: their IDs sorted, each
/// with its body index once met, and per client a bitmap of the 64-clock stretches that hold
/// one, so that an item holding none (nearly all of them) is passed over after a bit test or
/// two instead of a binary search. It also counts the pairs (a thread's first and last
/// character) whose first was met and last not yet: while one is open the walk keeps the text.
struct Named {
    found: Vec<(ID, Option<u32>)>,
    /// Per client (by `slot`), bit `c >> 6` set when a named clock `c` lies in that stretch.
    stretches: Vec<Vec<u64>>,
    slot: HashMap<u64, usize>,
    /// The last client met and its slot (runs of one client's items are the rule).
    last: Option<(u64, Option<usize>)>,
    /// Per pair: its first and last character (indexes into `found`) and whether met.
    pairs: Vec<(usize, usize, bool, bool)>,
    /// Per entry of `found`, the pairs it begins or ends (sorted by entry).
    roles: Vec<(usize, usize)>,
    /// Pairs begun and not yet ended.
    open: u32,
}

impl Named {
    fn new(mut wanted: Vec<ID>, pairs: Vec<(ID, ID)>) -> Named {
        wanted.extend(pairs.iter().flat_map(|(a, b)| [*a, *b]));
        wanted.sort_unstable_by_key(|id| (id.client, id.clock));
        wanted.dedup();
        let mut stretches: Vec<Vec<u64>> = Vec::new();
        let mut slot: HashMap<u64, usize> = HashMap::new();
        for id in &wanted {
            let at = *slot.entry(id.client.get()).or_insert_with(|| {
                stretches.push(Vec::new());
                stretches.len() - 1
            });
            let bit = (id.clock >> 6) as usize;
            let words = &mut stretches[at];
            if words.len() <= bit >> 6 {
                words.resize((bit >> 6) + 1, 0);
            }
            words[bit >> 6] |= 1 << (bit & 63);
        }
        let entry = |id: &ID| {
            wanted
                .binary_search_by_key(&(id.client, id.clock), |w| (w.client, w.clock))
                .unwrap_or_default()
        };
        let pairs: Vec<(usize, usize, bool, bool)> = pairs
            .iter()
            .map(|(a, b)| (entry(a), entry(b), false, false))
            .collect();
        let mut roles: Vec<(usize, usize)> = pairs
            .iter()
            .enumerate()
            .flat_map(|(p, (a, b, _, _))| [(*a, p), (*b, p)])
            .collect();
        roles.sort_unstable();
        roles.dedup();
        Named {
            found: wanted.into_iter().map(|id| (id, None)).collect(),
            stretches,
            slot,
            last: None,
            pairs,
            roles,
            open: 0,
        }
    }

    /// The body index of a named character, if met.
    fn at(&self, id: &ID) -> Option<u32> {
        let i = self
            .found
            .binary_search_by_key(&(id.client, id.clock), |(w, _)| (w.client, w.clock))
            .ok()?;
        self.found[i].1
    }

    /// A visible item: `len` characters from `id`, the first at body index `index`. Whether a
    /// pair begins in it.
    fn meet(&mut self, id: ID, len: u32, index: u32) -> bool {
        let at = match self.last {
            Some((client, at)) if client == id.client.get() => at,
            _ => {
                let at = self.slot.get(&id.client.get()).copied();
                self.last = Some((id.client.get(), at));
                at
            }
        };
        let Some(words) = at.map(|at| &self.stretches[at]) else {
            return false;
        };
        let (lo, hi) = (id.clock >> 6, (id.clock + len.max(1) - 1) >> 6);
        let set = |b: u32| {
            words
                .get((b >> 6) as usize)
                .is_some_and(|w| w & (1 << (b & 63)) != 0)
        };
        if !(lo..=hi).any(set) {
            return false;
        }
        // the named characters this item holds: clocks id.clock .. id.clock + len
        let key = (id.client, id.clock);
        let mut i = self
            .found
            .partition_point(|(w, _)| (w.client, w.clock) < key);
        let mut opened = false;
        while let Some((w, at)) = self.found.get_mut(i) {
            if w.client != id.client || w.clock >= id.clock + len {
                break;
            }
            *at = Some(index + (w.clock - id.clock));
            opened |= self.pass(i);
            i += 1;
        }
        opened
    }

    /// Entry `i` of `found` was met: the pairs it begins open, those it ends (once begun)
    /// close. Whether one opened.
    fn pass(&mut self, i: usize) -> bool {
        let mut opened = false;
        let first = self.roles.partition_point(|(e, _)| *e < i);
        for &(_, p) in self.roles[first..].iter().take_while(|(e, _)| *e == i) {
            let (a, b, begun, ended) = &mut self.pairs[p];
            if *a == i && !*begun {
                *begun = true;
                self.open += 1;
                opened = true;
            }
            if *b == i && *begun && !*ended {
                *ended = true;
                self.open -= 1;
            }
        }
        opened
    }
}

/// The characters of a body between two indexes (markers left out, blocks joined by "\n").
pub(super) fn range_text<T: ReadTxn>(body: &TextRef, txn: &T, from: u32, to: u32) -> String {
    BodyIndex::of(body, txn, Vec::new(), Keep::All)
        .text(from, to)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::super::super::test_support::{member, sync};
    use super::*;
    use crate::model::Role;
    use yrs::IndexedSequence;

    #[test]
    fn a_named_character_is_found_anywhere_in_a_long_item() {
        let id = |client: u64, clock: u32| ID::new(yrs::block::ClientID::new(client), clock);
        let mut named = Named::new(
            vec![id(7, 150), id(7, 3), id(9, 64), id(7, 150)],
            Vec::new(),
        );
        named.meet(id(7, 10), 200, 1000); // holds 150, not 3: two stretches on
        named.meet(id(8, 0), 500, 0); // a client nothing names
        named.meet(id(9, 60), 4, 2000); // ends just before 64
        let at = |named: &Named, client, clock| {
            named
                .found
                .iter()
                .find(|(w, _)| *w == id(client, clock))
                .and_then(|(_, at)| *at)
        };
        assert_eq!(named.found.len(), 3, "deduplicated");
        assert_eq!(at(&named, 7, 150), Some(1140));
        assert_eq!(at(&named, 7, 3), None);
        assert_eq!(at(&named, 9, 64), None);
        named.meet(id(9, 63), 2, 3000);
        assert_eq!(at(&named, 9, 64), Some(3001));
    }

    #[test]
    fn the_one_pass_index_agrees_with_the_walk() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x1d3);
        let a = Brief::create("C", Template::ProblemFirst, member("aa", "Ana", Role::Pm));
        a.set_section(Section::Problem, "Start of the text.");
        a.append_paragraph(Section::Problem, "A second paragraph, with ünïcode 😀 too.");
        // headings, lists, a quote, a rule, marks and a hard break: the blocks' text reads
        // the same through the one pass
        a.set_markdown(
            Section::Evidence,
            "# Heading\n\nSome **bold** and *italic* text,  \nafter a hard break.\n\n- one\n- two\n\n> quoted\n\n---\n\nAfter the rule `code`.",
        );
        let b = Brief::empty(a.id(), member("bb", "Ben", Role::Engineer));
        sync(&a, &b);
        for i in 0..300 {
            let x = if i % 2 == 0 { &a } else { &b };
            let len = x
                .section_text(Section::Problem)
                .split("\n\n")
                .next()
                .unwrap()
                .encode_utf16()
                .count() as u32;
            if rng.gen_bool(0.7) || len < 3 {
                x.insert_text(Section::Problem, rng.gen_range(0..=len), "ab");
            } else {
                x.delete_text(Section::Problem, rng.gen_range(0..len - 1), 1);
            }
            if i % 7 == 0 {
                sync(&a, &b);
                sync(&b, &a);
            }
        }
        sync(&a, &b);
        sync(&b, &a);
        let body = a.body(Section::Problem).clone();
        let txn = a.doc.transact();
        let total = body.len(&txn);
        let positions: Vec<StickyIndex> = (0..total)
            .flat_map(|i| [Assoc::After, Assoc::Before].map(|assoc| (i, assoc)))
            .filter_map(|(i, assoc)| body.sticky_index(&txn, i, assoc))
            .collect();
        // every position looked for, and (every other one) not looked for: never found
        let wanted = positions.iter().step_by(2).filter_map(|s| s.id().copied());
        let index = BodyIndex::of(&body, &txn, wanted.collect(), Keep::All);
        let mut checked = 0;
        for (n, s) in positions.iter().enumerate() {
            if n % 2 == 1 {
                let named = positions.iter().step_by(2).any(|w| w.id() == s.id());
                assert!(named || index.offset(s).is_none(), "{s:?} not looked for");
                continue;
            }
            // every position names a visible character: the one pass finds each
            let walk = s.get_offset(&txn).map(|o| o.index);
            assert!(walk.is_some(), "position {n}");
            assert_eq!(index.offset(s), walk, "position {n} {:?}", s.assoc);
            checked += 1;
        }
        assert!(checked >= total as usize, "{checked} of {total}");
        // the words between any two indexes read as the blocks read them
        let spans = crate::body::spans(&body, &txn);
        let blocks = crate::body::blocks(&body, &txn);
        let layout: Vec<(u32, Vec<u16>)> = spans
            .iter()
            .zip(&blocks)
            .map(|(s, b)| (s.text_start(), b.text().encode_utf16().collect()))
            .collect();
        let by_blocks = |from: u32, to: u32| -> String {
            let mut parts = Vec::new();
            for (a, units) in &layout {
                let b = a + units.len() as u32;
                let (lo, hi) = (from.max(*a), to.min(b));
                if lo < hi {
                    parts.push(String::from_utf16_lossy(
                        &units[(lo - a) as usize..(hi - a) as usize],
                    ));
                }
            }
            parts.join("\n")
        };
        for _ in 0..2_000 {
            let from = rng.gen_range(0..=total);
            let to = rng.gen_range(from..=total);
            assert_eq!(
                index.text(from, to),
                Some(by_blocks(from, to)),
                "{from}..{to}"
            );
        }
        // keeping only the words between pairs of ends: each pair's words read the same, and
        // words not kept are never read wrong
        let ranges: Vec<(u32, u32)> = (0..40)
            .map(|_| {
                let from = rng.gen_range(0..total);
                (from, rng.gen_range(from + 1..=total.min(from + 60)))
            })
            .collect();
        let ends = |from: u32, to: u32| {
            let a = body.sticky_index(&txn, from, Assoc::After).unwrap();
            let b = body.sticky_index(&txn, to, Assoc::Before).unwrap();
            (a, b)
        };
        let pairs = ranges
            .iter()
            .map(|&(from, to)| {
                let (a, b) = ends(from, to);
                (*a.id().unwrap(), *b.id().unwrap())
            })
            .collect();
        let kept = BodyIndex::of(&body, &txn, Vec::new(), Keep::Between(pairs));
        assert!(kept.units.len() < total as usize, "not everything kept");
        for &(from, to) in &ranges {
            let (a, b) = ends(from, to);
            assert_eq!((kept.offset(&a), kept.offset(&b)), (Some(from), Some(to)));
            assert_eq!(
                kept.text(from, to),
                Some(by_blocks(from, to)),
                "{from}..{to}"
            );
        }
        for _ in 0..2_000 {
            let from = rng.gen_range(0..=total);
            let to = rng.gen_range(from..=total);
            if let Some(t) = kept.text(from, to) {
                assert_eq!(t, by_blocks(from, to), "{from}..{to}");
            }
        }
        drop(txn);
        let evidence = a.body(Section::Evidence).clone();
        let txn = a.doc.transact();
        let index = BodyIndex::of(&evidence, &txn, Vec::new(), Keep::All);
        let total = evidence.len(&txn);
        let spans = crate::body::spans(&evidence, &txn);
        let blocks = crate::body::blocks(&evidence, &txn);
        assert!(blocks.len() >= 6, "{blocks:?}");
        let whole: Vec<String> = blocks
            .iter()
            .map(|b| b.text())
            .filter(|t| !t.is_empty())
            .collect();
        assert_eq!(index.text(0, total), Some(whole.join("\n")));
        for (s, b) in spans.iter().zip(&blocks) {
            let start = s.text_start();
            let len = b.text().encode_utf16().count() as u32;
            assert_eq!(index.text(start, start + len), Some(b.text()));
        }
    }
}
