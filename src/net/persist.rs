//! The persistence task of a running peer: it stores every open brief's outbox (group
//! commit, with backoff while storing fails) and the bookkeeping the peer records, so the
//! hub never waits on the database.

use super::command::FrontendError;
use super::lock;
use crate::brief::Brief;
use crate::engine::{Engine, EngineError, Stored};
use crate::peer::Record;
use crate::retry::{Log as RetryLog, StoreRetry};
use crate::store::{Store, StoreError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// What the hub hands to the persistence task, so its own path never waits on the database.
pub(super) enum DbJob {
    /// Bookkeeping the peer machine recorded.
    Record(Record),
    /// Store a brief's outbox now, then acknowledge.
    Flush {
        brief: Arc<Brief>,
        done: Box<dyn FnOnce(Result<(), FrontendError>) + Send>,
    },
}

/// The persistence task: on every wake-up, stores each open brief's outbox.
/// It is never cancelled mid-write: at shutdown `stop` is set and it ends after its pass.
pub(super) async fn persist(
    engine: Arc<Engine>,
    briefs: Arc<Mutex<Vec<Arc<Brief>>>>,
    wake: Arc<tokio::sync::Notify>,
    stop: Arc<std::sync::atomic::AtomicBool>,
    mut jobs: mpsc::UnboundedReceiver<DbJob>,
) {
    let mut retry = StoreRetry::new(Duration::from_millis(50));
    loop {
        tokio::select! {
            _ = wake.notified() => {}
            Some(job) = jobs.recv() => {
                run_job(&engine, job, &mut retry).await;
                continue;
            }
        }
        let list: Vec<Arc<Brief>> = lock(&briefs).clone();
        let last = stop.load(std::sync::atomic::Ordering::SeqCst);
        let now = Instant::now();
        for b in list {
            if b.has_pending() && (last || retry.due(b.id(), now)) {
                let _ = flush_logged(&engine, &b, &mut retry).await;
            }
        }
        if last {
            // what the hub sent while stopping (presence withdrawn, say) is written too
            while let Ok(job) = jobs.try_recv() {
                run_job(&engine, job, &mut retry).await;
            }
            return;
        }
    }
}

/// Writes one bookkeeping row the peer machine recorded.
pub async fn write_record(store: &Store, record: Record) -> Result<(), StoreError> {
    match record {
        Record::PeerState { device, brief, sv } => store.set_peer_state(&device, brief, &sv).await,
        Record::Presence { brief, states } => store.set_presence(brief, &states).await,
        Record::Peer {
            device,
            name,
            addr,
            source,
        } => store.upsert_peer(&device, &name, &addr, &source).await,
        Record::Refused { brief, reason } => store.set_refusal(brief, &reason).await,
        Record::Receipt { brief, receipt } => store.add_receipt(brief, &receipt).await,
        Record::Joined { brief, answer } => store.record_join_answer(brief, answer).await,
        Record::Relay {
            brief,
            url,
            up,
            reason,
        } => {
            store
                .set_relay_state(brief, &url, up, reason.as_deref())
                .await
        }
        Record::Rekeyed {
            brief,
            epoch,
            secret,
        } => store.adopt_secret(brief, epoch, &secret).await.map(|_| ()),
    }
}

async fn run_job(engine: &Engine, job: DbJob, retry: &mut StoreRetry) {
    let store = engine.store();
    let record = match job {
        DbJob::Flush { brief, done } => {
            // asked for by the app: tried at once, whatever the backoff says; acknowledged
            // as soon as it is stored, before a compaction it made due
            match store_logged(engine, &brief, retry).await {
                Ok(stored) => {
                    done(Ok(()));
                    if let Some(due) = stored.compaction {
                        engine.compact_due(&brief, due).await;
                    }
                }
                Err(e) => done(Err(FrontendError::Storage(e.to_string()))),
            }
            return;
        }
        DbJob::Record(record) => record,
    };
    let r = write_record(store, record).await;
    if let Err(e) = r {
        tracing::warn!(error = %e, "bookkeeping write failed");
    }
}

/// Stores a brief's outbox, then compacts its log if that is due; see [`store_logged`].
pub(super) async fn flush_logged(
    engine: &Engine,
    brief: &Brief,
    retry: &mut StoreRetry,
) -> Result<(), EngineError> {
    let stored = store_logged(engine, brief, retry).await?;
    if let Some(due) = stored.compaction {
        engine.compact_due(brief, due).await;
    }
    Ok(())
}

/// Stores a brief's outbox, logging a failure once when it starts (or changes) and once when
/// storing works again; see [`StoreRetry`]. Returns a compaction it found due.
async fn store_logged(
    engine: &Engine,
    brief: &Brief,
    retry: &mut StoreRetry,
) -> Result<Stored, EngineError> {
    match engine.store_outbox(brief).await {
        Ok(stored) => {
            if retry.stored(brief.id()) == RetryLog::Recovered {
                tracing::info!(brief = %brief.id(), "changes stored again");
            }
            Ok(stored)
        }
        Err(e) => {
            if retry.failed(brief.id(), Instant::now(), &e.to_string()) == RetryLog::Failing {
                tracing::error!(brief = %brief.id(), error = %e, "could not store changes; will retry with backoff");
            }
            Err(e)
        }
    }
}
