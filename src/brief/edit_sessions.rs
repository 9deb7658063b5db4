//! This device's changes to a brief, counted as a person counts them: **edit sessions**.
//!
//! A *change* is one edit session: what this device's person did to one part of the brief
//! (its title, one section, the decision log, the concerns, the questions, the sign-offs)
//! with no pause longer than [`SESSION_PAUSE_MS`] between two edits. Typing a sentence, then
//! fixing a word in it a second later, is one change; a second paragraph typed after a coffee
//! is another; an import that fills five sections is five. Edits arriving from peers, loaded
//! from storage, or made by the schema migration are nobody's change here.
//!
//! A session remembers, for every Yjs client id that made part of it (the engine's own, the
//! app editor's), the clock just past its last item. Another device has *seen* the session
//! once the state vector it last sent covers every one of those clocks ([`EditSession::seen_by`]):
//! that is what "Dana's laptop has not seen 3 of your changes" counts, never an assumption.
//!
//! A deletion creates no item, so on its own it would not move any clock and a state vector
//! could never show it arrived. The first local transaction of a session that only deletes
//! therefore also writes a *tick* (this device's entry in the `ticks` root map, overwritten
//! each time): the tick's clock is what the session waits for. It travels in the same update
//! as the deletion, so a device whose state vector covers the tick has the deletion too. The
//! tick is made by the engine's client id, so an editor whose deletion was ticked is sent the
//! update back ([`Brief::take_ticked`]): without it the editor's copy would miss a clock of the
//! engine's client and hold every later engine change as pending.
//!
//! Later deletions in the same session are *owed* a clock instead of ticked at once: the next
//! local transaction that inserts anything (the next keystroke, as a rule) pays it, because
//! its items come after the deletion in this device's update stream; a session that ends on a
//! deletion is ticked when the running peer has been idle for [`TICK_IDLE_MS`] (or stops),
//! and the CLI ticks before it stores. While owed, the session counts as seen by nobody, so
//! the status can only over-count, never claim a device has a deletion it may lack. A tick per
//! deletion cost a `ticks` entry and a tombstone per backspace: on the automerge-paper trace
//! that was a third more items in the document and twice the time for Yjs to load it.

use super::*;
use yrs::block::ClientID;
use yrs::branch::BranchPtr;

/// Two edits of one part further apart than this are two changes.
pub const SESSION_PAUSE_MS: i64 = 5_000;

/// A running peer ticks an owed deletion once this device made no local edit for this long.
pub const TICK_IDLE_MS: i64 = 1_000;

/// Origin of the transaction that migrates a schema-1 brief: nobody's change.
pub const MIGRATE_ORIGIN: &str = "groundwork:migrate";
/// Origin of transactions that apply an update from a local editor (the app's Yjs document):
/// this device's person's own edits.
pub const EDITOR_ORIGIN: &str = "groundwork:editor";

/// The part of a brief a change is in.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    serde::Deserialize,
    ts_rs::TS,
)]
#[serde(tag = "kind", content = "section", rename_all = "snake_case")]
pub enum Part {
    Title,
    Section(Section),
    Decisions,
    Concerns,
    Questions,
    Signoffs,
}

impl Part {
    /// The stable name stored in the database: `title`, `section:problem`, `decisions`, …
    pub fn key(self) -> String {
        match self {
            Part::Title => "title".into(),
            Part::Section(s) => format!("section:{}", s.as_str()),
            Part::Decisions => "decisions".into(),
            Part::Concerns => "concerns".into(),
            Part::Questions => "questions".into(),
            Part::Signoffs => "signoffs".into(),
        }
    }

    /// The part a stored name names, if any.
    pub fn from_key(key: &str) -> Option<Part> {
        Some(match key {
            "title" => Part::Title,
            "decisions" => Part::Decisions,
            "concerns" => Part::Concerns,
            "questions" => Part::Questions,
            "signoffs" => Part::Signoffs,
            other => Part::Section(other.strip_prefix("section:")?.parse().ok()?),
        })
    }

    /// A human label ("Problem statement", "Decision log").
    pub fn label(self) -> &'static str {
        match self {
            Part::Title => "Title",
            Part::Section(s) => s.label(),
            Part::Decisions => "Decision log",
            Part::Concerns => "Concerns",
            Part::Questions => "Open questions",
            Part::Signoffs => "Sign-off",
        }
    }
}

/// One change: an edit session of this device's person in one part of a brief.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditSession {
    /// Stable across restarts (the database key).
    pub id: Uuid,
    pub part: Part,
    /// Unix milliseconds of its first and last edit.
    pub started_at: i64,
    pub ended_at: i64,
    /// For each client id that made part of it, the clock just past its last item.
    pub ends: BTreeMap<u64, u32>,
    /// A deletion in it waits for a clock (see the module doc); not stored.
    pub owed: bool,
    /// It wrote a tick already in this run (its later deletions are owed); not stored.
    pub ticked: bool,
}

impl EditSession {
    /// True if a device whose state vector is `sv` holds every edit of this session (never
    /// while a deletion in it is owed its clock).
    pub fn seen_by(&self, sv: &StateVector) -> bool {
        !self.owed
            && self
                .ends
                .iter()
                .all(|(c, end)| sv.get(&ClientID::new(*c)) >= *end)
    }
}

/// How many of `sessions` a device with state vector `sv` has not seen.
pub fn unseen(sessions: &[EditSession], sv: &StateVector) -> usize {
    sessions.iter().filter(|s| !s.seen_by(sv)).count()
}

/// The open session of each part, the sessions closed before, and which changed since they
/// were last taken. Recording an edit touches only the open session (no copies: it runs on
/// every keystroke).
#[derive(Debug, Default)]
pub struct Ledger {
    open: HashMap<Part, EditSession>,
    /// Every session no longer open: stored ones (loaded as the brief opened) and this run's.
    closed: BTreeMap<Uuid, EditSession>,
    dirty: std::collections::BTreeSet<Uuid>,
    /// Parts whose open session owes a deletion its clock.
    owed: std::collections::BTreeSet<Part>,
    /// When this device's person last edited (Unix ms).
    last_edit: i64,
}

impl Ledger {
    /// A local edit at `now` (Unix ms) touched `parts`, leaving the clients that made it at
    /// `ends`: it extends each part's open session, or starts a new one after a pause.
    pub fn record(&mut self, parts: &[Part], ends: &[(u64, u32)], now: i64) {
        for part in parts {
            let extend = self
                .open
                .get(part)
                .is_some_and(|s| now.saturating_sub(s.ended_at) <= SESSION_PAUSE_MS);
            if !extend {
                let fresh = EditSession {
                    id: Uuid::new_v4(),
                    part: *part,
                    started_at: now,
                    ended_at: now,
                    ends: BTreeMap::new(),
                    owed: false,
                    ticked: false,
                };
                if let Some(old) = self.open.insert(*part, fresh) {
                    self.closed.insert(old.id, old);
                }
            }
            let Some(session) = self.open.get_mut(part) else {
                continue;
            };
            session.ended_at = session.ended_at.max(now);
            for (c, end) in ends {
                let e = session.ends.entry(*c).or_insert(0);
                *e = (*e).max(*end);
            }
            self.dirty.insert(session.id);
        }
        self.last_edit = self.last_edit.max(now);
    }

    /// A local transaction at `now` only deleted, in `parts`: true if it must write a tick
    /// now (the first deletion of a session), else the sessions owe one.
    pub fn record_deletion(&mut self, parts: &[Part], now: i64) -> bool {
        self.record(parts, &[], now);
        let first = parts
            .iter()
            .any(|p| self.open.get(p).is_some_and(|s| !s.ticked));
        if !first {
            for p in parts {
                if let Some(s) = self.open.get_mut(p) {
                    s.owed = true;
                    self.owed.insert(*p);
                }
            }
        }
        first
    }

    /// A local transaction at `now` that created items, leaving its clients at `ends`, in
    /// `parts`: it also pays every owed deletion (its items follow them); `ticked` when its
    /// item is a deletion's tick.
    pub fn record_insertion(
        &mut self,
        parts: &[Part],
        ends: &[(u64, u32)],
        now: i64,
        ticked: bool,
    ) {
        let mut all: Vec<Part> = parts.to_vec();
        for p in std::mem::take(&mut self.owed) {
            if !all.contains(&p) {
                all.push(p);
            }
        }
        self.record(&all, ends, now);
        for p in &all {
            if let Some(s) = self.open.get_mut(p) {
                s.owed = false;
                s.ticked |= ticked && parts.contains(p);
            }
        }
    }

    /// Whether a deletion is owed a clock and this device's person made no edit since
    /// `idle_ms` before `now`.
    pub fn tick_due(&self, now: i64, idle_ms: i64) -> bool {
        !self.owed.is_empty() && now.saturating_sub(self.last_edit) >= idle_ms
    }

    /// From now on, each open session's next deletion is ticked at once again (a seen mark
    /// was taken: its own-deletion test reads the tick).
    pub fn restart_ticks(&mut self) {
        for s in self.open.values_mut() {
            s.ticked = false;
        }
    }

    /// The sessions started or extended since the last call.
    pub fn take_dirty(&mut self) -> Vec<EditSession> {
        let dirty = std::mem::take(&mut self.dirty);
        self.open
            .values()
            .chain(self.closed.values())
            .filter(|s| dirty.contains(&s.id))
            .cloned()
            .collect()
    }

    /// Marks sessions to be taken again (storing them failed).
    pub fn restore_dirty(&mut self, sessions: Vec<EditSession>) {
        self.dirty.extend(sessions.into_iter().map(|s| s.id));
    }

    /// Sessions stored earlier (the brief is opening); a copy held already wins.
    pub fn load(&mut self, sessions: Vec<EditSession>) {
        for s in sessions {
            if !self.open.values().any(|o| o.id == s.id) {
                self.closed.entry(s.id).or_insert(s);
            }
        }
    }

    /// Every session known.
    pub fn all(&self) -> Vec<EditSession> {
        self.closed
            .values()
            .chain(self.open.values())
            .cloned()
            .collect()
    }
}

/// What the transaction observer needs to attribute a local transaction and tick it.
pub(super) struct Attribution {
    pub roots: Vec<(BranchPtr, Part)>,
    pub ticks: MapRef,
    pub device: Arc<Mutex<String>>,
    pub ledger: Arc<Mutex<Ledger>>,
    pub now: fn() -> i64,
    /// While a catch-up is captured: what remote transactions touched.
    pub captured: Arc<Mutex<Option<super::receipt::Captured>>>,
    /// Set when a tick was written (see [`Brief::take_ticked`]).
    pub ticked: Arc<std::sync::atomic::AtomicBool>,
    /// The roster's root, and the flag set when a transaction changed it.
    pub roster: BranchPtr,
    pub roster_changed: Arc<std::sync::atomic::AtomicBool>,
}

/// Writes `device`'s tick: the time `now`, or one past its last tick when that is not
/// earlier (two ticks in one millisecond must still differ: "since you last looked" compares
/// them).
pub(super) fn write_tick(ticks: &MapRef, txn: &mut TransactionMut, device: String, now: i64) {
    let last = match ticks.get(txn, &device) {
        Some(Out::Any(Any::Number(n))) => n.as_f64().map_or(i64::MIN, |f| f as i64),
        _ => i64::MIN,
    };
    ticks.insert(txn, device, now.max(last.saturating_add(1)));
}

/// The ticks of a brief held by this device (see the module doc).
impl Brief {
    /// Writes this device's tick when a deletion is owed its clock (see
    /// the module doc) and this device's person made no edit for `idle_ms` (0: whenever
    /// one is owed). True if it wrote one; the update is in the outbox and the relay queue
    /// like any local change.
    pub fn settle_ticks(&self, idle_ms: i64) -> bool {
        let now = now_ms();
        if !lock(&self.ledger).tick_due(now, idle_ms) {
            return false;
        }
        let ticks = self.doc.get_or_insert_map("ticks");
        let device = lock(&self.device).clone();
        let mut txn = self.txn();
        write_tick(&ticks, &mut txn, device, now);
        true
    }

    /// A running peer holds this brief: an owed tick waits for [`Brief::settle_ticks`] on
    /// its clock instead of being written at every [`crate::Engine::flush`].
    pub fn defer_ticks(&self) {
        self.ticks_deferred.store(true, Ordering::Relaxed);
    }

    /// See [`Brief::defer_ticks`].
    pub fn ticks_deferred(&self) -> bool {
        self.ticks_deferred.load(Ordering::Relaxed)
    }
}

impl Attribution {
    /// Called after every transaction commits (before its update is emitted): a local one is
    /// recorded in the ledger, ticked first if it only deleted.
    pub fn observe(&self, txn: &mut TransactionMut) {
        let local = match txn.origin() {
            None => true,
            Some(o) => o == &Origin::from(EDITOR_ORIGIN),
        };
        if !txn.has_changes() {
            return;
        }
        if txn.changed_parent_types().contains(&self.roster) {
            self.roster_changed
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        if !local {
            if txn.origin() == Some(&Origin::from(REMOTE_ORIGIN)) {
                if let Some(c) = lock(&self.captured).as_mut() {
                    c.parts.extend(self.parts(txn.changed_parent_types()));
                    c.clients
                        .extend(txn.insert_set().iter().map(|(c, _)| c.get()));
                }
            }
            return;
        }
        let parts = self.parts(txn.changed_parent_types());
        let now = (self.now)();
        let mut ledger = lock(&self.ledger);
        let mut ticked = false;
        if txn.insert_set().is_empty() {
            if parts.is_empty() || !ledger.record_deletion(&parts, now) {
                return;
            }
            let device = lock(&self.device).clone();
            write_tick(&self.ticks, txn, device, now);
            self.ticked
                .store(true, std::sync::atomic::Ordering::Relaxed);
            ticked = true;
        }
        let ends: Vec<(u64, u32)> = txn
            .insert_set()
            .iter()
            .filter_map(|(c, ranges)| Some((c.get(), ranges.iter().map(|r| r.end).max()?)))
            .collect();
        ledger.record_insertion(&parts, &ends, now, ticked);
    }

    /// The parts whose root types changed (yrs lists every changed type with all its
    /// ancestors, so a change inside a decision names the decision log's root too).
    fn parts(&self, changed: &[BranchPtr]) -> Vec<Part> {
        self.roots
            .iter()
            .filter(|(root, _)| changed.contains(root))
            .map(|(_, part)| *part)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sv(entries: &[(u64, u32)]) -> StateVector {
        let mut sv = StateVector::default();
        for (c, k) in entries {
            sv.set_max(ClientID::new(*c), *k);
        }
        sv
    }

    #[test]
    fn a_pause_or_another_part_starts_a_new_session() {
        let mut l = Ledger::default();
        let p = Part::Section(Section::Problem);
        l.record(&[p], &[(1, 5)], 1_000);
        l.record(&[p], &[(1, 9)], 1_000 + SESSION_PAUSE_MS);
        let first = l.take_dirty();
        assert_eq!(first.len(), 1, "{first:?}");
        assert_eq!(first[0].ends, BTreeMap::from([(1, 9)]));
        l.record(&[p], &[(1, 12)], 1_001 + 2 * SESSION_PAUSE_MS);
        l.record(&[Part::Title], &[(2, 3)], 1_002 + 2 * SESSION_PAUSE_MS);
        let next = l.take_dirty();
        assert_eq!(next.len(), 2);
        assert!(next.iter().all(|s| s.id != first[0].id));
        let all: Vec<EditSession> = first.into_iter().chain(next).collect();
        assert_eq!(unseen(&all, &sv(&[])), 3);
        assert_eq!(unseen(&all, &sv(&[(1, 9)])), 2);
        assert_eq!(unseen(&all, &sv(&[(1, 12)])), 1);
        assert_eq!(unseen(&all, &sv(&[(1, 12), (2, 3)])), 0);
    }

    fn member(device: &str) -> Member {
        Member {
            device: device.into(),
            name: device.into(),
            role: crate::model::Role::Pm,
        }
    }

    /// Sends everything `from` has that `to` lacks, as a peer would.
    fn sync(from: &Brief, to: &Brief) {
        to.apply_update_v1(&from.encode_diff_v1(&to.state_vector()))
            .unwrap();
    }

    #[test]
    fn local_edits_count_remote_ones_do_not_and_relayed_copies_are_seen() {
        let a = Brief::create("Onboarding", Template::ProblemFirst, member("a"));
        let b = Brief::empty(a.id(), member("b"));
        let c = Brief::empty(a.id(), member("c"));
        a.set_section(Section::Problem, "New admins quit at step 3.");
        a.set_title("Admin onboarding");
        let mine = a.take_edit_sessions();
        let parts: Vec<Part> = mine.iter().map(|s| s.part).collect();
        assert!(parts.contains(&Part::Title), "{parts:?}");
        assert!(
            parts.contains(&Part::Section(Section::Problem)),
            "{parts:?}"
        );
        assert_eq!(unseen(&mine, &b.state_vector()), mine.len());

        // B types concurrently: merged into A, it is nobody's change on A
        b.set_section(Section::Evidence, "Support tickets: 40 a week.");
        sync(&b, &a);
        assert!(a.take_edit_sessions().is_empty());
        sync(&a, &b);
        assert_eq!(unseen(&mine, &b.state_vector()), 0);
        // C gets A's changes only through B (relayed): seen all the same
        sync(&b, &c);
        assert_eq!(unseen(&mine, &c.state_vector()), 0);
        assert!(c.take_edit_sessions().is_empty());
    }

    #[test]
    fn a_deletion_alone_is_a_change_a_state_vector_can_show() {
        let a = Brief::create("Onboarding", Template::ProblemFirst, member("a"));
        let b = Brief::empty(a.id(), member("b"));
        a.set_section(Section::Problem, "New admins quit at step 3.");
        sync(&a, &b);
        let before = a.take_edit_sessions();
        assert_eq!(unseen(&before, &b.state_vector()), 0);
        let clock = a.state_vector();
        a.delete_text(Section::Problem, 0, 4);
        assert_ne!(a.state_vector(), clock, "the deletion moved no clock");
        let mut sessions = before;
        for s in a.take_edit_sessions() {
            sessions.retain(|o| o.id != s.id);
            sessions.push(s);
        }
        assert_eq!(unseen(&sessions, &b.state_vector()), 1);
        sync(&a, &b);
        assert_eq!(unseen(&sessions, &b.state_vector()), 0);
        assert_eq!(
            b.section_text(Section::Problem),
            a.section_text(Section::Problem)
        );
    }

    #[test]
    fn an_editor_deletion_is_ticked_and_counted() {
        let a = Brief::create("Onboarding", Template::ProblemFirst, member("a"));
        a.set_section(Section::Problem, "New admins quit at step 3.");
        a.take_edit_sessions();
        // the app's Yjs document, as a separate replica of the same person
        let ui = Brief::empty(a.id(), member("a"));
        sync(&a, &ui);
        let before = ui.state_vector();
        ui.delete_text(Section::Problem, 0, 4);
        let update = ui.encode_diff_v1(&before);
        ui.take_edit_sessions();
        let sv = a.state_vector();
        a.apply_editor_update_v1(&update).unwrap();
        let sessions = a.take_edit_sessions();
        assert_eq!(sessions.len(), 1, "{sessions:?}");
        assert_eq!(sessions[0].part, Part::Section(Section::Problem));
        assert!(!sessions[0].seen_by(&sv));
        // the same bytes from a peer are not this device's change
        let peer = Brief::empty(a.id(), member("p"));
        sync(&a, &peer);
        assert!(peer.take_edit_sessions().is_empty());
    }

    /// The sessions as they are now: `older` with every session taken since in their place.
    fn current(a: &Brief, mut older: Vec<EditSession>) -> Vec<EditSession> {
        for s in a.take_edit_sessions() {
            older.retain(|o| o.id != s.id);
            older.push(s);
        }
        older
    }

    #[test]
    fn later_deletions_of_a_session_are_owed_a_clock_until_an_insertion_or_a_settle() {
        let a = Brief::create("Onboarding", Template::ProblemFirst, member("a"));
        let b = Brief::empty(a.id(), member("b"));
        a.set_section(Section::Problem, "New admins quit at step 3.");
        // the session's first deletion is ticked at once
        let clock = a.state_vector();
        a.delete_text(Section::Problem, 0, 4);
        assert_ne!(a.state_vector(), clock, "the first deletion moved no clock");
        // a later one is owed: no tick, and the session is seen by nobody meanwhile
        let clock = a.state_vector();
        a.delete_text(Section::Problem, 0, 1);
        assert_eq!(a.state_vector(), clock, "an owed deletion wrote a tick");
        sync(&a, &b);
        let sessions = current(&a, Vec::new());
        assert_eq!(unseen(&sessions, &b.state_vector()), 1);
        // the next keystroke pays it: its item follows the deletion
        a.insert_text(Section::Problem, 0, "A");
        assert!(!a.settle_ticks(0), "paid already");
        let sessions = current(&a, sessions);
        assert_eq!(unseen(&sessions, &b.state_vector()), 1);
        sync(&a, &b);
        assert_eq!(unseen(&sessions, &b.state_vector()), 0);
        // a session that ends on a deletion is ticked once the running peer settles it
        a.delete_text(Section::Problem, 0, 1);
        let sessions = current(&a, sessions);
        assert_eq!(unseen(&sessions, &b.state_vector()), 1);
        assert!(!a.settle_ticks(60_000), "not idle for a minute yet");
        assert!(a.settle_ticks(0));
        let sessions = current(&a, sessions);
        let lacking = b.state_vector();
        sync(&a, &b);
        assert_eq!(unseen(&sessions, &lacking), 1);
        assert_eq!(unseen(&sessions, &b.state_vector()), 0);
        assert_eq!(
            b.section_text(Section::Problem),
            a.section_text(Section::Problem)
        );
    }

    #[test]
    fn part_keys_round_trip() {
        let mut parts = vec![
            Part::Title,
            Part::Decisions,
            Part::Concerns,
            Part::Questions,
            Part::Signoffs,
        ];
        parts.extend(Section::ALL.iter().map(|s| Part::Section(*s)));
        for p in parts {
            assert_eq!(Part::from_key(&p.key()), Some(p));
        }
        assert_eq!(Part::from_key("section:nope"), None);
        assert_eq!(Part::from_key("members"), None);
    }
}
