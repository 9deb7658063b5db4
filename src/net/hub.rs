//! The hub: the one task that owns the peer state machine ([`crate::peer::Peer`]) and the
//! open briefs. It only moves bytes — frames from connections and messages from editors into
//! the machine, the machine's output to sockets, the persistence task and the front end — and
//! does what the machine cannot: open briefs from the database and pick up rows other
//! processes (the CLI) wrote.

use super::command::{Command, FrontendError, Notice};
use super::connection::{Dialer, Event};
use super::lock;
use super::persist::DbJob;
use crate::brief::Brief;
use crate::engine::Engine;
use crate::identity::hex;
use crate::peer::{LinkId, Output, Peer};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::mpsc;
use uuid::Uuid;

pub(super) struct Hub {
    pub engine: Arc<Engine>,
    pub peer: Peer,
    /// Where each link's bytes go: a connection's writer, or an editor's channel.
    pub links: HashMap<LinkId, mpsc::UnboundedSender<Vec<u8>>>,
    /// Wakes the persistence task; it stores every open brief's outbox (group commit) off the
    /// hub's path, so a slow fsync never delays frames.
    pub flush_now: Arc<tokio::sync::Notify>,
    pub open_list: Arc<Mutex<Vec<Arc<Brief>>>>,
    pub db_jobs: mpsc::UnboundedSender<DbJob>,
    pub dialer: Dialer,
    pub dialing: HashSet<SocketAddr>,
    pub notices: Option<mpsc::UnboundedSender<Notice>>,
    pub started: Instant,
    /// Relay connections this device keeps (`net/relays.rs`).
    pub relays: super::relays::Relays,
}

impl Hub {
    /// The machine's clock: milliseconds since the hub started.
    pub fn now(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// Carries out what the machine asked for, opening briefs it needs (which may ask for
    /// more) until it is quiet.
    pub async fn drive(&mut self) {
        loop {
            let mut open = Vec::new();
            for out in self.peer.take_outputs() {
                match out {
                    Output::Send { link, bytes } => {
                        if let Some(tx) = self.links.get(&link) {
                            let _ = tx.send(bytes);
                        }
                    }
                    // dropping the sender ends the connection's writer, and so the socket
                    Output::Close { link, .. } => {
                        self.links.remove(&link);
                    }
                    // stored at the next tick by the persistence task (group commit)
                    Output::Store(_) => {}
                    Output::Open(b) => open.push(b),
                    Output::Record(r) => {
                        let _ = self.db_jobs.send(DbJob::Record(r));
                    }
                    Output::Changed {
                        brief,
                        updates,
                        state_vector,
                    } => {
                        if let Some(n) = &self.notices {
                            let _ = n.send(Notice::Changed {
                                brief,
                                updates,
                                state_vector,
                            });
                        }
                    }
                    Output::PeerUp(key) => {
                        lock(&self.dialer.connected).insert(key);
                    }
                    Output::PeerDown(key) => {
                        lock(&self.dialer.connected).remove(&key);
                    }
                }
            }
            if open.is_empty() {
                return;
            }
            for b in open {
                self.ensure_open(b).await;
            }
        }
    }

    pub async fn on_event(&mut self, ev: Event) {
        let now = self.now();
        match ev {
            Event::Connected {
                id,
                hash,
                remote,
                tx,
                initiated,
                addr,
            } => {
                self.links.insert(id, tx);
                self.peer
                    .connected(id, &hash, remote, initiated, &addr, now);
            }
            Event::Closed { id, reason } => {
                self.links.remove(&id);
                self.peer.closed(id, &reason);
            }
            Event::Frame { id, bytes } => self.peer.receive_frame(id, &bytes, now),
            Event::Discovered { addr } => {
                tracing::info!(%addr, "discovered a peer");
                self.dial(addr.to_string());
            }
            Event::Rows {
                brief,
                seqs,
                updates,
            } => self.apply_rows(brief, seqs, updates),
            Event::Shared(shared) => self.peer.set_shared(shared),
        }
        self.drive().await;
    }

    /// The relays this device's settings name now: started or stopped to match.
    pub async fn want_relays(&mut self) {
        let wanted = super::relays::Relays::wanted(self.engine.store()).await;
        for link in self.relays.reconcile(wanted) {
            self.links.remove(&link);
            self.peer.closed(link, "relay removed");
        }
        self.drive().await;
    }

    /// What a relay connection reports: up (a relay link of the machine, its brief opened),
    /// a message, down.
    pub async fn on_relay(
        &mut self,
        brief: Uuid,
        url: crate::relay::RelayUrl,
        ev: crate::relay::RelayEvent,
    ) {
        use crate::relay::RelayEvent;
        let now = self.now();
        match ev {
            RelayEvent::Up { link, tx } => {
                if !self.relays.is_running(brief, &url) || !self.open_existing(brief).await {
                    return; // dropping `tx` ends the connection
                }
                self.links.insert(link, tx);
                match self.peer.attach_relay(link, brief, url.as_str()) {
                    Ok(()) => {
                        self.relays.set_link(brief, &url, Some(link));
                        self.relay_state(brief, &url, true, None);
                    }
                    Err(e) => {
                        tracing::warn!(%brief, relay = %url, error = %e, "relay not attached");
                        self.links.remove(&link);
                    }
                }
            }
            RelayEvent::Message { link, bytes } => self.peer.receive_relay(link, &bytes, now),
            RelayEvent::Down { link, reason } => {
                self.links.remove(&link);
                self.peer.closed(link, &reason);
                self.relays.set_link(brief, &url, None);
                self.relay_state(brief, &url, false, Some(reason));
            }
            RelayEvent::Unreachable { reason } => {
                tracing::debug!(%brief, relay = %url, %reason, "relay unreachable");
                self.relay_state(brief, &url, false, Some(reason));
            }
        }
        self.drive().await;
    }

    /// Records a relay's connection state (the store keeps when it last changed).
    fn relay_state(
        &self,
        brief: Uuid,
        url: &crate::relay::RelayUrl,
        up: bool,
        reason: Option<String>,
    ) {
        let _ = self.db_jobs.send(DbJob::Record(crate::peer::Record::Relay {
            brief,
            url: url.to_string(),
            up,
            reason,
        }));
    }

    /// Opens a brief for a front end, only if the database has it (opening an unknown id
    /// would make an empty brief appear).
    async fn open_existing(&mut self, id: Uuid) -> bool {
        if self.peer.brief(id).is_some() {
            return true;
        }
        match self.engine.resolve(&id.to_string()).await {
            Ok(found) if found == id => self.ensure_open(id).await,
            _ => false,
        }
    }

    pub async fn ensure_open(&mut self, id: Uuid) -> bool {
        if self.peer.brief(id).is_some() {
            return true;
        }
        match self.engine.open_brief(id).await {
            Ok(ob) => {
                let brief = Arc::new(ob.brief);
                let refusal = self.engine.store().refusal(id).await.ok().flatten();
                lock(&self.open_list).push(brief.clone());
                self.peer.open(brief, refusal);
                true
            }
            Err(e) => {
                tracing::warn!(brief = %id, error = %e, "cannot open brief");
                false
            }
        }
    }

    /// Handles commands in order. Consecutive local updates are applied as one batch per
    /// brief (a burst costs one relayed update, not one per edit); see
    /// [`Peer::local_updates`].
    pub async fn on_commands(&mut self, batch: Vec<Command>) {
        let mut pending: Vec<(Uuid, Vec<Vec<u8>>)> = Vec::new();
        for cmd in batch {
            match cmd {
                Command::LocalUpdate { brief, update } => {
                    match pending.iter_mut().find(|(b, _)| *b == brief) {
                        Some((_, list)) => list.push(update),
                        None => pending.push((brief, vec![update])),
                    }
                }
                other => {
                    for (b, list) in pending.drain(..) {
                        self.peer.local_updates(b, list);
                    }
                    self.on_command(other).await;
                }
            }
        }
        for (b, list) in pending {
            self.peer.local_updates(b, list);
        }
        self.drive().await;
    }

    async fn on_command(&mut self, cmd: Command) {
        match cmd {
            Command::LocalUpdate { brief, update } => self.peer.local_updates(brief, vec![update]),
            Command::Attach {
                brief,
                client_id,
                out,
                reply,
            } => {
                let r = if self.open_existing(brief).await {
                    let link = self.dialer.next_id.fetch_add(1, Ordering::Relaxed);
                    self.links.insert(link, out);
                    let r = self.peer.attach(link, brief, client_id);
                    if r.is_err() {
                        self.links.remove(&link);
                    }
                    r.map(|()| link)
                } else {
                    Err(FrontendError::NoSuchBrief(brief.to_string()))
                };
                let _ = reply.send(r);
            }
            Command::Detach { editor } => {
                self.links.remove(&editor);
                self.peer.closed(editor, "detached");
            }
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
                match (self.peer.receive_editor(editor, &message), reply) {
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
                let Some(b) = self.peer.brief(brief).cloned() else {
                    return;
                };
                let result = op(&b);
                self.peer.relay_local();
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
            Command::Profile { name, role } => self.peer.set_profile(&name, role),
            Command::Dial { addr } => self.dial(addr),
            Command::Connected { reply } => {
                let mut keys: Vec<String> = self.peer.peer_keys().iter().map(|k| hex(k)).collect();
                keys.extend(self.peer.relay_devices());
                let _ = reply.send(keys);
            }
        }
    }

    /// Keeps a link to `addr` up, once per address (a discovered or listed one is not dialed
    /// twice).
    pub(super) fn dial(&mut self, addr: String) {
        match addr.parse::<SocketAddr>() {
            Ok(a) if !self.dialing.insert(a) => {}
            _ => {
                tracing::info!(%addr, "dialing a peer");
                self.dialer.dial(addr);
            }
        }
    }

    /// Applies rows another process appended to an open brief's log (read by the watcher),
    /// and relays them.
    /// A row noted by this engine since the watcher read it is applied again: harmless, as
    /// applying an update twice changes nothing.
    fn apply_rows(&mut self, brief: Uuid, seqs: Vec<i64>, updates: Vec<yrs::Update>) {
        if let Some(b) = self.peer.brief(brief) {
            if b.apply_stored(updates).is_ok() {
                self.engine.note_rows(brief, &seqs);
                self.peer.relay_local();
            }
        }
    }

    /// Stores what every open brief holds unstored, and compacts its log if the tail is worth
    /// it (at shutdown, after the persistence task: [`crate::engine::Engine::settle`]).
    pub async fn flush_all(&mut self) {
        for b in self.peer.briefs() {
            if b.has_pending() {
                if let Err(e) = self.engine.settle(b).await {
                    tracing::error!(brief = %b.id(), error = %e, "could not store changes");
                }
            }
        }
    }
}
