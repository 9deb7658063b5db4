//! Schema 1 → 2: each section's y-prosemirror XmlFragment (`section:<s>`) becomes its body
//! (`body:<s>`, see the module above), and `meta.schema` becomes 2.
//!
//! The migration is **deterministic**: it is written by a client id derived from the whole
//! schema-1 state (state vector and delete set), starting at clock 0, with every item in a
//! fixed order. Two devices that migrate the same state separately therefore write the very
//! same items, and merging them keeps one copy: the text is never doubled. It records its id
//! in `meta.migration`; a device that migrated a *different* state (edits the other never
//! saw) refuses the other's changes (`SyncError::DivergedMigration`) instead of merging two
//! copies of the text.
//!
//! The schema-1 fragments are emptied (their items deleted) so nothing reads stale text.

use super::{append_blocks, root_name, Block, BlockAttrs, Kind, Run, Wrap};
use yrs::types::text::Diff;
use yrs::types::Attrs;
use yrs::updates::decoder::Decode;
use yrs::{
    Any, Doc, Map, Out, ReadTxn, StateVector, Text, Transact, Update, Xml, XmlElementRef,
    XmlFragment, XmlFragmentRef, XmlOut,
};

/// Name of the schema-1 root of a section.
pub fn legacy_root(section: &str) -> String {
    format!("section:{section}")
}

/// The schema-1 content of a fragment as blocks.
pub fn legacy_blocks<T: ReadTxn>(frag: &XmlFragmentRef, txn: &T) -> Vec<Block> {
    let mut out = Vec::new();
    for child in frag.children(txn) {
        visit(&child, txn, &mut Vec::new(), &mut out, 0);
    }
    out
}

/// Walks one node. `path` holds the containers around it, each list with whether its current
/// item has a block already (the next block then continues the item).
fn visit<T: ReadTxn>(
    node: &XmlOut,
    txn: &T,
    path: &mut Vec<(Wrap, bool)>,
    out: &mut Vec<Block>,
    depth: usize,
) {
    if depth > 64 {
        return;
    }
    let block = |kind: Kind, level: u8, path: &mut Vec<(Wrap, bool)>| {
        let cont = super::continues_item(path);
        Block {
            attrs: BlockAttrs {
                kind,
                level,
                wrap: path.iter().map(|(w, _)| *w).collect(),
                cont,
            },
            runs: Vec::new(),
        }
    };
    match node {
        XmlOut::Text(t) => {
            let mut b = block(Kind::Paragraph, 1, path);
            b.runs = text_runs(t, txn);
            out.push(b);
        }
        XmlOut::Fragment(f) => {
            for c in f.children(txn) {
                visit(&c, txn, path, out, depth + 1);
            }
        }
        XmlOut::Element(el) => match el.tag().as_ref() {
            "paragraph" | "heading" | "codeBlock" => {
                let (kind, level) = match el.tag().as_ref() {
                    "heading" => {
                        let level = match el.get_attribute(txn, "level") {
                            Some(Out::Any(Any::String(s))) => s.parse().unwrap_or(1),
                            other => super::number(other)
                                .filter(|n| n.is_finite())
                                .map_or(1, |n| n.clamp(1.0, 6.0) as u8),
                        };
                        (Kind::Heading, level.clamp(1, 6))
                    }
                    "codeBlock" => (Kind::Code, 1),
                    _ => (Kind::Paragraph, 1),
                };
                let mut b = block(kind, level, path);
                inline(el, txn, &mut b.runs, depth);
                out.push(b);
            }
            "horizontalRule" => out.push(block(Kind::Rule, 1, path)),
            "blockquote" => {
                path.push((Wrap::Quote, false));
                for c in el.children(txn) {
                    visit(&c, txn, path, out, depth + 1);
                }
                path.pop();
            }
            "bulletList" | "orderedList" | "listItem" => {
                let wrap = if el.tag().as_ref() == "orderedList" {
                    Wrap::Ordered
                } else {
                    Wrap::Bullet
                };
                let items: Vec<XmlOut> = if el.tag().as_ref() == "listItem" {
                    vec![node.clone()]
                } else {
                    el.children(txn).collect()
                };
                path.push((wrap, false));
                for item in items {
                    // each item starts with its first block
                    if let Some(last) = path.last_mut() {
                        last.1 = false;
                    }
                    match &item {
                        XmlOut::Element(li) if li.tag().as_ref() == "listItem" => {
                            for c in li.children(txn) {
                                visit(&c, txn, path, out, depth + 1);
                            }
                        }
                        other => visit(other, txn, path, out, depth + 1),
                    }
                }
                path.pop();
            }
            _ => {
                for c in el.children(txn) {
                    visit(&c, txn, path, out, depth + 1);
                }
            }
        },
    }
}

/// A text block's inline content: text runs with marks, a hard break as "\n".
fn inline<T: ReadTxn>(el: &XmlElementRef, txn: &T, runs: &mut Vec<Run>, depth: usize) {
    if depth > 64 {
        return;
    }
    for c in el.children(txn) {
        match c {
            XmlOut::Text(t) => runs.extend(text_runs(&t, txn)),
            XmlOut::Element(e) if e.tag().as_ref() == "hardBreak" => runs.push(Run {
                text: "\n".into(),
                marks: Attrs::new(),
            }),
            XmlOut::Element(e) => inline(&e, txn, runs, depth + 1),
            XmlOut::Fragment(_) => {}
        }
    }
}

fn text_runs<T: ReadTxn>(t: &yrs::XmlTextRef, txn: &T) -> Vec<Run> {
    let diff: Vec<Diff<()>> = yrs::Text::diff(t, txn, |_| ());
    diff.into_iter()
        .filter_map(|d| match d.insert {
            Out::Any(Any::String(s)) => Some(Run {
                text: s.to_string(),
                marks: super::marks_of(d.attributes),
            }),
            _ => None,
        })
        .collect()
}

/// The client id the migration of this exact state writes with: a hash of the state vector
/// and the delete set, in a canonical order, folded to 32 bits (Yjs' range), never zero.
pub fn migration_client<T: ReadTxn>(txn: &T) -> u64 {
    let mut h = blake3::Hasher::new();
    h.update(b"groundwork:migration:1->2");
    let mut sv: Vec<(u64, u32)> = txn
        .state_vector()
        .iter()
        .map(|(c, k)| (c.get(), *k))
        .collect();
    sv.sort();
    for (c, k) in sv {
        h.update(&c.to_le_bytes());
        h.update(&k.to_le_bytes());
    }
    let snapshot = txn.snapshot();
    let mut ds: Vec<(u64, Vec<(u32, u32)>)> = snapshot
        .delete_set
        .iter()
        .map(|(c, r)| {
            let mut ranges: Vec<(u32, u32)> = r.iter().map(|x| (x.start, x.end)).collect();
            ranges.sort();
            // one canonical form however the ranges were split
            let mut merged: Vec<(u32, u32)> = Vec::new();
            for (s, e) in ranges {
                match merged.last_mut() {
                    Some(last) if s <= last.1 => last.1 = last.1.max(e),
                    _ => merged.push((s, e)),
                }
            }
            (c.get(), merged)
        })
        .collect();
    ds.sort();
    for (c, ranges) in ds {
        h.update(&c.to_le_bytes());
        for (s, e) in ranges {
            h.update(&s.to_le_bytes());
            h.update(&e.to_le_bytes());
        }
    }
    let bytes = h.finalize();
    let b = bytes.as_bytes();
    (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as u64).max(1)
}

/// The update that migrates a schema-1 state to schema 2, or `None` if there is nothing to
/// migrate (already schema 2, or no state yet). `sections` are the section names. Pure: the
/// same state always gives the same bytes.
pub fn migration_update(doc: &Doc, id: uuid::Uuid, sections: &[&str]) -> Option<Vec<u8>> {
    let (state, sv, client) = {
        let txn = doc.transact();
        let meta = txn.get_map("meta")?;
        let schema = super::number(meta.get(&txn, "schema"))?;
        if schema >= 2.0 {
            return None;
        }
        (
            txn.encode_state_as_update_v1(&StateVector::default()),
            txn.state_vector(),
            migration_client(&txn),
        )
    };
    // replay the state into a scratch document that writes as the migration's client
    let scratch = crate::brief::new_doc(id, client);
    {
        let mut txn = scratch.transact_mut();
        txn.apply_update(Update::decode_v1(&state).ok()?).ok()?;
    }
    {
        let frags: Vec<(XmlFragmentRef, yrs::TextRef)> = sections
            .iter()
            .map(|s| {
                (
                    scratch.get_or_insert_xml_fragment(legacy_root(s).as_str()),
                    scratch.get_or_insert_text(root_name(s).as_str()),
                )
            })
            .collect();
        let meta = scratch.get_or_insert_map("meta");
        let mut txn = scratch.transact_mut();
        for (frag, body) in &frags {
            let blocks = legacy_blocks(frag, &txn);
            let len = frag.len(&txn);
            if len > 0 {
                frag.remove_range(&mut txn, 0, len);
            }
            if !blocks.is_empty() && body.len(&txn) == 0 {
                append_blocks(&mut txn, body, &blocks);
            }
        }
        meta.insert(&mut txn, "migration", format!("{client:08x}"));
        meta.insert(&mut txn, "schema", super::super::brief::SCHEMA_VERSION);
    }
    let txn = scratch.transact();
    Some(txn.encode_diff_v1(&sv))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_state_migrates_to_the_same_bytes() {
        let id = uuid::Uuid::new_v4();
        let doc = crate::brief::new_doc(id, 5);
        let frag = doc.get_or_insert_xml_fragment("section:problem");
        let meta = doc.get_or_insert_map("meta");
        {
            let mut txn = doc.transact_mut();
            meta.insert(&mut txn, "schema", 1);
            let p = frag.insert(
                &mut txn,
                0,
                yrs::XmlElementPrelim::new(
                    "paragraph",
                    [yrs::types::xml::XmlIn::from(yrs::XmlTextPrelim::new(
                        "New admins quit.",
                    ))],
                ),
            );
            let _ = p;
        }
        let a = migration_update(&doc, id, &["problem"]).expect("migrates");
        let b = migration_update(&doc, id, &["problem"]).expect("migrates");
        assert_eq!(a, b);
    }
}
