//! The world the randomized tests run in: replicas of one brief, each a real engine on its
//! own data directory (real SQLite) driving the shipping sync peer state machine
//! ([`groundwork::peer::Peer`]), linked by an in-memory network that drops, duplicates and
//! reorders frames and whose connections come and go (partitions, redials, duplicate
//! connections). A replica may have a local editor attached (an in-memory brief speaking
//! y-sync to the machine, as the app's Yjs document does). Replicas restart cleanly from their
//! database or crash (unstored edits gone).
//!
//! One action model ([`Action`], drawn by [`Action::random`] with a [`Mix`]) drives both
//! `tests/sim.rs` (network-heavy mix) and `tests/model.rs` (storage-heavy mix). At the end,
//! [`World::heal`] connects everyone without faults and [`World::check`] asserts:
//! - every replica and every editor holds the same content and state vector; an update may
//!   wait for missing dependencies only if they were lost unacknowledged (made on a replica
//!   that crashed before storing them) and nobody holds them;
//! - each replica reopened from its database holds exactly that;
//! - every edit a replica acknowledged as stored (a flush that succeeded) is in the result;
//! - no honest frame was ever refused (a link closed for anything but a duplicate connection
//!   or silence fails the run).
#![allow(dead_code)]

use groundwork::peer::{LinkId, Me, Output, Peer, PeerConfig, Record, Share};
use groundwork::sync;
use groundwork::{Brief, Engine, Member, Role, Template};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use uuid::Uuid;
use yrs::sync::{Awareness, Message};
use yrs::updates::encoder::Encode;

mod actions;
pub use actions::{Action, Mix};

/// A local editor: an in-memory brief that speaks y-sync to its replica's machine.
struct Editor {
    link: LinkId,
    brief: Brief,
    /// The editor's presence (its caret's section), announced with each edit.
    awareness: Awareness,
}

struct Replica {
    _dir: tempfile::TempDir,
    engine: Engine,
    brief: Arc<Brief>,
    peer: Peer,
    key: [u8; 32],
    editor: Option<Editor>,
    /// Editor messages on their way to the machine (in-process: reliable and in order).
    from_editor: VecDeque<Vec<u8>>,
}

struct Conn {
    a: usize,
    b: usize,
    up: bool,
}

struct Frame {
    conn: LinkId,
    to: usize,
    bytes: Vec<u8>,
}

pub struct World {
    seed: u64,
    id: Uuid,
    secret: [u8; 32],
    replicas: Vec<Replica>,
    conns: HashMap<LinkId, Conn>,
    inflight: Vec<Frame>,
    next_link: LinkId,
    now: u64,
    /// `now`, for the editors' awareness clocks.
    clock: Arc<AtomicU64>,
    p_drop: f64,
    p_dup: f64,
    /// The highest clock per client any replica acknowledged as stored.
    acked: HashMap<yrs::block::ClientID, u32>,
    pub frames_delivered: u64,
}

/// A data directory for a replica: in memory (/dev/shm) where there is one, so thousands of
/// runs do not wait on the disk's fsyncs (SQLite and the files are as real there).
fn scratch_dir() -> tempfile::TempDir {
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(d) = tempfile::tempdir_in(shm) {
            return d;
        }
    }
    tempfile::tempdir().unwrap()
}

fn me(key: [u8; 32], i: usize) -> Me {
    Me {
        public: key,
        name: format!("replica {i}"),
        role: "eng".into(),
    }
}

impl Replica {
    /// What the replica's updates waiting for missing dependencies wait for: (client, the
    /// first clock missing).
    fn missing_dependencies(&self) -> Vec<(yrs::block::ClientID, u32)> {
        use yrs::{ReadTxn, Transact};
        let txn = self.brief.doc().transact();
        let mut missing = Vec::new();
        if let Some(p) = txn.store().pending_update() {
            missing.extend(p.missing.iter().map(|(c, k)| (*c, *k)));
        }
        if let Some(ds) = txn.store().pending_ds() {
            for (client, ranges) in ds.iter() {
                if let Some(first) = ranges.iter().map(|r| r.start).min() {
                    missing.push((*client, first));
                }
            }
        }
        missing
    }
}

impl World {
    /// `n` replicas; the first creates the brief, the others joined it (empty until synced).
    /// Each dials some others at the start.
    pub async fn new(seed: u64, n: usize, rng: &mut ChaCha8Rng) -> World {
        groundwork::brief::seed_client_ids(Some(seed));
        let mut secret = [0u8; 32];
        rng.fill(&mut secret);
        let mut replicas = Vec::new();
        let mut id = Uuid::nil();
        for i in 0..n {
            let dir = scratch_dir();
            let mut engine = Engine::open(dir.path()).await.unwrap();
            engine.set_compact_after(Some(rng.gen_range(3..20)));
            let brief = if i == 0 {
                let b = engine
                    .create("world", Template::ProblemFirst)
                    .await
                    .unwrap();
                id = b.id();
                b
            } else {
                engine.adopt(id).await.unwrap()
            };
            let mut key = [0u8; 32];
            rng.fill(&mut key);
            let brief = Arc::new(brief);
            let mut peer = Peer::new(
                me(key, i),
                vec![Share::new(id, secret)],
                PeerConfig::default(),
            );
            peer.open(brief.clone(), None);
            replicas.push(Replica {
                _dir: dir,
                engine,
                brief,
                peer,
                key,
                editor: None,
                from_editor: VecDeque::new(),
            });
        }
        // the brief's creator approved every replica's device (as members do after an invite)
        let founder = replicas[0].brief.clone();
        for (i, r) in replicas.iter().enumerate() {
            founder.admit_device(
                &groundwork::identity::hex(&r.key),
                &format!("replica {i}"),
                "eng",
            );
        }
        replicas[0].engine.flush(&founder).await.unwrap();
        let mut world = World {
            seed,
            id,
            secret,
            replicas,
            conns: HashMap::new(),
            inflight: Vec::new(),
            next_link: 1,
            now: 1,
            clock: Arc::new(AtomicU64::new(1)),
            p_drop: rng.gen_range(0.0..0.2),
            p_dup: rng.gen_range(0.0..0.1),
            acked: HashMap::new(),
            frames_delivered: 0,
        };
        for a in 0..n {
            for b in a + 1..n {
                if rng.gen_bool(0.7) {
                    world.dial(a, b).await;
                }
            }
        }
        world
    }

    pub fn len(&self) -> usize {
        self.replicas.len()
    }

    async fn dial(&mut self, from: usize, to: usize) {
        let link = self.next_link;
        self.next_link += 1;
        self.conns.insert(
            link,
            Conn {
                a: from,
                b: to,
                up: true,
            },
        );
        let hash = blake3::hash(&link.to_le_bytes());
        let (ka, kb) = (self.replicas[from].key, self.replicas[to].key);
        let now = self.now;
        self.replicas[from]
            .peer
            .connected(link, hash.as_bytes(), kb, true, "sim", now);
        self.replicas[to]
            .peer
            .connected(link, hash.as_bytes(), ka, false, "sim", now);
        self.pump().await;
    }

    /// Closes a connection on both ends (as a socket closing does).
    fn close(&mut self, link: LinkId) {
        if let Some(c) = self.conns.get_mut(&link) {
            if c.up {
                c.up = false;
                let (a, b) = (c.a, c.b);
                self.replicas[a].peer.closed(link, "closed");
                self.replicas[b].peer.closed(link, "closed");
            }
        }
    }

    fn live_between(&self, a: usize, b: usize) -> Vec<LinkId> {
        let mut links: Vec<LinkId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.up && ((c.a == a && c.b == b) || (c.a == b && c.b == a)))
            .map(|(&l, _)| l)
            .collect();
        links.sort();
        links
    }

    fn other_end(&self, link: LinkId, me: usize) -> Option<usize> {
        let c = self.conns.get(&link)?;
        c.up.then_some(if c.a == me { c.b } else { c.a })
    }

    /// Carries out every replica's outputs (and its editor's messages) until all are quiet.
    async fn pump(&mut self) {
        loop {
            let mut moved = false;
            for i in 0..self.replicas.len() {
                while let Some(msg) = self.replicas[i].from_editor.pop_front() {
                    moved = true;
                    let Some(link) = self.replicas[i].editor.as_ref().map(|e| e.link) else {
                        break;
                    };
                    if let Err(e) = self.replicas[i].peer.receive_editor(link, &msg) {
                        panic!("seed {}: replica {i} refused its editor: {e}", self.seed);
                    }
                }
                let outputs = self.replicas[i].peer.take_outputs();
                moved |= !outputs.is_empty();
                for out in outputs {
                    self.route(i, out).await;
                }
            }
            if !moved {
                return;
            }
        }
    }

    async fn route(&mut self, i: usize, out: Output) {
        match out {
            Output::Send { link, bytes } => {
                if let Some(ed) = &self.replicas[i].editor {
                    if ed.link == link {
                        let handled = sync::handle(&ed.brief, &bytes).unwrap_or_else(|e| {
                            panic!("seed {}: editor on {i} refused: {e}", self.seed)
                        });
                        let r = &mut self.replicas[i];
                        r.from_editor.extend(handled.replies);
                        return;
                    }
                }
                if let Some(to) = self.other_end(link, i) {
                    self.inflight.push(Frame {
                        conn: link,
                        to,
                        bytes,
                    });
                }
            }
            Output::Close { link, reason } => {
                assert!(
                    reason == "duplicate connection" || reason == "silent",
                    "seed {}: replica {i} closed a link: {reason}",
                    self.seed
                );
                self.close(link);
            }
            Output::Record(record) => {
                if let Record::Refused { reason, .. } = &record {
                    panic!("seed {}: replica {i} refused: {reason}", self.seed);
                }
                // written as the service's persistence task writes it
                groundwork::net::write_record(self.replicas[i].engine.store(), record)
                    .await
                    .unwrap();
            }
            Output::Open(b) => panic!("seed {}: replica {i} asked to open {b}", self.seed),
            Output::Store(_) | Output::Changed { .. } | Output::PeerUp(_) | Output::PeerDown(_) => {
            }
        }
    }

    fn attach_editor(&mut self, i: usize) {
        if self.replicas[i].editor.is_some() {
            return;
        }
        let link = self.next_link;
        self.next_link += 1;
        let member = Member {
            device: String::new(),
            name: format!("editor {i}"),
            role: Role::Designer,
        };
        let brief = Brief::empty(self.id, member);
        brief.enable_relay();
        let clock = self.clock.clone();
        let awareness =
            Awareness::with_clock(brief.doc().clone(), move || clock.load(Ordering::Relaxed));
        let r = &mut self.replicas[i];
        r.editor = Some(Editor {
            link,
            brief,
            awareness,
        });
        r.peer.attach(link, self.id, None).unwrap();
    }

    async fn flush(&mut self, i: usize) {
        let r = &self.replicas[i];
        r.engine.flush(&r.brief).await.unwrap();
        // what is stored now is acknowledged: it must survive anything
        let sv = r.brief.state_vector();
        for (client, clock) in sv.iter() {
            let e = self.acked.entry(*client).or_default();
            *e = (*e).max(*clock);
        }
    }

    /// Replaces a replica's machine and brief by ones reopened from its database; its links
    /// and editor are gone, its links are dialed again.
    async fn reopen(&mut self, i: usize, clean: bool) {
        if clean {
            self.flush(i).await;
        }
        let before = serde_json::to_value(self.replicas[i].brief.view()).unwrap();
        let mut redial = Vec::new();
        let links: Vec<LinkId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.up && (c.a == i || c.b == i))
            .map(|(&l, _)| l)
            .collect();
        for l in links {
            let c = &self.conns[&l];
            redial.push(if c.a == i { c.b } else { c.a });
            self.close(l);
        }
        self.replicas[i].editor = None;
        self.replicas[i].from_editor.clear();
        let reopened = self.replicas[i].engine.open_brief(self.id).await.unwrap();
        assert!(
            reopened.quarantined.is_empty(),
            "seed {}: replica {i} quarantined rows",
            self.seed
        );
        if clean {
            assert_eq!(
                serde_json::to_value(reopened.brief.view()).unwrap(),
                before,
                "seed {}: replica {i} reopened differs",
                self.seed
            );
        }
        let brief = Arc::new(reopened.brief);
        let key = self.replicas[i].key;
        let mut peer = Peer::new(
            me(key, i),
            vec![Share::new(self.id, self.secret)],
            PeerConfig::default(),
        );
        peer.open(brief.clone(), None);
        self.replicas[i].brief = brief;
        self.replicas[i].peer = peer;
        redial.sort();
        redial.dedup();
        for j in redial {
            self.dial(i, j).await;
        }
    }

    pub async fn apply(&mut self, action: Action, rng: &mut ChaCha8Rng) {
        match action {
            Action::Edit { replica, edit } => {
                edit.apply(&self.replicas[replica].brief);
                self.replicas[replica].peer.relay_local();
            }
            Action::EditorEdit { replica, edit } => {
                self.attach_editor(replica);
                self.pump().await;
                let r = &mut self.replicas[replica];
                let ed = r.editor.as_mut().unwrap();
                edit.apply(&ed.brief);
                for u in ed.brief.take_relay() {
                    r.from_editor.push_back(sync::update_message(u));
                }
                let state = serde_json::json!({ "name": format!("editor {replica}"), "step": format!("{edit:?}").len() });
                ed.awareness.set_local_state(state).unwrap();
                let me = ed.awareness.client_id();
                let update = ed.awareness.update_with_clients([me]).unwrap();
                r.from_editor
                    .push_back(Message::Awareness(update).encode_v1());
            }
            Action::Detach { replica } => {
                if let Some(ed) = self.replicas[replica].editor.take() {
                    self.replicas[replica].peer.closed(ed.link, "detached");
                }
            }
            Action::Deliver { count } => {
                for _ in 0..count {
                    if self.inflight.is_empty() {
                        break;
                    }
                    let k = rng.gen_range(0..self.inflight.len());
                    let f = self.inflight.swap_remove(k);
                    if rng.gen_bool(self.p_drop) {
                        continue;
                    }
                    if rng.gen_bool(self.p_dup) {
                        self.inflight.push(Frame {
                            conn: f.conn,
                            to: f.to,
                            bytes: f.bytes.clone(),
                        });
                    }
                    self.deliver(f);
                }
            }
            Action::Dial { from, to } => self.dial(from, to).await,
            Action::Hangup { a, b } => {
                if let Some(&l) = self.live_between(a, b).first() {
                    self.close(l);
                }
            }
            Action::Tick { replica, ms } => {
                self.now += ms;
                self.clock.store(self.now, Ordering::Relaxed);
                let now = self.now;
                self.replicas[replica].peer.tick(now);
            }
            Action::Flush { replica } => self.flush(replica).await,
            Action::Compact { replica } => {
                self.flush(replica).await;
                let id = self.id;
                self.replicas[replica].engine.compact(id).await.unwrap();
            }
            Action::Restart { replica } => self.reopen(replica, true).await,
            Action::Crash { replica } => self.reopen(replica, false).await,
        }
        self.pump().await;
    }

    fn deliver(&mut self, f: Frame) {
        if !self.conns.get(&f.conn).is_some_and(|c| c.up) {
            return; // the connection it was sent on is gone
        }
        self.frames_delivered += 1;
        let now = self.now;
        self.replicas[f.to]
            .peer
            .receive_frame(f.conn, &f.bytes, now);
    }

    fn converged(&self) -> bool {
        let view = |b: &Brief| serde_json::to_value(b.view()).unwrap();
        let first = view(&self.replicas[0].brief);
        let sv = self.replicas[0].brief.state_vector();
        self.replicas.iter().all(|r| {
            view(&r.brief) == first
                && r.brief.state_vector() == sv
                && r.editor
                    .as_ref()
                    .is_none_or(|e| e.brief.state_vector() == sv)
        })
    }

    /// No more faults: every connection is replaced by one per pair, everything in flight is
    /// delivered, and time passes for everyone (resync rounds) until all agree, at most three
    /// rounds, as the running service repeats its anti-entropy every couple of seconds.
    pub async fn heal(&mut self) {
        let live: Vec<LinkId> = self
            .conns
            .iter()
            .filter(|(_, c)| c.up)
            .map(|(&l, _)| l)
            .collect();
        for l in live {
            self.close(l);
        }
        self.inflight.clear();
        let n = self.replicas.len();
        for a in 0..n {
            for b in a + 1..n {
                self.dial(a, b).await;
            }
        }
        for round in 0..=3 {
            let mut moved = 0u64;
            while let Some(f) = self.inflight.pop() {
                self.deliver(f);
                self.pump().await;
                moved += 1;
                assert!(
                    moved < 1_000_000,
                    "seed {}: sync does not quiesce",
                    self.seed
                );
            }
            if self.converged() || round == 3 {
                break;
            }
            self.now += PeerConfig::default().resync_ms;
            self.clock.store(self.now, Ordering::Relaxed);
            let now = self.now;
            for r in &mut self.replicas {
                r.peer.tick(now);
            }
            self.pump().await;
        }
    }

    /// The end-of-run assertions (see the module doc).
    pub async fn check(&mut self) {
        let seed = self.seed;
        let expected = serde_json::to_value(self.replicas[0].brief.view()).unwrap();
        let sv = self.replicas[0].brief.state_vector();
        for (i, r) in self.replicas.iter().enumerate() {
            let got = serde_json::to_value(r.brief.view()).unwrap();
            if got != expected {
                if let Ok(dir) = std::env::var("GROUNDWORK_SIM_DUMP") {
                    let _ = std::fs::write(
                        format!("{dir}/expected.json"),
                        serde_json::to_string_pretty(&expected).unwrap(),
                    );
                    let _ = std::fs::write(
                        format!("{dir}/replica{i}.json"),
                        serde_json::to_string_pretty(&got).unwrap(),
                    );
                }
            }
            assert_eq!(got, expected, "seed {seed}: replica {i} content differs");
            assert_eq!(
                r.brief.state_vector(),
                sv,
                "seed {seed}: replica {i} state vector differs"
            );
            // An update may wait for good only on edits lost unacknowledged: a replica crashed
            // before storing them, after a frame carrying something made on top of them got
            // out (frames here are dropped one by one, unlike on a TCP connection).
            for (client, clock) in r.missing_dependencies() {
                assert!(
                    sv.get(&client) <= clock && self.acked.get(&client).copied().unwrap_or(0) <= clock,
                    "seed {seed}: replica {i} waits for {client}:{clock}, which was stored or is held"
                );
            }
            if let Some(ed) = &r.editor {
                assert_eq!(
                    serde_json::to_value(ed.brief.view()).unwrap()["sections"],
                    expected["sections"],
                    "seed {seed}: replica {i}'s editor differs"
                );
                assert_eq!(
                    ed.brief.state_vector(),
                    sv,
                    "seed {seed}: replica {i}'s editor state vector differs"
                );
            }
        }
        for (client, clock) in &self.acked {
            assert!(
                sv.get(client) >= *clock,
                "seed {seed}: client {client} was stored up to {clock} but only {} survived",
                sv.get(client)
            );
        }
        for (i, r) in self.replicas.iter().enumerate() {
            r.engine.flush(&r.brief).await.unwrap();
            let reopened = r.engine.open_brief(self.id).await.unwrap().brief;
            assert_eq!(
                serde_json::to_value(reopened.view()).unwrap(),
                expected,
                "seed {seed}: replica {i} reopened differs"
            );
            assert_eq!(
                reopened.state_vector(),
                sv,
                "seed {seed}: replica {i} did not persist what it synced"
            );
        }
    }
}

/// One run: `n` replicas (drawn from the seed, 2..=5), `steps` actions from `mix`, heal, check.
pub async fn run(seed: u64, mix: &Mix, steps: std::ops::Range<usize>) -> World {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = rng.gen_range(3..=5);
    let mut world = World::new(seed, n, &mut rng).await;
    for step in 0..rng.gen_range(steps) {
        let action = Action::random(&mut rng, n, mix, step);
        world.apply(action, &mut rng).await;
    }
    world.heal().await;
    world.check().await;
    world
}
