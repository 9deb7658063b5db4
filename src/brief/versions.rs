//! Versions: a brief as it read at a moment — named by someone, or made at every sign-off and
//! every logged decision — kept in the brief itself, so versions sync with it.
//!
//! A version holds each section's text as Markdown (the body model's rich text:
//! [`crate::body::render_markdown`], read back by [`crate::richtext`]), in chunks split at
//! blank lines (a block; a list is one chunk), each chunk stored once however many versions
//! hold it, and the list of a section's chunk digests is stored the same way: the `versions`
//! root map holds, per version id, who made it, when, why, and each section's list digest; the
//! `version_texts` root map holds each digest's text (a chunk's Markdown, or a list of chunk
//! digests). So a version costs the paragraphs that changed and the lists of the sections they
//! are in; an unchanged section costs one digest.
//! (Chosen over yrs snapshots, which need garbage collection off for the brief and so keep
//! every deleted character of its history; see ARCHITECTURE.md, "Versions", for figures.)
//!
//! Restoring writes the version's text as a **new change** that every peer receives (only
//! where the text differs, and only between the first and last block that differ, so the rest
//! keeps its characters, authors and anchors); history is never rewritten. A restore saves a
//! version of its own, so it can be undone by restoring the version before it.

use super::*;

/// Why a version was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum VersionKind {
    /// Saved by a person, with a name.
    Named,
    /// Made when someone signed off the problem.
    Signoff,
    /// Made when a decision was logged.
    Decision,
    /// Made by restoring another version.
    Restore,
}

impl VersionKind {
    fn as_str(self) -> &'static str {
        match self {
            VersionKind::Named => "named",
            VersionKind::Signoff => "signoff",
            VersionKind::Decision => "decision",
            VersionKind::Restore => "restore",
        }
    }

    fn parse(s: &str) -> VersionKind {
        match s {
            "signoff" => VersionKind::Signoff,
            "decision" => VersionKind::Decision,
            "restore" => VersionKind::Restore,
            _ => VersionKind::Named,
        }
    }
}

/// A version as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct VersionInfo {
    pub id: String,
    pub name: String,
    pub kind: VersionKind,
    /// Who made it (name and role as their member was then).
    pub by: String,
    pub role: String,
    pub at: String,
    #[serde(skip)]
    #[ts(skip)]
    seq: u64,
}

/// One stretch of a section's difference between a version and now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DiffOp {
    /// `equal`, `insert` (in now, not in the version) or `delete` (in the version, not now).
    pub op: String,
    pub text: String,
    /// Who wrote an inserted stretch ("Ben Okafor (engineer)"), where known.
    pub by: Vec<String>,
}

/// A section's difference between a version and now (its plain text, word by word).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SectionDiff {
    pub section: Section,
    pub changed: bool,
    pub ops: Vec<DiffOp>,
}

/// What went wrong with a version.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error("no version {0:?} in this brief")]
    NoVersion(String),
    #[error("{0:?} names more than one version: give more of its id")]
    Ambiguous(String),
    #[error("a version needs a name")]
    NoName,
}

const VERSIONS: &str = "versions";
/// Hex digits of a chunk's digest (64 bits of BLAKE3: no two chunks of one brief collide).
const DIGEST: usize = 16;

fn chunk_digest(s: &str) -> String {
    blake3::hash(s.as_bytes()).to_hex()[..DIGEST].to_string()
}

/// A section's Markdown is kept in chunks split at blank lines (its blocks, a list as one):
/// split and joined on the same separator, exactly; a chunk is stored once.
const CHUNK: &str = "\n\n";
const TEXTS: &str = "version_texts";

impl Brief {
    /// Saves the brief as it reads now as a version; returns its id.
    pub fn save_version(&self, name: &str, kind: VersionKind) -> Result<String, VersionError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(VersionError::NoName);
        }
        let versions = self.doc.get_or_insert_map(VERSIONS);
        let texts = self.doc.get_or_insert_map(TEXTS);
        let id = Uuid::new_v4().to_string();
        let me = self.local();
        let mut txn = self.txn();
        let mut sections = HashMap::new();
        for s in Section::ALL {
            let md = crate::body::render_markdown(self.body(*s), &txn);
            // each chunk once, then the list of their digests once: a section unchanged since
            // an earlier version costs one digest
            let mut list = String::new();
            for chunk in md.split(CHUNK) {
                let d = chunk_digest(chunk);
                if texts.get(&txn, &d).is_none() {
                    texts.insert(&mut txn, d.clone(), Any::from(chunk));
                }
                list.push_str(&d);
            }
            let d = chunk_digest(&list);
            if texts.get(&txn, &d).is_none() {
                texts.insert(&mut txn, d.clone(), Any::from(list));
            }
            sections.insert(s.as_str().to_string(), Any::from(d));
        }
        let value = Any::from(HashMap::from([
            (
                "name".to_string(),
                Any::from(name.chars().take(200).collect::<String>()),
            ),
            ("kind".to_string(), Any::from(kind.as_str())),
            ("by".to_string(), Any::from(me.name)),
            ("role".to_string(), Any::from(me.role.as_str())),
            ("device".to_string(), Any::from(me.device)),
            (
                "at".to_string(),
                Any::from(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)),
            ),
            // orders versions made within one millisecond (on this device)
            ("seq".to_string(), Any::from(versions.len(&txn) as f64)),
            ("sections".to_string(), Any::from(sections)),
        ]));
        versions.insert(&mut txn, id.clone(), value);
        Ok(id)
    }

    /// Every version, oldest first.
    pub fn versions(&self) -> Vec<VersionInfo> {
        let versions = self.doc.get_or_insert_map(VERSIONS);
        let txn = self.doc.transact();
        let mut out: Vec<VersionInfo> = versions
            .iter(&txn)
            .filter_map(|(id, v)| match v {
                Out::Any(Any::Map(m)) => Some(VersionInfo {
                    id: id.to_string(),
                    name: any_map_str(&m, "name"),
                    kind: VersionKind::parse(&any_map_str(&m, "kind")),
                    by: any_map_str(&m, "by"),
                    role: any_map_str(&m, "role"),
                    at: any_map_str(&m, "at"),
                    seq: crate::body::number(m.get("seq").cloned().map(Out::Any))
                        .filter(|n| *n >= 0.0)
                        .map_or(0, |n| n as u64),
                }),
                _ => None,
            })
            .collect();
        out.sort_by(|a, b| {
            a.at.cmp(&b.at)
                .then(a.seq.cmp(&b.seq))
                .then(a.id.cmp(&b.id))
        });
        out
    }

    /// The version whose id is or starts with `id`.
    pub fn find_version(&self, id: &str) -> Result<VersionInfo, VersionError> {
        let id = id.trim();
        unique_by_prefix(self.versions(), |v| &v.id, id).map_err(|several| match several {
            None => VersionError::NoVersion(id.to_string()),
            Some(()) => VersionError::Ambiguous(id.to_string()),
        })
    }

    /// A section's Markdown in a version (`None` if the version predates the section).
    pub fn version_markdown(
        &self,
        id: &str,
        section: Section,
    ) -> Result<Option<String>, VersionError> {
        let v = self.find_version(id)?;
        let versions = self.doc.get_or_insert_map(VERSIONS);
        let texts = self.doc.get_or_insert_map(TEXTS);
        let txn = self.doc.transact();
        let Some(Out::Any(Any::Map(m))) = versions.get(&txn, &v.id) else {
            return Err(VersionError::NoVersion(id.to_string()));
        };
        let Some(Any::Map(sections)) = m.get("sections") else {
            return Ok(None);
        };
        let text = |d: &str| match texts.get(&txn, d) {
            Some(Out::Any(Any::String(s))) => Some(s.to_string()),
            _ => None,
        };
        let Some(Any::String(d)) = sections.get(section.as_str()) else {
            return Ok(None);
        };
        // a text not synced yet (or written by something else) is not this version's
        let Some(list) = text(d) else { return Ok(None) };
        if list.len() % DIGEST != 0 || !list.is_ascii() {
            return Ok(None);
        }
        let mut parts = Vec::with_capacity(list.len() / DIGEST);
        for i in (0..list.len()).step_by(DIGEST) {
            let Some(md) = text(&list[i..i + DIGEST]) else {
                return Ok(None);
            };
            parts.push(md);
        }
        Ok(Some(parts.join(CHUNK)))
    }

    /// A version as it read: each section's plain text then (sections it did not hold left out).
    pub fn version_sections(&self, id: &str) -> Result<Vec<(Section, String)>, VersionError> {
        let mut out = Vec::new();
        for s in Section::ALL {
            if let Some(md) = self.version_markdown(id, *s)? {
                let text = plain_of(&md);
                if !text.trim().is_empty() {
                    out.push((*s, text));
                }
            }
        }
        Ok(out)
    }

    /// How each section differs between a version and now, word by word on the plain text.
    pub fn version_diff(&self, id: &str) -> Result<Vec<SectionDiff>, VersionError> {
        let mut out = Vec::new();
        for s in Section::ALL {
            // both sides as their blocks' text, so each character of now has its author
            let then = self
                .version_markdown(id, *s)?
                .map(|md| {
                    crate::richtext::markdown_blocks(&md)
                        .iter()
                        .map(|b| b.text())
                        .filter(|t| !t.is_empty())
                        .collect::<Vec<_>>()
                        .join("\n\n")
                })
                .unwrap_or_default();
            let mut now = String::new();
            let mut authors: Vec<Option<String>> = Vec::new();
            for (i, block) in self.blame(*s).iter().enumerate() {
                if i > 0 {
                    now.push_str("\n\n");
                    authors.extend([None, None]);
                }
                for run in block {
                    let who = run
                        .author
                        .as_ref()
                        .map(|m| format!("{} ({})", m.name, m.role));
                    now.push_str(&run.text);
                    authors.extend(run.text.chars().map(|_| who.clone()));
                }
            }
            let mut ops = super::since::word_diff(&then, &now);
            let mut at = 0usize;
            for o in &mut ops {
                if o.op == "delete" {
                    continue;
                }
                let n = o.text.chars().count();
                if o.op == "insert" {
                    for who in authors.iter().skip(at).take(n).flatten() {
                        if !o.by.contains(who) {
                            o.by.push(who.clone());
                        }
                    }
                }
                at += n;
            }
            let changed = ops.iter().any(|o| o.op != "equal");
            out.push(SectionDiff {
                section: *s,
                changed,
                ops,
            });
        }
        Ok(out)
    }

    /// Restores a version — every section, or only `section` — as a new change, and saves a
    /// version saying so. Returns the sections that changed.
    pub fn restore_version(
        &self,
        id: &str,
        section: Option<Section>,
    ) -> Result<Vec<Section>, VersionError> {
        let v = self.find_version(id)?;
        let sections: Vec<Section> = match section {
            Some(s) => vec![s],
            None => Section::ALL.to_vec(),
        };
        let mut changed = Vec::new();
        for s in sections {
            let Some(md) = self.version_markdown(&v.id, s)? else {
                continue;
            };
            if self.section_markdown(s) == md {
                continue;
            }
            let blocks = crate::richtext::markdown_blocks(&md);
            let mut txn = self.txn();
            crate::body::replace_blocks(&mut txn, self.body(s), &blocks);
            changed.push(s);
        }
        if !changed.is_empty() {
            let what = match section {
                Some(s) => format!("Restored {} from \u{201c}{}\u{201d}", s.label(), v.name),
                None => format!("Restored \u{201c}{}\u{201d}", v.name),
            };
            self.save_version(&what, VersionKind::Restore)?;
        }
        Ok(changed)
    }
}

/// The plain text of a section's Markdown, as [`Brief::section_text`] gives it for a body.
pub(super) fn plain_of(md: &str) -> String {
    let doc = yrs::Doc::new();
    let text = doc.get_or_insert_text("t");
    let blocks = crate::richtext::markdown_blocks(md);
    let mut txn = doc.transact_mut();
    crate::body::append_blocks(&mut txn, &text, &blocks);
    crate::body::render_plain(&text, &txn)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{member, sync};
    use super::*;
    use crate::model::Role;

    #[test]
    fn a_version_restored_is_a_new_change_every_peer_gets() {
        let a = Brief::create("V", Template::ProblemFirst, member("aa", "Ana", Role::Pm));
        a.set_markdown(
            Section::Problem,
            "New admins **quit** at step 3.\n\n- one\n- two",
        );
        a.set_section(Section::Evidence, "40 tickets a week.");
        let v1 = a
            .save_version("Before the rewrite", VersionKind::Named)
            .unwrap();
        let b = Brief::empty(a.id(), member("bb", "Ben", Role::Engineer));
        sync(&a, &b);
        b.set_section(Section::Problem, "Everybody quits everywhere.");
        sync(&b, &a);
        assert_eq!(b.versions().len(), 1, "versions travel with the brief");

        let diff = a.version_diff(&v1[..8]).unwrap();
        let problem = diff.iter().find(|d| d.section == Section::Problem).unwrap();
        assert!(problem.changed);
        assert!(problem
            .ops
            .iter()
            .any(|o| o.op == "delete" && o.text.contains("admins")));
        assert!(problem.ops.iter().any(|o| o.op == "insert"
            && o.text.contains("Everybody")
            && o.by == ["Ben (engineer)"]));
        assert!(
            !diff
                .iter()
                .find(|d| d.section == Section::Evidence)
                .unwrap()
                .changed
        );
        let then = a.version_sections(&v1).unwrap();
        assert_eq!(
            then,
            vec![
                (
                    Section::Problem,
                    "New admins quit at step 3.\n\none\ntwo".to_string()
                ),
                (Section::Evidence, "40 tickets a week.".to_string()),
            ]
        );

        let changed = a.restore_version(&v1, Some(Section::Problem)).unwrap();
        assert_eq!(changed, vec![Section::Problem]);
        assert_eq!(
            a.section_markdown(Section::Problem),
            "New admins **quit** at step 3.\n\n- one\n- two"
        );
        sync(&a, &b);
        assert_eq!(
            b.section_markdown(Section::Problem),
            a.section_markdown(Section::Problem)
        );
        let listed = b.versions();
        assert_eq!(listed.len(), 2, "{listed:?}");
        assert_eq!(listed[1].kind, VersionKind::Restore);
        assert!(listed[1].name.contains("Before the rewrite"), "{listed:?}");

        // the restore undone: restore the version before it (the one the restore saved holds
        // the restored text; the rewrite is in no version, so it is saved first)
        b.set_section(Section::Problem, "Everybody quits everywhere.");
        let rewrite = b.save_version("The rewrite", VersionKind::Named).unwrap();
        b.restore_version(&v1, None).unwrap();
        b.restore_version(&rewrite, None).unwrap();
        assert_eq!(
            b.section_text(Section::Problem),
            "Everybody quits everywhere."
        );
        assert_eq!(
            b.restore_version(&rewrite, None).unwrap(),
            vec![],
            "nothing to change"
        );
    }

    #[test]
    fn unchanged_sections_are_stored_once_and_bad_ids_are_errors() {
        let a = Brief::create("V", Template::ProblemFirst, member("aa", "Ana", Role::Pm));
        a.set_section(Section::Problem, &"A long problem statement. ".repeat(200));
        a.save_version("one", VersionKind::Named).unwrap();
        let one = a.encode_state_v1().len();
        a.save_version("two", VersionKind::Named).unwrap();
        let two = a.encode_state_v1().len();
        assert!(
            two - one < 1_000,
            "a second version of the same text: {} bytes",
            two - one
        );
        assert_eq!(
            a.find_version("nope"),
            Err(VersionError::NoVersion("nope".into()))
        );
        assert_eq!(
            a.save_version("  ", VersionKind::Named),
            Err(VersionError::NoName)
        );
    }

    #[test]
    fn sign_off_and_decisions_save_versions() {
        let a = Brief::create("V", Template::ProblemFirst, member("aa", "Ana", Role::Pm));
        a.sign_off(Role::Pm);
        a.add_decision(NewDecision {
            decision: "Ship a checklist".into(),
            ..NewDecision::default()
        })
        .unwrap();
        let kinds: Vec<VersionKind> = a.versions().iter().map(|v| v.kind).collect();
        assert_eq!(kinds, vec![VersionKind::Signoff, VersionKind::Decision]);
    }
}
