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
use yrs::{ArrayPrelim, Assoc, In, IndexedSequence, StickyIndex, Text, ID};

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
/// A thread's key holding its fixed fields (the third layout).
const THREAD: &str = "thread";

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
        // what never changes is one JSON string (one item and one allocation to store and
        // decode); what members change (tag, resolved, linked, replies) are keys of their own,
        // so edits merge
        let record = ThreadRecord {
            id: id.clone(),
            section: section.as_str().to_string(),
            quote,
            start: crate::identity::hex(&start.encode_v1()),
            end: crate::identity::hex(&end.encode_v1()),
            author: me.name.clone(),
            created_at: now_rfc3339(),
            tag: tag.to_string(),
        };
        let entry = MapPrelim::from_iter([
            (THREAD, In::from(Any::from(record.to_json()))),
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
        // first every thread's fixed fields and anchors, so that each commented section is
        // then read once, looking only for the characters anchors name
        let threads: Vec<(MapRef, Fields, Section, Anchors)> = comments
            .iter(&txn)
            .filter_map(|v| match v {
                Out::YMap(m) => {
                    let mut f = Fields::of(&txn, &m);
                    let section: Section = f.str("section").parse().ok()?;
                    let decode = |key: &'static str| {
                        f.bytes(key).and_then(|b| StickyIndex::decode_v1(&b).ok())
                    };
                    let anchors = (decode("start"), decode("end"));
                    Some((m, f, section, anchors))
                }
                _ => None,
            })
            .collect();
        // per section: the characters anchors name, and the pairs whose words to keep
        let mut wanted: HashMap<Section, Wanted> = HashMap::new();
        for (_, _, section, (start, end)) in &threads {
            let w = wanted.entry(*section).or_default();
            let (a, b) = (start.as_ref(), end.as_ref());
            match (a.and_then(|s| s.id()), b.and_then(|s| s.id())) {
                (Some(a), Some(b)) => w.pairs.push((*a, *b)),
                (a, b) => w.ids.extend(a.into_iter().chain(b).copied()),
            }
        }
        let mut bodies: HashMap<Section, SectionRead> = wanted
            .into_iter()
            .map(|(section, w)| {
                let kept = BodyIndex::of(self.body(section), &txn, w.ids, Keep::Between(w.pairs));
                (section, SectionRead { kept, whole: None })
            })
            .collect();
        threads
            .into_iter()
            .filter_map(|(m, f, section, anchors)| {
                let read = bodies.get_mut(&section)?;
                self.read_thread(&txn, &m, f, section, anchors, read)
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
        mut f: Fields,
        section: Section,
        (start, end): Anchors,
        read: &mut SectionRead,
    ) -> Option<CommentThread> {
        let index = &read.kept;
        let here = BranchPtr::from(AsRef::<yrs::branch::Branch>::as_ref(self.body(section)));
        // an anchor from a peer that does not decode, or points elsewhere, reads as deleted
        let offset = |s: &StickyIndex| -> Option<u32> {
            if let Some(i) = index.offset(s) {
                return Some(i);
            }
            // not a visible character of this section (deleted, redone, elsewhere): the walk
            let o = s.get_offset(txn)?;
            (o.branch == here).then_some(o.index)
        };
        let range = match (start, end) {
            (Some(s), Some(e)) => match (offset(&s), offset(&e)) {
                (Some(a), Some(b)) if b > a => Some((a, b - a)),
                _ => None,
            },
            _ => None,
        };
        let kept = range.map(|(i, l)| index.text(i, i + l));
        let anchored = match (range, kept) {
            (_, Some(Some(text))) => Some(text),
            // words the one walk did not keep (a thread whose first character was deleted):
            // the section read whole, rare, at most once
            (Some((i, l)), _) => read
                .whole
                .get_or_insert_with(|| {
                    BodyIndex::of(self.body(section), txn, Vec::new(), Keep::All)
                })
                .text(i, i + l),
            _ => None,
        }
        .filter(|t| !t.is_empty());
        let replies = match m.get(txn, "replies") {
            Some(Out::YArray(a)) => a
                .iter(txn)
                .filter_map(|r| match r {
                    Out::Any(Any::String(json)) => serde_json::from_str::<ReplyRecord>(&json)
                        .ok()
                        .map(Reply::from),
                    // the first two layouts: a map value
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
        // the tag as last set, else as the thread was made
        let tag = match m.get(txn, "tag") {
            Some(Out::Any(Any::String(t))) => t.to_string(),
            _ => f.take("tag"),
        };
        Some(CommentThread {
            id: f.take("id"),
            section,
            tag: match tag.as_str() {
                "solution" => "solution".into(),
                _ => "problem".into(),
            },
            resolved: matches!(m.get(txn, "resolved"), Some(Out::Any(Any::Bool(true)))),
            quote: f.take("quote"),
            range: if anchored.is_some() { range } else { None },
            anchored,
            start: f.hex("start"),
            end: f.hex("end"),
            replies,
            linked,
        })
    }
}

/// A thread's fields that never change, as the third layout stores them: one JSON object
/// under the thread's `thread` key. Unknown fields are ignored and missing ones read empty,
/// so a peer's later release can add fields.
#[derive(Debug, Default, Serialize, serde::Deserialize)]
#[serde(default)]
struct ThreadRecord {
    id: String,
    section: String,
    /// The text it was made on.
    quote: String,
    /// Its ends as Yjs relative positions (v1 binary), hex.
    start: String,
    end: String,
    author: String,
    created_at: String,
    /// The tag it was made with (`problem`/`solution`); a `tag` key, once set, wins.
    tag: String,
}

impl ThreadRecord {
    fn to_json(&self) -> String {
        // a struct of strings always serialises
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A reply as stored (the third layout): a JSON object, one string in the thread's `replies`.
#[derive(Debug, Default, Serialize, serde::Deserialize)]
#[serde(default)]
struct ReplyRecord {
    id: String,
    author: String,
    role: String,
    at: String,
    text: String,
}

impl From<ReplyRecord> for Reply {
    fn from(r: ReplyRecord) -> Reply {
        Reply {
            id: r.id,
            author: r.author,
            role: r.role,
            at: r.at,
            text: r.text,
        }
    }
}

#[cfg(test)]
impl Brief {
    /// The stored record of thread `id` (third layout), for tests.
    fn thread_record(&self, id: &str) -> String {
        let m = self.thread_map(id).expect("a thread");
        let txn = self.doc.transact();
        match m.get(&txn, THREAD) {
            Some(Out::Any(Any::String(s))) => s.to_string(),
            other => panic!("no record: {other:?}"),
        }
    }
}

/// A thread's fields that never change, in whichever layout it was written.
enum Fields {
    /// The third layout: a JSON record under `thread`.
    Record(ThreadRecord),
    /// The second: an `anchor` map value, the ends as buffers.
    Anchor(std::sync::Arc<HashMap<String, Any>>),
    /// The first: keys of the thread's own, the ends in hex.
    Own(HashMap<&'static str, Out>),
}

impl Fields {
    fn of<T: ReadTxn>(txn: &T, m: &MapRef) -> Fields {
        match m.get(txn, THREAD) {
            // a record that does not parse reads as a thread with no fields (skipped)
            Some(Out::Any(Any::String(json))) => {
                return Fields::Record(serde_json::from_str(&json).unwrap_or_default())
            }
            Some(_) => return Fields::Record(ThreadRecord::default()),
            None => {}
        }
        if let Some(Out::Any(Any::Map(a))) = m.get(txn, "anchor") {
            return Fields::Anchor(a);
        }
        Fields::Own(
            ["id", "section", "quote", "start", "end", "tag"]
                .into_iter()
                .filter_map(|k| m.get(txn, k).map(|v| (k, v)))
                .collect(),
        )
    }

    fn any(&self, key: &'static str) -> Option<Any> {
        match self {
            Fields::Record(_) => None,
            Fields::Anchor(a) => a.get(key).cloned(),
            Fields::Own(own) => match own.get(key) {
                Some(Out::Any(v)) => Some(v.clone()),
                _ => None,
            },
        }
    }

    /// A field of the third layout's record.
    fn record_field<'a>(r: &'a mut ThreadRecord, key: &str) -> Option<&'a mut String> {
        Some(match key {
            "id" => &mut r.id,
            "section" => &mut r.section,
            "quote" => &mut r.quote,
            "start" => &mut r.start,
            "end" => &mut r.end,
            "author" => &mut r.author,
            "created_at" => &mut r.created_at,
            "tag" => &mut r.tag,
            _ => return None,
        })
    }

    fn str(&mut self, key: &'static str) -> String {
        match self {
            Fields::Record(r) => Self::record_field(r, key).cloned().unwrap_or_default(),
            _ => match self.any(key) {
                Some(Any::String(s)) => s.to_string(),
                _ => String::new(),
            },
        }
    }

    /// A field's text, moved out of a record (read once per thread) or copied.
    fn take(&mut self, key: &'static str) -> String {
        match self {
            Fields::Record(r) => Self::record_field(r, key)
                .map(std::mem::take)
                .unwrap_or_default(),
            _ => self.str(key),
        }
    }

    /// A relative position's bytes (hex in the first and third layouts, a buffer in the
    /// second).
    fn bytes(&self, key: &'static str) -> Option<Vec<u8>> {
        if let Fields::Record(r) = self {
            let hex = match key {
                "start" => &r.start,
                "end" => &r.end,
                _ => return None,
            };
            return crate::identity::unhex(hex);
        }
        match self.any(key)? {
            Any::Buffer(b) => Some(b.to_vec()),
            Any::String(h) => crate::identity::unhex(&h),
            _ => None,
        }
    }

    /// A relative position in hex, as the editor receives it (moved out of a record).
    fn hex(&mut self, key: &'static str) -> String {
        match self.any(key) {
            Some(Any::Buffer(b)) => crate::identity::hex(&b),
            _ => self.take(key),
        }
    }
}

fn reply_any(me: &Member, text: &str) -> Any {
    let reply = ReplyRecord {
        id: Uuid::new_v4().to_string(),
        author: me.name.clone(),
        role: me.role.as_str().to_string(),
        at: now_rfc3339(),
        text: text.chars().take(10_000).collect(),
    };
    // a struct of strings always serialises
    Any::from(serde_json::to_string(&reply).unwrap_or_default())
}

fn str_of<T: ReadTxn>(txn: &T, m: &MapRef, key: &str) -> String {
    match m.get(txn, key) {
        Some(Out::Any(Any::String(s))) => s.to_string(),
        _ => String::new(),
    }
}

/// A thread's two ends as decoded (`None`: missing or not a relative position).
type Anchors = (Option<StickyIndex>, Option<StickyIndex>);

/// What a section's one walk looks for: the characters anchors name alone, and the pairs of a
/// thread's first and last character.
#[derive(Default)]
struct Wanted {
    ids: Vec<ID>,
    pairs: Vec<(ID, ID)>,
}

/// A commented section as read for [`Brief::comments`]: the one walk, and the section read
/// whole if some thread's words were not kept.
struct SectionRead {
    kept: BodyIndex,
    whole: Option<BodyIndex>,
}

/// Which text a [`BodyIndex`] keeps.
enum Keep {
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
struct BodyIndex {
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
    fn of<T: ReadTxn>(body: &TextRef, txn: &T, wanted: Vec<ID>, keep: Keep) -> BodyIndex {
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
    fn offset(&self, s: &StickyIndex) -> Option<u32> {
        let at = self.named.at(s.id()?)?;
        Some(if s.assoc == Assoc::After { at } else { at + 1 })
    }

    /// The characters between two body indexes: markers left out, the stretches of text
    /// between them joined by "\n" (empty ones dropped), as the blocks read. `None` if the
    /// walk did not keep them all.
    fn text(&self, from: u32, to: u32) -> Option<String> {
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
fn range_text<T: ReadTxn>(body: &TextRef, txn: &T, from: u32, to: u32) -> String {
    BodyIndex::of(body, txn, Vec::new(), Keep::All)
        .text(from, to)
        .unwrap_or_default()
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
        // its first words deleted: it stays on the rest (read from the whole section, as the
        // one walk keeps only words whose first character it met)
        let (i, l) = a.find_quote(Section::Problem, "else entirely").unwrap();
        let other = a
            .add_comment(Section::Problem, i, l, "Which else?", None)
            .unwrap();
        a.delete_text(Section::Problem, i, 5);
        let t = a.find_thread(&other).unwrap();
        assert_eq!(t.anchored.as_deref(), Some("entirely"), "{t:?}");
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
    fn threads_in_the_earlier_layouts_still_read() {
        for layout in [1, 2] {
            let a = Brief::create("C", Template::ProblemFirst, member("aa", "Ana", Role::Pm));
            a.set_section(Section::Problem, "New admins quit at step 3.");
            let (i, l) = a.find_quote(Section::Problem, "quit at step").unwrap();
            {
                let body = a.body(Section::Problem).clone();
                let comments = a.doc.get_or_insert_array(COMMENTS);
                let mut txn = a.txn();
                let start = body
                    .sticky_index(&txn, i, Assoc::After)
                    .unwrap()
                    .encode_v1();
                let end = body
                    .sticky_index(&txn, i + l, Assoc::Before)
                    .unwrap()
                    .encode_v1();
                let hex = crate::identity::hex;
                // a reply as both earlier layouts wrote one: a map value
                let reply = Any::from(HashMap::from([
                    ("id".to_string(), Any::from("r1")),
                    ("author".to_string(), Any::from("Ana")),
                    ("role".to_string(), Any::from("pm")),
                    ("at".to_string(), Any::from(now_rfc3339())),
                    ("text".to_string(), Any::from("Old one.")),
                ]));
                let replies = ("replies", In::from(ArrayPrelim::from([In::from(reply)])));
                let entry = if layout == 1 {
                    // every field a key, ends in hex
                    MapPrelim::from_iter([
                        ("id", In::from(Any::from("0ld-thread"))),
                        ("section", In::from(Any::from("problem"))),
                        ("tag", In::from(Any::from("solution"))),
                        ("resolved", In::from(Any::from(false))),
                        ("quote", In::from(Any::from("quit at step"))),
                        ("start", In::from(Any::from(hex(&start)))),
                        ("end", In::from(Any::from(hex(&end)))),
                        ("author", In::from(Any::from("Ana"))),
                        ("created_at", In::from(Any::from(now_rfc3339()))),
                        replies,
                    ])
                } else {
                    // the fixed fields one `anchor` map, ends as buffers
                    let anchor = Any::from(HashMap::from([
                        ("id".to_string(), Any::from("0ld-thread")),
                        ("section".to_string(), Any::from("problem")),
                        ("quote".to_string(), Any::from("quit at step")),
                        ("start".to_string(), Any::from(start.clone())),
                        ("end".to_string(), Any::from(end.clone())),
                        ("author".to_string(), Any::from("Ana")),
                        ("created_at".to_string(), Any::from(now_rfc3339())),
                    ]));
                    MapPrelim::from_iter([
                        ("anchor", In::from(anchor)),
                        ("tag", In::from(Any::from("solution"))),
                        replies,
                    ])
                };
                comments.push_back(&mut txn, entry);
            }
            a.insert_text(Section::Problem, 0, "Most ");
            let t = a.find_thread("0ld").unwrap();
            assert_eq!(
                t.anchored.as_deref(),
                Some("quit at step"),
                "layout {layout}"
            );
            assert_eq!(t.range, Some((i + 5, l)), "layout {layout}");
            assert_eq!(t.tag, "solution", "layout {layout}");
            assert_eq!(t.replies[0].text, "Old one.", "layout {layout}");
            assert_eq!(t.replies[0].role, "pm", "layout {layout}");
            assert!(!t.start.is_empty() && !t.end.is_empty(), "layout {layout}");
            // still answerable: a reply in the new layout joins the old map replies
            a.reply("0ld", "Still answerable.").unwrap();
            a.set_comment_resolved("0ld", true).unwrap();
            a.set_comment_tag("0ld", "problem").unwrap();
            let t = a.find_thread("0ld").unwrap();
            assert!(t.resolved, "layout {layout}");
            assert_eq!(t.tag, "problem", "layout {layout}");
            let texts: Vec<&str> = t.replies.iter().map(|r| r.text.as_str()).collect();
            assert_eq!(texts, ["Old one.", "Still answerable."], "layout {layout}");
        }
    }

    #[test]
    fn a_thread_is_few_items_and_its_record_tolerates_a_peer() {
        let a = Brief::create("C", Template::ProblemFirst, member("aa", "Ana", Role::Pm));
        a.set_section(Section::Approach, "Ship the wizard.");
        let (i, l) = a.find_quote(Section::Approach, "wizard").unwrap();
        let before = a.doc.transact().state_vector().get(&a.doc.client_id());
        let id = a
            .add_comment(Section::Approach, i, l, "Which one?", None)
            .unwrap();
        // the map, its record, the replies array and the first reply
        let items = a.doc.transact().state_vector().get(&a.doc.client_id()) - before;
        assert!(items <= 4, "a thread took {items} items");
        let t = a.find_thread(&id).unwrap();
        assert_eq!(
            (t.tag.as_str(), t.anchored.as_deref()),
            ("solution", Some("wizard"))
        );
        assert_eq!(t.replies[0].author, "Ana");
        // a record from a later release (an extra field) or a hostile one (not JSON, wrong
        // types) never breaks the others
        let comments = a.doc.get_or_insert_array(COMMENTS);
        let mut later: serde_json::Value = serde_json::from_str(&a.thread_record(&id)).unwrap();
        {
            let mut txn = a.txn();
            later["id"] = "later-one".into();
            later["colour"] = "teal".into();
            for record in [later.to_string(), "{not json".into(), r#"{"id": 7}"#.into()] {
                comments.push_back(
                    &mut txn,
                    MapPrelim::from_iter([(THREAD, In::from(Any::from(record)))]),
                );
            }
        }
        let all = a.comments();
        assert_eq!(all.len(), 2, "{all:?}");
        assert_eq!(all[1].id, "later-one");
        assert_eq!(all[1].anchored.as_deref(), Some("wizard"));
        assert!(all[1].replies.is_empty());
    }

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
