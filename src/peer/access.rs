//! Who is sent a brief: matching a peer's Hello tags, the roster check before a brief flows
//! on a link, invite codes presented and answered, approvals and removals taking effect on
//! live links, and the brief's secret handed on after a removal (SYNC.md, "Joining" and
//! "Removing a device").

use super::*;
use crate::brief::JoinAnswer;

impl Peer {
    /// The tags of a peer's Hello: every brief it proves it holds is noted; those whose
    /// roster admits it start syncing, the others wait (for an approval, or for the brief to
    /// open). Returns whether the peer proved a brief it had not proved on this link before.
    pub(super) fn on_tags(&mut self, link: LinkId, tags: &[[u8; 32]]) -> bool {
        let list = self.tag_list();
        let Some(Link::Peer(conn)) = self.links.get_mut(&link) else {
            return false;
        };
        let mut fresh = false;
        for (b, current) in conn.session.match_tags(tags, &list) {
            fresh |= conn.proved.insert(b);
            if conn.session.topic_for(b).is_some() {
                continue;
            }
            if current {
                conn.stale_key.remove(&b);
            } else {
                conn.stale_key.insert(b);
            }
            conn.unadmitted.insert(b);
        }
        let waiting: Vec<Uuid> = conn.unadmitted.iter().copied().collect();
        for b in waiting {
            if self.briefs.contains_key(&b) {
                self.consider(link, b);
            } else {
                self.out.push(Output::Open(b));
            }
        }
        fresh
    }

    /// Starts a brief on a link whose device the roster admits.
    fn consider(&mut self, link: LinkId, b: Uuid) {
        let Some(ob) = self.briefs.get(&b) else {
            return;
        };
        let Some(Link::Peer(conn)) = self.links.get(&link) else {
            return;
        };
        if ob.brief.admits(&conn.device) {
            self.admit_link(link, b);
        } else if conn.joins.contains_key(&b) {
            self.evaluate_join(link, b);
        } else {
            tracing::debug!(brief = %b, device = %conn.device, "peer holds the brief but is not in its roster");
        }
    }

    /// Frames about `b` flow on `link` from now on: a pending join is answered, a peer that
    /// holds an earlier secret is handed the current one, and syncing starts.
    fn admit_link(&mut self, link: LinkId, b: Uuid) {
        let share = self.shared.iter().find(|s| s.brief == b).cloned();
        let Some(Link::Peer(conn)) = self.links.get_mut(&link) else {
            return;
        };
        conn.unadmitted.remove(&b);
        if !conn.session.admit(b) {
            return;
        }
        let Some(topic) = conn.session.topic_for(b) else {
            return;
        };
        let mut sends = Vec::new();
        if let Some((tag, _)) = conn.joins.remove(&b) {
            sends.push(
                Frame::JoinAnswer {
                    tag,
                    answer: JoinAnswer::Admitted as u8,
                }
                .encode(),
            );
        }
        if let (true, Some(s)) = (conn.stale_key.remove(&b), &share) {
            sends.push(
                Frame::Rekey {
                    topic,
                    epoch: s.epoch,
                    secret: s.secret,
                }
                .encode(),
            );
        }
        tracing::info!(brief = %b, device = %conn.device, "syncing brief with peer");
        for bytes in sends {
            self.out.push(Output::Send { link, bytes });
        }
        self.greet(link, b);
    }

    /// A peer presents an invite code for the brief behind `tag` (a tag only a holder of the
    /// brief's secret can make).
    pub(super) fn on_join(&mut self, link: LinkId, tag: [u8; 32], code: [u8; 8]) {
        let list = self.tag_list();
        let Some(Link::Peer(conn)) = self.links.get_mut(&link) else {
            return;
        };
        let Some(b) = conn.session.brief_of_tag(&tag, &list) else {
            return;
        };
        if conn.session.topic_for(b).is_some() {
            let bytes = Frame::JoinAnswer {
                tag,
                answer: JoinAnswer::Admitted as u8,
            }
            .encode();
            self.out.push(Output::Send { link, bytes });
            return;
        }
        conn.joins.insert(b, (tag, code));
        conn.unadmitted.insert(b);
        if self.briefs.contains_key(&b) {
            self.evaluate_join(link, b);
        } else {
            self.out.push(Output::Open(b));
        }
    }

    /// Checks a presented code against the brief's invite record and roster (only a member
    /// answers: a device still joining itself stays silent).
    fn evaluate_join(&mut self, link: LinkId, b: Uuid) {
        if self.shared.iter().any(|s| s.brief == b && s.join.is_some()) {
            return;
        }
        let Some(ob) = self.briefs.get(&b) else {
            return;
        };
        let brief = ob.brief.clone();
        let Some(Link::Peer(conn)) = self.links.get_mut(&link) else {
            return;
        };
        let Some(&(tag, code)) = conn.joins.get(&b) else {
            return;
        };
        if brief.admits(&conn.device) {
            self.admit_link(link, b);
            return;
        }
        let (name, role) = conn.hello.clone();
        let answer = brief.consider_join(&conn.device, &name, &role, &hex(&code), self.wall_s);
        tracing::info!(brief = %b, device = %conn.device, ?answer, "invite code presented");
        if answer == JoinAnswer::Admitted {
            self.admit_link(link, b);
        } else {
            if answer != JoinAnswer::Waiting {
                conn.joins.remove(&b);
            }
            let bytes = Frame::JoinAnswer {
                tag,
                answer: answer as u8,
            }
            .encode();
            self.out.push(Output::Send { link, bytes });
        }
        self.relay_local();
    }

    /// A member answered the code this device presented. Only what the person is told
    /// depends on it: the join ends when the brief's own roster, synced from the members,
    /// says this device is approved ([`Peer::review_rosters`]).
    pub(super) fn on_join_answer(&mut self, link: LinkId, tag: [u8; 32], answer: u8) {
        let list = self.tag_list();
        let Some(Link::Peer(conn)) = self.links.get(&link) else {
            return;
        };
        let Some(b) = conn.session.own_tag_brief(&tag, &list) else {
            return;
        };
        let Some(answer) = JoinAnswer::from_u8(answer) else {
            return;
        };
        if !self.shared.iter().any(|s| s.brief == b && s.join.is_some()) {
            return;
        }
        tracing::info!(brief = %b, ?answer, "invite code answered");
        self.out
            .push(Output::Record(Record::Joined { brief: b, answer }));
        if answer == JoinAnswer::Admitted {
            // ask for the brief now rather than at the next resync
            if let Some(ob) = self.briefs.get(&b) {
                let step1 = sync::step1(&ob.brief);
                self.send_to(link, b, step1);
            }
        }
    }

    /// A peer hands over a brief's newer secret. The greater `(epoch, secret)` wins, so two
    /// removals made apart converge on one secret; a peer that holds an older one is answered
    /// with ours.
    pub(super) fn on_rekey(&mut self, link: LinkId, topic: [u8; 16], epoch: u32, secret: [u8; 32]) {
        let Some(Link::Peer(conn)) = self.links.get(&link) else {
            return;
        };
        let Some(b) = conn.session.brief_for(&topic) else {
            return;
        };
        let Some(share) = self.shared.iter_mut().find(|s| s.brief == b) else {
            return;
        };
        match (epoch, secret).cmp(&(share.epoch, share.secret)) {
            std::cmp::Ordering::Greater => {
                let old = std::mem::replace(&mut share.secret, secret);
                share.retired.insert(0, old);
                share.epoch = epoch;
                tracing::info!(brief = %b, epoch, "brief secret rotated by a member");
                self.out.push(Output::Record(Record::Rekeyed {
                    brief: b,
                    epoch,
                    secret,
                }));
                self.hello_all();
                self.rekey_all(b, Some(link));
            }
            std::cmp::Ordering::Less => {
                let bytes = Frame::Rekey {
                    topic,
                    epoch: share.epoch,
                    secret: share.secret,
                }
                .encode();
                self.out.push(Output::Send { link, bytes });
            }
            std::cmp::Ordering::Equal => {}
        }
    }

    /// Hands `b`'s current secret to every admitted peer (but `except`).
    pub(super) fn rekey_all(&mut self, b: Uuid, except: Option<LinkId>) {
        let Some(share) = self.shared.iter().find(|s| s.brief == b) else {
            return;
        };
        let (epoch, secret) = (share.epoch, share.secret);
        let brief = self.briefs.get(&b).map(|ob| ob.brief.clone());
        for (&link, l) in &self.links {
            let Link::Peer(p) = l else { continue };
            if Some(link) == except {
                continue;
            }
            let Some(topic) = p.session.topic_for(b) else {
                continue;
            };
            if brief.as_ref().is_some_and(|br| !br.admits(&p.device)) {
                continue;
            }
            let bytes = Frame::Rekey {
                topic,
                epoch,
                secret,
            }
            .encode();
            self.out.push(Output::Send { link, bytes });
        }
    }

    /// Presents this device's invite codes on one link.
    pub(super) fn send_joins(&mut self, link: LinkId) {
        let Some(Link::Peer(p)) = self.links.get(&link) else {
            return;
        };
        let frames: Vec<Vec<u8>> = self
            .shared
            .iter()
            .filter_map(|s| {
                s.join.map(|code| {
                    Frame::Join {
                        tag: p.session.own_tag(&s.secret),
                        code,
                    }
                    .encode()
                })
            })
            .collect();
        for bytes in frames {
            self.out.push(Output::Send { link, bytes });
        }
    }

    pub(super) fn send_joins_all(&mut self) {
        let links: Vec<LinkId> = self.links.keys().copied().collect();
        for l in links {
            self.send_joins(l);
        }
    }

    /// Rosters that changed (an approval or removal, made here or synced from a member)
    /// take effect on live links: an approved device starts syncing, a removed one is sent
    /// nothing more. This device's own join ends once its roster says it is approved.
    pub(super) fn review_rosters(&mut self) {
        let changed: Vec<Uuid> = self
            .briefs
            .iter()
            .filter(|(_, ob)| ob.brief.take_roster_changed())
            .map(|(id, _)| *id)
            .collect();
        for b in changed {
            self.review(b);
        }
    }

    /// Applies brief `b`'s roster to every link.
    pub(super) fn review(&mut self, b: Uuid) {
        let Some(ob) = self.briefs.get(&b) else {
            return;
        };
        let brief = ob.brief.clone();
        let me = hex(&self.me.public);
        if let Some(share) = self
            .shared
            .iter_mut()
            .find(|s| s.brief == b && s.join.is_some())
        {
            if brief.roster_in_force() && brief.admits(&me) {
                share.join = None;
                tracing::info!(brief = %b, "a member approved this device");
                self.out.push(Output::Record(Record::Joined {
                    brief: b,
                    answer: JoinAnswer::Admitted,
                }));
            }
        }
        let mut admit = Vec::new();
        let mut joins = Vec::new();
        for (&link, l) in self.links.iter_mut() {
            let Link::Peer(p) = l else { continue };
            let admitted = p.session.topic_for(b).is_some();
            let ok = brief.admits(&p.device);
            if admitted && !ok {
                p.session.forget(b);
                p.unadmitted.insert(b);
                tracing::info!(brief = %b, device = %p.device, "device removed from the brief: sent nothing more");
            } else if !admitted && ok && p.unadmitted.contains(&b) {
                admit.push(link);
            } else if !admitted && p.joins.contains_key(&b) {
                joins.push(link);
            }
        }
        for link in admit {
            self.admit_link(link, b);
        }
        for link in joins {
            self.evaluate_join(link, b);
        }
    }
}
