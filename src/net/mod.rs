//! The peer service behind `groundwork serve`: listens for and dials peers, runs the Noise
//! channel ([`crate::transport`]) for each, and hands every frame to the hub, which drives the
//! sync peer state machine ([`crate::peer`]) for every shared brief. What arrives is stored
//! by the persistence task; edits other processes (the CLI) write to the same database are
//! picked up and relayed.
//!
//! - [`command`]: what a front end sends and receives;
//! - `hub`: the task that owns the machine and moves bytes;
//! - `connection`: dialing, and each connection's reader and writer tasks;
//! - `accept`: the listener and what an unauthenticated connection may cost;
//! - `persist`: the persistence task;
//! - `watch`: the task that reads the database for the hub (rows other processes wrote,
//!   the shared briefs), so no read sits on the sync path.

mod accept;
pub mod command;
mod connection;
mod hub;
mod persist;
mod relays;
mod watch;

pub use accept::{MAX_HANDSHAKES, MAX_HANDSHAKES_PER_ADDRESS};
pub use command::{Command, EditOp, Frontend, FrontendError, Notice};
pub(crate) use connection::Event;
pub use persist::write_record;

use crate::discovery::Discovery;
use crate::engine::{Engine, EngineError};
use crate::peer::{Me, Peer, PeerConfig};
use connection::Dialer;
use hub::Hub;
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("mDNS: {0}")]
    Discovery(String),
}

/// Settings of a running peer.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub listen: String,
    pub peers: Vec<String>,
    pub mdns: bool,
    /// Group commit and change pick-up interval.
    pub tick: Duration,
    /// Every peer re-announces its state vectors this often (anti-entropy, status freshness).
    pub resync: Duration,
    /// A remote presence not renewed for this long is dropped.
    pub presence_timeout: Duration,
    /// Our own presence is renewed this often.
    pub presence_renew: Duration,
    /// A connection silent for this long is closed.
    pub idle_timeout: Duration,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            listen: "0.0.0.0:7471".into(),
            peers: Vec::new(),
            mdns: true,
            tick: Duration::from_millis(50),
            resync: Duration::from_secs(2),
            presence_timeout: Duration::from_secs(30),
            presence_renew: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(20),
        }
    }
}

impl ServeConfig {
    /// The peer machine's timers.
    pub fn peer_config(&self) -> PeerConfig {
        let ms = |d: Duration| d.as_millis() as u64;
        PeerConfig {
            resync_ms: ms(self.resync),
            idle_timeout_ms: ms(self.idle_timeout),
            presence_renew_ms: ms(self.presence_renew),
            presence_timeout_ms: ms(self.presence_timeout),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs a peer until `shutdown` completes. Prints nothing; logs with tracing. `on_listen`
/// receives the bound address once listening.
pub async fn serve(
    engine: Engine,
    cfg: ServeConfig,
    on_listen: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), NetError> {
    serve_with(engine, cfg, on_listen, shutdown, Frontend::default()).await
}

/// [`serve`] with channels to a front end.
pub async fn serve_with(
    engine: Engine,
    cfg: ServeConfig,
    on_listen: impl FnOnce(SocketAddr),
    shutdown: impl std::future::Future<Output = ()>,
    frontend: Frontend,
) -> Result<(), NetError> {
    let Frontend { commands, notices } = frontend;
    let (_keep, fallback) = mpsc::unbounded_channel::<Command>();
    let mut commands = commands.unwrap_or(fallback);
    let listener = TcpListener::bind(&cfg.listen)
        .await
        .map_err(|source| NetError::Listen {
            addr: cfg.listen.clone(),
            source,
        })?;
    let local_addr = listener.local_addr().map_err(|source| NetError::Listen {
        addr: cfg.listen.clone(),
        source,
    })?;
    on_listen(local_addr);
    tracing::info!(%local_addr, device = %engine.identity().device_id(), "serving");
    let (events, mut rx) = mpsc::unbounded_channel();
    let identity = engine.identity().clone();
    let shared = engine.store().shares().await.map_err(EngineError::from)?;
    let last_seq = engine.store().max_seq().await.map_err(EngineError::from)?;
    let engine = Arc::new(engine);
    let flush_now = Arc::new(tokio::sync::Notify::new());
    let open_list: Arc<Mutex<Vec<Arc<crate::Brief>>>> = Arc::default();
    let stop_flusher = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (db_jobs, jobs_rx) = mpsc::unbounded_channel();
    let flusher = tokio::spawn(persist::persist(
        engine.clone(),
        open_list.clone(),
        flush_now.clone(),
        stop_flusher.clone(),
        jobs_rx,
    ));
    let me = Me {
        public: identity.public,
        name: identity.name.clone(),
        role: identity.role.as_str().to_string(),
    };
    let dialer = Dialer {
        secret: *identity.secret_bytes(),
        public: identity.public,
        events: events.clone(),
        next_id: Arc::default(),
        connected: Arc::default(),
    };
    let (relay_events, mut relay_rx) = mpsc::unbounded_channel();
    let mut hub = Hub {
        relays: relays::Relays::new(relay_events, dialer.next_id.clone()),
        peer: Peer::new(me, shared.clone(), cfg.peer_config()),
        links: HashMap::new(),
        db_jobs,
        flush_now,
        open_list,
        engine,
        dialer,
        dialing: HashSet::new(),
        notices,
        started: Instant::now(),
    };
    // Briefs are opened up front so CLI edits are picked up and relayed from the start.
    for s in shared.clone() {
        hub.ensure_open(s.brief).await;
    }
    hub.peer.set_wall_time(unix_seconds());
    hub.drive().await;
    tokio::spawn(accept::accept_loop(
        listener,
        hub.dialer.secret,
        events.clone(),
        hub.dialer.next_id.clone(),
    ));
    let manual = hub
        .engine
        .store()
        .manual_addresses()
        .await
        .unwrap_or_else(|e| {
            tracing::warn!(error = %e, "addresses added by hand unavailable");
            Vec::new()
        });
    for peer in cfg.peers.iter().chain(&manual) {
        hub.dial(peer.clone());
    }
    let _discovery = if cfg.mdns {
        match Discovery::start(local_addr.port(), events.clone()) {
            Ok(d) => Some(d),
            Err(e) => {
                tracing::warn!(error = %e, "mDNS unavailable; peers can still be added with --peer");
                None
            }
        }
    } else {
        None
    };
    let watcher = tokio::spawn(watch::watch(
        hub.engine.clone(),
        hub.open_list.clone(),
        events.clone(),
        cfg.tick,
        last_seq,
        shared,
    ));
    let mut tick = tokio::time::interval(cfg.tick);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut relay_poll = tokio::time::interval(relays::POLL);
    relay_poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(ev) = rx.recv() => hub.on_event(ev).await,
            Some((brief, url, ev)) = relay_rx.recv() => hub.on_relay(brief, url, ev).await,
            _ = relay_poll.tick() => hub.want_relays().await,
            Some(cmd) = commands.recv() => {
                // Everything already queued is handled in this turn: a burst of local
                // updates then leaves as one merged update per brief, not one per edit.
                let mut batch = vec![cmd];
                while batch.len() < 16384 {
                    match commands.try_recv() {
                        Ok(c) => batch.push(c),
                        Err(_) => break,
                    }
                }
                hub.on_commands(batch).await;
            }
            _ = tick.tick() => {
                let now = hub.now();
                hub.peer.set_wall_time(unix_seconds());
                hub.peer.tick(now);
                hub.drive().await;
                hub.flush_now.notify_one();
            }
        }
    }
    tracing::info!("shutting down");
    watcher.abort();
    hub.relays.stop_all();
    hub.peer.shutdown();
    hub.drive().await;
    stop_flusher.store(true, std::sync::atomic::Ordering::SeqCst);
    hub.flush_now.notify_one();
    let _ = flusher.await;
    hub.flush_all().await;
    hub.links.clear();
    hub.engine.store().close().await;
    Ok(())
}

/// The wall clock in unix seconds (invite codes expire against it).
fn unix_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
