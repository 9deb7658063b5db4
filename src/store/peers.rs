//! What sync keeps about others: peers, their state vectors, presence, and
//! the merge receipt of what arrived from them after being apart.

use super::*;
use crate::brief::MergeReceipt;

/// A peer this device knows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct PeerRow {
    pub device: String,
    pub name: String,
    pub address: String,
    pub source: String,
    pub last_seen: i64,
}

/// What a peer is known to hold of a brief.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PeerStateRow {
    pub device: String,
    pub name: String,
    pub state_vector: Vec<u8>,
    pub updated_at: i64,
    pub last_seen: i64,
}

impl Store {
    pub async fn upsert_peer(
        &self,
        device: &str,
        name: &str,
        address: &str,
        source: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO peers (device, name, address, source, last_seen) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT(device) DO UPDATE SET
               name = CASE WHEN excluded.name = '' THEN peers.name ELSE excluded.name END,
               address = CASE WHEN excluded.address = '' THEN peers.address ELSE excluded.address END,
               source = CASE WHEN excluded.source = '' THEN peers.source ELSE excluded.source END,
               last_seen = excluded.last_seen",
        )
        .bind(device)
        .bind(name)
        .bind(address)
        .bind(source)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn peers(&self) -> Result<Vec<PeerRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT device, name, address, source, last_seen FROM peers ORDER BY last_seen DESC",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(|r| Ok(PeerRow::from_row(r)?)).collect()
    }

    pub async fn set_peer_state(
        &self,
        device: &str,
        brief: Uuid,
        state_vector: &[u8],
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO peer_state (device, brief_id, state_vector, updated_at) VALUES (?, ?, ?, ?)
             ON CONFLICT(device, brief_id) DO UPDATE SET state_vector = excluded.state_vector, updated_at = excluded.updated_at",
        )
        .bind(device)
        .bind(brief.to_string())
        .bind(state_vector)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn peer_states(&self, brief: Uuid) -> Result<Vec<PeerStateRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.device, COALESCE(p.name, '') AS name, s.state_vector, s.updated_at, COALESCE(p.last_seen, s.updated_at) AS last_seen
             FROM peer_state s LEFT JOIN peers p ON p.device = s.device WHERE s.brief_id = ? ORDER BY name, s.device",
        )
        .bind(brief.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok(PeerStateRow::from_row(r)?))
            .collect()
    }

    /// Every peer state vector of every brief, as (brief, device, state vector), in one query.
    pub async fn all_peer_states(&self) -> Result<Vec<(Uuid, String, Vec<u8>)>, StoreError> {
        let rows = sqlx::query("SELECT brief_id, device, state_vector FROM peer_state")
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let brief: String = r.try_get("brief_id")?;
            if let Ok(brief) = Uuid::parse_str(&brief) {
                out.push((brief, r.try_get("device")?, r.try_get("state_vector")?));
            }
        }
        Ok(out)
    }

    /// Addresses the person added by hand (networks that block multicast): dialed whenever
    /// the peer runs. Kept in `settings` as `manual_peers` (JSON list).
    pub async fn manual_addresses(&self) -> Result<Vec<String>, StoreError> {
        Ok(self
            .setting("manual_peers")
            .await?
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default())
    }

    /// Adds an address to [`Store::manual_addresses`]; false if it was there already.
    pub async fn add_manual_address(&self, addr: &str) -> Result<bool, StoreError> {
        let mut all = self.manual_addresses().await?;
        if all.iter().any(|a| a == addr) {
            return Ok(false);
        }
        all.push(addr.to_string());
        let json = serde_json::to_string(&all).map_err(|e| StoreError::Db(e.to_string()))?;
        self.set_setting("manual_peers", &json).await?;
        Ok(true)
    }

    /// Adds what a catch-up merged to the brief's open receipt (one transaction).
    pub async fn add_receipt(&self, brief: Uuid, receipt: &MergeReceipt) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        let held: Option<String> =
            sqlx::query_scalar("SELECT receipt FROM merge_receipts WHERE brief_id = ?")
                .bind(brief.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let mut open: MergeReceipt = held
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default();
        open.add(receipt.clone());
        let json = serde_json::to_string(&open).map_err(|e| StoreError::Db(e.to_string()))?;
        sqlx::query(
            "INSERT INTO merge_receipts (brief_id, receipt, updated_at) VALUES (?, ?, ?)
             ON CONFLICT(brief_id) DO UPDATE SET receipt = excluded.receipt, updated_at = excluded.updated_at",
        )
        .bind(brief.to_string())
        .bind(json)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The brief's open merge receipt, if any (a row that does not parse counts as none).
    pub async fn receipt(&self, brief: Uuid) -> Result<Option<MergeReceipt>, StoreError> {
        let held: Option<String> =
            sqlx::query_scalar("SELECT receipt FROM merge_receipts WHERE brief_id = ?")
                .bind(brief.to_string())
                .fetch_optional(&self.pool)
                .await?;
        Ok(held.and_then(|j| serde_json::from_str(&j).ok()))
    }

    /// The person dismissed the receipt.
    pub async fn dismiss_receipt(&self, brief: Uuid) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM merge_receipts WHERE brief_id = ?")
            .bind(brief.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Replaces the presence rows of a brief (what the running peer currently sees).
    pub async fn set_presence(
        &self,
        brief: Uuid,
        states: &[(u64, String)],
    ) -> Result<(), StoreError> {
        let mut tx = self.write_tx().await?;
        sqlx::query("DELETE FROM presence WHERE brief_id = ?")
            .bind(brief.to_string())
            .execute(&mut *tx)
            .await?;
        for (client, state) in states {
            sqlx::query(
                "INSERT INTO presence (brief_id, client_id, state, updated_at) VALUES (?, ?, ?, ?)",
            )
            .bind(brief.to_string())
            .bind(*client as i64)
            .bind(state)
            .bind(now_ms())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Presence rows of a brief written within the last `max_age_ms`.
    pub async fn presence(&self, brief: Uuid, max_age_ms: i64) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT state FROM presence WHERE brief_id = ? AND updated_at >= ? ORDER BY client_id",
        )
        .bind(brief.to_string())
        .bind(now_ms() - max_age_ms)
        .fetch_all(&self.pool)
        .await?)
    }
}
