//! A brief's sections: reading them as text or Markdown, and the engine's own edits
//! (setting, appending, inserting and deleting text in the editor's shape).

use super::*;

impl Brief {
    pub(crate) fn fragment(&self, section: Section) -> &XmlFragmentRef {
        // `sections` holds every Section, in Section::ALL order.
        &self.sections[Section::ALL.iter().position(|s| *s == section).unwrap_or(0)].1
    }

    /// The plain text of a section: blocks separated by blank lines, formatting dropped.
    pub fn section_text(&self, section: Section) -> String {
        let txn = self.doc.transact();
        render_fragment(self.fragment(section), &txn, false)
    }

    /// The section as Markdown (marks such as bold and links, lists and headings kept).
    pub fn section_markdown(&self, section: Section) -> String {
        let txn = self.doc.transact();
        render_fragment(self.fragment(section), &txn, true)
    }

    /// Replaces a section's content with `text`, one paragraph per blank-line separated block.
    pub fn set_section(&self, section: Section, text: &str) {
        self.set_paragraphs(section, paragraphs(text).iter().map(String::as_str));
    }

    /// Replaces a section's content with these paragraphs, each kept exactly as given (an
    /// import, which already split its text into blocks); blank ones are left out.
    pub fn set_paragraphs<'t>(
        &self,
        section: Section,
        paragraphs: impl IntoIterator<Item = &'t str>,
    ) {
        let frag = self.fragment(section);
        let mut txn = self.txn();
        let len = frag.len(&txn);
        frag.remove_range(&mut txn, 0, len);
        for para in paragraphs.into_iter().filter(|p| !p.trim().is_empty()) {
            frag.push_back(&mut txn, paragraph_prelim(para));
        }
    }

    /// Replaces a section's content with Markdown read as rich text (headings, lists, quotes,
    /// code blocks, bold, italic, code and links; see [`crate::richtext`]).
    pub fn set_markdown(&self, section: Section, markdown: &str) {
        let frag = self.fragment(section);
        let mut txn = self.txn();
        let len = frag.len(&txn);
        frag.remove_range(&mut txn, 0, len);
        crate::richtext::append_markdown(&mut txn, frag, markdown);
    }

    /// Appends `text` to a section as new paragraph(s).
    pub fn append_paragraph(&self, section: Section, text: &str) {
        let frag = self.fragment(section);
        let mut txn = self.txn();
        for para in paragraphs(text) {
            frag.push_back(&mut txn, paragraph_prelim(&para));
        }
    }

    pub(super) fn first_text(&self, txn: &mut TransactionMut, section: Section) -> XmlTextRef {
        let frag = self.fragment(section);
        if let Some(XmlOut::Element(p)) = frag.get(txn, 0) {
            if let Some(XmlOut::Text(t)) = p.get(txn, 0) {
                return t;
            }
            return p.insert(txn, 0, XmlTextPrelim::new(""));
        }
        let p = frag.insert(txn, 0, XmlElementPrelim::empty("paragraph"));
        p.insert(txn, 0, XmlTextPrelim::new(""))
    }

    /// Marks the document as possibly holding astral characters if `bytes` (an update) has a
    /// UTF-8 lead byte of a 4-byte sequence. Cheap and conservative.
    pub(crate) fn note_text(&self, bytes: &[u8]) {
        if bytes.iter().any(|b| (0xF0..=0xF4).contains(b)) {
            self.astral.store(true, Ordering::Relaxed);
        }
    }

    /// Moves a UTF-16 offset of `t` back to a character boundary (never inside a surrogate
    /// pair: yrs replaces half pairs by U+FFFD differently on different peers).
    pub(crate) fn boundary(&self, txn: &TransactionMut, t: &XmlTextRef, index: u32) -> u32 {
        if !self.astral.load(Ordering::Relaxed) {
            return index;
        }
        let diff: Vec<Diff<()>> = t.diff(txn, |_| ());
        let mut at = 0u32;
        for d in &diff {
            let len = match &d.insert {
                Out::Any(Any::String(s)) => {
                    for c in s.chars() {
                        let w = c.len_utf16() as u32;
                        if at + w > index {
                            return at;
                        }
                        at += w;
                    }
                    continue;
                }
                _ => 1,
            };
            if at + len > index {
                return at;
            }
            at += len;
        }
        at
    }

    /// Inserts `text` at UTF-16 offset `index` of the first paragraph of a section (the
    /// character-level editing path; the UI's editor edits the fragment directly). An offset
    /// inside a surrogate pair moves to the start of that character.
    pub fn insert_text(&self, section: Section, index: u32, text: &str) {
        if text.chars().any(|c| c.len_utf16() == 2) {
            self.astral.store(true, Ordering::Relaxed);
        }
        let mut txn = self.txn();
        let t = self.first_text(&mut txn, section);
        let index = self.boundary(&txn, &t, index.min(t.len(&txn)));
        t.insert(&mut txn, index, text);
    }

    /// Deletes `len` UTF-16 units at `index` of the first paragraph of a section, widened to
    /// whole characters.
    pub fn delete_text(&self, section: Section, index: u32, len: u32) {
        let mut txn = self.txn();
        let t = self.first_text(&mut txn, section);
        let total = t.len(&txn);
        let start = self.boundary(&txn, &t, index.min(total));
        let end_raw = index.min(total).saturating_add(len).min(total);
        // an end inside a surrogate pair takes the whole character (2 units)
        let end = match self.boundary(&txn, &t, end_raw) {
            b if b < end_raw => (b + 2).min(total),
            b => b,
        };
        if end > start {
            t.remove_range(&mut txn, start, end - start);
        }
    }
}

/// Splits text into paragraphs at blank lines; single newlines stay inside a paragraph.
pub(super) fn paragraphs(text: &str) -> Vec<String> {
    let norm = text.replace("\r\n", "\n");
    norm.split("\n\n")
        .map(|p| p.trim_matches('\n').to_string())
        .filter(|p| !p.trim().is_empty())
        .collect()
}

pub(super) fn paragraph_prelim(text: &str) -> XmlElementPrelim {
    XmlElementPrelim::new(
        "paragraph",
        [yrs::types::xml::XmlIn::from(XmlTextPrelim::new(text))],
    )
}
