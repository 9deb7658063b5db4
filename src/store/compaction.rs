//! Compaction: a brief's rows replaced by one verified snapshot in one transaction, and
//! quarantining rows that fail their checks.

use super::log::apply_all;
use super::*;
use crate::blob::Effort;

impl Store {
    /// Replaces a brief's rows by one snapshot holding the same state, in one transaction:
    /// a crash at any point leaves either the old rows or the new snapshot, never neither.
    /// Then returns freed pages to the file system.
    pub async fn compact(&self, brief: Uuid) -> Result<CompactReport, StoreError> {
        let mut tx = self.write_tx().await?;
        // The first statement writes, so the transaction holds the write lock from here on
        // and no other writer can append between our read and our delete.
        sqlx::query("UPDATE briefs SET compacted_at = ? WHERE id = ?")
            .bind(now_ms())
            .bind(brief.to_string())
            .execute(&mut *tx)
            .await?;
        let rows =
            sqlx::query("SELECT seq, blob FROM brief_updates WHERE brief_id = ? ORDER BY seq")
                .bind(brief.to_string())
                .fetch_all(&mut *tx)
                .await?;
        let doc = crate::brief::new_doc(brief, 1);
        let mut max_seq = 0i64;
        let mut quarantined = 0usize;
        for row in &rows {
            let seq: i64 = row.try_get("seq")?;
            let data: Vec<u8> = row.try_get("blob")?;
            max_seq = seq;
            let applied = check_row(&data).and_then(|updates| apply_all(&doc, updates));
            if let Err(reason) = applied {
                quarantine_row(&mut tx, brief, seq, &data, &reason).await?;
                quarantined += 1;
            }
        }
        if failpoint::hit("compact.before_insert") {
            return Err(StoreError::Compaction(
                "injected failure before insert".into(),
            ));
        }
        // A state with pending structs (updates waiting for missing dependencies) is not
        // snapshotted: yrs folds them in with merge_updates, which can mangle them, and the
        // state-vector check cannot see it. The rows stay until the gap is filled.
        if crate::brief::waits_for_missing(&doc.transact()) {
            return Err(StoreError::Compaction(
                "the log waits for missing changes; compaction postponed, rows kept".into(),
            ));
        }
        let (snapshot, expected_sv) =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let txn = doc.transact();
                (
                    txn.encode_state_as_update_v1(&StateVector::default()),
                    txn.state_vector(),
                )
            }))
            .map_err(|_| StoreError::Compaction("the document could not be encoded".into()))?;
        let (snapshot_bytes, _) = finish_compaction(
            &mut tx,
            brief,
            &snapshot,
            &expected_sv,
            max_seq,
            Effort::Smallest,
        )
        .await?;
        tx.commit().await?;
        if failpoint::hit("compact.after_commit") {
            return Err(StoreError::Compaction(
                "injected failure after commit".into(),
            ));
        }
        // Space reclamation; failure here loses nothing.
        if let Err(e) = self.reclaim().await {
            tracing::warn!(error = %e, "could not reclaim space after compaction");
        }
        Ok(CompactReport {
            rows_before: rows.len(),
            snapshot_bytes,
            quarantined,
        })
    }

    /// Compacts using a state the caller holds (the live document, v1-encoded, with its state
    /// vector), provided the
    /// brief's log holds exactly the rows `known` — the rows the caller loaded or appended, so
    /// its document contains all of them. Returns `None` (and changes nothing) when another
    /// process changed the log meanwhile; the caller then uses [`Store::compact`].
    pub async fn compact_from_state(
        &self,
        brief: Uuid,
        known: &[i64],
        state_v1: &[u8],
        expected_sv: &StateVector,
    ) -> Result<Option<i64>, StoreError> {
        let Some(&max_seq) = known.last() else {
            return Ok(None);
        };
        let mut tx = self.write_tx().await?;
        sqlx::query("UPDATE briefs SET compacted_at = ? WHERE id = ?")
            .bind(now_ms())
            .bind(brief.to_string())
            .execute(&mut *tx)
            .await?;
        let seqs: Vec<i64> =
            sqlx::query_scalar("SELECT seq FROM brief_updates WHERE brief_id = ? ORDER BY seq")
                .bind(brief.to_string())
                .fetch_all(&mut *tx)
                .await?;
        if seqs != known {
            tx.rollback().await?;
            return Ok(None);
        }
        if failpoint::hit("compact.before_insert") {
            return Err(StoreError::Compaction(
                "injected failure before insert".into(),
            ));
        }
        let (_, seq) =
            finish_compaction(&mut tx, brief, state_v1, expected_sv, max_seq, Effort::Fast).await?;
        tx.commit().await?;
        if let Err(e) = self.reclaim().await {
            tracing::warn!(error = %e, "could not reclaim space after compaction");
        }
        Ok(Some(seq))
    }

    /// Checkpoints the WAL into the main file and returns free pages to the file system.
    pub async fn reclaim(&self) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        sqlx::query("PRAGMA incremental_vacuum")
            .execute(&mut *conn)
            .await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut *conn)
            .await?;
        Ok(())
    }
}

/// Builds the snapshot blob from a v1 state and proves it reads back: decoded into a fresh
/// document it must give `expected_sv`. Nothing is deleted unless it does.
pub(super) fn snapshot_blob(
    brief: Uuid,
    state_v1: &[u8],
    expected_sv: &StateVector,
    effort: Effort,
) -> Result<Vec<u8>, StoreError> {
    let data = blob::encode(
        BlobKind::SnapshotV1Deflate,
        &blob::deflate(state_v1, effort),
    );
    let check = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let updates = check_row(&data)?;
        let doc = crate::brief::new_doc(brief, 2);
        apply_all(&doc, updates)?;
        let txn = doc.transact();
        let sv = txn.state_vector();
        if crate::brief::waits_for_missing(&txn) {
            return Err("snapshot reads back with pending structs".to_string());
        }
        if &sv == expected_sv {
            Ok(())
        } else {
            Err(format!(
                "snapshot reads back as {sv:?}, expected {expected_sv:?}"
            ))
        }
    }))
    .unwrap_or_else(|_| Err("verifying the snapshot panicked".into()));
    check.map_err(|e| {
        StoreError::Compaction(format!("snapshot failed verification, rows kept: {e}"))
    })?;
    Ok(data)
}

/// Inserts the (verified) snapshot and deletes the rows it replaces (seq <= `max_seq`), inside
/// the caller's transaction. Returns the blob size and the snapshot's seq.
pub(super) async fn finish_compaction(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    brief: Uuid,
    state_v1: &[u8],
    expected_sv: &StateVector,
    max_seq: i64,
    effort: Effort,
) -> Result<(usize, i64), StoreError> {
    let data = snapshot_blob(brief, state_v1, expected_sv, effort)?;
    let seq =
        sqlx::query("INSERT INTO brief_updates (brief_id, blob, created_at) VALUES (?, ?, ?)")
            .bind(brief.to_string())
            .bind(&data)
            .bind(now_ms())
            .execute(&mut **tx)
            .await?
            .last_insert_rowid();
    if failpoint::hit("compact.after_insert") {
        return Err(StoreError::Compaction(
            "injected failure after insert".into(),
        ));
    }
    sqlx::query("DELETE FROM brief_updates WHERE brief_id = ? AND seq <= ?")
        .bind(brief.to_string())
        .bind(max_seq)
        .execute(&mut **tx)
        .await?;
    if failpoint::hit("compact.after_delete") {
        return Err(StoreError::Compaction(
            "injected failure after delete".into(),
        ));
    }
    Ok((data.len(), seq))
}

pub(super) async fn quarantine_row(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    brief: Uuid,
    seq: i64,
    data: &[u8],
    reason: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO quarantine (brief_id, original_seq, blob, reason, quarantined_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(brief.to_string())
    .bind(seq)
    .bind(data)
    .bind(reason)
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM brief_updates WHERE seq = ?")
        .bind(seq)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
