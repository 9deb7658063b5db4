//! A brief's sync status as a person reads it, the same for `groundwork status` and the app:
//! for every other device that shares the brief, whose it is, whether it is connected now,
//! when it was last heard, and how many of this device's changes it has not seen.
//!
//! "A change" is an edit session ([`crate::brief::EditSession`]): one person's edits to one
//! part of the brief with no pause longer than five seconds. The count is worked out from the
//! state vector that device last sent this one (a running peer hears one from every linked
//! peer at least every resync, two seconds) against the edit sessions this device stored with
//! its updates; a device that never sent one has no count (`unseen: None`), never an assumed
//! one. The open merge receipt ([`crate::brief::MergeReceipt`]) comes with it.

use crate::brief::{unseen, EditSession, Member, MergeReceipt};
use crate::store::{Store, StoreError};
use serde::Serialize;
use std::collections::HashMap;
use uuid::Uuid;
use yrs::updates::decoder::Decode;
use yrs::StateVector;

/// One other device that shares a brief, as this device knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DeviceStatus {
    /// Its device key, hex.
    pub device: String,
    /// Whose it is: the name and role it gave ("Dana (pm)"), else the member's.
    pub name: String,
    /// Linked to this device now (only a running peer knows; `status` run alone says false).
    pub connected: bool,
    /// Unix ms it was last heard from (any message), if ever.
    #[ts(type = "number | null")]
    pub last_seen: Option<i64>,
    /// Unix ms its state vector for this brief was last heard, if ever.
    #[ts(type = "number | null")]
    pub as_of: Option<i64>,
    /// How many of this device's changes it has not seen, if it ever said what it holds.
    #[ts(type = "number | null")]
    pub unseen: Option<usize>,
    /// Not linked to this device, but present on the brief through this peer ("Ben Okafor
    /// (engineer)"): its changes and ours travel through it.
    pub via: Option<String>,
    /// A relay this device could not reach, or whose connection ended: since when (unix ms)
    /// and why, as the running peer last saw it.
    #[ts(type = "number | null")]
    pub unreachable_since: Option<i64>,
    pub unreachable: Option<String>,
}

/// The sync status of one brief.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BriefStatus {
    /// This device's changes to the brief, in all.
    #[ts(type = "number")]
    pub changes: usize,
    /// The other devices, those with changes of yours to catch up first, then by name.
    pub devices: Vec<DeviceStatus>,
    /// No other device is connected now.
    pub offline: bool,
    /// What merged from others after being apart, until dismissed.
    pub receipt: Option<MergeReceipt>,
    /// People whose devices ask to join the brief (a member approves them).
    pub asking: Vec<String>,
}

impl BriefStatus {
    /// Devices known to lack some of this device's changes.
    pub fn behind(&self) -> usize {
        self.devices
            .iter()
            .filter(|d| d.unseen.is_some_and(|n| n > 0))
            .count()
    }
}

impl DeviceStatus {
    /// One line for a person: "Dana (pm): has not seen 3 of your changes".
    pub fn describe(&self) -> String {
        let state = match self.unseen {
            None => "has not synced this brief with this device yet".to_string(),
            Some(0) => "has all of your changes".to_string(),
            Some(1) => "has not seen 1 of your changes".to_string(),
            Some(n) => format!("has not seen {n} of your changes"),
        };
        if let (Some(since), false) = (self.unreachable_since, self.connected) {
            return format!(
                "{}: unreachable since {} ({}); {state}",
                self.name,
                crate::status::clock_time(since),
                self.unreachable.as_deref().unwrap_or("no reason given")
            );
        }
        match &self.via {
            Some(via) if !self.connected => {
                format!("{}: {state}; connected through {via}", self.name)
            }
            _ => format!("{}: {state}", self.name),
        }
    }
}

/// A device this one has met (any brief), for the "People and devices" panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct KnownDevice {
    pub device: String,
    /// The name and role it gave ("Dana (pm)"); empty until it said hello.
    pub name: String,
    /// Its last address.
    pub address: String,
    /// How it was found: `mdns`, `dialed`, `incoming`.
    pub source: String,
    #[ts(type = "number")]
    pub last_seen: i64,
    pub connected: bool,
}

/// Every device this one has met, connected ones first, then the most recently seen.
pub async fn known_devices(
    store: &Store,
    connected: &[String],
) -> Result<Vec<KnownDevice>, StoreError> {
    let mut out: Vec<KnownDevice> = store
        .peers()
        .await?
        .into_iter()
        .map(|p| KnownDevice {
            connected: connected.contains(&p.device),
            device: p.device,
            name: p.name,
            address: p.address,
            source: p.source,
            last_seen: p.last_seen,
        })
        .collect();
    out.sort_by_key(|d| (!d.connected, std::cmp::Reverse(d.last_seen)));
    Ok(out)
}

/// How recent a presence row must be to count (presence is renewed every 15 s).
const PRESENT_MS: i64 = 60_000;

/// The status of `brief` for this device (`me`, hex key): the devices that sent a state
/// vector for it, and the other `members`' devices that never did. `connected` lists the
/// device keys linked now.
pub async fn brief_status(
    store: &Store,
    brief: Uuid,
    me: &str,
    members: &[Member],
    connected: &[String],
) -> Result<BriefStatus, StoreError> {
    let sessions = store.edit_sessions(brief).await?;
    let states = store.peer_states(brief).await?;
    let peers = store.peers().await?;
    let mut devices: Vec<DeviceStatus> = Vec::new();
    for st in states.iter().filter(|s| s.device != me) {
        // a state vector that does not decode counts as holding nothing: never "up to date"
        let sv = StateVector::decode_v1(&st.state_vector).unwrap_or_default();
        devices.push(DeviceStatus {
            device: st.device.clone(),
            name: display_name(&st.name, &st.device, members),
            connected: connected.contains(&st.device),
            last_seen: Some(st.last_seen.max(st.updated_at)),
            as_of: Some(st.updated_at),
            unseen: Some(unseen(&sessions, &sv)),
            via: None,
            unreachable_since: None,
            unreachable: None,
        });
    }
    for m in members {
        if m.device == me || devices.iter().any(|d| d.device == m.device) {
            continue;
        }
        let peer = peers.iter().find(|p| p.device == m.device);
        devices.push(DeviceStatus {
            device: m.device.clone(),
            name: display_name(
                peer.map(|p| p.name.as_str()).unwrap_or(""),
                &m.device,
                members,
            ),
            connected: connected.contains(&m.device),
            last_seen: peer.map(|p| p.last_seen),
            as_of: None,
            unseen: None,
            via: None,
            unreachable_since: None,
            unreachable: None,
        });
    }
    // people present through another peer (A - B - C: C as A sees it)
    for state in store.presence(brief, PRESENT_MS).await? {
        let v: serde_json::Value = serde_json::from_str(&state).unwrap_or_default();
        let (Some(device), Some(via)) = (v["device"].as_str(), v["via"].as_str()) else {
            continue;
        };
        if device == me || connected.iter().any(|c| c == device) {
            continue;
        }
        match devices.iter_mut().find(|d| d.device == device) {
            Some(d) => d.via = Some(via.to_string()),
            None => devices.push(DeviceStatus {
                device: device.to_string(),
                name: format!(
                    "{} ({})",
                    v["name"].as_str().unwrap_or("someone"),
                    v["role"].as_str().unwrap_or("?")
                ),
                connected: false,
                last_seen: None,
                as_of: None,
                unseen: None,
                via: Some(via.to_string()),
                unreachable_since: None,
                unreachable: None,
            }),
        }
    }
    // relays: named by address, listed once added even before they said what they hold
    for (url, up, since, reason) in store.relay_states(brief).await? {
        let device = crate::peer::relay_device(&url);
        let i = match devices.iter().position(|d| d.device == device) {
            Some(i) => i,
            None => {
                devices.push(DeviceStatus {
                    device: device.clone(),
                    name: device.clone(),
                    connected: false,
                    last_seen: None,
                    as_of: None,
                    unseen: None,
                    via: None,
                    unreachable_since: None,
                    unreachable: None,
                });
                devices.len() - 1
            }
        };
        if !up {
            devices[i].unreachable_since = Some(since);
            devices[i].unreachable = reason;
        }
    }
    devices.sort_by(|a, b| {
        (b.unseen.unwrap_or(0) > 0, &a.name, &a.device).cmp(&(
            a.unseen.unwrap_or(0) > 0,
            &b.name,
            &b.device,
        ))
    });
    let offline = !devices.iter().any(|d| d.connected);
    Ok(BriefStatus {
        changes: sessions.len(),
        devices,
        offline,
        receipt: store.receipt(brief).await?,
        asking: Vec::new(),
    })
}

/// For every brief, how many other devices are known to lack some of this device's (`me`)
/// changes: what the brief list shows. Two queries, whatever the size of the library.
pub async fn behind_by_brief(store: &Store, me: &str) -> Result<HashMap<Uuid, usize>, StoreError> {
    let states = store.all_peer_states().await?;
    if states.iter().all(|(_, device, _)| device == me) {
        // no peer has said what it holds: nothing to count (and no sessions to read)
        return Ok(HashMap::new());
    }
    let mut sessions: HashMap<Uuid, Vec<EditSession>> = HashMap::new();
    for (brief, s) in store.all_edit_sessions().await? {
        sessions.entry(brief).or_default().push(s);
    }
    let mut out: HashMap<Uuid, usize> = HashMap::new();
    for (brief, device, sv) in states {
        let Some(mine) = sessions.get(&brief) else {
            continue;
        };
        if device == me {
            continue;
        }
        let sv = StateVector::decode_v1(&sv).unwrap_or_default();
        if unseen(mine, &sv) > 0 {
            *out.entry(brief).or_default() += 1;
        }
    }
    Ok(out)
}

/// A unix-ms time as a clock time in UTC ("10:42").
pub fn clock_time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let day = secs.rem_euclid(86_400);
    format!("{:02}:{:02} UTC", day / 3600, (day % 3600) / 60)
}

/// The name a device gave in its Hello, else its member's "Name (role)", else its key; a
/// relay by its address.
fn display_name(hello: &str, device: &str, members: &[Member]) -> String {
    if !hello.is_empty() {
        return hello.to_string();
    }
    // a relay is named by its address ("relay wss://host/room", peer/relays.rs)
    if device.starts_with("relay ") {
        return device.to_string();
    }
    match members.iter().find(|m| m.device == device) {
        Some(m) if !m.name.is_empty() => format!("{} ({})", m.name, m.role),
        _ => format!("device {}", &device[..device.len().min(16)]),
    }
}
