//! Presence (y-protocols awareness) over time: answering a query, renewing this device's
//! state, expiring others' states that stopped being renewed, and recording who is present
//! when that changed.

use super::{Output, Peer, Record};
use yrs::sync::{Awareness, Message};
use yrs::updates::encoder::Encode;

/// The answer to a y-protocols awareness query: every state this peer holds, as one awareness
/// message (none when it holds no state to tell).
pub(super) fn answer(awareness: &Awareness) -> Option<Vec<u8>> {
    let update = awareness.update().ok()?;
    (!update.clients.is_empty()).then(|| Message::Awareness(update).encode_v1())
}

impl Peer {
    /// Announces this device's presence again on every brief (it expires elsewhere if not).
    pub(super) fn renew_presence(&mut self) {
        let mut out = Vec::new();
        for (id, ob) in self.briefs.iter_mut() {
            if let Some(state) = ob.awareness.local_state_raw() {
                ob.awareness.set_local_state_raw(state);
                let me = ob.awareness.client_id();
                if let Ok(update) = ob.awareness.update_with_clients([me]) {
                    out.push((*id, Message::Awareness(update).encode_v1()));
                }
            }
        }
        for (id, m) in out {
            self.broadcast(id, None, m);
        }
    }

    /// Drops the states of others not renewed within the presence timeout.
    pub(super) fn expire_presence(&mut self, now: u64) {
        let timeout = self.config.presence_timeout_ms;
        for ob in self.briefs.values_mut() {
            let me = ob.awareness.client_id();
            let stale: Vec<_> = ob
                .awareness
                .iter()
                .filter(|(id, st)| {
                    *id != me && st.data.is_some() && now.saturating_sub(st.last_updated) > timeout
                })
                .map(|(id, _)| id)
                .collect();
            for id in stale {
                ob.awareness.remove_state(id);
                ob.presence_dirty = true;
            }
        }
    }

    /// Records, for each brief whose presence changed, the others present on it.
    pub(super) fn record_presence(&mut self) {
        for (id, ob) in self.briefs.iter_mut() {
            if !ob.presence_dirty {
                continue;
            }
            ob.presence_dirty = false;
            let states = with_via(others(&ob.awareness), &ob.via);
            self.out
                .push(Output::Record(Record::Presence { brief: *id, states }));
        }
    }

    /// The others present on a brief: (awareness client id, state JSON).
    pub fn present(&self, brief: uuid::Uuid) -> Vec<(u64, String)> {
        self.briefs
            .get(&brief)
            .map_or_else(Vec::new, |ob| others(&ob.awareness))
    }
}
/// Marks each state that reached this device through a peer other than its own device with
/// `"via": "<that peer's name>"`.
fn with_via(
    states: Vec<(u64, String)>,
    via: &std::collections::HashMap<yrs::block::ClientID, (String, String)>,
) -> Vec<(u64, String)> {
    states
        .into_iter()
        .map(|(cid, json)| {
            let Some((device, name)) = via.get(&yrs::block::ClientID::new(cid)) else {
                return (cid, json);
            };
            match serde_json::from_str::<serde_json::Value>(&json) {
                Ok(serde_json::Value::Object(mut m))
                    if m.get("device").and_then(|d| d.as_str()) != Some(device.as_str()) =>
                {
                    m.insert("via".into(), serde_json::Value::String(name.clone()));
                    (cid, serde_json::Value::Object(m).to_string())
                }
                _ => (cid, json),
            }
        })
        .collect()
}

/// The states held of everyone but this device: (awareness client id, state JSON).
fn others(awareness: &Awareness) -> Vec<(u64, String)> {
    let me = awareness.client_id();
    awareness
        .iter()
        .filter(|(cid, _)| *cid != me)
        .filter_map(|(cid, st)| st.data.map(|d| (cid.get(), d.to_string())))
        .collect()
}
