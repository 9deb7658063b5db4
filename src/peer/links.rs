//! Peer links over time: a channel coming up (Hello, duplicate connections), frames from the
//! peer, refusing a newer schema, anti-entropy, pings and silent links, and links going away.

use super::*;

impl Peer {
    /// A peer's encrypted channel is up: `hash` is the handshake hash, `remote` its key,
    /// `initiated` whether this device dialed. Sends our Hello. Of two links to one device,
    /// both sides keep the one whose initiator has the smaller key.
    pub fn connected(
        &mut self,
        link: LinkId,
        hash: &[u8],
        remote: [u8; 32],
        initiated: bool,
        addr: &str,
        now: u64,
    ) {
        self.set_time(now);
        let device = hex(&remote);
        let initiator_key = if initiated { self.me.public } else { remote };
        let existing = self.links.iter().find_map(|(&id, l)| match l {
            Link::Peer(p) if p.device == device => Some((id, p.initiator_key)),
            _ => None,
        });
        if let Some((old, old_initiator)) = existing {
            if old_initiator < initiator_key {
                tracing::debug!(%device, "duplicate connection dropped");
                self.out.push(Output::Close {
                    link,
                    reason: "duplicate connection".into(),
                });
                return;
            }
            self.links.remove(&old);
            self.out.push(Output::Close {
                link: old,
                reason: "duplicate connection".into(),
            });
        } else {
            self.out.push(Output::PeerUp(remote));
        }
        tracing::info!(%device, %addr, "peer connected");
        let source = if initiated { "dialed" } else { "incoming" };
        self.out.push(Output::Record(Record::Peer {
            device: device.clone(),
            name: String::new(),
            addr: addr.to_string(),
            source: source.to_string(),
        }));
        let session = Session::new(hash, self.me.public, remote);
        let hello = session.hello(&self.me.name, &self.me.role, &self.tag_list());
        self.out.push(Output::Send {
            link,
            bytes: hello.encode(),
        });
        self.links.insert(
            link,
            Link::Peer(Box::new(PeerLink {
                session,
                device,
                initiator_key,
                last_recv: now,
                name: String::new(),
                hello: (String::new(), String::new()),
                proved: HashSet::new(),
                unadmitted: HashSet::new(),
                stale_key: HashSet::new(),
                joins: HashMap::new(),
                refused: HashSet::new(),
                svs: HashMap::new(),
                caught_up: HashSet::new(),
                neighbours: HashMap::new(),
                told: HashMap::new(),
            })),
        );
        self.send_joins(link);
    }

    /// A link went away (the peer closed it, a read failed, the editor detached). An
    /// editor's presence is withdrawn.
    pub fn closed(&mut self, link: LinkId, reason: &str) {
        match self.links.remove(&link) {
            Some(Link::Peer(p)) => {
                tracing::info!(device = %p.device, %reason, "peer disconnected");
                self.peer_gone(*p.session.remote_key());
            }
            Some(Link::Editor(ed)) => self.editor_gone(link, ed),
            Some(Link::Relay(r)) => {
                tracing::info!(relay = %r.url, %reason, "relay disconnected");
                self.withdraw(link, r.brief, r.presence);
            }
            None => {}
        }
    }

    pub(super) fn peer_gone(&mut self, key: [u8; 32]) {
        let still = self.links.values().any(|l| match l {
            Link::Peer(p) => p.session.remote_key() == &key,
            Link::Editor(_) | Link::Relay(_) => false,
        });
        if !still {
            self.out.push(Output::PeerDown(key));
        }
    }

    /// Drops a misbehaving peer link.
    pub(super) fn drop_peer(&mut self, link: LinkId, reason: String) {
        if let Some(Link::Peer(p)) = self.links.remove(&link) {
            tracing::warn!(device = %p.device, %reason, "misbehaving peer disconnected");
            self.out.push(Output::Close { link, reason });
            self.peer_gone(*p.session.remote_key());
        }
    }

    /// A frame arrived from a peer link. A frame that breaks the protocol closes the link.
    pub fn receive_frame(&mut self, link: LinkId, bytes: &[u8], now: u64) {
        self.set_time(now);
        if let Err(reason) = self.on_frame(link, bytes, now) {
            self.drop_peer(link, reason);
        }
        self.review_rosters();
    }

    pub(super) fn on_frame(&mut self, link: LinkId, bytes: &[u8], now: u64) -> Result<(), String> {
        let frame = Frame::decode(bytes).map_err(|e| e.to_string())?;
        let Some(Link::Peer(conn)) = self.links.get_mut(&link) else {
            return Ok(());
        };
        conn.last_recv = now;
        match frame {
            Frame::Ping => self.out.push(Output::Send {
                link,
                bytes: Frame::Pong.encode(),
            }),
            Frame::Pong => {}
            Frame::Hello {
                version,
                name,
                role,
                tags,
            } => {
                if version != sync::PROTOCOL_VERSION {
                    return Err(format!("protocol version {version}"));
                }
                conn.name = format!("{name} ({role})");
                conn.hello = (name, role);
                let device = conn.device.clone();
                self.out.push(Output::Record(Record::Peer {
                    device,
                    name: conn.name.clone(),
                    addr: String::new(),
                    source: String::new(),
                }));
                if self.on_tags(link, &tags) {
                    // Tell the peer about our briefs again (and present our codes again): it
                    // may have matched nothing of ours yet if it learned of a brief after our
                    // last Hello.
                    if let Some(Link::Peer(conn)) = self.links.get(&link) {
                        let hello =
                            conn.session
                                .hello(&self.me.name, &self.me.role, &self.tag_list());
                        self.out.push(Output::Send {
                            link,
                            bytes: hello.encode(),
                        });
                    }
                    self.send_joins(link);
                }
            }
            Frame::Join { tag, code } => self.on_join(link, tag, code),
            Frame::JoinAnswer { tag, answer } => self.on_join_answer(link, tag, answer),
            Frame::Rekey {
                topic,
                epoch,
                secret,
            } => self.on_rekey(link, topic, epoch, secret),
            Frame::Links { topic, devices } => {
                // about a brief not shared on this link (any more): nothing to note
                if let Some(b) = conn.session.brief_for(&topic) {
                    conn.neighbours.insert(b, devices.into_iter().collect());
                }
            }
            Frame::Brief { topic, message } => {
                let Some(b) = conn.session.brief_for(&topic) else {
                    tracing::debug!("frame for an unknown topic ignored");
                    return Ok(());
                };
                if conn.refused.contains(&b) {
                    // this peer's copy is a newer schema: nothing of it is applied (and
                    // answering would only make it send the same again)
                    return Ok(());
                }
                match self.on_message(link, b, &message) {
                    Ok(()) => {}
                    Err(
                        e @ (SyncError::NewerSchema { .. } | SyncError::DivergedMigration { .. }),
                    ) => self.refuse(link, b, &e),
                    Err(e) => return Err(e.to_string()),
                }
            }
        }
        Ok(())
    }

    /// Refuses a peer's changes to a brief from now on: its copy is a newer document schema,
    /// or a schema migration of a different state (merging would double the text).
    pub(super) fn refuse(&mut self, link: LinkId, brief: Uuid, why: &SyncError) {
        let Some(Link::Peer(conn)) = self.links.get_mut(&link) else {
            return;
        };
        conn.refused.insert(brief);
        let peer = if conn.name.is_empty() {
            conn.device.chars().take(16).collect()
        } else {
            conn.name.clone()
        };
        let reason = match why {
            SyncError::DivergedMigration { .. } => format!(
                "{peer} upgraded this brief separately, from a copy with edits this device never saw; its changes are not merged here, so no text is doubled. Export the brief on one of the two devices and import it on the other."
            ),
            SyncError::NewerSchema { found } => format!(
                "{peer} has this brief from a newer version of Groundwork (document schema {found}); its changes are not merged here. Update Groundwork to keep syncing this brief."
            ),
            other => format!("{peer}: {other}"),
        };
        tracing::warn!(%brief, device = %conn.device, error = %why, "changes refused");
        if let Some(ob) = self.briefs.get(&brief) {
            ob.brief.set_refused(&reason);
        }
        self.out
            .push(Output::Record(Record::Refused { brief, reason }));
    }

    pub(super) fn hello_all(&mut self) {
        let list = self.tag_list();
        for (&link, l) in &self.links {
            if let Link::Peer(p) = l {
                let hello = p.session.hello(&self.me.name, &self.me.role, &list);
                self.out.push(Output::Send {
                    link,
                    bytes: hello.encode(),
                });
            }
        }
    }

    /// Tells each peer, per brief it shares, which other devices this one exchanges that brief
    /// with directly ([`Frame::Links`]), when that changed: links came or went, or briefs were
    /// admitted or forgotten on one.
    pub(super) fn announce_links(&mut self) {
        let mut now: Vec<(LinkId, u64)> = self
            .links
            .iter()
            .filter_map(|(&id, l)| match l {
                Link::Peer(p) => Some((id, p.session.generation())),
                Link::Editor(_) | Link::Relay(_) => None,
            })
            .collect();
        now.sort_unstable();
        if now == self.links_told {
            return;
        }
        self.links_told = now;
        let mut by_brief: HashMap<Uuid, Vec<[u8; 32]>> = HashMap::new();
        for l in self.links.values() {
            if let Link::Peer(p) = l {
                for b in p.session.shared() {
                    by_brief.entry(b).or_default().push(*p.session.remote_key());
                }
            }
        }
        for devices in by_brief.values_mut() {
            devices.sort_unstable();
            devices.dedup();
        }
        for (&link, l) in self.links.iter_mut() {
            let Link::Peer(p) = l else { continue };
            let them = *p.session.remote_key();
            let session = &p.session;
            p.told.retain(|b, _| session.topic_for(*b).is_some());
            p.neighbours.retain(|b, _| session.topic_for(*b).is_some());
            for b in session.shared() {
                let Some(topic) = session.topic_for(b) else {
                    continue;
                };
                let devices: Vec<[u8; 32]> = by_brief
                    .get(&b)
                    .into_iter()
                    .flatten()
                    .filter(|d| **d != them)
                    .take(sync::MAX_LINKS)
                    .copied()
                    .collect();
                if p.told.get(&b) == Some(&devices) {
                    continue;
                }
                self.out.push(Output::Send {
                    link,
                    bytes: Frame::Links {
                        topic,
                        devices: devices.clone(),
                    }
                    .encode(),
                });
                p.told.insert(b, devices);
            }
        }
    }

    /// Anti-entropy: a sync step 1 for every brief every peer shares.
    pub fn resync(&mut self) {
        let mut sends = Vec::new();
        for (&link, l) in &self.links {
            if let Link::Peer(p) = l {
                for b in p.session.shared() {
                    if let Some(ob) = self.briefs.get(&b) {
                        sends.push((link, b, sync::step1(&ob.brief)));
                    }
                }
            }
        }
        for (link, b, m) in sends {
            self.send_to(link, b, m);
        }
        self.resync_relays();
    }

    pub(super) fn drop_idle(&mut self, now: u64) {
        let limit = self.config.idle_timeout_ms;
        let idle: Vec<LinkId> = self
            .links
            .iter()
            .filter_map(|(&id, l)| match l {
                Link::Peer(p) if now.saturating_sub(p.last_recv) > limit => Some(id),
                _ => None,
            })
            .collect();
        for link in idle {
            if let Some(Link::Peer(p)) = self.links.remove(&link) {
                tracing::info!(device = %p.device, "peer silent; connection closed");
                self.out.push(Output::Close {
                    link,
                    reason: "silent".into(),
                });
                self.peer_gone(*p.session.remote_key());
            }
        }
        for (&link, l) in &self.links {
            if let Link::Peer(_) = l {
                self.out.push(Output::Send {
                    link,
                    bytes: Frame::Ping.encode(),
                });
            }
        }
    }
}
