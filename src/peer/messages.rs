//! The one path every y-sync message takes, from a peer, an editor or a relay; attaching and
//! detaching editors; local updates and relaying what changed elsewhere.

use super::*;

impl Peer {
    /// The one path every y-sync message takes, from a peer or an editor: handled against
    /// the brief, answered on its link, what it changed relayed to every other link.
    pub(super) fn on_message(
        &mut self,
        from: LinkId,
        b: Uuid,
        message: &[u8],
    ) -> Result<(), SyncError> {
        let Some(ob) = self.briefs.get_mut(&b) else {
            return Ok(());
        };
        let source = match self.links.get(&from) {
            Some(Link::Editor(_)) => sync::Source::Editor,
            _ => sync::Source::Peer,
        };
        // The first sync step 2 a peer link brings for a brief is its catch-up: what merged
        // is kept for the merge receipt (brief/receipt.rs).
        let catch_up = match (self.links.get_mut(&from), sync::parse(message)) {
            (Some(Link::Peer(p)), Ok(sync::Parsed::Sync { sub: 1, .. })) => {
                if p.caught_up.insert(b) {
                    ob.brief.begin_catch_up(p.svs.get(&b))
                } else {
                    None
                }
            }
            (Some(Link::Relay(r)), Ok(sync::Parsed::Sync { sub: 1, .. })) if !r.caught_up => {
                r.caught_up = true;
                ob.brief.begin_catch_up(r.sv.as_ref())
            }
            _ => None,
        };
        if source == sync::Source::Editor {
            // a tick left from an edit made elsewhere is not this message's
            ob.brief.take_ticked();
        }
        let handled = sync::handle_from(&ob.brief, message, source);
        if let Some(before) = catch_up {
            if let Some(receipt) = ob.brief.end_catch_up(before) {
                tracing::info!(brief = %b, parts = receipt.items.len(), "changes merged after being apart");
                self.out
                    .push(Output::Record(Record::Receipt { brief: b, receipt }));
            }
        }
        let mut handled = handled?;
        if let Some(sv) = handled
            .peer_state_vector
            .as_ref()
            .and_then(|sv| <yrs::StateVector as yrs::updates::decoder::Decode>::decode_v1(sv).ok())
        {
            match self.links.get_mut(&from) {
                Some(Link::Peer(p)) => {
                    p.svs.insert(b, sv);
                }
                Some(Link::Relay(r)) => r.sv = Some(sv),
                _ => {}
            }
        }
        if handled.awareness_query {
            handled.replies.extend(presence::answer(&ob.awareness));
        }
        let link = self.links.get_mut(&from);
        let mut awareness_relay = None;
        if let Some(aw) = &handled.awareness {
            let update = sync::awareness_update(aw)?;
            let editor = match link {
                Some(Link::Editor(ed)) => {
                    ed.presence.extend(update.clients.keys().copied());
                    true
                }
                Some(Link::Peer(p)) => {
                    for cid in update.clients.keys() {
                        ob.via.insert(*cid, (p.device.clone(), p.name.clone()));
                    }
                    false
                }
                Some(Link::Relay(r)) => {
                    r.presence.extend(update.clients.keys().copied());
                    for cid in update.clients.keys() {
                        ob.via
                            .insert(*cid, (relay_device(&r.url), "the relay".to_string()));
                    }
                    false
                }
                _ => false,
            };
            let summary = ob
                .awareness
                .apply_update_summary(update)
                .map_err(|e| SyncError::Message(format!("awareness: {e}")))?;
            let news = summary.is_some_and(|s| !s.all_changes().is_empty());
            if news {
                ob.presence_dirty = true;
            }
            // Awareness from peers is relayed only when it told us something new (relaying
            // every copy would echo around a mesh forever); an editor's renewal is relayed
            // even when unchanged: it keeps its presence alive.
            if news || editor {
                awareness_relay = Some(message.to_vec());
            }
        }
        let relay = ob.brief.take_relay();
        // an editor's deletion was ticked by the engine's client: the editor needs that too
        let back = source == sync::Source::Editor && ob.brief.take_ticked();
        if handled.changed {
            self.out.push(Output::Changed {
                brief: b,
                updates: relay.clone(),
                state_vector: ob.brief.state_vector(),
            });
        }
        if ob.brief.has_pending() {
            self.out.push(Output::Store(b));
        }
        for r in handled.replies {
            self.send_to(from, b, r);
        }
        if let Some(sv) = handled.peer_state_vector {
            let device = match self.links.get(&from) {
                Some(Link::Peer(p)) => Some(p.device.clone()),
                Some(Link::Relay(r)) => Some(relay_device(&r.url)),
                _ => None,
            };
            if let Some(device) = device {
                self.out.push(Output::Record(Record::PeerState {
                    device,
                    brief: b,
                    sv,
                }));
            }
        }
        for u in relay {
            let m = sync::update_message(u);
            if back {
                self.send_to(from, b, m.clone());
            }
            self.relay(b, from, m);
        }
        if let Some(msg) = awareness_relay {
            self.relay(b, from, msg);
        }
        Ok(())
    }

    /// Attaches a local editor on `link` to an open brief. The editor's document is new: it
    /// is handed the whole state at once (no round trip), then asked for anything it has that
    /// we lack. `client_id` is its Yjs client id, recorded as this device's person.
    pub fn attach(
        &mut self,
        link: LinkId,
        brief: Uuid,
        client_id: Option<u64>,
    ) -> Result<(), FrontendError> {
        let ob = self
            .briefs
            .get(&brief)
            .ok_or_else(|| FrontendError::NoSuchBrief(brief.to_string()))?;
        if let Some(cid) = client_id {
            if cid == ob.brief.client_id() || cid > u64::from(u32::MAX) {
                return Err(FrontendError::Rejected(format!("client id {cid}")));
            }
            ob.brief.register_client(cid);
        }
        let state = ob.brief.encode_state_v1();
        let step1 = sync::step1(&ob.brief);
        let awareness = ob.awareness.update().ok();
        let relay = ob.brief.take_relay();
        self.links.insert(
            link,
            Link::Editor(EditorLink {
                brief,
                presence: HashSet::new(),
            }),
        );
        self.send_to(
            link,
            brief,
            sync::encode(&Message::Sync(yrs::sync::SyncMessage::SyncStep2(state))),
        );
        self.send_to(link, brief, step1);
        if let Some(update) = awareness {
            self.send_to(link, brief, Message::Awareness(update).encode_v1());
        }
        for u in relay {
            self.broadcast(brief, Some(link), sync::update_message(u));
        }
        tracing::info!(%brief, editor = link, "editor attached");
        Ok(())
    }

    pub(super) fn editor_gone(&mut self, link: LinkId, ed: EditorLink) {
        let brief = ed.brief;
        self.withdraw(link, brief, ed.presence);
        tracing::info!(%brief, editor = link, "editor detached");
    }

    /// A y-sync message from an attached editor, handled like a peer's (validated, never
    /// trusted). Returns the editor's brief, whose changes (if any) now wait to be stored.
    pub fn receive_editor(
        &mut self,
        link: LinkId,
        message: &[u8],
    ) -> Result<Arc<Brief>, FrontendError> {
        let Some(Link::Editor(ed)) = self.links.get(&link) else {
            return Err(FrontendError::NotAttached(link));
        };
        let b = ed.brief;
        let brief = self
            .briefs
            .get(&b)
            .map(|ob| ob.brief.clone())
            .ok_or_else(|| FrontendError::NoSuchBrief(b.to_string()))?;
        self.on_message(link, b, message)
            .map_err(|e| FrontendError::Rejected(e.to_string()))?;
        self.review_rosters();
        Ok(brief)
    }

    /// Local v1 updates for a brief (from an editor that is not attached, a benchmark):
    /// validated one by one, applied, and relayed — several as one update, the document's
    /// diff against its state vector before them. (yrs's `merge_updates` is no option here:
    /// about 0.5 s for 10,000 one-character updates, and it can leave holes.)
    pub fn local_updates(&mut self, brief: Uuid, updates: Vec<Vec<u8>>) {
        let Some(ob) = self.briefs.get(&brief) else {
            tracing::warn!(%brief, "update for a brief that is not open");
            return;
        };
        // what was queued for peers before this batch goes out as it is
        let earlier = ob.brief.take_relay();
        let before = ob.brief.state_vector();
        let mut applied = 0usize;
        for u in &updates {
            let r = crate::validate::update_v1(u)
                .map_err(|e| e.to_string())
                .and_then(|_| {
                    ob.brief
                        .apply_editor_update_v1(u)
                        .map_err(|e| e.to_string())
                });
            match r {
                Ok(()) => applied += 1,
                Err(e) => tracing::warn!(%brief, error = %e, "local update rejected"),
            }
        }
        let relay = ob.brief.take_relay();
        let merged = (applied > 1 && !ob.brief.has_missing_dependencies())
            .then(|| ob.brief.encode_diff_v1(&before));
        let pending = ob.brief.has_pending();
        for u in earlier {
            self.broadcast(brief, None, sync::update_message(u));
        }
        match merged {
            Some(diff) => self.broadcast(brief, None, sync::update_message(diff)),
            None => {
                for u in relay {
                    self.broadcast(brief, None, sync::update_message(u));
                }
            }
        }
        if pending {
            self.out.push(Output::Store(brief));
        }
    }

    /// Relays what changed in briefs other than through a link (CLI rows picked up from the
    /// database, edits through the engine's API) to every link.
    pub fn relay_local(&mut self) {
        let mut out = Vec::new();
        for (id, ob) in &self.briefs {
            for u in ob.brief.take_relay() {
                out.push((*id, sync::update_message(u)));
            }
            if ob.brief.has_pending() {
                self.out.push(Output::Store(*id));
            }
        }
        for (id, m) in out {
            self.broadcast(id, None, m);
        }
    }
}
