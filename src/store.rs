//! Storage: one SQLite database per data directory, through sqlx.
//!
//! Owns the database file, its pragmas (WAL, `synchronous=FULL`, read back at start-up), the
//! migrations in `migrations/`, the refusal of databases written by a newer version, the
//! append-only log of update blobs per brief, compaction of that log into one snapshot inside a
//! single transaction, and quarantine of rows that fail their checksum or do not decode.
//! The byte layout of blobs lives in [`crate::blob`].

use crate::blob::{self, BlobKind};
use crate::failpoint;
use crate::identity::{Identity, IdentityError};
use crate::model::Role;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteAutoVacuum, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};
use sqlx::{FromRow, Row};
use std::path::{Path, PathBuf};
use std::time::Duration;
use uuid::Uuid;
use yrs::updates::decoder::Decode;
use yrs::{ReadTxn, StateVector, Transact, Update};

static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// The file name of the database inside a data directory.
pub const DB_FILE: &str = "groundwork.db";
/// `PRAGMA application_id` of a Groundwork database ("GWK1").
pub const APPLICATION_ID: i64 = 0x4757_4B31;

/// Errors of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the database {path} was written by a newer version of Groundwork (schema {found}, this version knows up to {supported}); it was left untouched — please update Groundwork")]
    NewerVersion {
        path: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("{path} is not a Groundwork database")]
    Foreign { path: PathBuf },
    #[error(
        "the database {path} is damaged and cannot be opened ({detail}); it was left untouched"
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error("the disk is full; nothing was written, the last acknowledged state is intact")]
    DiskFull,
    #[error("the database could not be configured: {0}")]
    Pragma(String),
    #[error("database migration failed: {0}")]
    Migrate(String),
    #[error("no brief matches '{0}'")]
    NoSuchBrief(String),
    #[error("'{prefix}' matches {count} briefs; give more of the id")]
    Ambiguous { prefix: String, count: usize },
    #[error("the stored device identity is damaged: {0}")]
    Identity(#[from] IdentityError),
    #[error("compaction failed: {0}")]
    Compaction(String),
    #[error("database error: {0}")]
    Db(String),
}

/// SQLite's primary result codes this layer tells apart (<https://sqlite.org/rescode.html>).
const SQLITE_CORRUPT: i64 = 11;
const SQLITE_FULL: i64 = 13;
const SQLITE_NOTADB: i64 = 26;

/// What a failed SQLite call means to a user, decided by SQLite's result code alone: the
/// message text differs between SQLite builds and locales, the code does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    DiskFull,
    Corrupt,
    Other,
}

/// Classifies an (extended or primary) SQLite result code, as sqlx reports it: a decimal
/// string. Extended codes carry the primary code in their low byte (SQLITE_CORRUPT_INDEX is
/// 779 = 11 + 3 * 256).
fn failure_of(code: Option<&str>) -> Failure {
    match code.and_then(|c| c.parse::<i64>().ok()).map(|c| c & 0xff) {
        Some(SQLITE_FULL) => Failure::DiskFull,
        Some(SQLITE_CORRUPT | SQLITE_NOTADB) => Failure::Corrupt,
        _ => Failure::Other,
    }
}

fn failure(e: &sqlx::Error) -> Failure {
    match e {
        sqlx::Error::Database(db) => failure_of(db.code().as_deref()),
        _ => Failure::Other,
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match failure(&e) {
            Failure::DiskFull => StoreError::DiskFull,
            _ => StoreError::Db(e.to_string()),
        }
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A row of the brief list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct BriefRow {
    #[sqlx(try_from = "String")]
    pub id: Uuid,
    pub title: String,
    pub template: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A row that was moved to quarantine while loading.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct Quarantined {
    #[sqlx(rename = "original_seq")]
    pub seq: i64,
    pub reason: String,
}

/// What loading a brief's rows produced: decoded, checked updates in log order.
#[derive(Default)]
pub struct Loaded {
    pub updates: Vec<Update>,
    pub quarantined: Vec<Quarantined>,
    pub last_seq: i64,
    /// Rows read (including quarantined ones).
    pub rows: usize,
    /// Seqs of the rows that loaded (not quarantined), ascending.
    pub seqs: Vec<i64>,
}

/// What a compaction did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CompactReport {
    pub rows_before: usize,
    pub snapshot_bytes: usize,
    pub quarantined: usize,
}

/// The database of one data directory.
#[derive(Clone)]
pub struct Store {
    pool: SqlitePool,
    path: PathBuf,
}

fn side_file(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn classify_open_error(path: &Path, e: sqlx::Error) -> StoreError {
    match failure(&e) {
        Failure::Corrupt => StoreError::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        _ => StoreError::from(e),
    }
}

/// The newest migration this build knows.
pub fn supported_schema() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir`.
    pub async fn open(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let path = data_dir.join(DB_FILE);
        if path.exists() {
            let side_files = [side_file(&path, "-wal"), side_file(&path, "-shm")];
            let existed: Vec<bool> = side_files.iter().map(|p| p.exists()).collect();
            if let Err(e) = Self::check_existing(&path).await {
                // Leave a refused database exactly as found: drop the empty side files that
                // our read-only probe created (they can only be new if nobody else had it open).
                for (p, existed) in side_files.iter().zip(existed) {
                    let empty_wal = std::fs::metadata(p).map(|m| m.len() == 0).unwrap_or(false);
                    if !existed && (empty_wal || p.extension().is_some_and(|x| x == "db-shm")) {
                        let _ = std::fs::remove_file(p);
                    }
                }
                return Err(e);
            }
        }
        let opts = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .auto_vacuum(SqliteAutoVacuum::Incremental)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(1)
            .connect_with(opts)
            .await
            .map_err(|e| classify_open_error(&path, e))?;
        let store = Store { pool, path };
        store.verify_pragmas().await?;
        MIGRATOR.run(&store.pool).await.map_err(|e| match e {
            sqlx::migrate::MigrateError::Execute(inner) => classify_open_error(&store.path, inner),
            other => StoreError::Migrate(other.to_string()),
        })?;
        sqlx::query(&format!("PRAGMA application_id = {APPLICATION_ID}"))
            .execute(&store.pool)
            .await?;
        Ok(store)
    }

    /// Looks at an existing file read-only before anything writes to it: refuses newer
    /// schemas, foreign files and damaged files without touching them.
    async fn check_existing(path: &Path) -> Result<(), StoreError> {
        let opts = SqliteConnectOptions::new()
            .filename(path)
            .read_only(true)
            .create_if_missing(false);
        let mut conn = sqlx::ConnectOptions::connect(&opts)
            .await
            .map_err(|e| classify_open_error(path, e))?;
        let result = async {
            let app_id: i64 = sqlx::query_scalar("PRAGMA application_id")
                .fetch_one(&mut conn)
                .await?;
            let tables: Vec<String> =
                sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                    .fetch_all(&mut conn)
                    .await?;
            Ok::<_, sqlx::Error>((app_id, tables))
        }
        .await;
        let (app_id, tables) = result.map_err(|e| classify_open_error(path, e))?;
        if app_id != 0 && app_id != APPLICATION_ID {
            return Err(StoreError::Foreign {
                path: path.to_path_buf(),
            });
        }
        if tables.iter().any(|t| t == "_sqlx_migrations") {
            let found: Option<i64> =
                sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations")
                    .fetch_one(&mut conn)
                    .await
                    .map_err(|e| classify_open_error(path, e))?;
            let found = found.unwrap_or(0);
            if found > supported_schema() {
                return Err(StoreError::NewerVersion {
                    path: path.to_path_buf(),
                    found,
                    supported: supported_schema(),
                });
            }
        } else if !tables.is_empty() && app_id != APPLICATION_ID {
            return Err(StoreError::Foreign {
                path: path.to_path_buf(),
            });
        }
        let _ = sqlx::Connection::close(conn).await;
        Ok(())
    }

    async fn verify_pragmas(&self) -> Result<(), StoreError> {
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&self.pool)
            .await?;
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&self.pool)
            .await?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Pragma(format!(
                "journal_mode is {mode}, expected wal"
            )));
        }
        if sync != 2 {
            return Err(StoreError::Pragma(format!(
                "synchronous is {sync}, expected 2 (FULL)"
            )));
        }
        tracing::debug!(%mode, sync, "sqlite pragmas verified");
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The pragmas as read back from the database: (journal_mode, synchronous).
    pub async fn pragmas(&self) -> Result<(String, i64), StoreError> {
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&self.pool)
            .await?;
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&self.pool)
            .await?;
        Ok((mode, sync))
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    pub async fn integrity_check(&self) -> Result<String, StoreError> {
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.join("; "))
    }

    /// Bytes the database occupies on disk (main file plus WAL).
    pub fn disk_bytes(&self) -> u64 {
        let size = |p: PathBuf| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        size(self.path.clone()) + size(side_file(&self.path, "-wal"))
    }

    // ---- identity ---------------------------------------------------------------------------

    pub async fn load_identity(&self) -> Result<Option<Identity>, StoreError> {
        let row = sqlx::query("SELECT secret_key, public_key, name, role FROM device WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let secret: Vec<u8> = row.try_get("secret_key")?;
        let public: Vec<u8> = row.try_get("public_key")?;
        let name: String = row.try_get("name")?;
        let role: String = row.try_get("role")?;
        let role: Role = role.parse().unwrap_or(Role::Pm);
        Ok(Some(Identity::from_stored(&secret, &public, &name, role)?))
    }

    pub async fn save_identity(&self, id: &Identity) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO device (id, secret_key, public_key, name, role, created_at)
             VALUES (1, ?, ?, ?, ?, ?)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, role = excluded.role",
        )
        .bind(id.secret_bytes().as_slice())
        .bind(id.public.as_slice())
        .bind(&id.name)
        .bind(id.role.as_str())
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    // ---- settings ---------------------------------------------------------------------------

    /// Stores a front-end setting.
    pub async fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES (?, ?)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        )
        .bind(key)
        .bind(value)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A front-end setting, if set.
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(r) => Some(r.try_get("value")?),
            None => None,
        })
    }

    /// Records why a peer's changes to `brief` were refused (shown by `status` and the app).
    pub async fn set_refusal(&self, brief: Uuid, reason: &str) -> Result<(), StoreError> {
        self.set_setting(&format!("refused:{brief}"), reason).await
    }

    /// Why a peer's changes to `brief` were refused, if they were.
    pub async fn refusal(&self, brief: Uuid) -> Result<Option<String>, StoreError> {
        self.setting(&format!("refused:{brief}")).await
    }

    // ---- briefs -----------------------------------------------------------------------------

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
        let payload = blob::encode_batch(updates.iter().map(|u| u.as_slice()));
        let data = blob::encode(BlobKind::UpdateBatch, &payload);
        let now = now_ms();
        let mut tx = self.pool.begin().await?;
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
        if failpoint::hit("append.before_commit") {
            return Err(StoreError::Db("injected failure before commit".into()));
        }
        tx.commit().await?;
        Ok(seq)
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
            let mut tx = self.pool.begin().await?;
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

    /// Replaces a brief's rows by one snapshot holding the same state, in one transaction:
    /// a crash at any point leaves either the old rows or the new snapshot, never neither.
    /// Then returns freed pages to the file system.
    pub async fn compact(&self, brief: Uuid) -> Result<CompactReport, StoreError> {
        let mut tx = self.pool.begin().await?;
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
        let has_pending = {
            let txn = doc.transact();
            txn.store().pending_update().is_some() || txn.store().pending_ds().is_some()
        };
        if has_pending {
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
        let (snapshot_bytes, _) =
            finish_compaction(&mut tx, brief, &snapshot, &expected_sv, max_seq).await?;
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
        let mut tx = self.pool.begin().await?;
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
        let (_, seq) = finish_compaction(&mut tx, brief, state_v1, expected_sv, max_seq).await?;
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
fn snapshot_blob(
    brief: Uuid,
    state_v1: &[u8],
    expected_sv: &StateVector,
) -> Result<Vec<u8>, StoreError> {
    let data = blob::encode(BlobKind::SnapshotV1Deflate, &blob::deflate(state_v1));
    let check = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let updates = check_row(&data)?;
        let doc = crate::brief::new_doc(brief, 2);
        apply_all(&doc, updates)?;
        let txn = doc.transact();
        let sv = txn.state_vector();
        if txn.store().pending_update().is_some() || txn.store().pending_ds().is_some() {
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
async fn finish_compaction(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    brief: Uuid,
    state_v1: &[u8],
    expected_sv: &StateVector,
    max_seq: i64,
) -> Result<(usize, i64), StoreError> {
    let data = snapshot_blob(brief, state_v1, expected_sv)?;
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

async fn quarantine_row(
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

    /// Every shared brief with its secret.
    pub async fn shared_briefs(&self) -> Result<Vec<(Uuid, [u8; 32])>, StoreError> {
        let rows = sqlx::query("SELECT brief_id, secret FROM brief_keys ORDER BY brief_id")
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::new();
        for r in rows {
            let id: String = r.try_get("brief_id")?;
            let secret: Vec<u8> = r.try_get("secret")?;
            if let (Ok(id), Ok(secret)) = (Uuid::parse_str(&id), <[u8; 32]>::try_from(secret)) {
                out.push((id, secret));
            }
        }
        Ok(out)
    }

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

    /// Replaces the presence rows of a brief (what the running peer currently sees).
    pub async fn set_presence(
        &self,
        brief: Uuid,
        states: &[(u64, String)],
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
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

fn decode_row(data: &[u8]) -> Result<Vec<Update>, String> {
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
fn apply_all(doc: &yrs::Doc, updates: Vec<Update>) -> Result<(), String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for u in updates {
            let mut txn = doc.transact_mut();
            txn.apply_update(u).map_err(|e| e.to_string())?;
        }
        Ok(())
    }))
    .unwrap_or_else(|_| Err("the update could not be applied (yrs panicked)".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_told_apart_by_result_code_not_text() {
        // primary and extended codes, as sqlx reports them
        assert_eq!(failure_of(Some("13")), Failure::DiskFull);
        assert_eq!(failure_of(Some("11")), Failure::Corrupt);
        assert_eq!(failure_of(Some("779")), Failure::Corrupt); // SQLITE_CORRUPT_INDEX
        assert_eq!(failure_of(Some("26")), Failure::Corrupt);
        assert_eq!(failure_of(Some("5")), Failure::Other); // SQLITE_BUSY
        assert_eq!(failure_of(Some("2067")), Failure::Other); // SQLITE_CONSTRAINT_UNIQUE
        assert_eq!(failure_of(None), Failure::Other);
        assert_eq!(failure_of(Some("not a number")), Failure::Other);
    }

    /// A real SQLite error whose message says nothing of the kind: only its code tells.
    #[tokio::test]
    async fn a_real_not_a_database_error_is_corruption_by_its_code() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        std::fs::write(&path, vec![0x5a; 8192]).unwrap();
        let opts = SqliteConnectOptions::new().filename(&path);
        let mut conn = sqlx::ConnectOptions::connect(&opts).await.unwrap();
        let Err(e) = sqlx::query("SELECT count(*) FROM sqlite_master")
            .fetch_one(&mut conn)
            .await
        else {
            panic!("a file of 0x5a bytes read as a database")
        };
        assert_eq!(failure(&e), Failure::Corrupt, "{e}");
        assert!(matches!(
            classify_open_error(&path, e),
            StoreError::Corrupt { .. }
        ));
    }
}
