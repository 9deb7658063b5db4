//! Entry points for the fuzzers (`fuzz/`, cargo-fuzz + libFuzzer) and for the regression test
//! that replays their corpus in every `cargo test` (`tests/fuzz_regressions.rs`): one function
//! per place where bytes from a peer or a file enter the engine. Each must return normally for
//! any input — an error is fine, a panic, abort, hang or huge allocation is a finding.
//!
//! | target | bytes | what runs |
//! |---|---|---|
//! | `frame` | one decrypted application frame | `sync::Frame::decode` |
//! | `handshake` | records a peer sends during the Noise handshake | `transport::accept` on an in-memory stream |
//! | `sync_message` | a y-sync message for a shared brief | `sync::handle` on a brief holding some state |
//! | `update` | a v1 update | `validate::update_v1`, then decode and apply as `sync` does |
//! | `awareness` | an awareness update | decode and apply to an `Awareness` |
//! | `stored_blob` | a stored row, and a row payload under a valid header | `store::check_row` |
//! | `invite` | an invite code | `invite::Invite::decode` |
//! | `markdown` | a Markdown file | `export::parse_markdown`, then `fill_brief` |
//! | `peer` | a session of frames and editor messages | the peer state machine ([`crate::peer::Peer`]) with a linked peer (that sent a real Hello) and an attached editor |

use crate::brief::{Brief, Member};
use crate::model::{Role, Section, Template};

/// Run once before a fuzz target's first input: a panic that the engine catches (the store
/// and `sync` catch yrs' panics and turn them into errors) is handled there, as in the
/// product, so it is not reported as a crash; one that escapes still aborts the fuzzer.
pub fn init() {
    std::panic::set_hook(Box::new(|_| {}));
}

fn member() -> Member {
    Member {
        device: "fuzz".into(),
        name: "Fuzz".into(),
        role: Role::Engineer,
    }
}

/// A small brief with text, formatting-free paragraphs and entries: what a sync message or an
/// update lands on.
pub fn seed_brief() -> Brief {
    crate::brief::seed_client_ids(Some(7));
    let b = Brief::create("Fuzzed brief", Template::ProblemFirst, member());
    b.set_section(
        Section::Problem,
        "New admins quit at step 3.\n\nSecond paragraph.",
    );
    b.insert_text(Section::Evidence, 0, "tickets: 40 a week");
    let _ = b.add_question("Who owns billing?");
    b
}

pub fn frame(data: &[u8]) {
    let _ = crate::sync::Frame::decode(data);
}

/// The first bytes after a TCP accept are the initiator's handshake records: fed to the
/// responder as they come, nothing else written back is read.
pub fn handshake(data: &[u8]) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    {
        Ok(rt) => rt,
        Err(_) => return,
    };
    rt.block_on(async {
        let (mut ours, theirs) = tokio::io::duplex(1 << 16);
        let data = data.to_vec();
        let feed = async move {
            use tokio::io::AsyncWriteExt;
            // all of it, then the end of the stream: the responder never waits for more
            let _ = ours.write_all(&data).await;
            let _ = ours.shutdown().await;
            std::future::pending::<()>().await;
        };
        tokio::select! {
            _ = crate::transport::accept(theirs, &[3u8; 32]) => {}
            _ = feed => {}
        }
    });
}

pub fn sync_message(data: &[u8]) {
    let b = seed_brief();
    let _ = crate::sync::handle(&b, data);
}

pub fn update(data: &[u8]) {
    if crate::validate::update_v1(data).is_err() {
        return;
    }
    let b = seed_brief();
    let _ = crate::sync::handle(&b, &crate::sync::update_message(data.to_vec()));
}

pub fn awareness(data: &[u8]) {
    let Ok(update) = crate::sync::awareness_update(data) else {
        return;
    };
    let doc = yrs::Doc::new();
    let mut awareness = yrs::sync::Awareness::new(doc);
    let _ = awareness.apply_update_summary(update);
}

pub fn stored_blob(data: &[u8]) {
    let _ = crate::store::check_row(data);
    // the same bytes as a payload behind a valid header and checksum, for each kind
    for kind in [
        crate::blob::BlobKind::UpdateBatch,
        crate::blob::BlobKind::Snapshot,
        crate::blob::BlobKind::SnapshotV1Deflate,
    ] {
        let _ = crate::store::check_row(&crate::blob::encode(kind, data));
    }
}

pub fn invite(data: &[u8]) {
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = crate::invite::Invite::decode(s);
    }
}

pub fn markdown(data: &[u8]) {
    if let Ok(parsed) = crate::export::parse_markdown(data) {
        let b = Brief::create("", Template::ProblemFirst, member());
        crate::export::fill_brief(&b, &parsed);
        let _ = crate::export::to_html(&b);
    }
}

/// A session with the peer state machine. The input is a sequence of chunks, each a tag byte,
/// a u16 LE length and that many bytes: tag 0 is a whole frame from the peer; tag 1 a y-sync
/// message it sends about the shared brief (framed under the right topic here, which the
/// fuzzer could not forge); tag 2 a message from the attached editor; tag 3 time passing (the
/// bytes as milliseconds); anything else closes and reopens the peer's link.
pub fn peer(data: &[u8]) {
    use crate::peer::{Me, Peer, PeerConfig};
    use crate::sync::{Frame, Session};
    let brief = std::sync::Arc::new(seed_brief());
    let secret = [5u8; 32];
    let shared = vec![(brief.id(), secret)];
    let (ours, theirs) = ([1u8; 32], [2u8; 32]);
    brief.admit_device(&crate::identity::hex(&theirs), "Ben", "engineer");
    let me = Me {
        public: ours,
        name: "Ana".into(),
        role: "pm".into(),
    };
    let mut p = Peer::new(
        me,
        vec![crate::peer::Share::new(brief.id(), secret)],
        PeerConfig::default(),
    );
    p.open(brief.clone(), None);
    let hash = [3u8; 32];
    let connect = |p: &mut Peer, link: u64, now: u64| {
        p.connected(link, &hash, theirs, false, "fuzz", now);
        let remote = Session::new(&hash, theirs, ours);
        p.receive_frame(
            link,
            &remote.hello("Ben", "engineer", &shared).encode(),
            now,
        );
    };
    let mut link = 1u64;
    let mut now = 1u64;
    connect(&mut p, link, now);
    let editor = 1000u64;
    let _ = p.attach(editor, brief.id(), None);
    let topic = crate::sync::brief_topic(brief.id(), &hash);
    let mut rest = data;
    while rest.len() >= 3 {
        let tag = rest[0];
        let len = usize::from(u16::from_le_bytes([rest[1], rest[2]]));
        let body = &rest[3..(3 + len).min(rest.len())];
        rest = &rest[3 + body.len()..];
        match tag {
            0 => p.receive_frame(link, body, now),
            1 => {
                let frame = Frame::Brief {
                    topic,
                    message: body.to_vec(),
                };
                p.receive_frame(link, &frame.encode(), now);
            }
            2 => {
                let _ = p.receive_editor(editor, body);
            }
            3 => {
                let ms = body
                    .iter()
                    .take(4)
                    .fold(0u64, |a, b| a * 256 + u64::from(*b));
                now += ms;
                p.tick(now);
            }
            _ => {
                p.closed(link, "fuzz");
                link += 1;
                connect(&mut p, link, now);
            }
        }
        let _ = p.take_outputs();
    }
}

/// A fuzz target: any bytes in, nothing out.
pub type Target = fn(&[u8]);

/// Every target by name, as the fuzz crate and the regression test know them.
pub const TARGETS: &[(&str, Target)] = &[
    ("frame", frame),
    ("handshake", handshake),
    ("sync_message", sync_message),
    ("update", update),
    ("awareness", awareness),
    ("stored_blob", stored_blob),
    ("invite", invite),
    ("markdown", markdown),
    ("peer", peer),
];
