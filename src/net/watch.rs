//! The watcher of a running peer: the one task that reads the database for the hub, so no
//! SQLite read sits on the sync path. Each tick it looks for rows that other processes (the
//! CLI) appended to the log of an open brief and hands them, decoded, to the hub; every
//! half second it reads which briefs are shared (invite/join by the CLI) and hands the list
//! over when it changed.

use super::connection::Event;
use super::lock;
use crate::brief::Brief;
use crate::engine::Engine;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use uuid::Uuid;

/// How often the list of shared briefs is read again.
const SHARED_EVERY: Duration = Duration::from_millis(500);

/// Runs until the hub's event channel closes.
pub(super) async fn watch(
    engine: Arc<Engine>,
    open: Arc<Mutex<Vec<Arc<Brief>>>>,
    events: mpsc::UnboundedSender<Event>,
    every: Duration,
    mut last_seq: i64,
    mut shared: Vec<crate::peer::Share>,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_shared = Instant::now();
    loop {
        tick.tick().await;
        if events.is_closed() {
            return;
        }
        if let Ok(rows) = engine.store().rows_after(last_seq).await {
            let open_ids: HashSet<Uuid> = lock(&open).iter().map(|b| b.id()).collect();
            let mut per_brief: HashMap<Uuid, Vec<i64>> = HashMap::new();
            for (seq, brief) in rows {
                last_seq = last_seq.max(seq);
                if open_ids.contains(&brief) && !engine.knows_row(brief, seq) {
                    per_brief.entry(brief).or_default().push(seq);
                }
            }
            for (brief, seqs) in per_brief {
                let Ok(updates) = engine.store().load_rows(brief, &seqs).await else {
                    continue;
                };
                if events
                    .send(Event::Rows {
                        brief,
                        seqs,
                        updates,
                    })
                    .is_err()
                {
                    return;
                }
            }
        }
        if last_shared.elapsed() >= SHARED_EVERY {
            last_shared = Instant::now();
            if let Ok(now) = engine.store().shares().await {
                if now != shared {
                    shared = now.clone();
                    if events.send(Event::Shared(now)).is_err() {
                        return;
                    }
                }
            }
        }
    }
}
