//! Applying updates to a brief's document — from a peer, an editor, or this device's own
//! storage — and encoding its state (whole, or the difference from a state vector) for peers,
//! editors and the store.

use super::*;

impl Brief {
    /// Applies a v1 update received from a peer. The update is decoded before it touches the
    /// document; a decode error leaves the document as it was. What it changed enters the
    /// outbox, so the next flush stores it.
    pub fn apply_update_v1(&self, bytes: &[u8]) -> Result<(), BriefError> {
        self.note_text(bytes);
        let update = Update::decode_v1(bytes).map_err(|e| BriefError::Decode(e.to_string()))?;
        self.apply(update)
    }

    /// Same as [`Brief::apply_update_v1`] for a v2-encoded update.
    pub fn apply_update_v2(&self, bytes: &[u8]) -> Result<(), BriefError> {
        self.note_text(bytes);
        let update = Update::decode_v2(bytes).map_err(|e| BriefError::Decode(e.to_string()))?;
        self.apply(update)
    }

    /// Applies already decoded updates from this device's storage, one transaction each. They
    /// do not enter the outbox.
    pub fn apply_decoded(&self, updates: Vec<Update>) -> Result<(), BriefError> {
        // Stored content is not scanned: assume it may hold astral characters.
        self.astral.store(true, Ordering::Relaxed);
        apply_stored(&self.doc, updates)
    }

    /// Applies an already decoded update received from a peer (see [`Brief::apply_update_v1`];
    /// the caller has called `note_text` on its bytes).
    pub(crate) fn apply_remote(&self, update: Update) -> Result<(), BriefError> {
        self.apply_with(update, REMOTE_ORIGIN)
    }

    /// Applies an update made by a local editor (the app's Yjs document, on behalf of this
    /// device's person): like a peer's, but it counts as this device's change.
    pub fn apply_editor_update_v1(&self, bytes: &[u8]) -> Result<(), BriefError> {
        self.note_text(bytes);
        let update = Update::decode_v1(bytes).map_err(|e| BriefError::Decode(e.to_string()))?;
        self.apply_with(update, EDITOR_ORIGIN)
    }

    /// [`Brief::apply_remote`] for an update from a local editor (see
    /// [`Brief::apply_editor_update_v1`]).
    pub(crate) fn apply_editor(&self, update: Update) -> Result<(), BriefError> {
        self.apply_with(update, EDITOR_ORIGIN)
    }

    fn apply(&self, update: Update) -> Result<(), BriefError> {
        self.apply_with(update, REMOTE_ORIGIN)
    }

    fn apply_with(&self, update: Update, origin: &'static str) -> Result<(), BriefError> {
        let mut txn = self.doc.transact_mut_with(origin);
        txn.apply_update(update)
            .map_err(|e| BriefError::Apply(e.to_string()))
    }

    /// This device's edit sessions started or extended since the last call (to be stored
    /// with the updates they made).
    pub fn take_edit_sessions(&self) -> Vec<EditSession> {
        lock(&self.ledger).take_dirty()
    }

    /// True (once) if a local deletion was ticked since the last call: the update that
    /// carries it must also go back to the editor that made the deletion.
    pub fn take_ticked(&self) -> bool {
        self.ticked.swap(false, Ordering::Relaxed)
    }

    /// Edit sessions stored earlier, known to the merge receipt from now on.
    pub fn load_edit_sessions(&self, sessions: Vec<EditSession>) {
        lock(&self.ledger).load(sessions)
    }

    /// Puts edit sessions back (storing them failed).
    pub fn restore_edit_sessions(&self, sessions: Vec<EditSession>) {
        lock(&self.ledger).restore_dirty(sessions)
    }

    /// From now on, every change (local, from a peer, or loaded from rows another process
    /// wrote) is also queued for peers; see [`Brief::take_relay`].
    pub fn enable_relay(&self) {
        let mut r = lock(&self.relay);
        if r.is_none() {
            *r = Some(Vec::new());
        }
    }

    /// Takes the updates queued for peers since the last call.
    pub fn take_relay(&self) -> Vec<Vec<u8>> {
        lock(&self.relay)
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// Applies updates read from rows another process appended to this device's database:
    /// already stored, so not put in the outbox, but relayed.
    pub fn apply_stored(&self, updates: Vec<Update>) -> Result<(), BriefError> {
        self.apply_decoded(updates)
    }

    /// True if the document holds updates whose dependencies are missing.
    pub fn has_missing_dependencies(&self) -> bool {
        waits_for_missing(&self.doc.transact())
    }

    pub fn state_vector(&self) -> StateVector {
        self.doc.transact().state_vector()
    }

    /// The whole state, v1-encoded.
    pub fn encode_state_v1(&self) -> Vec<u8> {
        self.doc
            .transact()
            .encode_state_as_update_v1(&StateVector::default())
    }

    /// What a peer with state vector `sv` is missing, v1-encoded (sync step 2).
    pub fn encode_diff_v1(&self, sv: &StateVector) -> Vec<u8> {
        self.doc.transact().encode_diff_v1(sv)
    }

    /// The whole state, v2-encoded (what compaction stores).
    pub fn encode_state_v2(&self) -> Vec<u8> {
        self.doc
            .transact()
            .encode_state_as_update_v2(&StateVector::default())
    }

    /// The whole state, v1-encoded, with the state vector it holds; `None` if the document
    /// holds updates with missing dependencies (yrs 0.28 can panic encoding those) or encoding
    /// fails.
    pub fn try_encode_state_v1(&self) -> Option<(Vec<u8>, StateVector)> {
        if self.has_missing_dependencies() {
            return None;
        }
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let txn = self.doc.transact();
            (
                txn.encode_state_as_update_v1(&StateVector::default()),
                txn.state_vector(),
            )
        }))
        .ok()
    }
}

/// Applies updates read from storage to `doc` under the load origin, one transaction per
/// update: yrs 0.28 can leave structs pending when several dependent updates are applied
/// inside one transaction (found by tests/sim.rs).
pub(super) fn apply_stored(doc: &Doc, updates: Vec<Update>) -> Result<(), BriefError> {
    // not one transaction for all of them, though that is ~0.5 ms faster on a brief with a
    // hundred rows: see above
    for u in updates {
        let mut txn = doc.transact_mut_with(LOAD_ORIGIN);
        txn.apply_update(u)
            .map_err(|e| BriefError::Apply(e.to_string()))?;
    }
    Ok(())
}

/// True if a document holds structs or deletions waiting for changes it has not seen (yrs'
/// pending update and delete set): such a state is neither snapshotted nor re-encoded.
pub fn waits_for_missing<T: ReadTxn>(txn: &T) -> bool {
    txn.store().pending_update().is_some() || txn.store().pending_ds().is_some()
}
