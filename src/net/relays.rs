//! The running peer's relay connections (issue 16): which relays this device uses — its
//! `relay:<brief id>` settings, written by `groundwork relay add` (or the app), read again every
//! [`POLL`] — and one connector task each ([`crate::relay::run_relay`]), whose events the hub
//! hands to the peer machine as a relay link. A relay removed from the settings is stopped and
//! its link closed.

use crate::peer::LinkId;
use crate::relay::{run_relay, RelayEvent, RelaySetting, RelayUrl};
use crate::store::Store;
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use uuid::Uuid;

/// How often the relay settings are read again.
pub(super) const POLL: Duration = Duration::from_secs(2);

pub(super) type RelayEvents = mpsc::UnboundedSender<(Uuid, RelayUrl, RelayEvent)>;

struct Running {
    task: JoinHandle<()>,
    setting: RelaySetting,
    link: Option<LinkId>,
}

pub(super) struct Relays {
    running: HashMap<(Uuid, RelayUrl), Running>,
    events: RelayEvents,
    ids: Arc<AtomicU64>,
}

impl Relays {
    pub fn new(events: RelayEvents, ids: Arc<AtomicU64>) -> Relays {
        Relays {
            running: HashMap::new(),
            events,
            ids,
        }
    }

    /// The relays this device's settings name, per brief; unreadable entries are logged and
    /// left out.
    pub async fn wanted(store: &Store) -> Vec<(Uuid, RelayUrl, RelaySetting)> {
        let rows = match store.settings_with_prefix("relay:").await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "relay settings unavailable");
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for (key, value) in rows {
            let Ok(brief) = Uuid::parse_str(&key["relay:".len()..]) else {
                continue;
            };
            let Ok(list) = serde_json::from_str::<Vec<RelaySetting>>(&value) else {
                tracing::warn!(%brief, "relay setting does not read");
                continue;
            };
            for s in list {
                match RelayUrl::parse(&s.url) {
                    Ok(url) => out.push((brief, url, s)),
                    Err(e) => tracing::warn!(%brief, error = %e, "relay setting refused"),
                }
            }
        }
        out
    }

    /// Starts the relays wanted that are not running (or whose token changed) and stops the
    /// others; returns the links of those stopped, to close.
    pub fn reconcile(&mut self, wanted: Vec<(Uuid, RelayUrl, RelaySetting)>) -> Vec<LinkId> {
        let mut closed = Vec::new();
        let keep: HashMap<(Uuid, RelayUrl), RelaySetting> =
            wanted.into_iter().map(|(b, u, s)| ((b, u), s)).collect();
        self.running.retain(|key, r| {
            let stay = keep.get(key) == Some(&r.setting);
            if !stay {
                r.task.abort();
                closed.extend(r.link);
                tracing::info!(brief = %key.0, relay = %key.1, "relay stopped");
            }
            stay
        });
        for (key, setting) in keep {
            if self.running.contains_key(&key) {
                continue;
            }
            tracing::info!(brief = %key.0, relay = %key.1, "relay started");
            let task = tokio::spawn(run_relay(
                key.0,
                key.1.clone(),
                setting.clone(),
                self.ids.clone(),
                self.events.clone(),
            ));
            self.running.insert(
                key,
                Running {
                    task,
                    setting,
                    link: None,
                },
            );
        }
        closed
    }

    /// Notes the link a relay is connected on now (`None`: not connected).
    pub fn set_link(&mut self, brief: Uuid, url: &RelayUrl, link: Option<LinkId>) {
        if let Some(r) = self.running.get_mut(&(brief, url.clone())) {
            r.link = link;
        }
    }

    /// Whether a relay is still wanted (its events after a stop are dropped).
    pub fn is_running(&self, brief: Uuid, url: &RelayUrl) -> bool {
        self.running.contains_key(&(brief, url.clone()))
    }

    pub fn stop_all(&mut self) {
        for r in self.running.values() {
            r.task.abort();
        }
        self.running.clear();
    }
}
