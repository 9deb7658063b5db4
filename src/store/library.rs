//! The library index's rows (`brief_index`, `brief_search`, migration 0007): what the brief
//! list shows of each brief and SQLite FTS5 over its words, stamped with the newest log row
//! they were made from; and the "since you last looked" counts (`brief_since`, migration 0008)
//! with the seen marks they are counted against. What goes into them is `crate::library`'s
//! business.

use super::access::{join_state_from, JoinState};
use super::*;
use std::collections::HashMap;

/// A brief's row as the library reads it: the brief, the newest row of its log, and its
/// index entry if it has one.
#[derive(Debug, Clone)]
pub struct IndexRow {
    pub brief: BriefRow,
    /// The newest `brief_updates.seq` of the brief (0: no rows).
    pub newest_seq: i64,
    /// The seq its index entry was made from, and that entry's summary JSON.
    pub indexed: Option<(i64, String)>,
}

impl IndexRow {
    /// The index entry, if it was made from the brief's newest row.
    pub fn current_summary(&self) -> Option<&str> {
        match &self.indexed {
            Some((seq, summary)) if *seq == self.newest_seq => Some(summary),
            _ => None,
        }
    }
}

/// One brief that a search matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub brief: Uuid,
    /// The passage of the body around the hits, each hit between [`HIT_START`] and
    /// [`HIT_END`]; no markers when only the title matched.
    pub snippet: String,
}

/// Marks the start of a hit in [`SearchHit::snippet`] (a private-use character).
pub const HIT_START: char = '\u{E000}';
/// Marks the end of a hit in [`SearchHit::snippet`].
pub const HIT_END: char = '\u{E001}';

/// What the brief list depends on, in a few numbers: the newest log row (every change to
/// any brief, its title, sign-offs and edit sessions included, writes one), the briefs, the
/// index, what peers said they hold, and where joins stand. Equal fingerprints: the list
/// reads the same.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Fingerprint {
    newest_seq: i64,
    briefs: i64,
    newest_index: i64,
    peer_states: i64,
    peer_updated: i64,
    joins: String,
    since: String,
}

impl Store {
    /// The store's [`Fingerprint`] now.
    pub async fn fingerprint(&self) -> Result<Fingerprint, StoreError> {
        Ok(sqlx::query_as(
            "SELECT COALESCE((SELECT MAX(seq) FROM brief_updates), 0) AS newest_seq,
                    (SELECT COUNT(*) FROM briefs) AS briefs,
                    COALESCE((SELECT MAX(indexed_seq) FROM brief_index), 0) AS newest_index,
                    (SELECT COUNT(*) FROM peer_state) AS peer_states,
                    COALESCE((SELECT MAX(updated_at) FROM peer_state), 0) AS peer_updated,
                    COALESCE((SELECT group_concat(brief_id || '=' || join_state, ',')
                              FROM brief_keys WHERE join_code IS NOT NULL), '') AS joins,
                    COALESCE((SELECT group_concat(brief_id || '=' || counted_seq || '=' || sections, ',')
                              FROM brief_since), '') AS since",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// Every brief with its newest log row and index entry, most recently changed first.
    pub async fn index_rows(&self) -> Result<Vec<IndexRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT b.id, b.title, b.template, b.created_at, b.updated_at,
                    COALESCE((SELECT MAX(u.seq) FROM brief_updates u WHERE u.brief_id = b.id), 0)
                      AS newest_seq,
                    i.indexed_seq, i.summary
             FROM briefs b LEFT JOIN brief_index i ON i.brief_id = b.id
             ORDER BY b.updated_at DESC, b.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                let indexed_seq: Option<i64> = r.try_get("indexed_seq")?;
                let summary: Option<String> = r.try_get("summary")?;
                Ok(IndexRow {
                    brief: BriefRow::from_row(r)?,
                    newest_seq: r.try_get("newest_seq")?,
                    indexed: indexed_seq.zip(summary),
                })
            })
            .collect()
    }

    /// The newest `brief_updates.seq` of a brief (0: no rows).
    pub async fn newest_seq(&self, brief: Uuid) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar(
                "SELECT COALESCE(MAX(seq), 0) FROM brief_updates WHERE brief_id = ?",
            )
            .bind(brief.to_string())
            .fetch_one(&self.pool)
            .await?,
        )
    }

    /// Stores this device's seen mark of a brief (`seen:<brief id>` in settings) and, in the
    /// same transaction, that nothing changed since it: the list's count starts again at 0
    /// from the brief's newest row.
    pub async fn put_seen_mark(&self, brief: Uuid, mark: &str) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .bind(crate::brief::seen_key(brief))
        .bind(mark)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO brief_since (brief_id, counted_seq, sections)
             VALUES (?1, COALESCE((SELECT MAX(seq) FROM brief_updates WHERE brief_id = ?1), 0), 0)
             ON CONFLICT(brief_id) DO UPDATE SET
               counted_seq = excluded.counted_seq, sections = 0",
        )
        .bind(brief.to_string())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every brief with a seen mark, and its "since" count if one was made: the newest log
    /// row it was counted from and how many sections others changed.
    pub async fn since_counts(&self) -> Result<HashMap<Uuid, Option<(i64, usize)>>, StoreError> {
        let rows = sqlx::query(
            "SELECT substr(s.key, 6) AS brief, c.counted_seq, c.sections
             FROM settings s LEFT JOIN brief_since c ON c.brief_id = substr(s.key, 6)
             WHERE s.key LIKE 'seen:%'",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = HashMap::new();
        for r in rows {
            let brief: String = r.try_get("brief")?;
            let Ok(brief) = Uuid::parse_str(&brief) else {
                continue;
            };
            let seq: Option<i64> = r.try_get("counted_seq")?;
            let sections: Option<i64> = r.try_get("sections")?;
            out.insert(
                brief,
                seq.zip(sections).map(|(q, n)| (q, n.max(0) as usize)),
            );
        }
        Ok(out)
    }

    /// Stores how many sections others changed since the seen mark, counted from the log up
    /// to `seq` (a count from a newer row, made meanwhile, is kept).
    pub async fn put_since_count(
        &self,
        brief: Uuid,
        seq: i64,
        sections: usize,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO brief_since (brief_id, counted_seq, sections) VALUES (?, ?, ?)
             ON CONFLICT(brief_id) DO UPDATE SET
               counted_seq = excluded.counted_seq, sections = excluded.sections
             WHERE excluded.counted_seq >= brief_since.counted_seq",
        )
        .bind(brief.to_string())
        .bind(seq)
        .bind(sections as i64)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Stores a brief's index entry made from its log up to `seq`, with the words search
    /// finds. An entry made from a newer row (another process indexed meanwhile) is kept.
    pub async fn put_index(
        &self,
        brief: Uuid,
        seq: i64,
        summary: &str,
        title: &str,
        body: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO brief_index (brief_id, indexed_seq, summary) VALUES (?, ?, ?)
             ON CONFLICT(brief_id) DO UPDATE SET
               indexed_seq = excluded.indexed_seq, summary = excluded.summary
             WHERE excluded.indexed_seq >= brief_index.indexed_seq
             RETURNING id",
        )
        .bind(brief.to_string())
        .bind(seq)
        .bind(summary)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = id {
            sqlx::query("DELETE FROM brief_search WHERE rowid = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            sqlx::query("INSERT INTO brief_search (rowid, title, body) VALUES (?, ?, ?)")
                .bind(id)
                .bind(title)
                .bind(body)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The briefs whose indexed words match an FTS5 query (build it with
    /// `crate::library::fts_query`, which quotes member text), each with its passage.
    pub async fn search(&self, fts_query: &str) -> Result<Vec<SearchHit>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT i.brief_id, snippet(brief_search, 1, char(57344), char(57345), '…', 20)
             FROM brief_search JOIN brief_index i ON i.id = brief_search.rowid
             WHERE brief_search MATCH ?",
        )
        .bind(fts_query)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, snippet)| {
                Ok(SearchHit {
                    brief: Uuid::parse_str(&id).map_err(|e| StoreError::Db(e.to_string()))?,
                    snippet,
                })
            })
            .collect()
    }

    /// The briefs whose indexed words match an FTS5 query, without passages (cheap for any
    /// number of hits).
    pub async fn search_ids(&self, fts_query: &str) -> Result<Vec<Uuid>, StoreError> {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT i.brief_id FROM brief_search JOIN brief_index i ON i.id = brief_search.rowid
             WHERE brief_search MATCH ?",
        )
        .bind(fts_query)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|id| Uuid::parse_str(id).map_err(|e| StoreError::Db(e.to_string())))
            .collect()
    }

    /// [`Store::search`] limited to these briefs: the passages of the ones a screen shows.
    pub async fn search_among(
        &self,
        fts_query: &str,
        briefs: &[Uuid],
    ) -> Result<Vec<SearchHit>, StoreError> {
        let ids = serde_json::to_string(&briefs.iter().map(Uuid::to_string).collect::<Vec<_>>())
            .unwrap_or_default();
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT i.brief_id, snippet(brief_search, 1, char(57344), char(57345), '…', 20)
             FROM brief_search JOIN brief_index i ON i.id = brief_search.rowid
             WHERE brief_search MATCH ?1 AND i.brief_id IN (SELECT value FROM json_each(?2))",
        )
        .bind(fts_query)
        .bind(ids)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, snippet)| {
                Ok(SearchHit {
                    brief: Uuid::parse_str(&id).map_err(|e| StoreError::Db(e.to_string()))?,
                    snippet,
                })
            })
            .collect()
    }

    /// Where this device's join stands for every brief it is joining.
    pub async fn join_states(&self) -> Result<HashMap<Uuid, JoinState>, StoreError> {
        let rows: Vec<(String, Option<Vec<u8>>, String)> =
            sqlx::query_as("SELECT brief_id, join_code, join_state FROM brief_keys")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, code, state)| {
                let id = Uuid::parse_str(&id).ok()?;
                join_state_from(code.as_deref(), &state).map(|s| (id, s))
            })
            .collect())
    }
}
