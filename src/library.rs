//! The brief library: the list of every brief with what it shows of each (sign-offs, open
//! concerns and questions, the start of the problem, sync and join state) and search over
//! every word of every brief — title, sections, decisions, concerns, questions.
//!
//! Each brief this device's person has looked at also shows how many sections others changed
//! since (`brief_since`, counted against the seen mark when the brief's log moved on).
//!
//! Listing and searching read the library index ([`crate::store`]'s `brief_index` and the
//! FTS5 table `brief_search`), never the documents. A brief whose log has a row newer than its
//! index entry (an edit here, a peer's update stored by the running peer, a compaction, an
//! import by the CLI) is opened once, on the next listing, and indexed again; so the index
//! is current whenever the list is shown, whoever changed the brief.
//!
//! Search text is member text: [`fts_query`] turns it into FTS5 syntax as quoted prefix terms
//! only, so no input can be read as an FTS5 operator, column filter or syntax error.

use crate::brief::{Brief, BriefView};
use crate::engine::{Engine, EngineError};
use crate::model::{ConcernStatus, Template};
use crate::store::{Fingerprint, IndexRow, HIT_END, HIT_START};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// One brief in the library list.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct LibraryEntry {
    pub id: String,
    pub title: String,
    pub template: String,
    pub template_label: String,
    /// Unix milliseconds of the brief's creation and last stored change.
    #[ts(type = "number")]
    pub created_at: i64,
    #[ts(type = "number")]
    pub updated_at: i64,
    /// Non-stale sign-offs, out of the three roles.
    pub signed: usize,
    pub stale: usize,
    pub open_concerns: usize,
    pub open_questions: usize,
    /// The start of the problem statement.
    pub excerpt: String,
    /// Where a search matched: a short passage around the hits (empty when no query, or
    /// when only the title matched).
    pub matched: String,
    /// Other devices known to lack some of this device's changes to the brief.
    pub behind: usize,
    /// While this device waits for a member to approve it: where its join stands.
    pub joining: Option<String>,
    /// Sections others changed since this device's person last looked at the brief (0 when
    /// nothing changed, or never looked: then everything is new anyway).
    pub changed: usize,
}

/// The order of the brief list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum ListSort {
    /// Most recently changed first.
    #[default]
    Updated,
    /// Newest first.
    Created,
    /// By title, ignoring case; untitled last.
    Title,
}

/// One page of the brief list: the first `limit` briefs in order, and how many match in all.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct LibraryPage {
    pub total: usize,
    pub entries: Vec<LibraryEntry>,
}

/// What the index keeps of a brief for the list (`brief_index.summary`, JSON). A summary that
/// does not parse (an older layout) counts as missing and is made again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub v: u32,
    pub title: String,
    pub template: String,
    pub signed: usize,
    pub stale: usize,
    pub open_concerns: usize,
    pub open_questions: usize,
    pub excerpt: String,
}

const SUMMARY_VERSION: u32 = 1;

/// What a brief puts into the index: its summary and the words search finds.
pub struct Indexed {
    pub summary: Summary,
    /// Every section, decision, concern and question, one per line.
    pub body: String,
}

/// Reads what the library shows and finds of a brief.
pub fn index_brief(b: &Brief) -> Indexed {
    let view: BriefView = b.view();
    let template = view.template;
    let mut body = String::new();
    let mut line = |s: &str| {
        let s = s.trim();
        if !s.is_empty() {
            body.push_str(s);
            body.push('\n');
        }
    };
    for (s, _) in template.sections() {
        if let Some(t) = view.sections.get(s.as_str()) {
            line(t);
        }
    }
    for d in &view.decisions {
        for t in [&d.decision, &d.context, &d.alternatives, &d.tradeoffs] {
            line(t);
        }
    }
    for c in &view.concerns {
        line(&c.text);
    }
    for q in &view.questions {
        line(&q.text);
    }
    let excerpt: String = view
        .sections
        .get("problem")
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
        .chars()
        .take(160)
        .collect();
    let summary = Summary {
        v: SUMMARY_VERSION,
        title: view.title.clone(),
        template: template.as_str().to_string(),
        signed: view.signoff.signoffs.iter().filter(|s| !s.stale).count(),
        stale: view.signoff.signoffs.iter().filter(|s| s.stale).count(),
        open_concerns: view
            .concerns
            .iter()
            .filter(|c| c.status == ConcernStatus::Open)
            .count(),
        open_questions: view.questions.iter().filter(|q| !q.resolved).count(),
        excerpt,
    };
    Indexed { summary, body }
}

/// The FTS5 query for what a person typed: every word, quoted (quotes doubled), as a prefix,
/// all of them required. `None` when nothing in it is a word.
pub fn fts_query(typed: &str) -> Option<String> {
    let terms: Vec<String> = typed
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| format!("\"{}\"*", t.replace('"', "\"\"")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// A snippet from the index as the list shows it: hit markers removed, whitespace collapsed;
/// empty when it holds no hit (only the title matched).
fn passage(snippet: &str) -> String {
    if !snippet.contains(HIT_START) {
        return String::new();
    }
    snippet
        .replace([HIT_START, HIT_END], "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The brief list with search over the library index. It keeps the last list it made
/// (without passages) with the store's [`Fingerprint`] at the time: while no row that the
/// list depends on was written since (a keystroke in the search box, most often), a listing
/// only runs the search.
#[derive(Default)]
pub struct Library {
    last: Mutex<Option<(Fingerprint, Arc<Vec<LibraryEntry>>)>>,
}

impl Library {
    /// Every brief, most recently changed first; with a query, only those holding every word
    /// of it (as a word or the start of one, any case, accents ignored) in their title or any
    /// text, each with the passage around the hits.
    pub async fn list(
        &self,
        engine: &Engine,
        query: &str,
    ) -> Result<Vec<LibraryEntry>, EngineError> {
        let store = engine.store();
        let t0 = std::time::Instant::now();
        let all = self.all(engine).await?;
        let t_all = t0.elapsed();
        let out: Vec<LibraryEntry> = if query.trim().is_empty() {
            all.as_ref().clone()
        } else {
            match fts_query(query) {
                None => Vec::new(),
                Some(q) => {
                    let hits: HashMap<Uuid, String> = store
                        .search(&q)
                        .await?
                        .into_iter()
                        .map(|h| (h.brief, passage(&h.snippet)))
                        .collect();
                    all.iter()
                        .filter_map(|e| {
                            let id = Uuid::parse_str(&e.id).ok()?;
                            let matched = hits.get(&id)?;
                            Some(LibraryEntry {
                                matched: matched.clone(),
                                ..e.clone()
                            })
                        })
                        .collect()
                }
            }
        };
        tracing::debug!(
            briefs = all.len(),
            shown = out.len(),
            list_ms = t_all.as_secs_f64() * 1e3,
            total_ms = t0.elapsed().as_secs_f64() * 1e3,
            "library listed"
        );
        Ok(out)
    }

    /// The first `limit` briefs of [`Library::list`] in `sort` order, and how many there
    /// are: what a screen shows, without sending every brief of a large library to the UI.
    pub async fn page(
        &self,
        engine: &Engine,
        query: &str,
        sort: ListSort,
        limit: usize,
    ) -> Result<LibraryPage, EngineError> {
        let all = self.all(engine).await?;
        if query.trim().is_empty() {
            let mut entries = all.as_ref().clone();
            sort_entries(&mut entries, sort);
            let total = entries.len();
            entries.truncate(limit);
            return Ok(LibraryPage { total, entries });
        }
        let Some(q) = fts_query(query) else {
            return Ok(LibraryPage {
                total: 0,
                entries: Vec::new(),
            });
        };
        let store = engine.store();
        let ids: std::collections::HashSet<Uuid> =
            store.search_ids(&q).await?.into_iter().collect();
        let mut entries: Vec<LibraryEntry> = all
            .iter()
            .filter(|e| Uuid::parse_str(&e.id).is_ok_and(|id| ids.contains(&id)))
            .cloned()
            .collect();
        sort_entries(&mut entries, sort);
        let total = entries.len();
        entries.truncate(limit);
        // passages only for the page
        let shown: Vec<Uuid> = entries
            .iter()
            .filter_map(|e| Uuid::parse_str(&e.id).ok())
            .collect();
        let passages: HashMap<Uuid, String> = store
            .search_among(&q, &shown)
            .await?
            .into_iter()
            .map(|h| (h.brief, passage(&h.snippet)))
            .collect();
        for (e, id) in entries.iter_mut().zip(&shown) {
            e.matched = passages.get(id).cloned().unwrap_or_default();
        }
        Ok(LibraryPage { total, entries })
    }

    /// Every brief's entry (no passages), from the last listing while the store has not moved
    /// since, else read again (indexing the briefs whose log moved on).
    async fn all(&self, engine: &Engine) -> Result<Arc<Vec<LibraryEntry>>, EngineError> {
        let store = engine.store();
        let before = store.fingerprint().await?;
        if let Some((f, list)) = self.last.lock().unwrap_or_else(|p| p.into_inner()).as_ref() {
            if *f == before {
                return Ok(list.clone());
            }
        }
        let mut rows = store.index_rows().await?;
        let mut summaries = Vec::with_capacity(rows.len());
        for row in rows.iter_mut() {
            let s = match current(row) {
                Some(s) => Some(s),
                None => {
                    refresh(engine, row).await;
                    current(row)
                }
            };
            summaries.push(s);
        }
        let behind = crate::status::behind_by_brief(store, &engine.identity().device_id())
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "sync status for the list unavailable");
                HashMap::new()
            });
        let joins = store.join_states().await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "join states for the list unavailable");
            HashMap::new()
        });
        let counts = store.since_counts().await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "since-you-looked counts for the list unavailable");
            HashMap::new()
        });
        let mut changed: HashMap<Uuid, usize> = HashMap::new();
        for row in &rows {
            let id = row.brief.id;
            match counts.get(&id) {
                None => {}
                Some(Some((seq, n))) if *seq == row.newest_seq => {
                    changed.insert(id, *n);
                }
                Some(_) => {
                    if let Some(n) = count_since(engine, id).await {
                        changed.insert(id, n);
                    }
                }
            }
        }
        let mut out = Vec::with_capacity(rows.len());
        for (row, s) in rows.iter().zip(summaries) {
            let Some(s) = s else { continue };
            let template = Template::from_str(&s.template).unwrap_or(Template::ProblemFirst);
            let id = row.brief.id;
            out.push(LibraryEntry {
                id: id.to_string(),
                title: s.title,
                template: template.as_str().to_string(),
                template_label: template.label().to_string(),
                created_at: row.brief.created_at,
                updated_at: row.brief.updated_at,
                signed: s.signed,
                stale: s.stale,
                open_concerns: s.open_concerns,
                open_questions: s.open_questions,
                excerpt: s.excerpt,
                matched: String::new(),
                behind: behind.get(&id).copied().unwrap_or(0),
                joining: joins.get(&id).map(|j| j.describe().to_string()),
                changed: changed.get(&id).copied().unwrap_or(0),
            });
        }
        let list = Arc::new(out);
        // the fingerprint from before reading: a write during the read makes the next
        // listing read again
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some((before, list.clone()));
        Ok(list)
    }
}

/// Sorts entries as the list shows them (ties: by last change, then id).
pub fn sort_entries(entries: &mut [LibraryEntry], sort: ListSort) {
    match sort {
        ListSort::Updated => {
            entries.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(a.id.cmp(&b.id)))
        }
        ListSort::Created => entries.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then(b.updated_at.cmp(&a.updated_at))
                .then(a.id.cmp(&b.id))
        }),
        ListSort::Title => entries.sort_by_cached_key(|e| {
            (
                e.title.trim().is_empty(),
                e.title.to_lowercase(),
                std::cmp::Reverse(e.updated_at),
                e.id.clone(),
            )
        }),
    }
}

/// The row's summary, if its index entry is current and readable.
fn current(row: &IndexRow) -> Option<Summary> {
    let s: Summary = serde_json::from_str(row.current_summary()?).ok()?;
    (s.v == SUMMARY_VERSION).then_some(s)
}

/// Indexes a brief again from its log and updates `row` to match. A brief that does not
/// open is left out of the list (and logged), as it cannot be shown either.
async fn refresh(engine: &Engine, row: &mut IndexRow) {
    let id = row.brief.id;
    let made = async {
        // the newest row first: the document opened next holds at least that much
        let seq = engine.store().newest_seq(id).await?;
        let ob = engine.open_brief(id).await?;
        let ix = index_brief(&ob.brief);
        let summary = serde_json::to_string(&ix.summary).unwrap_or_default();
        engine
            .store()
            .put_index(id, seq, &summary, &ix.summary.title, &ix.body)
            .await?;
        Ok::<_, EngineError>((seq, summary))
    };
    match made.await {
        Ok((seq, summary)) => {
            row.newest_seq = seq;
            row.indexed = Some((seq, summary));
        }
        Err(e) => tracing::warn!(brief = %id, error = %e, "cannot index brief for the list"),
    }
}

/// Counts the sections others changed since this device's seen mark of the brief, from its
/// log as it is now, and stores the count with the newest row it was made from. `None` (and
/// logged) when the brief or its mark does not read.
async fn count_since(engine: &Engine, id: Uuid) -> Option<usize> {
    let made = async {
        let seq = engine.store().newest_seq(id).await?;
        let Some(mark) = engine.seen_mark(id).await? else {
            return Ok(None);
        };
        let ob = engine.open_brief(id).await?;
        let n = ob.brief.changed_since(&mark).len();
        engine.store().put_since_count(id, seq, n).await?;
        Ok::<_, EngineError>(Some(n))
    };
    made.await.unwrap_or_else(|e| {
        tracing::warn!(brief = %id, error = %e, "cannot count what changed since the last look");
        None
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_becomes_quoted_prefix_terms() {
        assert_eq!(fts_query("step 3").as_deref(), Some("\"step\"* \"3\"*"));
        assert_eq!(fts_query("  ").as_deref(), None);
        assert_eq!(fts_query("-- ** \" :").as_deref(), None);
        // operators and column filters are words to look for, not syntax
        assert_eq!(
            fts_query("title:NEAR(a OR b)").as_deref(),
            Some("\"title\"* \"NEAR\"* \"a\"* \"OR\"* \"b\"*")
        );
        assert_eq!(fts_query("café").as_deref(), Some("\"café\"*"));
    }

    fn entry(title: &str, updated_at: i64, created_at: i64) -> LibraryEntry {
        LibraryEntry {
            id: title.to_string(),
            title: title.to_string(),
            template: String::new(),
            template_label: String::new(),
            created_at,
            updated_at,
            signed: 0,
            stale: 0,
            open_concerns: 0,
            open_questions: 0,
            excerpt: String::new(),
            matched: String::new(),
            behind: 0,
            joining: None,
            changed: 0,
        }
    }

    #[test]
    fn the_list_sorts_by_last_change_creation_or_title() {
        let list = vec![
            entry("beta", 10, 3),
            entry("", 40, 4),
            entry("Alpha", 30, 1),
            entry("gamma", 20, 2),
        ];
        let order = |sort| {
            let mut l = list.clone();
            sort_entries(&mut l, sort);
            l.into_iter().map(|e| e.title).collect::<Vec<_>>()
        };
        assert_eq!(order(ListSort::Updated), ["", "Alpha", "gamma", "beta"]);
        assert_eq!(order(ListSort::Created), ["", "beta", "gamma", "Alpha"]);
        assert_eq!(order(ListSort::Title), ["Alpha", "beta", "gamma", ""]);
    }

    #[test]
    fn passages_drop_markers_and_are_empty_without_a_hit() {
        let s = format!("…the {HIT_START}needle{HIT_END}\n in  it…");
        assert_eq!(passage(&s), "…the needle in it…");
        assert_eq!(passage("just the start of the body"), "");
    }
}
