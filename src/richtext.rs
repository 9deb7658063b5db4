//! Markdown into a section as rich text, in the shape the editor (TipTap through
//! y-prosemirror) reads and writes: `paragraph`, `heading` (`level` 1–3), `bulletList` /
//! `orderedList` of `listItem`s, `blockquote`, `codeBlock` and `hardBreak` elements, and
//! XmlText whose formatting attributes are the marks `bold`, `italic`, `code` and
//! `link` (`{href}`). pulldown-cmark does the parsing; raw HTML is kept as literal text, never
//! interpreted, and a link keeps only an http(s) or mailto address.
//!
//! Headings inside a section are written by the export as `####`–`######` (the section itself
//! is a `###`), so a Markdown heading of level *n* becomes level *n* − 3 (at least 1).

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use std::collections::HashMap;
use std::sync::Arc;
use yrs::types::xml::{
    XmlElementPrelim, XmlElementRef, XmlFragment, XmlFragmentRef, XmlTextPrelim,
};
use yrs::types::Attrs;
use yrs::{Any, GetString, Text, TransactionMut, Xml, XmlTextRef};

/// Where blocks go: the section itself or an open element.
enum Parent {
    Root,
    El(XmlElementRef),
}

struct Builder<'a, 'doc> {
    txn: &'a mut TransactionMut<'doc>,
    frag: &'a XmlFragmentRef,
    /// Open elements; `true` marks a paragraph opened implicitly (a tight list item's text).
    stack: Vec<(XmlElementRef, bool)>,
    text: Option<XmlTextRef>,
    bold: usize,
    italic: usize,
    link: Vec<Option<String>>,
    in_code_block: bool,
}

impl<'a, 'doc> Builder<'a, 'doc> {
    fn parent(&self) -> Parent {
        match self.stack.last() {
            Some((el, _)) => Parent::El(el.clone()),
            None => Parent::Root,
        }
    }

    fn open(&mut self, tag: &str, implicit: bool) -> XmlElementRef {
        let prelim = XmlElementPrelim::empty(tag);
        let el = match self.parent() {
            Parent::Root => {
                let len = self.frag.len(self.txn);
                self.frag.insert(self.txn, len, prelim)
            }
            Parent::El(p) => {
                let len = p.len(self.txn);
                p.insert(self.txn, len, prelim)
            }
        };
        self.stack.push((el.clone(), implicit));
        self.text = None;
        el
    }

    fn close(&mut self) {
        // an implicit paragraph closes with its container
        while let Some((_, true)) = self.stack.last() {
            self.stack.pop();
        }
        self.stack.pop();
        self.text = None;
    }

    /// The XmlText inline content goes into, opening a paragraph where text may not stand
    /// on its own (the section's top level, a list item, a quote).
    fn text_target(&mut self) -> XmlTextRef {
        let needs_block = match self.stack.last() {
            None => true,
            Some((el, _)) => matches!(
                el.tag().as_ref(),
                "listItem" | "blockquote" | "bulletList" | "orderedList"
            ),
        };
        if needs_block {
            self.open("paragraph", true);
        }
        if let Some(t) = &self.text {
            return t.clone();
        }
        let (el, _) = self.stack.last().expect("a block is open").clone();
        let len = el.len(self.txn);
        let t = el.insert(self.txn, len, XmlTextPrelim::new(""));
        self.text = Some(t.clone());
        t
    }

    /// The marks of text inserted now. Every mark is named: one not active is `null`, so the
    /// text does not take on the marks of the run before it (as an insert would).
    fn attrs(&self, code: bool) -> Attrs {
        let mark = |on: bool| {
            if on {
                Any::Map(Arc::new(HashMap::new()))
            } else {
                Any::Null
            }
        };
        let link = match self.link.last() {
            Some(Some(href)) => Any::Map(Arc::new(HashMap::from([(
                "href".to_string(),
                Any::from(href.clone()),
            )]))),
            _ => Any::Null,
        };
        [
            ("bold", mark(self.bold > 0)),
            ("italic", mark(self.italic > 0)),
            ("code", mark(code)),
            ("link", link),
        ]
        .into_iter()
        .map(|(k, v)| (Arc::<str>::from(k), v))
        .collect()
    }

    fn push_text(&mut self, s: &str, code: bool) {
        if s.is_empty() {
            return;
        }
        if self.in_code_block {
            // code is literal, marks do not apply; its final newline ends the block
            let t = self.text_target();
            let len = t.len(self.txn);
            t.insert_with_attributes(self.txn, len, s, self.attrs(false));
            return;
        }
        let attrs = self.attrs(code);
        let t = self.text_target();
        let len = t.len(self.txn);
        t.insert_with_attributes(self.txn, len, s, attrs);
    }

    fn hard_break(&mut self) {
        self.text_target();
        let (el, _) = self.stack.last().expect("a block is open").clone();
        let len = el.len(self.txn);
        el.insert(self.txn, len, XmlElementPrelim::empty("hardBreak"));
        self.text = None;
    }
}

/// A link address worth keeping: http, https or mailto.
fn safe_link(dest: &str) -> Option<String> {
    let d = dest.trim();
    let lower = d.to_ascii_lowercase();
    ["http://", "https://", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p))
        .then(|| d.to_string())
}

/// Appends the blocks of `markdown` to a section's fragment.
pub(crate) fn append_markdown(txn: &mut TransactionMut, frag: &XmlFragmentRef, markdown: &str) {
    let mut b = Builder {
        txn,
        frag,
        stack: Vec::new(),
        text: None,
        bold: 0,
        italic: 0,
        link: Vec::new(),
        in_code_block: false,
    };
    for ev in Parser::new(markdown) {
        match ev {
            Event::Start(tag) => match tag {
                Tag::Paragraph => {
                    b.open("paragraph", false);
                }
                Tag::Heading { level, .. } => {
                    let n = match level {
                        HeadingLevel::H1 => 1,
                        HeadingLevel::H2 => 2,
                        HeadingLevel::H3 => 3,
                        HeadingLevel::H4 => 4,
                        HeadingLevel::H5 => 5,
                        HeadingLevel::H6 => 6,
                    };
                    let el = b.open("heading", false);
                    let level = (n - 3).clamp(1, 3) as f64;
                    el.insert_attribute(b.txn, "level", Any::from(level));
                }
                Tag::BlockQuote(_) => {
                    b.open("blockquote", false);
                }
                Tag::CodeBlock(_) => {
                    b.open("codeBlock", false);
                    b.in_code_block = true;
                }
                Tag::List(start) => {
                    let tag = if start.is_some() {
                        "orderedList"
                    } else {
                        "bulletList"
                    };
                    b.open(tag, false);
                }
                Tag::Item => {
                    // an implicit paragraph of the previous item's text ends here
                    while let Some((_, true)) = b.stack.last() {
                        b.stack.pop();
                    }
                    b.open("listItem", false);
                }
                Tag::Emphasis => b.italic += 1,
                Tag::Strong => b.bold += 1,
                Tag::Link { dest_url, .. } => b.link.push(safe_link(&dest_url)),
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::BlockQuote(_)
                | TagEnd::List(_)
                | TagEnd::Item => b.close(),
                TagEnd::CodeBlock => {
                    // the block's text ends with the newline before the closing fence
                    if let Some(t) = &b.text {
                        let len = t.len(b.txn);
                        let s = t.get_string(b.txn);
                        if s.ends_with('\n') && len > 0 {
                            t.remove_range(b.txn, len - 1, 1);
                        }
                    }
                    b.in_code_block = false;
                    b.close();
                }
                TagEnd::Emphasis => b.italic = b.italic.saturating_sub(1),
                TagEnd::Strong => b.bold = b.bold.saturating_sub(1),
                TagEnd::Link => {
                    b.link.pop();
                }
                _ => {}
            },
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => b.push_text(&t, false),
            Event::Code(t) => b.push_text(&t, true),
            Event::SoftBreak | Event::HardBreak => {
                if b.in_code_block {
                    b.push_text("\n", false);
                } else {
                    b.hard_break();
                }
            }
            _ => {}
        }
    }
}
