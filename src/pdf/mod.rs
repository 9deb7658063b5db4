//! A brief as a PDF that reads well on paper, made on this machine (no service, no browser):
//! the brief's Markdown export ([`crate::export::to_markdown`]: problem space first with its
//! sign-off state, then the solution space, decisions, concerns and questions) laid out by
//! `genpdf` (line breaking, page breaks, lists) in DejaVu Serif, whose four faces are compiled
//! in (`src/pdf/fonts`, with their licence) so the result is the same on every machine.
//!
//! Text written by members is drawn as text: a PDF page has no markup or script for it to
//! become. Words wider than a line are broken so that nothing is dropped (genpdf would drop
//! them), control characters are left out, and the document's title is set from the brief.

use genpdf::elements::{Break, LinearLayout, OrderedList, PaddedElement, Paragraph, UnorderedList};
use genpdf::fonts::{FontData, FontFamily};
use genpdf::style::{Color, Style};
use genpdf::{Alignment, Element as _, Margins};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// A PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the PDF font could not be loaded: {0}")]
    Font(String),
    #[error("the PDF could not be laid out: {0}")]
    Layout(String),
}

const REGULAR: &[u8] = include_bytes!("fonts/DejaVuSerif.ttf");
const BOLD: &[u8] = include_bytes!("fonts/DejaVuSerif-Bold.ttf");
const ITALIC: &[u8] = include_bytes!("fonts/DejaVuSerif-Italic.ttf");
const BOLD_ITALIC: &[u8] = include_bytes!("fonts/DejaVuSerif-BoldItalic.ttf");

/// Body text size (points).
const BODY: u8 = 11;
/// Page margins (mm) and the narrowest a line gets (nested lists, quotes): words are broken to
/// fit this width.
const MARGIN: f64 = 20.0;
const NARROWEST_MM: f64 = 110.0;

fn font(bytes: &[u8]) -> Result<FontData, PdfError> {
    FontData::new(bytes.to_vec(), None).map_err(|e| PdfError::Font(e.to_string()))
}

fn family() -> Result<FontFamily<FontData>, PdfError> {
    Ok(FontFamily {
        regular: font(REGULAR)?,
        bold: font(BOLD)?,
        italic: font(ITALIC)?,
        bold_italic: font(BOLD_ITALIC)?,
    })
}

/// A brief as a PDF: its Markdown export, laid out for paper.
pub fn brief_pdf(brief: &crate::brief::Brief) -> Result<Vec<u8>, PdfError> {
    let title = brief.title();
    let title = if title.trim().is_empty() {
        "Untitled brief".to_string()
    } else {
        title
    };
    from_markdown(&title, &crate::export::to_markdown(brief))
}

/// The brief's Markdown export (`markdown`) as a PDF titled `title`.
pub fn from_markdown(title: &str, markdown: &str) -> Result<Vec<u8>, PdfError> {
    let family = family()?;
    let widths = Widths {
        cache: genpdf::fonts::FontCache::new(family.clone()),
    };
    let mut doc = genpdf::Document::new(family);
    doc.set_title(printable(title));
    doc.set_minimal_conformance();
    doc.set_font_size(BODY);
    doc.set_line_spacing(1.3);
    let mut decorator = genpdf::SimplePageDecorator::new();
    decorator.set_margins(MARGIN);
    let heading = printable(title);
    decorator.set_header(move |page| {
        let mut p = Paragraph::new(format!("{heading} · page {page}"));
        p.set_alignment(Alignment::Right);
        p.styled(Style::new().with_font_size(8).with_color(GREY))
    });
    doc.set_page_decorator(decorator);
    let mut builder = Builder {
        widths,
        stack: vec![Container::Root(Vec::new())],
        inline: None,
        styles: Vec::new(),
        link: None,
    };
    for event in Parser::new_ext(markdown, Options::ENABLE_STRIKETHROUGH) {
        builder.event(event);
    }
    builder.end_inline();
    let Some(Container::Root(blocks)) = builder.stack.into_iter().next() else {
        return Err(PdfError::Layout("unbalanced Markdown".into()));
    };
    for b in blocks {
        doc.push(b);
    }
    let mut out = Vec::new();
    doc.render(&mut out)
        .map_err(|e| PdfError::Layout(e.to_string()))?;
    Ok(out)
}

const GREY: Color = Color::Rgb(110, 110, 110);

/// Measures words, to break the ones wider than the narrowest line.
struct Widths {
    cache: genpdf::fonts::FontCache,
}

impl Widths {
    /// `text` with every word narrower than a line at `size` points (bold is the widest face).
    fn fit(&self, text: &str, size: u8) -> String {
        let font = self.cache.default_font_family().bold;
        let mut out = String::with_capacity(text.len());
        for (i, word) in text.split(' ').enumerate() {
            if i > 0 {
                out.push(' ');
            }
            if f64::from(font.str_width(&self.cache, word, size)) <= NARROWEST_MM {
                out.push_str(word);
                continue;
            }
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if f64::from(font.str_width(&self.cache, &piece, size)) > NARROWEST_MM {
                    piece.pop();
                    out.push_str(&piece);
                    out.push(' ');
                    piece.clear();
                    piece.push(c);
                }
            }
            out.push_str(&piece);
        }
        out
    }
}

/// A block being filled.
enum Container {
    Root(Vec<LinearLayout>),
    Item(LinearLayout),
    List {
        ordered: Option<u64>,
        items: Vec<LinearLayout>,
    },
    Quote(LinearLayout),
}

/// The paragraph being filled, with its style (headings are paragraphs too).
struct Inline {
    paragraph: Paragraph,
    style: Style,
    size: u8,
    empty: bool,
    gap_after: f64,
}

struct Builder {
    widths: Widths,
    stack: Vec<Container>,
    inline: Option<Inline>,
    /// Bold, italic, code or struck through, as nested in the text.
    styles: Vec<Style>,
    link: Option<String>,
}

impl Builder {
    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => self.text(&t),
            Event::Code(t) => {
                self.styles
                    .push(Style::new().with_color(Color::Rgb(120, 40, 40)));
                self.text(&t);
                self.styles.pop();
            }
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => self.end_inline(),
            Event::Rule => self.push_block(one(Break::new(1.0))),
            // the export escapes member text, so no HTML reaches here; any that does is text
            Event::Html(t) | Event::InlineHtml(t) => self.text(&t),
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }),
            Event::FootnoteReference(t) => self.text(&t),
            Event::InlineMath(t) | Event::DisplayMath(t) => self.text(&t),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Heading { level, .. } => {
                self.end_inline();
                let (size, before, after) = match level {
                    HeadingLevel::H1 => (20, 0.0, 0.6),
                    HeadingLevel::H2 => (15, 1.0, 0.4),
                    HeadingLevel::H3 => (12, 0.6, 0.2),
                    _ => (BODY, 0.4, 0.1),
                };
                if before > 0.0 {
                    self.push_block(one(Break::new(before)));
                }
                self.begin_inline(Style::new().bold().with_font_size(size), size, after);
            }
            Tag::Paragraph => {
                self.end_inline();
                self.begin_inline(Style::new(), BODY, 0.5);
            }
            Tag::CodeBlock(_) => {
                self.end_inline();
                self.begin_inline(Style::new().with_color(Color::Rgb(60, 60, 60)), BODY, 0.5);
            }
            Tag::BlockQuote(_) => {
                self.end_inline();
                self.stack.push(Container::Quote(LinearLayout::vertical()));
            }
            Tag::List(start) => {
                self.end_inline();
                self.stack.push(Container::List {
                    ordered: start,
                    items: Vec::new(),
                });
            }
            Tag::Item => {
                self.end_inline();
                self.stack.push(Container::Item(LinearLayout::vertical()));
            }
            Tag::Emphasis => self.styles.push(Style::new().italic()),
            Tag::Strong => self.styles.push(Style::new().bold()),
            Tag::Strikethrough => self.styles.push(Style::new().with_color(GREY)),
            Tag::Link { dest_url, .. } => {
                self.link = Some(dest_url.to_string());
                self.styles
                    .push(Style::new().with_color(Color::Rgb(30, 70, 170)));
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Heading(_) | TagEnd::Paragraph | TagEnd::CodeBlock => self.end_inline(),
            TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                self.styles.pop();
            }
            TagEnd::Link => {
                self.styles.pop();
                if let Some(url) = self.link.take() {
                    if !url.is_empty() {
                        self.styles.push(Style::new().with_color(GREY));
                        self.text(&format!(" ({url})"));
                        self.styles.pop();
                    }
                }
            }
            TagEnd::Item => {
                self.end_inline();
                if let Some(Container::Item(layout)) =
                    self.pop_if(|c| matches!(c, Container::Item(_)))
                {
                    if let Some(Container::List { items, .. }) = self.stack.last_mut() {
                        items.push(layout);
                    }
                }
            }
            TagEnd::List(_) => {
                self.end_inline();
                if let Some(Container::List { ordered, items }) =
                    self.pop_if(|c| matches!(c, Container::List { .. }))
                {
                    let block = match ordered {
                        Some(n) => {
                            let mut list = OrderedList::with_start(usize::try_from(n).unwrap_or(1));
                            for i in items {
                                list.push(i);
                            }
                            one(list)
                        }
                        None => {
                            let mut list = UnorderedList::new();
                            for i in items {
                                list.push(i);
                            }
                            one(list)
                        }
                    };
                    self.push_block(block);
                    self.push_block(one(Break::new(0.4)));
                }
            }
            TagEnd::BlockQuote(_) => {
                self.end_inline();
                if let Some(Container::Quote(layout)) =
                    self.pop_if(|c| matches!(c, Container::Quote(_)))
                {
                    let quote = PaddedElement::new(
                        layout.styled(Style::new().italic()),
                        Margins::trbl(1, 4, 1, 8),
                    );
                    self.push_block(one(quote));
                }
            }
            _ => {}
        }
    }

    fn pop_if(&mut self, is: impl Fn(&Container) -> bool) -> Option<Container> {
        // the root is never popped
        if self.stack.len() > 1 && self.stack.last().is_some_and(is) {
            self.stack.pop()
        } else {
            None
        }
    }

    fn begin_inline(&mut self, style: Style, size: u8, gap_after: f64) {
        self.inline = Some(Inline {
            paragraph: Paragraph::default(),
            style,
            size,
            empty: true,
            gap_after,
        });
    }

    fn text(&mut self, text: &str) {
        let printable = printable(text);
        if printable.is_empty() {
            return;
        }
        if self.inline.is_none() {
            // text outside a paragraph (a tight list item): a paragraph of its own
            self.begin_inline(Style::new(), BODY, 0.1);
        }
        let mut style = Style::new();
        for s in &self.styles {
            style.merge(*s);
        }
        if let Some(inline) = &mut self.inline {
            let fitted = self.widths.fit(&printable, inline.size);
            let style = Style::combine(inline.style, style);
            inline.paragraph.push_styled(fitted, style);
            inline.empty = false;
        }
    }

    fn end_inline(&mut self) {
        let Some(inline) = self.inline.take() else {
            return;
        };
        if inline.empty {
            return;
        }
        let mut block = LinearLayout::vertical();
        block.push(inline.paragraph);
        if inline.gap_after > 0.0 {
            block.push(Break::new(inline.gap_after));
        }
        self.push_block(block);
    }

    fn push_block(&mut self, block: LinearLayout) {
        match self.stack.last_mut() {
            Some(Container::Root(blocks)) => blocks.push(block),
            Some(Container::Item(layout)) | Some(Container::Quote(layout)) => layout.push(block),
            Some(Container::List { items, .. }) => items.push(block),
            None => {}
        }
    }
}

fn one(e: impl genpdf::Element + 'static) -> LinearLayout {
    let mut l = LinearLayout::vertical();
    l.push(e);
    l
}

/// Text without control characters (tabs become spaces).
fn printable(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            c if c.is_control() => None,
            // bidirectional overrides would reorder the text a reader sees
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => None,
            c => Some(c),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pdf_with_a_title_and_long_words() {
        let md = format!(
            "# A <b>title</b> (x) \\\n\n## Problem space\n\n- one\n- two\n\n> quoted\n\n{}\n",
            "W".repeat(300)
        );
        let pdf = from_markdown("A <b>title</b> (x) \\", &md).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.len() > 1000);
    }

    #[test]
    fn control_characters_are_left_out() {
        assert_eq!(printable("a\u{7}b\tc\u{202e}d"), "ab cd");
    }
}
