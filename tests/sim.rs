//! Seeded simulation of the sync protocol among 3–5 peers over an in-memory transport that
//! drops, duplicates, reorders and partitions messages, with peers making random edits to all
//! parts of a brief and restarting from their database mid-run. Every peer must end with
//! identical content and state vectors.
//!
//! GROUNDWORK_SIM_SEEDS=N runs N seeds (default 1000) from GROUNDWORK_SIM_BASE (default 1;
//! `random` explores); GROUNDWORK_TEST_SEED=S replays one
//! (client ids are drawn from the seed too, so a replay is exact); GROUNDWORK_SIM_DUMP=DIR
//! writes the diverging views as JSON.

mod common;
use groundwork::brief::NewDecision;
use groundwork::sync::{self, Frame, Session};
use groundwork::{Brief, ConcernKind, Engine, Role, Section, Template};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

/// Seeds that once failed, replayed every run.
/// - 382251956: compaction wrote a yrs v2 snapshot that yrs could not decode; the rows it
///   replaced were gone (the snapshot went to quarantine). Snapshots are now deflated v1 and
///   verified before any row is deleted.
/// - 3182548361: a compaction ran while the document held pending structs; yrs folded them
///   into the snapshot mangled, later local edits depended on them, and a peer reopened from
///   its database diverged for good. States with pending structs are no longer snapshotted.
/// - 3182548361 also found edits splitting a surrogate pair (U+FFFD on some peers only);
///   character edits now snap to character boundaries.
/// - 916569864: one anti-entropy round was not enough after a heal (the service repeats it every
///   2 s; the heal phase now does up to three rounds).
/// - 2530009313: an update with a hole (Skip blocks / a client's first block past what the
///   receiver holds) made yrs integrate a placeholder it later underflowed replacing
///   (block_store.rs:320). Such updates are no longer applied; the receiver asks for a diff.
const REGRESSION_SEEDS: &[u64] = &[382251956, 3182548361, 916569864, 2530009313];

struct Peer {
    _dir: tempfile::TempDir,
    engine: Engine,
    brief: Brief,
    key: [u8; 32],
}

struct Link {
    epoch: u64,
    up: bool,
    /// sessions[0]: from the lower index's side, [1]: the higher's
    sessions: Option<(Session, Session)>,
}

struct Msg {
    from: usize,
    to: usize,
    epoch: u64,
    frame: Vec<u8>,
}

struct Net {
    n: usize,
    links: Vec<Link>,
    inflight: Vec<Msg>,
    secret: [u8; 32],
    id: Uuid,
}

impl Net {
    fn link(&mut self, a: usize, b: usize) -> &mut Link {
        let (lo, hi) = (a.min(b), a.max(b));
        let idx = lo * self.n + hi;
        &mut self.links[idx]
    }

    fn session(&mut self, from: usize, to: usize) -> Option<&mut Session> {
        let lower = from < to;
        self.link(from, to)
            .sessions
            .as_mut()
            .map(|(s0, s1)| if lower { s0 } else { s1 })
    }

    /// Opens a connection: fresh session on both sides, Hello exchange, sync step 1 both ways.
    fn connect(&mut self, peers: &[Peer], a: usize, b: usize, rng: &mut ChaCha8Rng) {
        let mut hash = [0u8; 32];
        rng.fill(&mut hash);
        let briefs = [(self.id, self.secret)];
        let (lo, hi) = (a.min(b), a.max(b));
        let mut s_lo = Session::new(&hash, peers[lo].key, peers[hi].key);
        let mut s_hi = Session::new(&hash, peers[hi].key, peers[lo].key);
        let Frame::Hello { tags: t_lo, .. } = s_lo.hello("lo", "pm", &briefs) else {
            unreachable!()
        };
        let Frame::Hello { tags: t_hi, .. } = s_hi.hello("hi", "pm", &briefs) else {
            unreachable!()
        };
        assert_eq!(s_lo.accept_tags(&t_hi, &briefs), vec![self.id]);
        assert_eq!(s_hi.accept_tags(&t_lo, &briefs), vec![self.id]);
        let link = self.link(a, b);
        link.epoch += 1;
        link.up = true;
        link.sessions = Some((s_lo, s_hi));
        let s1_lo = sync::step1(&peers[lo].brief);
        let s1_hi = sync::step1(&peers[hi].brief);
        self.send(lo, hi, s1_lo);
        self.send(hi, lo, s1_hi);
    }

    fn disconnect(&mut self, a: usize, b: usize) {
        let link = self.link(a, b);
        link.up = false;
        link.sessions = None;
        link.epoch += 1;
    }

    fn send(&mut self, from: usize, to: usize, message: Vec<u8>) {
        let id = self.id;
        let Some(topic) = self.session(from, to).and_then(|s| s.topic_for(id)) else {
            return;
        };
        let epoch = self.link(from, to).epoch;
        let frame = Frame::Brief { topic, message }.encode();
        self.inflight.push(Msg {
            from,
            to,
            epoch,
            frame,
        });
    }

    fn broadcast(&mut self, from: usize, except: Option<usize>, message: &[u8]) {
        for to in 0..self.n {
            if to != from && Some(to) != except && self.link(from, to).up {
                self.send(from, to, message.to_vec());
            }
        }
    }
}

/// Sends whatever a peer's document queued for relay.
fn relay(net: &mut Net, peers: &[Peer], from: usize, except: Option<usize>) {
    for u in peers[from].brief.take_relay() {
        net.broadcast(from, except, &sync::update_message(u));
    }
}

fn deliver(net: &mut Net, peers: &mut [Peer], msg: Msg, seed: u64) {
    if !net.link(msg.from, msg.to).up || net.link(msg.from, msg.to).epoch != msg.epoch {
        return; // the connection it was sent on is gone
    }
    let Frame::Brief { topic, message } = Frame::decode(&msg.frame).unwrap() else {
        unreachable!()
    };
    let receiver_session = net.session(msg.to, msg.from).expect("session");
    assert_eq!(
        receiver_session.brief_for(&topic),
        Some(net.id),
        "seed {seed}: unknown topic"
    );
    let handled =
        sync::handle(&peers[msg.to].brief, &message).unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    for r in handled.replies {
        net.send(msg.to, msg.from, r);
    }
    relay(net, peers, msg.to, Some(msg.from));
}

fn text(rng: &mut ChaCha8Rng) -> String {
    const W: &[&str] = &["alpha", "ß", "😀", "beta", "\n", "gamma", "日本"];
    (0..rng.gen_range(1..4))
        .map(|_| *W.choose(rng).unwrap())
        .collect::<Vec<_>>()
        .join(" ")
}

fn edit(b: &Brief, rng: &mut ChaCha8Rng, step: usize) {
    let sec = *Section::ALL.choose(rng).unwrap();
    match rng.gen_range(0..10) {
        0 => b.set_section(sec, &text(rng)),
        1 | 2 => b.append_paragraph(sec, &text(rng)),
        3 | 4 => b.insert_text(sec, rng.gen_range(0..30), &text(rng)),
        5 => b.delete_text(sec, rng.gen_range(0..30), rng.gen_range(1..6)),
        6 => {
            let _ = b.add_decision(NewDecision {
                decision: format!("d{step}"),
                rests_on: vec![sec],
                ..Default::default()
            });
        }
        7 => {
            let _ = b.add_concern(
                *Role::ALL.choose(rng).unwrap(),
                *ConcernKind::ALL.choose(rng).unwrap(),
                &format!("c{step}"),
            );
        }
        8 => b.sign_off(*Role::ALL.choose(rng).unwrap()),
        _ => {
            let _ = b.add_question(&format!("q{step}"));
        }
    }
}

async fn run(seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    groundwork::brief::seed_client_ids(Some(seed));
    let n = rng.gen_range(3..=5);
    let mut secret = [0u8; 32];
    rng.fill(&mut secret);
    let mut peers: Vec<Peer> = Vec::new();
    let mut id = Uuid::nil();
    for i in 0..n {
        let dir = tempfile::tempdir().unwrap();
        let mut engine = Engine::open(dir.path()).await.unwrap();
        engine.set_compact_after(Some(rng.gen_range(3..20)));
        let brief = if i == 0 {
            let b = engine.create("sim", Template::ProblemFirst).await.unwrap();
            id = b.id();
            b
        } else {
            engine.adopt(id).await.unwrap() // joined: empty until synced
        };
        brief.enable_relay();
        let mut key = [0u8; 32];
        rng.fill(&mut key);
        peers.push(Peer {
            _dir: dir,
            engine,
            brief,
            key,
        });
    }
    let mut net = Net {
        n,
        links: (0..n * n)
            .map(|_| Link {
                epoch: 0,
                up: false,
                sessions: None,
            })
            .collect(),
        inflight: Vec::new(),
        secret,
        id,
    };
    for a in 0..n {
        for b in a + 1..n {
            if rng.gen_bool(0.7) {
                net.connect(&peers, a, b, &mut rng);
            }
        }
    }
    let (p_drop, p_dup) = (rng.gen_range(0.0..0.2), rng.gen_range(0.0..0.1));
    for step in 0..rng.gen_range(40..120) {
        match rng.gen_range(0..100) {
            0..=39 => {
                let i = rng.gen_range(0..n);
                edit(&peers[i].brief, &mut rng, step);
                relay(&mut net, &peers, i, None);
            }
            40..=74 => {
                // deliver a few messages in random order, with drops and duplicates
                for _ in 0..rng.gen_range(1..6) {
                    if net.inflight.is_empty() {
                        break;
                    }
                    let k = rng.gen_range(0..net.inflight.len());
                    let msg = net.inflight.swap_remove(k);
                    if rng.gen_bool(p_drop) {
                        continue;
                    }
                    if rng.gen_bool(p_dup) {
                        net.inflight.push(Msg {
                            from: msg.from,
                            to: msg.to,
                            epoch: msg.epoch,
                            frame: msg.frame.clone(),
                        });
                    }
                    deliver(&mut net, &mut peers, msg, seed);
                }
            }
            75..=82 => {
                let (a, b) = (rng.gen_range(0..n), rng.gen_range(0..n));
                if a != b {
                    if net.link(a, b).up {
                        net.disconnect(a, b);
                    } else {
                        net.connect(&peers, a, b, &mut rng);
                    }
                }
            }
            83..=89 => {
                // anti-entropy: a peer re-announces its state vector
                let i = rng.gen_range(0..n);
                let s1 = sync::step1(&peers[i].brief);
                net.broadcast(i, None, &s1);
            }
            90..=94 => {
                let i = rng.gen_range(0..n);
                peers[i].engine.flush(&peers[i].brief).await.unwrap();
            }
            _ => {
                // restart from the database: connections drop, unflushed edits persist first
                // (a clean stop; crashes are covered by tests/model.rs and tests/crash.rs)
                let i = rng.gen_range(0..n);
                peers[i].engine.flush(&peers[i].brief).await.unwrap();
                let brief = peers[i].engine.open_brief(id).await.unwrap().brief;
                brief.enable_relay();
                peers[i].brief = brief;
                for j in 0..n {
                    if j != i && net.link(i, j).up {
                        net.disconnect(i, j);
                        net.connect(&peers, i, j, &mut rng);
                    }
                }
            }
        }
        for p in &peers {
            p.engine.flush(&p.brief).await.unwrap();
        }
    }
    // heal: everyone connected, no more faults, deliver until quiet
    for a in 0..n {
        for b in a + 1..n {
            net.disconnect(a, b);
            net.connect(&peers, a, b, &mut rng);
        }
    }
    let mut rounds = 0;
    while let Some(msg) = net.inflight.pop() {
        deliver(&mut net, &mut peers, msg, seed);
        rounds += 1;
        assert!(rounds < 1_000_000, "seed {seed}: sync does not quiesce");
    }
    // Anti-entropy, as the running service does every couple of seconds: a round of state
    // vectors from everyone. One round can answer with diffs computed before the answering
    // peer had everything; lost data would survive any number of rounds.
    for _round in 0..3 {
        let view = |p: &Peer| serde_json::to_value(p.brief.view()).unwrap();
        let first = view(&peers[0]);
        if peers
            .iter()
            .all(|p| view(p) == first && p.brief.state_vector() == peers[0].brief.state_vector())
        {
            break;
        }
        for (i, p) in peers.iter().enumerate() {
            let s1 = sync::step1(&p.brief);
            net.broadcast(i, None, &s1);
        }
        while let Some(msg) = net.inflight.pop() {
            deliver(&mut net, &mut peers, msg, seed);
        }
    }
    let expected = serde_json::to_value(peers[0].brief.view()).unwrap();
    let sv = peers[0].brief.state_vector();
    for (i, p) in peers.iter().enumerate() {
        let got = serde_json::to_value(p.brief.view()).unwrap();
        if got != expected {
            if let Ok(dir) = std::env::var("GROUNDWORK_SIM_DUMP") {
                for (k, q) in peers.iter().enumerate() {
                    eprintln!(
                        "peer {k}: sv {:?} pending {}",
                        q.brief.state_vector(),
                        q.brief.has_missing_dependencies()
                    );
                }
                let _ = std::fs::write(
                    format!("{dir}/expected.json"),
                    serde_json::to_string_pretty(&expected).unwrap(),
                );
                let _ = std::fs::write(
                    format!("{dir}/peer{i}.json"),
                    serde_json::to_string_pretty(&got).unwrap(),
                );
            }
        }
        assert_eq!(got, expected, "seed {seed}: peer {i} content differs");
        assert_eq!(
            p.brief.state_vector(),
            sv,
            "seed {seed}: peer {i} state vector differs"
        );
        p.engine.flush(&p.brief).await.unwrap();
        let reopened = p.engine.open_brief(id).await.unwrap().brief;
        assert_eq!(
            reopened.state_vector(),
            sv,
            "seed {seed}: peer {i} did not persist what it synced"
        );
    }
}

#[test]
fn peers_converge_under_drops_duplicates_reorders_partitions_and_restarts() {
    // A fixed base keeps the default run reproducible; GROUNDWORK_SIM_BASE=random explores.
    let base = match std::env::var("GROUNDWORK_SIM_BASE").ok().as_deref() {
        Some("random") => rand::random::<u32>() as u64,
        Some(v) => v.parse().unwrap_or(1),
        None => 1,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    common::run_seeds(
        "sync simulation",
        "GROUNDWORK_SIM_SEEDS",
        1000,
        base,
        REGRESSION_SEEDS,
        |seed| rt.block_on(run(seed)),
    );
}
