//! The sync peer as a pure state machine: bytes in, bytes out. It owns every decision the
//! running service makes about peers and editors — Hello and brief matching, the y-sync and
//! awareness exchange, relaying, duplicate connections, resync, idle connections, presence
//! renewal and expiry — and nothing else: no sockets, no tasks, no database, no clock of its
//! own. The hub ([`crate::net`]) moves bytes between sockets, the persistence task and this
//! machine; the simulation (`tests/sim.rs`) and the model test (`tests/model.rs`) drive the
//! same machine over an in-memory network.
//!
//! A *link* is anything that exchanges y-sync messages with this device: a peer over an
//! encrypted channel (its messages come wrapped in [`Frame`]s, one topic per brief), a local
//! editor attached to one brief (the UI's Yjs document: bare y-sync messages), or a relay — a
//! stock Yjs server's room for one brief (bare y-sync messages too, handled as a peer's). All
//! take one path through [`Peer::receive_frame`] / [`Peer::receive_editor`] /
//! [`Peer::receive_relay`] into the same message handling.
//!
//! Inputs are method calls; each may queue [`Output`]s, taken with [`Peer::take_outputs`].
//! Time is given, in milliseconds on any monotonic clock, to the calls that need it.
//!
//! Two peers sharing one brief, wired by hand:
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use groundwork::peer::{Me, Output, Peer, PeerConfig, Share};
//! use groundwork::{Engine, Section, Template};
//! use std::sync::Arc;
//!
//! let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
//! let engine_a = Engine::open(dir_a.path()).await.unwrap();
//! let engine_b = Engine::open(dir_b.path()).await.unwrap();
//! let brief_a = engine_a.create("Onboarding", Template::ProblemFirst).await.unwrap();
//! let brief_b = engine_b.adopt(brief_a.id()).await.unwrap(); // joined: empty until synced
//! let shared = vec![Share::new(brief_a.id(), [7u8; 32])]; // the brief and its secret
//! // A's roster approves B's device key (as when B joined with an invite code)
//! brief_a.admit_device(&groundwork::identity::hex(&[2; 32]), "device 2", "pm");
//!
//! let me = |key: u8| Me { public: [key; 32], name: format!("device {key}"), role: "pm".into() };
//! let mut a = Peer::new(me(1), shared.clone(), PeerConfig::default());
//! let mut b = Peer::new(me(2), shared, PeerConfig::default());
//! let brief_a = Arc::new(brief_a);
//! let brief_b = Arc::new(brief_b);
//! a.open(brief_a.clone(), None);
//! b.open(brief_b.clone(), None);
//!
//! // The transport's handshake is done: both sides know the other's key and the hash.
//! let hash = [9u8; 32];
//! a.connected(1, &hash, [2; 32], true, "b", 0);
//! b.connected(1, &hash, [1; 32], false, "a", 0);
//! brief_a.set_section(Section::Problem, "New admins quit at step 3.");
//! a.relay_local();
//!
//! // Deliver what each sends to the other until both are quiet.
//! fn deliver(from: &mut Peer, to: &mut Peer) -> bool {
//!     let mut moved = false;
//!     for out in from.take_outputs() {
//!         if let Output::Send { bytes, .. } = out {
//!             to.receive_frame(1, &bytes, 0);
//!             moved = true;
//!         }
//!     }
//!     moved
//! }
//! while deliver(&mut a, &mut b) | deliver(&mut b, &mut a) {}
//! assert_eq!(brief_b.section_text(Section::Problem), "New admins quit at step 3.");
//! # });
//! ```

mod access;
mod links;
mod messages;
mod presence;
mod relays;

pub use relays::relay_device;

use crate::brief::Brief;
use crate::identity::hex;
use crate::net::FrontendError;
use crate::sync::{self, Frame, Session, SyncError};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use uuid::Uuid;
use yrs::block::ClientID;
use yrs::sync::{Awareness, Message};
use yrs::updates::encoder::Encode;

/// Names a link; the caller chooses them (unique among the links it has open).
pub type LinkId = u64;

/// A brief this device shares: its secret (generation `epoch`), the earlier secrets it still
/// recognises peers by, and — until a member admitted this device — the invite code it
/// presents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub brief: Uuid,
    pub secret: [u8; 32],
    pub epoch: u32,
    pub retired: Vec<[u8; 32]>,
    /// The invite code id this device presents; `None` once it is a member.
    pub join: Option<[u8; 8]>,
}

impl Share {
    /// A brief shared with `secret`, first generation, as a member.
    pub fn new(brief: Uuid, secret: [u8; 32]) -> Share {
        Share {
            brief,
            secret,
            epoch: 0,
            retired: Vec::new(),
            join: None,
        }
    }
}

/// Who this device is, as it tells peers.
#[derive(Debug, Clone)]
pub struct Me {
    /// The device's static Noise key.
    pub public: [u8; 32],
    pub name: String,
    pub role: String,
}

/// The machine's timers, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct PeerConfig {
    /// Every peer is sent a sync step 1 for each brief it shares (anti-entropy) and a ping.
    pub resync_ms: u64,
    /// A peer silent this long is disconnected (checked at each resync).
    pub idle_timeout_ms: u64,
    /// This device's presence is announced again this often.
    pub presence_renew_ms: u64,
    /// Someone else's presence not renewed for this long is dropped.
    pub presence_timeout_ms: u64,
}

impl Default for PeerConfig {
    fn default() -> Self {
        PeerConfig {
            resync_ms: 2_000,
            idle_timeout_ms: 20_000,
            presence_renew_ms: 15_000,
            presence_timeout_ms: 30_000,
        }
    }
}

/// What the machine asks its driver to do.
#[derive(Debug)]
pub enum Output {
    /// Send bytes on a link: a whole [`Frame`] to a peer, a y-sync message to an editor.
    Send { link: LinkId, bytes: Vec<u8> },
    /// Close a link (misbehaviour, a duplicate connection, silence). The machine has
    /// forgotten it already.
    Close { link: LinkId, reason: String },
    /// A brief has changes waiting in its outbox: store them.
    Store(Uuid),
    /// A brief this device shares is needed but not open: open it and call [`Peer::open`].
    Open(Uuid),
    /// Bookkeeping to write to the database (never on the sync path).
    Record(Record),
    /// Changes from a link were applied to a brief (v1 updates, as integrated), leaving it
    /// at `state_vector`: for a front end that shows them.
    Changed {
        brief: Uuid,
        updates: Vec<Vec<u8>>,
        state_vector: yrs::StateVector,
    },
    /// The first link to this device key came up (dialers stop dialing it).
    PeerUp([u8; 32]),
    /// The last link to this device key went away.
    PeerDown([u8; 32]),
}

/// Bookkeeping rows; see [`Output::Record`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    /// What a peer told us it holds of a brief (its state vector, v1).
    PeerState {
        device: String,
        brief: Uuid,
        sv: Vec<u8>,
    },
    /// The other people present on a brief: (awareness client id, state JSON).
    Presence {
        brief: Uuid,
        states: Vec<(u64, String)>,
    },
    /// A peer seen: its name once it said hello, its address when it connected.
    Peer {
        device: String,
        name: String,
        addr: String,
        source: String,
    },
    /// A peer's changes to a brief were refused, and why.
    Refused { brief: Uuid, reason: String },
    /// A catch-up merged changes made while apart: added to the brief's open receipt.
    Receipt {
        brief: Uuid,
        receipt: crate::brief::MergeReceipt,
    },
    /// A member answered this device's invite code; `Admitted` ends the join.
    Joined {
        brief: Uuid,
        answer: crate::brief::JoinAnswer,
    },
    /// A relay connection came up (`up`) or went down or could not be made (the reason).
    /// Written by the hub, which owns the connections, on each change of state.
    Relay {
        brief: Uuid,
        url: String,
        up: bool,
        reason: Option<String>,
    },
    /// A member handed over a newer secret for a brief (a device was removed).
    Rekeyed {
        brief: Uuid,
        epoch: u32,
        secret: [u8; 32],
    },
}

struct PeerLink {
    session: Session,
    device: String,
    /// The key of whoever dialed this connection (duplicate connections: the smaller wins).
    initiator_key: [u8; 32],
    last_recv: u64,
    /// The name and role the peer gave in its Hello ("Dana (pm)").
    name: String,
    /// The name and role as given, apart.
    hello: (String, String),
    /// Briefs the peer proved it holds (in any Hello on this link).
    proved: HashSet<Uuid>,
    /// Briefs the peer proved it holds whose roster does not admit it (yet).
    unadmitted: HashSet<Uuid>,
    /// Briefs whose current secret the peer's Hello did not prove: it is handed the secret
    /// when admitted.
    stale_key: HashSet<Uuid>,
    /// Invite codes the peer presented, per brief, until it is admitted.
    joins: HashMap<Uuid, ([u8; 32], [u8; 8])>,
    /// Briefs whose changes from this peer are refused (a newer document schema).
    refused: HashSet<Uuid>,
    /// The state vector it last sent per brief (its sync step 1).
    svs: HashMap<Uuid, yrs::StateVector>,
    /// Briefs whose catch-up (first sync step 2) came on this link.
    caught_up: HashSet<Uuid>,
    /// Per brief, the devices the peer said it exchanges the brief with directly
    /// ([`Frame::Links`](crate::sync::Frame::Links)): what comes from one of them is not
    /// relayed to this peer, which has it from that device.
    neighbours: HashMap<Uuid, HashSet<[u8; 32]>>,
    /// Per brief, the devices this side last told the peer it is linked with.
    told: HashMap<Uuid, Vec<[u8; 32]>>,
}

struct EditorLink {
    brief: Uuid,
    /// Awareness client ids this editor announced; withdrawn when it detaches.
    presence: HashSet<ClientID>,
}

enum Link {
    Peer(Box<PeerLink>),
    Editor(EditorLink),
    Relay(relays::RelayLink),
}

struct OpenBrief {
    brief: Arc<Brief>,
    awareness: Awareness,
    presence_dirty: bool,
    /// Per awareness client, the peer link's device and name that last delivered its state:
    /// a person on a device this one is not linked to is present "through" that peer.
    via: HashMap<ClientID, (String, String)>,
}

/// The peer state machine; see the module doc.
pub struct Peer {
    me: Me,
    config: PeerConfig,
    /// The awareness clock: the time of the latest input.
    clock: Arc<AtomicU64>,
    /// Unix seconds, for invite expiry (the driver sets it; see [`Peer::set_wall_time`]).
    wall_s: i64,
    shared: Vec<Share>,
    briefs: HashMap<Uuid, OpenBrief>,
    links: HashMap<LinkId, Link>,
    out: Vec<Output>,
    last_resync: u64,
    last_renew: u64,
    /// The peer links and their sessions' generations when the links were last told about
    /// (see `links.rs` `announce_links`).
    links_told: Vec<(LinkId, u64)>,
}

impl Peer {
    /// A machine for a device sharing `shared`. Open the briefs with [`Peer::open`].
    pub fn new(me: Me, shared: Vec<Share>, config: PeerConfig) -> Peer {
        Peer {
            me,
            config,
            clock: Arc::default(),
            wall_s: 0,
            shared,
            briefs: HashMap::new(),
            links: HashMap::new(),
            out: Vec::new(),
            last_resync: 0,
            last_renew: 0,
            links_told: Vec::new(),
        }
    }

    /// Everything queued since the last call, in order.
    pub fn take_outputs(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.out)
    }

    /// The open brief `id`.
    pub fn brief(&self, id: Uuid) -> Option<&Arc<Brief>> {
        self.briefs.get(&id).map(|ob| &ob.brief)
    }

    /// Every open brief.
    pub fn briefs(&self) -> impl Iterator<Item = &Arc<Brief>> {
        self.briefs.values().map(|ob| &ob.brief)
    }

    /// The briefs this device shares.
    pub fn shared(&self) -> &[Share] {
        &self.shared
    }

    /// The wall clock (unix seconds) against which invite codes expire.
    pub fn set_wall_time(&mut self, unix_s: i64) {
        self.wall_s = unix_s;
    }

    /// Every secret this device recognises peers by: per brief its current one first, then
    /// the earlier ones.
    pub(super) fn tag_list(&self) -> Vec<(Uuid, [u8; 32])> {
        let mut out = Vec::with_capacity(self.shared.len());
        for s in &self.shared {
            out.push((s.brief, s.secret));
            out.extend(s.retired.iter().map(|r| (s.brief, *r)));
        }
        out
    }

    /// How many links (peers and editors) are up.
    pub fn links(&self) -> usize {
        self.links.len()
    }

    /// The relays connected now, as the sync status names them (`relay <url>`).
    pub fn relay_devices(&self) -> Vec<String> {
        self.links
            .values()
            .filter_map(|l| match l {
                Link::Relay(r) => Some(relay_device(&r.url)),
                _ => None,
            })
            .collect()
    }

    /// The peer links' device keys.
    pub fn peer_keys(&self) -> Vec<[u8; 32]> {
        self.links
            .values()
            .filter_map(|l| match l {
                Link::Peer(p) => Some(*p.session.remote_key()),
                Link::Editor(_) | Link::Relay(_) => None,
            })
            .collect()
    }

    fn set_time(&self, now: u64) {
        self.clock.fetch_max(now, Ordering::Relaxed);
    }

    /// Starts serving an open brief (its relay is enabled here). `refusal` is a stored
    /// refusal of a peer's newer schema, shown on the brief. Peers already linked that share
    /// it are sent a sync step 1 and this device's presence.
    pub fn open(&mut self, brief: Arc<Brief>, refusal: Option<String>) {
        let id = brief.id();
        if self.briefs.contains_key(&id) {
            return;
        }
        // the person may have renamed themselves since the brief was opened
        let mut member = brief.local();
        if let Ok(role) = self.me.role.parse() {
            member.role = role;
        }
        member.name = self.me.name.clone();
        brief.set_local(member);
        brief.enable_relay();
        brief.defer_ticks();
        if self
            .shared
            .iter()
            .any(|s| s.brief == id && s.join.is_none())
        {
            // a brief held with others from before rosters gets one
            brief.ensure_roster();
        }
        brief.take_roster_changed();
        if let Some(reason) = refusal {
            brief.set_refused(&reason);
        }
        let clock = self.clock.clone();
        let mut awareness =
            Awareness::with_clock(brief.doc().clone(), move || clock.load(Ordering::Relaxed));
        let _ = awareness.set_local_state(self.presence_state());
        self.briefs.insert(
            id,
            OpenBrief {
                brief,
                awareness,
                presence_dirty: true,
                via: HashMap::new(),
            },
        );
        // peers that proved they hold it while it was closed: admitted now if the roster
        // says so, their invite codes answered
        self.review(id);
    }

    /// Sends a peer what starts syncing a brief: a sync step 1 and every presence held.
    fn greet(&mut self, link: LinkId, brief: Uuid) {
        let Some(ob) = self.briefs.get(&brief) else {
            return;
        };
        let step1 = sync::step1(&ob.brief);
        let awareness = ob.awareness.update().ok();
        self.send_to(link, brief, step1);
        if let Some(update) = awareness {
            self.send_to(link, brief, Message::Awareness(update).encode_v1());
        }
    }

    /// This device's presence as announced for every open brief.
    fn presence_state(&self) -> serde_json::Value {
        serde_json::json!({
            "name": self.me.name, "role": self.me.role, "device": hex(&self.me.public), "section": null,
        })
    }

    /// The person using this device changed name or role: the briefs' member entry, the
    /// presence and the Hello all follow.
    pub fn set_profile(&mut self, name: &str, role: crate::Role) {
        self.me.name = name.to_string();
        self.me.role = role.as_str().to_string();
        let state = self.presence_state();
        let mut out = Vec::new();
        for (id, ob) in self.briefs.iter_mut() {
            let mut member = ob.brief.local();
            member.name = name.to_string();
            member.role = role;
            ob.brief.set_local(member);
            if ob.awareness.set_local_state(state.clone()).is_ok() {
                let cid = ob.awareness.client_id();
                if let Ok(update) = ob.awareness.update_with_clients([cid]) {
                    out.push((*id, Message::Awareness(update).encode_v1()));
                }
            }
        }
        for (id, m) in out {
            self.broadcast(id, None, m);
        }
        self.hello_all();
    }

    /// The briefs this device shares changed (an invite, a join or a removal made elsewhere):
    /// every peer hears a new Hello; briefs not open yet are asked for; a brief whose secret
    /// was rotated here hands the new one to every admitted peer.
    pub fn set_shared(&mut self, shared: Vec<Share>) {
        if shared == self.shared {
            return;
        }
        let before = std::mem::replace(&mut self.shared, shared);
        let mut rotated = Vec::new();
        for s in &self.shared {
            if !self.briefs.contains_key(&s.brief) {
                self.out.push(Output::Open(s.brief));
            }
            let old = before.iter().find(|o| o.brief == s.brief);
            if old.is_some_and(|o| (o.epoch, o.secret) < (s.epoch, s.secret)) {
                rotated.push(s.brief);
            }
        }
        for b in rotated {
            self.rekey_all(b, None);
        }
        self.hello_all();
        self.send_joins_all();
    }

    /// Time passes: local changes are relayed; every `resync_ms` each peer gets a sync step 1
    /// per shared brief and a ping, and silent peers are closed; this device's presence is
    /// renewed, stale presence expires, and changed presence is recorded.
    pub fn tick(&mut self, now: u64) {
        self.set_time(now);
        for ob in self.briefs.values() {
            ob.brief.settle_ticks(crate::brief::TICK_IDLE_MS);
        }
        self.relay_local();
        if now.saturating_sub(self.last_resync) >= self.config.resync_ms {
            self.last_resync = now;
            self.resync();
            self.drop_idle(now);
        }
        if now.saturating_sub(self.last_renew) >= self.config.presence_renew_ms {
            self.last_renew = now;
            self.renew_presence();
        }
        self.expire_presence(now);
        self.record_presence();
        self.review_rosters();
        self.announce_links();
    }

    /// Shutting down: this device's presence is withdrawn from every brief, and what is
    /// waiting is relayed one last time.
    pub fn shutdown(&mut self) {
        for ob in self.briefs.values() {
            ob.brief.settle_ticks(0);
        }
        self.relay_local();
        let mut out = Vec::new();
        for (id, ob) in self.briefs.iter_mut() {
            ob.awareness.clean_local_state();
            let me = ob.awareness.client_id();
            if let Ok(update) = ob.awareness.update_with_clients([me]) {
                out.push((*id, Message::Awareness(update).encode_v1()));
            }
            self.out.push(Output::Record(Record::Presence {
                brief: *id,
                states: Vec::new(),
            }));
        }
        for (id, m) in out {
            self.broadcast(id, None, m);
        }
    }

    /// Sends a y-sync message about `brief` on one link: framed under the brief's topic to a
    /// peer that shares it, as it is to an editor of that brief.
    fn send_to(&mut self, link: LinkId, brief: Uuid, message: Vec<u8>) {
        let bytes = match self.links.get(&link) {
            Some(Link::Peer(p)) => match p.session.topic_for(brief) {
                Some(topic) => Frame::Brief { topic, message }.encode(),
                None => return,
            },
            Some(Link::Editor(ed)) if ed.brief == brief => message,
            Some(Link::Relay(r)) if r.brief == brief => message,
            _ => return,
        };
        self.out.push(Output::Send { link, bytes });
    }

    /// Sends a y-sync message about `brief` on every link that has it, except `except`.
    fn broadcast(&mut self, brief: Uuid, except: Option<LinkId>, message: Vec<u8>) {
        self.send_all(brief, except, None, message);
    }

    /// Relays what came on link `from` to the other links with the brief, except peers that
    /// said they exchange it with `from`'s device directly: that device sent it to them
    /// itself, or left them out for the same reason one hop earlier, back to its author's
    /// device, which sends to every link. A peer whose word is stale (a link that just
    /// dropped) gets the change at the next anti-entropy round, 2 s at most.
    fn relay(&mut self, brief: Uuid, from: LinkId, message: Vec<u8>) {
        let source = match self.links.get(&from) {
            Some(Link::Peer(p)) => Some(*p.session.remote_key()),
            _ => None,
        };
        self.send_all(brief, Some(from), source, message);
    }

    fn send_all(
        &mut self,
        brief: Uuid,
        except: Option<LinkId>,
        linked_to: Option<[u8; 32]>,
        message: Vec<u8>,
    ) {
        for (&link, l) in &self.links {
            if Some(link) == except {
                continue;
            }
            let bytes = match l {
                Link::Peer(p)
                    if linked_to.is_some_and(|source| {
                        p.neighbours
                            .get(&brief)
                            .is_some_and(|n| n.contains(&source))
                    }) =>
                {
                    continue
                }
                Link::Peer(p) => match p.session.topic_for(brief) {
                    Some(topic) => Frame::Brief {
                        topic,
                        message: message.clone(),
                    }
                    .encode(),
                    None => continue,
                },
                Link::Editor(ed) if ed.brief == brief => message.clone(),
                Link::Relay(r) if r.brief == brief => message.clone(),
                Link::Editor(_) | Link::Relay(_) => continue,
            };
            self.out.push(Output::Send { link, bytes });
        }
    }
}
