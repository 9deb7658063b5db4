//! The brief: one yrs document behind a typed API.
//!
//! Owns the document schema (root names and value shapes, written down in ARCHITECTURE.md):
//! callers never touch raw map keys. Also owns attribution (which yrs client id belongs to which
//! member), problem sign-off and its staleness, and the outbox of local updates that the store
//! persists and sync sends. No I/O happens here.
//!
//! - `sections`: section text — reading it, the engine's own edits, and the migration of a
//!   schema-1 brief (the body model itself is [`crate::body`]);
//! - `entries`: sign-off and staleness, decisions, concerns, questions, members;
//! - `ids`: client ids and the document options every brief uses;
//! - `outbox`: the changes not stored yet, and how a flush takes them (several as one);
//! - `state`: applying updates (from peers, editors, storage) and encoding the document's
//!   state for peers, editors and the store;
//! - `edit_sessions`: this device's changes counted as edit sessions, for "has not seen 3
//!   of your changes";
//! - `receipt`: the merge receipt, what a catch-up from a peer merged;
//! - `comments`: comment threads anchored to text (relative positions), replies, resolving;
//! - `authors`: who wrote what, character by character (`blame`);
//! - `since`: what others changed since this device's person last looked;
//! - `versions`: named and automatic versions, their differences from now, and restoring
//!   them as new changes;
//! - `roster`: who may sync the brief (approved, asking, removed devices) and its invite
//!   records.

mod authors;
mod comments;
mod edit_sessions;
mod entries;
mod ids;
mod outbox;
mod receipt;
mod relays;
mod roster;
mod sections;
mod since;
mod state;
mod versions;

/// What the brief's submodules' tests share: a member, and syncing one replica into another.
#[cfg(test)]
mod test_support {
    use super::{Brief, Member};
    use crate::model::Role;

    pub fn member(device: &str, name: &str, role: Role) -> Member {
        Member {
            device: device.into(),
            name: name.into(),
            role,
        }
    }

    pub fn sync(from: &Brief, to: &Brief) {
        to.apply_update_v1(&from.encode_diff_v1(&to.state_vector()))
            .unwrap();
    }
}

pub use authors::{AuthorRun, KnownClient};
pub use comments::{CommentError, CommentThread, Reply};
pub use edit_sessions::{
    unseen, EditSession, Ledger, Part, EDITOR_ORIGIN, MIGRATE_ORIGIN, SESSION_PAUSE_MS,
    TICK_IDLE_MS,
};
pub use ids::{new_doc, random_client_id, seed_client_ids};
pub use receipt::{CatchUp, FlaggedDecision, MergeReceipt, ReceiptItem};
pub use relays::RelayRecord;
pub use roster::{DeviceState, InviteRecord, JoinAnswer, RosterEntry};
pub use since::{seen_key, SectionChange, SeenMark};
pub use state::waits_for_missing;
pub use versions::{DiffOp, SectionDiff, VersionError, VersionInfo, VersionKind};

use crate::model::{ConcernKind, ConcernStatus, Role, Section, Template};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use uuid::Uuid;
use yrs::types::text::Diff;
use yrs::updates::decoder::Decode;
use yrs::{
    Any, Array, ArrayRef, Doc, GetString, Map, MapPrelim, MapRef, OffsetKind, Options, Origin, Out,
    ReadTxn, StateVector, Text, TextRef, Transact, TransactionMut, Update,
};

/// Version of the document schema described in ARCHITECTURE.md.
pub const SCHEMA_VERSION: i64 = 2;
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
    #[error("{0}")]
    Refused(&'static str),
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
    sections: Vec<(Section, TextRef)>,
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
    outbox: outbox::SharedOutbox,
    /// Updates to send to peers (every change, whatever its origin), once relay is enabled.
    relay: Arc<Mutex<Option<Vec<Vec<u8>>>>>,
    /// Why changes from some peer were refused (a newer document schema), for the app and
    /// `status` to say; see [`crate::sync::SyncError::NewerSchema`].
    refused: Mutex<Option<String>>,
    /// Per section (in `Section::ALL` order), the transactions that changed its body so far
    /// (any origin).
    section_changes: Arc<Vec<AtomicU64>>,
    /// A store-only brief does not encode its own edits one by one (see `outbox`).
    store_only: Arc<AtomicBool>,
    /// Where each section's first block lies, as of its count of changes: the engine's own
    /// character edits (`insert_text`) keep it current, so a run of them never rescans the
    /// body.
    first_blocks: Mutex<HashMap<Section, (u64, u32, u32)>>,
    /// This device's edit sessions in this brief (see [`Part`] and [`EditSession`]).
    ledger: Arc<Mutex<Ledger>>,
    /// The local member's device key (hex), for the tick of a deletion.
    device: Arc<Mutex<String>>,
    /// What remote transactions touch while a catch-up is captured ([`receipt`]).
    captured: Arc<Mutex<Option<receipt::Captured>>>,
    /// A deletion was ticked since the last [`Brief::take_ticked`].
    ticked: Arc<AtomicBool>,
    /// Owed ticks wait for a running peer's clock ([`Brief::defer_ticks`]).
    ticks_deferred: AtomicBool,
    /// The roster (`devices`) and invite records (`invites`), see [`roster`].
    devices: MapRef,
    invites: MapRef,
    /// The roster changed since the last [`Brief::take_roster_changed`].
    roster_changed: Arc<AtomicBool>,
}

/// `meta.schema` as a number, whichever way a peer wrote it (yrs writes an integer, Yjs a
/// JavaScript number).
pub(crate) fn schema_of<T: ReadTxn>(meta: &MapRef, txn: &T) -> Option<f64> {
    match meta.get(txn, "schema")? {
        Out::Any(Any::Number(n)) => n.as_f64(),
        _ => None,
    }
}

/// Unix time in milliseconds.
fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
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

/// The one item whose id is or starts with `prefix`: `Ok`, none (`Err(None)`) or several
/// (`Err(Some(()))`). Decisions, versions and comment threads are named by id prefixes.
fn unique_by_prefix<T>(
    items: impl IntoIterator<Item = T>,
    id: impl Fn(&T) -> &str,
    prefix: &str,
) -> Result<T, Option<()>> {
    let mut found = items
        .into_iter()
        .filter(|t| !prefix.is_empty() && id(t).starts_with(prefix));
    match (found.next(), found.next()) {
        (Some(one), None) => Ok(one),
        (None, _) => Err(None),
        (Some(_), Some(_)) => Err(Some(())),
    }
}

fn any_map_str(m: &HashMap<String, Any>, key: &str) -> String {
    match m.get(key) {
        Some(Any::String(s)) => s.to_string(),
        _ => String::new(),
    }
}

impl Brief {
    fn with_doc(id: Uuid, doc: Doc, local: Member) -> Brief {
        let meta = doc.get_or_insert_map("meta");
        let title = doc.get_or_insert_text("title");
        let sections: Vec<(Section, TextRef)> = Section::ALL
            .iter()
            .map(|s| (*s, doc.get_or_insert_text(s.root_name())))
            .collect();
        let decisions = doc.get_or_insert_array("decisions");
        let concerns = doc.get_or_insert_array("concerns");
        let questions = doc.get_or_insert_array("questions");
        let signoffs = doc.get_or_insert_map("signoffs");
        let members = doc.get_or_insert_map("members");
        let ticks = doc.get_or_insert_map("ticks");
        let devices = doc.get_or_insert_map("devices");
        let invites = doc.get_or_insert_map("invites");
        let roster_changed: Arc<AtomicBool> = Arc::default();
        let ledger: Arc<Mutex<Ledger>> = Arc::default();
        let captured: Arc<Mutex<Option<receipt::Captured>>> = Arc::default();
        let ticked: Arc<AtomicBool> = Arc::default();
        let device = Arc::new(Mutex::new(local.device.clone()));
        let branch = |b: &yrs::branch::Branch| yrs::branch::BranchPtr::from(b);
        let mut roots = vec![
            (branch(title.as_ref()), Part::Title),
            (branch(decisions.as_ref()), Part::Decisions),
            (branch(concerns.as_ref()), Part::Concerns),
            (branch(questions.as_ref()), Part::Questions),
            (branch(signoffs.as_ref()), Part::Signoffs),
        ];
        for (s, t) in &sections {
            roots.push((branch(t.as_ref()), Part::Section(*s)));
        }
        let attribution = edit_sessions::Attribution {
            roots,
            ticks,
            device: device.clone(),
            ledger: ledger.clone(),
            now: now_ms,
            captured: captured.clone(),
            ticked: ticked.clone(),
            roster: branch(devices.as_ref()),
            roster_changed: roster_changed.clone(),
        };
        // The doc was just created, so no transaction can be open: this cannot fail.
        let _ = doc.observe_after_transaction("groundwork:edit-sessions", move |txn| {
            attribution.observe(txn)
        });
        let outbox: outbox::SharedOutbox = Arc::default();
        let relay: Arc<Mutex<Option<Vec<Vec<u8>>>>> = Arc::default();
        let store_only: Arc<AtomicBool> = Arc::default();
        let section_changes: Arc<Vec<AtomicU64>> =
            Arc::new(sections.iter().map(|_| AtomicU64::new(0)).collect());
        let section_roots: Vec<_> = sections.iter().map(|(_, t)| branch(t.as_ref())).collect();
        let (sink, relay_sink, only, counters) = (
            outbox.clone(),
            relay.clone(),
            store_only.clone(),
            section_changes.clone(),
        );
        let load = Origin::from(LOAD_ORIGIN);
        // Where yrs emits a transaction's update (after GC and squashing), without encoding
        // it unless it is needed (see the `outbox` module doc).
        // The doc was just created, so no transaction can be open: this cannot fail.
        let _ = doc.observe_transaction_cleanup("groundwork:outbox", move |txn, ev| {
            if ev.delete_set.is_empty() && ev.after_state == ev.before_state {
                return;
            }
            for (root, n) in section_roots.iter().zip(counters.iter()) {
                if txn.changed_parent_types().contains(root) {
                    n.fetch_add(1, Ordering::Relaxed);
                }
            }
            let mut queue = lock(&relay_sink);
            let update =
                outbox::needs_own_update(txn, only.load(Ordering::Relaxed), queue.is_some())
                    .then(|| txn.encode_update_v1());
            if let (Some(q), Some(u)) = (queue.as_mut(), update.as_ref()) {
                q.push(u.clone());
            }
            drop(queue);
            if txn.origin() != Some(&load) {
                lock(&sink).push(txn, update);
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
            section_changes,
            store_only,
            first_blocks: Mutex::new(HashMap::new()),
            ledger,
            device,
            captured,
            ticked,
            ticks_deferred: AtomicBool::new(false),
            devices,
            invites,
            roster_changed,
        }
    }

    /// An empty document for brief `id`, ready to receive stored or remote updates. It gets a
    /// fresh random client id: client ids are per session, never stored, so a copied database
    /// cannot make two devices share one.
    pub fn empty(id: Uuid, local: Member) -> Brief {
        Self::empty_with_client(id, local, random_client_id())
    }

    /// A brief read from storage: `updates` are applied before the brief's update observer
    /// exists, so opening does not encode the whole loaded state again for an outbox that
    /// would drop it (about 1.5 ms of a large brief's cold open).
    pub fn loaded(id: Uuid, local: Member, updates: Vec<Update>) -> Result<Brief, BriefError> {
        let doc = new_doc(id, random_client_id());
        state::apply_stored(&doc, updates)?;
        let brief = Brief::with_doc(id, doc, local);
        // Stored content is not scanned: assume it may hold astral characters.
        brief.astral.store(true, Ordering::Relaxed);
        Ok(brief)
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
        brief.found_roster(Vec::new());
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
        *lock(&self.device) = member.device.clone();
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
