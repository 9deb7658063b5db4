//! The stored blob format: every yrs payload written to SQLite is wrapped in a small header
//! carrying a magic, a format version, the kind of payload and a CRC-32 of the payload.
//!
//! ```text
//! offset size field
//! 0      4    magic  b"GWB\0"
//! 4      1    format version (currently 1)
//! 5      1    kind: 1 = batch of yrs v1 updates, 2 = yrs v2 encoded state (snapshot, read
//!             only), 3 = deflate-compressed yrs v1 encoded state (snapshot, written)
//! 6      2    reserved, zero
//! 8      4    payload length, u32 little endian
//! 12     4    CRC-32 (IEEE) of the payload, u32 little endian
//! 16     ..   payload
//! ```
//! A batch payload is a sequence of `u32 LE length || yrs v1 update`. A snapshot payload is
//! the whole state of the brief as one update. Snapshots are written as kind 3: yrs 0.28's v2
//! encoder produced a state its own decoder rejected (found by tests/sim.rs), so v2 is no
//! longer written.

pub const MAGIC: &[u8; 4] = b"GWB\0";
pub const FORMAT_VERSION: u8 = 1;
const HEADER: usize = 16;

/// What a blob holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlobKind {
    /// A batch of yrs v1 updates, appended as edits happen.
    UpdateBatch = 1,
    /// One yrs v2 update with the whole state (older snapshots; read only).
    Snapshot = 2,
    /// One yrs v1 update with the whole state, deflate-compressed: what compaction writes.
    SnapshotV1Deflate = 3,
}

/// Why a stored blob could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlobError {
    #[error("blob is too short ({0} bytes)")]
    TooShort(usize),
    #[error("blob does not start with the Groundwork magic")]
    BadMagic,
    #[error("blob has format version {0}, this build reads up to {FORMAT_VERSION}")]
    NewerVersion(u8),
    #[error("blob has unknown kind {0}")]
    UnknownKind(u8),
    #[error("blob length field says {declared} bytes but {actual} follow")]
    BadLength { declared: usize, actual: usize },
    #[error("blob checksum mismatch (stored {stored:08x}, computed {computed:08x})")]
    Checksum { stored: u32, computed: u32 },
    #[error("update batch is malformed at byte {0}")]
    BadBatch(usize),
}

/// Wraps a payload in the header.
pub fn encode(kind: BlobKind, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + payload.len());
    out.extend_from_slice(MAGIC);
    out.push(FORMAT_VERSION);
    out.push(kind as u8);
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Checks the header and checksum and returns the kind and payload.
pub fn decode(blob: &[u8]) -> Result<(BlobKind, &[u8]), BlobError> {
    if blob.len() < HEADER {
        return Err(BlobError::TooShort(blob.len()));
    }
    if &blob[0..4] != MAGIC {
        return Err(BlobError::BadMagic);
    }
    if blob[4] > FORMAT_VERSION || blob[4] == 0 {
        return Err(BlobError::NewerVersion(blob[4]));
    }
    let kind = match blob[5] {
        1 => BlobKind::UpdateBatch,
        2 => BlobKind::Snapshot,
        3 => BlobKind::SnapshotV1Deflate,
        k => return Err(BlobError::UnknownKind(k)),
    };
    let declared = u32::from_le_bytes([blob[8], blob[9], blob[10], blob[11]]) as usize;
    let payload = &blob[HEADER..];
    if declared != payload.len() {
        return Err(BlobError::BadLength {
            declared,
            actual: payload.len(),
        });
    }
    let stored = u32::from_le_bytes([blob[12], blob[13], blob[14], blob[15]]);
    let computed = crc32fast::hash(payload);
    if stored != computed {
        return Err(BlobError::Checksum { stored, computed });
    }
    Ok((kind, payload))
}

/// Largest snapshot accepted when inflating (guards against a decompression bomb in a
/// damaged or hostile file).
pub const MAX_SNAPSHOT: usize = 1 << 30;

/// How hard a snapshot is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effort {
    /// For compaction on the typing path (automatic): a few milliseconds.
    Fast,
    /// For a compaction someone asked for (`groundwork compact`) or one that replays the
    /// log anyway: the smallest file (about 12 % smaller, 3-4x the time).
    Smallest,
}

/// Compresses a v1 state for a kind-3 snapshot.
pub fn deflate(data: &[u8], effort: Effort) -> Vec<u8> {
    use std::io::Write;
    let level = match effort {
        Effort::Fast => flate2::Compression::fast(),
        Effort::Smallest => flate2::Compression::best(),
    };
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), level);
    // Writing to a Vec cannot fail.
    let _ = e.write_all(data);
    e.finish().unwrap_or_default()
}

/// Decompresses a kind-3 snapshot payload.
pub fn inflate(data: &[u8]) -> Result<Vec<u8>, BlobError> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(data)
        .take(MAX_SNAPSHOT as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| BlobError::BadBatch(0))?;
    if out.len() > MAX_SNAPSHOT {
        return Err(BlobError::BadBatch(0));
    }
    Ok(out)
}

/// Encodes a batch of v1 updates as a batch payload.
pub fn encode_batch<'a>(updates: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for u in updates {
        out.extend_from_slice(&(u.len() as u32).to_le_bytes());
        out.extend_from_slice(u);
    }
    out
}

/// Splits a batch payload into its updates, checking every length.
pub fn decode_batch(payload: &[u8]) -> Result<Vec<&[u8]>, BlobError> {
    let mut out = Vec::new();
    let mut at = 0usize;
    while at < payload.len() {
        let Some(len_bytes) = payload.get(at..at + 4) else {
            return Err(BlobError::BadBatch(at));
        };
        let len =
            u32::from_le_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]) as usize;
        let start = at + 4;
        let Some(update) = start
            .checked_add(len)
            .and_then(|end| payload.get(start..end))
        else {
            return Err(BlobError::BadBatch(at));
        };
        out.push(update);
        at = start + len;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn round_trip() {
        let payload = encode_batch([&b"abc"[..], &b""[..], &b"de"[..]]);
        let blob = encode(BlobKind::UpdateBatch, &payload);
        let (kind, p) = decode(&blob).unwrap();
        assert_eq!(kind, BlobKind::UpdateBatch);
        assert_eq!(
            decode_batch(p).unwrap(),
            vec![&b"abc"[..], &b""[..], &b"de"[..]]
        );
    }

    #[test]
    fn detects_damage() {
        let mut blob = encode(BlobKind::Snapshot, b"hello world");
        blob[20] ^= 1;
        assert!(matches!(decode(&blob), Err(BlobError::Checksum { .. })));
        let blob = encode(BlobKind::Snapshot, b"hello world");
        assert!(matches!(
            decode(&blob[..blob.len() - 1]),
            Err(BlobError::BadLength { .. })
        ));
        let mut newer = blob.clone();
        newer[4] = 9;
        assert_eq!(decode(&newer), Err(BlobError::NewerVersion(9)));
        assert_eq!(decode(b"xx"), Err(BlobError::TooShort(2)));
        assert!(decode_batch(&[5, 0, 0, 0, 1]).is_err());
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok((_, p)) = decode(&bytes) {
                let _ = decode_batch(p);
            }
            let _ = decode_batch(&bytes);
        }
    }
}
