//! Who is sent a brief, through the peer state machine itself (no sockets): an invite code
//! is checked against the member's own clock (expired, waiting, approved), a device that asks
//! gets nothing until a member approves it, and two removals made apart converge on one
//! secret that reaches a member who was away; and what a peer relays: in a mesh, nothing to a
//! peer that said it has the sender as a direct link, in a chain everything. The same flows
//! over real `serve` processes are in tests/net.rs.

use groundwork::brief::JoinAnswer;
use groundwork::identity::hex;
use groundwork::peer::{Me, Output, Peer, PeerConfig, Record, Share};
use groundwork::sync::Frame;
use groundwork::{Brief, Member, Role, Section, Template};
use std::collections::HashMap;
use std::sync::Arc;

fn me(key: u8, name: &str) -> Me {
    Me {
        public: [key; 32],
        name: name.into(),
        role: "pm".into(),
    }
}

fn member(key: u8, name: &str) -> Member {
    Member {
        device: hex(&[key; 32]),
        name: name.into(),
        role: Role::Pm,
    }
}

/// Peers wired by hand: `links[(a, b)]` is the link id on `a` that leads to `b`.
struct Net {
    peers: Vec<Peer>,
    links: HashMap<(usize, u64), usize>,
    records: Vec<Vec<Record>>,
    /// Brief frames (y-sync messages) delivered, by (from, to).
    brief_frames: HashMap<(usize, usize), usize>,
    next: u64,
}

impl Net {
    fn new(peers: Vec<Peer>) -> Net {
        let n = peers.len();
        Net {
            peers,
            links: HashMap::new(),
            records: vec![Vec::new(); n],
            brief_frames: HashMap::new(),
            next: 1,
        }
    }

    fn connect(&mut self, a: usize, b: usize) -> u64 {
        let link = self.next;
        self.next += 1;
        let hash = [link as u8; 32];
        let (ka, kb) = (self.peers[a].key(), self.peers[b].key());
        self.peers[a].connected(link, &hash, kb, true, "b", 0);
        self.peers[b].connected(link, &hash, ka, false, "a", 0);
        self.links.insert((a, link), b);
        self.links.insert((b, link), a);
        link
    }

    fn disconnect(&mut self, link: u64) {
        let ends: Vec<usize> = self
            .links
            .iter()
            .filter(|((_, l), _)| *l == link)
            .map(|((p, _), _)| *p)
            .collect();
        for p in ends {
            self.peers[p].closed(link, "cut");
            self.links.remove(&(p, link));
        }
    }

    /// Delivers until every peer is quiet.
    fn settle(&mut self) {
        for _ in 0..200 {
            let mut moved = false;
            for i in 0..self.peers.len() {
                self.peers[i].relay_local();
                for out in self.peers[i].take_outputs() {
                    match out {
                        Output::Send { link, bytes } => {
                            if let Some(&to) = self.links.get(&(i, link)) {
                                if let Ok(Frame::Brief { .. }) = Frame::decode(&bytes) {
                                    *self.brief_frames.entry((i, to)).or_default() += 1;
                                }
                                self.peers[to].receive_frame(link, &bytes, 0);
                                moved = true;
                            }
                        }
                        Output::Record(r) => self.records[i].push(r),
                        _ => {}
                    }
                }
            }
            if !moved {
                return;
            }
        }
        panic!("the peers never went quiet");
    }
}

trait Key {
    fn key(&self) -> [u8; 32];
}

impl Key for Peer {
    fn key(&self) -> [u8; 32] {
        // every test peer's key is one byte repeated; its Hello name is "device N"
        let first = self
            .briefs()
            .next()
            .map(|b| b.local().device)
            .unwrap_or_default();
        let raw = data_encoding::HEXLOWER.decode(first.as_bytes()).unwrap();
        raw.try_into().unwrap()
    }
}

fn peer(key: u8, name: &str, share: Share, brief: Arc<Brief>) -> Peer {
    let mut p = Peer::new(me(key, name), vec![share], PeerConfig::default());
    p.open(brief, None);
    p
}

/// The brief every test shares: made by Ana on device 1.
fn anas_brief() -> Arc<Brief> {
    Arc::new(Brief::create(
        "Roadmap",
        Template::ProblemFirst,
        member(1, "Ana"),
    ))
}

/// Devices 1..=n sharing `ana`'s brief (device 1 holds `ana` itself, the others start
/// empty), each with its peer machine, unlinked.
fn team(ana: &Arc<Brief>, secret: [u8; 32], n: u8) -> (Vec<Arc<Brief>>, Net) {
    let briefs: Vec<Arc<Brief>> = (1..=n)
        .map(|k| match k {
            1 => ana.clone(),
            _ => Arc::new(Brief::empty(ana.id(), member(k, "x"))),
        })
        .collect();
    let peers = (1..=n)
        .map(|k| {
            let b = briefs[k as usize - 1].clone();
            peer(k, &format!("device {k}"), Share::new(ana.id(), secret), b)
        })
        .collect();
    (briefs, Net::new(peers))
}

fn answers(records: &[Record]) -> Vec<JoinAnswer> {
    records
        .iter()
        .filter_map(|r| match r {
            Record::Joined { answer, .. } => Some(*answer),
            _ => None,
        })
        .collect()
}

#[test]
fn a_code_is_checked_against_the_member_s_clock_and_asking_gets_nothing_until_approved() {
    let secret = [7u8; 32];
    let ana = anas_brief();
    ana.set_section(Section::Problem, "written by Ana");
    ana.add_invite("0101010101010101", 1_000, true, true);
    let sam_brief = Arc::new(Brief::empty(ana.id(), member(2, "Sam")));
    let joining = Share {
        join: Some([1; 8]),
        ..Share::new(ana.id(), secret)
    };
    let mut net = Net::new(vec![
        peer(1, "Ana", Share::new(ana.id(), secret), ana.clone()),
        peer(2, "Sam", joining.clone(), sam_brief.clone()),
    ]);
    // the code expired by the member's clock
    net.peers[0].set_wall_time(5_000);
    let link = net.connect(0, 1);
    net.settle();
    let said = answers(&net.records[1]);
    assert!(
        !said.is_empty() && said.iter().all(|a| *a == JoinAnswer::Expired),
        "{said:?}"
    );
    assert_eq!(sam_brief.section_text(Section::Problem), "");
    assert!(
        ana.device_entry(&hex(&[2; 32])).is_none(),
        "an expired code cannot even ask"
    );
    // within its validity: Sam asks, and gets nothing
    net.disconnect(link);
    net.peers[0].set_wall_time(500);
    net.connect(0, 1);
    net.settle();
    assert_eq!(answers(&net.records[1]).last(), Some(&JoinAnswer::Waiting));
    assert_eq!(
        sam_brief.section_text(Section::Problem),
        "",
        "nothing before approval"
    );
    assert!(!ana.admits(&hex(&[2; 32])));
    // Ana approves on her device: the live link starts carrying the brief
    ana.approve_device("Sam").unwrap();
    net.peers[0].tick(1);
    net.settle();
    assert_eq!(sam_brief.section_text(Section::Problem), "written by Ana");
    assert!(sam_brief.admits(&hex(&[2; 32])));
    assert_eq!(answers(&net.records[1]).last(), Some(&JoinAnswer::Admitted));
    assert!(net.peers[1].shared()[0].join.is_none(), "the join is over");
}

#[test]
fn two_removals_made_apart_converge_on_one_secret_that_reaches_a_member_who_was_away() {
    let secret = [7u8; 32];
    let ana = anas_brief();
    for (k, n) in [(2, "Ben"), (3, "Cleo"), (4, "Dan"), (5, "Eve")] {
        ana.admit_device(&hex(&[k; 32]), n, "pm");
    }
    let (briefs, mut net) = team(&ana, secret, 5);
    let links: Vec<u64> = (1..5).map(|i| net.connect(0, i)).collect();
    net.settle();
    for b in &briefs {
        assert_eq!(b.roster().len(), 5, "everyone has the roster");
    }
    for l in links {
        net.disconnect(l);
    }
    // apart: Ana removes Dan, Ben removes Eve; each rotates the secret
    briefs[0].remove_device(&hex(&[4; 32])).unwrap();
    briefs[1].remove_device(&hex(&[5; 32])).unwrap();
    let rotate = |p: &mut Peer, fresh: [u8; 32]| {
        let mut s = p.shared()[0].clone();
        s.retired.insert(0, s.secret);
        s.secret = fresh;
        s.epoch += 1;
        p.set_shared(vec![s]);
    };
    rotate(&mut net.peers[0], [0x11; 32]);
    rotate(&mut net.peers[1], [0x22; 32]);
    net.connect(0, 1);
    net.settle();
    let winner = ([0x22u8; 32], 1u32);
    for p in &net.peers[..2] {
        assert_eq!((p.shared()[0].secret, p.shared()[0].epoch), winner);
    }
    // Cleo was away for both removals: she still holds the first secret, is recognised by
    // it, admitted by the roster and handed the new one
    net.connect(2, 0);
    net.settle();
    assert_eq!(
        (
            net.peers[2].shared()[0].secret,
            net.peers[2].shared()[0].epoch
        ),
        winner
    );
    for i in [0, 2] {
        assert!(briefs[i].device_entry(&hex(&[4; 32])).is_some());
        assert!(!briefs[i].admits(&hex(&[4; 32])) && !briefs[i].admits(&hex(&[5; 32])));
    }
    // Dan (removed) reaches Ana: he holds the first secret, which she still recognises, but
    // the roster refuses him: no topic, no new secret, nothing of the brief
    briefs[0].set_section(Section::Problem, "after the removals");
    net.connect(3, 0);
    net.settle();
    assert_eq!(net.peers[3].shared()[0].secret, secret);
    assert_ne!(
        briefs[3].section_text(Section::Problem),
        "after the removals"
    );
    assert_eq!(
        briefs[2].section_text(Section::Problem),
        "after the removals"
    );
}

/// The member starts sharing the brief (makes its first invite) after the joining device
/// connected: the member's new Hello makes the joiner present its code again, so the request
/// still arrives.
#[test]
fn a_code_presented_before_the_member_shared_the_brief_is_presented_again() {
    let secret = [7u8; 32];
    let ana = anas_brief();
    ana.add_invite("0101010101010101", 1_000, false, true);
    let sam_brief = Arc::new(Brief::empty(ana.id(), member(2, "Sam")));
    let joining = Share {
        join: Some([1; 8]),
        ..Share::new(ana.id(), secret)
    };
    let mut ana_peer = Peer::new(me(1, "Ana"), Vec::new(), PeerConfig::default());
    ana_peer.open(ana.clone(), None);
    let mut net = Net::new(vec![ana_peer, peer(2, "Sam", joining, sam_brief)]);
    net.peers[0].set_wall_time(10);
    let hash = [9u8; 32];
    net.peers[0].connected(1, &hash, [2; 32], true, "sam", 0);
    net.peers[1].connected(1, &hash, [1; 32], false, "ana", 0);
    net.links.insert((0, 1), 1);
    net.links.insert((1, 1), 0);
    net.settle();
    assert!(
        ana.device_entry(&hex(&[2; 32])).is_none(),
        "Ana does not share it yet"
    );
    net.peers[0].set_shared(vec![Share::new(ana.id(), secret)]);
    net.settle();
    let e = ana
        .device_entry(&hex(&[2; 32]))
        .expect("Sam's request arrived");
    assert_eq!(e.state, groundwork::brief::DeviceState::Asking);
}

#[test]
fn in_a_mesh_an_edit_is_not_relayed_to_a_peer_that_has_it_from_its_author_in_a_chain_it_is() {
    let secret = [7u8; 32];
    let ana = anas_brief();
    for (k, n) in [(2, "Ben"), (3, "Cleo")] {
        ana.admit_device(&hex(&[k; 32]), n, "pm");
    }
    let (briefs, mut net) = team(&ana, secret, 3);
    net.connect(0, 1);
    let ana_cleo = net.connect(0, 2);
    net.connect(1, 2);
    net.settle();
    // each tells the others whom it is linked with (at its tick)
    let tick = |net: &mut Net, now: u64| {
        for p in net.peers.iter_mut() {
            p.tick(now);
        }
        net.settle();
    };
    tick(&mut net, 1);
    net.brief_frames.clear();
    ana.set_section(Section::Problem, "typed by Ana");
    net.settle();
    for b in &briefs {
        assert_eq!(b.section_text(Section::Problem), "typed by Ana");
    }
    let frames = |net: &Net, from: usize, to: usize| net.brief_frames.get(&(from, to)).copied();
    assert!(frames(&net, 0, 1).is_some() && frames(&net, 0, 2).is_some());
    assert_eq!(frames(&net, 1, 2), None, "Ben knows Cleo has it from Ana");
    assert_eq!(frames(&net, 2, 1), None, "Cleo knows Ben has it from Ana");
    // a chain: Ana - Ben - Cleo; once Ben hears Cleo lost Ana, he relays to her
    net.disconnect(ana_cleo);
    tick(&mut net, 2);
    net.brief_frames.clear();
    ana.set_section(Section::Problem, "typed by Ana again");
    net.settle();
    assert_eq!(
        briefs[2].section_text(Section::Problem),
        "typed by Ana again",
        "relayed through Ben"
    );
    assert!(frames(&net, 1, 2).is_some());
}
