//! One peer connection's tasks: dialing with backoff, and the reader and writer that move an
//! established channel's frames to and from the hub.

use super::lock;
use crate::transport;
use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// What the connection tasks (and discovery) tell the hub.
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
    /// Rows another process appended to an open brief's log, read by the watcher.
    Rows {
        brief: uuid::Uuid,
        seqs: Vec<i64>,
        updates: Vec<yrs::Update>,
    },
    /// The briefs this device shares, read by the watcher when they changed.
    Shared(Vec<crate::peer::Share>),
}

/// Wires an established channel to the hub; returns when it closes.
pub(super) async fn run_connection(
    ch: transport::Channel<TcpStream>,
    initiated: bool,
    addr: String,
    events: mpsc::UnboundedSender<Event>,
    next_id: Arc<AtomicU64>,
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

/// Who dials: this device's keys, the hub's events, the link id counter and the set of
/// device keys linked now (a dialer waits while its target is linked another way).
#[derive(Clone)]
pub(super) struct Dialer {
    pub secret: [u8; 32],
    pub public: [u8; 32],
    pub events: mpsc::UnboundedSender<Event>,
    pub next_id: Arc<AtomicU64>,
    pub connected: Arc<Mutex<HashSet<[u8; 32]>>>,
}

impl Dialer {
    /// Keeps a link to `target` up: dials, runs the connection, and dials again after it
    /// ends, with jittered exponential backoff (at most 10 s).
    pub fn dial(&self, target: String) {
        let Dialer {
            secret,
            public,
            events,
            next_id,
            connected,
        } = self.clone();
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
}
