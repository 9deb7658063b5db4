//! The encrypted, mutually authenticated channel between two devices: a Noise
//! `XX_25519_ChaChaPoly_BLAKE2s` handshake with the devices' static X25519 keys, then Noise
//! transport messages carrying application frames. Byte layout (also in SYNC.md):
//!
//! ```text
//! record   = u16 BE length || Noise message (<= 65535 bytes)
//! handshake: 3 records (-> e | <- e, ee, s, es | -> s, se), payloads empty, prologue "groundwork/1"
//! transport: each record decrypts to  flags (1 byte, bit 0 = last chunk) || chunk
//! frame    = the chunks of one application frame concatenated (at most MAX_FRAME bytes)
//! ```
//! Noise gives confidentiality, integrity and mutual authentication of the static keys; the
//! handshake hash binds everything above to the session (it is the input of brief tags).

use crate::sync::MAX_FRAME;
use snow::{Builder, HandshakeState, TransportState};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

pub const NOISE_PATTERN: &str = "Noise_XX_25519_ChaChaPoly_BLAKE2s";
pub const PROLOGUE: &[u8] = b"groundwork/1";
const MAX_RECORD: usize = 65535;
const TAG_LEN: usize = 16;
/// Plaintext bytes per record: the record minus the AEAD tag and the flags byte.
const CHUNK: usize = MAX_RECORD - TAG_LEN - 1;
/// Bytes this process has written to all channels (handshakes and records): for benchmarks.
pub static BYTES_WRITTEN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn count(n: usize) {
    BYTES_WRITTEN.fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
}

/// How long a handshake may take before the connection is dropped.
pub const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("connection error: {0}")]
    Io(#[from] std::io::Error),
    #[error("noise: {0}")]
    Noise(String),
    #[error("handshake timed out")]
    Timeout,
    #[error("peer sent a frame larger than {MAX_FRAME} bytes")]
    TooLarge,
    #[error("peer sent a malformed record")]
    Malformed,
    #[error("peer presented no static key")]
    NoKey,
}

impl From<snow::Error> for TransportError {
    fn from(e: snow::Error) -> Self {
        TransportError::Noise(e.to_string())
    }
}

/// An established channel.
pub struct Channel<S> {
    stream: S,
    noise: TransportState,
    /// The peer's static public key (its device id).
    pub remote_key: [u8; 32],
    /// The handshake hash, identical on both ends, unique per session.
    pub handshake_hash: Vec<u8>,
    buf: Vec<u8>,
}

/// Largest handshake record accepted. The XX messages this pattern sends with empty payloads
/// are 32, 96 and 64 bytes; a peer that declares more before it has authenticated is refused
/// instead of making us reserve up to 64 KiB for it.
const MAX_HANDSHAKE_RECORD: usize = 1024;

async fn read_handshake_record<S: AsyncRead + Unpin>(
    s: &mut S,
    buf: &mut Vec<u8>,
) -> Result<(), TransportError> {
    let len = s.read_u16().await? as usize;
    if len > MAX_HANDSHAKE_RECORD {
        return Err(TransportError::Malformed);
    }
    buf.resize(len, 0);
    s.read_exact(buf).await?;
    Ok(())
}

async fn write_record<S: AsyncWrite + Unpin>(s: &mut S, data: &[u8]) -> Result<(), TransportError> {
    let mut out = Vec::with_capacity(2 + data.len());
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    out.extend_from_slice(data);
    count(out.len());
    s.write_all(&out).await?;
    Ok(())
}

fn builder(secret: &[u8; 32]) -> Result<Builder<'_>, TransportError> {
    let params = NOISE_PATTERN
        .parse()
        .map_err(|e: snow::Error| TransportError::Noise(e.to_string()))?;
    Ok(Builder::new(params)
        .local_private_key(secret)?
        .prologue(PROLOGUE)?)
}

async fn finish<S: AsyncRead + AsyncWrite + Unpin>(
    stream: S,
    hs: HandshakeState,
) -> Result<Channel<S>, TransportError> {
    let remote = hs.get_remote_static().ok_or(TransportError::NoKey)?;
    let remote_key: [u8; 32] = remote.try_into().map_err(|_| TransportError::NoKey)?;
    let handshake_hash = hs.get_handshake_hash().to_vec();
    Ok(Channel {
        stream,
        noise: hs.into_transport_mode()?,
        remote_key,
        handshake_hash,
        buf: Vec::new(),
    })
}

/// Runs the initiator side of the handshake.
pub async fn connect<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    secret: &[u8; 32],
) -> Result<Channel<S>, TransportError> {
    let fut = async {
        let mut hs = builder(secret)?.build_initiator()?;
        let mut msg = vec![0u8; MAX_HANDSHAKE_RECORD];
        let mut payload = vec![0u8; MAX_HANDSHAKE_RECORD];
        let mut buf = Vec::new();
        let n = hs.write_message(&[], &mut msg)?;
        write_record(&mut stream, &msg[..n]).await?;
        read_handshake_record(&mut stream, &mut buf).await?;
        hs.read_message(&buf, &mut payload)?;
        let n = hs.write_message(&[], &mut msg)?;
        write_record(&mut stream, &msg[..n]).await?;
        stream.flush().await?;
        finish(stream, hs).await
    };
    tokio::time::timeout(HANDSHAKE_TIMEOUT, fut)
        .await
        .map_err(|_| TransportError::Timeout)?
}

/// Runs the responder side of the handshake.
pub async fn accept<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    secret: &[u8; 32],
) -> Result<Channel<S>, TransportError> {
    let fut = async {
        // nothing is reserved for a connection until its first record arrived, and then only
        // what a handshake message can need
        let mut buf = Vec::new();
        read_handshake_record(&mut stream, &mut buf).await?;
        let mut hs = builder(secret)?.build_responder()?;
        let mut msg = vec![0u8; MAX_HANDSHAKE_RECORD];
        let mut payload = vec![0u8; MAX_HANDSHAKE_RECORD];
        hs.read_message(&buf, &mut payload)?;
        let n = hs.write_message(&[], &mut msg)?;
        write_record(&mut stream, &msg[..n]).await?;
        stream.flush().await?;
        read_handshake_record(&mut stream, &mut buf).await?;
        hs.read_message(&buf, &mut payload)?;
        finish(stream, hs).await
    };
    tokio::time::timeout(HANDSHAKE_TIMEOUT, fut)
        .await
        .map_err(|_| TransportError::Timeout)?
}

impl<S: AsyncRead + AsyncWrite + Unpin> Channel<S> {
    /// Splits into independently usable halves (reader and writer tasks).
    pub fn split(
        self,
    ) -> (
        ChannelReader<tokio::io::ReadHalf<S>>,
        ChannelWriter<tokio::io::WriteHalf<S>>,
    )
    where
        S: Send + 'static,
    {
        let (r, w) = tokio::io::split(self.stream);
        let noise = std::sync::Arc::new(std::sync::Mutex::new(self.noise));
        (
            ChannelReader {
                stream: r,
                noise: noise.clone(),
                buf: self.buf,
                plain: Vec::new(),
            },
            ChannelWriter { stream: w, noise },
        )
    }
}

fn lock(m: &std::sync::Mutex<TransportState>) -> std::sync::MutexGuard<'_, TransportState> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

pub struct ChannelReader<R> {
    stream: R,
    noise: std::sync::Arc<std::sync::Mutex<TransportState>>,
    /// The record being read.
    buf: Vec<u8>,
    /// Its plaintext: kept between frames and only ever grown (to the largest record seen,
    /// at most [`MAX_RECORD`]), so a keystroke's frame does not allocate and zero 64 KiB.
    plain: Vec<u8>,
}

pub struct ChannelWriter<W> {
    stream: W,
    noise: std::sync::Arc<std::sync::Mutex<TransportState>>,
}

impl<R: AsyncRead + Unpin> ChannelReader<R> {
    /// Reads one application frame (reassembled from its chunks), or `None` at a clean end.
    pub async fn read_frame(&mut self) -> Result<Option<Vec<u8>>, TransportError> {
        let mut frame = Vec::new();
        loop {
            let len = match self.stream.read_u16().await {
                Ok(l) => l as usize,
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && frame.is_empty() => {
                    return Ok(None)
                }
                Err(e) => return Err(e.into()),
            };
            self.buf.resize(len, 0);
            self.stream.read_exact(&mut self.buf).await?;
            if self.plain.len() < len {
                self.plain.resize(len, 0);
            }
            let n = lock(&self.noise).read_message(&self.buf, &mut self.plain)?;
            let (&flags, chunk) = self.plain[..n]
                .split_first()
                .ok_or(TransportError::Malformed)?;
            if frame.len() + chunk.len() > MAX_FRAME {
                return Err(TransportError::TooLarge);
            }
            frame.extend_from_slice(chunk);
            if flags & 1 == 1 {
                return Ok(Some(frame));
            }
        }
    }
}

impl<W: AsyncWrite + Unpin> ChannelWriter<W> {
    /// Encrypts and writes one application frame.
    pub async fn write_frame(&mut self, frame: &[u8]) -> Result<(), TransportError> {
        self.write_frames(std::slice::from_ref(&frame.to_vec()))
            .await
    }

    /// Encrypts several frames and writes them with one write (a burst costs one syscall).
    pub async fn write_frames(&mut self, frames: &[Vec<u8>]) -> Result<(), TransportError> {
        let records: usize = frames.iter().map(|f| f.len().div_ceil(CHUNK).max(1)).sum();
        let bytes: usize = frames.iter().map(|f| f.len()).sum();
        let mut out = Vec::with_capacity(bytes + records * (2 + 1 + TAG_LEN));
        let mut plain = Vec::with_capacity(bytes.min(CHUNK) + 1);
        for frame in frames {
            if frame.len() > MAX_FRAME {
                return Err(TransportError::TooLarge);
            }
            let mut chunks = frame.chunks(CHUNK).peekable();
            let mut wrote_any = false;
            while let Some(chunk) = chunks.next() {
                plain.clear();
                plain.push(if chunks.peek().is_none() { 1 } else { 0 });
                plain.extend_from_slice(chunk);
                self.seal(&plain, &mut out)?;
                wrote_any = true;
            }
            if !wrote_any {
                self.seal(&[1], &mut out)?;
            }
        }
        count(out.len());
        self.stream.write_all(&out).await?;
        self.stream.flush().await?;
        Ok(())
    }

    /// Encrypts one record's plaintext (flags byte and chunk) straight onto the end of
    /// `out`, length first.
    fn seal(&self, plain: &[u8], out: &mut Vec<u8>) -> Result<(), TransportError> {
        let at = out.len();
        out.resize(at + 2 + plain.len() + TAG_LEN, 0);
        let n = lock(&self.noise).write_message(plain, &mut out[at + 2..])?;
        out.truncate(at + 2 + n);
        out[at..at + 2].copy_from_slice(&(n as u16).to_be_bytes());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn handshake_authenticates_and_frames_round_trip() {
        let (a, b) = tokio::io::duplex(1 << 20);
        let ka = [1u8; 32];
        let kb = [2u8; 32];
        let pa = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(ka)).to_bytes();
        let pb = x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(kb)).to_bytes();
        let (ca, cb) = tokio::join!(connect(a, &ka), accept(b, &kb));
        let (ca, cb) = (ca.unwrap(), cb.unwrap());
        assert_eq!(ca.remote_key, pb);
        assert_eq!(cb.remote_key, pa);
        assert_eq!(ca.handshake_hash, cb.handshake_hash);
        let (_ra, mut wa) = ca.split();
        let (mut rb, _wb) = cb.split();
        let big: Vec<u8> = (0..200_000u32).map(|i| i as u8).collect();
        // buffers are kept between frames: a small frame after a big one reads exactly
        for f in [&b"hello"[..], &big[..], &[][..], &b"after"[..]] {
            wa.write_frame(f).await.unwrap();
            assert_eq!(rb.read_frame().await.unwrap().unwrap(), f);
        }
    }

    #[tokio::test]
    async fn garbage_and_tampering_are_errors() {
        // a peer that sends garbage instead of a handshake
        let (a, mut b) = tokio::io::duplex(1 << 16);
        let resp = tokio::spawn(async move { accept(a, &[3u8; 32]).await });
        b.write_all(&[0, 5, 1, 2, 3, 4, 5]).await.unwrap();
        drop(b);
        assert!(resp.await.unwrap().is_err());
        // a tampered transport record
        let (a, b) = tokio::io::duplex(1 << 16);
        let (ca, cb) = tokio::join!(connect(a, &[1u8; 32]), accept(b, &[2u8; 32]));
        let (_ra, mut wa) = ca.unwrap().split();
        let (rb, _wb) = cb.unwrap().split();
        let ChannelReader {
            stream, noise, buf, ..
        } = rb;
        // intercept: write a frame, flip a byte on the way
        wa.write_frame(b"secret").await.unwrap();
        let mut stream = stream;
        let mut raw = vec![0u8; 2 + 1 + 6 + 16];
        stream.read_exact(&mut raw).await.unwrap();
        raw[5] ^= 1;
        let (x, mut y) = tokio::io::duplex(1 << 16);
        y.write_all(&raw).await.unwrap();
        let mut rb = ChannelReader {
            stream: x,
            noise,
            buf,
            plain: Vec::new(),
        };
        assert!(rb.read_frame().await.is_err());
    }
}
