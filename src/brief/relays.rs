//! Where a brief is relayed (issue 16): the `relays` root map, relay address → `{by (name), role,
//! device, at (RFC 3339)}`. A stock Yjs server holds the brief in plain form, and one member's
//! choice exposes everyone's text, so adding a relay is recorded in the brief itself: every
//! member's device shows that the brief is relayed, where, since when and by whom. Tokens never
//! go here (they stay in the adding device's settings, `crate::relay::RelaySetting`).

use super::*;

const RELAYS: &str = "relays";

/// A relay recorded in the brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RelayRecord {
    pub url: String,
    /// Who added it, their role and device.
    pub by: String,
    pub role: String,
    pub device: String,
    /// When (RFC 3339).
    pub at: String,
}

impl Brief {
    /// Every relay recorded in the brief, by address.
    pub fn relays(&self) -> Vec<RelayRecord> {
        let txn = self.doc.transact();
        let Some(map) = txn.get_map(RELAYS) else {
            return Vec::new();
        };
        let mut out: Vec<RelayRecord> = map
            .iter(&txn)
            .filter_map(|(url, v)| match v {
                Out::Any(Any::Map(m)) => Some(RelayRecord {
                    url: url.to_string(),
                    by: any_map_str(&m, "by"),
                    role: any_map_str(&m, "role"),
                    device: any_map_str(&m, "device"),
                    at: any_map_str(&m, "at"),
                }),
                _ => None,
            })
            .collect();
        out.sort_by(|a, b| a.url.cmp(&b.url));
        out
    }

    /// Records that this device's person relays the brief through `url` (already checked,
    /// `crate::relay::RelayUrl`). Recording it again keeps the first record.
    pub fn add_relay(&self, url: &str) -> bool {
        if self.relays().iter().any(|r| r.url == url) {
            return false;
        }
        let me = self.local();
        let map = self.doc.get_or_insert_map(RELAYS);
        let mut txn = self.txn();
        map.insert(
            &mut txn,
            url,
            Any::from(HashMap::from([
                ("by".to_string(), Any::from(me.name.clone())),
                ("role".to_string(), Any::from(me.role.as_str())),
                ("device".to_string(), Any::from(me.device.clone())),
                ("at".to_string(), Any::from(now_rfc3339())),
            ])),
        );
        true
    }

    /// Removes a relay's record; false if it had none.
    pub fn remove_relay(&self, url: &str) -> bool {
        let map = self.doc.get_or_insert_map(RELAYS);
        let mut txn = self.txn();
        map.remove(&mut txn, url).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{member, sync};
    use super::*;
    use crate::model::Role;

    #[test]
    fn a_relay_added_on_one_device_shows_on_every_member_s() {
        let a = Brief::create("R", Template::ProblemFirst, member("aa", "Ana", Role::Pm));
        let b = Brief::empty(a.id(), member("bb", "Ben", Role::Engineer));
        assert!(a.add_relay("wss://yjs.example.com/onboarding"));
        assert!(!a.add_relay("wss://yjs.example.com/onboarding"));
        sync(&a, &b);
        let r = b.relays();
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].by.as_str(), r[0].role.as_str()), ("Ana", "pm"));
        assert_eq!(r[0].url, "wss://yjs.example.com/onboarding");
        assert!(b.remove_relay("wss://yjs.example.com/onboarding"));
        sync(&b, &a);
        assert!(a.relays().is_empty());
    }
}
