//! Storage: one SQLite database per data directory, through sqlx.
//!
//! Owns the database file, its pragmas (WAL, `synchronous=FULL`, read back at start-up), the
//! migrations in `migrations/`, the refusal of databases written by a newer version, the
//! append-only log of update blobs per brief, compaction of that log into one snapshot inside a
//! single transaction, and quarantine of rows that fail their checksum or do not decode.
//! The byte layout of blobs lives in [`crate::blob`].
//!
//! - `log`: briefs, appending and loading update rows, rows other processes wrote;
//! - `compaction`: the snapshot that replaces a brief's rows, and quarantine;
//! - `peers`: brief secrets, peers, their state vectors, presence.
//!
//! This file: opening (pragmas, migrations, refusals), identity and settings.

mod access;
mod compaction;
mod library;
mod log;
mod peers;

pub use library::{Fingerprint, IndexRow, SearchHit, HIT_END, HIT_START};
pub use log::check_row;

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
/// The page size a new database is created with (an existing one keeps its own). Not
/// SQLite's default 4 KiB: every table and index takes at least one page even when empty,
/// and the schema's 31 of them were half of a compacted brief's file (the automerge-paper
/// brief's database was 1.55x its v2 state with 4 KiB pages). Row appends write smaller WAL
/// frames too; a snapshot spans more (overflow) pages, which costs little to read.
pub const PAGE_SIZE: u32 = 1024;
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

/// What the read-only probe found in an existing file.
struct Existing {
    /// It carries Groundwork's application id already.
    ours: bool,
    /// Every migration this build knows is applied, and none newer.
    current: bool,
}

impl Store {
    /// Opens (creating if needed) the database in `data_dir`.
    pub async fn open(data_dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let path = data_dir.join(DB_FILE);
        let mut found = Existing {
            ours: false,
            current: false,
        };
        if path.exists() {
            let side_files = [side_file(&path, "-wal"), side_file(&path, "-shm")];
            let existed: Vec<bool> = side_files.iter().map(|p| p.exists()).collect();
            match Self::check_existing(&path).await {
                Ok(existing) => found = existing,
                Err(e) => {
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
        }
        let opts = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .page_size(PAGE_SIZE)
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
        // when every migration this build knows is applied, the migrator would only read them
        // again (about 0.7 ms of a 10 ms cold open)
        if !found.current {
            MIGRATOR.run(&store.pool).await.map_err(|e| match e {
                sqlx::migrate::MigrateError::Execute(inner) => {
                    classify_open_error(&store.path, inner)
                }
                other => StoreError::Migrate(other.to_string()),
            })?;
        }
        // a write (and an fsync) at every open unless the file carries our id already
        if !found.ours {
            sqlx::query(&format!("PRAGMA application_id = {APPLICATION_ID}"))
                .execute(&store.pool)
                .await?;
        }
        Ok(store)
    }

    /// Looks at an existing file read-only before anything writes to it: refuses newer
    /// schemas, foreign files and damaged files without touching them, and says what it
    /// found.
    async fn check_existing(path: &Path) -> Result<Existing, StoreError> {
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
        let mut current = false;
        if tables.iter().any(|t| t == "_sqlx_migrations") {
            let (found, applied): (Option<i64>, i64) = sqlx::query_as(
                "SELECT MAX(version), count(*) FILTER (WHERE success) FROM _sqlx_migrations",
            )
            .fetch_one(&mut conn)
            .await
            .map_err(|e| classify_open_error(path, e))?;
            let found = found.unwrap_or(0);
            current = found == supported_schema() && applied == MIGRATOR.iter().count() as i64;
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
        Ok(Existing {
            ours: app_id == APPLICATION_ID,
            current,
        })
    }

    async fn verify_pragmas(&self) -> Result<(), StoreError> {
        let (mode, sync) = self.pragmas().await?;
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

    /// A transaction that holds the write lock from its start. Every store transaction
    /// writes, and some read first: a deferred one that read, then found another connection
    /// had written meanwhile, failed at its first write with SQLITE_BUSY_SNAPSHOT at once — the
    /// busy timeout does not apply to it — and a running peer lost the new brief secret it was
    /// recording that way (tests/net.rs, about one run in ten). Its first statement is a write
    /// that changes nothing, so it takes the lock (waiting up to the busy timeout) before it
    /// reads. Not `BEGIN IMMEDIATE` through sqlx's `begin_with`: after SQLite rolled a
    /// transaction back by itself (a full disk), sqlx still counts it open on that connection
    /// and `begin_with` then fails there for good (the app e2e's full-disk run caught it),
    /// where `begin` opens a savepoint, which outside a transaction starts one.
    pub(crate) async fn write_tx(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE settings SET value = value WHERE 0")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The pragmas as read back from the database: (journal_mode, synchronous).
    pub async fn pragmas(&self) -> Result<(String, i64), StoreError> {
        // one round trip (both are per connection; the pool opens every one the same way)
        Ok(sqlx::query_as(
            "SELECT (SELECT journal_mode FROM pragma_journal_mode), \
                    (SELECT synchronous FROM pragma_synchronous)",
        )
        .fetch_one(&self.pool)
        .await?)
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

    /// A relay's connection state as the running peer last saw it (`relay-state:<brief>
    /// <url>` in settings: `{up, since (unix ms), reason}`). A state that did not change keeps
    /// its `since`.
    pub async fn set_relay_state(
        &self,
        brief: Uuid,
        url: &str,
        up: bool,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        let key = format!("relay-state:{brief} {url}");
        if let Some(old) = self.setting(&key).await? {
            let v: serde_json::Value = serde_json::from_str(&old).unwrap_or_default();
            if v["up"].as_bool() == Some(up) {
                return Ok(());
            }
        }
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let value = serde_json::json!({ "up": up, "since": now, "reason": reason });
        self.set_setting(&key, &value.to_string()).await
    }

    /// Every relay state recorded for a brief: (url, up, since unix ms, reason).
    pub async fn relay_states(
        &self,
        brief: Uuid,
    ) -> Result<Vec<(String, bool, i64, Option<String>)>, StoreError> {
        let prefix = format!("relay-state:{brief} ");
        Ok(self
            .settings_with_prefix(&prefix)
            .await?
            .into_iter()
            .map(|(k, v)| {
                let v: serde_json::Value = serde_json::from_str(&v).unwrap_or_default();
                (
                    k[prefix.len()..].to_string(),
                    v["up"].as_bool().unwrap_or(false),
                    v["since"].as_i64().unwrap_or(0),
                    v["reason"].as_str().map(str::to_string),
                )
            })
            .collect())
    }

    /// Every setting whose key starts with `prefix`, as (key, value).
    pub async fn settings_with_prefix(
        &self,
        prefix: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let rows =
            sqlx::query("SELECT key, value FROM settings WHERE substr(key, 1, ?) = ? ORDER BY key")
                .bind(prefix.chars().count() as i64)
                .bind(prefix)
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("key")?, r.try_get("value")?)))
            .collect()
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The probe tells a database whose migrations are all applied (opening skips the
    /// migrator) from a fresh one, one missing a migration, or one with a failed migration.
    #[tokio::test]
    async fn the_probe_says_whether_every_migration_is_applied() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        let store = Store::open(dir.path()).await.unwrap();
        store.set_setting("k", "v").await.unwrap();
        store.close().await;
        let probe = Store::check_existing(&path).await.unwrap();
        assert!(probe.ours && probe.current, "after the first open");
        // the next open skips the migrator and has everything
        let store = Store::open(dir.path()).await.unwrap();
        assert_eq!(store.setting("k").await.unwrap().as_deref(), Some("v"));
        store.close().await;
        let last = supported_schema();
        for change in [
            "UPDATE _sqlx_migrations SET success = 0 WHERE version = ?",
            "DELETE FROM _sqlx_migrations WHERE version = ?",
        ] {
            let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!(
                "sqlite://{}",
                path.display()
            ))
            .await
            .unwrap();
            sqlx::query(change)
                .bind(last)
                .execute(&mut c)
                .await
                .unwrap();
            sqlx::Connection::close(c).await.unwrap();
            assert!(
                !Store::check_existing(&path).await.unwrap().current,
                "{change}"
            );
        }
    }

    /// A store transaction that reads before it writes must not fail because another
    /// connection (another process on the same data directory) wrote in between: it holds
    /// the write lock from its start, and the other writer waits for it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_read_then_write_transaction_is_not_undone_by_another_writer() {
        let dir = tempfile::tempdir().unwrap();
        let a = Store::open(dir.path()).await.unwrap();
        let b = Store::open(dir.path()).await.unwrap();
        let mut tx = a.write_tx().await.unwrap();
        let _: i64 = sqlx::query_scalar("SELECT count(*) FROM settings")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        let other = tokio::spawn(async move { b.set_setting("other", "1").await });
        // the other writer waits for the lock (with a deferred BEGIN it wrote at once, and
        // the write below then failed with SQLITE_BUSY_SNAPSHOT)
        let mut other = other;
        let waited = tokio::time::timeout(Duration::from_millis(300), &mut other).await;
        assert!(waited.is_err(), "the other writer was not kept waiting");
        sqlx::query("INSERT INTO settings (key, value) VALUES ('mine', '1')")
            .execute(&mut *tx)
            .await
            .expect("the write after the read");
        tx.commit().await.unwrap();
        other.await.unwrap().expect("the other writer, after ours");
        assert_eq!(a.setting("other").await.unwrap().as_deref(), Some("1"));
        assert_eq!(a.setting("mine").await.unwrap().as_deref(), Some("1"));
    }

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
