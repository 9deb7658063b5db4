//! Comments anchored to text (issue 15, point 1; the engine and CLI side): a thread sits on a
//! range of a section's body, its two ends yrs sticky indexes (Yjs relative positions, v1
//! binary as `Y.encodeRelativePosition` writes them, hex), so it stays on the same words while
//! others edit before, after and inside it on other devices. If all its text is deleted the
//! thread stays, read as "on deleted text" with the quote it was made on. A thread has replies
//! (author, role, time), is open or resolved, is tagged `problem` or `solution` (by default
//! its section's space), and can be turned into a concern or an open question, linked back.
//!
//! Stored in the `comments` root array: one map per thread, its replies a nested array, so
//! concurrent replies and a concurrent resolve all merge. Where a thread's ends lie now and the
//! words between them come from one walk over the section (`body_index`).

use super::*;
use yrs::branch::BranchPtr;
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{ArrayPrelim, Assoc, In, IndexedSequence, StickyIndex};

mod body_index;
use body_index::{range_text, Anchors, BodyIndex, Keep, SectionRead, Wanted};

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
}
