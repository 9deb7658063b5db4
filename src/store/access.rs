//! What this device keeps about sharing a brief: its secret and the secret's generation,
//! earlier secrets, and a join no member approved yet (table `brief_keys`). The roster and
//! invite records themselves are in the brief's document ([`crate::brief`]).

use super::*;
use crate::brief::JoinAnswer;
use crate::peer::Share;

/// A join's state from its `brief_keys` columns; `None` when there is no join code (a member).
pub(super) fn join_state_from(code: Option<&[u8]>, state: &str) -> Option<JoinState> {
    code?;
    Some(match state {
        "waiting" => JoinState::Waiting,
        "expired" => JoinState::Refused(JoinAnswer::Expired),
        "used" => JoinState::Refused(JoinAnswer::Used),
        "unknown" => JoinState::Refused(JoinAnswer::Unknown),
        "removed" => JoinState::Refused(JoinAnswer::Removed),
        _ => JoinState::Pending,
    })
}

/// A `brief_keys` row: brief id, secret, epoch, retired secrets, join code.
type ShareRow = (String, Vec<u8>, i64, Vec<u8>, Option<Vec<u8>>);

fn split_retired(blob: &[u8]) -> Vec<[u8; 32]> {
    blob.chunks_exact(32)
        .filter_map(|c| <[u8; 32]>::try_from(c).ok())
        .collect()
}

fn join_state_str(a: JoinAnswer) -> &'static str {
    match a {
        JoinAnswer::Admitted => "",
        JoinAnswer::Waiting => "waiting",
        JoinAnswer::Expired => "expired",
        JoinAnswer::Used => "used",
        JoinAnswer::Unknown => "unknown",
        JoinAnswer::Removed => "removed",
    }
}

/// Where this device's join of a brief stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum JoinState {
    /// No member answered yet (none reached).
    Pending,
    /// A member has the request; waiting for an approval.
    Waiting,
    /// Refused, with the reason.
    Refused(JoinAnswer),
}

impl JoinState {
    pub fn describe(self) -> &'static str {
        match self {
            JoinState::Pending => "waiting to reach a member of the brief",
            JoinState::Waiting => JoinAnswer::Waiting.describe(),
            JoinState::Refused(a) => a.describe(),
        }
    }
}

impl Store {
    /// The secret that grants access to a brief, if it is shared.
    pub async fn brief_secret(&self, brief: Uuid) -> Result<Option<[u8; 32]>, StoreError> {
        let row: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT secret FROM brief_keys WHERE brief_id = ?")
                .bind(brief.to_string())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|s| s.try_into().ok()))
    }

    /// Stores a brief's secret unless it already has one; returns the one in force.
    pub async fn set_brief_secret(
        &self,
        brief: Uuid,
        secret: &[u8; 32],
    ) -> Result<[u8; 32], StoreError> {
        sqlx::query("INSERT INTO brief_keys (brief_id, secret, created_at) VALUES (?, ?, ?) ON CONFLICT(brief_id) DO NOTHING")
            .bind(brief.to_string())
            .bind(secret.as_slice())
            .bind(now_ms())
            .execute(&self.pool)
            .await?;
        self.brief_secret(brief)
            .await?
            .ok_or_else(|| StoreError::Db("brief secret vanished".into()))
    }

    /// Records a join: the secret and invite code id from a code, presented to members until
    /// one approves this device. A brief this device already shares keeps its row.
    pub async fn set_join(
        &self,
        brief: Uuid,
        secret: &[u8; 32],
        code: &[u8; 8],
    ) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO brief_keys (brief_id, secret, created_at, join_code) VALUES (?, ?, ?, ?) ON CONFLICT(brief_id) DO NOTHING")
            .bind(brief.to_string())
            .bind(secret.as_slice())
            .bind(now_ms())
            .bind(code.as_slice())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A member's answer to this device's code: `Admitted` ends the join.
    pub async fn record_join_answer(
        &self,
        brief: Uuid,
        answer: JoinAnswer,
    ) -> Result<(), StoreError> {
        let q = if answer == JoinAnswer::Admitted {
            "UPDATE brief_keys SET join_code = NULL, join_state = ? WHERE brief_id = ?"
        } else {
            "UPDATE brief_keys SET join_state = ? WHERE brief_id = ? AND join_code IS NOT NULL"
        };
        sqlx::query(q)
            .bind(join_state_str(answer))
            .bind(brief.to_string())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Where this device's join of `brief` stands; `None` when it is a member (or the brief
    /// is not shared).
    pub async fn join_state(&self, brief: Uuid) -> Result<Option<JoinState>, StoreError> {
        let row: Option<(Option<Vec<u8>>, String)> =
            sqlx::query_as("SELECT join_code, join_state FROM brief_keys WHERE brief_id = ?")
                .bind(brief.to_string())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|(code, state)| join_state_from(code.as_deref(), &state)))
    }

    /// A device was removed here: the brief gets a new random secret, one generation on; the
    /// old one is kept to recognise members that have not heard yet. Returns the new epoch.
    pub async fn rotate_secret(&self, brief: Uuid) -> Result<u32, StoreError> {
        let fresh = crate::invite::new_secret()
            .map_err(|_| StoreError::Db("no randomness available".into()))?;
        self.replace_secret(brief, |epoch, _| Some((epoch.saturating_add(1), fresh)))
            .await?
            .ok_or_else(|| StoreError::Db("the brief is not shared".into()))
    }

    /// A member handed over a brief's newer secret: kept if `(epoch, secret)` is greater than
    /// the one held (the one held joins the earlier ones).
    pub async fn adopt_secret(
        &self,
        brief: Uuid,
        epoch: u32,
        secret: &[u8; 32],
    ) -> Result<bool, StoreError> {
        let secret = *secret;
        let adopted = self
            .replace_secret(brief, |held_epoch, held| {
                ((epoch, secret.as_slice()) > (held_epoch, held)).then_some((epoch, secret))
            })
            .await?;
        Ok(adopted.is_some())
    }

    /// In one transaction: reads the brief's secret and epoch, asks `next` for the new ones
    /// (`None`: keep), and keeps the old secret first among the retired ones. Returns the new
    /// epoch, or `None` when nothing changed (or the brief is not shared).
    async fn replace_secret(
        &self,
        brief: Uuid,
        next: impl FnOnce(u32, &[u8]) -> Option<(u32, [u8; 32])>,
    ) -> Result<Option<u32>, StoreError> {
        let mut tx = self.write_tx().await?;
        let row: Option<(Vec<u8>, i64, Vec<u8>)> =
            sqlx::query_as("SELECT secret, epoch, retired FROM brief_keys WHERE brief_id = ?")
                .bind(brief.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let Some((old, epoch, retired)) = row else {
            return Ok(None);
        };
        let Some((epoch, secret)) = next(u32::try_from(epoch).unwrap_or(0), &old) else {
            return Ok(None);
        };
        let mut kept = old;
        kept.extend_from_slice(&retired);
        sqlx::query("UPDATE brief_keys SET secret = ?, epoch = ?, retired = ? WHERE brief_id = ?")
            .bind(secret.as_slice())
            .bind(i64::from(epoch))
            .bind(kept)
            .bind(brief.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(epoch))
    }

    /// Every shared brief, as the peer machine takes it.
    pub async fn shares(&self) -> Result<Vec<Share>, StoreError> {
        let rows: Vec<ShareRow> = sqlx::query_as(
            "SELECT brief_id, secret, epoch, retired, join_code FROM brief_keys ORDER BY brief_id",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::new();
        for (id, secret, epoch, retired, join) in rows {
            if let (Ok(brief), Ok(secret)) = (Uuid::parse_str(&id), <[u8; 32]>::try_from(secret)) {
                out.push(Share {
                    brief,
                    secret,
                    epoch: u32::try_from(epoch).unwrap_or(0),
                    retired: split_retired(&retired),
                    join: join.and_then(|j| <[u8; 8]>::try_from(j).ok()),
                });
            }
        }
        Ok(out)
    }
}
