//! The live link between an open editor (the UI's Yjs document) and the hub: one loopback
//! WebSocket per open brief, bytes both ways, in order.
//!
//! Why not Tauri IPC for this traffic: on Linux every IPC call crosses the app's GTK main
//! thread twice (the request, then its reply), which also draws the window; in a joint
//! session of eight that put 10–20 ms (p99 50–80 ms) on each keystroke's way out and each
//! teammate's keystroke's way in. By Tauri's postMessage fallback each reply was moreover an
//! evaluated script that the web process kept (issue 14's memory figure). A WebSocket goes
//! from the web process to this task directly, and a message is a `MessageEvent`, never code.
//!
//! Who may connect: the listener is on 127.0.0.1 only, and the URL carries a token of 32
//! random bytes made when the app starts, handed to the page over Tauri IPC (which only the
//! app's own page can call) and compared in constant time. A connection without it, or for
//! an editor that is not waiting for its link, is refused before the upgrade. An editor has
//! one link; when it ends the editor is detached. A connection that has not finished its
//! handshake within [`HANDSHAKE_TIMEOUT`] is dropped.
//!
//! The wire (all integers little-endian):
//! - editor → engine: one binary message per y-sync message, `u32 seq · message`. `seq`
//!   numbers the editor's messages 1, 2, 3… and is echoed in the answer. They are applied in
//!   the order they arrive (a WebSocket keeps it), so the editor need not wait for one answer
//!   before sending the next.
//! - engine → editor: one binary message per event, its first byte the kind:
//!   - `0` ([`KIND_MESSAGES`]): what the engine sent to the editor, each message as
//!     `u32 length · bytes` (everything queued when the link wrote, up to [`MAX_BATCH`]);
//!   - `1` ([`KIND_STORED`]) `· u32 seq`: what message `seq` changed is stored (its
//!     acknowledgement; answers come in `seq` order);
//!   - `2` ([`KIND_FAILED`]) `· u32 seq · UTF-8 reason`: message `seq` was refused or could
//!     not be stored; the editor keeps its edits and sends them again.
//!
//! Anything else from the editor (text, a message shorter than its `seq`) ends the link with
//! a typed error in the log; the edits it acknowledged are stored already.
//!
//! ```no_run
//! # async fn demo(handle: groundwork::frontend::Handle, brief: uuid::Uuid) -> std::io::Result<()> {
//! use groundwork::frontend::socket::EditorSockets;
//! let sockets = EditorSockets::start(handle, || {}).await?;
//! // the shell attaches the page's document and hands it the first messages…
//! let (editor, first) = sockets.attach(brief, Some(42)).await.expect("attach");
//! // …and the page connects to `{url}&editor={editor}` for everything after them
//! println!("{}&editor={editor}: {} messages first", sockets.url(), first.len());
//! # Ok(()) }
//! ```

use super::Handle;
use crate::net::FrontendError;
use futures_util::{SinkExt, StreamExt};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use subtle::ConstantTimeEq;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{http, Message};
use uuid::Uuid;

/// A batch of engine messages stops growing past this many bytes.
pub const MAX_BATCH: usize = 4 << 20;
/// The largest message either side takes (a pasted document, the whole state).
pub const MAX_MESSAGE: usize = 64 << 20;

/// How long a connection has to finish its WebSocket handshake.
pub const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Engine → editor: a batch of engine messages.
pub const KIND_MESSAGES: u8 = 0;
/// Engine → editor: message `seq` is stored.
pub const KIND_STORED: u8 = 1;
/// Engine → editor: message `seq` was refused or not stored, with why.
pub const KIND_FAILED: u8 = 2;

/// Why a link to an editor ended other than by closing.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("websocket: {0}")]
    Socket(#[from] tokio_tungstenite::tungstenite::Error),
    #[error("a text message from the editor (only binary messages are spoken)")]
    Text,
    #[error("a message of {0} bytes is shorter than its sequence number")]
    Short(usize),
}

/// Appends one message to a batch: its length as a u32 little-endian, then its bytes.
/// `None` (and nothing appended) if the message does not fit a u32 length.
pub fn frame(out: &mut Vec<u8>, message: &[u8]) -> Option<()> {
    let n = u32::try_from(message.len()).ok()?;
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(message);
    Some(())
}

/// The editors' links: where they listen, the token, and the editors attached but not yet
/// connected. Cheap to clone.
#[derive(Clone)]
pub struct EditorSockets {
    inner: Arc<Inner>,
}

struct Inner {
    handle: Handle,
    /// Called after each message from an editor (the shell gives freed heap back once typing
    /// stops).
    on_message: Box<dyn Fn() + Send + Sync>,
    port: u16,
    token: String,
    /// What the engine sent each attached editor, until its link takes it.
    waiting: Mutex<HashMap<u64, mpsc::UnboundedReceiver<Vec<u8>>>>,
}

impl EditorSockets {
    /// Listens on 127.0.0.1 (a port the system picks) and serves links until the runtime
    /// stops. `on_message` runs after each message an editor sends.
    pub async fn start(
        handle: Handle,
        on_message: impl Fn() + Send + Sync + 'static,
    ) -> std::io::Result<EditorSockets> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(std::io::Error::other)?;
        let sockets = EditorSockets {
            inner: Arc::new(Inner {
                handle,
                on_message: Box::new(on_message),
                port,
                token: crate::identity::hex(&secret),
                waiting: Mutex::new(HashMap::new()),
            }),
        };
        let s = sockets.clone();
        tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        let s = s.clone();
                        tokio::spawn(async move { s.link(stream).await });
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "editor link: accept failed");
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    }
                }
            }
        });
        tracing::info!(port, "editor links listening on loopback");
        Ok(sockets)
    }

    /// The URL an editor connects to, without its `&editor=` id.
    pub fn url(&self) -> String {
        format!(
            "ws://127.0.0.1:{}/editor?token={}",
            self.inner.port, self.inner.token
        )
    }

    /// Attaches an editor to a brief: its id, and what the engine sent while attaching (the
    /// whole state, its step 1, presence). The rest waits for the editor's link.
    pub async fn attach(
        &self,
        brief: Uuid,
        client_id: Option<u64>,
    ) -> Result<(u64, Vec<Vec<u8>>), FrontendError> {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let editor = self.inner.handle.attach(brief, client_id, tx).await?;
        let mut first = Vec::new();
        while let Ok(m) = rx.try_recv() {
            first.push(m);
        }
        self.waiting().insert(editor, rx);
        Ok((editor, first))
    }

    /// Detaches an editor; its link, if any, ends.
    pub fn close(&self, editor: u64) {
        self.waiting().remove(&editor);
        self.inner.handle.detach(editor);
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, HashMap<u64, mpsc::UnboundedReceiver<Vec<u8>>>> {
        self.inner.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The editor a handshake request names, if its token is ours.
    fn admit(&self, request: &Request) -> Option<u64> {
        if request.uri().path() != "/editor" {
            return None;
        }
        let mut token = None;
        let mut editor = None;
        for pair in request.uri().query()?.split('&') {
            match pair.split_once('=') {
                Some(("token", t)) => token = Some(t),
                Some(("editor", e)) => editor = e.parse::<u64>().ok(),
                _ => {}
            }
        }
        // constant time (`subtle`): how much of a guess matched must not show in how long
        // refusing took
        let same: bool = token?.as_bytes().ct_eq(self.inner.token.as_bytes()).into();
        same.then_some(editor).flatten()
    }

    async fn link(&self, stream: TcpStream) {
        let _ = stream.set_nodelay(true);
        let mut admitted: Option<(u64, mpsc::UnboundedReceiver<Vec<u8>>)> = None;
        // the refusal's type is tungstenite's (its handshake callback)
        #[allow(clippy::result_large_err)]
        let check = |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
            let taken = self
                .admit(request)
                .and_then(|editor| Some((editor, self.waiting().remove(&editor)?)));
            match taken {
                Some(t) => {
                    admitted = Some(t);
                    Ok(response)
                }
                None => {
                    let mut refusal = ErrorResponse::new(Some("not an editor of this app".into()));
                    *refusal.status_mut() = http::StatusCode::FORBIDDEN;
                    Err(refusal)
                }
            }
        };
        let config = WebSocketConfig::default()
            .max_message_size(Some(MAX_MESSAGE))
            .max_frame_size(Some(MAX_MESSAGE));
        let handshake =
            tokio_tungstenite::accept_hdr_async_with_config(stream, check, Some(config));
        // a connection that never finishes its handshake is not kept waiting for ever
        let ws = match tokio::time::timeout(HANDSHAKE_TIMEOUT, handshake).await {
            Ok(Ok(ws)) => ws,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "editor link refused");
                return;
            }
            Err(_) => {
                tracing::warn!("editor link: no handshake within {HANDSHAKE_TIMEOUT:?}");
                return;
            }
        };
        let Some((editor, rx)) = admitted else {
            return;
        };
        tracing::debug!(editor, "editor link open");
        match self.serve(editor, ws, rx).await {
            Ok(()) => tracing::debug!(editor, "editor link closed"),
            Err(e) => tracing::warn!(editor, error = %e, "editor link ended"),
        }
        self.inner.handle.detach(editor);
    }

    /// Runs one link: the editor's messages to the hub in order, their answers and the
    /// engine's messages back.
    async fn serve(
        &self,
        editor: u64,
        ws: tokio_tungstenite::WebSocketStream<TcpStream>,
        mut engine: mpsc::UnboundedReceiver<Vec<u8>>,
    ) -> Result<(), LinkError> {
        let (mut sink, mut stream) = ws.split();
        // answers, in the order the messages came; each waits for its store
        let (answers_tx, mut answers) = mpsc::unbounded_channel::<Vec<u8>>();
        let (stores_tx, mut stores) = mpsc::unbounded_channel::<(
            u32,
            std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), FrontendError>> + Send>>,
        )>();
        let acker = tokio::spawn(async move {
            while let Some((seq, stored)) = stores.recv().await {
                let answer = match stored.await {
                    Ok(()) => stored_answer(seq),
                    Err(e) => failed_answer(seq, &e),
                };
                if answers_tx.send(answer).is_err() {
                    return;
                }
            }
        });
        let writer = async {
            loop {
                tokio::select! {
                    biased;
                    answer = answers.recv() => match answer {
                        Some(a) => sink.send(Message::Binary(a.into())).await?,
                        None => return Ok::<(), LinkError>(()),
                    },
                    first = engine.recv() => match first {
                        Some(m) => {
                            let mut out = vec![KIND_MESSAGES];
                            let mut next = Some(m);
                            while let Some(m) = next.take() {
                                if frame(&mut out, &m).is_none() {
                                    tracing::error!(editor, bytes = m.len(), "a message too large for the editor");
                                } else if out.len() < MAX_BATCH {
                                    next = engine.try_recv().ok();
                                }
                            }
                            sink.send(Message::Binary(out.into())).await?;
                        }
                        // detached: the link ends
                        None => {
                            let _ = sink.send(Message::Close(None)).await;
                            return Ok(());
                        }
                    },
                }
            }
        };
        let reader = async {
            while let Some(m) = stream.next().await {
                let bytes = match m? {
                    Message::Binary(b) => b,
                    Message::Close(_) => return Ok::<(), LinkError>(()),
                    Message::Text(_) => return Err(LinkError::Text),
                    _ => continue,
                };
                if bytes.len() < 4 {
                    return Err(LinkError::Short(bytes.len()));
                }
                let seq = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
                let stored: std::pin::Pin<Box<dyn std::future::Future<Output = _> + Send>> =
                    match self.inner.handle.submit(editor, bytes[4..].to_vec()) {
                        Ok(f) => Box::pin(f),
                        Err(e) => Box::pin(std::future::ready(Err(e))),
                    };
                (self.inner.on_message)();
                if stores_tx.send((seq, stored)).is_err() {
                    return Ok(());
                }
            }
            Ok(())
        };
        let r = tokio::select! {
            r = reader => r,
            r = writer => r,
        };
        acker.abort();
        r
    }
}

fn stored_answer(seq: u32) -> Vec<u8> {
    let mut a = vec![KIND_STORED];
    a.extend_from_slice(&seq.to_le_bytes());
    a
}

fn failed_answer(seq: u32, e: &FrontendError) -> Vec<u8> {
    let mut a = vec![KIND_FAILED];
    a.extend_from_slice(&seq.to_le_bytes());
    a.extend_from_slice(e.to_string().as_bytes());
    a
}
