//! Who may sync a brief: its roster of device keys (approved, asking to join, removed) and
//! its invite records (expiry, single use, whether joining asks a member). Both are root maps
//! of the document, so an approval or a removal made on one member's device travels to every
//! other member's like any edit; the peer machine ([`crate::peer`]) reads them before it sends
//! a device anything (SYNC.md, "Joining" and "Removing a device").
//!
//! - `devices`: device key (hex) → `{state: "approved" | "asking" | "removed", name, role,
//!   by (the deciding member's device), at (unix ms), code (invite code id, hex)}`
//! - `invites`: code id (hex) → `{by, created_at (unix ms), expires_at (unix s), single_use,
//!   ask, used_by}`
//!
//! A brief whose roster is empty predates rosters: it admits every holder of its secret,
//! until a device that holds it with other members writes the roster from its member list
//! ([`Brief::ensure_roster`]).

use super::*;

/// Where a device stands with a brief.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum DeviceState {
    Approved,
    /// Presented a valid code; waits for a member to approve it.
    Asking,
    /// Removed (or declined): members send it nothing.
    Removed,
}

impl DeviceState {
    fn as_str(self) -> &'static str {
        match self {
            DeviceState::Approved => "approved",
            DeviceState::Asking => "asking",
            DeviceState::Removed => "removed",
        }
    }

    fn parse(s: &str) -> Option<DeviceState> {
        match s {
            "approved" => Some(DeviceState::Approved),
            "asking" => Some(DeviceState::Asking),
            "removed" => Some(DeviceState::Removed),
            _ => None,
        }
    }
}

/// One device in a brief's roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
pub struct RosterEntry {
    /// Hex of the device key.
    pub device: String,
    pub name: String,
    pub role: String,
    pub state: DeviceState,
    /// The member device that approved, removed or recorded the request.
    pub by: String,
    /// Unix ms of the last change.
    #[ts(type = "number")]
    pub at: i64,
    /// The invite code id the device joined or asked with ("" for founders).
    pub code: String,
}

/// One invite code's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct InviteRecord {
    /// The code id (hex).
    pub code: String,
    pub by: String,
    #[ts(type = "number")]
    pub created_at: i64,
    /// Unix seconds.
    #[ts(type = "number")]
    pub expires_at: i64,
    pub single_use: bool,
    /// Joining with it asks a member (false: the device is approved on presenting it).
    pub ask: bool,
    /// The device that used a single-use code ("" while unused).
    pub used_by: String,
}

/// What a member's device answers a device that presents a code (also the wire value of
/// the join answer frame, SYNC.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum JoinAnswer {
    /// Approved: syncing starts.
    Admitted = 1,
    /// Recorded; a member has to approve it.
    Waiting = 2,
    Expired = 3,
    /// A single-use code another device used.
    Used = 4,
    /// No such code in the brief (revoked, or never made there).
    Unknown = 5,
    /// This device was removed from the brief, or its request declined.
    Removed = 6,
}

impl JoinAnswer {
    pub fn from_u8(v: u8) -> Option<JoinAnswer> {
        Some(match v {
            1 => JoinAnswer::Admitted,
            2 => JoinAnswer::Waiting,
            3 => JoinAnswer::Expired,
            4 => JoinAnswer::Used,
            5 => JoinAnswer::Unknown,
            6 => JoinAnswer::Removed,
            _ => return None,
        })
    }

    /// What the joining person is told.
    pub fn describe(self) -> &'static str {
        match self {
            JoinAnswer::Admitted => "joined",
            JoinAnswer::Waiting => "waiting for a member of the brief to approve this device",
            JoinAnswer::Expired => "refused: the invite code has expired; ask for a new one",
            JoinAnswer::Used => {
                "refused: the invite code was single-use and another device used it; ask for a new one"
            }
            JoinAnswer::Unknown => "refused: the brief has no such invite code; ask for a new one",
            JoinAnswer::Removed => "refused: a member removed this device from the brief",
        }
    }
}

fn s(m: &HashMap<String, Any>, k: &str) -> String {
    any_map_str(m, k)
}

fn i(m: &HashMap<String, Any>, k: &str) -> i64 {
    match m.get(k) {
        Some(Any::Number(n)) => (*n).as_f64().unwrap_or(0.0) as i64,
        _ => 0,
    }
}

fn b(m: &HashMap<String, Any>, k: &str) -> bool {
    matches!(m.get(k), Some(Any::Bool(true)))
}

fn entry(device: &str, m: &HashMap<String, Any>) -> Option<RosterEntry> {
    Some(RosterEntry {
        device: device.to_string(),
        name: s(m, "name"),
        role: s(m, "role"),
        state: DeviceState::parse(&s(m, "state"))?,
        by: s(m, "by"),
        at: i(m, "at"),
        code: s(m, "code"),
    })
}

impl Brief {
    fn write_entry(&self, txn: &mut TransactionMut, e: &RosterEntry) {
        let value = Any::from(HashMap::from([
            ("state".to_string(), Any::from(e.state.as_str())),
            ("name".to_string(), Any::from(e.name.clone())),
            ("role".to_string(), Any::from(e.role.clone())),
            ("by".to_string(), Any::from(e.by.clone())),
            ("at".to_string(), Any::from(e.at)),
            ("code".to_string(), Any::from(e.code.clone())),
        ]));
        self.devices.insert(txn, e.device.clone(), value);
    }

    fn read_entry<T: ReadTxn>(&self, txn: &T, device: &str) -> Option<RosterEntry> {
        match self.devices.get(txn, device) {
            Some(Out::Any(Any::Map(m))) => entry(device, &m),
            _ => None,
        }
    }

    /// Every device in the roster, approved first, then by name.
    pub fn roster(&self) -> Vec<RosterEntry> {
        let txn = self.doc.transact();
        let mut out: Vec<RosterEntry> = self
            .devices
            .iter(&txn)
            .filter_map(|(k, v)| match v {
                Out::Any(Any::Map(m)) => entry(k, &m),
                _ => None,
            })
            .collect();
        out.sort_by(|a, b| {
            (a.state as u8, &a.name, &a.device).cmp(&(b.state as u8, &b.name, &b.device))
        });
        out
    }

    /// The roster entry of `device`.
    pub fn device_entry(&self, device: &str) -> Option<RosterEntry> {
        self.read_entry(&self.doc.transact(), device)
    }

    /// Whether the roster decides who is sent the brief: it holds the entry of the brief's
    /// creator. A device that joined holds only pieces of it (its own approval, say) until
    /// the whole brief arrived; a brief from before rosters has none.
    pub fn roster_in_force(&self) -> bool {
        let txn = self.doc.transact();
        self.in_force(&txn)
    }

    fn in_force<T: ReadTxn>(&self, txn: &T) -> bool {
        if self.devices.len(txn) == 0 {
            return false;
        }
        match self.meta.get(txn, "created_by") {
            Some(Out::Any(Any::String(creator))) => self.devices.get(txn, &creator).is_some(),
            // a brief that never named its creator: in force once its meta arrived
            _ => self.meta.get(txn, "id").is_some(),
        }
    }

    /// Whether members send `device` this brief: it is approved, or no roster is in force
    /// ([`Brief::roster_in_force`]).
    pub fn admits(&self, device: &str) -> bool {
        let txn = self.doc.transact();
        if !self.in_force(&txn) {
            return true;
        }
        matches!(self.read_entry(&txn, device), Some(e) if e.state == DeviceState::Approved)
    }

    /// A roster changed since the last call (any origin).
    pub fn take_roster_changed(&self) -> bool {
        self.roster_changed.swap(false, Ordering::Relaxed)
    }

    /// Writes the roster of a brief that has none: this device and every device in its member
    /// list, approved (they held the brief before rosters existed). Nothing when a roster
    /// exists or this device is the only member it knows (a brief joined but not synced yet).
    pub fn ensure_roster(&self) {
        let me = self.local();
        let members = self.members();
        {
            let txn = self.doc.transact();
            if self.devices.len(&txn) > 0 || !members.iter().any(|m| m.device != me.device) {
                return;
            }
        }
        self.found_roster(members);
    }

    /// Writes the roster of a brief this device invites others to, if it has none: this
    /// device and every device in its member list, approved.
    pub fn claim_roster(&self) {
        self.found_roster(self.members());
    }

    /// Writes this device (and `members`) into the roster of a brief that has none, approved.
    pub(super) fn found_roster(&self, members: Vec<Member>) {
        let me = self.local();
        let mut txn = self.txn();
        if self.devices.len(&txn) > 0 {
            return;
        }
        let mut seen = std::collections::HashSet::new();
        for m in std::iter::once(me.clone()).chain(members) {
            if seen.insert(m.device.clone()) {
                let e = RosterEntry {
                    device: m.device,
                    name: m.name,
                    role: m.role.as_str().to_string(),
                    state: DeviceState::Approved,
                    by: me.device.clone(),
                    at: now_ms(),
                    code: String::new(),
                };
                self.write_entry(&mut txn, &e);
            }
        }
    }

    /// Records a new invite code made on this device.
    pub fn add_invite(&self, code: &str, expires_at: i64, single_use: bool, ask: bool) {
        let me = self.local();
        let mut txn = self.txn();
        let value = Any::from(HashMap::from([
            ("by".to_string(), Any::from(me.device)),
            ("created_at".to_string(), Any::from(now_ms())),
            ("expires_at".to_string(), Any::from(expires_at)),
            ("single_use".to_string(), Any::Bool(single_use)),
            ("ask".to_string(), Any::Bool(ask)),
            ("used_by".to_string(), Any::from("")),
        ]));
        self.invites.insert(&mut txn, code.to_string(), value);
    }

    /// Every invite record.
    pub fn invites(&self) -> Vec<InviteRecord> {
        let txn = self.doc.transact();
        let mut out: Vec<InviteRecord> = self
            .invites
            .iter(&txn)
            .filter_map(|(k, v)| match v {
                Out::Any(Any::Map(m)) => Some(InviteRecord {
                    code: k.to_string(),
                    by: s(&m, "by"),
                    created_at: i(&m, "created_at"),
                    expires_at: i(&m, "expires_at"),
                    single_use: b(&m, "single_use"),
                    ask: b(&m, "ask"),
                    used_by: s(&m, "used_by"),
                }),
                _ => None,
            })
            .collect();
        out.sort_by_key(|r| std::cmp::Reverse(r.created_at));
        out
    }

    /// A device presents invite code `code` (hex) at unix second `now_s`: checked against the
    /// code's record and the roster. A valid code from a device not in the roster records it
    /// as asking (or approves it, for a code that does not ask) and uses up a single-use code.
    pub fn consider_join(
        &self,
        device: &str,
        name: &str,
        role: &str,
        code: &str,
        now_s: i64,
    ) -> JoinAnswer {
        let existing = self.device_entry(device);
        match existing.as_ref().map(|e| e.state) {
            Some(DeviceState::Approved) => return JoinAnswer::Admitted,
            Some(DeviceState::Removed) => return JoinAnswer::Removed,
            Some(DeviceState::Asking) | None => {}
        }
        let Some(record) = self.invites().into_iter().find(|r| r.code == code) else {
            return JoinAnswer::Unknown;
        };
        if record.expires_at < now_s {
            return JoinAnswer::Expired;
        }
        if record.single_use && !record.used_by.is_empty() && record.used_by != device {
            return JoinAnswer::Used;
        }
        if existing.is_some() && record.ask {
            return JoinAnswer::Waiting;
        }
        let me = self.local();
        let mut txn = self.txn();
        if record.single_use && record.used_by.is_empty() {
            if let Some(Out::Any(Any::Map(m))) = self.invites.get(&txn, code) {
                let mut m = (*m).clone();
                m.insert("used_by".into(), Any::from(device));
                self.invites
                    .insert(&mut txn, code.to_string(), Any::from(m));
            }
        }
        let state = if record.ask {
            DeviceState::Asking
        } else {
            DeviceState::Approved
        };
        let e = RosterEntry {
            device: device.to_string(),
            name: name.to_string(),
            role: role.to_string(),
            state,
            by: me.device,
            at: now_ms(),
            code: code.to_string(),
        };
        self.write_entry(&mut txn, &e);
        if record.ask {
            JoinAnswer::Waiting
        } else {
            JoinAnswer::Admitted
        }
    }

    /// A member approves a device (asking, or removed earlier): every member's device then
    /// sends it the brief.
    pub fn approve_device(&self, device: &str) -> Result<RosterEntry, BriefError> {
        self.set_device_state(device, DeviceState::Approved)
    }

    /// A member removes a device, or declines its request: members send it nothing from now
    /// on. This device cannot remove itself.
    pub fn remove_device(&self, device: &str) -> Result<RosterEntry, BriefError> {
        if device == self.local().device {
            return Err(BriefError::Refused(
                "a device cannot remove itself from a brief",
            ));
        }
        self.set_device_state(device, DeviceState::Removed)
    }

    /// Approves a device outright (a founder or a test harness that shares a secret by hand).
    pub fn admit_device(&self, device: &str, name: &str, role: &str) {
        let me = self.local();
        let mut txn = self.txn();
        let e = RosterEntry {
            device: device.to_string(),
            name: name.to_string(),
            role: role.to_string(),
            state: DeviceState::Approved,
            by: me.device,
            at: now_ms(),
            code: String::new(),
        };
        self.write_entry(&mut txn, &e);
    }

    fn set_device_state(
        &self,
        device: &str,
        state: DeviceState,
    ) -> Result<RosterEntry, BriefError> {
        let mut e = self
            .resolve_device(device)
            .ok_or_else(|| BriefError::NotFound {
                what: "device",
                id: device.to_string(),
            })?;
        e.state = state;
        e.by = self.local().device;
        e.at = now_ms();
        let mut txn = self.txn();
        self.write_entry(&mut txn, &e);
        Ok(e)
    }

    /// The roster entry whose device key is or starts with `prefix` (unique), or whose name
    /// is `prefix` exactly (unique).
    pub fn resolve_device(&self, prefix: &str) -> Option<RosterEntry> {
        let roster = self.roster();
        let by_key: Vec<&RosterEntry> = roster
            .iter()
            .filter(|e| !prefix.is_empty() && e.device.starts_with(&prefix.to_ascii_lowercase()))
            .collect();
        if by_key.len() == 1 {
            return Some(by_key[0].clone());
        }
        let by_name: Vec<&RosterEntry> = roster.iter().filter(|e| e.name == prefix).collect();
        if by_name.len() == 1 {
            return Some(by_name[0].clone());
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Template;

    fn member(name: &str, key: u8) -> Member {
        Member {
            device: crate::identity::hex(&[key; 32]),
            name: name.into(),
            role: Role::Pm,
        }
    }

    #[test]
    fn a_code_is_checked_and_a_single_use_code_used_up() {
        let ana = Brief::create("x", Template::ProblemFirst, member("Ana", 1));
        assert_eq!(ana.roster().len(), 1, "the creator founds the roster");
        assert!(ana.admits(&member("Ana", 1).device));
        let sam = member("Sam", 2).device;
        let eli = member("Eli", 3).device;
        assert!(!ana.admits(&sam));
        ana.add_invite("c1", 1_000, true, true);
        ana.add_invite("c2", 1_000, false, false);
        assert_eq!(
            ana.consider_join(&sam, "Sam", "engineer", "zz", 10),
            JoinAnswer::Unknown
        );
        assert_eq!(
            ana.consider_join(&sam, "Sam", "engineer", "c1", 2_000),
            JoinAnswer::Expired
        );
        assert_eq!(
            ana.consider_join(&sam, "Sam", "engineer", "c1", 10),
            JoinAnswer::Waiting
        );
        assert!(!ana.admits(&sam), "asking is not approved");
        assert_eq!(
            ana.consider_join(&sam, "Sam", "engineer", "c1", 11),
            JoinAnswer::Waiting
        );
        assert_eq!(
            ana.consider_join(&eli, "Eli", "designer", "c1", 11),
            JoinAnswer::Used
        );
        assert_eq!(
            ana.consider_join(&eli, "Eli", "designer", "c2", 11),
            JoinAnswer::Admitted
        );
        assert!(ana.admits(&eli), "a code that does not ask approves");
        ana.approve_device("Sam").unwrap();
        assert!(ana.admits(&sam));
        ana.remove_device(&sam[..8]).unwrap();
        assert!(!ana.admits(&sam));
        assert_eq!(
            ana.consider_join(&sam, "Sam", "engineer", "c2", 11),
            JoinAnswer::Removed
        );
        assert!(ana.remove_device(&member("Ana", 1).device).is_err());
        assert!(ana.take_roster_changed());
        assert!(!ana.take_roster_changed());
    }

    #[test]
    fn a_brief_from_before_rosters_admits_its_members_then_only_them() {
        let ana = Brief::empty(Uuid::new_v4(), member("Ana", 1));
        let ben = Brief::empty(ana.id(), member("Ben", 4));
        ben.set_title("t"); // Ben wrote, so he is in the member list
        {
            // the brief's meta, as one made before rosters (and before `created_by`) has it
            let mut txn = ben.txn();
            ben.meta.insert(&mut txn, "id", ben.id().to_string());
        }
        let u = ben.encode_state_v1();
        ana.apply_update_v1(&u).unwrap();
        let sam = member("Sam", 2).device;
        assert!(ana.admits(&sam), "no roster: every secret holder");
        ana.ensure_roster();
        assert!(ana.admits(&member("Ben", 4).device));
        assert!(ana.admits(&member("Ana", 1).device));
        assert!(!ana.admits(&sam));
        // a joined brief not synced yet writes no roster
        let joined = Brief::empty(Uuid::new_v4(), member("Sam", 2));
        joined.set_title("");
        joined.ensure_roster();
        assert!(joined.roster().is_empty());
    }

    #[test]
    fn a_piece_of_a_roster_is_not_in_force_until_the_creator_s_entry_arrives() {
        let ana = Brief::create("x", Template::ProblemFirst, member("Ana", 1));
        ana.add_invite("c", 1_000, false, false);
        let full_before = ana.encode_state_v1();
        let sv = ana.state_vector();
        let sam = member("Sam", 2);
        assert_eq!(
            ana.consider_join(&sam.device, "Sam", "pm", "c", 1),
            JoinAnswer::Admitted
        );
        // Sam first gets only the approval (written by another client of Ana's device)
        let piece = ana.encode_diff_v1(&sv);
        let joined = Brief::empty(ana.id(), sam.clone());
        joined.apply_update_v1(&piece).unwrap();
        assert_eq!(joined.roster().len(), 1);
        assert!(!joined.roster_in_force());
        assert!(
            joined.admits(&member("Ana", 1).device),
            "Ana is not shut out"
        );
        joined.apply_update_v1(&full_before).unwrap();
        assert!(joined.roster_in_force());
        assert!(joined.admits(&member("Ana", 1).device));
        assert!(!joined.admits(&member("Eve", 5).device));
    }
}
