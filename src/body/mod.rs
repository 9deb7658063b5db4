//! A section's body: the document model of its rich text (schema 2, ARCHITECTURE.md).
//!
//! Owns how a section's text is stored and read. A section is **one `Y.Text`** (root
//! `body:<section>`): every character of every block in one sequence, each block starting
//! with a **block marker**, an embedded `Y.Map` whose keys say what the block is:
//!
//! | key | value | meaning |
//! |---|---|---|
//! | `block` | `"paragraph"`, `"heading"`, `"code"`, `"rule"` | the text block's kind |
//! | `level` | number 1–6 | a heading's level (headings only) |
//! | `wrap` | string, e.g. `"bullet"`, `"quote/ordered"` | the containers around the block, outermost first: `quote`, `bullet` (list item), `ordered` (list item); absent: none |
//! | `cont` | `true` | the block continues the innermost list item of the block before (a second paragraph in one item), instead of starting a new item |
//!
//! The characters after a marker, up to the next one, are that block's text; marks (`bold`,
//! `italic`, `code`, `link` `{href}`, `strike`, `underline`) are the text's formatting
//! attributes, as y-prosemirror and y-quill store them. A `"\n"` character in a paragraph or
//! heading is a hard break; in a code block it is a line of the code.
//!
//! Why (issue 12): Enter inserts one marker and Backspace at a block's start deletes one; a
//! block-type change edits one marker's keys. Text is never copied, so a teammate's concurrent
//! typing keeps its identity, its place and its block, and relative positions (carets, comment
//! anchors) keep pointing at it. Concurrent type changes of one block merge key by key (last
//! writer wins per key).
//!
//! Reading is total: text before the first marker is a paragraph of its own, text after a
//! `rule` marker is a paragraph in the same containers (continuing its list item), an unknown `block` value is a
//! paragraph, other embeds are skipped. Nothing a peer writes makes a body unreadable.

pub mod migrate;
mod render;
mod tree;

pub use render::{render_markdown, render_plain};
pub use tree::{outline, Node};

use std::collections::HashMap;
use std::sync::Arc;
use yrs::types::text::Diff;
use yrs::types::Attrs;
use yrs::{Any, Map, MapPrelim, MapRef, Out, ReadTxn, Text, TextRef, TransactionMut};

/// The marks a body's text can carry, as the editor's schema names them. Text inserted with
/// [`marks_attrs`] names every one (an absent mark as `null`), so it never takes on the marks of
/// the text before it.
pub const MARKS: [&str; 6] = ["bold", "italic", "code", "link", "strike", "underline"];

/// A text block's kind (the marker's `block` key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    #[default]
    Paragraph,
    Heading,
    Code,
    Rule,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Paragraph => "paragraph",
            Kind::Heading => "heading",
            Kind::Code => "code",
            Kind::Rule => "rule",
        }
    }

    /// Reads a marker's `block` value; anything unknown is a paragraph (nothing is lost).
    pub fn parse(s: &str) -> Kind {
        match s {
            "heading" => Kind::Heading,
            "code" => Kind::Code,
            "rule" => Kind::Rule,
            _ => Kind::Paragraph,
        }
    }
}

/// A container around a block (one step of the marker's `wrap` path).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wrap {
    Quote,
    Bullet,
    Ordered,
}

impl Wrap {
    pub fn as_str(self) -> &'static str {
        match self {
            Wrap::Quote => "quote",
            Wrap::Bullet => "bullet",
            Wrap::Ordered => "ordered",
        }
    }

    pub fn is_list(self) -> bool {
        !matches!(self, Wrap::Quote)
    }

    fn parse(s: &str) -> Option<Wrap> {
        match s {
            "quote" => Some(Wrap::Quote),
            "bullet" => Some(Wrap::Bullet),
            "ordered" => Some(Wrap::Ordered),
            _ => None,
        }
    }
}

/// Deepest `wrap` path read; deeper steps are dropped (a hostile peer cannot make rendering
/// recurse without bound).
pub const MAX_WRAP: usize = 16;

/// What a block marker says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BlockAttrs {
    pub kind: Kind,
    /// Heading level, 1–6 (1 for anything else).
    pub level: u8,
    pub wrap: Vec<Wrap>,
    pub cont: bool,
}

impl BlockAttrs {
    pub fn paragraph() -> BlockAttrs {
        BlockAttrs {
            level: 1,
            ..Default::default()
        }
    }

    pub fn wrap_string(&self) -> String {
        self.wrap
            .iter()
            .map(|w| w.as_str())
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The marker's keys in a fixed order (so that two devices writing the same marker write
    /// the same items: the migration relies on it).
    pub fn entries(&self) -> Vec<(&'static str, Any)> {
        let mut out = vec![("block", Any::from(self.kind.as_str()))];
        if self.kind == Kind::Heading {
            out.push(("level", Any::from(self.level.clamp(1, 6) as f64)));
        }
        if !self.wrap.is_empty() {
            out.push(("wrap", Any::from(self.wrap_string())));
        }
        if self.cont {
            out.push(("cont", Any::Bool(true)));
        }
        out
    }

    /// Reads a marker map.
    pub fn read<T: ReadTxn>(m: &MapRef, txn: &T) -> BlockAttrs {
        let kind = match m.get(txn, "block") {
            Some(Out::Any(Any::String(s))) => Kind::parse(&s),
            _ => Kind::Paragraph,
        };
        let level = number(m.get(txn, "level"))
            .filter(|n| n.is_finite())
            .map_or(1, |n| n.clamp(1.0, 6.0) as u8);
        let wrap = match m.get(txn, "wrap") {
            Some(Out::Any(Any::String(s))) => s
                .split('/')
                .filter_map(Wrap::parse)
                .take(MAX_WRAP)
                .collect(),
            _ => Vec::new(),
        };
        let cont = matches!(m.get(txn, "cont"), Some(Out::Any(Any::Bool(true))));
        BlockAttrs {
            kind,
            level,
            wrap,
            cont,
        }
    }

    /// Makes `m` say `self`, writing only the keys whose value differs (a type change edits
    /// one or two keys; concurrent changes to other keys survive).
    pub fn write(&self, txn: &mut TransactionMut, m: &MapRef) {
        let want: HashMap<&str, Any> = self.entries().into_iter().collect();
        for key in ["block", "level", "wrap", "cont"] {
            let have = match m.get(txn, key) {
                Some(Out::Any(a)) => Some(a),
                _ => None,
            };
            match (want.get(key), have) {
                (Some(w), Some(h)) if *w == h => {}
                (Some(w), _) => {
                    m.insert(txn, key, w.clone());
                }
                (None, Some(_)) => {
                    m.remove(txn, key);
                }
                (None, None) => {}
            }
        }
    }
}

/// A number however a peer wrote it (yrs an integer, Yjs a float).
pub fn number(v: Option<Out>) -> Option<f64> {
    match v? {
        Out::Any(Any::Number(n)) => n.as_f64(),
        _ => None,
    }
}

/// A run of text with its marks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Run {
    pub text: String,
    /// The marks set on the run (absent and `null` marks left out).
    pub marks: Attrs,
}

/// One block of a body: its marker and its text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Block {
    pub attrs: BlockAttrs,
    pub runs: Vec<Run>,
}

impl Block {
    pub fn text(&self) -> String {
        self.runs.iter().map(|r| r.text.as_str()).collect()
    }
}

/// Name of the root `Y.Text` of a section's body.
pub fn root_name(section: &str) -> String {
    format!("body:{section}")
}

/// Where one block lies in the body: `start` is its marker's index (or its first character's,
/// for text before any marker or after a rule), `len` the length of its text, in UTF-16 units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub len: u32,
    pub marker: bool,
}

impl Span {
    /// Index of the block's first character.
    pub fn text_start(&self) -> u32 {
        self.start + u32::from(self.marker)
    }
}

/// The blocks' spans, in order (the same blocks as [`blocks`] reads).
pub fn spans<T: ReadTxn>(text: &TextRef, txn: &T) -> Vec<Span> {
    let diff: Vec<Diff<()>> = text.diff(txn, |_| ());
    let mut out: Vec<Span> = Vec::new();
    let mut rule = false;
    let mut at = 0u32;
    for d in diff {
        match d.insert {
            Out::YMap(m) => {
                rule =
                    matches!(m.get(txn, "block"), Some(Out::Any(Any::String(s))) if &*s == "rule");
                out.push(Span {
                    start: at,
                    len: 0,
                    marker: true,
                });
                at += 1;
            }
            other => {
                let len = match other {
                    Out::Any(Any::String(s)) => s.encode_utf16().count() as u32,
                    _ => 1,
                };
                if out.is_empty() || rule {
                    rule = false;
                    out.push(Span {
                        start: at,
                        len: 0,
                        marker: false,
                    });
                }
                if let Some(s) = out.last_mut() {
                    s.len += len;
                }
                at += len;
            }
        }
    }
    out
}

/// Inserts a block marker saying `attrs` at `index`.
pub fn insert_marker(txn: &mut TransactionMut, text: &TextRef, index: u32, attrs: &BlockAttrs) {
    let m: MapRef = text.insert_embed(txn, index, MapPrelim::default());
    for (k, v) in attrs.entries() {
        m.insert(txn, k, v);
    }
}

/// Formatting attributes for text carrying exactly `marks`: every mark of [`MARKS`] named,
/// the absent ones `null`.
pub fn marks_attrs(marks: &Attrs) -> Attrs {
    MARKS
        .iter()
        .map(|k| {
            let v = marks.get(*k).cloned().unwrap_or(Any::Null);
            (Arc::<str>::from(*k), v)
        })
        .collect()
}

/// The marks among a run's formatting attributes (known names, not `null`).
pub fn marks_of(attributes: Option<Box<Attrs>>) -> Attrs {
    attributes
        .map(|a| {
            a.into_iter()
                .filter(|(k, v)| !matches!(v, Any::Null) && MARKS.contains(&k.as_ref()))
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the next block continues its innermost list item (`cont`), given the containers
/// around it, each list with whether its current item has a block already; marks the item
/// as started. Used by every writer that builds blocks from a tree (import, migration).
pub fn continues_item(path: &mut [(Wrap, bool)]) -> bool {
    match path.iter_mut().rev().find(|(w, _)| w.is_list()) {
        Some((_, started)) => std::mem::replace(started, true),
        None => false,
    }
}

/// A mark with no attributes, as the editor stores one (`bold: {}`).
pub fn mark_on() -> Any {
    Any::Map(Arc::new(HashMap::new()))
}

/// The blocks of a body, in order (see the module doc for how odd shapes read).
pub fn blocks<T: ReadTxn>(text: &TextRef, txn: &T) -> Vec<Block> {
    let diff: Vec<Diff<()>> = text.diff(txn, |_| ());
    let mut out: Vec<Block> = Vec::new();
    for d in diff {
        match d.insert {
            Out::YMap(m) => out.push(Block {
                attrs: BlockAttrs::read(&m, txn),
                runs: Vec::new(),
            }),
            Out::Any(Any::String(s)) => {
                let marks = marks_of(d.attributes);
                let after_rule = out.last().map(|b| b.attrs.kind == Kind::Rule);
                match after_rule {
                    // text before any marker, or after a rule: a paragraph of its own
                    None | Some(true) => {
                        let wrap = out.last().map(|b| b.attrs.wrap.clone()).unwrap_or_default();
                        let cont = wrap.iter().any(|w| w.is_list());
                        out.push(Block {
                            attrs: BlockAttrs {
                                wrap,
                                cont,
                                ..BlockAttrs::paragraph()
                            },
                            runs: Vec::new(),
                        })
                    }
                    Some(false) => {}
                }
                if let Some(b) = out.last_mut() {
                    match b.runs.last_mut() {
                        Some(r) if r.marks == marks => r.text.push_str(&s),
                        _ => b.runs.push(Run {
                            text: s.to_string(),
                            marks,
                        }),
                    }
                }
            }
            // other embeds are not part of the schema: skipped
            _ => {}
        }
    }
    out
}

/// Appends blocks to the end of a body. Into an empty body, text is written first and marked
/// after, one mark at a time in [`MARKS`] order, so the same blocks always make the same items
/// (the migration relies on it). After existing text, each run names all its marks, so it
/// never takes on the formatting of the text before it.
pub fn append_blocks(txn: &mut TransactionMut, text: &TextRef, blocks: &[Block]) {
    let start = text.len(txn);
    if start > 0 {
        let mut at = start;
        for b in blocks {
            insert_marker(txn, text, at, &b.attrs);
            at += 1;
            for r in blocks_runs(b) {
                text.insert_with_attributes(txn, at, &r.text, marks_attrs(&r.marks));
                at += r.text.encode_utf16().count() as u32;
            }
        }
        return;
    }
    let mut at = start;
    let mut marked: Vec<(u32, u32, &Attrs)> = Vec::new();
    for b in blocks {
        insert_marker(txn, text, at, &b.attrs);
        at += 1;
        for r in &b.runs {
            if r.text.is_empty() {
                continue;
            }
            let len = r.text.encode_utf16().count() as u32;
            text.insert(txn, at, &r.text);
            if !r.marks.is_empty() {
                marked.push((at, len, &r.marks));
            }
            at += len;
        }
    }
    for (index, len, marks) in marked {
        for k in MARKS {
            if let Some(v) = marks.get(k) {
                let one: Attrs = [(Arc::<str>::from(k), v.clone())].into_iter().collect();
                text.format(txn, index, len, one);
            }
        }
    }
}

fn blocks_runs(b: &Block) -> impl Iterator<Item = &Run> {
    b.runs.iter().filter(|r| !r.text.is_empty())
}

/// Replaces a body's whole content with `blocks`.
pub fn set_blocks(txn: &mut TransactionMut, text: &TextRef, blocks: &[Block]) {
    let len = text.len(txn);
    if len > 0 {
        text.remove_range(txn, 0, len);
    }
    append_blocks(txn, text, blocks);
}

/// Makes a body read as `target`, changing only the blocks from the first to the last that
/// differ (the others keep their characters, and with them authors, carets and anchors).
pub fn replace_blocks(txn: &mut TransactionMut, text: &TextRef, target: &[Block]) {
    let cur = blocks(text, txn);
    let spans = spans(text, txn);
    if cur.len() != spans.len() {
        // not expected (both read the same blocks); the whole body then
        set_blocks(txn, text, target);
        return;
    }
    let prefix = cur.iter().zip(target).take_while(|(a, b)| a == b).count();
    let room = cur.len().min(target.len()) - prefix;
    let suffix = cur
        .iter()
        .rev()
        .zip(target.iter().rev())
        .take(room)
        .take_while(|(a, b)| a == b)
        .count();
    let len = text.len(txn);
    let at = |i: usize| spans.get(i).map_or(len, |s| s.start);
    let (start, end) = (at(prefix), at(cur.len() - suffix));
    if end > start {
        text.remove_range(txn, start, end - start);
    }
    let mut index = start;
    for b in &target[prefix..target.len() - suffix] {
        insert_marker(txn, text, index, &b.attrs);
        index += 1;
        for r in blocks_runs(b) {
            text.insert_with_attributes(txn, index, &r.text, marks_attrs(&r.marks));
            index += r.text.encode_utf16().count() as u32;
        }
    }
}

/// Plain paragraphs as blocks.
pub fn paragraph_blocks<'t>(paragraphs: impl IntoIterator<Item = &'t str>) -> Vec<Block> {
    paragraphs
        .into_iter()
        .map(|p| Block {
            attrs: BlockAttrs::paragraph(),
            runs: vec![Run {
                text: p.to_string(),
                marks: Attrs::new(),
            }],
        })
        .collect()
}
