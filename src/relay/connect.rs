//! Keeps one relay connection up: connects (TLS for `wss://`, the token in the query or an
//! `Authorization` header), passes binary messages both ways until either side ends it, and
//! dials again after a backoff with jitter — so edits made while the relay was unreachable go
//! through once it is back (the peer machine's sync step 1 on every new link finds them).
//!
//! Everything from the relay is hostile: a message over [`MAX_MESSAGE`] or a frame over
//! [`MAX_FRAME`] ends the connection before it is held in memory whole (tungstenite checks the
//! declared length first); a text message ends it too (y-websocket sends binary only).

use super::{RelaySetting, RelayUrl, TokenIn};
use crate::peer::LinkId;
use futures_util::{SinkExt, StreamExt};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

/// Bytes this process has sent to relays (WebSocket message payloads), for the benchmarks'
/// "bytes on the wire".
pub static BYTES_SENT: AtomicU64 = AtomicU64::new(0);

/// The largest message taken from a relay (a whole brief's state comes as one).
pub const MAX_MESSAGE: usize = 32 << 20;
/// The largest WebSocket frame taken from a relay.
pub const MAX_FRAME: usize = 16 << 20;
/// How long a connection attempt may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Backoff bounds (ms).
const BACKOFF_MIN_MS: u64 = 500;
const BACKOFF_MAX_MS: u64 = 30_000;

/// What a relay connection tells the hub.
#[derive(Debug)]
pub enum RelayEvent {
    /// Connected: the relay's messages arrive as [`RelayEvent::Message`] on `link`; what is
    /// sent on `tx` goes to the relay.
    Up {
        link: LinkId,
        tx: mpsc::UnboundedSender<Vec<u8>>,
    },
    Message {
        link: LinkId,
        bytes: Vec<u8>,
    },
    /// The connection ended (or was refused by this side).
    Down {
        link: LinkId,
        reason: String,
    },
    /// A connection attempt failed; the next one follows after a backoff.
    Unreachable {
        reason: String,
    },
}

/// The wait before connection attempt `attempt` (0, 1, …): doubling from 0.5 s up to 30 s,
/// each wait drawn at random from its upper half so that peers do not dial in step.
pub fn backoff_ms(attempt: u32, random: u64) -> u64 {
    let cap = BACKOFF_MIN_MS
        .saturating_mul(1u64 << attempt.min(16))
        .min(BACKOFF_MAX_MS);
    cap / 2 + random % (cap / 2 + 1)
}

fn tls() -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    // ring: already built for the Noise transport (snow); aws-lc-rs, rustls' preference, needs
    // cmake and a C build. ring's suites lack the post-quantum key exchange (deprecated for it).
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS setup: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Keeps the relay `url` of `brief` connected until the task is aborted, reporting to
/// `events` as `(brief, url, event)`. Link ids come from `ids` (shared with the hub's other
/// links).
pub async fn run_relay(
    brief: Uuid,
    url: RelayUrl,
    setting: RelaySetting,
    ids: Arc<AtomicU64>,
    events: mpsc::UnboundedSender<(Uuid, RelayUrl, RelayEvent)>,
) {
    let send = |ev: RelayEvent| events.send((brief, url.clone(), ev)).is_ok();
    let mut attempt: u32 = 0;
    loop {
        match connect(&url, &setting).await {
            Ok(ws) => {
                attempt = 0;
                let link = ids.fetch_add(1, Ordering::Relaxed);
                let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
                if !send(RelayEvent::Up { link, tx }) {
                    return;
                }
                let (mut sink, mut stream) = ws.split();
                let reason = loop {
                    tokio::select! {
                        out = rx.recv() => match out {
                            Some(bytes) => {
                                BYTES_SENT.fetch_add(bytes.len() as u64, Ordering::Relaxed);
                                if let Err(e) = sink.send(Message::Binary(bytes.into())).await {
                                    break format!("write failed: {e}");
                                }
                            }
                            // the hub closed the link (the relay misbehaved)
                            None => {
                                let _ = sink.close().await;
                                break "closed by this device".to_string();
                            }
                        },
                        msg = stream.next() => match msg {
                            Some(Ok(Message::Binary(b))) => {
                                if !send(RelayEvent::Message { link, bytes: b.to_vec() }) {
                                    return;
                                }
                            }
                            Some(Ok(Message::Text(_))) => break "sent a text message".to_string(),
                            Some(Ok(Message::Close(_))) | None => break "closed by the relay".to_string(),
                            Some(Ok(_)) => {} // ping, pong: answered by tungstenite
                            Some(Err(e)) => break format!("read failed: {e}"),
                        },
                    }
                };
                tracing::info!(%brief, relay = %url, %reason, "relay connection ended");
                if !send(RelayEvent::Down { link, reason }) {
                    return;
                }
            }
            Err(reason) => {
                tracing::debug!(%brief, relay = %url, %reason, "relay unreachable");
                if !send(RelayEvent::Unreachable { reason }) {
                    return;
                }
            }
        }
        let wait = backoff_ms(attempt, Uuid::new_v4().as_u128() as u64);
        attempt = attempt.saturating_add(1);
        tokio::time::sleep(Duration::from_millis(wait)).await;
    }
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(url: &RelayUrl, setting: &RelaySetting) -> Result<Ws, String> {
    let address = url.with_token(setting.token.as_deref(), setting.token_in);
    let mut request = address
        .as_str()
        .into_client_request()
        .map_err(|e| format!("bad address: {e}"))?;
    if let (Some(token), TokenIn::Header) = (&setting.token, setting.token_in) {
        let value = format!("Bearer {token}")
            .parse()
            .map_err(|_| "the token cannot go in a header".to_string())?;
        request.headers_mut().insert("authorization", value);
    }
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_FRAME));
    let connector = tokio_tungstenite::Connector::Rustls(tls()?);
    let attempt = tokio_tungstenite::connect_async_tls_with_config(
        request,
        Some(config),
        // TCP_NODELAY: a keystroke is one small message; Nagle would hold it back behind the
        // previous one's ACK (tens of ms with delayed ACKs)
        true,
        Some(connector),
    );
    match tokio::time::timeout(CONNECT_TIMEOUT, attempt).await {
        Ok(Ok((ws, _))) => Ok(ws),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("timed out".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_bounds_with_jitter() {
        for attempt in 0..40 {
            for r in [0u64, 1, 12345, u64::MAX] {
                let w = backoff_ms(attempt, r);
                let cap = (BACKOFF_MIN_MS << attempt.min(16)).min(BACKOFF_MAX_MS);
                assert!(w >= cap / 2 && w <= cap, "attempt {attempt}: {w}");
            }
        }
        assert!(backoff_ms(0, 0) >= 250);
        assert_eq!(backoff_ms(30, 0), BACKOFF_MAX_MS / 2);
    }
}
