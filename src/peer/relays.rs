//! Relay links (issue 16): a WebSocket to a stock Yjs server's room holding one brief. On it go
//! bare y-sync messages, as y-websocket sends them (no frames, no brief tags: the room is the
//! brief). What a relay sends is handled as a peer's — validated, a newer schema refused, its
//! state vector recorded for the sync status — never as this device's own edits; what the
//! relay's clients are doing (awareness) is shown like people on peers. A relay that breaks
//! the protocol is closed; the connector (`crate::relay`) dials it again later.

use super::*;

pub(super) struct RelayLink {
    pub brief: Uuid,
    /// The relay's address (without its token), as the status shows it.
    pub url: String,
    /// Awareness client ids its clients announced; withdrawn when it goes.
    pub presence: HashSet<ClientID>,
    /// Whether its first sync step 2 (the catch-up) came.
    pub caught_up: bool,
    /// The state vector it last sent (its sync step 1).
    pub sv: Option<yrs::StateVector>,
    /// What this device had when it last recorded the relay's state (see [`Peer::resync_relays`]).
    pub handed: Option<yrs::StateVector>,
}

/// How the status names a relay among the devices that hold a brief.
pub fn relay_device(url: &str) -> String {
    format!("relay {url}")
}

impl Peer {
    /// A relay connection for `brief` came up on `link`: the relay is asked for what it has
    /// that we lack (sync step 1), then told who is here. It answers with its own step 1, to
    /// which the whole difference goes back.
    pub fn attach_relay(
        &mut self,
        link: LinkId,
        brief: Uuid,
        url: &str,
    ) -> Result<(), FrontendError> {
        let ob = self
            .briefs
            .get(&brief)
            .ok_or_else(|| FrontendError::NoSuchBrief(brief.to_string()))?;
        let step1 = sync::step1(&ob.brief);
        let awareness = ob.awareness.update().ok();
        self.links.insert(
            link,
            Link::Relay(RelayLink {
                brief,
                url: url.to_string(),
                presence: HashSet::new(),
                caught_up: false,
                sv: None,
                handed: None,
            }),
        );
        self.send_to(link, brief, step1);
        if let Some(update) = awareness {
            self.send_to(link, brief, Message::Awareness(update).encode_v1());
        }
        tracing::info!(%brief, relay = %url, "relay connected");
        Ok(())
    }

    /// A message from a relay. One that breaks the protocol closes the link (and is logged).
    pub fn receive_relay(&mut self, link: LinkId, message: &[u8], now: u64) {
        self.set_time(now);
        let Some(Link::Relay(r)) = self.links.get(&link) else {
            return;
        };
        let brief = r.brief;
        if let Err(e) = self.on_message(link, brief, message) {
            if let Some(Link::Relay(r)) = self.links.remove(&link) {
                tracing::warn!(relay = %r.url, error = %e, "relay sent what cannot be used: disconnected");
                self.out.push(Output::Close {
                    link,
                    reason: e.to_string(),
                });
                self.withdraw(link, r.brief, r.presence);
            }
        }
        self.review_rosters();
    }

    /// At every resync: each relay is sent a sync step 1 (anything it holds that we lack comes
    /// back), and its state for the sync status is recorded as what this device has handed it.
    /// A stock server acknowledges nothing and sends its own step 1 only when a connection
    /// opens, so once it caught up (its first step 2 came, after ours was sent in answer to its
    /// step 1) everything this device has was sent to it on the live connection in order; the
    /// figure means "sent to the relay", not "confirmed by it" (SYNC.md).
    pub(super) fn resync_relays(&mut self) {
        let Peer {
            links, briefs, out, ..
        } = self;
        let mut sends = Vec::new();
        for (&link, l) in links.iter_mut() {
            let Link::Relay(r) = l else { continue };
            let Some(ob) = briefs.get(&r.brief) else {
                continue;
            };
            sends.push((link, r.brief, sync::step1(&ob.brief)));
            if r.caught_up {
                let sv = ob.brief.state_vector();
                if r.handed.as_ref() != Some(&sv) {
                    out.push(Output::Record(Record::PeerState {
                        device: relay_device(&r.url),
                        brief: r.brief,
                        sv: sv.encode_v1(),
                    }));
                    r.handed = Some(sv);
                }
            }
        }
        for (link, b, m) in sends {
            self.send_to(link, b, m);
        }
    }

    /// Withdraws the presence a link announced (an editor detached, a relay went away).
    pub(super) fn withdraw(&mut self, link: LinkId, brief: Uuid, presence: HashSet<ClientID>) {
        let Some(ob) = self.briefs.get_mut(&brief) else {
            return;
        };
        let ids: Vec<ClientID> = presence.into_iter().collect();
        for id in &ids {
            ob.awareness.remove_state(*id);
            ob.via.remove(id);
        }
        ob.presence_dirty = true;
        if let Ok(update) = ob.awareness.update_with_clients(ids) {
            let msg = Message::Awareness(update).encode_v1();
            self.broadcast(brief, Some(link), msg);
        }
    }
}
