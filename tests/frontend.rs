//! The front-end seam the desktop shell uses (`frontend::Handle` over a running `serve_with`),
//! driven with a yrs document standing in for the UI's Yjs document: it attaches, receives the
//! whole state, edits, gets acknowledgements only once the edit is in the SQLite file, sees
//! structured operations arrive as updates, and bad input gets typed errors.

mod common;
use groundwork::brief::new_doc;
use groundwork::frontend::{BriefOp, Handle};
use groundwork::net::{self, Frontend, FrontendError, ServeConfig};
use groundwork::{sync, Engine, Role, Section, Template};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::{Doc, Map, ReadTxn, StateVector, Transact, Update};

struct Peer {
    handle: Handle,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

async fn start(dir: &std::path::Path) -> Peer {
    start_with(dir, Vec::new(), None).await.0
}

/// A peer dialing `peers`, with its listening address and (optionally) notices.
async fn start_with(
    dir: &std::path::Path,
    peers: Vec<String>,
    notices: Option<mpsc::UnboundedSender<net::Notice>>,
) -> (Peer, String) {
    let engine = Engine::open(dir).await.expect("open engine");
    let library = Engine::open(dir).await.expect("open library engine");
    let (tx, commands) = mpsc::unbounded_channel();
    let (stop, stopped) = oneshot::channel::<()>();
    let cfg = ServeConfig {
        listen: "127.0.0.1:0".into(),
        mdns: false,
        peers,
        ..ServeConfig::default()
    };
    let (addr_tx, addr_rx) = oneshot::channel();
    let task = tokio::spawn(async move {
        net::serve_with(
            engine,
            cfg,
            move |a| {
                let _ = addr_tx.send(a.to_string());
            },
            async {
                let _ = stopped.await;
            },
            Frontend {
                commands: Some(commands),
                notices,
            },
        )
        .await
        .expect("serve");
    });
    let addr = addr_rx.await.expect("listening");
    (
        Peer {
            handle: Handle::new(tx, library),
            stop: Some(stop),
            task,
        },
        addr,
    )
}

impl Peer {
    async fn shutdown(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = self.task.await;
    }
}

/// Receives the next message for the editor (bounded wait: a hang is a failure, not a pass).
async fn next(rx: &mut mpsc::UnboundedReceiver<Vec<u8>>) -> Message {
    let bytes = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("a message within 10 s")
        .expect("channel open");
    Message::decode_v1(&bytes).expect("a valid y-sync message")
}

/// The next document update for the editor, skipping presence messages.
async fn next_update(rx: &mut mpsc::UnboundedReceiver<Vec<u8>>) -> Vec<u8> {
    loop {
        match next(rx).await {
            Message::Sync(SyncMessage::Update(u)) => return u,
            Message::Awareness(_) => continue,
            other => panic!("expected an update, got {other:?}"),
        }
    }
}

fn apply(doc: &Doc, update: &[u8]) {
    let u = Update::decode_v1(update).expect("update");
    doc.transact_mut().apply_update(u).expect("apply");
}

/// Attaches a stand-in UI document with client id `cid`: the whole state comes first.
async fn attach_ui(
    h: &Handle,
    id: uuid::Uuid,
    cid: u64,
) -> (Doc, u64, mpsc::UnboundedReceiver<Vec<u8>>) {
    let ui = new_doc(id, cid);
    let (out, mut rx) = mpsc::unbounded_channel();
    let editor = h.attach(id, Some(cid), out).await.expect("attach");
    match next(&mut rx).await {
        Message::Sync(SyncMessage::SyncStep2(u)) => apply(&ui, &u),
        other => panic!("expected the state first, got {other:?}"),
    }
    (ui, editor, rx)
}

/// Reads the stored brief from the database with a fresh engine (what a restart sees).
/// What an editor does for a new paragraph at the end of a body: a marker, then the text.
fn push_paragraph(txn: &mut yrs::TransactionMut, body: &yrs::TextRef, text: &str) {
    groundwork::body::append_blocks(txn, body, &groundwork::body::paragraph_blocks([text]));
}

/// A body's paragraphs' text.
fn paragraphs(doc: &Doc, body: &yrs::TextRef) -> Vec<String> {
    groundwork::body::blocks(body, &doc.transact())
        .iter()
        .map(|b| b.text())
        .collect()
}

async fn stored_text(dir: &std::path::Path, id: uuid::Uuid, section: Section) -> String {
    let e = Engine::open(dir).await.expect("open");
    let ob = e.open_brief(id).await.expect("open brief");
    let t = ob.brief.section_text(section);
    e.store().close().await;
    t
}

/// The engineer signs the problem off, through the hub as the UI's operation would.
async fn engineer_signs(h: &Handle, id: uuid::Uuid) -> serde_json::Value {
    let op = BriefOp::SignOff {
        role: Role::Engineer,
    };
    h.apply(id, op).await.expect("sign off")
}

/// A new problem-first brief stored in `dir` (with `problem` as its problem statement, if
/// given), as a previous run of the app left it; the engine that made it is closed again.
async fn stored_brief(dir: &std::path::Path, title: &str, problem: Option<&str>) -> uuid::Uuid {
    let e = Engine::open(dir).await.expect("open");
    let b = e
        .create(title, Template::ProblemFirst)
        .await
        .expect("create");
    if let Some(problem) = problem {
        b.set_section(Section::Problem, problem);
    }
    e.flush(&b).await.expect("flush");
    e.store().close().await;
    b.id()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_is_one_more_peer_and_acks_mean_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let id = stored_brief(dir.path(), "Checkout", Some("Engine text.")).await;
    let peer = start(dir.path()).await;
    let h = peer.handle.clone();

    // attach: the whole state first, then a step 1
    let (ui, editor, mut rx) = attach_ui(&h, id, 4242).await;
    assert!(matches!(
        next(&mut rx).await,
        Message::Sync(SyncMessage::SyncStep1(_))
    ));
    let frag = ui.get_or_insert_text("body:problem");
    assert_eq!(paragraphs(&ui, &frag), vec!["Engine text."]);

    // an edit in the editor: acknowledged only once it is in the database
    let before = ui.transact().state_vector();
    {
        let mut txn = ui.transact_mut();
        push_paragraph(&mut txn, &frag, "Typed in the UI.");
    }
    let diff = ui.transact().encode_state_as_update_v1(&before);
    h.message(editor, sync::update_message(diff))
        .await
        .expect("acknowledged");
    assert_eq!(
        stored_text(dir.path(), id, Section::Problem).await,
        "Engine text.\n\nTyped in the UI."
    );

    // a structured operation reaches the editor as an update, and is stored when it returns
    let view = engineer_signs(&h, id).await;
    assert_eq!(view["signoff"]["signoffs"][0]["role"], "engineer");
    apply(&ui, &next_update(&mut rx).await);
    let signoffs = ui.get_or_insert_map("signoffs");
    assert!(signoffs.get(&ui.transact(), "engineer").is_some());

    // the editor's edits are attributed to this device's person
    let view = h.apply(id, BriefOp::View).await.expect("view");
    let members = view["members"].as_array().expect("members");
    assert!(!members.is_empty());

    // hostile or broken input: typed errors, nothing changes, the editor keeps working
    let sv_before = ui.transact().state_vector();
    for bad in [
        vec![],
        vec![0, 2, 200, 1],
        vec![0, 2, 3, 1, 2, 3],
        vec![9, 9, 9],
        vec![0xff; 64],
    ] {
        match h.message(editor, bad.clone()).await {
            Err(FrontendError::Rejected(_)) => {}
            other => panic!("{bad:?}: expected a rejection, got {other:?}"),
        }
    }
    assert!(matches!(
        h.message(9999, sync::update_message(vec![0, 0])).await,
        Err(FrontendError::NotAttached(9999))
    ));
    assert!(matches!(
        h.apply(uuid::Uuid::new_v4(), BriefOp::View).await,
        Err(FrontendError::NoSuchBrief(_))
    ));
    assert!(matches!(
        h.apply(
            id,
            BriefOp::SetConcernStatus {
                id: "nope".into(),
                status: groundwork::ConcernStatus::Addressed
            }
        )
        .await,
        Err(FrontendError::Rejected(_))
    ));
    assert_eq!(ui.transact().state_vector(), sv_before);
    let before = ui.transact().state_vector();
    {
        let mut txn = ui.transact_mut();
        push_paragraph(&mut txn, &frag, "Still editing.");
    }
    let diff = ui.transact().encode_state_as_update_v1(&before);
    h.message(editor, sync::update_message(diff))
        .await
        .expect("acknowledged after bad input");

    // detached: its messages are refused
    h.detach(editor);
    let empty = ui
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    let r = h.message(editor, sync::update_message(empty)).await;
    assert!(matches!(r, Err(FrontendError::NotAttached(_))), "{r:?}");
    peer.shutdown().await;
    assert_eq!(
        stored_text(dir.path(), id, Section::Problem).await,
        "Engine text.\n\nTyped in the UI.\n\nStill editing."
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_editors_on_one_brief_see_each_other() {
    let dir = tempfile::tempdir().expect("tempdir");
    let id = {
        let e = Engine::open(dir.path()).await.expect("open");
        let b = e.create("Shared", Template::Pitch).await.expect("create");
        e.store().close().await;
        b.id()
    };
    let peer = start(dir.path()).await;
    let h = peer.handle.clone();
    let mut docs = Vec::new();
    for cid in [11u64, 12] {
        let doc = new_doc(id, cid);
        let (out, mut rx) = mpsc::unbounded_channel();
        let ed = h.attach(id, Some(cid), out).await.expect("attach");
        if let Message::Sync(SyncMessage::SyncStep2(u)) = next(&mut rx).await {
            apply(&doc, &u);
        }
        let _step1 = next(&mut rx).await;
        docs.push((doc, ed, rx));
    }
    let (a, ed_a, _) = &docs[0];
    let before = a.transact().state_vector();
    {
        let frag = a.get_or_insert_text("body:approach");
        let mut txn = a.transact_mut();
        push_paragraph(&mut txn, &frag, "From editor A");
    }
    let diff = a.transact().encode_state_as_update_v1(&before);
    h.message(*ed_a, sync::update_message(diff))
        .await
        .expect("ack");
    let (b, _, rx_b) = &mut docs[1];
    apply(b, &next_update(rx_b).await);
    let frag = b.get_or_insert_text("body:approach");
    assert_eq!(paragraphs(b, &frag), vec!["From editor A"]);
    // the editor's own client id is refused if it collides with the engine's
    let (out, _rx) = mpsc::unbounded_channel();
    assert!(matches!(
        h.attach(id, Some(u64::from(u32::MAX) + 1), out).await,
        Err(FrontendError::Rejected(_))
    ));
    peer.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_local_updates_reaches_the_other_peer_whole() {
    let (da, db) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let id = {
        let e = Engine::open(da.path()).await.expect("open");
        let b = e
            .create("Burst", Template::ProblemFirst)
            .await
            .expect("create");
        b.set_section(Section::Problem, "start");
        e.flush(&b).await.expect("flush");
        let opts = groundwork::sharing::InviteOptions {
            ask: false,
            ..Default::default()
        };
        let code = groundwork::sharing::invite(&e, &b.id().to_string(), opts)
            .await
            .expect("invite");
        e.store().close().await;
        let e2 = Engine::open(db.path()).await.expect("open b");
        groundwork::sharing::join(&e2, &code).await.expect("join");
        e2.store().close().await;
        b.id()
    };
    let (a, addr) = start_with(da.path(), Vec::new(), None).await;
    let (ntx, mut nrx) = mpsc::unbounded_channel();
    let (b, _) = start_with(db.path(), vec![addr], Some(ntx)).await;

    // an editor on A's brief makes 3,000 edits and hands them over at once
    let (out, mut rx) = mpsc::unbounded_channel();
    let ed_id = a.handle.attach(id, Some(77), out).await.expect("attach");
    let ed = new_doc(id, 77);
    if let Message::Sync(SyncMessage::SyncStep2(u)) = next(&mut rx).await {
        apply(&ed, &u);
    }
    a.handle.detach(ed_id);
    let frag = ed.get_or_insert_text("body:problem");
    let mut updates = Vec::new();
    for i in 0..3000u32 {
        let before = ed.transact().state_vector();
        {
            let mut txn = ed.transact_mut();
            // into the first paragraph, after its marker
            yrs::Text::insert(
                &frag,
                &mut txn,
                1 + 5 + (i % 7),
                if i % 2 == 0 { "x" } else { "y" },
            );
        }
        updates.push(ed.transact().encode_state_as_update_v1(&before));
    }
    for u in updates {
        a.handle.local_update(id, u);
    }
    let want = ed.transact().state_vector();
    let client = yrs::block::ClientID::new(77);
    loop {
        match tokio::time::timeout(Duration::from_secs(20), nrx.recv()).await {
            Ok(Some(net::Notice::Changed { state_vector, .. })) => {
                if state_vector.get(&client) >= want.get(&client) {
                    break;
                }
            }
            other => panic!("B did not get the whole burst: {other:?}"),
        }
    }
    let expected = paragraphs(&ed, &frag).join("\n\n");
    a.shutdown().await;
    b.shutdown().await;
    let text = stored_text(db.path(), id, Section::Problem).await;
    assert_eq!(text, expected);
    assert_eq!(text.len(), 5 + 3000);
}

/// An acknowledgement means stored, also when a message brings nothing new: after a failed
/// store (a full disk) the UI sends its kept edits again, the engine already holds them in
/// memory, and it must not say "stored" while they still wait to be written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resent_edit_is_not_acknowledged_until_it_is_stored() {
    let root = tempfile::tempdir().expect("tempdir");
    let Some(_mount) = common::Tmpfs::mount(root.path(), "4m") else {
        println!("note: cannot mount a tmpfs here (not root?); test not run");
        return;
    };
    let dir = root.path().join("data");
    let id = stored_brief(&dir, "Full disk", None).await;
    let peer = start(&dir).await;
    let h = peer.handle.clone();
    let (ui, editor, _rx) = attach_ui(&h, id, 7).await;

    let filler = common::fill(root.path(), 256 * 1024);
    // a paste bigger than what is left, of letters that do not compress
    let mut seed = 0x2545_f491_4f6c_dd1d_u64;
    let mut letters = |n: usize| -> String {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                char::from(b'a' + (seed % 26) as u8)
            })
            .collect()
    };
    let before = ui.transact().state_vector();
    {
        let frag = ui.get_or_insert_text("body:evidence");
        let mut txn = ui.transact_mut();
        for i in 0..100 {
            push_paragraph(&mut txn, &frag, &format!("pasted-{i} {}", letters(4000)));
        }
    }
    let paste = sync::update_message(ui.transact().encode_state_as_update_v1(&before));
    match h.message(editor, paste.clone()).await {
        Err(FrontendError::Storage(m)) => assert!(m.contains("disk is full"), "{m}"),
        other => panic!("expected a storage error, got {other:?}"),
    }
    // sent again while the disk is still full: the engine has it in memory, not on disk
    match h.message(editor, paste.clone()).await {
        Err(FrontendError::Storage(_)) => {}
        other => panic!("a resent edit that is not stored was acknowledged: {other:?}"),
    }
    // space is back: the resend is acknowledged, and it is in the file
    std::fs::remove_file(filler).expect("remove filler");
    h.message(editor, paste)
        .await
        .expect("stored once space is back");
    let stored = stored_text(&dir, id, Section::Evidence).await;
    assert!(stored.contains("pasted-0 ") && stored.contains("pasted-99 "));
    peer.shutdown().await;
}

/// Polls `f` every 20 ms until it holds, for at most 15 s.
async fn until<F: std::future::Future<Output = bool>>(what: &str, mut f: impl FnMut() -> F) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !f().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_added_by_address_is_dialed_now_and_after_a_restart() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, addr_a) = start_with(da.path(), Vec::new(), None).await;
    let key_a = a.handle.engine().await.identity().device_id();
    let b = start(db.path()).await;
    for bad in [
        "nonsense",
        "127.0.0.1:0",
        ":7471",
        "127.0.0.1:99999",
        "no-such-host.invalid:7471",
    ] {
        assert!(
            matches!(
                b.handle.add_peer(bad).await,
                Err(FrontendError::Rejected(_))
            ),
            "{bad} accepted"
        );
    }
    b.handle.add_peer(&addr_a).await.unwrap();
    until("B links to A", || async {
        b.handle.connected().await.unwrap().contains(&key_a)
    })
    .await;
    until("B lists A as connected", || async {
        b.handle
            .devices()
            .await
            .unwrap()
            .iter()
            .any(|d| d.device == key_a && d.connected && d.address.starts_with("127.0.0.1:"))
    })
    .await;
    b.shutdown().await;
    // restarted with no --peer: the address added by hand is dialed again
    let b = start(db.path()).await;
    until("B links to A again", || async {
        b.handle.connected().await.unwrap().contains(&key_a)
    })
    .await;
    b.shutdown().await;
    a.shutdown().await;
}

/// An editor's deletion alone is ticked by the engine's client (so a peer's state vector can
/// show it arrived): the editor is sent that tick too, or its copy would miss a clock of the
/// engine's client and hold every later engine change (here a sign-off) as pending.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_editor_gets_the_tick_of_its_own_deletion() {
    let dir = tempfile::tempdir().expect("tempdir");
    let id = stored_brief(dir.path(), "Checkout", Some("Engine text.")).await;
    let peer = start(dir.path()).await;
    let h = peer.handle.clone();
    let (ui, editor, mut rx) = attach_ui(&h, id, 4343).await;
    assert!(matches!(
        next(&mut rx).await,
        Message::Sync(SyncMessage::SyncStep1(_))
    ));
    let body = ui.get_or_insert_text("body:problem");
    let before = ui.transact().state_vector();
    {
        let mut txn = ui.transact_mut();
        use yrs::Text;
        let len = body.len(&txn);
        body.remove_range(&mut txn, len - 5, 5);
    }
    let diff = ui.transact().encode_state_as_update_v1(&before);
    assert_eq!(
        ui.transact().state_vector(),
        before,
        "a deletion alone moves no clock"
    );
    h.message(editor, sync::update_message(diff)).await.unwrap();
    apply(&ui, &next_update(&mut rx).await);
    assert!(
        ui.get_or_insert_map("ticks").len(&ui.transact()) == 1,
        "the tick reached the editor"
    );
    h.apply(id, BriefOp::SignOff { role: Role::Pm })
        .await
        .unwrap();
    apply(&ui, &next_update(&mut rx).await);
    let signoffs = ui.get_or_insert_map("signoffs");
    assert!(
        signoffs.get(&ui.transact(), "pm").is_some(),
        "a later engine change applies in the editor's copy"
    );
    peer.shutdown().await;
}

mod editor_socket {
    //! The loopback WebSocket an open editor speaks (`frontend::socket`), with a real client.
    use super::*;
    use futures_util::{SinkExt, StreamExt};
    use groundwork::frontend::socket::{self as link, EditorSockets};
    use tokio_tungstenite::tungstenite::Message as Ws;

    type Client = tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >;

    async fn connect(url: &str) -> Result<Client, tokio_tungstenite::tungstenite::Error> {
        tokio_tungstenite::connect_async(url)
            .await
            .map(|(ws, _)| ws)
    }

    fn numbered(seq: u32, message: &[u8]) -> Ws {
        let mut b = seq.to_le_bytes().to_vec();
        b.extend_from_slice(message);
        Ws::Binary(b.into())
    }

    /// The next thing the engine says: (kind, the rest). Bounded wait.
    async fn said(ws: &mut Client) -> (u8, Vec<u8>) {
        loop {
            let m = tokio::time::timeout(Duration::from_secs(10), ws.next())
                .await
                .expect("the engine answers within 10 s")
                .expect("link open")
                .expect("a message");
            if let Ws::Binary(b) = m {
                return (b[0], b[1..].to_vec());
            }
        }
    }

    /// Answers until `seq`'s, skipping batches of engine messages (kept in `batches`).
    async fn answer(ws: &mut Client, seq: u32, batches: &mut Vec<Vec<u8>>) -> (u8, String) {
        loop {
            let (kind, rest) = said(ws).await;
            if kind == link::KIND_MESSAGES {
                batches.push(rest);
                continue;
            }
            assert_eq!(
                u32::from_le_bytes(rest[..4].try_into().unwrap()),
                seq,
                "answers in order"
            );
            return (kind, String::from_utf8_lossy(&rest[4..]).into_owned());
        }
    }

    fn unframe(mut b: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while !b.is_empty() {
            let n = u32::from_le_bytes(b[..4].try_into().unwrap()) as usize;
            out.push(b[4..4 + n].to_vec());
            b = &b[4 + n..];
        }
        out
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_editor_link_applies_in_order_answers_each_message_and_refuses_strangers() {
        let dir = tempfile::tempdir().expect("tempdir");
        let id = stored_brief(dir.path(), "Checkout", None).await;
        let peer = start(dir.path()).await;
        let sockets = EditorSockets::start(peer.handle.clone(), || {})
            .await
            .expect("listen");
        let (editor, first) = sockets.attach(id, Some(31)).await.expect("attach");
        let ui = new_doc(id, 31);

        // strangers: no token, a wrong token, an editor that is not waiting
        let url = sockets.url();
        let base = url.split('?').next().unwrap().to_string();
        assert!(
            connect(&format!("{base}?editor={editor}")).await.is_err(),
            "no token"
        );
        let wrong = format!("{base}?token={}&editor={editor}", "0".repeat(64));
        assert!(connect(&wrong).await.is_err(), "a wrong token");
        assert!(
            connect(&format!("{url}&editor=999")).await.is_err(),
            "no such editor"
        );

        let mut ws = connect(&format!("{url}&editor={editor}"))
            .await
            .expect("the editor connects");
        assert!(
            connect(&format!("{url}&editor={editor}")).await.is_err(),
            "one link per editor"
        );

        // the whole state comes first: in the attach reply, or (sent after it) on the link
        let mut batches = Vec::new();
        let mut messages = first;
        let state = loop {
            if let Some(m) = messages.first() {
                break m.clone();
            }
            let (kind, rest) = said(&mut ws).await;
            assert_eq!(kind, link::KIND_MESSAGES);
            messages = unframe(&rest);
        };
        match Message::decode_v1(&state).expect("y-sync") {
            Message::Sync(SyncMessage::SyncStep2(u)) => apply(&ui, &u),
            other => panic!("expected the state first, got {other:?}"),
        }

        // two edits sent back to back, the second building on the first: applied in order,
        // each answered once stored
        let frag = ui.get_or_insert_text("body:problem");
        let mut sent = Vec::new();
        for text in ["First line.", "Second line."] {
            let before = ui.transact().state_vector();
            push_paragraph(&mut ui.transact_mut(), &frag, text);
            sent.push(sync::update_message(
                ui.transact().encode_state_as_update_v1(&before),
            ));
        }
        ws.send(numbered(1, &sent[0])).await.unwrap();
        ws.send(numbered(2, &sent[1])).await.unwrap();
        assert_eq!(answer(&mut ws, 1, &mut batches).await.0, link::KIND_STORED);
        assert_eq!(answer(&mut ws, 2, &mut batches).await.0, link::KIND_STORED);

        // garbage is refused with a reason, and the link goes on
        ws.send(numbered(3, &[0, 2, 9, 9])).await.unwrap();
        let (kind, why) = answer(&mut ws, 3, &mut batches).await;
        assert_eq!(kind, link::KIND_FAILED);
        assert!(!why.is_empty());

        // what the engine sends the editor arrives in a batch
        engineer_signs(&peer.handle, id).await;
        let update = loop {
            if let Some(u) = batches.drain(..).flat_map(|b| unframe(&b)).find_map(|m| {
                match Message::decode_v1(&m) {
                    Ok(Message::Sync(SyncMessage::Update(u))) => Some(u),
                    _ => None,
                }
            }) {
                break u;
            }
            let (kind, rest) = said(&mut ws).await;
            assert_eq!(kind, link::KIND_MESSAGES);
            batches.push(rest);
        };
        apply(&ui, &update);
        assert!(ui
            .get_or_insert_map("signoffs")
            .get(&ui.transact(), "engineer")
            .is_some());

        // a text message ends the link, and the editor with it
        ws.send(Ws::Text("hello".into())).await.unwrap();
        let ended = tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(Ok(_)) = ws.next().await {}
        })
        .await;
        assert!(ended.is_ok(), "the link ends");
        let gone = async {
            loop {
                match peer
                    .handle
                    .message(editor, sync::update_message(vec![0, 0]))
                    .await
                {
                    Err(FrontendError::NotAttached(_)) => return,
                    _ => tokio::task::yield_now().await,
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(10), gone)
            .await
            .expect("the editor is detached");
        peer.shutdown().await;
        assert_eq!(
            stored_text(dir.path(), id, Section::Problem).await,
            "First line.\n\nSecond line."
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_connection_that_never_finishes_its_handshake_is_dropped() {
        use tokio::io::AsyncReadExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let peer = start(dir.path()).await;
        let sockets = EditorSockets::start(peer.handle.clone(), || {})
            .await
            .expect("listen");
        let url = sockets.url();
        let addr = url
            .trim_start_matches("ws://")
            .split('/')
            .next()
            .expect("host:port")
            .to_string();
        let mut idle = tokio::net::TcpStream::connect(&addr)
            .await
            .expect("connect");
        let mut buf = [0u8; 16];
        let read = tokio::time::timeout(
            link::HANDSHAKE_TIMEOUT + Duration::from_secs(10),
            idle.read(&mut buf),
        )
        .await
        .expect("the link drops the silent connection");
        assert_eq!(read.expect("read"), 0, "closed without a byte");
        peer.shutdown().await;
    }
}
