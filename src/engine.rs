//! The engine: one data directory's store plus this device's identity, and the operations that
//! need both — creating, opening and flushing briefs. Front ends (CLI, desktop shell, sync
//! service) call this; it knows nothing about them.
//!
//! Acknowledgement: an edit is acknowledged when the [`Engine::flush`] (or
//! [`Engine::store_outbox`], its storing half) that carried it returned `Ok`. Edits between
//! flushes live in the brief's outbox; a flush writes them as one row
//! (group commit), so callers choose the trade-off between fsyncs and latency.

use crate::brief::{Brief, BriefError};
use crate::identity::{self, Identity, IdentityError};
use crate::model::{Role, Template};
use crate::store::{BriefRow, CompactReport, Quarantined, Store, StoreError};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use uuid::Uuid;

/// A brief's log is compacted once this many rows were appended since its last snapshot, so
/// opening stays fast and each compaction replays a bounded tail.
pub const COMPACT_AFTER_ROWS: usize = 128;

/// ... or once this many bytes were appended since then, whichever comes first: a few large
/// rows (a fast typist's group commits, a pasted document) would otherwise leave a long log
/// to replay at every open. For a brief whose state is larger than this, the bytes threshold
/// is the size of its state at the last snapshot this engine wrote: a compaction costs about
/// that much (encoding, compressing and reading the snapshot back), so compacting every
/// 256 KB spent more on compaction than on storing what was typed once a brief grew large
/// (the automerge-paper replay compacted 29 times); with it, compaction work stays in
/// proportion to what is written, and the log replayed at open is never longer than the
/// state it follows.
pub const COMPACT_AFTER_BYTES: usize = 256 << 10;

/// What this engine knows of a brief's log: the rows whose content its document holds, the
/// bytes it appended since the last compaction, and the size of the (v1) state it last
/// snapshotted (0 until it wrote one).
#[derive(Debug, Default)]
struct Log {
    rows: Vec<i64>,
    bytes: usize,
    state: usize,
}

impl Log {
    /// Whether enough was appended since the last snapshot to compact again.
    fn due(&self, row_limit: usize) -> bool {
        self.rows.len() >= row_limit || self.bytes >= COMPACT_AFTER_BYTES.max(self.state)
    }

    /// Whether the tail this engine appended after its last snapshot is worth folding in
    /// when the brief is put away ([`Engine::settle`]): a quarter of the state it follows
    /// (at least [`SETTLE_AFTER_BYTES`]), so the next open replays little besides the snapshot.
    fn worth_settling(&self) -> bool {
        self.state > 0 && self.bytes >= SETTLE_AFTER_BYTES.max(self.state / 4)
    }
}

/// The least tail [`Engine::settle`] compacts.
pub const SETTLE_AFTER_BYTES: usize = 16 << 10;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Brief(#[from] BriefError),
    #[error(transparent)]
    Identity(#[from] IdentityError),
}

/// What [`Engine::store_outbox`] stored: how many updates, and an automatic compaction it
/// found due.
#[derive(Debug, Default)]
pub struct Stored {
    pub count: usize,
    pub compaction: Option<CompactionDue>,
}

/// An automatic compaction that is due: the log rows the live document holds.
#[derive(Debug)]
pub struct CompactionDue {
    known: Vec<i64>,
}

/// A brief loaded from the store, with anything that was quarantined on the way.
pub struct OpenBrief {
    pub brief: Brief,
    pub quarantined: Vec<Quarantined>,
}

pub struct Engine {
    store: Store,
    identity: Identity,
    data_dir: PathBuf,
    /// Seqs of each open brief's log rows that this process loaded or appended.
    logs: Mutex<HashMap<Uuid, Log>>,
    compact_after: Option<usize>,
}

/// The platform's default data directory (e.g. `~/.local/share/groundwork` on Linux).
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "groundwork").map(|d| d.data_dir().to_path_buf())
}

impl Engine {
    /// Opens the data directory, creating the database and this device's identity on first use.
    pub async fn open(data_dir: &Path) -> Result<Engine, EngineError> {
        let store = Store::open(data_dir).await?;
        let identity = match store.load_identity().await? {
            Some(id) => id,
            None => {
                let id = Identity::generate(&identity::default_name(), Role::Pm)?;
                store.save_identity(&id).await?;
                tracing::info!(device = %id.device_id(), "created a new device identity");
                id
            }
        };
        Ok(Engine {
            store,
            identity,
            data_dir: data_dir.to_path_buf(),
            logs: Mutex::new(HashMap::new()),
            compact_after: Some(COMPACT_AFTER_ROWS),
        })
    }

    /// Sets the automatic compaction threshold in rows (`None`: never compact by itself).
    pub fn set_compact_after(&mut self, rows: Option<usize>) {
        self.compact_after = rows;
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Changes this device's display name and/or default role.
    pub async fn set_identity(
        &mut self,
        name: Option<&str>,
        role: Option<Role>,
    ) -> Result<(), EngineError> {
        let mut next = self.identity.clone();
        if let Some(name) = name {
            let name = name.trim();
            if name.is_empty() {
                return Err(IdentityError::EmptyName.into());
            }
            next.name = name.to_string();
        }
        if let Some(role) = role {
            next.role = role;
        }
        self.store.save_identity(&next).await?;
        self.identity = next;
        Ok(())
    }

    /// Creates a brief and stores it durably.
    pub async fn create(&self, title: &str, template: Template) -> Result<Brief, EngineError> {
        let brief = Brief::create(title, template, self.identity.member(None));
        brief.store_only();
        self.store
            .insert_brief(brief.id(), title, template.as_str())
            .await?;
        self.flush(&brief).await?;
        Ok(brief)
    }

    /// Creates an empty brief with a known id (joining, importing under an id).
    pub async fn adopt(&self, id: Uuid) -> Result<Brief, EngineError> {
        self.store
            .insert_brief(id, "", Template::ProblemFirst.as_str())
            .await?;
        let brief = Brief::empty(id, self.identity.member(None));
        brief.store_only();
        Ok(brief)
    }

    /// Resolves an id or unique id prefix.
    pub async fn resolve(&self, prefix: &str) -> Result<Uuid, EngineError> {
        Ok(self.store.resolve(prefix).await?)
    }

    /// Loads a brief from the store. Damaged rows are quarantined and reported; the rest of the
    /// brief still opens.
    pub async fn open_brief(&self, id: Uuid) -> Result<OpenBrief, EngineError> {
        let loaded = self.store.load(id).await?;
        self.set_log(id, loaded.seqs.clone(), 0);
        let brief = Brief::loaded(id, self.identity.member(None), loaded.updates)?;
        let brief = brief.ensure_unique_client();
        brief.store_only();
        // a schema-1 brief is migrated as it opens (deterministically: see body::migrate);
        // stored now if it can be, else with the next flush (it is in the outbox)
        if brief.migrate()? {
            tracing::info!(brief = %id, "migrated to document schema 2");
            if let Err(e) = self.flush(&brief).await {
                tracing::warn!(brief = %id, error = %e, "migration not stored yet");
            }
        }
        for q in &loaded.quarantined {
            tracing::warn!(brief = %id, seq = q.seq, reason = %q.reason, "row quarantined");
        }
        brief.load_edit_sessions(self.store.edit_sessions(id).await?);
        Ok(OpenBrief {
            brief,
            quarantined: loaded.quarantined,
        })
    }

    /// Durably stores the brief's local edits since the last flush. When this returns `Ok`
    /// they are acknowledged: they survive a crash or kill -9. On error they stay queued.
    /// Then compacts the log if that is due ([`Engine::store_outbox`] and
    /// [`Engine::compact_due`] in one call).
    pub async fn flush(&self, brief: &Brief) -> Result<usize, EngineError> {
        let stored = self.store_outbox(brief).await?;
        if let Some(due) = stored.compaction {
            self.compact_due(brief, due).await;
        }
        Ok(stored.count)
    }

    /// [`Engine::flush`] for a brief being put away (the end of a CLI command that wrote a
    /// lot, a running peer's shutdown): also compacts the log when what this engine appended
    /// since its last snapshot is worth it ([`Log::worth_settling`]), so the next open loads
    /// a snapshot and little else. A failed compaction loses nothing (it is logged).
    pub async fn settle(&self, brief: &Brief) -> Result<usize, EngineError> {
        let count = self.flush(brief).await?;
        let known = {
            let map = self.logs.lock().unwrap_or_else(|p| p.into_inner());
            map.get(&brief.id())
                .filter(|log| log.worth_settling())
                .map(|log| log.rows.clone())
        };
        if let Some(known) = known {
            self.compact_due(brief, CompactionDue { known }).await;
        }
        Ok(count)
    }

    /// The storing half of [`Engine::flush`]: when it returns `Ok` the edits are acknowledged.
    /// An automatic compaction it found due is returned, for the caller to run with
    /// [`Engine::compact_due`] once it acknowledged them (the app's persistence task does, so a
    /// keystroke's acknowledgement never waits for a compaction).
    pub async fn store_outbox(&self, brief: &Brief) -> Result<Stored, EngineError> {
        if !brief.ticks_deferred() {
            // no running peer ticks this brief later: an owed deletion's tick goes with it
            brief.settle_ticks(0);
        }
        let pending = brief.take_outbox_combined();
        if pending.is_empty() {
            return Ok(Stored::default());
        }
        let title = brief.title();
        let sessions = brief.take_edit_sessions();
        let stored = self
            .store
            .append_with_sessions(brief.id(), &pending, Some(&title), &sessions)
            .await;
        let seq = match stored {
            Ok(seq) => seq,
            Err(e) => {
                brief.restore_outbox(pending);
                brief.restore_edit_sessions(sessions);
                return Err(e.into());
            }
        };
        let (known, due) = {
            let mut map = self.logs.lock().unwrap_or_else(|p| p.into_inner());
            let log = map.entry(brief.id()).or_default();
            log.rows.push(seq);
            log.bytes += pending.iter().map(|u| u.len()).sum::<usize>();
            let due = self.compact_after.is_some_and(|limit| log.due(limit));
            (log.rows.clone(), due)
        };
        Ok(Stored {
            count: pending.len(),
            compaction: due.then_some(CompactionDue { known }),
        })
    }

    /// Runs an automatic compaction [`Engine::store_outbox`] found due. The edits are
    /// acknowledged already: a failed compaction loses nothing (it is logged).
    pub async fn compact_due(&self, brief: &Brief, due: CompactionDue) {
        if let Err(e) = self.compact_live(brief, &due.known).await {
            tracing::warn!(brief = %brief.id(), error = %e, "automatic compaction failed");
        }
    }

    /// True if row `seq` of a brief was loaded or written by this engine (so its content is
    /// in the document this engine holds).
    pub fn knows_row(&self, id: Uuid, seq: i64) -> bool {
        self.logs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
            .is_some_and(|l| l.rows.contains(&seq))
    }

    /// Records rows this engine applied to its document from the log (written by another
    /// process).
    pub fn note_rows(&self, id: Uuid, seqs: &[i64]) {
        let mut map = self.logs.lock().unwrap_or_else(|p| p.into_inner());
        let log = &mut map.entry(id).or_default().rows;
        log.extend_from_slice(seqs);
        log.sort_unstable();
        log.dedup();
    }

    fn set_log(&self, id: Uuid, seqs: Vec<i64>, state: usize) {
        self.logs.lock().unwrap_or_else(|p| p.into_inner()).insert(
            id,
            Log {
                rows: seqs,
                bytes: 0,
                state,
            },
        );
    }

    /// Compacts from the live document when the log holds exactly the rows this process
    /// knows (then the document contains them all); otherwise replays the log.
    async fn compact_live(&self, brief: &Brief, known: &[i64]) -> Result<(), EngineError> {
        // A document waiting for missing changes is not snapshotted (see Store::compact).
        let Some((state, sv)) = brief.try_encode_state_v1() else {
            return Ok(());
        };
        match self
            .store
            .compact_from_state(brief.id(), known, &state, &sv)
            .await?
        {
            Some(seq) => {
                tracing::debug!(brief = %brief.id(), state = state.len(), "compacted the log");
                self.set_log(brief.id(), vec![seq], state.len())
            }
            None => {
                self.compact(brief.id()).await?;
            }
        }
        Ok(())
    }

    /// Folds a brief's log into one snapshot by replaying it (also done automatically every
    /// [`COMPACT_AFTER_ROWS`] flushes).
    pub async fn compact(&self, id: Uuid) -> Result<CompactReport, EngineError> {
        let report = self.store.compact(id).await?;
        // Our view of the log is unknown now: the next automatic compaction replays.
        self.set_log(id, Vec::new(), 0);
        Ok(report)
    }

    pub async fn list(&self) -> Result<Vec<BriefRow>, EngineError> {
        Ok(self.store.list_briefs().await?)
    }

    /// The relays this device uses for a brief (its `relay:<brief id>` setting; unreadable:
    /// none).
    pub async fn relay_settings(
        &self,
        brief: Uuid,
    ) -> Result<Vec<crate::relay::RelaySetting>, EngineError> {
        let raw = self
            .store
            .setting(&crate::relay::setting_key(brief))
            .await?;
        Ok(raw
            .and_then(|r| serde_json::from_str(&r).ok())
            .unwrap_or_default())
    }

    /// Sets the relays this device uses for a brief (a running peer picks them up within
    /// seconds).
    pub async fn set_relay_settings(
        &self,
        brief: Uuid,
        list: &[crate::relay::RelaySetting],
    ) -> Result<(), EngineError> {
        let json = serde_json::to_string(list).unwrap_or_default();
        Ok(self
            .store
            .set_setting(&crate::relay::setting_key(brief), &json)
            .await?)
    }

    /// This device's seen mark of a brief ("since you last looked"), if its person has
    /// looked; a mark that does not read counts as none.
    pub async fn seen_mark(
        &self,
        brief: Uuid,
    ) -> Result<Option<crate::brief::SeenMark>, EngineError> {
        let mark = self.store.setting(&crate::brief::seen_key(brief)).await?;
        Ok(mark.and_then(|m| serde_json::from_str(&m).ok()))
    }

    /// Marks a brief as seen by this device's person: what `brief` holds now. The brief
    /// list's count for it starts again from nothing changed.
    pub async fn mark_seen(&self, brief: &Brief) -> Result<(), EngineError> {
        let json = serde_json::to_string(&brief.seen_now()).unwrap_or_default();
        Ok(self.store.put_seen_mark(brief.id(), &json).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(rows: usize, bytes: usize, state: usize) -> Log {
        Log {
            rows: (0..rows as i64).collect(),
            bytes,
            state,
        }
    }

    #[test]
    fn a_brief_is_settled_when_its_tail_is_a_quarter_of_its_state() {
        // never snapshotted by this engine (a CLI command on a brief): left as it is
        assert!(!log(3, 1 << 20, 0).worth_settling());
        assert!(!log(3, (400 << 10) / 4 - 1, 400 << 10).worth_settling());
        assert!(log(3, (400 << 10) / 4, 400 << 10).worth_settling());
        // a small brief: not for less than 16 KiB
        assert!(!log(3, SETTLE_AFTER_BYTES - 1, 8 << 10).worth_settling());
        assert!(log(3, SETTLE_AFTER_BYTES, 8 << 10).worth_settling());
    }

    #[test]
    fn a_large_brief_compacts_after_as_many_bytes_as_its_state() {
        // a small brief (or one this engine has not snapshotted yet): every 256 KB
        assert!(!log(3, COMPACT_AFTER_BYTES - 1, 0).due(COMPACT_AFTER_ROWS));
        assert!(log(3, COMPACT_AFTER_BYTES, 0).due(COMPACT_AFTER_ROWS));
        assert!(log(3, COMPACT_AFTER_BYTES, 100 << 10).due(COMPACT_AFTER_ROWS));
        // a 400 KB state: not before 400 KB were appended
        assert!(!log(3, 300 << 10, 400 << 10).due(COMPACT_AFTER_ROWS));
        assert!(log(3, 400 << 10, 400 << 10).due(COMPACT_AFTER_ROWS));
        // the row count holds whatever the size
        assert!(log(COMPACT_AFTER_ROWS, 10, 400 << 10).due(COMPACT_AFTER_ROWS));
    }
}
