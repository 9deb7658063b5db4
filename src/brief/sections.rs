//! A brief's sections: reading them as text or Markdown, and the engine's own edits, in the
//! body model of [`crate::body`] (one Y.Text per section, blocks as markers).

use super::*;
use crate::body::{self, Block, BlockAttrs};

impl Brief {
    pub(crate) fn body(&self, section: Section) -> &TextRef {
        &self.sections[section_index(section)].1
    }

    /// How many transactions changed a section's body so far.
    fn body_changes(&self, section: Section) -> u64 {
        self.section_changes[section_index(section)].load(Ordering::Relaxed)
    }

    /// The plain text of a section: blocks separated by blank lines, formatting dropped.
    pub fn section_text(&self, section: Section) -> String {
        let txn = self.doc.transact();
        body::render_plain(self.body(section), &txn)
    }

    /// The section as Markdown (marks such as bold and links, lists and headings kept).
    pub fn section_markdown(&self, section: Section) -> String {
        let txn = self.doc.transact();
        body::render_markdown(self.body(section), &txn)
    }

    /// The section's blocks (marker and text runs), in order.
    pub fn section_blocks(&self, section: Section) -> Vec<Block> {
        let txn = self.doc.transact();
        body::blocks(self.body(section), &txn)
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
        let blocks =
            body::paragraph_blocks(paragraphs.into_iter().filter(|p| !p.trim().is_empty()));
        let mut txn = self.txn();
        body::set_blocks(&mut txn, self.body(section), &blocks);
    }

    /// Replaces a section's content with Markdown read as rich text (headings, lists, quotes,
    /// code blocks, bold, italic, code and links; see [`crate::richtext`]).
    pub fn set_markdown(&self, section: Section, markdown: &str) {
        let blocks = crate::richtext::markdown_blocks(markdown);
        let mut txn = self.txn();
        body::set_blocks(&mut txn, self.body(section), &blocks);
    }

    /// Appends `text` to a section as new paragraph(s).
    pub fn append_paragraph(&self, section: Section, text: &str) {
        let paras = paragraphs(text);
        let blocks = body::paragraph_blocks(paras.iter().map(String::as_str));
        let mut txn = self.txn();
        body::append_blocks(&mut txn, self.body(section), &blocks);
    }

    /// The span of the section's first block's text (Y index of its first character and its
    /// length), making a first paragraph if the section has no block yet. Read from the cache
    /// when no transaction changed this section's body since the engine's last character
    /// edit in it (a tick or another section's edit keeps it).
    pub(crate) fn first_block(&self, txn: &mut TransactionMut, section: Section) -> (u32, u32) {
        let now = self.body_changes(section);
        if let Some(&(at, start, len)) = lock(&self.first_blocks).get(&section) {
            if at == now {
                return (start, len);
            }
        }
        let t = self.body(section);
        let spans = body::spans(t, txn);
        match spans.first() {
            Some(s) => (s.text_start(), s.len),
            None => {
                body::insert_marker(txn, t, 0, &BlockAttrs::paragraph());
                (1, 0)
            }
        }
    }

    /// Records where the first block lies after the engine's own edit (its transaction just
    /// committed, so this is the current count of changes).
    fn keep_first_block(&self, section: Section, start: u32, len: u32) {
        let now = self.body_changes(section);
        lock(&self.first_blocks).insert(section, (now, start, len));
    }

    /// Marks the document as possibly holding astral characters if `bytes` (an update) has a
    /// UTF-8 lead byte of a 4-byte sequence. Cheap and conservative.
    pub(crate) fn note_text(&self, bytes: &[u8]) {
        if bytes.iter().any(|b| (0xF0..=0xF4).contains(b)) {
            self.astral.store(true, Ordering::Relaxed);
        }
    }

    /// Moves a UTF-16 index of `t` back to a character boundary (never inside a surrogate
    /// pair: yrs replaces half pairs by U+FFFD differently on different peers).
    pub(crate) fn boundary(&self, txn: &TransactionMut, t: &TextRef, index: u32) -> u32 {
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
    /// character-level editing path; the UI's editor edits the body directly). An offset
    /// inside a surrogate pair moves to the start of that character.
    pub fn insert_text(&self, section: Section, index: u32, text: &str) {
        if text.chars().any(|c| c.len_utf16() == 2) {
            self.astral.store(true, Ordering::Relaxed);
        }
        let mut txn = self.txn();
        let (start, len) = self.first_block(&mut txn, section);
        let t = self.body(section);
        let at = self.boundary(&txn, t, start + index.min(len));
        t.insert(&mut txn, at, text);
        drop(txn);
        self.keep_first_block(section, start, len + text.encode_utf16().count() as u32);
    }

    /// Deletes `len` UTF-16 units at `index` of the first paragraph of a section, widened to
    /// whole characters.
    pub fn delete_text(&self, section: Section, index: u32, len: u32) {
        let mut txn = self.txn();
        let (base, total) = self.first_block(&mut txn, section);
        let t = self.body(section);
        let start = self.boundary(&txn, t, base + index.min(total));
        let end_raw = base + index.min(total).saturating_add(len).min(total);
        // an end inside a surrogate pair takes the whole character (2 units)
        let end = match self.boundary(&txn, t, end_raw) {
            b if b < end_raw => (b + 2).min(base + total),
            b => b,
        };
        if end > start {
            t.remove_range(&mut txn, start, end - start);
        }
        drop(txn);
        self.keep_first_block(section, base, total - end.saturating_sub(start));
    }

    /// Migrates a schema-1 brief to schema 2 (see [`crate::body::migrate`]); the change
    /// enters the outbox. Returns whether there was anything to migrate.
    pub fn migrate(&self) -> Result<bool, BriefError> {
        let names: Vec<&str> = Section::ALL.iter().map(|s| s.as_str()).collect();
        let Some(update) = body::migrate::migration_update(&self.doc, self.id, &names) else {
            return Ok(false);
        };
        let decoded = Update::decode_v1(&update).map_err(|e| BriefError::Decode(e.to_string()))?;
        let mut txn = self.doc.transact_mut_with(MIGRATE_ORIGIN);
        txn.apply_update(decoded)
            .map_err(|e| BriefError::Apply(e.to_string()))?;
        Ok(true)
    }

    /// The id of the migration that brought this brief to schema 2 (`meta.migration`), if
    /// it was migrated rather than made in schema 2.
    pub fn migration(&self) -> Option<String> {
        match self.meta.get(&self.doc.transact(), "migration") {
            Some(Out::Any(Any::String(s))) => Some(s.to_string()),
            _ => None,
        }
    }
}

/// Where a section is in `Section::ALL` (the order of `Brief::sections` and
/// `Brief::section_changes`).
fn section_index(section: Section) -> usize {
    Section::ALL.iter().position(|s| *s == section).unwrap_or(0)
}

/// Splits text into paragraphs at blank lines; single newlines stay inside a paragraph.
pub(super) fn paragraphs(text: &str) -> Vec<String> {
    let norm = text.replace("\r\n", "\n");
    norm.split("\n\n")
        .map(|p| p.trim_matches('\n').to_string())
        .filter(|p| !p.trim().is_empty())
        .collect()
}
