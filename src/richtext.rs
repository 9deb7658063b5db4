//! Markdown into a section as rich text, in the body model ([`crate::body`]): paragraphs,
//! headings (level 1–3), bullet and numbered list items (nested), quotes, code blocks, rules
//! and hard breaks as blocks, and the marks `bold`, `italic`, `code`, `strike` and `link`
//! (`{href}`) on the text. pulldown-cmark does the parsing; raw HTML is kept as literal text,
//! never interpreted, and a link keeps only an http(s) or mailto address.
//!
//! Headings inside a section are written by the export as `####`–`######` (the section itself
//! is a `###`), so a Markdown heading of level *n* becomes level *n* − 3 (at least 1).

use crate::body::{mark_on, Block, BlockAttrs, Kind, Run, Wrap};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::HashMap;
use std::sync::Arc;
use yrs::types::Attrs;
use yrs::Any;

struct Builder {
    blocks: Vec<Block>,
    /// Containers around the next block, with whether the innermost list item already has a
    /// block (the next one then continues it).
    path: Vec<(Wrap, bool)>,
    /// The block inline content goes into.
    open: Option<usize>,
    bold: usize,
    italic: usize,
    strike: usize,
    link: Vec<Option<String>>,
    in_code_block: bool,
}

impl Builder {
    fn start_block(&mut self, kind: Kind, level: u8) {
        let cont = crate::body::continues_item(&mut self.path);
        self.blocks.push(Block {
            attrs: BlockAttrs {
                kind,
                level,
                wrap: self.path.iter().map(|(w, _)| *w).collect(),
                cont,
            },
            runs: Vec::new(),
        });
        self.open = Some(self.blocks.len() - 1);
    }

    /// The marks of text inserted now.
    fn marks(&self, code: bool) -> Attrs {
        let mut m = Attrs::new();
        let mut on = |k: &str, yes: bool| {
            if yes {
                m.insert(Arc::from(k), mark_on());
            }
        };
        on("bold", self.bold > 0);
        on("italic", self.italic > 0);
        on("strike", self.strike > 0);
        on("code", code);
        if let Some(Some(href)) = self.link.last() {
            m.insert(
                Arc::from("link"),
                Any::Map(Arc::new(HashMap::from([(
                    "href".to_string(),
                    Any::from(href.clone()),
                )]))),
            );
        }
        m
    }

    fn push_text(&mut self, s: &str, code: bool) {
        if s.is_empty() {
            return;
        }
        // code is literal, marks do not apply
        let marks = if self.in_code_block {
            Attrs::new()
        } else {
            self.marks(code)
        };
        if self.open.is_none() {
            // text where a block must hold it (a tight list item's text)
            self.start_block(Kind::Paragraph, 1);
        }
        let Some(b) = self.open.and_then(|i| self.blocks.get_mut(i)) else {
            return;
        };
        match b.runs.last_mut() {
            Some(r) if r.marks == marks => r.text.push_str(s),
            _ => b.runs.push(Run {
                text: s.to_string(),
                marks,
            }),
        }
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

/// The blocks of `markdown`.
pub fn markdown_blocks(markdown: &str) -> Vec<Block> {
    let mut b = Builder {
        blocks: Vec::new(),
        path: Vec::new(),
        open: None,
        bold: 0,
        italic: 0,
        strike: 0,
        link: Vec::new(),
        in_code_block: false,
    };
    for ev in Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH) {
        match ev {
            Event::Start(tag) => match tag {
                Tag::Paragraph => b.start_block(Kind::Paragraph, 1),
                Tag::Heading { level, .. } => {
                    let n = match level {
                        HeadingLevel::H1 => 1,
                        HeadingLevel::H2 => 2,
                        HeadingLevel::H3 => 3,
                        HeadingLevel::H4 => 4,
                        HeadingLevel::H5 => 5,
                        HeadingLevel::H6 => 6,
                    };
                    b.start_block(Kind::Heading, (n - 3i32).clamp(1, 3) as u8);
                }
                Tag::BlockQuote(_) => {
                    b.open = None;
                    b.path.push((Wrap::Quote, false));
                }
                Tag::CodeBlock(_) => {
                    b.start_block(Kind::Code, 1);
                    b.in_code_block = true;
                }
                Tag::List(start) => {
                    b.open = None;
                    let w = if start.is_some() {
                        Wrap::Ordered
                    } else {
                        Wrap::Bullet
                    };
                    b.path.push((w, false));
                }
                Tag::Item => {
                    b.open = None;
                    if let Some((_, started)) = b.path.last_mut() {
                        *started = false;
                    }
                }
                Tag::Emphasis => b.italic += 1,
                Tag::Strong => b.bold += 1,
                Tag::Strikethrough => b.strike += 1,
                Tag::Link { dest_url, .. } => b.link.push(safe_link(&dest_url)),
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item => b.open = None,
                TagEnd::BlockQuote(_) | TagEnd::List(_) => {
                    b.open = None;
                    b.path.pop();
                }
                TagEnd::CodeBlock => {
                    // the block's text ends with the newline before the closing fence
                    if let Some(r) = b
                        .open
                        .and_then(|i| b.blocks.get_mut(i))
                        .and_then(|blk| blk.runs.last_mut())
                    {
                        if r.text.ends_with('\n') {
                            r.text.pop();
                        }
                    }
                    b.in_code_block = false;
                    b.open = None;
                }
                TagEnd::Emphasis => b.italic = b.italic.saturating_sub(1),
                TagEnd::Strong => b.bold = b.bold.saturating_sub(1),
                TagEnd::Strikethrough => b.strike = b.strike.saturating_sub(1),
                TagEnd::Link => {
                    b.link.pop();
                }
                _ => {}
            },
            Event::Text(t) | Event::Html(t) | Event::InlineHtml(t) => b.push_text(&t, false),
            Event::Code(t) => b.push_text(&t, true),
            Event::SoftBreak | Event::HardBreak => b.push_text("\n", false),
            Event::Rule => {
                b.start_block(Kind::Rule, 1);
                b.open = None;
            }
            _ => {}
        }
    }
    b.blocks
}
