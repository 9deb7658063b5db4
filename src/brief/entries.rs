//! The brief's structured parts: problem sign-off and its staleness, the decision log,
//! concerns, questions, and who each client id belongs to.

use super::*;

impl Brief {
    pub(super) fn section_digests<T: ReadTxn>(
        &self,
        txn: &T,
        sections: &[Section],
    ) -> HashMap<String, Any> {
        sections
            .iter()
            .map(|s| {
                let text = crate::body::render_plain(self.body(*s), txn);
                (s.as_str().to_string(), Any::from(digest(&text)))
            })
            .collect()
    }

    /// The plain text of each section, as a decision records what it rests on.
    fn section_texts<T: ReadTxn>(&self, txn: &T, sections: &[Section]) -> HashMap<String, Any> {
        sections
            .iter()
            .map(|s| {
                let text = crate::body::render_plain(self.body(*s), txn);
                (s.as_str().to_string(), Any::from(text))
            })
            .collect()
    }

    /// What a decision (by id or unique prefix) rests on: each section with its text as it
    /// read when the decision was logged or last edited. A decision logged before the text
    /// was recorded has it only while the section is unchanged since (`None` otherwise).
    pub fn decision_basis(
        &self,
        id_prefix: &str,
    ) -> Result<Vec<(Section, Option<String>)>, BriefError> {
        let txn = self.doc.transact();
        let m = find_entry(&self.decisions, &txn, id_prefix, "decision")?;
        let digests = match m.get(&txn, "rests_on") {
            Some(Out::Any(Any::Map(s))) => (*s).clone(),
            _ => HashMap::new(),
        };
        let texts = match m.get(&txn, "rests_on_text") {
            Some(Out::Any(Any::Map(s))) => (*s).clone(),
            _ => HashMap::new(),
        };
        let changed = self.changed_sections(&txn, &digests);
        let mut out: Vec<(Section, Option<String>)> = digests
            .keys()
            .filter_map(|k| k.parse::<Section>().ok())
            .map(|s| {
                let text = match texts.get(s.as_str()) {
                    Some(Any::String(t)) => Some(t.to_string()),
                    _ if !changed.contains(&s) => {
                        Some(crate::body::render_plain(self.body(s), &txn))
                    }
                    _ => None,
                };
                (s, text)
            })
            .collect();
        out.sort_by_key(|(s, _)| *s);
        Ok(out)
    }

    pub(super) fn changed_sections<T: ReadTxn>(
        &self,
        txn: &T,
        stored: &HashMap<String, Any>,
    ) -> Vec<Section> {
        let mut changed = Vec::new();
        for (name, value) in stored {
            let Ok(section) = name.parse::<Section>() else {
                continue;
            };
            let now = digest(&crate::body::render_plain(self.body(section), txn));
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
        drop(txn);
        // every sign-off is a version: how the problem read when it was signed
        let _ = self.save_version(
            &format!("Signed off by {} ({})", self.local().name, role.label()),
            VersionKind::Signoff,
        );
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
        let texts = self.section_texts(&txn, &d.rests_on);
        let by: Vec<Any> = d.decided_by.iter().map(|r| Any::from(r.as_str())).collect();
        let name: String = d.decision.chars().take(80).collect();
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
            ("rests_on_text", Any::from(texts)),
            ("author", Any::from(self.local().name)),
        ]);
        self.decisions.push_back(&mut txn, entry);
        drop(txn);
        let _ = self.save_version(&format!("Decision: {name}"), VersionKind::Decision);
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
        let texts = self.section_texts(&txn, &d.rests_on);
        let by: Vec<Any> = d.decided_by.iter().map(|r| Any::from(r.as_str())).collect();
        let fields = [
            ("decision", Any::from(d.decision)),
            ("context", Any::from(d.context)),
            ("alternatives", Any::from(d.alternatives)),
            ("tradeoffs", Any::from(d.tradeoffs)),
            ("decided_by", Any::from(by)),
            ("rests_on", Any::from(digests)),
            ("rests_on_text", Any::from(texts)),
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
}

/// The entry of a log array (decisions, concerns, questions) whose id is `id_prefix` or, if
/// none is, the only one that starts with it; else `NotFound` naming `what`.
pub(super) fn find_entry<T: ReadTxn>(
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

pub(super) fn find_by_id<T: ReadTxn>(array: &ArrayRef, txn: &T, id_prefix: &str) -> Option<MapRef> {
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
