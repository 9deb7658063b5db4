//! Yjs client ids: a document with the options every brief uses, and random client ids
//! (seedable, so randomized tests replay exactly).

use super::*;

/// A yrs document with the options every brief uses (UTF-16 offsets, as Yjs). Anything that
/// replays a brief's updates must use the same options: yrs' length bookkeeping differs per
/// offset kind.
pub fn new_doc(id: Uuid, client_id: u64) -> Doc {
    let mut opts = Options::with_client_id(yrs::block::ClientID::new(client_id));
    opts.offset_kind = OffsetKind::Utf16;
    opts.guid = id.to_string().into();
    Doc::with_options(opts)
}

thread_local! {
    static CLIENT_ID_SEED: std::cell::Cell<Option<u64>> = const { std::cell::Cell::new(None) };
}

/// Makes client ids on this thread come from a seeded sequence instead of the OS, so that
/// simulations replay exactly from their seed. `None` restores OS randomness.
pub fn seed_client_ids(seed: Option<u64>) {
    CLIENT_ID_SEED.with(|c| c.set(seed));
}

/// A fresh random client id that fits in 32 bits (Yjs' range), never zero.
pub fn random_client_id() -> u64 {
    if let Some(state) = CLIENT_ID_SEED.with(|c| c.get()) {
        // splitmix64
        let next = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        CLIENT_ID_SEED.with(|c| c.set(Some(next)));
        let mut z = next;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        return (z & 0xFFFF_FFFF).max(1);
    }
    let mut b = [0u8; 4];
    if getrandom::fill(&mut b).is_err() {
        // The OS RNG failing is not recoverable in a meaningful way; fall back to time+pid so
        // two processes still differ.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        b = (t ^ std::process::id().rotate_left(16)).to_le_bytes();
    }
    u64::from(u32::from_le_bytes(b)).max(1)
}
