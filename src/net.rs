//! The peer service behind `groundwork serve`: listens for and dials peers, runs the Noise
//! channel ([`crate::transport`]) and the sync protocol ([`crate::sync`]) for every shared
//! brief, persists what arrives, picks up edits other processes (the CLI) write to the same
//! database, and keeps presence. One hub task owns the engine and the open briefs; each
//! connection has a reader and a writer task that talk to the hub over channels.

use crate::brief::Brief;
use crate::discovery::Discovery;
use crate::engine::{Engine, EngineError};
use crate::identity::hex;
use crate::retry::{Log as RetryLog, StoreRetry};
use crate::sync::{self, Frame, Session};
use crate::transport;
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;
use yrs::sync::{Awareness, Message};
use yrs::updates::encoder::Encode;

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

/// What a front end (the desktop shell, a benchmark) sends to a running peer.
pub enum Command {
    /// A v1 update made by a local editor for a brief: applied to the engine's document,
    /// relayed to peers at once, stored at the next tick.
    LocalUpdate { brief: Uuid, update: Vec<u8> },
    /// Attaches a local editor (the UI's Yjs document) to a brief, opening it if needed: the
    /// editor becomes one more peer of the engine's document. `out` receives y-sync messages
    /// (sync step 2 with the whole state and a sync step 1 at once, then every change and
    /// presence update from elsewhere). `client_id` is the editor's Yjs client id, recorded as
    /// this device's person in the brief's members. Replies with the editor's id.
    Attach {
        brief: Uuid,
        client_id: Option<u64>,
        out: mpsc::UnboundedSender<Vec<u8>>,
        reply: oneshot::Sender<Result<u64, FrontendError>>,
    },
    /// Detaches an editor; its presence is withdrawn.
    Detach { editor: u64 },
    /// A y-sync message from an attached editor (sync step 1/2, update, awareness). Handled
    /// like a peer's message (validated, never trusted); what it changed is relayed to peers
    /// and other editors at once. `reply` fires once the change is stored: that is the
    /// acknowledgement.
    Message {
        editor: u64,
        message: Vec<u8>,
        reply: Option<oneshot::Sender<Result<(), FrontendError>>>,
    },
    /// Runs `op` on a brief's live document (opening it if needed), relays what it changed to
    /// peers and editors, and replies with its result once the change is stored.
    Edit {
        brief: Uuid,
        op: EditOp,
        reply: oneshot::Sender<Result<serde_json::Value, FrontendError>>,
    },
    /// The person using this device changed name or role.
    Profile { name: String, role: crate::Role },
}

/// An operation on a live brief; see [`Command::Edit`].
pub type EditOp = Box<dyn FnOnce(&Brief) -> Result<serde_json::Value, FrontendError> + Send>;

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::LocalUpdate { brief, update } => {
                write!(f, "LocalUpdate({brief}, {} bytes)", update.len())
            }
            Command::Attach { brief, .. } => write!(f, "Attach({brief})"),
            Command::Detach { editor } => write!(f, "Detach({editor})"),
            Command::Message {
                editor, message, ..
            } => {
                write!(f, "Message({editor}, {} bytes)", message.len())
            }
            Command::Edit { brief, .. } => write!(f, "Edit({brief})"),
            Command::Profile { name, role } => write!(f, "Profile({name}, {role})"),
        }
    }
}

/// Why a front end's command failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum FrontendError {
    #[error("no brief {0} in this data directory")]
    NoSuchBrief(String),
    #[error("editor {0} is not attached")]
    NotAttached(u64),
    #[error("rejected: {0}")]
    Rejected(String),
    #[error("could not store the change: {0}")]
    Storage(String),
    #[error("the engine has stopped")]
    Stopped,
}

/// What a running peer tells a front end.
#[derive(Debug, Clone)]
pub enum Notice {
    /// Updates from a peer were applied to a brief (v1 updates, as integrated), leaving the
    /// brief at `state_vector`.
    Changed {
        brief: Uuid,
        updates: Vec<Vec<u8>>,
        state_vector: yrs::StateVector,
    },
}

/// Channels that connect a front end to [`serve_with`].
#[derive(Default)]
pub struct Frontend {
    pub commands: Option<mpsc::UnboundedReceiver<Command>>,
    pub notices: Option<mpsc::UnboundedSender<Notice>>,
}

pub(crate) enum Event {
    Connected {
        id: u64,
        hash: Vec<u8>,
        remote: [u8; 32],
        tx: mpsc::UnboundedSender<Vec<u8>>,
        initiated: bool,
        addr: String,
    },
    Frame {
        id: u64,
        bytes: Vec<u8>,
    },
    Closed {
        id: u64,
        reason: String,
    },
    Discovered {
        addr: SocketAddr,
    },
}

struct Conn {
    tx: mpsc::UnboundedSender<Vec<u8>>,
    session: Session,
    device: String,
    initiator_key: [u8; 32],
    last_recv: Instant,
    /// The name and role the peer gave in its Hello ("Dana (pm)").
    name: String,
    /// Briefs whose changes from this peer are refused (a newer document schema).
    refused: HashSet<Uuid>,
}

/// Where a message came from, so relaying skips its sender.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    Peer(u64),
    Editor(u64),
    Local,
}

/// A local editor attached to one brief (see [`Command::Attach`]).
struct Editor {
    brief: Uuid,
    tx: mpsc::UnboundedSender<Vec<u8>>,
    /// Awareness client ids this editor announced; withdrawn when it detaches.
    presence: HashSet<yrs::block::ClientID>,
}

struct OpenBrief {
    brief: Arc<Brief>,
    awareness: Awareness,
    presence_dirty: bool,
}

struct Hub {
    engine: Arc<Engine>,
    /// Wakes the persistence task; it stores every open brief's outbox (group commit) off the
    /// hub's path, so a slow fsync never delays frames.
    flush_now: Arc<tokio::sync::Notify>,
    open_list: Arc<Mutex<Vec<Arc<Brief>>>>,
    db_jobs: mpsc::UnboundedSender<DbJob>,
    secret: [u8; 32],
    public: [u8; 32],
    name: String,
    role: String,
    cfg: ServeConfig,
    briefs: HashMap<Uuid, OpenBrief>,
    shared: Vec<(Uuid, [u8; 32])>,
    conns: HashMap<u64, Conn>,
    connected: Arc<Mutex<HashSet<[u8; 32]>>>,
    last_seq: i64,
    events: mpsc::UnboundedSender<Event>,
    next_id: Arc<std::sync::atomic::AtomicU64>,
    dialing: HashSet<SocketAddr>,
    notices: Option<mpsc::UnboundedSender<Notice>>,
    editors: HashMap<u64, Editor>,
    next_editor: u64,
}

/// The answer to a y-protocols awareness query: every state this peer holds, as one awareness
/// message (none when it holds no state to tell).
fn awareness_answer(awareness: &Awareness) -> Option<Vec<u8>> {
    let update = awareness.update().ok()?;
    (!update.clients.is_empty()).then(|| Message::Awareness(update).encode_v1())
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
    let shared = engine
        .store()
        .shared_briefs()
        .await
        .map_err(EngineError::from)?;
    let last_seq = engine.store().max_seq().await.map_err(EngineError::from)?;
    let engine = Arc::new(engine);
    let flush_now = Arc::new(tokio::sync::Notify::new());
    let open_list: Arc<Mutex<Vec<Arc<Brief>>>> = Arc::default();
    let stop_flusher = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (db_jobs, jobs_rx) = mpsc::unbounded_channel();
    let flusher = tokio::spawn(persist(
        engine.clone(),
        open_list.clone(),
        flush_now.clone(),
        stop_flusher.clone(),
        jobs_rx,
    ));
    let mut hub = Hub {
        db_jobs,
        flush_now,
        open_list,
        secret: *identity.secret_bytes(),
        public: identity.public,
        name: identity.name.clone(),
        role: identity.role.as_str().to_string(),
        engine,
        cfg: cfg.clone(),
        briefs: HashMap::new(),
        shared,
        conns: HashMap::new(),
        connected: Arc::default(),
        last_seq,
        events: events.clone(),
        next_id: Arc::default(),
        dialing: HashSet::new(),
        notices,
        editors: HashMap::new(),
        next_editor: 1,
    };
    // Briefs are opened up front so CLI edits are picked up and relayed from the start.
    let ids: Vec<Uuid> = hub.shared.iter().map(|(id, _)| *id).collect();
    for id in ids {
        hub.ensure_open(id).await;
    }
    tokio::spawn(accept_loop(
        listener,
        hub.secret,
        events.clone(),
        hub.next_id.clone(),
    ));
    for peer in &cfg.peers {
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
    let mut tick = tokio::time::interval(cfg.tick);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_resync = Instant::now();
    let mut last_renew = Instant::now();
    let mut last_shared = Instant::now();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(ev) = rx.recv() => hub.on_event(ev).await,
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
                hub.pick_up_rows().await;
                if last_shared.elapsed() >= Duration::from_millis(500) {
                    last_shared = Instant::now();
                    hub.refresh_shared().await;
                }
                hub.relay_local();
                if last_resync.elapsed() >= cfg.resync {
                    last_resync = Instant::now();
                    hub.resync();
                    hub.drop_idle();
                }
                if last_renew.elapsed() >= cfg.presence_renew {
                    last_renew = Instant::now();
                    hub.renew_presence();
                }
                hub.expire_presence();
                hub.flush_now.notify_one();
                hub.save_presence().await;
            }
        }
    }
    tracing::info!("shutting down");
    hub.relay_local();
    stop_flusher.store(true, std::sync::atomic::Ordering::SeqCst);
    hub.flush_now.notify_one();
    let _ = flusher.await;
    hub.flush_all().await;
    for ob in hub.briefs.values_mut() {
        ob.awareness.clean_local_state();
    }
    let ids: Vec<Uuid> = hub.briefs.keys().copied().collect();
    for id in ids {
        let _ = hub.engine.store().set_presence(id, &[]).await;
    }
    hub.conns.clear();
    hub.engine.store().close().await;
    Ok(())
}

/// Bookkeeping writes the hub hands to the persistence task, so its own path never waits
/// on the database.
enum DbJob {
    PeerState {
        device: String,
        brief: Uuid,
        sv: Vec<u8>,
    },
    Presence {
        brief: Uuid,
        states: Vec<(u64, String)>,
    },
    Peer {
        device: String,
        name: String,
        addr: String,
        source: String,
    },
    /// Remember that a peer's changes to a brief were refused, and why.
    Refused { brief: Uuid, reason: String },
    /// Store a brief's outbox now, then acknowledge.
    Flush {
        brief: Arc<Brief>,
        done: Box<dyn FnOnce(Result<(), FrontendError>) + Send>,
    },
}

/// The persistence task: on every wake-up, stores each open brief's outbox.
/// It is never cancelled mid-write: at shutdown `stop` is set and it ends after its pass.
async fn persist(
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
                let store = engine.store();
                if let DbJob::Flush { brief, done } = job {
                    // asked for by the app: tried at once, whatever the backoff says
                    let r = flush_logged(&engine, &brief, &mut retry).await;
                    done(r.map_err(|e| FrontendError::Storage(e.to_string())));
                    continue;
                }
                let r = match job {
                    DbJob::Flush { .. } => Ok(()),
                    DbJob::PeerState { device, brief, sv } => store.set_peer_state(&device, brief, &sv).await,
                    DbJob::Presence { brief, states } => store.set_presence(brief, &states).await,
                    DbJob::Peer { device, name, addr, source } => store.upsert_peer(&device, &name, &addr, &source).await,
                    DbJob::Refused { brief, reason } => store.set_refusal(brief, &reason).await,
                };
                if let Err(e) = r {
                    tracing::warn!(error = %e, "bookkeeping write failed");
                }
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
            return;
        }
    }
}

/// Stores a brief's outbox, logging a failure once when it starts (or changes) and once when
/// storing works again; see [`StoreRetry`].
async fn flush_logged(
    engine: &Engine,
    brief: &Brief,
    retry: &mut StoreRetry,
) -> Result<(), EngineError> {
    match engine.flush(brief).await {
        Ok(_) => {
            if retry.stored(brief.id()) == RetryLog::Recovered {
                tracing::info!(brief = %brief.id(), "changes stored again");
            }
            Ok(())
        }
        Err(e) => {
            if retry.failed(brief.id(), Instant::now(), &e.to_string()) == RetryLog::Failing {
                tracing::error!(brief = %brief.id(), error = %e, "could not store changes; will retry with backoff");
            }
            Err(e)
        }
    }
}

/// Most handshakes in progress at once, from anywhere.
pub const MAX_HANDSHAKES: usize = 64;
/// Most handshakes in progress at once from one IP address.
pub const MAX_HANDSHAKES_PER_ADDRESS: usize = 8;

/// Counts the handshakes in progress per address; a slot is given back when dropped.
#[derive(Clone, Default)]
struct AddressSlots(Arc<Mutex<HashMap<std::net::IpAddr, usize>>>);

struct AddressSlot {
    slots: AddressSlots,
    ip: std::net::IpAddr,
}

impl AddressSlots {
    fn take(&self, ip: std::net::IpAddr) -> Option<AddressSlot> {
        let mut m = lock(&self.0);
        let n = m.entry(ip).or_insert(0);
        if *n >= MAX_HANDSHAKES_PER_ADDRESS {
            return None;
        }
        *n += 1;
        Some(AddressSlot {
            slots: self.clone(),
            ip,
        })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut m = lock(&self.slots.0);
        if let Some(n) = m.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.ip);
            }
        }
    }
}

/// Accepts connections. What an unauthenticated connection may cost is bounded: at most
/// [`MAX_HANDSHAKES`] handshakes run at once ([`MAX_HANDSHAKES_PER_ADDRESS`] from one
/// address), each with a few KiB of buffers and [`transport::HANDSHAKE_TIMEOUT`] to finish;
/// a connection beyond those limits is closed at once.
async fn accept_loop(
    listener: TcpListener,
    secret: [u8; 32],
    events: mpsc::UnboundedSender<Event>,
    next_id: Arc<std::sync::atomic::AtomicU64>,
) {
    let handshakes = Arc::new(tokio::sync::Semaphore::new(MAX_HANDSHAKES));
    let per_address = AddressSlots::default();
    let mut refused_since_log = 0u64;
    loop {
        let (stream, addr) = match listener.accept().await {
            Ok(a) => a,
            Err(e) => {
                // out of file descriptors, say: wait instead of spinning on the error
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let slot = per_address.take(addr.ip());
        let permit = handshakes.clone().try_acquire_owned().ok();
        let (Some(slot), Some(permit)) = (slot, permit) else {
            refused_since_log += 1;
            if refused_since_log.is_power_of_two() {
                tracing::warn!(%addr, refused = refused_since_log, "too many handshakes in progress; connection closed");
            }
            drop(stream);
            continue;
        };
        let events = events.clone();
        let next_id = next_id.clone();
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let handshake = transport::accept(stream, &secret).await;
            drop((slot, permit));
            match handshake {
                Ok(ch) => {
                    run_connection(ch, false, addr.to_string(), events, next_id).await;
                }
                Err(e) => {
                    tracing::debug!(%addr, error = %e, "handshake failed; connection dropped")
                }
            }
        });
    }
}

/// Wires an established channel to the hub; returns when it closes.
async fn run_connection(
    ch: transport::Channel<TcpStream>,
    initiated: bool,
    addr: String,
    events: mpsc::UnboundedSender<Event>,
    next_id: Arc<std::sync::atomic::AtomicU64>,
) {
    let id = next_id.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let remote = ch.remote_key;
    let hash = ch.handshake_hash.clone();
    let (mut reader, mut writer) = ch.split();
    let (tx, mut out) = mpsc::unbounded_channel::<Vec<u8>>();
    let mut writer_task = tokio::spawn(async move {
        // Everything queued goes out in one write: bursts cost one syscall, not one per frame.
        let mut batch = Vec::new();
        while let Some(frame) = out.recv().await {
            batch.push(frame);
            while batch.len() < 1024 {
                match out.try_recv() {
                    Ok(f) => batch.push(f),
                    Err(_) => break,
                }
            }
            if writer.write_frames(&batch).await.is_err() {
                break;
            }
            batch.clear();
        }
    });
    if events
        .send(Event::Connected {
            id,
            hash,
            remote,
            tx,
            initiated,
            addr,
        })
        .is_err()
    {
        return;
    }
    // The connection ends when the peer closes it, a read fails, or the hub drops its sender
    // (misbehaviour, duplicate, idle): then the writer task ends and so does the socket.
    let reason = loop {
        tokio::select! {
            read = reader.read_frame() => match read {
                Ok(Some(bytes)) => {
                    if events.send(Event::Frame { id, bytes }).is_err() {
                        break "shutting down".to_string();
                    }
                }
                Ok(None) => break "closed by peer".to_string(),
                Err(e) => break e.to_string(),
            },
            _ = &mut writer_task => break "closed by this device".to_string(),
        }
    };
    writer_task.abort();
    let _ = events.send(Event::Closed { id, reason });
}

impl Hub {
    fn dial(&mut self, target: String) {
        let secret = self.secret;
        let public = self.public;
        let events = self.events.clone();
        let next_id = self.next_id.clone();
        let connected = self.connected.clone();
        tokio::spawn(async move {
            let mut backoff = Duration::from_millis(200);
            let mut known: Option<[u8; 32]> = None;
            loop {
                let already = known.is_some_and(|k| lock(&connected).contains(&k));
                if !already {
                    let attempt = async {
                        let stream = tokio::time::timeout(
                            Duration::from_secs(5),
                            TcpStream::connect(&target),
                        )
                        .await
                        .map_err(|_| "connect timed out".to_string())?
                        .map_err(|e| e.to_string())?;
                        let _ = stream.set_nodelay(true);
                        transport::connect(stream, &secret)
                            .await
                            .map_err(|e| e.to_string())
                    };
                    match attempt.await {
                        Ok(ch) if ch.remote_key == public => {
                            tracing::debug!(%target, "that address is this device; not dialing it");
                            return;
                        }
                        Ok(ch) => {
                            known = Some(ch.remote_key);
                            backoff = Duration::from_millis(200);
                            run_connection(
                                ch,
                                true,
                                target.clone(),
                                events.clone(),
                                next_id.clone(),
                            )
                            .await;
                        }
                        Err(e) => tracing::debug!(%target, error = %e, "dial failed"),
                    }
                }
                if events.is_closed() {
                    return;
                }
                // jittered exponential backoff, at most 10 s
                let jitter =
                    Duration::from_millis(u64::from(crate::brief::random_client_id() as u32 % 200));
                tokio::time::sleep(backoff + jitter).await;
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        });
    }

    async fn on_event(&mut self, ev: Event) {
        match ev {
            Event::Connected {
                id,
                hash,
                remote,
                tx,
                initiated,
                addr,
            } => {
                let device = hex(&remote);
                let initiator_key = if initiated { self.public } else { remote };
                // Two connections to the same device: both sides keep the one whose
                // initiator has the smaller key.
                if let Some((&old_id, old)) = self.conns.iter().find(|(_, c)| c.device == device) {
                    if old.initiator_key < initiator_key {
                        tracing::debug!(%device, "duplicate connection dropped");
                        return;
                    }
                    self.conns.remove(&old_id);
                }
                tracing::info!(%device, %addr, "peer connected");
                let source = if initiated { "dialed" } else { "incoming" };
                let _ = self.db_jobs.send(DbJob::Peer {
                    device: device.clone(),
                    name: String::new(),
                    addr: addr.clone(),
                    source: source.to_string(),
                });
                let session = Session::new(&hash, self.public, remote);
                let hello = session.hello(&self.name, &self.role, &self.shared);
                let _ = tx.send(hello.encode());
                lock(&self.connected).insert(remote);
                self.conns.insert(
                    id,
                    Conn {
                        tx,
                        session,
                        device,
                        initiator_key,
                        last_recv: Instant::now(),
                        name: String::new(),
                        refused: HashSet::new(),
                    },
                );
            }
            Event::Closed { id, reason } => {
                if let Some(c) = self.conns.remove(&id) {
                    tracing::info!(device = %c.device, %reason, "peer disconnected");
                    let key = *c.session.remote_key();
                    if !self.conns.values().any(|o| o.session.remote_key() == &key) {
                        lock(&self.connected).remove(&key);
                    }
                }
            }
            Event::Frame { id, bytes } => {
                if let Err(reason) = self.on_frame(id, &bytes).await {
                    if let Some(c) = self.conns.remove(&id) {
                        tracing::warn!(device = %c.device, %reason, "misbehaving peer disconnected");
                        lock(&self.connected).remove(c.session.remote_key());
                    }
                }
            }
            Event::Discovered { addr } => {
                if self.dialing.insert(addr) {
                    tracing::info!(%addr, "discovered a peer");
                    self.dial(addr.to_string());
                }
            }
        }
    }

    /// This device's presence as announced for every open brief.
    fn presence_state(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.name, "role": self.role, "device": hex(&self.public), "section": null,
        })
    }

    /// Opens a brief for a front end, only if the database has it (opening an unknown id
    /// would make an empty brief appear).
    async fn open_existing(&mut self, id: Uuid) -> bool {
        if self.briefs.contains_key(&id) {
            return true;
        }
        match self.engine.resolve(&id.to_string()).await {
            Ok(found) if found == id => self.ensure_open(id).await,
            _ => false,
        }
    }

    async fn ensure_open(&mut self, id: Uuid) -> bool {
        if self.briefs.contains_key(&id) {
            return true;
        }
        match self.engine.open_brief(id).await {
            Ok(ob) => {
                let brief = Arc::new(ob.brief);
                // the person may have renamed themselves since the engine was opened
                let mut member = brief.local();
                if let Ok(role) = self.role.parse() {
                    member.role = role;
                }
                member.name = self.name.clone();
                brief.set_local(member);
                brief.enable_relay();
                if let Ok(Some(reason)) = self.engine.store().refusal(id).await {
                    brief.set_refused(&reason);
                }
                lock(&self.open_list).push(brief.clone());
                let mut awareness = Awareness::new(brief.doc().clone());
                let _ = awareness.set_local_state(self.presence_state());
                self.briefs.insert(
                    id,
                    OpenBrief {
                        brief,
                        awareness,
                        presence_dirty: true,
                    },
                );
                true
            }
            Err(e) => {
                tracing::warn!(brief = %id, error = %e, "cannot open brief");
                false
            }
        }
    }

    async fn on_frame(&mut self, id: u64, bytes: &[u8]) -> Result<(), String> {
        let frame = Frame::decode(bytes).map_err(|e| e.to_string())?;
        let Some(conn) = self.conns.get_mut(&id) else {
            return Ok(());
        };
        conn.last_recv = Instant::now();
        match frame {
            Frame::Ping => {
                let _ = conn.tx.send(Frame::Pong.encode());
            }
            Frame::Pong => {}
            Frame::Hello {
                version,
                name,
                role,
                tags,
            } => {
                if version != sync::PROTOCOL_VERSION {
                    return Err(format!("protocol version {version}"));
                }
                let device = conn.device.clone();
                let shared = self.shared.clone();
                let new = conn.session.accept_tags(&tags, &shared);
                conn.name = format!("{name} ({role})");
                let _ = self.db_jobs.send(DbJob::Peer {
                    device: device.clone(),
                    name: conn.name.clone(),
                    addr: String::new(),
                    source: String::new(),
                });
                if !new.is_empty() {
                    // Tell the peer about our briefs again: it may have matched nothing of
                    // ours yet if it learned of a brief after its last Hello.
                    let conn = &self.conns[&id];
                    let hello = conn.session.hello(&self.name, &self.role, &self.shared);
                    let _ = conn.tx.send(hello.encode());
                }
                for b in new {
                    if self.ensure_open(b).await {
                        tracing::info!(brief = %b, %device, "syncing brief with peer");
                        self.send_brief(id, b, sync::step1(&self.briefs[&b].brief));
                        if let Ok(update) = self.briefs[&b].awareness.update() {
                            self.send_brief(id, b, Message::Awareness(update).encode_v1());
                        }
                    }
                }
            }
            Frame::Brief { topic, message } => {
                let Some(b) = conn.session.brief_for(&topic) else {
                    tracing::debug!("frame for an unknown topic ignored");
                    return Ok(());
                };
                if conn.refused.contains(&b) {
                    // this peer's copy is a newer schema: nothing of it is applied (and
                    // answering would only make it send the same again)
                    return Ok(());
                }
                let device = conn.device.clone();
                let peer = if conn.name.is_empty() {
                    device.chars().take(16).collect()
                } else {
                    conn.name.clone()
                };
                let Some(ob) = self.briefs.get_mut(&b) else {
                    return Ok(());
                };
                let mut handled = match sync::handle(&ob.brief, &message) {
                    Ok(h) => h,
                    Err(sync::SyncError::NewerSchema { found }) => {
                        let reason = format!(
                            "{peer} has this brief from a newer version of Groundwork (document schema {found}); its changes are not merged here. Update Groundwork to keep syncing this brief."
                        );
                        tracing::warn!(brief = %b, %device, found, "changes from a newer document schema refused");
                        ob.brief.set_refused(&reason);
                        let _ = self.db_jobs.send(DbJob::Refused { brief: b, reason });
                        if let Some(c) = self.conns.get_mut(&id) {
                            c.refused.insert(b);
                        }
                        return Ok(());
                    }
                    Err(e) => return Err(e.to_string()),
                };
                if handled.awareness_query {
                    handled.replies.extend(awareness_answer(&ob.awareness));
                }
                // Awareness is relayed only when it told us something new: relaying every copy
                // would echo around a mesh of peers forever.
                let mut awareness_relay = None;
                if let Some(aw) = &handled.awareness {
                    let update =
                        sync::awareness_update(aw).map_err(|e| format!("awareness: {e}"))?;
                    let summary = ob
                        .awareness
                        .apply_update_summary(update)
                        .map_err(|e| format!("awareness: {e}"))?;
                    if summary.is_some_and(|s| !s.all_changes().is_empty()) {
                        ob.presence_dirty = true;
                        // the message as received is exactly what the other peers need
                        awareness_relay = Some(message.clone());
                    }
                }
                let relay = ob.brief.take_relay();
                if let (Some(n), true) = (&self.notices, handled.changed) {
                    let _ = n.send(Notice::Changed {
                        brief: b,
                        updates: relay.clone(),
                        state_vector: ob.brief.state_vector(),
                    });
                }
                for r in handled.replies {
                    self.send_brief(id, b, r);
                }
                if let Some(sv) = handled.peer_state_vector {
                    let _ = self.db_jobs.send(DbJob::PeerState {
                        device: device.clone(),
                        brief: b,
                        sv,
                    });
                }
                for u in relay {
                    self.broadcast(b, Origin::Peer(id), sync::update_message(u));
                }
                if let Some(msg) = awareness_relay {
                    self.broadcast(b, Origin::Peer(id), msg);
                }
            }
        }
        Ok(())
    }

    /// Handles commands in order. Consecutive local updates are validated one by one, then
    /// merged and applied in one transaction per brief (a burst costs one integration and
    /// one relayed update, not one per edit); see [`Hub::apply_local_batch`].
    async fn on_commands(&mut self, batch: Vec<Command>) {
        let mut pending: Vec<(Uuid, Vec<Vec<u8>>)> = Vec::new();
        for cmd in batch {
            match cmd {
                Command::LocalUpdate { brief, update } => {
                    if let Err(e) = crate::validate::update_v1(&update) {
                        tracing::warn!(%brief, error = %e, "local update rejected");
                        continue;
                    }
                    match pending.iter_mut().find(|(b, _)| *b == brief) {
                        Some((_, list)) => list.push(update),
                        None => pending.push((brief, vec![update])),
                    }
                }
                other => {
                    for (b, list) in pending.drain(..) {
                        self.apply_local_batch(b, list);
                    }
                    self.on_command(other).await;
                }
            }
        }
        for (b, list) in pending {
            self.apply_local_batch(b, list);
        }
    }

    /// Applies validated local updates to a brief one by one (each is cheap) and relays them.
    /// Several become one relayed update: the document's diff against its state vector
    /// before the batch. (yrs's `merge_updates` is no option here: about 0.5 s for 10,000
    /// one-character updates, and it can leave holes.)
    fn apply_local_batch(&mut self, brief: Uuid, updates: Vec<Vec<u8>>) {
        let Some(ob) = self.briefs.get(&brief) else {
            tracing::warn!(%brief, "update for a brief that is not open");
            return;
        };
        // what was queued for peers before this batch goes out as it is
        let earlier = ob.brief.take_relay();
        let before = ob.brief.state_vector();
        for u in earlier {
            self.broadcast(brief, Origin::Local, sync::update_message(u));
        }
        let mut applied = 0usize;
        for u in &updates {
            if self.apply_local(brief, u) {
                applied += 1;
            }
        }
        let Some(ob) = self.briefs.get(&brief) else {
            return;
        };
        let relay = ob.brief.take_relay();
        if applied > 1 && !ob.brief.has_missing_dependencies() {
            let diff = ob.brief.encode_diff_v1(&before);
            self.broadcast(brief, Origin::Local, sync::update_message(diff));
        } else {
            for u in relay {
                self.broadcast(brief, Origin::Local, sync::update_message(u));
            }
        }
    }

    /// Applies a local editor's update, validated by the caller, to a brief. False if refused.
    fn apply_local(&mut self, brief: Uuid, update: &[u8]) -> bool {
        let Some(ob) = self.briefs.get(&brief) else {
            tracing::warn!(%brief, "update for a brief that is not open");
            return false;
        };
        match ob.brief.apply_update_v1(update) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(%brief, error = %e, "local update rejected");
                false
            }
        }
    }

    async fn on_command(&mut self, cmd: Command) {
        match cmd {
            Command::LocalUpdate { brief, update } => match crate::validate::update_v1(&update) {
                Ok(_) => self.apply_local_batch(brief, vec![update]),
                Err(e) => tracing::warn!(%brief, error = %e, "local update rejected"),
            },
            Command::Attach {
                brief,
                client_id,
                out,
                reply,
            } => {
                let _ = reply.send(self.attach(brief, client_id, out).await);
            }
            Command::Detach { editor } => self.detach(editor),
            Command::Message {
                editor,
                message,
                reply,
            } => {
                // Every reply goes through the persistence task, also for a message that changed
                // nothing: after a failed store the UI sends its kept edits again, and they are
                // in memory already but maybe not on disk. Asking here whether the brief has
                // changes waiting would race with that task, which takes them out while it
                // writes; behind it in its queue, the answer is exact (and with nothing waiting
                // the flush writes nothing).
                match (self.on_editor_message(editor, &message), reply) {
                    (Ok(brief), Some(reply)) => {
                        let _ = self.db_jobs.send(DbJob::Flush {
                            brief,
                            done: Box::new(move |r| {
                                let _ = reply.send(r);
                            }),
                        });
                    }
                    (Err(e), reply) => {
                        tracing::warn!(editor, error = %e, "editor message rejected");
                        if let Some(reply) = reply {
                            let _ = reply.send(Err(e));
                        }
                    }
                    (Ok(_), None) => {}
                }
            }
            Command::Edit { brief, op, reply } => {
                if !self.open_existing(brief).await {
                    let _ = reply.send(Err(FrontendError::NoSuchBrief(brief.to_string())));
                    return;
                }
                let b = self.briefs[&brief].brief.clone();
                let result = op(&b);
                for u in b.take_relay() {
                    self.broadcast(brief, Origin::Local, sync::update_message(u));
                }
                match result {
                    Ok(value) if b.has_pending() => {
                        let _ = self.db_jobs.send(DbJob::Flush {
                            brief: b,
                            done: Box::new(move |r| {
                                let _ = reply.send(r.map(|_| value));
                            }),
                        });
                    }
                    other => {
                        let _ = reply.send(other);
                    }
                }
            }
            Command::Profile { name, role } => {
                self.name = name.clone();
                self.role = role.as_str().to_string();
                let presence = self.presence_state();
                let mut out = Vec::new();
                for (id, ob) in self.briefs.iter_mut() {
                    let mut member = ob.brief.local();
                    member.name = name.clone();
                    member.role = role;
                    ob.brief.set_local(member);
                    if ob.awareness.set_local_state(presence.clone()).is_ok() {
                        let cid = ob.awareness.client_id();
                        if let Ok(update) = ob.awareness.update_with_clients([cid]) {
                            out.push((*id, Message::Awareness(update).encode_v1()));
                        }
                    }
                }
                for (id, m) in out {
                    self.broadcast(id, Origin::Local, m);
                }
                let hellos: Vec<_> = self
                    .conns
                    .values()
                    .map(|c| {
                        (
                            c.tx.clone(),
                            c.session.hello(&self.name, &self.role, &self.shared),
                        )
                    })
                    .collect();
                for (tx, hello) in hellos {
                    let _ = tx.send(hello.encode());
                }
            }
        }
    }

    async fn attach(
        &mut self,
        brief: Uuid,
        client_id: Option<u64>,
        out: mpsc::UnboundedSender<Vec<u8>>,
    ) -> Result<u64, FrontendError> {
        if !self.open_existing(brief).await {
            return Err(FrontendError::NoSuchBrief(brief.to_string()));
        }
        let ob = &self.briefs[&brief];
        if let Some(cid) = client_id {
            if cid == ob.brief.client_id() || cid > u64::from(u32::MAX) {
                return Err(FrontendError::Rejected(format!("client id {cid}")));
            }
            ob.brief.register_client(cid);
        }
        // The editor's document is new: hand it the whole state at once (no round trip), then
        // ask for anything it has that we lack.
        let state = ob.brief.encode_state_v1();
        let _ = out.send(sync::encode(&Message::Sync(
            yrs::sync::SyncMessage::SyncStep2(state),
        )));
        let _ = out.send(sync::step1(&ob.brief));
        if let Ok(update) = ob.awareness.update() {
            let _ = out.send(Message::Awareness(update).encode_v1());
        }
        let relay = ob.brief.take_relay();
        for u in relay {
            self.broadcast(brief, Origin::Local, sync::update_message(u));
        }
        let id = self.next_editor;
        self.next_editor += 1;
        self.editors.insert(
            id,
            Editor {
                brief,
                tx: out,
                presence: HashSet::new(),
            },
        );
        tracing::info!(%brief, editor = id, "editor attached");
        Ok(id)
    }

    fn detach(&mut self, editor: u64) {
        let Some(ed) = self.editors.remove(&editor) else {
            return;
        };
        let Some(ob) = self.briefs.get_mut(&ed.brief) else {
            return;
        };
        let ids: Vec<yrs::block::ClientID> = ed.presence.into_iter().collect();
        for id in &ids {
            ob.awareness.remove_state(*id);
        }
        ob.presence_dirty = true;
        if let Ok(update) = ob.awareness.update_with_clients(ids) {
            let msg = Message::Awareness(update).encode_v1();
            self.broadcast(ed.brief, Origin::Editor(editor), msg);
        }
        tracing::info!(brief = %ed.brief, editor, "editor detached");
    }

    /// Handles a y-sync message from an editor. Returns the editor's brief, whose changes (if
    /// any) are now waiting to be stored.
    fn on_editor_message(
        &mut self,
        editor: u64,
        message: &[u8],
    ) -> Result<Arc<Brief>, FrontendError> {
        let ed = self
            .editors
            .get_mut(&editor)
            .ok_or(FrontendError::NotAttached(editor))?;
        let b = ed.brief;
        let ob = self
            .briefs
            .get_mut(&b)
            .ok_or(FrontendError::NoSuchBrief(b.to_string()))?;
        let mut handled =
            sync::handle(&ob.brief, message).map_err(|e| FrontendError::Rejected(e.to_string()))?;
        if handled.awareness_query {
            handled.replies.extend(awareness_answer(&ob.awareness));
        }
        let mut awareness_relay = None;
        if let Some(aw) = &handled.awareness {
            let update = sync::awareness_update(aw)
                .map_err(|e| FrontendError::Rejected(format!("awareness: {e}")))?;
            ed.presence.extend(update.clients.keys().copied());
            let summary = ob
                .awareness
                .apply_update_summary(update)
                .map_err(|e| FrontendError::Rejected(format!("awareness: {e}")))?;
            if summary.is_some_and(|s| !s.all_changes().is_empty()) {
                ob.presence_dirty = true;
            }
            // an editor's renewal is relayed even when unchanged: it keeps its presence alive
            awareness_relay = Some(message.to_vec());
        }
        let relay = ob.brief.take_relay();
        let changed = handled.changed;
        let brief = ob.brief.clone();
        for r in handled.replies {
            let _ = ed.tx.send(r);
        }
        if let (Some(n), true) = (&self.notices, changed) {
            let _ = n.send(Notice::Changed {
                brief: b,
                updates: relay.clone(),
                state_vector: brief.state_vector(),
            });
        }
        for u in relay {
            self.broadcast(b, Origin::Editor(editor), sync::update_message(u));
        }
        if let Some(msg) = awareness_relay {
            self.broadcast(b, Origin::Editor(editor), msg);
        }
        Ok(brief)
    }

    fn send_brief(&self, conn: u64, brief: Uuid, message: Vec<u8>) {
        if let Some(c) = self.conns.get(&conn) {
            if let Some(topic) = c.session.topic_for(brief) {
                let _ = c.tx.send(Frame::Brief { topic, message }.encode());
            }
        }
    }

    /// Sends a y-sync message about `brief` to every peer sharing it and every editor
    /// attached to it, except where it came from.
    fn broadcast(&self, brief: Uuid, except: Origin, message: Vec<u8>) {
        for (&eid, e) in &self.editors {
            if e.brief == brief && except != Origin::Editor(eid) {
                let _ = e.tx.send(message.clone());
            }
        }
        for (&cid, c) in &self.conns {
            if except == Origin::Peer(cid) {
                continue;
            }
            if let Some(topic) = c.session.topic_for(brief) {
                let _ = c.tx.send(
                    Frame::Brief {
                        topic,
                        message: message.clone(),
                    }
                    .encode(),
                );
            }
        }
    }

    /// Sends changes that did not come from a peer (CLI rows, local edits) to every peer.
    fn relay_local(&mut self) {
        let mut out = Vec::new();
        for (id, ob) in &self.briefs {
            for u in ob.brief.take_relay() {
                out.push((*id, sync::update_message(u)));
            }
        }
        for (id, m) in out {
            self.broadcast(id, Origin::Local, m);
        }
    }

    async fn flush_all(&mut self) {
        for (id, ob) in &self.briefs {
            if ob.brief.has_pending() {
                if let Err(e) = self.engine.flush(&ob.brief).await {
                    tracing::error!(brief = %id, error = %e, "could not store changes; will retry");
                }
            }
        }
    }

    /// Applies rows that other processes appended to this data directory.
    async fn pick_up_rows(&mut self) {
        let Ok(rows) = self.engine.store().rows_after(self.last_seq).await else {
            return;
        };
        let mut per_brief: HashMap<Uuid, Vec<i64>> = HashMap::new();
        for (seq, brief) in rows {
            self.last_seq = self.last_seq.max(seq);
            if self.briefs.contains_key(&brief) && !self.engine.knows_row(brief, seq) {
                per_brief.entry(brief).or_default().push(seq);
            }
        }
        for (brief, seqs) in per_brief {
            let Ok(updates) = self.engine.store().load_rows(brief, &seqs).await else {
                continue;
            };
            if let Some(ob) = self.briefs.get(&brief) {
                if ob.brief.apply_stored(updates).is_ok() {
                    self.engine.note_rows(brief, &seqs);
                }
            }
        }
    }

    /// Notices briefs shared (invite/join) by the CLI while running.
    async fn refresh_shared(&mut self) {
        let Ok(shared) = self.engine.store().shared_briefs().await else {
            return;
        };
        if shared == self.shared {
            return;
        }
        self.shared = shared;
        let ids: Vec<Uuid> = self.shared.iter().map(|(id, _)| *id).collect();
        for id in ids {
            self.ensure_open(id).await;
        }
        for c in self.conns.values() {
            let _ = c.tx.send(
                c.session
                    .hello(&self.name, &self.role, &self.shared)
                    .encode(),
            );
        }
    }

    fn resync(&self) {
        for (&cid, c) in &self.conns {
            for b in c.session.shared() {
                if let Some(ob) = self.briefs.get(&b) {
                    self.send_brief(cid, b, sync::step1(&ob.brief));
                }
            }
        }
    }

    fn drop_idle(&mut self) {
        let limit = self.cfg.idle_timeout;
        let idle: Vec<u64> = self
            .conns
            .iter()
            .filter(|(_, c)| c.last_recv.elapsed() > limit)
            .map(|(id, _)| *id)
            .collect();
        for id in idle {
            if let Some(c) = self.conns.remove(&id) {
                tracing::info!(device = %c.device, "peer silent; connection closed");
                lock(&self.connected).remove(c.session.remote_key());
            }
        }
        for c in self.conns.values() {
            let _ = c.tx.send(Frame::Ping.encode());
        }
    }

    fn renew_presence(&mut self) {
        let mut out = Vec::new();
        for (id, ob) in self.briefs.iter_mut() {
            if let Some(state) = ob.awareness.local_state_raw() {
                ob.awareness.set_local_state_raw(state);
                let me = ob.awareness.client_id();
                if let Ok(update) = ob.awareness.update_with_clients([me]) {
                    out.push((*id, Message::Awareness(update).encode_v1()));
                }
            }
        }
        for (id, m) in out {
            self.broadcast(id, Origin::Local, m);
        }
    }

    fn expire_presence(&mut self) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let timeout = self.cfg.presence_timeout.as_millis() as u64;
        for ob in self.briefs.values_mut() {
            let me = ob.awareness.client_id();
            let stale: Vec<_> = ob
                .awareness
                .iter()
                .filter(|(id, st)| {
                    *id != me && st.data.is_some() && now.saturating_sub(st.last_updated) > timeout
                })
                .map(|(id, _)| id)
                .collect();
            for id in stale {
                ob.awareness.remove_state(id);
                ob.presence_dirty = true;
            }
        }
    }

    async fn save_presence(&mut self) {
        let mut writes = Vec::new();
        for (id, ob) in self.briefs.iter_mut() {
            if !ob.presence_dirty {
                continue;
            }
            ob.presence_dirty = false;
            let me = ob.awareness.client_id();
            let states: Vec<(u64, String)> = ob
                .awareness
                .iter()
                .filter(|(cid, _)| *cid != me)
                .filter_map(|(cid, st)| st.data.map(|d| (cid.get(), d.to_string())))
                .collect();
            writes.push((*id, states));
        }
        for (id, states) in writes {
            let _ = self.db_jobs.send(DbJob::Presence { brief: id, states });
        }
    }
}
