//! Typing plain text into a section the way the editor does: a newline is Enter (it inserts a
//! block marker, starting a new paragraph) and deleting a newline deletes that marker, joining
//! two paragraphs. No text is ever copied between blocks.
//!
//! Owns the mapping from a plain-text position (UTF-16 units over the section's blocks joined
//! by "\n") to an index in the section's body: position `p` is body index `p + 1` (the first
//! block's marker comes first, and every later "\n" is a marker). Used to replay editing
//! traces (`groundwork replay`) so the stored brief has the shape the UI's editor produces:
//! one paragraph per line.

use crate::body::{self, BlockAttrs, Kind};
use crate::brief::{Brief, BriefError};
use crate::model::Section;
use yrs::{Text, TextRef};

/// A typist on one section. It keeps the section's length, so it must be the only writer of
/// that section while it lives (a replay, a benchmark, a test).
pub struct SectionTypist<'a> {
    brief: &'a Brief,
    text: TextRef,
    /// Length of the body (markers included).
    len: u32,
}

impl<'a> SectionTypist<'a> {
    /// Takes over `section` of `brief`. Every block must be a paragraph or a heading outside
    /// any list or quote, with no hard break: only those have one plain-text line.
    pub fn new(brief: &'a Brief, section: Section) -> Result<SectionTypist<'a>, BriefError> {
        let text = brief.body(section).clone();
        let mut txn = brief.txn();
        for b in body::blocks(&text, &txn) {
            if !matches!(b.attrs.kind, Kind::Paragraph | Kind::Heading) || !b.attrs.wrap.is_empty()
            {
                return Err(BriefError::Shape(
                    "a block that is not a paragraph or heading",
                ));
            }
            if b.runs.iter().any(|r| r.text.contains('\n')) {
                return Err(BriefError::Shape("a line break inside a paragraph"));
            }
        }
        let spans = body::spans(&text, &txn);
        if spans.first().is_some_and(|s| !s.marker) {
            return Err(BriefError::Shape("text outside a paragraph"));
        }
        if spans.is_empty() {
            body::insert_marker(&mut txn, &text, 0, &BlockAttrs::paragraph());
        }
        let len = text.len(&txn);
        drop(txn);
        Ok(SectionTypist { brief, text, len })
    }

    /// Length of the section as plain text (blocks joined by "\n"), in UTF-16 units.
    pub fn len(&self) -> u32 {
        self.len - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Types `text` at plain-text position `pos` (clamped to the end); each "\n" in it is an
    /// Enter.
    pub fn insert(&mut self, pos: u32, text: &str) {
        if text.is_empty() {
            return;
        }
        let mut txn = self.brief.txn();
        let mut at = self
            .brief
            .boundary(&txn, &self.text, pos.min(self.len()) + 1);
        for (i, part) in text.split('\n').enumerate() {
            if i > 0 {
                body::insert_marker(&mut txn, &self.text, at, &BlockAttrs::paragraph());
                at += 1;
                self.len += 1;
            }
            if !part.is_empty() {
                self.text.insert(&mut txn, at, part);
                let n = part.encode_utf16().count() as u32;
                at += n;
                self.len += n;
            }
        }
    }

    /// Deletes `len` UTF-16 units at plain-text position `pos`; a deleted "\n" joins the
    /// paragraph after it to the one before.
    pub fn delete(&mut self, pos: u32, len: u32) {
        if len == 0 {
            return;
        }
        let mut txn = self.brief.txn();
        let start = self
            .brief
            .boundary(&txn, &self.text, pos.min(self.len()) + 1);
        let end = (pos.saturating_add(len)).min(self.len()) + 1;
        if end > start {
            self.text.remove_range(&mut txn, start, end - start);
            self.len -= end - start;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Role, Template};
    use crate::Member;

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
        b.section_blocks(Section::Problem)
            .iter()
            .map(|blk| blk.text())
            .collect::<Vec<_>>()
            .join("\n")
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
        assert_eq!(
            b.section_blocks(Section::Problem).len(),
            model.split('\n').count()
        );
    }
}
