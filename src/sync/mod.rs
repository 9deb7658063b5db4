//! The sync protocol, bytes in and bytes out, no I/O (the `net` module moves the bytes).
//!
//! After the Noise handshake each side sends a [`Frame::Hello`] carrying one *tag* per brief it
//! holds: `HMAC-SHA256(secret, "gw-tag-v1" || handshake hash || sender's static key)`. Only a
//! device holding the same brief secret can recognise a tag; tags differ in every session, so a
//! device without the secret learns nothing about which briefs exist. Matched briefs are then
//! addressed by a per-session *topic*, `HMAC-SHA256(secret, "gw-topic-v1" || handshake hash)`
//! truncated to 16 bytes, and carry the Yjs sync protocol (`yrs::sync::Message`: sync step 1
//! and 2, updates, awareness) inside [`Frame::Brief`]. The wire format is in SYNC.md.

use crate::brief::{schema_of, Brief, BriefError, SCHEMA_VERSION};
use crate::validate::{self, ValidateError};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use uuid::Uuid;
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{StateVector, Transact};

/// Protocol version carried in Hello (2: [`Frame::Links`]; a peer speaking another version is
/// refused).
pub const PROTOCOL_VERSION: u32 = 2;
/// Largest frame accepted (plaintext, after reassembly).
pub const MAX_FRAME: usize = 16 << 20;
/// Most briefs one Hello may announce.
pub const MAX_TAGS: usize = 4096;
/// Most devices one [`Frame::Links`] may name (a device linked with more names only these: a
/// peer then relays to it what it may already have, which is harmless).
pub const MAX_LINKS: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("malformed frame: {0}")]
    Frame(&'static str),
    #[error("frame of {0} bytes exceeds the limit")]
    TooLarge(usize),
    #[error("peer speaks protocol version {0}, this build speaks {PROTOCOL_VERSION}")]
    Version(u32),
    #[error("malformed sync message: {0}")]
    Message(String),
    #[error("invalid update from peer: {0}")]
    Invalid(#[from] ValidateError),
    #[error(transparent)]
    Brief(#[from] BriefError),
    #[error("the update made yrs panic; it was not kept")]
    Panicked,
    #[error("the brief was written by a newer version of Groundwork (document schema {found}, this version knows {SCHEMA_VERSION}); its changes were not applied — update Groundwork to keep syncing it")]
    NewerSchema { found: f64 },
    #[error("the brief was migrated to document schema {SCHEMA_VERSION} separately from a different state (migration {theirs:08x}, ours {ours:08x}); its changes were not applied, so no text is doubled")]
    DivergedMigration { ours: u32, theirs: u32 },
    #[error("unknown message type {kind}/{sub}")]
    UnknownType { kind: u64, sub: u64 },
}

/// One application frame (inside the encrypted channel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    /// Who I am and which briefs I hold (as tags). May be sent again when a brief is added.
    Hello {
        version: u32,
        name: String,
        role: String,
        tags: Vec<[u8; 32]>,
    },
    /// A Yjs sync-protocol message for the brief behind `topic`.
    Brief {
        topic: [u8; 16],
        message: Vec<u8>,
    },
    /// Keep-alive.
    Ping,
    Pong,
    /// A device not yet admitted to the brief behind `tag` (a tag of its Hello) presents the
    /// invite code `code` it was given.
    Join {
        tag: [u8; 32],
        code: [u8; 8],
    },
    /// A member's answer to a [`Frame::Join`] (a [`crate::brief::JoinAnswer`] value).
    JoinAnswer {
        tag: [u8; 32],
        answer: u8,
    },
    /// The brief behind `topic` has a new secret (a device was removed): adopt it if
    /// `(epoch, secret)` is greater than the one held.
    Rekey {
        topic: [u8; 16],
        epoch: u32,
        secret: [u8; 32],
    },
    /// The devices the sender exchanges the brief behind `topic` with directly, other than
    /// the receiver (their static keys): whatever the sender relays of the brief reaches them
    /// from it, so the receiver need not relay to them what came from the sender.
    Links {
        topic: [u8; 16],
        devices: Vec<[u8; 32]>,
    },
}

const T_HELLO: u8 = 1;
const T_BRIEF: u8 = 2;
const T_PING: u8 = 3;
const T_PONG: u8 = 4;
const T_JOIN: u8 = 5;
const T_JOIN_ANSWER: u8 = 6;
const T_REKEY: u8 = 7;
const T_LINKS: u8 = 8;

/// A u32 LE count, then each 32-byte value (tags, device keys): read back by `Reader::keys`.
fn put_keys(out: &mut Vec<u8>, keys: &[[u8; 32]]) {
    out.extend_from_slice(&(keys.len() as u32).to_le_bytes());
    for k in keys {
        out.extend_from_slice(k);
    }
}

fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(&(b.len() as u32).to_le_bytes());
    out.extend_from_slice(b);
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], SyncError> {
        if n > self.0.len() {
            return Err(SyncError::Frame("truncated"));
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], SyncError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn u32(&mut self) -> Result<u32, SyncError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn bytes(&mut self) -> Result<&'a [u8], SyncError> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    /// A u32 LE count, then that many 32-byte values filling the rest of the frame (at most
    /// `max`); `what` names the list in the error.
    fn keys(&mut self, max: usize, what: &'static str) -> Result<Vec<[u8; 32]>, SyncError> {
        let n = self.u32()? as usize;
        if n > max || n * 32 != self.0.len() {
            return Err(SyncError::Frame(what));
        }
        let keys = self.0.chunks_exact(32).map(|c| {
            let mut k = [0u8; 32];
            k.copy_from_slice(c);
            k
        });
        let keys = keys.collect();
        self.0 = &[];
        Ok(keys)
    }
    fn string(&mut self, max: usize) -> Result<String, SyncError> {
        let b = self.bytes()?;
        if b.len() > max {
            return Err(SyncError::Frame("string too long"));
        }
        String::from_utf8(b.to_vec()).map_err(|_| SyncError::Frame("invalid UTF-8"))
    }
}

impl Frame {
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Frame::Hello {
                version,
                name,
                role,
                tags,
            } => {
                out.push(T_HELLO);
                out.extend_from_slice(&version.to_le_bytes());
                put_bytes(&mut out, name.as_bytes());
                put_bytes(&mut out, role.as_bytes());
                put_keys(&mut out, tags);
            }
            Frame::Brief { topic, message } => {
                out.push(T_BRIEF);
                out.extend_from_slice(topic);
                out.extend_from_slice(message);
            }
            Frame::Ping => out.push(T_PING),
            Frame::Pong => out.push(T_PONG),
            Frame::Join { tag, code } => {
                out.push(T_JOIN);
                out.extend_from_slice(tag);
                out.extend_from_slice(code);
            }
            Frame::JoinAnswer { tag, answer } => {
                out.push(T_JOIN_ANSWER);
                out.extend_from_slice(tag);
                out.push(*answer);
            }
            Frame::Rekey {
                topic,
                epoch,
                secret,
            } => {
                out.push(T_REKEY);
                out.extend_from_slice(topic);
                out.extend_from_slice(&epoch.to_le_bytes());
                out.extend_from_slice(secret);
            }
            Frame::Links { topic, devices } => {
                out.push(T_LINKS);
                out.extend_from_slice(topic);
                put_keys(&mut out, devices);
            }
        }
        out
    }

    pub fn decode(data: &[u8]) -> Result<Frame, SyncError> {
        if data.len() > MAX_FRAME {
            return Err(SyncError::TooLarge(data.len()));
        }
        let (&kind, rest) = data.split_first().ok_or(SyncError::Frame("empty"))?;
        let mut r = Reader(rest);
        let frame = match kind {
            T_HELLO => {
                let version = r.u32()?;
                let name = r.string(256)?;
                let role = r.string(32)?;
                let tags = r.keys(MAX_TAGS, "bad tag list")?;
                Frame::Hello {
                    version,
                    name,
                    role,
                    tags,
                }
            }
            T_BRIEF => {
                let t = r.take(16)?;
                let mut topic = [0u8; 16];
                topic.copy_from_slice(t);
                let message = r.0.to_vec();
                r.0 = &[];
                Frame::Brief { topic, message }
            }
            T_PING => Frame::Ping,
            T_PONG => Frame::Pong,
            T_JOIN => Frame::Join {
                tag: r.array()?,
                code: r.array()?,
            },
            T_JOIN_ANSWER => Frame::JoinAnswer {
                tag: r.array()?,
                answer: r.array::<1>()?[0],
            },
            T_REKEY => Frame::Rekey {
                topic: r.array()?,
                epoch: r.u32()?,
                secret: r.array()?,
            },
            T_LINKS => Frame::Links {
                topic: r.array()?,
                devices: r.keys(MAX_LINKS, "bad device list")?,
            },
            _ => return Err(SyncError::Frame("unknown frame type")),
        };
        if !r.0.is_empty() {
            return Err(SyncError::Frame("trailing bytes"));
        }
        Ok(frame)
    }
}

fn mac_state(secret: &[u8; 32], parts: &[&[u8]]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length: this cannot fail.
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
    for p in parts {
        m.update(p);
    }
    m
}

fn mac(secret: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    mac_state(secret, parts).finalize().into_bytes().into()
}

/// The tag by which `sender` proves, in one session, that it holds a brief's secret.
pub fn brief_tag(secret: &[u8; 32], session_hash: &[u8], sender: &[u8; 32]) -> [u8; 32] {
    mac(secret, &[b"gw-tag-v1", session_hash, sender])
}

/// The per-session address of a brief both sides hold (and have admitted each other to). It
/// depends on the brief, not its secret: two devices that hold different generations of the
/// secret (one learned of a removal first) still agree on it.
pub fn brief_topic(brief: Uuid, session_hash: &[u8]) -> [u8; 16] {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(session_hash)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    m.update(b"gw-topic-v2");
    m.update(brief.as_bytes());
    let m: [u8; 32] = m.finalize().into_bytes().into();
    let mut t = [0u8; 16];
    t.copy_from_slice(&m[..16]);
    t
}

/// The authorisation state of one connection: which briefs the two devices share.
pub struct Session {
    hash: Vec<u8>,
    local: [u8; 32],
    remote: [u8; 32],
    topics: HashMap<[u8; 16], Uuid>,
    by_brief: HashMap<Uuid, [u8; 16]>,
    /// Counts changes to the briefs shared on this session.
    generation: u64,
}

impl Session {
    /// `hash` is the Noise handshake hash (identical on both sides, unique per session).
    pub fn new(hash: &[u8], local: [u8; 32], remote: [u8; 32]) -> Session {
        Session {
            hash: hash.to_vec(),
            local,
            remote,
            topics: HashMap::new(),
            by_brief: HashMap::new(),
            generation: 0,
        }
    }

    pub fn remote_key(&self) -> &[u8; 32] {
        &self.remote
    }

    /// Our Hello for the briefs we hold.
    pub fn hello(&self, name: &str, role: &str, briefs: &[(Uuid, [u8; 32])]) -> Frame {
        Frame::Hello {
            version: PROTOCOL_VERSION,
            name: name.to_string(),
            role: role.to_string(),
            tags: briefs
                .iter()
                .map(|(_, s)| brief_tag(s, &self.hash, &self.local))
                .collect(),
        }
    }

    /// Matches the peer's tags against our secrets (a brief may appear several times in
    /// `briefs`: its current secret first, then earlier ones). Returns each brief the peer
    /// proved it holds, with whether it holds our *current* secret; admits none of them.
    pub fn match_tags(&self, tags: &[[u8; 32]], briefs: &[(Uuid, [u8; 32])]) -> Vec<(Uuid, bool)> {
        let mut out: Vec<(Uuid, bool)> = Vec::new();
        let mut first: std::collections::HashSet<Uuid> = std::collections::HashSet::new();
        for (id, secret) in briefs {
            let current = first.insert(*id);
            if out.iter().any(|(b, _)| b == id) {
                continue;
            }
            if self.proves(tags, secret, &self.remote) {
                out.push((*id, current));
            }
        }
        out
    }

    /// Whether one of `tags` is `sender`'s tag for `secret` in this session. The MAC crate's
    /// own constant-time comparison: timing does not reveal how much of a tag matched.
    fn proves(&self, tags: &[[u8; 32]], secret: &[u8; 32], sender: &[u8; 32]) -> bool {
        let expected = || mac_state(secret, &[b"gw-tag-v1", &self.hash, sender]);
        tags.iter().any(|t| expected().verify_slice(t).is_ok())
    }

    /// The brief whose secret (any generation in `briefs`) made the peer's `tag`.
    pub fn brief_of_tag(&self, tag: &[u8; 32], briefs: &[(Uuid, [u8; 32])]) -> Option<Uuid> {
        briefs
            .iter()
            .find(|(_, s)| self.proves(std::slice::from_ref(tag), s, &self.remote))
            .map(|(b, _)| *b)
    }

    /// The brief of which `tag` is our own tag in this session (a join answer names it so).
    pub fn own_tag_brief(&self, tag: &[u8; 32], briefs: &[(Uuid, [u8; 32])]) -> Option<Uuid> {
        briefs
            .iter()
            .find(|(_, s)| self.proves(std::slice::from_ref(tag), s, &self.local))
            .map(|(b, _)| *b)
    }

    /// Our tag for `secret` in this session.
    pub fn own_tag(&self, secret: &[u8; 32]) -> [u8; 32] {
        brief_tag(secret, &self.hash, &self.local)
    }

    /// Frames about `brief` flow on this link from now on.
    pub fn admit(&mut self, brief: Uuid) -> bool {
        if self.by_brief.contains_key(&brief) {
            return false;
        }
        let topic = brief_topic(brief, &self.hash);
        self.topics.insert(topic, brief);
        self.by_brief.insert(brief, topic);
        self.generation += 1;
        true
    }

    /// Frames about `brief` stop flowing on this link (its device was removed).
    pub fn forget(&mut self, brief: Uuid) -> bool {
        match self.by_brief.remove(&brief) {
            Some(topic) => {
                self.topics.remove(&topic);
                self.generation += 1;
                true
            }
            None => false,
        }
    }

    /// Matches the peer's tags and admits every brief matched; returns the briefs newly
    /// shared. (A roster-blind shortcut for tools and tests; the peer machine checks the
    /// brief's roster between [`Session::match_tags`] and [`Session::admit`].)
    pub fn accept_tags(&mut self, tags: &[[u8; 32]], briefs: &[(Uuid, [u8; 32])]) -> Vec<Uuid> {
        let matched = self.match_tags(tags, briefs);
        matched
            .into_iter()
            .filter_map(|(b, _)| self.admit(b).then_some(b))
            .collect()
    }

    /// Changes with every brief admitted or forgotten on this session.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn brief_for(&self, topic: &[u8; 16]) -> Option<Uuid> {
        self.topics.get(topic).copied()
    }

    pub fn topic_for(&self, brief: Uuid) -> Option<[u8; 16]> {
        self.by_brief.get(&brief).copied()
    }

    pub fn shared(&self) -> Vec<Uuid> {
        self.by_brief.keys().copied().collect()
    }
}

mod messages;
pub use messages::*;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::brief::Member;
    use crate::model::{Role, Section, Template};

    fn member(n: &str) -> Member {
        Member {
            device: n.into(),
            name: n.into(),
            role: Role::Pm,
        }
    }

    #[test]
    fn frames_round_trip_and_reject_garbage() {
        let frames = [
            Frame::Hello {
                version: 1,
                name: "Dana".into(),
                role: "pm".into(),
                tags: vec![[7; 32], [9; 32]],
            },
            Frame::Brief {
                topic: [3; 16],
                message: vec![1, 2, 3],
            },
            Frame::Ping,
            Frame::Pong,
            Frame::Links {
                topic: [4; 16],
                devices: vec![[5; 32], [6; 32]],
            },
            Frame::Links {
                topic: [4; 16],
                devices: vec![],
            },
        ];
        for f in frames {
            assert_eq!(Frame::decode(&f.encode()).unwrap(), f);
        }
        // a device list whose count disagrees with its bytes, or names too many
        let mut links = Frame::Links {
            topic: [4; 16],
            devices: vec![[5; 32]],
        }
        .encode();
        links.push(0);
        assert!(Frame::decode(&links).is_err());
        let mut many = vec![8u8];
        many.extend_from_slice(&[4; 16]);
        many.extend_from_slice(&((MAX_LINKS + 1) as u32).to_le_bytes());
        many.extend(std::iter::repeat_n(1u8, (MAX_LINKS + 1) * 32));
        assert!(Frame::decode(&many).is_err());
        for bad in [&[][..], &[9], &[1, 0, 0], &[3, 0], &[2, 1, 2]] {
            assert!(Frame::decode(bad).is_err(), "{bad:?}");
        }
        let mut hello = Frame::Hello {
            version: 1,
            name: "x".into(),
            role: "pm".into(),
            tags: vec![[1; 32]],
        }
        .encode();
        hello.pop();
        assert!(Frame::decode(&hello).is_err());
    }

    #[test]
    fn only_holders_of_the_secret_match() {
        let (ka, kb) = ([1u8; 32], [2u8; 32]);
        let hash = [5u8; 32];
        let shared = (Uuid::new_v4(), [42u8; 32]);
        let only_a = (Uuid::new_v4(), [43u8; 32]);
        let mut a = Session::new(&hash, ka, kb);
        let mut b = Session::new(&hash, kb, ka);
        let Frame::Hello { tags: ta, .. } = a.hello("a", "pm", &[shared, only_a]) else {
            panic!()
        };
        let Frame::Hello { tags: tb, .. } = b.hello("b", "pm", &[shared]) else {
            panic!()
        };
        assert_eq!(b.accept_tags(&ta, &[shared]), vec![shared.0]);
        assert_eq!(a.accept_tags(&tb, &[shared, only_a]), vec![shared.0]);
        assert_eq!(a.topic_for(shared.0), b.topic_for(shared.0));
        assert!(a.topic_for(only_a.0).is_none());
        // a different session yields unrelated tags
        let c = Session::new(&[6u8; 32], ka, kb);
        let Frame::Hello { tags: tc, .. } = c.hello("a", "pm", &[shared]) else {
            panic!()
        };
        assert_ne!(tc[0], ta[0]);
        // a replayed tag from another session does not match
        assert!(b.accept_tags(&tc, &[shared]).is_empty() || b.topic_for(shared.0).is_some());
        let mut fresh = Session::new(&hash, kb, ka);
        assert!(fresh.accept_tags(&tc, &[shared]).is_empty());
    }

    #[test]
    fn step1_step2_and_updates_converge() {
        let a = Brief::create("t", Template::ProblemFirst, member("a"));
        let b = Brief::empty(a.id(), member("b"));
        // b asks, a answers
        let reply = handle(&a, &step1(&b)).unwrap();
        assert!(reply.peer_state_vector.is_some());
        handle(&b, &reply.replies[0]).unwrap();
        assert_eq!(b.title(), "t");
        a.take_outbox();
        a.set_section(Section::Problem, "hello");
        for u in a.take_outbox() {
            let h = handle(&b, &update_message(u)).unwrap();
            assert!(h.changed);
        }
        assert_eq!(b.section_text(Section::Problem), "hello");
    }

    #[test]
    fn a_gap_asks_for_a_resync() {
        let a = Brief::create("t", Template::ProblemFirst, member("a"));
        let b = Brief::empty(a.id(), member("b"));
        handle(&b, &handle(&a, &step1(&b)).unwrap().replies[0]).unwrap();
        a.take_outbox();
        a.set_section(Section::Problem, "one");
        let lost = a.take_outbox();
        a.append_paragraph(Section::Problem, "two");
        let next = a.take_outbox();
        assert!(!lost.is_empty());
        let h = handle(&b, &update_message(next[0].clone())).unwrap();
        assert_eq!(h.replies.len(), 1, "a gap must trigger sync step 1");
        let fill = handle(&a, &h.replies[0]).unwrap();
        handle(&b, &fill.replies[0]).unwrap();
        assert_eq!(
            b.section_text(Section::Problem),
            a.section_text(Section::Problem)
        );
        assert!(!b.has_missing_dependencies());
    }

    #[test]
    fn an_awareness_query_is_read_not_refused() {
        let b = Brief::create("t", Template::ProblemFirst, member("b"));
        // y-protocols writes "query awareness" as the bare type, no length, no payload
        let h = handle(&b, &[3]).unwrap();
        assert!(h.awareness_query);
        assert!(h.replies.is_empty() && !h.changed);
        assert!(handle(&b, &[3, 0]).is_err(), "a query carries no payload");
    }

    #[test]
    fn types_are_whole_varints_and_unknown_ones_are_refused() {
        let b = Brief::create("t", Template::ProblemFirst, member("b"));
        let step1 = step1(&b);
        assert!(handle(&b, &step1).is_ok());
        // type 256 (varint 0x80 0x02) with the body of a sync step 1: its low byte is 0
        let mut t256 = vec![0x80, 0x02];
        t256.extend_from_slice(&step1[1..]);
        assert!(matches!(
            handle(&b, &t256),
            Err(SyncError::UnknownType { kind: 256, .. })
        ));
        // sync sub-type 256 is not a sync step 1 either
        let mut s256 = vec![0, 0x80, 0x02];
        s256.extend_from_slice(&step1[2..]);
        assert!(matches!(
            handle(&b, &s256),
            Err(SyncError::UnknownType { kind: 0, sub: 256 })
        ));
        assert!(matches!(
            handle(&b, &[0, 3, 0]),
            Err(SyncError::UnknownType { kind: 0, sub: 3 })
        ));
        assert!(matches!(
            handle(&b, &[4]),
            Err(SyncError::UnknownType { kind: 4, .. })
        ));
    }

    /// A brief `b` that holds all of `a` up to now, and an update of `a`'s next three edits
    /// with the middle one cut out: merging the first and the third leaves a Skip block over
    /// the second, in the middle of the client's run, while its first block is contiguous
    /// with what `b` holds (so the first-block check alone cannot see the hole).
    fn update_with_a_hole() -> (Brief, Vec<u8>) {
        let a = Brief::create("t", Template::ProblemFirst, member("a"));
        let b = Brief::empty(a.id(), member("b"));
        b.apply_update_v1(&a.encode_state_v1()).unwrap();
        a.take_outbox();
        a.set_section(Section::Problem, "one");
        let one = |u: Vec<Vec<u8>>| {
            assert_eq!(u.len(), 1, "one edit, one update");
            u.into_iter().next().unwrap()
        };
        let first = one(a.take_outbox());
        a.append_paragraph(Section::Problem, "two");
        a.take_outbox();
        a.append_paragraph(Section::Problem, "three");
        let third = one(a.take_outbox());
        let merged = yrs::merge_updates_v1([first.as_slice(), third.as_slice()]).unwrap();
        (b, merged)
    }

    #[test]
    fn an_update_with_a_skip_block_in_the_middle_is_never_applied() {
        let (b, holed) = update_with_a_hole();
        let shape = validate::update_v1(&holed).unwrap();
        assert!(shape.has_skips, "the validator did not see the Skip block");
        let sv_before = b.state_vector();
        let h = handle(&b, &update_message(holed)).unwrap();
        assert!(!h.changed, "an update with a hole was applied");
        assert_eq!(b.state_vector(), sv_before);
        assert!(!b.has_missing_dependencies());
        assert_eq!(b.section_text(Section::Problem), "");
        assert_eq!(
            h.replies.len(),
            1,
            "the sender is asked for a contiguous diff"
        );
    }

    /// Writes `meta.schema = v` into `b` as a future version would (with a text edit in the
    /// same transaction), returning the update.
    fn bump_schema(b: &Brief, v: f64, text: &str) -> Vec<u8> {
        use yrs::{Map, Text};
        b.take_outbox();
        {
            let meta = b.doc().get_or_insert_map("meta");
            let title = b.doc().get_or_insert_text("title");
            let mut txn = b.doc().transact_mut();
            meta.insert(&mut txn, "schema", v);
            title.insert(&mut txn, 0, text);
        }
        yrs::merge_updates_v1(b.take_outbox()).unwrap()
    }

    #[test]
    fn a_newer_schema_from_a_peer_is_refused_not_merged() {
        // a brief this version made, then upgraded by a future version: the upgrade
        // overwrites meta.schema (the encoding names no key, only the value it replaces)
        let a = Brief::create("t", Template::ProblemFirst, member("a"));
        let b = Brief::empty(a.id(), member("b"));
        handle(&b, &handle(&a, &step1(&b)).unwrap().replies[0]).unwrap();
        let upgrade = bump_schema(&a, 3.0, "future ");
        let shape = validate::update_v1(&upgrade).unwrap();
        assert!(
            shape.overwrites_a_number && shape.schema.is_none(),
            "{shape:?} {upgrade:?}"
        );
        assert!(matches!(
            handle(&b, &update_message(upgrade)),
            Err(SyncError::NewerSchema { found }) if found == 3.0
        ));
        assert_eq!(b.title(), "t", "nothing of the refused update is merged");
        assert_eq!(b.schema(), Some(2.0));
        // a brief a future version made from scratch: the whole state says schema 2
        let c = Brief::empty(Uuid::new_v4(), member("c"));
        bump_schema(&c, 3.0, "made by the future");
        let fresh = Brief::empty(c.id(), member("d"));
        let state = handle(&c, &step1(&fresh)).unwrap().replies.remove(0);
        assert!(matches!(
            handle(&fresh, &state),
            Err(SyncError::NewerSchema { .. })
        ));
        assert_eq!(fresh.title(), "");
        // the schema this version knows, overwritten, merges as before
        let f = Brief::create("t", Template::ProblemFirst, member("f"));
        let g = Brief::empty(f.id(), member("g"));
        handle(&g, &handle(&f, &step1(&g)).unwrap().replies[0]).unwrap();
        let same = bump_schema(&f, 2.0, "same ");
        assert!(handle(&g, &update_message(same)).unwrap().changed);
        assert_eq!(g.title(), "same t");
    }

    #[test]
    fn hostile_messages_are_errors() {
        let b = Brief::create("t", Template::ProblemFirst, member("b"));
        for bad in [
            vec![],
            vec![0, 2, 5, 1, 2],                         // length mismatch
            vec![0, 2, 5, 0xff, 0xff, 0xff, 0xff, 0x0f], // update declaring 2^32 clients
            vec![0, 0, 4, 0xff, 0xff, 0xff, 0x0f],       // state vector bomb
            vec![9, 0],                                  // unknown type
        ] {
            assert!(handle(&b, &bad).is_err(), "{bad:?}");
        }
    }
}
