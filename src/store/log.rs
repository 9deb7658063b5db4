//! The document log: briefs, appending update rows, loading and checking them, and the rows
//! other processes wrote; the edit sessions stored with the updates they made.

use super::compaction::quarantine_row;
use super::*;
use crate::brief::{EditSession, Part};
use std::collections::BTreeMap;

impl Store {
    /// Records a brief (idempotent) before its first update is appended.
    pub async fn insert_brief(
        &self,
        id: Uuid,
        title: &str,
        template: &str,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO briefs (id, title, template, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT(id) DO NOTHING",
        )
        .bind(id.to_string())
        .bind(title)
        .bind(template)
        .bind(now)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn list_briefs(&self) -> Result<Vec<BriefRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, title, template, created_at, updated_at FROM briefs ORDER BY updated_at DESC, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(BriefRow::from_row(r)?)).collect()
    }

    /// Finds the brief whose id is `prefix` or starts with it.
    pub async fn resolve(&self, prefix: &str) -> Result<Uuid, StoreError> {
        let p = prefix.trim().to_ascii_lowercase();
        if p.is_empty() || !p.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            return Err(StoreError::NoSuchBrief(prefix.to_string()));
        }
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM briefs WHERE substr(id, 1, length(?1)) = ?1 LIMIT 10",
        )
        .bind(&p)
        .fetch_all(&self.pool)
        .await?;
        match ids.as_slice() {
            [] => Err(StoreError::NoSuchBrief(prefix.to_string())),
            [one] => Uuid::parse_str(one).map_err(|e| StoreError::Db(e.to_string())),
            many => Err(StoreError::Ambiguous {
                prefix: prefix.to_string(),
                count: many.len(),
            }),
        }
    }

    /// Appends a batch of v1 updates as one row, durably (the INSERT is its own transaction
    /// with `synchronous=FULL`). Also refreshes the title cache. Returns the row's seq.
    pub async fn append(
        &self,
        brief: Uuid,
        updates: &[Vec<u8>],
        title: Option<&str>,
    ) -> Result<i64, StoreError> {
        self.append_with_sessions(brief, updates, title, &[]).await
    }

    /// [`Store::append`] that also records the edit sessions these updates extend, in the
    /// same transaction: an acknowledged edit always has its session.
    pub async fn append_with_sessions(
        &self,
        brief: Uuid,
        updates: &[Vec<u8>],
        title: Option<&str>,
        sessions: &[EditSession],
    ) -> Result<i64, StoreError> {
        let payload = blob::encode_batch(updates.iter().map(|u| u.as_slice()));
        let data = blob::encode(BlobKind::UpdateBatch, &payload);
        let now = now_ms();
        let mut tx = self.write_tx().await?;
        let seq =
            sqlx::query("INSERT INTO brief_updates (brief_id, blob, created_at) VALUES (?, ?, ?)")
                .bind(brief.to_string())
                .bind(&data)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .last_insert_rowid();
        sqlx::query("UPDATE briefs SET updated_at = ?, title = COALESCE(?, title) WHERE id = ?")
            .bind(now)
            .bind(title)
            .bind(brief.to_string())
            .execute(&mut *tx)
            .await?;
        for session in sessions {
            let ends: BTreeMap<String, u32> = session
                .ends
                .iter()
                .map(|(c, e)| (c.to_string(), *e))
                .collect();
            sqlx::query(
                "INSERT INTO edit_sessions (brief_id, id, part, started_at, ended_at, ends)
                 VALUES (?, ?, ?, ?, ?, ?)
                 ON CONFLICT(brief_id, id) DO UPDATE SET
                   ended_at = excluded.ended_at, ends = excluded.ends",
            )
            .bind(brief.to_string())
            .bind(session.id.to_string())
            .bind(session.part.key())
            .bind(session.started_at)
            .bind(session.ended_at)
            .bind(serde_json::to_string(&ends).unwrap_or_default())
            .execute(&mut *tx)
            .await?;
        }
        if failpoint::hit("append.before_commit") {
            return Err(StoreError::Db("injected failure before commit".into()));
        }
        tx.commit().await?;
        Ok(seq)
    }

    /// This device's edit sessions in a brief, oldest first. A row that does not parse (a
    /// damaged file) is skipped with a warning: it only ever under-counts.
    pub async fn edit_sessions(&self, brief: Uuid) -> Result<Vec<EditSession>, StoreError> {
        let rows = sqlx::query(
            "SELECT brief_id, id, part, started_at, ended_at, ends FROM edit_sessions
             WHERE brief_id = ? ORDER BY started_at, id",
        )
        .bind(brief.to_string())
        .fetch_all(&self.pool)
        .await?;
        Ok(parse_sessions(rows)?.into_iter().map(|(_, s)| s).collect())
    }

    /// Every brief's edit sessions (for the brief list), in one query.
    pub async fn all_edit_sessions(&self) -> Result<Vec<(Uuid, EditSession)>, StoreError> {
        let rows = sqlx::query(
            "SELECT brief_id, id, part, started_at, ended_at, ends FROM edit_sessions
             ORDER BY brief_id, started_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        parse_sessions(rows)
    }

    /// Reads every row of a brief in order, checking each blob. Rows that fail are moved to
    /// the quarantine table (intact) and reported; the rest still load.
    pub async fn load(&self, brief: Uuid) -> Result<Loaded, StoreError> {
        let rows =
            sqlx::query("SELECT seq, blob FROM brief_updates WHERE brief_id = ? ORDER BY seq")
                .bind(brief.to_string())
                .fetch_all(&self.pool)
                .await?;
        let mut loaded = Loaded {
            rows: rows.len(),
            ..Loaded::default()
        };
        let mut bad: Vec<(i64, Vec<u8>, String)> = Vec::new();
        for row in &rows {
            let seq: i64 = row.try_get("seq")?;
            let data: Vec<u8> = row.try_get("blob")?;
            loaded.last_seq = seq;
            match check_row(&data) {
                Ok(mut updates) => {
                    loaded.updates.append(&mut updates);
                    loaded.seqs.push(seq);
                }
                Err(reason) => bad.push((seq, data, reason)),
            }
        }
        if !bad.is_empty() {
            let mut tx = self.write_tx().await?;
            for (seq, data, reason) in &bad {
                tracing::warn!(%brief, seq, %reason, "quarantining a damaged row");
                quarantine_row(&mut tx, brief, *seq, data, reason).await?;
            }
            tx.commit().await?;
            loaded.quarantined = bad
                .into_iter()
                .map(|(seq, _, reason)| Quarantined { seq, reason })
                .collect();
        }
        Ok(loaded)
    }

    /// Number of rows in a brief's log.
    pub async fn row_count(&self, brief: Uuid) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM brief_updates WHERE brief_id = ?")
                .bind(brief.to_string())
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// Rows in quarantine for a brief.
    pub async fn quarantined(&self, brief: Uuid) -> Result<Vec<Quarantined>, StoreError> {
        let rows = sqlx::query(
            "SELECT original_seq, reason FROM quarantine WHERE brief_id = ? ORDER BY id",
        )
        .bind(brief.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(Quarantined::from_row(r)?)).collect()
    }
}

impl Store {
    /// Rows appended after `seq`, any brief: (seq, brief). Lets a long-running process notice
    /// what other processes (the CLI) wrote to the same data directory.
    pub async fn rows_after(&self, seq: i64) -> Result<Vec<(i64, Uuid)>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, brief_id FROM brief_updates WHERE seq > ? ORDER BY seq LIMIT 10000",
        )
        .bind(seq)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for r in rows {
            let seq: i64 = r.try_get("seq")?;
            let id: String = r.try_get("brief_id")?;
            if let Ok(id) = Uuid::parse_str(&id) {
                out.push((seq, id));
            }
        }
        Ok(out)
    }

    /// The highest seq ever used (rows may have been compacted away since).
    pub async fn max_seq(&self) -> Result<i64, StoreError> {
        let v: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = 'brief_updates'")
                .fetch_optional(&self.pool)
                .await?;
        Ok(v.unwrap_or(0))
    }

    /// Decoded updates of the given rows of a brief (rows that fail checks are skipped; the
    /// next full load quarantines them).
    pub async fn load_rows(&self, brief: Uuid, seqs: &[i64]) -> Result<Vec<Update>, StoreError> {
        let mut out = Vec::new();
        for seq in seqs {
            let blob: Option<Vec<u8>> =
                sqlx::query_scalar("SELECT blob FROM brief_updates WHERE seq = ? AND brief_id = ?")
                    .bind(seq)
                    .bind(brief.to_string())
                    .fetch_optional(&self.pool)
                    .await?;
            if let Some(Ok(mut updates)) = blob.map(|b| check_row(&b)) {
                out.append(&mut updates);
            }
        }
        Ok(out)
    }
}

/// Checks a stored row (header, checksum, batch framing) and decodes every update in it. A
/// decoder panic (yrs overflows on some inconsistent input, found by the `stored_blob`
/// fuzzer) is this row's error, not the process's end.
pub fn check_row(data: &[u8]) -> Result<Vec<Update>, String> {
    std::panic::catch_unwind(|| decode_row(data))
        .unwrap_or_else(|_| Err("the row's update made the decoder panic".to_string()))
}

pub(super) fn decode_row(data: &[u8]) -> Result<Vec<Update>, String> {
    let (kind, payload) = blob::decode(data).map_err(|e| e.to_string())?;
    match kind {
        BlobKind::Snapshot => Ok(vec![
            Update::decode_v2(payload).map_err(|e| format!("snapshot does not decode: {e}"))?
        ]),
        BlobKind::SnapshotV1Deflate => {
            let raw =
                blob::inflate(payload).map_err(|e| format!("snapshot does not inflate: {e}"))?;
            Ok(vec![
                Update::decode_v1(&raw).map_err(|e| format!("snapshot does not decode: {e}"))?
            ])
        }
        BlobKind::UpdateBatch => blob::decode_batch(payload)
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|u| Update::decode_v1(u).map_err(|e| format!("update does not decode: {e}")))
            .collect(),
    }
}

/// Applies updates to the compaction document. yrs can panic on inconsistent input; that
/// becomes an error for this row instead of taking the process down.
pub(super) fn apply_all(doc: &yrs::Doc, updates: Vec<Update>) -> Result<(), String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for u in updates {
            let mut txn = doc.transact_mut();
            txn.apply_update(u).map_err(|e| e.to_string())?;
        }
        Ok(())
    }))
    .unwrap_or_else(|_| Err("the update could not be applied (yrs panicked)".into()))
}

/// Edit session rows as read: a row that does not parse (a damaged file) is skipped with a
/// warning; it only ever under-counts.
fn parse_sessions(
    rows: Vec<sqlx::sqlite::SqliteRow>,
) -> Result<Vec<(Uuid, EditSession)>, StoreError> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let brief: String = r.try_get("brief_id")?;
        let id: String = r.try_get("id")?;
        let part: String = r.try_get("part")?;
        let ends: String = r.try_get("ends")?;
        let parsed = (
            Uuid::parse_str(&id).ok(),
            Uuid::parse_str(&brief).ok(),
            Part::from_key(&part),
            serde_json::from_str::<BTreeMap<String, u32>>(&ends).ok(),
        );
        let (Some(id), Some(brief), Some(part), Some(ends)) = parsed else {
            tracing::warn!(%brief, %id, "edit session row skipped: it does not parse");
            continue;
        };
        out.push((
            brief,
            EditSession {
                id,
                part,
                started_at: r.try_get("started_at")?,
                ended_at: r.try_get("ended_at")?,
                ends: ends
                    .into_iter()
                    .filter_map(|(c, e)| Some((c.parse().ok()?, e)))
                    .collect(),
                owed: false,
                ticked: false,
            },
        ));
    }
    Ok(out)
}
