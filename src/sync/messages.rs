//! The Yjs sync messages inside a brief's frames, bytes in and bytes out: encoding them,
//! parsing them (message types checked, lengths bounded, unknown types refused), and handling
//! one against a brief — validated before it is applied, a newer document schema refused —
//! with the replies and what to relay. The frames and the session around them are in
//! `sync/mod.rs`.

use super::*;

/// Encodes a y-sync message.
pub fn encode(msg: &Message) -> Vec<u8> {
    msg.encode_v1()
}

/// Sync step 1 for a brief: our state vector.
pub fn step1(brief: &Brief) -> Vec<u8> {
    encode(&Message::Sync(SyncMessage::SyncStep1(brief.state_vector())))
}

/// An update message.
pub fn update_message(update: Vec<u8>) -> Vec<u8> {
    encode(&Message::Sync(SyncMessage::Update(update)))
}

/// What handling one message produced.
#[derive(Debug, Default)]
pub struct Handled {
    /// Messages to send back to the same peer.
    pub replies: Vec<Vec<u8>>,
    /// The peer's state vector, when it told us (sync step 1), v1-encoded.
    pub peer_state_vector: Option<Vec<u8>>,
    /// An awareness update (v1-encoded) to apply and relay.
    pub awareness: Option<Vec<u8>>,
    /// The peer asked for our awareness states (y-protocols "query awareness"): the caller,
    /// which owns the awareness, answers with every state it holds.
    pub awareness_query: bool,
    /// True if the document changed.
    pub changed: bool,
}

/// y-protocols message types (the first varint of a message).
pub const MSG_SYNC: u64 = 0;
pub const MSG_AWARENESS: u64 = 1;
pub const MSG_AUTH: u64 = 2;
pub const MSG_QUERY_AWARENESS: u64 = 3;

/// A y-sync message split into its parts, nothing decoded yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed<'a> {
    /// Type 0: sync step 1 (sub 0), step 2 (sub 1) or update (sub 2), with its payload.
    Sync { sub: u64, payload: &'a [u8] },
    /// Type 1: an awareness update.
    Awareness(&'a [u8]),
    /// Type 2: an auth message (y-protocols' permission-denied reason).
    Auth(&'a [u8]),
    /// Type 3: a bare "query awareness", no payload.
    QueryAwareness,
}

fn varint(c: &mut &[u8]) -> Result<u64, SyncError> {
    let mut v = 0u64;
    for i in 0..10 {
        let (&b, rest) = c
            .split_first()
            .ok_or(SyncError::Message("truncated".into()))?;
        *c = rest;
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err(SyncError::Message("bad varint".into()))
}

/// A varint length followed by exactly that many bytes, ending the message.
fn sized(mut c: &[u8]) -> Result<&[u8], SyncError> {
    let len = varint(&mut c)?;
    if usize::try_from(len).ok() != Some(c.len()) {
        return Err(SyncError::Message("length does not match the frame".into()));
    }
    Ok(c)
}

/// Reads a y-sync message header without trusting it: the payload is validated before yrs
/// decodes it. Types and sub-types are read as full varints, so a type that only looks
/// like a known one in its low byte (256 is not 0) is refused as unknown.
pub fn parse(bytes: &[u8]) -> Result<Parsed<'_>, SyncError> {
    let mut c = bytes;
    let kind = varint(&mut c)?;
    match kind {
        MSG_SYNC => {
            let sub = varint(&mut c)?;
            if sub > 2 {
                return Err(SyncError::UnknownType { kind, sub });
            }
            Ok(Parsed::Sync {
                sub,
                payload: sized(c)?,
            })
        }
        MSG_AWARENESS => Ok(Parsed::Awareness(sized(c)?)),
        MSG_AUTH => Ok(Parsed::Auth(c)),
        MSG_QUERY_AWARENESS if c.is_empty() => Ok(Parsed::QueryAwareness),
        MSG_QUERY_AWARENESS => Err(SyncError::Message(
            "an awareness query carries no payload".into(),
        )),
        _ => Err(SyncError::UnknownType { kind, sub: 0 }),
    }
}

/// Decodes an awareness update from a peer: validated first (yrs asserts 53-bit client ids
/// and trusts declared lengths).
pub fn awareness_update(payload: &[u8]) -> Result<yrs::sync::AwarenessUpdate, SyncError> {
    validate::awareness_v1(payload)?;
    yrs::sync::AwarenessUpdate::decode_v1(payload).map_err(|e| SyncError::Message(e.to_string()))
}

/// Refuses an update that would make the brief a newer document schema than this build
/// knows: merging it would let this version edit (and misread) a shape it does not know.
/// An update that sets `meta.schema` as a new key says so itself; one that overwrites some
/// key with a number (it may be `meta.schema`) is tried on a copy of the brief first.
fn refuse_newer_schema(
    brief: &Brief,
    shape: &validate::Shape,
    update: &[u8],
) -> Result<(), SyncError> {
    let newer = |v: f64| v > SCHEMA_VERSION as f64;
    if let (Some(theirs), Some(ours)) = (shape.migration, brief.migration()) {
        let ours = u32::from_str_radix(&ours, 16).unwrap_or(0);
        if ours != theirs {
            return Err(SyncError::DivergedMigration { ours, theirs });
        }
    }
    if let Some(found) = shape.schema.filter(|v| newer(*v)) {
        return Err(SyncError::NewerSchema { found });
    }
    if !shape.overwrites_a_number {
        return Ok(());
    }
    let trial = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> Option<f64> {
        let doc = yrs::Doc::new();
        let meta = doc.get_or_insert_map("meta");
        let mut txn = doc.transact_mut();
        let ours = yrs::Update::decode_v1(&brief.encode_diff_v1(&StateVector::default())).ok()?;
        txn.apply_update(ours).ok()?;
        txn.apply_update(yrs::Update::decode_v1(update).ok()?)
            .ok()?;
        schema_of(&meta, &txn)
    }));
    match trial {
        Ok(Some(found)) if newer(found) => Err(SyncError::NewerSchema { found }),
        _ => Ok(()),
    }
}

/// Handles one y-sync message for `brief` from a peer. Updates are validated structurally,
/// then decoded, then applied (a yrs panic is caught and reported). When an update leaves the
/// document waiting for missing dependencies (a gap), a sync step 1 is sent back so the peer
/// fills it in.
pub fn handle(brief: &Brief, bytes: &[u8]) -> Result<Handled, SyncError> {
    handle_from(brief, bytes, Source::Peer)
}

/// Who a message comes from: a peer, or a local editor (whose updates are this device's own
/// changes, counted in its edit sessions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Peer,
    Editor,
}

/// [`handle`] for a message from `from`.
pub fn handle_from(brief: &Brief, bytes: &[u8], from: Source) -> Result<Handled, SyncError> {
    let mut out = Handled::default();
    match parse(bytes)? {
        Parsed::Sync { sub: 0, payload } => {
            validate::state_vector_v1(payload)?;
            let sv =
                StateVector::decode_v1(payload).map_err(|e| SyncError::Message(e.to_string()))?;
            let diff = brief.encode_diff_v1(&sv);
            out.replies
                .push(encode(&Message::Sync(SyncMessage::SyncStep2(diff))));
            out.peer_state_vector = Some(payload.to_vec());
        }
        Parsed::Sync { sub, payload } => {
            let shape = validate::update_v1(payload)?;
            refuse_newer_schema(brief, &shape, payload)?;
            let update =
                yrs::Update::decode_v1(payload).map_err(|e| SyncError::Message(e.to_string()))?;
            // Never hand yrs an update with a hole: Skip blocks, or a client's first block past
            // what we hold (yrs 0.28 integrates such holes as placeholders, which it can later
            // underflow replacing). Ask the sender for a contiguous diff instead.
            let ours = brief.state_vector();
            let gap = update
                .state_vector_lower()
                .iter()
                .any(|(client, clock)| *clock > ours.get(client));
            if shape.has_skips || gap {
                if sub == 2 {
                    out.replies.push(step1(brief));
                }
                return Ok(out);
            }
            brief.note_text(payload);
            let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match from {
                Source::Peer => brief.apply_remote(update),
                Source::Editor => brief.apply_editor(update),
            }));
            match applied {
                Ok(r) => r?,
                Err(_) => return Err(SyncError::Panicked),
            }
            out.changed = brief.state_vector() != ours;
            // A plain update that leaves a gap: ask the sender for what we miss. After a sync
            // step 2 (the sender's whole diff) asking again would only repeat it.
            if sub == 2 && brief.has_missing_dependencies() {
                out.replies.push(step1(brief));
            }
        }
        Parsed::Awareness(payload) => {
            // awareness: a buffer holding an awareness update, checked before yrs reads it
            validate::awareness_v1(payload)?;
            out.awareness = Some(payload.to_vec());
        }
        Parsed::QueryAwareness => out.awareness_query = true,
        // y-protocols' auth message only ever says "permission denied"; we have nothing to
        // grant or deny over it, so it is read and ignored
        Parsed::Auth(_) => {}
    }
    Ok(out)
}
