//! Comments anchored to text (issue 15, point 1; the engine and CLI side): a thread sits on a
//! range of a section's body, its two ends yrs sticky indexes (Yjs relative positions, v1
//! binary as `Y.encodeRelativePosition` writes them, hex), so it stays on the same words while
//! others edit before, after and inside it on other devices. If all its text is deleted the
//! thread stays, read as "on deleted text" with the quote it was made on. A thread has replies
//! (author, role, time), is open or resolved, is tagged `problem` or `solution` (by default
//! its section's space), and can be turned into a concern or an open question, linked back.
//!
//! Stored in the `comments` root array: one map per thread, its replies a nested array, so
//! concurrent replies and a concurrent resolve all merge.

use super::*;
use yrs::block::ItemContent;
use yrs::branch::BranchPtr;
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{ArrayPrelim, Assoc, In, IndexedSequence, StickyIndex, Text};

/// A reply in a thread (the first one is the comment itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Reply {
    pub id: String,
    pub author: String,
    pub role: String,
    pub at: String,
    pub text: String,
}

/// A comment thread as read now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CommentThread {
    pub id: String,
    pub section: Section,
    /// `problem` or `solution`.
    pub tag: String,
    pub resolved: bool,
    /// The text it was made on.
    pub quote: String,
    /// The text its anchor covers now; `None`: all of it was deleted ("on deleted text").
    pub anchored: Option<String>,
    /// Where the anchor lies now in the section's body (index, length), if not deleted.
    pub range: Option<(u32, u32)>,
    /// The relative positions of its two ends (Yjs v1 binary, hex), for an editor to map.
    pub start: String,
    pub end: String,
    pub replies: Vec<Reply>,
    /// `concern:<id>` or `question:<id>` once turned into one.
    pub linked: Option<String>,
}

/// What went wrong with a comment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommentError {
    #[error("the quoted text {0:?} is not in that section (a quote lies within one paragraph)")]
    QuoteNotFound(String),
    #[error("a comment needs its text and a range of at least one character")]
    Empty,
    #[error("no comment thread {0:?} in this brief")]
    NoThread(String),
    #[error("{0:?} names more than one comment thread: give more of its id")]
    Ambiguous(String),
    #[error("a tag is problem or solution, not {0:?}")]
    Tag(String),
}

const COMMENTS: &str = "comments";

impl Brief {
    /// The body index (markers counted, UTF-16) where `quote` first lies within one block of
    /// the section, and its length.
    pub fn find_quote(&self, section: Section, quote: &str) -> Option<(u32, u32)> {
        if quote.is_empty() {
            return None;
        }
        let txn = self.doc.transact();
        let body = self.body(section);
        let spans = crate::body::spans(body, &txn);
        let blocks = crate::body::blocks(body, &txn);
        for (span, block) in spans.iter().zip(&blocks) {
            let text = block.text();
            if let Some(at) = text.find(quote) {
                let before = text[..at].encode_utf16().count() as u32;
                return Some((
                    span.text_start() + before,
                    quote.encode_utf16().count() as u32,
                ));
            }
        }
        None
    }

    /// Starts a thread on `len` units of the section's body from `index`; returns its id.
    pub fn add_comment(
        &self,
        section: Section,
        index: u32,
        len: u32,
        text: &str,
        tag: Option<&str>,
    ) -> Result<String, CommentError> {
        if text.trim().is_empty() || len == 0 {
            return Err(CommentError::Empty);
        }
        let tag = match tag {
            None if section.is_problem_space() => "problem",
            None => "solution",
            Some("problem") => "problem",
            Some("solution") => "solution",
            Some(t) => return Err(CommentError::Tag(t.to_string())),
        };
        let comments = self.doc.get_or_insert_array(COMMENTS);
        let body = self.body(section).clone();
        let me = self.local();
        let id = Uuid::new_v4().to_string();
        let mut txn = self.txn();
        let quote = range_text(&body, &txn, index, index + len);
        let start = body
            .sticky_index(&txn, index, Assoc::After)
            .ok_or(CommentError::Empty)?;
        let end = body
            .sticky_index(&txn, index + len, Assoc::Before)
            .ok_or(CommentError::Empty)?;
        // what never changes is one value (one item to store and decode); what members
        // change (tag, resolved, linked, replies) are keys of their own, so edits merge
        let anchor = Any::from(HashMap::from([
            ("id".to_string(), Any::from(id.clone())),
            ("section".to_string(), Any::from(section.as_str())),
            ("quote".to_string(), Any::from(quote)),
            ("start".to_string(), Any::from(start.encode_v1())),
            ("end".to_string(), Any::from(end.encode_v1())),
            ("author".to_string(), Any::from(me.name.clone())),
            ("created_at".to_string(), Any::from(now_rfc3339())),
        ]));
        let entry = MapPrelim::from_iter([
            ("anchor", In::from(anchor)),
            ("tag", In::from(Any::from(tag))),
            (
                "replies",
                In::from(ArrayPrelim::from([In::from(reply_any(&me, text))])),
            ),
        ]);
        comments.push_back(&mut txn, entry);
        Ok(id)
    }

    /// Adds a reply to a thread (by id or unique prefix).
    pub fn reply(&self, thread: &str, text: &str) -> Result<(), CommentError> {
        if text.trim().is_empty() {
            return Err(CommentError::Empty);
        }
        let m = self.thread_map(thread)?;
        let me = self.local();
        let mut txn = self.txn();
        if let Some(Out::YArray(replies)) = m.get(&txn, "replies") {
            replies.push_back(&mut txn, reply_any(&me, text));
        }
        Ok(())
    }

    /// Resolves or reopens a thread.
    pub fn set_comment_resolved(&self, thread: &str, resolved: bool) -> Result<(), CommentError> {
        let m = self.thread_map(thread)?;
        let mut txn = self.txn();
        m.insert(&mut txn, "resolved", resolved);
        Ok(())
    }

    /// Changes a thread's tag (`problem` or `solution`).
    pub fn set_comment_tag(&self, thread: &str, tag: &str) -> Result<(), CommentError> {
        if tag != "problem" && tag != "solution" {
            return Err(CommentError::Tag(tag.to_string()));
        }
        let m = self.thread_map(thread)?;
        let mut txn = self.txn();
        m.insert(&mut txn, "tag", tag);
        Ok(())
    }

    /// Turns a thread into a concern of `kind` (raised in this device's role) or, with `None`,
    /// an open question; the thread links to it. Returns the new entry's id.
    pub fn comment_to_entry(
        &self,
        thread: &str,
        concern: Option<ConcernKind>,
    ) -> Result<String, BriefError> {
        let t = self.find_thread(thread).map_err(|_| BriefError::NotFound {
            what: "comment thread",
            id: thread.to_string(),
        })?;
        let first = t
            .replies
            .first()
            .map(|r| r.text.clone())
            .unwrap_or_default();
        let text = format!("{first} (on \u{201c}{}\u{201d})", t.quote);
        let (id, link) = match concern {
            Some(kind) => {
                let id = self.add_concern(self.local().role, kind, &text)?;
                (id.clone(), format!("concern:{id}"))
            }
            None => {
                let id = self.add_question(&text)?;
                (id.clone(), format!("question:{id}"))
            }
        };
        if let Ok(m) = self.thread_map(&t.id) {
            let mut txn = self.txn();
            m.insert(&mut txn, "linked", link);
        }
        Ok(id)
    }

    /// Every thread, in the order they were made.
    pub fn comments(&self) -> Vec<CommentThread> {
        let comments = self.doc.get_or_insert_array(COMMENTS);
        let txn = self.doc.transact();
        // each commented section is read once, however many threads it holds
        let mut bodies: HashMap<Section, BodyIndex> = HashMap::new();
        comments
            .iter(&txn)
            .filter_map(|v| match v {
                Out::YMap(m) => self.read_thread(&txn, &m, &mut bodies),
                _ => None,
            })
            .collect()
    }

    /// The thread whose id is or starts with `id`.
    pub fn find_thread(&self, id: &str) -> Result<CommentThread, CommentError> {
        let id = id.trim();
        unique_by_prefix(self.comments(), |t| &t.id, id).map_err(|several| match several {
            None => CommentError::NoThread(id.to_string()),
            Some(()) => CommentError::Ambiguous(id.to_string()),
        })
    }

    fn thread_map(&self, id: &str) -> Result<MapRef, CommentError> {
        let want = self.find_thread(id)?.id;
        let comments = self.doc.get_or_insert_array(COMMENTS);
        let txn = self.doc.transact();
        comments
            .iter(&txn)
            .find_map(|v| match v {
                Out::YMap(m) if Fields::of(&txn, &m).str("id") == want => Some(m),
                _ => None,
            })
            .ok_or(CommentError::NoThread(id.to_string()))
    }

    fn read_thread<T: ReadTxn>(
        &self,
        txn: &T,
        m: &MapRef,
        bodies: &mut HashMap<Section, BodyIndex>,
    ) -> Option<CommentThread> {
        let f = Fields::of(txn, m);
        let section: Section = f.str("section").parse().ok()?;
        let decode = |key: &'static str| f.bytes(key).and_then(|b| StickyIndex::decode_v1(&b).ok());
        let body = self.body(section);
        let here = BranchPtr::from(AsRef::<yrs::branch::Branch>::as_ref(body));
        let index = bodies
            .entry(section)
            .or_insert_with(|| BodyIndex::of(body, txn));
        // an anchor from a peer that does not decode, or points elsewhere, reads as deleted
        let offset = |s: &StickyIndex| -> Option<u32> {
            if let Some(i) = index.offset(s) {
                return Some(i);
            }
            // not a visible character of this section (deleted, redone, elsewhere): the walk
            let o = s.get_offset(txn)?;
            (o.branch == here).then_some(o.index)
        };
        let range = match (decode("start"), decode("end")) {
            (Some(s), Some(e)) => match (offset(&s), offset(&e)) {
                (Some(a), Some(b)) if b > a => Some((a, b - a)),
                _ => None,
            },
            _ => None,
        };
        let anchored = range
            .map(|(i, l)| index.text(i, i + l))
            .filter(|t| !t.is_empty());
        let replies = match m.get(txn, "replies") {
            Some(Out::YArray(a)) => a
                .iter(txn)
                .filter_map(|r| match r {
                    Out::Any(Any::Map(r)) => Some(Reply {
                        id: any_map_str(&r, "id"),
                        author: any_map_str(&r, "author"),
                        role: any_map_str(&r, "role"),
                        at: any_map_str(&r, "at"),
                        text: any_map_str(&r, "text"),
                    }),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        let linked = Some(str_of(txn, m, "linked")).filter(|l| !l.is_empty());
        let hex = |key: &'static str| {
            f.bytes(key)
                .map(|b| crate::identity::hex(&b))
                .unwrap_or_default()
        };
        Some(CommentThread {
            id: f.str("id"),
            section,
            tag: match str_of(txn, m, "tag").as_str() {
                "solution" => "solution".into(),
                _ => "problem".into(),
            },
            resolved: matches!(m.get(txn, "resolved"), Some(Out::Any(Any::Bool(true)))),
            quote: f.str("quote"),
            range: if anchored.is_some() { range } else { None },
            anchored,
            start: hex("start"),
            end: hex("end"),
            replies,
            linked,
        })
    }
}

/// A thread's fields that never change: from its `anchor` value, or (threads written before
/// `anchor`, in the first layout) from keys of their own with the ends in hex.
struct Fields {
    anchor: Option<std::sync::Arc<HashMap<String, Any>>>,
    /// The thread's own keys, read only for a thread in the first layout.
    own: HashMap<&'static str, Out>,
}

impl Fields {
    fn of<T: ReadTxn>(txn: &T, m: &MapRef) -> Fields {
        let anchor = match m.get(txn, "anchor") {
            Some(Out::Any(Any::Map(a))) => Some(a),
            _ => None,
        };
        let own = if anchor.is_some() {
            HashMap::new()
        } else {
            ["id", "section", "quote", "start", "end"]
                .into_iter()
                .filter_map(|k| m.get(txn, k).map(|v| (k, v)))
                .collect()
        };
        Fields { anchor, own }
    }

    fn any(&self, key: &'static str) -> Option<Any> {
        match &self.anchor {
            Some(a) => a.get(key).cloned(),
            None => match self.own.get(key) {
                Some(Out::Any(v)) => Some(v.clone()),
                _ => None,
            },
        }
    }

    fn str(&self, key: &'static str) -> String {
        match self.any(key) {
            Some(Any::String(s)) => s.to_string(),
            _ => String::new(),
        }
    }

    /// A relative position's bytes (a buffer, or hex in the first layout).
    fn bytes(&self, key: &'static str) -> Option<Vec<u8>> {
        match self.any(key)? {
            Any::Buffer(b) => Some(b.to_vec()),
            Any::String(h) => crate::identity::unhex(&h),
            _ => None,
        }
    }
}

fn reply_any(me: &Member, text: &str) -> Any {
    Any::from(HashMap::from([
        ("id".to_string(), Any::from(Uuid::new_v4().to_string())),
        ("author".to_string(), Any::from(me.name.clone())),
        ("role".to_string(), Any::from(me.role.as_str())),
        ("at".to_string(), Any::from(now_rfc3339())),
        (
            "text".to_string(),
            Any::from(text.chars().take(10_000).collect::<String>()),
        ),
    ]))
}

fn str_of<T: ReadTxn>(txn: &T, m: &MapRef, key: &str) -> String {
    match m.get(txn, key) {
        Some(Out::Any(Any::String(s))) => s.to_string(),
        _ => String::new(),
    }
}

/// A section's body as one walk over its visible items reads it (yrs' `for_each_visible`, a
/// Groundwork patch): where each item lies — per client, (clock, length, body index), by
/// clock — and every UTF-16 unit of its text, with the body indexes of its block markers. Both
/// the anchors' offsets and the words they are on come from it, so opening a brief with many
/// threads reads each commented section once.
struct BodyIndex {
    /// Per client, its visible items: (clock, length, body index); `slot` finds a client's.
    by_client: Vec<Vec<(u32, u32, u32)>>,
    slot: HashMap<u64, usize>,
    /// Every visible unit; a marker's unit is a placeholder (never read as text).
    units: Vec<u16>,
    /// Body indexes of the units that are not text (block markers), in order.
    markers: Vec<u32>,
}

impl BodyIndex {
    fn of<T: ReadTxn>(body: &TextRef, txn: &T) -> BodyIndex {
        let mut by_client: Vec<Vec<(u32, u32, u32)>> = Vec::new();
        let mut slot: HashMap<u64, usize> = HashMap::new();
        let mut units: Vec<u16> = Vec::with_capacity(body.len(txn) as usize);
        let mut markers: Vec<u32> = Vec::new();
        // runs of items by one client are the rule: its list is found again only on a change
        let mut current: Option<(u64, usize)> = None;
        body.for_each_visible(txn, |id, len, content| {
            let index = units.len() as u32;
            let client = id.client.get();
            let at = match current {
                Some((c, at)) if c == client => at,
                _ => {
                    let at = *slot.entry(client).or_insert_with(|| {
                        by_client.push(Vec::new());
                        by_client.len() - 1
                    });
                    current = Some((client, at));
                    at
                }
            };
            by_client[at].push((id.clock, len, index));
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
        });
        for v in by_client.iter_mut() {
            v.sort_unstable();
        }
        BodyIndex {
            by_client,
            slot,
            units,
            markers,
        }
    }

    /// The body index a sticky index stands for, if its character is visible here.
    fn offset(&self, s: &StickyIndex) -> Option<u32> {
        let id = s.id()?;
        let items = &self.by_client[*self.slot.get(&id.client.get())?];
        let i = items.partition_point(|(clock, _, _)| *clock <= id.clock);
        let (clock, len, index) = *items.get(i.checked_sub(1)?)?;
        if id.clock >= clock + len {
            return None;
        }
        let at = index + (id.clock - clock);
        Some(if s.assoc == Assoc::After { at } else { at + 1 })
    }

    /// The characters between two body indexes: markers left out, the stretches of text
    /// between them joined by "\n" (empty ones dropped), as the blocks read.
    fn text(&self, from: u32, to: u32) -> String {
        let to = to.min(self.units.len() as u32);
        if from >= to {
            return String::new();
        }
        let first = self.markers.partition_point(|m| *m < from);
        let mut parts: Vec<String> = Vec::new();
        let mut lo = from;
        for &m in self.markers[first..].iter().take_while(|m| **m < to) {
            if lo < m {
                parts.push(String::from_utf16_lossy(
                    &self.units[lo as usize..m as usize],
                ));
            }
            lo = m + 1;
        }
        if lo < to {
            parts.push(String::from_utf16_lossy(
                &self.units[lo as usize..to as usize],
            ));
        }
        parts.join("\n")
    }
}

/// The characters of a body between two indexes (markers left out, blocks joined by "\n").
fn range_text<T: ReadTxn>(body: &TextRef, txn: &T, from: u32, to: u32) -> String {
    BodyIndex::of(body, txn).text(from, to)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{member, sync};
    use super::*;
    use crate::model::Role;

    #[test]
    fn a_thread_stays_on_its_words_and_survives_their_deletion() {
        let a = Brief::create("C", Template::ProblemFirst, member("aa", "Ana", Role::Pm));
        a.set_section(Section::Problem, "New admins quit at step 3.");
        let (i, l) = a.find_quote(Section::Problem, "quit at step").unwrap();
        let id = a
            .add_comment(Section::Problem, i, l, "Which step exactly?", None)
            .unwrap();
        let b = Brief::empty(a.id(), member("bb", "Ben", Role::Engineer));
        sync(&a, &b);
        // Ben edits before, inside and after at once with Ana's reply
        b.insert_text(Section::Problem, 0, "Most ");
        b.insert_text(
            Section::Problem,
            "Most New admins quit ".len() as u32,
            "often ",
        );
        b.insert_text(
            Section::Problem,
            "Most New admins quit often at step 3".len() as u32,
            " (of 5)",
        );
        a.reply(&id[..8], "Step 3 is billing.").unwrap();
        b.set_comment_resolved(&id, true).unwrap();
        sync(&b, &a);
        sync(&a, &b);
        for x in [&a, &b] {
            let t = x.find_thread(&id).unwrap();
            assert_eq!(t.anchored.as_deref(), Some("quit often at step"), "{t:?}");
            assert_eq!(t.quote, "quit at step");
            assert!(t.resolved);
            assert_eq!(t.tag, "problem");
            assert_eq!(t.replies.len(), 2);
        }
        // all of its text deleted: the thread stays, on deleted text
        b.set_section(Section::Problem, "Something else entirely.");
        sync(&b, &a);
        let t = a.find_thread(&id).unwrap();
        assert_eq!(t.anchored, None);
        assert_eq!(t.quote, "quit at step");
        // turned into a question, linked back
        let q = a.comment_to_entry(&id, None).unwrap();
        assert_eq!(
            a.find_thread(&id).unwrap().linked,
            Some(format!("question:{q}"))
        );
        assert!(a
            .questions()
            .iter()
            .any(|x| x.text.contains("Which step exactly?")));
        assert_eq!(
            a.add_comment(Section::Problem, 0, 3, "x", Some("design")),
            Err(CommentError::Tag("design".into()))
        );
    }

    #[test]
    fn a_thread_in_the_first_layout_still_reads() {
        let a = Brief::create("C", Template::ProblemFirst, member("aa", "Ana", Role::Pm));
        a.set_section(Section::Problem, "New admins quit at step 3.");
        let (i, l) = a.find_quote(Section::Problem, "quit at step").unwrap();
        {
            // as the release before `anchor` wrote a thread: every field a key, ends in hex
            let body = a.body(Section::Problem).clone();
            let comments = a.doc.get_or_insert_array(COMMENTS);
            let mut txn = a.txn();
            let hex = |s: StickyIndex| crate::identity::hex(&s.encode_v1());
            let start = hex(body.sticky_index(&txn, i, Assoc::After).unwrap());
            let end = hex(body.sticky_index(&txn, i + l, Assoc::Before).unwrap());
            let me = a.local();
            comments.push_back(
                &mut txn,
                MapPrelim::from_iter([
                    ("id", In::from(Any::from("0ld-thread"))),
                    ("section", In::from(Any::from("problem"))),
                    ("tag", In::from(Any::from("problem"))),
                    ("resolved", In::from(Any::from(false))),
                    ("quote", In::from(Any::from("quit at step"))),
                    ("start", In::from(Any::from(start))),
                    ("end", In::from(Any::from(end))),
                    ("author", In::from(Any::from("Ana"))),
                    ("created_at", In::from(Any::from(now_rfc3339()))),
                    (
                        "replies",
                        In::from(ArrayPrelim::from([In::from(reply_any(&me, "Old one."))])),
                    ),
                ]),
            );
        }
        a.insert_text(Section::Problem, 0, "Most ");
        let t = a.find_thread("0ld").unwrap();
        assert_eq!(t.anchored.as_deref(), Some("quit at step"));
        assert_eq!(t.range, Some((i + 5, l)));
        a.reply("0ld", "Still answerable.").unwrap();
        a.set_comment_resolved("0ld", true).unwrap();
        let t = a.find_thread("0ld").unwrap();
        assert!(t.resolved);
        assert_eq!(t.replies.len(), 2);
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
        let index = BodyIndex::of(&body, &txn);
        let total = body.len(&txn);
        let mut checked = 0;
        for i in 0..total {
            for assoc in [Assoc::After, Assoc::Before] {
                let Some(s) = body.sticky_index(&txn, i, assoc) else {
                    continue;
                };
                let walk = s.get_offset(&txn).map(|o| o.index);
                if let Some(fast) = index.offset(&s) {
                    assert_eq!(Some(fast), walk, "index {i} {assoc:?}");
                    checked += 1;
                }
            }
        }
        assert!(
            checked > total as usize,
            "most positions resolved in one pass: {checked}"
        );
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
            assert_eq!(index.text(from, to), by_blocks(from, to), "{from}..{to}");
        }
        drop(txn);
        let evidence = a.body(Section::Evidence).clone();
        let txn = a.doc.transact();
        let index = BodyIndex::of(&evidence, &txn);
        let total = evidence.len(&txn);
        let spans = crate::body::spans(&evidence, &txn);
        let blocks = crate::body::blocks(&evidence, &txn);
        assert!(blocks.len() >= 6, "{blocks:?}");
        let whole: Vec<String> = blocks
            .iter()
            .map(|b| b.text())
            .filter(|t| !t.is_empty())
            .collect();
        assert_eq!(index.text(0, total), whole.join("\n"));
        for (s, b) in spans.iter().zip(&blocks) {
            let start = s.text_start();
            let len = b.text().encode_utf16().count() as u32;
            assert_eq!(index.text(start, start + len), b.text());
        }
    }
}
