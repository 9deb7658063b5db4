//! Typing plain text into a section the way the editor does: a newline is Enter (it ends the
//! paragraph and starts a new one) and deleting a newline joins two paragraphs.
//!
//! Owns the mapping from a plain-text position (UTF-16 units over the section's blocks joined
//! by "\n") to a block and an offset in it. Used to replay editing traces (`groundwork replay`)
//! so the stored brief has the shape the UI's editor (y-prosemirror) produces: one
//! `paragraph` element per line, not one 100k-character paragraph.

use crate::brief::{Brief, BriefError};
use crate::model::Section;
use yrs::types::text::Diff;
use yrs::types::xml::{XmlElementPrelim, XmlIn, XmlTextPrelim};
use yrs::{Out, ReadTxn, Text, TransactionMut, XmlFragment, XmlOut, XmlTextRef};

/// One block of the section: its text and that text's length in UTF-16 units.
struct Block {
    text: XmlTextRef,
    len: u32,
}

/// A typist on one section. It keeps the blocks it has seen and made, so it must be the only
/// writer of that section while it lives (a replay, a benchmark, a test).
pub struct SectionTypist<'a> {
    brief: &'a Brief,
    section: Section,
    blocks: Vec<Block>,
}

fn utf16_len(s: &str) -> u32 {
    s.encode_utf16().count() as u32
}

/// The plain text of an XmlText (formatting dropped).
fn plain<T: ReadTxn>(t: &XmlTextRef, txn: &T) -> String {
    let diff: Vec<Diff<()>> = t.diff(txn, |_| ());
    let mut s = String::new();
    for d in diff {
        if let Out::Any(yrs::Any::String(chunk)) = d.insert {
            s.push_str(&chunk);
        }
    }
    s
}

/// `s` from UTF-16 offset `from` on (never splitting a surrogate pair: a half is dropped).
fn tail_from(s: &str, from: u32) -> String {
    let mut at = 0u32;
    for (i, c) in s.char_indices() {
        if at >= from {
            return s[i..].to_string();
        }
        at += c.len_utf16() as u32;
    }
    String::new()
}

impl<'a> SectionTypist<'a> {
    /// Takes over `section` of `brief`. Every top-level block must be a paragraph or a heading
    /// (text only): lists and other nested blocks have no single plain-text line.
    pub fn new(brief: &'a Brief, section: Section) -> Result<SectionTypist<'a>, BriefError> {
        let frag = brief.fragment(section);
        let mut txn = brief.txn();
        let mut blocks = Vec::new();
        let children: Vec<XmlOut> = frag.children(&txn).collect();
        for child in children {
            let XmlOut::Element(el) = child else {
                return Err(BriefError::Shape("text outside a paragraph"));
            };
            if !matches!(el.tag().as_ref(), "paragraph" | "heading") {
                return Err(BriefError::Shape(
                    "a block that is not a paragraph or heading",
                ));
            }
            let text = match el.get(&txn, 0) {
                Some(XmlOut::Text(t)) => t,
                None => el.insert(&mut txn, 0, XmlTextPrelim::new("")),
                Some(_) => return Err(BriefError::Shape("a paragraph holding an element")),
            };
            let len = text.len(&txn);
            blocks.push(Block { text, len });
        }
        if blocks.is_empty() {
            blocks.push(new_block(brief, section, &mut txn, 0, ""));
        }
        drop(txn);
        Ok(SectionTypist {
            brief,
            section,
            blocks,
        })
    }

    /// Length of the section as plain text (blocks joined by "\n"), in UTF-16 units.
    pub fn len(&self) -> u32 {
        self.blocks.iter().map(|b| b.len + 1).sum::<u32>() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The block holding plain-text position `pos` (clamped to the end) and the offset in it.
    fn locate(&self, pos: u32) -> (usize, u32) {
        let mut left = pos;
        for (i, b) in self.blocks.iter().enumerate() {
            if left <= b.len {
                return (i, left);
            }
            left -= b.len + 1;
        }
        let last = self.blocks.len() - 1;
        (last, self.blocks[last].len)
    }

    /// Types `text` at plain-text position `pos`; each "\n" in it is an Enter.
    pub fn insert(&mut self, pos: u32, text: &str) {
        if text.is_empty() {
            return;
        }
        let (i, k) = self.locate(pos);
        let mut txn = self.brief.txn();
        let k = self.brief.boundary(&txn, &self.blocks[i].text, k);
        let mut parts = text.split('\n');
        let first = parts.next().unwrap_or("");
        let rest: Vec<&str> = parts.collect();
        let block = &mut self.blocks[i];
        if !first.is_empty() {
            block.text.insert(&mut txn, k, first);
            block.len += utf16_len(first);
        }
        if rest.is_empty() {
            return;
        }
        // Enter: what follows the cursor moves to the last new paragraph
        let head = k + utf16_len(first);
        let tail = tail_from(&plain(&block.text, &txn), head);
        if block.len > head {
            block.text.remove_range(&mut txn, head, block.len - head);
            block.len = head;
        }
        let n = rest.len();
        for (j, part) in rest.into_iter().enumerate() {
            let content = if j + 1 == n {
                format!("{part}{tail}")
            } else {
                part.to_string()
            };
            let b = new_block(self.brief, self.section, &mut txn, i + 1 + j, &content);
            self.blocks.insert(i + 1 + j, b);
        }
    }

    /// Deletes `len` UTF-16 units at plain-text position `pos`; a deleted "\n" joins the
    /// paragraph after it to the one before.
    pub fn delete(&mut self, pos: u32, len: u32) {
        if len == 0 {
            return;
        }
        let (i, k) = self.locate(pos);
        let mut txn = self.brief.txn();
        let k = self.brief.boundary(&txn, &self.blocks[i].text, k);
        let mut left = len;
        while left > 0 {
            let block = &mut self.blocks[i];
            let take = left.min(block.len - k);
            if take > 0 {
                block.text.remove_range(&mut txn, k, take);
                block.len -= take;
                left -= take;
            }
            if left == 0 || i + 1 >= self.blocks.len() {
                break;
            }
            // the newline after this block: join the next block onto it
            left -= 1;
            let next = self.blocks.remove(i + 1);
            let cut = left.min(next.len);
            left -= cut;
            let rest = tail_from(&plain(&next.text, &txn), cut);
            self.brief
                .fragment(self.section)
                .remove_range(&mut txn, (i + 1) as u32, 1);
            if !rest.is_empty() {
                let block = &mut self.blocks[i];
                block.text.insert(&mut txn, block.len, &rest);
                block.len += utf16_len(&rest);
            }
        }
    }
}

/// Inserts a paragraph holding `content` at `index` of the section's fragment.
fn new_block(
    brief: &Brief,
    section: Section,
    txn: &mut TransactionMut,
    index: usize,
    content: &str,
) -> Block {
    let el = brief.fragment(section).insert(
        txn,
        index as u32,
        XmlElementPrelim::new("paragraph", [XmlIn::from(XmlTextPrelim::new(content))]),
    );
    match el.get(txn, 0) {
        Some(XmlOut::Text(text)) => Block {
            text,
            len: utf16_len(content),
        },
        // just made with one text child; an empty paragraph gets one here
        _ => Block {
            text: el.insert(txn, 0, XmlTextPrelim::new("")),
            len: 0,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Role, Template};
    use crate::Member;
    use yrs::Transact;

    fn brief() -> Brief {
        Brief::create(
            "t",
            Template::ProblemFirst,
            Member {
                device: "d".into(),
                name: "n".into(),
                role: Role::Pm,
            },
        )
    }

    /// The section's blocks as plain lines (what the typist's positions address).
    fn lines(b: &Brief) -> String {
        let txn = b.doc().transact();
        let frag = b.fragment(Section::Problem);
        let mut out = Vec::new();
        for child in frag.children(&txn) {
            let XmlOut::Element(el) = child else {
                panic!("text outside a paragraph");
            };
            match el.get(&txn, 0) {
                Some(XmlOut::Text(t)) => out.push(plain(&t, &txn)),
                None => out.push(String::new()),
                Some(_) => panic!("nested element"),
            }
        }
        out.join("\n")
    }

    #[test]
    fn newlines_are_paragraphs_and_deleting_one_joins_them() {
        let b = brief();
        let mut t = SectionTypist::new(&b, Section::Problem).expect("typist");
        t.insert(0, "hello world");
        t.insert(5, "\nthere\n");
        assert_eq!(lines(&b), "hello\nthere\n world");
        assert_eq!(t.len(), 18);
        t.delete(5, 1); // joins "hello" and "there"
        assert_eq!(lines(&b), "hellothere\n world");
        t.delete(3, 9); // "lothere\n " spans a join
        assert_eq!(lines(&b), "helworld");
        assert_eq!(t.len(), 8);
    }

    #[test]
    fn typing_matches_a_plain_string_edited_the_same_way() {
        use rand::{Rng, SeedableRng};
        let seed: u64 = std::env::var("SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(7);
        println!("seed {seed}");
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let b = brief();
        let mut t = SectionTypist::new(&b, Section::Problem).expect("typist");
        let mut model = String::new();
        for _ in 0..2000 {
            let pos = rng.gen_range(0..=model.len());
            if rng.gen_bool(0.6) || model.is_empty() {
                let s: String = (0..rng.gen_range(1..6))
                    .map(|_| if rng.gen_bool(0.2) { '\n' } else { 'a' })
                    .collect();
                model.insert_str(pos, &s);
                t.insert(pos as u32, &s);
            } else {
                let n = rng
                    .gen_range(1..=(model.len() - pos).clamp(1, 8))
                    .min(model.len() - pos);
                model.replace_range(pos..pos + n, "");
                t.delete(pos as u32, n as u32);
            }
            assert_eq!(t.len() as usize, model.len());
        }
        assert_eq!(lines(&b), model);
        // the brief read back fresh (another typist sees the same blocks)
        let again = SectionTypist::new(&b, Section::Problem).expect("typist");
        assert_eq!(again.len() as usize, model.len());
        let para_count = model.split('\n').count();
        let txn = b.doc().transact();
        assert_eq!(b.fragment(Section::Problem).len(&txn) as usize, para_count);
    }
}
