//! The brief: one yrs document behind a typed API.
//!
//! Owns the document schema (root names and value shapes, written down in ARCHITECTURE.md):
//! callers never touch raw map keys. Also owns attribution (which yrs client id belongs to which
//! member), problem sign-off and its staleness, and the outbox of local updates that the store
//! persists and sync sends. No I/O happens here.

use crate::mdescape;
use crate::model::{ConcernKind, ConcernStatus, Role, Section, Template};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use uuid::Uuid;
use yrs::types::text::Diff;
use yrs::types::xml::{XmlElementPrelim, XmlTextPrelim};
use yrs::types::Attrs;
use yrs::updates::decoder::Decode;
use yrs::{
    Any, Array, ArrayRef, Doc, GetString, Map, MapPrelim, MapRef, OffsetKind, Options, Origin, Out,
    ReadTxn, StateVector, Text, TextRef, Transact, TransactionMut, Update, Xml, XmlElementRef,
    XmlFragment, XmlFragmentRef, XmlOut, XmlTextRef,
};

/// Version of the document schema described in ARCHITECTURE.md.
pub const SCHEMA_VERSION: i64 = 1;
/// Origin of transactions that replay this device's own storage. Their updates are not put in
/// the outbox: they are stored already.
pub const LOAD_ORIGIN: &str = "groundwork:load";
/// Origin of transactions that apply an update received from a peer. Their updates go to the
/// outbox like local ones, so the next flush stores them.
pub const REMOTE_ORIGIN: &str = "groundwork:remote";

/// Errors of the brief model.
#[derive(Debug, thiserror::Error)]
pub enum BriefError {
    #[error("update could not be decoded: {0}")]
    Decode(String),
    #[error("update could not be applied: {0}")]
    Apply(String),
    #[error("no {what} with id {id} in this brief")]
    NotFound { what: &'static str, id: String },
    #[error("{0} must not be empty")]
    Empty(&'static str),
    #[error("the section cannot be typed into as plain text: it holds {0}")]
    Shape(&'static str),
}

/// A person on a device, as recorded in a brief for attribution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Member {
    /// Hex of the device's public key.
    pub device: String,
    pub name: String,
    pub role: Role,
}

/// A decision-log entry as read from the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Decision {
    pub id: String,
    pub date: String,
    pub decision: String,
    pub context: String,
    pub alternatives: String,
    pub tradeoffs: String,
    pub decided_by: Vec<Role>,
    pub rests_on: Vec<Section>,
    /// Sections it rests on whose text changed after the decision was logged.
    pub changed_since: Vec<Section>,
    pub author: String,
}

/// Input for a new decision-log entry.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewDecision {
    pub decision: String,
    pub context: String,
    pub alternatives: String,
    pub tradeoffs: String,
    pub decided_by: Vec<Role>,
    pub rests_on: Vec<Section>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Concern {
    pub id: String,
    pub role: Role,
    pub kind: ConcernKind,
    pub text: String,
    pub status: ConcernStatus,
    pub author: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Question {
    pub id: String,
    pub text: String,
    pub author: String,
    pub created_at: String,
    /// Answered or dropped; kept in the brief, shown apart from the open ones.
    pub resolved: bool,
}

/// The sign-off of one role, with its staleness worked out against the current text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Signoff {
    pub role: Role,
    pub name: String,
    pub signed_at: String,
    pub stale: bool,
    /// Problem-space sections whose text differs from what was signed.
    pub changed_sections: Vec<Section>,
}

/// Where the problem sign-off stands for every role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SignoffStatus {
    pub signoffs: Vec<Signoff>,
    /// Roles with no sign-off at all.
    pub pending: Vec<Role>,
    /// True when every role has a sign-off that is not stale.
    pub complete: bool,
}

/// A plain, serialisable view of a whole brief (what `show --format json` prints).
#[derive(Debug, Clone, Serialize)]
pub struct BriefView {
    pub id: String,
    pub title: String,
    pub template: Template,
    pub created_at: String,
    pub sections: BTreeMap<String, String>,
    pub signoff: SignoffStatus,
    pub decisions: Vec<Decision>,
    pub concerns: Vec<Concern>,
    pub questions: Vec<Question>,
    pub members: Vec<Member>,
}

/// One brief: a yrs document plus handles to its root types.
pub struct Brief {
    id: Uuid,
    doc: Doc,
    meta: MapRef,
    title: TextRef,
    sections: Vec<(Section, XmlFragmentRef)>,
    decisions: ArrayRef,
    concerns: ArrayRef,
    questions: ArrayRef,
    signoffs: MapRef,
    members: MapRef,
    local: Mutex<Member>,
    member_recorded: AtomicBool,
    /// True once the document may hold characters outside the Basic Multilingual Plane (two
    /// UTF-16 units). Only then do character edits pay for snapping positions to character
    /// boundaries.
    astral: AtomicBool,
    outbox: Arc<Mutex<Vec<Vec<u8>>>>,
    /// Updates to send to peers (every change, whatever its origin), once relay is enabled.
    relay: Arc<Mutex<Option<Vec<Vec<u8>>>>>,
    /// Why changes from some peer were refused (a newer document schema), for the app and
    /// `status` to say; see [`crate::sync::SyncError::NewerSchema`].
    refused: Mutex<Option<String>>,
}

/// `meta.schema` as a number, whichever way a peer wrote it (yrs writes an integer, Yjs a
/// JavaScript number).
pub(crate) fn schema_of<T: ReadTxn>(meta: &MapRef, txn: &T) -> Option<f64> {
    match meta.get(txn, "schema")? {
        Out::Any(Any::Number(n)) => n.as_f64(),
        _ => None,
    }
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn digest(text: &str) -> String {
    blake3::hash(text.as_bytes()).to_hex()[..32].to_string()
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn any_str(v: Option<Out>) -> String {
    match v {
        Some(Out::Any(Any::String(s))) => s.to_string(),
        Some(Out::Any(Any::Number(n))) => n.to_string(),
        _ => String::new(),
    }
}

fn any_map_str(m: &HashMap<String, Any>, key: &str) -> String {
    match m.get(key) {
        Some(Any::String(s)) => s.to_string(),
        _ => String::new(),
    }
}

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

impl Brief {
    fn with_doc(id: Uuid, doc: Doc, local: Member) -> Brief {
        let meta = doc.get_or_insert_map("meta");
        let title = doc.get_or_insert_text("title");
        let sections = Section::ALL
            .iter()
            .map(|s| (*s, doc.get_or_insert_xml_fragment(s.root_name())))
            .collect();
        let decisions = doc.get_or_insert_array("decisions");
        let concerns = doc.get_or_insert_array("concerns");
        let questions = doc.get_or_insert_array("questions");
        let signoffs = doc.get_or_insert_map("signoffs");
        let members = doc.get_or_insert_map("members");
        let outbox: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
        let relay: Arc<Mutex<Option<Vec<Vec<u8>>>>> = Arc::default();
        let sink = outbox.clone();
        let relay_sink = relay.clone();
        let load = Origin::from(LOAD_ORIGIN);
        // The doc was just created, so no transaction can be open: this cannot fail.
        let _ = doc.observe_update_v1("groundwork:outbox", move |txn, ev| {
            if txn.origin() != Some(&load) {
                lock(&sink).push(ev.update.clone());
            }
            if let Some(q) = lock(&relay_sink).as_mut() {
                q.push(ev.update.clone());
            }
        });
        Brief {
            id,
            doc,
            meta,
            title,
            sections,
            decisions,
            concerns,
            questions,
            signoffs,
            members,
            local: Mutex::new(local),
            member_recorded: AtomicBool::new(false),
            astral: AtomicBool::new(false),
            outbox,
            relay,
            refused: Mutex::new(None),
        }
    }

    /// An empty document for brief `id`, ready to receive stored or remote updates. It gets a
    /// fresh random client id: client ids are per session, never stored, so a copied database
    /// cannot make two devices share one.
    pub fn empty(id: Uuid, local: Member) -> Brief {
        Self::empty_with_client(id, local, random_client_id())
    }

    fn empty_with_client(id: Uuid, local: Member, client_id: u64) -> Brief {
        Brief::with_doc(id, new_doc(id, client_id), local)
    }

    /// A new brief with the given title and template, created by `local`.
    pub fn create(title: &str, template: Template, local: Member) -> Brief {
        let brief = Brief::empty(Uuid::new_v4(), local);
        {
            let mut txn = brief.txn();
            brief.meta.insert(&mut txn, "schema", SCHEMA_VERSION);
            brief.meta.insert(&mut txn, "id", brief.id.to_string());
            brief.meta.insert(&mut txn, "template", template.as_str());
            brief.meta.insert(&mut txn, "created_at", now_rfc3339());
            brief
                .meta
                .insert(&mut txn, "created_by", brief.local().device);
            brief.title.insert(&mut txn, 0, title);
        }
        brief
    }

    /// Makes sure this session's client id is not one the document already knows (a random
    /// collision, or a session id reused by a copied process image). Call after loading.
    pub fn ensure_unique_client(self) -> Brief {
        let cid = self.doc.client_id();
        let taken = {
            let txn = self.doc.transact();
            txn.state_vector().contains_client(&cid)
                || self.members.get(&txn, &cid.get().to_string()).is_some()
        };
        if !taken {
            return self;
        }
        let state = self
            .doc
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        let fresh = Brief::empty(self.id, self.local());
        // Our own encoding of a document we hold: decoding cannot fail, but stay total.
        if let Ok(update) = Update::decode_v1(&state) {
            let _ = fresh.apply_decoded(vec![update]);
        }
        fresh.ensure_unique_client()
    }

    pub fn id(&self) -> Uuid {
        self.id
    }

    pub fn doc(&self) -> &Doc {
        &self.doc
    }

    pub fn client_id(&self) -> u64 {
        self.doc.client_id().get()
    }

    /// The member this session edits as.
    pub fn local(&self) -> Member {
        lock(&self.local).clone()
    }

    /// Changes who this session edits as (the person renamed themselves or changed role); the
    /// next edit records the new member for this session's client id.
    pub fn set_local(&self, member: Member) {
        *lock(&self.local) = member;
        self.member_recorded.store(false, Ordering::Relaxed);
    }

    /// Records the local member as the author of another client id: a local editor (the UI's
    /// Yjs document) edits under its own client id, on behalf of this device's person.
    pub fn register_client(&self, client_id: u64) {
        let m = self.local();
        let mut txn = self.txn();
        let value = Any::from(HashMap::from([
            ("device".to_string(), Any::from(m.device)),
            ("name".to_string(), Any::from(m.name)),
            ("role".to_string(), Any::from(m.role.as_str())),
        ]));
        let key = client_id.to_string();
        let same = matches!(self.members.get(&txn, &key), Some(Out::Any(ref a)) if *a == value);
        if !same {
            self.members.insert(&mut txn, key, value);
        }
    }

    /// Starts a local write transaction, recording this session's member the first time.
    pub(crate) fn txn(&self) -> TransactionMut<'_> {
        let mut txn = self.doc.transact_mut();
        if !self.member_recorded.swap(true, Ordering::Relaxed) {
            let m = &self.local();
            let value = Any::from(HashMap::from([
                ("device".to_string(), Any::from(m.device.clone())),
                ("name".to_string(), Any::from(m.name.clone())),
                ("role".to_string(), Any::from(m.role.as_str())),
            ]));
            self.members
                .insert(&mut txn, self.doc.client_id().get().to_string(), value);
        }
        txn
    }

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

    /// Applies already decoded updates from this device's storage, in one transaction. They
    /// do not enter the outbox.
    pub fn apply_decoded(&self, updates: Vec<Update>) -> Result<(), BriefError> {
        // Stored content is not scanned: assume it may hold astral characters.
        self.astral.store(true, Ordering::Relaxed);
        // One transaction per update: yrs 0.28 can leave structs pending when several
        // dependent updates are applied inside one transaction (found by tests/sim.rs).
        for u in updates {
            let mut txn = self.doc.transact_mut_with(LOAD_ORIGIN);
            txn.apply_update(u)
                .map_err(|e| BriefError::Apply(e.to_string()))?;
        }
        Ok(())
    }

    /// Applies an already decoded update received from a peer (see [`Brief::apply_update_v1`];
    /// the caller has called `note_text` on its bytes).
    pub(crate) fn apply_remote(&self, update: Update) -> Result<(), BriefError> {
        self.apply(update)
    }

    fn apply(&self, update: Update) -> Result<(), BriefError> {
        let mut txn = self.doc.transact_mut_with(REMOTE_ORIGIN);
        txn.apply_update(update)
            .map_err(|e| BriefError::Apply(e.to_string()))
    }

    /// Takes the local updates made since the last call, in order.
    pub fn take_outbox(&self) -> Vec<Vec<u8>> {
        std::mem::take(&mut *lock(&self.outbox))
    }

    /// Puts updates back at the front of the outbox (a flush that failed).
    pub fn restore_outbox(&self, mut updates: Vec<Vec<u8>>) {
        let mut ob = lock(&self.outbox);
        updates.append(&mut ob);
        *ob = updates;
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

    pub fn has_pending(&self) -> bool {
        !lock(&self.outbox).is_empty()
    }

    /// True if the document holds updates whose dependencies are missing.
    pub fn has_missing_dependencies(&self) -> bool {
        let txn = self.doc.transact();
        txn.store().pending_update().is_some() || txn.store().pending_ds().is_some()
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

    // ---- title, meta ----------------------------------------------------------------------

    pub fn title(&self) -> String {
        self.title.get_string(&self.doc.transact())
    }

    pub fn set_title(&self, title: &str) {
        let mut txn = self.txn();
        let len = self.title.len(&txn);
        self.title.remove_range(&mut txn, 0, len);
        self.title.insert(&mut txn, 0, title);
    }

    /// Records why changes from a peer were refused (the first reason is kept).
    pub fn set_refused(&self, reason: &str) {
        lock(&self.refused).get_or_insert_with(|| reason.to_string());
    }

    /// Why changes from some peer were refused, if they were.
    pub fn refused(&self) -> Option<String> {
        lock(&self.refused).clone()
    }

    /// The document schema version the brief says it is written in (`meta.schema`); `None`
    /// before its first state arrived.
    pub fn schema(&self) -> Option<f64> {
        schema_of(&self.meta, &self.doc.transact())
    }

    pub fn template(&self) -> Template {
        any_str(self.meta.get(&self.doc.transact(), "template"))
            .parse()
            .unwrap_or(Template::ProblemFirst)
    }

    pub fn created_at(&self) -> String {
        any_str(self.meta.get(&self.doc.transact(), "created_at"))
    }

    // ---- sections ---------------------------------------------------------------------------

    pub(crate) fn fragment(&self, section: Section) -> &XmlFragmentRef {
        // `sections` holds every Section, in Section::ALL order.
        &self.sections[Section::ALL.iter().position(|s| *s == section).unwrap_or(0)].1
    }

    /// The plain text of a section: blocks separated by blank lines, formatting dropped.
    pub fn section_text(&self, section: Section) -> String {
        let txn = self.doc.transact();
        render_fragment(self.fragment(section), &txn, false)
    }

    /// The section as Markdown (marks such as bold and links, lists and headings kept).
    pub fn section_markdown(&self, section: Section) -> String {
        let txn = self.doc.transact();
        render_fragment(self.fragment(section), &txn, true)
    }

    /// Replaces a section's content with `text`, one paragraph per blank-line separated block.
    pub fn set_section(&self, section: Section, text: &str) {
        self.set_paragraphs(section, paragraphs(text).iter().map(String::as_str));
    }

    /// Replaces a section's content with these paragraphs, each kept exactly as given (an
    /// import, which already split its text into blocks); blank ones are left out.
    pub fn set_paragraphs<'t>(
        &self,
        section: Section,
        paragraphs: impl IntoIterator<Item = &'t str>,
    ) {
        let frag = self.fragment(section);
        let mut txn = self.txn();
        let len = frag.len(&txn);
        frag.remove_range(&mut txn, 0, len);
        for para in paragraphs.into_iter().filter(|p| !p.trim().is_empty()) {
            frag.push_back(&mut txn, paragraph_prelim(para));
        }
    }

    /// Replaces a section's content with Markdown read as rich text (headings, lists, quotes,
    /// code blocks, bold, italic, code and links; see [`crate::richtext`]).
    pub fn set_markdown(&self, section: Section, markdown: &str) {
        let frag = self.fragment(section);
        let mut txn = self.txn();
        let len = frag.len(&txn);
        frag.remove_range(&mut txn, 0, len);
        crate::richtext::append_markdown(&mut txn, frag, markdown);
    }

    /// Appends `text` to a section as new paragraph(s).
    pub fn append_paragraph(&self, section: Section, text: &str) {
        let frag = self.fragment(section);
        let mut txn = self.txn();
        for para in paragraphs(text) {
            frag.push_back(&mut txn, paragraph_prelim(&para));
        }
    }

    fn first_text(&self, txn: &mut TransactionMut, section: Section) -> XmlTextRef {
        let frag = self.fragment(section);
        if let Some(XmlOut::Element(p)) = frag.get(txn, 0) {
            if let Some(XmlOut::Text(t)) = p.get(txn, 0) {
                return t;
            }
            return p.insert(txn, 0, XmlTextPrelim::new(""));
        }
        let p = frag.insert(txn, 0, XmlElementPrelim::empty("paragraph"));
        p.insert(txn, 0, XmlTextPrelim::new(""))
    }

    /// Marks the document as possibly holding astral characters if `bytes` (an update) has a
    /// UTF-8 lead byte of a 4-byte sequence. Cheap and conservative.
    pub(crate) fn note_text(&self, bytes: &[u8]) {
        if bytes.iter().any(|b| (0xF0..=0xF4).contains(b)) {
            self.astral.store(true, Ordering::Relaxed);
        }
    }

    /// Moves a UTF-16 offset of `t` back to a character boundary (never inside a surrogate
    /// pair: yrs replaces half pairs by U+FFFD differently on different peers).
    pub(crate) fn boundary(&self, txn: &TransactionMut, t: &XmlTextRef, index: u32) -> u32 {
        if !self.astral.load(Ordering::Relaxed) {
            return index;
        }
        let diff: Vec<Diff<()>> = t.diff(txn, |_| ());
        let mut at = 0u32;
        for d in &diff {
            let len = match &d.insert {
                Out::Any(Any::String(s)) => {
                    for c in s.chars() {
                        let w = c.len_utf16() as u32;
                        if at + w > index {
                            return at;
                        }
                        at += w;
                    }
                    continue;
                }
                _ => 1,
            };
            if at + len > index {
                return at;
            }
            at += len;
        }
        at
    }

    /// Inserts `text` at UTF-16 offset `index` of the first paragraph of a section (the
    /// character-level editing path; the UI's editor edits the fragment directly). An offset
    /// inside a surrogate pair moves to the start of that character.
    pub fn insert_text(&self, section: Section, index: u32, text: &str) {
        if text.chars().any(|c| c.len_utf16() == 2) {
            self.astral.store(true, Ordering::Relaxed);
        }
        let mut txn = self.txn();
        let t = self.first_text(&mut txn, section);
        let index = self.boundary(&txn, &t, index.min(t.len(&txn)));
        t.insert(&mut txn, index, text);
    }

    /// Deletes `len` UTF-16 units at `index` of the first paragraph of a section, widened to
    /// whole characters.
    pub fn delete_text(&self, section: Section, index: u32, len: u32) {
        let mut txn = self.txn();
        let t = self.first_text(&mut txn, section);
        let total = t.len(&txn);
        let start = self.boundary(&txn, &t, index.min(total));
        let end_raw = index.min(total).saturating_add(len).min(total);
        // an end inside a surrogate pair takes the whole character (2 units)
        let end = match self.boundary(&txn, &t, end_raw) {
            b if b < end_raw => (b + 2).min(total),
            b => b,
        };
        if end > start {
            t.remove_range(&mut txn, start, end - start);
        }
    }

    fn section_digests<T: ReadTxn>(&self, txn: &T, sections: &[Section]) -> HashMap<String, Any> {
        sections
            .iter()
            .map(|s| {
                let text = render_fragment(self.fragment(*s), txn, false);
                (s.as_str().to_string(), Any::from(digest(&text)))
            })
            .collect()
    }

    fn changed_sections<T: ReadTxn>(&self, txn: &T, stored: &HashMap<String, Any>) -> Vec<Section> {
        let mut changed = Vec::new();
        for (name, value) in stored {
            let Ok(section) = name.parse::<Section>() else {
                continue;
            };
            let now = digest(&render_fragment(self.fragment(section), txn, false));
            if !matches!(value, Any::String(d) if **d == *now) {
                changed.push(section);
            }
        }
        changed.sort();
        changed
    }

    // ---- sign-off ---------------------------------------------------------------------------

    /// Signs the problem space as it stands now, as the local member in `role`.
    pub fn sign_off(&self, role: Role) {
        let mut txn = self.txn();
        let digests = self.section_digests(&txn, Section::PROBLEM);
        let value = Any::from(HashMap::from([
            ("name".to_string(), Any::from(self.local().name)),
            ("device".to_string(), Any::from(self.local().device)),
            ("signed_at".to_string(), Any::from(now_rfc3339())),
            ("sections".to_string(), Any::from(digests)),
        ]));
        self.signoffs.insert(&mut txn, role.as_str(), value);
    }

    /// Every role's sign-off, with stale ones marked.
    pub fn signoff_status(&self) -> SignoffStatus {
        let txn = self.doc.transact();
        let mut signoffs = Vec::new();
        let mut pending = Vec::new();
        for role in Role::ALL {
            match self.signoffs.get(&txn, role.as_str()) {
                Some(Out::Any(Any::Map(m))) => {
                    let stored = match m.get("sections") {
                        Some(Any::Map(s)) => (**s).clone(),
                        _ => HashMap::new(),
                    };
                    let mut changed = self.changed_sections(&txn, &stored);
                    // A sign-off that is missing a problem section digest did not sign it.
                    for s in Section::PROBLEM {
                        if !stored.contains_key(s.as_str()) && !changed.contains(s) {
                            changed.push(*s);
                        }
                    }
                    changed.sort();
                    signoffs.push(Signoff {
                        role: *role,
                        name: any_map_str(&m, "name"),
                        signed_at: any_map_str(&m, "signed_at"),
                        stale: !changed.is_empty(),
                        changed_sections: changed,
                    });
                }
                _ => pending.push(*role),
            }
        }
        let complete = pending.is_empty() && signoffs.iter().all(|s| !s.stale);
        SignoffStatus {
            signoffs,
            pending,
            complete,
        }
    }

    // ---- decisions, concerns, questions ------------------------------------------------------

    pub fn add_decision(&self, d: NewDecision) -> Result<String, BriefError> {
        if d.decision.trim().is_empty() {
            return Err(BriefError::Empty("a decision"));
        }
        let id = Uuid::new_v4().to_string();
        let mut txn = self.txn();
        let digests = self.section_digests(&txn, &d.rests_on);
        let by: Vec<Any> = d.decided_by.iter().map(|r| Any::from(r.as_str())).collect();
        let entry = MapPrelim::from_iter([
            ("id", Any::from(id.clone())),
            (
                "date",
                Any::from(chrono::Utc::now().format("%Y-%m-%d").to_string()),
            ),
            ("decided_at", Any::from(now_rfc3339())),
            ("decision", Any::from(d.decision)),
            ("context", Any::from(d.context)),
            ("alternatives", Any::from(d.alternatives)),
            ("tradeoffs", Any::from(d.tradeoffs)),
            ("decided_by", Any::from(by)),
            ("rests_on", Any::from(digests)),
            ("author", Any::from(self.local().name)),
        ]);
        self.decisions.push_back(&mut txn, entry);
        Ok(id)
    }

    /// Rewrites a decision-log entry (found by id or unique prefix). Each field is its own key,
    /// so concurrent edits of different fields merge. Editing re-affirms the decision against
    /// the sections as they read now: the sections it rests on are re-recorded, which clears
    /// the "changed since" flag.
    pub fn edit_decision(&self, id_prefix: &str, d: NewDecision) -> Result<(), BriefError> {
        if d.decision.trim().is_empty() {
            return Err(BriefError::Empty("a decision"));
        }
        let mut txn = self.txn();
        let m = find_entry(&self.decisions, &txn, id_prefix, "decision")?;
        let digests = self.section_digests(&txn, &d.rests_on);
        let by: Vec<Any> = d.decided_by.iter().map(|r| Any::from(r.as_str())).collect();
        let fields = [
            ("decision", Any::from(d.decision)),
            ("context", Any::from(d.context)),
            ("alternatives", Any::from(d.alternatives)),
            ("tradeoffs", Any::from(d.tradeoffs)),
            ("decided_by", Any::from(by)),
            ("rests_on", Any::from(digests)),
            ("edited_at", Any::from(now_rfc3339())),
            ("edited_by", Any::from(self.local().name)),
        ];
        for (k, v) in fields {
            m.insert(&mut txn, k, v);
        }
        Ok(())
    }

    /// Marks an open question resolved (or open again).
    pub fn resolve_question(&self, id_prefix: &str, resolved: bool) -> Result<(), BriefError> {
        let mut txn = self.txn();
        let m = find_entry(&self.questions, &txn, id_prefix, "question")?;
        m.insert(&mut txn, "resolved", resolved);
        Ok(())
    }

    pub fn decisions(&self) -> Vec<Decision> {
        let txn = self.doc.transact();
        let mut out = Vec::new();
        for v in self.decisions.iter(&txn) {
            let Out::YMap(m) = v else { continue };
            let decided_by = match m.get(&txn, "decided_by") {
                Some(Out::Any(Any::Array(a))) => a
                    .iter()
                    .filter_map(|r| match r {
                        Any::String(s) => s.parse().ok(),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            let stored = match m.get(&txn, "rests_on") {
                Some(Out::Any(Any::Map(s))) => (*s).clone(),
                _ => HashMap::new(),
            };
            let mut rests_on: Vec<Section> = stored.keys().filter_map(|k| k.parse().ok()).collect();
            rests_on.sort();
            out.push(Decision {
                id: any_str(m.get(&txn, "id")),
                date: any_str(m.get(&txn, "date")),
                decision: any_str(m.get(&txn, "decision")),
                context: any_str(m.get(&txn, "context")),
                alternatives: any_str(m.get(&txn, "alternatives")),
                tradeoffs: any_str(m.get(&txn, "tradeoffs")),
                decided_by,
                rests_on,
                changed_since: self.changed_sections(&txn, &stored),
                author: any_str(m.get(&txn, "author")),
            });
        }
        out
    }

    pub fn add_concern(
        &self,
        role: Role,
        kind: ConcernKind,
        text: &str,
    ) -> Result<String, BriefError> {
        if text.trim().is_empty() {
            return Err(BriefError::Empty("a concern"));
        }
        let id = Uuid::new_v4().to_string();
        let mut txn = self.txn();
        let entry = MapPrelim::from_iter([
            ("id", Any::from(id.clone())),
            ("role", Any::from(role.as_str())),
            ("kind", Any::from(kind.as_str())),
            ("text", Any::from(text)),
            ("status", Any::from(ConcernStatus::Open.as_str())),
            ("author", Any::from(self.local().name)),
            ("created_at", Any::from(now_rfc3339())),
        ]);
        self.concerns.push_back(&mut txn, entry);
        Ok(id)
    }

    pub fn set_concern_status(
        &self,
        id_prefix: &str,
        status: ConcernStatus,
    ) -> Result<(), BriefError> {
        let mut txn = self.txn();
        let m = find_entry(&self.concerns, &txn, id_prefix, "concern")?;
        m.insert(&mut txn, "status", status.as_str());
        Ok(())
    }

    pub fn concerns(&self) -> Vec<Concern> {
        let txn = self.doc.transact();
        self.concerns
            .iter(&txn)
            .filter_map(|v| {
                let Out::YMap(m) = v else { return None };
                Some(Concern {
                    id: any_str(m.get(&txn, "id")),
                    role: any_str(m.get(&txn, "role")).parse().ok()?,
                    kind: any_str(m.get(&txn, "kind")).parse().ok()?,
                    text: any_str(m.get(&txn, "text")),
                    status: any_str(m.get(&txn, "status"))
                        .parse()
                        .unwrap_or(ConcernStatus::Open),
                    author: any_str(m.get(&txn, "author")),
                    created_at: any_str(m.get(&txn, "created_at")),
                })
            })
            .collect()
    }

    pub fn add_question(&self, text: &str) -> Result<String, BriefError> {
        if text.trim().is_empty() {
            return Err(BriefError::Empty("a question"));
        }
        let id = Uuid::new_v4().to_string();
        let mut txn = self.txn();
        let entry = MapPrelim::from_iter([
            ("id", Any::from(id.clone())),
            ("text", Any::from(text)),
            ("author", Any::from(self.local().name)),
            ("created_at", Any::from(now_rfc3339())),
        ]);
        self.questions.push_back(&mut txn, entry);
        Ok(id)
    }

    pub fn questions(&self) -> Vec<Question> {
        let txn = self.doc.transact();
        self.questions
            .iter(&txn)
            .filter_map(|v| {
                let Out::YMap(m) = v else { return None };
                Some(Question {
                    id: any_str(m.get(&txn, "id")),
                    text: any_str(m.get(&txn, "text")),
                    author: any_str(m.get(&txn, "author")),
                    created_at: any_str(m.get(&txn, "created_at")),
                    resolved: matches!(m.get(&txn, "resolved"), Some(Out::Any(Any::Bool(true)))),
                })
            })
            .collect()
    }

    // ---- attribution ------------------------------------------------------------------------

    /// The member a yrs client id belongs to, if recorded.
    pub fn member_for_client(&self, client_id: u64) -> Option<Member> {
        let txn = self.doc.transact();
        match self.members.get(&txn, &client_id.to_string()) {
            Some(Out::Any(Any::Map(m))) => Some(Member {
                device: any_map_str(&m, "device"),
                name: any_map_str(&m, "name"),
                role: any_map_str(&m, "role").parse().ok()?,
            }),
            _ => None,
        }
    }

    /// Every recorded client id with its member.
    pub fn client_members(&self) -> Vec<(u64, Member)> {
        let ids: Vec<u64> = {
            let txn = self.doc.transact();
            self.members
                .keys(&txn)
                .filter_map(|k| k.parse().ok())
                .collect()
        };
        let mut out: Vec<(u64, Member)> = ids
            .into_iter()
            .filter_map(|id| self.member_for_client(id).map(|m| (id, m)))
            .collect();
        out.sort_by_key(|(id, _)| *id);
        out
    }

    /// Distinct members (device, name, role) who ever wrote to this brief.
    pub fn members(&self) -> Vec<Member> {
        let mut out: Vec<Member> = Vec::new();
        for (_, m) in self.client_members() {
            if !out.contains(&m) {
                out.push(m);
            }
        }
        out.sort_by(|a, b| (&a.name, a.role).cmp(&(&b.name, b.role)));
        out
    }

    /// Everything in the brief, as plain data.
    pub fn view(&self) -> BriefView {
        BriefView {
            id: self.id.to_string(),
            title: self.title(),
            template: self.template(),
            created_at: self.created_at(),
            sections: Section::ALL
                .iter()
                .map(|s| (s.as_str().to_string(), self.section_text(*s)))
                .collect(),
            signoff: self.signoff_status(),
            decisions: self.decisions(),
            concerns: self.concerns(),
            questions: self.questions(),
            members: self.members(),
        }
    }
}

/// Splits text into paragraphs at blank lines; single newlines stay inside a paragraph.
fn paragraphs(text: &str) -> Vec<String> {
    let norm = text.replace("\r\n", "\n");
    norm.split("\n\n")
        .map(|p| p.trim_matches('\n').to_string())
        .filter(|p| !p.trim().is_empty())
        .collect()
}

/// The entry of a log array (decisions, concerns, questions) whose id is `id_prefix` or, if
/// none is, the only one that starts with it; else `NotFound` naming `what`.
fn find_entry<T: ReadTxn>(
    array: &ArrayRef,
    txn: &T,
    id_prefix: &str,
    what: &'static str,
) -> Result<MapRef, BriefError> {
    find_by_id(array, txn, id_prefix).ok_or_else(|| BriefError::NotFound {
        what,
        id: id_prefix.to_string(),
    })
}

fn find_by_id<T: ReadTxn>(array: &ArrayRef, txn: &T, id_prefix: &str) -> Option<MapRef> {
    if id_prefix.is_empty() {
        return None;
    }
    let mut matches = Vec::new();
    for v in array.iter(txn) {
        if let Out::YMap(m) = v {
            let id = any_str(m.get(txn, "id"));
            if id == id_prefix {
                return Some(m);
            }
            if id.starts_with(id_prefix) {
                matches.push(m);
            }
        }
    }
    if matches.len() == 1 {
        matches.pop()
    } else {
        None
    }
}

fn paragraph_prelim(text: &str) -> XmlElementPrelim {
    XmlElementPrelim::new(
        "paragraph",
        [yrs::types::xml::XmlIn::from(XmlTextPrelim::new(text))],
    )
}

/// Renders an XmlFragment in the y-prosemirror shape (paragraph, heading, bulletList,
/// orderedList, listItem, blockquote, codeBlock, hardBreak, text with marks) as text.
fn render_fragment<T: ReadTxn>(frag: &XmlFragmentRef, txn: &T, markdown: bool) -> String {
    let mut blocks = Vec::new();
    for child in frag.children(txn) {
        let b = render_node(&child, txn, markdown, 0);
        if !b.trim().is_empty() {
            blocks.push(b);
        }
    }
    blocks.join("\n\n")
}

fn render_children<T: ReadTxn>(
    el: &XmlElementRef,
    txn: &T,
    markdown: bool,
    depth: usize,
) -> Vec<String> {
    el.children(txn)
        .map(|c| render_node(&c, txn, markdown, depth))
        .collect()
}

fn render_node<T: ReadTxn>(node: &XmlOut, txn: &T, markdown: bool, depth: usize) -> String {
    if depth > 64 {
        return String::new();
    }
    match node {
        XmlOut::Text(t) => render_text(t, txn, markdown),
        XmlOut::Fragment(f) => render_fragment(f, txn, markdown),
        XmlOut::Element(el) => {
            let tag = el.tag().to_string();
            let inner = || render_children(el, txn, markdown, depth + 1);
            match (tag.as_str(), markdown) {
                ("hardBreak", _) => "\n".to_string(),
                ("heading", true) => {
                    let level = any_str(el.get_attribute(txn, "level"))
                        .parse::<usize>()
                        .unwrap_or(1)
                        .clamp(1, 3);
                    format!("{} {}", "#".repeat(level + 3), inner().concat())
                }
                ("bulletList", _) | ("orderedList", _) => {
                    let ordered = tag == "orderedList";
                    inner()
                        .iter()
                        .enumerate()
                        .map(|(i, item)| {
                            let bullet = if !markdown {
                                String::new()
                            } else if ordered {
                                format!("{}. ", i + 1)
                            } else {
                                "- ".to_string()
                            };
                            let indented = item.replace('\n', "\n  ");
                            format!("{bullet}{indented}")
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                }
                ("listItem", _) => inner().join("\n"),
                ("blockquote", true) => inner()
                    .join("\n\n")
                    .lines()
                    .map(|l| format!("> {l}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
                ("codeBlock", true) => {
                    // code is literal: no escapes inside, a fence it cannot close
                    let code = render_children(el, txn, false, depth + 1).concat();
                    let fence = mdescape::fence(&code);
                    format!("{fence}\n{code}\n{fence}")
                }
                ("paragraph", _) | ("heading", false) | ("codeBlock", false) => inner().concat(),
                _ => inner().join("\n\n"),
            }
        }
    }
}

/// One XmlText as text, or as Markdown with every character of its text escaped. In the
/// y-prosemirror shape an XmlText runs from the start of its block, or a hard break, to the
/// block's end or the next hard break: it is one line of Markdown.
fn render_text<T: ReadTxn>(t: &XmlTextRef, txn: &T, markdown: bool) -> String {
    let diff: Vec<Diff<()>> = t.diff(txn, |_| ());
    let chunks: Vec<(&str, Option<&Attrs>)> = diff
        .iter()
        .filter_map(|d| match &d.insert {
            Out::Any(Any::String(s)) => Some((s.as_ref(), d.attributes.as_deref())),
            _ => None,
        })
        .collect();
    let mut out = String::new();
    let last = chunks.len().saturating_sub(1);
    for (i, (s, attrs)) in chunks.iter().enumerate() {
        if markdown {
            out.push_str(&marked(s, *attrs, i == 0, i == last));
        } else {
            out.push_str(s);
        }
    }
    out
}

/// A run of text with its marks as Markdown. White space at the run's ends goes outside the
/// delimiters (`** x**` would not be bold); code is a code span with a fence its content
/// cannot close; a link keeps only an http(s) or mailto address.
fn marked(s: &str, attrs: Option<&Attrs>, start: bool, end: bool) -> String {
    let Some(attrs) = attrs.filter(|a| !a.is_empty()) else {
        return mdescape::escape(s, start, end, false);
    };
    let core = s.trim_matches(|c: char| c.is_whitespace());
    if core.is_empty() {
        return mdescape::escape(s, start, end, false);
    }
    let lead = &s[..s.len() - s.trim_start_matches(|c: char| c.is_whitespace()).len()];
    let trail = &s[lead.len() + core.len()..];
    let mut text = if attrs.contains_key("code") {
        let code = core.replace('\n', " ");
        let fence = "`".repeat(mdescape::fence(&code).len() - 2);
        let pad = if code.starts_with('`') || code.ends_with('`') {
            " "
        } else {
            ""
        };
        format!("{fence}{pad}{code}{pad}{fence}")
    } else {
        mdescape::escape(core, false, false, false)
    };
    if attrs.contains_key("italic") {
        text = format!("*{text}*");
    }
    if attrs.contains_key("bold") {
        text = format!("**{text}**");
    }
    if let Some(Any::Map(link)) = attrs.get("link") {
        if let Some(href) = link.get("href").and_then(|h| match h {
            Any::String(h) => safe_href(h),
            _ => None,
        }) {
            text = format!("[{text}](<{href}>)");
        }
    }
    format!(
        "{}{text}{}",
        mdescape::escape(lead, start, false, false),
        mdescape::escape(trail, false, end, false)
    )
}

/// A link address fit for an export: http, https or mailto only (never `javascript:` or
/// `data:`), with the characters that could end a Markdown destination percent-encoded.
fn safe_href(href: &str) -> Option<String> {
    let h = href.trim();
    let lower = h.to_ascii_lowercase();
    if !["http://", "https://", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return None;
    }
    let mut out = String::with_capacity(h.len());
    for c in h.chars() {
        match c {
            ' ' | '<' | '>' | '\\' | '`' | '"' | '\'' | '\n' | '\r' | '\t' => {
                out.push_str(&format!("%{:02X}", c as u32))
            }
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str, role: Role) -> Member {
        Member {
            device: format!("dev-{name}"),
            name: name.into(),
            role,
        }
    }

    fn sync(a: &Brief, b: &Brief) {
        let ua = a.encode_state_v1();
        let ub = b.encode_state_v1();
        b.apply_update_v1(&ua).unwrap();
        a.apply_update_v1(&ub).unwrap();
    }

    #[test]
    fn sections_and_title() {
        let b = Brief::create(
            "Onboarding drop-off",
            Template::ProblemFirst,
            member("Dana", Role::Pm),
        );
        assert_eq!(b.title(), "Onboarding drop-off");
        b.set_section(
            Section::Problem,
            "Users quit at step 3.\n\nHalf of them never return.",
        );
        b.append_paragraph(Section::Problem, "Support gets 40 tickets a week.");
        assert_eq!(
            b.section_text(Section::Problem),
            "Users quit at step 3.\n\nHalf of them never return.\n\nSupport gets 40 tickets a week."
        );
        b.set_section(Section::Problem, "Replaced.");
        assert_eq!(b.section_text(Section::Problem), "Replaced.");
        b.insert_text(Section::Evidence, 0, "héllo 😀 world");
        b.delete_text(Section::Evidence, 6, 3); // UTF-16: the emoji is 2 units, plus a space
        assert_eq!(b.section_text(Section::Evidence), "héllo world");
        assert_eq!(b.template(), Template::ProblemFirst);
    }

    #[test]
    fn signoff_goes_stale_when_problem_changes_and_only_then() {
        let b = Brief::create("t", Template::ProblemFirst, member("Dana", Role::Pm));
        b.set_section(Section::Problem, "p");
        b.sign_off(Role::Pm);
        let st = b.signoff_status();
        assert_eq!(st.pending, vec![Role::Engineer, Role::Designer]);
        assert!(!st.signoffs[0].stale);
        assert!(!st.complete);
        b.set_section(
            Section::Approach,
            "solution edits do not stale the sign-off",
        );
        assert!(!b.signoff_status().signoffs[0].stale);
        b.append_paragraph(Section::Evidence, "new evidence");
        let st = b.signoff_status();
        assert!(st.signoffs[0].stale);
        assert_eq!(st.signoffs[0].changed_sections, vec![Section::Evidence]);
        b.sign_off(Role::Pm);
        b.sign_off(Role::Engineer);
        b.sign_off(Role::Designer);
        assert!(b.signoff_status().complete);
    }

    #[test]
    fn concurrent_edit_makes_a_merged_signoff_stale() {
        let a = Brief::create("t", Template::ProblemFirst, member("Dana", Role::Pm));
        let b = Brief::empty(a.id(), member("Eli", Role::Engineer));
        sync(&a, &b);
        a.sign_off(Role::Pm); // A signs what it sees
        b.append_paragraph(Section::Problem, "an edit A has not seen");
        sync(&a, &b);
        assert!(a.signoff_status().signoffs[0].stale);
        assert_eq!(
            a.section_text(Section::Problem),
            b.section_text(Section::Problem)
        );
    }

    #[test]
    fn attribution_and_distinct_client_ids() {
        let a = Brief::create("t", Template::Pitch, member("Dana", Role::Pm));
        let b = Brief::empty(a.id(), member("Eli", Role::Engineer));
        sync(&a, &b);
        b.set_section(Section::Technical, "x");
        sync(&a, &b);
        assert_ne!(a.client_id(), b.client_id());
        assert_eq!(a.member_for_client(b.client_id()).unwrap().name, "Eli");
        assert_eq!(a.members().len(), 2);
        // a session whose random id collides with a known client gets a new one
        let c = Brief::empty_with_client(a.id(), member("Dana", Role::Pm), a.client_id());
        c.apply_update_v1(&a.encode_state_v1()).unwrap();
        let c = c.ensure_unique_client();
        assert_ne!(c.client_id(), a.client_id());
        assert_eq!(c.title(), "t");
    }

    #[test]
    fn decisions_concerns_questions() {
        let b = Brief::create("t", Template::Decision, member("Dana", Role::Pm));
        b.set_section(Section::Problem, "ctx");
        let id = b
            .add_decision(NewDecision {
                decision: "Use SQLite".into(),
                context: "local-first".into(),
                decided_by: vec![Role::Pm, Role::Engineer],
                rests_on: vec![Section::Problem],
                ..Default::default()
            })
            .unwrap();
        assert!(b.add_decision(NewDecision::default()).is_err());
        let d = &b.decisions()[0];
        assert_eq!(d.id, id);
        assert_eq!(d.decided_by, vec![Role::Pm, Role::Engineer]);
        assert!(d.changed_since.is_empty());
        b.set_section(Section::Problem, "ctx changed");
        assert_eq!(b.decisions()[0].changed_since, vec![Section::Problem]);

        let cid = b
            .add_concern(Role::Engineer, ConcernKind::Feasibility, "fragile")
            .unwrap();
        b.set_concern_status(&cid[..8], ConcernStatus::Addressed)
            .unwrap();
        assert_eq!(b.concerns()[0].status, ConcernStatus::Addressed);
        assert!(b.set_concern_status("zzz", ConcernStatus::Open).is_err());
        b.add_question("Who owns billing?").unwrap();
        assert_eq!(b.questions()[0].text, "Who owns billing?");
    }

    #[test]
    fn garbage_update_is_rejected_and_doc_untouched() {
        let b = Brief::create("t", Template::ProblemFirst, member("Dana", Role::Pm));
        let before = b.encode_state_v1();
        assert!(b.apply_update_v1(&[0xff, 0xff, 0xff]).is_err());
        assert_eq!(b.encode_state_v1(), before);
    }
}
